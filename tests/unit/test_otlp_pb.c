/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Tests of the protobuf wire-format helpers (lib/otlp/og_pb.h): varints of
 * every length against their boundaries, the 10-byte limit, truncation,
 * tags, and the reader of length-delimited records.
 */
#include <string.h>

#include "og_pb.h"
#include "og_test.h"

static void
test_varint_round_trip(void)
{
	static const uint64_t v[] = { 0,
				      1,
				      0x7f,
				      0x80,
				      0x3fff,
				      0x4000,
				      300,
				      UINT32_MAX,
				      (uint64_t)1 << 56,
				      ((uint64_t)1 << 63) - 1,
				      (uint64_t)1 << 63,
				      UINT64_MAX };

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		uint8_t b[OG_PB_VARINT_MAX + 1];
		uint32_t n = og_pb_varint_put(b, v[i]);
		uint64_t back = 0;

		CU_ASSERT_EQUAL(n, og_pb_varint_size(v[i]));
		CU_ASSERT_EQUAL(og_pb_varint_get(b, b + n, &back), (int)n);
		CU_ASSERT_EQUAL(back, v[i]);
		/* every shorter view of it is truncated */
		for (uint32_t k = 0; k < n; k++)
			CU_ASSERT_EQUAL(og_pb_varint_get(b, b + k, &back), 0);
	}
	CU_ASSERT_EQUAL(og_pb_varint_size(0x7f), 1);
	CU_ASSERT_EQUAL(og_pb_varint_size(0x80), 2);
	CU_ASSERT_EQUAL(og_pb_varint_size(UINT64_MAX), 10);
}

static void
test_varint_limits(void)
{
	/* the encoding guide's example: 150 = 96 01 */
	static const uint8_t v150[] = { 0x96, 0x01 };
	/* 10 bytes whose last one carries more than bit 63; then 11 bytes */
	static const uint8_t over[] = {
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02
	};
	static const uint8_t eleven[] = { 0x80, 0x80, 0x80, 0x80, 0x80, 0x80,
					  0x80, 0x80, 0x80, 0x80, 0x00 };
	/* a non-minimal encoding of 1 is still a varint */
	static const uint8_t padded[] = { 0x81, 0x80, 0x00 };
	uint64_t v = 0, r = 0;

	CU_ASSERT_EQUAL(og_pb_varint_get(v150, v150 + 2, &v), 2);
	CU_ASSERT_EQUAL(v, 150);
	CU_ASSERT_EQUAL(og_pb_varint_get(over, over + sizeof(over), &v), -1);
	CU_ASSERT_EQUAL(og_pb_varint_get(eleven, eleven + sizeof(eleven), &v), -1);
	CU_ASSERT_EQUAL(og_pb_varint_get(padded, padded + sizeof(padded), &v), 3);
	CU_ASSERT_EQUAL(v, 1);
	/* byte by byte, as the segmented readers fold them */
	CU_ASSERT_EQUAL(og_pb_varint_byte(&r, 0, 0x96), 0);
	CU_ASSERT_EQUAL(og_pb_varint_byte(&r, 1, 0x01), 1);
	CU_ASSERT_EQUAL(r, 150);
	r = 0;
	CU_ASSERT_EQUAL(og_pb_varint_byte(&r, 9, 0x01), 1);
	CU_ASSERT_EQUAL(r, (uint64_t)1 << 63);
	CU_ASSERT_EQUAL(og_pb_varint_byte(&r, 9, 0x02), -1);
	CU_ASSERT_EQUAL(og_pb_varint_byte(&r, 10, 0x00), -1);
}

static void
test_tags(void)
{
	uint64_t t = og_pb_tag(OG_PB_MAX_FIELD, OG_PB_WT_I32);

	CU_ASSERT_EQUAL(og_pb_tag(1, OG_PB_WT_LEN), 0x0a);
	CU_ASSERT_EQUAL(og_pb_tag(2, OG_PB_WT_VARINT), 0x10);
	CU_ASSERT_EQUAL(og_pb_tag(6, OG_PB_WT_I64), 0x31);
	CU_ASSERT_EQUAL(og_pb_tag_field(t), OG_PB_MAX_FIELD);
	CU_ASSERT_EQUAL(og_pb_tag_wt(t), OG_PB_WT_I32);
	CU_ASSERT_EQUAL(og_pb_varint_size(t), 5);
}

static void
test_delimited(void)
{
	/* "abc", "", then 200 bytes (a 2-byte prefix) */
	uint8_t buf[4 + 1 + 202];
	const uint8_t *rec;
	size_t pos = 0, len, n = 0;

	n += og_pb_varint_put(buf + n, 3);
	memcpy(buf + n, "abc", 3);
	n += 3;
	n += og_pb_varint_put(buf + n, 0);
	n += og_pb_varint_put(buf + n, 200);
	memset(buf + n, 'x', 200);
	n += 200;
	CU_ASSERT_EQUAL_FATAL(n, sizeof(buf));

	CU_ASSERT_EQUAL(og_pb_delimited_next(buf, n, &pos, &rec, &len), 1);
	CU_ASSERT(len == 3 && memcmp(rec, "abc", 3) == 0);
	CU_ASSERT_EQUAL(og_pb_delimited_next(buf, n, &pos, &rec, &len), 1);
	CU_ASSERT_EQUAL(len, 0);
	CU_ASSERT_EQUAL(og_pb_delimited_next(buf, n, &pos, &rec, &len), 1);
	CU_ASSERT(len == 200 && rec == buf + 7);
	CU_ASSERT_EQUAL(pos, n);
	CU_ASSERT_EQUAL(og_pb_delimited_next(buf, n, &pos, &rec, &len), 0);

	/* a record cut short, and a prefix cut short: -1, pos unchanged */
	pos = 5;
	CU_ASSERT_EQUAL(og_pb_delimited_next(buf, n - 1, &pos, &rec, &len), -1);
	CU_ASSERT_EQUAL(pos, 5);
	CU_ASSERT_EQUAL(og_pb_delimited_next(buf, 6, &pos, &rec, &len), -1);
	CU_ASSERT_EQUAL(pos, 5);
	CU_ASSERT_EQUAL(og_pb_delimited_next(buf, 2, (pos = 0, &pos), &rec, &len), -1);
}

static CU_TestInfo pb_tests[] = {
	{ "varints of every length round trip", test_varint_round_trip },
	{ "varint limits: 10 bytes, bit 63, truncation", test_varint_limits },
	{ "tags: make and split", test_tags },
	{ "length-delimited records", test_delimited },
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{ "otlp_pb", NULL, NULL, NULL, NULL, pb_tests },
	CU_SUITE_INFO_NULL,
};

int
main(void)
{
	return og_test_main(suites);
}
