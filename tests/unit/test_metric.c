/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/common's metric registry: registration rules, tables of .def rows,
 * one snapshot per scrape, and the sample helpers (histograms, series by
 * name), read back through a text sink like an exposition's.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "og_metric.h"
#include "og_test.h"

static void
collect_const(void *arg, struct og_metric_out *out)
{
	og_metric_sample(out, NULL, *(const uint64_t *)arg);
}

static uint64_t seven = 7;

static void
test_register_rules(void)
{
	og_metric_unregister_all();
	CU_ASSERT_EQUAL(
		og_metric_register("t_items_total", "x", OG_METRIC_COUNTER, collect_const, &seven),
		0);
	CU_ASSERT_EQUAL(og_metric_register("t_items_total", "dup", OG_METRIC_COUNTER, collect_const,
					   &seven),
			-EEXIST);
	CU_ASSERT_EQUAL(og_metric_register("1bad", "x", OG_METRIC_GAUGE, collect_const, NULL),
			-EINVAL);
	CU_ASSERT_EQUAL(og_metric_register("bad-name", "x", OG_METRIC_GAUGE, collect_const, NULL),
			-EINVAL);
	CU_ASSERT_EQUAL(og_metric_register("ok_name", "x", OG_METRIC_GAUGE, NULL, NULL), -EINVAL);
	CU_ASSERT_EQUAL(og_metric_register("ok_name", NULL, OG_METRIC_GAUGE, collect_const, NULL),
			-EINVAL);
	CU_ASSERT_EQUAL(
		og_metric_register("ok_name", "x", (enum og_metric_type)7, collect_const, NULL),
		-EINVAL);
	CU_ASSERT_STRING_EQUAL(og_metric_type_name(OG_METRIC_COUNTER), "counter");
	CU_ASSERT_STRING_EQUAL(og_metric_type_name(OG_METRIC_GAUGE), "gauge");
	CU_ASSERT_STRING_EQUAL(og_metric_type_name(OG_METRIC_HISTOGRAM), "histogram");
	og_metric_unregister_all();
}

/* A .def file as a layer writes one: OG_X(ENUM, "name", TYPE, "help"). */
#define T_ROWS(X)                                              \
	X(A, "t_a_total", COUNTER, "rows are counters")        \
	X(B, "t_b_level", GAUGE, "or gauges, as the row says") \
	X(C, "t_c_total", COUNTER, "in order")

static const struct og_metric_def t_defs[] = { T_ROWS(OG_METRIC_DEF_ROW) };

/* the layer's live per-lcore counters and its snapshot */
struct t_stats {
	uint64_t pad;
	uint64_t ctr[3];
};
static struct t_stats lcores[2];
static struct t_stats t_snap_buf;
static unsigned int t_sums;

static void
t_sum(void *buf, void *arg)
{
	struct t_stats *s = buf;

	CU_ASSERT_PTR_EQUAL(arg, lcores);
	memset(s, 0, sizeof(*s));
	for (unsigned int l = 0; l < 2; l++)
		og_metric_sum_u64(s->ctr, lcores[l].ctr, 3);
	t_sums++;
}

static struct og_metric_snap t_snap = { .sum = t_sum, .arg = lcores, .buf = &t_snap_buf };
static struct og_metric_array t_array = { &t_snap, offsetof(struct t_stats, ctr) };

static void
test_table_one_snapshot_per_scrape(void)
{
	struct og_wbuf w;
	const char *text;

	og_metric_unregister_all();
	og_wbuf_init_growable(&w);
	lcores[0] = (struct t_stats){ .ctr = { 1, 2, 3 } };
	lcores[1] = (struct t_stats){ .ctr = { 10, 20, 30 } };
	t_sums = 0;
	CU_ASSERT_EQUAL(og_metric_register_table(t_defs, 3, og_metric_collect_array, &t_array), 0);
	/* a row taken already stops the table there */
	CU_ASSERT_EQUAL(og_metric_register_table(t_defs + 2, 1, og_metric_collect_array, &t_array),
			-EEXIST);
	text = og_test_scrape(NULL, &w);
	/* the TYPE column of each row, and word row of the summed array */
	CU_ASSERT_STRING_EQUAL(text, "# TYPE t_a_total counter\nt_a_total 11\n"
				     "# TYPE t_b_level gauge\nt_b_level 22\n"
				     "# TYPE t_c_total counter\nt_c_total 33\n");
	/* three metrics, one sum: they all read the same moment */
	CU_ASSERT_EQUAL(t_sums, 1);
	lcores[1].ctr[0] = 100;
	text = og_test_scrape(NULL, &w);
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "t_a_total 101\n"));
	CU_ASSERT_EQUAL(t_sums, 2);
	/* a prefix scrape is a scrape too */
	text = og_test_scrape("t_b", &w);
	CU_ASSERT_STRING_EQUAL(text, "# TYPE t_b_level gauge\nt_b_level 22\n");
	CU_ASSERT_EQUAL(t_sums, 3);
	og_wbuf_free(&w);
	og_metric_unregister_all();
}

static void
collect_rows(void *arg, struct og_metric_out *out)
{
	(void)arg;
	og_metric_sample(out, NULL, 100 + og_metric_row(out));
}

static void
test_row_index(void)
{
	struct og_wbuf w;

	og_metric_unregister_all();
	og_wbuf_init_growable(&w);
	CU_ASSERT_EQUAL(og_metric_register_table(t_defs, 3, collect_rows, NULL), 0);
	CU_ASSERT_EQUAL(og_metric_register("t_single", "x", OG_METRIC_GAUGE, collect_rows, NULL),
			0);
	CU_ASSERT_STRING_EQUAL(og_test_scrape(NULL, &w), "# TYPE t_a_total counter\nt_a_total 100\n"
							 "# TYPE t_b_level gauge\nt_b_level 101\n"
							 "# TYPE t_c_total counter\nt_c_total 102\n"
							 "# TYPE t_single gauge\nt_single 100\n");
	og_wbuf_free(&w);
	og_metric_unregister_all();
}

static uint64_t
t_bound(unsigned int i)
{
	static const uint64_t b[] = { 10, 100 };

	return i < 2 ? b[i] : UINT64_MAX;
}

static const uint64_t t_buckets[3] = { 1, 2, 4 }; /* per bucket, +Inf last */

static void
collect_hist(void *arg, struct og_metric_out *out)
{
	og_metric_sample_hist(out, arg, t_buckets, 3, t_bound, 555, 7);
}

static void
test_histogram(void)
{
	struct og_wbuf w;

	og_metric_unregister_all();
	og_wbuf_init_growable(&w);
	CU_ASSERT_EQUAL(og_metric_register("t_lat", "x", OG_METRIC_HISTOGRAM, collect_hist, NULL),
			0);
	CU_ASSERT_EQUAL(og_metric_register("t_lat_be", "x", OG_METRIC_HISTOGRAM, collect_hist,
					   "backend=\"b\""),
			0);
	/* cumulative buckets, le last among the labels, then _sum and _count */
	CU_ASSERT_STRING_EQUAL(og_test_scrape(NULL, &w),
			       "# TYPE t_lat histogram\n"
			       "t_lat_bucket{le=\"10\"} 1\n"
			       "t_lat_bucket{le=\"100\"} 3\n"
			       "t_lat_bucket{le=\"+Inf\"} 7\n"
			       "t_lat_sum 555\n"
			       "t_lat_count 7\n"
			       "# TYPE t_lat_be histogram\n"
			       "t_lat_be_bucket{backend=\"b\",le=\"10\"} 1\n"
			       "t_lat_be_bucket{backend=\"b\",le=\"100\"} 3\n"
			       "t_lat_be_bucket{backend=\"b\",le=\"+Inf\"} 7\n"
			       "t_lat_be_sum{backend=\"b\"} 555\n"
			       "t_lat_be_count{backend=\"b\"} 7\n");
	og_wbuf_free(&w);
	og_metric_unregister_all();
}

static const char *
t_reason(unsigned int i)
{
	static const char *const names[] = { "none", "short", "long" };

	return i < 3 ? names[i] : NULL;
}

static const uint64_t t_reasons[3] = { 9, 4, 5 };

static void
collect_reasons(void *arg, struct og_metric_out *out)
{
	/* from 1: entry 0 is the table's "no error" */
	og_metric_sample_names(out, arg, "reason", t_reason, t_reasons, 1, 3);
}

static void
test_series_by_name(void)
{
	struct og_wbuf w;

	og_metric_unregister_all();
	og_wbuf_init_growable(&w);
	CU_ASSERT_EQUAL(
		og_metric_register("t_errors_total", "x", OG_METRIC_COUNTER, collect_reasons, NULL),
		0);
	CU_ASSERT_EQUAL(og_metric_register("t_rejected_total", "x", OG_METRIC_COUNTER,
					   collect_reasons, "signal=\"logs\""),
			0);
	CU_ASSERT_STRING_EQUAL(og_test_scrape(NULL, &w),
			       "# TYPE t_errors_total counter\n"
			       "t_errors_total{reason=\"short\"} 4\n"
			       "t_errors_total{reason=\"long\"} 5\n"
			       "# TYPE t_rejected_total counter\n"
			       "t_rejected_total{signal=\"logs\",reason=\"short\"} 4\n"
			       "t_rejected_total{signal=\"logs\",reason=\"long\"} 5\n");
	og_wbuf_free(&w);
	og_metric_unregister_all();
}

static CU_TestInfo metric_tests[] = {
	{ "registration rules", test_register_rules },
	{ "a .def table: types, values, one snapshot per scrape",
	  test_table_one_snapshot_per_scrape },
	{ "collectors tell table rows apart", test_row_index },
	{ "cumulative histogram with extra labels", test_histogram },
	{ "series by reason from a name table", test_series_by_name },
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{ "metric", NULL, NULL, NULL, NULL, metric_tests },
	CU_SUITE_INFO_NULL,
};

int
main(void)
{
	return og_test_main(suites);
}
