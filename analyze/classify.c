/* classify.c - class tables and the classify reports (see classify.h). */
#include "analyze/classify.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/out.h"

void class_table_merge(struct class_table *dst, const struct class_table *src)
{
	for (unsigned k = 0; k < MODEL_NCLASSES; k++)
		for (unsigned d = 0; d < 2; d++) {
			dst->cell[k][d].ops += src->cell[k][d].ops;
			dst->cell[k][d].bytes += src->cell[k][d].bytes;
			dst->cell[k][d].time_ns += src->cell[k][d].time_ns;
		}
	dst->failed[0] += src->failed[0];
	dst->failed[1] += src->failed[1];
	dst->classified += src->classified;
	dst->abs_err_s += src->abs_err_s;
}

uint64_t class_table_requests(const struct class_table *t)
{
	uint64_t n = 0;
	for (unsigned k = 0; k < MODEL_NCLASSES; k++)
		n += t->cell[k][0].ops + t->cell[k][1].ops;
	return n;
}

double class_table_share(const struct class_table *t)
{
	uint64_t n = class_table_requests(t);
	return n ? (double)t->classified / (double)n : 0.0;
}

double class_table_mae(const struct class_table *t)
{
	return t->classified ? t->abs_err_s / (double)t->classified : 0.0;
}

int classify_by_from_name(const char *s)
{
	if (strcmp(s, "job") == 0)
		return CLASSIFY_BY_JOB;
	if (strcmp(s, "process") == 0 || strcmp(s, "proc") == 0 || strcmp(s, "pid") == 0)
		return CLASSIFY_BY_PROCESS;
	if (strcmp(s, "file") == 0)
		return CLASSIFY_BY_FILE;
	return -1;
}

const char *classify_by_name(enum classify_by by)
{
	static const char *const names[] = {"all", "job", "process", "file"};
	return (unsigned)by < 4 ? names[by] : "?";
}

void classify_result_free(struct classify_result *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->ngroups; i++) {
		free(r->groups[i].key);
		free(r->groups[i].comm);
	}
	free(r->groups);
	free(r);
}

/* ------------------------------------------------------------------ */
/* JSON                                                                */

void classify_jw_classes(struct jw *w, const char *key, const struct class_table *t)
{
	jw_arr(w, key);
	for (unsigned k = 0; k < MODEL_NCLASSES; k++) {
		const struct class_cell *r = &t->cell[k][MODEL_READ], *wr = &t->cell[k][MODEL_WRITE];
		jw_obj(w, NULL);
		jw_str(w, "class", model_class_name(k));
		jw_u64(w, "read", r->ops);
		jw_u64(w, "write", wr->ops);
		jw_u64(w, "read_bytes", r->bytes);
		jw_u64(w, "write_bytes", wr->bytes);
		jw_num(w, "read_time_s", (double)r->time_ns * 1e-9);
		jw_num(w, "write_time_s", (double)wr->time_ns * 1e-9);
		jw_obj_end(w);
	}
	jw_arr_end(w);
}

void classify_jw_quality(struct jw *w, const char *key, const struct class_table *t)
{
	jw_obj(w, key);
	jw_u64(w, "requests", class_table_requests(t));
	jw_u64(w, "classified", t->classified);
	jw_u64(w, "unclassified", class_table_requests(t) - t->classified);
	jw_num(w, "classified_share", class_table_share(t));
	jw_num(w, "mean_abs_error_s", class_table_mae(t));
	jw_obj_end(w);
}

static void jw_scope(struct jw *w, const struct class_table *t)
{
	classify_jw_classes(w, "classes", t);
	jw_u64(w, "unclassified_failed", t->failed[MODEL_READ] + t->failed[MODEL_WRITE]);
	jw_u64(w, "failed_reads", t->failed[MODEL_READ]);
	jw_u64(w, "failed_writes", t->failed[MODEL_WRITE]);
}

int classify_report_json(FILE *f, const struct classify_result *r)
{
	struct jw w;
	jw_init(&w, f);
	jw_obj(&w, NULL);
	jw_str(&w, "model", r->model->name);
	jw_u64(&w, "model_rows", r->model->nrows);
	jw_u64(&w, "events", r->events);
	jw_scope(&w, &r->total);
	classify_jw_quality(&w, "quality", &r->total);
	if (r->by != CLASSIFY_BY_NONE) {
		jw_str(&w, "by", classify_by_name(r->by));
		jw_arr(&w, "groups");
		for (size_t i = 0; i < r->show; i++) {
			const struct classify_group *g = &r->groups[i];
			jw_obj(&w, NULL);
			if (r->by == CLASSIFY_BY_PROCESS) {
				jw_u64(&w, "pid", g->pid);
				jw_str(&w, "comm", g->comm);
			}
			jw_str(&w, r->by == CLASSIFY_BY_JOB ? "job" : r->by == CLASSIFY_BY_FILE ? "path"
								       : "key",
			       g->key);
			jw_scope(&w, &g->t);
			classify_jw_quality(&w, "quality", &g->t);
			jw_obj_end(&w);
		}
		jw_arr_end(&w);
	}
	jw_obj_end(&w);
	jw_end(&w);
	return ferror(f) ? -EIO : 0;
}

/* ------------------------------------------------------------------ */
/* Text                                                                */

int classify_text_classes(FILE *f, const struct class_table *t, int indent)
{
	char b1[32], b2[32], d1[32], d2[32];
	fprintf(f, "%*s%-15s %12s %10s %10s  %12s %10s %10s\n", indent, "", "class", "read ops",
		"read", "time", "write ops", "written", "time");
	for (unsigned k = 0; k < MODEL_NCLASSES; k++) {
		const struct class_cell *r = &t->cell[k][MODEL_READ], *w = &t->cell[k][MODEL_WRITE];
		fprintf(f, "%*s%-15s %12" PRIu64 " %10s %10s  %12" PRIu64 " %10s %10s\n", indent, "",
			model_class_name(k), r->ops, fmt_bytes(b1, sizeof b1, (double)r->bytes),
			fmt_dur(d1, sizeof d1, (double)r->time_ns), w->ops,
			fmt_bytes(b2, sizeof b2, (double)w->bytes),
			fmt_dur(d2, sizeof d2, (double)w->time_ns));
	}
	fprintf(f, "%*sfailed calls, not classified: %" PRIu64 " reads, %" PRIu64 " writes\n",
		indent, "", t->failed[MODEL_READ], t->failed[MODEL_WRITE]);
	return ferror(f) ? -EIO : 0;
}

static void text_quality(FILE *f, const struct class_table *t, int indent)
{
	uint64_t n = class_table_requests(t);
	fprintf(f, "%*s%" PRIu64 " read/write requests, %" PRIu64 " classified (%.1f%%), %" PRIu64
		   " unclassified, %" PRIu64 " failed calls not classified\n",
		indent, "", n, t->classified, 100.0 * class_table_share(t), n - t->classified,
		t->failed[0] + t->failed[1]);
	fprintf(f, "%*smean absolute error of the chosen rows: %.9f s\n", indent, "",
		class_table_mae(t));
}

int classify_report_text(FILE *f, const struct classify_result *r)
{
	fprintf(f, "model %s (%zu rows)\n", r->model->name, r->model->nrows);
	text_quality(f, &r->total, 0);
	fputc('\n', f);
	classify_text_classes(f, &r->total, 0);
	if (r->show < r->ngroups)
		fprintf(f, "\n(%zu of %zu %s groups below, most requests first; --top 0 shows all)\n",
			r->show, r->ngroups, classify_by_name(r->by));
	for (size_t i = 0; i < r->show; i++) {
		const struct classify_group *g = &r->groups[i];
		fputc('\n', f);
		if (r->by == CLASSIFY_BY_PROCESS)
			fprintf(f, "process %" PRIu32 " (%s)\n", g->pid, g->comm ? g->comm : "?");
		else
			fprintf(f, "%s %s\n", classify_by_name(r->by), g->key);
		text_quality(f, &g->t, 2);
		classify_text_classes(f, &g->t, 2);
	}
	return ferror(f) ? -EIO : 0;
}

/* ------------------------------------------------------------------ */
/* CSV                                                                 */

static void csv_scope(FILE *f, const char *scope, const char *key, const struct class_table *t)
{
	for (unsigned k = 0; k < MODEL_NCLASSES; k++) {
		const struct class_cell *r = &t->cell[k][MODEL_READ], *w = &t->cell[k][MODEL_WRITE];
		fprintf(f, "%s,", scope);
		csv_str(f, key);
		fprintf(f, ",%s,%" PRIu64 ",%" PRIu64 ",%.9f,%" PRIu64 ",%" PRIu64 ",%.9f\n",
			model_class_name(k), r->ops, r->bytes, (double)r->time_ns * 1e-9, w->ops,
			w->bytes, (double)w->time_ns * 1e-9);
	}
}

int classify_report_csv(FILE *f, const struct classify_result *r)
{
	fputs("scope,key,class,read_ops,read_bytes,read_time_s,write_ops,write_bytes,"
	      "write_time_s\n", f);
	csv_scope(f, "total", "", &r->total);
	for (size_t i = 0; i < r->show; i++)
		csv_scope(f, classify_by_name(r->by), r->groups[i].key, &r->groups[i].t);
	return ferror(f) ? -EIO : 0;
}

/* ------------------------------------------------------------------ */
/* --compare                                                           */

static int compare_rank(const void *a, const void *b)
{
	const struct classify_result *x = *(struct classify_result *const *)a;
	const struct classify_result *y = *(struct classify_result *const *)b;
	double sx = class_table_share(&x->total), sy = class_table_share(&y->total);
	if (sx != sy)
		return sx > sy ? -1 : 1;
	double ex = class_table_mae(&x->total), ey = class_table_mae(&y->total);
	if (ex != ey)
		return ex < ey ? -1 : 1;
	return 0;
}

/* Ranked copy of the result pointers (stable for equal models: the
 * command-line order decides). */
static struct classify_result **ranked(struct classify_result *const *res, size_t n)
{
	struct classify_result **v = malloc((n ? n : 1) * sizeof *v);
	if (!v)
		return NULL;
	/* insertion sort keeps ties in command-line order */
	for (size_t i = 0; i < n; i++) {
		size_t j = i;
		while (j > 0 && compare_rank(&res[i], &v[j - 1]) < 0) {
			v[j] = v[j - 1];
			j--;
		}
		v[j] = res[i];
	}
	return v;
}

int classify_compare_text(FILE *f, struct classify_result *const *res, size_t n)
{
	struct classify_result **v = ranked(res, n);
	if (!v)
		return -ENOMEM;
	fprintf(f, "%-4s %-40s %12s %12s %10s %16s\n", "rank", "model", "requests", "classified",
		"share", "mean abs error");
	for (size_t i = 0; i < n; i++) {
		const struct class_table *t = &v[i]->total;
		fprintf(f, "%-4zu %-40s %12" PRIu64 " %12" PRIu64 " %9.2f%% %14.9f s\n", i + 1,
			v[i]->model->name, class_table_requests(t), t->classified,
			100.0 * class_table_share(t), class_table_mae(t));
	}
	free(v);
	return ferror(f) ? -EIO : 0;
}

int classify_compare_json(FILE *f, struct classify_result *const *res, size_t n)
{
	struct classify_result **v = ranked(res, n);
	if (!v)
		return -ENOMEM;
	struct jw w;
	jw_init(&w, f);
	jw_obj(&w, NULL);
	jw_arr(&w, "models");
	for (size_t i = 0; i < n; i++) {
		const struct class_table *t = &v[i]->total;
		jw_obj(&w, NULL);
		jw_u64(&w, "rank", i + 1);
		jw_str(&w, "model", v[i]->model->name);
		jw_u64(&w, "requests", class_table_requests(t));
		jw_u64(&w, "classified", t->classified);
		jw_num(&w, "classified_share", class_table_share(t));
		jw_num(&w, "mean_abs_error_s", class_table_mae(t));
		jw_u64(&w, "unclassified_failed", t->failed[0] + t->failed[1]);
		classify_jw_classes(&w, "classes", t);
		jw_obj_end(&w);
	}
	jw_arr_end(&w);
	jw_obj_end(&w);
	jw_end(&w);
	free(v);
	return ferror(f) ? -EIO : 0;
}

int classify_compare_csv(FILE *f, struct classify_result *const *res, size_t n)
{
	struct classify_result **v = ranked(res, n);
	if (!v)
		return -ENOMEM;
	fputs("rank,model,requests,classified,classified_share,mean_abs_error_s\n", f);
	for (size_t i = 0; i < n; i++) {
		const struct class_table *t = &v[i]->total;
		fprintf(f, "%zu,", i + 1);
		csv_str(f, v[i]->model->name);
		fprintf(f, ",%" PRIu64 ",%" PRIu64 ",%.9f,%.12g\n", class_table_requests(t),
			t->classified, class_table_share(t), class_table_mae(t));
	}
	free(v);
	return ferror(f) ? -EIO : 0;
}
