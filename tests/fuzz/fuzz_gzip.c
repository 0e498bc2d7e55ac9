/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * gzip inflate over segments. Input: byte 0 picks the segmentation and the
 * output limit; the rest is the compressed stream. Properties:
 *  1. one segment and many small segments give the same result and bytes;
 *  2. the output never exceeds the limit (the buffer is exactly that big,
 *     so ASan sees any write past it);
 *  3. what inflates, deflated again and inflated, comes back identical.
 */
#include <stdlib.h>
#include <string.h>

#include "og_otlp.h"
#include "fuzz_common.h"

#define MAX_SEGS 4096

static struct og_seg segs[MAX_SEGS];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct og_inflater *inf;
	struct og_otlp_error e1 = { 0 }, e2 = { 0 }, e3 = { 0 };
	struct og_seg one;
	struct og_wbuf re;
	size_t cap, l1 = 0, l2 = 0, l3 = 0;
	uint8_t *o1, *o2, *o3;
	uint32_t nseg;
	int r1, r2;

	if (size < 1 || size > (1 << 20))
		return 0;
	if (inf == NULL)
		inf = og_inflater_create();
	cap = (size_t)1 << (8 + data[0] % 13); /* 256 B .. 1 MiB */
	o1 = malloc(cap);
	o2 = malloc(cap);
	one.data = data + 1;
	one.len = (uint32_t)(size - 1);
	r1 = og_gzip_inflate(inf, &one, 1, o1, cap, &l1, &e1);
	nseg = fuzz_split(data + 1, size - 1, data[0] * 2246822519u, 1 + data[0] % 31, segs,
			  MAX_SEGS);
	r2 = og_gzip_inflate(inf, segs, nseg, o2, cap, &l2, &e2);
	FUZZ_CHECK(r1 == r2, "one segment %d, %u segments %d", r1, nseg, r2);
	if (r1 == OG_OK) {
		FUZZ_CHECK(l1 == l2 && l1 <= cap, "lengths %zu %zu cap %zu", l1, l2, cap);
		FUZZ_CHECK(memcmp(o1, o2, l1) == 0, "bytes differ across segmentations");
		og_wbuf_init_growable(&re);
		FUZZ_CHECK(og_gzip_deflate(o1, l1, &re, 1) == OG_OK, "deflate failed");
		o3 = malloc(cap);
		one.data = re.data;
		one.len = (uint32_t)re.len;
		FUZZ_CHECK(og_gzip_inflate(inf, &one, 1, o3, cap, &l3, &e3) == OG_OK,
			   "our own gzip does not inflate: %s", og_otlp_err_name(e3.code));
		FUZZ_CHECK(l3 == l1 && memcmp(o3, o1, l1) == 0, "round trip changed the bytes");
		free(o3);
		og_wbuf_free(&re);
	} else {
		FUZZ_CHECK(e1.code != OG_OTLP_ERR_NONE, "failure without a reason");
	}
	free(o1);
	free(o2);
	return 0;
}
