/* cmd_jobs.c - `ioanalyze jobs`: Lustre jobstats as per-interval deltas
 * (jobs.c does the arithmetic) beside the traced I/O events of the same
 * job, when the trace has both. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "agg.h"
#include "cli.h"
#include "commands.h"
#include "jobs.h"
#include "replay.h"

static const char usage[] =
	"usage: ioanalyze jobs [OPTIONS] TRACE...\n"
	"\n"
	"Lustre jobstats (recorded by iorec's jobstats source) as deltas per poll\n"
	"interval per (target, job, counter), and totals per job. A counter that goes\n"
	"down or a changed start_time is a reset; a job seen for the first time, or\n"
	"again after Lustre cleaned it up, starts from zero at the previous poll. Job\n"
	"ids are decoded (quotes, \\xHH) and split into job / uid / host (%j:%u:%H) or\n"
	"exe / uid (%e.%u); ids whose job part is empty are kept and flagged. Rates are\n"
	"ops/s, or MB/s (10^6 bytes) for byte counters; mean is sum/samples (usecs).\n"
	"Traced I/O events of the same job id are shown beside the jobstats.\n"
	"\n"
	"Options:\n"
	"  -f, --format text|json|csv  text (default), JSON, or CSV (one row per job,\n"
	"                              interval, target and counter)\n"
	"  --since T  --until T        only polls in [T, T') (epoch seconds or UTC date)\n"
	"  --no-progress               never draw the progress bar\n"
	"\n"
	"Examples:\n"
	"  ioanalyze jobs oss1.iotr\n"
	"  ioanalyze jobs -f json oss*.iotr | jq '.jobs[] | {job_id, totals}'\n";

struct jobs_cmd {
	struct cli cli;
	struct input_set in;
	struct jobs *js;
	struct agg *agg;
	int *tmap;
	uint64_t nsamples;
};

static int on_record(void *ctx, size_t t, const struct iot_record *rec)
{
	struct jobs_cmd *c = ctx;
	if (rec->stream != IOT_STREAM_JOBSTATS)
		return 0;
	const iot_reader *r = c->in.t[t].r;
	const struct iot_jobstat_sample *x = &rec->u.js;
	uint64_t wall = iot_reader_wall_ns(r, x->ts_ns);
	if ((c->cli.since_ns && wall < c->cli.since_ns) || (c->cli.until_ns && wall >= c->cli.until_ns))
		return 0;
	const char *target = iot_reader_string(r, x->target_id);
	const char *job = iot_reader_string(r, x->job_id);
	const char *counter = iot_reader_string(r, x->counter_id);
	if (!target || !job || !counter)
		return 0; /* dangling string id: nothing to attribute it to */
	struct jobs_sample s = {
		.target = target, .job = job, .counter = counter,
		.unit = iot_reader_string(r, x->unit_id), .poll_ns = wall, .start_ns = x->start_ns,
		.samples = x->samples, .sum = x->sum,
	};
	c->nsamples++;
	return jobs_add(c->js, &s);
}

static int on_io(void *ctx, size_t t, const struct iot_io_event *evs, size_t n)
{
	struct jobs_cmd *c = ctx;
	for (size_t i = 0; i < n; i++) {
		int rc = agg_add_event(c->agg, c->tmap[t], &evs[i]);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int on_io_record(void *ctx, size_t t, const struct iot_record *rec)
{
	return rec->stream == IOT_STREAM_IO ? on_io(ctx, t, &rec->u.io, 1) : 0;
}

/* Traced events of a job: by its decoded id, or by its job part. */
static const struct agg_stats *io_of(const struct jobs_cmd *c, const struct jobs_job *j)
{
	for (size_t i = 0; i < agg_job_count(c->agg); i++) {
		const struct agg_job *aj = agg_job(c->agg, i);
		if (!*aj->job)
			continue;
		if (strcmp(aj->job, j->id.id) == 0 || (j->id.job && strcmp(aj->job, j->id.job) == 0))
			return &aj->st;
	}
	return NULL;
}

static double dt_of(const struct jobs_interval *iv)
{
	return (double)(iv->end_ns - iv->start_ns) / 1e9;
}

static void json_io(struct jw *w, const struct agg_stats *st)
{
	if (!st) {
		jw_null(w, "io_events");
		return;
	}
	jw_obj(w, "io_events");
	jw_u64(w, "read_ops", st->read_ops);
	jw_u64(w, "read_bytes", st->read_bytes);
	jw_u64(w, "write_ops", st->write_ops);
	jw_u64(w, "write_bytes", st->write_bytes);
	jw_u64(w, "meta_ops", st->meta_ops);
	jw_fix(w, "io_time_s", (double)st->io_time_ns / 1e9, 9);
	jw_obj_end(w);
}

static void write_json(struct jobs_cmd *c)
{
	struct jw w;
	jw_init(&w, stdout);
	jw_obj(&w, NULL);
	jw_u64(&w, "polls", jobs_poll_count(c->js));
	jw_arr(&w, "jobs");
	for (size_t i = 0; i < jobs_count(c->js); i++) {
		const struct jobs_job *j = jobs_job(c->js, i);
		jw_obj(&w, NULL);
		jw_str(&w, "job_id", j->id.id);
		jw_str(&w, "raw_id", j->raw);
		jw_str(&w, "job", j->id.job);
		jw_str(&w, "uid", j->id.uid);
		jw_str(&w, "host", j->id.host);
		jw_str(&w, "exe", j->id.exe);
		jw_bool(&w, "missing_job", j->id.missing_job);
		jw_arr(&w, "targets");
		for (size_t k = 0; k < j->ntargets; k++)
			jw_str(&w, NULL, j->targets[k]);
		jw_arr_end(&w);
		jw_obj(&w, "totals");
		for (size_t k = 0; k < j->ntotals; k++) {
			jw_obj(&w, j->totals[k].counter);
			jw_u64(&w, "samples", j->totals[k].samples);
			jw_u64(&w, "sum", j->totals[k].sum);
			jw_str(&w, "unit", j->totals[k].unit);
			jw_obj_end(&w);
		}
		jw_obj_end(&w);
		jw_u64(&w, "resets", j->resets);
		jw_u64(&w, "returns", j->returns);
		json_io(&w, io_of(c, j));
		jw_arr(&w, "intervals");
		for (size_t k = 0; k < j->niv; k++) {
			const struct jobs_interval *iv = &j->iv[k];
			jw_obj(&w, NULL);
			jw_time(&w, "start", iv->start_ns);
			jw_time(&w, "end", iv->end_ns);
			jw_str(&w, "target", iv->target);
			jw_bool(&w, "new", iv->is_new);
			jw_bool(&w, "reset", iv->reset);
			jw_obj(&w, "counters");
			for (size_t m = 0; m < iv->nd; m++) {
				const struct jobs_delta *d = &iv->d[m];
				jw_obj(&w, d->counter);
				jw_u64(&w, "samples", d->samples);
				jw_u64(&w, "sum", d->sum);
				jw_num(&w, jobs_is_bytes(d) ? "mb_per_s" : "ops_per_s", jobs_rate(d, dt_of(iv)));
				if (!jobs_is_bytes(d))
					jw_num(&w, "mean", jobs_mean(d));
				if (d->reset)
					jw_bool(&w, "reset", 1);
				jw_obj_end(&w);
			}
			jw_obj_end(&w);
			jw_obj_end(&w);
		}
		jw_arr_end(&w);
		jw_obj_end(&w);
	}
	jw_arr_end(&w);
	jw_obj_end(&w);
	jw_end(&w);
}

static void write_csv(struct jobs_cmd *c)
{
	FILE *f = stdout;
	fputs("job_id,job,uid,host,target,start,end,counter,unit,samples,sum,rate,mean,new,reset\n", f);
	for (size_t i = 0; i < jobs_count(c->js); i++) {
		const struct jobs_job *j = jobs_job(c->js, i);
		for (size_t k = 0; k < j->niv; k++) {
			const struct jobs_interval *iv = &j->iv[k];
			for (size_t m = 0; m < iv->nd; m++) {
				const struct jobs_delta *d = &iv->d[m];
				csv_str(f, j->id.id);
				fputc(',', f);
				csv_str(f, j->id.job);
				fputc(',', f);
				csv_str(f, j->id.uid);
				fputc(',', f);
				csv_str(f, j->id.host);
				fputc(',', f);
				csv_str(f, iv->target);
				fprintf(f, ",%.9f,%.9f,", (double)iv->start_ns / 1e9, (double)iv->end_ns / 1e9);
				csv_str(f, d->counter);
				fprintf(f, ",%s,%llu,%llu,%.6f,%.3f,%d,%d\n", d->unit,
					(unsigned long long)d->samples, (unsigned long long)d->sum,
					jobs_rate(d, dt_of(iv)), jobs_mean(d), iv->is_new, d->reset);
			}
		}
	}
}

static void text_delta(FILE *f, const struct jobs_delta *d, double dt)
{
	char a[32];
	if (jobs_is_bytes(d))
		fprintf(f, " %s %s (%.2f MB/s)", d->counter, fmt_bytes(a, sizeof a, (double)d->sum),
			jobs_rate(d, dt));
	else if (d->sum)
		fprintf(f, " %s %llu (%.1f/s, mean %.0f %s)", d->counter, (unsigned long long)d->samples,
			jobs_rate(d, dt), jobs_mean(d), *d->unit ? d->unit : "");
	else
		fprintf(f, " %s %llu (%.1f/s)", d->counter, (unsigned long long)d->samples, jobs_rate(d, dt));
	if (d->reset)
		fputs(" RESET", f);
	fputc(';', f);
}

static void write_text(struct jobs_cmd *c)
{
	FILE *f = stdout;
	char a[40], b[40];
	fprintf(f, "ioanalyze jobs: %zu jobs, %zu polls, %llu samples\n", jobs_count(c->js),
		jobs_poll_count(c->js), (unsigned long long)c->nsamples);
	for (size_t i = 0; i < jobs_count(c->js); i++) {
		const struct jobs_job *j = jobs_job(c->js, i);
		fprintf(f, "\nJOB %s", j->id.id);
		if (j->id.job && strcmp(j->id.job, j->id.id) != 0)
			fprintf(f, "  job %s", j->id.job);
		if (j->id.uid)
			fprintf(f, "  uid %s", j->id.uid);
		if (j->id.host)
			fprintf(f, "  host %s", j->id.host);
		if (j->id.exe)
			fprintf(f, "  exe %s", j->id.exe);
		fprintf(f, "%s\n", j->id.missing_job ? "  !! job part missing" : "");
		fputs("  targets:", f);
		for (size_t k = 0; k < j->ntargets; k++)
			fprintf(f, " %s", j->targets[k]);
		fputc('\n', f);
		if (j->resets || j->returns)
			fprintf(f, "  %u interval(s) with a counter reset, back %u time(s) after cleanup\n",
				j->resets, j->returns);
		fputs("  totals:", f);
		for (size_t k = 0; k < j->ntotals; k++) {
			const struct jobs_total *t = &j->totals[k];
			if (!t->samples && !t->sum)
				continue;
			if (strcmp(t->unit, "bytes") == 0)
				fprintf(f, " %s %s;", t->counter, fmt_bytes(a, sizeof a, (double)t->sum));
			else
				fprintf(f, " %s %llu;", t->counter, (unsigned long long)t->samples);
		}
		fputc('\n', f);
		const struct agg_stats *io = io_of(c, j);
		if (io)
			fprintf(f, "  traced I/O events: %llu reads %s, %llu writes %s, %llu metadata ops\n",
				(unsigned long long)io->read_ops, fmt_bytes(a, sizeof a, (double)io->read_bytes),
				(unsigned long long)io->write_ops, fmt_bytes(b, sizeof b, (double)io->write_bytes),
				(unsigned long long)io->meta_ops);
		for (size_t k = 0; k < j->niv; k++) {
			const struct jobs_interval *iv = &j->iv[k];
			fmt_wall(a, sizeof a, iv->start_ns);
			fprintf(f, "  %s +%.1fs %s%s:", a, dt_of(iv), iv->target, iv->is_new ? " (new)" : "");
			int any = 0;
			for (size_t m = 0; m < iv->nd; m++) {
				if (!iv->d[m].samples && !iv->d[m].sum && !iv->d[m].reset)
					continue;
				text_delta(f, &iv->d[m], dt_of(iv));
				any = 1;
			}
			fputs(any ? "\n" : " idle\n", f);
		}
	}
}

int cmd_jobs(int argc, char **argv)
{
	struct jobs_cmd c;
	memset(&c, 0, sizeof c);
	int stop, rc = cli_parse(&c.cli, argc, argv, CLI_FORMAT | CLI_FILTERS, usage, &stop);
	if (stop)
		return rc;
	if ((rc = cli_open(&c.cli, &c.in)))
		goto out;
	c.js = jobs_new();
	c.agg = agg_new(NULL);
	c.tmap = calloc(c.in.n + 1, sizeof *c.tmap);
	int err = !c.js || !c.agg || !c.tmap ? -ENOMEM : 0;
	for (size_t i = 0; !err && i < c.in.n; i++) {
		int t = agg_add_trace(c.agg, c.in.t[i].r);
		if (t < 0)
			err = t;
		else
			c.tmap[i] = t;
	}
	if (!err) {
		/* jobstats in poll order across traces: merged on time */
		struct replay rp = { .stream_mask = IOT_STREAM_MASK(IOT_STREAM_JOBSTATS), .ordered = 1,
				     .progress = c.cli.progress, .on_record = on_record, .ctx = &c };
		err = replay_run(&c.in, &rp);
	}
	if (!err) {
		struct replay rp = { .stream_mask = IOT_STREAM_MASK(IOT_STREAM_IO), .progress = c.cli.progress,
				     .on_io = on_io, .on_record = on_io_record, .ctx = &c };
		err = replay_run(&c.in, &rp);
	}
	input_flush_warnings(&c.in, input_print_msg, NULL);
	if (err) {
		cli_error(&c.cli, "%s", iot_strerror(err));
		rc = 1;
		goto out;
	}
	if (!c.nsamples)
		fprintf(stderr, "ioanalyze jobs: note: no jobstats samples in the input (record with iorec -s jobstats on a Lustre server)\n");
	if (c.cli.format == OUT_JSON)
		write_json(&c);
	else if (c.cli.format == OUT_CSV)
		write_csv(&c);
	else
		write_text(&c);
	rc = fflush(stdout) || c.in.nerrors ? 1 : 0;
out:
	jobs_free(c.js);
	agg_free(c.agg);
	free(c.tmap);
	input_close(&c.in);
	cli_free(&c.cli);
	return rc;
}
