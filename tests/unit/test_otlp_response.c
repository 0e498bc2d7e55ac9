/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Tests of the response and status encoders (lib/otlp/response.c): every
 * signal x encoding x (nothing rejected / some rejected), protobuf outputs
 * decoded back with nanopb, JSON outputs compared byte for byte, string
 * escaping and UTF-8 repair, and fixed buffers that are too small; the
 * decoders of a backend's answer (partial_success, google.rpc.Status): valid,
 * empty, truncated, wrong wire types, unknown fields skipped.
 */
#include <stdlib.h>
#include <string.h>

#include <pb_decode.h>

#include "og_otlp.h"
#include "og_test.h"

#include "proto/google_rpc_status.pb.h"
#include "proto/otlp_logs_service.pb.h"
#include "proto/otlp_metrics_service.pb.h"
#include "proto/otlp_trace_service.pb.h"

struct text {
	char s[4096];
	size_t n;
	int calls;
};

static bool
read_text(pb_istream_t *stream, const pb_field_t *field, void **arg)
{
	struct text *t = *arg;

	(void)field;
	t->calls++;
	t->n = stream->bytes_left;
	if (t->n >= sizeof(t->s))
		return false;
	t->s[t->n] = 0;
	return pb_read(stream, (pb_byte_t *)t->s, t->n);
}

/* Decode an Export*ServiceResponse: 0 and the fields, or -1. */
static int
decode_response(enum og_otlp_signal sig, const struct og_wbuf *b, bool *has, int64_t *rejected,
		struct text *msg)
{
	pb_istream_t is = pb_istream_from_buffer(b->data, b->len);
	pb_callback_t cb = { .funcs.decode = read_text, .arg = msg };
	bool ok;

	memset(msg, 0, sizeof(*msg));
	if (sig == OG_OTLP_TRACES) {
		opentelemetry_proto_collector_trace_v1_ExportTraceServiceResponse r = {
			.partial_success.error_message = cb
		};

		ok = pb_decode(
			&is, &opentelemetry_proto_collector_trace_v1_ExportTraceServiceResponse_msg,
			&r);
		*has = r.has_partial_success;
		*rejected = r.partial_success.rejected_spans;
	} else if (sig == OG_OTLP_METRICS) {
		opentelemetry_proto_collector_metrics_v1_ExportMetricsServiceResponse r = {
			.partial_success.error_message = cb
		};

		ok = pb_decode(
			&is,
			&opentelemetry_proto_collector_metrics_v1_ExportMetricsServiceResponse_msg,
			&r);
		*has = r.has_partial_success;
		*rejected = r.partial_success.rejected_data_points;
	} else {
		opentelemetry_proto_collector_logs_v1_ExportLogsServiceResponse r = {
			.partial_success.error_message = cb
		};

		ok = pb_decode(&is,
			       &opentelemetry_proto_collector_logs_v1_ExportLogsServiceResponse_msg,
			       &r);
		*has = r.has_partial_success;
		*rejected = r.partial_success.rejected_log_records;
	}
	return ok ? 0 : -1;
}

static int
decode_status(const struct og_wbuf *b, int32_t *code, struct text *msg)
{
	pb_istream_t is = pb_istream_from_buffer(b->data, b->len);
	google_rpc_Status st = { .message = { .funcs.decode = read_text, .arg = msg } };

	memset(msg, 0, sizeof(*msg));
	if (!pb_decode(&is, &google_rpc_Status_msg, &st))
		return -1;
	*code = st.code;
	return 0;
}

static bool
wbuf_is(const struct og_wbuf *b, const char *want)
{
	return b->len == strlen(want) && memcmp(b->data, want, b->len) == 0;
}

static void
test_protobuf_responses(void)
{
	for (int sig = 0; sig < OG_OTLP_SIGNAL_MAX; sig++) {
		struct og_wbuf b;
		struct text msg;
		bool has;
		int64_t rej;

		/* nothing rejected: the empty message, zero bytes, even with a message */
		og_wbuf_init_growable(&b);
		CU_ASSERT_EQUAL(og_otlp_response_encode(sig, OG_OTLP_ENC_PROTO, 0, "ignored", &b),
				OG_OK);
		CU_ASSERT_EQUAL(b.len, 0);
		og_wbuf_free(&b);

		og_wbuf_init_growable(&b);
		CU_ASSERT_EQUAL(og_otlp_response_encode(sig, OG_OTLP_ENC_PROTO, 3,
							"3 spans had bad ids", &b),
				OG_OK);
		CU_ASSERT_EQUAL_FATAL(decode_response(sig, &b, &has, &rej, &msg), 0);
		CU_ASSERT_TRUE(has);
		CU_ASSERT_EQUAL(rej, 3);
		CU_ASSERT_STRING_EQUAL(msg.s, "3 spans had bad ids");
		/* field 1 (partial_success), LEN, then field 1 varint 3 */
		CU_ASSERT(b.len > 4 && b.data[0] == 0x0a && b.data[2] == 0x08 && b.data[3] == 3);
		og_wbuf_free(&b);

		/* no message: partial_success without error_message */
		og_wbuf_init_growable(&b);
		CU_ASSERT_EQUAL(og_otlp_response_encode(sig, OG_OTLP_ENC_PROTO, 1, NULL, &b),
				OG_OK);
		CU_ASSERT(wbuf_is(&b, "\x0a\x02\x08\x01"));
		CU_ASSERT_EQUAL(decode_response(sig, &b, &has, &rej, &msg), 0);
		CU_ASSERT_EQUAL(msg.calls, 0);
		og_wbuf_free(&b);

		/* a count beyond int64 is reported as INT64_MAX */
		og_wbuf_init_growable(&b);
		CU_ASSERT_EQUAL(
			og_otlp_response_encode(sig, OG_OTLP_ENC_PROTO, UINT64_MAX, "x", &b),
			OG_OK);
		CU_ASSERT_EQUAL(decode_response(sig, &b, &has, &rej, &msg), 0);
		CU_ASSERT_EQUAL(rej, INT64_MAX);
		og_wbuf_free(&b);
	}
}

static void
test_json_responses(void)
{
	static const char *const want[OG_OTLP_SIGNAL_MAX] = {
		"{\"partialSuccess\":{\"rejectedSpans\":\"3\",\"errorMessage\":\"bad ids\"}}",
		"{\"partialSuccess\":{\"rejectedDataPoints\":\"3\",\"errorMessage\":\"bad ids\"}}",
		"{\"partialSuccess\":{\"rejectedLogRecords\":\"3\",\"errorMessage\":\"bad ids\"}}",
	};
	static const char *const want_nomsg[OG_OTLP_SIGNAL_MAX] = {
		"{\"partialSuccess\":{\"rejectedSpans\":\"9223372036854775807\"}}",
		"{\"partialSuccess\":{\"rejectedDataPoints\":\"9223372036854775807\"}}",
		"{\"partialSuccess\":{\"rejectedLogRecords\":\"9223372036854775807\"}}",
	};

	for (int sig = 0; sig < OG_OTLP_SIGNAL_MAX; sig++) {
		struct og_wbuf b;

		og_wbuf_init_growable(&b);
		CU_ASSERT_EQUAL(og_otlp_response_encode(sig, OG_OTLP_ENC_JSON, 0, "x", &b), OG_OK);
		CU_ASSERT(wbuf_is(&b, "{}"));
		og_wbuf_free(&b);

		og_wbuf_init_growable(&b);
		CU_ASSERT_EQUAL(og_otlp_response_encode(sig, OG_OTLP_ENC_JSON, 3, "bad ids", &b),
				OG_OK);
		CU_ASSERT(wbuf_is(&b, want[sig]));
		og_wbuf_free(&b);

		og_wbuf_init_growable(&b);
		/* an empty message is a default value: not written */
		CU_ASSERT_EQUAL(og_otlp_response_encode(sig, OG_OTLP_ENC_JSON, UINT64_MAX, "", &b),
				OG_OK);
		CU_ASSERT(wbuf_is(&b, want_nomsg[sig]));
		b.len = 0;
		/* int64 range: clamped like the protobuf field */
		CU_ASSERT_EQUAL(
			og_otlp_response_encode(sig, OG_OTLP_ENC_JSON, UINT64_MAX, NULL, &b),
			OG_OK);
		CU_ASSERT(wbuf_is(&b, want_nomsg[sig]));
		og_wbuf_free(&b);
	}
}

static void
test_json_escaping(void)
{
	struct og_wbuf b;
	/* quote, backslash, controls, valid 2/3/4-byte UTF-8, DEL, slash */
	const char *in = "q\"b\\n\n\t\x01\x1f \xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\x7f/";
	const char *want = "{\"code\":3,\"message\":\"q\\\"b\\\\n\\u000a\\u0009\\u0001\\u001f "
			   "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\x7f/\"}";
	/* invalid: stray continuation, lone lead at the end, surrogate, overlong, > U+10FFFF,
	 * 0xff; each bad byte becomes one U+FFFD */
	const char *bad = "a\x80"
			  "b\xed\xa0\x80"
			  "c\xc0\xaf"
			  "d\xf4\x90\x80\x80"
			  "e\xff"
			  "f\xe2\x82";
#define R "\xef\xbf\xbd"
	const char *bad_want =
		"{\"code\":13,\"message\":\"a" R "b" R R R "c" R R "d" R R R R "e" R "f" R R "\"}";

	og_wbuf_init_growable(&b);
	CU_ASSERT_EQUAL(og_otlp_status_encode(OG_OTLP_ENC_JSON, 3, in, &b), OG_OK);
	CU_ASSERT(wbuf_is(&b, want));
	b.len = 0;
	CU_ASSERT_EQUAL(og_otlp_status_encode(OG_OTLP_ENC_JSON, 13, bad, &b), OG_OK);
	CU_ASSERT(wbuf_is(&b, bad_want));
	b.len = 0;
	/* the same repair in a partial success message */
	CU_ASSERT_EQUAL(og_otlp_response_encode(OG_OTLP_LOGS, OG_OTLP_ENC_JSON, 1, "\"\xff\"", &b),
			OG_OK);
	CU_ASSERT(wbuf_is(&b, "{\"partialSuccess\":{\"rejectedLogRecords\":\"1\",\"errorMessage\":"
			      "\"\\\"" R "\\\"\"}}"));
	og_wbuf_free(&b);
}

static void
test_status(void)
{
	struct og_wbuf b;
	struct text msg;
	int32_t code = -1;

	og_wbuf_init_growable(&b);
	CU_ASSERT_EQUAL(og_otlp_status_encode(OG_OTLP_ENC_JSON, 8, "too busy", &b), OG_OK);
	CU_ASSERT(wbuf_is(&b, "{\"code\":8,\"message\":\"too busy\"}"));
	b.len = 0;
	CU_ASSERT_EQUAL(og_otlp_status_encode(OG_OTLP_ENC_JSON, 3, NULL, &b), OG_OK);
	CU_ASSERT(wbuf_is(&b, "{\"code\":3}"));
	b.len = 0;

	CU_ASSERT_EQUAL(og_otlp_status_encode(OG_OTLP_ENC_PROTO, 3, "bad body at 17", &b), OG_OK);
	CU_ASSERT(wbuf_is(&b, "\x08\x03\x12\x0e"
			      "bad body at 17"));
	CU_ASSERT_EQUAL(decode_status(&b, &code, &msg), 0);
	CU_ASSERT_EQUAL(code, 3);
	CU_ASSERT_STRING_EQUAL(msg.s, "bad body at 17");
	b.len = 0;
	/* protobuf strings must be UTF-8 too */
	CU_ASSERT_EQUAL(og_otlp_status_encode(OG_OTLP_ENC_PROTO, 13, "x\xc3(y", &b), OG_OK);
	CU_ASSERT_EQUAL(decode_status(&b, &code, &msg), 0);
	CU_ASSERT_EQUAL(code, 13);
	CU_ASSERT_STRING_EQUAL(msg.s, "x" R "(y");
	b.len = 0;
	CU_ASSERT_EQUAL(og_otlp_response_encode(OG_OTLP_TRACES, OG_OTLP_ENC_PROTO, 2, "\x80ok", &b),
			OG_OK);
	{
		bool has;
		int64_t rej;

		CU_ASSERT_EQUAL(decode_response(OG_OTLP_TRACES, &b, &has, &rej, &msg), 0);
		CU_ASSERT_STRING_EQUAL(msg.s, R "ok");
	}
	b.len = 0;
	/* a negative code is a 10-byte varint (int32 is sign-extended) */
	CU_ASSERT_EQUAL(og_otlp_status_encode(OG_OTLP_ENC_PROTO, -1, NULL, &b), OG_OK);
	CU_ASSERT_EQUAL(b.len, 11);
	CU_ASSERT_EQUAL(decode_status(&b, &code, &msg), 0);
	CU_ASSERT_EQUAL(code, -1);
	og_wbuf_free(&b);
#undef R
}

/* Every size below the needed one fails cleanly; the needed one works. */
static void
check_fixed(int (*enc)(int, int, struct og_wbuf *), int a, int c)
{
	struct og_wbuf g, f;
	uint8_t mem[512];
	size_t need;

	og_wbuf_init_growable(&g);
	CU_ASSERT_EQUAL_FATAL(enc(a, c, &g), OG_OK);
	need = g.len;
	CU_ASSERT_FATAL(need < sizeof(mem));
	for (size_t cap = 0; cap < need; cap++) {
		memset(mem, 0xee, sizeof(mem));
		og_wbuf_init_fixed(&f, mem, cap);
		CU_ASSERT_EQUAL(enc(a, c, &f), -OG_OTLP_ERR_NO_SPACE);
		CU_ASSERT_TRUE(f.overflow);
		CU_ASSERT_EQUAL(f.len, 0);
		CU_ASSERT_EQUAL(mem[cap], 0xee); /* nothing written past the end */
	}
	og_wbuf_init_fixed(&f, mem, need);
	CU_ASSERT_EQUAL(enc(a, c, &f), OG_OK);
	CU_ASSERT_FALSE(f.overflow);
	CU_ASSERT(f.len == need && memcmp(mem, g.data, need) == 0);
	og_wbuf_free(&g);
}

static int
enc_response(int sig, int enc, struct og_wbuf *b)
{
	return og_otlp_response_encode(sig, enc, 7, "rejected \"7\" \x01 items \xff", b);
}

static int
enc_status(int code, int enc, struct og_wbuf *b)
{
	return og_otlp_status_encode(enc, code, "payload too large \xe2\x82\xac", b);
}

static void
test_no_space(void)
{
	struct og_wbuf f;
	uint8_t mem[4];

	for (int sig = 0; sig < OG_OTLP_SIGNAL_MAX; sig++) {
		check_fixed(enc_response, sig, OG_OTLP_ENC_PROTO);
		check_fixed(enc_response, sig, OG_OTLP_ENC_JSON);
	}
	check_fixed(enc_status, 3, OG_OTLP_ENC_PROTO);
	check_fixed(enc_status, 8, OG_OTLP_ENC_JSON);

	/* the empty protobuf response fits in nothing; "{}" needs 2 bytes */
	og_wbuf_init_fixed(&f, mem, 0);
	CU_ASSERT_EQUAL(og_otlp_response_encode(OG_OTLP_TRACES, OG_OTLP_ENC_PROTO, 0, NULL, &f),
			OG_OK);
	CU_ASSERT_EQUAL(og_otlp_response_encode(OG_OTLP_TRACES, OG_OTLP_ENC_JSON, 0, NULL, &f),
			-OG_OTLP_ERR_NO_SPACE);
	og_wbuf_init_fixed(&f, mem, 2);
	CU_ASSERT_EQUAL(og_otlp_response_encode(OG_OTLP_TRACES, OG_OTLP_ENC_JSON, 0, NULL, &f),
			OG_OK);

	/* earlier content of the buffer is kept on failure */
	og_wbuf_init_fixed(&f, mem, sizeof(mem));
	og_wbuf_puts(&f, "ab");
	CU_ASSERT_EQUAL(og_otlp_status_encode(OG_OTLP_ENC_JSON, 3, "long", &f),
			-OG_OTLP_ERR_NO_SPACE);
	CU_ASSERT(f.len == 2 && memcmp(mem, "ab", 2) == 0);
}

static void
test_long_message(void)
{
	struct og_wbuf b;
	char msg[2000];
	struct text t;
	int32_t code;

	for (size_t i = 0; i < sizeof(msg) - 1; i++)
		msg[i] = (char)('a' + i % 26);
	msg[sizeof(msg) - 1] = 0;
	og_wbuf_init_growable(&b);
	CU_ASSERT_EQUAL(og_otlp_status_encode(OG_OTLP_ENC_PROTO, 3, msg, &b), OG_OK);
	CU_ASSERT_EQUAL(decode_status(&b, &code, &t), 0);
	CU_ASSERT_EQUAL(t.n, sizeof(msg) - 1);
	CU_ASSERT(memcmp(t.s, msg, t.n) == 0);
	b.len = 0;
	CU_ASSERT_EQUAL(og_otlp_status_encode(OG_OTLP_ENC_JSON, 3, msg, &b), OG_OK);
	CU_ASSERT_EQUAL(b.len, strlen("{\"code\":3,\"message\":\"\"}") + sizeof(msg) - 1);
	og_wbuf_free(&b);
}

static void
test_bad_arguments(void)
{
	struct og_wbuf b;

	og_wbuf_init_growable(&b);
	CU_ASSERT(og_otlp_response_encode(OG_OTLP_SIGNAL_MAX, OG_OTLP_ENC_JSON, 1, "x", &b) < 0);
	CU_ASSERT(og_otlp_response_encode(OG_OTLP_TRACES, (enum og_otlp_encoding)7, 1, "x", &b) <
		  0);
	CU_ASSERT(og_otlp_status_encode((enum og_otlp_encoding)7, 3, "x", &b) < 0);
	CU_ASSERT_EQUAL(b.len, 0);
	og_wbuf_free(&b);
}

/* ---- decoders of a backend's answer -------------------------------------- */

static void
test_decode_valid(void)
{
	for (int sig = 0; sig < OG_OTLP_SIGNAL_MAX; sig++) {
		struct og_otlp_partial_success ps;
		struct og_wbuf b;

		og_wbuf_init_growable(&b);
		CU_ASSERT_EQUAL_FATAL(og_otlp_response_encode((enum og_otlp_signal)sig,
							      OG_OTLP_ENC_PROTO, 300, "too old",
							      &b),
				      0);
		CU_ASSERT_EQUAL(og_otlp_response_decode(b.data, b.len, &ps), OG_OK);
		CU_ASSERT_EQUAL(ps.rejected, 300);
		CU_ASSERT_EQUAL(ps.msg_len, 7);
		CU_ASSERT(ps.msg != NULL && memcmp(ps.msg, "too old", 7) == 0);
		og_wbuf_free(&b);
	}
}

static void
test_decode_empty(void)
{
	/* {} and an empty partial_success {1: {}} */
	static const uint8_t empty_ps[] = { 0x0a, 0x00 };
	struct og_otlp_partial_success ps;
	struct og_wbuf b;

	CU_ASSERT_EQUAL(og_otlp_response_decode(empty_ps, 0, &ps), OG_OK);
	CU_ASSERT_EQUAL(ps.rejected, 0);
	CU_ASSERT_PTR_NULL(ps.msg);
	CU_ASSERT_EQUAL(og_otlp_response_decode(empty_ps, sizeof(empty_ps), &ps), OG_OK);
	CU_ASSERT_EQUAL(ps.rejected, 0);
	CU_ASSERT_PTR_NULL(ps.msg);
	/* nothing rejected: what we encode ourselves has no partial_success */
	og_wbuf_init_growable(&b);
	CU_ASSERT_EQUAL_FATAL(og_otlp_response_encode(OG_OTLP_LOGS, OG_OTLP_ENC_PROTO, 0, NULL, &b),
			      0);
	CU_ASSERT_EQUAL(og_otlp_response_decode(b.data, b.len, &ps), OG_OK);
	CU_ASSERT_EQUAL(ps.rejected, 0);
	og_wbuf_free(&b);
}

static void
test_decode_truncated(void)
{
	struct og_otlp_partial_success ps;
	struct og_wbuf b;

	og_wbuf_init_growable(&b);
	CU_ASSERT_EQUAL_FATAL(og_otlp_response_encode(OG_OTLP_TRACES, OG_OTLP_ENC_PROTO, 1u << 20,
						      "some spans were rejected", &b),
			      0);
	/* the body is one field: every cut inside it is an error, and says nothing */
	for (size_t n = 1; n < b.len; n++) {
		memset(&ps, 0xff, sizeof(ps));
		CU_ASSERT(og_otlp_response_decode(b.data, n, &ps) < 0);
		CU_ASSERT_EQUAL(ps.rejected, 0);
		CU_ASSERT_PTR_NULL(ps.msg);
	}
	og_wbuf_free(&b);
	/* a varint of 11 bytes */
	{
		static const uint8_t longv[] = { 0x0a, 0x0b, 0x08, 0xff, 0xff, 0xff, 0xff,
						 0xff, 0xff, 0xff, 0xff, 0xff, 0x01 };
		static const uint8_t tenth[] = { 0x0a, 0x0b, 0x08, 0xff, 0xff, 0xff, 0xff,
						 0xff, 0xff, 0xff, 0xff, 0xff, 0x02 };

		CU_ASSERT_EQUAL(og_otlp_response_decode(longv, sizeof(longv), &ps), OG_OK);
		CU_ASSERT_EQUAL(ps.rejected, 0); /* -1: a backend's bug rejects nothing */
		CU_ASSERT_EQUAL(og_otlp_response_decode(tenth, sizeof(tenth), &ps),
				-OG_OTLP_ERR_VARINT_TOO_LONG);
	}
}

static void
test_decode_wrong_wire_type(void)
{
	static const uint8_t outer_varint[] = { 0x08, 0x05 };		     /* 1: 5 */
	static const uint8_t count_len[] = { 0x0a, 0x03, 0x0a, 0x01, 0x35 }; /* 1: {1: "5"} */
	static const uint8_t msg_varint[] = { 0x0a, 0x02, 0x10, 0x01 };	     /* 1: {2: 1} */
	static const uint8_t group[] = { 0x0b };			     /* wire type 3 */
	struct og_otlp_partial_success ps;

	CU_ASSERT_EQUAL(og_otlp_response_decode(outer_varint, sizeof(outer_varint), &ps),
			-OG_OTLP_ERR_WRONG_WIRE_TYPE);
	CU_ASSERT_EQUAL(og_otlp_response_decode(count_len, sizeof(count_len), &ps),
			-OG_OTLP_ERR_WRONG_WIRE_TYPE);
	CU_ASSERT_EQUAL(og_otlp_response_decode(msg_varint, sizeof(msg_varint), &ps),
			-OG_OTLP_ERR_WRONG_WIRE_TYPE);
	CU_ASSERT_EQUAL(og_otlp_response_decode(group, sizeof(group), &ps),
			-OG_OTLP_ERR_BAD_WIRE_TYPE);
	CU_ASSERT_EQUAL(ps.rejected, 0);
}

static void
test_decode_unknown_fields(void)
{
	struct og_otlp_partial_success ps;

	{
		static const uint8_t ok[] = {
			0x48, 0x96, 0x01,			  /* 9: 150 */
			0x0a, 0x0f,				  /* 1: { */
			0x1d, 0x01, 0x02, 0x03, 0x04,		  /*   3: fixed32 */
			0x08, 0x2a,				  /*   1: 42 */
			0x82, 0x7d, 0x01, 0x00,			  /*   2000: "\0" */
			0x12, 0x02, 'h',  'i',			  /*   2: "hi" } */
			0x31, 1,    2,	  3,	4,    5, 6, 7, 8, /* 6: fixed64 */
		};

		CU_ASSERT_EQUAL(og_otlp_response_decode(ok, sizeof(ok), &ps), OG_OK);
		CU_ASSERT_EQUAL(ps.rejected, 42);
		CU_ASSERT_EQUAL(ps.msg_len, 2);
		CU_ASSERT(ps.msg != NULL && memcmp(ps.msg, "hi", 2) == 0);
		/* cut inside the fixed64 after partial_success */
		CU_ASSERT_EQUAL(og_otlp_response_decode(ok, sizeof(ok) - 1, &ps),
				-OG_OTLP_ERR_TRUNCATED);
	}
}

static void
test_decode_status(void)
{
	static const uint8_t details[] = { 0x08, 0x03, 0x1a, 0x02, 0x0a, 0x00,
					   0x12, 0x03, 'b',  'a',  'd' };
	static const uint8_t bad[] = { 0x12, 0x05, 'b', 'a' };
	const uint8_t *m;
	size_t m_len;
	int32_t code = -1;
	struct og_wbuf b;

	og_wbuf_init_growable(&b);
	CU_ASSERT_EQUAL_FATAL(og_otlp_status_encode(OG_OTLP_ENC_PROTO, 8, "slow down", &b), 0);
	CU_ASSERT_EQUAL(og_otlp_status_decode(b.data, b.len, &code, &m, &m_len), OG_OK);
	CU_ASSERT_EQUAL(code, 8);
	CU_ASSERT(m_len == 9 && memcmp(m, "slow down", 9) == 0);
	og_wbuf_free(&b);
	CU_ASSERT_EQUAL(og_otlp_status_decode(details, sizeof(details), &code, &m, &m_len), OG_OK);
	CU_ASSERT_EQUAL(code, 3);
	CU_ASSERT(m_len == 3 && memcmp(m, "bad", 3) == 0);
	CU_ASSERT_EQUAL(og_otlp_status_decode(details, 0, NULL, &m, &m_len), OG_OK);
	CU_ASSERT_PTR_NULL(m);
	CU_ASSERT_EQUAL(og_otlp_status_decode(bad, sizeof(bad), &code, &m, &m_len),
			-OG_OTLP_ERR_LENGTH_PAST_PARENT);
	CU_ASSERT_PTR_NULL(m);
}

static CU_TestInfo response_tests[] = {
	{ "protobuf Export*ServiceResponse, every signal", test_protobuf_responses },
	{ "JSON Export*ServiceResponse, every signal", test_json_responses },
	{ "JSON escaping and UTF-8 repair", test_json_escaping },
	{ "google.rpc.Status in both encodings", test_status },
	{ "fixed buffer too small", test_no_space },
	{ "long message", test_long_message },
	{ "bad arguments", test_bad_arguments },
	{ "decode partial_success, every signal", test_decode_valid },
	{ "decode an empty answer", test_decode_empty },
	{ "decode truncated answers", test_decode_truncated },
	{ "decode wrong wire types", test_decode_wrong_wire_type },
	{ "decode skips unknown fields", test_decode_unknown_fields },
	{ "decode google.rpc.Status", test_decode_status },
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{ "otlp_response", NULL, NULL, NULL, NULL, response_tests },
	CU_SUITE_INFO_NULL,
};

int
main(void)
{
	return og_test_main(suites);
}
