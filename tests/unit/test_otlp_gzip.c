/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * gzip inflate/deflate (lib/otlp/gzip.c): real client bodies across every
 * segmentation, the inflated-size limit, zip bombs, RFC 1952 header and
 * trailer rules, concatenated members, corruption and truncation; the
 * streaming deflater over several steps.
 */
#include <string.h>

#include "og_test.h"
#include "og_otlp.h"

static const char *const samples[] = {
	"traces-1",	   "traces-64",
	"traces-512",	   "traces-4096",
	"traces-rich-200", "traces-multi-resource",
	"logs-100",	   "logs-multi-resource",
	"metrics-4x3",	   "metrics-multi-resource",
};

#define GUARD	   64
#define GUARD_BYTE 0xa5

static struct og_inflater *inf;

static int
suite_init(void)
{
	inf = og_inflater_create();
	return inf == NULL;
}

static int
suite_clean(void)
{
	og_inflater_free(inf);
	return 0;
}

/* CRC-32 of RFC 1952 §8, bit by bit: independent of the code under test. */
static uint32_t
ref_crc32(uint32_t crc, const uint8_t *p, size_t n)
{
	crc = ~crc;
	for (size_t i = 0; i < n; i++) {
		crc ^= p[i];
		for (int k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1)));
	}
	return ~crc;
}

static void
put_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

/*
 * Inflate @p len bytes split into @p seg_len pieces (0: one segment) into a
 * buffer of exactly @p cap bytes followed by a guard, and check the guard.
 */
static int
inflate_split(const uint8_t *gz, size_t len, size_t seg_len, size_t cap, uint8_t **out,
	      size_t *out_len, struct og_otlp_error *err)
{
	uint8_t *buf = malloc(cap + GUARD);
	struct og_seg one = { gz, (uint32_t)len };
	struct og_seg *segs = &one;
	uint32_t nseg = 1;
	int ret;

	memset(buf, GUARD_BYTE, cap + GUARD);
	if (seg_len != 0)
		segs = og_test_split(gz, len, seg_len, &nseg);
	ret = og_gzip_inflate(inf, segs, nseg, buf, cap, out_len, err);
	for (size_t i = cap; i < cap + GUARD; i++)
		CU_ASSERT_EQUAL_FATAL(buf[i], GUARD_BYTE);
	if (segs != &one)
		free(segs);
	if (out != NULL)
		*out = buf;
	else
		free(buf);
	return ret;
}

/* Inflate and compare with @p want; returns true when both agree. */
static bool
inflates_to(const uint8_t *gz, size_t len, size_t seg_len, const uint8_t *want, size_t want_len)
{
	struct og_otlp_error err = { OG_OTLP_ERR_GZIP_CORRUPT, 99 };
	size_t got = 0;
	uint8_t *out;
	int ret;
	bool ok;

	ret = inflate_split(gz, len, seg_len, want_len + 100, &out, &got, &err);
	ok = ret == OG_OK && got == want_len && memcmp(out, want, want_len) == 0 &&
	     err.code == OG_OTLP_ERR_NONE;
	free(out);
	return ok;
}

static int
inflate_err(const uint8_t *gz, size_t len, size_t seg_len, size_t cap, struct og_otlp_error *err)
{
	size_t got = 12345;
	int ret = inflate_split(gz, len, seg_len, cap, NULL, &got, err);

	if (ret != OG_OK) {
		CU_ASSERT_EQUAL(got, 0);
		CU_ASSERT_EQUAL(ret, -(int)err->code);
	}
	return ret;
}

static void
load(const char *name, uint8_t **pb, size_t *pb_len, uint8_t **gz, size_t *gz_len)
{
	char path[256];

	snprintf(path, sizeof(path), "samples/%s.pb", name);
	*pb = og_test_read_file(path, pb_len);
	snprintf(path, sizeof(path), "samples/%s.pb.gz", name);
	*gz = og_test_read_file(path, gz_len);
}

static void
test_samples(void)
{
	for (size_t i = 0; i < OG_ARRAY_SIZE(samples); i++) {
		uint8_t *pb, *gz;
		size_t pb_len, gz_len;

		load(samples[i], &pb, &pb_len, &gz, &gz_len);
		CU_ASSERT_TRUE(inflates_to(gz, gz_len, 0, pb, pb_len));
		CU_ASSERT_TRUE(inflates_to(gz, gz_len, 1448, pb, pb_len));
		CU_ASSERT_TRUE(inflates_to(gz, gz_len, 1, pb, pb_len));
		CU_ASSERT_TRUE(inflates_to(gz, gz_len, 7, pb, pb_len));
		free(pb);
		free(gz);
	}
}

/* Every split point of the small samples, as two segments. */
static void
test_samples_two_segments(void)
{
	for (size_t i = 0; i < OG_ARRAY_SIZE(samples); i++) {
		uint8_t *pb, *gz, *out = NULL;
		size_t pb_len, gz_len;
		unsigned int bad = 0;

		load(samples[i], &pb, &pb_len, &gz, &gz_len);
		if (gz_len <= 4096) {
			out = malloc(pb_len);
			for (size_t at = 0; at <= gz_len; at++) {
				struct og_seg s[2] = { { gz, (uint32_t)at },
						       { gz + at, (uint32_t)(gz_len - at) } };
				size_t got = 0;

				if (og_gzip_inflate(inf, s, 2, out, pb_len, &got, NULL) != OG_OK ||
				    got != pb_len || memcmp(out, pb, pb_len) != 0)
					bad++;
			}
		}
		CU_ASSERT_EQUAL(bad, 0);
		free(out);
		free(pb);
		free(gz);
	}
}

/*
 * Segments of mixed sizes: small ones are staged by the inflater, large ones
 * are read in place; every mix must give the same bytes.
 */
static void
test_mixed_segments(void)
{
	static const uint32_t pattern[] = { 1, 100, 9000, 3, 1448, 40000, 8191, 8192, 2, 65536 };
	uint8_t *pb, *gz, *out;
	size_t pb_len, gz_len;
	struct og_seg segs[256];

	load("traces-4096", &pb, &pb_len, &gz, &gz_len);
	out = malloc(pb_len);
	for (size_t rot = 0; rot < OG_ARRAY_SIZE(pattern); rot++) {
		uint32_t n = 0;
		size_t off = 0, got = 0;

		while (off < gz_len && n < OG_ARRAY_SIZE(segs)) {
			uint32_t l = pattern[(rot + n) % OG_ARRAY_SIZE(pattern)];

			l = (uint32_t)OG_MIN((size_t)l, gz_len - off);
			segs[n].data = gz + off;
			segs[n++].len = l;
			off += l;
		}
		CU_ASSERT_EQUAL_FATAL(off, gz_len);
		CU_ASSERT_EQUAL(og_gzip_inflate(inf, segs, n, out, pb_len, &got, NULL), OG_OK);
		CU_ASSERT_EQUAL(got, pb_len);
		CU_ASSERT(memcmp(out, pb, pb_len) == 0);
		CU_ASSERT_EQUAL(og_gzip_inflate(inf, segs, n, out, pb_len - 1, &got, NULL),
				-OG_OTLP_ERR_TOO_LARGE);
	}
	free(out);
	free(pb);
	free(gz);
}

/* The limit is on the inflated size: exactly enough succeeds, one less fails. */
static void
test_limit_exact(void)
{
	for (size_t i = 0; i < OG_ARRAY_SIZE(samples); i++) {
		struct og_otlp_error err;
		uint8_t *pb, *gz, *out;
		size_t pb_len, gz_len, got = 0;

		load(samples[i], &pb, &pb_len, &gz, &gz_len);
		for (size_t seg = 0; seg <= 1448; seg += 1448) {
			CU_ASSERT_EQUAL(inflate_split(gz, gz_len, seg, pb_len, &out, &got, &err),
					OG_OK);
			CU_ASSERT_EQUAL(got, pb_len);
			CU_ASSERT(memcmp(out, pb, pb_len) == 0);
			free(out);
			CU_ASSERT_EQUAL(inflate_err(gz, gz_len, seg, pb_len - 1, &err),
					-OG_OTLP_ERR_TOO_LARGE);
			CU_ASSERT_EQUAL(err.code, OG_OTLP_ERR_TOO_LARGE);
			CU_ASSERT_EQUAL(inflate_err(gz, gz_len, seg, 0, &err),
					-OG_OTLP_ERR_TOO_LARGE);
		}
		/* and with 1-byte segments, one byte short */
		CU_ASSERT_EQUAL(inflate_err(gz, gz_len, 1, pb_len - 1, &err),
				-OG_OTLP_ERR_TOO_LARGE);
		free(pb);
		free(gz);
	}
}

/* 100 MiB of zeros against a 64 MiB limit: an error, not memory. */
static void
test_zip_bomb(void)
{
	const size_t big = 100u << 20, limit = 64u << 20;
	uint8_t *zeros = calloc(1, big);
	struct og_otlp_error err;
	struct og_wbuf gz;

	CU_ASSERT_PTR_NOT_NULL_FATAL(zeros);
	og_wbuf_init_growable(&gz);
	CU_ASSERT_EQUAL_FATAL(og_gzip_deflate(zeros, big, &gz, 1), OG_OK);
	free(zeros);
	CU_ASSERT(gz.len < big / 200); /* it really is a bomb */
	CU_ASSERT_EQUAL(inflate_err(gz.data, gz.len, 0, limit, &err), -OG_OTLP_ERR_TOO_LARGE);
	CU_ASSERT_EQUAL(err.code, OG_OTLP_ERR_TOO_LARGE);
	CU_ASSERT(err.offset <= gz.len);
	CU_ASSERT_EQUAL(inflate_err(gz.data, gz.len, 1448, limit, &err), -OG_OTLP_ERR_TOO_LARGE);
	og_wbuf_free(&gz);
}

/*
 * og_gzip_measure(): the size og_gzip_inflate() would produce, keeping
 * nothing; past the limit it stops within one 32 KiB window, and it reports
 * the same errors.
 */
static void
test_measure(void)
{
	const size_t big = 100u << 20, limit = 4u << 20;
	struct og_otlp_error err;
	struct og_wbuf gz;
	uint8_t *zeros;
	size_t size;

	for (size_t i = 0; i < OG_ARRAY_SIZE(samples); i++) {
		uint8_t *pb, *gzb;
		size_t pb_len, gz_len;
		uint32_t nseg = 1;
		struct og_seg one, *segs;

		load(samples[i], &pb, &pb_len, &gzb, &gz_len);
		one = (struct og_seg){ gzb, (uint32_t)gz_len };
		segs = og_test_split(gzb, gz_len, 1448, &nseg);
		CU_ASSERT_EQUAL(og_gzip_measure(inf, &one, 1, pb_len, &size, &err), OG_OK);
		CU_ASSERT_EQUAL(size, pb_len);
		CU_ASSERT_EQUAL(og_gzip_measure(inf, segs, nseg, SIZE_MAX, &size, &err), OG_OK);
		CU_ASSERT_EQUAL(size, pb_len);
		CU_ASSERT_EQUAL(og_gzip_measure(inf, segs, nseg, pb_len - 1, &size, &err),
				-OG_OTLP_ERR_TOO_LARGE);
		CU_ASSERT_EQUAL(err.code, OG_OTLP_ERR_TOO_LARGE);
		CU_ASSERT(size <= pb_len);
		/* truncated: the same error as inflating */
		one.len = (uint32_t)gz_len - 3;
		CU_ASSERT_EQUAL(og_gzip_measure(inf, &one, 1, SIZE_MAX, &size, &err),
				-OG_OTLP_ERR_GZIP_TRUNCATED);
		free(segs);
		free(pb);
		free(gzb);
	}
	zeros = calloc(1, big);
	CU_ASSERT_PTR_NOT_NULL_FATAL(zeros);
	og_wbuf_init_growable(&gz);
	CU_ASSERT_EQUAL_FATAL(og_gzip_deflate(zeros, big, &gz, 1), OG_OK);
	free(zeros);
	{
		struct og_seg one = { gz.data, (uint32_t)gz.len };

		CU_ASSERT_EQUAL(og_gzip_measure(inf, &one, 1, limit, &size, &err),
				-OG_OTLP_ERR_TOO_LARGE);
		CU_ASSERT(size >= limit && size <= limit + 32768);
		CU_ASSERT_EQUAL(og_gzip_measure(inf, &one, 1, SIZE_MAX, &size, &err), OG_OK);
		CU_ASSERT_EQUAL(size, big);
	}
	og_wbuf_free(&gz);
}

/* Every proper prefix of a body fails, and never as success or a crash. */
static void
test_truncation(void)
{
	uint8_t *pb, *gz;
	size_t pb_len, gz_len;
	unsigned int bad = 0, truncated = 0;

	load("traces-1", &pb, &pb_len, &gz, &gz_len);
	for (size_t n = 0; n < gz_len; n++) {
		for (size_t seg = 0; seg <= 1; seg++) {
			struct og_otlp_error err;
			uint8_t *copy = malloc(n ? n : 1); /* exact size: ASan sees overreads */
			int ret;

			memcpy(copy, gz, n);
			ret = inflate_err(copy, n, seg, pb_len, &err);
			if (ret == -OG_OTLP_ERR_GZIP_TRUNCATED && err.offset == n)
				truncated++;
			else if (ret != -OG_OTLP_ERR_GZIP_CORRUPT)
				bad++;
			free(copy);
		}
	}
	CU_ASSERT_EQUAL(bad, 0);
	/* a prefix of a valid stream is, above all, truncated */
	CU_ASSERT_EQUAL(truncated, 2 * gz_len);
	free(pb);
	free(gz);
}

/*
 * Build a member around the DEFLATE data of traces-1.pb.gz with the given
 * flags and optional fields; hcrc_delta != 0 spoils the header CRC.
 */
static size_t
build_member(uint8_t *m, uint8_t flg, const uint8_t *deflate, size_t dlen, uint32_t crc,
	     uint32_t isize, uint32_t hcrc_delta)
{
	static const char name[] = "traces.pb", comment[] = "a comment";
	size_t n = 0;

	m[n++] = 0x1f;
	m[n++] = 0x8b;
	m[n++] = 8;
	m[n++] = flg;
	put_le32(m + n, 0x5f5e1000); /* MTIME */
	n += 4;
	m[n++] = 0; /* XFL */
	m[n++] = 3; /* OS: Unix */
	if (flg & 0x04) {
		/* one subfield (RFC 1952 §2.3.1.1), 300 bytes: longer than many segments */
		m[n++] = 0x2c;
		m[n++] = 0x01;
		m[n++] = 'O';
		m[n++] = 'G';
		m[n++] = 0x28;
		m[n++] = 0x01;
		for (int i = 0; i < 296; i++)
			m[n++] = (uint8_t)i;
	}
	if (flg & 0x08) {
		memcpy(m + n, name, sizeof(name));
		n += sizeof(name);
	}
	if (flg & 0x10) {
		memcpy(m + n, comment, sizeof(comment));
		n += sizeof(comment);
	}
	if (flg & 0x02) {
		uint32_t h = ref_crc32(0, m, n) + hcrc_delta;

		m[n++] = (uint8_t)h;
		m[n++] = (uint8_t)(h >> 8);
	}
	memcpy(m + n, deflate, dlen);
	n += dlen;
	put_le32(m + n, crc);
	put_le32(m + n + 4, isize);
	return n + 8;
}

static void
test_header_flags(void)
{
	static const uint8_t ok_flags[] = { 0x00, 0x01, 0x02, 0x04, 0x08, 0x10, 0x1e, 0x1f };
	uint8_t *pb, *gz, *m;
	size_t pb_len, gz_len, n;
	struct og_otlp_error err;
	uint32_t crc;

	load("traces-1", &pb, &pb_len, &gz, &gz_len);
	crc = ref_crc32(0, pb, pb_len);
	m = malloc(gz_len + 1024);
	for (size_t i = 0; i < OG_ARRAY_SIZE(ok_flags); i++) {
		n = build_member(m, ok_flags[i], gz + 10, gz_len - 18, crc, (uint32_t)pb_len, 0);
		CU_ASSERT_TRUE(inflates_to(m, n, 0, pb, pb_len));
		CU_ASSERT_TRUE(inflates_to(m, n, 1, pb, pb_len));
		CU_ASSERT_TRUE(inflates_to(m, n, 5, pb, pb_len));
	}
	/* FHCRC that does not match the header */
	n = build_member(m, 0x1e, gz + 10, gz_len - 18, crc, (uint32_t)pb_len, 1);
	CU_ASSERT_EQUAL(inflate_err(m, n, 1, pb_len, &err), -OG_OTLP_ERR_GZIP_CRC);
	CU_ASSERT_EQUAL(err.offset, 10 + 302 + 10 + 10); /* where the CRC16 is */
	/* §2.3.1.2: reserved FLG bits must be zero */
	for (uint8_t bit = 0x20; bit != 0; bit = (uint8_t)(bit << 1)) {
		n = build_member(m, bit, gz + 10, gz_len - 18, crc, (uint32_t)pb_len, 0);
		CU_ASSERT_EQUAL(inflate_err(m, n, 0, pb_len, &err), -OG_OTLP_ERR_GZIP_CORRUPT);
		CU_ASSERT_EQUAL(err.offset, 3);
	}
	/* bad magic, and a compression method that is not deflate */
	n = build_member(m, 0, gz + 10, gz_len - 18, crc, (uint32_t)pb_len, 0);
	for (size_t at = 0; at < 3; at++) {
		uint8_t save = m[at];

		m[at] ^= 0x40;
		CU_ASSERT_EQUAL(inflate_err(m, n, 1, pb_len, &err), -OG_OTLP_ERR_GZIP_CORRUPT);
		CU_ASSERT_EQUAL(err.offset, at);
		m[at] = save;
	}
	/* a header cut inside FNAME, FEXTRA or the CRC16 is truncated */
	n = build_member(m, 0x1e, gz + 10, gz_len - 18, crc, (uint32_t)pb_len, 0);
	for (size_t cut = 11; cut < 10 + 302 + 20 + 2; cut += 13) {
		CU_ASSERT_EQUAL(inflate_err(m, cut, 1, pb_len, &err), -OG_OTLP_ERR_GZIP_TRUNCATED);
		CU_ASSERT_EQUAL(err.offset, cut);
	}
	free(m);
	free(pb);
	free(gz);
}

static void
test_trailer(void)
{
	uint8_t *pb, *gz;
	size_t pb_len, gz_len;
	struct og_otlp_error err;

	load("traces-64", &pb, &pb_len, &gz, &gz_len);
	for (size_t seg = 0; seg <= 3; seg += 3) {
		gz[gz_len - 8] ^= 1; /* CRC32 */
		CU_ASSERT_EQUAL(inflate_err(gz, gz_len, seg, pb_len, &err), -OG_OTLP_ERR_GZIP_CRC);
		CU_ASSERT_EQUAL(err.offset, gz_len - 8);
		gz[gz_len - 8] ^= 1;
		gz[gz_len - 1] ^= 0x80; /* ISIZE */
		CU_ASSERT_EQUAL(inflate_err(gz, gz_len, seg, pb_len, &err), -OG_OTLP_ERR_GZIP_CRC);
		CU_ASSERT_EQUAL(err.offset, gz_len - 4);
		gz[gz_len - 1] ^= 0x80;
		CU_ASSERT_TRUE(inflates_to(gz, gz_len, seg, pb, pb_len));
	}
	free(pb);
	free(gz);
}

/* Corrupt DEFLATE data is an error, and the inflater recovers afterwards. */
static void
test_corrupt_deflate(void)
{
	uint8_t *pb, *gz;
	size_t pb_len, gz_len;
	struct og_otlp_error err;

	load("traces-512", &pb, &pb_len, &gz, &gz_len);
	gz[10] |= 0x06; /* BTYPE 11: reserved (RFC 1951 §3.2.3) */
	CU_ASSERT_EQUAL(inflate_err(gz, gz_len, 1448, pb_len, &err), -OG_OTLP_ERR_GZIP_CORRUPT);
	CU_ASSERT(err.offset >= 10 && err.offset < gz_len);
	gz[10] &= (uint8_t)~0x06;
	gz[10] |= 0x04; /* back to BTYPE 10 (dynamic) */
	CU_ASSERT_TRUE(inflates_to(gz, gz_len, 1448, pb, pb_len));
	/* flipping bits in the middle must never go unnoticed */
	for (size_t at = 100; at < gz_len - 8; at += 997) {
		size_t got;
		uint8_t *out;
		int ret;

		gz[at] ^= 0x10;
		ret = inflate_split(gz, gz_len, 1448, pb_len, &out, &got, &err);
		CU_ASSERT(ret == -OG_OTLP_ERR_GZIP_CORRUPT || ret == -OG_OTLP_ERR_GZIP_CRC ||
			  ret == -OG_OTLP_ERR_TOO_LARGE || ret == -OG_OTLP_ERR_GZIP_TRUNCATED);
		free(out);
		gz[at] ^= 0x10;
	}
	CU_ASSERT_TRUE(inflates_to(gz, gz_len, 0, pb, pb_len));
	free(pb);
	free(gz);
}

/* RFC 1952 §2.2: members one after another inflate to the concatenation. */
static void
test_concatenated(void)
{
	uint8_t *pb1, *gz1, *pb2, *gz2, *gz, *want;
	size_t pb1_len, gz1_len, pb2_len, gz2_len, len, want_len;
	struct og_otlp_error err;
	size_t got;

	load("traces-1", &pb1, &pb1_len, &gz1, &gz1_len);
	load("logs-100", &pb2, &pb2_len, &gz2, &gz2_len);
	len = gz1_len + gz2_len + gz1_len;
	want_len = pb1_len + pb2_len + pb1_len;
	gz = malloc(len);
	want = malloc(want_len);
	memcpy(gz, gz1, gz1_len);
	memcpy(gz + gz1_len, gz2, gz2_len);
	memcpy(gz + gz1_len + gz2_len, gz1, gz1_len);
	memcpy(want, pb1, pb1_len);
	memcpy(want + pb1_len, pb2, pb2_len);
	memcpy(want + pb1_len + pb2_len, pb1, pb1_len);
	CU_ASSERT_TRUE(inflates_to(gz, len, 0, want, want_len));
	CU_ASSERT_TRUE(inflates_to(gz, len, 1, want, want_len));
	CU_ASSERT_TRUE(inflates_to(gz, len, 1448, want, want_len));
	CU_ASSERT_TRUE(inflates_to(gz, len, 3, want, want_len));
	/* the limit covers all members together */
	CU_ASSERT_EQUAL(inflate_split(gz, len, 0, want_len, NULL, &got, &err), OG_OK);
	CU_ASSERT_EQUAL(inflate_err(gz, len, 0, want_len - 1, &err), -OG_OTLP_ERR_TOO_LARGE);
	CU_ASSERT_EQUAL(inflate_err(gz, len, 0, pb1_len + 10, &err), -OG_OTLP_ERR_TOO_LARGE);
	/* a second member cut short is truncated */
	CU_ASSERT_EQUAL(inflate_err(gz, gz1_len + 5, 0, want_len, &err),
			-OG_OTLP_ERR_GZIP_TRUNCATED);
	CU_ASSERT_EQUAL(err.offset, gz1_len + 5);
	free(gz);
	free(want);
	free(pb1);
	free(gz1);
	free(pb2);
	free(gz2);
}

/* A member made of stored blocks (BTYPE 00), written by hand. */
static size_t
stored_member(uint8_t *m, const uint8_t *data, size_t len)
{
	static const uint8_t hdr[10] = { 0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff };
	size_t n = 10;

	memcpy(m, hdr, 10);
	m[n++] = 0x01; /* BFINAL, BTYPE 00; then LEN and NLEN (RFC 1951 §3.2.4) */
	m[n++] = (uint8_t)len;
	m[n++] = (uint8_t)(len >> 8);
	m[n++] = (uint8_t)~len;
	m[n++] = (uint8_t)(~len >> 8);
	memcpy(m + n, data, len);
	n += len;
	put_le32(m + n, ref_crc32(0, data, len));
	put_le32(m + n + 4, (uint32_t)len);
	return n + 8;
}

static void
test_stored_members(void)
{
	static const uint8_t text[] = "stored blocks are copied as they are";
	uint8_t gz[256], want[128];
	size_t n = 0, tl = sizeof(text) - 1;

	n += stored_member(gz + n, text, tl);
	n += stored_member(gz + n, text, 0); /* an empty member */
	n += stored_member(gz + n, text, 5);
	memcpy(want, text, tl);
	memcpy(want + tl, text, 5);
	for (size_t seg = 0; seg <= 9; seg++)
		CU_ASSERT_TRUE(inflates_to(gz, n, seg, want, tl + 5));
}

static void
test_trailing_garbage(void)
{
	uint8_t *pb, *gz, *buf;
	size_t pb_len, gz_len;
	struct og_otlp_error err;

	load("traces-1", &pb, &pb_len, &gz, &gz_len);
	buf = malloc(gz_len + 16);
	memcpy(buf, gz, gz_len);
	memset(buf + gz_len, 0, 16);
	/* zero padding, text, and half a magic number after the last member */
	CU_ASSERT_EQUAL(inflate_err(buf, gz_len + 1, 0, pb_len, &err), -OG_OTLP_ERR_GZIP_CORRUPT);
	CU_ASSERT_EQUAL(err.offset, gz_len);
	memcpy(buf + gz_len, "\r\n", 2);
	CU_ASSERT_EQUAL(inflate_err(buf, gz_len + 2, 1, pb_len, &err), -OG_OTLP_ERR_GZIP_CORRUPT);
	CU_ASSERT_EQUAL(err.offset, gz_len);
	buf[gz_len] = 0x1f;
	CU_ASSERT_EQUAL(inflate_err(buf, gz_len + 1, 0, pb_len, &err), -OG_OTLP_ERR_GZIP_TRUNCATED);
	buf[gz_len + 1] = 0x8b;
	buf[gz_len + 2] = 8;
	buf[gz_len + 3] = 0;
	CU_ASSERT_EQUAL(inflate_err(buf, gz_len + 10, 0, pb_len, &err),
			-OG_OTLP_ERR_GZIP_TRUNCATED);
	CU_ASSERT_EQUAL(err.offset, gz_len + 10);
	/* a header then a stored block whose LEN and NLEN disagree */
	CU_ASSERT_EQUAL(inflate_err(buf, gz_len + 16, 0, pb_len, &err), -OG_OTLP_ERR_GZIP_CORRUPT);
	free(buf);
	free(pb);
	free(gz);
}

static void
test_empty(void)
{
	struct og_seg empty[2] = { { (const uint8_t *)"", 0 }, { (const uint8_t *)"", 0 } };
	struct og_otlp_error err;
	uint8_t out[16];
	size_t got = 7;

	CU_ASSERT_EQUAL(og_gzip_inflate(inf, NULL, 0, out, sizeof(out), &got, &err),
			-OG_OTLP_ERR_GZIP_TRUNCATED);
	CU_ASSERT_EQUAL(err.offset, 0);
	CU_ASSERT_EQUAL(got, 0);
	CU_ASSERT_EQUAL(og_gzip_inflate(inf, empty, 2, out, sizeof(out), &got, &err),
			-OG_OTLP_ERR_GZIP_TRUNCATED);
}

/* Deflate then inflate: sizes 0 to 1 MiB, every level, fixed and growable. */
static void
test_round_trip(void)
{
	static const size_t sizes[] = { 0, 1, 100, 1448, 65536 + 7, 1u << 20 };
	const size_t max = 1u << 20;
	uint8_t *data = malloc(max);
	uint32_t x = 1;

	/* compressible but not trivial: words in a pseudo-random order */
	static const char *const words[] = { "trace ",	      "span ",	   "http.method ", "GET ",
					     "service.name ", "checkout ", "200 ",	   "\n" };
	for (size_t i = 0; i < max;) {
		const char *w;

		x = x * 1103515245u + 12345u;
		w = words[(x >> 16) % OG_ARRAY_SIZE(words)];
		for (; *w != 0 && i < max; w++)
			data[i++] = (uint8_t)*w;
	}
	for (size_t si = 0; si < OG_ARRAY_SIZE(sizes); si++) {
		for (int level = -1; level <= 9; level++) {
			struct og_wbuf gz;

			og_wbuf_init_growable(&gz);
			CU_ASSERT_EQUAL_FATAL(og_gzip_deflate(data, sizes[si], &gz, level), OG_OK);
			CU_ASSERT_FALSE(gz.overflow);
			CU_ASSERT(gz.len >= 18 && gz.data[0] == 0x1f && gz.data[1] == 0x8b &&
				  gz.data[2] == 8);
			if (sizes[si] >= 65536)
				CU_ASSERT(gz.len < sizes[si] / 2);
			CU_ASSERT_TRUE(inflates_to(gz.data, gz.len, 0, data, sizes[si]));
			CU_ASSERT_TRUE(inflates_to(gz.data, gz.len, 1448, data, sizes[si]));
			og_wbuf_free(&gz);
		}
	}
	free(data);
}

static void
test_deflate_fixed(void)
{
	static const uint8_t text[] = "a fixed buffer either holds the member or is left as it was";
	uint8_t mem[256];
	struct og_wbuf b;
	size_t need;

	og_wbuf_init_fixed(&b, mem, sizeof(mem));
	og_wbuf_puts(&b, "prefix");
	CU_ASSERT_EQUAL(og_gzip_deflate(text, sizeof(text), &b, 1), OG_OK);
	CU_ASSERT(memcmp(mem, "prefix", 6) == 0);
	CU_ASSERT_TRUE(inflates_to(mem + 6, b.len - 6, 0, text, sizeof(text)));
	need = b.len;

	og_wbuf_init_fixed(&b, mem, need - 1);
	og_wbuf_puts(&b, "prefix");
	CU_ASSERT_EQUAL(og_gzip_deflate(text, sizeof(text), &b, 1), -OG_OTLP_ERR_NO_SPACE);
	CU_ASSERT_EQUAL(b.len, 6);
	CU_ASSERT_TRUE(b.overflow);
}

/*
 * Feed @p len bytes to @p d in steps of @p step input bytes, writing into
 * output windows of @p room bytes at a time (as the egress driver writes
 * into mbufs' tail room), then finish; the member is appended to @p gz.
 */
static void
deflate_stepwise(struct og_deflater *d, const uint8_t *in, size_t len, size_t step, uint32_t room,
		 struct og_wbuf *gz, unsigned int *agains)
{
	size_t start = gz->len;
	int rc;

	og_deflater_init(d);
	for (size_t off = 0; off < len; off += step) {
		const uint8_t *p = in + off;
		uint32_t left = (uint32_t)OG_MIN(step, len - off);

		while (left > 0) {
			uint32_t used, n;

			CU_ASSERT_FATAL(og_wbuf_reserve(gz, room));
			rc = og_deflater_step(d, p, left, &used, gz->data + gz->len, room, &n);
			CU_ASSERT_FATAL(rc == OG_OK || rc == OG_AGAIN);
			CU_ASSERT_FATAL(n <= room && used <= left);
			CU_ASSERT_FATAL(rc == OG_AGAIN || used == left);
			*agains += rc == OG_AGAIN;
			gz->len += n;
			p += used;
			left -= used;
		}
	}
	do {
		uint32_t n;

		CU_ASSERT_FATAL(og_wbuf_reserve(gz, room));
		rc = og_deflater_finish(d, gz->data + gz->len, room, &n);
		CU_ASSERT_FATAL(rc == OG_OK || rc == OG_AGAIN);
		*agains += rc == OG_AGAIN;
		gz->len += n;
	} while (rc == OG_AGAIN);
	CU_ASSERT_EQUAL(og_deflater_bytes_in(d), len);
	CU_ASSERT_EQUAL(og_deflater_bytes_out(d), gz->len - start);
}

/*
 * The streaming deflater: a member built over several steps of 128 KiB of
 * input (the egress step), into 2 KiB and 64-byte windows, inflates back to
 * the input; a deflater is reused for a second member (concatenated: one
 * body), and a finished member takes no more output.
 */
static void
test_deflater_steps(void)
{
	const size_t len = 3u << 20;
	uint8_t *data = malloc(len);
	struct og_deflater *d = og_deflater_create(1);
	unsigned int agains = 0;
	struct og_wbuf gz;
	uint32_t x = 7, n = 1;
	uint8_t spare[64];

	CU_ASSERT_PTR_NOT_NULL_FATAL(d);
	CU_ASSERT_PTR_NOT_NULL_FATAL(data);
	/* compressible but not trivial: words in a pseudo-random order */
	for (size_t i = 0; i < len;) {
		static const char *const words[] = { "span ", "http.route ",   "/checkout ",
						     "200 ",  "service.name ", "\n" };
		const char *w;

		x = x * 1103515245u + 12345u;
		w = words[(x >> 16) % OG_ARRAY_SIZE(words)];
		for (; *w != 0 && i < len; w++)
			data[i++] = (uint8_t)*w;
	}
	og_wbuf_init_growable(&gz);
	deflate_stepwise(d, data, len, 128u << 10, 2048, &gz, &agains);
	CU_ASSERT(agains > 0); /* the output windows filled up along the way */
	CU_ASSERT(gz.len < len / 2);
	CU_ASSERT_TRUE(inflates_to(gz.data, gz.len, 0, data, len));
	CU_ASSERT_TRUE(inflates_to(gz.data, gz.len, 1448, data, len));
	/* whole: later calls write nothing */
	CU_ASSERT_EQUAL(og_deflater_finish(d, spare, sizeof(spare), &n), OG_OK);
	CU_ASSERT_EQUAL(n, 0);
	og_wbuf_free(&gz);

	/* tiny windows and odd steps; two members from one deflater */
	og_wbuf_init_growable(&gz);
	deflate_stepwise(d, data, 200000, 7777, 64, &gz, &agains);
	deflate_stepwise(d, data + 5, 1000, 1000, 64, &gz, &agains);
	{
		uint8_t *both = malloc(201000);

		memcpy(both, data, 200000);
		memcpy(both + 200000, data + 5, 1000);
		CU_ASSERT_TRUE(inflates_to(gz.data, gz.len, 0, both, 201000));
		free(both);
	}
	og_wbuf_free(&gz);

	/* an empty member */
	og_wbuf_init_growable(&gz);
	deflate_stepwise(d, data, 0, 1, 64, &gz, &agains);
	CU_ASSERT_TRUE(inflates_to(gz.data, gz.len, 0, data, 0));
	og_wbuf_free(&gz);

	og_deflater_free(d);
	og_deflater_free(NULL);
	free(data);
}

static CU_TestInfo gzip_tests[] = {
	{ "samples: one, 1448, 7 and 1-byte segments", test_samples },
	{ "samples: every split into two segments", test_samples_two_segments },
	{ "samples: mixed small and large segments", test_mixed_segments },
	{ "limit: exact size ok, one less too large", test_limit_exact },
	{ "zip bomb: 100 MiB of zeros vs 64 MiB limit", test_zip_bomb },
	{ "measure: size without memory, stops at the limit", test_measure },
	{ "truncation at every byte", test_truncation },
	{ "header: FTEXT/FHCRC/FEXTRA/FNAME/FCOMMENT, reserved, magic", test_header_flags },
	{ "trailer: CRC32 and ISIZE mismatch", test_trailer },
	{ "corrupt deflate data, inflater reuse", test_corrupt_deflate },
	{ "concatenated members", test_concatenated },
	{ "stored-block members, empty member", test_stored_members },
	{ "trailing garbage rejected", test_trailing_garbage },
	{ "empty input", test_empty },
	{ "deflate -> inflate round trip", test_round_trip },
	{ "deflate into a fixed buffer", test_deflate_fixed },
	{ "streaming deflater: a member over several steps", test_deflater_steps },
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{ "otlp_gzip", suite_init, suite_clean, NULL, NULL, gzip_tests },
	CU_SUITE_INFO_NULL,
};

int
main(void)
{
	return og_test_main(suites);
}
