/* diskstats.c - the diskstats source: /proc/diskstats (or
 * --diskstats-file) every interval, raw counters into the disk stream. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "record/poll/diskstats_parse.h"
#include "record/poll/readbuf.h"
#include "record/source.h"

#define DISKSTATS_DEFAULT "/proc/diskstats"
#define DISKSTATS_MAX_BYTES (16u << 20)

struct diskstats_state {
	const char *path;
	struct readbuf buf;
	uint64_t interval_ns;
	uint64_t polls, samples, bad_lines, read_errors;
	int said_read_error, said_bad_line;
	/* per poll */
	struct iorec_ctx *ctx;
	uint64_t now;
	int write_rc;
};

static const char *ds_path(const struct iorec_config *cfg)
{
	return cfg->diskstats_file ? cfg->diskstats_file : DISKSTATS_DEFAULT;
}

static int ds_available(const struct iorec_config *cfg, char *why, size_t whylen)
{
	const char *path = ds_path(cfg);
	if (access(path, R_OK) == 0)
		return 1;
	snprintf(why, whylen, "cannot read %s: %s", path, strerror(errno));
	return 0;
}

static int ds_init(void **state, struct iorec_ctx *ctx, char *why, size_t whylen)
{
	struct diskstats_state *s = calloc(1, sizeof *s);
	int rc;
	if (!s)
		return -ENOMEM;
	s->path = ds_path(ctx->cfg);
	s->interval_ns = (uint64_t)ctx->cfg->interval_ms * 1000000ull;
	rc = readbuf_file(&s->buf, s->path, DISKSTATS_MAX_BYTES);
	if (rc < 0) {
		snprintf(why, whylen, "cannot read %s: %s", s->path, strerror(-rc));
		readbuf_free(&s->buf);
		free(s);
		return rc;
	}
	*state = s;
	return 0;
}

static int ds_line(const struct diskstats_line *l, void *arg)
{
	struct diskstats_state *s = arg;
	struct iot_disk_sample d;
	char name[256];
	size_t n = l->name_len < sizeof name - 1 ? l->name_len : sizeof name - 1;
	memcpy(name, l->name, n);
	name[n] = '\0';
	memset(&d, 0, sizeof d);
	d.ts_ns = s->now;
	d.major = l->major;
	d.minor = l->minor;
	d.name_id = iot_writer_intern(s->ctx->w, name);
	d.nfields = l->nfields;
	memcpy(d.c, l->c, sizeof d.c);
	if (!d.name_id) {
		s->write_rc = -EIO;
		return 1;
	}
	if ((s->write_rc = iot_writer_add_disk(s->ctx->w, &d)) < 0)
		return 1;
	s->samples++;
	return 0;
}

static void ds_loss(struct iorec_ctx *ctx, uint64_t now, uint64_t count, uint32_t reason)
{
	struct iot_loss l = {.ts_ns = now, .source = IOREC_LOSS_SRC_DISKSTATS, .cpu = ~0u,
			     .count = count, .reason = reason};
	iot_writer_add_loss(ctx->w, &l);
}

/* One snapshot. Problems with the file are reported once and counted. */
static int ds_sample(struct diskstats_state *s, struct iorec_ctx *ctx, uint64_t now)
{
	struct diskstats_stats st;
	int rc = readbuf_file(&s->buf, s->path, DISKSTATS_MAX_BYTES);
	s->polls++;
	if (rc < 0) {
		s->read_errors++;
		if (!s->said_read_error++)
			iorec_report(ctx, "diskstats", "cannot read %s: %s (counted, retrying)",
				     s->path, strerror(-rc));
		ds_loss(ctx, now, 1, IOT_LOSS_POLL_ERROR);
		return 0;
	}
	s->ctx = ctx;
	s->now = now;
	s->write_rc = 0;
	diskstats_parse(s->buf.data, s->buf.len, ds_line, s, &st);
	if (s->write_rc < 0)
		return s->write_rc;
	if (st.bad_lines) {
		s->bad_lines += st.bad_lines;
		if (!s->said_bad_line++)
			iorec_report(ctx, "diskstats",
				     "%s line %zu: %u fields, expected 7, 14, 18 or 20 (line skipped, counted)",
				     s->path, st.first_bad_line, st.first_bad_nfields);
		ds_loss(ctx, now, st.bad_lines, IOT_LOSS_PARSE_ERROR);
	}
	return 0;
}

static int ds_poll(void *state, struct iorec_ctx *ctx, uint64_t now, uint64_t *next_ns)
{
	struct diskstats_state *s = state;
	*next_ns = now + s->interval_ns;
	return ds_sample(s, ctx, now);
}

static int ds_stop(void *state, struct iorec_ctx *ctx)
{
	struct diskstats_state *s = state;
	int rc = ds_sample(s, ctx, iot_now_mono_ns()); /* the closing snapshot */
	iot_writer_set_meta(ctx->w, "source.diskstats.path", s->path);
	iot_writer_set_metaf(ctx->w, "source.diskstats.polls", "%llu", (unsigned long long)s->polls);
	iot_writer_set_metaf(ctx->w, "source.diskstats.bad_lines", "%llu",
			     (unsigned long long)s->bad_lines);
	iot_writer_set_metaf(ctx->w, "source.diskstats.read_errors", "%llu",
			     (unsigned long long)s->read_errors);
	return rc;
}

static void ds_destroy(void *state)
{
	struct diskstats_state *s = state;
	if (!s)
		return;
	readbuf_free(&s->buf);
	free(s);
}

const struct iorec_source_ops iorec_source_diskstats = {
	.name = "diskstats",
	.kind = IOREC_SRC_POLL,
	.available = ds_available,
	.init = ds_init,
	.poll = ds_poll,
	.stop = ds_stop,
	.destroy = ds_destroy,
};
