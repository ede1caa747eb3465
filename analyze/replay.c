/* replay.c - the event replay loop (see replay.h). */
#include "replay.h"

#include <errno.h>

#include "progress.h"

uint64_t replay_count(const struct input_set *in, uint32_t stream_mask)
{
	uint64_t n = 0;
	for (size_t t = 0; t < in->n; t++) {
		const iot_reader *r = in->t[t].r;
		size_t nc = iot_reader_chunk_count(r);
		for (size_t i = 0; i < nc; i++) {
			const struct iot_chunk_info *ci = iot_reader_chunk(r, i);
			if (ci->stream <= 31 && (stream_mask & IOT_STREAM_MASK(ci->stream)))
				n += ci->nrecords;
		}
	}
	return n;
}

static int replay_chunk(struct input_set *in, const struct replay *rp, size_t t, size_t i)
{
	iot_reader *r = in->t[t].r;
	const struct iot_chunk_info *ci = iot_reader_chunk(r, i);
	int rc;
	if (ci->stream == IOT_STREAM_IO && rp->on_io) {
		const struct iot_io_event *evs;
		size_t n;
		rc = iot_reader_decode_io(r, i, &evs, &n);
		if (rc == IOT_E_CORRUPT)
			return 0;
		if (rc < 0)
			return rc;
		return rp->on_io(rp->ctx, t, evs, n);
	}
	const struct iot_record *recs;
	size_t n;
	rc = iot_reader_decode_chunk(r, i, &recs, &n);
	if (rc == IOT_E_CORRUPT)
		return 0;
	if (rc < 0)
		return rc;
	for (size_t k = 0; k < n; k++) {
		rc = rp->on_record(rp->ctx, t, &recs[k]);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int replay_by_chunk(struct input_set *in, const struct replay *rp, struct progress *pg)
{
	uint64_t done = 0;
	for (size_t t = 0; t < in->n; t++) {
		iot_reader *r = in->t[t].r;
		size_t nc = iot_reader_chunk_count(r);
		for (size_t i = 0; i < nc; i++) {
			const struct iot_chunk_info *ci = iot_reader_chunk(r, i);
			if (ci->stream > 31 || !(rp->stream_mask & IOT_STREAM_MASK(ci->stream)))
				continue;
			int rc = replay_chunk(in, rp, t, i);
			if (rc < 0)
				return rc;
			done += ci->nrecords;
			progress_update(pg, done);
		}
	}
	return 0;
}

static int replay_ordered(struct input_set *in, const struct replay *rp, struct progress *pg)
{
	iot_cursor *c = NULL;
	int rc = iot_cursor_open(&c, in->readers, in->n, rp->stream_mask);
	if (rc < 0)
		return rc;
	const struct iot_record *rec;
	size_t ri;
	uint64_t done = 0;
	while ((rc = iot_cursor_next(c, &rec, &ri)) > 0) {
		rc = rp->on_record(rp->ctx, ri, rec);
		if (rc < 0)
			break;
		if ((++done & 0xffff) == 0)
			progress_update(pg, done);
	}
	iot_cursor_close(c);
	return rc < 0 ? rc : 0;
}

int replay_run(struct input_set *in, const struct replay *rp)
{
	if (!rp->on_record)
		return -EINVAL;
	struct progress pg;
	progress_start(&pg, "reading", replay_count(in, rp->stream_mask), rp->progress);
	int rc = rp->ordered ? replay_ordered(in, rp, &pg) : replay_by_chunk(in, rp, &pg);
	progress_end(&pg);
	return rc;
}
