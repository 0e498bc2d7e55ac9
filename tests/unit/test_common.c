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

/* EAL's arguments before the first "--", the program's after it. */
static void
test_args_split(void)
{
	char *argv[] = { "otlpgate", "-l", "0-1", "--", "--port", "x", "--", "y", NULL };
	char *app_argv[OG_ARRAY_SIZE(argv)];
	int app_argc = -1;

	CU_ASSERT_EQUAL(og_args_split(8, argv, app_argv, &app_argc), 3);
	CU_ASSERT_EQUAL_FATAL(app_argc, 5);
	CU_ASSERT_STRING_EQUAL(app_argv[0], "otlpgate");
	CU_ASSERT_STRING_EQUAL(app_argv[1], "--port");
	CU_ASSERT_STRING_EQUAL(app_argv[2], "x");
	CU_ASSERT_STRING_EQUAL(app_argv[3], "--"); /* only the first one splits */
	CU_ASSERT_STRING_EQUAL(app_argv[4], "y");
	CU_ASSERT_PTR_NULL(app_argv[5]);
	CU_ASSERT_STRING_EQUAL(argv[3], "--"); /* argv is left as it was */

	/* no "--": everything is EAL's, the program sees only its name */
	CU_ASSERT_EQUAL(og_args_split(3, argv, app_argv, &app_argc), 3);
	CU_ASSERT_EQUAL(app_argc, 1);
	CU_ASSERT_PTR_EQUAL(app_argv[0], argv[0]);
	CU_ASSERT_PTR_NULL(app_argv[1]);

	/* "--" last: no application arguments */
	CU_ASSERT_EQUAL(og_args_split(4, argv, app_argv, &app_argc), 3);
	CU_ASSERT_EQUAL(app_argc, 1);
	CU_ASSERT_PTR_NULL(app_argv[1]);

	/* "--" first: no EAL arguments but the program name */
	{
		char *b[] = { "otlpgen", "--", "-h", NULL };

		CU_ASSERT_EQUAL(og_args_split(3, b, app_argv, &app_argc), 1);
		CU_ASSERT_EQUAL(app_argc, 2);
		CU_ASSERT_STRING_EQUAL(app_argv[1], "-h");
	}
}

/* Help is asked for only where EAL would otherwise take it. */
static void
test_args_help(void)
{
	char *a[] = { "otlpgate", "-l", "0", "--help", "--", "-h", NULL };
	char *b[] = { "otlpgate", "-l", "0", "--", "--help", NULL };
	char *c[] = { "otlpgate", "-h", NULL };
	char *app_argv[8];
	int app_argc, split;

	split = og_args_split(6, a, app_argv, &app_argc);
	CU_ASSERT_TRUE(og_args_help(split, a));
	split = og_args_split(5, b, app_argv, &app_argc);
	CU_ASSERT_FALSE(og_args_help(split, b)); /* the program's own --help */
	CU_ASSERT_TRUE(og_args_help(2, c));
	CU_ASSERT_FALSE(og_args_help(1, c)); /* argv[0] is never an option */
}

enum colour { RED, GREEN, BLUE, COLOUR_MAX };

static const char *const colour_names[COLOUR_MAX] = {
	[RED] = "red", [BLUE] = "blue", /* GREEN left empty */
};

static OG_NAME_LOOKUP(colour_name, enum colour, colour_names, "unknown")

/* Name lookups are bounded on both sides and never return an empty entry. */
static void
test_name_lookup(void)
{
	CU_ASSERT_STRING_EQUAL(og_name_at(colour_names, COLOUR_MAX, RED, "x"), "red");
	CU_ASSERT_STRING_EQUAL(og_name_at(colour_names, COLOUR_MAX, COLOUR_MAX, "x"), "x");
	CU_ASSERT_PTR_NULL(og_name_at(colour_names, COLOUR_MAX, 7, NULL));
	CU_ASSERT_STRING_EQUAL(colour_name(RED), "red");
	CU_ASSERT_STRING_EQUAL(colour_name(BLUE), "blue");
	CU_ASSERT_STRING_EQUAL(colour_name(GREEN), "unknown");
	CU_ASSERT_STRING_EQUAL(colour_name(COLOUR_MAX), "unknown");
	CU_ASSERT_STRING_EQUAL(colour_name((enum colour) - 1), "unknown");
	CU_ASSERT_STRING_EQUAL(colour_name((enum colour)1000), "unknown");
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
	{ "command line split at the first --", test_args_split },
	{ "help asked for before --", test_args_help },
	{ "bounded name lookups", test_name_lookup },
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
