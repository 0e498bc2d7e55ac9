/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Shared scaffolding of the CUnit tests: each test file defines one suite
 * table and calls og_test_main(), which runs it and exits non-zero when any
 * assertion failed. Data files are found through OG_TEST_DATA (set by meson).
 */
#ifndef OG_TEST_H
#define OG_TEST_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/Basic.h>
#include <CUnit/CUnit.h>

#include "og_common.h"
#include "og_metric.h"

static inline int
og_test_main(CU_SuiteInfo *suites)
{
	unsigned int failed;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 2;
	if (CU_register_suites(suites) != CUE_SUCCESS) {
		fprintf(stderr, "CU_register_suites: %s\n", CU_get_error_msg());
		CU_cleanup_registry();
		return 2;
	}
	CU_basic_set_mode(CU_BRM_NORMAL);
	CU_basic_run_tests();
	failed = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
	if (CU_get_error() != CUE_SUCCESS)
		failed++;
	CU_cleanup_registry();
	return failed ? 1 : 0;
}

/**
 * Read a whole file below the test data directory into malloc'd memory.
 * Aborts the test program when the file cannot be read.
 */
static inline uint8_t *
og_test_read_file(const char *rel, size_t *len)
{
	char path[1024];
	const char *dir = getenv("OG_TEST_DATA");
	FILE *f;
	uint8_t *buf;
	long n;

	snprintf(path, sizeof(path), "%s/%s", dir ? dir : "tests/data", rel);
	f = fopen(path, "rb");
	if (f == NULL) {
		perror(path);
		exit(2);
	}
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)n + 1);
	if (buf == NULL || fread(buf, 1, (size_t)n, f) != (size_t)n) {
		fprintf(stderr, "%s: read failed\n", path);
		exit(2);
	}
	fclose(f);
	*len = (size_t)n;
	return buf;
}

/**
 * Split a buffer into segments of @p seg_len bytes (the last may be shorter)
 * in a malloc'd array; *nseg receives the count.
 */
static inline struct og_seg *
og_test_split(const uint8_t *buf, size_t len, size_t seg_len, uint32_t *nseg)
{
	uint32_t n = (uint32_t)((len + seg_len - 1) / seg_len);
	struct og_seg *s = calloc(n ? n : 1, sizeof(*s));

	for (uint32_t i = 0; i < n; i++) {
		size_t off = (size_t)i * seg_len;

		s[i].data = buf + off;
		s[i].len = (uint32_t)(len - off < seg_len ? len - off : seg_len);
	}
	*nseg = n;
	return s;
}

/* og_test_scrape(): one "name[suffix][{labels}] value" line per sample */
static inline void
og_test_emit(struct og_metric_out *o, const char *labels, uint64_t v)
{
	struct og_wbuf *w = (struct og_wbuf *)o->sink;

	og_wbuf_printf(w, "%s%s", o->m->name, o->suffix != NULL ? o->suffix : "");
	if (labels != NULL && labels[0] != '\0')
		og_wbuf_printf(w, "{%s}", labels);
	og_wbuf_printf(w, " %llu\n", (unsigned long long)v);
}

static inline void
og_test_scrape_one(void *ctx, const struct og_metric *m)
{
	struct og_metric_out o = { .emit = og_test_emit, .m = m, .sink = ctx };

	og_wbuf_printf((struct og_wbuf *)ctx, "# TYPE %s %s\n", m->name,
		       og_metric_type_name(m->type));
	m->collect(m->arg, &o);
}

/**
 * Scrape the registered metrics whose name starts with @p prefix (all when
 * NULL) into @p w as "# TYPE name type" and "series value" lines, like an
 * exposition without HELP; returns the NUL-terminated text.
 */
static inline const char *
og_test_scrape(const char *prefix, struct og_wbuf *w)
{
	w->len = 0;
	og_metric_foreach(prefix, og_test_scrape_one, w);
	og_wbuf_putc(w, 0);
	return (const char *)w->data;
}

/**
 * The value of series @p series ("name" or "name{labels}") in a scrape of
 * og_test_scrape(), or -1 when it is not there.
 */
static inline long long
og_test_sample(const char *text, const char *series)
{
	size_t n = strlen(series);

	for (const char *p = text; p != NULL && *p != '\0';) {
		if (strncmp(p, series, n) == 0 && p[n] == ' ')
			return strtoll(p + n + 1, NULL, 10);
		p = strchr(p, '\n');
		if (p != NULL)
			p++;
	}
	return -1;
}

#endif /* OG_TEST_H */
