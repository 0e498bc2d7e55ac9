/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Response heads (RFC 9112 4, RFC 9110 15) and the IMF-fixdate of the Date
 * field. Runs once per answered request: no printf, no allocation (the
 * og_wbuf may be a fixed buffer in an mbuf's data room).
 */
#include <errno.h>
#include <string.h>

#include "og_http.h"

const char og_http_100_continue[] = "HTTP/1.1 100 Continue\r\n\r\n";

_Static_assert(sizeof(og_http_100_continue) - 1 == OG_HTTP_100_CONTINUE_LEN,
	       "OG_HTTP_100_CONTINUE_LEN");

/* Reason phrases of RFC 9110 15 (and RFC 6585 for 429, 431). */
static const struct {
	uint16_t status;
	const char *reason;
} reasons[] = {
	{ 100, "Continue" },
	{ 101, "Switching Protocols" },
	{ 200, "OK" },
	{ 201, "Created" },
	{ 202, "Accepted" },
	{ 204, "No Content" },
	{ 206, "Partial Content" },
	{ 301, "Moved Permanently" },
	{ 302, "Found" },
	{ 304, "Not Modified" },
	{ 307, "Temporary Redirect" },
	{ 308, "Permanent Redirect" },
	{ 400, "Bad Request" },
	{ 401, "Unauthorized" },
	{ 403, "Forbidden" },
	{ 404, "Not Found" },
	{ 405, "Method Not Allowed" },
	{ 406, "Not Acceptable" },
	{ 408, "Request Timeout" },
	{ 409, "Conflict" },
	{ 411, "Length Required" },
	{ 413, "Content Too Large" }, /* RFC 9110 15.5.14: formerly "Payload Too Large" */
	{ 414, "URI Too Long" },
	{ 415, "Unsupported Media Type" },
	{ 417, "Expectation Failed" },
	{ 421, "Misdirected Request" },
	{ 422, "Unprocessable Content" },
	{ 426, "Upgrade Required" },
	{ 429, "Too Many Requests" },		    /* RFC 6585 4 */
	{ 431, "Request Header Fields Too Large" }, /* RFC 6585 5 */
	{ 500, "Internal Server Error" },
	{ 501, "Not Implemented" },
	{ 502, "Bad Gateway" },
	{ 503, "Service Unavailable" },
	{ 504, "Gateway Timeout" },
	{ 505, "HTTP Version Not Supported" },
};

const char *
og_http_reason(int status)
{
	for (size_t i = 0; i < OG_ARRAY_SIZE(reasons); i++)
		if (reasons[i].status == status)
			return reasons[i].reason;
	return "";
}

static void
put_str(struct og_wbuf *b, const char *s)
{
	og_wbuf_put(b, s, strlen(s));
}

static void
put_u64(struct og_wbuf *b, uint64_t v)
{
	char tmp[20];
	size_t n = 0;

	do {
		tmp[sizeof(tmp) - 1 - n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	og_wbuf_put(b, tmp + sizeof(tmp) - n, n);
}

int
og_http_resp_head(struct og_wbuf *out, const struct og_http_resp *r)
{
	size_t start = out->len;
	bool was_overflow = out->overflow;
	char code[4];

	if (r->status < 100 || r->status > 999)
		return -EINVAL;
	/* judge this head alone: an earlier overflow is the caller's business */
	out->overflow = false;
	/* status-line = HTTP-version SP status-code SP [ reason-phrase ] (RFC 9112 4) */
	code[0] = (char)('0' + r->status / 100);
	code[1] = (char)('0' + r->status / 10 % 10);
	code[2] = (char)('0' + r->status % 10);
	code[3] = '\0';
	put_str(out, "HTTP/1.1 ");
	put_str(out, code);
	og_wbuf_putc(out, ' ');
	put_str(out, og_http_reason(r->status));
	put_str(out, "\r\n");
	if (r->date != NULL) {
		put_str(out, "Date: ");
		put_str(out, r->date);
		put_str(out, "\r\n");
	}
	if (r->content_type != NULL) {
		put_str(out, "Content-Type: ");
		put_str(out, r->content_type);
		put_str(out, "\r\n");
	}
	/*
	 * RFC 9110 8.6: no Content-Length in 1xx or 204; for 304 it would have
	 * to be the length of the selected representation, which we never
	 * serve, so it is left out too.
	 */
	if (r->status >= 200 && r->status != 204 && r->status != 304) {
		put_str(out, "Content-Length: ");
		put_u64(out, r->content_length);
		put_str(out, "\r\n");
	}
	if (r->close)
		put_str(out, "Connection: close\r\n");
	if (r->retry_after_s != 0) {
		/* delay-seconds form (RFC 9110 10.2.3) */
		put_str(out, "Retry-After: ");
		put_u64(out, r->retry_after_s);
		put_str(out, "\r\n");
	}
	if (r->allow != NULL) {
		put_str(out, "Allow: ");
		put_str(out, r->allow);
		put_str(out, "\r\n");
	}
	if (r->extra != NULL)
		put_str(out, r->extra);
	put_str(out, "\r\n");
	if (out->overflow) {
		out->len = start;
		return -ENOSPC;
	}
	out->overflow = was_overflow;
	return 0;
}

int
og_http_date_fmt(char *out, uint64_t unix_s)
{
	static const char wd[7][4] = { "Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed" };
	static const char mon[12][4] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
					 "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	uint64_t days = unix_s / 86400, secs = unix_s % 86400;
	/* civil-from-days on the proleptic Gregorian calendar (era of 400 years) */
	uint64_t z = days + 719468;
	uint64_t era = z / 146097;
	uint64_t doe = z - era * 146097;
	uint64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	uint64_t y = yoe + era * 400;
	uint64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	uint64_t mp = (5 * doy + 2) / 153;
	uint64_t d = doy - (153 * mp + 2) / 5 + 1;
	uint64_t m = mp < 10 ? mp + 3 : mp - 9;
	char *o = out;

	if (m <= 2)
		y++;
	memcpy(o, wd[days % 7], 3);
	o += 3;
	*o++ = ',';
	*o++ = ' ';
	*o++ = (char)('0' + d / 10);
	*o++ = (char)('0' + d % 10);
	*o++ = ' ';
	memcpy(o, mon[m - 1], 3);
	o += 3;
	*o++ = ' ';
	y %= 10000;
	*o++ = (char)('0' + y / 1000);
	*o++ = (char)('0' + y / 100 % 10);
	*o++ = (char)('0' + y / 10 % 10);
	*o++ = (char)('0' + y % 10);
	*o++ = ' ';
	*o++ = (char)('0' + secs / 36000);
	*o++ = (char)('0' + secs / 3600 % 10);
	*o++ = ':';
	*o++ = (char)('0' + secs % 3600 / 600);
	*o++ = (char)('0' + secs % 3600 / 60 % 10);
	*o++ = ':';
	*o++ = (char)('0' + secs % 60 / 10);
	*o++ = (char)('0' + secs % 10);
	memcpy(o, " GMT", 5);
	return 29;
}

int
og_http_req_head(struct og_wbuf *out, const char *method, const char *path, const char *host,
		 const char *content_type, const char *content_encoding, uint64_t content_length,
		 const char *extra_headers)
{
	size_t start = out->len;
	bool was_overflow = out->overflow;

	if (method == NULL || path == NULL || method[0] == '\0' || path[0] == '\0')
		return -EINVAL;
	out->overflow = false;
	/* request-line = method SP request-target SP HTTP-version (RFC 9112 3) */
	put_str(out, method);
	og_wbuf_putc(out, ' ');
	put_str(out, path);
	put_str(out, " HTTP/1.1\r\n");
	/* Host is the first field a client sends (RFC 9110 7.2) */
	if (host != NULL) {
		put_str(out, "Host: ");
		put_str(out, host);
		put_str(out, "\r\n");
	}
	if (content_type != NULL) {
		put_str(out, "Content-Type: ");
		put_str(out, content_type);
		put_str(out, "\r\n");
	}
	if (content_encoding != NULL) {
		put_str(out, "Content-Encoding: ");
		put_str(out, content_encoding);
		put_str(out, "\r\n");
	}
	if (content_length != 0 || strcmp(method, "POST") == 0 || strcmp(method, "PUT") == 0 ||
	    strcmp(method, "PATCH") == 0) {
		put_str(out, "Content-Length: ");
		put_u64(out, content_length);
		put_str(out, "\r\n");
	}
	if (extra_headers != NULL)
		put_str(out, extra_headers);
	put_str(out, "\r\n");
	if (out->overflow) {
		out->len = start;
		return -ENOSPC;
	}
	out->overflow = was_overflow;
	return 0;
}
