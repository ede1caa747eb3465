/* model.c - parse Blackheap / iofs model CSVs. */
#include "analyze/model.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum col { COL_TYPE, COL_READ, COL_SLOPE, COL_INTERCEPT, COL_LEFT, COL_RIGHT, NCOLS };

static const char *const col_names[NCOLS] = {
	"benchmark_type", "is_read_op", "slope", "y_intercept", "left_bound", "right_bound",
};

static const char *const class_names[MODEL_NCLASSES] = {
	"RandomUncached", "SameOffset", "Sequential", "Reverse", "Unclassified",
};

/* Models are tiny (a few hundred rows at most); anything this big is not one. */
#define MODEL_MAX_FILE (16u << 20)

const char *model_class_name(unsigned cls)
{
	return cls < MODEL_NCLASSES ? class_names[cls] : "?";
}

int model_class_from_name(const char *name, size_t len)
{
	for (int i = 0; i < MODEL_UNCLASSIFIED; i++)
		if (strlen(class_names[i]) == len && memcmp(class_names[i], name, len) == 0)
			return i;
	return -1;
}

static void diag(struct model_errors *errs, uint32_t line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void diag(struct model_errors *errs, uint32_t line, const char *fmt, ...)
{
	if (!errs)
		return;
	if (errs->ndiags < MODEL_MAX_DIAGS) {
		struct model_diag *d = &errs->diags[errs->ndiags];
		va_list ap;
		d->line = line;
		va_start(ap, fmt);
		vsnprintf(d->msg, sizeof d->msg, fmt, ap);
		va_end(ap);
	}
	errs->ndiags++;
}

/* A field of a line: [p, p+len), spaces and tabs trimmed. */
struct field {
	const char *p;
	size_t len;
};

static struct field trim(const char *p, size_t len)
{
	while (len && (*p == ' ' || *p == '\t')) {
		p++;
		len--;
	}
	while (len && (p[len - 1] == ' ' || p[len - 1] == '\t' || p[len - 1] == '\r'))
		len--;
	return (struct field){p, len};
}

/* Split a line on commas; returns the number of fields found (may exceed
 * max, in which case only the first max are stored). */
static size_t split(const char *line, size_t len, struct field *f, size_t max)
{
	size_t n = 0, start = 0;
	for (size_t i = 0; i <= len; i++) {
		if (i == len || line[i] == ',') {
			if (n < max)
				f[n] = trim(line + start, i - start);
			n++;
			start = i + 1;
		}
	}
	return n;
}

static int blank(const char *line, size_t len)
{
	struct field f = trim(line, len);
	return f.len == 0;
}

/* Printable excerpt of a field for a message. */
static const char *show(const struct field *f, char *buf, size_t size)
{
	size_t n = f->len < size - 1 ? f->len : size - 1;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)f->p[i];
		buf[i] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
	}
	buf[n] = '\0';
	return buf;
}

/* A finite number; the whole field must be used. */
static int parse_number(const struct field *f, double *out)
{
	char buf[80];
	if (f->len == 0 || f->len >= sizeof buf)
		return -1;
	memcpy(buf, f->p, f->len);
	buf[f->len] = '\0';
	char *end;
	errno = 0;
	double v = strtod(buf, &end);
	if (*end != '\0' || end == buf || !isfinite(v))
		return -1;
	*out = v;
	return 0;
}

/* Map header names to column positions. Returns 0 or -1 (diag added). */
static int parse_header(const char *line, size_t len, uint32_t lineno, int pos[NCOLS],
			struct model_errors *errs)
{
	struct field f[NCOLS + 1];
	size_t n = split(line, len, f, NCOLS + 1);
	for (int c = 0; c < NCOLS; c++)
		pos[c] = -1;
	if (n != NCOLS)
		goto bad;
	for (size_t i = 0; i < n; i++) {
		int found = -1;
		for (int c = 0; c < NCOLS; c++)
			if (strlen(col_names[c]) == f[i].len &&
			    memcmp(col_names[c], f[i].p, f[i].len) == 0)
				found = c;
		if (found < 0 || pos[found] >= 0)
			goto bad;
		pos[found] = (int)i;
	}
	return 0;
bad:
	diag(errs, lineno, "expected the header line "
	     "'benchmark_type,is_read_op,slope,y_intercept,left_bound,right_bound'");
	return -1;
}

static int parse_bound(const struct field *f, uint32_t lineno, const char *what,
		       uint64_t *out, struct model_errors *errs)
{
	char sh[40];
	double v;
	if (parse_number(f, &v) < 0) {
		diag(errs, lineno, "non-numeric %s '%s'", what, show(f, sh, sizeof sh));
		return -1;
	}
	if (v < 0) {
		diag(errs, lineno, "negative %s '%s'", what, show(f, sh, sizeof sh));
		return -1;
	}
	if (v != floor(v) || v > 9.0e18) {
		diag(errs, lineno, "%s '%s' is not a whole number of bytes", what,
		     show(f, sh, sizeof sh));
		return -1;
	}
	*out = (uint64_t)v;
	return 0;
}

static int parse_direction(const struct field *f, uint32_t lineno, uint8_t *out,
			   struct model_errors *errs)
{
	char sh[40];
	double v;
	if (f->len == 4 && strncasecmp(f->p, "true", 4) == 0)
		v = 1;
	else if (f->len == 5 && strncasecmp(f->p, "false", 5) == 0)
		v = 0;
	else if (parse_number(f, &v) < 0) {
		diag(errs, lineno, "non-numeric is_read_op '%s'", show(f, sh, sizeof sh));
		return -1;
	}
	if (v != 0 && v != 1) {
		diag(errs, lineno, "is_read_op must be 0 or 1, not '%s'", show(f, sh, sizeof sh));
		return -1;
	}
	*out = (uint8_t)v;
	return 0;
}

/* Parse one data row into *row. Returns 0, or -1 with diags added (every
 * problem of the row is reported, not only the first). */
static int parse_row(const char *line, size_t len, uint32_t lineno, const int pos[NCOLS],
		     struct model_row *row, struct model_errors *errs)
{
	struct field f[NCOLS + 1], c[NCOLS];
	char sh[40];
	size_t n = split(line, len, f, NCOLS + 1);
	if (n != NCOLS) {
		diag(errs, lineno, "wrong column count: %zu fields, expected %d", n, NCOLS);
		return -1;
	}
	for (int i = 0; i < NCOLS; i++)
		c[i] = f[pos[i]];

	int bad = 0;
	int cls = model_class_from_name(c[COL_TYPE].p, c[COL_TYPE].len);
	if (cls < 0) {
		diag(errs, lineno, "unknown benchmark type '%s' (known: RandomUncached, "
		     "SameOffset, Sequential, Reverse)", show(&c[COL_TYPE], sh, sizeof sh));
		bad = 1;
	}
	row->cls = (uint8_t)(cls < 0 ? 0 : cls);
	bad |= parse_direction(&c[COL_READ], lineno, &row->is_read, errs) < 0;
	if (parse_number(&c[COL_SLOPE], &row->slope) < 0) {
		diag(errs, lineno, "non-numeric slope '%s'", show(&c[COL_SLOPE], sh, sizeof sh));
		bad = 1;
	}
	if (parse_number(&c[COL_INTERCEPT], &row->intercept) < 0) {
		diag(errs, lineno, "non-numeric y_intercept '%s'",
		     show(&c[COL_INTERCEPT], sh, sizeof sh));
		bad = 1;
	}
	bad |= parse_bound(&c[COL_LEFT], lineno, "left_bound", &row->left, errs) < 0;
	bad |= parse_bound(&c[COL_RIGHT], lineno, "right_bound", &row->right, errs) < 0;
	if (!bad && row->right && row->left > row->right) {
		diag(errs, lineno, "left_bound %llu above right_bound %llu: the row can "
		     "never match", (unsigned long long)row->left,
		     (unsigned long long)row->right);
		bad = 1;
	}
	row->line = lineno;
	return bad ? -1 : 0;
}

static int index_directions(struct model *m)
{
	for (unsigned d = 0; d < 2; d++) {
		m->dir_rows[d] = malloc((m->nrows ? m->nrows : 1) * sizeof *m->dir_rows[d]);
		if (!m->dir_rows[d])
			return -ENOMEM;
		m->ndir[d] = 0;
	}
	for (size_t i = 0; i < m->nrows; i++) {
		unsigned d = m->rows[i].is_read ? MODEL_READ : MODEL_WRITE;
		m->dir_rows[d][m->ndir[d]++] = (uint32_t)i;
	}
	return 0;
}

void model_free(struct model *m)
{
	if (!m)
		return;
	free(m->name);
	free(m->rows);
	free(m->dir_rows[0]);
	free(m->dir_rows[1]);
	free(m);
}

/* Walk the lines of text: header first, then rows. */
static int parse_lines(struct model *m, const char *text, size_t len,
		       struct model_errors *errs)
{
	int pos[NCOLS];
	int have_header = 0, bad = 0;
	size_t cap = 0;
	uint32_t lineno = 0;
	size_t i = 0;
	/* a UTF-8 byte order mark, as spreadsheet programs write one */
	if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
		i = 3;
	while (i < len) {
		const char *nl = memchr(text + i, '\n', len - i);
		size_t end = nl ? (size_t)(nl - text) : len;
		const char *line = text + i;
		size_t llen = end - i;
		i = end + 1;
		lineno++;
		if (memchr(line, '\0', llen)) {
			diag(errs, lineno, "NUL byte in the line: not a text file");
			return -EINVAL;
		}
		if (blank(line, llen))
			continue;
		if (!have_header) {
			if (parse_header(line, llen, lineno, pos, errs) < 0)
				return -EINVAL;
			have_header = 1;
			continue;
		}
		if (m->nrows >= MODEL_MAX_ROWS) {
			diag(errs, lineno, "more than %d rows: not a model", MODEL_MAX_ROWS);
			return -EINVAL;
		}
		if (m->nrows == cap) {
			size_t ncap = cap ? cap * 2 : 16;
			struct model_row *nr = realloc(m->rows, ncap * sizeof *nr);
			if (!nr)
				return -ENOMEM;
			m->rows = nr;
			cap = ncap;
		}
		if (parse_row(line, llen, lineno, pos, &m->rows[m->nrows], errs) < 0)
			bad = 1;
		else
			m->nrows++;
	}
	if (!have_header) {
		diag(errs, 0, "empty file: expected the header line "
		     "'benchmark_type,is_read_op,slope,y_intercept,left_bound,right_bound'");
		return -EINVAL;
	}
	if (bad)
		return -EINVAL;
	if (m->nrows == 0) {
		diag(errs, 0, "no model rows after the header: nothing to classify with");
		return -EINVAL;
	}
	return 0;
}

int model_parse(struct model **out, const char *text, size_t len,
		const char *name, struct model_errors *errs)
{
	*out = NULL;
	if (errs)
		errs->ndiags = 0;
	struct model *m = calloc(1, sizeof *m);
	if (!m)
		return -ENOMEM;
	int rc = -ENOMEM;
	m->name = strdup(name ? name : "model");
	if (!m->name)
		goto fail;
	rc = parse_lines(m, text, len, errs);
	if (rc < 0)
		goto fail;
	rc = index_directions(m);
	if (rc < 0)
		goto fail;
	*out = m;
	return 0;
fail:
	model_free(m);
	return rc;
}

/* Read a whole (small) file into a malloc'ed buffer. */
static int read_small_file(const char *path, char **buf, size_t *len,
			   struct model_errors *errs)
{
	int rc = 0;
	char *b = NULL;
	size_t n = 0, cap = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		rc = -errno;
		diag(errs, 0, "cannot open: %s", strerror(-rc));
		return rc;
	}
	for (;;) {
		if (n == cap) {
			if (cap >= MODEL_MAX_FILE) {
				rc = -EFBIG;
				diag(errs, 0, "larger than %u MiB: not a model",
				     MODEL_MAX_FILE >> 20);
				goto out;
			}
			cap = cap ? cap * 2 : 4096;
			char *nb = realloc(b, cap);
			if (!nb) {
				rc = -ENOMEM;
				goto out;
			}
			b = nb;
		}
		ssize_t r = read(fd, b + n, cap - n);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			rc = -errno;
			diag(errs, 0, "cannot read: %s", strerror(-rc));
			goto out;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
out:
	close(fd);
	if (rc < 0) {
		free(b);
		return rc;
	}
	*buf = b;
	*len = n;
	return 0;
}

int model_load(struct model **out, const char *path, struct model_errors *errs)
{
	char *buf = NULL;
	size_t len = 0;
	*out = NULL;
	if (errs)
		errs->ndiags = 0;
	int rc = read_small_file(path, &buf, &len, errs);
	if (rc < 0)
		return rc;
	rc = model_parse(out, buf, len, path, errs);
	free(buf);
	return rc;
}
