/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * gzip (RFC 1952) for OTLP/HTTP bodies sent with Content-Encoding: gzip, and
 * for egress compression.
 *
 * The gzip wrapper (header, trailer, concatenated members) is parsed here;
 * the DEFLATE data (RFC 1951) inside each member is inflated by ISA-L in raw
 * mode, which also computes the CRC-32 of what it writes. Parsing the
 * wrapper ourselves gives exact error classes and byte offsets, enforces the
 * reserved-flag rule, checks the header CRC, and walks the segment list
 * without ever linearising it (runs of small segments pass through a 32 KiB
 * staging buffer, see gz_feed()). docs/dependencies.md explains why ISA-L.
 *
 * Memory: the inflater (149 KiB: ISA-L's state with its own copy of the
 * 32 KiB history window, the staging buffer and the measuring sink) is
 * allocated once per lcore at start-up and reused, so inflating
 * allocates nothing, and output goes only into the caller's bounded buffer:
 * when it is full, at most one window's worth of further output is decoded
 * into the inflater's own buffer, which is enough to tell "fits exactly"
 * from "too large". A zip bomb costs out_cap bytes of writing, never memory.
 * og_gzip_measure() decodes into the inflater's 32 KiB sink, over and over,
 * keeping nothing: a bomb is found out for limit bytes of work and no
 * memory at all.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <isa-l/crc.h>
#include <isa-l/igzip_lib.h>

#include "og_otlp.h"

/* RFC 1952 §2.3: fixed part of a member header, and the trailer. */
#define GZ_ID1		 0x1f
#define GZ_ID2		 0x8b
#define GZ_CM_DEFLATE	 8
#define GZ_FTEXT	 0x01
#define GZ_FHCRC	 0x02
#define GZ_FEXTRA	 0x04
#define GZ_FNAME	 0x08
#define GZ_FCOMMENT	 0x10
#define GZ_FRESERVED	 0xe0
#define GZ_FIXED_HDR_LEN 10
#define GZ_TRAILER_LEN	 8

/*
 * Segments shorter than this are gathered into the inflater's staging
 * buffer before ISA-L sees them (see gz_feed()).
 */
#define GZ_STAGE_MIN 8192
#define GZ_STAGE_LEN 32768
/* og_gzip_measure() writes its output here, one window at a time. */
#define GZ_SINK_LEN 32768

struct og_inflater {
	struct inflate_state st;
	uint8_t stage[GZ_STAGE_LEN];
	uint8_t sink[GZ_SINK_LEN];
};

/*
 * Read position in a segment list. (seg, off) is the next byte to read and
 * abs its offset from the first byte of the body; seg == nseg at the end.
 */
struct gz_cur {
	const struct og_seg *segs;
	uint32_t nseg;
	uint32_t seg;
	uint32_t off;
	uint64_t abs;
};

/* Bytes readable from the current segment, stepping over finished ones. */
static inline uint32_t
cur_avail(struct gz_cur *c)
{
	while (c->seg < c->nseg && c->off == c->segs[c->seg].len) {
		c->seg++;
		c->off = 0;
	}
	return c->seg < c->nseg ? c->segs[c->seg].len - c->off : 0;
}

static inline void
cur_advance(struct gz_cur *c, uint32_t n)
{
	c->off += n;
	c->abs += n;
}

static inline bool
cur_getc(struct gz_cur *c, uint8_t *b)
{
	if (cur_avail(c) == 0)
		return false;
	*b = c->segs[c->seg].data[c->off];
	cur_advance(c, 1);
	return true;
}

/* Move back to absolute offset @p pos (at or before the current one). */
static void
cur_seek_back(struct gz_cur *c, uint64_t pos)
{
	while (pos < c->abs - c->off) {
		c->abs -= c->off;
		c->seg--;
		c->off = c->segs[c->seg].len;
	}
	c->off -= (uint32_t)(c->abs - pos);
	c->abs = pos;
}

static inline int
gz_fail(struct og_otlp_error *err, enum og_otlp_err code, uint64_t off)
{
	if (err != NULL) {
		err->code = code;
		err->offset = off;
	}
	return -(int)code;
}

/* Read @p n (<= 8) bytes into @p dst, hashing them into *crc. */
static bool
cur_read(struct gz_cur *c, uint8_t *dst, uint32_t n, uint32_t *crc)
{
	for (uint32_t i = 0; i < n; i++)
		if (!cur_getc(c, &dst[i]))
			return false;
	*crc = crc32_gzip_refl(*crc, dst, n);
	return true;
}

/* Skip @p n bytes (FEXTRA payload), hashing them into *crc. */
static bool
cur_skip(struct gz_cur *c, uint32_t n, uint32_t *crc)
{
	while (n > 0) {
		uint32_t k = OG_MIN(cur_avail(c), n);

		if (k == 0)
			return false;
		*crc = crc32_gzip_refl(*crc, (uint8_t *)(uintptr_t)(c->segs[c->seg].data + c->off),
				       k);
		cur_advance(c, k);
		n -= k;
	}
	return true;
}

/* Skip a zero-terminated string (FNAME, FCOMMENT), terminator included. */
static bool
cur_skip_cstr(struct gz_cur *c, uint32_t *crc)
{
	for (;;) {
		uint32_t k = cur_avail(c);
		const uint8_t *p, *z;

		if (k == 0)
			return false;
		p = c->segs[c->seg].data + c->off;
		z = memchr(p, 0, k);
		if (z != NULL)
			k = (uint32_t)(z - p) + 1;
		*crc = crc32_gzip_refl(*crc, (uint8_t *)(uintptr_t)p, k);
		cur_advance(c, k);
		if (z != NULL)
			return true;
	}
}

/*
 * Parse one member header (RFC 1952 §2.3) and leave the cursor on the first
 * byte of its DEFLATE data.
 */
static int
gz_read_header(struct gz_cur *c, struct og_otlp_error *err)
{
	uint64_t start = c->abs;
	uint32_t crc = 0;
	uint8_t h[GZ_FIXED_HDR_LEN];
	uint8_t flg;

	/*
	 * Validate each fixed byte as soon as it is read, so that garbage
	 * shorter than a header is called corrupt rather than truncated.
	 */
	for (uint32_t i = 0; i < GZ_FIXED_HDR_LEN; i++) {
		if (!cur_getc(c, &h[i]))
			return gz_fail(err, OG_OTLP_ERR_GZIP_TRUNCATED, c->abs);
		if ((i == 0 && h[0] != GZ_ID1) || (i == 1 && h[1] != GZ_ID2))
			return gz_fail(err, OG_OTLP_ERR_GZIP_CORRUPT, start + i);
		/* §2.3.1: CM = 8 is deflate; 0-7 are reserved, nothing else is defined */
		if (i == 2 && h[2] != GZ_CM_DEFLATE)
			return gz_fail(err, OG_OTLP_ERR_GZIP_CORRUPT, start + i);
		/* §2.3.1.2: "must give an error indication if any reserved bit is non-zero" */
		if (i == 3 && (h[3] & GZ_FRESERVED) != 0)
			return gz_fail(err, OG_OTLP_ERR_GZIP_CORRUPT, start + i);
	}
	flg = h[3];
	crc = crc32_gzip_refl(crc, h, GZ_FIXED_HDR_LEN);

	if (flg & GZ_FEXTRA) {
		uint8_t xlen[2];

		if (!cur_read(c, xlen, 2, &crc) ||
		    !cur_skip(c, xlen[0] | (uint32_t)xlen[1] << 8, &crc))
			return gz_fail(err, OG_OTLP_ERR_GZIP_TRUNCATED, c->abs);
	}
	if ((flg & GZ_FNAME) && !cur_skip_cstr(c, &crc))
		return gz_fail(err, OG_OTLP_ERR_GZIP_TRUNCATED, c->abs);
	if ((flg & GZ_FCOMMENT) && !cur_skip_cstr(c, &crc))
		return gz_fail(err, OG_OTLP_ERR_GZIP_TRUNCATED, c->abs);
	if (flg & GZ_FHCRC) {
		/* §2.3.1: CRC16 = the two low bytes of the CRC-32 of the header so far */
		uint64_t at = c->abs;
		uint32_t dummy = 0;
		uint8_t hcrc[2];

		if (!cur_read(c, hcrc, 2, &dummy))
			return gz_fail(err, OG_OTLP_ERR_GZIP_TRUNCATED, c->abs);
		if ((hcrc[0] | (uint32_t)hcrc[1] << 8) != (crc & 0xffff))
			return gz_fail(err, OG_OTLP_ERR_GZIP_CRC, at);
	}
	return OG_OK;
}

struct og_inflater *
og_inflater_create(void)
{
	struct og_inflater *inf = malloc(sizeof(*inf));

	if (inf == NULL)
		return NULL;
	isal_inflate_init(&inf->st);
	return inf;
}

void
og_inflater_free(struct og_inflater *inf)
{
	free(inf);
}

/* Bytes the decoder has produced but not yet written to the caller's buffer. */
static inline int32_t
gz_pending(const struct inflate_state *st)
{
	return st->tmp_out_valid - st->tmp_out_processed;
}

/*
 * Give ISA-L its next piece of input. A large segment is passed as it is; a
 * run of small ones (TCP payloads of 1448 bytes) is first copied into the
 * staging buffer, because ISA-L keeps its 32 KiB history by copying it after
 * every call that ends with input exhausted: one call per 1448-byte segment
 * costs ~20% of inflate speed (docs/dependencies.md), one per 32 KiB little.
 * The copy is of compressed bytes, bounded, and into memory allocated once.
 * Offsets stay exact: c->abs counts what was handed over either way.
 */
static inline void
gz_feed(struct og_inflater *inf, struct gz_cur *c)
{
	struct inflate_state *st = &inf->st;
	uint32_t n = cur_avail(c), k = 0;

	if (n >= GZ_STAGE_MIN || n == 0) {
		st->next_in =
			(uint8_t *)(uintptr_t)(n ? c->segs[c->seg].data + c->off : inf->stage);
		st->avail_in = n;
		cur_advance(c, n);
		return;
	}
	while (k < GZ_STAGE_LEN && (n = cur_avail(c)) != 0) {
		n = OG_MIN(n, GZ_STAGE_LEN - k);
		memcpy(inf->stage + k, c->segs[c->seg].data + c->off, n);
		cur_advance(c, n);
		k += n;
	}
	st->next_in = inf->stage;
	st->avail_in = k;
}

/*
 * Point the decoder at the room left for output: out[len, cap), or with
 * @p out NULL (measuring) the next window of the sink, never past @p cap.
 */
static inline void
gz_out(struct og_inflater *inf, uint8_t *out, size_t cap, size_t len)
{
	struct inflate_state *st = &inf->st;

	if (out != NULL) {
		st->next_out = out + len;
		st->avail_out = (uint32_t)(cap - len);
	} else {
		st->next_out = inf->sink;
		st->avail_out = (uint32_t)OG_MIN(cap - len, (size_t)GZ_SINK_LEN);
	}
}

/*
 * Inflate the DEFLATE data of one member into out[*len, cap) (or the sink,
 * @p out NULL), then check its trailer (RFC 1952 §2.3.1: CRC32 then ISIZE,
 * both little-endian). *len counts every byte produced, also on error.
 */
static int
gz_member(struct og_inflater *inf, struct gz_cur *c, uint8_t *out, size_t cap, size_t *len,
	  struct og_otlp_error *err)
{
	struct inflate_state *st = &inf->st;
	size_t start = *len;
	uint8_t tr[GZ_TRAILER_LEN];
	uint64_t end, trailer_at;
	uint32_t dummy = 0, crc, isize;
	size_t produced;

	isal_inflate_reset(st);
	st->crc_flag = ISAL_GZIP_NO_HDR; /* raw DEFLATE; st->crc = CRC-32 of the output */
	gz_out(inf, out, cap, *len);
	st->next_in = NULL;
	st->avail_in = 0;

	for (;;) {
		uint8_t *o0;
		int ret;

		if (st->avail_in == 0)
			gz_feed(inf, c);
		o0 = st->next_out;
		ret = isal_inflate(st);
		*len += (size_t)(st->next_out - o0);
		if (og_unlikely(ret < 0)) {
			/* where the decoder stood: what it was given minus what it holds */
			uint64_t held = st->avail_in + (uint64_t)OG_MAX(st->read_in_length, 0) / 8;

			return gz_fail(err, OG_OTLP_ERR_GZIP_CORRUPT,
				       c->abs - OG_MIN(held, c->abs));
		}
		if (st->block_state == ISAL_BLOCK_FINISH)
			break;
		if (st->avail_out == 0 && *len < cap) {
			/* measuring: the sink is full, start it over (ISA-L keeps the history) */
			gz_out(inf, out, cap, *len);
			continue;
		}
		/*
		 * The caller's buffer is full and the decoder holds more output:
		 * the inflated body is larger than the limit.
		 */
		if (st->avail_out == 0 && gz_pending(st) > 0)
			return gz_fail(err, OG_OTLP_ERR_TOO_LARGE, c->abs - st->avail_in);
		if (st->avail_in == 0 && cur_avail(c) == 0)
			return gz_fail(err, OG_OTLP_ERR_GZIP_TRUNCATED, c->abs);
		if (og_unlikely(st->avail_in != 0 && st->avail_out != 0))
			/* ISA-L returns early only when input or output runs out */
			return gz_fail(err, OG_OTLP_ERR_GZIP_CORRUPT, c->abs - st->avail_in);
	}
	produced = *len - start;

	/*
	 * The decoder reads ahead up to 8 bytes into its bit buffer and may have
	 * been given a whole segment: the DEFLATE data ends where the unused
	 * bytes begin (partial bits of its last byte belong to it).
	 */
	end = c->abs - st->avail_in - (uint64_t)st->read_in_length / 8;
	cur_seek_back(c, end);

	trailer_at = c->abs;
	if (!cur_read(c, tr, GZ_TRAILER_LEN, &dummy))
		return gz_fail(err, OG_OTLP_ERR_GZIP_TRUNCATED, c->abs);
	crc = tr[0] | (uint32_t)tr[1] << 8 | (uint32_t)tr[2] << 16 | (uint32_t)tr[3] << 24;
	isize = tr[4] | (uint32_t)tr[5] << 8 | (uint32_t)tr[6] << 16 | (uint32_t)tr[7] << 24;
	if (crc != st->crc)
		return gz_fail(err, OG_OTLP_ERR_GZIP_CRC, trailer_at);
	/* ISIZE is the input size modulo 2^32 */
	if (isize != (uint32_t)produced)
		return gz_fail(err, OG_OTLP_ERR_GZIP_CRC, trailer_at + 4);
	return OG_OK;
}

/* Every member into @p out (NULL: the sink), at most @p cap bytes in all. */
static int
gz_inflate(struct og_inflater *inf, const struct og_seg *in, uint32_t nseg, uint8_t *out,
	   size_t cap, size_t *len, struct og_otlp_error *err)
{
	struct gz_cur c = { .segs = in, .nseg = nseg };
	int ret;

	*len = 0;
	/* ISA-L counts output in 32 bits; bodies are limited far below that */
	if (out != NULL && cap > UINT32_MAX)
		cap = UINT32_MAX;
	/* An empty body is not a gzip stream: it ends before the first header. */
	do {
		ret = gz_read_header(&c, err);
		if (ret == OG_OK)
			ret = gz_member(inf, &c, out, cap, len, err);
		if (ret != OG_OK)
			return ret;
		/*
		 * RFC 1952 §2.2: a gzip file is a series of members; anything
		 * after the last one must itself be a valid member (unlike gzip(1),
		 * which ignores trailing garbage with a warning).
		 */
	} while (cur_avail(&c) > 0);

	if (err != NULL) {
		err->code = OG_OTLP_ERR_NONE;
		err->offset = 0;
	}
	return OG_OK;
}

int
og_gzip_inflate(struct og_inflater *inf, const struct og_seg *in, uint32_t nseg, uint8_t *out,
		size_t out_cap, size_t *out_len, struct og_otlp_error *err)
{
	uint8_t dummy;
	size_t len;
	int ret;

	OG_ASSERT(inf != NULL && out_len != NULL);
	if (out == NULL) {
		out = &dummy;
		out_cap = 0;
	}
	ret = gz_inflate(inf, in, nseg, out, out_cap, &len, err);
	*out_len = ret == OG_OK ? len : 0;
	return ret;
}

int
og_gzip_measure(struct og_inflater *inf, const struct og_seg *in, uint32_t nseg, size_t limit,
		size_t *size, struct og_otlp_error *err)
{
	OG_ASSERT(inf != NULL && size != NULL);
	return gz_inflate(inf, in, nseg, NULL, limit, size, err);
}

/* ISA-L compression levels and the working memory each needs. */
static const uint32_t gz_level_buf_size[ISAL_DEF_MAX_LEVEL + 1] = {
	ISAL_DEF_LVL0_DEFAULT,
	ISAL_DEF_LVL1_DEFAULT,
	ISAL_DEF_LVL2_DEFAULT,
	ISAL_DEF_LVL3_DEFAULT,
};

int
og_gzip_deflate(const uint8_t *in, size_t len, struct og_wbuf *out, int level)
{
	static const uint8_t empty;
	struct isal_zstream *zs;
	size_t start = out->len;
	int ret = -OG_OTLP_ERR_NO_SPACE;

	if (level < 0)
		level = 1;
	if (level > ISAL_DEF_MAX_LEVEL)
		level = ISAL_DEF_MAX_LEVEL;
	zs = malloc(sizeof(*zs) + gz_level_buf_size[level]);
	if (zs == NULL) {
		out->overflow = true;
		return -OG_OTLP_ERR_NO_SPACE;
	}
	isal_deflate_init(zs);
	zs->gzip_flag = IGZIP_GZIP; /* default header (no name, MTIME 0) and trailer */
	zs->level = (uint32_t)level;
	zs->level_buf = (uint8_t *)(zs + 1);
	zs->level_buf_size = gz_level_buf_size[level];
	zs->flush = NO_FLUSH;
	zs->next_in = (uint8_t *)(uintptr_t)(len ? in : &empty);
	zs->avail_in = 0;
	/* a member is around a quarter of OTLP protobuf; grow if it is not */
	if (out->growable && !og_wbuf_reserve(out, len / 4 + 64))
		goto done;

	for (;;) {
		size_t room = out->cap - out->len;

		if (zs->avail_in == 0) {
			size_t left = len - (size_t)(zs->next_in - (len ? in : &empty));

			zs->avail_in = (uint32_t)OG_MIN(left, (size_t)UINT32_MAX);
			zs->end_of_stream = zs->avail_in == left;
		}
		if (room == 0) {
			if (!og_wbuf_reserve(out, OG_MAX(out->cap / 2, (size_t)4096)))
				goto done;
			room = out->cap - out->len;
		}
		zs->next_out = out->data + out->len;
		zs->avail_out = (uint32_t)OG_MIN(room, (size_t)UINT32_MAX);
		if (isal_deflate(zs) != COMP_OK)
			goto done;
		out->len = (size_t)(zs->next_out - out->data);
		if (zs->internal_state.state == ZSTATE_END) {
			ret = OG_OK;
			break;
		}
	}
done:
	if (ret != OG_OK) {
		out->len = start;
		out->overflow = true;
	}
	free(zs);
	return ret;
}

/* ---- streaming deflater ---------------------------------------------------- */

struct og_deflater {
	struct isal_zstream zs;
	uint64_t in, out;
	uint32_t level;
	uint8_t level_buf[];
};

struct og_deflater *
og_deflater_create(int level)
{
	struct og_deflater *d;

	if (level < 0)
		level = 1;
	if (level > ISAL_DEF_MAX_LEVEL)
		level = ISAL_DEF_MAX_LEVEL;
	d = malloc(sizeof(*d) + gz_level_buf_size[level]);
	if (d == NULL)
		return NULL;
	d->level = (uint32_t)level;
	og_deflater_init(d);
	return d;
}

void
og_deflater_free(struct og_deflater *d)
{
	free(d);
}

void
og_deflater_init(struct og_deflater *d)
{
	struct isal_zstream *zs = &d->zs;

	isal_deflate_init(zs);
	zs->gzip_flag = IGZIP_GZIP; /* default header (no name, MTIME 0) and trailer */
	zs->level = d->level;
	zs->level_buf = d->level_buf;
	zs->level_buf_size = gz_level_buf_size[d->level];
	zs->flush = NO_FLUSH;
	zs->avail_in = 0;
	d->in = 0;
	d->out = 0;
}

/* One isal_deflate() call into [out, out + cap): counts what it did. */
static int
dfl_run(struct og_deflater *d, uint8_t *out, uint32_t cap, uint32_t *out_len)
{
	struct isal_zstream *zs = &d->zs;
	uint32_t before = zs->avail_in;

	zs->next_out = out;
	zs->avail_out = cap;
	if (isal_deflate(zs) != COMP_OK) {
		*out_len = 0;
		return -OG_OTLP_ERR_NO_SPACE;
	}
	*out_len = (uint32_t)(zs->next_out - out);
	d->in += before - zs->avail_in;
	d->out += *out_len;
	return OG_OK;
}

int
og_deflater_step(struct og_deflater *d, const uint8_t *in, uint32_t in_len, uint32_t *in_used,
		 uint8_t *out, uint32_t out_cap, uint32_t *out_len)
{
	struct isal_zstream *zs = &d->zs;
	int rc;

	*in_used = 0;
	*out_len = 0;
	if (in_len == 0)
		return OG_OK;
	zs->end_of_stream = 0;
	zs->next_in = (uint8_t *)(uintptr_t)in;
	zs->avail_in = in_len;
	rc = dfl_run(d, out, out_cap, out_len);
	*in_used = in_len - zs->avail_in;
	zs->avail_in = 0; /* the caller passes the rest again */
	if (rc < 0)
		return rc;
	return *in_used == in_len ? OG_OK : OG_AGAIN;
}

int
og_deflater_finish(struct og_deflater *d, uint8_t *out, uint32_t out_cap, uint32_t *out_len)
{
	struct isal_zstream *zs = &d->zs;
	int rc;

	*out_len = 0;
	if (zs->internal_state.state == ZSTATE_END)
		return OG_OK;
	zs->end_of_stream = 1;
	zs->avail_in = 0;
	rc = dfl_run(d, out, out_cap, out_len);
	if (rc < 0)
		return rc;
	return zs->internal_state.state == ZSTATE_END ? OG_OK : OG_AGAIN;
}

uint64_t
og_deflater_bytes_in(const struct og_deflater *d)
{
	return d->in;
}

uint64_t
og_deflater_bytes_out(const struct og_deflater *d)
{
	return d->out;
}
