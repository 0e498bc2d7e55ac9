/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/telemetry: the Prometheus exposition of the registry (parsed back),
 * the HTTP answers of the telemetry port, and a real loopback server. The
 * registry itself (lib/common) is tested in test_metric.c.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "og_telemetry.h"
#include "og_test.h"

static uint64_t per_lcore[3] = { 5, 7, 11 };
static uint64_t gauge_value = 42;

static void
collect_sum(void *arg, struct og_metric_out *out)
{
	const uint64_t *v = arg;

	og_metric_sample(out, NULL, v[0] + v[1] + v[2]);
}

static void
collect_per_lcore(void *arg, struct og_metric_out *out)
{
	const uint64_t *v = arg;
	char labels[32];

	for (int i = 0; i < 3; i++) {
		snprintf(labels, sizeof(labels), "lcore=\"%d\"", i);
		og_metric_sample(out, labels, v[i]);
	}
}

static void
collect_gauge(void *arg, struct og_metric_out *out)
{
	og_metric_sample(out, NULL, *(const uint64_t *)arg);
}

static int
setup_registry(void)
{
	og_metric_unregister_all();
	if (og_metric_register("test_items_total", "Items seen\nby the test \\ here",
			       OG_METRIC_COUNTER, collect_sum, per_lcore) != 0 ||
	    og_metric_register("test_lcore_cycles_total", "Cycles per lcore", OG_METRIC_COUNTER,
			       collect_per_lcore, per_lcore) != 0 ||
	    og_metric_register("test_queue_depth", "Queue depth", OG_METRIC_GAUGE, collect_gauge,
			       &gauge_value) != 0)
		return -1;
	return 0;
}

/*
 * A small parser of the text format: returns the value of the sample line
 * "name{labels} value" (labels NULL for none), or -1 when absent. Also
 * checks every line is a comment or a well-formed sample.
 */
static int64_t
find_sample(const char *text, const char *name, const char *labels)
{
	char want[256];
	const char *p = text;

	if (labels != NULL)
		snprintf(want, sizeof(want), "%s{%s} ", name, labels);
	else
		snprintf(want, sizeof(want), "%s ", name);
	while (*p != '\0') {
		const char *eol = strchr(p, '\n');

		if (eol == NULL)
			return -2; /* every line ends in \n */
		if (strncmp(p, want, strlen(want)) == 0) {
			char *end;
			long long v = strtoll(p + strlen(want), &end, 10);

			return end == eol ? v : -3;
		}
		p = eol + 1;
	}
	return -1;
}

static void
test_exposition(void)
{
	struct og_wbuf w;
	char *text;

	CU_ASSERT_EQUAL_FATAL(setup_registry(), 0);
	og_wbuf_init_growable(&w);
	CU_ASSERT_EQUAL(og_metrics_render(&w), 0);
	og_wbuf_putc(&w, 0);
	text = (char *)w.data;
	/* HELP escapes newline and backslash; TYPE follows HELP */
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "# HELP test_items_total Items seen\\nby the test "
					    "\\\\ here\n# TYPE test_items_total counter\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "# TYPE test_queue_depth gauge\n"));
	CU_ASSERT_EQUAL(find_sample(text, "test_items_total", NULL), 23);
	CU_ASSERT_EQUAL(find_sample(text, "test_lcore_cycles_total", "lcore=\"0\""), 5);
	CU_ASSERT_EQUAL(find_sample(text, "test_lcore_cycles_total", "lcore=\"2\""), 11);
	CU_ASSERT_EQUAL(find_sample(text, "test_queue_depth", NULL), 42);
	/* values are read at scrape time */
	per_lcore[1] = 1000;
	w.len = 0;
	og_metrics_render(&w);
	og_wbuf_putc(&w, 0);
	text = (char *)w.data;
	CU_ASSERT_EQUAL(find_sample(text, "test_items_total", NULL), 1016);
	per_lcore[1] = 7;
	og_wbuf_free(&w);
}

static void
test_exposition_fixed_overflow(void)
{
	uint8_t mem[64];
	struct og_wbuf w;

	CU_ASSERT_EQUAL_FATAL(setup_registry(), 0);
	og_wbuf_init_fixed(&w, mem, sizeof(mem));
	CU_ASSERT_EQUAL(og_metrics_render(&w), -ENOMEM);
}

static int
answer(const char *req, struct og_wbuf *resp)
{
	resp->len = 0;
	resp->overflow = false;
	int st = og_telemetry_http_answer(req, strlen(req), resp);

	og_wbuf_putc(resp, 0);
	return st;
}

static void
test_http_answers(void)
{
	struct og_wbuf r;

	CU_ASSERT_EQUAL_FATAL(setup_registry(), 0);
	og_wbuf_init_growable(&r);
	CU_ASSERT_EQUAL(answer("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n", &r), 200);
	CU_ASSERT_PTR_NOT_NULL(strstr((char *)r.data, "HTTP/1.1 200 OK\r\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr((char *)r.data, "Content-Length: 3\r\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr((char *)r.data, "\r\n\r\nok\n"));

	CU_ASSERT_EQUAL(answer("GET /metrics HTTP/1.1\r\n\r\n", &r), 200);
	CU_ASSERT_PTR_NOT_NULL(strstr((char *)r.data, "text/plain; version=0.0.4"));
	CU_ASSERT_PTR_NOT_NULL(strstr((char *)r.data, "\ntest_queue_depth 42\n"));

	CU_ASSERT_EQUAL(answer("GET /metrics?x=1 HTTP/1.0\r\n\r\n", &r), 200);
	CU_ASSERT_EQUAL(answer("HEAD /metrics HTTP/1.1\r\n\r\n", &r), 200);
	CU_ASSERT_PTR_NULL(strstr((char *)r.data, "test_queue_depth 42"));
	CU_ASSERT_EQUAL(answer("GET /nope HTTP/1.1\r\n\r\n", &r), 404);
	CU_ASSERT_PTR_NOT_NULL(strstr((char *)r.data, "HTTP/1.1 404 Not Found\r\n"));
	CU_ASSERT_EQUAL(answer("POST /metrics HTTP/1.1\r\n\r\n", &r), 405);
	CU_ASSERT_PTR_NOT_NULL(strstr((char *)r.data, "Allow: GET, HEAD\r\n"));
	CU_ASSERT_EQUAL(answer("garbage\r\n\r\n", &r), 400);
	CU_ASSERT_EQUAL(answer("GET /metrics SPDY/3\r\n\r\n", &r), 400);
	CU_ASSERT_EQUAL(answer("GET /metrics HTTP/1.1", &r), 400); /* no line end */
	og_wbuf_free(&r);
}

static void
test_serve_socketpair(void)
{
	int sv[2];
	char buf[4096];
	ssize_t n;
	size_t got = 0;

	CU_ASSERT_EQUAL_FATAL(setup_registry(), 0);
	CU_ASSERT_EQUAL_FATAL(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	/* the request arrives in two pieces */
	CU_ASSERT(write(sv[1], "GET /hea", 8) == 8);
	CU_ASSERT(write(sv[1], "lthz HTTP/1.1\r\n\r\n", 17) == 17);
	CU_ASSERT_EQUAL(og_telemetry_serve_fd(sv[0]), 200);
	while ((n = read(sv[1], buf + got, sizeof(buf) - 1 - got)) > 0)
		got += (size_t)n;
	buf[got] = '\0';
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "200 OK"));
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "\r\n\r\nok\n"));
	close(sv[1]);
}

static void
test_loopback_server(void)
{
	struct og_telemetry_server *srv;
	struct sockaddr_in sa = { .sin_family = AF_INET };
	char buf[65536];
	size_t got = 0;
	ssize_t n;
	int fd;
	const char *req = "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";

	CU_ASSERT_EQUAL_FATAL(setup_registry(), 0);
	CU_ASSERT_PTR_NULL(og_telemetry_start("not-an-address"));
	srv = og_telemetry_start("127.0.0.1:0");
	CU_ASSERT_PTR_NOT_NULL_FATAL(srv);
	CU_ASSERT_NOT_EQUAL(og_telemetry_port(srv), 0);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sa.sin_port = htons(og_telemetry_port(srv));
	fd = socket(AF_INET, SOCK_STREAM, 0);
	CU_ASSERT_EQUAL_FATAL(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	CU_ASSERT(write(fd, req, strlen(req)) == (ssize_t)strlen(req));
	while ((n = read(fd, buf + got, sizeof(buf) - 1 - got)) > 0)
		got += (size_t)n;
	buf[got] = '\0';
	close(fd);
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "HTTP/1.1 200 OK\r\n"));
	CU_ASSERT_EQUAL(
		find_sample(strstr(buf, "\r\n\r\n") + 4, "test_lcore_cycles_total", "lcore=\"1\""),
		7);
	og_telemetry_stop(srv);
}

static CU_TestInfo telemetry_tests[] = {
	{ "exposition format parses back", test_exposition },
	{ "exposition into a full fixed buffer", test_exposition_fixed_overflow },
	{ "HTTP answers: 200, 404, 405, 400, HEAD", test_http_answers },
	{ "serve a request split over a socket pair", test_serve_socketpair },
	{ "loopback server scrape", test_loopback_server },
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{ "telemetry", NULL, NULL, NULL, NULL, telemetry_tests },
	CU_SUITE_INFO_NULL,
};

int
main(void)
{
	return og_test_main(suites);
}
