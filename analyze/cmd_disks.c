/* cmd_disks.c - `ioanalyze disks`: iostat -x metrics per device per
 * interval from the diskstats stream (formulas in iostat.c). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "iostat.h"
#include "replay.h"

static const char usage[] =
	"usage: ioanalyze disks [OPTIONS] TRACE...\n"
	"\n"
	"The columns of sysstat's `iostat -x` (r/s, rkB/s, rrqm/s, %rrqm, r_await,\n"
	"rareq-sz, the same for writes, discards (d) and flushes (f) where the kernel has\n"
	"them, aqu-sz, %util) per device for every interval between two diskstats polls\n"
	"recorded by iorec. Same formulas as iostat; the 32-bit wrap of the millisecond\n"
	"counters is handled, and a device whose counters go down (detached and attached\n"
	"again) is counted from zero for that interval and flagged.\n"
	"\n"
	"Options:\n"
	"  -f, --format text|json|csv  text (default, devices without I/O left out),\n"
	"                              JSON or CSV (every device and interval)\n"
	"  --since T  --until T        only intervals ending in [T, T')\n"
	"  --no-progress               never draw the progress bar\n"
	"\n"
	"Examples:\n"
	"  ioanalyze disks run.iotr\n"
	"  ioanalyze disks -f json run.iotr | jq '.devices[] | select(.device==\"vda\")'\n";

struct interval {
	uint64_t start, end; /* wall ns */
	struct iostat_metrics m;
};

struct device {
	size_t trace;
	uint32_t major, minor;
	char *name;
	struct iot_disk_sample last;
	int have_last;
	struct interval *iv; size_t niv, civ;
	double io; /* total r/s + w/s + d/s + f/s, to leave idle devices out */
};

struct disks_cmd {
	struct cli cli;
	struct input_set in;
	struct device *dev; size_t ndev, cdev;
	uint64_t nsamples;
};

static struct device *find_dev(struct disks_cmd *c, size_t t, const struct iot_disk_sample *s,
			       const char *name)
{
	for (size_t i = 0; i < c->ndev; i++) {
		struct device *d = &c->dev[i];
		if (d->trace == t && d->major == s->major && d->minor == s->minor && strcmp(d->name, name) == 0)
			return d;
	}
	if (c->ndev == c->cdev) {
		size_t nc = c->cdev ? c->cdev * 2 : 16;
		struct device *nd = realloc(c->dev, nc * sizeof *nd);
		if (!nd)
			return NULL;
		c->dev = nd;
		c->cdev = nc;
	}
	struct device *d = &c->dev[c->ndev];
	memset(d, 0, sizeof *d);
	d->trace = t;
	d->major = s->major;
	d->minor = s->minor;
	if (c->in.n > 1) {
		const char *host = iot_reader_meta(c->in.t[t].r, "host.name");
		size_t len = strlen(name) + (host ? strlen(host) : 0) + 24;
		if ((d->name = malloc(len)))
			snprintf(d->name, len, "%s:%s", host ? host : c->in.t[t].name, name);
	} else {
		d->name = strdup(name);
	}
	if (!d->name)
		return NULL;
	c->ndev++;
	return d;
}

static int on_record(void *ctx, size_t t, const struct iot_record *rec)
{
	struct disks_cmd *c = ctx;
	if (rec->stream != IOT_STREAM_DISK)
		return 0;
	const iot_reader *r = c->in.t[t].r;
	const char *name = iot_reader_string(r, rec->u.disk.name_id);
	char fallback[32];
	if (!name) {
		snprintf(fallback, sizeof fallback, "%u:%u", rec->u.disk.major, rec->u.disk.minor);
		name = fallback;
	}
	struct device *d = find_dev(c, t, &rec->u.disk, name);
	if (!d)
		return -ENOMEM;
	c->nsamples++;
	struct iot_disk_sample cur = rec->u.disk;
	if (d->have_last && cur.ts_ns > d->last.ts_ns) {
		uint64_t start = iot_reader_wall_ns(r, d->last.ts_ns), end = iot_reader_wall_ns(r, cur.ts_ns);
		if ((!c->cli.since_ns || end >= c->cli.since_ns) && (!c->cli.until_ns || end < c->cli.until_ns)) {
			if (d->niv == d->civ) {
				size_t nc = d->civ ? d->civ * 2 : 64;
				struct interval *ni = realloc(d->iv, nc * sizeof *ni);
				if (!ni)
					return -ENOMEM;
				d->iv = ni;
				d->civ = nc;
			}
			struct interval *iv = &d->iv[d->niv++];
			iv->start = start;
			iv->end = end;
			iostat_compute(&d->last, &cur, &iv->m);
			d->io += iv->m.v[IOSTAT_R_S] + iv->m.v[IOSTAT_W_S] + iv->m.v[IOSTAT_D_S] + iv->m.v[IOSTAT_F_S];
		}
	}
	d->last = cur;
	d->have_last = 1;
	return 0;
}

static int col_shown(const struct iostat_metrics *m, unsigned col)
{
	if (col >= IOSTAT_D_S && col <= IOSTAT_DAREQ_SZ)
		return m->has_discard;
	if (col == IOSTAT_F_S || col == IOSTAT_F_AWAIT)
		return m->has_flush;
	return 1;
}

static void write_json(struct disks_cmd *c)
{
	struct jw w;
	jw_init(&w, stdout);
	jw_obj(&w, NULL);
	jw_arr(&w, "devices");
	for (size_t i = 0; i < c->ndev; i++) {
		const struct device *d = &c->dev[i];
		jw_obj(&w, NULL);
		jw_str(&w, "device", d->name);
		jw_u64(&w, "major", d->major);
		jw_u64(&w, "minor", d->minor);
		jw_arr(&w, "intervals");
		for (size_t k = 0; k < d->niv; k++) {
			const struct interval *iv = &d->iv[k];
			jw_obj(&w, NULL);
			jw_time(&w, "start", iv->start);
			jw_time(&w, "end", iv->end);
			for (unsigned col = 0; col < IOSTAT_NCOL; col++)
				if (col_shown(&iv->m, col))
					jw_fix(&w, iostat_col_name(col), iv->m.v[col], 6);
			if (iv->m.reset)
				jw_bool(&w, "reset", 1);
			jw_obj_end(&w);
		}
		jw_arr_end(&w);
		jw_obj_end(&w);
	}
	jw_arr_end(&w);
	jw_obj_end(&w);
	jw_end(&w);
}

static void write_csv(struct disks_cmd *c)
{
	FILE *f = stdout;
	fputs("device,start,end", f);
	for (unsigned col = 0; col < IOSTAT_NCOL; col++)
		fprintf(f, ",%s", iostat_col_name(col));
	fputs(",reset\n", f);
	for (size_t i = 0; i < c->ndev; i++) {
		const struct device *d = &c->dev[i];
		for (size_t k = 0; k < d->niv; k++) {
			const struct interval *iv = &d->iv[k];
			csv_str(f, d->name);
			fprintf(f, ",%.9f,%.9f", (double)iv->start / 1e9, (double)iv->end / 1e9);
			for (unsigned col = 0; col < IOSTAT_NCOL; col++) {
				if (col_shown(&iv->m, col))
					fprintf(f, ",%.6f", iv->m.v[col]);
				else
					fputc(',', f);
			}
			fprintf(f, ",%d\n", iv->m.reset);
		}
	}
}

static void write_text(struct disks_cmd *c)
{
	FILE *f = stdout;
	size_t idle = 0;
	fprintf(f, "ioanalyze disks: %zu devices, %llu diskstats samples\n", c->ndev,
		(unsigned long long)c->nsamples);
	for (size_t i = 0; i < c->ndev; i++) {
		const struct device *d = &c->dev[i];
		if (d->io <= 0) {
			idle++;
			continue;
		}
		const struct iostat_metrics *m0 = &d->iv[0].m;
		fprintf(f, "\nDevice %s (%u:%u)\n%-12s", d->name, d->major, d->minor, "time (UTC)");
		for (unsigned col = 0; col < IOSTAT_NCOL; col++)
			if (col_shown(m0, col))
				fprintf(f, " %8s", iostat_col_name(col));
		fputc('\n', f);
		for (size_t k = 0; k < d->niv; k++) {
			const struct interval *iv = &d->iv[k];
			char wall[40];
			fmt_wall(wall, sizeof wall, iv->end);
			fprintf(f, "%-12.12s", wall + 11);
			for (unsigned col = 0; col < IOSTAT_NCOL; col++)
				if (col_shown(m0, col))
					fprintf(f, " %8.2f", iv->m.v[col]);
			fputs(iv->m.reset ? "  (counters reset: device re-attached)\n" : "\n", f);
		}
	}
	if (idle)
		fprintf(f, "\n(%zu devices without I/O not shown; -f json lists every device)\n", idle);
}

int cmd_disks(int argc, char **argv)
{
	struct disks_cmd c;
	memset(&c, 0, sizeof c);
	int stop, rc = cli_parse(&c.cli, argc, argv, CLI_FORMAT | CLI_FILTERS, usage, &stop);
	if (stop)
		return rc;
	if ((rc = cli_open(&c.cli, &c.in)))
		goto out;
	struct replay rp = { .stream_mask = IOT_STREAM_MASK(IOT_STREAM_DISK), .ordered = 1,
			     .progress = c.cli.progress, .on_record = on_record, .ctx = &c };
	int err = replay_run(&c.in, &rp);
	input_flush_warnings(&c.in, input_print_msg, NULL);
	if (err) {
		cli_error(&c.cli, "%s", iot_strerror(err));
		rc = 1;
		goto out;
	}
	if (!c.nsamples)
		fprintf(stderr, "ioanalyze disks: note: no diskstats samples in the input (iorec's diskstats source records them)\n");
	if (c.cli.format == OUT_JSON)
		write_json(&c);
	else if (c.cli.format == OUT_CSV)
		write_csv(&c);
	else
		write_text(&c);
	rc = fflush(stdout) || c.in.nerrors ? 1 : 0;
out:
	for (size_t i = 0; i < c.ndev; i++) {
		free(c.dev[i].name);
		free(c.dev[i].iv);
	}
	free(c.dev);
	input_close(&c.in);
	cli_free(&c.cli);
	return rc;
}
