/* cmd_dump.c - `ioanalyze dump`: every record as one line of text,
 * strace-like, merged on wall-clock time across traces. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "commands.h"
#include "replay.h"

static const char usage[] =
	"usage: ioanalyze dump [OPTIONS] TRACE...\n"
	"\n"
	"Every record as one line, in wall-clock order across traces:\n"
	"  TIME [HOST] COMM[PID/TID] OP(FD<PATH>, off=OFFSET, SIZE) = RESULT <LATENCY s>\n"
	"for I/O events (errors as -1 ENAME (message)), and the counter samples\n"
	"(disk, procio, jobstats) and loss records in the same stream of lines.\n"
	"\n"
	"Options:\n"
	"  --stream NAME          only this stream: io, disk, procio, jobstats, loss\n"
	"                         (repeatable; default all of them)\n"
	"  --pid PID  --comm NAME only these processes' I/O events (repeatable)\n"
	"  --path PREFIX          only I/O events on files under PREFIX\n"
	"  --since T  --until T   only records in [T, T') (epoch seconds or UTC date)\n"
	"\n"
	"Examples:\n"
	"  ioanalyze dump run.iotr | less\n"
	"  ioanalyze dump --pid 4242 --path /scratch run.iotr\n"
	"  ioanalyze dump --stream loss --stream jobstats node*.iotr\n";

struct dump_cmd {
	struct cli cli;
	struct input_set in;
	FILE *f;
};

static int wanted_io(const struct dump_cmd *c, const struct iot_io_event *ev,
		     const struct iot_proc *p, const struct iot_file *fl)
{
	const struct cli *o = &c->cli;
	if (o->npids) {
		size_t i;
		for (i = 0; i < o->npids && o->pids[i] != ev->pid; i++)
			;
		if (i == o->npids)
			return 0;
	}
	if (o->ncomms) {
		size_t i;
		for (i = 0; i < o->ncomms && !(p && p->comm && strcmp(p->comm, o->comms[i]) == 0); i++)
			;
		if (i == o->ncomms)
			return 0;
	}
	if (o->npaths) {
		size_t i;
		for (i = 0; i < o->npaths && !(fl && iot_path_under(fl->path, o->paths[i])); i++)
			;
		if (i == o->npaths)
			return 0;
	}
	return 1;
}

static void print_time(FILE *f, uint64_t wall)
{
	time_t s = (time_t)(wall / 1000000000u);
	struct tm tm;
	char buf[32];
	gmtime_r(&s, &tm);
	strftime(buf, sizeof buf, "%H:%M:%S", &tm);
	fprintf(f, "%s.%06u", buf, (unsigned)(wall % 1000000000u / 1000u));
}

static void print_io(struct dump_cmd *c, const struct iot_io_event *ev, const struct iot_proc *p,
		     const struct iot_file *fl)
{
	FILE *f = c->f;
	fprintf(f, " %s[%u/%u] %s(", p && p->comm ? p->comm : "?", ev->pid, ev->tid, iot_op_name(ev->op));
	const char *sep = "";
	if (ev->fd >= 0) {
		fprintf(f, "%d", ev->fd);
		sep = ", ";
	}
	if (fl && fl->path)
		fprintf(f, ev->fd >= 0 ? "<%s>" : "\"%s\"", fl->path);
	else if (ev->file_id)
		fprintf(f, "<file %" PRIu64 ">", ev->file_id);
	if (fl || ev->file_id)
		sep = ", ";
	enum iot_op_category cat = iot_op_category(ev->op);
	if (ev->offset >= 0 && !(ev->eflags & IOT_EV_OFFSET_UNKNOWN))
		fprintf(f, "%soff=%" PRId64, sep, ev->offset), sep = ", ";
	if (cat == IOT_CAT_READ || cat == IOT_CAT_WRITE || ev->size)
		fprintf(f, "%s%" PRIu64, sep, ev->size), sep = ", ";
	if (ev->flags && cat == IOT_CAT_META)
		fprintf(f, "%sflags=0x%x", sep, ev->flags);
	fputs(")", f);
	if (ev->result < 0) {
		int e = (int)-ev->result;
		const char *name = strerrorname_np(e);
		fprintf(f, " = -1 %s (%s)", name ? name : "E?", strerror(e));
	} else {
		fprintf(f, " = %" PRId64, ev->result);
	}
	fprintf(f, " <%.6f>", (double)ev->dur_ns / 1e9);
	if (ev->eflags & IOT_EV_PARTIAL)
		fputs(" partial", f);
	if (ev->source)
		fprintf(f, " [%s]", iot_source_name(ev->source));
	fputc('\n', f);
}

static int on_record(void *ctx, size_t t, const struct iot_record *rec)
{
	struct dump_cmd *c = ctx;
	const iot_reader *r = c->in.t[t].r;
	uint64_t wall = iot_reader_wall_ns(r, rec->ts_ns);
	if ((c->cli.since_ns && wall < c->cli.since_ns) || (c->cli.until_ns && wall >= c->cli.until_ns))
		return 0;
	const struct iot_proc *p = NULL;
	const struct iot_file *fl = NULL;
	if (rec->stream == IOT_STREAM_IO) {
		p = iot_reader_proc(r, rec->u.io.pid, rec->u.io.ts_ns);
		fl = rec->u.io.file_id ? iot_reader_file(r, rec->u.io.file_id) : NULL;
		if (!wanted_io(c, &rec->u.io, p, fl))
			return 0;
	} else if (c->cli.npids || c->cli.ncomms || c->cli.npaths) {
		return 0; /* process and path filters select I/O events */
	}
	FILE *f = c->f;
	print_time(f, wall);
	if (c->in.n > 1) {
		const char *host = iot_reader_meta(r, "host.name");
		fprintf(f, " %s", host ? host : c->in.t[t].name);
	}
	switch (rec->stream) {
	case IOT_STREAM_IO:
		print_io(c, &rec->u.io, p, fl);
		break;
	case IOT_STREAM_DISK: {
		const struct iot_disk_sample *d = &rec->u.disk;
		const char *name = iot_reader_string(r, d->name_id);
		fprintf(f, " DISK %s (%u:%u)", name ? name : "?", d->major, d->minor);
		for (uint32_t i = 0; i < d->nfields && i < IOT_DISK_COUNTERS; i++)
			fprintf(f, " %" PRIu64, d->c[i]);
		fputc('\n', f);
		break;
	}
	case IOT_STREAM_PROCIO: {
		const struct iot_procio_sample *s = &rec->u.procio;
		fprintf(f, " PROCIO pid %u rchar=%" PRIu64 " wchar=%" PRIu64 " syscr=%" PRIu64
			   " syscw=%" PRIu64 " read_bytes=%" PRIu64 " write_bytes=%" PRIu64
			   " cancelled_write_bytes=%" PRIu64 "\n",
			s->pid, s->rchar, s->wchar, s->syscr, s->syscw, s->read_bytes, s->write_bytes,
			s->cancelled_write_bytes);
		break;
	}
	case IOT_STREAM_JOBSTATS: {
		const struct iot_jobstat_sample *s = &rec->u.js;
		const char *tg = iot_reader_string(r, s->target_id), *job = iot_reader_string(r, s->job_id);
		const char *cn = iot_reader_string(r, s->counter_id), *un = iot_reader_string(r, s->unit_id);
		fprintf(f, " JOBSTATS %s job=%s %s samples=%" PRIu64, tg ? tg : "?", job ? job : "?",
			cn ? cn : "?", s->samples);
		if (s->flags & IOT_JS_HAS_SUM)
			fprintf(f, " sum=%" PRIu64, s->sum);
		if (s->flags & IOT_JS_HAS_MINMAX)
			fprintf(f, " min=%" PRIu64 " max=%" PRIu64, s->min, s->max);
		fprintf(f, " unit=%s\n", un ? un : "");
		break;
	}
	case IOT_STREAM_LOSS: {
		const struct iot_loss *l = &rec->u.loss;
		static const char *const why[] = { "?", "ring buffer full", "buffer full", "poll error",
						   "parse error", "shard lost" };
		fprintf(f, " LOSS %" PRIu64 " events from %s (%s)", l->count, iot_source_name(l->source),
			l->reason < 6 ? why[l->reason] : "?");
		if (l->pid)
			fprintf(f, " pid %u", l->pid);
		fputc('\n', f);
		break;
	}
	default:
		fprintf(f, " %s record\n", iot_stream_name(rec->stream));
	}
	return ferror(f) ? -EIO : 0;
}

int cmd_dump(int argc, char **argv)
{
	struct dump_cmd c;
	memset(&c, 0, sizeof c);
	int stop, rc = cli_parse(&c.cli, argc, argv, CLI_FILTERS | CLI_STREAM, usage, &stop);
	if (stop)
		return rc;
	if ((rc = cli_open(&c.cli, &c.in)))
		goto out;
	c.f = stdout;
	uint32_t mask = c.cli.streams ? c.cli.streams
				      : IOT_STREAM_MASK(IOT_STREAM_IO) | IOT_STREAM_MASK(IOT_STREAM_DISK) |
					IOT_STREAM_MASK(IOT_STREAM_PROCIO) |
					IOT_STREAM_MASK(IOT_STREAM_JOBSTATS) | IOT_STREAM_MASK(IOT_STREAM_LOSS);
	struct replay rp = { .stream_mask = mask, .ordered = 1, .progress = 0, .on_record = on_record,
			     .ctx = &c };
	int err = replay_run(&c.in, &rp);
	input_flush_warnings(&c.in, input_print_msg, NULL);
	if (err == -EIO || fflush(stdout)) {
		rc = 1; /* output closed (e.g. | head): nothing to say */
	} else if (err) {
		cli_error(&c.cli, "%s", iot_strerror(err));
		rc = 1;
	} else if (c.in.nerrors) {
		rc = 1; /* some inputs were unusable (reported) */
	}
out:
	input_close(&c.in);
	cli_free(&c.cli);
	return rc;
}
