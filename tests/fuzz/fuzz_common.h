/* SPDX-License-Identifier: BSD-3-Clause */
/* Helpers shared by the libFuzzer targets. */
#ifndef OG_FUZZ_COMMON_H
#define OG_FUZZ_COMMON_H

#include <stdio.h>
#include <stdlib.h>

#include "og_common.h"

/* A property does not hold: report and crash so libFuzzer keeps the input. */
#define FUZZ_CHECK(cond, ...)                                                                    \
	do {                                                                                     \
		if (!(cond)) {                                                                   \
			fprintf(stderr, "%s:%d: check failed: %s: ", __FILE__, __LINE__, #cond); \
			fprintf(stderr, __VA_ARGS__);                                            \
			fputc('\n', stderr);                                                     \
			abort();                                                                 \
		}                                                                                \
	} while (0)

/* xorshift: a deterministic split of the body into segments from a seed. */
static inline uint32_t
fuzz_rand(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

/*
 * Split [buf, buf+len) into segments of 1..max_seg bytes chosen from @p seed,
 * the way a body arrives over an mbuf chain. Returns the count.
 */
static inline uint32_t
fuzz_split(const uint8_t *buf, size_t len, uint32_t seed, uint32_t max_seg, struct og_seg *segs,
	   uint32_t cap)
{
	uint32_t n = 0, s = seed | 1;
	size_t off = 0;

	while (off < len && n < cap - 1) {
		uint32_t l = 1 + fuzz_rand(&s) % max_seg;

		if (l > len - off)
			l = (uint32_t)(len - off);
		segs[n].data = buf + off;
		segs[n].len = l;
		off += l;
		n++;
	}
	if (off < len) {
		segs[n].data = buf + off;
		segs[n].len = (uint32_t)(len - off);
		n++;
	}
	return n;
}

#endif /* OG_FUZZ_COMMON_H */
