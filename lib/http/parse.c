/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Incremental HTTP/1.1 request parser (RFC 9112, RFC 9110).
 *
 * The head (request line and header section) is copied line by line into the
 * parser's buffer and each line is judged as soon as its LF arrives, so the
 * outcome (events and the first error) depends only on the bytes, never on
 * how they were split into segments. Bodies are not copied: BODY events name
 * ranges of the caller's buffer.
 *
 * Rules, in the order they are applied:
 *  - Line ends: CRLF or a bare LF in the head (RFC 9112 2.2 lets a recipient
 *    accept LF); a bare CR anywhere in a line is an error (RFC 9112 2.2).
 *    Empty lines before the request line are skipped (RFC 9112 2.2).
 *  - Size: the head (request line to the empty line, both included) may hold
 *    at most max_header_bytes; a request line that does not end within it is
 *    URI_TOO_LONG (414, RFC 9112 3), a header section HEADER_TOO_LARGE (431,
 *    RFC 6585 5). More than max_headers field lines: TOO_MANY_HEADERS (431).
 *  - Request line (RFC 9112 3): method SP request-target SP HTTP-version,
 *    single SPs. The method is a token (RFC 9110 9.1) else BAD_METHOD; the
 *    version is exactly "HTTP/1.0" or "HTTP/1.1", other "HTTP/..." values are
 *    BAD_VERSION (505, RFC 9110 15.6.6; the HTTP/2 preface "PRI * HTTP/2.0"
 *    included); the target is origin-form, absolute-form (its path is
 *    extracted: RFC 9112 3.2.2 says a server MUST accept it), asterisk-form
 *    for OPTIONS only, or authority-form for CONNECT only (RFC 9112 3.2.3,
 *    3.2.4), else BAD_TARGET.
 *  - Field lines (RFC 9112 5): field-name is a token immediately followed by
 *    ':' (whitespace before the colon MUST be rejected with 400, RFC 9112
 *    5.1); a line starting with whitespace is obs-fold (rejected, RFC 9112
 *    5.2); the value is trimmed of OWS and may hold only VCHAR, obs-text, SP
 *    and HTAB (RFC 9110 5.5).
 *  - Content-Length (RFC 9110 8.6, RFC 9112 6.3): a list of 1*DIGIT whose
 *    members, across every field line, are all equal ("5, 5" is 5) else
 *    CONFLICTING_LENGTH; anything else, or overflow, BAD_CONTENT_LENGTH.
 *  - Transfer-Encoding (RFC 9112 6.1, 6.3): "chunked" must be the final coding
 *    and appear once, else BAD_TE (400, RFC 9112 6.3 rule 4); other codings
 *    before it are UNSUPPORTED_TE (501); in HTTP/1.0 it is faulty framing
 *    (RFC 9112 6.1), BAD_TE. Together with Content-Length: TE_AND_CL (RFC 9112
 *    6.3 rule 3 lets a server reject it; we do, it is a smuggling vector).
 *  - Host (RFC 9112 3.2): required in HTTP/1.1 (MISSING_HOST); more than one,
 *    or a value with whitespace, '/', '?', '#', '@' or ',': BAD_HOST.
 *  - Expect (RFC 9110 10.1.1): 100-continue is reported (ignored in HTTP/1.0,
 *    as the RFC requires); any other expectation is EXPECTATION_FAILED (417).
 *  - Connection (RFC 9112 9.3, 9.6): "close" ends the connection after the
 *    response; HTTP/1.0 persists only with "keep-alive".
 *  - Body (RFC 9112 6.3): chunked, else Content-Length, else none (rule 7:
 *    a request without either has length 0). Content-Length over max_body is
 *    BODY_TOO_LARGE at once, before any body byte; chunk sizes are summed and
 *    BODY_TOO_LARGE fires on the size digit that crosses max_body.
 *  - Chunked (RFC 9112 7.1): hex size (overflow checked, at most 32 digits),
 *    extensions skipped but bounded by OG_HTTP_MAX_CHUNK_EXT, CRLF after the
 *    size line and after the data, last-chunk, trailer section checked as
 *    field lines, bounded by max_trailer_bytes, then ignored (RFC 9110 6.5.1
 *    lets a recipient discard it). Chunk framing lines need CRLF: a bare LF
 *    there is BAD_CHUNK, because lenient chunk line ends are where front ends
 *    and back ends disagree (request smuggling).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "og_http.h"

enum state {
	S_IDLE = 0, /* between messages: the next call starts one */
	S_HEAD,
	S_BODY_CL,
	S_CHUNK_SIZE,
	S_CHUNK_EXT,
	S_CHUNK_SIZE_LF,
	S_CHUNK_DATA,
	S_CHUNK_DATA_CR,
	S_CHUNK_DATA_LF,
	S_TRAILER,
	S_BODY_EOF, /* response body delimited by the end of the connection */
	S_END,
	S_ERROR,
};

/* sub-states of S_TRAILER */
enum {
	TL_START = 0,
	TL_NAME,
	TL_VALUE,
	TL_LF,
	TL_END_LF,
};

/* per-message flags */
#define F_CL	       (1u << 0)
#define F_TE	       (1u << 1)
#define F_TE_CHUNKED   (1u << 2) /* the last transfer coding so far is chunked */
#define F_TE_OTHER     (1u << 3)
#define F_HOST	       (1u << 4)
#define F_CLOSE	       (1u << 5)
#define F_KEEPALIVE    (1u << 6)
#define F_EXPECT       (1u << 7)
#define F_EXPECT_OTHER (1u << 8)
#define F_CE_GZIP      (1u << 9)
#define F_CE_OTHER     (1u << 10)

#define CHUNK_SIZE_MAX_DIGITS 32

/* the response parser around an engine whose is_resp is set */
static inline struct og_http_resp_parser *
resp_of(struct og_http_parser *p)
{
	return (struct og_http_resp_parser *)(void *)p;
}

/* tchar of RFC 9110 5.6.2 */
static const uint8_t tchar[256] = {
	['!'] = 1, ['#'] = 1, ['$'] = 1, ['%'] = 1, ['&'] = 1, ['\''] = 1, ['*'] = 1, ['+'] = 1,
	['-'] = 1, ['.'] = 1, ['^'] = 1, ['_'] = 1, ['`'] = 1, ['|'] = 1,  ['~'] = 1, ['0'] = 1,
	['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1, ['5'] = 1, ['6'] = 1,  ['7'] = 1, ['8'] = 1,
	['9'] = 1, ['A'] = 1, ['B'] = 1, ['C'] = 1, ['D'] = 1, ['E'] = 1,  ['F'] = 1, ['G'] = 1,
	['H'] = 1, ['I'] = 1, ['J'] = 1, ['K'] = 1, ['L'] = 1, ['M'] = 1,  ['N'] = 1, ['O'] = 1,
	['P'] = 1, ['Q'] = 1, ['R'] = 1, ['S'] = 1, ['T'] = 1, ['U'] = 1,  ['V'] = 1, ['W'] = 1,
	['X'] = 1, ['Y'] = 1, ['Z'] = 1, ['a'] = 1, ['b'] = 1, ['c'] = 1,  ['d'] = 1, ['e'] = 1,
	['f'] = 1, ['g'] = 1, ['h'] = 1, ['i'] = 1, ['j'] = 1, ['k'] = 1,  ['l'] = 1, ['m'] = 1,
	['n'] = 1, ['o'] = 1, ['p'] = 1, ['q'] = 1, ['r'] = 1, ['s'] = 1,  ['t'] = 1, ['u'] = 1,
	['v'] = 1, ['w'] = 1, ['x'] = 1, ['y'] = 1, ['z'] = 1,
};

/* field-value octets: VCHAR, obs-text, SP, HTAB (RFC 9110 5.5) */
static inline bool
is_field_char(uint8_t c)
{
	return c == '\t' || (c >= 0x20 && c != 0x7f);
}

static inline bool
is_ows(uint8_t c)
{
	return c == ' ' || c == '\t';
}

static inline uint8_t
lower(uint8_t c)
{
	return (c >= 'A' && c <= 'Z') ? (uint8_t)(c + 32) : c;
}

/* case-insensitive equality of [s, s+n) with the lower-case literal @p lit */
static bool
ieq(const char *s, size_t n, const char *lit)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (lit[i] == '\0' || lower((uint8_t)s[i]) != (uint8_t)lit[i])
			return false;
	return lit[i] == '\0';
}

static inline int
hexval(uint8_t c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = lower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/*
 * Iterate the members of a comma-separated list (RFC 9110 5.6.1): each call
 * gives the next member trimmed of OWS; empty members are given too (callers
 * decide: recipients must tolerate them in most fields).
 */
struct list_it {
	const char *p, *end;
	bool done;
};

static bool
list_next(struct list_it *it, const char **m, size_t *mlen)
{
	const char *s, *e;

	if (it->done)
		return false;
	s = it->p;
	e = memchr(s, ',', (size_t)(it->end - s));
	if (e == NULL) {
		e = it->end;
		it->done = true;
	} else {
		it->p = e + 1;
	}
	while (s < e && is_ows((uint8_t)*s))
		s++;
	while (e > s && is_ows((uint8_t)e[-1]))
		e--;
	*m = s;
	*mlen = (size_t)(e - s);
	return true;
}

static void
list_init(struct list_it *it, const char *v, size_t n)
{
	it->p = v;
	it->end = v + n;
	it->done = false;
}

/* a member's value before its parameters (";..."), trimmed */
static size_t
before_params(const char *m, size_t n)
{
	const char *semi = memchr(m, ';', n);

	if (semi != NULL)
		n = (size_t)(semi - m);
	while (n > 0 && is_ows((uint8_t)m[n - 1]))
		n--;
	return n;
}

/* ---- limits and lifecycle ------------------------------------------------ */

void
og_http_limits_default(struct og_http_limits *l)
{
	l->max_header_bytes = 16384;
	l->max_headers = 64;
	l->max_body = 64ull << 20;
	l->max_trailer_bytes = 0;
}

static void
limits_fill(struct og_http_limits *out, const struct og_http_limits *l)
{
	og_http_limits_default(out);
	if (l == NULL)
		return;
	if (l->max_header_bytes != 0)
		out->max_header_bytes = l->max_header_bytes;
	if (l->max_headers != 0)
		out->max_headers = l->max_headers;
	if (l->max_body != 0)
		out->max_body = l->max_body;
	out->max_trailer_bytes = l->max_trailer_bytes;
}

size_t
og_http_parser_mem_size(const struct og_http_limits *l)
{
	struct og_http_limits f;

	limits_fill(&f, l);
	return (size_t)f.max_headers * sizeof(struct og_http_hdr) + f.max_header_bytes;
}

int
og_http_parser_init(struct og_http_parser *p, const struct og_http_limits *l, void *mem,
		    size_t mem_len)
{
	struct og_http_limits f;
	size_t need;

	memset(p, 0, sizeof(*p));
	limits_fill(&f, l);
	if (f.max_header_bytes > OG_HTTP_MAX_HEADER_BYTES || f.max_header_bytes < 16 ||
	    f.max_headers > 65535)
		return -EINVAL;
	if (f.max_trailer_bytes == 0)
		f.max_trailer_bytes = f.max_header_bytes;
	need = og_http_parser_mem_size(&f);
	if (mem == NULL) {
		mem = malloc(need);
		if (mem == NULL)
			return -ENOMEM;
		p->owned = mem;
	} else if (mem_len < need) {
		return -ENOMEM;
	}
	p->lim = f;
	/* the header array first: it is the block's aligned part */
	p->req.hdrs = mem;
	p->req.buf = (char *)mem + (size_t)f.max_headers * sizeof(struct og_http_hdr);
	og_http_parser_reset(p);
	return 0;
}

void
og_http_parser_fini(struct og_http_parser *p)
{
	free(p->owned);
	p->owned = NULL;
	p->req.hdrs = NULL;
	p->req.buf = NULL;
}

/* forget the previous message; keeps the memory and the limits */
static void
message_start(struct og_http_parser *p)
{
	struct og_http_hdr *hdrs = p->req.hdrs;
	char *buf = p->req.buf;

	memset(&p->req, 0, sizeof(p->req));
	p->req.hdrs = hdrs;
	p->req.buf = buf;
	p->state = S_HEAD;
	p->sub = 0;
	p->in_head = 0;
	p->line_start = 0;
	p->aux = 0;
	p->nfields = 0;
	p->body_left = 0;
	p->body_total = 0;
	p->flags = 0;
	if (p->is_resp) {
		struct og_http_resp_parser *rp = resp_of(p);

		rp->status = 0;
		rp->reason_off = 0;
		rp->reason_len = 0;
		rp->until_close = false;
		rp->has_retry_after = false;
		rp->retry_after_s = 0;
		rp->n_interim = 0;
	}
}

void
og_http_parser_reset(struct og_http_parser *p)
{
	message_start(p);
	p->state = S_IDLE;
	p->err = OG_HTTP_ERR_NONE;
}

const struct og_http_hdr *
og_http_msg_header(const struct og_http_msg *r, const char *name)
{
	size_t n = strlen(name);

	for (uint32_t i = 0; i < r->n_hdrs; i++) {
		const struct og_http_hdr *h = &r->hdrs[i];

		if (h->name_len != n)
			continue;
		for (size_t k = 0;; k++) {
			if (k == n)
				return h;
			if (lower((uint8_t)r->buf[h->name_off + k]) != lower((uint8_t)name[k]))
				break;
		}
	}
	return NULL;
}

/* ---- request line (RFC 9112 3) ------------------------------------------- */

static const struct {
	const char *name;
	uint8_t len;
	enum og_http_method m;
} methods[] = {
	{ "GET", 3, OG_HTTP_M_GET },	   { "HEAD", 4, OG_HTTP_M_HEAD },
	{ "POST", 4, OG_HTTP_M_POST },	   { "PUT", 3, OG_HTTP_M_PUT },
	{ "DELETE", 6, OG_HTTP_M_DELETE }, { "OPTIONS", 7, OG_HTTP_M_OPTIONS },
	{ "PATCH", 5, OG_HTTP_M_PATCH },   { "CONNECT", 7, OG_HTTP_M_CONNECT },
	{ "TRACE", 5, OG_HTTP_M_TRACE },
};

/* the path an absolute-form target without one stands for (RFC 9110 4.2.3) */
static const char root_path[] = "/";

/* origin-form / absolute-form path and query: target chars already checked */
static int
split_path_query(struct og_http_msg *r, uint32_t off, uint32_t end)
{
	const char *b = r->buf;
	const char *q = memchr(b + off, '?', end - off);
	uint32_t pend = q != NULL ? (uint32_t)(q - b) : end;

	if (q != NULL) {
		r->query_off = (uint16_t)(pend + 1);
		r->query_len = (uint16_t)(end - pend - 1);
	}
	if (pend == off) {
		r->path = root_path;
		r->path_len = 1;
	} else {
		r->path = b + off;
		r->path_len = (uint16_t)(pend - off);
	}
	return 0;
}

static int
parse_target(struct og_http_msg *r, uint32_t off, uint32_t end)
{
	const char *b = r->buf;
	uint32_t i;

	for (i = off; i < end; i++) {
		uint8_t c = (uint8_t)b[i];

		/* request-target is URI syntax: visible ASCII, no fragment (RFC 9112 3.2) */
		if (c <= 0x20 || c >= 0x7f || c == '#')
			return -OG_HTTP_ERR_BAD_TARGET;
	}
	r->target_off = (uint16_t)off;
	r->target_len = (uint16_t)(end - off);
	if (r->method == OG_HTTP_M_CONNECT) {
		/* authority-form only (RFC 9112 3.2.3): host:port */
		if (b[off] == '/' || b[off] == '*' || memchr(b + off, '/', end - off) != NULL ||
		    memchr(b + off, ':', end - off) == NULL)
			return -OG_HTTP_ERR_BAD_TARGET;
		r->path = b + off;
		r->path_len = (uint16_t)(end - off);
		return 0;
	}
	if (b[off] == '/')
		return split_path_query(r, off, end); /* origin-form (RFC 9112 3.2.1) */
	if (b[off] == '*') {
		/* asterisk-form, OPTIONS only (RFC 9112 3.2.4) */
		if (end - off != 1 || r->method != OG_HTTP_M_OPTIONS)
			return -OG_HTTP_ERR_BAD_TARGET;
		r->path = b + off;
		r->path_len = 1;
		return 0;
	}
	/* absolute-form (RFC 9112 3.2.2): scheme "://" authority [path] [?query] */
	if (!((b[off] | 0x20) >= 'a' && (b[off] | 0x20) <= 'z'))
		return -OG_HTTP_ERR_BAD_TARGET;
	for (i = off + 1; i < end; i++) {
		uint8_t c = (uint8_t)b[i];

		if (!(((c | 0x20) >= 'a' && (c | 0x20) <= 'z') || (c >= '0' && c <= '9') ||
		      c == '+' || c == '-' || c == '.'))
			break;
	}
	if (end - i < 3 || memcmp(b + i, "://", 3) != 0)
		return -OG_HTTP_ERR_BAD_TARGET;
	i += 3;
	while (i < end && b[i] != '/' && b[i] != '?')
		i++;
	return split_path_query(r, i, end);
}

static int
request_line(struct og_http_parser *p, uint32_t s, uint32_t e)
{
	struct og_http_msg *r = &p->req;
	const char *b = r->buf;
	const char *sp2;
	uint32_t i = s, t, v;
	int rc;

	while (i < e && tchar[(uint8_t)b[i]])
		i++;
	if (i == s)
		return -OG_HTTP_ERR_BAD_REQUEST_LINE;
	if (i == e || b[i] != ' ') {
		/* whitespace other than SP is a framing error, other octets a bad token */
		if (i == e || b[i] == '\t' || b[i] == '\v' || b[i] == '\f')
			return -OG_HTTP_ERR_BAD_REQUEST_LINE;
		return -OG_HTTP_ERR_BAD_METHOD;
	}
	r->method_str = b + s;
	r->method_len = (uint16_t)(i - s);
	r->method = OG_HTTP_M_OTHER;
	/* methods are case-sensitive (RFC 9110 9.1) */
	for (size_t k = 0; k < OG_ARRAY_SIZE(methods); k++)
		if (methods[k].len == i - s && memcmp(methods[k].name, b + s, i - s) == 0)
			r->method = methods[k].m;
	t = i + 1;
	sp2 = memchr(b + t, ' ', e - t);
	if (sp2 == NULL || (uint32_t)(sp2 - b) == t)
		return -OG_HTTP_ERR_BAD_REQUEST_LINE; /* no version, or two SPs */
	v = (uint32_t)(sp2 - b) + 1;
	/* HTTP-version = "HTTP/" DIGIT "." DIGIT, case-sensitive (RFC 9112 2.3) */
	if (e - v < 5 || memcmp(b + v, "HTTP/", 5) != 0)
		return -OG_HTTP_ERR_BAD_REQUEST_LINE;
	if (e - v != 8 || (memcmp(b + v, "HTTP/1.1", 8) != 0 && memcmp(b + v, "HTTP/1.0", 8) != 0))
		return -OG_HTTP_ERR_BAD_VERSION;
	r->version_minor = (uint8_t)(b[v + 7] - '0');
	rc = parse_target(r, t, v - 1);
	return rc;
}

/* ---- status line (RFC 9112 4) -------------------------------------------- */

static int
status_line(struct og_http_parser *p, uint32_t s, uint32_t e)
{
	struct og_http_resp_parser *rp = resp_of(p);
	const char *b = p->req.buf;
	uint32_t n = e - s, st = 0;

	/* status-line = HTTP-version SP status-code SP [ reason-phrase ] */
	if (n < 5 || memcmp(b + s, "HTTP/", 5) != 0)
		return -OG_HTTP_ERR_BAD_STATUS_LINE;
	if (n < 8 || (memcmp(b + s, "HTTP/1.1", 8) != 0 && memcmp(b + s, "HTTP/1.0", 8) != 0) ||
	    (n > 8 && b[s + 8] != ' '))
		return -OG_HTTP_ERR_BAD_VERSION;
	p->req.version_minor = (uint8_t)(b[s + 7] - '0');
	if (n < 12)
		return -OG_HTTP_ERR_BAD_STATUS_LINE;
	for (uint32_t i = s + 9; i < s + 12; i++) {
		if (b[i] < '0' || b[i] > '9')
			return -OG_HTTP_ERR_BAD_STATUS_LINE;
		st = st * 10 + (uint32_t)(b[i] - '0');
	}
	/* status codes are 100..599 (RFC 9110 15); a missing SP before an empty
	 * reason is tolerated (the client ignores the reason, RFC 9112 4) */
	if (st < 100 || st > 599 || (n > 12 && b[s + 12] != ' '))
		return -OG_HTTP_ERR_BAD_STATUS_LINE;
	for (uint32_t i = s + 13; i < e; i++)
		if (!is_field_char((uint8_t)b[i]))
			return -OG_HTTP_ERR_BAD_STATUS_LINE;
	rp->status = (uint16_t)st;
	rp->reason_off = (uint16_t)(n > 12 ? s + 13 : e);
	rp->reason_len = (uint16_t)(n > 12 ? e - s - 13 : 0);
	return 0;
}

/* days from 1970-01-01 to y-m-d, proleptic Gregorian */
static int64_t
days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m + (m > 2 ? (unsigned)-3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static bool
two_digits(const char *s, unsigned *v)
{
	if (s[0] < '0' || s[0] > '9' || s[1] < '0' || s[1] > '9')
		return false;
	*v = (unsigned)(s[0] - '0') * 10 + (unsigned)(s[1] - '0');
	return true;
}

static unsigned
month_of(const char *s)
{
	static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	unsigned m;

	for (m = 0; m < 12; m++)
		if (memcmp(s, months + 3 * m, 3) == 0)
			break;
	return m + 1; /* 13: none */
}

/* "hh:mm:ss" */
static bool
time_of_day(const char *s, unsigned *secs)
{
	unsigned hh, mm, ss;

	if (s[2] != ':' || s[5] != ':' || !two_digits(s, &hh) || !two_digits(s + 3, &mm) ||
	    !two_digits(s + 6, &ss) || hh > 23 || mm > 59 || ss > 60)
		return false;
	*secs = hh * 3600 + mm * 60 + ss;
	return true;
}

/*
 * HTTP-date to Unix time (RFC 9110 5.6.7): IMF-fixdate
 * "Sun, 06 Nov 1994 08:49:37 GMT", and the obsolete forms a recipient MUST
 * also accept: rfc850-date "Sunday, 06-Nov-94 08:49:37 GMT" (a two-digit year
 * more than 50 years ahead is in the past century) and asctime-date
 * "Sun Nov  6 08:49:37 1994". Day names are not checked against the date.
 */
static bool
http_date(const char *v, size_t n, uint64_t now_s, int64_t *out)
{
	unsigned d, m, y, yh, yl, secs;
	const char *comma = memchr(v, ',', n);

	if (n == 29 && v[3] == ',') {
		if (v[4] != ' ' || v[7] != ' ' || v[11] != ' ' || v[16] != ' ' ||
		    memcmp(v + 25, " GMT", 4) != 0 || !two_digits(v + 5, &d) ||
		    !two_digits(v + 12, &yh) || !two_digits(v + 14, &yl) ||
		    !time_of_day(v + 17, &secs))
			return false;
		m = month_of(v + 8);
		y = yh * 100 + yl;
	} else if (comma != NULL) {
		const char *s = comma + 1; /* " 06-Nov-94 08:49:37 GMT" */
		unsigned cy = (unsigned)(1970 + now_s / 31556952);

		if ((size_t)(v + n - s) != 23 || s[0] != ' ' || s[3] != '-' || s[7] != '-' ||
		    s[10] != ' ' || memcmp(s + 19, " GMT", 4) != 0 || !two_digits(s + 1, &d) ||
		    !two_digits(s + 8, &yl) || !time_of_day(s + 11, &secs))
			return false;
		m = month_of(s + 4);
		y = cy / 100 * 100 + yl;
		if (y > cy + 50)
			y -= 100;
	} else if (n == 24) {
		if (v[3] != ' ' || v[7] != ' ' || v[10] != ' ' || v[19] != ' ' ||
		    !time_of_day(v + 11, &secs) || !two_digits(v + 20, &yh) ||
		    !two_digits(v + 22, &yl))
			return false;
		if (v[8] == ' ' && v[9] >= '1' && v[9] <= '9')
			d = (unsigned)(v[9] - '0');
		else if (!two_digits(v + 8, &d))
			return false;
		m = month_of(v + 4);
		y = yh * 100 + yl;
	} else {
		return false;
	}
	if (m > 12 || d < 1 || d > 31)
		return false;
	*out = days_from_civil((int64_t)y, m, d) * 86400 + (int64_t)secs;
	return true;
}

/* Retry-After = HTTP-date / delay-seconds (RFC 9110 10.2.3); invalid: ignored */
static void
retry_after(struct og_http_resp_parser *rp, const char *v, size_t n)
{
	uint64_t x = 0;
	int64_t t;
	size_t i;

	for (i = 0; i < n && v[i] >= '0' && v[i] <= '9'; i++)
		x = OG_MIN(x * 10 + (uint64_t)(v[i] - '0'), (uint64_t)UINT32_MAX);
	if (n > 0 && i == n) {
		rp->has_retry_after = true;
		rp->retry_after_s = (uint32_t)x;
		return;
	}
	if (http_date(v, n, rp->now_s, &t)) {
		rp->has_retry_after = true;
		if (t <= (int64_t)rp->now_s)
			rp->retry_after_s = 0;
		else
			rp->retry_after_s = (uint32_t)OG_MIN((uint64_t)t - rp->now_s, UINT32_MAX);
	}
}

/* ---- field lines (RFC 9112 5) -------------------------------------------- */

static int
content_length(struct og_http_parser *p, const char *v, size_t n)
{
	struct list_it it;
	const char *m;
	size_t mlen;

	list_init(&it, v, n);
	while (list_next(&it, &m, &mlen)) {
		uint64_t x = 0;

		if (mlen == 0)
			return -OG_HTTP_ERR_BAD_CONTENT_LENGTH;
		for (size_t i = 0; i < mlen; i++) {
			unsigned d = (unsigned)((uint8_t)m[i] - '0');

			if (d > 9 || x > (UINT64_MAX - d) / 10)
				return -OG_HTTP_ERR_BAD_CONTENT_LENGTH;
			x = x * 10 + d;
		}
		/* identical repeats are one value (RFC 9112 6.3 rule 5) */
		if ((p->flags & F_CL) && x != p->req.content_length)
			return -OG_HTTP_ERR_CONFLICTING_LENGTH;
		p->flags |= F_CL;
		p->req.content_length = x;
	}
	return 0;
}

static int
transfer_encoding(struct og_http_parser *p, const char *v, size_t n)
{
	struct list_it it;
	const char *m;
	size_t mlen;

	p->flags |= F_TE;
	list_init(&it, v, n);
	while (list_next(&it, &m, &mlen)) {
		mlen = before_params(m, mlen);
		if (mlen == 0)
			continue; /* empty list members are ignored (RFC 9110 5.6.1.2) */
		/* a coding after chunked: chunked is not final, or is applied twice */
		if (p->flags & F_TE_CHUNKED) {
			if (!p->is_resp)
				return -OG_HTTP_ERR_BAD_TE;
			/* a response's length is then read until close (RFC 9112 6.3 rule 4) */
			p->flags = (uint16_t)((p->flags & ~F_TE_CHUNKED) | F_TE_OTHER);
		}
		if (ieq(m, mlen, "chunked"))
			p->flags |= F_TE_CHUNKED;
		else
			p->flags |= F_TE_OTHER;
	}
	return 0;
}

static void
connection(struct og_http_parser *p, const char *v, size_t n)
{
	struct list_it it;
	const char *m;
	size_t mlen;

	list_init(&it, v, n);
	while (list_next(&it, &m, &mlen)) {
		if (ieq(m, mlen, "close"))
			p->flags |= F_CLOSE;
		else if (ieq(m, mlen, "keep-alive"))
			p->flags |= F_KEEPALIVE;
	}
}

static void
expect(struct og_http_parser *p, const char *v, size_t n)
{
	struct list_it it;
	const char *m;
	size_t mlen;

	list_init(&it, v, n);
	while (list_next(&it, &m, &mlen)) {
		if (mlen == 0)
			continue;
		if (ieq(m, mlen, "100-continue"))
			p->flags |= F_EXPECT;
		else
			p->flags |= F_EXPECT_OTHER;
	}
}

static void
content_encoding(struct og_http_parser *p, const char *v, size_t n)
{
	struct list_it it;
	const char *m;
	size_t mlen;

	list_init(&it, v, n);
	while (list_next(&it, &m, &mlen)) {
		if (mlen == 0 || ieq(m, mlen, "identity"))
			continue;
		if ((ieq(m, mlen, "gzip") || ieq(m, mlen, "x-gzip")) && !(p->flags & F_CE_GZIP))
			p->flags |= F_CE_GZIP;
		else
			p->flags |= F_CE_OTHER; /* unknown, or gzip applied twice */
	}
}

static enum og_http_ctype
media_type(const char *v, size_t n)
{
	n = before_params(v, n);
	if (ieq(v, n, "application/x-protobuf") || ieq(v, n, "application/protobuf"))
		return OG_HTTP_CT_PROTOBUF;
	if (ieq(v, n, "application/json"))
		return OG_HTTP_CT_JSON;
	return OG_HTTP_CT_OTHER;
}

static int
host(struct og_http_parser *p, const struct og_http_hdr *h)
{
	const char *v = p->req.buf + h->value_off;

	if (p->flags & F_HOST)
		return -OG_HTTP_ERR_BAD_HOST; /* RFC 9112 3.2: more than one Host */
	p->flags |= F_HOST;
	p->req.host = h;
	/* uri-host [":" port]: none of these may appear (RFC 3986 3.2) */
	for (uint16_t i = 0; i < h->value_len; i++) {
		uint8_t c = (uint8_t)v[i];

		if (is_ows(c) || c == '/' || c == '?' || c == '#' || c == '@' || c == ',' ||
		    c == '\\')
			return -OG_HTTP_ERR_BAD_HOST;
	}
	return 0;
}

static int
field_line(struct og_http_parser *p, uint32_t s, uint32_t e)
{
	struct og_http_msg *r = &p->req;
	const char *b = r->buf;
	struct og_http_hdr *h;
	uint32_t i = s, vs, ve;
	const char *name, *val;
	size_t nlen, vlen;

	/* obs-fold, or whitespace before the first field (RFC 9112 5.2, 2.2) */
	if (is_ows((uint8_t)b[s]))
		return -OG_HTTP_ERR_BAD_HEADER;
	while (i < e && tchar[(uint8_t)b[i]])
		i++;
	/* empty name, whitespace before ':' (RFC 9112 5.1), or no ':' at all */
	if (i == s || i == e || b[i] != ':')
		return -OG_HTTP_ERR_BAD_HEADER;
	vs = i + 1;
	ve = e;
	while (vs < ve && is_ows((uint8_t)b[vs]))
		vs++;
	while (ve > vs && is_ows((uint8_t)b[ve - 1]))
		ve--;
	for (uint32_t k = vs; k < ve; k++)
		if (!is_field_char((uint8_t)b[k]))
			return -OG_HTTP_ERR_BAD_HEADER;
	if (r->n_hdrs >= p->lim.max_headers)
		return -OG_HTTP_ERR_TOO_MANY_HEADERS;
	h = &r->hdrs[r->n_hdrs++];
	h->name_off = (uint16_t)s;
	h->name_len = (uint16_t)(i - s);
	h->value_off = (uint16_t)vs;
	h->value_len = (uint16_t)(ve - vs);

	name = b + s;
	nlen = i - s;
	val = b + vs;
	vlen = ve - vs;
	switch (nlen) {
	case 4:
		if (!p->is_resp && ieq(name, nlen, "host"))
			return host(p, h);
		break;
	case 6:
		if (!p->is_resp && ieq(name, nlen, "expect"))
			expect(p, val, vlen);
		break;
	case 11:
		if (p->is_resp && ieq(name, nlen, "retry-after"))
			retry_after(resp_of(p), val, vlen);
		break;
	case 10:
		if (ieq(name, nlen, "connection"))
			connection(p, val, vlen);
		break;
	case 12:
		if (ieq(name, nlen, "content-type") && r->content_type == NULL) {
			r->content_type = h;
			r->ctype = media_type(val, vlen);
		}
		break;
	case 14:
		if (ieq(name, nlen, "content-length"))
			return content_length(p, val, vlen);
		break;
	case 16:
		if (ieq(name, nlen, "content-encoding"))
			content_encoding(p, val, vlen);
		break;
	case 17:
		if (ieq(name, nlen, "transfer-encoding"))
			return transfer_encoding(p, val, vlen);
		break;
	default:
		break;
	}
	return 0;
}

/* a response head is complete: decide its body (RFC 9112 6.3) */
static int
resp_head_done(struct og_http_parser *p)
{
	struct og_http_resp_parser *rp = resp_of(p);
	struct og_http_msg *r = &p->req;
	uint16_t f = p->flags;

	r->has_length = (f & F_CL) != 0;
	r->keep_alive = !(f & F_CLOSE) && (r->version_minor == 1 || (f & F_KEEPALIVE));
	r->cenc = (f & F_CE_OTHER) ? OG_HTTP_CE_OTHER
				   : ((f & F_CE_GZIP) ? OG_HTTP_CE_GZIP : OG_HTTP_CE_IDENTITY);
	/* rule 1: no body after HEAD, 1xx, 204, 304, whatever the fields say */
	if (rp->head_request || rp->status < 200 || rp->status == 204 || rp->status == 304) {
		p->state = S_END;
		return 0;
	}
	if (f & F_TE) {
		/* rule 3: Transfer-Encoding overrides Content-Length; do not reuse */
		if (f & F_CL)
			r->keep_alive = false;
		/* RFC 9112 6.1: Transfer-Encoding in HTTP/1.0 is faulty framing */
		if ((f & F_TE_CHUNKED) && r->version_minor == 1) {
			if (f & F_TE_OTHER)
				return -OG_HTTP_ERR_UNSUPPORTED_TE;
			r->chunked = true;
			p->state = S_CHUNK_SIZE;
			p->aux = 0;
			p->body_left = 0;
			return 0;
		}
		/* rule 4: chunked not final, the length is the connection's */
	} else if (f & F_CL) {
		/* rule 6 */
		if (r->content_length > p->lim.max_body)
			return -OG_HTTP_ERR_BODY_TOO_LARGE;
		p->state = r->content_length > 0 ? S_BODY_CL : S_END;
		p->body_left = r->content_length;
		return 0;
	}
	/* rule 8: read until the server closes */
	rp->until_close = true;
	r->keep_alive = false;
	p->state = S_BODY_EOF;
	return 0;
}

/* the empty line arrived: decide the body (RFC 9112 6.3) */
static int
head_done(struct og_http_parser *p)
{
	struct og_http_msg *r = &p->req;
	uint16_t f = p->flags;

	if (p->is_resp)
		return resp_head_done(p);

	if (r->version_minor == 1 && !(f & F_HOST))
		return -OG_HTTP_ERR_MISSING_HOST;
	if (f & F_TE) {
		if (r->version_minor == 0)
			return -OG_HTTP_ERR_BAD_TE;
		if (f & F_CL)
			return -OG_HTTP_ERR_TE_AND_CL;
		if (!(f & F_TE_CHUNKED))
			return -OG_HTTP_ERR_BAD_TE;
		if (f & F_TE_OTHER)
			return -OG_HTTP_ERR_UNSUPPORTED_TE;
	}
	if (f & F_EXPECT_OTHER)
		return -OG_HTTP_ERR_EXPECTATION_FAILED;
	r->has_length = (f & F_CL) != 0;
	r->chunked = (f & F_TE) != 0;
	r->expect_continue = r->version_minor == 1 && (f & F_EXPECT);
	r->keep_alive = !(f & F_CLOSE) && (r->version_minor == 1 || (f & F_KEEPALIVE));
	r->cenc = (f & F_CE_OTHER) ? OG_HTTP_CE_OTHER
				   : ((f & F_CE_GZIP) ? OG_HTTP_CE_GZIP : OG_HTTP_CE_IDENTITY);
	if (r->chunked) {
		p->state = S_CHUNK_SIZE;
		p->aux = 0;
		p->body_left = 0;
	} else if (r->has_length && r->content_length > 0) {
		if (r->content_length > p->lim.max_body)
			return -OG_HTTP_ERR_BODY_TOO_LARGE;
		p->state = S_BODY_CL;
		p->body_left = r->content_length;
	} else {
		p->state = S_END;
	}
	return 0;
}

/*
 * A line [line_start, head_len) ending in LF is in buf.
 * @return 0 (more lines), 1 (head complete) or a negated error.
 */
static int
line_done(struct og_http_parser *p)
{
	const char *b = p->req.buf;
	uint32_t s = p->line_start, e = p->req.head_len - 1; /* e: the LF */
	int rc;

	if (e > s && b[e - 1] == '\r')
		e--;
	p->line_start = p->req.head_len;
	if (memchr(b + s, '\r', e - s) != NULL) /* bare CR (RFC 9112 2.2) */
		return p->in_head ? -OG_HTTP_ERR_BAD_HEADER : -OG_HTTP_ERR_BAD_REQUEST_LINE;
	if (e == s) {
		if (p->in_head) {
			rc = head_done(p);
			return rc < 0 ? rc : 1;
		}
		/* empty line before the request line: dropped (RFC 9112 2.2) */
		p->req.head_len = 0;
		p->line_start = 0;
		return 0;
	}
	if (!p->in_head) {
		rc = p->is_resp ? status_line(p, s, e) : request_line(p, s, e);
		p->in_head = 1;
		return rc;
	}
	return field_line(p, s, e);
}

/* ---- the event loop ------------------------------------------------------ */

static int
fail(struct og_http_parser *p, int rc, uint32_t pos, uint32_t *used)
{
	p->err = -rc;
	p->state = S_ERROR;
	*used = pos;
	return rc;
}

static int
parse_head(struct og_http_parser *p, const uint8_t *buf, uint32_t len, uint32_t *pos)
{
	struct og_http_msg *r = &p->req;
	uint32_t max = p->lim.max_header_bytes;

	while (*pos < len) {
		const uint8_t *s = buf + *pos;
		uint32_t avail = len - *pos;
		const uint8_t *nl = memchr(s, '\n', avail);
		uint32_t n = nl != NULL ? (uint32_t)(nl - s) + 1 : avail;
		int rc;

		/* the line cannot end within the limit: fail now, whatever follows */
		if (r->head_len + (uint64_t)n > max)
			return p->in_head ? -OG_HTTP_ERR_HEADER_TOO_LARGE
					  : -OG_HTTP_ERR_URI_TOO_LONG;
		memcpy(r->buf + r->head_len, s, n);
		r->head_len += n;
		*pos += n;
		if (nl == NULL)
			break;
		rc = line_done(p);
		if (rc != 0)
			return rc;
	}
	return 0;
}

int
og_http_parse(struct og_http_parser *p, const uint8_t *buf, uint32_t len, uint32_t *used,
	      struct og_http_ev *ev)
{
	uint32_t pos = 0;
	int rc;

	if (p->err != OG_HTTP_ERR_NONE) {
		*used = 0;
		return -p->err;
	}
	if (p->state == S_IDLE)
		message_start(p);
	for (;;) {
		switch (p->state) {
		case S_HEAD:
			rc = parse_head(p, buf, len, &pos);
			if (rc < 0)
				return fail(p, rc, pos, used);
			if (rc == 0) {
				*used = len;
				return OG_AGAIN;
			}
			if (p->is_resp && resp_of(p)->status < 200 && resp_of(p)->status != 101) {
				/* interim response (RFC 9110 15.2): skip it, parse on */
				uint32_t n = resp_of(p)->n_interim + 1;

				message_start(p);
				resp_of(p)->n_interim = n;
				continue;
			}
			ev->type = OG_HTTP_EV_HEAD;
			ev->off = 0;
			ev->len = 0;
			*used = pos;
			return OG_OK;

		case S_BODY_CL:
		case S_CHUNK_DATA: {
			uint32_t n;

			if (pos == len) {
				*used = len;
				return OG_AGAIN;
			}
			n = (uint32_t)OG_MIN((uint64_t)(len - pos), p->body_left);
			ev->type = OG_HTTP_EV_BODY;
			ev->off = pos;
			ev->len = n;
			p->body_left -= n;
			if (p->body_left == 0)
				p->state = p->state == S_BODY_CL ? S_END : S_CHUNK_DATA_CR;
			*used = pos + n;
			return OG_OK;
		}

		case S_BODY_EOF: {
			uint32_t n;

			if (pos == len) {
				*used = len;
				return OG_AGAIN;
			}
			/* up to the limit, then fail: the same bytes whatever the split */
			n = (uint32_t)OG_MIN((uint64_t)(len - pos),
					     p->lim.max_body - p->body_total);
			if (n == 0)
				return fail(p, -OG_HTTP_ERR_BODY_TOO_LARGE, pos, used);
			p->body_total += n;
			ev->type = OG_HTTP_EV_BODY;
			ev->off = pos;
			ev->len = n;
			*used = pos + n;
			return OG_OK;
		}

		case S_END:
			ev->type = OG_HTTP_EV_END;
			ev->off = pos;
			ev->len = 0;
			p->state = S_IDLE;
			*used = pos;
			return OG_OK;

		case S_CHUNK_SIZE:
		case S_CHUNK_EXT:
		case S_CHUNK_SIZE_LF:
		case S_CHUNK_DATA_CR:
		case S_CHUNK_DATA_LF:
		case S_TRAILER:
			break;

		default: /* S_IDLE was handled above; S_ERROR has p->err set */
			return fail(p, -OG_HTTP_ERR_BAD_REQUEST_LINE, pos, used);
		}

		/* chunk framing, one octet at a time (RFC 9112 7.1) */
		while (pos < len && p->state != S_CHUNK_DATA && p->state != S_END) {
			uint8_t c = buf[pos++];
			int d;

			switch (p->state) {
			case S_CHUNK_SIZE:
				d = hexval(c);
				if (d >= 0) {
					if (++p->aux > CHUNK_SIZE_MAX_DIGITS ||
					    p->body_left > (UINT64_MAX >> 4))
						return fail(p, -OG_HTTP_ERR_BAD_CHUNK, pos, used);
					p->body_left = (p->body_left << 4) | (uint64_t)d;
					/* the sum of chunk sizes may not pass max_body */
					if (p->body_left > p->lim.max_body - p->body_total)
						return fail(p, -OG_HTTP_ERR_BODY_TOO_LARGE, pos,
							    used);
					break;
				}
				if (p->aux == 0)
					return fail(p, -OG_HTTP_ERR_BAD_CHUNK, pos, used);
				if (c == '\r') {
					p->state = S_CHUNK_SIZE_LF;
				} else if (c == ';' || is_ows(c)) {
					/* chunk-ext = *( BWS ";" BWS name [ BWS "=" BWS val ] ) */
					p->state = S_CHUNK_EXT;
					p->sub = c == ';';
					p->aux = 1;
				} else {
					return fail(p, -OG_HTTP_ERR_BAD_CHUNK, pos, used);
				}
				break;
			case S_CHUNK_EXT:
				if (c == '\r') {
					if (!p->sub) /* whitespace but no ';' */
						return fail(p, -OG_HTTP_ERR_BAD_CHUNK, pos, used);
					p->state = S_CHUNK_SIZE_LF;
					break;
				}
				if (!is_field_char(c))
					return fail(p, -OG_HTTP_ERR_BAD_CHUNK, pos, used);
				if (!p->sub) {
					if (c == ';')
						p->sub = 1;
					else if (!is_ows(c))
						return fail(p, -OG_HTTP_ERR_BAD_CHUNK, pos, used);
				}
				if (++p->aux > OG_HTTP_MAX_CHUNK_EXT)
					return fail(p, -OG_HTTP_ERR_CHUNK_EXT_TOO_LONG, pos, used);
				break;
			case S_CHUNK_SIZE_LF:
				if (c != '\n')
					return fail(p, -OG_HTTP_ERR_BAD_CHUNK, pos, used);
				p->aux = 0;
				p->sub = 0;
				if (p->body_left == 0) {
					/* last-chunk: the trailer section follows */
					p->state = S_TRAILER;
					p->sub = TL_START;
				} else {
					p->body_total += p->body_left;
					p->state = S_CHUNK_DATA;
				}
				break;
			case S_CHUNK_DATA_CR:
				if (c != '\r')
					return fail(p, -OG_HTTP_ERR_BAD_CHUNK, pos, used);
				p->state = S_CHUNK_DATA_LF;
				break;
			case S_CHUNK_DATA_LF:
				if (c != '\n')
					return fail(p, -OG_HTTP_ERR_BAD_CHUNK, pos, used);
				p->state = S_CHUNK_SIZE;
				p->aux = 0;
				p->body_left = 0;
				break;
			case S_TRAILER:
				if (++p->aux > p->lim.max_trailer_bytes)
					return fail(p, -OG_HTTP_ERR_TRAILER_TOO_LARGE, pos, used);
				switch (p->sub) {
				case TL_START:
					if (c == '\r')
						p->sub = TL_END_LF;
					else if (tchar[c])
						p->sub = TL_NAME;
					else /* obs-fold, empty name, bare LF */
						return fail(p, -OG_HTTP_ERR_BAD_TRAILER, pos, used);
					break;
				case TL_NAME:
					if (c == ':')
						p->sub = TL_VALUE;
					else if (!tchar[c])
						return fail(p, -OG_HTTP_ERR_BAD_TRAILER, pos, used);
					break;
				case TL_VALUE:
					if (c == '\r')
						p->sub = TL_LF;
					else if (!is_field_char(c))
						return fail(p, -OG_HTTP_ERR_BAD_TRAILER, pos, used);
					break;
				case TL_LF:
					if (c != '\n')
						return fail(p, -OG_HTTP_ERR_BAD_TRAILER, pos, used);
					p->sub = TL_START;
					break;
				default: /* TL_END_LF */
					if (c != '\n')
						return fail(p, -OG_HTTP_ERR_BAD_TRAILER, pos, used);
					p->state = S_END;
					break;
				}
				break;
			default:
				break;
			}
		}
		if (p->state != S_CHUNK_DATA && p->state != S_END) {
			*used = len;
			return OG_AGAIN;
		}
		/* loop: emit the chunk data or END found in this buffer */
	}
}

/* ---- response parser ------------------------------------------------------ */

int
og_http_resp_parser_init(struct og_http_resp_parser *rp, const struct og_http_limits *l, void *mem,
			 size_t mem_len)
{
	int rc;

	memset(rp, 0, sizeof(*rp));
	rc = og_http_parser_init(&rp->p, l, mem, mem_len);
	if (rc != 0)
		return rc;
	rp->p.is_resp = 1;
	og_http_resp_parser_reset(rp);
	return 0;
}

void
og_http_resp_parser_fini(struct og_http_resp_parser *rp)
{
	og_http_parser_fini(&rp->p);
}

void
og_http_resp_parser_reset(struct og_http_resp_parser *rp)
{
	og_http_parser_reset(&rp->p);
	rp->head_request = false;
	rp->now_s = 0;
}

int
og_http_parse_resp(struct og_http_resp_parser *rp, const uint8_t *buf, uint32_t len, uint32_t *used,
		   struct og_http_ev *ev)
{
	return og_http_parse(&rp->p, buf, len, used, ev);
}

int
og_http_resp_eof(struct og_http_resp_parser *rp, struct og_http_ev *ev)
{
	struct og_http_parser *p = &rp->p;

	if (p->err != OG_HTTP_ERR_NONE)
		return -p->err;
	switch (p->state) {
	case S_BODY_EOF:
	case S_END:
		/* the close ends the body (RFC 9112 6.3 rule 8), or END was pending */
		ev->type = OG_HTTP_EV_END;
		ev->off = 0;
		ev->len = 0;
		p->state = S_IDLE;
		return OG_OK;
	case S_IDLE:
		return OG_AGAIN;
	case S_HEAD:
		if (!p->in_head && p->req.head_len == 0)
			return OG_AGAIN; /* nothing of a next response yet */
					 /* fall through */
	default:
		p->err = OG_HTTP_ERR_TRUNCATED;
		p->state = S_ERROR;
		return -OG_HTTP_ERR_TRUNCATED;
	}
}
