/* anon.h - keyed hashes that replace paths with --anonymize. */
#ifndef IOREC_ANON_H
#define IOREC_ANON_H

#include <stddef.h>
#include <stdint.h>

struct anon_key {
	uint64_t k0, k1;
};

/* A fresh random key (getrandom). 0 or a negative errno. */
int anon_key_random(struct anon_key *key);

/* SipHash-2-4 of data under key. */
uint64_t anon_siphash(const struct anon_key *key, const void *data, size_t len);

/* Replace every '/'-separated component of path by 12 hex digits of its
 * keyed hash ("/home/ann/x" -> "/3f1c.../9a0b.../77d2..."), so that equal
 * directories stay equal and the tree shape stays visible. out gets a
 * NUL-terminated string, truncated to outlen - 1. Returns out. */
char *anon_path(const struct anon_key *key, const char *path, char *out, size_t outlen);

#endif
