/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Schema of the OTLP messages for the OTLP/JSON transcoders: field numbers,
 * JSON names and protobuf types of every message of the three signals.
 *
 * Source of truth: opentelemetry-proto, files
 *   opentelemetry/proto/collector/{trace,metrics,logs}/v1/{trace,metrics,logs}_service.proto
 *   opentelemetry/proto/common/v1/common.proto
 *   opentelemetry/proto/resource/v1/resource.proto
 *   opentelemetry/proto/trace/v1/trace.proto
 *   opentelemetry/proto/metrics/v1/metrics.proto
 *   opentelemetry/proto/logs/v1/logs.proto
 * and the OTLP specification, protocol/otlp.md "JSON Protobuf Encoding":
 * keys are the lowerCamelCase field names, trace_id/span_id/parent_span_id
 * are hex strings (OG_JT_ID) instead of base64, enums are integers.
 *
 * Fields are listed in .proto declaration order, which is the key order of
 * the JSON that og_otlp_pb_to_json() writes.
 */
#include <stddef.h>

#include "otlp_json_private.h"

/* Field row builders: number, JSON name, proto name, then what the type needs. */
#define FLD(num, j, p, t, fl)                                                                 \
	{                                                                                     \
		.json = j, .proto = p, .json_len = sizeof(j) - 1, .proto_len = sizeof(p) - 1, \
		.type = OG_JT_##t, .flags = (fl), .number = (num)                             \
	}
#define MSG(num, j, p, m, fl)                                                                 \
	{                                                                                     \
		.json = j, .proto = p, .json_len = sizeof(j) - 1, .proto_len = sizeof(p) - 1, \
		.type = OG_JT_MESSAGE, .flags = (fl), .msg = OG_JM_##m, .number = (num)       \
	}
#define ID(num, j, p, n)                                                                      \
	{                                                                                     \
		.json = j, .proto = p, .json_len = sizeof(j) - 1, .proto_len = sizeof(p) - 1, \
		.type = OG_JT_ID, .id_len = (n), .number = (num)                              \
	}
#define ENM(num, j, p, e)                                                                     \
	{                                                                                     \
		.json = j, .proto = p, .json_len = sizeof(j) - 1, .proto_len = sizeof(p) - 1, \
		.type = OG_JT_ENUM, .enm = &(e), .number = (num)                              \
	}

#define REP	 OG_JF_REPEATED
#define PACKED	 (OG_JF_REPEATED | OG_JF_PACKED)
#define PRESENCE OG_JF_PRESENCE

#define ENUM_TABLE(name, arr) static const struct og_json_enum name = { arr, OG_ARRAY_SIZE(arr) }

/* ---- enums ---------------------------------------------------------- */

/* trace.proto Span.SpanKind */
static const struct og_json_enum_val span_kind_vals[] = {
	{ "SPAN_KIND_UNSPECIFIED", 0 }, { "SPAN_KIND_INTERNAL", 1 }, { "SPAN_KIND_SERVER", 2 },
	{ "SPAN_KIND_CLIENT", 3 },	{ "SPAN_KIND_PRODUCER", 4 }, { "SPAN_KIND_CONSUMER", 5 },
};
ENUM_TABLE(span_kind, span_kind_vals);

/* trace.proto Status.StatusCode */
static const struct og_json_enum_val status_code_vals[] = {
	{ "STATUS_CODE_UNSET", 0 },
	{ "STATUS_CODE_OK", 1 },
	{ "STATUS_CODE_ERROR", 2 },
};
ENUM_TABLE(status_code, status_code_vals);

/* metrics.proto AggregationTemporality */
static const struct og_json_enum_val temporality_vals[] = {
	{ "AGGREGATION_TEMPORALITY_UNSPECIFIED", 0 },
	{ "AGGREGATION_TEMPORALITY_DELTA", 1 },
	{ "AGGREGATION_TEMPORALITY_CUMULATIVE", 2 },
};
ENUM_TABLE(temporality, temporality_vals);

/* logs.proto SeverityNumber */
static const struct og_json_enum_val severity_vals[] = {
	{ "SEVERITY_NUMBER_UNSPECIFIED", 0 }, { "SEVERITY_NUMBER_TRACE", 1 },
	{ "SEVERITY_NUMBER_TRACE2", 2 },      { "SEVERITY_NUMBER_TRACE3", 3 },
	{ "SEVERITY_NUMBER_TRACE4", 4 },      { "SEVERITY_NUMBER_DEBUG", 5 },
	{ "SEVERITY_NUMBER_DEBUG2", 6 },      { "SEVERITY_NUMBER_DEBUG3", 7 },
	{ "SEVERITY_NUMBER_DEBUG4", 8 },      { "SEVERITY_NUMBER_INFO", 9 },
	{ "SEVERITY_NUMBER_INFO2", 10 },      { "SEVERITY_NUMBER_INFO3", 11 },
	{ "SEVERITY_NUMBER_INFO4", 12 },      { "SEVERITY_NUMBER_WARN", 13 },
	{ "SEVERITY_NUMBER_WARN2", 14 },      { "SEVERITY_NUMBER_WARN3", 15 },
	{ "SEVERITY_NUMBER_WARN4", 16 },      { "SEVERITY_NUMBER_ERROR", 17 },
	{ "SEVERITY_NUMBER_ERROR2", 18 },     { "SEVERITY_NUMBER_ERROR3", 19 },
	{ "SEVERITY_NUMBER_ERROR4", 20 },     { "SEVERITY_NUMBER_FATAL", 21 },
	{ "SEVERITY_NUMBER_FATAL2", 22 },     { "SEVERITY_NUMBER_FATAL3", 23 },
	{ "SEVERITY_NUMBER_FATAL4", 24 },
};
ENUM_TABLE(severity, severity_vals);

/* ---- collector/{trace,metrics,logs} services -------------------------------------- */

static const struct og_json_field trace_req_f[] = {
	MSG(1, "resourceSpans", "resource_spans", RESOURCE_SPANS, REP),
};
static const struct og_json_field metrics_req_f[] = {
	MSG(1, "resourceMetrics", "resource_metrics", RESOURCE_METRICS, REP),
};
static const struct og_json_field logs_req_f[] = {
	MSG(1, "resourceLogs", "resource_logs", RESOURCE_LOGS, REP),
};

/* ---- resource.proto, common.proto ----------------------------------- */

static const struct og_json_field resource_f[] = {
	MSG(1, "attributes", "attributes", KEY_VALUE, REP),
	FLD(2, "droppedAttributesCount", "dropped_attributes_count", UINT32, 0),
	MSG(3, "entityRefs", "entity_refs", ENTITY_REF, REP),
};

static const struct og_json_field entity_ref_f[] = {
	FLD(1, "schemaUrl", "schema_url", STRING, 0),
	FLD(2, "type", "type", STRING, 0),
	FLD(3, "idKeys", "id_keys", STRING, REP),
	FLD(4, "descriptionKeys", "description_keys", STRING, REP),
};

static const struct og_json_field scope_f[] = {
	FLD(1, "name", "name", STRING, 0),
	FLD(2, "version", "version", STRING, 0),
	MSG(3, "attributes", "attributes", KEY_VALUE, REP),
	FLD(4, "droppedAttributesCount", "dropped_attributes_count", UINT32, 0),
};

static const struct og_json_field key_value_f[] = {
	FLD(1, "key", "key", STRING, 0),
	MSG(2, "value", "value", ANY_VALUE, 0),
	FLD(3, "keyStrindex", "key_strindex", INT32, 0),
};

/* AnyValue: every member is in `oneof value`, so each has presence. */
static const struct og_json_field any_value_f[] = {
	FLD(1, "stringValue", "string_value", STRING, PRESENCE),
	FLD(2, "boolValue", "bool_value", BOOL, PRESENCE),
	FLD(3, "intValue", "int_value", INT64, PRESENCE),
	FLD(4, "doubleValue", "double_value", DOUBLE, PRESENCE),
	MSG(5, "arrayValue", "array_value", ARRAY_VALUE, PRESENCE),
	MSG(6, "kvlistValue", "kvlist_value", KV_LIST, PRESENCE),
	FLD(7, "bytesValue", "bytes_value", BYTES, PRESENCE),
	FLD(8, "stringValueStrindex", "string_value_strindex", INT32, PRESENCE),
};

static const struct og_json_field array_value_f[] = {
	MSG(1, "values", "values", ANY_VALUE, REP),
};

static const struct og_json_field kv_list_f[] = {
	MSG(1, "values", "values", KEY_VALUE, REP),
};

/* ---- trace.proto ---------------------------------------------------- */

static const struct og_json_field resource_spans_f[] = {
	MSG(1, "resource", "resource", RESOURCE, 0),
	MSG(2, "scopeSpans", "scope_spans", SCOPE_SPANS, REP),
	FLD(3, "schemaUrl", "schema_url", STRING, 0),
};

static const struct og_json_field scope_spans_f[] = {
	MSG(1, "scope", "scope", SCOPE, 0),
	MSG(2, "spans", "spans", SPAN, REP),
	FLD(3, "schemaUrl", "schema_url", STRING, 0),
};

static const struct og_json_field span_f[] = {
	ID(1, "traceId", "trace_id", 16),
	ID(2, "spanId", "span_id", 8),
	FLD(3, "traceState", "trace_state", STRING, 0),
	ID(4, "parentSpanId", "parent_span_id", 8),
	FLD(16, "flags", "flags", FIXED32, 0),
	FLD(5, "name", "name", STRING, 0),
	ENM(6, "kind", "kind", span_kind),
	FLD(7, "startTimeUnixNano", "start_time_unix_nano", FIXED64, 0),
	FLD(8, "endTimeUnixNano", "end_time_unix_nano", FIXED64, 0),
	MSG(9, "attributes", "attributes", KEY_VALUE, REP),
	FLD(10, "droppedAttributesCount", "dropped_attributes_count", UINT32, 0),
	MSG(11, "events", "events", SPAN_EVENT, REP),
	FLD(12, "droppedEventsCount", "dropped_events_count", UINT32, 0),
	MSG(13, "links", "links", SPAN_LINK, REP),
	FLD(14, "droppedLinksCount", "dropped_links_count", UINT32, 0),
	MSG(15, "status", "status", STATUS, 0),
};

static const struct og_json_field span_event_f[] = {
	FLD(1, "timeUnixNano", "time_unix_nano", FIXED64, 0),
	FLD(2, "name", "name", STRING, 0),
	MSG(3, "attributes", "attributes", KEY_VALUE, REP),
	FLD(4, "droppedAttributesCount", "dropped_attributes_count", UINT32, 0),
};

static const struct og_json_field span_link_f[] = {
	ID(1, "traceId", "trace_id", 16),
	ID(2, "spanId", "span_id", 8),
	FLD(3, "traceState", "trace_state", STRING, 0),
	MSG(4, "attributes", "attributes", KEY_VALUE, REP),
	FLD(5, "droppedAttributesCount", "dropped_attributes_count", UINT32, 0),
	FLD(6, "flags", "flags", FIXED32, 0),
};

static const struct og_json_field status_f[] = {
	FLD(2, "message", "message", STRING, 0),
	ENM(3, "code", "code", status_code),
};

/* ---- metrics.proto -------------------------------------------------- */

static const struct og_json_field resource_metrics_f[] = {
	MSG(1, "resource", "resource", RESOURCE, 0),
	MSG(2, "scopeMetrics", "scope_metrics", SCOPE_METRICS, REP),
	FLD(3, "schemaUrl", "schema_url", STRING, 0),
};

static const struct og_json_field scope_metrics_f[] = {
	MSG(1, "scope", "scope", SCOPE, 0),
	MSG(2, "metrics", "metrics", METRIC, REP),
	FLD(3, "schemaUrl", "schema_url", STRING, 0),
};

static const struct og_json_field metric_f[] = {
	FLD(1, "name", "name", STRING, 0),
	FLD(2, "description", "description", STRING, 0),
	FLD(3, "unit", "unit", STRING, 0),
	MSG(5, "gauge", "gauge", GAUGE, PRESENCE),
	MSG(7, "sum", "sum", SUM, PRESENCE),
	MSG(9, "histogram", "histogram", HISTOGRAM, PRESENCE),
	MSG(10, "exponentialHistogram", "exponential_histogram", EXP_HISTOGRAM, PRESENCE),
	MSG(11, "summary", "summary", SUMMARY, PRESENCE),
	MSG(12, "metadata", "metadata", KEY_VALUE, REP),
};

static const struct og_json_field gauge_f[] = {
	MSG(1, "dataPoints", "data_points", NUMBER_DP, REP),
};

static const struct og_json_field sum_f[] = {
	MSG(1, "dataPoints", "data_points", NUMBER_DP, REP),
	ENM(2, "aggregationTemporality", "aggregation_temporality", temporality),
	FLD(3, "isMonotonic", "is_monotonic", BOOL, 0),
};

static const struct og_json_field histogram_f[] = {
	MSG(1, "dataPoints", "data_points", HISTOGRAM_DP, REP),
	ENM(2, "aggregationTemporality", "aggregation_temporality", temporality),
};

static const struct og_json_field exp_histogram_f[] = {
	MSG(1, "dataPoints", "data_points", EXP_HISTOGRAM_DP, REP),
	ENM(2, "aggregationTemporality", "aggregation_temporality", temporality),
};

static const struct og_json_field summary_f[] = {
	MSG(1, "dataPoints", "data_points", SUMMARY_DP, REP),
};

static const struct og_json_field number_dp_f[] = {
	MSG(7, "attributes", "attributes", KEY_VALUE, REP),
	FLD(2, "startTimeUnixNano", "start_time_unix_nano", FIXED64, 0),
	FLD(3, "timeUnixNano", "time_unix_nano", FIXED64, 0),
	FLD(4, "asDouble", "as_double", DOUBLE, PRESENCE),
	FLD(6, "asInt", "as_int", SFIXED64, PRESENCE),
	MSG(5, "exemplars", "exemplars", EXEMPLAR, REP),
	FLD(8, "flags", "flags", UINT32, 0),
};

static const struct og_json_field histogram_dp_f[] = {
	MSG(9, "attributes", "attributes", KEY_VALUE, REP),
	FLD(2, "startTimeUnixNano", "start_time_unix_nano", FIXED64, 0),
	FLD(3, "timeUnixNano", "time_unix_nano", FIXED64, 0),
	FLD(4, "count", "count", FIXED64, 0),
	FLD(5, "sum", "sum", DOUBLE, PRESENCE),
	FLD(6, "bucketCounts", "bucket_counts", FIXED64, PACKED),
	FLD(7, "explicitBounds", "explicit_bounds", DOUBLE, PACKED),
	MSG(8, "exemplars", "exemplars", EXEMPLAR, REP),
	FLD(10, "flags", "flags", UINT32, 0),
	FLD(11, "min", "min", DOUBLE, PRESENCE),
	FLD(12, "max", "max", DOUBLE, PRESENCE),
};

static const struct og_json_field exp_histogram_dp_f[] = {
	MSG(1, "attributes", "attributes", KEY_VALUE, REP),
	FLD(2, "startTimeUnixNano", "start_time_unix_nano", FIXED64, 0),
	FLD(3, "timeUnixNano", "time_unix_nano", FIXED64, 0),
	FLD(4, "count", "count", FIXED64, 0),
	FLD(5, "sum", "sum", DOUBLE, PRESENCE),
	FLD(6, "scale", "scale", SINT32, 0),
	FLD(7, "zeroCount", "zero_count", FIXED64, 0),
	MSG(8, "positive", "positive", EXP_BUCKETS, 0),
	MSG(9, "negative", "negative", EXP_BUCKETS, 0),
	FLD(10, "flags", "flags", UINT32, 0),
	MSG(11, "exemplars", "exemplars", EXEMPLAR, REP),
	FLD(12, "min", "min", DOUBLE, PRESENCE),
	FLD(13, "max", "max", DOUBLE, PRESENCE),
	FLD(14, "zeroThreshold", "zero_threshold", DOUBLE, 0),
};

static const struct og_json_field exp_buckets_f[] = {
	FLD(1, "offset", "offset", SINT32, 0),
	FLD(2, "bucketCounts", "bucket_counts", UINT64, PACKED),
};

static const struct og_json_field summary_dp_f[] = {
	MSG(7, "attributes", "attributes", KEY_VALUE, REP),
	FLD(2, "startTimeUnixNano", "start_time_unix_nano", FIXED64, 0),
	FLD(3, "timeUnixNano", "time_unix_nano", FIXED64, 0),
	FLD(4, "count", "count", FIXED64, 0),
	FLD(5, "sum", "sum", DOUBLE, 0),
	MSG(6, "quantileValues", "quantile_values", QUANTILE, REP),
	FLD(8, "flags", "flags", UINT32, 0),
};

static const struct og_json_field quantile_f[] = {
	FLD(1, "quantile", "quantile", DOUBLE, 0),
	FLD(2, "value", "value", DOUBLE, 0),
};

static const struct og_json_field exemplar_f[] = {
	MSG(7, "filteredAttributes", "filtered_attributes", KEY_VALUE, REP),
	FLD(2, "timeUnixNano", "time_unix_nano", FIXED64, 0),
	FLD(3, "asDouble", "as_double", DOUBLE, PRESENCE),
	FLD(6, "asInt", "as_int", SFIXED64, PRESENCE),
	ID(4, "spanId", "span_id", 8),
	ID(5, "traceId", "trace_id", 16),
};

/* ---- logs.proto ----------------------------------------------------- */

static const struct og_json_field resource_logs_f[] = {
	MSG(1, "resource", "resource", RESOURCE, 0),
	MSG(2, "scopeLogs", "scope_logs", SCOPE_LOGS, REP),
	FLD(3, "schemaUrl", "schema_url", STRING, 0),
};

static const struct og_json_field scope_logs_f[] = {
	MSG(1, "scope", "scope", SCOPE, 0),
	MSG(2, "logRecords", "log_records", LOG_RECORD, REP),
	FLD(3, "schemaUrl", "schema_url", STRING, 0),
};

static const struct og_json_field log_record_f[] = {
	FLD(1, "timeUnixNano", "time_unix_nano", FIXED64, 0),
	FLD(11, "observedTimeUnixNano", "observed_time_unix_nano", FIXED64, 0),
	ENM(2, "severityNumber", "severity_number", severity),
	FLD(3, "severityText", "severity_text", STRING, 0),
	MSG(5, "body", "body", ANY_VALUE, 0),
	MSG(6, "attributes", "attributes", KEY_VALUE, REP),
	FLD(7, "droppedAttributesCount", "dropped_attributes_count", UINT32, 0),
	FLD(8, "flags", "flags", FIXED32, 0),
	ID(9, "traceId", "trace_id", 16),
	ID(10, "spanId", "span_id", 8),
	FLD(12, "eventName", "event_name", STRING, 0),
};

/* ---- the table ------------------------------------------------------ */

#define M(id, n, f) [OG_JM_##id] = { n, f, OG_ARRAY_SIZE(f) }

/* og_otlp_pb_to_json() keeps per-field state for OG_JSON_MAX_FIELDS fields */
_Static_assert(OG_ARRAY_SIZE(span_f) == OG_JSON_MAX_FIELDS, "Span is the widest message");

const struct og_json_msg og_json_msgs[OG_JM_MAX] = {
	M(TRACE_REQ, "ExportTraceServiceRequest", trace_req_f),
	M(METRICS_REQ, "ExportMetricsServiceRequest", metrics_req_f),
	M(LOGS_REQ, "ExportLogsServiceRequest", logs_req_f),
	M(RESOURCE, "Resource", resource_f),
	M(ENTITY_REF, "EntityRef", entity_ref_f),
	M(SCOPE, "InstrumentationScope", scope_f),
	M(KEY_VALUE, "KeyValue", key_value_f),
	M(ANY_VALUE, "AnyValue", any_value_f),
	M(ARRAY_VALUE, "ArrayValue", array_value_f),
	M(KV_LIST, "KeyValueList", kv_list_f),
	M(RESOURCE_SPANS, "ResourceSpans", resource_spans_f),
	M(SCOPE_SPANS, "ScopeSpans", scope_spans_f),
	M(SPAN, "Span", span_f),
	M(SPAN_EVENT, "Span.Event", span_event_f),
	M(SPAN_LINK, "Span.Link", span_link_f),
	M(STATUS, "Status", status_f),
	M(RESOURCE_METRICS, "ResourceMetrics", resource_metrics_f),
	M(SCOPE_METRICS, "ScopeMetrics", scope_metrics_f),
	M(METRIC, "Metric", metric_f),
	M(GAUGE, "Gauge", gauge_f),
	M(SUM, "Sum", sum_f),
	M(HISTOGRAM, "Histogram", histogram_f),
	M(EXP_HISTOGRAM, "ExponentialHistogram", exp_histogram_f),
	M(SUMMARY, "Summary", summary_f),
	M(NUMBER_DP, "NumberDataPoint", number_dp_f),
	M(HISTOGRAM_DP, "HistogramDataPoint", histogram_dp_f),
	M(EXP_HISTOGRAM_DP, "ExponentialHistogramDataPoint", exp_histogram_dp_f),
	M(EXP_BUCKETS, "ExponentialHistogramDataPoint.Buckets", exp_buckets_f),
	M(SUMMARY_DP, "SummaryDataPoint", summary_dp_f),
	M(QUANTILE, "SummaryDataPoint.ValueAtQuantile", quantile_f),
	M(EXEMPLAR, "Exemplar", exemplar_f),
	M(RESOURCE_LOGS, "ResourceLogs", resource_logs_f),
	M(SCOPE_LOGS, "ScopeLogs", scope_logs_f),
	M(LOG_RECORD, "LogRecord", log_record_f),
};

const struct og_json_field *
og_json_field_by_number(const struct og_json_msg *m, uint32_t num)
{
	for (uint32_t i = 0; i < m->n_fields; i++)
		if (m->fields[i].number == num)
			return &m->fields[i];
	return NULL;
}
