/* anon.c - SipHash-2-4 (Aumasson & Bernstein) path anonymisation. */
#include "record/anon.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))

static void sip_round(uint64_t v[4])
{
	v[0] += v[1];
	v[1] = ROTL(v[1], 13);
	v[1] ^= v[0];
	v[0] = ROTL(v[0], 32);
	v[2] += v[3];
	v[3] = ROTL(v[3], 16);
	v[3] ^= v[2];
	v[0] += v[3];
	v[3] = ROTL(v[3], 21);
	v[3] ^= v[0];
	v[2] += v[1];
	v[1] = ROTL(v[1], 17);
	v[1] ^= v[2];
	v[2] = ROTL(v[2], 32);
}

static uint64_t load_le64(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 7; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

uint64_t anon_siphash(const struct anon_key *key, const void *data, size_t len)
{
	const uint8_t *p = data;
	uint64_t v[4] = {key->k0 ^ 0x736f6d6570736575ull, key->k1 ^ 0x646f72616e646f6dull,
			 key->k0 ^ 0x6c7967656e657261ull, key->k1 ^ 0x7465646279746573ull};
	uint64_t m, b = (uint64_t)len << 56;
	size_t i, full = len & ~(size_t)7;
	for (i = 0; i < full; i += 8) {
		m = load_le64(p + i);
		v[3] ^= m;
		sip_round(v);
		sip_round(v);
		v[0] ^= m;
	}
	for (size_t k = 0; k < (len & 7); k++)
		b |= (uint64_t)p[full + k] << (8 * k);
	v[3] ^= b;
	sip_round(v);
	sip_round(v);
	v[0] ^= b;
	v[2] ^= 0xff;
	for (int r = 0; r < 4; r++)
		sip_round(v);
	return v[0] ^ v[1] ^ v[2] ^ v[3];
}

int anon_key_random(struct anon_key *key)
{
	uint64_t k[2];
	if (getrandom(k, sizeof k, 0) != (ssize_t)sizeof k)
		return -errno;
	key->k0 = k[0];
	key->k1 = k[1];
	return 0;
}

char *anon_path(const struct anon_key *key, const char *path, char *out, size_t outlen)
{
	size_t o = 0;
	const char *p = path;
	if (!outlen)
		return out;
	while (*p && o + 1 < outlen) {
		const char *end;
		char hex[16];
		if (*p == '/') {
			out[o++] = *p++;
			continue;
		}
		end = strchr(p, '/');
		if (!end)
			end = p + strlen(p);
		snprintf(hex, sizeof hex, "%012llx",
			 (unsigned long long)(anon_siphash(key, p, (size_t)(end - p)) >> 16));
		for (size_t i = 0; hex[i] && o + 1 < outlen; i++)
			out[o++] = hex[i];
		p = end;
	}
	out[o] = '\0';
	return out;
}
