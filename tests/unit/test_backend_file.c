/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * drivers/backend/file and null, end to end: real request bodies
 * (tests/data/samples) go through the receiver's hand-off, a batcher and a
 * file backend writing into a fresh directory; the files are read back and
 * must hold every accepted resource entry exactly once, byte for byte, in
 * order per signal, as valid Export*ServiceRequests.
 */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "og_backend_file.h"
#include "og_backend_null.h"
#include "og_pb.h"
#include "og_pipe_test.h"

static char dir[64];

static void
make_dir(void)
{
	strcpy(dir, "/tmp/og_fbe_XXXXXX");
	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
}

static void
remove_dir(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	CU_ASSERT_EQUAL(system(cmd), 0);
}

static struct og_batcher *
batcher(const char *name, struct og_backend **be, unsigned int n, uint32_t max_items,
	uint64_t max_bytes)
{
	struct og_batcher_conf c = {
		.name = name,
		.socket = SOCKET_ID_ANY,
		.max_items = max_items,
		.max_bytes = max_bytes,
		.timeout_us = 1000000,
		.n_backends = n,
	};

	for (unsigned int i = 0; i < n; i++)
		c.backends[i] = be[i];
	return og_batcher_create(&c);
}

/* Drain on a fake clock; the writer thread needs real time to write. */
static void
drain(struct og_batcher *bt, unsigned int n_backends)
{
	int rc = -EAGAIN;

	for (int i = 0; i < 20000 && rc != 0; i++) {
		rc = og_batcher_drain(bt, 5000000);
		pt_check_invariant(n_backends);
		if (rc != 0)
			usleep(500);
	}
	CU_ASSERT_EQUAL(rc, 0);
}

static void
send_sample(struct og_batcher *bt, const char *name, enum og_otlp_signal sig, bool bad_ids,
	    struct pt_expect *exp, unsigned int n_backends)
{
	char path[128];
	size_t len;
	uint8_t *buf;
	struct og_rec *r;

	snprintf(path, sizeof(path), "samples/%s.pb", name);
	buf = og_test_read_file(path, &len);
	if (bad_ids) {
		uint64_t n_bad;
		uint8_t *b2 = pt_with_bad_ids(buf, len, &n_bad);

		CU_ASSERT(n_bad > 0);
		free(buf);
		buf = b2;
	}
	r = pt_make_rec(buf, len, sig, exp);
	free(buf);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_EQUAL_FATAL(og_batcher_enqueue(bt, r), 0);
	pt_check_invariant(n_backends);
	og_batcher_run(bt, 1000);
	pt_check_invariant(n_backends);
}

struct readback {
	struct og_wbuf bytes; /* batch bodies (JSON: transcoded back) concatenated */
	uint64_t items;
	unsigned int batches;
	unsigned int files;
	size_t largest_file;
};

static void
scan_batch(enum og_otlp_signal sig, const uint8_t *p, size_t len, struct readback *rb)
{
	static struct og_otlp_resource res[4096];
	struct og_seg seg = { p, (uint32_t)len };
	struct og_otlp_scan sc = { .signal = sig, .res = res, .res_cap = RTE_DIM(res) };

	CU_ASSERT_EQUAL(og_otlp_scan(&seg, 1, &sc), OG_OK);
	CU_ASSERT_EQUAL(sc.n_rejected, 0);
	rb->items += sc.n_items;
	rb->batches++;
	og_wbuf_put(&rb->bytes, p, len);
}

/* Read DIR/<signal>-<first..>.<ext> in order, as the file backend wrote them. */
static void
read_back(enum og_otlp_signal sig, bool json, unsigned int first, struct readback *rb)
{
	memset(rb, 0, sizeof(*rb));
	og_wbuf_init_growable(&rb->bytes);
	for (unsigned int n = first;; n++) {
		char path[128];
		size_t len, pos = 0;
		uint8_t *buf;
		FILE *f;
		long sz;

		snprintf(path, sizeof(path), "%s/%s-%u.%s", dir, og_otlp_signal_name(sig), n,
			 json ? "jsonl" : "otlp");
		f = fopen(path, "rb");
		if (f == NULL)
			break;
		fseek(f, 0, SEEK_END);
		sz = ftell(f);
		fseek(f, 0, SEEK_SET);
		len = (size_t)sz;
		buf = malloc(len + 1);
		CU_ASSERT_FATAL(buf != NULL && fread(buf, 1, len, f) == len);
		fclose(f);
		rb->files++;
		rb->largest_file = OG_MAX(rb->largest_file, len);
		while (pos < len) {
			if (json) {
				const uint8_t *nl = memchr(buf + pos, '\n', len - pos);
				struct og_wbuf pb;
				struct og_otlp_error err;

				CU_ASSERT_PTR_NOT_NULL_FATAL(nl);
				og_wbuf_init_growable(&pb);
				CU_ASSERT_EQUAL(og_otlp_json_to_pb(sig, buf + pos,
								   (size_t)(nl - (buf + pos)), &pb,
								   &err),
						OG_OK);
				scan_batch(sig, pb.data, pb.len, rb);
				og_wbuf_free(&pb);
				pos = (size_t)(nl - buf) + 1;
			} else {
				const uint8_t *body = NULL;
				size_t n_body = 0;

				CU_ASSERT_EQUAL_FATAL(
					og_pb_delimited_next(buf, len, &pos, &body, &n_body), 1);
				scan_batch(sig, body, n_body, rb);
			}
		}
		free(buf);
	}
}

static void
check_signal(enum og_otlp_signal sig, const struct pt_expect *exp, unsigned int first,
	     struct readback *rb)
{
	read_back(sig, false, first, rb);
	CU_ASSERT_EQUAL(rb->items, exp->items[sig]);
	CU_ASSERT_EQUAL(rb->bytes.len, exp->bytes[sig].len);
	CU_ASSERT(rb->bytes.len == 0 ||
		  memcmp(rb->bytes.data, exp->bytes[sig].data, rb->bytes.len) == 0);
}

static uint64_t
flushed(unsigned int be, enum og_otlp_signal sig, enum og_pipe_trigger t)
{
	struct og_pipe_stats sum;

	og_pipe_stats_sum(&sum);
	return sum.flushed[be][sig][t];
}

static void
test_round_trip(void)
{
	struct og_backend *be;
	struct og_batcher *bt;
	struct pt_expect exp;
	struct readback rb;
	char uri[128];
	struct og_pipe_stats sum;
	struct og_backend_file_stats fs;

	og_pipe_stats_reset();
	make_dir();
	pt_expect_init(&exp);
	snprintf(uri, sizeof(uri), "file:%s", dir);
	be = og_backend_create(uri, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(be);
	bt = batcher("rt", &be, 1, 1000, 256 * 1024);
	CU_ASSERT_PTR_NOT_NULL_FATAL(bt);

	send_sample(bt, "traces-64", OG_OTLP_TRACES, false, &exp, 1);
	send_sample(bt, "logs-100", OG_OTLP_LOGS, false, &exp, 1);
	send_sample(bt, "traces-512", OG_OTLP_TRACES, true, &exp, 1);
	send_sample(bt, "metrics-4x3", OG_OTLP_METRICS, false, &exp, 1);
	send_sample(bt, "traces-multi-resource", OG_OTLP_TRACES, true, &exp, 1);
	send_sample(bt, "traces-4096", OG_OTLP_TRACES, false, &exp, 1);
	send_sample(bt, "logs-multi-resource", OG_OTLP_LOGS, false, &exp, 1);
	send_sample(bt, "traces-512", OG_OTLP_TRACES, false, &exp, 1);
	send_sample(bt, "metrics-multi-resource", OG_OTLP_METRICS, false, &exp, 1);
	send_sample(bt, "traces-rich-200", OG_OTLP_TRACES, false, &exp, 1);
	send_sample(bt, "traces-512", OG_OTLP_TRACES, false, &exp, 1);
	send_sample(bt, "traces-1", OG_OTLP_TRACES, false, &exp, 1);
	drain(bt, 1);

	/* 4096 spans > 1000: items; 163 KB twice > 256 KiB: bytes; the rest */
	CU_ASSERT(flushed(0, OG_OTLP_TRACES, OG_PIPE_TRIGGER_ITEMS) >= 1);
	CU_ASSERT(flushed(0, OG_OTLP_TRACES, OG_PIPE_TRIGGER_BYTES) >= 1);
	CU_ASSERT(flushed(0, OG_OTLP_TRACES, OG_PIPE_TRIGGER_DRAIN) == 1);
	CU_ASSERT(flushed(0, OG_OTLP_LOGS, OG_PIPE_TRIGGER_DRAIN) == 1);

	for (unsigned int s = 0; s < OG_OTLP_SIGNAL_MAX; s++) {
		check_signal(s, &exp, 0, &rb);
		CU_ASSERT_EQUAL(rb.files, 1);
		og_pipe_stats_sum(&sum);
		CU_ASSERT_EQUAL(sum.be[OG_PIPE_BE_ITEMS_EXPORTED][0][s], exp.items[s]);
		CU_ASSERT_EQUAL(sum.be[OG_PIPE_BE_ITEMS_QUEUED][0][s], 0);
		CU_ASSERT_EQUAL(sum.be[OG_PIPE_BE_BACKEND_WRITES][0][s], rb.batches);
		og_wbuf_free(&rb.bytes);
	}
	/* the rejected spans are counted, not forwarded */
	CU_ASSERT(sum.sig[OG_PIPE_SIG_ITEMS_REJECTED][OG_OTLP_TRACES] > 0);
	og_backend_file_stats(be, &fs);
	CU_ASSERT_EQUAL(fs.write_errors, 0);
	CU_ASSERT_EQUAL(fs.files_opened, 3);
	pt_check_invariant(1);
	pt_check_all_freed();

	og_batcher_free(bt);
	og_backend_destroy(be);
	pt_expect_free(&exp);
	remove_dir();
}

static void
test_rotation(void)
{
	struct og_backend *be;
	struct og_batcher *bt;
	struct pt_expect exp;
	struct readback rb;
	char uri[128], path[128];
	struct stat st;
	FILE *f;

	og_pipe_stats_reset();
	make_dir();
	pt_expect_init(&exp);
	/* numbering continues after the highest file already there */
	snprintf(path, sizeof(path), "%s/traces-7.otlp", dir);
	f = fopen(path, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fclose(f);
	snprintf(path, sizeof(path), "%s/traces-99.jsonl", dir); /* other format: ignored */
	fclose(fopen(path, "w"));

	snprintf(uri, sizeof(uri), "file://%s?max_bytes=60000&fsync=1", dir);
	be = og_backend_create(uri, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(be);
	/* the label is the URI without its query (options, credentials) */
	CU_ASSERT(strchr(be->name, '?') == NULL);
	CU_ASSERT_EQUAL(strncmp(be->name, uri, strlen(be->name)), 0);
	CU_ASSERT_EQUAL(strlen(be->name), strcspn(uri, "?"));
	/* 64 spans each: one record per batch, 20.5 KB: two batches per file */
	bt = batcher("rot", &be, 1, 64, 1 << 20);
	CU_ASSERT_PTR_NOT_NULL_FATAL(bt);
	for (int i = 0; i < 10; i++)
		send_sample(bt, "traces-64", OG_OTLP_TRACES, false, &exp, 1);
	drain(bt, 1);
	CU_ASSERT_EQUAL(flushed(0, OG_OTLP_TRACES, OG_PIPE_TRIGGER_ITEMS), 10);

	check_signal(OG_OTLP_TRACES, &exp, 8, &rb);
	CU_ASSERT_EQUAL(rb.batches, 10);
	CU_ASSERT_EQUAL(rb.files, 5);
	CU_ASSERT(rb.largest_file <= 60000);
	og_wbuf_free(&rb.bytes);
	snprintf(path, sizeof(path), "%s/traces-7.otlp", dir);
	CU_ASSERT(stat(path, &st) == 0 && st.st_size == 0);
	pt_check_invariant(1);
	pt_check_all_freed();
	og_batcher_free(bt);
	og_backend_destroy(be);

	/* a batch larger than max_bytes gets a file of its own */
	snprintf(uri, sizeof(uri), "file:%s?max_bytes=1000", dir);
	be = og_backend_create(uri, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(be);
	bt = batcher("rot2", &be, 1, 64, 1 << 20);
	send_sample(bt, "traces-64", OG_OTLP_TRACES, false, &exp, 1);
	send_sample(bt, "traces-64", OG_OTLP_TRACES, false, &exp, 1);
	drain(bt, 1);
	check_signal(OG_OTLP_TRACES, &exp, 8, &rb);
	CU_ASSERT_EQUAL(rb.files, 7);
	og_wbuf_free(&rb.bytes);
	pt_check_all_freed();
	og_batcher_free(bt);
	og_backend_destroy(be);
	pt_expect_free(&exp);
	remove_dir();
}

static void
test_json(void)
{
	struct og_backend *be;
	struct og_batcher *bt;
	struct pt_expect exp;
	struct readback rb;
	char uri[128];

	og_pipe_stats_reset();
	make_dir();
	pt_expect_init(&exp);
	snprintf(uri, sizeof(uri), "file:%s?format=json", dir);
	be = og_backend_create(uri, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(be);
	bt = batcher("json", &be, 1, 600, 1 << 20);
	send_sample(bt, "traces-64", OG_OTLP_TRACES, false, &exp, 1);
	send_sample(bt, "traces-multi-resource", OG_OTLP_TRACES, true, &exp, 1);
	send_sample(bt, "traces-512", OG_OTLP_TRACES, false, &exp, 1);
	send_sample(bt, "logs-100", OG_OTLP_LOGS, false, &exp, 1);
	send_sample(bt, "metrics-4x3", OG_OTLP_METRICS, false, &exp, 1);
	drain(bt, 1);

	for (unsigned int s = 0; s < OG_OTLP_SIGNAL_MAX; s++) {
		struct og_seg seg = { exp.bytes[s].data, (uint32_t)exp.bytes[s].len };
		struct og_wbuf js, pb;
		struct og_otlp_error err;

		/*
		 * Each line transcodes back to the protobuf the same
		 * transcoding makes of the batch's bytes: compare the whole
		 * signal's stream (protobuf concatenation commutes with it).
		 */
		read_back(s, true, 0, &rb);
		CU_ASSERT(rb.batches >= 1);
		CU_ASSERT_EQUAL(rb.items, exp.items[s]);
		og_wbuf_init_growable(&js);
		og_wbuf_init_growable(&pb);
		CU_ASSERT_EQUAL(og_otlp_pb_to_json(s, &seg, 1, &js, &err), OG_OK);
		CU_ASSERT_EQUAL(og_otlp_json_to_pb(s, js.data, js.len, &pb, &err), OG_OK);
		CU_ASSERT_EQUAL(rb.bytes.len, pb.len);
		CU_ASSERT(pb.len > 0 && memcmp(rb.bytes.data, pb.data, pb.len) == 0);
		og_wbuf_free(&js);
		og_wbuf_free(&pb);
		og_wbuf_free(&rb.bytes);
	}
	pt_check_invariant(1);
	pt_check_all_freed();
	og_batcher_free(bt);
	og_backend_destroy(be);
	pt_expect_free(&exp);
	remove_dir();
}

/* The directory disappears: writes fail, batches are rejected and counted. */
static void
test_write_error(void)
{
	struct og_backend *be;
	struct og_batcher *bt;
	struct pt_expect exp;
	struct og_pipe_stats sum;
	struct og_backend_file_stats fs;
	char uri[128];

	og_pipe_stats_reset();
	make_dir();
	pt_expect_init(&exp);
	snprintf(uri, sizeof(uri), "file:%s", dir);
	be = og_backend_create(uri, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(be);
	bt = batcher("err", &be, 1, 64, 1 << 20);
	remove_dir();
	send_sample(bt, "traces-64", OG_OTLP_TRACES, false, &exp, 1);
	send_sample(bt, "logs-100", OG_OTLP_LOGS, false, &exp, 1);
	drain(bt, 1);
	og_pipe_stats_sum(&sum);
	CU_ASSERT_EQUAL(sum.be[OG_PIPE_BE_ITEMS_BACKEND_REJECTED][0][OG_OTLP_TRACES], 64);
	CU_ASSERT_EQUAL(sum.be[OG_PIPE_BE_ITEMS_BACKEND_REJECTED][0][OG_OTLP_LOGS], 100);
	CU_ASSERT_EQUAL(sum.be[OG_PIPE_BE_ITEMS_EXPORTED][0][OG_OTLP_TRACES], 0);
	CU_ASSERT_EQUAL(sum.be[OG_PIPE_BE_BACKEND_ERRORS][0][OG_OTLP_TRACES], 1);
	og_backend_file_stats(be, &fs);
	CU_ASSERT_EQUAL(fs.write_errors, 2);
	pt_check_invariant(1);
	pt_check_all_freed();
	og_batcher_free(bt);
	og_backend_destroy(be);
	pt_expect_free(&exp);
}

/* Fan-out to a file and a null backend: each sees everything. */
static void
test_fanout_null(void)
{
	struct og_backend *be[2];
	struct og_batcher *bt;
	struct pt_expect exp;
	struct readback rb;
	struct og_pipe_stats sum;
	char uri[128];

	og_pipe_stats_reset();
	make_dir();
	pt_expect_init(&exp);
	snprintf(uri, sizeof(uri), "file:%s", dir);
	be[0] = og_backend_create(uri, 0);
	be[1] = og_backend_create("null", 1);
	CU_ASSERT_FATAL(be[0] != NULL && be[1] != NULL);
	bt = batcher("fan", be, 2, 100, 1 << 20);
	send_sample(bt, "traces-64", OG_OTLP_TRACES, false, &exp, 2);
	send_sample(bt, "traces-512", OG_OTLP_TRACES, true, &exp, 2);
	send_sample(bt, "logs-100", OG_OTLP_LOGS, false, &exp, 2);
	drain(bt, 2);
	og_pipe_stats_sum(&sum);
	for (unsigned int s = 0; s < OG_OTLP_SIGNAL_MAX; s++) {
		CU_ASSERT_EQUAL(sum.be[OG_PIPE_BE_ITEMS_EXPORTED][0][s], exp.items[s]);
		CU_ASSERT_EQUAL(sum.be[OG_PIPE_BE_ITEMS_EXPORTED][1][s], exp.items[s]);
		check_signal(s, &exp, 0, &rb);
		og_wbuf_free(&rb.bytes);
	}
	pt_check_invariant(2);
	pt_check_all_freed();
	og_batcher_free(bt);
	og_backend_destroy(be[0]);
	og_backend_destroy(be[1]);
	pt_expect_free(&exp);
	remove_dir();
}

static void
test_bad_uris(void)
{
	struct og_backend *be;

	CU_ASSERT_PTR_NULL(og_backend_create("file:", 0));
	CU_ASSERT_PTR_NULL(og_backend_create("file:/tmp?format=xml", 0));
	CU_ASSERT_PTR_NULL(og_backend_create("file:/tmp?max_bytes=0", 0));
	CU_ASSERT_PTR_NULL(og_backend_create("file:/tmp?max_bytes=-5", 0));
	CU_ASSERT_PTR_NULL(og_backend_create("file:/tmp?fsync=2", 0));
	CU_ASSERT_PTR_NULL(og_backend_create("file:/tmp?what", 0));
	CU_ASSERT_PTR_NULL(og_backend_create("file:/nonexistent/deeper/dir", 0));
	CU_ASSERT_PTR_NULL(og_backend_create("bogus:x", 0));
	CU_ASSERT_PTR_NULL(og_backend_create("null:x", 0));
	CU_ASSERT_PTR_NULL(og_backend_create("null", OG_MAX_BACKENDS));
	be = og_backend_create("null:", 3);
	CU_ASSERT_PTR_NOT_NULL_FATAL(be);
	CU_ASSERT_STRING_EQUAL(be->name, "null:");
	CU_ASSERT_EQUAL(be->idx, 3);
	og_backend_destroy(be);
	CU_ASSERT_EQUAL(og_backend_register(&og_backend_null_ops), 0); /* same table again */
}

static int
suite_init(void)
{
	if (pt_eal_init("test_backend_file") != 0)
		return -1;
	if (og_backend_register(&og_backend_file_ops) != 0 ||
	    og_backend_register(&og_backend_null_ops) != 0)
		return -1;
	return 0;
}

static int
suite_clean(void)
{
	return pt_eal_clean();
}

static CU_TestInfo file_tests[] = {
	{ "samples through a batcher to files, read back byte-identical", test_round_trip },
	{ "rotation by max_bytes, numbering after existing files", test_rotation },
	{ "format=json lines transcode back to the same protobuf", test_json },
	{ "write errors reject the batch and are counted", test_write_error },
	{ "fan-out to file and null", test_fanout_null },
	{ "bad URIs and options refused", test_bad_uris },
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{ "backend_file", suite_init, suite_clean, NULL, NULL, file_tests },
	CU_SUITE_INFO_NULL,
};

int
main(void)
{
	return og_test_main(suites);
}
