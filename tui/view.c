/* view.c - rows of a table over the model: build, compute, filter, sort. */
#include "tui/view.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/iostat.h"
#include "analyze/jobs.h"
#include "tui/fmt.h"

#define IO_COLS(x)                                    \
	{"READ/s", 7, CK_BYTES, V_RBPS, 9},           \
	{"WRITE/s", 7, CK_BYTES, V_WBPS, 9},          \
	{"R-IOPS", 6, CK_RATE, V_RIOPS, 6},           \
	{"W-IOPS", 6, CK_RATE, V_WIOPS, 6},           \
	{"META/s", 6, CK_RATE, V_META, 5},            \
	{"AVG-LAT", 7, CK_LAT, V_LAT, 7},             \
	{"%IO-TIME", 8, CK_PCT, V_PIO, 8}

static const struct column proc_cols[] = {
	{"PID", 7, CK_PID, 0, 10},
	{"JOB", 8, CK_JOB, 0, 2},
	IO_COLS(0),
	{"COMMAND", 0, CK_NAME, 0, 10},
};
static const struct column thread_cols[] = {
	{"PID", 7, CK_PID, 0, 4},
	{"TID", 7, CK_TID, 0, 10},
	{"JOB", 8, CK_JOB, 0, 2},
	IO_COLS(0),
	{"COMMAND", 0, CK_NAME, 0, 10},
};
/* The same when some process has an MPI rank (or a task number). */
static const struct column proc_rank_cols[] = {
	{"PID", 7, CK_PID, 0, 10},
	{"JOB", 8, CK_JOB, 0, 2},
	{"RANK", 5, CK_RANK, 0, 4},
	IO_COLS(0),
	{"COMMAND", 0, CK_NAME, 0, 10},
};
static const struct column thread_rank_cols[] = {
	{"PID", 7, CK_PID, 0, 4},
	{"TID", 7, CK_TID, 0, 10},
	{"JOB", 8, CK_JOB, 0, 2},
	{"RANK", 5, CK_RANK, 0, 4},
	IO_COLS(0),
	{"COMMAND", 0, CK_NAME, 0, 10},
};
static const struct column job_cols[] = {
	{"PROCS", 5, CK_COUNT, V_PROCS, 3},
	IO_COLS(0),
	{"JOB", 0, CK_NAME, 0, 10},
};
static const struct column file_cols[] = {
	IO_COLS(0),
	{"PATH", 0, CK_NAME, 0, 10},
};
/* Device rows: iostat -x columns; v[] holds them in this order. */
static const struct column dev_cols[] = {
	{"r/s", 7, CK_NUM, 0, 9},
	{"w/s", 7, CK_NUM, 1, 9},
	{"rkB/s", 9, CK_NUM, 2, 8},
	{"wkB/s", 9, CK_NUM, 3, 8},
	{"r_await", 7, CK_NUM, 4, 6},
	{"w_await", 7, CK_NUM, 5, 6},
	{"aqu-sz", 6, CK_NUM, 6, 5},
	{"%util", 6, CK_NUM, 7, 7},
	{"DEVICE", 0, CK_NAME, 0, 10},
};
/* Lustre rows: per (target, job) jobstats deltas per second. */
static const struct column lustre_cols[] = {
	{"JOB", 14, CK_JOB, 0, 10},
	{"READ/s", 7, CK_BYTES, L_RB, 9},
	{"WRITE/s", 7, CK_BYTES, L_WB, 9},
	{"R-OPS/s", 7, CK_RATE, L_ROPS, 6},
	{"W-OPS/s", 7, CK_RATE, L_WOPS, 6},
	{"META/s", 6, CK_RATE, L_META, 5},
	{"TARGET", 0, CK_NAME, 0, 10},
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

const char *view_name(enum view_kind k)
{
	static const char *const names[VIEW__COUNT] = {"processes", "threads", "jobs",
						       "files",     "devices", "lustre"};
	return k < VIEW__COUNT ? names[k] : "?";
}

const struct column *view_columns(enum view_kind k, int ranks, size_t *n)
{
	switch (k) {
	case VIEW_THREAD:
		*n = ranks ? N(thread_rank_cols) : N(thread_cols);
		return ranks ? thread_rank_cols : thread_cols;
	case VIEW_JOB:
		*n = N(job_cols);
		return job_cols;
	case VIEW_FILE:
		*n = N(file_cols);
		return file_cols;
	case VIEW_DEV:
		*n = N(dev_cols);
		return dev_cols;
	case VIEW_LUSTRE:
		*n = N(lustre_cols);
		return lustre_cols;
	default:
		*n = ranks ? N(proc_rank_cols) : N(proc_cols);
		return ranks ? proc_rank_cols : proc_cols;
	}
}

/* ------------------------------------------------------------------ */
/* Key hash                                                            */
/* ------------------------------------------------------------------ */

static uint64_t key_hash(const struct ekey *k)
{
	uint64_t h = (k->a + ((uint64_t)k->node << 40)) * 0x9e3779b97f4a7c15ull;
	h ^= (k->b + k->kind) * 0xc2b2ae3d27d4eb4full;
	return h ^ (h >> 31);
}

static int index_rows(struct view *v)
{
	size_t ns = 16;
	while (ns < v->nrows * 2)
		ns *= 2;
	free(v->slot);
	v->slot = calloc(ns, sizeof(*v->slot));
	if (!v->slot)
		return -ENOMEM;
	v->nslot = ns;
	for (size_t r = 0; r < v->nrows; r++) {
		size_t i = key_hash(&v->rows[r].key) & (ns - 1);
		while (v->slot[i])
			i = (i + 1) & (ns - 1);
		v->slot[i] = (uint32_t)r + 1;
	}
	return 0;
}

long view_find(const struct view *v, const struct ekey *key)
{
	if (!v->nslot)
		return -1;
	for (size_t i = key_hash(key) & (v->nslot - 1);; i = (i + 1) & (v->nslot - 1)) {
		uint32_t s = v->slot[i];
		if (!s)
			return -1;
		if (!memcmp(&v->rows[s - 1].key, key, sizeof(*key)))
			return s - 1;
	}
}

long view_vis_pos(const struct view *v, long row)
{
	for (size_t i = 0; i < v->nvis; i++)
		if (v->vis[i] == (uint32_t)row)
			return (long)i;
	return -1;
}

/* ------------------------------------------------------------------ */
/* Build                                                               */
/* ------------------------------------------------------------------ */

static const char *trace_job(const struct model *m, uint32_t node)
{
	if (node >= m->nnodes)
		return "";
	static const char *const keys[] = {"job.id", "rec.job_id", "job_id", "job", NULL};
	for (size_t k = 0; keys[k]; k++) {
		const char *j = iot_reader_meta(m->nodes[node].r, keys[k]);
		if (j && *j)
			return j;
	}
	return "";
}

static void fill_proc_fields(struct row *r, const struct model *m)
{
	const struct iot_proc *p = model_proc(m, r->node, r->pid, r->life);
	r->job = trace_job(m, r->node);
	r->name = "?";
	r->rank = NULL;
	if (!p)
		return;
	if (p->job_id && *p->job_id)
		r->job = p->job_id;
	if (p->rank && *p->rank)
		r->rank = p->rank;
	if (p->cmdline && *p->cmdline)
		r->name = p->cmdline;
	else if (p->comm && *p->comm)
		r->name = p->comm;
	r->exit_t = model_wall(m, r->node, p->exit_ns);
}

static int alloc_rows(struct view *v, size_t n)
{
	v->rows = calloc(n ? n : 1, sizeof(*v->rows));
	v->vis = calloc(n ? n : 1, sizeof(*v->vis));
	return v->rows && v->vis ? 0 : -ENOMEM;
}

/* Several traces (nodes): rows say which host they come from. */
static const char *node_host(const struct model *m, uint32_t node)
{
	if (m->nnodes < 2 || node >= m->nnodes)
		return NULL;
	const char *h = iot_reader_meta(m->nodes[node].r, "host.name");
	return h && *h ? h : iot_reader_name(m->nodes[node].r);
}

static int build_entities(struct view *v, const struct model *m, const struct etab *t)
{
	if (alloc_rows(v, t->n))
		return -ENOMEM;
	for (size_t i = 0; i < t->n; i++) {
		struct row *r = &v->rows[v->nrows++];
		const struct ekey *k = &t->ent[i].key;
		r->key = *k;
		r->ent = (long)i;
		r->node = k->node;
		r->host = node_host(m, k->node);
		if (k->kind == EK_FILE) {
			r->file_id = k->a;
			const char *p = model_path(m, k->node, k->a);
			r->name = p ? p : "?";
			r->job = "";
			continue;
		}
		r->pid = MODEL_KEY_PID(k->a);
		r->life = MODEL_KEY_LIFE(k->a);
		r->tid = (uint32_t)k->b;
		fill_proc_fields(r, m);
	}
	return 0;
}

static uint64_t str_hash(const char *s)
{
	uint64_t h = 1469598103934665603ull;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

/* One row per distinct job string; group[] maps pid entities to them. */
static int build_jobs(struct view *v, const struct model *m)
{
	const struct etab *t = &m->cur.pids;
	if (alloc_rows(v, t->n))
		return -ENOMEM;
	v->group = calloc(t->n ? t->n : 1, sizeof(*v->group));
	if (!v->group)
		return -ENOMEM;
	v->ngroup = t->n;
	for (size_t i = 0; i < t->n; i++) {
		struct row tmp = {.node = t->ent[i].key.node, .pid = MODEL_KEY_PID(t->ent[i].key.a),
				  .life = MODEL_KEY_LIFE(t->ent[i].key.a)};
		fill_proc_fields(&tmp, m);
		struct ekey k = {.kind = 'J', .a = str_hash(tmp.job)};
		long r = -1;
		for (size_t j = 0; j < v->nrows; j++)
			if (!memcmp(&v->rows[j].key, &k, sizeof(k)) && !strcmp(v->rows[j].name, tmp.job)) {
				r = (long)j;
				break;
			}
		if (r < 0) {
			r = (long)v->nrows++;
			v->rows[r].key = k;
			v->rows[r].ent = -1;
			v->rows[r].job = tmp.job;
			v->rows[r].name = *tmp.job ? tmp.job : "(no job)";
		}
		v->group[i] = r;
	}
	return 0;
}

static int build_devs(struct view *v, const struct model *m)
{
	const struct scan_out *o = &m->cur;
	if (alloc_rows(v, o->ndevs))
		return -ENOMEM;
	for (size_t i = 0; i < o->ndevs; i++) {
		struct row *r = &v->rows[v->nrows++];
		r->key = (struct ekey){.node = o->devs[i].node, .kind = 'D',
				       .a = o->devs[i].major, .b = o->devs[i].minor};
		r->ent = (long)i;
		r->node = o->devs[i].node;
		r->host = node_host(m, r->node);
		r->job = "";
		r->name = o->devs[i].name;
	}
	return 0;
}

/* One row per (job, target) of the jobstats delta engine. */
static int build_lustre(struct view *v, const struct model *m)
{
	const struct jobs *j = m->cur.jobs;
	size_t n = 0;
	for (size_t i = 0; j && i < jobs_count(j); i++)
		n += jobs_job(j, i)->ntargets;
	if (alloc_rows(v, n))
		return -ENOMEM;
	for (size_t i = 0; j && i < jobs_count(j); i++) {
		const struct jobs_job *jj = jobs_job(j, i);
		for (size_t t = 0; t < jj->ntargets; t++) {
			struct row *r = &v->rows[v->nrows++];
			r->key = (struct ekey){.kind = 'L', .a = i, .b = t};
			r->ent = (long)i;
			r->file_id = t;
			r->job = jj->id.id ? jj->id.id : jj->raw;
			r->name = jj->targets[t];
		}
	}
	return 0;
}

int view_build(struct view *v, enum view_kind k, const struct model *m)
{
	int sort_col = v->cols ? v->sort_col : -1, reverse = v->reverse;
	int same = v->cols && v->kind == k;
	view_free(v);
	v->kind = k;
	v->cols = view_columns(k, m->has_ranks, &v->ncols);
	v->exact = m->exact;
	int rc = 0;
	switch (k) {
	case VIEW_PROC:
		rc = build_entities(v, m, &m->cur.pids);
		break;
	case VIEW_THREAD:
		rc = build_entities(v, m, &m->cur.tids);
		break;
	case VIEW_FILE:
		rc = build_entities(v, m, &m->cur.files);
		break;
	case VIEW_JOB:
		rc = build_jobs(v, m);
		break;
	case VIEW_DEV:
		rc = build_devs(v, m);
		break;
	case VIEW_LUSTRE:
		rc = build_lustre(v, m);
		break;
	default:
		rc = alloc_rows(v, 0);
		break;
	}
	if (!rc)
		rc = index_rows(v);
	if (same && sort_col >= 0) {
		v->sort_col = sort_col;
		v->reverse = reverse;
	} else {
		/* Default: the busiest rows first (%IO for I/O views, the
		 * first number otherwise). */
		v->sort_col = 0;
		for (size_t c = 0; c < v->ncols; c++)
			if (v->cols[c].kind == CK_PCT || (k == VIEW_DEV && v->cols[c].vi == 7))
				v->sort_col = (int)c;
		if (k == VIEW_LUSTRE)
			v->sort_col = 1;
		v->reverse = 0;
	}
	return rc;
}

void view_free(struct view *v)
{
	free(v->rows);
	free(v->vis);
	free(v->slot);
	free(v->group);
	memset(v, 0, sizeof(*v));
}

/* ------------------------------------------------------------------ */
/* Compute                                                             */
/* ------------------------------------------------------------------ */

static void agg_to_values(const struct ser_agg *a, double secs, double *v)
{
	uint64_t ops = a->rops + a->wops + a->mops;
	v[V_RBPS] = (double)a->rbytes / secs;
	v[V_WBPS] = (double)a->wbytes / secs;
	v[V_RIOPS] = (double)a->rops / secs;
	v[V_WIOPS] = (double)a->wops / secs;
	v[V_META] = (double)a->mops / secs;
	v[V_LAT] = ops ? (double)a->io_ns / (double)ops / 1e9 : 0;
	v[V_PIO] = (double)a->io_ns / (secs * 1e9) * 100.0;
}

static const struct etab *view_table(const struct view *v, const struct model *m)
{
	switch (v->kind) {
	case VIEW_THREAD:
		return &m->cur.tids;
	case VIEW_FILE:
		return &m->cur.files;
	default:
		return &m->cur.pids;
	}
}

static void compute_io(struct view *v, const struct model *m, uint32_t b0, uint32_t b1, double secs)
{
	const struct etab *t = view_table(v, m);
	uint64_t wend = model_bin_time(m, b1);
	if (v->kind == VIEW_JOB) {
		for (size_t r = 0; r < v->nrows; r++) {
			memset(&v->rows[r].a, 0, sizeof(v->rows[r].a));
			v->rows[r].v[V_PROCS] = 0;
		}
		for (size_t i = 0; i < v->ngroup && i < t->n; i++) {
			struct ser_agg a;
			ser_range(&t->ent[i].s, b0, b1, &a);
			struct row *r = &v->rows[v->group[i]];
			ser_agg_add(&r->a, &a);
			if (a.rops + a.wops + a.mops)
				r->v[V_PROCS] += 1;
		}
	}
	for (size_t i = 0; i < v->nrows; i++) {
		struct row *r = &v->rows[i];
		if (r->ent >= 0 && (size_t)r->ent < t->n)
			ser_range(&t->ent[r->ent].s, b0, b1, &r->a);
		double procs = r->v[V_PROCS];
		agg_to_values(&r->a, secs, r->v);
		r->v[V_PROCS] = procs;
		r->active = r->a.rops + r->a.wops + r->a.mops > 0;
		r->exited = r->exit_t && r->exit_t < wend;
	}
}

/* Index of the last sample at or before t, or -1. */
static long sample_at(const struct disk_dev *d, uint64_t t)
{
	long lo = 0, hi = (long)d->n;
	while (lo < hi) {
		long mid = lo + (hi - lo) / 2;
		if (d->s[mid].ts_ns <= t)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo - 1;
}

/* iostat -x columns of a device row between the samples that bracket
 * the window (the poll interval holding it when the window is shorter). */
static void dev_row(const struct model *m, struct row *r, uint64_t ws, uint64_t we)
{
	static const int cols[8] = {IOSTAT_R_S, IOSTAT_W_S, IOSTAT_RKB_S, IOSTAT_WKB_S,
				    IOSTAT_R_AWAIT, IOSTAT_W_AWAIT, IOSTAT_AQU_SZ, IOSTAT_UTIL};
	memset(r->v, 0, sizeof(r->v));
	r->active = 0;
	if (r->ent < 0 || (size_t)r->ent >= m->cur.ndevs)
		return;
	const struct disk_dev *d = &m->cur.devs[r->ent];
	if (d->n < 2)
		return;
	long a = sample_at(d, ws), b = sample_at(d, we);
	if (a < 0)
		a = 0;
	if (b <= a)
		b = a + 1;
	if ((size_t)b >= d->n) {
		b = (long)d->n - 1;
		a = b - 1;
	}
	struct iostat_metrics met;
	if (iostat_compute(&d->s[a], &d->s[b], &met))
		return;
	for (int c = 0; c < 8; c++)
		r->v[c] = met.v[cols[c]];
	r->active = r->v[0] + r->v[1] > 0;
}

/* Jobstats deltas of a (job, target) row over the intervals overlapping
 * the window, each counted in proportion to its overlap, per second. */
static void lustre_row(const struct model *m, struct row *r, uint64_t ws, uint64_t we, double secs)
{
	memset(r->v, 0, sizeof(r->v));
	r->active = 0;
	if (!m->cur.jobs || r->ent < 0 || (size_t)r->ent >= jobs_count(m->cur.jobs))
		return;
	const struct jobs_job *jj = jobs_job(m->cur.jobs, (size_t)r->ent);
	for (size_t k = 0; k < jj->niv; k++) {
		const struct jobs_interval *iv = &jj->iv[k];
		if (strcmp(iv->target, r->name) || iv->end_ns <= iv->start_ns)
			continue;
		uint64_t lo = iv->start_ns > ws ? iv->start_ns : ws;
		uint64_t hi = iv->end_ns < we ? iv->end_ns : we;
		if (hi <= lo)
			continue;
		double f = (double)(hi - lo) / (double)(iv->end_ns - iv->start_ns);
		for (size_t q = 0; q < iv->nd; q++) {
			const struct jobs_delta *d = &iv->d[q];
			if (!strcmp(d->counter, "read_bytes")) {
				r->v[L_RB] += (double)d->sum * f;
				r->v[L_ROPS] += (double)d->samples * f;
			} else if (!strcmp(d->counter, "write_bytes")) {
				r->v[L_WB] += (double)d->sum * f;
				r->v[L_WOPS] += (double)d->samples * f;
			} else if (strncmp(d->counter, "read", 4) && strncmp(d->counter, "write", 5)) {
				r->v[L_META] += (double)d->samples * f;
			}
		}
	}
	for (int c = L_RB; c <= L_META; c++)
		r->v[c] /= secs;
	r->active = r->v[L_RB] + r->v[L_WB] + r->v[L_META] > 0;
}

void view_counter_row(enum view_kind k, const struct model *m, struct row *r, uint32_t b0, uint32_t b1)
{
	if (b1 <= b0)
		b1 = b0 + 1;
	uint64_t ws = model_bin_time(m, b0), we = model_bin_time(m, b1);
	if (k == VIEW_DEV)
		dev_row(m, r, ws, we);
	else if (k == VIEW_LUSTRE)
		lustre_row(m, r, ws, we, (double)(we - ws) / 1e9);
}

void view_compute(struct view *v, const struct model *m, uint32_t b0, uint32_t b1)
{
	if (b1 <= b0)
		b1 = b0 + 1;
	double secs = (double)(b1 - b0) * (double)m->binw / 1e9;
	switch (v->kind) {
	case VIEW_DEV:
	case VIEW_LUSTRE:
		for (size_t i = 0; i < v->nrows; i++)
			view_counter_row(v->kind, m, &v->rows[i], b0, b1);
		break;
	default:
		compute_io(v, m, b0, b1, secs);
		break;
	}
}

/* ------------------------------------------------------------------ */
/* Filter and sort                                                     */
/* ------------------------------------------------------------------ */

void view_filter(struct view *v, const char *filter, int only_active)
{
	v->nvis = 0;
	for (size_t i = 0; i < v->nrows; i++) {
		const struct row *r = &v->rows[i];
		if (only_active && !r->active)
			continue;
		if (*filter && !fmt_contains(r->name, filter) && !fmt_contains(r->job, filter) &&
		    !fmt_contains(r->host, filter))
			continue;
		v->vis[v->nvis++] = (uint32_t)i;
	}
	view_sort(v);
}

static int cmp_u64(uint64_t a, uint64_t b)
{
	return (a > b) - (a < b);
}

/* Ranks in numeric order (they are decimal numbers), rows without one
 * last. */
static int cmp_rank(const char *a, const char *b)
{
	if (!a || !b)
		return (a == NULL) - (b == NULL);
	char *ea, *eb;
	unsigned long long x = strtoull(a, &ea, 10), y = strtoull(b, &eb, 10);
	if (*a && *b && !*ea && !*eb && x != y)
		return x < y ? -1 : 1;
	return strcmp(a, b);
}

static int cmp_rows(const void *x, const void *y, void *arg)
{
	const struct view *v = arg;
	const struct row *a = &v->rows[*(const uint32_t *)x], *b = &v->rows[*(const uint32_t *)y];
	const struct column *c = &v->cols[v->sort_col];
	int d;
	switch (c->kind) {
	case CK_PID:
		d = cmp_u64(a->pid, b->pid);
		break;
	case CK_TID:
		d = cmp_u64(a->tid, b->tid);
		break;
	case CK_JOB:
		d = strcmp(a->job, b->job);
		break;
	case CK_RANK:
		d = cmp_rank(a->rank, b->rank);
		break;
	case CK_NAME:
		d = strcmp(a->name, b->name);
		break;
	default:
		/* Numbers: largest first, the busiest rows on top. */
		d = (a->v[c->vi] < b->v[c->vi]) - (a->v[c->vi] > b->v[c->vi]);
		break;
	}
	if (v->reverse)
		d = -d;
	if (d)
		return d;
	/* Stable order for ties: by key. */
	d = cmp_u64(a->key.node, b->key.node);
	if (!d)
		d = cmp_u64(a->key.a, b->key.a);
	if (!d)
		d = cmp_u64(a->key.b, b->key.b);
	return d;
}

void view_sort(struct view *v)
{
	if (v->nvis > 1 && v->sort_col >= 0 && (size_t)v->sort_col < v->ncols)
		qsort_r(v->vis, v->nvis, sizeof(*v->vis), cmp_rows, v);
}

void view_totals(const struct view *v, double out[ROW_NV])
{
	memset(out, 0, sizeof(double) * ROW_NV);
	for (size_t i = 0; i < v->nvis; i++) {
		const struct row *r = &v->rows[v->vis[i]];
		for (int k = 0; k < V_LAT; k++)
			out[k] += r->v[k];
	}
}
