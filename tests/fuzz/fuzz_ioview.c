// FUZZ-SOURCES: format/common.c format/codec.c format/schema.c format/reader.c format/writer.c analyze/agg.c analyze/hmap.c analyze/jobs.c analyze/iostat.c tui/series.c tui/model.c tui/view.c tui/fmt.c tui/drill.c
/* fuzz_ioview.c - libFuzzer target for ioview's model: any bytes that the
 * reader accepts go through the index series, the background scan, every
 * view over a few windows and a drill-down. Must never crash or hang
 * (corrupt time ranges, huge timestamps, empty traces). */
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "format/iotrace.h"
#include "tui/drill.h"
#include "tui/model.h"
#include "tui/view.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void exercise_views(struct model *m)
{
	struct view v = {0};
	uint32_t wins[3][2] = {{0, m->nbins}, {0, 1}, {m->nbins / 2, m->nbins / 2 + 3}};
	for (int k = 0; k < VIEW__COUNT; k++) {
		if (view_build(&v, (enum view_kind)k, m))
			break;
		for (int w = 0; w < 3; w++) {
			view_compute(&v, m, wins[w][0], wins[w][1]);
			view_filter(&v, w == 1 ? "a" : "", w == 2);
			v.sort_col = w % (int)v.ncols;
			view_sort(&v);
			double t[ROW_NV];
			view_totals(&v, t);
		}
	}
	view_free(&v);
}

static void exercise_drill(struct model *m)
{
	struct drill d;
	if (drill_init(&d, m, 64))
		return;
	const struct etab *t = &m->cur.pids;
	for (size_t i = 0; i < t->n && i < 2; i++) {
		const struct ekey *k = &t->ent[i].key;
		if (drill_start(&d, k->node, DRILL_PID, (uint32_t)k->a, 0, MODEL_KEY_LIFE(k->a), 0,
				m->t0, m->t1 + 1))
			break;
		while (drill_step(&d, 1.0) == 0)
			;
	}
	const struct etab *f = &m->cur.files;
	if (f->n && !drill_start(&d, f->ent[0].key.node, DRILL_FILE, 0, 0, 0, f->ent[0].key.a, m->t0,
				 m->t1))
		while (drill_step(&d, 1.0) == 0)
			;
	drill_free(&d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	iot_reader *r = NULL;
	if (iot_reader_open_mem(&r, data, size, "fuzz", NULL) != 0)
		return 0;
	struct model m;
	if (model_open(&m, &r, 1) == 0) {
		exercise_views(&m);
		if (model_start_scan(&m) == 0) {
			while (!model_poll(&m) && atomic_load(&m.scan_state) == 0)
				usleep(100);
			exercise_views(&m);
			exercise_drill(&m);
		}
	}
	model_close(&m);
	iot_reader_close(r);
	return 0;
}
