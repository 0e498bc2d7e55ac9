/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The otlp-http backend against a scripted HTTP server, in one process: two
 * lib/tcp stacks wired back to back (the driver's at 10.0.0.1, the server's
 * at 10.0.0.5:4318), records built the receiver's way from the sample
 * bodies (og_pipe_test.h), a batcher, and a virtual microsecond clock. The
 * wire between the stacks copies each segment into a fresh mbuf (a NIC
 * would), after noting whether its payload mbufs reference the records'
 * received segments. Each test checks what the server got byte for byte,
 * the counters, the accounting invariant, and that every pool is back to
 * where it started after the backend is destroyed.
 */
#include <arpa/inet.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_ip.h>
#include <rte_mbuf.h>

#include "og_backend_otlp_http.h"
#include "og_http.h"
#include "og_pipe_test.h"
#include "og_tcp.h"

#define CLI_ADDR RTE_IPV4(10, 0, 0, 1)
#define SRV_ADDR RTE_IPV4(10, 0, 0, 5)
#define SRV_PORT 4318
#define WIREQ	 65536
#define MAX_REQS 256
#define MAX_SRV	 32

/* ---- the wire ------------------------------------------------------------- */

struct wire {
	struct rte_mbuf *q[WIREQ];
	uint32_t n;
};

static struct og_tcp_stack *st_cli, *st_srv;
static struct wire w_cli, w_srv; /* what each stack sent */
static struct rte_mempool *tcp_hdr, *tcp_clone, *eg_pool, *eg_ref, *wire_pool;
static uint64_t now_us = 1000000;
static bool blackhole;		/* client → server segments are lost */
static uint64_t wire_ref_bytes; /* payload on the wire referencing received segments */
static uint64_t wire_payload_bytes;

static uint16_t
wire_tx(void *arg, struct rte_mbuf **pkts, uint16_t n)
{
	struct wire *w = arg;
	uint16_t i;

	for (i = 0; i < n && w->n < WIREQ; i++)
		w->q[w->n++] = pkts[i];
	return i;
}

/* Note zero-copy payload, then copy the datagram into one fresh mbuf. */
static struct rte_mbuf *
wire_copy(struct rte_mbuf *m, bool from_cli)
{
	struct rte_mbuf *c = rte_pktmbuf_alloc(wire_pool);

	if (from_cli)
		for (struct rte_mbuf *s = m->next; s != NULL; s = s->next) {
			wire_payload_bytes += s->data_len;
			if (RTE_MBUF_CLONED(s) && rte_mbuf_from_indirect(s)->pool == pt_mbufs)
				wire_ref_bytes += s->data_len;
		}
	if (c != NULL) {
		char *d = rte_pktmbuf_append(c, (uint16_t)m->pkt_len);
		const void *src = d != NULL ? rte_pktmbuf_read(m, 0, m->pkt_len, d) : NULL;

		if (src == NULL) {
			rte_pktmbuf_free(c);
			c = NULL;
		} else if (src != d) {
			memcpy(d, src, m->pkt_len);
		}
	}
	/* no RX checksum flag: the receiving stack verifies every checksum
	 * in software, as Linux does over TAP (a wrong sum over a chain with
	 * an odd-length segment stalled delivery there) */
	rte_pktmbuf_free(m);
	return c;
}

/* Deliver everything both stacks sent until neither sends more. */
static void
pump(void)
{
	while (w_cli.n != 0 || w_srv.n != 0) {
		static struct rte_mbuf *in[WIREQ];
		uint32_t n, k = 0;

		n = w_cli.n;
		w_cli.n = 0;
		for (uint32_t i = 0; i < n; i++) {
			struct rte_mbuf *c = wire_copy(w_cli.q[i], true);

			if (c != NULL && blackhole)
				rte_pktmbuf_free(c);
			else if (c != NULL)
				in[k++] = c;
		}
		for (uint32_t i = 0; i < k; i += 32)
			og_tcp_input_burst(st_srv, in + i, (uint16_t)OG_MIN(32u, k - i), now_us);
		n = w_srv.n;
		w_srv.n = 0;
		k = 0;
		for (uint32_t i = 0; i < n; i++) {
			struct rte_mbuf *c = wire_copy(w_srv.q[i], false);

			if (c != NULL)
				in[k++] = c;
		}
		for (uint32_t i = 0; i < k; i += 32)
			og_tcp_input_burst(st_cli, in + i, (uint16_t)OG_MIN(32u, k - i), now_us);
	}
}

/* ---- the scripted server ---------------------------------------------------- */

enum act {
	ACT_200 = 0, /* 200, empty ExportXServiceResponse */
	ACT_PARTIAL, /* 200 with partial_success (arg items, message) */
	ACT_503,     /* 503 with Retry-After: arg seconds */
	ACT_400,     /* 400 with a google.rpc.Status message */
	ACT_CLOSE,   /* close the connection without answering */
	ACT_STALL,   /* never answer */
	ACT_RST,     /* abort the connection */
};

struct srv_req {
	char path[64];
	char cenc[16];
	char auth[64];
	char host[32];
	uint64_t clen;
	uint64_t at_us;
	struct og_wbuf body;
};

struct srv_conn {
	struct og_tcp_conn *c;
	struct og_http_parser p;
	struct srv_req *cur;
	bool used;
};

static struct srv_conn srv_conns[MAX_SRV];
static struct srv_req reqs[MAX_REQS];
static unsigned int n_reqs;
static enum act script[64];
static uint32_t script_arg[64];
static unsigned int n_script, script_pos;
static enum act default_act = ACT_200;

static void
script_set(unsigned int n, const enum act *a, const uint32_t *arg)
{
	for (unsigned int i = 0; i < n; i++) {
		script[i] = a[i];
		script_arg[i] = arg != NULL ? arg[i] : 0;
	}
	n_script = n;
	script_pos = 0;
}

static void
reqs_clear(void)
{
	for (unsigned int i = 0; i < n_reqs; i++)
		og_wbuf_free(&reqs[i].body);
	n_reqs = 0;
}

static void
hdr_copy(const struct og_http_msg *r, const char *name, char *out, size_t cap)
{
	const struct og_http_hdr *h = og_http_msg_header(r, name);

	out[0] = '\0';
	if (h != NULL)
		snprintf(out, cap, "%.*s", (int)h->value_len, og_http_hdr_value(r, h));
}

static void
srv_send(struct srv_conn *k, int status, uint32_t retry_after, const struct og_wbuf *body)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(wire_pool);
	struct og_http_resp r = { .status = status,
				  .content_type = "application/x-protobuf",
				  .content_length = body->len,
				  .retry_after_s = retry_after };
	struct og_wbuf w;

	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	og_wbuf_init_fixed(&w, rte_pktmbuf_mtod(m, uint8_t *), rte_pktmbuf_tailroom(m));
	CU_ASSERT_EQUAL_FATAL(og_http_resp_head(&w, &r), 0);
	og_wbuf_put(&w, body->data, body->len);
	CU_ASSERT_FALSE_FATAL(w.overflow);
	m->data_len = (uint16_t)w.len;
	m->pkt_len = (uint32_t)w.len;
	if (og_tcp_send(k->c, m) != 0)
		rte_pktmbuf_free(m);
}

static enum og_otlp_signal
path_sig(const char *path)
{
	if (strstr(path, "/v1/metrics") != NULL)
		return OG_OTLP_METRICS;
	if (strstr(path, "/v1/logs") != NULL)
		return OG_OTLP_LOGS;
	return OG_OTLP_TRACES;
}

static void
srv_answer(struct srv_conn *k, struct srv_req *rq)
{
	enum act a = default_act;
	uint32_t arg = 0;
	struct og_wbuf w;

	if (script_pos < n_script) {
		a = script[script_pos];
		arg = script_arg[script_pos++];
	}
	og_wbuf_init_growable(&w);
	switch (a) {
	case ACT_200:
		og_otlp_response_encode(path_sig(rq->path), OG_OTLP_ENC_PROTO, 0, NULL, &w);
		srv_send(k, 200, 0, &w);
		break;
	case ACT_PARTIAL:
		og_otlp_response_encode(path_sig(rq->path), OG_OTLP_ENC_PROTO, arg,
					"some items were bad", &w);
		srv_send(k, 200, 0, &w);
		break;
	case ACT_503:
		srv_send(k, 503, arg, &w);
		break;
	case ACT_400:
		og_otlp_status_encode(OG_OTLP_ENC_PROTO, 3, "field xyz is invalid", &w);
		srv_send(k, 400, 0, &w);
		break;
	case ACT_CLOSE:
		og_tcp_close(k->c);
		break;
	case ACT_STALL:
		break;
	case ACT_RST:
		og_tcp_abort(k->c);
		break;
	}
	og_wbuf_free(&w);
}

static void *
srv_accepted(void *arg, struct og_tcp_conn *c)
{
	(void)arg;
	for (unsigned int i = 0; i < MAX_SRV; i++)
		if (!srv_conns[i].used) {
			srv_conns[i].used = true;
			srv_conns[i].c = c;
			srv_conns[i].cur = NULL;
			og_http_parser_reset(&srv_conns[i].p);
			return &srv_conns[i];
		}
	return NULL;
}

static void
srv_recv(void *ctx, struct og_tcp_conn *c, struct rte_mbuf *data)
{
	struct srv_conn *k = ctx;
	uint32_t total = data->pkt_len;
	bool gone = false;

	for (struct rte_mbuf *m = data; m != NULL && !gone; m = m->next) {
		const uint8_t *buf = rte_pktmbuf_mtod(m, const uint8_t *);
		uint32_t off = 0;

		for (;;) {
			struct og_http_ev ev;
			uint32_t used;
			int rc = og_http_parse(&k->p, buf + off, m->data_len - off, &used, &ev);

			off += used;
			if (rc == OG_AGAIN)
				break;
			CU_ASSERT_EQUAL_FATAL(rc, OG_OK);
			if (ev.type == OG_HTTP_EV_HEAD) {
				const struct og_http_msg *r = og_http_req_get(&k->p);
				struct srv_req *q;

				CU_ASSERT_FATAL(n_reqs < MAX_REQS);
				q = &reqs[n_reqs++];
				memset(q, 0, sizeof(*q));
				og_wbuf_init_growable(&q->body);
				snprintf(q->path, sizeof(q->path), "%.*s", (int)r->path_len,
					 r->path);
				hdr_copy(r, "Content-Encoding", q->cenc, sizeof(q->cenc));
				hdr_copy(r, "Authorization", q->auth, sizeof(q->auth));
				hdr_copy(r, "Host", q->host, sizeof(q->host));
				q->clen = r->content_length;
				q->at_us = now_us;
				k->cur = q;
			} else if (ev.type == OG_HTTP_EV_BODY) {
				og_wbuf_put(&k->cur->body, buf + (off - used) + ev.off, ev.len);
			} else {
				struct srv_req *q = k->cur;

				k->cur = NULL;
				srv_answer(k, q);
				if (!k->used || k->c != c) {
					gone = true;
					break;
				}
			}
		}
	}
	if (!gone)
		og_tcp_recv_done(c, total);
	rte_pktmbuf_free(data);
}

static void
srv_peer_closed(void *ctx, struct og_tcp_conn *c)
{
	(void)ctx;
	og_tcp_close(c);
}

static void
srv_closed(void *ctx, struct og_tcp_conn *c, int reason)
{
	struct srv_conn *k = ctx;

	(void)c;
	(void)reason;
	k->used = false;
	k->c = NULL;
}

static const struct og_tcp_app srv_app = {
	.accepted = srv_accepted,
	.recv = srv_recv,
	.peer_closed = srv_peer_closed,
	.closed = srv_closed,
};

/* ---- samples and the environment ------------------------------------------------ */

struct sample {
	const char *name;
	enum og_otlp_signal sig;
	uint8_t *pb;
	size_t len;
};

static struct sample samples[] = {
	{ "traces-512", OG_OTLP_TRACES }, { "metrics-4x3", OG_OTLP_METRICS },
	{ "logs-100", OG_OTLP_LOGS },	  { "traces-4096", OG_OTLP_TRACES },
	{ "traces-64", OG_OTLP_TRACES },
};
enum { S_T512, S_M, S_L, S_T4096, S_T64 };

static struct og_backend *be;
static struct og_batcher *bt;
static struct pt_expect want;
static struct og_pipe_stats ps0;
static struct og_ohttp_stats os;

/* The most the egress stack held in its send queues after a batcher run. */
static uint64_t cli_snd_peak;

static void
run(uint64_t us)
{
	for (uint64_t t = 0; t < us; t += 1000) {
		now_us += 1000;
		og_tcp_timers_run(st_cli, now_us);
		og_tcp_timers_run(st_srv, now_us);
		pump();
		og_batcher_run(bt, now_us);
		cli_snd_peak = RTE_MAX(cli_snd_peak, og_tcp_stats(st_cli)->snd_mem);
		pump();
	}
}

static void
eg_start(const char *opts)
{
	static unsigned int n;
	struct og_batcher_conf bc = { 0 };
	struct og_backend_env env = {
		.tcp = st_cli,
		.src_addr_be = htonl(CLI_ADDR),
		.hdr_pool = eg_pool,
		.ref_pool = eg_ref,
		.socket = SOCKET_ID_ANY,
	};
	char uri[512], name[32];

	snprintf(uri, sizeof(uri), "otlp-http://10.0.0.5:%u/base%s", SRV_PORT, opts);
	be = og_backend_create(uri, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(be);
	CU_ASSERT_EQUAL_FATAL(og_backend_attach(be, &env), 0);
	CU_ASSERT_EQUAL(og_backend_attach(be, &env), -EBUSY);
	snprintf(name, sizeof(name), "egb%u", n++);
	bc.name = name;
	bc.socket = SOCKET_ID_ANY;
	bc.timeout_us = 1000;
	bc.n_backends = 1;
	bc.backends[0] = be;
	bt = og_batcher_create(&bc);
	CU_ASSERT_PTR_NOT_NULL_FATAL(bt);
	pt_expect_init(&want);
	og_pipe_stats_sum(&ps0);
	script_set(0, NULL, NULL);
	default_act = ACT_200;
	blackhole = false;
	wire_ref_bytes = wire_payload_bytes = 0;
}

static void
put(unsigned int i)
{
	struct og_rec *r = pt_make_rec(samples[i].pb, samples[i].len, samples[i].sig, &want);

	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_EQUAL_FATAL(og_batcher_enqueue(bt, r), 0);
}

static void
stats(void)
{
	CU_ASSERT_EQUAL_FATAL(og_backend_otlp_http_stats(be, &os), 0);
}

static uint64_t
d_be(enum og_pipe_be_ctr c, enum og_otlp_signal s)
{
	struct og_pipe_stats now;

	og_pipe_stats_sum(&now);
	return now.be[c][0][s] - ps0.be[c][0][s];
}

/* otlpgate_copied_bytes_total (lib/pipeline's, per lcore) since eg_start() */
static uint64_t
d_copied(void)
{
	struct og_pipe_stats now;

	og_pipe_stats_sum(&now);
	return now.lc[OG_PIPE_LC_COPIED_BYTES] - ps0.lc[OG_PIPE_LC_COPIED_BYTES];
}

/* Bodies the server received for @p sig, concatenated in arrival order. */
static void
bodies(enum og_otlp_signal sig, struct og_wbuf *out)
{
	og_wbuf_init_growable(out);
	for (unsigned int i = 0; i < n_reqs; i++)
		if (path_sig(reqs[i].path) == sig)
			og_wbuf_put(out, reqs[i].body.data, reqs[i].body.len);
}

static void
check_bodies(void)
{
	for (unsigned int g = 0; g < OG_OTLP_SIGNAL_MAX; g++) {
		struct og_wbuf w;

		bodies((enum og_otlp_signal)g, &w);
		CU_ASSERT_EQUAL(w.len, want.bytes[g].len);
		if (w.len == want.bytes[g].len && w.len != 0)
			CU_ASSERT_EQUAL(memcmp(w.data, want.bytes[g].data, w.len), 0);
		og_wbuf_free(&w);
	}
}

static void
eg_stop(void)
{
	uint64_t until = now_us + 120000000;

	while (og_batcher_drain(bt, now_us) != 0 && now_us < until)
		run(1000);
	CU_ASSERT_EQUAL(og_batcher_drain(bt, now_us), 0);
	pt_check_invariant(1);
	for (unsigned int g = 0; g < OG_OTLP_SIGNAL_MAX; g++)
		CU_ASSERT_EQUAL(d_be(OG_PIPE_BE_ITEMS_QUEUED, (enum og_otlp_signal)g), 0);
	og_backend_destroy(be);
	be = NULL;
	pump();
	og_batcher_free(bt);
	bt = NULL;
	/* let the server side finish its closes and ACKs */
	for (unsigned int i = 0; i < 50; i++) {
		now_us += 1000;
		og_tcp_timers_run(st_cli, now_us);
		og_tcp_timers_run(st_srv, now_us);
		pump();
	}
	pt_check_invariant(1);
	pt_check_all_freed();
	CU_ASSERT_EQUAL(rte_mempool_in_use_count(eg_pool), 0);
	CU_ASSERT_EQUAL(rte_mempool_in_use_count(eg_ref), 0);
	reqs_clear();
	pt_expect_free(&want);
}

/* ---- tests ------------------------------------------------------------------------ */

static void
test_deliver_zero_copy(void)
{
	uint64_t body = 0;

	eg_start("?conns=1&header=Authorization:Bearer%20abc&header=X-Tenant:%2Fa");
	put(S_T512);
	put(S_M);
	put(S_L);
	put(S_T4096);
	run(200000);
	stats();
	CU_ASSERT_EQUAL(n_reqs, 3);
	check_bodies();
	for (unsigned int i = 0; i < n_reqs; i++) {
		CU_ASSERT_EQUAL(reqs[i].clen, reqs[i].body.len);
		CU_ASSERT_STRING_EQUAL(reqs[i].cenc, "");
		CU_ASSERT_STRING_EQUAL(reqs[i].auth, "Bearer abc");
		CU_ASSERT_STRING_EQUAL(reqs[i].host, "10.0.0.5:4318");
		CU_ASSERT_EQUAL(strncmp(reqs[i].path, "/base/v1/", 9), 0);
		body += reqs[i].body.len;
	}
	/* zero copy: no span byte written by the CPU on the way out */
	CU_ASSERT_EQUAL(os.ctr[OG_OHTTP_COPIED], 0);
	CU_ASSERT_EQUAL(d_copied(), 0);
	CU_ASSERT_EQUAL(os.ctr[OG_OHTTP_BODY_REF] + os.ctr[OG_OHTTP_BODY_FRAMING], body);
	CU_ASSERT(os.ctr[OG_OHTTP_BODY_REF] > body / 10 * 9);
	/* and the segments on the wire point into the received mbufs */
	CU_ASSERT(wire_ref_bytes >= os.ctr[OG_OHTTP_BODY_REF]);
	CU_ASSERT_EQUAL(os.ctr[OG_OHTTP_REQUESTS], 3);
	CU_ASSERT_EQUAL(os.ctr[OG_OHTTP_RESP_2XX], 3);
	CU_ASSERT_EQUAL(os.ctr[OG_OHTTP_CONN_OPENS], 1);
	CU_ASSERT_EQUAL(os.inflight, 0);
	CU_ASSERT_EQUAL(os.lat_count, 3);
	for (unsigned int g = 0; g < OG_OTLP_SIGNAL_MAX; g++)
		CU_ASSERT_EQUAL(d_be(OG_PIPE_BE_ITEMS_EXPORTED, (enum og_otlp_signal)g),
				want.items[g]);
	pt_check_invariant(1);
	eg_stop();
}

/*
 * A batch larger than one build step (OH_BUILD_SEGS references): five
 * 512-span records of 113 1448-byte segments each (two steps at least) go
 * out as one request whose body is referenced over several polls behind
 * the head sent first, and arrives byte-identical with the Content-Length
 * the head announced.
 */
static void
test_deliver_in_steps(void)
{
	uint64_t body = 0;

	eg_start("?conns=1");
	cli_snd_peak = 0;
	for (unsigned int i = 0; i < 5; i++)
		put(S_T512);
	run(200000);
	/* the default sndbuf (4 MiB), not the stack's 256 KiB: TCP took more at once */
	CU_ASSERT(cli_snd_peak > 256 * 1024);
	stats();
	CU_ASSERT_EQUAL(n_reqs, 1);
	check_bodies();
	for (unsigned int i = 0; i < n_reqs; i++) {
		CU_ASSERT_EQUAL(reqs[i].clen, reqs[i].body.len);
		body += reqs[i].body.len;
	}
	CU_ASSERT_EQUAL(body, 5 * (uint64_t)samples[S_T512].len);
	CU_ASSERT_EQUAL(os.ctr[OG_OHTTP_BODY_REF] + os.ctr[OG_OHTTP_BODY_FRAMING], body);
	CU_ASSERT_EQUAL(os.ctr[OG_OHTTP_COPIED], 0);
	CU_ASSERT_EQUAL(os.ctr[OG_OHTTP_RESP_2XX], 1);
	CU_ASSERT_EQUAL(d_be(OG_PIPE_BE_ITEMS_EXPORTED, OG_OTLP_TRACES), 5 * 512);
	pt_check_invariant(1);
	eg_stop();
}

/* ?sndbuf=N bounds what one connection hands TCP: the same batch, 64 KiB at a time. */
static void
test_sndbuf(void)
{
	eg_start("?conns=1&sndbuf=65536");
	cli_snd_peak = 0;
	for (unsigned int i = 0; i < 5; i++)
		put(S_T512);
	run(400000);
	stats();
	CU_ASSERT_EQUAL(n_reqs, 1);
	check_bodies();
	CU_ASSERT(cli_snd_peak > 0);
	CU_ASSERT(cli_snd_peak <= 65536);
	CU_ASSERT_EQUAL(os.ctr[OG_OHTTP_RESP_2XX], 1);
	pt_check_invariant(1);
	eg_stop();
}

static void
test_gzip(void)
{
	struct og_inflater *inf = og_inflater_create();
	uint64_t wire = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(inf);
	eg_start("?conns=2&compression=gzip");
	put(S_T4096);
	/* more than one deflate step (OH_GZ_STEP_BYTES): one member all the same */
	for (unsigned int i = 0; i < 5; i++)
		put(S_T512);
	put(S_L);
	run(300000);
	stats();
	CU_ASSERT_EQUAL(n_reqs, 2);
	for (unsigned int i = 0; i < n_reqs; i++) {
		enum og_otlp_signal g = path_sig(reqs[i].path);
		struct og_seg seg = { reqs[i].body.data, (uint32_t)reqs[i].body.len };
		size_t cap = want.bytes[g].len + 16, n = 0;
		uint8_t *out = malloc(cap);

		CU_ASSERT_STRING_EQUAL(reqs[i].cenc, "gzip");
		CU_ASSERT_EQUAL(og_gzip_inflate(inf, &seg, 1, out, cap, &n, NULL), OG_OK);
		CU_ASSERT_EQUAL(n, want.bytes[g].len);
		if (n == want.bytes[g].len)
			CU_ASSERT_EQUAL(memcmp(out, want.bytes[g].data, n), 0);
		wire += reqs[i].body.len;
		free(out);
	}
	/* egress gzip is counted as copied bytes: every compressed byte */
	CU_ASSERT_EQUAL(os.ctr[OG_OHTTP_COPIED], wire);
	CU_ASSERT_EQUAL(og_backend_otlp_http_copied_bytes(), wire);
	/* ... and counted in lib/pipeline's otlpgate_copied_bytes_total */
	CU_ASSERT_EQUAL(d_copied(), wire);
	CU_ASSERT_EQUAL(os.ctr[OG_OHTTP_BODY_REF], 0);
	CU_ASSERT_EQUAL(d_be(OG_PIPE_BE_ITEMS_EXPORTED, OG_OTLP_TRACES),
			want.items[OG_OTLP_TRACES]);
	eg_stop();
	og_inflater_free(inf);
}

static void
test_partial_success(void)
{
	const enum act a[] = { ACT_PARTIAL };
	const uint32_t arg[] = { 7 };

	eg_start("");
	script_set(1, a, arg);
	put(S_T512);
	run(100000);
	stats();
	CU_ASSERT_EQUAL(n_reqs, 1);
	CU_ASSERT_EQUAL(os.ctr[OG_OHTTP_PARTIAL_ITEMS], 7);
	CU_ASSERT_EQUAL(d_be(OG_PIPE_BE_ITEMS_BACKEND_REJECTED, OG_OTLP_TRACES), 7);
	CU_ASSERT_EQUAL(d_be(OG_PIPE_BE_ITEMS_EXPORTED, OG_OTLP_TRACES),
			want.items[OG_OTLP_TRACES] - 7);
	pt_check_invariant(1);
	eg_stop();
}

static void
test_retry_after(void)
{
	const enum act a[] = { ACT_503, ACT_200 };
	const uint32_t arg[] = { 2, 0 };

	eg_start("?conns=1");
	script_set(2, a, arg);
	put(S_T64);
	run(50000);
	CU_ASSERT_EQUAL(n_reqs, 1);
	/* nothing before the 2 s the backend asked for */
	run(1800000);
	CU_ASSERT_EQUAL(n_reqs, 1);
	CU_ASSERT_EQUAL(d_be(OG_PIPE_BE_ITEMS_QUEUED, OG_OTLP_TRACES), want.items[OG_OTLP_TRACES]);
	pt_check_invariant(1);
	run(400000);
	CU_ASSERT_EQUAL(n_reqs, 2);
	CU_ASSERT(n_reqs == 2 && reqs[1].at_us - reqs[0].at_us >= 2000000);
	stats();
	CU_ASSERT_EQUAL(os.ctr[OG_OHTTP_RETRIES], 1);
	CU_ASSERT_EQUAL(os.ctr[OG_OHTTP_RETRY_AFTER], 1);
	CU_ASSERT_EQUAL(os.ctr[OG_OHTTP_RESP_5XX], 1);
	CU_ASSERT_EQUAL(os.ctr[OG_OHTTP_RESP_2XX], 1);
	/* the retry carries the same bytes */
	CU_ASSERT(n_reqs == 2 && reqs[0].body.len == reqs[1].body.len &&
		  memcmp(reqs[0].body.data, reqs[1].body.data, reqs[0].body.len) == 0);
	CU_ASSERT_EQUAL(d_be(OG_PIPE_BE_ITEMS_EXPORTED, OG_OTLP_TRACES),
			want.items[OG_OTLP_TRACES]);
	eg_stop();
}

static void
test_permanent(void)
{
	const enum act a[] = { ACT_400 };

	eg_start("");
	script_set(1, a, NULL);
	put(S_T64);
	run(100000);
	run(3000000);
	stats();
	CU_ASSERT_EQUAL(n_reqs, 1); /* never retried */
	CU_ASSERT_EQUAL(os.ctr[OG_OHTTP_PERMANENT], 1);
	CU_ASSERT_EQUAL(os.ctr[OG_OHTTP_RESP_4XX], 1);
	CU_ASSERT_EQUAL(os.ctr[OG_OHTTP_RETRIES], 0);
	CU_ASSERT_EQUAL(d_be(OG_PIPE_BE_ITEMS_BACKEND_REJECTED, OG_OTLP_TRACES),
			want.items[OG_OTLP_TRACES]);
	CU_ASSERT_EQUAL(d_be(OG_PIPE_BE_BACKEND_ERRORS, OG_OTLP_TRACES), 1);
	CU_ASSERT_EQUAL(d_be(OG_PIPE_BE_ITEMS_EXPORTED, OG_OTLP_TRACES), 0);
	eg_stop();
}

static void
test_close_rst_stall(void)
{
	const enum act a[] = { ACT_CLOSE, ACT_RST, ACT_STALL, ACT_200 };

	eg_start("?conns=1&timeout_ms=500");
	script_set(4, a, NULL);
	put(S_T512);
	run(6000000);
	stats();
	CU_ASSERT_EQUAL(n_reqs, 4);
	CU_ASSERT_EQUAL(os.ctr[OG_OHTTP_RETRIES], 3);
	CU_ASSERT_EQUAL(os.ctr[OG_OHTTP_TIMEOUTS], 1);
	CU_ASSERT(os.ctr[OG_OHTTP_CONN_RESETS] >= 1);
	CU_ASSERT_EQUAL(os.ctr[OG_OHTTP_RESP_2XX], 1);
	CU_ASSERT_EQUAL(os.breaker, OG_OHTTP_BREAKER_CLOSED);
	for (unsigned int i = 1; i < n_reqs; i++)
		CU_ASSERT(reqs[i].body.len == reqs[0].body.len &&
			  memcmp(reqs[i].body.data, reqs[0].body.data, reqs[0].body.len) == 0);
	CU_ASSERT_EQUAL(d_be(OG_PIPE_BE_ITEMS_EXPORTED, OG_OTLP_TRACES),
			want.items[OG_OTLP_TRACES]);
	eg_stop();
}

static void
test_backpressure(void)
{
	eg_start("?conns=1&max_inflight=1&timeout_ms=300");
	default_act = ACT_STALL;
	put(S_T64);
	put(S_M);
	put(S_L);
	run(100000);
	stats();
	/* one batch taken, the others wait in the batcher: nothing dropped */
	CU_ASSERT_EQUAL(os.inflight, 1);
	CU_ASSERT_EQUAL(n_reqs, 1);
	CU_ASSERT_EQUAL(d_be(OG_PIPE_BE_ITEMS_QUEUED, OG_OTLP_METRICS),
			want.items[OG_OTLP_METRICS]);
	pt_check_invariant(1);
	default_act = ACT_200;
	run(2000000);
	stats();
	CU_ASSERT(os.ctr[OG_OHTTP_TIMEOUTS] >= 1);
	for (unsigned int g = 0; g < OG_OTLP_SIGNAL_MAX; g++)
		CU_ASSERT_EQUAL(d_be(OG_PIPE_BE_ITEMS_EXPORTED, (enum og_otlp_signal)g),
				want.items[g]);
	eg_stop();
}

static void
test_breaker(void)
{
	eg_start("?conns=1&timeout_ms=100");
	blackhole = true;
	put(S_T64);
	run(3000000);
	stats();
	CU_ASSERT(os.ctr[OG_OHTTP_CONN_FAILURES] >= 5);
	CU_ASSERT(os.ctr[OG_OHTTP_BREAKER_OPENS] >= 1);
	CU_ASSERT_NOT_EQUAL(os.breaker, OG_OHTTP_BREAKER_CLOSED);
	CU_ASSERT_EQUAL(n_reqs, 0);
	/* accepted data waits while the breaker is open */
	put(S_L);
	run(10000);
	CU_ASSERT_EQUAL(d_be(OG_PIPE_BE_ITEMS_QUEUED, OG_OTLP_LOGS), want.items[OG_OTLP_LOGS]);
	pt_check_invariant(1);
	{
		uint64_t f0 = os.ctr[OG_OHTTP_CONN_FAILURES];

		/* open: no connection attempt for a while */
		stats();
		if (os.breaker == OG_OHTTP_BREAKER_OPEN) {
			run(200000);
			stats();
			CU_ASSERT(os.ctr[OG_OHTTP_CONN_FAILURES] <= f0 + 1);
		}
	}
	blackhole = false;
	run(40000000);
	stats();
	CU_ASSERT_EQUAL(os.breaker, OG_OHTTP_BREAKER_CLOSED);
	CU_ASSERT(n_reqs >= 2);
	check_bodies();
	CU_ASSERT_EQUAL(d_be(OG_PIPE_BE_ITEMS_EXPORTED, OG_OTLP_TRACES),
			want.items[OG_OTLP_TRACES]);
	CU_ASSERT_EQUAL(d_be(OG_PIPE_BE_ITEMS_EXPORTED, OG_OTLP_LOGS), want.items[OG_OTLP_LOGS]);
	eg_stop();
}

static void
test_bad_uris(void)
{
	static const char *const bad[] = {
		"otlp-http:10.0.0.5:4318",
		"otlp-http://example.com:4318",
		"otlp-http://10.0.0.5",
		"otlp-http://10.0.0.5:99999",
		"otlp-http://10.0.0.5:4318?conns=0",
		"otlp-http://10.0.0.5:4318?conns=17",
		"otlp-http://10.0.0.5:4318?compression=br",
		"otlp-http://10.0.0.5:4318?timeout_ms=x",
		"otlp-http://10.0.0.5:4318?header=Bad%0d%0aX:1",
		"otlp-http://10.0.0.5:4318?header=NoColon",
		"otlp-http://10.0.0.5:4318?header=X:%zz",
		"otlp-http://10.0.0.5:4318?unknown=1",
		"otlp-http://10.0.0.5:4318?sndbuf=0",
		"otlp-http://10.0.0.5:4318?sndbuf=4095",
		"otlp-http://10.0.0.5:4318?sndbuf=2000000000",
		"otlp-http://10.0.0.5:4318?sndbuf=4M",
	};
	struct og_backend *b;
	struct og_ohttp_stats s;

	for (unsigned int i = 0; i < RTE_DIM(bad); i++) {
		b = og_backend_create(bad[i], 0);
		if (b != NULL)
			fprintf(stderr, "\naccepted: %s\n", bad[i]);
		CU_ASSERT_PTR_NULL(b);
		og_backend_destroy(b);
	}
	b = og_backend_create("otlp-http://10.0.0.5:4318/?conns=16&max_inflight=64"
			      "&timeout_ms=1&compression=none&sndbuf=8388608",
			      1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(b);
	CU_ASSERT_EQUAL(og_backend_otlp_http_daddr(b), htonl(SRV_ADDR));
	CU_ASSERT_EQUAL(og_backend_otlp_http_stats(b, &s), 0);
	og_backend_destroy(b);
	CU_ASSERT_EQUAL(og_backend_otlp_http_daddr(NULL), 0);
}

/* ---- suite --------------------------------------------------------------------------- */

static int
suite_init(void)
{
	struct og_tcp_conf tc;

	if (pt_eal_init("test_backend_otlp_http") != 0)
		return -1;
	og_pipe_stats_reset();
	if (og_backend_register(&og_backend_otlp_http_ops) != 0)
		return -1;
	/* no per-lcore caches: in-use counts are exact for leak checks */
	tcp_hdr = rte_pktmbuf_pool_create("eg_tcphdr", 16384, 0, 0, RTE_PKTMBUF_HEADROOM + 192,
					  SOCKET_ID_ANY);
	tcp_clone = rte_pktmbuf_pool_create("eg_clone", 32768, 0, 0, 0, SOCKET_ID_ANY);
	eg_pool = rte_pktmbuf_pool_create("eg_pool", 8192, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
					  SOCKET_ID_ANY);
	eg_ref = rte_pktmbuf_pool_create("eg_ref", 32768, 0, 0, 0, SOCKET_ID_ANY);
	wire_pool = rte_pktmbuf_pool_create("eg_wire", 16384, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
					    SOCKET_ID_ANY);
	if (tcp_hdr == NULL || tcp_clone == NULL || eg_pool == NULL || eg_ref == NULL ||
	    wire_pool == NULL)
		return -1;
	og_tcp_conf_init(&tc);
	tc.hdr_pool = tcp_hdr;
	tc.clone_pool = tcp_clone;
	tc.tx = wire_tx;
	tc.snd_buf = 256 * 1024;
	tc.rcv_buf = 256 * 1024;
	for (int i = 0; i < 16; i++)
		tc.secret[i] = (uint8_t)(0x3c ^ (i * 17));
	tc.tx_arg = &w_cli;
	st_cli = og_tcp_stack_create(&tc);
	tc.tx_arg = &w_srv;
	st_srv = og_tcp_stack_create(&tc);
	if (st_cli == NULL || st_srv == NULL)
		return -1;
	if (og_tcp_listen(st_srv, htonl(SRV_ADDR), htons(SRV_PORT), &srv_app, NULL) != 0)
		return -1;
	for (unsigned int i = 0; i < MAX_SRV; i++)
		if (og_http_parser_init(&srv_conns[i].p, NULL, NULL, 0) != 0)
			return -1;
	for (unsigned int i = 0; i < RTE_DIM(samples); i++) {
		char rel[64];

		snprintf(rel, sizeof(rel), "samples/%s.pb", samples[i].name);
		samples[i].pb = og_test_read_file(rel, &samples[i].len);
		if (samples[i].pb == NULL)
			return -1;
	}
	return 0;
}

static int
suite_clean(void)
{
	og_tcp_stack_free(st_cli);
	og_tcp_stack_free(st_srv);
	pump();
	for (unsigned int i = 0; i < MAX_SRV; i++)
		og_http_parser_fini(&srv_conns[i].p);
	for (unsigned int i = 0; i < RTE_DIM(samples); i++)
		free(samples[i].pb);
	for (unsigned int i = 0; i < w_cli.n; i++)
		rte_pktmbuf_free(w_cli.q[i]);
	for (unsigned int i = 0; i < w_srv.n; i++)
		rte_pktmbuf_free(w_srv.q[i]);
	rte_mempool_free(wire_pool);
	rte_mempool_free(eg_ref);
	rte_mempool_free(eg_pool);
	rte_mempool_free(tcp_clone);
	rte_mempool_free(tcp_hdr);
	return pt_eal_clean();
}

static CU_TestInfo ohttp_tests[] = {
	{ "batches delivered byte-identical, zero copy, headers", test_deliver_zero_copy },
	{ "compression=gzip inflates to the same bytes, counted as copied", test_gzip },
	{ "2xx partial_success counts backend-rejected items", test_partial_success },
	{ "503 with Retry-After: retried no sooner, same bytes", test_retry_after },
	{ "400 is permanent: dropped, counted, not retried", test_permanent },
	{ "close, RST and stall (timeout) are retried until 200", test_close_rst_stall },
	{ "max_inflight: busy answers keep batches in the egress", test_backpressure },
	{ "a batch larger than a build step: one request, built over polls",
	  test_deliver_in_steps },
	{ "sndbuf bounds what a connection hands TCP", test_sndbuf },
	{ "circuit breaker opens on a dead backend, probes, closes", test_breaker },
	{ "bad URIs and options refused", test_bad_uris },
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{ "backend_otlp_http", suite_init, suite_clean, NULL, NULL, ohttp_tests },
	CU_SUITE_INFO_NULL,
};

int
main(void)
{
	return og_test_main(suites);
}
