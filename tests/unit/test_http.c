/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * HTTP/1.1 parser and writer. Every request, valid or not, is parsed whole,
 * split in two at every byte position, and fed one byte at a time (each piece
 * in its own heap block, so ASan sees any read past a segment); the events
 * (consecutive BODY events merged), the reassembled bodies, the request
 * fields and the error must be identical in every case.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "og_http.h"
#include "og_test.h"

#define MAX_MSG	 4
#define MAX_BODY 4096

struct msg_rec {
	int method;
	int version;
	char path[128];
	char query[64];
	int ctype, cenc;
	bool has_length, chunked, keep_alive, expect;
	uint64_t cl;
	uint32_t n_hdrs;
	uint32_t body_len;
	bool ended;
	/* responses */
	int status;
	uint32_t n_interim;
	bool until_close, has_retry_after;
	uint32_t retry_after_s;
	char reason[32];
	char body[MAX_BODY];
};

struct rec {
	int err;      /* enum og_http_err, 0 when none */
	bool bad_api; /* a return broke the documented contract */
	uint32_t nmsg;
	uint32_t nev;
	char evs[64]; /* 'H', 'B' (merged), 'E' */
	struct msg_rec m[MAX_MSG];
};

static struct og_http_parser parser;
static struct rec whole, piece;

static void
add_ev(struct rec *r, char c)
{
	if (c == 'B' && r->nev > 0 && r->evs[r->nev - 1] == 'B')
		return;
	if (r->nev < sizeof(r->evs) - 1)
		r->evs[r->nev++] = c;
}

static void
snap_head(struct rec *r, const struct og_http_parser *p)
{
	const struct og_http_msg *q = og_http_req_get(p);
	struct msg_rec *m;

	if (r->nmsg >= MAX_MSG) {
		r->bad_api = true;
		return;
	}
	m = &r->m[r->nmsg++];
	m->method = q->method;
	m->version = q->version_minor;
	if (q->path != NULL) /* NULL in responses */
		memcpy(m->path, q->path, OG_MIN(q->path_len, sizeof(m->path) - 1));
	memcpy(m->query, q->buf + q->query_off, OG_MIN(q->query_len, sizeof(m->query) - 1));
	m->ctype = q->ctype;
	m->cenc = q->cenc;
	m->has_length = q->has_length;
	m->chunked = q->chunked;
	m->keep_alive = q->keep_alive;
	m->expect = q->expect_continue;
	m->cl = q->content_length;
	m->n_hdrs = q->n_hdrs;
	if (p->is_resp) {
		const struct og_http_resp_parser *rp = (const void *)p;

		m->status = rp->status;
		m->n_interim = rp->n_interim;
		m->until_close = rp->until_close;
		m->has_retry_after = rp->has_retry_after;
		m->retry_after_s = rp->retry_after_s;
		memcpy(m->reason, q->buf + rp->reason_off,
		       OG_MIN(rp->reason_len, sizeof(m->reason) - 1));
	}
}

/* feed segments in turn; returns the error (0 when none) */
static int
feed(struct og_http_parser *p, const uint8_t *const *segs, const uint32_t *lens, uint32_t nseg,
     struct rec *r)
{
	memset(r, 0, sizeof(*r));
	og_http_parser_reset(p);
	for (uint32_t i = 0; i < nseg; i++) {
		uint32_t off = 0;

		for (;;) {
			struct og_http_ev ev;
			uint32_t used = 0xdeadbeef;
			int rc = og_http_parse(p, segs[i] + off, lens[i] - off, &used, &ev);

			if (rc < 0) {
				uint32_t u2;

				r->err = -rc;
				if (og_http_parser_error(p) != (enum og_http_err)r->err ||
				    og_http_parse(p, segs[i], lens[i], &u2, &ev) != rc)
					r->bad_api = true; /* not sticky */
				return r->err;
			}
			if (used > lens[i] - off) {
				r->bad_api = true;
				return -1;
			}
			if (rc == OG_AGAIN) {
				if (used != lens[i] - off)
					r->bad_api = true;
				break;
			}
			switch (ev.type) {
			case OG_HTTP_EV_HEAD:
				add_ev(r, 'H');
				snap_head(r, p);
				break;
			case OG_HTTP_EV_BODY: {
				struct msg_rec *m = &r->m[r->nmsg ? r->nmsg - 1 : 0];

				add_ev(r, 'B');
				/* the body range is inside this buffer and ends the call */
				if (ev.len == 0 || ev.off + ev.len != used ||
				    m->body_len + ev.len > MAX_BODY) {
					r->bad_api = true;
					return -1;
				}
				memcpy(m->body + m->body_len, segs[i] + off + ev.off, ev.len);
				m->body_len += ev.len;
				break;
			}
			case OG_HTTP_EV_END:
				add_ev(r, 'E');
				if (r->nmsg)
					r->m[r->nmsg - 1].ended = true;
				break;
			}
			off += used;
		}
	}
	if (p->is_resp) {
		/* the server closes after the last segment */
		struct og_http_ev ev;
		int rc = og_http_resp_eof((struct og_http_resp_parser *)(void *)p, &ev);

		if (rc < 0)
			r->err = -rc;
		else if (rc == OG_OK && ev.type == OG_HTTP_EV_END)
			add_ev(r, 'E');
		if (rc == OG_OK && r->nmsg)
			r->m[r->nmsg - 1].ended = true;
		return r->err;
	}
	return 0;
}

static int
parse_whole(struct og_http_parser *p, const char *raw, size_t len, struct rec *r)
{
	uint8_t *copy = malloc(len ? len : 1);
	const uint8_t *segs[1] = { copy };
	uint32_t lens[1] = { (uint32_t)len };
	int rc;

	memcpy(copy, raw, len);
	rc = feed(p, segs, lens, 1, r);
	free(copy);
	return rc;
}

/* whole vs split at every position vs byte by byte: identical outcomes */
static void
check_splits(struct og_http_parser *p, const char *raw, size_t len, const char *name)
{
	const uint8_t *segs[2];
	uint32_t lens[2];
	uint8_t **bytes;
	const uint8_t **bsegs;
	uint32_t *blens;
	int mismatch = 0;

	parse_whole(p, raw, len, &whole);
	CU_ASSERT_FALSE(whole.bad_api);
	for (size_t cut = 0; cut <= len; cut++) {
		uint8_t *a = malloc(cut ? cut : 1), *b = malloc(len - cut ? len - cut : 1);

		memcpy(a, raw, cut);
		memcpy(b, raw + cut, len - cut);
		segs[0] = a;
		segs[1] = b;
		lens[0] = (uint32_t)cut;
		lens[1] = (uint32_t)(len - cut);
		feed(p, segs, lens, 2, &piece);
		if (memcmp(&whole, &piece, sizeof(whole)) != 0 && mismatch++ == 0)
			fprintf(stderr, "\n%s: split at %zu differs (evs %s vs %s, err %d vs %d)\n",
				name, cut, whole.evs, piece.evs, whole.err, piece.err);
		free(a);
		free(b);
	}
	bytes = calloc(len + 1, sizeof(*bytes));
	bsegs = calloc(len + 1, sizeof(*bsegs));
	blens = calloc(len + 1, sizeof(*blens));
	for (size_t i = 0; i < len; i++) {
		bytes[i] = malloc(1);
		bytes[i][0] = (uint8_t)raw[i];
		bsegs[i] = bytes[i];
		blens[i] = 1;
	}
	feed(p, bsegs, blens, (uint32_t)len, &piece);
	if (memcmp(&whole, &piece, sizeof(whole)) != 0 && mismatch++ == 0)
		fprintf(stderr, "\n%s: byte by byte differs (evs %s vs %s, err %d vs %d)\n", name,
			whole.evs, piece.evs, whole.err, piece.err);
	for (size_t i = 0; i < len; i++)
		free(bytes[i]);
	free(bytes);
	free(bsegs);
	free(blens);
	CU_ASSERT_EQUAL(mismatch, 0);
}

static struct og_http_resp_parser rparser;

static int
suite_init(void)
{
	if (og_http_resp_parser_init(&rparser, NULL, NULL, 0) != 0)
		return 1;
	return og_http_parser_init(&parser, NULL, NULL, 0);
}

static int
suite_fini(void)
{
	og_http_parser_fini(&parser);
	og_http_resp_parser_fini(&rparser);
	return 0;
}

/* ---- valid requests ------------------------------------------------------ */

#define NO_CL (-1)

struct exp_msg {
	enum og_http_method m;
	int version;
	const char *path;
	const char *query;
	enum og_http_ctype ct;
	enum og_http_cenc ce;
	bool keep_alive;
	bool chunked;
	bool expect;
	int64_t cl;
	const char *body;
};

struct valid_case {
	const char *name;
	const char *raw;
	uint32_t nmsg;
	struct exp_msg msg[3];
};

#define PB  OG_HTTP_CT_PROTOBUF
#define JS  OG_HTTP_CT_JSON
#define CTN OG_HTTP_CT_NONE
#define CTO OG_HTTP_CT_OTHER
#define ID  OG_HTTP_CE_IDENTITY
#define GZ  OG_HTTP_CE_GZIP
#define CEO OG_HTTP_CE_OTHER

static const struct valid_case valid[] = {
	{ "content-length CRLF",
	  "POST /v1/traces HTTP/1.1\r\nHost: gate:4318\r\nContent-Type: application/x-protobuf\r\n"
	  "Content-Length: 11\r\nUser-Agent: OTel-OTLP-Exporter-Go/1.28.0\r\n\r\nhello world",
	  1,
	  { { OG_HTTP_M_POST, 1, "/v1/traces", "", PB, ID, true, false, false, 11,
	      "hello world" } } },
	{ "content-length bare LF",
	  "POST /v1/metrics HTTP/1.1\nHost: gate\nContent-Type: application/json\n"
	  "Content-Length: 2\n\n{}",
	  1,
	  { { OG_HTTP_M_POST, 1, "/v1/metrics", "", JS, ID, true, false, false, 2, "{}" } } },
	{ "chunked with extensions and trailers",
	  "POST /v1/logs HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
	  "Content-Type: application/json; charset=utf-8\r\n\r\n"
	  "5;a=b\r\nhello\r\n6 ; x=\"y z\";q\r\n world\r\nA\r\n0123456789\r\n"
	  "0;last\r\nX-Trailer: 1\r\nX-Other:  two words \r\n\r\n",
	  1,
	  { { OG_HTTP_M_POST, 1, "/v1/logs", "", JS, ID, true, true, false, NO_CL,
	      "hello world0123456789" } } },
	{ "chunked gzip, leading zeros, lower-case coding name",
	  "POST /v1/traces HTTP/1.1\r\nhost: x\r\ntransfer-encoding: Chunked\r\n"
	  "content-encoding: x-gzip\r\ncontent-type: application/protobuf\r\n\r\n"
	  "0003\r\nabc\r\n000\r\n\r\n",
	  1,
	  { { OG_HTTP_M_POST, 1, "/v1/traces", "", PB, GZ, true, true, false, NO_CL, "abc" } } },
	{ "pipelined pair",
	  "GET /healthz HTTP/1.1\r\nHost: a\r\n\r\n"
	  "POST /v1/traces HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nContent-Encoding: gzip\r\n"
	  "Content-Type: application/x-protobuf\r\n\r\nxyz",
	  2,
	  { { OG_HTTP_M_GET, 1, "/healthz", "", CTN, ID, true, false, false, NO_CL, "" },
	    { OG_HTTP_M_POST, 1, "/v1/traces", "", PB, GZ, true, false, false, 3, "xyz" } } },
	{ "pipelined triple, last closes",
	  "POST /v1/logs HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
	  "2\r\nab\r\n0\r\n\r\n"
	  "GET /metrics?name=x&y HTTP/1.1\r\nHost: a\r\n\r\n"
	  "POST /v1/metrics HTTP/1.1\r\nHost: a\r\nConnection: close\r\nContent-Length: 4\r\n\r\n"
	  "1234",
	  3,
	  { { OG_HTTP_M_POST, 1, "/v1/logs", "", CTN, ID, true, true, false, NO_CL, "ab" },
	    { OG_HTTP_M_GET, 1, "/metrics", "name=x&y", CTN, ID, true, false, false, NO_CL, "" },
	    { OG_HTTP_M_POST, 1, "/v1/metrics", "", CTN, ID, false, false, false, 4, "1234" } } },
	{ "HTTP/1.0 without Host closes",
	  "POST /v1/traces HTTP/1.0\r\nContent-Length: 1\r\n\r\nZ",
	  1,
	  { { OG_HTTP_M_POST, 0, "/v1/traces", "", CTN, ID, false, false, false, 1, "Z" } } },
	{ "HTTP/1.0 keep-alive, Expect ignored",
	  "GET / HTTP/1.0\r\nConnection: Keep-Alive\r\nExpect: 100-continue\r\n\r\n"
	  "GET /x HTTP/1.0\r\n\r\n",
	  2,
	  { { OG_HTTP_M_GET, 0, "/", "", CTN, ID, true, false, false, NO_CL, "" },
	    { OG_HTTP_M_GET, 0, "/x", "", CTN, ID, false, false, false, NO_CL, "" } } },
	{ "connection token lists",
	  "GET /a HTTP/1.1\r\nHost: a\r\nConnection: keep-alive, Upgrade\r\n\r\n"
	  "GET /b HTTP/1.1\r\nHost: a\r\nConnection: foo\r\nConnection: te, CLOSE\r\n\r\n",
	  2,
	  { { OG_HTTP_M_GET, 1, "/a", "", CTN, ID, true, false, false, NO_CL, "" },
	    { OG_HTTP_M_GET, 1, "/b", "", CTN, ID, false, false, false, NO_CL, "" } } },
	{ "expect 100-continue",
	  "POST /v1/traces HTTP/1.1\r\nHost: a\r\nExpect: 100-Continue\r\n"
	  "Content-Type: Application/X-Protobuf\r\nContent-Length: 5\r\n\r\n12345",
	  1,
	  { { OG_HTTP_M_POST, 1, "/v1/traces", "", PB, ID, true, false, true, 5, "12345" } } },
	{ "leading empty lines, absolute-form",
	  "\r\n\n\r\nPOST http://collector:4318/v1/metrics?x=1 HTTP/1.1\r\nHost: collector:4318\r\n"
	  "Content-Length: 0\r\n\r\n",
	  1,
	  { { OG_HTTP_M_POST, 1, "/v1/metrics", "x=1", CTN, ID, true, false, false, 0, "" } } },
	{ "repeated identical lengths, odd media types and codings",
	  "PUT /up HTTP/1.1\r\nHost:\r\nContent-Length: 3, 3\r\nContent-Length:3\r\n"
	  "Content-Type: text/plain\r\nContent-Encoding: gzip, gzip\r\nX-Bin: \x80\xff "
	  "ok\r\n\r\nabc",
	  1,
	  { { OG_HTTP_M_PUT, 1, "/up", "", CTO, CEO, true, false, false, 3, "abc" } } },
	{ "asterisk, absolute-form without path, unknown method, identity coding",
	  "OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n"
	  "GET https://h.example HTTP/1.1\r\nHost: h.example\r\nContent-Encoding: identity\r\n\r\n"
	  "BREW /pot HTTP/1.1\r\nHost: a\r\nContent-Encoding: gzip, identity\r\n"
	  "Content-Length: 1\r\n\r\n!",
	  3,
	  { { OG_HTTP_M_OPTIONS, 1, "*", "", CTN, ID, true, false, false, NO_CL, "" },
	    { OG_HTTP_M_GET, 1, "/", "", CTN, ID, true, false, false, NO_CL, "" },
	    { OG_HTTP_M_OTHER, 1, "/pot", "", CTN, GZ, true, false, false, 1, "!" } } },
	{ "CONNECT authority-form, DELETE with query only",
	  "CONNECT gate:443 HTTP/1.1\r\nHost: gate:443\r\n\r\n"
	  "DELETE /?q HTTP/1.1\r\nHost: a\r\n\r\n",
	  2,
	  { { OG_HTTP_M_CONNECT, 1, "gate:443", "", CTN, ID, true, false, false, NO_CL, "" },
	    { OG_HTTP_M_DELETE, 1, "/", "q", CTN, ID, true, false, false, NO_CL, "" } } },
};

static void
check_expected(const struct valid_case *vc, const struct rec *r)
{
	char evs[64] = { 0 };
	size_t n = 0;

	CU_ASSERT_EQUAL(r->err, 0);
	CU_ASSERT_FALSE(r->bad_api);
	CU_ASSERT_EQUAL(r->nmsg, vc->nmsg);
	for (uint32_t i = 0; i < vc->nmsg && i < r->nmsg; i++) {
		const struct exp_msg *e = &vc->msg[i];
		const struct msg_rec *m = &r->m[i];

		evs[n++] = 'H';
		if (e->body[0] != '\0')
			evs[n++] = 'B';
		evs[n++] = 'E';
		CU_ASSERT_EQUAL(m->method, (int)e->m);
		CU_ASSERT_EQUAL(m->version, e->version);
		CU_ASSERT_STRING_EQUAL(m->path, e->path);
		CU_ASSERT_STRING_EQUAL(m->query, e->query);
		CU_ASSERT_EQUAL(m->ctype, (int)e->ct);
		CU_ASSERT_EQUAL(m->cenc, (int)e->ce);
		CU_ASSERT_EQUAL(m->keep_alive, e->keep_alive);
		CU_ASSERT_EQUAL(m->chunked, e->chunked);
		CU_ASSERT_EQUAL(m->expect, e->expect);
		CU_ASSERT_EQUAL(m->has_length, e->cl != NO_CL);
		if (e->cl != NO_CL)
			CU_ASSERT_EQUAL(m->cl, (uint64_t)e->cl);
		CU_ASSERT_EQUAL(m->body_len, strlen(e->body));
		CU_ASSERT(memcmp(m->body, e->body, strlen(e->body)) == 0);
		CU_ASSERT_TRUE(m->ended);
		if (memcmp(m->path, e->path, strlen(e->path) + 1) != 0 ||
		    m->body_len != strlen(e->body))
			fprintf(stderr, "\n%s msg %u: path %s body %u\n", vc->name, i, m->path,
				m->body_len);
	}
	CU_ASSERT_STRING_EQUAL(r->evs, evs);
}

static void
test_valid(void)
{
	for (size_t i = 0; i < OG_ARRAY_SIZE(valid); i++) {
		const struct valid_case *vc = &valid[i];
		size_t len = strlen(vc->raw);

		parse_whole(&parser, vc->raw, len, &whole);
		check_expected(vc, &whole);
		if (whole.err != 0)
			fprintf(stderr, "\n%s: error %s\n", vc->name, og_http_err_name(whole.err));
		check_splits(&parser, vc->raw, len, vc->name);
	}
}

static void
test_header_lookup(void)
{
	static const char raw[] = "POST /v1/traces HTTP/1.1\r\nHost: a\r\nX-Tenant:  acme \r\n"
				  "Content-Type: application/json; charset=utf-8\r\n"
				  "x-tenant: other\r\n\r\n";
	const struct og_http_msg *r;
	const struct og_http_hdr *h;
	struct og_http_ev ev;
	uint32_t used;

	/* the head stays readable after HEAD (until the call after END) */
	og_http_parser_reset(&parser);
	CU_ASSERT_EQUAL(og_http_parse(&parser, (const uint8_t *)raw, sizeof(raw) - 1, &used, &ev),
			OG_OK);
	CU_ASSERT_EQUAL(ev.type, OG_HTTP_EV_HEAD);
	r = og_http_req_get(&parser);
	CU_ASSERT_EQUAL(r->n_hdrs, 4);
	h = og_http_msg_header(r, "x-TENANT");
	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	CU_ASSERT_EQUAL(h->value_len, 4); /* OWS trimmed */
	CU_ASSERT(memcmp(og_http_hdr_value(r, h), "acme", 4) == 0);
	CU_ASSERT(memcmp(og_http_hdr_name(r, h), "X-Tenant", 8) == 0);
	CU_ASSERT_PTR_EQUAL(r->content_type, og_http_msg_header(r, "content-type"));
	CU_ASSERT_EQUAL(r->content_type->value_len, strlen("application/json; charset=utf-8"));
	CU_ASSERT_PTR_NULL(og_http_msg_header(r, "X-Tenan"));
	CU_ASSERT_PTR_NULL(og_http_msg_header(r, "Content-Length"));
	CU_ASSERT_PTR_NOT_NULL(r->host);
	CU_ASSERT(memcmp(r->method_str, "POST", 4) == 0 && r->method_len == 4);
	CU_ASSERT(memcmp(r->buf + r->target_off, "/v1/traces", 10) == 0 && r->target_len == 10);
}

/* ---- errors -------------------------------------------------------------- */

static bool err_seen[OG_HTTP_ERR_MAX];

struct err_case {
	const char *raw;
	size_t len; /* 0: strlen */
	enum og_http_err err;
	int status;
};

#define H11 " HTTP/1.1\r\nHost: a\r\n"

static const struct err_case errs[] = {
	{ "GET /\r\n\r\n", 0, OG_HTTP_ERR_BAD_REQUEST_LINE, 400 },
	{ " GET / HTTP/1.1\r\n\r\n", 0, OG_HTTP_ERR_BAD_REQUEST_LINE, 400 },
	{ "GET  / HTTP/1.1\r\n\r\n", 0, OG_HTTP_ERR_BAD_REQUEST_LINE, 400 },
	{ "GET /  HTTP/1.1\r\n\r\n", 0, OG_HTTP_ERR_BAD_REQUEST_LINE, 400 },
	{ "GET\t/ HTTP/1.1\r\n\r\n", 0, OG_HTTP_ERR_BAD_REQUEST_LINE, 400 },
	{ "GET / HTTP/1.1\rHost: a\r\n\r\n", 0, OG_HTTP_ERR_BAD_REQUEST_LINE, 400 },
	{ "GET / http/1.1\r\n\r\n", 0, OG_HTTP_ERR_BAD_REQUEST_LINE, 400 },
	{ "\r\r\nGET / HTTP/1.1\r\n\r\n", 0, OG_HTTP_ERR_BAD_REQUEST_LINE, 400 },
	{ "GE(T /" H11 "\r\n", 0, OG_HTTP_ERR_BAD_METHOD, 400 },
	{ "G\"ET /" H11 "\r\n", 0, OG_HTTP_ERR_BAD_METHOD, 400 },
	{ "GET *" H11 "\r\n", 0, OG_HTTP_ERR_BAD_TARGET, 400 },
	{ "OPTIONS *x" H11 "\r\n", 0, OG_HTTP_ERR_BAD_TARGET, 400 },
	{ "GET /a#b" H11 "\r\n", 0, OG_HTTP_ERR_BAD_TARGET, 400 },
	{ "GET x" H11 "\r\n", 0, OG_HTTP_ERR_BAD_TARGET, 400 },
	{ "GET ftp:/x" H11 "\r\n", 0, OG_HTTP_ERR_BAD_TARGET, 400 },
	{ "GET /\x7f" H11 "\r\n", 0, OG_HTTP_ERR_BAD_TARGET, 400 },
	{ "GET /\xc3\xa9" H11 "\r\n", 0, OG_HTTP_ERR_BAD_TARGET, 400 },
	{ "CONNECT /x" H11 "\r\n", 0, OG_HTTP_ERR_BAD_TARGET, 400 },
	{ "GET / HTTP/1.2\r\nHost: a\r\n\r\n", 0, OG_HTTP_ERR_BAD_VERSION, 505 },
	{ "GET / HTTP/2.0\r\n\r\n", 0, OG_HTTP_ERR_BAD_VERSION, 505 },
	{ "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 0, OG_HTTP_ERR_BAD_VERSION, 505 },
	{ "GET / HTTP/1.1 \r\n\r\n", 0, OG_HTTP_ERR_BAD_VERSION, 505 },
	{ "GET / HTTP/11\r\n\r\n", 0, OG_HTTP_ERR_BAD_VERSION, 505 },
	{ "GET /" H11 "X: a\r\n b\r\n\r\n", 0, OG_HTTP_ERR_BAD_HEADER, 400 },
	{ "GET / HTTP/1.1\r\n Host: a\r\n\r\n", 0, OG_HTTP_ERR_BAD_HEADER, 400 },
	{ "GET / HTTP/1.1\r\nHost : a\r\n\r\n", 0, OG_HTTP_ERR_BAD_HEADER, 400 },
	{ "GET / HTTP/1.1\r\nHost\t: a\r\n\r\n", 0, OG_HTTP_ERR_BAD_HEADER, 400 },
	{ "GET /" H11 "Ho(st: a\r\n\r\n", 0, OG_HTTP_ERR_BAD_HEADER, 400 },
	{ "GET /" H11 ": a\r\n\r\n", 0, OG_HTTP_ERR_BAD_HEADER, 400 },
	{ "GET /" H11 "NoColon\r\n\r\n", 0, OG_HTTP_ERR_BAD_HEADER, 400 },
	{ "GET /" H11 "X: a\x01z\r\n\r\n", 0, OG_HTTP_ERR_BAD_HEADER, 400 },
	{ "GET /" H11 "X: a\x7fz\r\n\r\n", 0, OG_HTTP_ERR_BAD_HEADER, 400 },
	{ "GET /" H11 "X: a\rb\r\n\r\n", 0, OG_HTTP_ERR_BAD_HEADER, 400 },
	{ "GET /" H11 "X: a\0b\r\n\r\n", 35, OG_HTTP_ERR_BAD_HEADER, 400 },
	{ "GET / HTTP/1.1\r\n\r\n", 0, OG_HTTP_ERR_MISSING_HOST, 400 },
	{ "GET / HTTP/1.1\r\nX: a\r\n\n", 0, OG_HTTP_ERR_MISSING_HOST, 400 },
	{ "GET /" H11 "Host: b\r\n\r\n", 0, OG_HTTP_ERR_BAD_HOST, 400 },
	{ "GET / HTTP/1.1\r\nHost: a b\r\n\r\n", 0, OG_HTTP_ERR_BAD_HOST, 400 },
	{ "GET / HTTP/1.1\r\nHost: a/b\r\n\r\n", 0, OG_HTTP_ERR_BAD_HOST, 400 },
	{ "GET / HTTP/1.1\r\nHost: u@h\r\n\r\n", 0, OG_HTTP_ERR_BAD_HOST, 400 },
	{ "GET / HTTP/1.1\r\nHost: a, b\r\n\r\n", 0, OG_HTTP_ERR_BAD_HOST, 400 },
	{ "POST /" H11 "Expect: 200-ok\r\n\r\n", 0, OG_HTTP_ERR_EXPECTATION_FAILED, 417 },
	{ "POST /" H11 "Expect: 100-continue, x\r\n\r\n", 0, OG_HTTP_ERR_EXPECTATION_FAILED, 417 },
	{ "POST /" H11 "Content-Length: -1\r\n\r\n", 0, OG_HTTP_ERR_BAD_CONTENT_LENGTH, 400 },
	{ "POST /" H11 "Content-Length: +5\r\n\r\n", 0, OG_HTTP_ERR_BAD_CONTENT_LENGTH, 400 },
	{ "POST /" H11 "Content-Length: 5a\r\n\r\n", 0, OG_HTTP_ERR_BAD_CONTENT_LENGTH, 400 },
	{ "POST /" H11 "Content-Length:\r\n\r\n", 0, OG_HTTP_ERR_BAD_CONTENT_LENGTH, 400 },
	{ "POST /" H11 "Content-Length: 1,,1\r\n\r\n", 0, OG_HTTP_ERR_BAD_CONTENT_LENGTH, 400 },
	{ "POST /" H11 "Content-Length: 5 5\r\n\r\n", 0, OG_HTTP_ERR_BAD_CONTENT_LENGTH, 400 },
	{ "POST /" H11 "Content-Length: 0x10\r\n\r\n", 0, OG_HTTP_ERR_BAD_CONTENT_LENGTH, 400 },
	{ "POST /" H11 "Content-Length: 18446744073709551616\r\n\r\n", 0,
	  OG_HTTP_ERR_BAD_CONTENT_LENGTH, 400 },
	{ "POST /" H11 "Content-Length: 5, 6\r\n\r\n", 0, OG_HTTP_ERR_CONFLICTING_LENGTH, 400 },
	{ "POST /" H11 "Content-Length: 5\r\nContent-Length: 05\r\nContent-Length: 6\r\n\r\n", 0,
	  OG_HTTP_ERR_CONFLICTING_LENGTH, 400 },
	{ "POST /" H11 "Content-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n", 0,
	  OG_HTTP_ERR_TE_AND_CL, 400 },
	{ "POST /" H11 "Transfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n", 0,
	  OG_HTTP_ERR_TE_AND_CL, 400 },
	{ "POST /" H11 "Transfer-Encoding: chunked, gzip\r\n\r\n", 0, OG_HTTP_ERR_BAD_TE, 400 },
	{ "POST /" H11 "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n", 0,
	  OG_HTTP_ERR_BAD_TE, 400 },
	{ "POST /" H11 "Transfer-Encoding: gzip\r\n\r\n", 0, OG_HTTP_ERR_BAD_TE, 400 },
	{ "POST /" H11 "Transfer-Encoding:\r\n\r\n", 0, OG_HTTP_ERR_BAD_TE, 400 },
	{ "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", 0, OG_HTTP_ERR_BAD_TE, 400 },
	{ "POST /" H11 "Transfer-Encoding: gzip, chunked\r\n\r\n", 0, OG_HTTP_ERR_UNSUPPORTED_TE,
	  501 },
	{ "POST /" H11 "Transfer-Encoding: identity\r\nTransfer-Encoding: chunked\r\n\r\n", 0,
	  OG_HTTP_ERR_UNSUPPORTED_TE, 501 },
#define TE_CHUNKED "POST /" H11 "Transfer-Encoding: chunked\r\n\r\n"
	{ TE_CHUNKED "x\r\n", 0, OG_HTTP_ERR_BAD_CHUNK, 400 },
	{ TE_CHUNKED "\r\n", 0, OG_HTTP_ERR_BAD_CHUNK, 400 },
	{ TE_CHUNKED ";a\r\n", 0, OG_HTTP_ERR_BAD_CHUNK, 400 },
	{ TE_CHUNKED "5\r\nhelloX\r\n", 0, OG_HTTP_ERR_BAD_CHUNK, 400 },
	{ TE_CHUNKED "5\r\nhello\rX", 0, OG_HTTP_ERR_BAD_CHUNK, 400 },
	{ TE_CHUNKED "5\nhello\r\n", 0, OG_HTTP_ERR_BAD_CHUNK, 400 },
	{ TE_CHUNKED "5\r\nhello\n0\r\n\r\n", 0, OG_HTTP_ERR_BAD_CHUNK, 400 },
	{ TE_CHUNKED "5 x\r\n", 0, OG_HTTP_ERR_BAD_CHUNK, 400 },
	{ TE_CHUNKED "5 \r\n", 0, OG_HTTP_ERR_BAD_CHUNK, 400 },
	{ TE_CHUNKED "5;a\x01\r\n", 0, OG_HTTP_ERR_BAD_CHUNK, 400 },
	{ TE_CHUNKED "5;a\n", 0, OG_HTTP_ERR_BAD_CHUNK, 400 },
	{ TE_CHUNKED "000000000000000000000000000000001\r\n", 0, OG_HTTP_ERR_BAD_CHUNK, 400 },
	{ TE_CHUNKED "0\r\nX : y\r\n\r\n", 0, OG_HTTP_ERR_BAD_TRAILER, 400 },
	{ TE_CHUNKED "0\r\n y\r\n\r\n", 0, OG_HTTP_ERR_BAD_TRAILER, 400 },
	{ TE_CHUNKED "0\r\nX: a\x01\r\n\r\n", 0, OG_HTTP_ERR_BAD_TRAILER, 400 },
	{ TE_CHUNKED "0\r\nX: a\r\r\n", 0, OG_HTTP_ERR_BAD_TRAILER, 400 },
	{ TE_CHUNKED "0\r\n\n", 0, OG_HTTP_ERR_BAD_TRAILER, 400 },
	{ TE_CHUNKED "0\r\n\rX", 0, OG_HTTP_ERR_BAD_TRAILER, 400 },
	{ TE_CHUNKED "4000001\r\n", 0, OG_HTTP_ERR_BODY_TOO_LARGE, 413 },
	{ TE_CHUNKED "ffffffffffffffffffffffff\r\n", 0, OG_HTTP_ERR_BODY_TOO_LARGE, 413 },
	{ "POST /" H11 "Content-Length: 67108865\r\n\r\n", 0, OG_HTTP_ERR_BODY_TOO_LARGE, 413 },
};

static void
expect_err(struct og_http_parser *p, const char *raw, size_t len, enum og_http_err err, int status,
	   const char *name)
{
	parse_whole(p, raw, len, &whole);
	CU_ASSERT_EQUAL(whole.err, (int)err);
	CU_ASSERT_FALSE(whole.bad_api);
	CU_ASSERT_EQUAL(og_http_err_status(err), status);
	if ((enum og_http_err)whole.err != err)
		fprintf(stderr, "\n%s: got %s, want %s\n", name, og_http_err_name(whole.err),
			og_http_err_name(err));
	else
		err_seen[err] = true;
	check_splits(p, raw, len, name);
}

static void
test_errors(void)
{
	for (size_t i = 0; i < OG_ARRAY_SIZE(errs); i++) {
		const struct err_case *c = &errs[i];
		char name[48];

		snprintf(name, sizeof(name), "error row %zu", i);
		expect_err(&parser, c->raw, c->len ? c->len : strlen(c->raw), c->err, c->status,
			   name);
	}
}

/* events before the error are reported; the error is sticky until reset */
static void
test_error_after_events(void)
{
	static const char raw[] = TE_CHUNKED "3\r\nabc\r\nZ\r\n";

	parse_whole(&parser, raw, strlen(raw), &whole);
	CU_ASSERT_EQUAL(whole.err, OG_HTTP_ERR_BAD_CHUNK);
	CU_ASSERT_STRING_EQUAL(whole.evs, "HB");
	CU_ASSERT_EQUAL(whole.m[0].body_len, 3);
	CU_ASSERT_EQUAL(og_http_parser_error(&parser), OG_HTTP_ERR_BAD_CHUNK);
	og_http_parser_reset(&parser);
	CU_ASSERT_EQUAL(og_http_parser_error(&parser), OG_HTTP_ERR_NONE);
	parse_whole(&parser, valid[0].raw, strlen(valid[0].raw), &whole);
	CU_ASSERT_EQUAL(whole.err, 0);
	CU_ASSERT_STRING_EQUAL(whole.evs, "HBE");
}

/* ---- limits -------------------------------------------------------------- */

/* "GET / HTTP/1.1\r\nHost: a\r\nX: ppp...\r\n\r\n" of exactly @p total bytes */
static char *
head_of_size(size_t total, size_t *len)
{
	static const char pre[] = "GET / HTTP/1.1\r\nHost: a\r\nX: ";
	size_t fixed = strlen(pre) + 4;
	char *s = malloc(total + 1);

	memcpy(s, pre, strlen(pre));
	memset(s + strlen(pre), 'p', total - fixed);
	memcpy(s + total - 4, "\r\n\r\n", 4);
	s[total] = '\0';
	*len = total;
	return s;
}

static void
test_limit_header_bytes(void)
{
	struct og_http_limits l;
	struct og_http_parser p;
	static uint8_t mem[8192];
	size_t len;
	char *s, *lead;

	og_http_limits_default(&l);
	l.max_header_bytes = 200;
	CU_ASSERT_EQUAL_FATAL(og_http_parser_init(&p, &l, mem, sizeof(mem)), 0);
	s = head_of_size(200, &len);
	parse_whole(&p, s, len, &whole);
	CU_ASSERT_EQUAL(whole.err, 0);
	CU_ASSERT_STRING_EQUAL(whole.evs, "HE");
	check_splits(&p, s, len, "header bytes at the limit");
	/* leading empty lines are not part of the head */
	lead = malloc(len + 301);
	for (int i = 0; i < 100; i++)
		memcpy(lead + 3 * i, "\r\n\n", 3);
	memcpy(lead + 300, s, len + 1);
	parse_whole(&p, lead, len + 300, &whole);
	CU_ASSERT_EQUAL(whole.err, 0);
	CU_ASSERT_STRING_EQUAL(whole.evs, "HE");
	free(lead);
	free(s);

	s = head_of_size(201, &len);
	expect_err(&p, s, len, OG_HTTP_ERR_HEADER_TOO_LARGE, 431, "header bytes over the limit");
	free(s);

	/* a request line that does not end within the limit is 414 */
	s = malloc(400);
	memcpy(s, "GET /", 5);
	memset(s + 5, 'a', 190);
	memcpy(s + 195, " HTTP/1.1\r\nHost: a\r\n\r\n", 23);
	expect_err(&p, s, 218, OG_HTTP_ERR_URI_TOO_LONG, 414, "uri too long");
	free(s);
	og_http_parser_fini(&p); /* caller memory: nothing to free */
}

static void
test_limit_headers(void)
{
	char *s = malloc(4096);
	size_t n;

	for (uint32_t count = 64; count <= 65; count++) {
		n = (size_t)sprintf(s, "GET / HTTP/1.1\r\nHost: a\r\n");
		for (uint32_t i = 1; i < count; i++)
			n += (size_t)sprintf(s + n, "X%u: v\r\n", i);
		n += (size_t)sprintf(s + n, "\r\n");
		if (count == 64) {
			parse_whole(&parser, s, n, &whole);
			CU_ASSERT_EQUAL(whole.err, 0);
			CU_ASSERT_EQUAL(whole.m[0].n_hdrs, 64);
		} else {
			expect_err(&parser, s, n, OG_HTTP_ERR_TOO_MANY_HEADERS, 431,
				   "too many headers");
		}
	}
	free(s);
}

static void
test_limit_body(void)
{
	struct og_http_limits l;
	struct og_http_parser p;
	char raw[512];
	char body[101];
	int n;

	og_http_limits_default(&l);
	l.max_body = 100;
	CU_ASSERT_EQUAL_FATAL(og_http_parser_init(&p, &l, NULL, 0), 0);
	memset(body, 'b', sizeof(body));

	n = snprintf(raw, sizeof(raw), "POST /" H11 "Content-Length: 100\r\n\r\n%.100s", body);
	parse_whole(&p, raw, (size_t)n, &whole);
	CU_ASSERT_EQUAL(whole.err, 0);
	CU_ASSERT_EQUAL(whole.m[0].body_len, 100);

	/* over the limit: refused at HEAD time, the head is still readable */
	n = snprintf(raw, sizeof(raw), "POST /v1/traces" H11 "Content-Length: 101\r\n\r\n");
	parse_whole(&p, raw, (size_t)n, &whole);
	CU_ASSERT_EQUAL(whole.err, OG_HTTP_ERR_BODY_TOO_LARGE);
	CU_ASSERT_STRING_EQUAL(whole.evs, "");
	CU_ASSERT_EQUAL(og_http_req_get(&p)->content_length, 101);
	CU_ASSERT_EQUAL(og_http_req_get(&p)->path_len, 10);
	CU_ASSERT_EQUAL(og_http_err_status(OG_HTTP_ERR_BODY_TOO_LARGE), 413);

	/* chunked: sum at the limit passes, one more byte fails on that digit */
	n = snprintf(raw, sizeof(raw), TE_CHUNKED "3c\r\n%.60s\r\n28\r\n%.40s\r\n0\r\n\r\n", body,
		     body);
	parse_whole(&p, raw, (size_t)n, &whole);
	CU_ASSERT_EQUAL(whole.err, 0);
	CU_ASSERT_EQUAL(whole.m[0].body_len, 100);
	check_splits(&p, raw, (size_t)n, "chunked at the limit");
	n = snprintf(raw, sizeof(raw), TE_CHUNKED "3c\r\n%.60s\r\n29\r\n%.41s\r\n0\r\n\r\n", body,
		     body);
	expect_err(&p, raw, (size_t)n, OG_HTTP_ERR_BODY_TOO_LARGE, 413, "chunked over the limit");
	CU_ASSERT_STRING_EQUAL(whole.evs, "HB");
	CU_ASSERT_EQUAL(whole.m[0].body_len, 60);
	og_http_parser_fini(&p);

	/* huge sizes with no body limit: 2^64-1 parses, 2^64 overflows */
	l.max_body = UINT64_MAX;
	CU_ASSERT_EQUAL_FATAL(og_http_parser_init(&p, &l, NULL, 0), 0);
	n = snprintf(raw, sizeof(raw), TE_CHUNKED "ffffffffffffffff\r\nabc");
	parse_whole(&p, raw, (size_t)n, &whole);
	CU_ASSERT_EQUAL(whole.err, 0);
	CU_ASSERT_EQUAL(whole.m[0].body_len, 3);
	n = snprintf(raw, sizeof(raw), TE_CHUNKED "10000000000000000\r\n");
	expect_err(&p, raw, (size_t)n, OG_HTTP_ERR_BAD_CHUNK, 400, "chunk size overflow");
	n = snprintf(raw, sizeof(raw), "POST /" H11 "Content-Length: 18446744073709551615\r\n\r\n");
	parse_whole(&p, raw, (size_t)n, &whole);
	CU_ASSERT_EQUAL(whole.err, 0);
	CU_ASSERT_EQUAL(whole.m[0].cl, UINT64_MAX);
	og_http_parser_fini(&p);
}

static void
test_limit_chunk_ext_and_trailer(void)
{
	struct og_http_limits l;
	struct og_http_parser p;
	char *raw = malloc(4096);
	size_t n;

	/* extension bytes (from ';' to CR) at OG_HTTP_MAX_CHUNK_EXT pass, +1 fails */
	for (int extra = 0; extra <= 1; extra++) {
		n = (size_t)sprintf(raw, TE_CHUNKED "1;");
		memset(raw + n, 'e', OG_HTTP_MAX_CHUNK_EXT - 1 + (size_t)extra);
		n += OG_HTTP_MAX_CHUNK_EXT - 1 + (size_t)extra;
		n += (size_t)sprintf(raw + n, "\r\nZ\r\n0\r\n\r\n");
		if (extra == 0) {
			parse_whole(&parser, raw, n, &whole);
			CU_ASSERT_EQUAL(whole.err, 0);
			CU_ASSERT_STRING_EQUAL(whole.evs, "HBE");
		} else {
			expect_err(&parser, raw, n, OG_HTTP_ERR_CHUNK_EXT_TOO_LONG, 400,
				   "chunk ext too long");
		}
	}
	/* trailer section (field lines and the final CRLF) at the limit passes */
	og_http_limits_default(&l);
	l.max_trailer_bytes = 20;
	CU_ASSERT_EQUAL_FATAL(og_http_parser_init(&p, &l, NULL, 0), 0);
	n = (size_t)sprintf(raw, TE_CHUNKED "0\r\nX: 0123456789abc\r\n\r\n");
	parse_whole(&p, raw, n, &whole);
	CU_ASSERT_EQUAL(whole.err, 0);
	CU_ASSERT_STRING_EQUAL(whole.evs, "HE");
	n = (size_t)sprintf(raw, TE_CHUNKED "0\r\nX: 0123456789abcd\r\n\r\n");
	expect_err(&p, raw, n, OG_HTTP_ERR_TRAILER_TOO_LARGE, 431, "trailer too large");
	og_http_parser_fini(&p);
	free(raw);
}

/* runs last: every row of http_error.def was produced by some request */
static void
test_every_error_row(void)
{
	for (int e = 1; e < OG_HTTP_ERR_MAX; e++) {
		CU_ASSERT_TRUE(err_seen[e]);
		if (!err_seen[e])
			fprintf(stderr, "\nerror %s never triggered\n", og_http_err_name(e));
	}
}

/* ---- API details --------------------------------------------------------- */

static void
test_init_and_names(void)
{
	struct og_http_limits l;
	struct og_http_parser p;
	uint8_t small[64];

	og_http_limits_default(&l);
	CU_ASSERT_EQUAL(l.max_header_bytes, 16384);
	CU_ASSERT_EQUAL(l.max_headers, 64);
	CU_ASSERT_EQUAL(l.max_body, 64ull << 20);
	CU_ASSERT_EQUAL(og_http_parser_mem_size(NULL), 16384 + 64 * sizeof(struct og_http_hdr));
	CU_ASSERT_EQUAL(og_http_parser_init(&p, NULL, small, sizeof(small)), -ENOMEM);
	l.max_header_bytes = 70000;
	CU_ASSERT_EQUAL(og_http_parser_init(&p, &l, NULL, 0), -EINVAL);

	for (int e = 0; e < OG_HTTP_ERR_MAX; e++) {
		CU_ASSERT_PTR_NOT_NULL(og_http_err_name(e));
		CU_ASSERT(strlen(og_http_err_msg(e)) > 0);
		if (e > 0) {
			int st = og_http_err_status(e);

			/* status 0: response-parser errors, never answered */
			CU_ASSERT(st == 0 || (st >= 400 && st <= 599));
			CU_ASSERT(st == 0 || strlen(og_http_reason(st)) > 0);
			CU_ASSERT((st == 0) ==
				  (e == OG_HTTP_ERR_BAD_STATUS_LINE || e == OG_HTTP_ERR_TRUNCATED));
		}
		for (int f = 0; f < e; f++)
			CU_ASSERT(strcmp(og_http_err_name(e), og_http_err_name(f)) != 0);
	}
	CU_ASSERT_STRING_EQUAL(og_http_err_name(OG_HTTP_ERR_TE_AND_CL), "te_and_cl");
	CU_ASSERT_STRING_EQUAL(og_http_err_name(OG_HTTP_ERR_MAX), "unknown");
	CU_ASSERT_STRING_EQUAL(og_http_method_name(OG_HTTP_M_OPTIONS), "OPTIONS");
}

/* zero-length calls: AGAIN with nothing used, or the pending END */
static void
test_empty_calls(void)
{
	static const char raw[] = "GET / HTTP/1.1\r\nHost: a\r\n\r\n";
	struct og_http_ev ev;
	uint32_t used;

	og_http_parser_reset(&parser);
	CU_ASSERT_EQUAL(og_http_parse(&parser, (const uint8_t *)raw, 0, &used, &ev), OG_AGAIN);
	CU_ASSERT_EQUAL(used, 0);
	CU_ASSERT_EQUAL(og_http_parse(&parser, (const uint8_t *)raw, 10, &used, &ev), OG_AGAIN);
	CU_ASSERT_EQUAL(used, 10);
	CU_ASSERT_EQUAL(
		og_http_parse(&parser, (const uint8_t *)raw + 10, sizeof(raw) - 11, &used, &ev),
		OG_OK);
	CU_ASSERT_EQUAL(ev.type, OG_HTTP_EV_HEAD);
	CU_ASSERT_EQUAL(used, sizeof(raw) - 11);
	CU_ASSERT_EQUAL(og_http_parse(&parser, NULL, 0, &used, &ev), OG_OK);
	CU_ASSERT_EQUAL(ev.type, OG_HTTP_EV_END);
	CU_ASSERT_EQUAL(used, 0);
	CU_ASSERT_EQUAL(og_http_parse(&parser, NULL, 0, &used, &ev), OG_AGAIN);
}

/* ---- writer -------------------------------------------------------------- */

static void
expect_head(const struct og_http_resp *r, const char *want)
{
	uint8_t mem[512];
	struct og_wbuf b;

	og_wbuf_init_fixed(&b, mem, sizeof(mem));
	CU_ASSERT_EQUAL(og_http_resp_head(&b, r), 0);
	CU_ASSERT_EQUAL(b.len, strlen(want));
	CU_ASSERT(b.len == strlen(want) && memcmp(mem, want, b.len) == 0);
	if (b.len != strlen(want) || memcmp(mem, want, b.len) != 0)
		fprintf(stderr, "\ngot:\n%.*s\nwant:\n%s\n", (int)b.len, mem, want);
}

static void
test_writer(void)
{
	struct og_http_resp r = { .status = 200,
				  .content_type = "application/x-protobuf",
				  .content_length = 0 };
	char date[32];
	uint8_t mem[40];
	struct og_wbuf b;

	expect_head(&r, "HTTP/1.1 200 OK\r\nContent-Type: application/x-protobuf\r\n"
			"Content-Length: 0\r\n\r\n");
	CU_ASSERT_EQUAL(og_http_date_fmt(date, 784111777), 29);
	CU_ASSERT_STRING_EQUAL(date, "Sun, 06 Nov 1994 08:49:37 GMT");
	r = (struct og_http_resp){ .status = 429,
				   .content_type = "application/json",
				   .content_length = 1234567890123ull,
				   .close = true,
				   .retry_after_s = 5,
				   .date = date,
				   .extra = "X-A: b\r\n" };
	expect_head(&r, "HTTP/1.1 429 Too Many Requests\r\nDate: Sun, 06 Nov 1994 08:49:37 GMT\r\n"
			"Content-Type: application/json\r\nContent-Length: 1234567890123\r\n"
			"Connection: close\r\nRetry-After: 5\r\nX-A: b\r\n\r\n");
	r = (struct og_http_resp){ .status = 405, .allow = "POST" };
	expect_head(&r,
		    "HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\nAllow: POST\r\n\r\n");
	r = (struct og_http_resp){ .status = 204, .content_length = 9 };
	expect_head(&r, "HTTP/1.1 204 No Content\r\n\r\n");
	r = (struct og_http_resp){ .status = 413, .close = true };
	expect_head(&r, "HTTP/1.1 413 Content Too Large\r\nContent-Length: 0\r\n"
			"Connection: close\r\n\r\n");
	r = (struct og_http_resp){ .status = 599 };
	expect_head(&r, "HTTP/1.1 599 \r\nContent-Length: 0\r\n\r\n");

	/* too small: nothing written, -ENOSPC */
	og_wbuf_init_fixed(&b, mem, sizeof(mem));
	og_wbuf_puts(&b, "xy");
	r = (struct og_http_resp){ .status = 503, .retry_after_s = 30 };
	CU_ASSERT_EQUAL(og_http_resp_head(&b, &r), -ENOSPC);
	CU_ASSERT_EQUAL(b.len, 2);
	CU_ASSERT_TRUE(b.overflow);
	r.status = 42;
	CU_ASSERT_EQUAL(og_http_resp_head(&b, &r), -EINVAL);

	CU_ASSERT_STRING_EQUAL(og_http_100_continue, "HTTP/1.1 100 Continue\r\n\r\n");
	CU_ASSERT_EQUAL(strlen(og_http_100_continue), OG_HTTP_100_CONTINUE_LEN);
	CU_ASSERT_STRING_EQUAL(og_http_reason(413), "Content Too Large");
	CU_ASSERT_STRING_EQUAL(og_http_reason(431), "Request Header Fields Too Large");
	CU_ASSERT_STRING_EQUAL(og_http_reason(999), "");
	og_http_date_fmt(date, 0);
	CU_ASSERT_STRING_EQUAL(date, "Thu, 01 Jan 1970 00:00:00 GMT");
	og_http_date_fmt(date, 951782400);
	CU_ASSERT_STRING_EQUAL(date, "Tue, 29 Feb 2000 00:00:00 GMT");
	og_http_date_fmt(date, 4102444799ull);
	CU_ASSERT_STRING_EQUAL(date, "Thu, 31 Dec 2099 23:59:59 GMT");
	og_http_date_fmt(date, 1700000000);
	CU_ASSERT_STRING_EQUAL(date, "Tue, 14 Nov 2023 22:13:20 GMT");
}

/* ---- response parser (client side) ---------------------------------------- */

struct resp_case {
	const char *name;
	const char *raw;
	bool head_request;
	uint64_t now_s;
	int err;
	const char *evs;
	int status;
	const char *body;
	bool keep_alive;
	bool until_close;
	int retry_after; /* -1: none */
	uint32_t n_interim;
};

static const struct resp_case resps[] = {
	{ "200 with length",
	  "HTTP/1.1 200 OK\r\nContent-Type: application/x-protobuf\r\n"
	  "Content-Length: 5\r\n\r\nhello",
	  false, 0, 0, "HBE", 200, "hello", true, false, -1, 0 },
	{ "interim responses skipped",
	  "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 102 Processing\r\nX: y\r\n\r\n"
	  "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
	  false, 0, 0, "HE", 200, "", true, false, -1, 2 },
	{ "503 chunked, Retry-After seconds",
	  "HTTP/1.1 503 Service Unavailable\r\nRetry-After: 120\r\nTransfer-Encoding: chunked\r\n"
	  "\r\n4;x\r\nbusy\r\n0\r\nT: 1\r\n\r\n",
	  false, 0, 0, "HBE", 503, "busy", true, false, 120, 0 },
	{ "429 Retry-After date",
	  "HTTP/1.1 429 Too Many Requests\r\n"
	  "Retry-After: Sun, 06 Nov 1994 08:49:37 GMT\r\nContent-Length: 0\r\n\r\n",
	  false, 784111777 - 30, 0, "HE", 429, "", true, false, 30, 0 },
	{ "Retry-After date in the past",
	  "HTTP/1.1 503 x\r\n"
	  "Retry-After: Sun, 06 Nov 1994 08:49:37 GMT\r\nContent-Length: 0\r\n\r\n",
	  false, 784111777 + 30, 0, "HE", 503, "", true, false, 0, 0 },
	{ "Retry-After rfc850-date",
	  "HTTP/1.1 503 x\r\n"
	  "Retry-After: Sunday, 06-Nov-94 08:49:37 GMT\r\nContent-Length: 0\r\n\r\n",
	  false, 784111777 - 7, 0, "HE", 503, "", true, false, 7, 0 },
	{ "Retry-After asctime-date",
	  "HTTP/1.1 503 x\r\n"
	  "Retry-After: Sun Nov  6 08:49:37 1994\r\nContent-Length: 0\r\n\r\n",
	  false, 784111777 - 3600, 0, "HE", 503, "", true, false, 3600, 0 },
	{ "Retry-After bad month: ignored",
	  "HTTP/1.1 503 x\r\n"
	  "Retry-After: Sun, 06 Nox 1994 08:49:37 GMT\r\nContent-Length: 0\r\n\r\n",
	  false, 0, 0, "HE", 503, "", true, false, -1, 0 },
	{ "Retry-After invalid: ignored",
	  "HTTP/1.1 503 x\r\nRetry-After: soon\r\n"
	  "Content-Length: 0\r\n\r\n",
	  false, 0, 0, "HE", 503, "", true, false, -1, 0 },
	{ "until close", "HTTP/1.0 200 OK\r\n\r\nabcdef", false, 0, 0, "HBE", 200, "abcdef", false,
	  true, -1, 0 },
	{ "no body for 204 and 304, bare LF, no reason",
	  "HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\nHTTP/1.1 304\n\n", false, 0, 0,
	  "HEHE", 304, "", true, false, -1, 0 },
	{ "no body after HEAD", "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n", true, 0, 0, "HE",
	  200, "", true, false, -1, 0 },
	{ "TE overrides CL, no reuse",
	  "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n"
	  "Transfer-Encoding: chunked\r\n\r\n1\r\nz\r\n0\r\n\r\n",
	  false, 0, 0, "HBE", 200, "z", false, false, -1, 0 },
	{ "chunked not final: until close",
	  "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, br\r\n"
	  "Connection: keep-alive\r\n\r\n1\r\nz",
	  false, 0, 0, "HBE", 200, "1\r\nz", false, true, -1, 0 },
	{ "Connection: close", "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 1\r\n\r\n!",
	  false, 0, 0, "HBE", 200, "!", false, false, -1, 0 },
	{ "bad status code", "HTTP/1.1 2000 OK\r\n\r\n", false, 0, OG_HTTP_ERR_BAD_STATUS_LINE, "",
	  0, "", false, false, -1, 0 },
	{ "status below 100", "HTTP/1.1 099 x\r\n\r\n", false, 0, OG_HTTP_ERR_BAD_STATUS_LINE, "",
	  0, "", false, false, -1, 0 },
	{ "not HTTP", "ICY 200 OK\r\n\r\n", false, 0, OG_HTTP_ERR_BAD_STATUS_LINE, "", 0, "", false,
	  false, -1, 0 },
	{ "reason with a control", "HTTP/1.1 200 O\x01K\r\n\r\n", false, 0,
	  OG_HTTP_ERR_BAD_STATUS_LINE, "", 0, "", false, false, -1, 0 },
	{ "HTTP/2 status", "HTTP/2 200\r\n\r\n", false, 0, OG_HTTP_ERR_BAD_VERSION, "", 0, "",
	  false, false, -1, 0 },
	{ "gzip then chunked", "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", false,
	  0, OG_HTTP_ERR_UNSUPPORTED_TE, "", 0, "", false, false, -1, 0 },
	{ "cut inside the body", "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", false, 0,
	  OG_HTTP_ERR_TRUNCATED, "HB", 200, "abc", true, false, -1, 0 },
	{ "cut inside the head", "HTTP/1.1 200 OK\r\nContent-Le", false, 0, OG_HTTP_ERR_TRUNCATED,
	  "", 0, "", false, false, -1, 0 },
	{ "cut inside a chunk", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab",
	  false, 0, OG_HTTP_ERR_TRUNCATED, "HB", 200, "ab", true, false, -1, 0 },
};

static void
test_responses(void)
{
	for (size_t i = 0; i < OG_ARRAY_SIZE(resps); i++) {
		const struct resp_case *c = &resps[i];
		const struct msg_rec *m;

		og_http_resp_parser_reset(&rparser);
		og_http_resp_expect(&rparser, c->head_request, c->now_s);
		parse_whole(&rparser.p, c->raw, strlen(c->raw), &whole);
		if (whole.err != c->err || strcmp(whole.evs, c->evs) != 0)
			fprintf(stderr, "\n%s: err %s evs %s\n", c->name,
				og_http_err_name(whole.err), whole.evs);
		CU_ASSERT_EQUAL(whole.err, c->err);
		CU_ASSERT_FALSE(whole.bad_api);
		CU_ASSERT_STRING_EQUAL(whole.evs, c->evs);
		if (c->err != 0)
			err_seen[c->err] = true;
		if (whole.nmsg > 0) {
			m = &whole.m[whole.nmsg - 1];
			CU_ASSERT_EQUAL(m->status, c->status);
			CU_ASSERT_EQUAL(m->body_len, strlen(c->body));
			CU_ASSERT(memcmp(m->body, c->body, strlen(c->body)) == 0);
			CU_ASSERT_EQUAL(m->keep_alive, c->keep_alive);
			CU_ASSERT_EQUAL(m->until_close, c->until_close);
			CU_ASSERT_EQUAL(m->has_retry_after, c->retry_after >= 0);
			if (c->retry_after >= 0)
				CU_ASSERT_EQUAL(m->retry_after_s, (uint32_t)c->retry_after);
			CU_ASSERT_EQUAL(m->n_interim, c->n_interim);
		}
		check_splits(&rparser.p, c->raw, strlen(c->raw), c->name);
	}
	/* reason phrase; clean close between responses */
	og_http_resp_parser_reset(&rparser);
	parse_whole(&rparser.p, resps[0].raw, strlen(resps[0].raw), &whole);
	CU_ASSERT_STRING_EQUAL(whole.m[0].reason, "OK");
	CU_ASSERT_EQUAL(whole.err, 0);
}

static void
test_response_limit(void)
{
	struct og_http_limits l;
	struct og_http_resp_parser rp;
	static const char raw[] = "HTTP/1.1 200 OK\r\n\r\n0123456789";

	og_http_limits_default(&l);
	l.max_body = 10;
	CU_ASSERT_EQUAL_FATAL(og_http_resp_parser_init(&rp, &l, NULL, 0), 0);
	parse_whole(&rp.p, raw, strlen(raw), &whole);
	CU_ASSERT_EQUAL(whole.err, 0);
	CU_ASSERT_STRING_EQUAL(whole.evs, "HBE");
	l.max_body = 9;
	og_http_resp_parser_fini(&rp);
	CU_ASSERT_EQUAL_FATAL(og_http_resp_parser_init(&rp, &l, NULL, 0), 0);
	parse_whole(&rp.p, raw, strlen(raw), &whole);
	CU_ASSERT_EQUAL(whole.err, OG_HTTP_ERR_BODY_TOO_LARGE);
	CU_ASSERT_STRING_EQUAL(whole.evs, "HB");
	CU_ASSERT_EQUAL(whole.m[0].body_len, 9);
	check_splits(&rp.p, raw, strlen(raw), "until-close body over the limit");
	og_http_resp_parser_fini(&rp);
}

static void
test_request_writer(void)
{
	uint8_t mem[256];
	struct og_wbuf b;
	static const char want[] =
		"POST /v1/traces HTTP/1.1\r\nHost: backend:4318\r\n"
		"Content-Type: application/x-protobuf\r\nContent-Encoding: gzip\r\n"
		"Content-Length: 1234\r\nUser-Agent: otlpgate\r\n\r\n";

	og_wbuf_init_fixed(&b, mem, sizeof(mem));
	CU_ASSERT_EQUAL(og_http_req_head(&b, "POST", "/v1/traces", "backend:4318",
					 "application/x-protobuf", "gzip", 1234,
					 "User-Agent: otlpgate\r\n"),
			0);
	CU_ASSERT(b.len == strlen(want) && memcmp(mem, want, b.len) == 0);
	og_wbuf_init_fixed(&b, mem, sizeof(mem));
	CU_ASSERT_EQUAL(og_http_req_head(&b, "GET", "/healthz", "b", NULL, NULL, 0, NULL), 0);
	CU_ASSERT(b.len == 34 && memcmp(mem, "GET /healthz HTTP/1.1\r\nHost: b\r\n\r\n", 34) == 0);
	og_wbuf_init_fixed(&b, mem, sizeof(mem));
	CU_ASSERT_EQUAL(og_http_req_head(&b, "POST", "/", NULL, NULL, NULL, 0, NULL), 0);
	CU_ASSERT(b.len == 38 &&
		  memcmp(mem, "POST / HTTP/1.1\r\nContent-Length: 0\r\n\r\n", 38) == 0);
	og_wbuf_init_fixed(&b, mem, 20);
	CU_ASSERT_EQUAL(og_http_req_head(&b, "POST", "/v1/traces", "h", NULL, NULL, 1, NULL),
			-ENOSPC);
	CU_ASSERT_EQUAL(b.len, 0);
	CU_ASSERT_EQUAL(og_http_req_head(&b, "", "/", NULL, NULL, NULL, 0, NULL), -EINVAL);

	/* what the writer produces, the parser reads back */
	og_wbuf_init_fixed(&b, mem, sizeof(mem));
	og_http_req_head(&b, "POST", "/v1/logs", "gate", "application/json", "gzip", 2, NULL);
	og_wbuf_put(&b, "{}", 2);
	parse_whole(&parser, (const char *)mem, b.len, &whole);
	CU_ASSERT_EQUAL(whole.err, 0);
	CU_ASSERT_EQUAL(whole.m[0].ctype, OG_HTTP_CT_JSON);
	CU_ASSERT_EQUAL(whole.m[0].cenc, OG_HTTP_CE_GZIP);
	CU_ASSERT_EQUAL(whole.m[0].body_len, 2);
}

static CU_TestInfo parser_tests[] = {
	{ "valid requests: whole, every split, byte by byte", test_valid },
	{ "header lookup and raw fields", test_header_lookup },
	{ "error rows: whole, every split, byte by byte", test_errors },
	{ "events before an error; sticky error; reset", test_error_after_events },
	{ "limit: header bytes (431) and request line (414)", test_limit_header_bytes },
	{ "limit: header count", test_limit_headers },
	{ "limit: body (413), chunk size overflow", test_limit_body },
	{ "limit: chunk extensions and trailer section", test_limit_chunk_ext_and_trailer },
	{ "responses: whole, every split, byte by byte", test_responses },
	{ "response body limit (until close)", test_response_limit },
	{ "request heads byte for byte, read back", test_request_writer },
	{ "every error row is triggered", test_every_error_row },
	{ "init, limits, names", test_init_and_names },
	{ "zero-length calls", test_empty_calls },
	CU_TEST_INFO_NULL,
};

static CU_TestInfo writer_tests[] = {
	{ "response heads byte for byte", test_writer },
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{ "http parser", suite_init, suite_fini, NULL, NULL, parser_tests },
	{ "http writer", NULL, NULL, NULL, NULL, writer_tests },
	CU_SUITE_INFO_NULL,
};

int
main(void)
{
	return og_test_main(suites);
}
