/* model.c - index series at open, exact series from a background scan. */
#include "tui/model.h"

#include "analyze/jobs.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

uint64_t model_pick_binw(uint64_t span, uint32_t maxbins)
{
	static const uint64_t mult[] = {1, 2, 5};
	for (uint64_t p = 1000000;; p *= 10) /* bins of 1 ms at least: rates of a lone event stay sane */
		for (int i = 0; i < 3; i++) {
			uint64_t w = p * mult[i];
			if (span / w < maxbins || w >= 1000000000000000ull)
				return w;
		}
}

uint32_t model_bin(const struct model *m, uint64_t wall_ns)
{
	if (wall_ns <= m->t0)
		return 0;
	uint64_t b = (wall_ns - m->t0) / m->binw;
	return b > m->nbins ? m->nbins : (uint32_t)b;
}

/* Bin of an event: the last bin holds t1 itself. */
static uint32_t event_bin(const struct model *m, uint64_t wall_ns)
{
	uint32_t b = model_bin(m, wall_ns);
	return b >= m->nbins ? m->nbins - 1 : b;
}

uint64_t model_bin_time(const struct model *m, uint32_t b)
{
	return m->t0 + (uint64_t)b * m->binw;
}

static uint64_t to_wall(const struct tv_node *n, uint64_t ts)
{
	int64_t w = (int64_t)ts + n->wall_off;
	return w < 0 ? 0 : (uint64_t)w;
}

uint64_t model_wall(const struct model *m, uint32_t node, uint64_t ts)
{
	if (!ts || node >= m->nnodes)
		return 0;
	return to_wall(&m->nodes[node], ts);
}

/* Entity key of pid at trace time ts on node (see MODEL_KEY_LIFE). */
static uint64_t pid_key(const struct tv_node *n, uint32_t pid, uint64_t ts)
{
	return pid | (uint64_t)iot_reader_proc_life(n->r, pid, ts) << 32;
}

/* Spread a chunk's per-pid totals evenly over the bins its time range
 * covers; the remainders go to the last bin so totals stay exact. */
static int add_chunk_aggs(struct model *m, uint32_t node, const struct iot_chunk_info *ci)
{
	const struct tv_node *n = &m->nodes[node];
	uint32_t b0 = event_bin(m, to_wall(n, ci->first_ts));
	uint32_t b1 = event_bin(m, to_wall(n, ci->last_ts));
	if (b1 < b0) /* impossible range in a damaged index: use its start */
		b1 = b0;
	uint64_t nb = (uint64_t)b1 - b0 + 1;
	for (uint32_t i = 0; i < ci->nagg; i++) {
		const struct iot_pid_agg *pa = &ci->agg[i];
		struct ekey k = {.node = node, .kind = EK_PID, .a = pid_key(n, pa->pid, ci->first_ts)};
		long e = etab_get(&m->cur.pids, &k);
		if (e < 0)
			return -ENOMEM;
		const uint64_t tot[6] = {pa->read_ops, pa->write_ops, pa->meta_ops,
					 pa->read_bytes, pa->write_bytes, pa->io_time_ns};
		for (uint64_t j = 0; j < nb; j++) {
			uint64_t v[6];
			for (int f = 0; f < 6; f++)
				v[f] = tot[f] / nb + (j == nb - 1 ? tot[f] % nb : 0);
			struct ser_agg a = {v[0], v[1], v[2], v[3], v[4], v[5]};
			if (ser_add(&m->cur.pids.ent[e].s, b0 + (uint32_t)j, &a))
				return -ENOMEM;
		}
	}
	return 0;
}

static void compute_span(struct model *m)
{
	int any = 0;
	for (size_t i = 0; i < m->nnodes; i++) {
		struct tv_node *n = &m->nodes[i];
		uint64_t f, l;
		if (iot_reader_span(n->r, &f, &l))
			continue;
		n->wall_off = (int64_t)iot_reader_wall_ns(n->r, f) - (int64_t)f;
		uint64_t wf = to_wall(n, f), wl = to_wall(n, l);
		if (!any || wf < m->t0)
			m->t0 = wf;
		if (!any || wl > m->t1)
			m->t1 = wl;
		any = 1;
	}
	uint64_t span = m->t1 - m->t0;
	m->binw = model_pick_binw(span, 4000);
	/* Bins cover [t0, t1]; an event at exactly t1 goes to the last one. */
	m->nbins = (uint32_t)((span + m->binw - 1) / m->binw);
	if (!m->nbins)
		m->nbins = 1;
}

/* Does some process of some node have an MPI rank (or task number)? */
static int any_rank(const struct model *m)
{
	for (size_t n = 0; n < m->nnodes; n++) {
		const iot_reader *r = m->nodes[n].r;
		for (size_t i = 0, np = iot_reader_proc_count(r); i < np; i++) {
			const struct iot_proc *p = iot_reader_proc_at(r, i);
			if (p && p->rank && *p->rank)
				return 1;
		}
	}
	return 0;
}

int model_open(struct model *m, iot_reader *const *readers, size_t n)
{
	memset(m, 0, sizeof(*m));
	m->nodes = calloc(n ? n : 1, sizeof(*m->nodes));
	if (!m->nodes)
		return -ENOMEM;
	m->nnodes = n;
	for (size_t i = 0; i < n; i++) {
		m->nodes[i].r = readers[i];
		pthread_mutex_init(&m->nodes[i].lock, NULL);
	}
	compute_span(m);
	m->has_ranks = any_rank(m);
	for (size_t i = 0; i < n; i++) {
		size_t nc = iot_reader_chunk_count(readers[i]);
		for (size_t c = 0; c < nc; c++) {
			const struct iot_chunk_info *ci = iot_reader_chunk(readers[i], c);
			m->chunks_total++;
			if (ci->stream != IOT_STREAM_IO)
				continue;
			int rc = add_chunk_aggs(m, (uint32_t)i, ci);
			if (rc)
				return rc;
		}
	}
	etab_finish(&m->cur.pids);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Background scan                                                     */
/* ------------------------------------------------------------------ */

/* Per-table memo of the last entity touched: consecutive events mostly
 * belong to the same process, thread and file. */
struct memo {
	struct ekey k;
	long e;
};

static int add_to(struct etab *t, struct memo *mo, const struct ekey *k, uint32_t bin,
		  const struct ser_agg *a)
{
	if (mo->e < 0 || memcmp(&mo->k, k, sizeof(*k))) {
		mo->e = etab_get(t, k);
		if (mo->e < 0)
			return -ENOMEM;
		mo->k = *k;
	}
	return ser_add(&t->ent[mo->e].s, bin, a);
}

static void event_agg(const struct iot_io_event *ev, struct ser_agg *a)
{
	memset(a, 0, sizeof(*a));
	uint64_t moved = ev->result > 0 ? (uint64_t)ev->result : 0;
	switch (iot_op_category(ev->op)) {
	case IOT_CAT_READ:
		a->rops = 1;
		a->rbytes = moved;
		break;
	case IOT_CAT_WRITE:
		a->wops = 1;
		a->wbytes = moved;
		break;
	default:
		a->mops = 1;
		break;
	}
	a->io_ns = ev->dur_ns;
}

struct scan_memos {
	struct memo t, f;
};

static int scan_io(struct model *m, uint32_t node, const struct iot_io_event *evs, size_t n,
		   struct scan_memos *mo)
{
	struct scan_out *o = &m->next;
	const struct tv_node *nd = &m->nodes[node];
	uint64_t single = UINT64_MAX; /* last pid seen with one life */
	for (size_t i = 0; i < n; i++) {
		const struct iot_io_event *ev = &evs[i];
		struct ser_agg a;
		event_agg(ev, &a);
		uint32_t b = event_bin(m, to_wall(nd, ev->ts_ns));
		/* Processes are summed from their threads once the scan is
		 * done (pids_from_tids): one table less per event. Runs of
		 * one pid look its life up once unless it was reused. */
		uint64_t pk = ev->pid == single ? ev->pid : pid_key(nd, ev->pid, ev->ts_ns);
		if (pk == ev->pid)
			single = ev->pid;
		struct ekey kt = {.node = node, .kind = EK_TID, .a = pk, .b = ev->tid};
		if (add_to(&o->tids, &mo->t, &kt, b, &a))
			return -ENOMEM;
		if (!ev->file_id)
			continue;
		struct ekey kf = {.node = node, .kind = EK_FILE, .a = ev->file_id};
		if (add_to(&o->files, &mo->f, &kf, b, &a))
			return -ENOMEM;
	}
	o->events += n;
	return 0;
}

static struct disk_dev *find_dev(struct scan_out *o, uint32_t node, const struct iot_disk_sample *s)
{
	for (size_t i = 0; i < o->ndevs; i++)
		if (o->devs[i].node == node && o->devs[i].major == s->major &&
		    o->devs[i].minor == s->minor)
			return &o->devs[i];
	struct disk_dev *nd = realloc(o->devs, (o->ndevs + 1) * sizeof(*nd));
	if (!nd)
		return NULL;
	o->devs = nd;
	struct disk_dev *d = &o->devs[o->ndevs++];
	memset(d, 0, sizeof(*d));
	d->node = node;
	d->major = s->major;
	d->minor = s->minor;
	return d;
}

static int scan_disk(struct scan_out *o, const struct tv_node *nd, uint32_t node,
		     const struct iot_disk_sample *s)
{
	struct disk_dev *d = find_dev(o, node, s);
	if (!d)
		return -ENOMEM;
	if (!d->name[0]) {
		const char *nm = iot_reader_string(nd->r, s->name_id);
		snprintf(d->name, sizeof(d->name), "%s", nm ? nm : "?");
	}
	if (d->n == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 16;
		struct iot_disk_sample *ns = realloc(d->s, cap * sizeof(*ns));
		if (!ns)
			return -ENOMEM;
		d->s = ns;
		d->cap = cap;
	}
	struct iot_disk_sample *ds = &d->s[d->n++];
	*ds = *s;
	ds->ts_ns = to_wall(nd, s->ts_ns);
	return 0;
}

/* Jobstats samples of one chunk go to the analyzer's delta engine; the
 * recorder writes the polls of a target in time order. */
static int scan_js(struct scan_out *o, const struct tv_node *nd, const struct iot_jobstat_sample *s)
{
	if (!o->jobs && !(o->jobs = jobs_new()))
		return -ENOMEM;
	const char *target = iot_reader_string(nd->r, s->target_id);
	const char *job = iot_reader_string(nd->r, s->job_id);
	const char *counter = iot_reader_string(nd->r, s->counter_id);
	if (!target || !job || !counter)
		return 0; /* unresolvable strings: skip the sample, not the poll */
	struct jobs_sample js = {
		.target = target,
		.job = job,
		.counter = counter,
		.unit = iot_reader_string(nd->r, s->unit_id),
		.poll_ns = to_wall(nd, s->ts_ns),
		.start_ns = s->start_ns,
		.samples = s->samples,
		.sum = s->sum,
	};
	return jobs_add(o->jobs, &js);
}

static int scan_procio(struct scan_out *o, const struct tv_node *nd, uint32_t node,
		       const struct iot_procio_sample *s)
{
	if (o->npio == o->cappio) {
		size_t cap = o->cappio ? o->cappio * 2 : 64;
		struct procio_rec *np = realloc(o->pio, cap * sizeof(*np));
		if (!np)
			return -ENOMEM;
		o->pio = np;
		o->cappio = cap;
	}
	struct procio_rec *p = &o->pio[o->npio++];
	p->node = node;
	p->s = *s;
	p->s.ts_ns = to_wall(nd, s->ts_ns);
	return 0;
}

static int cmp_procio(const void *x, const void *y)
{
	const struct procio_rec *a = x, *b = y;
	if (a->node != b->node)
		return a->node < b->node ? -1 : 1;
	if (a->s.pid != b->s.pid)
		return a->s.pid < b->s.pid ? -1 : 1;
	return (a->s.ts_ns > b->s.ts_ns) - (a->s.ts_ns < b->s.ts_ns);
}

/* First procio record of (node, pid) at or after ts, by binary search. */
static size_t procio_lower(const struct scan_out *o, uint32_t node, uint32_t pid, uint64_t ts)
{
	struct procio_rec key = {.node = node, .s = {.pid = pid, .ts_ns = ts}};
	size_t lo = 0, hi = o->npio;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (cmp_procio(&o->pio[mid], &key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

int model_procio(const struct model *m, uint32_t node, uint32_t pid, uint64_t from, uint64_t to,
		 double out[PIO_N])
{
	const struct scan_out *o = &m->cur;
	size_t first = procio_lower(o, node, pid, 0), end = procio_lower(o, node, pid + 1, 0);
	if (pid == UINT32_MAX)
		end = procio_lower(o, node + 1, 0, 0);
	if (end - first < 2)
		return 0;
	/* a: last sample at or before from; b: last at or before to. */
	size_t a = procio_lower(o, node, pid, from + 1), b = procio_lower(o, node, pid, to + 1);
	a = a > first ? a - 1 : first;
	b = b > first ? b - 1 : first;
	if (b <= a)
		b = a + 1;
	if (b >= end) {
		b = end - 1;
		a = b - 1;
	}
	const struct iot_procio_sample *p = &o->pio[a].s, *q = &o->pio[b].s;
	double dt = (double)(q->ts_ns - p->ts_ns) / 1e9;
	if (dt <= 0)
		return 0;
	const uint64_t pv[PIO_N] = {p->rchar, p->wchar, p->syscr, p->syscw, p->read_bytes, p->write_bytes};
	const uint64_t qv[PIO_N] = {q->rchar, q->wchar, q->syscr, q->syscw, q->read_bytes, q->write_bytes};
	for (int i = 0; i < PIO_N; i++)
		out[i] = qv[i] >= pv[i] ? (double)(qv[i] - pv[i]) / dt : 0;
	return 1;
}

static int scan_records(struct model *m, uint32_t node, const struct iot_record *recs, size_t n)
{
	struct scan_out *o = &m->next;
	const struct tv_node *nd = &m->nodes[node];
	for (size_t i = 0; i < n; i++) {
		int rc = 0;
		if (recs[i].stream == IOT_STREAM_DISK)
			rc = scan_disk(o, nd, node, &recs[i].u.disk);
		else if (recs[i].stream == IOT_STREAM_JOBSTATS)
			rc = scan_js(o, nd, &recs[i].u.js);
		else if (recs[i].stream == IOT_STREAM_PROCIO)
			rc = scan_procio(o, nd, node, &recs[i].u.procio);
		else if (recs[i].stream == IOT_STREAM_LOSS)
			o->losses += recs[i].u.loss.count;
		if (rc)
			return rc;
	}
	return 0;
}

void model_chunk_done(const struct model *m, uint32_t node, size_t c)
{
	if (!m->release || node >= m->nnodes)
		return;
	const struct iot_chunk_info *ci = iot_reader_chunk(m->nodes[node].r, c);
	/* The payload follows a header and the aggregates; releasing
	 * [offset, offset + comp_size) drops nearly all of the chunk and
	 * never a byte of the next one. */
	m->release(m->release_ctx, node, ci->offset, ci->offset + ci->comp_size);
}

static int scan_chunk(struct model *m, uint32_t node, size_t c, struct scan_memos *mo)
{
	struct tv_node *nd = &m->nodes[node];
	const struct iot_chunk_info *ci = iot_reader_chunk(nd->r, c);
	int rc = 0;
	pthread_mutex_lock(&nd->lock);
	if (ci->stream == IOT_STREAM_IO) {
		const struct iot_io_event *evs;
		size_t n;
		/* A corrupt chunk is skipped (the reader keeps a warning). */
		if (iot_reader_decode_io(nd->r, c, &evs, &n) == 0)
			rc = scan_io(m, node, evs, n, mo);
	} else if (ci->stream == IOT_STREAM_DISK || ci->stream == IOT_STREAM_JOBSTATS ||
		   ci->stream == IOT_STREAM_PROCIO || ci->stream == IOT_STREAM_LOSS) {
		const struct iot_record *recs;
		size_t n;
		if (iot_reader_decode_chunk(nd->r, c, &recs, &n) == 0)
			rc = scan_records(m, node, recs, n);
	}
	pthread_mutex_unlock(&nd->lock);
	model_chunk_done(m, node, c);
	return rc;
}

/* Each process's series is the sum of its threads' (raw, not yet
 * accumulated) bins; ser_finish sorts and merges them. */
static int pids_from_tids(struct scan_out *o)
{
	for (size_t i = 0; i < o->tids.n; i++) {
		const struct entity *t = &o->tids.ent[i];
		struct ekey kp = {.node = t->key.node, .kind = EK_PID, .a = t->key.a};
		long e = etab_get(&o->pids, &kp);
		if (e < 0)
			return -ENOMEM;
		for (uint32_t j = 0; j < t->s.n; j++)
			if (ser_add(&o->pids.ent[e].s, t->s.bin[j], &t->s.cum[j]))
				return -ENOMEM;
	}
	return 0;
}

static void *scan_main(void *arg)
{
	struct model *m = arg;
	int rc = 0;
	for (uint32_t node = 0; node < m->nnodes && !rc; node++) {
		struct scan_memos mo = {.t.e = -1, .f.e = -1};
		size_t nc = iot_reader_chunk_count(m->nodes[node].r);
		for (size_t c = 0; c < nc && !rc; c++) {
			if (atomic_load(&m->stop))
				rc = -ECANCELED;
			else
				rc = scan_chunk(m, node, c, &mo);
			atomic_fetch_add(&m->chunks_done, 1);
		}
	}
	if (!rc)
		rc = pids_from_tids(&m->next);
	if (!rc) {
		etab_finish(&m->next.pids);
		etab_finish(&m->next.tids);
		etab_finish(&m->next.files);
		if (m->next.npio)
			qsort(m->next.pio, m->next.npio, sizeof(*m->next.pio), cmp_procio);
	}
	m->next.err = rc;
	atomic_store(&m->scan_state, rc ? -1 : 1);
	return NULL;
}

int model_start_scan(struct model *m)
{
	int rc = pthread_create(&m->thread, NULL, scan_main, m);
	if (rc)
		return -rc;
	m->thread_started = 1;
	return 0;
}

static void scan_out_free(struct scan_out *o)
{
	etab_free(&o->pids);
	etab_free(&o->tids);
	etab_free(&o->files);
	for (size_t i = 0; i < o->ndevs; i++)
		free(o->devs[i].s);
	free(o->devs);
	jobs_free(o->jobs);
	free(o->pio);
	memset(o, 0, sizeof(*o));
}

int model_poll(struct model *m)
{
	if (m->exact || !m->thread_started || atomic_load(&m->scan_state) != 1)
		return 0;
	pthread_join(m->thread, NULL);
	m->thread_started = 0;
	scan_out_free(&m->cur);
	m->cur = m->next;
	memset(&m->next, 0, sizeof(m->next));
	m->exact = 1;
	return 1;
}

int model_scan_error(const struct model *m)
{
	if (atomic_load(&((struct model *)m)->scan_state) != -1)
		return 0;
	return m->next.err ? m->next.err : -EIO;
}

unsigned model_progress(const struct model *m)
{
	if (m->exact || !m->chunks_total)
		return 1000;
	unsigned long d = atomic_load(&((struct model *)m)->chunks_done);
	unsigned p = (unsigned)(d * 1000 / m->chunks_total);
	return p >= 1000 ? 999 : p;
}

void model_close(struct model *m)
{
	if (m->thread_started) {
		atomic_store(&m->stop, 1);
		pthread_join(m->thread, NULL);
	}
	scan_out_free(&m->cur);
	scan_out_free(&m->next);
	for (size_t i = 0; i < m->nnodes; i++)
		pthread_mutex_destroy(&m->nodes[i].lock);
	free(m->nodes);
	memset(m, 0, sizeof(*m));
}

const struct iot_proc *model_proc(const struct model *m, uint32_t node, uint32_t pid,
				  uint32_t life)
{
	if (node >= m->nnodes)
		return NULL;
	const iot_reader *r = m->nodes[node].r;
	const struct iot_proc *p = life ? iot_reader_proc_at(r, life - 1) : NULL;
	return p && p->pid == pid ? p : iot_reader_proc(r, pid, 0);
}

const char *model_path(const struct model *m, uint32_t node, uint64_t file_id)
{
	if (node >= m->nnodes)
		return NULL;
	const struct iot_file *f = iot_reader_file(m->nodes[node].r, file_id);
	return f ? f->path : NULL;
}

const char *model_meta(const struct model *m, const char *const *keys)
{
	for (size_t k = 0; keys[k]; k++)
		for (size_t i = 0; i < m->nnodes; i++) {
			const char *v = iot_reader_meta(m->nodes[i].r, keys[k]);
			if (v && *v)
				return v;
		}
	return NULL;
}
