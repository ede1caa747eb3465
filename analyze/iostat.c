/* iostat.c - iostat -x metrics from two diskstats samples (see iostat.h). */
#include "iostat.h"

#include <errno.h>
#include <string.h>

const char *iostat_col_name(unsigned col)
{
	static const char *const names[IOSTAT_NCOL] = {
#define IOSTAT_X_NAME(e, name) name,
		IOSTAT_COLUMNS(IOSTAT_X_NAME)
#undef IOSTAT_X_NAME
	};
	return col < IOSTAT_NCOL ? names[col] : "?";
}

/* The kernel keeps these as unsigned int milliseconds. */
static int is_ms_field(unsigned f)
{
	return f == DS_RD_MS || f == DS_WR_MS || f == DS_IO_MS || f == DS_WEIGHTED_MS ||
	       f == DS_DC_MS || f == DS_FL_MS;
}

uint64_t iostat_delta(const struct iot_disk_sample *prev, const struct iot_disk_sample *cur,
		      unsigned f, int *down)
{
	if (is_ms_field(f))
		return (uint32_t)(cur->c[f] - prev->c[f]);
	if (cur->c[f] < prev->c[f]) {
		*down = 1;
		return cur->c[f];
	}
	return cur->c[f] - prev->c[f];
}

static double ratio(double num, double den)
{
	return den > 0 ? num / den : 0.0;
}

int iostat_compute(const struct iot_disk_sample *prev, const struct iot_disk_sample *cur,
		   struct iostat_metrics *out)
{
	memset(out, 0, sizeof *out);
	if (cur->ts_ns <= prev->ts_ns)
		return -EINVAL;
	unsigned nf = prev->nfields < cur->nfields ? prev->nfields : cur->nfields;
	/* Old partition lines (4 fields) are reads, sectors read, writes,
	 * sectors written: map them onto the full layout. */
	struct iot_disk_sample p = *prev, c = *cur;
	if (nf == 4) {
		const struct iot_disk_sample *src[2] = { prev, cur };
		struct iot_disk_sample *dst[2] = { &p, &c };
		for (int i = 0; i < 2; i++) {
			memset(dst[i]->c, 0, sizeof dst[i]->c);
			dst[i]->c[DS_RD_IOS] = src[i]->c[0];
			dst[i]->c[DS_RD_SECT] = src[i]->c[1];
			dst[i]->c[DS_WR_IOS] = src[i]->c[2];
			dst[i]->c[DS_WR_SECT] = src[i]->c[3];
		}
		nf = 11;
	}
	uint64_t d[IOT_DISK_COUNTERS] = { 0 };
	int down = 0;
	for (unsigned f = 0; f < nf && f < IOT_DISK_COUNTERS; f++)
		if (f != DS_IN_FLIGHT)
			d[f] = iostat_delta(&p, &c, f, &down);
	if (down) {
		/* re-attached device: its counters restarted from zero */
		for (unsigned f = 0; f < nf && f < IOT_DISK_COUNTERS; f++)
			if (f != DS_IN_FLIGHT)
				d[f] = is_ms_field(f) ? (uint32_t)c.c[f] : c.c[f];
		out->reset = 1;
	}
	double dt = (double)(cur->ts_ns - prev->ts_ns) / 1e9;
	double dt_ms = dt * 1000.0;
	double *v = out->v;
	out->interval_s = dt;
	out->has_discard = nf >= 15;
	out->has_flush = nf >= 17;

	v[IOSTAT_R_S] = (double)d[DS_RD_IOS] / dt;
	v[IOSTAT_RKB_S] = (double)d[DS_RD_SECT] / dt / 2.0;
	v[IOSTAT_RRQM_S] = (double)d[DS_RD_MERGES] / dt;
	v[IOSTAT_RRQM_PC] = ratio((double)d[DS_RD_MERGES] * 100.0,
				  (double)(d[DS_RD_MERGES] + d[DS_RD_IOS]));
	v[IOSTAT_R_AWAIT] = ratio((double)d[DS_RD_MS], (double)d[DS_RD_IOS]);
	v[IOSTAT_RAREQ_SZ] = ratio((double)d[DS_RD_SECT], (double)d[DS_RD_IOS]) / 2.0;

	v[IOSTAT_W_S] = (double)d[DS_WR_IOS] / dt;
	v[IOSTAT_WKB_S] = (double)d[DS_WR_SECT] / dt / 2.0;
	v[IOSTAT_WRQM_S] = (double)d[DS_WR_MERGES] / dt;
	v[IOSTAT_WRQM_PC] = ratio((double)d[DS_WR_MERGES] * 100.0,
				  (double)(d[DS_WR_MERGES] + d[DS_WR_IOS]));
	v[IOSTAT_W_AWAIT] = ratio((double)d[DS_WR_MS], (double)d[DS_WR_IOS]);
	v[IOSTAT_WAREQ_SZ] = ratio((double)d[DS_WR_SECT], (double)d[DS_WR_IOS]) / 2.0;

	v[IOSTAT_D_S] = (double)d[DS_DC_IOS] / dt;
	v[IOSTAT_DKB_S] = (double)d[DS_DC_SECT] / dt / 2.0;
	v[IOSTAT_DRQM_S] = (double)d[DS_DC_MERGES] / dt;
	v[IOSTAT_DRQM_PC] = ratio((double)d[DS_DC_MERGES] * 100.0,
				  (double)(d[DS_DC_MERGES] + d[DS_DC_IOS]));
	v[IOSTAT_D_AWAIT] = ratio((double)d[DS_DC_MS], (double)d[DS_DC_IOS]);
	v[IOSTAT_DAREQ_SZ] = ratio((double)d[DS_DC_SECT], (double)d[DS_DC_IOS]) / 2.0;

	v[IOSTAT_F_S] = (double)d[DS_FL_IOS] / dt;
	v[IOSTAT_F_AWAIT] = ratio((double)d[DS_FL_MS], (double)d[DS_FL_IOS]);

	v[IOSTAT_AQU_SZ] = (double)d[DS_WEIGHTED_MS] / dt_ms;
	v[IOSTAT_UTIL] = (double)d[DS_IO_MS] / dt_ms * 100.0;
	return 0;
}
