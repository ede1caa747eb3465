// FUZZ-SOURCES: analyze/model.c
/* Fuzz the model CSV parser: any bytes must either parse into a model
 * whose rows obey the documented invariants, or be refused with at least
 * one diagnostic; the classifier must then run on any size and latency. */
#include "analyze/model.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct model *m = NULL;
	struct model_errors errs;
	int rc = model_parse(&m, (const char *)data, size, "fuzz.csv", &errs);
	if (rc < 0) {
		if (rc == -22 && errs.ndiags == 0)
			abort(); /* a refusal must say why */
		return 0;
	}
	if (m->nrows == 0 || m->ndir[0] + m->ndir[1] != m->nrows)
		abort();
	static const uint64_t sizes[] = {0, 1, 4095, 4096, 4097, 1u << 20, UINT64_MAX};
	for (size_t i = 0; i < m->nrows; i++)
		if (m->rows[i].cls >= MODEL_UNCLASSIFIED ||
		    (m->rows[i].right && m->rows[i].left > m->rows[i].right))
			abort();
	for (unsigned d = 0; d < 2; d++)
		for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
			double pred;
			int row = model_pick(m, d, sizes[s], 1e-4, &pred);
			if (row >= (int)m->nrows || (row >= 0 && !(pred > 1e-4)))
				abort();
		}
	model_free(m);
	return 0;
}
