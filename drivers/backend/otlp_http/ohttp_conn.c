/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * otlp-http: the connections. Dispatching batches onto idle connections,
 * pushing requests into TCP, reading answers (partial_success and refusals
 * decoded by lib/otlp), retries with backoff and Retry-After, the circuit
 * breaker, timeouts and reconnects, and lib/tcp's callbacks.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <rte_mbuf.h>
#include <rte_random.h>

#include "ohttp_private.h"

static bool dispatch_conn(struct ohttp *o, struct oh_conn *k);

/* ---- time, backoff, logging -------------------------------------------- */

/* Full jitter (uniform in [0, min(cap, base * 2^tries)]): clients that
 * failed together do not come back together. */
static uint64_t
backoff_us(uint32_t tries)
{
	uint64_t cap = OH_BACKOFF_BASE_US << OG_MIN(tries, 20u);

	cap = OG_MIN(cap, OH_BACKOFF_CAP_US);
	return rte_rand() % (cap + 1);
}

static uint64_t
unix_now_s(struct ohttp *o)
{
	return o->unix0_s + (o->now_us - o->mono0_us) / 1000000;
}

static bool
log_ok(struct ohttp *o)
{
	uint64_t s = o->now_us / 1000000;

	if (s != o->log_sec) {
		o->log_sec = s;
		o->log_n = 0;
	}
	return o->log_n++ < 5;
}

/* ---- circuit breaker ------------------------------------------------------ */

static void
breaker_open(struct ohttp *o)
{
	uint64_t period = OH_BREAKER_BASE_US << OG_MIN(o->opens_in_row, 10u);

	o->opens_in_row++;
	o->breaker = OG_OHTTP_BREAKER_OPEN;
	o->breaker_until_us = o->now_us + OG_MIN(period, OH_BACKOFF_CAP_US);
	o->probe_out = false;
	o->stats.ctr[OG_OHTTP_BREAKER_OPENS]++;
	if (log_ok(o))
		OH_LOG(WARNING, "%s: %u consecutive failures, pausing for %" PRIu64 " ms",
		       o->be->name, o->consec_fails, (o->breaker_until_us - o->now_us) / 1000);
}

/* A connect failure, timeout, lost request or retryable status. */
static void
breaker_fail(struct ohttp *o)
{
	o->consec_fails++;
	if (o->breaker == OG_OHTTP_BREAKER_HALF_OPEN ||
	    (o->breaker == OG_OHTTP_BREAKER_CLOSED && o->consec_fails >= OH_BREAKER_FAILS))
		breaker_open(o);
}

/* The backend answered (any status but a retryable one): it is alive. */
static void
breaker_ok(struct ohttp *o)
{
	o->consec_fails = 0;
	o->opens_in_row = 0;
	o->probe_out = false;
	o->breaker = OG_OHTTP_BREAKER_CLOSED;
}

void
oh_breaker_tick(struct ohttp *o)
{
	if (o->breaker == OG_OHTTP_BREAKER_OPEN && o->now_us >= o->breaker_until_us) {
		o->breaker = OG_OHTTP_BREAKER_HALF_OPEN;
		o->probe_out = false;
	}
}

/* ---- batches -------------------------------------------------------------- */

void
oh_slot_complete(struct ohttp *o, struct oh_slot *s, enum og_batch_outcome out, uint64_t rejected,
		 const char *msg)
{
	struct og_batch *b = s->b;

	s->used = false;
	s->b = NULL;
	s->conn = -1;
	o->n_taken--;
	o->stats.inflight = o->n_taken;
	og_batch_complete(b, out, rejected, msg);
}

static void
slot_retry(struct ohttp *o, struct oh_slot *s, uint64_t delay_us, bool retry_after)
{
	s->conn = -1;
	s->tries++;
	s->not_before_us = o->now_us + delay_us;
	o->stats.ctr[OG_OHTTP_RETRIES]++;
	if (retry_after)
		o->stats.ctr[OG_OHTTP_RETRY_AFTER]++;
}

/* ---- responses ------------------------------------------------------------ */

/* Printable copy of at most OH_MSG_MAX bytes of [p, p+n) into msg. */
static void
msg_copy(char *msg, size_t cap, const uint8_t *p, size_t n)
{
	size_t i;

	n = OG_MIN(n, OG_MIN((size_t)OH_MSG_MAX, cap - 1));
	for (i = 0; i < n; i++)
		msg[i] = p[i] >= 0x20 && p[i] < 0x7f ? (char)p[i] : '.';
	msg[i] = '\0';
}

/* The partial_success of k's 2xx answer (a body we kept only in part: none). */
static uint64_t
partial_success(const struct oh_conn *k, char *msg, size_t cap)
{
	struct og_otlp_partial_success ps;

	msg[0] = '\0';
	if (k->body_trunc || og_otlp_response_decode(k->body, k->body_len, &ps) != OG_OK)
		return 0;
	if (ps.msg != NULL)
		msg_copy(msg, cap, ps.msg, ps.msg_len);
	return ps.rejected;
}

/* The words of a refusal: google.rpc.Status.message, or the raw body. */
static void
refusal_msg(const struct oh_conn *k, char *msg, size_t cap)
{
	const uint8_t *m;
	size_t m_len;
	const struct og_http_msg *r = og_http_resp_msg(&k->rp);
	int n;

	n = snprintf(msg, cap, "HTTP %u: ", k->rp.status);
	if (r->ctype == OG_HTTP_CT_PROTOBUF &&
	    og_otlp_status_decode(k->body, k->body_len, NULL, &m, &m_len) == OG_OK && m != NULL)
		msg_copy(msg + n, cap - (size_t)n, m, m_len);
	else
		msg_copy(msg + n, cap - (size_t)n, k->body, k->body_len);
}

static bool
status_retryable(unsigned int s)
{
	/* OTLP 1.11 "Retryable Response Codes" */
	return s == 429 || s == 502 || s == 503 || s == 504;
}

static void
count_latency(struct ohttp *o, uint64_t us)
{
	unsigned int i = 0;

	while (i < OG_OHTTP_LAT_N - 1 && us > og_ohttp_lat_bound(i))
		i++;
	o->stats.lat_bucket[i]++;
	o->stats.lat_sum_us += us;
	o->stats.lat_count++;
}

/* The connection is done with its request (completed or to be retried). */
void
oh_conn_release(struct oh_conn *k)
{
	rte_pktmbuf_free(k->pending);
	k->pending = k->pending_tail = NULL;
	k->build_next = 0;
	k->built = 0;
	rte_pktmbuf_free(k->gz.head);
	k->gz.head = k->gz.tail = NULL;
	k->gz_done = false;
	k->req = NULL;
	k->probe = false;
	k->head_seen = false;
	k->body_len = 0;
	k->body_trunc = false;
}

/* A complete response to k's request. */
static void
resp_done(struct oh_conn *k)
{
	struct ohttp *o = k->o;
	struct oh_slot *s = k->req;
	unsigned int st = k->rp.status;
	bool keep = og_http_resp_msg(&k->rp)->keep_alive;
	bool unsent = k->pending != NULL || oh_building(k);
	char msg[OH_MSG_MAX + 32];

	count_latency(o, o->now_us - k->started_us);
	o->stats.ctr[st >= 200 && st < 300   ? OG_OHTTP_RESP_2XX
		     : st >= 400 && st < 500 ? OG_OHTTP_RESP_4XX
		     : st >= 500 && st < 600 ? OG_OHTTP_RESP_5XX
					     : OG_OHTTP_RESP_OTHER]++;
	if (st >= 200 && st < 300) {
		uint64_t rej = partial_success(k, msg, sizeof(msg));

		o->stats.ctr[OG_OHTTP_PARTIAL_ITEMS] += rej;
		breaker_ok(o);
		oh_conn_release(k);
		oh_slot_complete(o, s, OG_BATCH_OK, rej, msg[0] ? msg : NULL);
	} else if (status_retryable(st)) {
		uint64_t delay = k->rp.has_retry_after ? (uint64_t)k->rp.retry_after_s * 1000000
						       : backoff_us(s->tries);

		breaker_fail(o);
		oh_conn_release(k);
		slot_retry(o, s, delay, k->rp.has_retry_after);
	} else {
		refusal_msg(k, msg, sizeof(msg));
		o->stats.ctr[OG_OHTTP_PERMANENT]++;
		if (log_ok(o))
			OH_LOG(WARNING, "%s: %s refused (%" PRIu64 " items dropped): %s",
			       o->be->name, o->path[s->b->sig], s->b->items, msg);
		breaker_ok(o);
		oh_conn_release(k);
		oh_slot_complete(o, s, OG_BATCH_REJECTED, 0, msg);
	}
	og_http_resp_expect(&k->rp, false, unix_now_s(o));
	/* a body not fully sent leaves the stream mid-request: start afresh */
	if (unsent) {
		k->deliberate = true;
		og_tcp_abort(k->c);
	} else if (!keep && k->st == OH_READY) {
		k->st = OH_CLOSING;
		og_tcp_close(k->c);
	}
}

/* A response we cannot use: drop the connection, retry the request. */
static void
proto_error(struct oh_conn *k)
{
	k->o->stats.ctr[OG_OHTTP_PROTO_ERRORS]++;
	if (log_ok(k->o))
		OH_LOG(WARNING, "%s: malformed or unexpected response (%s)", k->o->be->name,
		       og_http_err_name(og_http_parser_error(&k->rp.p)));
	og_tcp_abort(k->c);
}

/* Feed one contiguous run of response bytes; false once k lost its connection. */
static bool
resp_feed(struct oh_conn *k, const uint8_t *buf, uint32_t len)
{
	uint32_t off = 0;

	while (off < len || k->head_seen) {
		struct og_http_ev ev;
		uint32_t used = 0;
		int rc = og_http_parse_resp(&k->rp, buf + off, len - off, &used, &ev);

		off += used;
		if (rc == OG_AGAIN)
			return true;
		if (rc < 0 || k->req == NULL) {
			proto_error(k);
			return false;
		}
		switch (ev.type) {
		case OG_HTTP_EV_HEAD:
			k->head_seen = true;
			break;
		case OG_HTTP_EV_BODY: {
			uint32_t n = OG_MIN(ev.len, OH_RESP_KEEP - k->body_len);

			/* response bytes, not span bytes: a bounded copy; ev.off is
			 * relative to what this call was given */
			memcpy(k->body + k->body_len, buf + (off - used) + ev.off, n);
			k->body_len += n;
			k->body_trunc |= n < ev.len;
			break;
		}
		case OG_HTTP_EV_END:
			resp_done(k);
			if (k->c == NULL || k->st != OH_READY)
				return k->c != NULL;
			break;
		}
	}
	return true;
}

/* ---- TCP callbacks ---------------------------------------------------------- */

static void
on_connected(void *ctx, struct og_tcp_conn *c, int err)
{
	struct oh_conn *k = ctx;
	struct ohttp *o = k->o;

	(void)c;
	if (err != 0)
		return; /* closed() follows */
	k->st = OH_READY;
	k->up = true;
	k->fails = 0;
	o->stats.conns_up++;
	o->stats.ctr[OG_OHTTP_CONN_OPENS]++;
	og_http_resp_parser_reset(&k->rp);
	og_http_resp_expect(&k->rp, false, unix_now_s(o));
	/* this connection only: callbacks act on their own connection */
	if (!o->destroying)
		dispatch_conn(o, k);
}

static void
on_recv(void *ctx, struct og_tcp_conn *c, struct rte_mbuf *data)
{
	struct oh_conn *k = ctx;
	uint32_t total = data->pkt_len;

	for (struct rte_mbuf *m = data; m != NULL; m = m->next)
		if (!resp_feed(k, rte_pktmbuf_mtod(m, const uint8_t *), m->data_len))
			break;
	if (k->c == c)
		og_tcp_recv_done(c, total);
	rte_pktmbuf_free(data);
}

static void
on_sendable(void *ctx, struct og_tcp_conn *c)
{
	struct oh_conn *k = ctx;

	(void)c;
	oh_conn_push(k);
}

static void
on_peer_closed(void *ctx, struct og_tcp_conn *c)
{
	struct oh_conn *k = ctx;
	struct og_http_ev ev;

	/* a body delimited by the end of the connection ends here (RFC 9112 6.3) */
	if (k->req != NULL && k->head_seen && og_http_resp_eof(&k->rp, &ev) == OG_OK &&
	    ev.type == OG_HTTP_EV_END)
		resp_done(k);
	if (k->c == c && k->st != OH_CLOSING) {
		k->st = OH_CLOSING;
		og_tcp_close(c);
	}
}

static void
on_closed(void *ctx, struct og_tcp_conn *c, int reason)
{
	struct oh_conn *k = ctx;
	struct ohttp *o = k->o;
	enum oh_cstate was = k->st;
	bool failed;

	(void)c;
	k->c = NULL;
	k->st = OH_DOWN;
	if (k->up) {
		k->up = false;
		o->stats.conns_up--;
	}
	if (o->destroying) {
		oh_conn_release(k);
		return;
	}
	if (was == OH_CONNECTING) {
		o->stats.ctr[OG_OHTTP_CONN_FAILURES]++;
		failed = true;
	} else if (k->deliberate) {
		failed = false; /* our abort after an early answer */
	} else {
		if (reason != 0 && !k->timed_out)
			o->stats.ctr[OG_OHTTP_CONN_RESETS]++;
		failed = reason != 0 || k->req != NULL;
	}
	if (k->req != NULL) {
		struct oh_slot *s = k->req;

		oh_conn_release(k);
		slot_retry(o, s, backoff_us(s->tries), false);
	}
	if (failed) {
		if (k->probe)
			o->probe_out = false;
		breaker_fail(o);
		k->retry_at_us = o->now_us + backoff_us(k->fails++);
	} else {
		k->retry_at_us = o->now_us; /* an orderly close: reconnect now */
	}
	k->probe = false;
	k->timed_out = false;
	k->deliberate = false;
}

static const struct og_tcp_app oh_app = {
	.connected = on_connected,
	.recv = on_recv,
	.sendable = on_sendable,
	.peer_closed = on_peer_closed,
	.closed = on_closed,
};

/* ---- connections and dispatch ------------------------------------------------ */

/* Hand TCP as much of the pending request as its send space takes. */
void
oh_conn_push(struct oh_conn *k)
{
	uint32_t n = 0;

	if (k->pending == NULL || k->c == NULL)
		return;
	/* -EAGAIN: sendable() resumes; another error: closed() follows */
	(void)og_tcp_send_list(k->c, &k->pending, &n);
	k->o->stats.ctr[OG_OHTTP_BYTES_SENT] += n;
}

static void
conn_open(struct ohttp *o, struct oh_conn *k)
{
	k->c = og_tcp_connect(o->env.tcp, o->env.src_addr_be, o->daddr_be, o->dport_be, &oh_app, k);
	k->started_us = o->now_us;
	if (k->c == NULL) {
		o->stats.ctr[OG_OHTTP_CONN_FAILURES]++;
		k->retry_at_us = o->now_us + backoff_us(k->fails++);
		return;
	}
	(void)og_tcp_set_snd_buf(k->c, o->snd_buf);
	k->st = OH_CONNECTING;
}

/* The oldest waiting batch whose retry time has come, or NULL. */
static struct oh_slot *
next_waiting(struct ohttp *o)
{
	struct oh_slot *best = NULL;

	for (uint32_t i = 0; i < OH_MAX_INFLIGHT; i++) {
		struct oh_slot *s = &o->slots[i];

		if (s->used && s->conn < 0 && s->not_before_us <= o->now_us &&
		    (best == NULL || s->seq < best->seq))
			best = s;
	}
	return best;
}

/*
 * Start the oldest due batch on idle connection @p k.
 * @return false when nothing more can start now (no batch, no mbuf, probe out).
 */
static bool
dispatch_conn(struct ohttp *o, struct oh_conn *k)
{
	struct oh_slot *s;
	struct rte_mbuf *req = NULL, *req_tail = NULL;

	if (o->breaker == OG_OHTTP_BREAKER_OPEN ||
	    (o->breaker == OG_OHTTP_BREAKER_HALF_OPEN && o->probe_out))
		return false;
	if (k->st != OH_READY || k->req != NULL)
		return true;
	s = next_waiting(o);
	if (s == NULL)
		return false;
	if (!o->gzip) {
		/* the head now, with b->bytes as Content-Length; the body by steps */
		struct oh_build bd = { .o = o, .len = s->b->bytes };
		int rc = oh_request_head(o, s->b, &bd, &req, &req_tail);

		if (rc == -ENOBUFS) {
			o->stats.ctr[OG_OHTTP_NO_MBUF]++;
			return false; /* next poll */
		}
		if (rc != 0) {
			o->stats.ctr[OG_OHTTP_PERMANENT]++;
			oh_slot_complete(o, s, OG_BATCH_REJECTED, 0,
					 "otlp-http: the request head could not be written");
			return true;
		}
	} else {
		oh_gz_begin(k); /* the body first: the head carries its length */
	}
	s->conn = (int16_t)k->idx;
	k->req = s;
	k->pending = req;
	k->pending_tail = req_tail;
	k->build_next = 0;
	k->built = 0;
	k->started_us = o->now_us;
	k->head_seen = false;
	k->body_len = 0;
	k->body_trunc = false;
	if (o->breaker == OG_OHTTP_BREAKER_HALF_OPEN) {
		o->probe_out = true;
		k->probe = true;
	}
	o->stats.ctr[OG_OHTTP_REQUESTS]++;
	oh_build_step(k);
	oh_conn_push(k);
	return true;
}

void
oh_dispatch(struct ohttp *o)
{
	for (uint32_t i = 0; i < o->n_conns; i++)
		if (!dispatch_conn(o, &o->conns[i]))
			return;
}

void
oh_check_timeouts(struct ohttp *o)
{
	for (uint32_t i = 0; i < o->n_conns; i++) {
		struct oh_conn *k = &o->conns[i];
		bool late = o->now_us - k->started_us >= o->timeout_us;

		if (k->c == NULL || !late || (k->st != OH_CONNECTING && k->req == NULL))
			continue;
		o->stats.ctr[OG_OHTTP_TIMEOUTS]++;
		k->timed_out = true;
		og_tcp_abort(k->c); /* closed() retries the request */
	}
}

void
oh_reconnect(struct ohttp *o)
{
	bool any = false;

	if (o->breaker == OG_OHTTP_BREAKER_OPEN)
		return;
	for (uint32_t i = 0; i < o->n_conns; i++)
		any |= o->conns[i].st == OH_READY || o->conns[i].st == OH_CONNECTING;
	for (uint32_t i = 0; i < o->n_conns; i++) {
		struct oh_conn *k = &o->conns[i];

		if (k->st != OH_DOWN || o->now_us < k->retry_at_us)
			continue;
		/* half-open: one connection is enough for the probe */
		if (o->breaker == OG_OHTTP_BREAKER_HALF_OPEN && any)
			return;
		conn_open(o, k);
		any = true;
	}
}
