/* summary.c - `ioanalyze summary`: totals, per job / process / file / op.
 *
 * Events are fed to the aggregator chunk by chunk (agg.c); the report
 * writers below only read the aggregates. */
#include "summary.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "parfeed.h"
#include "replay.h"

static const char usage[] =
	"usage: ioanalyze summary [OPTIONS] TRACE...\n"
	"\n"
	"Totals, then tables per job, process, file and operation: counts, bytes, time\n"
	"in I/O, latency (min, mean, p50, p95, p99, max), errors by errno, Darshan's\n"
	"request-size buckets, access pattern (sequential / consecutive / random),\n"
	"read/write switches, first/last access, bandwidth. Lost events and damaged\n"
	"traces are reported first.\n"
	"\n"
	"Options:\n"
	"  --by job|process|file|op   only this table (text: all of its rows)\n"
	"  -f, --format text|json|csv text (default), JSON (stable keys, see\n"
	"                             ioanalyze(1)) or CSV (one table: --by, default process)\n"
	"  --top N                    rows per table (text default 10, 0 = all)\n"
	"  --pid PID  --comm NAME     only these processes (repeatable)\n"
	"  --path PREFIX              only files under this prefix (repeatable)\n"
	"  --since T  --until T       only events starting in [T, T'); T in seconds\n"
	"                             since the epoch or 'YYYY-MM-DD HH:MM:SS' (UTC)\n"
	"  --threads                  also a table per thread (text and JSON)\n"
	"  --model CSV                add the classes of a classification model\n"
	"  --no-progress              never draw the progress bar\n"
	"\n"
	"Examples:\n"
	"  ioanalyze summary run.iotr\n"
	"  ioanalyze summary --by file --top 20 --path /scratch run.iotr\n"
	"  ioanalyze summary -f json node*.iotr | jq '.totals.read_bytes'\n"
	"  ioanalyze summary -f csv --by op job.tar.zst > ops.csv\n";

#define MAX_EXT 8

struct summary {
	struct cli cli;
	struct input_set in;
	struct agg *agg;
	int *tmap; /* input index -> agg trace index */
	struct summary_ext ext[MAX_EXT];
	size_t next;
	uint64_t nevents;
};

/* ---- feeding ---------------------------------------------------------- */

static int on_io(void *ctx, size_t t, const struct iot_io_event *evs, size_t n)
{
	struct summary *s = ctx;
	int at = s->tmap[t];
	if (!s->next) {
		for (size_t i = 0; i < n; i++) {
			int rc = agg_add_event(s->agg, at, &evs[i]);
			if (rc < 0)
				return rc;
		}
		return 0;
	}
	const iot_reader *r = s->in.t[t].r;
	for (size_t i = 0; i < n; i++) {
		int rc = agg_add_event(s->agg, at, &evs[i]);
		if (rc < 0)
			return rc;
		if (!rc)
			continue;
		uint64_t wall = iot_reader_wall_ns(r, evs[i].ts_ns);
		for (size_t k = 0; k < s->next; k++) {
			if (s->ext[k].on_event && (rc = s->ext[k].on_event(s->ext[k].ctx, t, r, &evs[i], wall)) < 0)
				return rc;
		}
	}
	return 0;
}

static int on_record(void *ctx, size_t t, const struct iot_record *rec)
{
	struct summary *s = ctx;
	if (rec->stream == IOT_STREAM_LOSS)
		agg_add_loss(s->agg, s->tmap[t], &rec->u.loss);
	else if (rec->stream == IOT_STREAM_IO)
		return on_io(ctx, t, &rec->u.io, 1);
	return 0;
}

/* ---- shared pieces ------------------------------------------------------ */

static const char *errno_name(unsigned e)
{
	if (e >= AGG_NERRNO - 1)
		return "EOTHER";
	const char *n = strerrorname_np((int)e);
	return n ? n : "E?";
}

static double sec(uint64_t ns)
{
	return (double)ns / 1e9;
}

static uint64_t pct(const struct agg_stats *st, double q)
{
	return agg_lat_quantile(&st->lat, q);
}

/* ---- JSON ----------------------------------------------------------------- */

static void json_pattern(struct jw *w, const char *key, uint64_t known, uint64_t seq, uint64_t consec)
{
	jw_obj(w, key);
	jw_u64(w, "sequential", seq);
	jw_u64(w, "consecutive", consec);
	jw_u64(w, "random", known - seq);
	jw_obj_end(w);
}

static void json_stats(struct jw *w, const struct agg_stats *st)
{
	jw_u64(w, "ops", st->ops);
	jw_u64(w, "read_ops", st->read_ops);
	jw_u64(w, "read_bytes", st->read_bytes);
	jw_u64(w, "write_ops", st->write_ops);
	jw_u64(w, "write_bytes", st->write_bytes);
	jw_u64(w, "meta_ops", st->meta_ops);
	jw_u64(w, "sync_ops", st->sync_ops);
	jw_u64(w, "other_ops", st->other_ops);
	jw_fix(w, "io_time_s", sec(st->io_time_ns), 9);
	jw_fix(w, "read_time_s", sec(st->read_time_ns), 9);
	jw_fix(w, "write_time_s", sec(st->write_time_ns), 9);
	jw_fix(w, "meta_time_s", sec(st->meta_time_ns), 9);
	jw_u64(w, "errors", st->errors);
	jw_obj(w, "errors_by_errno");
	for (unsigned e = 1; e < AGG_NERRNO; e++)
		if (st->err_by_errno[e])
			jw_u64(w, errno_name(e), st->err_by_errno[e]);
	jw_obj_end(w);
	jw_obj(w, "latency");
	jw_fix(w, "min_s", sec(st->lat.count ? st->lat.min_ns : 0), 9);
	jw_fix(w, "mean_s", st->lat.count ? (double)st->lat.sum_ns / (double)st->lat.count / 1e9 : 0, 9);
	jw_fix(w, "p50_s", sec(pct(st, 0.50)), 9);
	jw_fix(w, "p95_s", sec(pct(st, 0.95)), 9);
	jw_fix(w, "p99_s", sec(pct(st, 0.99)), 9);
	jw_fix(w, "max_s", sec(st->lat.max_ns), 9);
	jw_obj_end(w);
	jw_obj(w, "read_sizes");
	for (unsigned b = 0; b < AGG_NSIZE; b++)
		jw_u64(w, agg_size_bucket_name(b), st->read_size[b]);
	jw_obj_end(w);
	jw_obj(w, "write_sizes");
	for (unsigned b = 0; b < AGG_NSIZE; b++)
		jw_u64(w, agg_size_bucket_name(b), st->write_size[b]);
	jw_obj_end(w);
	jw_obj(w, "access");
	json_pattern(w, "read", st->read_known, st->read_seq, st->read_consec);
	json_pattern(w, "write", st->write_known, st->write_seq, st->write_consec);
	jw_obj_end(w);
	jw_u64(w, "rw_switches", st->rw_switches);
	if (st->ops) {
		jw_time(w, "first", st->first_ns);
		jw_time(w, "last", st->last_ns);
	} else {
		jw_null(w, "first");
		jw_null(w, "last");
	}
	jw_fix(w, "bandwidth_bytes_per_s", agg_stats_bandwidth(st), 3);
}

/* Row order for JSON and text: a sorted index array. */
struct rows {
	size_t *idx;
	size_t n;
};

/* qsort_r context: which table is being sorted */
struct sort_ctx {
	const struct summary *s;
	int kind;
};

static const struct agg_stats *row_stats(const struct summary *s, int kind, size_t i)
{
	switch (kind) {
	case BY_JOB: return &agg_job(s->agg, i)->st;
	case BY_PROCESS: return &agg_process(s->agg, i)->st;
	case BY_FILE: return &agg_file(s->agg, i)->st;
	case BY_OP: return agg_op(s->agg, (unsigned)i);
	default: return &agg_thread(s->agg, i)->st;
	}
}

static int cmp_bytes(const void *a, const void *b, void *arg)
{
	const struct sort_ctx *sc = arg;
	const struct agg_stats *x = row_stats(sc->s, sc->kind, *(const size_t *)a);
	const struct agg_stats *y = row_stats(sc->s, sc->kind, *(const size_t *)b);
	uint64_t bx = agg_stats_bytes(x), by = agg_stats_bytes(y);
	if (bx != by)
		return bx < by ? 1 : -1;
	if (x->io_time_ns != y->io_time_ns)
		return x->io_time_ns < y->io_time_ns ? 1 : -1;
	if (x->ops != y->ops)
		return x->ops < y->ops ? 1 : -1;
	return *(const size_t *)a < *(const size_t *)b ? -1 : 1;
}

static int cmp_time(const void *a, const void *b, void *arg)
{
	const struct sort_ctx *sc = arg;
	const struct agg_stats *x = row_stats(sc->s, sc->kind, *(const size_t *)a);
	const struct agg_stats *y = row_stats(sc->s, sc->kind, *(const size_t *)b);
	if (x->io_time_ns != y->io_time_ns)
		return x->io_time_ns < y->io_time_ns ? 1 : -1;
	return cmp_bytes(a, b, arg);
}

static int cmp_name(const void *a, const void *b, void *arg)
{
	const struct sort_ctx *sc = arg;
	size_t i = *(const size_t *)a, j = *(const size_t *)b;
	const struct agg *g = sc->s->agg;
	int sort_kind = sc->kind;
	int c = 0;
	if (sort_kind == BY_FILE)
		c = strcmp(agg_file(g, i)->path, agg_file(g, j)->path);
	else if (sort_kind == BY_JOB)
		c = strcmp(agg_job(g, i)->job, agg_job(g, j)->job);
	else if (sort_kind == BY_PROCESS) {
		const struct agg_process *p = agg_process(g, i), *q = agg_process(g, j);
		c = p->trace != q->trace ? (p->trace < q->trace ? -1 : 1)
					 : p->pid != q->pid ? (p->pid < q->pid ? -1 : 1) : 0;
	}
	return c ? c : (i < j ? -1 : i > j);
}

/* Rows of a table that have events, sorted ("name" order for JSON/CSV,
 * by bytes or by time for text). */
typedef int (*row_cmp)(const void *, const void *, void *);

static void sort_rows(const struct summary *s, int kind, row_cmp cmp, struct rows *r)
{
	struct sort_ctx sc = { s, kind };
	qsort_r(r->idx, r->n, sizeof *r->idx, cmp, &sc);
}

static int make_rows(const struct summary *s, int kind, row_cmp cmp, struct rows *out)
{
	size_t n = kind == BY_JOB ? agg_job_count(s->agg)
		 : kind == BY_PROCESS ? agg_process_count(s->agg)
		 : kind == BY_FILE ? agg_file_count(s->agg)
		 : kind == BY_OP ? IOT_OP__COUNT : agg_thread_count(s->agg);
	out->idx = malloc((n + 1) * sizeof *out->idx);
	out->n = 0;
	if (!out->idx)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		if (row_stats(s, kind, i)->ops)
			out->idx[out->n++] = i;
	if (cmp)
		sort_rows(s, kind, cmp, out);
	return 0;
}

static size_t limit(const struct summary *s, size_t n, size_t dflt)
{
	size_t top = s->cli.top_set ? s->cli.top : dflt;
	return top && top < n ? top : n;
}

static void json_row_key(struct jw *w, const struct summary *s, int kind, size_t i)
{
	switch (kind) {
	case BY_JOB: {
		const struct agg_job *j = agg_job(s->agg, i);
		jw_str(w, "job", j->job);
		jw_u64(w, "processes", j->nprocs);
		break;
	}
	case BY_PROCESS: {
		const struct agg_process *p = agg_process(s->agg, i);
		jw_u64(w, "pid", p->pid);
		jw_str(w, "comm", p->comm);
		jw_str(w, "cmdline", p->cmdline);
		jw_str(w, "job", p->job);
		jw_str(w, "rank", p->rank);
		jw_str(w, "host", p->host);
		jw_str(w, "trace", s->in.t[p->trace].name);
		break;
	}
	case BY_FILE: {
		const struct agg_file *f = agg_file(s->agg, i);
		jw_str(w, "path", f->path);
		jw_str(w, "type", iot_file_type_name(f->type));
		jw_u64(w, "processes", f->nprocs);
		break;
	}
	case BY_OP: {
		const struct agg_stats *st = agg_op(s->agg, (unsigned)i);
		jw_str(w, "op", iot_op_name((unsigned)i));
		jw_str(w, "category", iot_category_name(iot_op_category((unsigned)i)));
		jw_u64(w, "count", st->ops);
		jw_u64(w, "bytes", agg_stats_bytes(st));
		break;
	}
	default: {
		const struct agg_thread *t = agg_thread(s->agg, i);
		jw_u64(w, "pid", t->pid);
		jw_u64(w, "tid", t->tid);
		break;
	}
	}
}

static int json_table(struct jw *w, const struct summary *s, const char *key, int kind)
{
	struct rows r;
	if (make_rows(s, kind, kind == BY_OP ? NULL : cmp_name, &r))
		return -ENOMEM;
	size_t n = s->cli.top ? limit(s, r.n, 0) : r.n;
	if (s->cli.top && kind != BY_OP)
		sort_rows(s, kind, cmp_bytes, &r);
	jw_arr(w, key);
	for (size_t k = 0; k < n; k++) {
		jw_obj(w, NULL);
		json_row_key(w, s, kind, r.idx[k]);
		json_stats(w, row_stats(s, kind, r.idx[k]));
		jw_obj_end(w);
	}
	jw_arr_end(w);
	free(r.idx);
	return 0;
}

static void trace_problems(const struct input_trace *t, struct iot_integrity *ig)
{
	iot_reader_integrity(t->r, ig);
}

static void json_traces(struct jw *w, const struct summary *s)
{
	jw_arr(w, "traces");
	for (size_t i = 0; i < s->in.n; i++) {
		const struct input_trace *t = &s->in.t[i];
		struct iot_integrity ig;
		trace_problems(t, &ig);
		jw_obj(w, NULL);
		jw_str(w, "name", t->name);
		const char *host = iot_reader_meta(t->r, "host.name");
		jw_str(w, "host", host);
		jw_bool(w, "complete", ig.footer_ok && !ig.corrupt_chunks && !ig.dropped_bytes);
		jw_u64(w, "dropped_bytes", ig.dropped_bytes);
		jw_u64(w, "corrupt_chunks", ig.corrupt_chunks);
		jw_u64(w, "warnings", iot_reader_warning_count(t->r));
		jw_obj_end(w);
	}
	jw_arr_end(w);
}

static int write_json(struct summary *s)
{
	struct jw w;
	jw_init(&w, stdout);
	jw_obj(&w, NULL);
	json_traces(&w, s);
	jw_u64(&w, "lost_events", agg_lost_events(s->agg));
	jw_u64(&w, "loss_records", agg_loss_records(s->agg));
	jw_obj(&w, "totals");
	json_stats(&w, agg_totals(s->agg));
	jw_obj_end(&w);
	int by = s->cli.by;
	int rc = 0;
	if (!rc && (by == BY_ALL || by == BY_JOB))
		rc = json_table(&w, s, "jobs", BY_JOB);
	if (!rc && (by == BY_ALL || by == BY_PROCESS))
		rc = json_table(&w, s, "processes", BY_PROCESS);
	if (!rc && s->cli.threads)
		rc = json_table(&w, s, "threads", 99);
	if (!rc && (by == BY_ALL || by == BY_FILE))
		rc = json_table(&w, s, "files", BY_FILE);
	if (!rc && (by == BY_ALL || by == BY_OP))
		rc = json_table(&w, s, "ops", BY_OP);
	for (size_t k = 0; k < s->next; k++)
		if (s->ext[k].write_json)
			s->ext[k].write_json(s->ext[k].ctx, &w);
	jw_obj_end(&w);
	jw_end(&w);
	return rc;
}

/* ---- CSV -------------------------------------------------------------------- */

static void csv_stats(FILE *f, const struct agg_stats *st)
{
	fprintf(f, ",%llu,%llu,%llu,%llu,%llu,%llu,%llu,%llu,%llu,%.9f",
		(unsigned long long)st->ops, (unsigned long long)st->read_ops,
		(unsigned long long)st->read_bytes, (unsigned long long)st->write_ops,
		(unsigned long long)st->write_bytes, (unsigned long long)st->meta_ops,
		(unsigned long long)st->sync_ops, (unsigned long long)st->other_ops,
		(unsigned long long)st->errors, sec(st->io_time_ns));
	fprintf(f, ",%.9f,%.9f,%.9f,%.9f,%.9f,%.9f",
		sec(st->lat.count ? st->lat.min_ns : 0),
		st->lat.count ? (double)st->lat.sum_ns / (double)st->lat.count / 1e9 : 0,
		sec(pct(st, 0.5)), sec(pct(st, 0.95)), sec(pct(st, 0.99)), sec(st->lat.max_ns));
	fprintf(f, ",%llu,%llu,%llu,%llu,%llu,%llu,%llu",
		(unsigned long long)st->read_seq, (unsigned long long)st->read_consec,
		(unsigned long long)(st->read_known - st->read_seq),
		(unsigned long long)st->write_seq, (unsigned long long)st->write_consec,
		(unsigned long long)(st->write_known - st->write_seq),
		(unsigned long long)st->rw_switches);
	if (st->ops)
		fprintf(f, ",%llu.%09llu,%llu.%09llu", (unsigned long long)(st->first_ns / 1000000000u),
			(unsigned long long)(st->first_ns % 1000000000u),
			(unsigned long long)(st->last_ns / 1000000000u),
			(unsigned long long)(st->last_ns % 1000000000u));
	else
		fputs(",,", f);
	fprintf(f, ",%.3f", agg_stats_bandwidth(st));
}

static const char csv_stat_cols[] =
	"ops,read_ops,read_bytes,write_ops,write_bytes,meta_ops,sync_ops,other_ops,errors,"
	"io_time_s,lat_min_s,lat_mean_s,lat_p50_s,lat_p95_s,lat_p99_s,lat_max_s,"
	"read_sequential,read_consecutive,read_random,write_sequential,write_consecutive,"
	"write_random,rw_switches,first,last,bandwidth_bytes_per_s";

static int write_csv(struct summary *s)
{
	int kind = s->cli.by == BY_ALL ? BY_PROCESS : (int)s->cli.by;
	struct rows r;
	if (make_rows(s, kind, kind == BY_OP ? NULL : cmp_name, &r))
		return -ENOMEM;
	FILE *f = stdout;
	static const char *const keys[] = {
		[BY_JOB] = "job,processes,", [BY_PROCESS] = "pid,comm,job,host,cmdline,",
		[BY_FILE] = "path,type,processes,", [BY_OP] = "op,category,count,bytes,",
	};
	fputs(keys[kind], f);
	fputs(csv_stat_cols, f);
	fputs(kind == BY_PROCESS ? ",rank\n" : "\n", f); /* added later: last */
	size_t n = s->cli.top ? limit(s, r.n, 0) : r.n;
	if (s->cli.top && kind != BY_OP)
		sort_rows(s, kind, cmp_bytes, &r);
	for (size_t k = 0; k < n; k++) {
		size_t i = r.idx[k];
		if (kind == BY_JOB) {
			csv_str(f, agg_job(s->agg, i)->job);
			fprintf(f, ",%u", agg_job(s->agg, i)->nprocs);
		} else if (kind == BY_PROCESS) {
			const struct agg_process *p = agg_process(s->agg, i);
			fprintf(f, "%u,", p->pid);
			csv_str(f, p->comm);
			fputc(',', f);
			csv_str(f, p->job);
			fputc(',', f);
			csv_str(f, p->host);
			fputc(',', f);
			csv_str(f, p->cmdline);
		} else if (kind == BY_FILE) {
			const struct agg_file *fl = agg_file(s->agg, i);
			csv_str(f, fl->path);
			fprintf(f, ",%s,%u", iot_file_type_name(fl->type), fl->nprocs);
		} else {
			const struct agg_stats *st = agg_op(s->agg, (unsigned)i);
			fprintf(f, "%s,%s,%llu,%llu", iot_op_name((unsigned)i),
				iot_category_name(iot_op_category((unsigned)i)),
				(unsigned long long)st->ops, (unsigned long long)agg_stats_bytes(st));
		}
		csv_stats(f, row_stats(s, kind, i));
		if (kind == BY_PROCESS) {
			fputc(',', f);
			csv_str(f, agg_process(s->agg, i)->rank);
		}
		fputc('\n', f);
	}
	free(r.idx);
	return 0;
}

/* ---- text ------------------------------------------------------------------- */

static void text_warnings(FILE *f, const struct summary *s)
{
	for (size_t i = 0; i < s->in.n; i++) {
		struct iot_integrity ig;
		char b[32];
		trace_problems(&s->in.t[i], &ig);
		if (!ig.footer_ok || ig.dropped_bytes)
			fprintf(f, "!! PARTIAL TRACE %s: recovered without its index; %s of damaged tail dropped\n",
				s->in.t[i].name, fmt_bytes(b, sizeof b, (double)ig.dropped_bytes));
		if (ig.corrupt_chunks)
			fprintf(f, "!! CORRUPT CHUNKS in %s: %u chunk(s) skipped (bad checksum)\n",
				s->in.t[i].name, ig.corrupt_chunks);
	}
	if (agg_loss_records(s->agg)) {
		char b[32];
		fprintf(f, "!! LOST EVENTS: %s events lost by the recorder (%llu loss records): the counts below are lower bounds\n",
			fmt_count(b, sizeof b, (double)agg_lost_events(s->agg)),
			(unsigned long long)agg_loss_records(s->agg));
	}
}

static void text_pattern(FILE *f, const char *what, uint64_t known, uint64_t seq, uint64_t consec)
{
	if (!known)
		return;
	double k = (double)known;
	fprintf(f, " %s %.0f%% consecutive, %.0f%% sequential, %.0f%% random;", what,
		100.0 * (double)consec / k, 100.0 * (double)seq / k, 100.0 * (double)(known - seq) / k);
}

static void text_sizes(FILE *f, const char *what, const uint64_t *b)
{
	uint64_t tot = 0;
	for (unsigned i = 0; i < AGG_NSIZE; i++)
		tot += b[i];
	if (!tot)
		return;
	fprintf(f, "  %-10s", what);
	for (unsigned i = 0; i < AGG_NSIZE; i++)
		if (b[i])
			fprintf(f, " %s:%llu", agg_size_bucket_name(i), (unsigned long long)b[i]);
	fputc('\n', f);
}

static void text_totals(FILE *f, const struct summary *s)
{
	const struct agg_stats *t = agg_totals(s->agg);
	char a[32], b[32], c[32], d[32], e[32], g[32];
	fprintf(f, "TOTALS\n");
	fprintf(f, "  %-10s %10s ops  %10s  in %s\n", "reads", fmt_count(a, sizeof a, (double)t->read_ops),
		fmt_bytes(b, sizeof b, (double)t->read_bytes), fmt_dur(c, sizeof c, (double)t->read_time_ns));
	fprintf(f, "  %-10s %10s ops  %10s  in %s\n", "writes", fmt_count(a, sizeof a, (double)t->write_ops),
		fmt_bytes(b, sizeof b, (double)t->write_bytes), fmt_dur(c, sizeof c, (double)t->write_time_ns));
	fprintf(f, "  %-10s %10s ops  %10s  in %s\n", "metadata", fmt_count(a, sizeof a, (double)t->meta_ops),
		"", fmt_dur(c, sizeof c, (double)t->meta_time_ns));
	if (t->sync_ops || t->other_ops)
		fprintf(f, "  %-10s %10s sync, %s other (mmap, ...)\n", "other",
			fmt_count(a, sizeof a, (double)t->sync_ops), fmt_count(b, sizeof b, (double)t->other_ops));
	fprintf(f, "  %-10s %s in I/O over %s of events\n", "time", fmt_dur(a, sizeof a, (double)t->io_time_ns),
		fmt_dur(b, sizeof b, t->ops ? (double)(t->last_ns - t->first_ns) : 0));
	if (t->ops) {
		fprintf(f, "  %-10s min %s  mean %s  p50 %s  p95 %s  p99 %s  max %s\n", "latency",
			fmt_dur(a, sizeof a, (double)t->lat.min_ns),
			fmt_dur(b, sizeof b, (double)t->lat.sum_ns / (double)t->lat.count),
			fmt_dur(c, sizeof c, (double)pct(t, 0.5)), fmt_dur(d, sizeof d, (double)pct(t, 0.95)),
			fmt_dur(e, sizeof e, (double)pct(t, 0.99)), fmt_dur(g, sizeof g, (double)t->lat.max_ns));
		fprintf(f, "  %-10s %s/s\n", "bandwidth", fmt_bytes(a, sizeof a, agg_stats_bandwidth(t)));
	}
	if (t->errors) {
		fprintf(f, "  %-10s %llu:", "errors", (unsigned long long)t->errors);
		for (unsigned i = 1; i < AGG_NERRNO; i++)
			if (t->err_by_errno[i])
				fprintf(f, " %s %llu", errno_name(i), (unsigned long long)t->err_by_errno[i]);
		fputc('\n', f);
	}
	text_sizes(f, "read sizes", t->read_size);
	text_sizes(f, "write size", t->write_size);
	if (t->read_known || t->write_known || t->rw_switches) {
		fprintf(f, "  %-10s", "pattern");
		text_pattern(f, "reads", t->read_known, t->read_seq, t->read_consec);
		text_pattern(f, "writes", t->write_known, t->write_seq, t->write_consec);
		fprintf(f, " %llu rw switches\n", (unsigned long long)t->rw_switches);
	}
	if (t->ops) {
		fprintf(f, "  %-10s %s .. %s\n", "span", fmt_wall(a, sizeof a, t->first_ns),
			fmt_wall(b, sizeof b, t->last_ns));
	}
}

/* Columns shared by every text table after the row's own key. */
static void text_cols_head(FILE *f)
{
	fprintf(f, " %8s %10s %8s %10s %8s %9s %9s %9s %6s %10s %4s", "READS", "READ", "WRITES",
		"WRITTEN", "META", "IO-TIME", "P50", "P99", "ERR", "BW", "SEQ");
}

static void text_cols(FILE *f, const struct agg_stats *st)
{
	char a[24], b[24], c[24], d[24], e[24], g[24], h[24], i[24], j[24];
	fprintf(f, " %8s %10s %8s %10s %8s %9s %9s %9s %6llu %8s/s",
		fmt_count(a, sizeof a, (double)st->read_ops), fmt_bytes(b, sizeof b, (double)st->read_bytes),
		fmt_count(c, sizeof c, (double)st->write_ops), fmt_bytes(d, sizeof d, (double)st->write_bytes),
		fmt_count(e, sizeof e, (double)st->meta_ops), fmt_dur(g, sizeof g, (double)st->io_time_ns),
		fmt_dur(h, sizeof h, (double)pct(st, 0.5)), fmt_dur(i, sizeof i, (double)pct(st, 0.99)),
		(unsigned long long)st->errors, fmt_bytes(j, sizeof j, agg_stats_bandwidth(st)));
	/* share of reads and writes with a known offset that were sequential */
	uint64_t known = st->read_known + st->write_known;
	if (known)
		fprintf(f, " %3.0f%%", 100.0 * (double)(st->read_seq + st->write_seq) / (double)known);
	else
		fprintf(f, " %4s", "-");
}

static void trunc_left(char *dst, size_t n, const char *src)
{
	size_t len = strlen(src);
	if (len < n) {
		memcpy(dst, src, len + 1);
		return;
	}
	snprintf(dst, n, "...%s", src + len - (n - 4));
}

static int text_table(FILE *f, const struct summary *s, int kind, int by_time, size_t dflt_top)
{
	struct rows r;
	if (make_rows(s, kind, by_time ? cmp_time : cmp_bytes, &r))
		return -ENOMEM;
	size_t n = limit(s, r.n, dflt_top);
	static const char *const titles[] = { "", "JOBS", "PROCESSES", "FILES", "OPERATIONS" };
	const char *title = kind < 5 ? titles[kind] : "THREADS";
	if (!r.n) {
		free(r.idx);
		return 0;
	}
	fprintf(f, "\n%s%s", title, by_time ? " by time in I/O" : kind == BY_OP ? "" : " by bytes");
	if (n < r.n)
		fprintf(f, " (top %zu of %zu)", n, r.n);
	fputc('\n', f);
	int ranks = 0; /* a RANK column when some process has one (MPI) */
	for (size_t k = 0; kind == BY_PROCESS && !ranks && k < r.n; k++)
		ranks = *agg_process(s->agg, r.idx[k])->rank != 0;
	switch (kind) {
	case BY_JOB: fprintf(f, "  %-20s %5s", "JOB", "PROCS"); break;
	case BY_PROCESS:
		fprintf(f, "  %7s %-15s %-10s", "PID", "COMM", "JOB");
		if (ranks)
			fprintf(f, " %5s", "RANK");
		break;
	case BY_FILE: fprintf(f, "  %-40s", "PATH"); break;
	case BY_OP: fprintf(f, "  %-16s %8s", "OP", "COUNT"); break;
	default: fprintf(f, "  %7s %7s", "PID", "TID"); break;
	}
	text_cols_head(f);
	if (kind == BY_PROCESS)
		fprintf(f, "  COMMAND");
	if (kind == BY_OP)
		fprintf(f, " %9s %9s", "MEAN", "MAX");
	fputc('\n', f);
	for (size_t k = 0; k < n; k++) {
		size_t i = r.idx[k];
		const struct agg_stats *st = row_stats(s, kind, i);
		char buf[64];
		switch (kind) {
		case BY_JOB: {
			const struct agg_job *j = agg_job(s->agg, i);
			trunc_left(buf, 21, *j->job ? j->job : "(none)");
			fprintf(f, "  %-20s %5u", buf, j->nprocs);
			break;
		}
		case BY_PROCESS: {
			const struct agg_process *p = agg_process(s->agg, i);
			trunc_left(buf, 11, *p->job ? p->job : "-");
			fprintf(f, "  %7u %-15.15s %-10s", p->pid, *p->comm ? p->comm : "?", buf);
			if (ranks)
				fprintf(f, " %5.5s", *p->rank ? p->rank : "-");
			break;
		}
		case BY_FILE:
			trunc_left(buf, 41, agg_file(s->agg, i)->path);
			fprintf(f, "  %-40s", buf);
			break;
		case BY_OP:
			fprintf(f, "  %-16s %8s", iot_op_name((unsigned)i), fmt_count(buf, sizeof buf, (double)st->ops));
			break;
		default:
			fprintf(f, "  %7u %7u", agg_thread(s->agg, i)->pid, agg_thread(s->agg, i)->tid);
			break;
		}
		text_cols(f, st);
		if (kind == BY_PROCESS)
			fprintf(f, "  %.60s", agg_process(s->agg, i)->cmdline);
		if (kind == BY_OP) {
			char m[24], x[24];
			fprintf(f, " %9s %9s", fmt_dur(m, sizeof m, (double)st->lat.sum_ns / (double)st->lat.count),
				fmt_dur(x, sizeof x, (double)st->lat.max_ns));
		}
		fputc('\n', f);
	}
	free(r.idx);
	return 0;
}

/* Why a trace without filters shows no I/O event: damage, an event
 * source that saw none, or no event source at all. */
static void no_events_why(FILE *f, const struct summary *s)
{
	int damaged = 0, source = 0;
	for (size_t i = 0; i < s->in.n; i++) {
		struct iot_integrity ig;
		trace_problems(&s->in.t[i], &ig);
		damaged |= !ig.footer_ok || ig.dropped_bytes || ig.corrupt_chunks;
		const iot_reader *r = s->in.t[i].r;
		source |= iot_reader_meta(r, "source.ebpf.status") != NULL ||
			  iot_reader_meta(r, "source.preload.status") != NULL;
	}
	if (damaged)
		fputs("No I/O events survived in the input: the trace is damaged (above), and the\n"
		      "events were in the lost part. 'ioanalyze info' shows what is left.\n", f);
	else if (source)
		fputs("No I/O events in the input: its event source (ebpf or preload) recorded none:\n"
		      "the command did no file I/O, or the recording's filters left nothing.\n", f);
	else
		fputs("No I/O events in the input: it was recorded without an event source (ebpf or\n"
		      "preload). Its counters are in 'ioanalyze disks' and 'ioanalyze jobs'.\n", f);
}

static int write_text(struct summary *s)
{
	FILE *f = stdout;
	const struct agg_stats *t = agg_totals(s->agg);
	char a[32];
	size_t np = 0, nf = 0;
	for (size_t i = 0; i < agg_process_count(s->agg); i++)
		np += agg_process(s->agg, i)->st.ops != 0;
	for (size_t i = 0; i < agg_file_count(s->agg); i++)
		nf += agg_file(s->agg, i)->st.ops != 0;
	fprintf(f, "ioanalyze summary: %zu trace%s, %zu process%s, %zu file%s, %s events\n", s->in.n,
		s->in.n == 1 ? "" : "s", np, np == 1 ? "" : "es", nf, nf == 1 ? "" : "s",
		fmt_count(a, sizeof a, (double)t->ops));
	text_warnings(f, s);
	fputc('\n', f);
	if (!t->ops && !s->cli.npids && !s->cli.ncomms && !s->cli.npaths && !s->cli.since_ns &&
	    !s->cli.until_ns) {
		no_events_why(f, s);
		return 0;
	}
	text_totals(f, s);
	int by = s->cli.by, rc = 0;
	size_t dflt = by == BY_ALL ? 10 : 0;
	if (!rc && (by == BY_ALL || by == BY_JOB) && (by == BY_JOB || agg_job_count(s->agg) > 1 ||
						      (agg_job_count(s->agg) == 1 && *agg_job(s->agg, 0)->job)))
		rc = text_table(f, s, BY_JOB, 0, dflt);
	if (!rc && (by == BY_ALL || by == BY_PROCESS))
		rc = text_table(f, s, BY_PROCESS, 0, dflt);
	if (!rc && s->cli.threads)
		rc = text_table(f, s, 99, 0, dflt);
	if (!rc && (by == BY_ALL || by == BY_FILE)) {
		rc = text_table(f, s, BY_FILE, 0, dflt);
		if (!rc)
			rc = text_table(f, s, BY_FILE, 1, dflt);
	}
	if (!rc && (by == BY_ALL || by == BY_OP))
		rc = text_table(f, s, BY_OP, 0, 0);
	for (size_t k = 0; k < s->next; k++)
		if (s->ext[k].write_text)
			s->ext[k].write_text(s->ext[k].ctx, f);
	return rc;
}

/* ---- command ---------------------------------------------------------------- */

static int setup(struct summary *s, struct agg_opts *o_out)
{
	struct agg_opts o = {
		.flags = s->cli.threads ? AGG_THREADS : 0,
		.since_ns = s->cli.since_ns, .until_ns = s->cli.until_ns,
		.pids = s->cli.pids, .npids = s->cli.npids,
		.comms = (const char *const *)s->cli.comms, .ncomms = s->cli.ncomms,
		.paths = (const char *const *)s->cli.paths, .npaths = s->cli.npaths,
	};
	*o_out = o;
	s->agg = agg_new(&o);
	s->tmap = calloc(s->in.n + 1, sizeof *s->tmap);
	if (!s->agg || !s->tmap)
		return -ENOMEM;
	for (size_t i = 0; i < s->in.n; i++) {
		int t = agg_add_trace(s->agg, s->in.t[i].r);
		if (t < 0)
			return t;
		s->tmap[i] = t;
	}
	return 0;
}

int cmd_summary(int argc, char **argv)
{
	struct summary s;
	memset(&s, 0, sizeof s);
	int stop, rc = cli_parse(&s.cli, argc, argv,
				 CLI_FORMAT | CLI_FILTERS | CLI_BY | CLI_TOP | CLI_MODEL | CLI_THREADS,
				 usage, &stop);
	if (stop)
		return rc;
	if ((rc = cli_open(&s.cli, &s.in)))
		goto out;
	for (size_t k = 0; summary_ext_factories[k] && s.next < MAX_EXT; k++) {
		memset(&s.ext[s.next], 0, sizeof s.ext[s.next]);
		if ((rc = summary_ext_factories[k](&s.cli, &s.in, &s.ext[s.next])))
			goto out;
		if (s.ext[s.next].on_event || s.ext[s.next].write_json || s.ext[s.next].write_text)
			s.next++;
	}
	if (s.cli.model && !s.next) {
		cli_error(&s.cli, "--model: this build has no classification support");
		rc = 2;
		goto out;
	}
	struct agg_opts opts;
	int err = setup(&s, &opts);
	int ext_events = 0;
	for (size_t k = 0; k < s.next; k++)
		ext_events |= s.ext[k].on_event != NULL;
	unsigned workers = parfeed_workers(replay_count(&s.in, IOT_STREAM_MASK(IOT_STREAM_IO)));
	if (!err && !ext_events) {
		/* loss records first (few), then the events on every CPU */
		struct replay rp = { .stream_mask = IOT_STREAM_MASK(IOT_STREAM_LOSS), .progress = 0,
				     .on_record = on_record, .ctx = &s };
		err = replay_run(&s.in, &rp);
		if (!err)
			err = parfeed_run(&s.in, s.agg, &opts, workers, s.cli.progress, input_print_msg, NULL);
	} else if (!err) {
		struct replay rp = {
			.stream_mask = IOT_STREAM_MASK(IOT_STREAM_IO) | IOT_STREAM_MASK(IOT_STREAM_LOSS),
			.progress = s.cli.progress, .on_io = on_io, .on_record = on_record, .ctx = &s,
		};
		err = replay_run(&s.in, &rp);
	}
	input_flush_warnings(&s.in, input_print_msg, NULL);
	if (!err) {
		err = s.cli.format == OUT_JSON ? write_json(&s)
		    : s.cli.format == OUT_CSV ? write_csv(&s) : write_text(&s);
	}
	if (err) {
		cli_error(&s.cli, "%s", iot_strerror(err));
		rc = 1;
	} else {
		rc = fflush(stdout) || s.in.nerrors ? 1 : 0;
	}
out:
	for (size_t k = 0; k < s.next; k++)
		if (s.ext[k].destroy)
			s.ext[k].destroy(s.ext[k].ctx);
	agg_free(s.agg);
	free(s.tmap);
	input_close(&s.in);
	cli_free(&s.cli);
	return rc;
}
