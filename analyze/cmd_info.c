/* cmd_info.c - `ioanalyze info`: what is in a trace, and in what state. */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "replay.h"

static const char usage[] =
	"usage: ioanalyze info [OPTIONS] TRACE...\n"
	"\n"
	"For each trace: integrity (clean / recovered with N bytes dropped / corrupt\n"
	"chunks skipped), format version, metadata (host, clocks, command line, job id,\n"
	"sources and their status, versions, filters), streams with their chunk and\n"
	"record counts and time spans, processes, files and lost events. Reads the\n"
	"index only, except for the loss records.\n"
	"\n"
	"Options:\n"
	"  -f, --format text|json  text (default) or JSON\n"
	"\n"
	"Examples:\n"
	"  ioanalyze info run.iotr\n"
	"  ioanalyze info -f json traces/ | jq '.traces[] | {name, integrity}'\n";

struct stream_info {
	uint64_t chunks, stored, records, first, last, bytes, raw;
};

static void collect(const iot_reader *r, struct stream_info *si)
{
	memset(si, 0, sizeof(*si) * (IOT_STREAM__MAX + 1));
	for (unsigned s = 0; s <= IOT_STREAM__MAX; s++)
		si[s].first = UINT64_MAX;
	size_t n = iot_reader_chunk_count(r);
	for (size_t i = 0; i < n; i++) {
		const struct iot_chunk_info *c = iot_reader_chunk(r, i);
		if (c->stream > IOT_STREAM__MAX)
			continue;
		struct stream_info *x = &si[c->stream];
		x->chunks++;
		x->records += c->nrecords;
		x->bytes += c->comp_size;
		x->raw += c->raw_size;
		x->stored += c->codec == 0;
		if (c->first_ts < x->first)
			x->first = c->first_ts;
		if (c->last_ts > x->last)
			x->last = c->last_ts;
	}
}

/* Loss records are few: decode their chunks. */
static uint64_t lost_events(iot_reader *r, uint64_t *nrec)
{
	uint64_t lost = 0;
	*nrec = 0;
	size_t n = iot_reader_chunk_count(r);
	for (size_t i = 0; i < n; i++) {
		if (iot_reader_chunk(r, i)->stream != IOT_STREAM_LOSS)
			continue;
		const struct iot_record *recs;
		size_t nr;
		if (iot_reader_decode_chunk(r, i, &recs, &nr) < 0)
			continue;
		for (size_t k = 0; k < nr; k++)
			lost += recs[k].u.loss.count;
		*nrec += nr;
	}
	return lost;
}

static const char *integrity_word(const struct iot_integrity *ig)
{
	if (ig->corrupt_chunks)
		return "corrupt chunks skipped";
	if (!ig->footer_ok || ig->dropped_bytes)
		return "recovered";
	return "clean";
}

static void text_one(FILE *f, const struct input_trace *t)
{
	struct iot_integrity ig;
	struct stream_info si[IOT_STREAM__MAX + 1];
	char a[48], b[48];
	iot_reader_integrity(t->r, &ig);
	collect(t->r, si);
	uint64_t nloss, lost = lost_events(t->r, &nloss);
	fprintf(f, "%s\n", t->name);
	fprintf(f, "  format      %u.%u, %s, %" PRIu64 " chunks\n", ig.format_major, ig.format_minor,
		fmt_bytes(a, sizeof a, (double)ig.file_size), ig.nchunks);
	fprintf(f, "  integrity   %s", integrity_word(&ig));
	if (!ig.footer_ok)
		fprintf(f, " (no valid index footer: rebuilt by scanning)");
	if (ig.dropped_bytes)
		fprintf(f, ", %" PRIu64 " bytes dropped after byte %" PRIu64, ig.dropped_bytes, ig.good_end);
	if (ig.corrupt_chunks)
		fprintf(f, ", %u corrupt chunk(s) skipped", ig.corrupt_chunks);
	if (ig.unknown_chunks)
		fprintf(f, ", %u chunk(s) of unknown streams skipped", ig.unknown_chunks);
	fputc('\n', f);
	uint64_t first, last;
	if (iot_reader_span(t->r, &first, &last) == 0)
		fprintf(f, "  time span   %s .. %s (%.3f s)\n",
			fmt_wall(a, sizeof a, iot_reader_wall_ns(t->r, first)),
			fmt_wall(b, sizeof b, iot_reader_wall_ns(t->r, last)), (double)(last - first) / 1e9);
	/* sources and their status, from the recorder's source.NAME.status keys */
	int nsrc = 0;
	for (size_t i = 0; i < iot_reader_meta_count(t->r); i++) {
		const struct iot_meta *m = iot_reader_meta_at(t->r, i);
		size_t kl = strlen(m->key);
		if (strncmp(m->key, "source.", 7) != 0 || kl < 14 || strcmp(m->key + kl - 7, ".status") != 0)
			continue;
		fprintf(f, "%s%.*s: %s", nsrc++ ? ", " : "  sources     ", (int)(kl - 14), m->key + 7, m->value);
	}
	if (nsrc)
		fputc('\n', f);
	fprintf(f, "  processes   %zu\n  files       %zu\n", iot_reader_proc_count(t->r),
		iot_reader_file_count(t->r));
	fprintf(f, "  lost events %" PRIu64 " (%" PRIu64 " loss records)%s\n", lost, nloss,
		lost ? "  !! the trace is incomplete" : "");
	/* stored: chunks written without zstd (it would not have paid) */
	fprintf(f, "  streams     %-10s %8s %8s %12s %10s %10s\n", "", "chunks", "stored", "records",
		"bytes", "unpacked");
	for (unsigned s = 1; s <= IOT_STREAM__MAX; s++) {
		if (!si[s].chunks)
			continue;
		char u[32];
		fprintf(f, "              %-10s %8" PRIu64 " %8" PRIu64 " %12" PRIu64 " %10s %10s\n",
			iot_stream_name(s), si[s].chunks, si[s].stored, si[s].records,
			fmt_bytes(a, sizeof a, (double)si[s].bytes),
			fmt_bytes(u, sizeof u, (double)si[s].raw));
	}
	size_t nm = iot_reader_meta_count(t->r);
	if (nm)
		fprintf(f, "  metadata\n");
	for (size_t i = 0; i < nm; i++) {
		const struct iot_meta *m = iot_reader_meta_at(t->r, i);
		fprintf(f, "    %-28s %s\n", m->key, m->value);
	}
	size_t nw = iot_reader_warning_count(t->r);
	for (size_t i = 0; i < nw; i++) {
		const struct iot_error *e = iot_reader_warning(t->r, i);
		fprintf(f, "  warning     at byte %" PRIu64 ": %s\n", e->offset, e->msg);
	}
}

static void json_one(struct jw *w, const struct input_trace *t)
{
	struct iot_integrity ig;
	struct stream_info si[IOT_STREAM__MAX + 1];
	iot_reader_integrity(t->r, &ig);
	collect(t->r, si);
	uint64_t nloss, lost = lost_events(t->r, &nloss);
	jw_obj(w, NULL);
	jw_str(w, "name", t->name);
	jw_obj(w, "integrity");
	jw_str(w, "status", integrity_word(&ig));
	jw_bool(w, "footer_ok", ig.footer_ok);
	jw_u64(w, "file_size", ig.file_size);
	jw_u64(w, "good_end", ig.good_end);
	jw_u64(w, "dropped_bytes", ig.dropped_bytes);
	jw_u64(w, "corrupt_chunks", ig.corrupt_chunks);
	jw_u64(w, "unknown_chunks", ig.unknown_chunks);
	jw_u64(w, "chunks", ig.nchunks);
	jw_obj_end(w);
	jw_u64(w, "format_major", ig.format_major);
	jw_u64(w, "format_minor", ig.format_minor);
	uint64_t first, last;
	if (iot_reader_span(t->r, &first, &last) == 0) {
		jw_time(w, "first", iot_reader_wall_ns(t->r, first));
		jw_time(w, "last", iot_reader_wall_ns(t->r, last));
	} else {
		jw_null(w, "first");
		jw_null(w, "last");
	}
	jw_u64(w, "processes", iot_reader_proc_count(t->r));
	jw_u64(w, "files", iot_reader_file_count(t->r));
	jw_u64(w, "lost_events", lost);
	jw_u64(w, "loss_records", nloss);
	jw_obj(w, "streams");
	for (unsigned s = 1; s <= IOT_STREAM__MAX; s++) {
		if (!si[s].chunks)
			continue;
		jw_obj(w, iot_stream_name(s));
		jw_u64(w, "chunks", si[s].chunks);
		jw_u64(w, "records", si[s].records);
		jw_u64(w, "bytes", si[s].bytes);
		jw_u64(w, "unpacked_bytes", si[s].raw);
		jw_u64(w, "stored_chunks", si[s].stored);
		jw_obj_end(w);
	}
	jw_obj_end(w);
	jw_obj(w, "meta");
	for (size_t i = 0; i < iot_reader_meta_count(t->r); i++) {
		const struct iot_meta *m = iot_reader_meta_at(t->r, i);
		jw_str(w, m->key, m->value);
	}
	jw_obj_end(w);
	jw_arr(w, "warnings");
	for (size_t i = 0; i < iot_reader_warning_count(t->r); i++) {
		const struct iot_error *e = iot_reader_warning(t->r, i);
		jw_obj(w, NULL);
		jw_u64(w, "offset", e->offset);
		jw_str(w, "message", e->msg);
		jw_obj_end(w);
	}
	jw_arr_end(w);
	jw_obj_end(w);
}

int cmd_info(int argc, char **argv)
{
	struct cli cli;
	struct input_set in;
	memset(&in, 0, sizeof in);
	int stop, rc = cli_parse(&cli, argc, argv, CLI_FORMAT, usage, &stop);
	if (stop)
		return rc;
	if ((rc = cli_open(&cli, &in)))
		goto out;
	if (cli.format == OUT_JSON) {
		struct jw w;
		jw_init(&w, stdout);
		jw_obj(&w, NULL);
		jw_arr(&w, "traces");
		for (size_t i = 0; i < in.n; i++)
			json_one(&w, &in.t[i]);
		jw_arr_end(&w);
		jw_u64(&w, "input_errors", in.nerrors);
		jw_obj_end(&w);
		jw_end(&w);
	} else {
		for (size_t i = 0; i < in.n; i++) {
			if (i)
				fputc('\n', stdout);
			text_one(stdout, &in.t[i]);
		}
	}
	rc = fflush(stdout) ? 1 : (in.nerrors ? 1 : 0);
out:
	input_close(&in);
	cli_free(&cli);
	return rc;
}
