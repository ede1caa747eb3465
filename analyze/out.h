/* out.h - report writing helpers: a small streaming JSON writer, CSV
 * quoting, human units and wall-clock times. */
#ifndef ANALYZE_OUT_H
#define ANALYZE_OUT_H

#include <stdint.h>
#include <stdio.h>

enum out_format { OUT_TEXT, OUT_JSON, OUT_CSV };
/* "text" | "json" | "csv" -> format, or -1. */
int out_format_parse(const char *s);

/* JSON: key is NULL inside arrays. Output is indented, keys in the order
 * written. Strings are escaped; NULL strings are written as null. */
struct jw {
	FILE *f;
	int depth;
	unsigned char first[64];
};
void jw_init(struct jw *w, FILE *f);
void jw_obj(struct jw *w, const char *key);
void jw_obj_end(struct jw *w);
void jw_arr(struct jw *w, const char *key);
void jw_arr_end(struct jw *w);
void jw_str(struct jw *w, const char *key, const char *val);
void jw_u64(struct jw *w, const char *key, uint64_t v);
void jw_i64(struct jw *w, const char *key, int64_t v);
void jw_num(struct jw *w, const char *key, double v);   /* %.9g; nan/inf -> null */
void jw_fix(struct jw *w, const char *key, double v, int decimals);
void jw_time(struct jw *w, const char *key, uint64_t wall_ns); /* seconds since epoch, 9 decimals */
void jw_bool(struct jw *w, const char *key, int v);
void jw_null(struct jw *w, const char *key);
/* Finish the document (newline). */
void jw_end(struct jw *w);

/* CSV field, quoted when needed (RFC 4180). */
void csv_str(FILE *f, const char *s);

/* Human units into buf: "1.5 GiB", "312 B"; "12.3 ms", "850 ns"; rates. */
const char *fmt_bytes(char *buf, size_t n, double bytes);
const char *fmt_dur(char *buf, size_t n, double ns);
const char *fmt_count(char *buf, size_t n, double v); /* 1234567 -> "1.23M" */
/* "2026-11-21 23:41:44.123 UTC" */
const char *fmt_wall(char *buf, size_t n, uint64_t wall_ns);

/* Parse a time for --since/--until: seconds since the epoch (float), or
 * "YYYY-MM-DD HH:MM:SS[.frac]" / "YYYY-MM-DDTHH:MM:SS" in UTC. Returns 0
 * and *ns, or -EINVAL. */
int parse_wall(const char *s, uint64_t *ns);

#endif
