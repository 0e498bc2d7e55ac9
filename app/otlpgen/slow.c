/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Slow connections (--slow-conns): the slowloris attack beside the load.
 * Each connection sends its request head one byte every --slow-interval,
 * the first byte as soon as it is established, and never ends the head
 * (gen_slow_byte()). What it receives (a 408) is counted and dropped. When
 * the server ends it (FIN or RST) it is counted and opened again at once,
 * as an attacker keeping its connections up would; a failed open waits
 * REOPEN_FAIL_US.
 *
 * One byte is one mbuf of the head pool handed to og_tcp_send(): the stack
 * keeps it until it is acknowledged. Every connection has the same
 * interval, so the times the next bytes are due stay in the order they were
 * set: one FIFO holds them, and a run pops what is due from its front.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>

#include <rte_branch_prediction.h>
#include <rte_cycles.h>
#include <rte_mbuf.h>

#include "og_tcp.h"
#include "otlpgen.h"

/* Connections in SYN-SENT at once (after the first one succeeded). */
#define MAX_CONNECTING 256
/* Bytes sent per gen_slow_run(): keeps the loop responsive. */
#define SEND_BUDGET 1024
/* Delay before reopening after a failed open (a closure by the server: none). */
#define REOPEN_FAIL_US 100000
#define HEAD_MAX       256

enum sconn_state { SS_DOWN = 0, SS_CONNECTING, SS_UP, SS_CLOSING };

struct sconn {
	struct og_tcp_conn *c;
	struct gen_slow *s;
	uint64_t due_tsc; /**< next byte (up), or next open (down) */
	uint64_t off;	  /**< bytes of the head sent on this connection */
	uint8_t st;
	bool queued; /**< in the byte FIFO */
	bool ever_up;
	bool got_data;
};

/* A FIFO of (connection, time due); each connection at most once in it. */
struct due_ring {
	struct due {
		uint32_t idx;
		uint64_t tsc;
	} * v;
	uint32_t mask;
	uint32_t head, tail;
};

struct gen_slow {
	const struct gen_opts *o;
	struct gen_env env;
	struct sconn *conns;
	uint32_t n_conns;
	struct due_ring bytes; /**< established: when the next byte is due */
	struct due_ring down;  /**< to (re)open, in retry order */
	uint32_t n_connecting;
	bool any_up;
	bool stopping;
	uint64_t interval_tsc;
	uint16_t dport_be;
	uint32_t head_len;
	char head[HEAD_MAX];
	struct gen_slow_stats st;
};

static int
ring_init(struct due_ring *r, uint32_t n)
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
ring_push(struct due_ring *r, uint32_t idx, uint64_t tsc)
{
	struct due *d = &r->v[r->tail++ & r->mask];

	d->idx = idx;
	d->tsc = tsc;
}

static inline bool
ring_empty(const struct due_ring *r)
{
	return r->head == r->tail;
}

static inline const struct due *
ring_front(const struct due_ring *r)
{
	return &r->v[r->head & r->mask];
}

static inline uint32_t
idx_of(const struct gen_slow *s, const struct sconn *k)
{
	return (uint32_t)(k - s->conns);
}

/* Queue @p k's next byte at @p tsc unless it is queued already. */
static void
schedule(struct gen_slow *s, struct sconn *k, uint64_t tsc)
{
	k->due_tsc = tsc;
	if (!k->queued) {
		k->queued = true;
		ring_push(&s->bytes, idx_of(s, k), tsc);
	}
}

static void
make_down(struct gen_slow *s, struct sconn *k, uint64_t delay_us)
{
	k->st = SS_DOWN;
	k->due_tsc = rte_rdtsc() + delay_us * (s->env.tsc_hz / 1000000);
	ring_push(&s->down, idx_of(s, k), k->due_tsc);
}

/* One more byte of the never-ending head. */
static void
send_byte(struct gen_slow *s, struct sconn *k)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(s->env.hdr_pool);

	if (unlikely(m == NULL)) {
		s->st.no_mbuf++;
		return;
	}
	*rte_pktmbuf_mtod(m, uint8_t *) = gen_slow_byte(s->head, s->head_len, k->off);
	m->data_len = 1;
	m->pkt_len = 1;
	/* -EAGAIN (no send space: the server does not read) or a closing connection */
	if (og_tcp_send(k->c, m) != 0) {
		rte_pktmbuf_free(m);
		return;
	}
	k->off++;
	s->st.bytes++;
}

/* ---- TCP callbacks ------------------------------------------------------- */

static void
on_connected(void *ctx, struct og_tcp_conn *c, int err)
{
	struct sconn *k = ctx;
	struct gen_slow *s = k->s;

	if (err != 0)
		return; /* closed() follows */
	s->n_connecting--;
	s->st.up++;
	s->any_up = true;
	if (k->ever_up)
		s->st.reopened++;
	k->ever_up = true;
	k->st = SS_UP;
	k->off = 0;
	k->got_data = false;
	if (s->stopping) {
		k->st = SS_CLOSING;
		og_tcp_close(c);
		return;
	}
	/* the head starts at once: a header deadline runs from its first byte */
	send_byte(s, k);
	schedule(s, k, rte_rdtsc() + s->interval_tsc);
}

static void
on_recv(void *ctx, struct og_tcp_conn *c, struct rte_mbuf *data)
{
	struct sconn *k = ctx;

	k->got_data = true;
	if (k->c == c)
		og_tcp_recv_done(c, data->pkt_len);
	rte_pktmbuf_free(data);
}

static void
on_sendable(void *ctx, struct og_tcp_conn *c)
{
	(void)ctx;
	(void)c;
}

static void
on_peer_closed(void *ctx, struct og_tcp_conn *c)
{
	struct sconn *k = ctx;

	if (k->st != SS_CLOSING) {
		k->st = SS_CLOSING;
		og_tcp_close(c);
	}
}

static void
on_closed(void *ctx, struct og_tcp_conn *c, int reason)
{
	struct sconn *k = ctx;
	struct gen_slow *s = k->s;
	bool was_connecting = k->st == SS_CONNECTING;

	(void)c;
	if (k->c == NULL)
		return;
	k->c = NULL;
	if (was_connecting) {
		s->n_connecting--;
		s->st.open_fail++;
	} else {
		s->st.up--;
		/* our own closes are close_all()'s, when stopping */
		if (!s->stopping) {
			s->st.closed++;
			s->st.answered += k->got_data;
		}
	}
	if (s->stopping) {
		k->st = SS_DOWN;
		return;
	}
	(void)reason;
	make_down(s, k, was_connecting ? REOPEN_FAIL_US : 0);
}

static const struct og_tcp_app slow_app = {
	.connected = on_connected,
	.recv = on_recv,
	.sendable = on_sendable,
	.peer_closed = on_peer_closed,
	.closed = on_closed,
};

/* ---- running ------------------------------------------------------------- */

static void
conn_open(struct gen_slow *s, struct sconn *k)
{
	k->c = og_tcp_connect(s->env.tcp, s->env.src_be, s->o->target_be, s->dport_be, &slow_app,
			      k);
	if (k->c == NULL) {
		s->st.open_fail++;
		make_down(s, k, REOPEN_FAIL_US);
		return;
	}
	k->st = SS_CONNECTING;
	s->n_connecting++;
}

void
gen_slow_run(struct gen_slow *s, uint64_t now)
{
	uint32_t budget = SEND_BUDGET;

	if (s->stopping)
		return;
	/* open: one connection until one succeeded (ARP), then many at once */
	while (!ring_empty(&s->down) && s->n_connecting < (s->any_up ? MAX_CONNECTING : 1)) {
		const struct due *d = ring_front(&s->down);

		if (d->tsc > now)
			break;
		s->down.head++;
		conn_open(s, &s->conns[d->idx]);
	}
	while (!ring_empty(&s->bytes) && budget > 0) {
		const struct due *d = ring_front(&s->bytes);
		struct sconn *k;

		if (d->tsc > now)
			break;
		k = &s->conns[d->idx];
		s->bytes.head++;
		k->queued = false;
		if (k->st != SS_UP)
			continue; /* closed since: on_connected() queues it again */
		if (k->due_tsc > now) {
			/* reopened after this entry was queued: wait for its own time */
			schedule(s, k, k->due_tsc);
			continue;
		}
		send_byte(s, k);
		schedule(s, k, now + s->interval_tsc);
		budget--;
	}
}

const struct gen_slow_stats *
gen_slow_stats(const struct gen_slow *s)
{
	return &s->st;
}

void
gen_slow_close_all(struct gen_slow *s)
{
	s->stopping = true;
	for (uint32_t i = 0; i < s->n_conns; i++) {
		struct sconn *k = &s->conns[i];

		if (k->c == NULL)
			continue;
		if (k->st == SS_CONNECTING) {
			og_tcp_abort(k->c);
		} else if (k->st == SS_UP) {
			k->st = SS_CLOSING;
			og_tcp_close(k->c);
		}
	}
}

/* ---- set-up ---------------------------------------------------------------- */

struct gen_slow *
gen_slow_create(const struct gen_opts *o, const struct gen_env *env)
{
	struct gen_slow *s = calloc(1, sizeof(*s));
	const uint8_t *a = (const uint8_t *)&o->target_be;
	int n;

	if (s == NULL)
		return NULL;
	s->o = o;
	s->env = *env;
	s->n_conns = o->slow_conns;
	s->dport_be = htons(o->target_port);
	s->interval_tsc = (uint64_t)o->slow_interval_ms * (env->tsc_hz / 1000);
	/* a well-formed start, so only the missing end of the head is wrong */
	n = snprintf(s->head, sizeof(s->head),
		     "POST %s HTTP/1.1\r\nHost: %u.%u.%u.%u:%u\r\n"
		     "Content-Type: application/x-protobuf\r\n",
		     o->path, a[0], a[1], a[2], a[3], o->target_port);
	if (n < 0 || (size_t)n >= sizeof(s->head))
		goto fail;
	s->head_len = (uint32_t)n;
	s->conns = calloc(o->slow_conns, sizeof(*s->conns));
	if (s->conns == NULL || ring_init(&s->bytes, o->slow_conns) != 0 ||
	    ring_init(&s->down, o->slow_conns) != 0)
		goto fail;
	for (uint32_t i = 0; i < o->slow_conns; i++) {
		s->conns[i].s = s;
		s->conns[i].st = SS_DOWN;
		ring_push(&s->down, i, 0);
	}
	return s;
fail:
	gen_slow_free(s);
	return NULL;
}

void
gen_slow_free(struct gen_slow *s)
{
	if (s == NULL)
		return;
	s->stopping = true;
	if (s->conns != NULL)
		for (uint32_t i = 0; i < s->n_conns; i++)
			if (s->conns[i].c != NULL)
				og_tcp_abort(s->conns[i].c);
	free(s->bytes.v);
	free(s->down.v);
	free(s->conns);
	free(s);
}
