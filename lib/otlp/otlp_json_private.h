/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Internal to lib/otlp: the schema of the OTLP messages that the OTLP/JSON
 * transcoders walk (json_schema.c), shared by json_decode.c and
 * json_encode.c. Never included from outside lib/otlp.
 *
 * The schema follows opentelemetry-proto (common, resource, trace, metrics,
 * logs and collector/{trace,metrics,logs}/v1 service protos) and the "JSON Protobuf Encoding" rules
 * of the OTLP specification (specification/protocol/otlp.md).
 */
#ifndef OTLP_JSON_PRIVATE_H
#define OTLP_JSON_PRIVATE_H

#include <stdint.h>

#include "og_otlp.h"

/**
 * JSON nesting limit of the decoder. Each level of AnyValue recursion costs
 * three JSON levels ({"arrayValue":{"values":[ ...), and a span attribute
 * sits about ten levels deep, so this admits OG_OTLP_MAX_DEPTH levels of
 * AnyValue nesting while keeping the recursion of the decoder (one small
 * stack frame per level) far from any stack limit.
 */
#define OG_OTLP_JSON_MAX_DEPTH (3 * OG_OTLP_MAX_DEPTH + 16)

/** Protobuf type of a field, as the JSON mapping needs to know it. */
enum og_json_type {
	OG_JT_STRING = 0,
	OG_JT_BYTES, /**< base64 in JSON */
	OG_JT_ID,    /**< bytes written as hex in OTLP/JSON (trace and span ids) */
	OG_JT_BOOL,
	OG_JT_INT32,
	OG_JT_UINT32,
	OG_JT_INT64,
	OG_JT_UINT64,
	OG_JT_SINT32,
	OG_JT_FIXED32,
	OG_JT_FIXED64,
	OG_JT_SFIXED64,
	OG_JT_DOUBLE,
	OG_JT_ENUM,
	OG_JT_MESSAGE,
};

/** Field flags. */
#define OG_JF_REPEATED 0x01
/** Repeated scalar written packed (proto3 default for numeric types). */
#define OG_JF_PACKED 0x02
/**
 * The field has explicit presence (a oneof member or a proto3 `optional`):
 * it is written even when it holds the default value, because its presence
 * is information (AnyValue{int_value: 0} is not an empty AnyValue).
 */
#define OG_JF_PRESENCE 0x04

/** Messages of the schema (index into og_json_msgs). */
enum og_json_msg_id {
	OG_JM_TRACE_REQ = 0, /**< ExportTraceServiceRequest */
	OG_JM_METRICS_REQ,   /**< ExportMetricsServiceRequest */
	OG_JM_LOGS_REQ,	     /**< ExportLogsServiceRequest */
	OG_JM_RESOURCE,
	OG_JM_ENTITY_REF,
	OG_JM_SCOPE, /**< InstrumentationScope */
	OG_JM_KEY_VALUE,
	OG_JM_ANY_VALUE,
	OG_JM_ARRAY_VALUE,
	OG_JM_KV_LIST,
	OG_JM_RESOURCE_SPANS,
	OG_JM_SCOPE_SPANS,
	OG_JM_SPAN,
	OG_JM_SPAN_EVENT,
	OG_JM_SPAN_LINK,
	OG_JM_STATUS,
	OG_JM_RESOURCE_METRICS,
	OG_JM_SCOPE_METRICS,
	OG_JM_METRIC,
	OG_JM_GAUGE,
	OG_JM_SUM,
	OG_JM_HISTOGRAM,
	OG_JM_EXP_HISTOGRAM,
	OG_JM_SUMMARY,
	OG_JM_NUMBER_DP,
	OG_JM_HISTOGRAM_DP,
	OG_JM_EXP_HISTOGRAM_DP,
	OG_JM_EXP_BUCKETS,
	OG_JM_SUMMARY_DP,
	OG_JM_QUANTILE, /**< SummaryDataPoint.ValueAtQuantile */
	OG_JM_EXEMPLAR,
	OG_JM_RESOURCE_LOGS,
	OG_JM_SCOPE_LOGS,
	OG_JM_LOG_RECORD,
	OG_JM_MAX,
};

/** One named value of a protobuf enum (JSON accepts the name). */
struct og_json_enum_val {
	const char *name;
	int32_t value;
};

/** A protobuf enum. */
struct og_json_enum {
	const struct og_json_enum_val *vals;
	uint16_t n;
};

/** One field of a message. */
struct og_json_field {
	const char *json;  /**< lowerCamelCase JSON key */
	const char *proto; /**< original (snake_case) field name, also accepted */
	uint8_t json_len;
	uint8_t proto_len;
	uint8_t type;	/**< enum og_json_type */
	uint8_t flags;	/**< OG_JF_* */
	uint8_t id_len; /**< OG_JT_ID: bytes of the id (16 or 8) */
	uint8_t msg;	/**< OG_JT_MESSAGE: enum og_json_msg_id */
	uint32_t number;
	const struct og_json_enum *enm; /**< OG_JT_ENUM */
};

/** Most fields of any message of the schema (Span has 16). */
#define OG_JSON_MAX_FIELDS 16

/** One message: its fields in declaration order (the order of JSON output). */
struct og_json_msg {
	const char *name;
	const struct og_json_field *fields;
	uint8_t n_fields;
};

/** The schema, indexed by enum og_json_msg_id. */
extern const struct og_json_msg og_json_msgs[OG_JM_MAX];

/** Top-level request message of a signal. */
static inline enum og_json_msg_id
og_json_request_msg(enum og_otlp_signal sig)
{
	return sig == OG_OTLP_METRICS ? OG_JM_METRICS_REQ
	       : sig == OG_OTLP_LOGS  ? OG_JM_LOGS_REQ
				      : OG_JM_TRACE_REQ;
}

/** Field of @p m with protobuf field number @p num, or NULL. */
const struct og_json_field *og_json_field_by_number(const struct og_json_msg *m, uint32_t num);

/** Protobuf wire type of a (non-packed element of a) field. */
static inline unsigned int
og_json_wire_type(const struct og_json_field *f)
{
	switch (f->type) {
	case OG_JT_FIXED64:
	case OG_JT_SFIXED64:
	case OG_JT_DOUBLE:
		return 1;
	case OG_JT_FIXED32:
		return 5;
	case OG_JT_STRING:
	case OG_JT_BYTES:
	case OG_JT_ID:
	case OG_JT_MESSAGE:
		return 2;
	default:
		return 0;
	}
}

/*
 * Length of the valid UTF-8 sequence starting with non-ASCII byte p[0], or 0
 * when it is invalid: overlong forms, surrogates (U+D800..DFFF) and code
 * points above U+10FFFF are rejected, per the table of RFC 3629 §4.
 */
static inline size_t
og_json_utf8_seq(const uint8_t *p, const uint8_t *end)
{
	uint8_t c = p[0], lo = 0x80, hi = 0xbf;
	size_t n;

	if (c >= 0xc2 && c <= 0xdf)
		n = 2;
	else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		if (c == 0xe0)
			lo = 0xa0;
		else if (c == 0xed)
			hi = 0x9f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		if (c == 0xf0)
			lo = 0x90;
		else if (c == 0xf4)
			hi = 0x8f;
	} else
		return 0;
	if ((size_t)(end - p) < n)
		return 0;
	if (p[1] < lo || p[1] > hi)
		return 0;
	for (size_t i = 2; i < n; i++)
		if ((p[i] & 0xc0) != 0x80)
			return 0;
	return n;
}

#endif /* OTLP_JSON_PRIVATE_H */
