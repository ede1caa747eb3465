/* classify.h - classify the read/write requests of traces with a model.
 *
 * Every successful read- or write-family event is classified by
 * model_pick() with size = bytes actually transferred (result) and
 * t = wall-clock latency (dur_ns). Failed calls (result < 0) are not
 * classified; they are counted apart per direction. Totals are kept per
 * class x direction, overall and optionally per job, process or file.
 */
#ifndef ANALYZE_CLASSIFY_H
#define ANALYZE_CLASSIFY_H

#include <stdint.h>
#include <stdio.h>

#include "analyze/model.h"
#include "format/iotrace.h"

struct class_cell {
	uint64_t ops;
	uint64_t bytes;
	uint64_t time_ns;
};

/* Everything counted for one scope (all requests, one job, ...). */
struct class_table {
	struct class_cell cell[MODEL_NCLASSES][2]; /* [class][enum model_dir] */
	uint64_t failed[2];                        /* failed calls, not classified */
	uint64_t classified;                       /* requests given a row */
	double abs_err_s;                          /* sum of |prediction - t| */
};

/* Direction of an operation: MODEL_READ, MODEL_WRITE, or -1 if the op is
 * not a read or write (from the categories of IOT_OPS, as a table: this
 * runs once per event). */
#define CLASSIFY_DIR_READ MODEL_READ
#define CLASSIFY_DIR_WRITE MODEL_WRITE
#define CLASSIFY_DIR_META (-1)
#define CLASSIFY_DIR_SYNC (-1)
#define CLASSIFY_DIR_MMAP (-1)
#define CLASSIFY_DIR_OTHER (-1)
static inline int classify_dir(unsigned op)
{
	static const signed char dir[IOT_OP__COUNT] = {
#define CLASSIFY_X_DIR(e, name, cat) [IOT_OP_##e] = CLASSIFY_DIR_##cat,
		IOT_OPS(CLASSIFY_X_DIR)
#undef CLASSIFY_X_DIR
	};
	return op < IOT_OP__COUNT ? dir[op] : -1;
}

/* Classify one event into t (if it is a read or write). Returns the class
 * (enum model_class), or -1 if the event was not classified (not a
 * read/write, or failed). */
static inline int class_table_add(struct class_table *t, const struct model *m,
				  const struct iot_io_event *ev)
{
	int dir = classify_dir(ev->op);
	if (dir < 0)
		return -1;
	if (ev->result < 0) {
		t->failed[dir]++;
		return -1;
	}
	/* division, not * 1e-9: 250 ms must be exactly 0.25 s at a row edge */
	double lat = (double)ev->dur_ns / 1e9, pred;
	int row = model_pick(m, (unsigned)dir, (uint64_t)ev->result, lat, &pred);
	unsigned cls = MODEL_UNCLASSIFIED;
	if (row >= 0) {
		cls = m->rows[row].cls;
		t->classified++;
		t->abs_err_s += pred - lat; /* pred > lat by the rule */
	}
	struct class_cell *c = &t->cell[cls][dir];
	c->ops++;
	c->bytes += (uint64_t)ev->result;
	c->time_ns += ev->dur_ns;
	return (int)cls;
}

void class_table_merge(struct class_table *dst, const struct class_table *src);
/* Classified + Unclassified requests (failed calls not included). */
uint64_t class_table_requests(const struct class_table *t);
/* Share of requests classified (0 when there are none) and the mean
 * absolute error of the chosen rows' predictions in seconds. */
double class_table_share(const struct class_table *t);
double class_table_mae(const struct class_table *t);

struct jw;
/* The JSON array of class entries under key (one per class, Unclassified
 * included): {"class": NAME, "read": OPS, "write": OPS, "read_bytes",
 * "write_bytes", "read_time_s", "write_time_s"}. Shared with summary's
 * "classes" section. */
void classify_jw_classes(struct jw *w, const char *key, const struct class_table *t);
/* {"requests", "classified", "unclassified", "classified_share",
 *  "mean_abs_error_s"} under key. */
void classify_jw_quality(struct jw *w, const char *key, const struct class_table *t);
/* A text table of the classes, indented by indent spaces. */
int classify_text_classes(FILE *f, const struct class_table *t, int indent);

enum classify_by { CLASSIFY_BY_NONE = 0, CLASSIFY_BY_JOB, CLASSIFY_BY_PROCESS, CLASSIFY_BY_FILE };
/* Parse "job", "process", "file"; -1 otherwise. */
int classify_by_from_name(const char *s);
const char *classify_by_name(enum classify_by by);

/* One group of --by. */
struct classify_group {
	char *key;        /* job id, pid, or path */
	char *comm;       /* process groups: command name, else NULL */
	uint32_t pid;     /* process groups */
	struct class_table t;
};

struct classify_result {
	const struct model *model;
	enum classify_by by;
	struct class_table total;
	uint64_t events;  /* I/O events seen (all ops) */
	size_t ngroups;
	struct classify_group *groups; /* sorted: most requests first */
	size_t show;      /* groups the reports print (<= ngroups) */
};

void classify_result_free(struct classify_result *r);

/* Reports of a classify run (see classify_cmd.h for the run itself). */
int classify_report_text(FILE *f, const struct classify_result *r);
int classify_report_json(FILE *f, const struct classify_result *r);
int classify_report_csv(FILE *f, const struct classify_result *r);

/* --compare: the quality of several models on the same trace, ranked by
 * share of requests classified (higher first), then by mean absolute error
 * (lower first). results[i] belongs to the i-th model. */
int classify_compare_text(FILE *f, struct classify_result *const *results, size_t n);
int classify_compare_json(FILE *f, struct classify_result *const *results, size_t n);
int classify_compare_csv(FILE *f, struct classify_result *const *results, size_t n);

#endif /* ANALYZE_CLASSIFY_H */
