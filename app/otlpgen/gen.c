/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The client: many lib/tcp connections replaying request bodies, so that
 * otlpgen is never what limits a measurement.
 *
 * Zero copy: each body lives once in large direct mbufs (a few replicas, so
 * the 16-bit reference count never nears its limit with 10,000 requests in
 * flight). A request is one small head mbuf (prebuilt head bytes, with
 * Content-Length) chained to rte_pktmbuf_clone() of the body: a few mbuf
 * allocations and no payload byte touched. TCP then sends the chain as
 * indirect segments.
 *
 * Responses are parsed with lib/http's response parser; a connection's
 * answers come in request order (RFC 9112 9.3.2), so each connection keeps
 * the send timestamps of its pipelined requests in a small FIFO; latency is
 * the TSC from handing the request to TCP to the end of its response.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>

#include <rte_branch_prediction.h>
#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_mbuf.h>

#include "og_http.h"
#include "og_tcp.h"
#include "otlpgen.h"

/* Payload per body mbuf: buf_len is 16 bits. */
#define BODY_SEG GEN_BODY_SEG
/* Requests in flight per body replica: well under the 16-bit refcnt. */
#define REFS_PER_REPLICA 4096
#define MAX_REPLICAS	 64
#define HEAD_MAX	 384
/* Connections in SYN-SENT at once (after the first one succeeded). */
#define MAX_CONNECTING 256
/* Requests queued per gen_client_run(): keeps the RX side responsive. */
#define SEND_BUDGET 512
/* Delay before reopening after a failed open (an orderly close: none). */
#define REOPEN_FAIL_US 100000

enum conn_state { CS_DOWN = 0, CS_CONNECTING, CS_UP, CS_CLOSING };

struct gbody {
	struct rte_mbuf *rep[MAX_REPLICAS];
	uint32_t n_rep;
	uint32_t next_rep;
	uint64_t items;
	uint32_t wire_len; /**< head + body bytes of one request */
	uint16_t head_len;
	uint8_t head[HEAD_MAX];
};

struct gconn {
	struct og_tcp_conn *c;
	struct gen_client *g;
	struct rte_mbuf *pending; /**< requests TCP has not taken yet */
	struct rte_mbuf *pending_tail;
	uint64_t retry_tsc;
	uint64_t t_send[GEN_MAX_PIPELINE];
	uint16_t body_of[GEN_MAX_PIPELINE];
	uint8_t first; /**< FIFO index of the oldest request in flight */
	uint8_t inflight;
	uint8_t st;
	bool in_ready;
	bool head_seen;
	bool ever_up;
	struct og_http_resp_parser rp;
};

/* A FIFO of connection indices (each connection at most once in each). */
struct idx_ring {
	uint32_t *v;
	uint32_t mask;
	uint32_t head, tail;
};

struct gen_client {
	const struct gen_opts *o;
	struct gen_env env;
	struct gbody *bodies;
	unsigned int n_bodies;
	unsigned int next_body;
	struct gconn *conns;
	uint32_t n_conns;
	struct idx_ring ready; /**< up, with room in the pipeline */
	struct idx_ring down;  /**< to (re)open, in retry order */
	uint32_t n_connecting, n_up;
	bool any_up;
	bool stopping;
	bool destroying;
	uint64_t inflight;
	double tokens;
	double burst;
	uint64_t last_tsc;
	uint16_t dport_be;
	uint8_t *parser_mem;
	struct gen_client_stats st;
	struct gen_hist hist;
};

static void conn_push(struct gconn *k);

static int
ring_init(struct idx_ring *r, uint32_t n)
{
	uint32_t cap = 1;

	while (cap < n + 1)
		cap <<= 1;
	r->v = calloc(cap, sizeof(*r->v));
	r->mask = cap - 1;
	r->head = r->tail = 0;
	return r->v == NULL ? -ENOMEM : 0;
}

static inline void
ring_push(struct idx_ring *r, uint32_t i)
{
	r->v[r->tail++ & r->mask] = i;
}

static inline bool
ring_empty(const struct idx_ring *r)
{
	return r->head == r->tail;
}

static inline uint32_t
ring_front(const struct idx_ring *r)
{
	return r->v[r->head & r->mask];
}

static inline uint32_t
ring_pop(struct idx_ring *r)
{
	return r->v[r->head++ & r->mask];
}

static void
make_ready(struct gen_client *g, struct gconn *k)
{
	if (!k->in_ready && k->st == CS_UP && k->inflight < g->o->pipeline && !g->stopping) {
		k->in_ready = true;
		ring_push(&g->ready, (uint32_t)(k - g->conns));
	}
}

static void
make_down(struct gen_client *g, struct gconn *k, uint64_t delay_us)
{
	k->st = CS_DOWN;
	k->retry_tsc = rte_rdtsc() + delay_us * (g->env.tsc_hz / 1000000);
	ring_push(&g->down, (uint32_t)(k - g->conns));
}

/* ---- responses ----------------------------------------------------------- */

static void
resp_done(struct gen_client *g, struct gconn *k, uint64_t now)
{
	const struct gbody *b = &g->bodies[k->body_of[k->first]];
	uint16_t status = k->rp.status;
	uint64_t ns = (now - k->t_send[k->first]) * 1000000000ull / g->env.tsc_hz;

	gen_hist_add(&g->hist, ns);
	g->st.answered++;
	g->st.status[status < 600 ? status : 0]++;
	if (status >= 200 && status < 300) {
		g->st.ok++;
		g->st.items_ok += b->items;
		g->st.bytes_ok += b->wire_len;
	}
	k->first = (uint8_t)((k->first + 1) % GEN_MAX_PIPELINE);
	k->inflight--;
	g->inflight--;
	k->head_seen = false;
	og_http_resp_expect(&k->rp, false, 0);
	if (!og_http_resp_msg(&k->rp)->keep_alive) {
		/* the server closes: what is still in flight is lost there */
		k->st = CS_CLOSING;
		og_tcp_close(k->c);
		return;
	}
	make_ready(g, k);
}

/* Feed one contiguous run of response bytes; false when k stops reading. */
static bool
resp_feed(struct gen_client *g, struct gconn *k, const uint8_t *buf, uint32_t len)
{
	uint32_t off = 0;

	while (off < len || k->head_seen) {
		struct og_http_ev ev;
		uint32_t used = 0;
		int rc = og_http_parse_resp(&k->rp, buf + off, len - off, &used, &ev);

		off += used;
		if (rc == OG_AGAIN)
			return true;
		if (rc < 0 || k->inflight == 0) {
			/* unparsable, or an answer to nothing: the stream is lost */
			g->st.proto_err++;
			k->st = CS_CLOSING;
			og_tcp_abort(k->c);
			return false;
		}
		if (ev.type == OG_HTTP_EV_HEAD) {
			k->head_seen = true;
		} else if (ev.type == OG_HTTP_EV_END) {
			resp_done(g, k, rte_rdtsc());
			if (k->st != CS_UP)
				return false;
		}
	}
	return true;
}

/* ---- TCP callbacks ------------------------------------------------------- */

static void
on_connected(void *ctx, struct og_tcp_conn *c, int err)
{
	struct gconn *k = ctx;
	struct gen_client *g = k->g;

	(void)c;
	if (err != 0)
		return; /* closed() follows */
	g->n_connecting--;
	g->n_up++;
	g->any_up = true;
	if (k->ever_up)
		g->st.reconnects++;
	k->ever_up = true;
	k->st = CS_UP;
	k->head_seen = false;
	og_http_resp_parser_reset(&k->rp);
	og_http_resp_expect(&k->rp, false, 0);
	if (g->stopping) {
		k->st = CS_CLOSING;
		og_tcp_close(k->c);
		return;
	}
	make_ready(g, k);
}

static void
on_recv(void *ctx, struct og_tcp_conn *c, struct rte_mbuf *data)
{
	struct gconn *k = ctx;
	uint32_t total = data->pkt_len;

	for (struct rte_mbuf *m = data; m != NULL; m = m->next)
		if (!resp_feed(k->g, k, rte_pktmbuf_mtod(m, const uint8_t *), m->data_len))
			break;
	if (k->c == c)
		og_tcp_recv_done(c, total);
	rte_pktmbuf_free(data);
}

static void
on_sendable(void *ctx, struct og_tcp_conn *c)
{
	(void)c;
	conn_push(ctx);
}

static void
on_peer_closed(void *ctx, struct og_tcp_conn *c)
{
	struct gconn *k = ctx;

	if (k->st != CS_CLOSING) {
		k->st = CS_CLOSING;
		og_tcp_close(c);
	}
}

static void
on_closed(void *ctx, struct og_tcp_conn *c, int reason)
{
	struct gconn *k = ctx;
	struct gen_client *g = k->g;

	(void)c;
	(void)reason;
	if (k->c == NULL)
		return;
	if (k->st == CS_CONNECTING) {
		g->n_connecting--;
		g->st.conn_fail++;
	} else {
		g->n_up--;
	}
	k->c = NULL;
	g->st.lost += k->inflight;
	g->inflight -= k->inflight;
	k->inflight = 0;
	k->first = 0;
	rte_pktmbuf_free(k->pending);
	k->pending = k->pending_tail = NULL;
	if (g->destroying || g->stopping) {
		k->st = CS_DOWN;
		return;
	}
	make_down(g, k, reason == 0 && k->ever_up ? 0 : REOPEN_FAIL_US);
}

static const struct og_tcp_app gen_app = {
	.connected = on_connected,
	.recv = on_recv,
	.sendable = on_sendable,
	.peer_closed = on_peer_closed,
	.closed = on_closed,
};

/* ---- sending --------------------------------------------------------------- */

/* Hand TCP as much of the pending requests as its send space takes. */
static void
conn_push(struct gconn *k)
{
	if (k->pending == NULL || k->c == NULL)
		return;
	/* -EAGAIN: sendable() resumes; another error: closed() follows */
	(void)og_tcp_send_list(k->c, &k->pending, NULL);
	if (k->pending == NULL)
		k->pending_tail = NULL;
}

static int
send_one(struct gen_client *g, struct gconn *k, uint64_t now)
{
	unsigned int bi = g->next_body;
	struct gbody *b = &g->bodies[bi];
	struct rte_mbuf *h, *body, *tail;
	uint32_t slot;

	h = rte_pktmbuf_alloc(g->env.hdr_pool);
	if (unlikely(h == NULL))
		return -ENOBUFS;
	body = rte_pktmbuf_clone(b->rep[b->next_rep], g->env.clone_pool);
	if (unlikely(body == NULL)) {
		rte_pktmbuf_free(h);
		return -ENOBUFS;
	}
	if (++b->next_rep == b->n_rep)
		b->next_rep = 0;
	if (++g->next_body == g->n_bodies)
		g->next_body = 0;
	memcpy(rte_pktmbuf_mtod(h, uint8_t *), b->head, b->head_len);
	h->data_len = b->head_len;
	h->next = body;
	for (tail = body; tail->next != NULL; tail = tail->next)
		;
	/* pkt_len and nb_segs of the chain's first mbuf are set by conn_push() */
	if (k->pending == NULL)
		k->pending = h;
	else
		k->pending_tail->next = h;
	k->pending_tail = tail;

	slot = (k->first + k->inflight) % GEN_MAX_PIPELINE;
	k->t_send[slot] = now;
	k->body_of[slot] = (uint16_t)bi;
	k->inflight++;
	g->inflight++;
	g->st.sent++;
	conn_push(k);
	return 0;
}

static void
conn_open(struct gen_client *g, struct gconn *k)
{
	k->c = og_tcp_connect(g->env.tcp, g->env.src_be, g->o->target_be, g->dport_be, &gen_app, k);
	if (k->c == NULL) {
		g->st.conn_fail++;
		make_down(g, k, REOPEN_FAIL_US);
		return;
	}
	k->st = CS_CONNECTING;
	g->n_connecting++;
}

void
gen_client_run(struct gen_client *g, uint64_t now, bool send)
{
	uint32_t budget = SEND_BUDGET;

	if (g->stopping)
		return;
	/* open: one connection until one succeeded (ARP), then many at once */
	while (!ring_empty(&g->down) && g->n_connecting < (g->any_up ? MAX_CONNECTING : 1)) {
		struct gconn *k = &g->conns[ring_front(&g->down)];

		if (k->retry_tsc > now)
			break;
		ring_pop(&g->down);
		conn_open(g, k);
	}
	if (g->o->rate > 0) {
		/* token bucket over all connections: at most ~1 ms of burst */
		g->tokens += (double)(now - g->last_tsc) * g->o->rate / (double)g->env.tsc_hz;
		if (g->tokens > g->burst)
			g->tokens = g->burst;
	}
	g->last_tsc = now;
	while (send && !ring_empty(&g->ready) && budget > 0) {
		struct gconn *k;

		if (g->o->rate > 0 && g->tokens < 1)
			break;
		if (g->o->requests != 0 && g->st.sent >= g->o->requests)
			break;
		k = &g->conns[ring_pop(&g->ready)];
		k->in_ready = false;
		if (k->st != CS_UP || k->inflight >= g->o->pipeline)
			continue;
		if (send_one(g, k, now) != 0) {
			make_ready(g, k); /* out of mbufs: try again next loop */
			break;
		}
		budget--;
		if (g->o->rate > 0)
			g->tokens -= 1;
		make_ready(g, k);
	}
}

void
gen_client_stop_sending(struct gen_client *g)
{
	g->stopping = true;
}

bool
gen_client_idle(const struct gen_client *g)
{
	return g->inflight == 0;
}

bool
gen_client_done(const struct gen_client *g)
{
	return g->o->requests != 0 && g->st.answered + g->st.lost >= g->o->requests;
}

const struct gen_client_stats *
gen_client_stats(const struct gen_client *g)
{
	return &g->st;
}

const struct gen_hist *
gen_client_hist(const struct gen_client *g)
{
	return &g->hist;
}

void
gen_client_measure_start(struct gen_client *g)
{
	gen_hist_reset(&g->hist);
}

uint32_t
gen_client_conns_up(const struct gen_client *g)
{
	return g->n_up;
}

/* ---- set-up ---------------------------------------------------------------- */

/* Copy @p b into a chain of body_pool mbufs. */
static struct rte_mbuf *
body_chain(struct rte_mempool *mp, const struct gen_body *b)
{
	struct rte_mbuf *head = NULL, *last = NULL;
	uint32_t off = 0;

	while (off < b->len) {
		struct rte_mbuf *m = rte_pktmbuf_alloc(mp);
		uint32_t n;

		if (m == NULL) {
			rte_pktmbuf_free(head);
			return NULL;
		}
		n = RTE_MIN(b->len - off, (uint32_t)rte_pktmbuf_tailroom(m));
		n = RTE_MIN(n, (uint32_t)BODY_SEG);
		memcpy(rte_pktmbuf_mtod(m, uint8_t *), b->data + off, n);
		m->data_len = (uint16_t)n;
		off += n;
		if (head == NULL) {
			head = m;
		} else {
			last->next = m;
			head->nb_segs++;
		}
		head->pkt_len += n;
		last = m;
	}
	return head;
}

static uint32_t
replicas(const struct gen_opts *o)
{
	uint64_t r = ((uint64_t)o->conns * o->pipeline) / REFS_PER_REPLICA + 1;

	return (uint32_t)RTE_MIN(r, (uint64_t)MAX_REPLICAS);
}

uint32_t
gen_client_body_mbufs(const struct gen_opts *o, const struct gen_body *bodies,
		      unsigned int n_bodies)
{
	uint32_t n = 0;

	for (unsigned int i = 0; i < n_bodies; i++)
		n += (bodies[i].len + BODY_SEG - 1) / BODY_SEG;
	return n * replicas(o);
}

struct gen_client *
gen_client_create(const struct gen_opts *o, const struct gen_env *env,
		  const struct gen_body *bodies, unsigned int n_bodies)
{
	struct gen_client *g = calloc(1, sizeof(*g));
	struct og_http_limits lim;
	size_t pmem;
	char host[32];

	if (g == NULL)
		return NULL;
	g->o = o;
	g->env = *env;
	g->n_conns = o->conns;
	g->dport_be = htons(o->target_port);
	g->burst = RTE_MAX(1.0, o->rate / 1000);
	g->last_tsc = rte_rdtsc();
	g->bodies = calloc(n_bodies, sizeof(*g->bodies));
	g->conns = calloc(o->conns, sizeof(*g->conns));
	if (g->bodies == NULL || g->conns == NULL || ring_init(&g->ready, o->conns) != 0 ||
	    ring_init(&g->down, o->conns) != 0)
		goto fail;
	g->n_bodies = n_bodies;
	snprintf(host, sizeof(host), "%u.%u.%u.%u:%u", ((const uint8_t *)&o->target_be)[0],
		 ((const uint8_t *)&o->target_be)[1], ((const uint8_t *)&o->target_be)[2],
		 ((const uint8_t *)&o->target_be)[3], o->target_port);
	for (unsigned int i = 0; i < n_bodies; i++) {
		struct gbody *b = &g->bodies[i];
		struct og_wbuf w;

		og_wbuf_init_fixed(&w, b->head, sizeof(b->head));
		if (og_http_req_head(&w, "POST", o->path, host, "application/x-protobuf",
				     bodies[i].gzip ? "gzip" : NULL, bodies[i].len, NULL) != 0)
			goto fail;
		b->head_len = (uint16_t)w.len;
		b->items = bodies[i].items;
		b->wire_len = b->head_len + bodies[i].len;
		b->n_rep = replicas(o);
		for (uint32_t r = 0; r < b->n_rep; r++) {
			b->rep[r] = body_chain(env->body_pool, &bodies[i]);
			if (b->rep[r] == NULL)
				goto fail;
		}
	}
	/* response heads are small: 4 KiB, 32 fields; bodies up to 1 MiB */
	og_http_limits_default(&lim);
	lim.max_header_bytes = 4096;
	lim.max_headers = 32;
	lim.max_body = 1 << 20;
	pmem = og_http_parser_mem_size(&lim);
	g->parser_mem = malloc(pmem * o->conns);
	if (g->parser_mem == NULL)
		goto fail;
	for (uint32_t i = 0; i < o->conns; i++) {
		struct gconn *k = &g->conns[i];

		k->g = g;
		if (og_http_resp_parser_init(&k->rp, &lim, g->parser_mem + pmem * i, pmem) != 0)
			goto fail;
		k->st = CS_DOWN;
		ring_push(&g->down, i);
	}
	return g;
fail:
	gen_client_free(g);
	return NULL;
}

void
gen_client_free(struct gen_client *g)
{
	if (g == NULL)
		return;
	g->destroying = true;
	if (g->conns != NULL)
		for (uint32_t i = 0; i < g->n_conns; i++) {
			struct gconn *k = &g->conns[i];

			if (k->c != NULL)
				og_tcp_abort(k->c); /* closed() frees what is pending */
			rte_pktmbuf_free(k->pending);
			k->pending = NULL;
		}
	if (g->bodies != NULL)
		for (unsigned int i = 0; i < g->n_bodies; i++)
			for (uint32_t r = 0; r < g->bodies[i].n_rep; r++)
				rte_pktmbuf_free(g->bodies[i].rep[r]);
	free(g->parser_mem);
	free(g->ready.v);
	free(g->down.v);
	free(g->conns);
	free(g->bodies);
	free(g);
}

void
gen_client_close_all(struct gen_client *g)
{
	g->stopping = true;
	for (uint32_t i = 0; i < g->n_conns; i++) {
		struct gconn *k = &g->conns[i];

		if (k->c != NULL && (k->st == CS_UP || k->st == CS_CONNECTING)) {
			if (k->st == CS_CONNECTING) {
				og_tcp_abort(k->c);
				continue;
			}
			k->st = CS_CLOSING;
			og_tcp_close(k->c);
		}
	}
}
