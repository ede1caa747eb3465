/* iostat.h - iostat -x metrics from two diskstats samples. Pure, never
 * prints.
 *
 * The formulas are sysstat's (iostat 12.x): rates are deltas over the
 * interval; awaits are delta(ms)/delta(ios); request sizes in kB are
 * delta(sectors)/delta(ios)/2; aqu-sz is delta(weighted ms)/interval ms;
 * %util is delta(io_ticks)/interval ms*100. The millisecond fields are
 * 32-bit in the kernel and wrap at 2^32: their deltas are taken modulo
 * 2^32. A counter that goes down means the device was detached and
 * attached again: the interval then counts from zero.
 */
#ifndef ANALYZE_IOSTAT_H
#define ANALYZE_IOSTAT_H

#include <stdint.h>

#include "format/iotrace.h"

/* Columns, in iostat -x order. */
#define IOSTAT_COLUMNS(X)           \
	X(R_S, "r/s")               \
	X(RKB_S, "rkB/s")           \
	X(RRQM_S, "rrqm/s")         \
	X(RRQM_PC, "%rrqm")         \
	X(R_AWAIT, "r_await")       \
	X(RAREQ_SZ, "rareq-sz")     \
	X(W_S, "w/s")               \
	X(WKB_S, "wkB/s")           \
	X(WRQM_S, "wrqm/s")         \
	X(WRQM_PC, "%wrqm")         \
	X(W_AWAIT, "w_await")       \
	X(WAREQ_SZ, "wareq-sz")     \
	X(D_S, "d/s")               \
	X(DKB_S, "dkB/s")           \
	X(DRQM_S, "drqm/s")         \
	X(DRQM_PC, "%drqm")         \
	X(D_AWAIT, "d_await")       \
	X(DAREQ_SZ, "dareq-sz")     \
	X(F_S, "f/s")               \
	X(F_AWAIT, "f_await")       \
	X(AQU_SZ, "aqu-sz")         \
	X(UTIL, "%util")

enum iostat_col {
#define IOSTAT_X_ENUM(e, name) IOSTAT_##e,
	IOSTAT_COLUMNS(IOSTAT_X_ENUM)
#undef IOSTAT_X_ENUM
	IOSTAT_NCOL
};

/* Column name as iostat prints it ("r/s"). */
const char *iostat_col_name(unsigned col);

/* Indexes into iot_disk_sample.c[]. */
enum iostat_field {
	DS_RD_IOS, DS_RD_MERGES, DS_RD_SECT, DS_RD_MS,
	DS_WR_IOS, DS_WR_MERGES, DS_WR_SECT, DS_WR_MS,
	DS_IN_FLIGHT, DS_IO_MS, DS_WEIGHTED_MS,
	DS_DC_IOS, DS_DC_MERGES, DS_DC_SECT, DS_DC_MS,
	DS_FL_IOS, DS_FL_MS,
};

struct iostat_metrics {
	double v[IOSTAT_NCOL];
	double interval_s;
	int has_discard; /* both samples have the discard fields (4.18+) */
	int has_flush;   /* both samples have the flush fields (5.5+) */
	int reset;       /* counters went down: counted from zero */
};

/* Metrics between prev and cur (cur later). Counter deltas use the
 * fields both samples have. Returns 0, or -EINVAL when the interval is
 * not positive. */
int iostat_compute(const struct iot_disk_sample *prev, const struct iot_disk_sample *cur,
		   struct iostat_metrics *out);

/* Delta of field f between two samples, with the 32-bit wrap of the
 * millisecond fields; sets *down when a non-wrapping counter decreased. */
uint64_t iostat_delta(const struct iot_disk_sample *prev, const struct iot_disk_sample *cur,
		      unsigned f, int *down);

#endif
