/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The reference decoder: a full decode of an Export*ServiceRequest with nanopb
 * (code generated at build time from lib/otlp/proto/). It is slow and copies
 * nothing useful; it exists to cross-check the zero-copy scanner
 * (og_otlp_scan()) in tests, fuzzing and benchmarks. Both follow the same
 * rules, listed at og_otlp_ref_decode().
 *
 * Not for the data path: it recurses through nanopb callbacks (bounded by
 * OG_OTLP_MAX_DEPTH) and is not segment-aware.
 */
#ifndef OG_OTLP_REF_H
#define OG_OTLP_REF_H

#include <stddef.h>
#include <stdint.h>

#include "og_otlp_types.h"

/** Initial value of the id digest (the 64-bit FNV-1a offset basis). */
#define OG_OTLP_REF_FNV_INIT 0xcbf29ce484222325ULL

/** What the reference decoder found in a request. */
struct og_otlp_ref_result {
	uint32_t n_resources; /**< top-level Resource{Spans,Metrics,Logs} entries */
	uint32_t n_scopes;    /**< Scope{Spans,Metrics,Logs} entries */
	uint64_t n_items;     /**< spans, data points (all 5 kinds) or log records */
	uint64_t n_rejected;  /**< items rejected (sum of by_reason) */
	uint64_t by_reason[OG_OTLP_REJECT_MAX];
	/**
	 * FNV-1a digest of the ids of every item in body order, rejected ones
	 * included; see og_otlp_ref_fnv_ids(). Data points add nothing.
	 */
	uint64_t id_digest;
	/** Why the body is invalid (static text), NULL when it is valid. */
	const char *errmsg;
};

/**
 * Continue a 64-bit FNV-1a hash over @p n bytes.
 *
 * @param h  the hash so far (OG_OTLP_REF_FNV_INIT to start).
 * @return the updated hash.
 */
uint64_t og_otlp_ref_fnv(uint64_t h, const void *p, size_t n);

/**
 * Add one item's ids to an id digest, the way og_otlp_ref_decode() does:
 * FNV-1a over the trace_id bytes, then the span_id bytes, then the
 * parent_span_id bytes. Each id contributes its first bytes as encoded, at
 * most 16 (trace_id) or 8 (span ids) — exactly what
 * struct og_otlp_span_view holds — so a scanner-side digest is
 * @code
 * h = og_otlp_ref_fnv_ids(h, v.trace_id, OG_MIN(v.trace_id_len, 16),
 *                         v.span_id, OG_MIN(v.span_id_len, 8),
 *                         v.parent_span_id, OG_MIN(v.parent_span_id_len, 8));
 * @endcode
 * for each span in order. A log record passes its trace_id and span_id
 * (clipped the same way) and a parent of length 0. Absent ids have length 0.
 *
 * @return the updated digest.
 */
uint64_t og_otlp_ref_fnv_ids(uint64_t h, const uint8_t *trace_id, size_t trace_id_len,
			     const uint8_t *span_id, size_t span_id_len,
			     const uint8_t *parent_span_id, size_t parent_span_id_len);

/**
 * Decode a whole Export{Trace,Metrics,Logs}ServiceRequest held in one buffer
 * with nanopb, visiting every message and field, and count what it holds.
 *
 * The rules are the scanner's (see og_otlp_scan()): a varint longer than 10
 * bytes or over 64 bits, field number 0, wire type 3, 4, 6 or 7, a known
 * field with a wire type its schema does not allow (repeated numeric fields
 * may be packed or not), a packed fixed64/double whose length is not a
 * multiple of 8 (fixed32: of 4), a packed varint run that does not end
 * exactly at its length, a length running past its parent, and entering a
 * message at depth > OG_OTLP_MAX_DEPTH (the request is depth 0) make the body
 * invalid. Unknown fields of a valid wire type are skipped; strings are not
 * UTF-8 checked; a repeated singular field: the last occurrence wins.
 *
 * Items are checked as the scanner checks them (otlp_reject.def, first
 * failing check wins); a rejected item does not make the body invalid.
 *
 * @param sig   which request @p buf holds.
 * @param out   filled in full when valid; partly when not (errmsg set).
 * @return 0 when the body is valid, -1 when it is not.
 */
int og_otlp_ref_decode(enum og_otlp_signal sig, const uint8_t *buf, size_t len,
		       struct og_otlp_ref_result *out);

#endif /* OG_OTLP_REF_H */
