/* model.h - Blackheap / iofs classification models.
 *
 * A model is a CSV file with the header
 *   benchmark_type,is_read_op,slope,y_intercept,left_bound,right_bound
 * (columns may come in any order) and one row per linear piece: the row
 * predicts slope*bytes + y_intercept seconds for a request whose size lies
 * in [left_bound, right_bound] (inclusive; 0 = unbounded on that side).
 *
 * The decision rule (DESIGN.md): a read or write of `bytes` bytes that took
 * `t` seconds belongs to the row, among the rows of its direction whose
 * bounds hold the size, with the smallest prediction still greater than t;
 * ties go to the row that comes first in the file; no such row means
 * Unclassified. Classes are benchmark type x direction.
 */
#ifndef ANALYZE_MODEL_H
#define ANALYZE_MODEL_H

#include <stddef.h>
#include <stdint.h>

/* Benchmark types, in report order. MODEL_UNCLASSIFIED is the extra class
 * for requests no row predicts. */
enum model_class {
	MODEL_RANDOM_UNCACHED = 0,
	MODEL_SAME_OFFSET,
	MODEL_SEQUENTIAL,
	MODEL_REVERSE,
	MODEL_UNCLASSIFIED,
	MODEL_NCLASSES
};

/* Direction of a request, index into per-class read/write pairs. */
enum model_dir { MODEL_WRITE = 0, MODEL_READ = 1 };

/* "RandomUncached", ..., "Unclassified"; "?" out of range. */
const char *model_class_name(unsigned cls);
/* Class for a benchmark type name (exact spelling), or -1. */
int model_class_from_name(const char *name, size_t len);

struct model_row {
	double slope;     /* seconds per byte */
	double intercept; /* seconds; may be negative */
	uint64_t left;    /* inclusive lower size bound, 0 = none */
	uint64_t right;   /* inclusive upper size bound, 0 = none */
	uint32_t line;    /* line number in the CSV (1-based) */
	uint8_t cls;      /* enum model_class (never UNCLASSIFIED) */
	uint8_t is_read;
};

/* One problem found while parsing, with its 1-based line (0 = whole file). */
struct model_diag {
	uint32_t line;
	char msg[160];
};

#define MODEL_MAX_DIAGS 16
#define MODEL_MAX_ROWS 4096

/* Everything a parse reports; diags[] holds the first MODEL_MAX_DIAGS
 * problems, ndiags counts all of them. */
struct model_errors {
	size_t ndiags;
	struct model_diag diags[MODEL_MAX_DIAGS];
};

struct model {
	char *name;             /* file name, for messages */
	size_t nrows;
	struct model_row *rows; /* file order */
	/* Row indexes per direction, file order: the classifier scans these. */
	size_t ndir[2];
	uint32_t *dir_rows[2];
};

/* Parse a model from memory. name is used in messages. On success *out
 * owns a model (free with model_free()). Any bad row refuses the whole
 * model: returns -EINVAL and fills errs (if not NULL) with every problem
 * and its line. A model with no rows is refused the same way. -ENOMEM on
 * allocation failure. */
int model_parse(struct model **out, const char *text, size_t len,
		const char *name, struct model_errors *errs);

/* Read and parse a model file. Returns -errno if the file cannot be read
 * (errs->diags[0] says why, line 0), else as model_parse(). */
int model_load(struct model **out, const char *path, struct model_errors *errs);

void model_free(struct model *m);

/* Apply the decision rule. dir is MODEL_READ or MODEL_WRITE, bytes the
 * bytes transferred and t the latency in seconds. Returns the index of the
 * chosen row in m->rows (its prediction in *pred if pred is not NULL), or
 * -1 for Unclassified. */
static inline int model_pick(const struct model *m, unsigned dir, uint64_t bytes,
			     double t, double *pred)
{
	int best = -1;
	double best_pred = 0;
	const uint32_t *idx = m->dir_rows[dir];
	for (size_t i = 0; i < m->ndir[dir]; i++) {
		const struct model_row *r = &m->rows[idx[i]];
		if (bytes < r->left || (r->right && bytes > r->right))
			continue;
		double p = r->slope * (double)bytes + r->intercept;
		/* strict <: an equal prediction later in the file loses the tie */
		if (p > t && (best < 0 || p < best_pred)) {
			best = (int)idx[i];
			best_pred = p;
		}
	}
	if (pred)
		*pred = best_pred;
	return best;
}

/* The class (enum model_class) for a request, MODEL_UNCLASSIFIED if none. */
static inline unsigned model_classify(const struct model *m, unsigned dir,
				      uint64_t bytes, double t)
{
	int row = model_pick(m, dir, bytes, t, NULL);
	return row < 0 ? MODEL_UNCLASSIFIED : m->rows[row].cls;
}

#endif /* ANALYZE_MODEL_H */
