/* fmt.h - fixed-width number and time formatting for ioview (no
 * allocation: every function writes into the caller's buffer). */
#ifndef TUI_FMT_H
#define TUI_FMT_H

#include <stddef.h>
#include <stdint.h>

/* Bytes per second: "0", "512B", "12.3K", "8.0M", "123M", "1.5G" (1024 based). */
void fmt_bytes(char *buf, size_t n, double bytes);
/* Operations per second: "0", "0.5", "12.0", "123", "12.3k", "1.2M". */
void fmt_rate(char *buf, size_t n, double v);
/* Seconds as latency: "-", "850ns", "12us", "4.50ms", "1.20s". */
void fmt_lat(char *buf, size_t n, double sec);
/* Percentage: "0.0" .. "100" (no sign). */
void fmt_pct(char *buf, size_t n, double pct);
/* A duration: "250ms", "1.5s", "2m05s", "1h02m". */
void fmt_dur(char *buf, size_t n, uint64_t ns);
/* Offset from the start: "+12.345s" (up to 999 s), "+1:02:03.4" beyond. */
void fmt_offset(char *buf, size_t n, uint64_t ns);
/* Wall clock "HH:MM:SS.mmm" (local time) of ns since the epoch. */
void fmt_clock(char *buf, size_t n, uint64_t wall_ns);

/* Parse a time for the `g` key: "12.5" or "12.5s" (seconds from the
 * start), "1:30" (m:ss), "1:02:03" (h:mm:ss), "+5"/"-5" (relative to cur).
 * Stores the offset from the start in *out_ns. 0 or -EINVAL. */
int fmt_parse_time(const char *s, uint64_t cur_ns, uint64_t *out_ns);

/* Display columns taken by the first bytes of a UTF-8 string, at most
 * maxcols: returns the byte count that fits and sets *cols. Invalid
 * sequences count as one column per byte. */
size_t fmt_fit_utf8(const char *s, int maxcols, int *cols);

/* Case-insensitive (ASCII) substring test; empty needle matches. */
int fmt_contains(const char *hay, const char *needle);

#endif
