/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The zero-copy scanner against itself and against nanopb.
 *
 * Input: byte 0 picks the signal (mod 3) and the segmentation; the rest is
 * the body. Properties checked on every input:
 *  1. scanning one segment and scanning the body split into small segments
 *     give the same answer (error code and offset, every count, every range);
 *  2. the scanner and the nanopb reference decoder agree on valid/invalid
 *     and, when valid, on resources, scopes, items, rejects per reason and
 *     (traces) the digest of every span's ids;
 *  3. when items were rejected, the zero-copy pieces of every entry form a
 *     body that scans with no rejects and exactly the accepted items.
 */
#include <errno.h>
#include <string.h>

#include "og_otlp.h"
#include "og_otlp_ref.h"
#include "fuzz_common.h"

#define MAX_RES	   256
#define MAX_REJ	   256
#define MAX_SEGS   4096
#define MAX_PIECES 1024

static struct og_otlp_resource res1[MAX_RES], res2[MAX_RES], res3[MAX_RES];
static struct og_otlp_rejected_item rej1[MAX_REJ], rej2[MAX_REJ], rej3[MAX_REJ];
static struct og_seg segs[MAX_SEGS];
static struct og_otlp_piece pieces[MAX_PIECES];
static uint8_t rebuilt[1 << 20];

static void
scan_init(struct og_otlp_scan *s, int sig, struct og_otlp_resource *res,
	  struct og_otlp_rejected_item *rej)
{
	memset(s, 0, sizeof(*s));
	s->signal = sig;
	s->res = res;
	s->res_cap = MAX_RES;
	s->rej = rej;
	s->rej_cap = MAX_REJ;
}

static void
same_scan(const struct og_otlp_scan *a, const struct og_otlp_scan *b)
{
	FUZZ_CHECK(a->err.code == b->err.code, "err %d vs %d", a->err.code, b->err.code);
	FUZZ_CHECK(a->err.offset == b->err.offset, "offset %llu vs %llu",
		   (unsigned long long)a->err.offset, (unsigned long long)b->err.offset);
	if (a->err.code != OG_OTLP_ERR_NONE)
		return;
	FUZZ_CHECK(a->n_resources == b->n_resources, "resources");
	FUZZ_CHECK(a->n_scopes == b->n_scopes, "scopes");
	FUZZ_CHECK(a->n_items == b->n_items, "items");
	FUZZ_CHECK(a->n_rejected == b->n_rejected, "rejected");
	FUZZ_CHECK(memcmp(a->by_reason, b->by_reason, sizeof(a->by_reason)) == 0, "reasons");
	FUZZ_CHECK(a->n_rej_listed == b->n_rej_listed, "rej listed");
	for (uint32_t i = 0; i < a->n_resources && i < MAX_RES; i++)
		FUZZ_CHECK(memcmp(&a->res[i], &b->res[i], sizeof(a->res[i])) == 0, "res %u", i);
	for (uint32_t i = 0; i < a->n_rej_listed; i++)
		FUZZ_CHECK(memcmp(&a->rej[i], &b->rej[i], sizeof(a->rej[i])) == 0, "rej %u", i);
}

static uint64_t
span_digest(const struct og_seg *sg, uint32_t n)
{
	struct og_otlp_span_iter it;
	struct og_otlp_span_view v;
	uint64_t h = OG_OTLP_REF_FNV_INIT;
	int rc;

	og_otlp_span_iter_init(&it, sg, n, NULL, 0);
	while ((rc = og_otlp_span_iter_next(&it, &v)) == 1)
		h = og_otlp_ref_fnv_ids(h, v.trace_id, OG_MIN(v.trace_id_len, 16), v.span_id,
					OG_MIN(v.span_id_len, 8), v.parent_span_id,
					OG_MIN(v.parent_span_id_len, 8));
	FUZZ_CHECK(rc == 0, "span iterator failed on a scanned body: %d", rc);
	return h;
}

/* Concatenate the pieces of every entry; returns the length or -1. */
static long
rebuild(const struct og_otlp_scan *s, const struct og_seg *sg, uint32_t n)
{
	size_t len = 0;

	for (uint32_t r = 0; r < s->n_resources; r++) {
		uint32_t np = 0;
		int rc = og_otlp_resource_pieces(s, sg, n, r, pieces, MAX_PIECES, &np);

		if (rc == -ENOSPC)
			return -1;
		FUZZ_CHECK(rc == 0, "pieces of entry %u: %d", r, rc);
		for (uint32_t p = 0; p < np; p++) {
			const struct og_otlp_piece *pc = &pieces[p];
			size_t l = pc->lit_len ? pc->lit_len : pc->r.len;

			if (len + l > sizeof(rebuilt))
				return -1;
			if (pc->lit_len)
				memcpy(rebuilt + len, pc->lit, l);
			else
				FUZZ_CHECK(og_segs_copy(sg, n, pc->r.off, l, rebuilt + len) == 0,
					   "piece range out of the body");
			len += l;
		}
	}
	return (long)len;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct og_otlp_scan s1, s2, s3;
	struct og_otlp_ref_result ref;
	struct og_seg one;
	uint32_t nseg;
	int sig, rc1, rc2, rref;

	if (size < 1 || size > (1 << 20))
		return 0;
	sig = data[0] % OG_OTLP_SIGNAL_MAX;
	one.data = data + 1;
	one.len = (uint32_t)(size - 1);

	scan_init(&s1, sig, res1, rej1);
	rc1 = og_otlp_scan(&one, 1, &s1);

	nseg = fuzz_split(data + 1, size - 1, data[0] * 2654435761u, 1 + data[0] % 23, segs,
			  MAX_SEGS);
	scan_init(&s2, sig, res2, rej2);
	rc2 = og_otlp_scan(segs, nseg, &s2);
	FUZZ_CHECK(rc1 == rc2, "one segment %d, %u segments %d", rc1, nseg, rc2);
	same_scan(&s1, &s2);

	if (rc1 == -OG_OTLP_ERR_TOO_MANY_RESOURCES)
		return 0; /* our array's limit, not a property of the body */
	rref = og_otlp_ref_decode(sig, data + 1, size - 1, &ref);
	FUZZ_CHECK((rc1 == OG_OK) == (rref == 0), "scanner %s (%s at %llu), nanopb %s (%s)",
		   rc1 == OG_OK ? "valid" : "invalid", og_otlp_err_name(s1.err.code),
		   (unsigned long long)s1.err.offset, rref == 0 ? "valid" : "invalid",
		   ref.errmsg ? ref.errmsg : "-");
	if (rc1 != OG_OK)
		return 0;
	FUZZ_CHECK(s1.n_resources == ref.n_resources, "resources %u vs %u", s1.n_resources,
		   ref.n_resources);
	FUZZ_CHECK(s1.n_scopes == ref.n_scopes, "scopes %u vs %u", s1.n_scopes, ref.n_scopes);
	FUZZ_CHECK(s1.n_items == ref.n_items, "items %llu vs %llu", (unsigned long long)s1.n_items,
		   (unsigned long long)ref.n_items);
	FUZZ_CHECK(s1.n_rejected == ref.n_rejected, "rejected");
	FUZZ_CHECK(memcmp(s1.by_reason, ref.by_reason, sizeof(ref.by_reason)) == 0, "reasons");
	if (sig == OG_OTLP_TRACES) {
		FUZZ_CHECK(span_digest(&one, 1) == ref.id_digest, "id digest (one segment)");
		FUZZ_CHECK(span_digest(segs, nseg) == ref.id_digest, "id digest (segments)");
	}

	if (s1.n_rejected > 0 && !s1.rej_overflow) {
		long len = rebuild(&s2, segs, nseg);
		struct og_seg rb = { rebuilt, (uint32_t)(len > 0 ? len : 0) };

		if (len < 0)
			return 0;
		scan_init(&s3, sig, res3, rej3);
		FUZZ_CHECK(og_otlp_scan(&rb, 1, &s3) == OG_OK, "rebuilt body does not scan: %s",
			   og_otlp_err_name(s3.err.code));
		FUZZ_CHECK(s3.n_rejected == 0, "rebuilt body still has %llu rejects",
			   (unsigned long long)s3.n_rejected);
		FUZZ_CHECK(s3.n_items == s1.n_items - s1.n_rejected,
			   "rebuilt items %llu, want %llu", (unsigned long long)s3.n_items,
			   (unsigned long long)(s1.n_items - s1.n_rejected));
	}
	return 0;
}
