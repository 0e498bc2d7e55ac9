/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "og_common.h"

int
og_segs_locate(const struct og_seg *segs, uint32_t nseg, uint64_t off, struct og_slice *out)
{
	for (uint32_t i = 0; i < nseg; i++) {
		if (off < segs[i].len) {
			out->seg = i;
			out->off = (uint32_t)off;
			out->len = segs[i].len - (uint32_t)off;
			return 0;
		}
		off -= segs[i].len;
	}
	return -1;
}

int
og_segs_copy(const struct og_seg *segs, uint32_t nseg, uint64_t off, uint64_t len, void *dst)
{
	uint8_t *d = dst;
	struct og_slice s;

	if (len == 0)
		return 0;
	if (og_segs_locate(segs, nseg, off, &s) != 0)
		return -1;
	for (uint32_t i = s.seg; i < nseg && len > 0; i++) {
		uint32_t o = (i == s.seg) ? s.off : 0;
		uint64_t n = OG_MIN((uint64_t)(segs[i].len - o), len);

		memcpy(d, segs[i].data + o, n);
		d += n;
		len -= n;
	}
	return len == 0 ? 0 : -1;
}

bool
og_wbuf_reserve(struct og_wbuf *b, size_t n)
{
	size_t want, ncap;
	uint8_t *p;

	if (b->overflow)
		return false;
	want = b->len + n;
	if (want <= b->cap)
		return true;
	if (!b->growable || want < b->len) {
		b->overflow = true;
		return false;
	}
	ncap = b->cap ? b->cap : 256;
	while (ncap < want)
		ncap *= 2;
	p = realloc(b->data, ncap);
	if (p == NULL) {
		b->overflow = true;
		return false;
	}
	b->data = p;
	b->cap = ncap;
	return true;
}

void
og_wbuf_puts(struct og_wbuf *b, const char *s)
{
	og_wbuf_put(b, s, strlen(s));
}

void
og_wbuf_printf(struct og_wbuf *b, const char *fmt, ...)
{
	va_list ap;
	char small[256];
	int n;

	va_start(ap, fmt);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0) {
		b->overflow = true;
		return;
	}
	if ((size_t)n < sizeof(small)) {
		og_wbuf_put(b, small, (size_t)n);
		return;
	}
	if (!og_wbuf_reserve(b, (size_t)n + 1))
		return;
	va_start(ap, fmt);
	vsnprintf((char *)b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

void
og_wbuf_free(struct og_wbuf *b)
{
	if (b->growable)
		free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}
