/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The OTLP/JSON transcoder. Input: byte 0 picks the signal (mod 3); the rest
 * is the JSON text. Properties:
 *  1. whatever the decoder accepts becomes protobuf that the zero-copy
 *     scanner accepts and that nanopb agrees with (counts, rejects);
 *  2. encoding that protobuf as canonical JSON and decoding it again is a
 *     fixed point: pb1 -> json1 -> pb2 -> json2 gives json2 == json1, and
 *     pb2 has the same counts as pb1.
 */
#include <string.h>

#include "og_otlp.h"
#include "og_otlp_ref.h"
#include "fuzz_common.h"

#define MAX_RES 1024

static struct og_otlp_resource res[MAX_RES];

static int
scan(int sig, const struct og_wbuf *b, struct og_otlp_scan *s)
{
	struct og_seg seg = { b->data, (uint32_t)b->len };

	memset(s, 0, sizeof(*s));
	s->signal = sig;
	s->res = res;
	s->res_cap = MAX_RES;
	return og_otlp_scan(&seg, 1, s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct og_wbuf pb1, pb2, js1, js2;
	struct og_otlp_error err;
	struct og_otlp_scan s1, s2;
	struct og_otlp_ref_result ref;
	struct og_seg seg;
	int sig, rc;

	if (size < 1 || size > (1 << 20))
		return 0;
	sig = data[0] % OG_OTLP_SIGNAL_MAX;
	og_wbuf_init_growable(&pb1);
	og_wbuf_init_growable(&pb2);
	og_wbuf_init_growable(&js1);
	og_wbuf_init_growable(&js2);

	rc = og_otlp_json_to_pb(sig, data + 1, size - 1, &pb1, &err);
	if (rc != OG_OK) {
		FUZZ_CHECK(err.code != OG_OTLP_ERR_NONE, "failure without a reason");
		FUZZ_CHECK(err.offset <= size - 1, "error offset %llu past the end",
			   (unsigned long long)err.offset);
		goto out;
	}
	rc = scan(sig, &pb1, &s1);
	if (rc == -OG_OTLP_ERR_TOO_MANY_RESOURCES)
		goto out;
	/* JSON nesting is bounded separately; deeper protobuf is the scanner's call */
	if (rc == -OG_OTLP_ERR_TOO_DEEP)
		goto out;
	FUZZ_CHECK(rc == OG_OK, "transcoded JSON does not scan: %s at %llu",
		   og_otlp_err_name(s1.err.code), (unsigned long long)s1.err.offset);
	FUZZ_CHECK(og_otlp_ref_decode(sig, pb1.data, pb1.len, &ref) == 0,
		   "nanopb rejects the transcoded body: %s", ref.errmsg);
	FUZZ_CHECK(ref.n_items == s1.n_items && ref.n_rejected == s1.n_rejected,
		   "scanner and nanopb disagree on transcoded JSON");

	seg.data = pb1.data;
	seg.len = (uint32_t)pb1.len;
	FUZZ_CHECK(og_otlp_pb_to_json(sig, &seg, 1, &js1, &err) == OG_OK,
		   "canonical JSON encode failed: %s", og_otlp_err_name(err.code));
	FUZZ_CHECK(og_otlp_json_to_pb(sig, js1.data, js1.len, &pb2, &err) == OG_OK,
		   "our own JSON does not decode: %s at %llu", og_otlp_err_name(err.code),
		   (unsigned long long)err.offset);
	FUZZ_CHECK(scan(sig, &pb2, &s2) == OG_OK, "round-tripped body does not scan");
	FUZZ_CHECK(s2.n_items == s1.n_items && s2.n_resources == s1.n_resources &&
			   s2.n_scopes == s1.n_scopes && s2.n_rejected == s1.n_rejected,
		   "counts changed through JSON");
	seg.data = pb2.data;
	seg.len = (uint32_t)pb2.len;
	FUZZ_CHECK(og_otlp_pb_to_json(sig, &seg, 1, &js2, &err) == OG_OK, "second encode");
	FUZZ_CHECK(js1.len == js2.len && memcmp(js1.data, js2.data, js1.len) == 0,
		   "canonical JSON is not a fixed point");
out:
	og_wbuf_free(&pb1);
	og_wbuf_free(&pb2);
	og_wbuf_free(&js1);
	og_wbuf_free(&js2);
	return 0;
}
