/* SPDX-License-Identifier: BSD-3-Clause */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>

#include "og_test.h"

static const uint8_t body[] = "abcdefghijklmnopqrstuvwxyz";

static void
test_locate_and_copy(void)
{
	struct og_seg segs[3] = {
		{ body, 5 },
		{ body + 5, 1 },
		{ body + 6, 20 },
	};
	struct og_slice s;
	char out[27] = { 0 };

	CU_ASSERT_EQUAL(og_segs_total(segs, 3), 26);
	CU_ASSERT_EQUAL(og_segs_locate(segs, 3, 0, &s), 0);
	CU_ASSERT(s.seg == 0 && s.off == 0 && s.len == 5);
	CU_ASSERT_EQUAL(og_segs_locate(segs, 3, 5, &s), 0);
	CU_ASSERT(s.seg == 1 && s.off == 0 && s.len == 1);
	CU_ASSERT_EQUAL(og_segs_locate(segs, 3, 25, &s), 0);
	CU_ASSERT(s.seg == 2 && s.off == 19 && s.len == 1);
	CU_ASSERT_EQUAL(og_segs_locate(segs, 3, 26, &s), -1);

	/* every range, across every boundary */
	for (size_t off = 0; off <= 26; off++) {
		for (size_t len = 0; off + len <= 26; len++) {
			memset(out, 0, sizeof(out));
			CU_ASSERT_EQUAL_FATAL(og_segs_copy(segs, 3, off, len, out), 0);
			CU_ASSERT(memcmp(out, body + off, len) == 0);
		}
	}
	CU_ASSERT_EQUAL(og_segs_copy(segs, 3, 20, 7, out), -1);
}

static void
test_wbuf_fixed(void)
{
	uint8_t mem[8];
	struct og_wbuf b;

	og_wbuf_init_fixed(&b, mem, sizeof(mem));
	og_wbuf_puts(&b, "abcd");
	CU_ASSERT_EQUAL(b.len, 4);
	CU_ASSERT_FALSE(b.overflow);
	og_wbuf_puts(&b, "efghi");
	CU_ASSERT_TRUE(b.overflow);
	CU_ASSERT_EQUAL(b.len, 4); /* nothing partial was written */
	CU_ASSERT(memcmp(mem, "abcd", 4) == 0);
}

static void
test_wbuf_growable(void)
{
	struct og_wbuf b;

	og_wbuf_init_growable(&b);
	for (int i = 0; i < 1000; i++)
		og_wbuf_printf(&b, "%04d", i);
	CU_ASSERT_FALSE(b.overflow);
	CU_ASSERT_EQUAL(b.len, 4000);
	CU_ASSERT(memcmp(b.data + 3996, "0999", 4) == 0);
	og_wbuf_printf(&b, "%300s", "x"); /* longer than the small stack buffer */
	CU_ASSERT_EQUAL(b.len, 4300);
	CU_ASSERT_EQUAL(b.data[4299], 'x');
	og_wbuf_free(&b);
}

static void
test_parse_ipv4_port(void)
{
	uint32_t a = 0;
	uint16_t p = 0;

	CU_ASSERT_EQUAL(og_parse_ipv4_port("127.0.0.1:9464", &a, &p), 0);
	CU_ASSERT_EQUAL(a, htonl(INADDR_LOOPBACK));
	CU_ASSERT_EQUAL(p, 9464);
	CU_ASSERT_EQUAL(og_parse_ipv4_port("0.0.0.0:0", &a, &p), 0);
	CU_ASSERT_EQUAL(a, 0);
	CU_ASSERT_EQUAL(p, 0);
	CU_ASSERT_EQUAL(og_parse_ipv4_port("10.1.2.3:65535", &a, &p), 0);
	CU_ASSERT_EQUAL(a, htonl(0x0a010203));
	CU_ASSERT_EQUAL(p, 65535);
	CU_ASSERT_EQUAL(og_parse_ipv4_port("127.0.0.1", &a, &p), -EINVAL);
	CU_ASSERT_EQUAL(og_parse_ipv4_port("127.0.0.1:", &a, &p), -EINVAL);
	CU_ASSERT_EQUAL(og_parse_ipv4_port("127.0.0.1:65536", &a, &p), -EINVAL);
	CU_ASSERT_EQUAL(og_parse_ipv4_port("127.0.0.1:80x", &a, &p), -EINVAL);
	CU_ASSERT_EQUAL(og_parse_ipv4_port("host:80", &a, &p), -EINVAL);
	CU_ASSERT_EQUAL(og_parse_ipv4_port(":80", &a, &p), -EINVAL);
	CU_ASSERT_EQUAL(og_parse_ipv4_port(NULL, &a, &p), -EINVAL);
}

static CU_TestInfo common_tests[] = {
	{ "locate and copy across segments", test_locate_and_copy },
	{ "fixed write buffer overflows cleanly", test_wbuf_fixed },
	{ "growable write buffer", test_wbuf_growable },
	{ "IPv4 ADDR:PORT parsing", test_parse_ipv4_port },
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{ "common", NULL, NULL, NULL, NULL, common_tests },
	CU_SUITE_INFO_NULL,
};

int
main(void)
{
	return og_test_main(suites);
}
