// FUZZ-SOURCES: record/poll/jobstats_parse.c
/* fuzz_jobstats.c - the Lustre job_stats parser on arbitrary bytes: every
 * job handed out must lie inside the input, and the id decoder must not
 * overrun its buffer. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "record/poll/jobstats_parse.h"

struct span {
	const uint8_t *data;
	size_t size;
};

static void check_inside(const struct span *s, struct jobstats_str str)
{
	if (str.n && ((const uint8_t *)str.p < s->data ||
		      (const uint8_t *)str.p + str.n > s->data + s->size))
		abort();
}

static int on_job(const struct jobstats_job *job, void *arg)
{
	const struct span *s = arg;
	char out[64];
	check_inside(s, job->job_id);
	if (job->ncounters == 0 || job->ncounters > JOBSTATS_MAX_COUNTERS)
		abort();
	for (size_t i = 0; i < job->ncounters; i++) {
		check_inside(s, job->counters[i].name);
		check_inside(s, job->counters[i].unit);
	}
	(void)jobstats_decode_id(job->job_id.p, job->job_id.n, out, sizeof out);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct span s = {data, size};
	struct jobstats_stats st;
	char target[64];
	char *path;
	jobstats_parse((const char *)data, size, "fuzz", on_job, &s, &st);
	if (st.jobs + st.bad_blocks > size)
		abort();
	/* the path helper on the same bytes as a string */
	path = malloc(size + 1);
	if (!path)
		return 0;
	memcpy(path, data, size);
	path[size] = '\0';
	jobstats_target_from_path(path, target, sizeof target);
	free(path);
	return 0;
}
