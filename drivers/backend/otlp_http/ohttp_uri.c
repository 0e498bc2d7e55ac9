/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The otlp-http backend's URI: otlp-http://ADDR:PORT[/base-path][?options].
 * The authority is an IPv4 address and a port (RFC 3986 3.2); options are
 * query parameters (RFC 3986 3.4) whose values are percent-decoded (2.1):
 * conns, timeout_ms, compression, max_inflight, sndbuf, header (repeatable).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "og_otlp.h"
#include "ohttp_private.h"

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Percent-decode [s, s+n) into out (cap bytes, NUL-terminated); -1 when bad. */
static int
pct_decode(const char *s, size_t n, char *out, size_t cap)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (c == '%') {
			int h, l;

			if (i + 2 >= n)
				return -1;
			h = hexval(s[i + 1]);
			l = hexval(s[i + 2]);
			if (h < 0 || l < 0)
				return -1;
			c = (char)(h << 4 | l);
			i += 2;
		} else if (c == '+') {
			c = ' '; /* form encoding: a '+' in a query value is a space */
		}
		if (c == '\0' || o + 1 >= cap)
			return -1;
		out[o++] = c;
	}
	out[o] = '\0';
	return 0;
}

static int
parse_u32(const char *v, uint32_t lo, uint32_t hi, uint32_t *out)
{
	char *end;
	unsigned long x;

	errno = 0;
	x = strtoul(v, &end, 10);
	if (errno != 0 || end == v || *end != '\0' || x < lo || x > hi)
		return -1;
	*out = (uint32_t)x;
	return 0;
}

/* "Name:Value" → "Name: Value\r\n" appended to o->extra. */
static int
add_header(struct ohttp *o, const char *v)
{
	const char *colon = strchr(v, ':');
	size_t used = strlen(o->extra), nlen;
	int n;

	if (colon == NULL || colon == v)
		return -1;
	nlen = (size_t)(colon - v);
	/* RFC 9110 5.1: a field name is a token; values carry no CR, LF or NUL */
	for (size_t i = 0; i < nlen; i++)
		if (strchr("!#$%&'*+-.^_`|~", v[i]) == NULL &&
		    !((v[i] >= '0' && v[i] <= '9') || (v[i] >= 'a' && v[i] <= 'z') ||
		      (v[i] >= 'A' && v[i] <= 'Z')))
			return -1;
	colon++;
	while (*colon == ' ' || *colon == '\t')
		colon++;
	if (strpbrk(colon, "\r\n") != NULL)
		return -1;
	n = snprintf(o->extra + used, sizeof(o->extra) - used, "%.*s: %s\r\n", (int)nlen, v, colon);
	if (n < 0 || (size_t)n >= sizeof(o->extra) - used) {
		o->extra[used] = '\0';
		return -1;
	}
	return 0;
}

static int
set_option(struct ohttp *o, const char *key, size_t klen, const char *val)
{
#define KEY(k) (klen == sizeof(k) - 1 && memcmp(key, k, klen) == 0)
	if (KEY("conns"))
		return parse_u32(val, 1, OH_MAX_CONNS, &o->n_conns);
	if (KEY("max_inflight"))
		return parse_u32(val, 1, OH_MAX_INFLIGHT, &o->max_inflight);
	if (KEY("sndbuf"))
		return parse_u32(val, 4096, 1u << 30, &o->snd_buf);
	if (KEY("timeout_ms")) {
		uint32_t ms;

		if (parse_u32(val, 1, 3600000, &ms) != 0)
			return -1;
		o->timeout_us = (uint64_t)ms * 1000;
		return 0;
	}
	if (KEY("compression")) {
		if (strcmp(val, "none") == 0)
			o->gzip = false;
		else if (strcmp(val, "gzip") == 0)
			o->gzip = true;
		else
			return -1;
		return 0;
	}
	if (KEY("header"))
		return add_header(o, val);
#undef KEY
	return -1;
}

int
oh_uri_parse(struct ohttp *o, const char *rest)
{
	char addr[INET_ADDRSTRLEN], base[OH_PATH_MAX] = "";
	const char *p = rest, *colon, *q;
	size_t alen, blen;
	uint32_t port;
	struct in_addr in;

	o->n_conns = 2;
	o->max_inflight = 0;
	o->snd_buf = OH_SND_BUF;
	o->timeout_us = 10000000;
	if (strncmp(p, "//", 2) != 0) {
		OH_LOG(ERR, "'%s': expected otlp-http://ADDR:PORT[/path][?options]", rest);
		return -EINVAL;
	}
	p += 2;
	colon = strchr(p, ':');
	alen = colon ? (size_t)(colon - p) : 0;
	if (colon == NULL || alen == 0 || alen >= sizeof(addr)) {
		OH_LOG(ERR, "'%s': expected an IPv4 address and a port", rest);
		return -EINVAL;
	}
	memcpy(addr, p, alen);
	addr[alen] = '\0';
	if (inet_pton(AF_INET, addr, &in) != 1) {
		OH_LOG(ERR, "'%s': '%s' is not an IPv4 address", rest, addr);
		return -EINVAL;
	}
	p = colon + 1;
	{
		char num[8];
		size_t n = strcspn(p, "/?");

		if (n == 0 || n >= sizeof(num)) {
			OH_LOG(ERR, "'%s': bad port", rest);
			return -EINVAL;
		}
		memcpy(num, p, n);
		num[n] = '\0';
		if (parse_u32(num, 1, 65535, &port) != 0) {
			OH_LOG(ERR, "'%s': bad port", rest);
			return -EINVAL;
		}
		p += n;
	}
	q = strchr(p, '?');
	blen = q ? (size_t)(q - p) : strlen(p);
	/* the base path is used as given (no decoding): it goes on the wire */
	while (blen > 0 && p[blen - 1] == '/')
		blen--;
	if (blen >= sizeof(base) - 16 || memchr(p, ' ', blen) != NULL) {
		OH_LOG(ERR, "'%s': bad base path", rest);
		return -EINVAL;
	}
	memcpy(base, p, blen);
	base[blen] = '\0';
	while (q != NULL && *q != '\0') {
		const char *k = q + 1, *amp = strchr(k, '&'), *eq;
		size_t plen = amp ? (size_t)(amp - k) : strlen(k);
		char val[OH_EXTRA_MAX];

		q = amp;
		if (plen == 0)
			continue;
		eq = memchr(k, '=', plen);
		if (eq == NULL ||
		    pct_decode(eq + 1, plen - (size_t)(eq + 1 - k), val, sizeof(val)) != 0 ||
		    set_option(o, k, (size_t)(eq - k), val) != 0) {
			OH_LOG(ERR, "'%s': bad option '%.*s'", rest, (int)plen, k);
			return -EINVAL;
		}
	}
	if (o->max_inflight == 0)
		o->max_inflight = o->n_conns;
	o->daddr_be = in.s_addr;
	o->dport_be = htons((uint16_t)port);
	snprintf(o->host, sizeof(o->host), "%s:%u", addr, port);
	for (unsigned int s = 0; s < OG_OTLP_SIGNAL_MAX; s++)
		snprintf(o->path[s], sizeof(o->path[s]), "%s/v1/%s", base,
			 og_otlp_signal_name((enum og_otlp_signal)s));
	return 0;
}
