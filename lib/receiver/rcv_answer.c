/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Answers: an OTLP/HTTP status and the google.rpc.Code that goes with it,
 * chosen once where the answer is decided, and the body that carries them
 * (OTLP spec 1.x, "Failures" and "Full Success"/"Partial Success"): an
 * Export*ServiceResponse for 200, a google.rpc.Status otherwise, in the
 * request's encoding. Nothing here knows HTTP/1.1: a gRPC front end sends
 * the same code as grpc-status and the same body on success.
 */
#include <stdarg.h>
#include <stdio.h>

#include "rcv_private.h"

/*
 * The code of each status we send. google/rpc/code.proto gives each code its
 * HTTP mapping; the inverse here is what OTLP/HTTP clients see beside the
 * status: 404 NOT_FOUND (no such path); 405, 501 and 505 UNIMPLEMENTED (no
 * such method, transfer coding or HTTP version); 429 and 503 UNAVAILABLE
 * (retryable, OTLP spec "Retryable Response Codes"); 408 DEADLINE_EXCEEDED
 * (the client was too slow, docs/receiver.md "Hostile clients"); every other
 * 4xx is INVALID_ARGUMENT (the request is wrong and must not be retried as
 * it is).
 */
enum og_otlp_rpc_code
rcv_status_code(int status)
{
	switch (status) {
	case 200:
		return OG_OTLP_RPC_OK;
	case 404:
		return OG_OTLP_RPC_NOT_FOUND;
	case 405:
	case 501:
	case 505:
		return OG_OTLP_RPC_UNIMPLEMENTED;
	case 408:
		return OG_OTLP_RPC_DEADLINE_EXCEEDED;
	case 429:
	case 503:
		return OG_OTLP_RPC_UNAVAILABLE;
	default:
		return OG_OTLP_RPC_INVALID_ARGUMENT;
	}
}

void
rcv_answer_set(struct rcv_answer *a, int status, const char *msg)
{
	a->status = (uint16_t)status;
	a->code = (uint8_t)rcv_status_code(status);
	/* OTLP spec "Throttling": 429 and 503 carry Retry-After / RetryInfo */
	a->retry = status == 429 || status == 503;
	a->rejected = 0;
	a->msg = msg;
}

void
rcv_answer_fmt(struct rcv_answer *a, char *text, int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, RCV_TEXT_MAX, fmt, ap);
	va_end(ap);
	rcv_answer_set(a, status, text);
}

void
rcv_answer_ok(struct rcv_answer *a, uint64_t rejected, const char *msg)
{
	rcv_answer_set(a, 200, msg);
	a->rejected = rejected;
}

int
rcv_answer_body(const struct rcv_answer *a, unsigned int sig, enum og_otlp_encoding enc,
		struct og_wbuf *out)
{
	if (a->status == 200)
		return og_otlp_response_encode(sig < OG_OTLP_SIGNAL_MAX ? (enum og_otlp_signal)sig
									: OG_OTLP_TRACES,
					       enc, a->rejected, a->msg, out);
	return og_otlp_status_encode(enc, a->code, a->msg, out);
}
