/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Private to lib/otlp: a byte reader over a segment list by absolute offset,
 * shared by the pieces API (scan.c) and the views (view.c). The scanner's hot
 * loop has its own pointer-based cursor; these helpers are for code that
 * reads a few fields of an already scanned body.
 *
 * Protobuf wire format: https://protobuf.dev/programming-guides/encoding/
 */
#ifndef OTLP_SCAN_PRIVATE_H
#define OTLP_SCAN_PRIVATE_H

#include <stdint.h>
#include <string.h>

#include "og_otlp.h"
#include "og_pb.h"

/* Fetch the byte at absolute offset @p pos, moving the cursor forward (or back
 * to the start when @p pos lies before the current segment). -1 past the end. */
static inline int
otlp_rd_byte(struct og_otlp_cursor *c, uint64_t pos)
{
	if (pos < c->base) {
		c->si = 0;
		c->base = 0;
	}
	while (c->si < c->nseg && pos - c->base >= c->segs[c->si].len) {
		c->base += c->segs[c->si].len;
		c->si++;
	}
	if (c->si >= c->nseg)
		return -1;
	return c->segs[c->si].data[pos - c->base];
}

/* Read a varint at *pos, not reading at or past @p end; advances *pos.
 * @return 0, -OG_OTLP_ERR_TRUNCATED or -OG_OTLP_ERR_VARINT_TOO_LONG. */
static inline int
otlp_rd_varint(struct og_otlp_cursor *c, uint64_t *pos, uint64_t end, uint64_t *v)
{
	uint64_t r = 0;

	for (unsigned int i = 0;; i++) {
		int b, rc;

		if (*pos >= end)
			return -OG_OTLP_ERR_TRUNCATED;
		b = otlp_rd_byte(c, *pos);
		if (b < 0)
			return -OG_OTLP_ERR_TRUNCATED;
		(*pos)++;
		rc = og_pb_varint_byte(&r, i, (uint8_t)b);
		if (rc < 0)
			return -OG_OTLP_ERR_VARINT_TOO_LONG;
		if (rc > 0) {
			*v = r;
			return 0;
		}
	}
}

/* Copy @p n bytes at @p pos (little-endian fixed fields, ids). */
static inline int
otlp_rd_bytes(struct og_otlp_cursor *c, uint64_t pos, uint32_t n, uint8_t *dst)
{
	for (uint32_t i = 0; i < n; i++) {
		int b = otlp_rd_byte(c, pos + i);

		if (b < 0)
			return -OG_OTLP_ERR_TRUNCATED;
		dst[i] = (uint8_t)b;
	}
	return 0;
}

/* A parsed field header: number, wire type, and for LEN its value range; for
 * VARINT the value; for I64/I32 the raw little-endian value. */
struct otlp_field {
	uint32_t fn;
	uint32_t wt;
	uint64_t tag_off;
	uint64_t off; /* value start */
	uint64_t len; /* LEN value length */
	uint64_t v;   /* VARINT / I64 / I32 value */
};

/* Read one field at *pos inside a message ending at @p end and advance past
 * it. Checks only what reading needs (wire type, bounds); the scanner has
 * already validated the body the views read.
 * @return 0 or a negated OG_OTLP_ERR_*. */
static inline int
otlp_rd_field(struct og_otlp_cursor *c, uint64_t *pos, uint64_t end, struct otlp_field *f)
{
	uint64_t tag;
	uint8_t b[8];
	int rc;

	f->tag_off = *pos;
	rc = otlp_rd_varint(c, pos, end, &tag);
	if (rc < 0)
		return rc;
	if ((tag >> 3) == 0 || (tag >> 3) > OG_PB_MAX_FIELD)
		return -OG_OTLP_ERR_BAD_FIELD_NUMBER;
	f->fn = (uint32_t)(tag >> 3);
	f->wt = (uint32_t)(tag & 7);
	f->len = 0;
	f->v = 0;
	switch (f->wt) {
	case OG_PB_WT_VARINT:
		f->off = *pos;
		return otlp_rd_varint(c, pos, end, &f->v);
	case OG_PB_WT_I64:
	case OG_PB_WT_I32: {
		uint32_t n = f->wt == OG_PB_WT_I64 ? 8 : 4;

		f->off = *pos;
		if (end - *pos < n || otlp_rd_bytes(c, *pos, n, b) < 0)
			return -OG_OTLP_ERR_TRUNCATED;
		for (uint32_t i = 0; i < n; i++)
			f->v |= (uint64_t)b[i] << (8 * i);
		*pos += n;
		return 0;
	}
	case OG_PB_WT_LEN:
		rc = otlp_rd_varint(c, pos, end, &f->len);
		if (rc < 0)
			return rc;
		if (f->len > end - *pos)
			return -OG_OTLP_ERR_LENGTH_PAST_PARENT;
		f->off = *pos;
		*pos += f->len;
		return 0;
	default:
		return -OG_OTLP_ERR_BAD_WIRE_TYPE;
	}
}

#endif /* OTLP_SCAN_PRIVATE_H */
