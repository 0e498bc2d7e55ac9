/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Types of the OTLP codec: signals, encodings, decode errors, item reject
 * reasons, the scanner's result and the zero-copy views. Structs and enums
 * only; the functions are in og_otlp.h.
 */
#ifndef OG_OTLP_TYPES_H
#define OG_OTLP_TYPES_H

#include <stdint.h>

#include "og_common.h"

/** The three OTLP signals. */
enum og_otlp_signal {
	OG_OTLP_TRACES = 0,
	OG_OTLP_METRICS,
	OG_OTLP_LOGS,
	OG_OTLP_SIGNAL_MAX,
};

/** Body encodings (Content-Type). */
enum og_otlp_encoding {
	OG_OTLP_ENC_PROTO = 0, /**< application/x-protobuf */
	OG_OTLP_ENC_JSON,      /**< application/json */
};

/** Why a body could not be decoded; negated when returned. */
enum og_otlp_err {
	OG_OTLP_ERR_NONE = 0,
#define OG_OTLP_ERR(e, name, msg) OG_OTLP_ERR_##e,
#include "otlp_error.def"
#undef OG_OTLP_ERR
	OG_OTLP_ERR_MAX,
};

/** Why one item was rejected (partial success). */
enum og_otlp_reject {
#define OG_OTLP_REJECT(e, name, msg) OG_OTLP_REJECT_##e,
#include "otlp_reject.def"
#undef OG_OTLP_REJECT
	OG_OTLP_REJECT_MAX,
};

/** Where and why decoding stopped. */
struct og_otlp_error {
	enum og_otlp_err code; /**< OG_OTLP_ERR_NONE when decoding succeeded */
	uint64_t offset;       /**< byte offset in the (decompressed) body */
};

/** A byte range of a body, by absolute offset from the body's first byte. */
struct og_otlp_range {
	uint32_t off;
	uint32_t len;
};

/**
 * One top-level entry of a request: a ResourceSpans, ResourceMetrics or
 * ResourceLogs. @c hdr is the whole field (tag and length prefix included),
 * @c body its value. Forwarding the @c hdr ranges of several requests one
 * after another gives a valid Export*ServiceRequest (docs/design.md §2).
 */
struct og_otlp_resource {
	struct og_otlp_range hdr;
	struct og_otlp_range body;
	uint32_t n_scopes;
	uint32_t n_items;    /**< items in this entry, rejected ones included */
	uint32_t n_rejected; /**< items in this entry that were rejected */
	uint32_t first_rej;  /**< index of its first rejected item in og_otlp_scan.rej */
};

/** A rejected item: where it is, and why. */
struct og_otlp_rejected_item {
	struct og_otlp_range hdr;   /**< the item's field, tag and length included */
	struct og_otlp_range scope; /**< its enclosing Scope* field (tag included) */
	uint32_t resource;	    /**< index of its resource entry */
	enum og_otlp_reject reason;
};

/**
 * Result of og_otlp_scan(). The caller supplies the arrays (res, rej) and
 * their capacities; the scanner fills them. Counts are exact even when an
 * array is too small: a body with more resource entries than @c res_cap
 * fails with OG_OTLP_ERR_TOO_MANY_RESOURCES, and rejected items beyond
 * @c rej_cap are counted but not listed (@c rej_overflow is set, and the
 * caller must then not forward the request zero-copy with items removed).
 */
struct og_otlp_scan {
	enum og_otlp_signal signal;
	struct og_otlp_error err;

	uint32_t n_resources;
	uint32_t n_scopes;
	uint64_t n_items;    /**< spans, data points or log records, rejected included */
	uint64_t n_rejected; /**< items rejected (sum of by_reason) */
	uint64_t by_reason[OG_OTLP_REJECT_MAX];

	struct og_otlp_resource *res; /**< caller array */
	uint32_t res_cap;
	struct og_otlp_rejected_item *rej; /**< caller array, may be NULL */
	uint32_t rej_cap;
	uint32_t n_rej_listed;
	uint8_t rej_overflow;
};

/** Zero-copy view of a span (ids copied: they are small and may straddle). */
struct og_otlp_span_view {
	uint8_t trace_id[16];
	uint8_t span_id[8];
	uint8_t parent_span_id[8];
	uint8_t trace_id_len; /**< as encoded (bytes copied: at most the array size) */
	uint8_t span_id_len;
	uint8_t parent_span_id_len;
	uint32_t kind;
	uint32_t status_code;
	uint64_t start_time_unix_nano;
	uint64_t end_time_unix_nano;
	struct og_otlp_range name;
	struct og_otlp_range status_message;
	struct og_otlp_range span; /**< the Span message value */
	uint32_t resource;	   /**< index of its resource entry */
};

/** Type of an attribute value (AnyValue's oneof). */
enum og_otlp_value_type {
	OG_OTLP_VAL_EMPTY = 0,
	OG_OTLP_VAL_STRING,
	OG_OTLP_VAL_BOOL,
	OG_OTLP_VAL_INT,
	OG_OTLP_VAL_DOUBLE,
	OG_OTLP_VAL_ARRAY,  /**< range holds the ArrayValue message */
	OG_OTLP_VAL_KVLIST, /**< range holds the KeyValueList message */
	OG_OTLP_VAL_BYTES,
};

/** One attribute: key and typed value, strings and nested values by range. */
struct og_otlp_attr {
	struct og_otlp_range key;
	enum og_otlp_value_type type;
	union {
		int64_t i;
		double d;
		uint8_t b;
		struct og_otlp_range r; /**< STRING, BYTES, ARRAY, KVLIST */
	} v;
};

/* ---- scanner extras: pieces and iterators (scan.c, view.c) ---------- */

/**
 * One piece of a resource entry rebuilt without its rejected items
 * (og_otlp_resource_pieces()): either framing bytes we write (@c lit_len > 0:
 * a tag and a recomputed length) or a range of the original body.
 */
struct og_otlp_piece {
	struct og_otlp_range r; /**< range of the original body when lit_len == 0 */
	uint8_t lit_len;	/**< > 0: the piece is lit[0 .. lit_len) */
	uint8_t lit[7];		/**< tag (1 byte) + length varint (at most 5) */
};

/** Reader position over a segment list (the views use it to read fields). */
struct og_otlp_cursor {
	const struct og_seg *segs;
	uint32_t nseg;
	uint32_t si;   /**< current segment */
	uint64_t base; /**< absolute offset of segs[si] */
};

/** Iterator over the spans of one resource entry or of a whole request. */
struct og_otlp_span_iter {
	struct og_otlp_cursor cur;
	uint64_t pos;	    /**< next field to read */
	uint64_t body_end;  /**< end of the request (whole-body mode) */
	uint64_t res_end;   /**< end of the current ResourceSpans value */
	uint64_t scope_end; /**< end of the current ScopeSpans value */
	uint32_t resource;  /**< index of the current resource entry */
	uint8_t level;	    /**< 0 request, 1 ResourceSpans, 2 ScopeSpans */
	uint8_t whole;	    /**< iterating every resource entry */
};

/** Iterator over repeated KeyValue fields (attributes) of a message. */
struct og_otlp_attr_iter {
	struct og_otlp_cursor cur;
	uint64_t pos, end;	       /**< the message holding the KeyValues */
	uint64_t outer_pos, outer_end; /**< resource attributes: the entry */
	uint32_t field;		       /**< field number of the KeyValues */
	uint32_t outer_field;	       /**< 0, or the field holding the message */
};

/**
 * What a backend's Export*ServiceResponse says (og_otlp_response_decode()):
 * its partial_success, zero when absent. The message is not copied.
 */
struct og_otlp_partial_success {
	uint64_t rejected;  /**< rejected_spans/_data_points/_log_records (negative: 0) */
	const uint8_t *msg; /**< error_message (not NUL-terminated), NULL when absent */
	size_t msg_len;
};

/**
 * google.rpc.Code (googleapis google/rpc/code.proto): the code of a
 * google.rpc.Status answer body, and the grpc-status of an OTLP/gRPC
 * answer. Values are the wire values.
 */
enum og_otlp_rpc_code {
	OG_OTLP_RPC_OK = 0,
	OG_OTLP_RPC_CANCELLED = 1,
	OG_OTLP_RPC_UNKNOWN = 2,
	OG_OTLP_RPC_INVALID_ARGUMENT = 3,
	OG_OTLP_RPC_DEADLINE_EXCEEDED = 4,
	OG_OTLP_RPC_NOT_FOUND = 5,
	OG_OTLP_RPC_ALREADY_EXISTS = 6,
	OG_OTLP_RPC_PERMISSION_DENIED = 7,
	OG_OTLP_RPC_RESOURCE_EXHAUSTED = 8,
	OG_OTLP_RPC_FAILED_PRECONDITION = 9,
	OG_OTLP_RPC_ABORTED = 10,
	OG_OTLP_RPC_OUT_OF_RANGE = 11,
	OG_OTLP_RPC_UNIMPLEMENTED = 12,
	OG_OTLP_RPC_INTERNAL = 13,
	OG_OTLP_RPC_UNAVAILABLE = 14,
	OG_OTLP_RPC_DATA_LOSS = 15,
	OG_OTLP_RPC_UNAUTHENTICATED = 16,
	OG_OTLP_RPC_CODE_MAX, /**< number of codes */
};

#endif /* OG_OTLP_TYPES_H */
