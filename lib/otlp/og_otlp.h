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
 * filled. Rejected items do not fail the scan.
 *
 * @return OG_OK, or -OG_OTLP_ERR_* (also in out->err with the offset).
 */
int og_otlp_scan(const struct og_seg *segs, uint32_t nseg, struct og_otlp_scan *out);

/* ---- OTLP/JSON (json_decode.c, json_encode.c) ------------------------ */

/**
 * Transcode an OTLP/JSON body to the protobuf encoding, so JSON joins the
 * protobuf path. Hex ids are case-insensitive, enums may be integers or
 * names, 64-bit integers strings or numbers, unknown keys are ignored.
 *
 * @param out   buffer for the protobuf bytes (fixed or growable).
 * @return OG_OK, or -OG_OTLP_ERR_* with @p err filled (offset into the JSON).
 */
int og_otlp_json_to_pb(enum og_otlp_signal sig, const uint8_t *json, size_t len,
		       struct og_wbuf *out, struct og_otlp_error *err);

/**
 * Encode a protobuf Export*ServiceRequest as canonical OTLP/JSON (ids as
 * hex, 64-bit integers as strings, enums as integers, lowerCamelCase keys).
 *
 * @return OG_OK, or -OG_OTLP_ERR_* with @p err filled.
 */
int og_otlp_pb_to_json(enum og_otlp_signal sig, const struct og_seg *segs, uint32_t nseg,
		       struct og_wbuf *out, struct og_otlp_error *err);

/* ---- gzip (gzip.c) --------------------------------------------------- */

struct og_inflater;

/** Create an inflater (start-up only). NULL on allocation failure. */
struct og_inflater *og_inflater_create(void);
/** Free an inflater. */
void og_inflater_free(struct og_inflater *inf);

/**
 * Inflate a gzip body (RFC 1952; concatenated members accepted) read from
 * segments into @p out, at most @p out_cap bytes. The limit applies to the
 * inflated size: a stream that would produce more fails with
 * OG_OTLP_ERR_TOO_LARGE without writing past @p out_cap.
 *
 * @return OG_OK with *out_len set, or -OG_OTLP_ERR_* with @p err filled.
 */
int og_gzip_inflate(struct og_inflater *inf, const struct og_seg *in, uint32_t nseg,
		    uint8_t *out, size_t out_cap, size_t *out_len, struct og_otlp_error *err);

/**
 * Compress @p len bytes to gzip into @p out (for egress compression and
 * tests). @return OG_OK or -OG_OTLP_ERR_NO_SPACE.
 */
int og_gzip_deflate(const uint8_t *in, size_t len, struct og_wbuf *out, int level);

/* ---- responses (response.c) ------------------------------------------ */

/**
 * Encode an Export*ServiceResponse. partial_success is present only when
 * @p rejected > 0 (with @p msg as error_message).
 */
int og_otlp_response_encode(enum og_otlp_signal sig, enum og_otlp_encoding enc,
			    uint64_t rejected, const char *msg, struct og_wbuf *out);

/**
 * Encode a google.rpc.Status {code, message} for an error answer. @p code is
 * a google.rpc.Code (3 INVALID_ARGUMENT, 8 RESOURCE_EXHAUSTED, ...).
 */
int og_otlp_status_encode(enum og_otlp_encoding enc, int32_t code, const char *msg,
			  struct og_wbuf *out);

#endif /* OG_OTLP_H */
