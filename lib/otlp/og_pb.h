/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Protobuf wire-format helpers, written once for every reader and writer of
 * OTLP protobuf (the scanner, the JSON transcoders, the response codec, the
 * backends and the tools): varints, tags and wire types.
 *
 * Protocol Buffers, "Encoding" (https://protobuf.dev/programming-guides/encoding/):
 * "Base 128 Varints" (at most 10 bytes; the 10th carries bit 63 only),
 * "Message Structure" (tag = field_number << 3 | wire_type) and
 * "Length-Delimited Records".
 *
 * All functions are static inline: they sit on the decode and encode paths.
 */
#ifndef OG_PB_H
#define OG_PB_H

#include <stddef.h>
#include <stdint.h>

/** Wire types ("Message Structure"); 3 and 4 (groups) are not accepted. */
enum og_pb_wt {
	OG_PB_WT_VARINT = 0, /**< int32, int64, uint*, sint*, bool, enum */
	OG_PB_WT_I64 = 1,    /**< fixed64, sfixed64, double */
	OG_PB_WT_LEN = 2,    /**< string, bytes, messages, packed repeated */
	OG_PB_WT_I32 = 5,    /**< fixed32, sfixed32, float */
};

/** Largest field number protobuf allows (2^29 - 1). */
#define OG_PB_MAX_FIELD 0x1fffffffu
/** Most bytes a varint may take. */
#define OG_PB_VARINT_MAX 10

/**
 * Fold byte @p b, the @p i-th (from 0) of a varint, into *@p r (zero before
 * the first byte). For readers that fetch bytes one by one (across segments).
 *
 * @return 1 when @p b ends the varint, 0 when more bytes follow, -1 when the
 *   varint is too long (a 10th byte above 1, or an 11th byte).
 */
static inline int
og_pb_varint_byte(uint64_t *r, unsigned int i, uint8_t b)
{
	if (i >= OG_PB_VARINT_MAX - 1 && (i > OG_PB_VARINT_MAX - 1 || b > 1))
		return -1;
	*r |= (uint64_t)(b & 0x7f) << (7 * i);
	return b < 0x80;
}

/**
 * Decode the varint at [@p p, @p end).
 *
 * @return the bytes it takes (1 to 10) with *@p v set, 0 when it runs past
 *   @p end (truncated), -1 when it is too long.
 */
static inline int
og_pb_varint_get(const uint8_t *p, const uint8_t *end, uint64_t *v)
{
	uint64_t r = 0;

	for (unsigned int i = 0; i < OG_PB_VARINT_MAX; i++) {
		int rc;

		if (p + i >= end)
			return 0;
		rc = og_pb_varint_byte(&r, i, p[i]);
		if (rc < 0)
			return -1;
		if (rc > 0) {
			*v = r;
			return (int)i + 1;
		}
	}
	return -1;
}

/**
 * Encode @p v as a varint at @p dst (room for OG_PB_VARINT_MAX bytes, or
 * og_pb_varint_size(@p v)).
 *
 * @return the bytes written.
 */
static inline uint32_t
og_pb_varint_put(uint8_t *dst, uint64_t v)
{
	uint32_t n = 0;

	while (v >= 0x80) {
		dst[n++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	dst[n++] = (uint8_t)v;
	return n;
}

/** Bytes the varint encoding of @p v takes (1 to 10). */
static inline uint32_t
og_pb_varint_size(uint64_t v)
{
	uint32_t n = 1;

	while (v >= 0x80) {
		v >>= 7;
		n++;
	}
	return n;
}

/** The tag of field @p field with wire type @p wt (an enum og_pb_wt). */
static inline uint64_t
og_pb_tag(uint32_t field, unsigned int wt)
{
	return (uint64_t)field << 3 | (wt & 7);
}

/** The field number of tag @p tag (0 and numbers over OG_PB_MAX_FIELD are invalid). */
static inline uint64_t
og_pb_tag_field(uint64_t tag)
{
	return tag >> 3;
}

/** The wire type of tag @p tag. */
static inline uint32_t
og_pb_tag_wt(uint64_t tag)
{
	return (uint32_t)(tag & 7);
}

/**
 * Next record of a length-delimited stream (protobuf's delimited
 * convention, "Length-Delimited Records": a varint length, then that many
 * bytes), as the file backend writes and otlpcat --delimited reads.
 *
 * @param buf, len  the whole stream.
 * @param pos       offset of the next record's length prefix; on success
 *   moved past the record, otherwise unchanged.
 * @return 1 with *@p rec and *@p rec_len set, 0 at the end (*@p pos ==
 *   @p len), -1 when the prefix is malformed or the record runs past @p len.
 */
static inline int
og_pb_delimited_next(const uint8_t *buf, size_t len, size_t *pos, const uint8_t **rec,
		     size_t *rec_len)
{
	uint64_t n;
	int k;

	if (*pos >= len)
		return 0;
	k = og_pb_varint_get(buf + *pos, buf + len, &n);
	if (k <= 0 || n > len - *pos - (size_t)k)
		return -1;
	*rec = buf + *pos + k;
	*rec_len = (size_t)n;
	*pos += (size_t)k + (size_t)n;
	return 1;
}

#endif /* OG_PB_H */
