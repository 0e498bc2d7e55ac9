/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Types of the HTTP/1.1 layer: methods, media types and codings the receiver
 * cares about, parse errors, limits, the parsed request head, the embeddable
 * parser state and the events it reports. Structs and enums only; the
 * functions are in og_http.h. Nothing here depends on DPDK.
 */
#ifndef OG_HTTP_TYPES_H
#define OG_HTTP_TYPES_H

#include <stdbool.h>
#include <stdint.h>

#include "og_common.h"

/** Request methods (RFC 9110 9.3); unknown tokens are OG_HTTP_M_OTHER. */
enum og_http_method {
	OG_HTTP_M_OTHER = 0,
	OG_HTTP_M_GET,
	OG_HTTP_M_HEAD,
	OG_HTTP_M_POST,
	OG_HTTP_M_PUT,
	OG_HTTP_M_DELETE,
	OG_HTTP_M_OPTIONS,
	OG_HTTP_M_PATCH,
	OG_HTTP_M_CONNECT,
	OG_HTTP_M_TRACE,
	OG_HTTP_M_MAX,
};

/** Content-Type media type, parameters ignored, case-insensitive (RFC 9110 8.3.1). */
enum og_http_ctype {
	OG_HTTP_CT_NONE = 0, /**< no Content-Type field */
	OG_HTTP_CT_PROTOBUF, /**< application/x-protobuf, also application/protobuf */
	OG_HTTP_CT_JSON,     /**< application/json */
	OG_HTTP_CT_OTHER,
};

/**
 * Content-Encoding (RFC 9110 8.4), a list: none or only "identity" is
 * IDENTITY, exactly one gzip (or x-gzip, RFC 9110 8.4.1.3) is GZIP, anything
 * else (deflate, br, gzip twice, ...) is OTHER (the receiver answers 415).
 */
enum og_http_cenc {
	OG_HTTP_CE_IDENTITY = 0,
	OG_HTTP_CE_GZIP,
	OG_HTTP_CE_OTHER,
};

/** Why a message could not be parsed; negated when returned. See http_error.def. */
enum og_http_err {
	OG_HTTP_ERR_NONE = 0,
#define OG_HTTP_ERR(e, status, name, msg) OG_HTTP_ERR_##e,
#include "http_error.def"
#undef OG_HTTP_ERR
	OG_HTTP_ERR_MAX,
};

/** Longest chunk-size line extension (after the size, before CRLF) we skip. */
#define OG_HTTP_MAX_CHUNK_EXT 1024
/** Largest max_header_bytes: header offsets are 16-bit. */
#define OG_HTTP_MAX_HEADER_BYTES 65535

/** Limits of one parser; og_http_limits_default() gives the defaults. */
struct og_http_limits {
	uint32_t max_header_bytes; /**< request line + header section (+ leading empty lines);
				      default 16384, at most 65535 */
	uint32_t max_headers;	   /**< header field lines; default 64 */
	uint64_t max_body; /**< body bytes on the wire (Content-Length or sum of chunk sizes);
			      default 64 MiB */
	uint32_t max_trailer_bytes; /**< trailer section of a chunked body; 0 = max_header_bytes */
};

/** One header field line, by offsets into og_http_msg.buf; the value is trimmed of OWS. */
struct og_http_hdr {
	uint16_t name_off;
	uint16_t name_len;
	uint16_t value_off;
	uint16_t value_len;
};

/**
 * A parsed message head: a request's (og_http_req_get()) or, with the
 * request-only fields left empty, a response's (og_http_resp_msg()). Every
 * pointer points into the parser's head buffer and stays valid from the HEAD
 * event until the next parse call after END (or the parser's reset).
 */
struct og_http_msg {
	enum og_http_method method;
	uint8_t version_minor; /**< 0 or 1 (HTTP/1.0, HTTP/1.1) */
	bool has_length;       /**< Content-Length present */
	bool chunked;	       /**< Transfer-Encoding: chunked */
	bool expect_continue;  /**< Expect: 100-continue on HTTP/1.1 (RFC 9110 10.1.1) */
	bool keep_alive;       /**< connection persists after this request (RFC 9112 9.3) */
	enum og_http_ctype ctype;
	enum og_http_cenc cenc;
	uint64_t content_length; /**< when has_length */

	const char *method_str; /**< the method token as received */
	uint16_t method_len;
	/**
	 * Path of the target, query excluded: origin-form as received; the path
	 * of an absolute-form target ("/" when it has none); "*" for OPTIONS *;
	 * the authority of a CONNECT; NULL in responses. Not NUL-terminated, not
	 * percent-decoded.
	 */
	const char *path;
	uint16_t path_len;
	uint16_t query_off; /**< query (after '?') in buf; query_len 0 when none */
	uint16_t query_len;
	uint16_t target_off; /**< the whole request-target as received, in buf */
	uint16_t target_len;

	const struct og_http_hdr *content_type; /**< first Content-Type field, NULL when none */
	const struct og_http_hdr *host;		/**< Host field, NULL when none */

	uint32_t n_hdrs;	  /**< header field lines, in order */
	struct og_http_hdr *hdrs; /**< max_headers entries, in parser memory */
	char *buf;		  /**< the copied request head */
	uint32_t head_len;	  /**< bytes of the head in buf */
};

/** Event kinds, in order per message: HEAD, zero or more BODY, END. */
enum og_http_ev_type {
	OG_HTTP_EV_HEAD = 0, /**< head complete: og_http_req_get() */
	OG_HTTP_EV_BODY,     /**< body bytes [off, off+len) of the buffer given to this call */
	OG_HTTP_EV_END,	     /**< message complete; next bytes belong to the next message */
};

/** One event of og_http_parse(). */
struct og_http_ev {
	enum og_http_ev_type type;
	uint32_t off; /**< BODY: offset in the buffer given to this call */
	uint32_t len; /**< BODY: byte count (chunk framing removed) */
};

/**
 * Parser state, meant to be embedded in a connection. Fixed size; the head
 * buffer (max_header_bytes) and the header array (max_headers entries) live in
 * one block given to og_http_parser_init() (og_http_parser_mem_size() bytes)
 * or malloc'd there once, at connection-pool creation, never per request.
 * Fields are private to parse.c.
 */
struct og_http_parser {
	struct og_http_limits lim;
	struct og_http_msg req;
	void *owned; /**< block malloc'd by init, freed by og_http_parser_fini() */

	uint8_t state;	     /**< parse.c's enum */
	uint8_t sub;	     /**< sub-state of chunk and trailer framing */
	uint8_t in_head;     /**< a request line has started (non-empty line seen) */
	uint8_t is_resp;     /**< this parser reads responses (client side) */
	int32_t err;	     /**< sticky enum og_http_err once an error was returned */
	uint32_t line_start; /**< start of the unfinished line in buf */
	uint32_t aux;	     /**< bytes of the current chunk line or trailer section */
	uint32_t nfields;    /**< header/trailer field lines so far */
	uint64_t body_left;  /**< bytes left of the Content-Length body or current chunk */
	uint64_t body_total; /**< body bytes so far (max_body) */
	uint16_t flags;	     /**< parse.c's per-message flags */
};

/**
 * Response parser (client side, egress): the same engine and event API as
 * the request parser, reading status lines. Header fields, Content-Length,
 * chunked, keep_alive, ctype and cenc are reported in p.req (method and path
 * stay empty). Embeddable; fields below p are read-only for callers.
 */
struct og_http_resp_parser {
	struct og_http_parser p;
	uint16_t status; /**< status code of the final response (1xx are skipped, 101 excepted) */
	uint16_t reason_off; /**< reason phrase in p.req.buf */
	uint16_t reason_len;
	bool until_close; /**< body delimited by the end of the connection (RFC 9112 6.3 rule 8) */
	bool has_retry_after;	/**< a valid Retry-After field was received */
	uint32_t retry_after_s; /**< its delay from now_s, in seconds (0 for a date in the past) */
	uint32_t n_interim;	/**< 1xx responses skipped before this one */
	bool head_request;	/**< the request answered was HEAD: no body (RFC 9112 6.3 rule 1) */
	uint64_t now_s;		/**< Unix time, to turn a Retry-After date into seconds */
};

#endif /* OG_HTTP_TYPES_H */
