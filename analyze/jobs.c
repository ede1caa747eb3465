/* jobs.c - Lustre jobstats delta engine (see jobs.h). */
#include "jobs.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hmap.h"

/* ---- job ids ---------------------------------------------------------- */

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Lustre 2.15.2+ quotes ids with unusual characters and escapes them as
 * \xHH; older versions print the raw text. */
static char *unquote(const char *raw)
{
	size_t n = strlen(raw);
	int quoted = n >= 2 && raw[0] == '"' && raw[n - 1] == '"';
	const char *s = quoted ? raw + 1 : raw;
	size_t len = quoted ? n - 2 : n;
	char *out = malloc(len + 1);
	if (!out)
		return NULL;
	size_t o = 0;
	for (size_t i = 0; i < len; i++) {
		if (quoted && s[i] == '\\' && i + 3 < len && s[i + 1] == 'x' &&
		    hexval(s[i + 2]) >= 0 && hexval(s[i + 3]) >= 0) {
			out[o++] = (char)(hexval(s[i + 2]) * 16 + hexval(s[i + 3]));
			i += 3;
		} else if (quoted && s[i] == '\\' && i + 1 < len && (s[i + 1] == '\\' || s[i + 1] == '"')) {
			out[o++] = s[++i];
		} else {
			out[o++] = s[i];
		}
	}
	out[o] = 0;
	return out;
}

static int all_digits(const char *s, size_t n)
{
	if (!n)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

static char *dupn(const char *s, size_t n)
{
	return strndup(s, n);
}

int jobs_id_decode(const char *raw, struct jobs_id *out)
{
	memset(out, 0, sizeof *out);
	out->id = unquote(raw);
	if (!out->id)
		return -ENOMEM;
	const char *id = out->id;
	const char *c1 = strchr(id, ':');
	int rc = 0;
	if (c1) {
		/* %j:%u:%H (Slurm-style prolog setting of jobid_name) */
		const char *c2 = strchr(c1 + 1, ':');
		size_t ulen = c2 ? (size_t)(c2 - c1 - 1) : strlen(c1 + 1);
		if (c1 > id)
			out->job = dupn(id, (size_t)(c1 - id));
		else
			out->missing_job = 1;
		if (ulen)
			out->uid = dupn(c1 + 1, ulen);
		if (c2 && c2[1])
			out->host = strdup(c2 + 1);
		if ((c1 > id && !out->job) || (ulen && !out->uid) || (c2 && c2[1] && !out->host))
			rc = -ENOMEM;
		return rc;
	}
	/* %e.%u or %e.%u.%j: the uid is the first all-digit part after a dot */
	const char *d1 = strchr(id, '.');
	if (d1 && d1 > id) {
		const char *d2 = strchr(d1 + 1, '.');
		size_t ulen = d2 ? (size_t)(d2 - d1 - 1) : strlen(d1 + 1);
		if (all_digits(d1 + 1, ulen)) {
			out->exe = dupn(id, (size_t)(d1 - id));
			out->uid = dupn(d1 + 1, ulen);
			if (d2 && d2[1])
				out->job = strdup(d2 + 1);
			else if (d2)
				out->missing_job = 1;
			if (!out->exe || !out->uid || (d2 && d2[1] && !out->job))
				rc = -ENOMEM;
			return rc;
		}
	}
	/* a plain job id (%j, or an unknown format: keep the whole id) */
	if (!*id) {
		out->missing_job = 1;
		return 0;
	}
	out->job = strdup(id);
	return out->job ? 0 : -ENOMEM;
}

void jobs_id_free(struct jobs_id *id)
{
	if (!id)
		return;
	free(id->id);
	free(id->job);
	free(id->uid);
	free(id->host);
	free(id->exe);
	memset(id, 0, sizeof *id);
}

/* ---- engine ------------------------------------------------------------ */

struct target_state {
	const char *name;
	uint64_t cur_poll, prev_poll;
	size_t npolls;
};

struct counter_state {
	uint64_t samples, sum, start_ns;
	uint64_t last_poll;
};

struct jobs {
	char **strs; size_t nstrs, cstrs;
	struct hmap str_map;
	struct target_state *targets; size_t ntargets, ctargets;
	struct hmap target_map; /* string idx -> target */
	struct jobs_job *jobs; size_t njobs, cjobs;
	struct hmap job_map;    /* string idx -> job */
	struct counter_state *cs; size_t ncs, ccs;
	struct hmap cs_map;     /* (target, job<<32|counter) -> cs */
	/* per job, capacity of its arrays (parallel to jobs) */
	size_t *cap_iv, *cap_tot, *cap_tg;
};

static int grow(void **arr, size_t *cap, size_t need, size_t elem)
{
	if (need <= *cap)
		return 0;
	size_t nc = *cap ? *cap * 2 : 8;
	while (nc < need)
		nc *= 2;
	void *n = realloc(*arr, nc * elem);
	if (!n)
		return -ENOMEM;
	memset((char *)n + *cap * elem, 0, (nc - *cap) * elem);
	*arr = n;
	*cap = nc;
	return 0;
}

struct jobs *jobs_new(void)
{
	return calloc(1, sizeof(struct jobs));
}

void jobs_free(struct jobs *j)
{
	if (!j)
		return;
	for (size_t i = 0; i < j->njobs; i++) {
		struct jobs_job *jb = &j->jobs[i];
		jobs_id_free(&jb->id);
		for (size_t k = 0; k < jb->niv; k++)
			free(jb->iv[k].d);
		free(jb->iv);
		free(jb->totals);
		free(jb->targets);
	}
	for (size_t i = 0; i < j->nstrs; i++)
		free(j->strs[i]);
	free(j->strs);
	free(j->targets);
	free(j->jobs);
	free(j->cs);
	free(j->cap_iv);
	free(j->cap_tot);
	free(j->cap_tg);
	hmap_free(&j->str_map);
	hmap_free(&j->target_map);
	hmap_free(&j->job_map);
	hmap_free(&j->cs_map);
	free(j);
}

/* Intern a string: its index, or -ENOMEM. */
static int64_t intern(struct jobs *j, const char *s)
{
	uint64_t h = hmap_hash_str(s), n = 0;
	int64_t idx;
	while ((idx = hmap_get(&j->str_map, h, n)) >= 0) {
		if (strcmp(j->strs[idx], s) == 0)
			return idx;
		n++;
	}
	if (grow((void **)&j->strs, &j->cstrs, j->nstrs + 1, sizeof *j->strs))
		return -ENOMEM;
	if (!(j->strs[j->nstrs] = strdup(s)))
		return -ENOMEM;
	if (hmap_put(&j->str_map, h, n, (uint32_t)j->nstrs))
		return -ENOMEM;
	return (int64_t)j->nstrs++;
}

static int64_t get_target(struct jobs *j, int64_t name)
{
	int64_t t = hmap_get(&j->target_map, (uint64_t)name, 0);
	if (t >= 0)
		return t;
	if (grow((void **)&j->targets, &j->ctargets, j->ntargets + 1, sizeof *j->targets))
		return -ENOMEM;
	j->targets[j->ntargets].name = j->strs[name];
	if (hmap_put(&j->target_map, (uint64_t)name, 0, (uint32_t)j->ntargets))
		return -ENOMEM;
	return (int64_t)j->ntargets++;
}

static int64_t get_job(struct jobs *j, int64_t name)
{
	int64_t x = hmap_get(&j->job_map, (uint64_t)name, 0);
	if (x >= 0)
		return x;
	size_t c0 = j->cjobs;
	if (grow((void **)&j->jobs, &j->cjobs, j->njobs + 1, sizeof *j->jobs))
		return -ENOMEM;
	if (c0 != j->cjobs) {
		size_t c = c0;
		if (grow((void **)&j->cap_iv, &c, j->cjobs, sizeof(size_t)))
			return -ENOMEM;
		c = c0;
		if (grow((void **)&j->cap_tot, &c, j->cjobs, sizeof(size_t)))
			return -ENOMEM;
		c = c0;
		if (grow((void **)&j->cap_tg, &c, j->cjobs, sizeof(size_t)))
			return -ENOMEM;
	}
	struct jobs_job *jb = &j->jobs[j->njobs];
	memset(jb, 0, sizeof *jb);
	jb->raw = j->strs[name];
	if (jobs_id_decode(jb->raw, &jb->id))
		return -ENOMEM;
	if (hmap_put(&j->job_map, (uint64_t)name, 0, (uint32_t)j->njobs))
		return -ENOMEM;
	return (int64_t)j->njobs++;
}

static struct jobs_interval *get_interval(struct jobs *j, size_t ji, const struct target_state *t,
					  int is_new)
{
	struct jobs_job *jb = &j->jobs[ji];
	/* the interval of this poll is among the last ones (one per target) */
	for (size_t k = jb->niv; k-- > 0;) {
		struct jobs_interval *iv = &jb->iv[k];
		if (iv->end_ns != t->cur_poll)
			break;
		if (iv->target == t->name) {
			iv->is_new |= is_new;
			return iv;
		}
	}
	if (grow((void **)&jb->iv, &j->cap_iv[ji], jb->niv + 1, sizeof *jb->iv))
		return NULL;
	struct jobs_interval *iv = &jb->iv[jb->niv++];
	memset(iv, 0, sizeof *iv);
	iv->target = t->name;
	iv->start_ns = t->prev_poll;
	iv->end_ns = t->cur_poll;
	iv->is_new = is_new;
	size_t k;
	for (k = 0; k < jb->ntargets && jb->targets[k] != t->name; k++)
		;
	if (k == jb->ntargets) {
		if (grow((void **)&jb->targets, &j->cap_tg[ji], jb->ntargets + 1, sizeof *jb->targets))
			return NULL;
		jb->targets[jb->ntargets++] = t->name;
	}
	return iv;
}

static int add_total(struct jobs *j, size_t ji, const char *counter, const char *unit,
		     uint64_t samples, uint64_t sum)
{
	struct jobs_job *jb = &j->jobs[ji];
	size_t k;
	for (k = 0; k < jb->ntotals && jb->totals[k].counter != counter; k++)
		;
	if (k == jb->ntotals) {
		if (grow((void **)&jb->totals, &j->cap_tot[ji], jb->ntotals + 1, sizeof *jb->totals))
			return -ENOMEM;
		jb->totals[k].counter = counter;
		jb->totals[k].unit = unit;
		jb->ntotals++;
	}
	jb->totals[k].samples += samples;
	jb->totals[k].sum += sum;
	return 0;
}

int jobs_add(struct jobs *j, const struct jobs_sample *s)
{
	int64_t tn = intern(j, s->target), jn = intern(j, s->job), cn = intern(j, s->counter);
	int64_t un = intern(j, s->unit ? s->unit : "");
	if (tn < 0 || jn < 0 || cn < 0 || un < 0)
		return -ENOMEM;
	int64_t ti = get_target(j, tn), ji = get_job(j, jn);
	if (ti < 0 || ji < 0)
		return -ENOMEM;
	struct target_state *t = &j->targets[ti];
	if (s->poll_ns != t->cur_poll) {
		t->prev_poll = t->cur_poll;
		t->cur_poll = s->poll_ns;
		t->npolls++;
	}
	uint64_t kb = ((uint64_t)jn << 32) | (uint64_t)cn;
	int64_t ci = hmap_get(&j->cs_map, (uint64_t)tn, kb);
	int existed = ci >= 0;
	if (!existed) {
		if (grow((void **)&j->cs, &j->ccs, j->ncs + 1, sizeof *j->cs))
			return -ENOMEM;
		ci = (int64_t)j->ncs++;
		memset(&j->cs[ci], 0, sizeof j->cs[ci]);
		if (hmap_put(&j->cs_map, (uint64_t)tn, kb, (uint32_t)ci))
			return -ENOMEM;
	}
	struct counter_state *c = &j->cs[ci];
	int have_prev = existed && c->last_poll == t->prev_poll && t->prev_poll;
	int rc = 0;
	if (t->prev_poll) {
		uint64_t ds, dsum;
		int reset = 0, is_new = !have_prev;
		if (is_new) {
			/* new, or back after Lustre's cleanup: counters restarted
			 * from zero at the previous poll */
			ds = s->samples;
			dsum = s->sum;
		} else if (s->samples < c->samples || s->sum < c->sum ||
			   (s->start_ns && c->start_ns && s->start_ns != c->start_ns)) {
			reset = 1;
			ds = s->samples;
			dsum = s->sum;
		} else {
			ds = s->samples - c->samples;
			dsum = s->sum - c->sum;
		}
		struct jobs_interval *iv = get_interval(j, (size_t)ji, t, is_new);
		if (!iv || grow((void **)&iv->d, &(size_t){ iv->nd }, iv->nd + 1, sizeof *iv->d))
			return -ENOMEM;
		if (is_new && existed && iv->nd == 0)
			j->jobs[ji].returns++;
		if (reset && !iv->reset)
			j->jobs[ji].resets++;
		iv->reset |= reset;
		struct jobs_delta *d = &iv->d[iv->nd++];
		d->counter = j->strs[cn];
		d->unit = j->strs[un];
		d->samples = ds;
		d->sum = dsum;
		d->reset = reset;
		rc = add_total(j, (size_t)ji, d->counter, d->unit, ds, dsum);
	}
	c->samples = s->samples;
	c->sum = s->sum;
	c->start_ns = s->start_ns;
	c->last_poll = s->poll_ns;
	return rc;
}

size_t jobs_count(const struct jobs *j)
{
	return j->njobs;
}

const struct jobs_job *jobs_job(const struct jobs *j, size_t i)
{
	return &j->jobs[i];
}

size_t jobs_poll_count(const struct jobs *j)
{
	size_t n = 0;
	for (size_t i = 0; i < j->ntargets; i++)
		n += j->targets[i].npolls;
	return n;
}

int jobs_is_bytes(const struct jobs_delta *d)
{
	return strcmp(d->unit, "bytes") == 0 || strstr(d->counter, "_bytes") != NULL;
}

double jobs_rate(const struct jobs_delta *d, double dt_s)
{
	if (dt_s <= 0)
		return 0;
	if (jobs_is_bytes(d))
		return (double)d->sum / dt_s / 1e6;
	return (double)d->samples / dt_s;
}

double jobs_mean(const struct jobs_delta *d)
{
	return d->samples ? (double)d->sum / (double)d->samples : 0;
}
