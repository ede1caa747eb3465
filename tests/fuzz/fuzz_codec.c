// FUZZ-SOURCES: format/common.c format/codec.c format/schema.c
/* fuzz_codec.c - libFuzzer target for the column decoder, below the
 * checksums that shield it in fuzz_reader. Input: byte 0 stream type,
 * byte 1 record count (0-255), byte 2 column count, then the payload. A
 * payload that decodes is re-encoded and must decode to the same records. */
#include "format/internal.h"

#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 3)
		return 0;
	const struct stream_schema *s = iot_schema(data[0] % (IOT_STREAM__MAX + 1));
	if (!s)
		return 0;
	size_t n = data[1];
	unsigned ncols = data[2];
	uint8_t *recs = malloc((n + 1) * s->rec_size);
	uint8_t *again = malloc((n + 1) * s->rec_size);
	struct arena a = {0}, a2 = {0};
	if (codec_decode(s, data + 3, size - 3, ncols, n, recs, s->rec_size, &a) == 0 &&
	    ncols == s->ncols && n > 0) {
		struct encoder e = {0};
		struct buf b = {0};
		if (codec_encode_with(&e, s, recs, n, &b) == 0 &&
		    codec_decode(s, b.p, b.len, s->ncols, n, again, s->rec_size, &a2) != 0)
			abort(); /* what we encode we must decode */
		for (size_t i = 0; i < n; i++)
			for (unsigned c = 0; c < s->ncols; c++) {
				const struct col_desc *cd = &s->cols[c];
				const uint8_t *x = recs + i * s->rec_size + cd->offset;
				const uint8_t *y = again + i * s->rec_size + cd->offset;
				if (cd->kind == COL_STR) {
					const char *p, *q;
					memcpy(&p, x, sizeof p);
					memcpy(&q, y, sizeof q);
					if ((p == NULL) != (q == NULL) || (p && strcmp(p, q)))
						abort();
				} else if (memcmp(x, y, cd->size)) {
					abort();
				}
			}
		encoder_free(&e);
		buf_free(&b);
	}
	arena_free(&a);
	arena_free(&a2);
	free(recs);
	free(again);
	return 0;
}
