/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The OTLP codec: a zero-copy protobuf scanner over segmented bodies, span
 * and attribute views, OTLP/JSON transcoding, gzip inflate, and the encoders
 * of responses and errors. Types are in og_otlp_types.h.
 *
 * Error convention: functions that decode return OG_OK or a negated
 * enum og_otlp_err and fill a struct og_otlp_error with the reason and the
 * byte offset.
 */
#ifndef OG_OTLP_H
#define OG_OTLP_H

#include <stddef.h>
#include <stdint.h>

#include "og_otlp_types.h"

/** Default nesting limit for AnyValue/KeyValueList/ArrayValue recursion. */
#define OG_OTLP_MAX_DEPTH 32

/* ---- names ---------------------------------------------------------- */

/** "traces", "metrics", "logs". */
const char *og_otlp_signal_name(enum og_otlp_signal sig);
/** Metric label of a decode error ("truncated", ...). */
const char *og_otlp_err_name(enum og_otlp_err err);
/** Human message of a decode error. */
const char *og_otlp_err_msg(enum og_otlp_err err);
/** Metric label of a reject reason. */
const char *og_otlp_reject_name(enum og_otlp_reject r);
/** Client-facing message of a reject reason. */
const char *og_otlp_reject_msg(enum og_otlp_reject r);

/* ---- scanner (scan.c) ----------------------------------------------- */

/**
 * Scan an Export{Trace,Metrics,Logs}ServiceRequest spread over @p nseg
 * segments: validate its whole wire structure, count resources, scopes and
 * items, validate item ids, and record each top-level resource entry's byte
 * range. Nothing is copied. Unknown fields are skipped (and so survive
 * forwarding); packed and unpacked repeated scalars are both accepted.
 *
 * @p out must have signal, res/res_cap and rej/rej_cap set; the rest is
 * filled. Rejected items do not fail the scan. The exact rules, their order
 * and the error offsets are listed at the top of scan.c.
 *
 * @return OG_OK, or -OG_OTLP_ERR_* (also in out->err with the offset).
 */
int og_otlp_scan(const struct og_seg *segs, uint32_t nseg, struct og_otlp_scan *out);

/**
 * Rebuild resource entry @p res_idx of a scanned body without its rejected
 * items, as pieces to forward zero-copy: concatenating them gives a valid
 * ResourceSpans/ResourceLogs field (tag and length included) holding exactly
 * the items that were not rejected, every other byte (unknown fields
 * included) unchanged. The entry's tag and length, and those of each Scope*
 * entry that lost items, are rewritten as literal pieces; a Scope* entry that
 * lost all its items is kept (empty). An entry without rejected items is one
 * range piece (its hdr).
 *
 * @param s     result of a successful og_otlp_scan() of the same body.
 * @param out   array of @p cap pieces; *n receives how many were written.
 * @return 0 (*n == 0 when every item of the entry was rejected: skip it),
 *   -EINVAL for a bad index or when the rejected list overflowed,
 *   -ENOSPC when @p cap is too small, -EIO when the body does not match @p s.
 */
int og_otlp_resource_pieces(const struct og_otlp_scan *s, const struct og_seg *segs, uint32_t nseg,
			    uint32_t res_idx, struct og_otlp_piece *out, uint32_t cap, uint32_t *n);

/* ---- views (view.c): read a scanned body's spans and attributes ------ */

/**
 * Start iterating the spans of resource entry @p r (index @p res_idx), or of
 * every entry of the request when @p r is NULL. The body must have passed
 * og_otlp_scan() (traces).
 */
void og_otlp_span_iter_init(struct og_otlp_span_iter *it, const struct og_seg *segs, uint32_t nseg,
			    const struct og_otlp_resource *r, uint32_t res_idx);

/**
 * Next span. Ids are copied, name and status message given by range; fields
 * absent from the span are zero. Repeated singular fields: last one wins.
 *
 * @return 1 with @p v filled, 0 when there are no more spans, or a negated
 *   OG_OTLP_ERR_* when the bytes are malformed.
 */
int og_otlp_span_iter_next(struct og_otlp_span_iter *it, struct og_otlp_span_view *v);

/**
 * Iterate the KeyValue fields numbered @p field of the message at @p msg
 * (e.g. 9 for Span.attributes, 1 for KeyValueList.values).
 */
void og_otlp_attr_iter_init(struct og_otlp_attr_iter *it, const struct og_seg *segs, uint32_t nseg,
			    struct og_otlp_range msg, uint32_t field);

/** Iterate a span's attributes (Span.attributes = 9). */
void og_otlp_span_attr_iter_init(struct og_otlp_attr_iter *it, const struct og_seg *segs,
				 uint32_t nseg, const struct og_otlp_span_view *sv);

/**
 * Iterate the attributes of a resource entry's Resource (Resource*.resource =
 * 1, Resource.attributes = 1; every occurrence, as protobuf merges them).
 */
void og_otlp_resource_attr_iter_init(struct og_otlp_attr_iter *it, const struct og_seg *segs,
				     uint32_t nseg, const struct og_otlp_resource *r);

/**
 * Next attribute: key by range, value typed (AnyValue oneof, last one wins;
 * string, bytes, array and kvlist values by range). A KeyValue without
 * value is OG_OTLP_VAL_EMPTY.
 *
 * @return 1 with @p a filled, 0 at the end, or a negated OG_OTLP_ERR_*.
 */
int og_otlp_attr_iter_next(struct og_otlp_attr_iter *it, struct og_otlp_attr *a);

/* ---- OTLP/JSON (json_decode.c, json_encode.c) ------------------------ */

/**
 * Transcode an OTLP/JSON body (RFC 8259, UTF-8) to the protobuf encoding of
 * the signal's Export*ServiceRequest, in one pass, so JSON joins the
 * protobuf path. Keys in lowerCamelCase or snake_case; unknown keys ignored
 * (their values still syntax-checked); trace/span ids as hex
 * (case-insensitive, exact length, "" = absent), other bytes as base64
 * (standard or URL-safe, padding optional); enums as integers or names;
 * 64-bit integers as numbers or strings; doubles as numbers or
 * "NaN"/"Infinity"/"-Infinity"; null = absent. Default scalar values are not
 * written. No allocation other than by a growable @p out.
 *
 * @param out   protobuf bytes are appended (fixed or growable). A fixed
 *   buffer needs room for the output before its final compaction (4 more
 *   bytes per nested message: about 1.2-1.3x the protobuf size, or half the
 *   JSON size, for typical bodies; 4 x @p len + 16 always suffices).
 * @return OG_OK, or -OG_OTLP_ERR_* (JSON_*, NO_SPACE, TOO_LARGE for JSON of
 *   256 MiB or more) with @p err filled (offset into the JSON). On error
 *   out->len is unchanged.
 */
int og_otlp_json_to_pb(enum og_otlp_signal sig, const uint8_t *json, size_t len,
		       struct og_wbuf *out, struct og_otlp_error *err);

/**
 * Encode a protobuf Export*ServiceRequest as canonical OTLP/JSON (ids as
 * lowercase hex, other bytes base64, 64-bit integers as strings, enums as
 * integers, lowerCamelCase keys in .proto order, default values omitted,
 * unknown fields skipped; invalid UTF-8 in strings becomes U+FFFD so the
 * output is always valid JSON). A tool path: several segments are first
 * copied into one malloc'd buffer.
 *
 * @return OG_OK, or -OG_OTLP_ERR_* (wire errors, TOO_DEEP, NO_SPACE) with
 *   @p err filled (offset into the protobuf). On error out->len is unchanged.
 */
int og_otlp_pb_to_json(enum og_otlp_signal sig, const struct og_seg *segs, uint32_t nseg,
		       struct og_wbuf *out, struct og_otlp_error *err);

/* ---- gzip (gzip.c) --------------------------------------------------- */

struct og_inflater;

/**
 * Create an inflater (start-up only, one per lcore; about 149 KiB, ISA-L).
 * NULL on allocation failure. og_gzip_inflate() then allocates nothing.
 */
struct og_inflater *og_inflater_create(void);
/** Free an inflater (NULL is allowed). */
void og_inflater_free(struct og_inflater *inf);

/**
 * Inflate a gzip body (RFC 1952; concatenated members accepted) read from
 * segments into @p out, at most @p out_cap bytes. The limit applies to the
 * inflated size: a stream that would produce more fails with
 * OG_OTLP_ERR_TOO_LARGE without writing past @p out_cap (limits above 4 GiB
 * are treated as 4 GiB). Header (reserved flags, FHCRC), CRC-32 and ISIZE
 * are checked; anything after the last member is an error.
 *
 * @return OG_OK with *out_len set, or -OG_OTLP_ERR_* (GZIP_CORRUPT,
 *   GZIP_TRUNCATED, GZIP_CRC, TOO_LARGE) with *out_len = 0 and @p err
 *   (may be NULL) filled; err->offset is a byte offset into the COMPRESSED
 *   input.
 */
int og_gzip_inflate(struct og_inflater *inf, const struct og_seg *in, uint32_t nseg, uint8_t *out,
		    size_t out_cap, size_t *out_len, struct og_otlp_error *err);

/**
 * Measure a gzip body: inflate and check it as og_gzip_inflate() does, but
 * into the inflater's own 32 KiB sink, keeping nothing, and stop as soon as
 * the output passes @p limit. The work done on a zip bomb is bounded by
 * @p limit plus one window, its memory by the inflater: call it before
 * reserving a buffer for a body whose size is unknown or claimed too large.
 *
 * @return OG_OK with *size the inflated size, or -OG_OTLP_ERR_* as
 *   og_gzip_inflate() (TOO_LARGE past @p limit) with *size the bytes
 *   inflated before the error (at most @p limit plus 32 KiB).
 */
int og_gzip_measure(struct og_inflater *inf, const struct og_seg *in, uint32_t nseg, size_t limit,
		    size_t *size, struct og_otlp_error *err);

/**
 * Append one gzip member holding @p len bytes to @p out (for egress
 * compression and tests). @p level is an ISA-L level: 0 (fastest) to 3;
 * 1 is the egress default; larger values are treated as 3, negative as 1.
 * Allocates its working memory (about 360 KiB) per call: not yet for the hot
 * path. @return OG_OK, or -OG_OTLP_ERR_NO_SPACE (a fixed @p out too small,
 * or no memory) with out->len unchanged and out->overflow set.
 */
int og_gzip_deflate(const uint8_t *in, size_t len, struct og_wbuf *out, int level);

/*
 * A streaming deflater: one gzip member built over several steps, each
 * writing into whatever output room the caller has (egress requests are
 * deflated into mbufs, about 128 KiB of input per poll, so a large batch
 * never holds the lcore for milliseconds). One per connection.
 */
struct og_deflater;

/**
 * Create a deflater (start-up only): ISA-L's stream state and the working
 * memory of @p level (0 to 3 as og_gzip_deflate(); level 1: about 360 KiB).
 * NULL on allocation failure. Then og_deflater_init() before each member.
 */
struct og_deflater *og_deflater_create(int level);

/** Free a deflater (NULL is allowed). */
void og_deflater_free(struct og_deflater *d);

/**
 * Start a new gzip member (RFC 1952: default header, MTIME 0), dropping
 * whatever a previous member left; the counters restart at zero.
 */
void og_deflater_init(struct og_deflater *d);

/**
 * Deflate input into [@p out, @p out + @p out_cap). ISA-L keeps what it
 * cannot write yet: the member is whole only after og_deflater_finish().
 *
 * @param in_used  receives the input bytes consumed.
 * @param out_len  receives the output bytes written.
 * @return OG_OK when all @p in_len bytes were taken, OG_AGAIN when the
 *   output room ran out first (call again with more room and the rest of
 *   the input), -OG_OTLP_ERR_NO_SPACE when ISA-L fails (its state is then
 *   lost: og_deflater_init() again).
 */
int og_deflater_step(struct og_deflater *d, const uint8_t *in, uint32_t in_len, uint32_t *in_used,
		     uint8_t *out, uint32_t out_cap, uint32_t *out_len);

/**
 * End the member: write what ISA-L holds, the last block and the trailer
 * (CRC-32, ISIZE) into [@p out, @p out + @p out_cap).
 *
 * @return OG_OK when the member is whole (later calls write nothing),
 *   OG_AGAIN when more room is needed (call again), -OG_OTLP_ERR_NO_SPACE
 *   as og_deflater_step().
 */
int og_deflater_finish(struct og_deflater *d, uint8_t *out, uint32_t out_cap, uint32_t *out_len);

/** Input bytes taken since og_deflater_init(). */
uint64_t og_deflater_bytes_in(const struct og_deflater *d);

/** Output bytes written since og_deflater_init(). */
uint64_t og_deflater_bytes_out(const struct og_deflater *d);

/* ---- responses (response.c): ours encoded, backends' decoded ---------- */

/**
 * Encode an Export*ServiceResponse. partial_success is present only when
 * @p rejected > 0 (with @p msg as error_message).
 */
int og_otlp_response_encode(enum og_otlp_signal sig, enum og_otlp_encoding enc, uint64_t rejected,
			    const char *msg, struct og_wbuf *out);

/**
 * Encode a google.rpc.Status {code, message} for an error answer. @p code is
 * a google.rpc.Code (3 INVALID_ARGUMENT, 8 RESOURCE_EXHAUSTED, ...).
 */
int og_otlp_status_encode(enum og_otlp_encoding enc, int32_t code, const char *msg,
			  struct og_wbuf *out);

/**
 * Decode a backend's Export{Trace,Metrics,Logs}ServiceResponse: its
 * partial_success (field 1) holds rejected_spans / rejected_data_points /
 * rejected_log_records (field 1, int64) and error_message (field 2), the
 * same numbers for the three signals (opentelemetry-proto,
 * collector/{trace,metrics,logs}/v1/{trace,metrics,logs}_service.proto). Unknown fields are
 * skipped; a field seen twice: the last one wins.
 *
 * @return OG_OK with @p ps filled (zeros when partial_success is absent), or
 *   -OG_OTLP_ERR_* (TRUNCATED, VARINT_TOO_LONG, LENGTH_PAST_PARENT,
 *   BAD_FIELD_NUMBER, BAD_WIRE_TYPE, WRONG_WIRE_TYPE for a known field of
 *   another wire type) with @p ps zeroed.
 */
int og_otlp_response_decode(const uint8_t *body, size_t len, struct og_otlp_partial_success *ps);

/**
 * Decode a google.rpc.Status {code = 1, message = 2, details = 3} (an error
 * answer's body, OTLP spec "Failures"). Unknown fields are skipped.
 *
 * @param code  receives the code (0 when absent); may be NULL.
 * @param msg, msg_len  receive the message (not copied; NULL when absent).
 * @return OG_OK, or -OG_OTLP_ERR_* as og_otlp_response_decode().
 */
int og_otlp_status_decode(const uint8_t *body, size_t len, int32_t *code, const uint8_t **msg,
			  size_t *msg_len);

#endif /* OG_OTLP_H */
