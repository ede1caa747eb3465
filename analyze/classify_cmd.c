/* classify_cmd.c - `ioanalyze classify` and `ioanalyze iofs`. */
#include "analyze/classify_cmd.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/cli.h"
#include "analyze/commands.h"
#include "analyze/hmap.h"
#include "analyze/influx.h"
#include "analyze/iofs.h"
#include "analyze/out.h"
#include "analyze/outfile.h"
#include "analyze/progress.h"
#include "analyze/replay.h"
#include "analyze/summary.h"

/* ------------------------------------------------------------------ */
/* Small helpers                                                       */

int classify_parse_interval(const char *s, uint64_t *ns)
{
	static const struct {
		const char *unit;
		double mult;
	} units[] = {{"ns", 1}, {"us", 1e3}, {"ms", 1e6}, {"s", 1e9}, {"m", 60e9}, {"h", 3600e9},
		     {"", 1e9}};
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (end == s || errno || !isfinite(v) || v <= 0)
		return -EINVAL;
	for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
		if (strcmp(end, units[i].unit) == 0) {
			double n = v * units[i].mult;
			if (n < 1 || n > 1e18)
				return -EINVAL;
			*ns = (uint64_t)llround(n);
			return 0;
		}
	return -EINVAL;
}

static const char *first_meta(const iot_reader *r, const char *const *keys, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const char *v = iot_reader_meta(r, keys[i]);
		if (v && *v)
			return v;
	}
	return "";
}

const char *classify_trace_host(const iot_reader *r)
{
	static const char *const keys[] = {"host.name", "hostname", "host"};
	return first_meta(r, keys, sizeof keys / sizeof keys[0]);
}

const char *classify_trace_job(const iot_reader *r)
{
	static const char *const keys[] = {"job.id", "job_id", "job"};
	return first_meta(r, keys, sizeof keys / sizeof keys[0]);
}

/* Job of a process (its own job id, else the trace's), "" if none. */
static const char *proc_job(const iot_reader *r, uint32_t pid, uint64_t ts)
{
	const struct iot_proc *p = iot_reader_proc(r, pid, ts);
	if (p && p->job_id && *p->job_id)
		return p->job_id;
	return classify_trace_job(r);
}

/* ------------------------------------------------------------------ */
/* The run                                                             */

struct run {
	struct input_set *in;
	const struct classify_opts *o;
	struct classify_result *res;
	size_t gcap;
	struct hmap by_id;    /* (trace, pid or file id) -> group */
	struct hmap by_label; /* (hash of label, probe) -> group */
	struct hmap job_of;   /* (trace, pid) -> index in jobs[] (influx) */
	const char **jobs;
	size_t njobs, jobcap;
	struct influx_stream *influx;
};

static int64_t group_for_label(struct run *ru, const char *label, const char *comm,
			       uint32_t pid)
{
	struct classify_result *res = ru->res;
	uint64_t h = hmap_hash_str(label);
	for (uint64_t probe = 0;; probe++) {
		int64_t g = hmap_get(&ru->by_label, h, probe);
		if (g < 0)
			break;
		if (strcmp(res->groups[g].key, label) == 0)
			return g;
	}
	if (res->ngroups == ru->gcap) {
		size_t ncap = ru->gcap ? ru->gcap * 2 : 64;
		struct classify_group *ng = realloc(res->groups, ncap * sizeof *ng);
		if (!ng)
			return -ENOMEM;
		res->groups = ng;
		ru->gcap = ncap;
	}
	struct classify_group *g = &res->groups[res->ngroups];
	memset(g, 0, sizeof *g);
	g->key = strdup(label);
	g->comm = comm ? strdup(comm) : NULL;
	g->pid = pid;
	if (!g->key || (comm && !g->comm)) {
		free(g->key);
		free(g->comm);
		return -ENOMEM;
	}
	uint64_t probe = 0;
	while (hmap_get(&ru->by_label, h, probe) >= 0)
		probe++;
	if (hmap_put(&ru->by_label, h, probe, (uint32_t)res->ngroups) < 0) {
		free(g->key);
		free(g->comm);
		return -ENOMEM;
	}
	return (int64_t)res->ngroups++;
}

/* Resolve the group of an event the first time its (trace, id) is seen. */
static int64_t group_slow(struct run *ru, size_t t, const struct iot_io_event *ev,
			  uint64_t id)
{
	const iot_reader *r = ru->in->t[t].r;
	char label[64];
	const char *key = label, *comm = NULL;
	switch (ru->res->by) {
	case CLASSIFY_BY_JOB:
		key = proc_job(r, ev->pid, ev->ts_ns);
		if (!*key)
			key = "none";
		break;
	case CLASSIFY_BY_PROCESS: {
		const struct iot_proc *p = iot_reader_proc(r, ev->pid, ev->ts_ns);
		comm = p && p->comm ? p->comm : "?";
		if (ru->in->n > 1)
			snprintf(label, sizeof label, "%s:%" PRIu32, classify_trace_host(r), ev->pid);
		else
			snprintf(label, sizeof label, "%" PRIu32, ev->pid);
		break;
	}
	default: {
		const struct iot_file *fi = id ? iot_reader_file(r, id) : NULL;
		if (fi && fi->path && *fi->path)
			key = fi->path;
		else if (id)
			snprintf(label, sizeof label, "(file id %" PRIu64 ")", id);
		else
			key = "(no file)";
		break;
	}
	}
	int64_t g = group_for_label(ru, key, comm, ev->pid);
	if (g >= 0 && hmap_put(&ru->by_id, t, id, (uint32_t)g) < 0)
		return -ENOMEM;
	return g;
}

static inline int add_grouped(struct run *ru, size_t t, const struct iot_io_event *ev)
{
	if (classify_dir(ev->op) < 0)
		return 0;
	uint64_t id = ru->res->by == CLASSIFY_BY_FILE ? ev->file_id : ev->pid;
	int64_t g = hmap_get(&ru->by_id, t, id);
	if (g < 0) {
		g = group_slow(ru, t, ev, id);
		if (g < 0)
			return (int)g;
	}
	class_table_add(&ru->res->groups[g].t, ru->o->model, ev);
	return 0;
}

static int on_io(void *ctx, size_t t, const struct iot_io_event *evs, size_t n)
{
	struct run *ru = ctx;
	struct class_table *tot = &ru->res->total;
	const struct model *m = ru->o->model;
	ru->res->events += n;
	for (size_t i = 0; i < n; i++)
		class_table_add(tot, m, &evs[i]);
	if (ru->res->by != CLASSIFY_BY_NONE)
		for (size_t i = 0; i < n; i++) {
			int rc = add_grouped(ru, t, &evs[i]);
			if (rc < 0)
				return rc;
		}
	return 0;
}

static const char *job_cached(struct run *ru, size_t t, const struct iot_io_event *ev)
{
	int64_t j = hmap_get(&ru->job_of, t, ev->pid);
	if (j >= 0)
		return ru->jobs[j];
	if (ru->njobs == ru->jobcap) {
		size_t ncap = ru->jobcap ? ru->jobcap * 2 : 64;
		const char **nj = realloc(ru->jobs, ncap * sizeof *nj);
		if (!nj)
			return NULL;
		ru->jobs = nj;
		ru->jobcap = ncap;
	}
	const char *job = proc_job(ru->in->t[t].r, ev->pid, ev->ts_ns);
	if (hmap_put(&ru->job_of, t, ev->pid, (uint32_t)ru->njobs) < 0)
		return NULL;
	ru->jobs[ru->njobs++] = job;
	return job;
}

/* Ordered mode (--influx): one record at a time, on wall-clock order. */
static int on_record(void *ctx, size_t t, const struct iot_record *rec)
{
	struct run *ru = ctx;
	if (rec->stream != IOT_STREAM_IO)
		return 0;
	const struct iot_io_event *ev = &rec->u.io;
	ru->res->events++;
	int cls = class_table_add(&ru->res->total, ru->o->model, ev);
	if (ru->res->by != CLASSIFY_BY_NONE) {
		int rc = add_grouped(ru, t, ev);
		if (rc < 0)
			return rc;
	}
	if (ru->influx) {
		const iot_reader *r = ru->in->t[t].r;
		const char *job = job_cached(ru, t, ev);
		if (!job)
			return -ENOMEM;
		return influx_stream_add(ru->influx, classify_trace_host(r), job,
					 iot_reader_wall_ns(r, ev->ts_ns), ev,
					 cls < 0 ? MODEL_NCLASSES : (unsigned)cls);
	}
	return 0;
}

static int group_cmp(const void *a, const void *b)
{
	const struct classify_group *x = a, *y = b;
	uint64_t nx = class_table_requests(&x->t) + x->t.failed[0] + x->t.failed[1];
	uint64_t ny = class_table_requests(&y->t) + y->t.failed[0] + y->t.failed[1];
	if (nx != ny)
		return nx > ny ? -1 : 1;
	return strcmp(x->key, y->key);
}

/* ------------------------------------------------------------------ */
/* Totals only: the I/O chunks split between two threads                */

/* The totals do not depend on order, so with no grouping and no --influx
 * the I/O chunks are cut into two contiguous runs (by records) and a
 * second thread classifies the second run through its own readers over
 * the same bytes (a reader decodes one chunk at a time). Each thread gives
 * the pages of the trace back as it goes. Used only on traces whose every
 * chunk is sound, so no reader warning can be lost. */
struct half {
	struct input_set *in;
	iot_reader **readers; /* this thread's readers, parallel to in->t */
	const struct model *m;
	uint64_t from, to;    /* the run: I/O chunks number from..to-1, all traces */
	struct class_table t;
	uint64_t events;
	int rc;
};

static void *classify_half(void *arg)
{
	struct half *h = arg;
	uint64_t k = 0;
	for (size_t t = 0; t < h->in->n && h->rc == 0; t++) {
		iot_reader *r = h->readers[t];
		size_t nc = iot_reader_chunk_count(r);
		uint64_t released = UINT64_MAX;
		for (size_t i = 0; i < nc && h->rc == 0; i++) {
			const struct iot_chunk_info *ci = iot_reader_chunk(r, i);
			if (ci->stream != IOT_STREAM_IO)
				continue;
			if (k++ < h->from || k > h->to)
				continue;
			const struct iot_io_event *evs;
			size_t n;
			int rc = iot_reader_decode_io(r, i, &evs, &n);
			if (rc < 0) {
				h->rc = rc;
				break;
			}
			for (size_t e = 0; e < n; e++)
				class_table_add(&h->t, h->m, &evs[e]);
			h->events += n;
			if (released == UINT64_MAX)
				released = ci->offset;
			input_release(h->in, t, released, ci->offset);
		}
	}
	return NULL;
}

/* Every trace sound; *nio I/O chunks, the first *half of them holding
 * about half the records. */
static int all_sound(const struct input_set *in, uint64_t *nio, uint64_t *half)
{
	uint64_t records = 0, seen = 0;
	*nio = *half = 0;
	for (size_t t = 0; t < in->n; t++) {
		struct iot_integrity ig;
		iot_reader_integrity(in->t[t].r, &ig);
		if (ig.corrupt_chunks || ig.dropped_bytes || !ig.footer_ok)
			return 0;
		for (size_t i = 0; i < iot_reader_chunk_count(in->t[t].r); i++) {
			const struct iot_chunk_info *ci = iot_reader_chunk(in->t[t].r, i);
			if (ci->stream == IOT_STREAM_IO) {
				(*nio)++;
				records += ci->nrecords;
			}
		}
	}
	for (size_t t = 0; t < in->n; t++)
		for (size_t i = 0; i < iot_reader_chunk_count(in->t[t].r); i++) {
			const struct iot_chunk_info *ci = iot_reader_chunk(in->t[t].r, i);
			if (ci->stream != IOT_STREAM_IO)
				continue;
			if (seen >= records / 2)
				return 1;
			seen += ci->nrecords;
			(*half)++;
		}
	return 1;
}

/* Returns 1 if done in two threads, 0 to fall back to one, or a negative
 * code. */
static int classify_totals_parallel(struct classify_result *res, struct input_set *in,
				    const struct model *m)
{
	uint64_t nio, mid;
	if (!all_sound(in, &nio, &mid) || nio < 8)
		return 0;
	struct half h[2] = {{.in = in, .m = m, .from = 0, .to = mid},
			    {.in = in, .m = m, .from = mid, .to = nio}};
	h[0].readers = calloc(in->n, sizeof *h[0].readers);
	h[1].readers = calloc(in->n, sizeof *h[1].readers);
	int rc = 0, opened = 0;
	if (!h[0].readers || !h[1].readers)
		goto out;
	for (size_t t = 0; t < in->n; t++) {
		h[0].readers[t] = in->t[t].r;
		if (input_reopen(in, t, &h[1].readers[t]) < 0)
			goto out; /* could not open it twice: one thread will do */
	}
	pthread_t th;
	if (pthread_create(&th, NULL, classify_half, &h[1]) != 0)
		goto out;
	classify_half(&h[0]);
	pthread_join(th, NULL);
	opened = 1;
	rc = h[0].rc ? h[0].rc : h[1].rc;
	if (rc == 0) {
		class_table_merge(&res->total, &h[0].t);
		class_table_merge(&res->total, &h[1].t);
		res->events = h[0].events + h[1].events;
	}
out:
	if (h[1].readers)
		for (size_t t = 0; t < in->n; t++)
			iot_reader_close(h[1].readers[t]);
	free(h[0].readers);
	free(h[1].readers);
	return rc < 0 ? rc : opened;
}

/* One thread, chunk by chunk in file order, pages given back as they
 * are consumed (the replay keeps them mapped). */
static int classify_by_chunk(struct run *ru, struct input_set *in)
{
	struct progress pg;
	progress_start(&pg, "classifying", replay_count(in, IOT_STREAM_MASK(IOT_STREAM_IO)),
		       ru->o->progress);
	uint64_t done = 0;
	int rc = 0;
	for (size_t t = 0; t < in->n && rc == 0; t++) {
		iot_reader *r = in->t[t].r;
		uint64_t released = UINT64_MAX;
		for (size_t i = 0; i < iot_reader_chunk_count(r) && rc == 0; i++) {
			const struct iot_chunk_info *ci = iot_reader_chunk(r, i);
			if (ci->stream != IOT_STREAM_IO)
				continue;
			const struct iot_io_event *evs;
			size_t n;
			rc = iot_reader_decode_io(r, i, &evs, &n);
			if (rc == 0)
				rc = on_io(ru, t, evs, n);
			else if (rc == IOT_E_CORRUPT)
				rc = 0; /* skipped; the reader keeps a warning */
			if (released == UINT64_MAX)
				released = ci->offset;
			input_release(in, t, released, ci->offset);
			done += ci->nrecords;
			progress_update(&pg, done);
		}
	}
	progress_end(&pg);
	return rc;
}

int classify_run(struct classify_result **out, struct input_set *in,
		 const struct classify_opts *o)
{
	struct run ru = {.in = in, .o = o};
	int rc;
	*out = NULL;
	ru.res = calloc(1, sizeof *ru.res);
	if (!ru.res)
		return -ENOMEM;
	ru.res->model = o->model;
	ru.res->by = o->by;
	if (o->influx) {
		rc = influx_stream_open(&ru.influx, o->influx, o->interval_ns, 1);
		if (rc < 0)
			goto done;
	}
	if (!o->influx && o->by == CLASSIFY_BY_NONE) {
		rc = classify_totals_parallel(ru.res, in, o->model);
		if (rc != 0)
			goto done;
	}
	struct replay rp = {
		.stream_mask = IOT_STREAM_MASK(IOT_STREAM_IO),
		.ordered = 1,
		.progress = o->progress,
		.on_record = on_record,
		.ctx = &ru,
	};
	rc = o->influx ? replay_run(in, &rp) : classify_by_chunk(&ru, in);
	int rc2 = influx_stream_close(ru.influx);
	if (rc == 0)
		rc = rc2;
	if (rc == 0 && ru.res->ngroups > 1)
		qsort(ru.res->groups, ru.res->ngroups, sizeof *ru.res->groups, group_cmp);
	ru.res->show = ru.res->ngroups;
done:
	hmap_free(&ru.by_id);
	hmap_free(&ru.by_label);
	hmap_free(&ru.job_of);
	free(ru.jobs);
	if (rc < 0) {
		classify_result_free(ru.res);
		return rc;
	}
	*out = ru.res;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Options of our own, taken out of argv before cli_parse() sees it     */

struct own_opts {
	const char *interval;  /* --interval */
	int with_class;        /* --with-class */
	const char **compare;  /* --compare A.csv B.csv ... */
	size_t ncompare;
};

static int ends_with_csv(const char *s)
{
	size_t n = strlen(s);
	return n > 4 && strcasecmp(s + n - 4, ".csv") == 0;
}

/* Remove our options from argv (in place); returns the new argc, or -1
 * on a usage error (printed). */
static int take_own_opts(const char *cmd, int argc, char **argv, struct own_opts *oo,
			 int allow_compare, int allow_with_class)
{
	int out = 1;
	memset(oo, 0, sizeof *oo);
	for (int i = 1; i < argc; i++) {
		char *a = argv[i];
		if (strcmp(a, "--") == 0) {
			while (i < argc)
				argv[out++] = argv[i++];
			break;
		}
		if (strcmp(a, "--interval") == 0 || strncmp(a, "--interval=", 11) == 0) {
			if (a[10] == '=')
				oo->interval = a + 11;
			else if (i + 1 < argc)
				oo->interval = argv[++i];
			else
				goto missing;
			continue;
		}
		if (allow_with_class && strcmp(a, "--with-class") == 0) {
			oo->with_class = 1;
			continue;
		}
		if (allow_compare && strcmp(a, "--compare") == 0) {
			size_t start = oo->ncompare;
			const char **nc = realloc(oo->compare, (size_t)argc * sizeof *nc);
			if (!nc)
				return -1;
			oo->compare = nc;
			while (i + 1 < argc && ends_with_csv(argv[i + 1]))
				oo->compare[oo->ncompare++] = argv[++i];
			if (oo->ncompare == start) {
				fprintf(stderr, "ioanalyze %s: --compare needs model files ending in .csv\n",
					cmd);
				return -1;
			}
			continue;
		}
		argv[out++] = a;
	}
	argv[out] = NULL;
	return out;
missing:
	fprintf(stderr, "ioanalyze %s: --interval needs a value (see --help)\n", cmd);
	return -1;
}

static void print_model_errors(const char *cmd, const char *path, int rc,
			       const struct model_errors *errs)
{
	size_t shown = errs->ndiags < MODEL_MAX_DIAGS ? errs->ndiags : MODEL_MAX_DIAGS;
	for (size_t i = 0; i < shown; i++) {
		if (errs->diags[i].line)
			fprintf(stderr, "ioanalyze %s: %s:%u: %s\n", cmd, path, errs->diags[i].line,
				errs->diags[i].msg);
		else
			fprintf(stderr, "ioanalyze %s: %s: %s\n", cmd, path, errs->diags[i].msg);
	}
	if (errs->ndiags > shown)
		fprintf(stderr, "ioanalyze %s: %s: %zu more problems not shown\n", cmd, path,
			errs->ndiags - shown);
	if (!errs->ndiags)
		fprintf(stderr, "ioanalyze %s: %s: %s\n", cmd, path, strerror(-rc));
	if (rc == -EINVAL)
		fprintf(stderr, "ioanalyze %s: %s: model refused\n", cmd, path);
}

/* Load a model, printing every problem. NULL on failure. */
static struct model *load_model(const char *cmd, const char *path)
{
	struct model *m = NULL;
	struct model_errors errs;
	int rc = model_load(&m, path, &errs);
	if (rc < 0) {
		print_model_errors(cmd, path, rc, &errs);
		return NULL;
	}
	return m;
}

/* ------------------------------------------------------------------ */
/* ioanalyze classify                                                  */

static const char classify_usage[] =
	"usage: ioanalyze classify --model CSV [OPTIONS] TRACE...\n"
	"       ioanalyze classify --compare A.csv B.csv... [OPTIONS] TRACE...\n"
	"\n"
	"Classify every successful read and write with a Blackheap/iofs performance\n"
	"model: a request of B bytes that took t seconds (wall-clock latency) belongs\n"
	"to the model row, among the rows of its direction whose size bounds hold B,\n"
	"with the smallest prediction slope*B + y_intercept still greater than t; ties\n"
	"go to the earlier row; no such row means Unclassified. Failed calls are not\n"
	"classified and are counted apart. Reports ops, bytes and time per class x\n"
	"read/write, and the model's quality: the share of requests classified and the\n"
	"mean absolute error between prediction and latency of the chosen rows.\n"
	"\n"
	"Options:\n"
	"  --model CSV          the model (header benchmark_type,is_read_op,slope,\n"
	"                       y_intercept,left_bound,right_bound)\n"
	"  --compare A.csv B.csv...  rank several models on the same traces (by share\n"
	"                       classified, then by mean absolute error)\n"
	"  --by job|process|file  also report per job, process or file\n"
	"  --top N              groups shown, busiest first (text default 10, else\n"
	"                       all; 0 = all)\n"
	"  -f, --format text|json|csv  report format (default text)\n"
	"  -o, --output FILE    write the report to FILE (created, never overwritten)\n"
	"  --influx OUT.lp      also write the per-interval iofs measurements\n"
	"                       (iofs_classifications, iofs_size, iofs_counts, iofs_lat)\n"
	"                       in InfluxDB line protocol, for a later 'influx write'\n"
	"  --interval SEC       interval of --influx (default 1; units ms, s, m, h)\n"
	"  --progress, --no-progress  progress bar on stderr (default: on a terminal)\n"
	"  -h, --help           this help\n"
	"\n"
	"Examples:\n"
	"  ioanalyze classify --model blackheap/model.csv run.iotr\n"
	"  ioanalyze classify --model m.csv --by process --format json run.iotr\n"
	"  ioanalyze classify --model m.csv --influx run.lp --interval 10 run.iotr\n"
	"  ioanalyze classify --compare linear.csv constant-linear.csv run.iotr\n";

static int open_report(const struct cli *c, struct outfile *of, FILE **f)
{
	*f = stdout;
	if (!c->output || strcmp(c->output, "-") == 0)
		return 0;
	int rc = outfile_open(of, c->output);
	if (rc < 0) {
		cli_error(c, "%s: %s", c->output, rc == -EEXIST ? "exists already (not overwritten)"
								: strerror(-rc));
		return 1;
	}
	*f = of->f;
	return 0;
}

static int close_report(const struct cli *c, struct outfile *of, FILE *f, int ok)
{
	if (f == stdout) {
		if (fflush(stdout) != 0) {
			cli_error(c, "writing the report: %s", strerror(errno));
			return 1;
		}
		return 0;
	}
	if (!ok) {
		outfile_discard(of);
		return 1;
	}
	int rc = outfile_commit(of);
	if (rc < 0) {
		cli_error(c, "%s: %s", c->output, strerror(-rc));
		return 1;
	}
	return 0;
}

static int run_compare(struct cli *c, struct input_set *in, const struct own_opts *oo)
{
	size_t n = oo->ncompare;
	struct model **models = calloc(n, sizeof *models);
	struct classify_result **res = calloc(n, sizeof *res);
	int status = 1;
	if (!models || !res)
		goto out;
	for (size_t i = 0; i < n; i++)
		if (!(models[i] = load_model(c->cmd, oo->compare[i])))
			goto out;
	for (size_t i = 0; i < n; i++) {
		struct classify_opts o = {.model = models[i], .progress = c->progress};
		int rc = classify_run(&res[i], in, &o);
		if (rc < 0) {
			cli_error(c, "%s", iot_strerror(rc));
			goto out;
		}
	}
	struct outfile of;
	FILE *f;
	if (open_report(c, &of, &f))
		goto out;
	int rc = c->format == OUT_JSON ? classify_compare_json(f, res, n)
		 : c->format == OUT_CSV ? classify_compare_csv(f, res, n)
					 : classify_compare_text(f, res, n);
	status = close_report(c, &of, f, rc == 0);
out:
	for (size_t i = 0; i < n; i++) {
		if (res)
			classify_result_free(res[i]);
		if (models)
			model_free(models[i]);
	}
	free(res);
	free(models);
	return status;
}

static int run_classify(struct cli *c, struct input_set *in, const struct own_opts *oo)
{
	struct model *m = load_model(c->cmd, c->model);
	if (!m)
		return 1;
	struct classify_opts o = {.model = m, .progress = c->progress, .interval_ns = 1000000000u};
	int status = 1;
	struct outfile lp = {0};
	struct classify_result *res = NULL;
	o.by = c->by == BY_JOB ? CLASSIFY_BY_JOB : c->by == BY_PROCESS ? CLASSIFY_BY_PROCESS
			  : c->by == BY_FILE ? CLASSIFY_BY_FILE : CLASSIFY_BY_NONE;
	if (oo->interval && classify_parse_interval(oo->interval, &o.interval_ns) < 0) {
		cli_error(c, "--interval needs a positive duration like 10, 0.5, 250ms or 1m, not '%s'",
			  oo->interval);
		model_free(m);
		return 2;
	}
	if (c->influx) {
		int rc = outfile_open(&lp, c->influx);
		if (rc < 0) {
			cli_error(c, "%s: %s", c->influx, rc == -EEXIST
				  ? "exists already (not overwritten)" : strerror(-rc));
			goto out;
		}
		o.influx = lp.f;
	}
	int rc = classify_run(&res, in, &o);
	if (rc < 0) {
		cli_error(c, "%s", iot_strerror(rc));
		goto out;
	}
	if (c->influx) {
		rc = outfile_commit(&lp);
		if (rc < 0) {
			cli_error(c, "%s: %s", c->influx, strerror(-rc));
			goto out;
		}
	}
	struct outfile of;
	FILE *f;
	if (open_report(c, &of, &f))
		goto out;
	/* text shows the 10 busiest groups unless --top says otherwise */
	size_t top = c->top_set ? c->top : c->format == OUT_TEXT ? 10 : 0;
	if (top && top < res->ngroups)
		res->show = top;
	rc = c->format == OUT_JSON ? classify_report_json(f, res)
	     : c->format == OUT_CSV ? classify_report_csv(f, res)
				     : classify_report_text(f, res);
	status = close_report(c, &of, f, rc == 0);
out:
	if (c->influx)
		outfile_discard(&lp);
	classify_result_free(res);
	model_free(m);
	return status;
}

int cmd_classify(int argc, char **argv)
{
	struct own_opts oo;
	struct cli c;
	struct input_set in;
	int exit_now, status;
	argc = take_own_opts(argv[0], argc, argv, &oo, 1, 0);
	if (argc < 0)
		return 2;
	status = cli_parse(&c, argc, argv,
			   CLI_FORMAT | CLI_BY | CLI_TOP | CLI_MODEL | CLI_OUTPUT | CLI_INFLUX,
			   classify_usage, &exit_now);
	if (exit_now)
		goto out_cli;
	status = 2;
	if (!c.model == !oo.ncompare) {
		cli_error(&c, "give either --model CSV or --compare A.csv B.csv... (see --help)");
		goto out_cli;
	}
	if (c.by == BY_OP) {
		cli_error(&c, "--by must be job, process or file for classify");
		goto out_cli;
	}
	if (oo.ncompare && (c.influx || c.by != BY_ALL)) {
		cli_error(&c, "--compare takes neither --influx nor --by");
		goto out_cli;
	}
	if (oo.interval && !c.influx) {
		cli_error(&c, "--interval only applies to --influx");
		goto out_cli;
	}
	status = cli_open(&c, &in);
	if (status)
		goto out_cli;
	status = oo.ncompare ? run_compare(&c, &in, &oo) : run_classify(&c, &in, &oo);
	input_flush_warnings(&in, input_print_msg, NULL);
	input_close(&in);
out_cli:
	cli_free(&c);
	free(oo.compare);
	return status;
}

/* ------------------------------------------------------------------ */
/* ioanalyze iofs                                                      */

static const char iofs_usage[] =
	"usage: ioanalyze iofs [-o OUT.csv] [--model CSV --with-class] TRACE...\n"
	"\n"
	"Write one CSV row per read, write, open and getattr (stat family) request,\n"
	"in time order, exactly in the format iofs writes:\n"
	"  timestamp_unix,operation_type,path,offset,bytes_transferred,latency_seconds\n"
	"timestamp_unix is the call's start in whole seconds since the epoch, latency\n"
	"has 6 decimals, open and getattr rows have offset 0 and bytes 1 as in iofs,\n"
	"failed reads and writes have bytes 0, an unknown offset is -1. Paths holding\n"
	"a comma, a double quote or a line break are quoted per RFC 4180.\n"
	"\n"
	"Options:\n"
	"  -o, --output OUT.csv  write to a new file instead of stdout\n"
	"  --model CSV           a Blackheap/iofs model (see ioanalyze classify)\n"
	"  --with-class          add a final 'class' column: the model's class of each\n"
	"                        successful read or write (empty on other rows)\n"
	"  --progress, --no-progress  progress bar on stderr\n"
	"  -h, --help            this help\n"
	"\n"
	"Examples:\n"
	"  ioanalyze iofs run.iotr > requests.csv\n"
	"  ioanalyze iofs -o requests.csv --model model.csv --with-class run.iotr\n";

struct iofs_ctx {
	struct input_set *in;
	FILE *f;
	const struct model *m;
	int with_class;
	uint64_t rows;
};

static int iofs_on_record(void *ctx, size_t t, const struct iot_record *rec)
{
	struct iofs_ctx *x = ctx;
	if (rec->stream != IOT_STREAM_IO)
		return 0;
	const struct iot_io_event *ev = &rec->u.io;
	const iot_reader *r = x->in->t[t].r;
	struct iofs_row row;
	if (iofs_row_from_event(&row, ev, iot_reader_wall_ns(r, ev->ts_ns), NULL))
		return 0;
	const struct iot_file *fi = ev->file_id ? iot_reader_file(r, ev->file_id) : NULL;
	row.path = fi ? fi->path : NULL;
	if (x->with_class) {
		int dir = classify_dir(ev->op);
		row.cls = dir >= 0
			? model_class_name(model_classify(x->m, (unsigned)dir, (uint64_t)ev->result,
							  (double)ev->dur_ns * 1e-9))
			: "";
	}
	x->rows++;
	return iofs_write_row(x->f, &row, x->with_class);
}

int cmd_iofs(int argc, char **argv)
{
	struct own_opts oo;
	struct cli c;
	struct input_set in;
	struct model *m = NULL;
	int exit_now, status;
	argc = take_own_opts(argv[0], argc, argv, &oo, 0, 1);
	if (argc < 0)
		return 2;
	status = cli_parse(&c, argc, argv, CLI_OUTPUT | CLI_MODEL, iofs_usage, &exit_now);
	if (exit_now)
		goto out_cli;
	status = 2;
	if (oo.interval) {
		cli_error(&c, "--interval is an option of classify --influx");
		goto out_cli;
	}
	if (oo.with_class && !c.model) {
		cli_error(&c, "--with-class needs --model CSV");
		goto out_cli;
	}
	if (c.model && !oo.with_class) {
		cli_error(&c, "--model is only used with --with-class");
		goto out_cli;
	}
	status = 1;
	if (c.model && !(m = load_model(c.cmd, c.model)))
		goto out_cli;
	status = cli_open(&c, &in);
	if (status)
		goto out_model;
	struct outfile of;
	FILE *f;
	status = open_report(&c, &of, &f);
	if (status)
		goto out_in;
	struct iofs_ctx x = {.in = &in, .f = f, .m = m, .with_class = oo.with_class};
	struct replay rp = {
		.stream_mask = IOT_STREAM_MASK(IOT_STREAM_IO),
		.ordered = 1,
		.progress = c.progress,
		.on_record = iofs_on_record,
		.ctx = &x,
	};
	int rc = iofs_write_header(f, oo.with_class);
	if (rc == 0)
		rc = replay_run(&in, &rp);
	if (rc < 0)
		cli_error(&c, "%s", rc == -EIO ? "writing the CSV failed" : iot_strerror(rc));
	status = close_report(&c, &of, f, rc == 0);
	if (rc < 0)
		status = 1;
out_in:
	input_flush_warnings(&in, input_print_msg, NULL);
	input_close(&in);
out_model:
	model_free(m);
out_cli:
	cli_free(&c);
	free(oo.compare);
	return status;
}

/* ------------------------------------------------------------------ */
/* summary --model: the "classes" section                              */

struct summary_classes {
	struct model *m;
	struct class_table t;
};

static int sc_on_event(void *ctx, size_t trace, const iot_reader *r,
		       const struct iot_io_event *ev, uint64_t wall_ns)
{
	struct summary_classes *sc = ctx;
	class_table_add(&sc->t, sc->m, ev);
	return 0;
}

static void sc_write_json(void *ctx, struct jw *w)
{
	struct summary_classes *sc = ctx;
	jw_str(w, "model", sc->m->name);
	classify_jw_classes(w, "classes", &sc->t);
	jw_u64(w, "unclassified_failed", sc->t.failed[0] + sc->t.failed[1]);
	classify_jw_quality(w, "model_quality", &sc->t);
}

static void sc_write_text(void *ctx, FILE *f)
{
	struct summary_classes *sc = ctx;
	uint64_t n = class_table_requests(&sc->t);
	fprintf(f, "\nclasses (model %s): %" PRIu64 " requests, %.1f%% classified, mean absolute "
		   "error %.9f s\n", sc->m->name, n, 100.0 * class_table_share(&sc->t),
		class_table_mae(&sc->t));
	classify_text_classes(f, &sc->t, 2);
}

static void sc_destroy(void *ctx)
{
	struct summary_classes *sc = ctx;
	model_free(sc->m);
	free(sc);
}

int classify_summary_ext(const struct cli *c, struct input_set *in, struct summary_ext *ext)
{
	if (!c->model)
		return 0;
	struct summary_classes *sc = calloc(1, sizeof *sc);
	if (!sc) {
		cli_error(c, "%s", strerror(ENOMEM));
		return 1;
	}
	sc->m = load_model(c->cmd, c->model);
	if (!sc->m) {
		free(sc);
		return 1;
	}
	ext->ctx = sc;
	ext->on_event = sc_on_event;
	ext->write_json = sc_write_json;
	ext->write_text = sc_write_text;
	ext->destroy = sc_destroy;
	return 0;
}
