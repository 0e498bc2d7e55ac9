/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * HTTP/1.1 (RFC 9112, RFC 9110) for otlpgate: an incremental request parser
 * that never sees an mbuf and never copies a body, and the writer of response
 * heads. Types are in og_http_types.h; the rules accepted and refused are
 * listed in docs/http.md and at the top of parse.c.
 *
 * Zero copy: the receiver feeds og_http_parse() the data area of each
 * received segment in turn. The parser copies only the request line and the
 * header section into its own bounded buffer (they may straddle segments) and
 * reports body bytes as (offset, length) ranges of the buffer it was given,
 * so the receiver keeps references to the mbufs holding them.
 *
 * Return conventions: og_http_parse() returns OG_OK / OG_AGAIN / a negated
 * enum og_http_err; control functions return 0 or -errno.
 */
#ifndef OG_HTTP_H
#define OG_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "og_http_types.h"

/* ---- names (names.c) ---------------------------------------------------- */

/** Metric label of an error ("bad_request_line", ...; "none" for 0). */
const char *og_http_err_name(enum og_http_err err);
/** Human message of an error. */
const char *og_http_err_msg(enum og_http_err err);
/** HTTP status to answer an error with (400, 413, 431, 505, ...; 0 for response-parser errors). */
int og_http_err_status(enum og_http_err err);
/** Method name ("GET", ...; "OTHER"). */
const char *og_http_method_name(enum og_http_method m);

/* ---- request parser (parse.c) ------------------------------------------- */

/** Fill @p l with the defaults: 16384 header bytes, 64 headers, 64 MiB body. */
void og_http_limits_default(struct og_http_limits *l);

/**
 * Bytes of memory a parser with limits @p l needs (head buffer and header
 * array), for og_http_parser_init(). NULL means the defaults.
 */
size_t og_http_parser_mem_size(const struct og_http_limits *l);

/**
 * Initialise a parser. @p mem of @p mem_len bytes (at least
 * og_http_parser_mem_size(l), any alignment) holds the head buffer and the
 * header array; with @p mem NULL the block is malloc'd here, once, and freed
 * by og_http_parser_fini(). Call at connection-pool creation, not per
 * connection: og_http_parser_reset() readies it for a new connection.
 *
 * @param l limits, NULL for the defaults; 0 fields take the default.
 * @return 0, -EINVAL (max_header_bytes over OG_HTTP_MAX_HEADER_BYTES or
 *   below 16, max_headers 0) or -ENOMEM (mem too small, or malloc failed).
 */
int og_http_parser_init(struct og_http_parser *p, const struct og_http_limits *l, void *mem,
			size_t mem_len);

/** Free the block og_http_parser_init() malloc'd, if any. */
void og_http_parser_fini(struct og_http_parser *p);

/** Forget everything (error included): ready for a new connection. */
void og_http_parser_reset(struct og_http_parser *p);

/**
 * Parse from buf[0..len). Consumes input up to and including one event.
 *
 * Events per request, in order: HEAD (the head is complete:
 * og_http_req_get()), zero or more BODY (chunk framing removed; each BODY is
 * a contiguous range of @p buf), END (message complete; the parser is ready
 * for the next pipelined request, and bytes after END belong to it). A
 * request without body gives HEAD then END in two calls (END may consume 0
 * bytes).
 *
 * @param used  bytes consumed by this call.
 * @param ev    the event, on OG_OK.
 * @return OG_OK with *ev filled (call again with buf + *used for the rest),
 *   OG_AGAIN with *used == len (all consumed, no event: feed the next
 *   segment), or -OG_HTTP_ERR_*: answer og_http_err_status() and close. The
 *   error is sticky (every later call returns it until reset). After
 *   -OG_HTTP_ERR_BODY_TOO_LARGE of a Content-Length request the head is
 *   complete and og_http_req_get() may be read.
 */
int og_http_parse(struct og_http_parser *p, const uint8_t *buf, uint32_t len, uint32_t *used,
		  struct og_http_ev *ev);

/** The error og_http_parse() returned (OG_HTTP_ERR_NONE when none). */
static inline enum og_http_err
og_http_parser_error(const struct og_http_parser *p)
{
	return (enum og_http_err)p->err;
}

/**
 * Whether the message in progress has its request line parsed: its method
 * and path may be read with og_http_req_get() (and the header fields parsed
 * so far) before the head is complete, e.g. to answer a request whose head
 * never completes (408) in its encoding.
 */
static inline bool
og_http_req_line_seen(const struct og_http_parser *p)
{
	return p->in_head != 0 && p->err == OG_HTTP_ERR_NONE;
}

/** The request whose HEAD was reported; valid until the next call after END. */
static inline const struct og_http_msg *
og_http_req_get(const struct og_http_parser *p)
{
	return &p->req;
}

/** First header named @p name (case-insensitive), or NULL. */
const struct og_http_hdr *og_http_msg_header(const struct og_http_msg *r, const char *name);

/** Name of header @p h of @p r (not NUL-terminated; h->name_len bytes). */
static inline const char *
og_http_hdr_name(const struct og_http_msg *r, const struct og_http_hdr *h)
{
	return r->buf + h->name_off;
}

/** Value of header @p h of @p r (not NUL-terminated; h->value_len bytes). */
static inline const char *
og_http_hdr_value(const struct og_http_msg *r, const struct og_http_hdr *h)
{
	return r->buf + h->value_off;
}

/* ---- response parser, client side (parse.c) ----------------------------- */

/**
 * Initialise a response parser; memory and limits as og_http_parser_init()
 * (max_body bounds the body of each response).
 *
 * @return 0, -EINVAL or -ENOMEM.
 */
int og_http_resp_parser_init(struct og_http_resp_parser *rp, const struct og_http_limits *l,
			     void *mem, size_t mem_len);

/** Free the block og_http_resp_parser_init() malloc'd, if any. */
void og_http_resp_parser_fini(struct og_http_resp_parser *rp);

/** Forget everything (error, head_request and now_s included): new connection. */
void og_http_resp_parser_reset(struct og_http_resp_parser *rp);

/**
 * Describe the request the next response answers: call before its first
 * byte is parsed (at connection start, or after the previous END).
 *
 * @param head_request the request was HEAD: the response has no body.
 * @param now_s        current Unix time, to turn a Retry-After date into seconds.
 */
static inline void
og_http_resp_expect(struct og_http_resp_parser *rp, bool head_request, uint64_t now_s)
{
	rp->head_request = head_request;
	rp->now_s = now_s;
}

/**
 * Parse a response stream from buf[0..len): same contract and events as
 * og_http_parse(). Interim 1xx responses (101 excepted) are consumed without
 * an event (RFC 9110 15.2); the HEAD event is the final response's, read
 * through og_http_resp_msg() and the fields of @p rp. A body delimited by
 * the end of the connection (until_close) gets its END from
 * og_http_resp_eof().
 *
 * @return OG_OK, OG_AGAIN or -OG_HTTP_ERR_* (then close the connection).
 */
int og_http_parse_resp(struct og_http_resp_parser *rp, const uint8_t *buf, uint32_t len,
		       uint32_t *used, struct og_http_ev *ev);

/**
 * The server closed the connection.
 *
 * @return OG_OK with an END event when that ends a response (until_close
 *   body, or an END not yet taken), OG_AGAIN when no response was under way
 *   (a clean close), -OG_HTTP_ERR_TRUNCATED when one was cut short, or the
 *   earlier error.
 */
int og_http_resp_eof(struct og_http_resp_parser *rp, struct og_http_ev *ev);

/** Header fields, Content-Length, chunked, keep_alive, ctype, cenc of the response. */
static inline const struct og_http_msg *
og_http_resp_msg(const struct og_http_resp_parser *rp)
{
	return &rp->p.req;
}

/* ---- request head writer, client side (write.c) ------------------------- */

/**
 * Append "METHOD path HTTP/1.1" and Host, Content-Type, Content-Encoding,
 * Content-Length and @p extra_headers ("Name: value\r\n" lines) to @p out,
 * then the empty line. NULL strings are left out; Content-Length is written
 * when @p content_length is not 0 or the method is POST, PUT or PATCH
 * (RFC 9110 8.6: not for requests that anticipate no content).
 *
 * @return 0, -ENOSPC when it does not fit (out->len unchanged), -EINVAL for a
 *   NULL or empty method or path.
 */
int og_http_req_head(struct og_wbuf *out, const char *method, const char *path, const char *host,
		     const char *content_type, const char *content_encoding,
		     uint64_t content_length, const char *extra_headers);

/* ---- response writer (write.c) ------------------------------------------ */

/** Reason phrase of a status ("OK", "Content Too Large", ...; "" when unknown). */
const char *og_http_reason(int status);

/** What og_http_resp_head() writes. */
struct og_http_resp {
	int status;
	const char *content_type; /**< NULL: no Content-Type */
	uint64_t content_length;  /**< written except for 1xx, 204 and 304 (RFC 9110 8.6) */
	bool close;		  /**< "Connection: close" (RFC 9112 9.6) */
	uint32_t retry_after_s;	  /**< Retry-After in seconds (RFC 9110 10.2.3); 0: none */
	const char *allow;	  /**< Allow value for 405 (RFC 9110 10.2.1), NULL: none */
	const char *date;	  /**< IMF-fixdate for Date (RFC 9110 6.6.1), NULL: none */
	const char *extra;	  /**< preformatted "Name: value\r\n" lines, or NULL */
};

/**
 * Append a response head ("HTTP/1.1 <status> <reason>\r\n", fields, empty
 * line) to @p out. Field order: Date, Content-Type, Content-Length,
 * Connection, Retry-After, Allow, extra.
 *
 * @return 0, -ENOSPC when it does not fit (out->len is then unchanged and
 *   out->overflow set), or -EINVAL for a status outside 100..999.
 */
int og_http_resp_head(struct og_wbuf *out, const struct og_http_resp *r);

/**
 * Format @p unix_s as an IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT",
 * RFC 9110 5.6.7) into @p out (at least 30 bytes), NUL-terminated. Call it
 * once a second, not per response.
 *
 * @return the length (29).
 */
int og_http_date_fmt(char *out, uint64_t unix_s);

/** The interim response to Expect: 100-continue (RFC 9110 15.2.1). */
extern const char og_http_100_continue[];
/** strlen(og_http_100_continue). */
#define OG_HTTP_100_CONTINUE_LEN 25

#endif /* OG_HTTP_H */
