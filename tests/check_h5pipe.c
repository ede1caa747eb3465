/* check_h5pipe.c - chunks written by h5pipe (own shuffle, own zlib stream
 * composition, a compression thread) read back through the HDF5 library's
 * standard shuffle + deflate filters, byte for byte, for every kind of byte
 * plane and for chunk sizes at the edges of the run-length coder (matches
 * of 258, remainders of 1 and 2 bytes, stored blocks longer than 64 KiB). */
#include "analyze/h5pipe.h"

#include <check.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct rec {
	uint64_t constant;  /* every plane one value */
	uint64_t runs;      /* long runs */
	uint64_t noise;     /* random */
	uint32_t few;       /* a handful of values */
	uint32_t counter;   /* the record number */
	uint32_t fib;       /* values with Fibonacci frequencies: a Huffman tree
			     * deeper than deflate's 15 bits, to be flattened */
	uint32_t zero;
	uint64_t ramp;      /* 48 bytes in all: the 16-byte transpose path */
};

enum { NFIB = 20, FIBLEN = 17710 }; /* F(1) + ... + F(20) */
static uint8_t fibseq[FIBLEN];

static void make_fibseq(void)
{
	uint32_t f[NFIB + 1] = {0, 1, 1};
	for (int k = 3; k <= NFIB; k++)
		f[k] = f[k - 1] + f[k - 2];
	size_t n = 0;
	for (int k = 1; k <= NFIB; k++)
		for (uint32_t j = 0; j < f[k]; j++)
			fibseq[n++] = (uint8_t)k;
	uint64_t x = 1234567;
	for (size_t i = n - 1; i > 0; i--) { /* deterministic shuffle */
		x = x * 6364136223846793005ull + 1442695040888963407ull;
		size_t j = (size_t)((x >> 33) % (i + 1));
		uint8_t t = fibseq[i];
		fibseq[i] = fibseq[j];
		fibseq[j] = t;
	}
}

_Static_assert(sizeof(struct rec) == 48, "no padding, a multiple of 16 bytes");

static uint64_t rng(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

static struct rec make(uint64_t i, uint64_t *x)
{
	struct rec r;
	r.constant = 0x0123456789abcdefull;
	r.runs = (i / 700) * 0x0101010101ull;
	r.noise = rng(x);
	r.few = (uint32_t)(rng(x) % 5) * 4096u;
	r.counter = (uint32_t)i;
	r.fib = fibseq[i % FIBLEN];
	r.zero = 0;
	r.ramp = i * 3;
	return r;
}

static hid_t rec_type(void)
{
	hid_t t = H5Tcreate(H5T_COMPOUND, sizeof(struct rec));
	H5Tinsert(t, "constant", offsetof(struct rec, constant), H5T_NATIVE_UINT64);
	H5Tinsert(t, "runs", offsetof(struct rec, runs), H5T_NATIVE_UINT64);
	H5Tinsert(t, "noise", offsetof(struct rec, noise), H5T_NATIVE_UINT64);
	H5Tinsert(t, "few", offsetof(struct rec, few), H5T_NATIVE_UINT32);
	H5Tinsert(t, "counter", offsetof(struct rec, counter), H5T_NATIVE_UINT32);
	H5Tinsert(t, "fib", offsetof(struct rec, fib), H5T_NATIVE_UINT32);
	H5Tinsert(t, "zero", offsetof(struct rec, zero), H5T_NATIVE_UINT32);
	H5Tinsert(t, "ramp", offsetof(struct rec, ramp), H5T_NATIVE_UINT64);
	return t;
}

/* How chunks get compressed: by h5pipe's worker thread; by the filling
 * thread alone (no worker, nobody helps); by two helper threads calling
 * h5pipe_help() while the filling thread fills. */
enum mode { WORKER, ALONE, HELPERS };

struct helper {
	struct h5pipe *p;
	atomic_int *stop;
	unsigned long helped;
	pthread_t th;
};

static void *help_loop(void *arg)
{
	struct helper *h = arg;
	while (!atomic_load(h->stop))
		if (h5pipe_help(h->p))
			h->helped++;
		else
			sched_yield();
	return NULL;
}

/* Write nrec records in chunks of chunk records, read them back, compare. */
static void roundtrip_mode(size_t chunk, size_t nrec, enum mode mode)
{
	char path[] = "/tmp/check_h5pipe.XXXXXX";
	int fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	close(fd);
	hid_t file = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
	ck_assert_int_ge(file, 0);
	hid_t type = rec_type();
	hsize_t zero = 0, unlimited = H5S_UNLIMITED;
	hid_t space = H5Screate_simple(1, &zero, &unlimited);
	hid_t dcpl = h5pipe_dcpl(chunk, 1);
	ck_assert_int_ge(dcpl, 0);
	hid_t dset = H5Dcreate2(file, "d", type, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
	ck_assert_int_ge(dset, 0);
	struct h5pipe *p;
	ck_assert_int_eq(h5pipe_open(&p, dset, sizeof(struct rec), chunk, 1, mode == WORKER), 0);
	atomic_int stop = 0;
	struct helper hs[2] = {{.p = p, .stop = &stop}, {.p = p, .stop = &stop}};
	for (int k = 0; mode == HELPERS && k < 2; k++)
		ck_assert_int_eq(pthread_create(&hs[k].th, NULL, help_loop, &hs[k]), 0);
	uint64_t x = 88172645463325252ull;
	for (size_t i = 0; i < nrec; i++) {
		size_t got;
		struct rec *r = h5pipe_slots(p, 1, &got);
		ck_assert_ptr_nonnull(r);
		*r = make(i, &x);
	}
	ck_assert_uint_eq(h5pipe_records(p), nrec);
	if (mode == HELPERS) {
		atomic_store(&stop, 1);
		for (int k = 0; k < 2; k++)
			pthread_join(hs[k].th, NULL);
	}
	ck_assert_int_eq(h5pipe_close(p), 0);
	if (mode == HELPERS && nrec / chunk >= 16)
		ck_assert_msg(hs[0].helped + hs[1].helped > 0, "the helpers never compressed");
	H5Dclose(dset);
	H5Pclose(dcpl);
	H5Sclose(space);
	H5Fclose(file);

	file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
	dset = H5Dopen2(file, "d", H5P_DEFAULT);
	ck_assert_int_ge(dset, 0);
	hid_t fs = H5Dget_space(dset);
	hsize_t dims;
	H5Sget_simple_extent_dims(fs, &dims, NULL);
	ck_assert_uint_eq(dims, nrec);
	struct rec *got = calloc(nrec ? nrec : 1, sizeof *got);
	if (nrec)
		ck_assert_int_ge(H5Dread(dset, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, got), 0);
	x = 88172645463325252ull;
	for (size_t i = 0; i < nrec; i++) {
		struct rec want = make(i, &x);
		ck_assert_msg(memcmp(&got[i], &want, sizeof want) == 0,
			      "chunk %zu, %zu records: record %zu differs", chunk, nrec, i);
	}
	free(got);
	H5Sclose(fs);
	H5Dclose(dset);
	H5Tclose(type);
	H5Fclose(file);
	unlink(path);
}

static void roundtrip(size_t chunk, size_t nrec)
{
	roundtrip_mode(chunk, nrec, WORKER);
}

START_TEST(edges_of_the_run_coder)
{
	/* 1 + k*258 + r bytes per plane for r = 0, 1, 2, 3 and tiny chunks;
	 * 48 and 63 records: the shuffle goes 32, then 16 (SSE2), then 1 at a
	 * time */
	static const size_t chunks[] = {1, 2, 3, 4, 5, 48, 63, 259, 260, 261, 262, 517, 1000};
	for (size_t i = 0; i < sizeof chunks / sizeof chunks[0]; i++)
		roundtrip(chunks[i], chunks[i] * 3 + 1); /* last chunk partial */
}
END_TEST

START_TEST(many_chunks_both_threads)
{
	/* enough chunks that the calling thread compresses some itself, and
	 * planes above 64 KiB (stored blocks split) */
	roundtrip(4096, 200000);
	roundtrip(70000, 150000);
}
END_TEST

START_TEST(without_worker)
{
	/* the filling thread compresses everything, also what it queued */
	roundtrip_mode(4096, 100000, ALONE);
	roundtrip_mode(3, 10, ALONE);
	roundtrip_mode(1024, 0, ALONE);
	/* helper threads take queued chunks while records are filled */
	roundtrip_mode(4096, 300000, HELPERS);
	roundtrip_mode(1000, 3001, HELPERS);
}
END_TEST

START_TEST(deep_huffman_tree)
{
	/* one chunk holds the whole Fibonacci sequence */
	roundtrip(FIBLEN, FIBLEN);
	roundtrip(16384, 3 * FIBLEN);
}
END_TEST

START_TEST(exact_chunks)
{
	roundtrip(1024, 8192);
	roundtrip(1024, 0);
}
END_TEST

int main(void)
{
	H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
	make_fibseq();
	Suite *s = suite_create("h5pipe");
	TCase *tc = tcase_create("h5pipe");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, edges_of_the_run_coder);
	tcase_add_test(tc, many_chunks_both_threads);
	tcase_add_test(tc, exact_chunks);
	tcase_add_test(tc, deep_huffman_tree);
	tcase_add_test(tc, without_worker);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
