// FUZZ-SOURCES: analyze/jobs.c analyze/hmap.c
/* Fuzz target for the jobstats delta engine and the job id decoder: the
 * input is lines "TARGET|JOB|COUNTER|POLL|SAMPLES|SUM|START"; every job id
 * is decoded and every sample fed in, then the results are walked. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/jobs.h"

static uint64_t num(const char *s)
{
	return s ? strtoull(s, NULL, 10) : 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size + 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = 0;
	struct jobs *j = jobs_new();
	char *save = NULL;
	for (char *line = strtok_r(buf, "\n", &save); line && j; line = strtok_r(NULL, "\n", &save)) {
		char *f[7] = { 0 };
		int n = 0;
		for (char *p = line; n < 7; n++) {
			f[n] = p;
			p = strchr(p, '|');
			if (!p)
				break;
			*p++ = 0;
		}
		struct jobs_id id;
		if (jobs_id_decode(f[0], &id) == 0)
			jobs_id_free(&id);
		if (n < 2)
			continue;
		struct jobs_sample s = { .target = f[0], .job = f[1], .counter = f[2] ? f[2] : "c",
					 .unit = "usecs", .poll_ns = num(f[3]), .samples = num(f[4]),
					 .sum = num(f[5]), .start_ns = num(f[6]) };
		if (jobs_add(j, &s))
			break;
	}
	uint64_t acc = 0;
	for (size_t i = 0; j && i < jobs_count(j); i++) {
		const struct jobs_job *jb = jobs_job(j, i);
		for (size_t k = 0; k < jb->niv; k++)
			for (size_t m = 0; m < jb->iv[k].nd; m++)
				acc += (uint64_t)jobs_rate(&jb->iv[k].d[m], 1.5) + jb->iv[k].d[m].sum;
	}
	jobs_free(j);
	free(buf);
	return acc == 42 ? 0 : 0;
}
