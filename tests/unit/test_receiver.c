/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The OTLP/HTTP receiver end to end in one process (issue 4): a real lib/tcp
 * stack, the receiver on it, a batcher and a recording backend, driven by
 * the peer of rcv_peer.h. Each test checks what the client is told (status,
 * headers, the decoded Export*ServiceResponse or google.rpc.Status body,
 * whether the connection stays open), what the backend got (byte for byte),
 * the counters, and at its end that nothing leaked: every mempool back to
 * its starting use, the budget at 0, no record in flight, and the
 * accounting invariant of docs/design.md §3.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_mempool.h>

#include "og_otlp.h"
#include "og_test.h"
#include "rcv_peer.h"
#include "rcv_private.h"

#define MAX_BODY  (4u << 20)
#define RETRY_S	  "1"
#define RPC_INVAL 3
#define RPC_DEADL 4
#define RPC_NOTF  5
#define RPC_UNIMP 12
#define RPC_UNAV  14

static struct rp_env *env;

/* ---- samples ------------------------------------------------------------ */

struct sample {
	const char *name;
	enum og_otlp_signal sig;
	uint8_t *pb;
	size_t pb_len;
	uint8_t *gz; /* og_gzip_deflate() of pb */
	size_t gz_len;
	uint8_t *json; /* og_otlp_pb_to_json() of pb */
	size_t json_len;
	uint8_t *json_pb; /* og_otlp_json_to_pb() of json: what the backend must get */
	size_t json_pb_len;
	uint8_t *sdk_json; /* the SDK's own .json file */
	size_t sdk_json_len;
	uint8_t *sdk_json_pb;
	size_t sdk_json_pb_len;
	uint64_t items;
};

static struct sample samples[] = {
	{ .name = "traces-1", .sig = OG_OTLP_TRACES },
	{ .name = "traces-64", .sig = OG_OTLP_TRACES },
	{ .name = "traces-512", .sig = OG_OTLP_TRACES },
	{ .name = "traces-4096", .sig = OG_OTLP_TRACES },
	{ .name = "traces-rich-200", .sig = OG_OTLP_TRACES },
	{ .name = "traces-multi-resource", .sig = OG_OTLP_TRACES },
	{ .name = "metrics-4x3", .sig = OG_OTLP_METRICS },
	{ .name = "metrics-multi-resource", .sig = OG_OTLP_METRICS },
	{ .name = "logs-100", .sig = OG_OTLP_LOGS },
	{ .name = "logs-multi-resource", .sig = OG_OTLP_LOGS },
};

static const char *const sig_path[] = { "/v1/traces", "/v1/metrics", "/v1/logs" };

static uint8_t *
to_pb(enum og_otlp_signal sig, const uint8_t *json, size_t len, size_t *out_len)
{
	struct og_otlp_error err;
	struct og_wbuf w;

	og_wbuf_init_growable(&w);
	if (og_otlp_json_to_pb(sig, json, len, &w, &err) != OG_OK) {
		fprintf(stderr, "json_to_pb: %s at %" PRIu64 "\n", og_otlp_err_name(err.code),
			err.offset);
		exit(2);
	}
	*out_len = w.len;
	return w.data;
}

static uint64_t
count_items(enum og_otlp_signal sig, const uint8_t *pb, size_t len, uint64_t *rejected)
{
	static struct og_otlp_resource res[64];
	struct og_seg seg = { pb, (uint32_t)len };
	struct og_otlp_scan s = { .signal = sig, .res = res, .res_cap = RTE_DIM(res) };

	if (og_otlp_scan(&seg, 1, &s) != OG_OK)
		return UINT64_MAX;
	if (rejected != NULL)
		*rejected = s.n_rejected;
	return s.n_items;
}

static void
samples_load(void)
{
	for (unsigned int i = 0; i < RTE_DIM(samples); i++) {
		struct sample *s = &samples[i];
		char rel[128];
		struct og_seg seg;
		struct og_otlp_error err;
		struct og_wbuf w;

		snprintf(rel, sizeof(rel), "samples/%s.pb", s->name);
		s->pb = og_test_read_file(rel, &s->pb_len);
		snprintf(rel, sizeof(rel), "samples/%s.json", s->name);
		s->sdk_json = og_test_read_file(rel, &s->sdk_json_len);
		seg.data = s->pb;
		seg.len = (uint32_t)s->pb_len;
		og_wbuf_init_growable(&w);
		if (og_gzip_deflate(s->pb, s->pb_len, &w, 1) != OG_OK)
			exit(2);
		s->gz = w.data;
		s->gz_len = w.len;
		og_wbuf_init_growable(&w);
		if (og_otlp_pb_to_json(s->sig, &seg, 1, &w, &err) != OG_OK)
			exit(2);
		s->json = w.data;
		s->json_len = w.len;
		s->json_pb = to_pb(s->sig, s->json, s->json_len, &s->json_pb_len);
		s->sdk_json_pb = to_pb(s->sig, s->sdk_json, s->sdk_json_len, &s->sdk_json_pb_len);
		s->items = count_items(s->sig, s->pb, s->pb_len, NULL);
	}
}

static void
samples_free(void)
{
	for (unsigned int i = 0; i < RTE_DIM(samples); i++) {
		struct sample *s = &samples[i];

		free(s->pb);
		free(s->gz);
		free(s->json);
		free(s->json_pb);
		free(s->sdk_json);
		free(s->sdk_json_pb);
	}
}

/* ---- leak checks ------------------------------------------------------------ */

#define MAX_POOLS 64
static struct {
	char name[RTE_MEMPOOL_NAMESIZE];
	unsigned int in_use;
} pools[MAX_POOLS];
static unsigned int n_pools;

static void
pool_snap(struct rte_mempool *mp, void *arg)
{
	(void)arg;
	if (n_pools == MAX_POOLS)
		return;
	snprintf(pools[n_pools].name, sizeof(pools[0].name), "%s", mp->name);
	pools[n_pools++].in_use = rte_mempool_in_use_count(mp);
}

static void
pool_check(struct rte_mempool *mp, void *arg)
{
	unsigned int *bad = arg;

	for (unsigned int i = 0; i < n_pools; i++) {
		if (strcmp(pools[i].name, mp->name) != 0)
			continue;
		if (rte_mempool_in_use_count(mp) != pools[i].in_use) {
			fprintf(stderr, "\npool %s: %u in use, %u at start\n", mp->name,
				rte_mempool_in_use_count(mp), pools[i].in_use);
			(*bad)++;
		}
		return;
	}
}

static struct og_pipe_stats ps0;
static struct og_rcv_stats rs0;

/* Counter deltas since the test began. */
static uint64_t
d_sig(enum og_pipe_sig_ctr c, enum og_otlp_signal s)
{
	struct og_pipe_stats now;

	og_pipe_stats_sum(&now);
	return now.sig[c][s] - ps0.sig[c][s];
}

static uint64_t
d_be(enum og_pipe_be_ctr c, enum og_otlp_signal s)
{
	struct og_pipe_stats now;

	og_pipe_stats_sum(&now);
	return now.be[c][0][s] - ps0.be[c][0][s];
}

/* otlpgate_copied_bytes_total: lib/pipeline's counter, the receiver adds to it */
static uint64_t
d_copied(void)
{
	struct og_pipe_stats now;

	og_pipe_stats_sum(&now);
	return now.lc[OG_PIPE_LC_COPIED_BYTES] - ps0.lc[OG_PIPE_LC_COPIED_BYTES];
}

static uint64_t
d_rcv(enum og_rcv_ctr c)
{
	return og_rcv_stats(env->rcv)->ctr[c] - rs0.ctr[c];
}

/* Requests answered @p status for signal @p sig (any encoding, compression). */
static uint64_t
d_status(unsigned int sig, int status)
{
	const struct og_rcv_stats *st = og_rcv_stats(env->rcv);
	unsigned int slot = OG_RCV_ST_OTHER;
	uint64_t n = 0;

	for (unsigned int i = 0; i < OG_RCV_ST_MAX; i++)
		if (og_rcv_status_code(i) == status)
			slot = i;
	for (unsigned int e = 0; e < OG_RCV_ENC_N; e++)
		for (unsigned int c = 0; c < OG_RCV_COMP_N; c++)
			n += st->requests[sig][e][c][slot] - rs0.requests[sig][e][c][slot];
	return n;
}

/* Before each test: counters and pool use to compare with. */
static void
test_setup(void)
{
	og_pipe_stats_sum(&ps0);
	rs0 = *og_rcv_stats(env->rcv);
	rp_be_clear();
}

/*
 * After each test: end every connection, let TIME-WAIT and the batcher run
 * out, then nothing may be left anywhere.
 */
static void
end_checks(void)
{
	struct og_pipe_stats sum;
	unsigned int bad = 0;
	char why[512];
	int rc;

	for (unsigned int i = 0; i < RP_MAX_CONNS; i++) {
		struct rp_conn *c = env->conns[i];

		if (c == NULL)
			continue;
		if (!rp_closed_by_server(c) || !c->fin_sent)
			rp_rst(c);
		rp_conn_free(c);
	}
	env->batcher_paused = false;
	rp_be.mode = RP_BE_OK;
	og_rcv_set_draining(env->rcv, false);
	rp_advance(env, 1500000);
	rte_mempool_walk(pool_check, &bad);
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT_EQUAL(og_budget_used(&env->budget), 0);
	CU_ASSERT_EQUAL(og_rcv_stats(env->rcv)->ctr[OG_RCV_CTR_CONNS_OPEN], 0);
	og_pipe_stats_sum(&sum);
	CU_ASSERT_EQUAL(sum.lc[OG_PIPE_LC_RECORDS_IN_FLIGHT], 0);
	rc = og_pipe_check_invariant(&sum, 1, why, sizeof(why));
	if (rc != 0)
		fprintf(stderr, "\ninvariant: %s\n", why);
	CU_ASSERT_EQUAL(rc, 0);
}

/* ---- responses ------------------------------------------------------------------ */

static int
pb_varint(const uint8_t **p, const uint8_t *end, uint64_t *v)
{
	*v = 0;
	for (unsigned int s = 0; s < 64 && *p < end; s += 7) {
		uint8_t b = *(*p)++;

		*v |= (uint64_t)(b & 0x7f) << s;
		if (!(b & 0x80))
			return 0;
	}
	return -1;
}

/*
 * A message {1: varint, 2: string} (google.rpc.Status; the inner
 * ExportTracePartialSuccess has the same shape). -1 when malformed.
 */
static int
pb_num_str(const uint8_t *p, size_t len, uint64_t *num, char *str, size_t cap)
{
	const uint8_t *end = p + len;

	*num = 0;
	str[0] = '\0';
	while (p < end) {
		uint64_t tag, v;

		if (pb_varint(&p, end, &tag) != 0)
			return -1;
		if ((tag & 7) == 0) {
			if (pb_varint(&p, end, &v) != 0)
				return -1;
			if (tag >> 3 == 1)
				*num = v;
		} else if ((tag & 7) == 2) {
			if (pb_varint(&p, end, &v) != 0 || v > (uint64_t)(end - p))
				return -1;
			if (tag >> 3 == 2) {
				size_t n = RTE_MIN((size_t)v, cap - 1);

				memcpy(str, p, n);
				str[n] = '\0';
			}
			p += v;
		} else {
			return -1;
		}
	}
	return 0;
}

/* google.rpc.Status of an error answer, protobuf or JSON. */
static int
status_body(const struct rp_resp *r, bool json, int64_t *code, char *msg, size_t cap)
{
	char text[4097];
	const char *k;
	uint64_t c;

	if (!json) {
		if (pb_num_str(r->body, r->body_len, &c, msg, cap) != 0)
			return -1;
		*code = (int64_t)c;
		return 0;
	}
	memcpy(text, r->body, r->body_len);
	text[r->body_len] = '\0';
	k = strstr(text, "\"code\":");
	if (text[0] != '{' || k == NULL)
		return -1;
	*code = strtoll(k + 7, NULL, 10);
	k = strstr(text, "\"message\":\"");
	msg[0] = '\0';
	if (k != NULL) {
		const char *e = strchr(k + 11, '"');
		size_t n = e != NULL ? RTE_MIN((size_t)(e - k - 11), cap - 1) : 0;

		memcpy(msg, k + 11, n);
		msg[n] = '\0';
	}
	return 0;
}

/* partial_success of a protobuf Export*ServiceResponse (0 when absent). */
static int
partial_pb(const struct rp_resp *r, uint64_t *rejected, char *msg, size_t cap)
{
	const uint8_t *p = r->body, *end = r->body + r->body_len;
	uint64_t tag, len;

	*rejected = 0;
	msg[0] = '\0';
	if (r->body_len == 0)
		return 0;
	if (pb_varint(&p, end, &tag) != 0 || tag != ((1 << 3) | 2) ||
	    pb_varint(&p, end, &len) != 0 || len != (uint64_t)(end - p))
		return -1;
	return pb_num_str(p, (size_t)len, rejected, msg, cap);
}

static void
expect_status(const struct rp_resp *r, int status, bool json, int64_t rpc)
{
	char msg[512] = "", ct[64] = "";
	int64_t code = -1;

	CU_ASSERT_EQUAL(r->status, status);
	if (r->status != status)
		fprintf(stderr, "\nwanted %d, got:\n%s\n", status, r->head);
	CU_ASSERT_PTR_NOT_NULL(rp_resp_hdr(r, "content-type", ct, sizeof(ct)));
	CU_ASSERT_STRING_EQUAL(ct, json ? "application/json" : "application/x-protobuf");
	CU_ASSERT_EQUAL(status_body(r, json, &code, msg, sizeof(msg)), 0);
	CU_ASSERT_EQUAL(code, rpc);
	CU_ASSERT(strlen(msg) > 0);
}

/* ---- requests -------------------------------------------------------------------- */

enum form { F_PB, F_JSON, F_GZIP, F_SDK_JSON, F_MAX };
static const char *const form_name[] = { "protobuf", "json", "gzip", "sdk json" };

/* Body to send and the bytes the backend must see for it. */
static void
form_body(const struct sample *s, enum form f, const uint8_t **body, size_t *len,
	  const uint8_t **want, size_t *want_len)
{
	switch (f) {
	case F_JSON:
		*body = s->json, *len = s->json_len;
		*want = s->json_pb, *want_len = s->json_pb_len;
		break;
	case F_GZIP:
		*body = s->gz, *len = s->gz_len;
		*want = s->pb, *want_len = s->pb_len;
		break;
	case F_SDK_JSON:
		*body = s->sdk_json, *len = s->sdk_json_len;
		*want = s->sdk_json_pb, *want_len = s->sdk_json_pb_len;
		break;
	default:
		*body = s->pb, *len = s->pb_len;
		*want = s->pb, *want_len = s->pb_len;
		break;
	}
}

/* The whole request (head and framed body) in a malloc'd buffer. */
static uint8_t *
build_req(const char *path, enum form f, const uint8_t *body, size_t len, bool chunked,
	  const char *extra, size_t *out_len)
{
	bool json = f == F_JSON || f == F_SDK_JSON;
	size_t framed_len = len, hl;
	uint8_t *framed = (uint8_t *)(uintptr_t)body, *req;
	char head[1024];

	if (chunked)
		framed = rp_chunked(body, len, 1000, &framed_len);
	hl = rp_head(head, sizeof(head), "POST", path,
		     json ? "application/json" : "application/x-protobuf",
		     f == F_GZIP ? "gzip" : "", len, chunked, extra);
	req = malloc(hl + framed_len);
	memcpy(req, head, hl);
	memcpy(req + hl, framed, framed_len);
	if (chunked)
		free(framed);
	*out_len = hl + framed_len;
	return req;
}

/* Flush the batcher and compare what the backend got for @p sig. */
static void
expect_backend_keep(enum og_otlp_signal sig, const uint8_t *want, size_t want_len)
{
	rp_advance(env, 3000);
	CU_ASSERT_EQUAL(rp_be.len[sig], want_len);
	if (rp_be.len[sig] == want_len)
		CU_ASSERT(want_len == 0 || memcmp(rp_be.bytes[sig], want, want_len) == 0);
}

/* The same, then forget what the backend got. */
static void
expect_backend(enum og_otlp_signal sig, const uint8_t *want, size_t want_len)
{
	expect_backend_keep(sig, want, want_len);
	rp_be_clear();
}

/*
 * Send @p req split at @p at (0: no split) and in segments of @p seg bytes;
 * expect 200 with no partial success and the backend to get @p want.
 */
static void
one_ok(struct rp_conn *c, const struct sample *s, enum form f, const uint8_t *req, size_t len,
       size_t at, uint32_t seg, const uint8_t *want, size_t want_len)
{
	bool json = f == F_JSON || f == F_SDK_JSON;
	struct rp_resp r;
	char ct[64];

	if (at > 0) {
		CU_ASSERT_EQUAL_FATAL(rp_send(c, req, at, seg), 0);
		CU_ASSERT_EQUAL_FATAL(rp_send(c, req + at, len - at, seg), 0);
	} else {
		CU_ASSERT_EQUAL_FATAL(rp_send(c, req, len, seg), 0);
	}
	CU_ASSERT_EQUAL_FATAL(rp_resp_wait(c, &r), 1);
	if (r.status != 200)
		fprintf(stderr, "\n%s %s at=%zu seg=%u: %.*s\n", s->name, form_name[f], at, seg,
			(int)r.body_len, r.body);
	CU_ASSERT_EQUAL_FATAL(r.status, 200);
	CU_ASSERT_PTR_NOT_NULL(rp_resp_hdr(&r, "content-type", ct, sizeof(ct)));
	CU_ASSERT_STRING_EQUAL(ct, json ? "application/json" : "application/x-protobuf");
	/* no partial_success: an empty message, "{}" in JSON */
	CU_ASSERT(json ? r.body_len == 2 && memcmp(r.body, "{}", 2) == 0 : r.body_len == 0);
	CU_ASSERT_FALSE(rp_closed_by_server(c));
	expect_backend(s->sig, want, want_len);
}

/* ---- tests ------------------------------------------------------------------------ */

/*
 * Every sample, in every form and framing, in MSS segments and in a sweep
 * of segment sizes: 200, the backend gets the resource entries byte for
 * byte, the item counters are exact.
 */
static void
test_samples(void)
{
	static const uint32_t sizes[] = { 0, 1, 7, 100, 536, 1000, 1459 };
	struct rp_conn *c = rp_connect(env);
	uint64_t n_ok[OG_OTLP_SIGNAL_MAX] = { 0 }, items[OG_OTLP_SIGNAL_MAX] = { 0 };

	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	for (unsigned int i = 0; i < RTE_DIM(samples); i++) {
		const struct sample *s = &samples[i];

		CU_ASSERT_EQUAL_FATAL(count_items(s->sig, s->json_pb, s->json_pb_len, NULL),
				      s->items);
		for (enum form f = F_PB; f < F_MAX; f++) {
			for (int chunked = 0; chunked < 2; chunked++) {
				const uint8_t *body, *want;
				size_t len, want_len, rlen;
				uint8_t *req;

				form_body(s, f, &body, &len, &want, &want_len);
				req = build_req(sig_path[s->sig], f, body, len, chunked, NULL,
						&rlen);
				for (unsigned int k = 0; k < RTE_DIM(sizes); k++) {
					/* 1-byte segments for small requests only */
					if (sizes[k] != 0 && rlen / sizes[k] > 20000)
						continue;
					one_ok(c, s, f, req, rlen, 0, sizes[k], want, want_len);
					n_ok[s->sig]++;
					items[s->sig] += s->items;
				}
				free(req);
			}
		}
	}
	for (unsigned int g = 0; g < OG_OTLP_SIGNAL_MAX; g++) {
		CU_ASSERT_EQUAL(d_status(g, 200), n_ok[g]);
		CU_ASSERT_EQUAL(d_sig(OG_PIPE_SIG_ITEMS_RECEIVED, g), items[g]);
		CU_ASSERT_EQUAL(d_be(OG_PIPE_BE_ITEMS_EXPORTED, g), items[g]);
		CU_ASSERT_EQUAL(d_sig(OG_PIPE_SIG_ITEMS_REJECTED, g), 0);
		CU_ASSERT_EQUAL(d_sig(OG_PIPE_SIG_ITEMS_REFUSED, g), 0);
	}
	/* uncompressed protobuf was referenced, never copied: the others were */
	CU_ASSERT(d_copied() > 0);
	end_checks();
}

/* Uncompressed protobuf costs no copy (docs/design.md §2). */
static void
test_zero_copy(void)
{
	struct rp_conn *c = rp_connect(env);
	const struct sample *s = &samples[2]; /* traces-512 */
	size_t rlen;
	uint8_t *req = build_req("/v1/traces", F_PB, s->pb, s->pb_len, false, NULL, &rlen);

	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	one_ok(c, s, F_PB, req, rlen, 0, 0, s->pb, s->pb_len);
	one_ok(c, s, F_PB, req, rlen, 0, 777, s->pb, s->pb_len);
	CU_ASSERT_EQUAL(d_copied(), 0);
	CU_ASSERT_EQUAL(d_rcv(OG_RCV_CTR_LINEARIZED), 0);
	CU_ASSERT_EQUAL(d_rcv(OG_RCV_CTR_BYTES_IN), 2 * s->pb_len);
	free(req);
	end_checks();
}

/* The request cut in two at every position (small bodies), every form. */
static void
test_split_everywhere(void)
{
	const struct sample *s = &samples[0]; /* traces-1 */
	struct rp_conn *c = rp_connect(env);
	uint64_t n = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	for (enum form f = F_PB; f < F_MAX; f++) {
		for (int chunked = 0; chunked < 2; chunked++) {
			const uint8_t *body, *want;
			size_t len, want_len, rlen;
			uint8_t *req;

			form_body(s, f, &body, &len, &want, &want_len);
			req = build_req("/v1/traces", f, body, len, chunked, NULL, &rlen);
			for (size_t at = 1; at < rlen; at++) {
				one_ok(c, s, f, req, rlen, at, 0, want, want_len);
				n++;
			}
			free(req);
		}
	}
	CU_ASSERT_EQUAL(d_status(OG_OTLP_TRACES, 200), n);
	CU_ASSERT_EQUAL(d_sig(OG_PIPE_SIG_ITEMS_RECEIVED, OG_OTLP_TRACES), n);
	CU_ASSERT_EQUAL(d_be(OG_PIPE_BE_ITEMS_EXPORTED, OG_OTLP_TRACES), n);
	end_checks();
}

/* A large body cut in two at a sweep of positions. */
static void
test_split_sweep(void)
{
	const struct sample *s = &samples[2]; /* traces-512 */
	struct rp_conn *c = rp_connect(env);
	uint64_t n = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	for (enum form f = F_PB; f <= F_GZIP; f++) {
		const uint8_t *body, *want;
		size_t len, want_len, rlen;
		uint8_t *req;

		form_body(s, f, &body, &len, &want, &want_len);
		req = build_req("/v1/traces", f, body, len, f == F_JSON, NULL, &rlen);
		for (size_t at = 1; at < rlen; at += 1 + rlen / 97) {
			one_ok(c, s, f, req, rlen, at, 1000, want, want_len);
			n++;
		}
		free(req);
	}
	CU_ASSERT_EQUAL(d_sig(OG_PIPE_SIG_ITEMS_RECEIVED, OG_OTLP_TRACES), n * 512);
	CU_ASSERT_EQUAL(d_be(OG_PIPE_BE_ITEMS_EXPORTED, OG_OTLP_TRACES), n * 512);
	end_checks();
}

/* A copy of traces-64 whose span @p k has an all-zero trace_id. */
static uint8_t *
with_zero_trace_id(const struct sample *s, uint32_t k, uint8_t span_id[8])
{
	uint8_t *buf = malloc(s->pb_len);
	struct og_seg seg = { buf, (uint32_t)s->pb_len };
	struct og_otlp_span_iter it;
	struct og_otlp_span_view v;
	uint32_t i = 0;

	memcpy(buf, s->pb, s->pb_len);
	og_otlp_span_iter_init(&it, &seg, 1, NULL, 0);
	while (og_otlp_span_iter_next(&it, &v) == 1) {
		if (i++ == k) {
			uint8_t *t = memmem(buf + v.span.off, v.span.len, v.trace_id, 16);

			CU_ASSERT_PTR_NOT_NULL_FATAL(t);
			memset(t, 0, 16);
			memcpy(span_id, v.span_id, 8);
			return buf;
		}
	}
	CU_FAIL_FATAL("span not found");
	return NULL;
}

/*
 * A request that needs more pieces than the receiver holds for one request
 * once its rejected span is cut out: 413 (a retry would fail the same way),
 * never 503; its items are refused and nothing reaches the backend. The
 * receiver's piece array is shrunk for the test (4 x max_resources by
 * default, 65,536 pieces, far more than a sample body needs).
 */
static void
test_too_fragmented(void)
{
	const struct sample *s = &samples[1]; /* traces-64 */
	struct rp_conn *c = rp_connect(env);
	uint32_t cap = env->rcv->pieces_cap;
	uint8_t bad_id[8];
	uint8_t *bad = with_zero_trace_id(s, 17, bad_id);
	char retry[16];
	struct rp_resp r;
	size_t rlen;
	uint8_t *req;

	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	env->rcv->pieces_cap = 1;
	req = build_req("/v1/traces", F_PB, bad, s->pb_len, false, NULL, &rlen);
	CU_ASSERT_EQUAL_FATAL(rp_send(c, req, rlen, 0), 0);
	CU_ASSERT_EQUAL_FATAL(rp_resp_wait(c, &r), 1);
	CU_ASSERT_EQUAL(r.status, 413);
	CU_ASSERT_PTR_NULL(rp_resp_hdr(&r, "Retry-After", retry, sizeof(retry)));
	r.body[RTE_MIN(r.body_len, sizeof(r.body) - 1)] = '\0';
	CU_ASSERT(memmem(r.body, r.body_len, "too fragmented", 14) != NULL);
	CU_ASSERT_EQUAL(d_rcv(OG_RCV_CTR_TOO_FRAGMENTED), 1);
	CU_ASSERT_EQUAL(d_status(OG_OTLP_TRACES, 413), 1);
	CU_ASSERT_EQUAL(d_sig(OG_PIPE_SIG_ITEMS_REFUSED, OG_OTLP_TRACES), 63);
	rp_advance(env, 3000);
	CU_ASSERT_EQUAL(rp_be.len[OG_OTLP_TRACES], 0);

	/* the same body with the receiver's own array: 200, the rest forwarded */
	env->rcv->pieces_cap = cap;
	CU_ASSERT_EQUAL_FATAL(rp_send(c, req, rlen, 0), 0);
	free(req);
	CU_ASSERT_EQUAL_FATAL(rp_resp_wait(c, &r), 1);
	CU_ASSERT_EQUAL(r.status, 200);
	rp_advance(env, 3000);
	CU_ASSERT_EQUAL(count_items(OG_OTLP_TRACES, rp_be.bytes[0], rp_be.len[0], NULL), 63);
	rp_be_clear();
	free(bad);
	end_checks();
}

/* Span ids of a traces body, in order. */
static uint32_t
span_ids(const uint8_t *pb, size_t len, uint8_t (*ids)[8], uint32_t cap)
{
	struct og_seg seg = { pb, (uint32_t)len };
	struct og_otlp_span_iter it;
	struct og_otlp_span_view v;
	uint32_t n = 0;

	og_otlp_span_iter_init(&it, &seg, 1, NULL, 0);
	while (n < cap && og_otlp_span_iter_next(&it, &v) == 1)
		memcpy(ids[n++], v.span_id, 8);
	return n;
}

/* One span with an all-zero trace_id: 200, partial_success, the rest forwarded. */
static void
test_partial_success(void)
{
	const struct sample *s = &samples[1]; /* traces-64 */
	struct rp_conn *c = rp_connect(env);
	uint8_t bad_id[8], ids[64][8], got[64][8];
	uint8_t *bad = with_zero_trace_id(s, 17, bad_id);
	uint64_t rejected, rej2;
	struct rp_resp r;
	size_t rlen;
	uint8_t *req;
	char msg[512];

	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_EQUAL(span_ids(s->pb, s->pb_len, ids, 64), 64);

	/* protobuf */
	req = build_req("/v1/traces", F_PB, bad, s->pb_len, false, NULL, &rlen);
	CU_ASSERT_EQUAL_FATAL(rp_send(c, req, rlen, 0), 0);
	free(req);
	CU_ASSERT_EQUAL_FATAL(rp_resp_wait(c, &r), 1);
	CU_ASSERT_EQUAL(r.status, 200);
	CU_ASSERT_EQUAL(partial_pb(&r, &rejected, msg, sizeof(msg)), 0);
	CU_ASSERT_EQUAL(rejected, 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "1 spans rejected"));
	rp_advance(env, 3000);
	/* the backend got a valid request of the 63 others, in order */
	CU_ASSERT_EQUAL(count_items(OG_OTLP_TRACES, rp_be.bytes[0], rp_be.len[0], &rej2), 63);
	CU_ASSERT_EQUAL(rej2, 0);
	CU_ASSERT_EQUAL(span_ids(rp_be.bytes[0], rp_be.len[0], got, 64), 63);
	for (uint32_t i = 0, j = 0; i < 64; i++) {
		if (memcmp(ids[i], bad_id, 8) == 0)
			continue;
		CU_ASSERT(j < 63 && memcmp(got[j], ids[i], 8) == 0);
		j++;
	}
	CU_ASSERT(memmem(rp_be.bytes[0], rp_be.len[0], bad_id, 8) == NULL);
	rp_be_clear();

	/* JSON: the answer in JSON, int64 as a string */
	{
		struct og_seg seg = { bad, (uint32_t)s->pb_len };
		struct og_otlp_error err;
		struct og_wbuf w;

		og_wbuf_init_growable(&w);
		CU_ASSERT_EQUAL_FATAL(og_otlp_pb_to_json(OG_OTLP_TRACES, &seg, 1, &w, &err), OG_OK);
		req = build_req("/v1/traces", F_JSON, w.data, w.len, false, NULL, &rlen);
		og_wbuf_free(&w);
	}
	CU_ASSERT_EQUAL_FATAL(rp_send(c, req, rlen, 0), 0);
	free(req);
	CU_ASSERT_EQUAL_FATAL(rp_resp_wait(c, &r), 1);
	CU_ASSERT_EQUAL(r.status, 200);
	r.body[RTE_MIN(r.body_len, sizeof(r.body) - 1)] = '\0';
	CU_ASSERT_PTR_NOT_NULL(
		strstr((char *)r.body, "{\"partialSuccess\":{\"rejectedSpans\":\"1\""));
	rp_advance(env, 3000);
	CU_ASSERT_EQUAL(count_items(OG_OTLP_TRACES, rp_be.bytes[0], rp_be.len[0], NULL), 63);

	CU_ASSERT_EQUAL(d_sig(OG_PIPE_SIG_ITEMS_RECEIVED, OG_OTLP_TRACES), 128);
	CU_ASSERT_EQUAL(d_sig(OG_PIPE_SIG_ITEMS_REJECTED, OG_OTLP_TRACES), 2);
	CU_ASSERT_EQUAL(d_be(OG_PIPE_BE_ITEMS_EXPORTED, OG_OTLP_TRACES), 126);
	free(bad);
	end_checks();
}

/*
 * Send raw request bytes on @p c and take one response. The send may fail
 * part way when the receiver answers and closes early (431, 413): the
 * answer is what counts.
 */
static void
exchange(struct rp_conn *c, const void *req, size_t len, struct rp_resp *r)
{
	rp_send(c, req, len, 0);
	CU_ASSERT_EQUAL_FATAL(rp_resp_wait(c, r), 1);
}

/* The connection still serves: traces-1 again gets 200. */
static void
still_open(struct rp_conn *c)
{
	const struct sample *s = &samples[0];
	size_t rlen;
	uint8_t *req = build_req("/v1/traces", F_PB, s->pb, s->pb_len, false, NULL, &rlen);

	CU_ASSERT_FALSE(rp_closed_by_server(c));
	one_ok(c, s, F_PB, req, rlen, 0, 0, s->pb, s->pb_len);
	free(req);
}

/* The receiver closed after its answer. */
static void
closed_after(struct rp_conn *c, const struct rp_resp *r)
{
	char v[32];

	rp_advance(env, 2000);
	CU_ASSERT(rp_closed_by_server(c));
	CU_ASSERT_PTR_NOT_NULL(rp_resp_hdr(r, "connection", v, sizeof(v)));
	CU_ASSERT_STRING_EQUAL(v, "close");
}

static void
test_400(void)
{
	const struct sample *s = &samples[1];
	struct rp_conn *c = rp_connect(env);
	uint8_t junk[64];
	struct rp_resp r;
	size_t rlen;
	uint8_t *req;

	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	/* garbage protobuf */
	memset(junk, 0xff, sizeof(junk));
	req = build_req("/v1/traces", F_PB, junk, sizeof(junk), false, NULL, &rlen);
	exchange(c, req, rlen, &r);
	free(req);
	expect_status(&r, 400, false, RPC_INVAL);
	still_open(c);
	/* garbage JSON: the Status in JSON */
	req = build_req("/v1/logs", F_JSON, (const uint8_t *)"{\"resourceLogs\":[", 17, false, NULL,
			&rlen);
	exchange(c, req, rlen, &r);
	free(req);
	expect_status(&r, 400, true, RPC_INVAL);
	still_open(c);
	/* truncated gzip */
	req = build_req("/v1/traces", F_GZIP, s->gz, s->gz_len / 2, false, NULL, &rlen);
	exchange(c, req, rlen, &r);
	free(req);
	expect_status(&r, 400, false, RPC_INVAL);
	CU_ASSERT_EQUAL(og_rcv_stats(env->rcv)->decode_errors[OG_OTLP_ERR_GZIP_TRUNCATED] -
				rs0.decode_errors[OG_OTLP_ERR_GZIP_TRUNCATED],
			1);
	still_open(c);
	CU_ASSERT_EQUAL(d_status(OG_OTLP_TRACES, 400), 2);
	CU_ASSERT_EQUAL(d_status(OG_OTLP_LOGS, 400), 1);
	/* undecodable bodies have no items: only the three still_open() spans */
	CU_ASSERT_EQUAL(d_sig(OG_PIPE_SIG_ITEMS_RECEIVED, OG_OTLP_TRACES), 3);
	end_checks();
}

static void
test_404_405(void)
{
	const struct sample *s = &samples[0];
	struct rp_conn *c = rp_connect(env);
	struct rp_resp r;
	char head[512], v[64];
	size_t rlen;
	uint8_t *req;

	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	req = build_req("/v1/spans", F_PB, s->pb, s->pb_len, false, NULL, &rlen);
	exchange(c, req, rlen, &r);
	free(req);
	expect_status(&r, 404, false, RPC_NOTF);
	still_open(c);
	/* JSON request: the Status in JSON */
	req = build_req("/", F_JSON, s->json, s->json_len, false, NULL, &rlen);
	exchange(c, req, rlen, &r);
	free(req);
	expect_status(&r, 404, true, RPC_NOTF);
	still_open(c);

	rlen = rp_head(head, sizeof(head), "GET", "/v1/traces", "", "", SIZE_MAX, false, NULL);
	exchange(c, head, rlen, &r);
	expect_status(&r, 405, false, RPC_UNIMP);
	CU_ASSERT_PTR_NOT_NULL(rp_resp_hdr(&r, "allow", v, sizeof(v)));
	CU_ASSERT_STRING_EQUAL(v, "POST");
	still_open(c);
	rlen = rp_head(head, sizeof(head), "PUT", "/v1/metrics", "application/x-protobuf", "",
		       s->pb_len, false, NULL);
	CU_ASSERT_EQUAL_FATAL(rp_send(c, head, rlen, 0), 0);
	exchange(c, s->pb, s->pb_len, &r);
	expect_status(&r, 405, false, RPC_UNIMP);
	still_open(c);
	CU_ASSERT_EQUAL(d_status(OG_RCV_SIG_NONE, 404), 2);
	CU_ASSERT_EQUAL(d_status(OG_OTLP_TRACES, 405), 1);
	CU_ASSERT_EQUAL(d_status(OG_OTLP_METRICS, 405), 1);
	end_checks();
}

/* A refused request with a large body is answered at once and closed. */
static void
test_refused_large_closes(void)
{
	const struct sample *s = &samples[2]; /* 160 KB */
	struct rp_conn *c = rp_connect(env);
	struct rp_resp r;
	size_t rlen;
	uint8_t *req;

	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	req = build_req("/v1/nope", F_PB, s->pb, s->pb_len, false, NULL, &rlen);
	CU_ASSERT_EQUAL_FATAL(rp_send(c, req, 2000, 0), 0); /* head and a little body */
	CU_ASSERT_EQUAL_FATAL(rp_resp_wait(c, &r), 1);
	free(req);
	expect_status(&r, 404, false, RPC_NOTF);
	closed_after(c, &r);
	end_checks();
}

/*
 * RFC 9112 9.6: after a Connection: close answer the receiver shuts its
 * write side and reads the rest of what the client sends, dropping it,
 * instead of answering it with resets; it closes when the client does, or
 * at the linger time.
 */
static void
test_lingering_close(void)
{
	const struct sample *s = &samples[2]; /* 160 KB */
	const struct og_tcp_stats *ts = og_tcp_stats(env->st);
	uint64_t rst0 = ts->cnt[OG_TCP_CNT_RESETS_OUT];
	struct rp_conn *c = rp_connect(env), *c2;
	struct rp_resp r;
	size_t rlen;
	uint8_t *req;

	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	req = build_req("/v1/nope", F_PB, s->pb, s->pb_len, false, NULL, &rlen);
	CU_ASSERT_EQUAL_FATAL(rp_send(c, req, RP_MSS, 0), 0); /* the head, one segment */
	CU_ASSERT_EQUAL_FATAL(rp_resp_wait(c, &r), 1);
	expect_status(&r, 404, false, RPC_NOTF);
	closed_after(c, &r);
	CU_ASSERT(c->fin_rcvd);
	CU_ASSERT_EQUAL(d_rcv(OG_RCV_CTR_LINGERS), 1);
	/* the rest of the body, already on its way: taken and dropped, no reset */
	CU_ASSERT_EQUAL(rp_send(c, req + RP_MSS, rlen - RP_MSS, 0), 0);
	rp_advance(env, 50000); /* past the delayed ACK */
	CU_ASSERT_FALSE(c->rst_rcvd);
	CU_ASSERT_EQUAL(c->snd_una, c->snd_nxt); /* all of it acknowledged */
	CU_ASSERT_EQUAL(d_rcv(OG_RCV_CTR_LINGER_BYTES), rlen - RP_MSS);
	CU_ASSERT_EQUAL(ts->cnt[OG_TCP_CNT_RESETS_OUT], rst0);
	CU_ASSERT_EQUAL(d_rcv(OG_RCV_CTR_CONNS_OPEN), 1);
	/* the client closes: so does the receiver, without a reset */
	rp_fin(c);
	rp_advance(env, 2000);
	CU_ASSERT_FALSE(c->rst_rcvd);
	CU_ASSERT_EQUAL(d_rcv(OG_RCV_CTR_CONNS_OPEN), 0);
	CU_ASSERT_EQUAL(d_rcv(OG_RCV_CTR_LINGER_TIMEOUTS), 0);
	CU_ASSERT_EQUAL(ts->cnt[OG_TCP_CNT_RESETS_OUT], rst0);

	/* a client that never closes is closed at the linger time (2 s) */
	c2 = rp_connect(env);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c2);
	CU_ASSERT_EQUAL_FATAL(rp_send(c2, req, 2000, 0), 0);
	CU_ASSERT_EQUAL_FATAL(rp_resp_wait(c2, &r), 1);
	expect_status(&r, 404, false, RPC_NOTF);
	CU_ASSERT_EQUAL(d_rcv(OG_RCV_CTR_LINGERS), 2);
	for (int i = 0; i < 19; i++)
		rp_advance(env, 100000);
	CU_ASSERT_EQUAL(d_rcv(OG_RCV_CTR_LINGER_TIMEOUTS), 0);
	CU_ASSERT_EQUAL(rp_send(c2, req + 2000, 3000, 0), 0);
	CU_ASSERT_FALSE(c2->rst_rcvd);
	rp_advance(env, 200000);
	CU_ASSERT_EQUAL(d_rcv(OG_RCV_CTR_LINGER_TIMEOUTS), 1);
	/* closed now: what still comes is answered with a reset (RFC 9293 3.10.7.4) */
	rp_send(c2, req + 5000, 3000, 0);
	rp_advance(env, 2000);
	CU_ASSERT(c2->rst_rcvd);
	CU_ASSERT_EQUAL(d_rcv(OG_RCV_CTR_CONNS_OPEN), 0);
	free(req);
	end_checks();
}

static void
test_413(void)
{
	struct rp_conn *c = rp_connect(env);
	struct rp_resp r;
	char head[512];
	size_t rlen;
	uint8_t *zeros, *req;
	struct og_wbuf gz;

	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	/* Content-Length over --max-body: answered from the head, closed */
	rlen = rp_head(head, sizeof(head), "POST", "/v1/traces", "application/x-protobuf", "",
		       MAX_BODY + 1, false, NULL);
	exchange(c, head, rlen, &r);
	expect_status(&r, 413, false, RPC_INVAL);
	closed_after(c, &r);
	CU_ASSERT_EQUAL(og_rcv_stats(env->rcv)->http_errors[OG_HTTP_ERR_BODY_TOO_LARGE] -
				rs0.http_errors[OG_HTTP_ERR_BODY_TOO_LARGE],
			1);

	/* gzip that inflates past --max-body: 413 after inflation */
	c = rp_connect(env);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	zeros = calloc(1, MAX_BODY + 4096);
	og_wbuf_init_growable(&gz);
	CU_ASSERT_EQUAL_FATAL(og_gzip_deflate(zeros, MAX_BODY + 4096, &gz, 1), OG_OK);
	free(zeros);
	req = build_req("/v1/traces", F_GZIP, gz.data, gz.len, false, NULL, &rlen);
	og_wbuf_free(&gz);
	exchange(c, req, rlen, &r);
	free(req);
	expect_status(&r, 413, false, RPC_INVAL);
	still_open(c); /* the body was read whole: the connection can go on */
	CU_ASSERT_EQUAL(d_status(OG_OTLP_TRACES, 413), 2);
	CU_ASSERT_EQUAL(d_rcv(OG_RCV_CTR_TOO_LARGE_LENGTH), 1);
	CU_ASSERT_EQUAL(d_rcv(OG_RCV_CTR_TOO_LARGE_DECODED), 1);
	CU_ASSERT_EQUAL(d_rcv(OG_RCV_CTR_BUDGET_REFUSED), 0);
	end_checks();
}

/* A gzip body of @p n zero bytes (ISA-L level 1: about 1 KB per MiB). */
static void
zeros_gz(size_t n, struct og_wbuf *gz)
{
	uint8_t *zeros = calloc(1, n);

	CU_ASSERT_PTR_NOT_NULL_FATAL(zeros);
	og_wbuf_init_growable(gz);
	CU_ASSERT_EQUAL_FATAL(og_gzip_deflate(zeros, n, gz, 1), OG_OK);
	free(zeros);
}

/*
 * A gzip bomb (100 MiB of zeros) and one whose trailer lies about its
 * size: 413, inflation stopped at the limit (plus one 32 KiB window), no
 * decode buffer taken for the honest one, nothing reserved but the wire
 * bytes, and the connection goes on.
 */
static void
test_gzip_bomb(void)
{
	struct rp_conn *c = rp_connect(env);
	uint64_t inflated;
	struct og_wbuf gz;
	struct rp_resp r;
	size_t rlen;
	uint8_t *req;

	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	zeros_gz(100u << 20, &gz);
	CU_ASSERT(gz.len < (1u << 20));
	req = build_req("/v1/logs", F_GZIP, gz.data, gz.len, false, NULL, &rlen);
	exchange(c, req, rlen, &r);
	free(req);
	expect_status(&r, 413, false, RPC_INVAL);
	CU_ASSERT_PTR_NULL(rp_resp_hdr(&r, "retry-after", (char[8]){ 0 }, 8));
	inflated = d_rcv(OG_RCV_CTR_BYTES_INFLATED);
	CU_ASSERT(inflated >= MAX_BODY && inflated <= MAX_BODY + 32768);
	CU_ASSERT_EQUAL(d_rcv(OG_RCV_CTR_HEAP_BUFFERS), 0);
	CU_ASSERT_EQUAL(d_rcv(OG_RCV_CTR_TOO_LARGE_DECODED), 1);
	CU_ASSERT_EQUAL(d_rcv(OG_RCV_CTR_BUDGET_REFUSED), 0);
	still_open(c);

	/* the same bomb claiming 1000 bytes (ISIZE): 1000 bytes, then measured */
	gz.data[gz.len - 4] = 0xe8;
	gz.data[gz.len - 3] = 0x03;
	gz.data[gz.len - 2] = 0;
	gz.data[gz.len - 1] = 0;
	req = build_req("/v1/logs", F_GZIP, gz.data, gz.len, true, NULL, &rlen);
	exchange(c, req, rlen, &r);
	free(req);
	expect_status(&r, 413, false, RPC_INVAL);
	inflated = d_rcv(OG_RCV_CTR_BYTES_INFLATED) - inflated;
	CU_ASSERT(inflated >= MAX_BODY && inflated <= 1000 + MAX_BODY + 32768);
	CU_ASSERT_EQUAL(d_rcv(OG_RCV_CTR_TOO_LARGE_DECODED), 2);
	CU_ASSERT_EQUAL(d_status(OG_OTLP_LOGS, 413), 2);
	CU_ASSERT_EQUAL(d_status(OG_OTLP_LOGS, 503), 0);
	og_wbuf_free(&gz);
	still_open(c);
	end_checks();
}

/*
 * A budget smaller than --max-body lowers the body limit: what it could
 * never hold is 413 (Connection: close from the head or mid-body), never
 * 503; what fits still goes through.
 */
static void
test_budget_caps_limit(void)
{
	const struct sample *big = &samples[3]; /* traces-4096: 1.3 MB, 200 KB gzip */
	const struct sample *s = &samples[1];
	struct og_budget saved = env->budget;
	uint64_t limit = og_rcv_body_limit(MAX_BODY, 1u << 20);
	struct rp_conn *c;
	struct rp_resp r;
	size_t rlen;
	uint8_t *req;

	/* the limit: the largest body whose reservation the budget grants */
	CU_ASSERT(limit < MAX_BODY);
	CU_ASSERT(og_rcv_body_need(limit) <= (1u << 20));
	CU_ASSERT(og_rcv_body_need(limit + 8) > (1u << 20));
	CU_ASSERT_EQUAL(og_rcv_body_limit(MAX_BODY, 1ull << 40), MAX_BODY);
	CU_ASSERT_EQUAL(og_rcv_body_limit(MAX_BODY, 100), 0);
	CU_ASSERT_FATAL(big->pb_len > limit && big->gz_len < limit);

	og_budget_init(&env->budget, 1u << 20, 1u << 20, 1u << 19);
	CU_ASSERT_EQUAL(og_budget_max_grant(&env->budget), 1u << 20);
	/* Content-Length above it: 413 from the head, closed */
	c = rp_connect(env);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	req = build_req("/v1/traces", F_PB, big->pb, big->pb_len, false, NULL, &rlen);
	exchange(c, req, rlen, &r);
	free(req);
	expect_status(&r, 413, false, RPC_INVAL);
	closed_after(c, &r);
	CU_ASSERT_EQUAL(d_rcv(OG_RCV_CTR_TOO_LARGE_LENGTH), 1);
	/*
	 * chunked: 413 as soon as the body passes it, closed (in 256 KiB
	 * chunks: with small ones each segment holds pieces of two chunks, and
	 * the extra indirect mbufs pass the memory grant first, 413 too)
	 */
	c = rp_connect(env);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	{
		char head[512];
		size_t hl = rp_head(head, sizeof(head), "POST", "/v1/traces",
				    "application/x-protobuf", "", 0, true, NULL);
		uint8_t *framed = rp_chunked(big->pb, big->pb_len, 256u << 10, &rlen);

		CU_ASSERT_EQUAL_FATAL(rp_send(c, head, hl, 0), 0);
		exchange(c, framed, rlen, &r);
		free(framed);
	}
	expect_status(&r, 413, false, RPC_INVAL);
	closed_after(c, &r);
	CU_ASSERT_EQUAL(d_rcv(OG_RCV_CTR_TOO_LARGE_CHUNKED), 1);
	/* gzip that fits as sent but inflates past it: 413 */
	c = rp_connect(env);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	req = build_req("/v1/traces", F_GZIP, big->gz, big->gz_len, false, NULL, &rlen);
	exchange(c, req, rlen, &r);
	free(req);
	expect_status(&r, 413, false, RPC_INVAL);
	CU_ASSERT_EQUAL(d_rcv(OG_RCV_CTR_TOO_LARGE_DECODED), 1);
	/* and a body that fits: 200 */
	req = build_req("/v1/traces", F_PB, s->pb, s->pb_len, false, NULL, &rlen);
	one_ok(c, s, F_PB, req, rlen, 0, 0, s->pb, s->pb_len);
	free(req);
	CU_ASSERT_EQUAL(d_rcv(OG_RCV_CTR_BUDGET_REFUSED), 0);
	CU_ASSERT_EQUAL(d_status(OG_OTLP_TRACES, 503), 0);
	CU_ASSERT_EQUAL(d_status(OG_OTLP_TRACES, 413), 3);
	rp_advance(env, 3000);
	rp_be_clear();
	CU_ASSERT_EQUAL(og_budget_used(&env->budget), 0);
	env->budget = saved;
	end_checks();
}

/* A request that fits alone but needs both forms at once past the grant: 413, not 503. */
static void
test_never_fits_memory(void)
{
	const struct sample *big = &samples[3];
	struct og_budget saved = env->budget;
	struct rp_conn *c = rp_connect(env);
	struct rp_resp r;
	size_t rlen;
	uint8_t *req;

	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	/*
	 * JSON of 3 MB is within the limit of a 6 MiB budget, but its segments
	 * (~5 MB) and its text copied out (3 MB) exceed 6 MiB at once
	 */
	og_budget_init(&env->budget, 6u << 20, 6u << 20, 1u << 20);
	CU_ASSERT_FATAL(big->json_len < og_rcv_body_limit(MAX_BODY, 6u << 20));
	req = build_req("/v1/traces", F_JSON, big->json, big->json_len, false, NULL, &rlen);
	exchange(c, req, rlen, &r);
	free(req);
	expect_status(&r, 413, true, RPC_INVAL);
	CU_ASSERT_EQUAL(d_rcv(OG_RCV_CTR_TOO_LARGE_MEMORY), 1);
	CU_ASSERT_EQUAL(d_rcv(OG_RCV_CTR_BUDGET_REFUSED), 0);
	CU_ASSERT_EQUAL(og_budget_used(&env->budget), 0);
	env->budget = saved;
	still_open(c);
	end_checks();
}

static void
test_415(void)
{
	const struct sample *s = &samples[0];
	struct rp_conn *c = rp_connect(env);
	struct rp_resp r;
	char head[512];
	size_t rlen;

	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	rlen = rp_head(head, sizeof(head), "POST", "/v1/traces", "text/plain", "", s->pb_len, false,
		       NULL);
	CU_ASSERT_EQUAL_FATAL(rp_send(c, head, rlen, 0), 0);
	exchange(c, s->pb, s->pb_len, &r);
	expect_status(&r, 415, false, RPC_INVAL);
	still_open(c);
	rlen = rp_head(head, sizeof(head), "POST", "/v1/traces", "application/x-protobuf", "br",
		       s->pb_len, false, NULL);
	CU_ASSERT_EQUAL_FATAL(rp_send(c, head, rlen, 0), 0);
	exchange(c, s->pb, s->pb_len, &r);
	expect_status(&r, 415, false, RPC_INVAL);
	still_open(c);
	/* JSON with an unknown coding: the Status in JSON */
	rlen = rp_head(head, sizeof(head), "POST", "/v1/traces", "application/json", "zstd",
		       s->json_len, false, NULL);
	CU_ASSERT_EQUAL_FATAL(rp_send(c, head, rlen, 0), 0);
	exchange(c, s->json, s->json_len, &r);
	expect_status(&r, 415, true, RPC_INVAL);
	still_open(c);
	CU_ASSERT_EQUAL(d_status(OG_OTLP_TRACES, 415), 3);
	CU_ASSERT_EQUAL(d_sig(OG_PIPE_SIG_ITEMS_RECEIVED, OG_OTLP_TRACES), 3);
	end_checks();
}

static void
test_431_505(void)
{
	struct rp_conn *c = rp_connect(env);
	struct rp_resp r;
	static char big[20000];
	char extra[16384 + 64];
	size_t rlen;

	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	memset(extra, 0, sizeof(extra));
	memcpy(extra, "X-Pad: ", 7);
	memset(extra + 7, 'a', 16384);
	memcpy(extra + 7 + 16384, "\r\n", 2);
	rlen = rp_head(big, sizeof(big), "POST", "/v1/traces", "application/x-protobuf", "", 0,
		       false, extra);
	exchange(c, big, rlen, &r);
	expect_status(&r, 431, false, RPC_INVAL);
	closed_after(c, &r);

	c = rp_connect(env);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	rlen = (size_t)snprintf(big, sizeof(big),
				"POST /v1/traces HTTP/2.0\r\nHost: x\r\nContent-Length: 0\r\n\r\n");
	exchange(c, big, rlen, &r);
	expect_status(&r, 505, false, RPC_UNIMP);
	closed_after(c, &r);
	end_checks();
}

/* A minimal valid traces request: one span with the given last id byte. */
static size_t
tiny_trace(uint8_t *out, uint8_t id)
{
	static const uint8_t t[] = { 0x0a, 0x23, 0x12, 0x21, 0x12, 0x1f, 0x0a, 0x10 };
	size_t n = 0;

	memcpy(out, t, sizeof(t));
	n = sizeof(t);
	for (int i = 0; i < 16; i++)
		out[n++] = (uint8_t)(i + 1);
	out[n++] = 0x12;
	out[n++] = 0x08;
	for (int i = 0; i < 7; i++)
		out[n++] = 0x40;
	out[n++] = id;
	out[n++] = 0x2a;
	out[n++] = 0x01;
	out[n++] = 'a';
	return n;
}

static void
test_pipelined(void)
{
	struct rp_conn *c = rp_connect(env);
	uint8_t bodies[3][64], buf[1400], want[256];
	size_t bl[3], n = 0, wl = 0;
	struct rp_resp r;

	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	for (int i = 0; i < 3; i++) {
		bl[i] = tiny_trace(bodies[i], (uint8_t)(i + 1));
		CU_ASSERT_EQUAL_FATAL(count_items(OG_OTLP_TRACES, bodies[i], bl[i], NULL), 1);
		n += rp_head((char *)buf + n, sizeof(buf) - n, "POST", "/v1/traces",
			     "application/x-protobuf", "", bl[i], false, NULL);
		memcpy(buf + n, bodies[i], bl[i]);
		n += bl[i];
		memcpy(want + wl, bodies[i], bl[i]);
		wl += bl[i];
	}
	/* three requests in one segment: three answers, in order */
	CU_ASSERT_EQUAL_FATAL(rp_send(c, buf, n, 0), 0);
	for (int i = 0; i < 3; i++) {
		CU_ASSERT_EQUAL_FATAL(rp_resp_wait(c, &r), 1);
		CU_ASSERT_EQUAL(r.status, 200);
	}
	CU_ASSERT_EQUAL(rp_resp_take(c, &r), 0);
	expect_backend(OG_OTLP_TRACES, want, wl);

	/* good, 404, 400, 405, good in one segment: answered in that order */
	n = wl = 0;
	n += rp_head((char *)buf + n, sizeof(buf) - n, "POST", "/v1/traces",
		     "application/x-protobuf", "", bl[0], false, NULL);
	memcpy(buf + n, bodies[0], bl[0]);
	n += bl[0];
	n += rp_head((char *)buf + n, sizeof(buf) - n, "POST", "/v2/traces",
		     "application/x-protobuf", "", bl[1], false, NULL);
	memcpy(buf + n, bodies[1], bl[1]);
	n += bl[1];
	n += rp_head((char *)buf + n, sizeof(buf) - n, "POST", "/v1/traces",
		     "application/x-protobuf", "", 5, false, NULL);
	memcpy(buf + n, "\xff\xff\xff\xff\xff", 5);
	n += 5;
	n += rp_head((char *)buf + n, sizeof(buf) - n, "DELETE", "/v1/logs", "", "", SIZE_MAX,
		     false, NULL);
	n += rp_head((char *)buf + n, sizeof(buf) - n, "POST", "/v1/traces",
		     "application/x-protobuf", "", bl[2], true, NULL);
	n += (size_t)snprintf((char *)buf + n, sizeof(buf) - n, "%zx\r\n", bl[2]);
	memcpy(buf + n, bodies[2], bl[2]);
	n += bl[2];
	memcpy(buf + n, "\r\n0\r\n\r\n", 7);
	n += 7;
	memcpy(want, bodies[0], bl[0]);
	memcpy(want + bl[0], bodies[2], bl[2]);
	wl = bl[0] + bl[2];
	CU_ASSERT_EQUAL_FATAL(rp_send(c, buf, n, 0), 0);
	{
		static const int order[] = { 200, 404, 400, 405, 200 };

		for (unsigned int i = 0; i < RTE_DIM(order); i++) {
			CU_ASSERT_EQUAL_FATAL(rp_resp_wait(c, &r), 1);
			CU_ASSERT_EQUAL(r.status, order[i]);
		}
	}
	CU_ASSERT_FALSE(rp_closed_by_server(c));
	expect_backend(OG_OTLP_TRACES, want, wl);

	/* the same five, one byte per segment */
	CU_ASSERT_EQUAL_FATAL(rp_send(c, buf, n, 1), 0);
	{
		static const int order[] = { 200, 404, 400, 405, 200 };

		for (unsigned int i = 0; i < RTE_DIM(order); i++) {
			CU_ASSERT_EQUAL_FATAL(rp_resp_wait(c, &r), 1);
			CU_ASSERT_EQUAL(r.status, order[i]);
		}
	}
	expect_backend(OG_OTLP_TRACES, want, wl);
	CU_ASSERT_EQUAL(d_sig(OG_PIPE_SIG_ITEMS_RECEIVED, OG_OTLP_TRACES), 7);
	end_checks();
}

static void
test_expect_continue(void)
{
	const struct sample *s = &samples[1];
	struct rp_conn *c = rp_connect(env);
	struct rp_resp r;
	char head[512];
	size_t rlen;

	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	rlen = rp_head(head, sizeof(head), "POST", "/v1/traces", "application/x-protobuf", "",
		       s->pb_len, false, "Expect: 100-continue\r\n");
	exchange(c, head, rlen, &r);
	CU_ASSERT_EQUAL(r.status, 100);
	CU_ASSERT_EQUAL(r.body_len, 0);
	exchange(c, s->pb, s->pb_len, &r);
	CU_ASSERT_EQUAL(r.status, 200);
	expect_backend(OG_OTLP_TRACES, s->pb, s->pb_len);
	CU_ASSERT_EQUAL(d_rcv(OG_RCV_CTR_CONTINUE_SENT), 1);

	/* a refused one is answered finally, without 100, and closed */
	rlen = rp_head(head, sizeof(head), "POST", "/v1/tracez", "application/x-protobuf", "",
		       s->pb_len, false, "Expect: 100-continue\r\n");
	exchange(c, head, rlen, &r);
	expect_status(&r, 404, false, RPC_NOTF);
	closed_after(c, &r);
	CU_ASSERT_EQUAL(d_rcv(OG_RCV_CTR_CONTINUE_SENT), 1);
	end_checks();
}

static void
test_close(void)
{
	const struct sample *s = &samples[0];
	struct rp_conn *c = rp_connect(env);
	struct rp_resp r;
	char head[512];
	size_t rlen;
	uint8_t *req;

	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	/* HTTP/1.0 without keep-alive */
	rlen = (size_t)snprintf(head, sizeof(head),
				"POST /v1/traces HTTP/1.0\r\nContent-Type: "
				"application/x-protobuf\r\nContent-Length: %zu\r\n\r\n",
				s->pb_len);
	CU_ASSERT_EQUAL_FATAL(rp_send(c, head, rlen, 0), 0);
	exchange(c, s->pb, s->pb_len, &r);
	CU_ASSERT_EQUAL(r.status, 200);
	rp_advance(env, 2000);
	CU_ASSERT(rp_closed_by_server(c));
	expect_backend(OG_OTLP_TRACES, s->pb, s->pb_len);

	/* HTTP/1.1 with Connection: close */
	c = rp_connect(env);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	req = build_req("/v1/traces", F_PB, s->pb, s->pb_len, false, "Connection: close\r\n",
			&rlen);
	exchange(c, req, rlen, &r);
	free(req);
	CU_ASSERT_EQUAL(r.status, 200);
	closed_after(c, &r);
	expect_backend(OG_OTLP_TRACES, s->pb, s->pb_len);
	CU_ASSERT_EQUAL(d_status(OG_OTLP_TRACES, 200), 2);
	end_checks();
}

static void
expect_503(const struct rp_resp *r)
{
	char v[32];

	expect_status(r, 503, false, RPC_UNAV);
	CU_ASSERT_PTR_NOT_NULL(rp_resp_hdr(r, "retry-after", v, sizeof(v)));
	CU_ASSERT_STRING_EQUAL(v, RETRY_S);
}

/* The budget is exhausted: 503 + Retry-After, nothing reserved stays behind. */
static void
test_budget_exhausted(void)
{
	const struct sample *s = &samples[1];
	struct rp_conn *c = rp_connect(env);
	struct og_budget saved = env->budget;
	struct rp_resp r;
	size_t rlen;
	uint8_t *req;

	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_EQUAL_FATAL(og_budget_used(&env->budget), 0);
	/* another request holds all but 8 KiB: alone these would fit, so 503 */
	CU_ASSERT_TRUE_FATAL(og_budget_reserve(&env->budget, env->budget.limit - 8192));
	/* Content-Length known: refused from the head, body read and dropped */
	req = build_req("/v1/traces", F_PB, s->pb, s->pb_len, false, NULL, &rlen);
	exchange(c, req, rlen, &r);
	expect_503(&r);
	CU_ASSERT_EQUAL(og_budget_used(&env->budget), env->budget.limit - 8192);
	CU_ASSERT_FALSE(rp_closed_by_server(c));
	free(req);
	/* chunked: refused when its first segment cannot be reserved; closed */
	req = build_req("/v1/traces", F_PB, s->pb, s->pb_len, true, NULL, &rlen);
	exchange(c, req, rlen, &r);
	free(req);
	expect_503(&r);
	closed_after(c, &r);
	CU_ASSERT_EQUAL(og_budget_used(&env->budget), env->budget.limit - 8192);
	CU_ASSERT_EQUAL(d_rcv(OG_RCV_CTR_BUDGET_REFUSED), 2);
	CU_ASSERT_EQUAL(d_status(OG_OTLP_TRACES, 503), 2);
	CU_ASSERT_EQUAL(d_rcv(OG_RCV_CTR_TOO_LARGE_MEMORY), 0);
	rp_advance(env, 3000);
	CU_ASSERT_EQUAL(rp_be.len[OG_OTLP_TRACES], 0);
	CU_ASSERT_EQUAL(d_sig(OG_PIPE_SIG_ITEMS_RECEIVED, OG_OTLP_TRACES), 0);
	og_budget_release(&env->budget, env->budget.limit - 8192);

	/* gzip: the compressed body fits, its inflation buffer does not */
	og_budget_init(&env->budget, 3u << 20, 3u << 20, 1u << 20);
	CU_ASSERT_TRUE(og_budget_reserve(&env->budget, (3u << 20) - 600000));
	c = rp_connect(env);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	req = build_req("/v1/traces", F_GZIP, samples[3].gz, samples[3].gz_len, false, NULL, &rlen);
	exchange(c, req, rlen, &r);
	free(req);
	expect_503(&r);
	CU_ASSERT_EQUAL(og_budget_used(&env->budget), (3u << 20) - 600000);
	og_budget_release(&env->budget, (3u << 20) - 600000);
	CU_ASSERT_EQUAL(d_rcv(OG_RCV_CTR_BUDGET_REFUSED), 3);
	CU_ASSERT_EQUAL(og_budget_used(&env->budget), 0);
	env->budget = saved;
	still_open(c);
	end_checks();
}

/* Accepted-then-refused (no record free): items refused, nothing half-kept. */
static void
test_items_refused(void)
{
	const struct sample *s = &samples[1];
	struct rp_conn *c = rp_connect(env);
	static struct og_rec *held[1024];
	unsigned int n = 0;
	struct rp_resp r;
	size_t rlen;
	uint8_t *req;

	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	while (n < RTE_DIM(held) && (held[n] = og_rec_alloc(env->rec_pool)) != NULL)
		n++;
	req = build_req("/v1/traces", F_PB, s->pb, s->pb_len, false, NULL, &rlen);
	exchange(c, req, rlen, &r);
	expect_503(&r);
	CU_ASSERT_EQUAL(og_budget_used(&env->budget), 0);
	CU_ASSERT_EQUAL(d_sig(OG_PIPE_SIG_ITEMS_RECEIVED, OG_OTLP_TRACES), 64);
	CU_ASSERT_EQUAL(d_sig(OG_PIPE_SIG_ITEMS_REFUSED, OG_OTLP_TRACES), 64);
	CU_ASSERT_EQUAL(d_rcv(OG_RCV_CTR_BUFFER_FAIL), 1);
	while (n > 0)
		og_rec_free(held[--n]);
	/* and with records back, the same request goes through */
	one_ok(c, s, F_PB, req, rlen, 0, 0, s->pb, s->pb_len);
	free(req);
	CU_ASSERT_EQUAL(d_be(OG_PIPE_BE_ITEMS_EXPORTED, OG_OTLP_TRACES), 64);
	end_checks();
}

static void
test_draining(void)
{
	const struct sample *s = &samples[0];
	struct rp_conn *c = rp_connect(env);
	struct rp_resp r;
	size_t rlen;
	uint8_t *req;

	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	og_rcv_set_draining(env->rcv, true);
	req = build_req("/v1/traces", F_PB, s->pb, s->pb_len, false, NULL, &rlen);
	exchange(c, req, rlen, &r);
	free(req);
	expect_503(&r);
	closed_after(c, &r);
	CU_ASSERT_EQUAL(d_sig(OG_PIPE_SIG_ITEMS_RECEIVED, OG_OTLP_TRACES), 0);
	og_rcv_set_draining(env->rcv, false);
	end_checks();
}

/* The peer resets, or half-closes, in the middle of a body: nothing leaks. */
static void
test_abort_mid_body(void)
{
	const struct sample *s = &samples[2];
	size_t rlen, clen;
	uint8_t *req = build_req("/v1/traces", F_PB, s->pb, s->pb_len, false, NULL, &rlen);
	uint8_t *chk =
		build_req("/v1/logs", F_GZIP, samples[8].gz, samples[8].gz_len, true, NULL, &clen);
	struct rp_conn *c = rp_connect(env);

	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_EQUAL_FATAL(rp_send(c, req, rlen / 2 + 5000, 0), 0);
	CU_ASSERT(og_budget_used(&env->budget) > 0);
	rp_rst(c);
	rp_advance(env, 2000);
	CU_ASSERT_EQUAL(og_budget_used(&env->budget), 0);
	CU_ASSERT_EQUAL(d_rcv(OG_RCV_CTR_ABORTED_REQUESTS), 1);

	c = rp_connect(env);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_EQUAL_FATAL(rp_send(c, chk, clen - 10, 0), 0);
	rp_fin(c);
	rp_advance(env, 2000);
	CU_ASSERT(rp_closed_by_server(c));
	CU_ASSERT_EQUAL(og_budget_used(&env->budget), 0);
	CU_ASSERT_EQUAL(d_rcv(OG_RCV_CTR_ABORTED_REQUESTS), 2);
	CU_ASSERT_EQUAL(d_sig(OG_PIPE_SIG_ITEMS_RECEIVED, OG_OTLP_TRACES), 0);
	free(req);
	free(chk);
	end_checks();
}

/* A busy backend delays delivery (retried), a refusing one is counted. */
static void
test_backend_busy_refuse(void)
{
	const struct sample *s = &samples[1];
	struct rp_conn *c = rp_connect(env);
	struct rp_resp r;
	size_t rlen;
	uint8_t *req = build_req("/v1/traces", F_PB, s->pb, s->pb_len, false, NULL, &rlen);

	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	rp_be.mode = RP_BE_BUSY;
	exchange(c, req, rlen, &r);
	CU_ASSERT_EQUAL(r.status, 200);
	rp_advance(env, 5000);
	CU_ASSERT(rp_be.busy > 0);
	CU_ASSERT_EQUAL(rp_be.len[OG_OTLP_TRACES], 0);
	CU_ASSERT_EQUAL(d_be(OG_PIPE_BE_ITEMS_QUEUED, OG_OTLP_TRACES), 64);
	CU_ASSERT(og_budget_used(&env->budget) > 0); /* held until delivered */
	rp_be.mode = RP_BE_OK;
	expect_backend(OG_OTLP_TRACES, s->pb, s->pb_len);
	CU_ASSERT_EQUAL(d_be(OG_PIPE_BE_ITEMS_QUEUED, OG_OTLP_TRACES), 0);
	CU_ASSERT_EQUAL(d_be(OG_PIPE_BE_ITEMS_EXPORTED, OG_OTLP_TRACES), 64);

	rp_be.mode = RP_BE_REFUSE;
	exchange(c, req, rlen, &r);
	CU_ASSERT_EQUAL(r.status, 200); /* accepted: the refusal comes later */
	rp_advance(env, 3000);
	CU_ASSERT_EQUAL(rp_be.refused, 1);
	CU_ASSERT_EQUAL(d_be(OG_PIPE_BE_ITEMS_BACKEND_REJECTED, OG_OTLP_TRACES), 64);
	free(req);
	end_checks();
}

/* Many connections at once, requests interleaved segment by segment. */
static void
test_many_conns(void)
{
	enum { N = 50 };
	const struct sample *s = &samples[1];
	struct rp_conn *c[N];
	size_t rlen;
	uint8_t *req = build_req("/v1/traces", F_PB, s->pb, s->pb_len, false, NULL, &rlen);
	struct rp_resp r;

	for (int i = 0; i < N; i++) {
		c[i] = rp_connect(env);
		CU_ASSERT_PTR_NOT_NULL_FATAL(c[i]);
	}
	for (size_t off = 0; off < rlen; off += 1000)
		for (int i = 0; i < N; i++)
			CU_ASSERT_EQUAL(
				rp_send(c[i], req + off, RTE_MIN((size_t)1000, rlen - off), 0), 0);
	for (int i = 0; i < N; i++) {
		CU_ASSERT_EQUAL_FATAL(rp_resp_wait(c[i], &r), 1);
		CU_ASSERT_EQUAL(r.status, 200);
	}
	rp_advance(env, 3000);
	CU_ASSERT_EQUAL(rp_be.len[OG_OTLP_TRACES], N * s->pb_len);
	for (int i = 0; i < N && rp_be.len[0] == N * s->pb_len; i++)
		CU_ASSERT(memcmp(rp_be.bytes[0] + i * s->pb_len, s->pb, s->pb_len) == 0);
	CU_ASSERT_EQUAL(d_be(OG_PIPE_BE_ITEMS_EXPORTED, OG_OTLP_TRACES), N * 64);
	CU_ASSERT_EQUAL(og_rcv_stats(env->rcv)->ctr[OG_RCV_CTR_CONNS_OPEN], N);
	for (int i = 0; i < N; i++)
		rp_fin(c[i]);
	rp_advance(env, 2000);
	for (int i = 0; i < N; i++)
		CU_ASSERT(rp_closed_by_server(c[i]));
	CU_ASSERT_EQUAL(og_rcv_stats(env->rcv)->ctr[OG_RCV_CTR_CONNS_OPEN], 0);
	free(req);
	end_checks();
}

/* What one object of @p mp occupies (the receiver charges held mbufs this). */
static uint64_t
pool_obj_cost(const struct rte_mempool *mp)
{
	return (uint64_t)mp->header_size + mp->elt_size + mp->trailer_size;
}

/*
 * Small gzip and JSON requests hold no decode buffer once decoded: each body
 * is copied into mbufs of the pool it arrived in. With the batcher stopped
 * (every record held, as during --batch-timeout) many more requests than
 * the 16 pool buffers go through, the pool stays untouched, the heap is
 * never used, the budget holds exactly the mbufs the records hold, and the
 * backend gets the bytes unchanged once the batcher runs.
 */
static void
test_small_bodies(void)
{
	enum { N = 120 };
	static const enum form forms[] = { F_GZIP, F_JSON, F_SDK_JSON };
	const struct sample *small[] = { &samples[0], &samples[8] }; /* traces-1, logs-100 */
	struct rte_mempool *bufs = rte_mempool_lookup("rut_r_buf");
	uint32_t room = rte_pktmbuf_data_room_size(env->pkt_pool);
	uint64_t charge = 0, n_pkt0, items[OG_OTLP_SIGNAL_MAX] = { 0 };
	struct og_wbuf want[OG_OTLP_SIGNAL_MAX];
	struct rp_conn *c = rp_connect(env);
	unsigned int pool_used = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_PTR_NOT_NULL_FATAL(bufs);
	CU_ASSERT_EQUAL_FATAL(og_budget_used(&env->budget), 0);
	for (unsigned int g = 0; g < OG_OTLP_SIGNAL_MAX; g++)
		og_wbuf_init_growable(&want[g]);
	n_pkt0 = rte_mempool_in_use_count(env->pkt_pool);
	env->batcher_paused = true;
	for (unsigned int i = 0; i < N; i++) {
		const struct sample *s = small[i % RTE_DIM(small)];
		enum form f = forms[(i / RTE_DIM(small)) % RTE_DIM(forms)];
		const uint8_t *body, *w;
		size_t len, wlen, rlen;
		struct rp_resp r;
		uint8_t *req;

		form_body(s, f, &body, &len, &w, &wlen);
		CU_ASSERT_FATAL(wlen <= 16384);
		req = build_req(sig_path[s->sig], f, body, len, i % 2, NULL, &rlen);
		CU_ASSERT_EQUAL_FATAL(rp_send(c, req, rlen, 0), 0);
		free(req);
		CU_ASSERT_EQUAL_FATAL(rp_resp_wait(c, &r), 1);
		CU_ASSERT_EQUAL_FATAL(r.status, 200);
		if (rte_mempool_in_use_count(bufs) != 0)
			pool_used++;
		charge += (wlen + room - 1) / room * pool_obj_cost(env->pkt_pool);
		og_wbuf_put(&want[s->sig], w, wlen);
		CU_ASSERT_FATAL(!want[s->sig].overflow);
		items[s->sig] += s->items;
	}
	/* every record still held: only mbufs, charged at their real size */
	CU_ASSERT_EQUAL(pool_used, 0);
	CU_ASSERT_EQUAL(d_rcv(OG_RCV_CTR_HEAP_BUFFERS), 0);
	CU_ASSERT_EQUAL(d_rcv(OG_RCV_CTR_BUFFER_FAIL), 0);
	CU_ASSERT_EQUAL(og_budget_used(&env->budget), charge);
	CU_ASSERT(rte_mempool_in_use_count(env->pkt_pool) - n_pkt0 >= N);
	CU_ASSERT(d_copied() > 0);
	env->batcher_paused = false;
	for (unsigned int g = 0; g < OG_OTLP_SIGNAL_MAX; g++) {
		if (want[g].len == 0)
			continue;
		expect_backend_keep(g, want[g].data, want[g].len);
		CU_ASSERT_EQUAL(d_be(OG_PIPE_BE_ITEMS_EXPORTED, g), items[g]);
		og_wbuf_free(&want[g]);
	}
	rp_be_clear();
	CU_ASSERT_EQUAL(og_budget_used(&env->budget), 0);
	end_checks();
}

/*
 * A large decoded body (traces-512 gzip, 163 KB) still goes to a pool
 * buffer referenced in place, held until its batch is delivered; a body
 * that decodes to just over the small limit too.
 */
static void
test_large_body_pool_buffer(void)
{
	const struct sample *s = &samples[2]; /* traces-512 */
	struct rte_mempool *bufs = rte_mempool_lookup("rut_r_buf");
	struct rp_conn *c = rp_connect(env);
	size_t rlen;
	uint8_t *req = build_req("/v1/traces", F_GZIP, s->gz, s->gz_len, false, NULL, &rlen);
	struct rp_resp r;

	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_PTR_NOT_NULL_FATAL(bufs);
	env->batcher_paused = true;
	CU_ASSERT_EQUAL_FATAL(rp_send(c, req, rlen, 0), 0);
	CU_ASSERT_EQUAL_FATAL(rp_resp_wait(c, &r), 1);
	CU_ASSERT_EQUAL(r.status, 200);
	CU_ASSERT_EQUAL(rte_mempool_in_use_count(bufs), 1);
	/* the pool buffer is charged whole: 1 MiB and its header */
	CU_ASSERT(og_budget_used(&env->budget) >= (1u << 20));
	env->batcher_paused = false;
	expect_backend(OG_OTLP_TRACES, s->pb, s->pb_len);
	CU_ASSERT_EQUAL(rte_mempool_in_use_count(bufs), 0);
	CU_ASSERT_EQUAL(d_rcv(OG_RCV_CTR_HEAP_BUFFERS), 0);
	free(req);
	end_checks();
}

/* ---- deadlines and eviction (docs/receiver.md, "Hostile clients") ------------------- */

/* The rp_env receiver's defaults (og_rcv_create()), in microseconds. */
#define HEADER_US    10000000ull
#define KEEPALIVE_US 60000000ull
#define BUSY_KA_US   5000000ull
#define RATE_WIN_US  10000000ull
#define MIN_RATE     1024u

static uint64_t
d_timeout(enum og_rcv_timeout t)
{
	return og_rcv_stats(env->rcv)->timeouts[t] - rs0.timeouts[t];
}

static uint64_t
d_evict(enum og_rcv_evict k)
{
	return og_rcv_stats(env->rcv)->evictions[k] - rs0.evictions[k];
}

/* Length of the head of a request built by build_req(). */
static size_t
head_len(const uint8_t *req, size_t len)
{
	const uint8_t *e = memmem(req, len, "\r\n\r\n", 4);

	return e == NULL ? 0 : (size_t)(e - req) + 4;
}

/* The server sent nothing more and has not closed. */
static void
quiet_open(struct rp_conn *c)
{
	struct rp_resp r;

	CU_ASSERT_EQUAL(rp_resp_take(c, &r), 0);
	CU_ASSERT_FALSE(rp_closed_by_server(c));
}

/*
 * --header-timeout: a head completed 1 ms before the deadline is served; one
 * still incomplete at the deadline gets 408 in its encoding and the close;
 * a connection that sends nothing is closed at the deadline without an
 * answer; on keep-alive the deadline runs from the request's first byte.
 */
static void
test_header_timeout(void)
{
	const struct sample *s = &samples[0];
	struct rp_conn *c;
	struct rp_resp r;
	size_t rlen, jlen, hl;
	uint8_t *req = build_req("/v1/traces", F_PB, s->pb, s->pb_len, false, NULL, &rlen);
	uint8_t *jreq = build_req("/v1/logs", F_JSON, s->json, s->json_len, false, NULL, &jlen);
	uint64_t t0;

	hl = head_len(req, rlen);
	CU_ASSERT_FATAL(hl > 40);
	/* the head completed 1 ms before its deadline: served, kept */
	c = rp_connect(env);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	t0 = env->now_us;
	CU_ASSERT_EQUAL_FATAL(rp_send(c, req, 20, 0), 0);
	rp_advance(env, HEADER_US - 1000);
	quiet_open(c);
	CU_ASSERT_EQUAL_FATAL(rp_send(c, req + 20, rlen - 20, 0), 0);
	CU_ASSERT_EQUAL_FATAL(rp_resp_wait(c, &r), 1);
	CU_ASSERT_EQUAL(r.status, 200);
	CU_ASSERT_EQUAL(env->now_us, t0 + HEADER_US - 1000);
	CU_ASSERT_FALSE(rp_closed_by_server(c));
	/* keep-alive: the next head's deadline runs from its first byte */
	rp_advance(env, 5000000);
	CU_ASSERT_EQUAL_FATAL(rp_send(c, req, hl - 10, 0), 0);
	rp_advance(env, HEADER_US - 1000);
	quiet_open(c);
	rp_advance(env, 1000);
	CU_ASSERT_EQUAL_FATAL(rp_resp_take(c, &r), 1);
	expect_status(&r, 408, false, RPC_DEADL);
	closed_after(c, &r);
	CU_ASSERT_EQUAL(d_timeout(OG_RCV_TIMEOUT_HEADER_ANSWERED), 1);
	CU_ASSERT_EQUAL(d_status(OG_OTLP_TRACES, 408), 1);

	/* a new connection: from the accept; 408 in JSON once Content-Type was read */
	c = rp_connect(env);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	hl = head_len(jreq, jlen);
	CU_ASSERT_EQUAL_FATAL(rp_send(c, jreq, hl - 2, 0), 0);
	rp_advance(env, HEADER_US - 1000);
	quiet_open(c);
	rp_advance(env, 1000);
	CU_ASSERT_EQUAL_FATAL(rp_resp_take(c, &r), 1);
	expect_status(&r, 408, true, RPC_DEADL);
	closed_after(c, &r);
	CU_ASSERT_EQUAL(d_timeout(OG_RCV_TIMEOUT_HEADER_ANSWERED), 2);
	CU_ASSERT_EQUAL(d_status(OG_OTLP_LOGS, 408), 1);

	/* a connection that never sends, and one that sent half a request line:
	 * closed at the deadline, nothing to answer */
	c = rp_connect(env);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	{
		struct rp_conn *c2 = rp_connect(env);

		CU_ASSERT_PTR_NOT_NULL_FATAL(c2);
		CU_ASSERT_EQUAL_FATAL(rp_send(c2, "POST /v1/tr", 11, 0), 0);
		rp_advance(env, HEADER_US - 1000);
		quiet_open(c);
		quiet_open(c2);
		CU_ASSERT_EQUAL(d_timeout(OG_RCV_TIMEOUT_HEADER_SILENT), 0);
		rp_advance(env, 1000);
		CU_ASSERT(rp_closed_by_server(c));
		CU_ASSERT(rp_closed_by_server(c2));
		CU_ASSERT_EQUAL(c->in_len, 0);
		CU_ASSERT_EQUAL(c2->in_len, 0);
	}
	CU_ASSERT_EQUAL(d_timeout(OG_RCV_TIMEOUT_HEADER_SILENT), 2);
	CU_ASSERT_EQUAL(d_timeout(OG_RCV_TIMEOUT_HEADER_ANSWERED), 2);
	free(req);
	free(jreq);
	end_checks();
}

/* Send @p len bytes of @p body, @p per_s bytes each second, from now. */
static int
trickle(struct rp_conn *c, const uint8_t *body, size_t len, size_t per_s, size_t *sent)
{
	while (*sent < len) {
		size_t n = RTE_MIN(per_s, len - *sent);

		if (rp_send(c, body + *sent, n, 0) != 0)
			return -1;
		*sent += n;
		if (*sent == len || rp_closed_by_server(c))
			break;
		rp_advance(env, 1000000);
		if (rp_closed_by_server(c) || c->in_len > 0)
			break;
	}
	return 0;
}

/*
 * --body-min-rate: a body at exactly the minimum rate (1024 bytes each
 * second, checked every 10 s) is served; one at 1000 bytes a second gets
 * 408 at the end of its first window, not before.
 */
static void
test_body_min_rate(void)
{
	const struct sample *s = &samples[7]; /* metrics-multi-resource, 37 KB: 4 windows */
	struct rp_conn *c = rp_connect(env);
	struct rp_resp r;
	size_t rlen, hl, sent = 0;
	uint8_t *req = build_req("/v1/metrics", F_PB, s->pb, s->pb_len, false, NULL, &rlen);
	uint64_t t0;

	CU_ASSERT_FATAL(s->pb_len > 3 * RATE_WIN_US / 1000000 * MIN_RATE);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	hl = head_len(req, rlen);
	CU_ASSERT_EQUAL_FATAL(rp_send(c, req, hl, 0), 0);
	CU_ASSERT_EQUAL(trickle(c, req + hl, rlen - hl, MIN_RATE, &sent), 0);
	CU_ASSERT_EQUAL(sent, rlen - hl);
	CU_ASSERT_EQUAL_FATAL(rp_resp_wait(c, &r), 1);
	CU_ASSERT_EQUAL(r.status, 200);
	CU_ASSERT_FALSE(rp_closed_by_server(c));
	CU_ASSERT_EQUAL(d_timeout(OG_RCV_TIMEOUT_BODY_RATE), 0);
	expect_backend(OG_OTLP_METRICS, s->pb, s->pb_len);

	/* below the rate: 408 at the end of the first window */
	c = rp_connect(env);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_EQUAL_FATAL(rp_send(c, req, hl, 0), 0);
	t0 = env->now_us;
	sent = 0;
	CU_ASSERT_EQUAL(trickle(c, req + hl, rlen - hl, MIN_RATE - 24, &sent), 0);
	CU_ASSERT_EQUAL(env->now_us, t0 + RATE_WIN_US);
	CU_ASSERT_EQUAL(sent, 10 * (MIN_RATE - 24));
	CU_ASSERT_EQUAL_FATAL(rp_resp_take(c, &r), 1);
	expect_status(&r, 408, false, RPC_DEADL);
	closed_after(c, &r);
	CU_ASSERT_EQUAL(d_timeout(OG_RCV_TIMEOUT_BODY_RATE), 1);
	CU_ASSERT_EQUAL(d_status(OG_OTLP_METRICS, 408), 1);
	CU_ASSERT_EQUAL(og_budget_used(&env->budget), 0);
	free(req);

	/* a refused body read to be dropped (404 after it) is held to the rate too */
	req = build_req("/v1/nope", F_PB, s->pb, s->pb_len, false, NULL, &rlen);
	hl = head_len(req, rlen);
	c = rp_connect(env);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_EQUAL_FATAL(rp_send(c, req, hl, 0), 0);
	t0 = env->now_us;
	sent = 0;
	CU_ASSERT_EQUAL(trickle(c, req + hl, rlen - hl, 500, &sent), 0);
	CU_ASSERT_EQUAL(env->now_us, t0 + RATE_WIN_US);
	CU_ASSERT_EQUAL_FATAL(rp_resp_take(c, &r), 1);
	expect_status(&r, 408, false, RPC_DEADL);
	closed_after(c, &r);
	CU_ASSERT_EQUAL(d_timeout(OG_RCV_TIMEOUT_BODY_RATE), 2);
	CU_ASSERT_EQUAL(d_status(OG_RCV_SIG_NONE, 404), 0);
	free(req);
	end_checks();
}

/* --keepalive-timeout: an idle keep-alive connection is closed at exactly 60 s. */
static void
test_keepalive_timeout(void)
{
	const struct sample *s = &samples[0];
	struct rp_conn *c = rp_connect(env);
	size_t rlen;
	uint8_t *req = build_req("/v1/traces", F_PB, s->pb, s->pb_len, false, NULL, &rlen);
	struct rp_resp r;
	uint64_t t0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	t0 = env->now_us;
	exchange(c, req, rlen, &r);
	CU_ASSERT_EQUAL(r.status, 200);
	CU_ASSERT_EQUAL_FATAL(env->now_us, t0); /* answered without time passing */
	rp_advance(env, KEEPALIVE_US - 1000);
	quiet_open(c);
	CU_ASSERT_EQUAL(d_timeout(OG_RCV_TIMEOUT_KEEPALIVE), 0);
	rp_advance(env, 1000);
	CU_ASSERT(rp_closed_by_server(c));
	CU_ASSERT(c->fin_rcvd); /* a FIN, not a reset */
	CU_ASSERT_FALSE(c->rst_rcvd);
	CU_ASSERT_EQUAL(d_timeout(OG_RCV_TIMEOUT_KEEPALIVE), 1);
	/* the client closes its side: the connection is gone */
	rp_fin(c);
	rp_advance(env, 2000);
	CU_ASSERT_EQUAL(d_rcv(OG_RCV_CTR_CONNS_OPEN), 0);
	free(req);
	end_checks();
}

/*
 * The listener's evict callback: the oldest idle keep-alive first, then the
 * oldest head in progress (a silent new connection included), never a body
 * in progress; after an eviction, idle keep-alives get the short timeout.
 */
static void
test_evict(void)
{
	const struct sample *s = &samples[1];
	struct rp_conn *idle = rp_connect(env), *head, *fresh, *body;
	struct rp_resp r;
	size_t rlen, hl;
	uint8_t *req = build_req("/v1/traces", F_PB, s->pb, s->pb_len, false, NULL, &rlen);
	uint64_t t0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(idle);
	hl = head_len(req, rlen);
	one_ok(idle, s, F_PB, req, rlen, 0, 0, s->pb, s->pb_len);
	head = rp_connect(env);
	CU_ASSERT_PTR_NOT_NULL_FATAL(head);
	CU_ASSERT_EQUAL_FATAL(rp_send(head, req, hl - 5, 0), 0);
	body = rp_connect(env);
	CU_ASSERT_PTR_NOT_NULL_FATAL(body);
	CU_ASSERT_EQUAL_FATAL(rp_send(body, req, hl + 1000, 0), 0);
	fresh = rp_connect(env);
	CU_ASSERT_PTR_NOT_NULL_FATAL(fresh);
	rp_advance(env, 1000);

	CU_ASSERT_TRUE(rcv_evict(env->rcv));
	rp_pump(env);
	CU_ASSERT(idle->rst_rcvd);
	CU_ASSERT_FALSE(rp_closed_by_server(head));
	CU_ASSERT_EQUAL(d_evict(OG_RCV_EVICT_IDLE), 1);
	CU_ASSERT_TRUE(rcv_evict(env->rcv));
	rp_pump(env);
	CU_ASSERT(head->rst_rcvd);
	CU_ASSERT_FALSE(rp_closed_by_server(fresh));
	CU_ASSERT_TRUE(rcv_evict(env->rcv));
	rp_pump(env);
	CU_ASSERT(fresh->rst_rcvd);
	CU_ASSERT_EQUAL(d_evict(OG_RCV_EVICT_HEAD), 2);
	/* only a body in progress is left: it may not go */
	CU_ASSERT_FALSE(rcv_evict(env->rcv));
	CU_ASSERT_FALSE(rp_closed_by_server(body));
	CU_ASSERT_EQUAL(d_evict(OG_RCV_EVICT_IDLE) + d_evict(OG_RCV_EVICT_HEAD), 3);
	CU_ASSERT_EQUAL_FATAL(rp_send(body, req + hl + 1000, rlen - hl - 1000, 0), 0);
	CU_ASSERT_EQUAL_FATAL(rp_resp_wait(body, &r), 1);
	CU_ASSERT_EQUAL(r.status, 200);
	CU_ASSERT_EQUAL(d_rcv(OG_RCV_CTR_ABORTED_REQUESTS), 0);

	/* pressure after an eviction: the idle keep-alive is closed at 5 s */
	t0 = env->now_us;
	rp_advance(env, BUSY_KA_US - 1000);
	quiet_open(body);
	rp_advance(env, 1000);
	CU_ASSERT(rp_closed_by_server(body));
	CU_ASSERT_EQUAL(env->now_us, t0 + BUSY_KA_US);
	CU_ASSERT_EQUAL(d_timeout(OG_RCV_TIMEOUT_KEEPALIVE), 1);
	rp_advance(env, 10000000); /* the pressure is over for the next tests */
	free(req);
	end_checks();
}

/* ---- suite ---------------------------------------------------------------------------- */

static int
suite_init(void)
{
	struct rp_env_conf ec = { .name = "rut", .max_body = MAX_BODY, .n_pkts = 32768 };

	if (rp_eal_init("test_receiver", 1024) != 0)
		return -1;
	og_pipe_stats_reset();
	samples_load();
	env = rp_env_create(&ec);
	if (env == NULL)
		return -1;
	n_pools = 0;
	rte_mempool_walk(pool_snap, NULL);
	return 0;
}

static int
suite_clean(void)
{
	rp_env_free(env);
	rp_be_clear();
	samples_free();
	rp_eal_fini();
	return 0;
}

/* ---- answers (rcv_answer.c) and labels, without a connection ---------------- */

/* Each status the receiver sends, and the google.rpc.Code it goes with (as sent before). */
static const struct {
	int status;
	int64_t code;
	bool retry;
} answer_codes[] = {
	{ 200, 0, false },	   { 400, RPC_INVAL, false }, { 404, RPC_NOTF, false },
	{ 405, RPC_UNIMP, false }, { 408, RPC_DEADL, false }, { 413, RPC_INVAL, false },
	{ 414, RPC_INVAL, false }, { 415, RPC_INVAL, false }, { 417, RPC_INVAL, false },
	{ 429, RPC_UNAV, true },   { 431, RPC_INVAL, false }, { 501, RPC_UNIMP, false },
	{ 503, RPC_UNAV, true },   { 505, RPC_UNIMP, false },
};

static void
test_answer_codes(void)
{
	struct rcv_answer a;

	for (unsigned int i = 0; i < RTE_DIM(answer_codes); i++) {
		int st = answer_codes[i].status;

		memset(&a, 0xa5, sizeof(a));
		rcv_answer_set(&a, st, "m");
		CU_ASSERT_EQUAL(a.status, st);
		CU_ASSERT_EQUAL(a.code, answer_codes[i].code);
		CU_ASSERT_EQUAL((int64_t)rcv_status_code(st), answer_codes[i].code);
		CU_ASSERT_EQUAL(a.retry, answer_codes[i].retry);
		CU_ASSERT_EQUAL(a.rejected, 0);
		CU_ASSERT_STRING_EQUAL(a.msg, "m");
	}
	/* every status lib/http refuses a request with is in the table */
	for (unsigned int e = OG_HTTP_ERR_NONE + 1; e < OG_HTTP_ERR_MAX; e++) {
		int st = og_http_err_status((enum og_http_err)e);
		bool found = st == 0; /* response-side errors: never an answer */

		for (unsigned int i = 0; i < RTE_DIM(answer_codes); i++)
			found |= answer_codes[i].status == st;
		CU_ASSERT(found);
	}
	/* the enum is google.rpc.Code (google/rpc/code.proto) */
	CU_ASSERT_EQUAL(OG_OTLP_RPC_OK, 0);
	CU_ASSERT_EQUAL(OG_OTLP_RPC_INVALID_ARGUMENT, RPC_INVAL);
	CU_ASSERT_EQUAL(OG_OTLP_RPC_NOT_FOUND, RPC_NOTF);
	CU_ASSERT_EQUAL(OG_OTLP_RPC_RESOURCE_EXHAUSTED, 8);
	CU_ASSERT_EQUAL(OG_OTLP_RPC_UNIMPLEMENTED, RPC_UNIMP);
	CU_ASSERT_EQUAL(OG_OTLP_RPC_UNAVAILABLE, RPC_UNAV);
	CU_ASSERT_EQUAL(OG_OTLP_RPC_UNAUTHENTICATED, 16);
	CU_ASSERT_EQUAL(OG_OTLP_RPC_CODE_MAX, 17);
}

static void
test_answer_fmt_ok(void)
{
	char text[RCV_TEXT_MAX], big[RCV_TEXT_MAX * 2];
	struct rcv_answer a;

	rcv_answer_fmt(&a, text, 413, "body larger than %u bytes", 4096u);
	CU_ASSERT_PTR_EQUAL(a.msg, text);
	CU_ASSERT_STRING_EQUAL(text, "body larger than 4096 bytes");
	CU_ASSERT_EQUAL(a.status, 413);
	CU_ASSERT_EQUAL(a.code, RPC_INVAL);
	/* a long message is cut to the text's room */
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	rcv_answer_fmt(&a, text, 400, "%s", big);
	CU_ASSERT_EQUAL(strlen(a.msg), RCV_TEXT_MAX - 1);

	rcv_answer_ok(&a, 3, "3 spans rejected");
	CU_ASSERT_EQUAL(a.status, 200);
	CU_ASSERT_EQUAL(a.code, OG_OTLP_RPC_OK);
	CU_ASSERT_EQUAL(a.rejected, 3);
	CU_ASSERT_FALSE(a.retry);
	CU_ASSERT_STRING_EQUAL(a.msg, "3 spans rejected");
}

static void
test_answer_body(void)
{
	uint8_t buf[512], ref[512];
	struct og_wbuf w, rw;
	struct rcv_answer a;
	char msg[64];
	uint64_t code;

	/* an error: google.rpc.Status {code, message} with the code chosen */
	rcv_answer_set(&a, 404, "no such path");
	og_wbuf_init_fixed(&w, buf, sizeof(buf));
	CU_ASSERT_EQUAL(rcv_answer_body(&a, OG_RCV_SIG_NONE, OG_OTLP_ENC_PROTO, &w), OG_OK);
	CU_ASSERT_EQUAL(pb_num_str(buf, w.len, &code, msg, sizeof(msg)), 0);
	CU_ASSERT_EQUAL(code, RPC_NOTF);
	CU_ASSERT_STRING_EQUAL(msg, "no such path");

	rcv_answer_set(&a, 503, "busy");
	og_wbuf_init_fixed(&w, buf, sizeof(buf));
	CU_ASSERT_EQUAL(rcv_answer_body(&a, OG_OTLP_LOGS, OG_OTLP_ENC_JSON, &w), OG_OK);
	CU_ASSERT_EQUAL(w.len, strlen("{\"code\":14,\"message\":\"busy\"}"));
	CU_ASSERT_NSTRING_EQUAL(buf, "{\"code\":14,\"message\":\"busy\"}", w.len);

	/* 200: the signal's Export*ServiceResponse; no signal: traces' */
	rcv_answer_ok(&a, 2, "2 log records rejected");
	og_wbuf_init_fixed(&w, buf, sizeof(buf));
	og_wbuf_init_fixed(&rw, ref, sizeof(ref));
	CU_ASSERT_EQUAL(rcv_answer_body(&a, OG_OTLP_LOGS, OG_OTLP_ENC_JSON, &w), OG_OK);
	CU_ASSERT_EQUAL(og_otlp_response_encode(OG_OTLP_LOGS, OG_OTLP_ENC_JSON, 2,
						"2 log records rejected", &rw),
			OG_OK);
	CU_ASSERT_EQUAL(w.len, rw.len);
	CU_ASSERT_EQUAL(memcmp(buf, ref, rw.len), 0);
	CU_ASSERT_PTR_NOT_NULL(memmem(buf, w.len, "rejectedLogRecords", 18));
	og_wbuf_init_fixed(&w, buf, sizeof(buf));
	og_wbuf_init_fixed(&rw, ref, sizeof(ref));
	CU_ASSERT_EQUAL(rcv_answer_body(&a, OG_RCV_SIG_NONE, OG_OTLP_ENC_PROTO, &w), OG_OK);
	CU_ASSERT_EQUAL(og_otlp_response_encode(OG_OTLP_TRACES, OG_OTLP_ENC_PROTO, 2,
						"2 log records rejected", &rw),
			OG_OK);
	CU_ASSERT_EQUAL(w.len, rw.len);
	CU_ASSERT_EQUAL(memcmp(buf, ref, rw.len), 0);
	rcv_answer_ok(&a, 0, "");
	og_wbuf_init_fixed(&w, buf, sizeof(buf));
	CU_ASSERT_EQUAL(rcv_answer_body(&a, OG_OTLP_TRACES, OG_OTLP_ENC_PROTO, &w), OG_OK);
	CU_ASSERT_EQUAL(w.len, 0);
}

static void
test_enc_comp_labels(void)
{
	struct rcv_req q = { .enc = OG_RCV_ENC_OTHER };

	CU_ASSERT_STRING_EQUAL(og_rcv_enc_name(OG_RCV_ENC_PROTOBUF), "protobuf");
	CU_ASSERT_STRING_EQUAL(og_rcv_enc_name(OG_RCV_ENC_JSON), "json");
	CU_ASSERT_STRING_EQUAL(og_rcv_enc_name(OG_RCV_ENC_OTHER), "other");
	CU_ASSERT_PTR_NULL(og_rcv_enc_name(OG_RCV_ENC_N));
	CU_ASSERT_STRING_EQUAL(og_rcv_comp_name(OG_RCV_COMP_IDENTITY), "identity");
	CU_ASSERT_STRING_EQUAL(og_rcv_comp_name(OG_RCV_COMP_GZIP), "gzip");
	CU_ASSERT_STRING_EQUAL(og_rcv_comp_name(OG_RCV_COMP_OTHER), "other");
	CU_ASSERT_STRING_EQUAL(og_rcv_timeout_name(OG_RCV_TIMEOUT_HEADER_ANSWERED),
			       "header_answered");
	CU_ASSERT_STRING_EQUAL(og_rcv_evict_name(OG_RCV_EVICT_HEAD), "head");
	CU_ASSERT_PTR_NULL(og_rcv_timeout_name(OG_RCV_TIMEOUT_MAX));
	CU_ASSERT_PTR_NULL(og_rcv_comp_name(OG_RCV_COMP_N));
	/* answers are JSON for JSON requests only; an unknown Content-Type gets protobuf */
	CU_ASSERT_EQUAL(rcv_req_answer_enc(&q), OG_OTLP_ENC_PROTO);
	q.enc = OG_RCV_ENC_PROTOBUF;
	CU_ASSERT_EQUAL(rcv_req_answer_enc(&q), OG_OTLP_ENC_PROTO);
	q.enc = OG_RCV_ENC_JSON;
	CU_ASSERT_EQUAL(rcv_req_answer_enc(&q), OG_OTLP_ENC_JSON);
}

static CU_TestInfo receiver_tests[] = {
	{ "samples: protobuf, JSON, gzip; length and chunked; segment sweep", test_samples },
	{ "uncompressed protobuf is referenced, not copied", test_zero_copy },
	{ "traces-1 split in two at every position", test_split_everywhere },
	{ "traces-512 split in two at a sweep of positions", test_split_sweep },
	{ "partial success: all-zero trace_id rejected, the rest forwarded", test_partial_success },
	{ "too fragmented to forward: 413, never 503", test_too_fragmented },
	{ "400: garbage protobuf, bad JSON, truncated gzip; keep-alive", test_400 },
	{ "404 and 405 (Allow): keep-alive", test_404_405 },
	{ "refused request with a large body: answered at once, closed",
	  test_refused_large_closes },
	{ "lingering close: the rest is dropped, closed on FIN or at 2 s", test_lingering_close },
	{ "413: Content-Length over --max-body, gzip inflating past it", test_413 },
	{ "gzip bomb: 413, inflation stopped at the limit, no buffer", test_gzip_bomb },
	{ "budget below --max-body: 413 (head, chunked, inflated), not 503",
	  test_budget_caps_limit },
	{ "needs more memory at once than one request is granted: 413", test_never_fits_memory },
	{ "415: Content-Type and Content-Encoding", test_415 },
	{ "431 and 505 close the connection", test_431_505 },
	{ "pipelined requests answered in order", test_pipelined },
	{ "Expect: 100-continue", test_expect_continue },
	{ "HTTP/1.0 and Connection: close", test_close },
	{ "budget held by others: 503 + Retry-After, nothing half-accepted",
	  test_budget_exhausted },
	{ "no record free: 503, items refused", test_items_refused },
	{ "draining: 503 + Connection: close", test_draining },
	{ "peer reset or FIN mid-body: no leak", test_abort_mid_body },
	{ "backend busy (retried) and refusing (counted)", test_backend_busy_refuse },
	{ "50 connections interleaved", test_many_conns },
	{ "small gzip/JSON bodies: copied to mbufs, no pool or heap buffer held",
	  test_small_bodies },
	{ "large gzip body: a pool buffer referenced in place", test_large_body_pool_buffer },
	{ "--header-timeout: exact, 408 in the request's encoding, silent close",
	  test_header_timeout },
	{ "--body-min-rate: at the rate served, below it 408 at the window's end",
	  test_body_min_rate },
	{ "--keepalive-timeout: an idle connection closed at exactly S", test_keepalive_timeout },
	{ "evict: idle, then heads, never a body; short keep-alive after", test_evict },
	CU_TEST_INFO_NULL,
};

static CU_TestInfo answer_tests[] = {
	{ "each status with its google.rpc.Code and retry", test_answer_codes },
	{ "formatted and 200 answers", test_answer_fmt_ok },
	{ "answer bodies: google.rpc.Status, Export*ServiceResponse", test_answer_body },
	{ "encoding and compression labels", test_enc_comp_labels },
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{ "answers", NULL, NULL, NULL, NULL, answer_tests },
	{ "receiver", suite_init, suite_clean, test_setup, NULL, receiver_tests },
	CU_SUITE_INFO_NULL,
};

int
main(void)
{
	return og_test_main(suites);
}
