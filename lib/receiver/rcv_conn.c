/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The OTLP/HTTP front end: the receiver's side of lib/tcp, one context per
 * connection, fed the received segments one at a time through the HTTP/1.1
 * parser (lib/http). The head labels the request (signal from the path,
 * encoding, compression) and is checked; the body and the decoding are the
 * request's (rcv_req.c, rcv_decode.c), the answer's status, code and body
 * are rcv_answer.c's; here they are framed as HTTP/1.1 (status line,
 * headers, 100-continue, Connection: close) and sent. Requests are answered
 * strictly in order (RFC 9112 9.3.2).
 *
 * Answers decided from the head alone (404, 405, 415, 503) are sent when
 * the body has been read and dropped, keeping the connection, when the body
 * is small; otherwise at once, with Connection: close (RFC 9110 10.1.1 lets
 * a server answer an Expect: 100-continue request finally and close).
 *
 * A connection is closed in stages (RFC 9112 9.6): once its last answer is
 * sent, the write side is shut (FIN) and input is read and dropped until the
 * client's FIN or conf.linger_ms. Closing at once would answer the rest of a
 * refused body, already on its way, with resets, and a reset can erase the
 * 503 in the client's receive buffer before its HTTP parser read it.
 *
 * Deadlines (docs/receiver.md, "Hostile clients"): every connection that is
 * not closing is on one of four lists of og_rcv, by what it waits for: a
 * request head (HEAD), the rest of a body (BODY), the next request (IDLE)
 * or the client's FIN (LINGER). Each list's connections share one duration
 * and join at its tail, so each list is ordered by deadline and
 * og_rcv_tick() looks only at the heads: no timer per connection, no
 * syscall, no allocation, O(1) per event. HAProxy's "timeout http-request"
 * and "timeout http-keep-alive", nginx's client_header_timeout and
 * client_body_timeout are the models.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "rcv_private.h"

RTE_LOG_REGISTER(og_rcv_logtype, otlpgate.receiver, INFO);

/* A refused request's body up to this size is read and dropped (keep-alive). */
#define DISCARD_MAX 65536
/* Stop releasing the receive window while this many response bytes wait. */
#define OUT_HIGH 65536
/*
 * At most this many connections expire per list and tick: a loop iteration
 * stays short when thousands miss a deadline together (a slowloris crowd
 * opened in one burst); the rest go in the next iterations, microseconds
 * later.
 */
#define EXPIRE_BURST 256
/* After an eviction the shorter keep-alive timeout holds this long. */
#define PRESSURE_HOLD_US 10000000ull
/*
 * rcv_evict() skips at most this many connections of a list that still have
 * an answer queued (their client does not read): the search stays O(1).
 */
#define EVICT_SCAN 8

static const char *const sig_path[OG_OTLP_SIGNAL_MAX] = { "/v1/traces", "/v1/metrics", "/v1/logs" };

/* ---- deadline lists ---------------------------------------------------- */

/* Take @p k off its deadline list. */
static void
dl_off(struct rcv_conn *k)
{
	if (k->dl != RCV_DL_NONE) {
		TAILQ_REMOVE(&k->rcv->dl[k->dl], k, dl_link);
		k->dl = RCV_DL_NONE;
	}
}

/* Put @p k at the tail of list @p dl, its time starting now. */
static void
dl_set(struct rcv_conn *k, enum rcv_dl dl)
{
	struct og_rcv *r = k->rcv;

	dl_off(k);
	k->dl = (uint8_t)dl;
	k->dl_since_us = r->now_us;
	TAILQ_INSERT_TAIL(&r->dl[dl], k, dl_link);
}

/* Answered with Connection: close: off every deadline, input ignored. */
static void
set_closing(struct rcv_conn *k)
{
	dl_off(k);
	k->state = RCV_CLOSING;
	k->close_after = true;
}

/* ---- answers on the wire (HTTP/1.1) ---------------------------------- */

/* At most a few log lines per second per lcore: bad clients must not flood. */
static bool
log_ok(struct og_rcv *r)
{
	static __thread uint64_t sec, n;
	uint64_t s = r->now_us / 1000000;

	if (s != sec) {
		sec = s;
		n = 0;
	}
	return n++ < 5;
}

static void
log_answer(struct rcv_conn *k, const struct rcv_answer *ans)
{
	unsigned int sig = k->req.sig;
	struct og_tcp_tuple t;
	const uint8_t *a;

	if (ans->status < 400 || !log_ok(k->rcv))
		return;
	og_tcp_conn_tuple(k->c, &t);
	a = (const uint8_t *)&t.raddr_be;
	RCV_LOG(NOTICE, "%u.%u.%u.%u:%u: %d %s%s%s", a[0], a[1], a[2], a[3],
		rte_be_to_cpu_16(t.rport_be), ans->status,
		sig < OG_OTLP_SIGNAL_MAX ? sig_path[sig] : "", sig < OG_OTLP_SIGNAL_MAX ? ": " : "",
		ans->msg);
}

/* Send, or queue behind responses still waiting for send space. */
static void
out_push(struct rcv_conn *k, struct rte_mbuf *m)
{
	if (k->out_head == NULL) {
		int rc = og_tcp_send(k->c, m);

		if (rc == 0)
			return;
		if (rc != -EAGAIN) {
			rte_pktmbuf_free(m);
			return;
		}
		rcv_count(k->rcv, OG_RCV_CTR_RESP_DEFERRED, 1);
		k->out_head = k->out_tail = m;
	} else {
		k->out_tail->next = m; /* a queue of single-segment mbufs, not a chain */
		k->out_tail = m;
	}
	k->out_n += m->data_len;
}

/* Hand queued responses to TCP while they fit. */
static void
out_flush(struct rcv_conn *k)
{
	while (k->out_head != NULL) {
		struct rte_mbuf *m = k->out_head;
		int rc;

		if (m->data_len > og_tcp_send_space(k->c)) {
			/* ask for sendable(): lib/tcp calls it after a refused send */
			k->out_head = m->next;
			m->next = NULL;
			rc = og_tcp_send(k->c, m);
			if (rc == -EAGAIN) {
				m->next = k->out_head;
				k->out_head = m;
				return;
			}
		} else {
			k->out_head = m->next;
			m->next = NULL;
			rc = og_tcp_send(k->c, m);
		}
		k->out_n -= m->data_len;
		if (rc != 0)
			rte_pktmbuf_free(m);
	}
	k->out_tail = NULL;
}

/* Give received bytes back to the window unless responses pile up. */
static void
window_release(struct rcv_conn *k)
{
	if (k->unreleased != 0 && k->out_n <= OUT_HIGH) {
		og_tcp_recv_done(k->c, k->unreleased);
		k->unreleased = 0;
	}
}

/*
 * Write and send one answer: status line and headers (RFC 9112 4, RFC 9110
 * 10.2.3 Retry-After, 10.2.1 Allow) and the answer's body. On a missing
 * mbuf the connection cannot be answered in order any more: it is marked
 * for abort.
 */
static void
respond(struct rcv_conn *k, const struct rcv_answer *a, bool close)
{
	struct og_rcv *r = k->rcv;
	enum og_otlp_encoding enc = rcv_req_answer_enc(&k->req);
	uint8_t body[768];
	struct og_wbuf bw, hw;
	struct og_http_resp h = {
		.status = a->status,
		.content_type =
			enc == OG_OTLP_ENC_JSON ? "application/json" : "application/x-protobuf",
		.close = close,
		.date = r->date[0] != '\0' ? r->date : NULL,
	};
	struct rte_mbuf *m;

	og_wbuf_init_fixed(&bw, body, sizeof(body));
	if (rcv_answer_body(a, k->req.sig, enc, &bw) != OG_OK)
		bw.len = 0;
	h.content_length = bw.len;
	if (a->retry)
		h.retry_after_s = r->conf.retry_after_s;
	if (a->status == 405)
		h.allow = "POST";
	log_answer(k, a);

	m = rte_pktmbuf_alloc(r->conf.resp_pool);
	if (m == NULL) {
		rcv_count(r, OG_RCV_CTR_RESP_NO_MBUF, 1);
		set_closing(k);
		return;
	}
	og_wbuf_init_fixed(&hw, rte_pktmbuf_mtod(m, void *), rte_pktmbuf_tailroom(m));
	if (og_http_resp_head(&hw, &h) != 0 || hw.len + bw.len > hw.cap) {
		rte_pktmbuf_free(m);
		rcv_count(r, OG_RCV_CTR_RESP_NO_MBUF, 1);
		set_closing(k);
		return;
	}
	memcpy(hw.data + hw.len, body, bw.len);
	m->data_len = (uint16_t)(hw.len + bw.len);
	m->pkt_len = m->data_len;
	out_push(k, m);
	if (close)
		set_closing(k);
}

/* Count and send an answer. */
static void
answer(struct rcv_conn *k, const struct rcv_answer *a, bool close)
{
	rcv_req_count(k->rcv, &k->req, a->status);
	respond(k, a, close);
}

static void
send_continue(struct rcv_conn *k)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(k->rcv->conf.resp_pool);
	char *p;

	if (m == NULL)
		return; /* the client sends the body after its own timeout anyway */
	p = rte_pktmbuf_append(m, OG_HTTP_100_CONTINUE_LEN);
	memcpy(p, og_http_100_continue, OG_HTTP_100_CONTINUE_LEN);
	rcv_count(k->rcv, OG_RCV_CTR_CONTINUE_SENT, 1);
	out_push(k, m);
}

/* ---- request heads and events (HTTP/1.1) ----------------------------- */

/* The labels of a request from its head: path, Content-Type, Content-Encoding. */
static void
request_labels(struct rcv_conn *k, const struct og_http_msg *q)
{
	struct rcv_req *rq = &k->req;

	rq->sig = OG_RCV_SIG_NONE;
	for (unsigned int s = 0; s < OG_OTLP_SIGNAL_MAX; s++)
		if (q->path_len == strlen(sig_path[s]) &&
		    memcmp(q->path, sig_path[s], q->path_len) == 0)
			rq->sig = (uint8_t)s;
	rq->enc = q->ctype == OG_HTTP_CT_PROTOBUF ? OG_RCV_ENC_PROTOBUF
		  : q->ctype == OG_HTTP_CT_JSON	  ? OG_RCV_ENC_JSON
						  : OG_RCV_ENC_OTHER;
	rq->comp = q->cenc == OG_HTTP_CE_IDENTITY ? OG_RCV_COMP_IDENTITY
		   : q->cenc == OG_HTTP_CE_GZIP	  ? OG_RCV_COMP_GZIP
						  : OG_RCV_COMP_OTHER;
	k->keep_alive = q->keep_alive;
}

/*
 * A request refused from its head: answer now (and close) or after its
 * body. @p a's message is a literal: it may wait in k->pend.
 */
static void
refuse_head(struct rcv_conn *k, const struct og_http_msg *q, const struct rcv_answer *a)
{
	bool body = q->chunked || (q->has_length && q->content_length > 0);

	/* 413: the client must not send it again as it is, so no keep-alive either */
	if (k->rcv->draining || a->status == 413 ||
	    (body && (q->chunked || q->content_length > DISCARD_MAX || q->expect_continue))) {
		answer(k, a, true);
		return;
	}
	k->pend = *a;
	k->state = RCV_DISCARD;
}

static void
on_head(struct rcv_conn *k)
{
	struct og_rcv *r = k->rcv;
	const struct og_http_msg *q = og_http_req_get(&k->hp);
	struct rcv_answer a;

	request_labels(k, q);
	if (r->draining) {
		rcv_answer_set(&a, 503, "shutting down");
		refuse_head(k, q, &a);
		return;
	}
	if (k->req.sig == OG_RCV_SIG_NONE) {
		rcv_answer_set(
			&a, 404,
			"unknown path: OTLP/HTTP paths are /v1/traces, /v1/metrics and /v1/logs");
		refuse_head(k, q, &a);
		return;
	}
	if (q->method != OG_HTTP_M_POST) {
		rcv_answer_set(&a, 405, "method not allowed: OTLP/HTTP requests are POST");
		refuse_head(k, q, &a);
		return;
	}
	if (rcv_req_admit(r, &k->req, q->has_length, q->content_length, &a) != 0) {
		refuse_head(k, q, &a);
		return;
	}
	k->state = RCV_BODY;
	if (q->expect_continue)
		send_continue(k);
}

/* A body range [p, p+len) inside segment @p m joins the request's body. */
static void
on_body(struct rcv_conn *k, struct rte_mbuf *m, const uint8_t *p, uint32_t len, bool *kept)
{
	struct rcv_answer a;

	rcv_count(k->rcv, OG_RCV_CTR_BYTES_IN, len);
	k->body_in += len; /* the minimum rate counts refused bodies' bytes too */
	if (k->state != RCV_BODY || len == 0)
		return;
	if (rcv_req_add(k->rcv, &k->req, m, p, len, kept, &a) != 0)
		answer(k, &a, true);
}

static void
on_end(struct rcv_conn *k)
{
	struct og_rcv *r = k->rcv;
	struct rcv_answer a;

	switch (k->state) {
	case RCV_DISCARD:
		answer(k, &k->pend, !k->keep_alive || r->draining);
		break;
	case RCV_BODY:
		rcv_req_end(r, &k->req, &a);
		answer(k, &a, !k->keep_alive || r->draining);
		break;
	default:
		return;
	}
	if (k->state != RCV_CLOSING) {
		k->state = RCV_IDLE;
		dl_set(k, RCV_DL_IDLE); /* keep-alive: the next request may take its time */
	}
	k->started = false;
}

static void
on_parse_error(struct rcv_conn *k, enum og_http_err err)
{
	struct og_rcv *r = k->rcv;
	int status = og_http_err_status(err);
	struct rcv_answer a;

	r->stats.http_errors[err]++;
	if (err == OG_HTTP_ERR_BODY_TOO_LARGE)
		rcv_count(r,
			  k->state == RCV_IDLE ? OG_RCV_CTR_TOO_LARGE_LENGTH
					       : OG_RCV_CTR_TOO_LARGE_CHUNKED,
			  1);
	if (k->state == RCV_IDLE && err == OG_HTTP_ERR_BODY_TOO_LARGE)
		request_labels(k, og_http_req_get(&k->hp)); /* the head is complete */
	rcv_req_drop(r, &k->req);
	rcv_answer_set(&a, status != 0 ? status : 400, og_http_err_msg(err));
	answer(k, &a, true);
}

/* Parse one received segment; it is kept (as body) or freed. */
static void
feed(struct rcv_conn *k, struct rte_mbuf *m)
{
	const uint8_t *base = rte_pktmbuf_mtod(m, const uint8_t *);
	uint32_t len = m->data_len, off = 0;
	bool kept = false;

	while (k->state != RCV_CLOSING) {
		struct og_http_ev ev;
		uint32_t used = 0;
		int rc;

		if (!k->started && off < len) {
			k->started = true; /* a request's first byte */
			k->req.t_first_us = k->rcv->now_us;
			/* its head's deadline runs from now; a new connection's first
			 * head's from the accept (it is on HEAD already) */
			if (k->dl == RCV_DL_IDLE)
				dl_set(k, RCV_DL_HEAD);
		}
		rc = og_http_parse(&k->hp, base + off, len - off, &used, &ev);
		if (rc == OG_AGAIN)
			break;
		if (rc < 0) {
			on_parse_error(k, (enum og_http_err) - rc);
			break;
		}
		switch (ev.type) {
		case OG_HTTP_EV_HEAD:
			on_head(k);
			if (k->state == RCV_BODY || k->state == RCV_DISCARD) {
				/* the body's rate is checked from now, window by window */
				k->body_in = k->body_mark = 0;
				dl_set(k, RCV_DL_BODY);
			}
			break;
		case OG_HTTP_EV_BODY:
			on_body(k, m, base + off + ev.off, ev.len, &kept);
			break;
		case OG_HTTP_EV_END:
			on_end(k);
			break;
		}
		off += used;
	}
	if (!kept)
		rte_pktmbuf_free_seg(m);
}

/* ---- lib/tcp callbacks ------------------------------------------------- */

static void *
rcv_accepted(void *arg, struct og_tcp_conn *c)
{
	struct og_rcv *r = arg;
	struct rcv_conn *k;

	if (rte_mempool_get(r->conn_pool, (void **)&k) != 0) {
		rcv_count(r, OG_RCV_CTR_CONNS_REFUSED, 1);
		return NULL;
	}
	k->rcv = r;
	k->c = c;
	k->state = RCV_IDLE;
	k->peer_closed = k->close_after = false;
	k->keep_alive = true;
	k->started = false;
	k->req = (struct rcv_req){
		.sig = OG_RCV_SIG_NONE,
		.enc = OG_RCV_ENC_OTHER,
		.comp = OG_RCV_COMP_IDENTITY,
	};
	k->out_head = k->out_tail = NULL;
	k->out_n = k->unreleased = 0;
	k->body_in = k->body_mark = 0;
	og_http_parser_reset(&k->hp);
	/* a connection that never speaks is held to the header deadline too */
	k->dl = RCV_DL_NONE;
	dl_set(k, RCV_DL_HEAD);
	rcv_count(r, OG_RCV_CTR_CONNS_ACCEPTED, 1);
	rcv_count(r, OG_RCV_CTR_CONNS_OPEN, 1);
	return k;
}

/* Off its deadline list (the linger list included), input ignored from now. */
static void
linger_end(struct rcv_conn *k)
{
	dl_off(k);
	k->state = RCV_CLOSING;
}

/*
 * After a callback: when the last answer is out, shut the write side and
 * linger (RFC 9112 9.6), or close when the client has closed already.
 */
static void
maybe_close(struct rcv_conn *k)
{
	struct og_rcv *r = k->rcv;

	if (!k->close_after || k->out_head != NULL)
		return;
	k->close_after = false;
	if (k->peer_closed || k->state == RCV_LINGER) {
		linger_end(k);
		og_tcp_close(k->c);
		return;
	}
	if (og_tcp_shutdown(k->c) != 0) {
		k->state = RCV_CLOSING;
		og_tcp_close(k->c);
		return;
	}
	k->state = RCV_LINGER;
	dl_set(k, RCV_DL_LINGER);
	rcv_count(r, OG_RCV_CTR_LINGERS, 1);
}

static void
rcv_recv(void *ctx, struct og_tcp_conn *c, struct rte_mbuf *data)
{
	struct rcv_conn *k = ctx;
	struct og_rcv_stats *st = &k->rcv->stats;
	uint64_t t0 = rte_rdtsc(), dec0 = st->cyc_decode;
	uint32_t total = data->pkt_len;
	struct rte_mbuf *m = data, *next;

	(void)c;
	for (; m != NULL; m = next) {
		next = m->next;
		m->next = NULL;
		m->nb_segs = 1;
		m->pkt_len = m->data_len;
		if (k->state == RCV_CLOSING || k->state == RCV_LINGER)
			rte_pktmbuf_free_seg(m);
		else
			feed(k, m);
	}
	if (k->state == RCV_LINGER)
		rcv_count(k->rcv, OG_RCV_CTR_LINGER_BYTES, total);
	k->unreleased += total;
	window_release(k);
	maybe_close(k);
	/* what decoding took inside counts there, the rest here */
	st->cyc_http += rte_rdtsc() - t0 - (st->cyc_decode - dec0);
}

static void
rcv_sendable(void *ctx, struct og_tcp_conn *c)
{
	struct rcv_conn *k = ctx;

	(void)c;
	out_flush(k);
	window_release(k);
	maybe_close(k);
}

static void
rcv_peer_closed(void *ctx, struct og_tcp_conn *c)
{
	struct rcv_conn *k = ctx;

	(void)c;
	k->peer_closed = true;
	if (k->state == RCV_BODY || k->state == RCV_DISCARD) {
		/* the client half-closed inside a request: it can never complete */
		rcv_count(k->rcv, OG_RCV_CTR_ABORTED_REQUESTS, 1);
		rcv_req_drop(k->rcv, &k->req);
	}
	linger_end(k);
	k->close_after = true;
	maybe_close(k);
}

static void
rcv_closed(void *ctx, struct og_tcp_conn *c, int reason)
{
	struct rcv_conn *k = ctx;
	struct og_rcv *r = k->rcv;

	(void)c;
	if (reason != 0 && (k->state == RCV_BODY || k->state == RCV_DISCARD))
		rcv_count(r, OG_RCV_CTR_ABORTED_REQUESTS, 1);
	linger_end(k);
	rcv_req_drop(k->rcv, &k->req);
	while (k->out_head != NULL) {
		struct rte_mbuf *m = k->out_head;

		k->out_head = m->next;
		m->next = NULL;
		rte_pktmbuf_free(m);
	}
	r->stats.ctr[OG_RCV_CTR_CONNS_OPEN]--;
	rte_mempool_put(r->conn_pool, k);
}

/* ---- deadlines and eviction (docs/receiver.md, "Hostile clients") --------- */

/*
 * Under pressure idle keep-alive connections get the shorter timeout: when
 * more than 3/4 of the connection contexts are open, or lib/tcp had to evict
 * one in the last PRESSURE_HOLD_US (its table, which also holds handshakes
 * and TIME-WAIT, is nearly full).
 */
static bool
under_pressure(const struct og_rcv *r)
{
	return r->stats.ctr[OG_RCV_CTR_CONNS_OPEN] * 4 > (uint64_t)r->conf.max_conns * 3 ||
	       r->now_us < r->pressure_until_us;
}

/*
 * A deadline missed with a request to answer: 408 (RFC 9110 15.5.9, "the
 * server did not receive a complete request message within the time that
 * it was prepared to wait") with Connection: close, then the lingering
 * close. Its body, if any, is dropped.
 */
static void
timeout_answer(struct rcv_conn *k, enum og_rcv_timeout why, const char *msg)
{
	struct og_rcv *r = k->rcv;
	struct rcv_answer a;

	r->stats.timeouts[why]++;
	rcv_req_drop(r, &k->req);
	rcv_answer_set(&a, 408, msg);
	answer(k, &a, true);
	maybe_close(k);
}

/* A deadline missed with nothing to answer: close (RFC 9112 9.6). */
static void
timeout_close(struct rcv_conn *k, enum og_rcv_timeout why)
{
	k->rcv->stats.timeouts[why]++;
	linger_end(k);
	k->close_after = false;
	og_tcp_close(k->c);
}

/* Close the connections whose deadline passed, oldest first. */
static void
expire(struct og_rcv *r)
{
	const uint64_t now = r->now_us;
	const uint64_t linger = (uint64_t)r->conf.linger_ms * 1000;
	const uint64_t head = (uint64_t)r->conf.header_timeout_ms * 1000;
	const uint64_t win = (uint64_t)r->conf.body_rate_window_ms * 1000;
	const uint64_t ka =
		(uint64_t)(under_pressure(r) ? r->conf.keepalive_busy_ms : r->conf.keepalive_ms) *
		1000;
	struct rcv_conn *k;
	unsigned int n;

	/* lingering connections the client did not close: close them now */
	while ((k = TAILQ_FIRST(&r->dl[RCV_DL_LINGER])) != NULL && k->dl_since_us + linger <= now) {
		rcv_count(r, OG_RCV_CTR_LINGER_TIMEOUTS, 1);
		linger_end(k);
		og_tcp_close(k->c);
	}
	/* heads not complete in time: 408 once the request line is in, else close */
	for (n = 0; n < EXPIRE_BURST && (k = TAILQ_FIRST(&r->dl[RCV_DL_HEAD])) != NULL &&
		    k->dl_since_us + head <= now;
	     n++) {
		if (og_http_req_line_seen(&k->hp)) {
			request_labels(k, og_http_req_get(&k->hp)); /* the fields so far */
			timeout_answer(k, OG_RCV_TIMEOUT_HEADER_ANSWERED,
				       "request head not complete within the header timeout");
		} else {
			timeout_close(k, OG_RCV_TIMEOUT_HEADER_SILENT);
		}
	}
	/* bodies: each window must have brought body_min_rate bytes a second */
	for (n = 0; r->conf.body_min_rate != OG_RCV_NO_MIN_RATE && n < EXPIRE_BURST &&
		    (k = TAILQ_FIRST(&r->dl[RCV_DL_BODY])) != NULL && k->dl_since_us + win <= now;
	     n++) {
		uint64_t got = k->body_in - k->body_mark;

		if (got * 1000000 < (uint64_t)r->conf.body_min_rate * (now - k->dl_since_us)) {
			timeout_answer(k, OG_RCV_TIMEOUT_BODY_RATE,
				       "request body slower than the minimum rate");
			continue;
		}
		k->body_mark = k->body_in;
		dl_set(k, RCV_DL_BODY); /* the next window, at the tail: still in order */
	}
	/* idle keep-alive connections (RFC 9112 9.6: a server may close them) */
	for (n = 0; n < EXPIRE_BURST && (k = TAILQ_FIRST(&r->dl[RCV_DL_IDLE])) != NULL &&
		    k->dl_since_us + ka <= now;
	     n++)
		timeout_close(k, OG_RCV_TIMEOUT_KEEPALIVE);
}

/* The first connection of list @p dl without an answer queued, or NULL. */
static struct rcv_conn *
evict_pick(struct og_rcv *r, enum rcv_dl dl)
{
	struct rcv_conn *k;
	unsigned int n = 0;

	TAILQ_FOREACH (k, &r->dl[dl], dl_link) {
		if (k->out_head == NULL)
			return k;
		if (++n == EVICT_SCAN)
			break;
	}
	return NULL;
}

bool
rcv_evict(void *arg)
{
	struct og_rcv *r = arg;
	enum og_rcv_evict kind = OG_RCV_EVICT_IDLE;
	struct rcv_conn *k = evict_pick(r, RCV_DL_IDLE);

	/* idle keep-alives have sent all they had; then heads, which sent no
	 * request yet; never a body being read or an answer waiting */
	if (k == NULL) {
		k = evict_pick(r, RCV_DL_HEAD);
		kind = OG_RCV_EVICT_HEAD;
	}
	if (k == NULL)
		return false;
	r->stats.evictions[kind]++;
	r->pressure_until_us = r->now_us + PRESSURE_HOLD_US;
	linger_end(k);
	og_tcp_abort(k->c); /* closed() runs now: k is gone */
	return true;
}

static const struct og_tcp_app rcv_app = {
	.accepted = rcv_accepted,
	.recv = rcv_recv,
	.sendable = rcv_sendable,
	.peer_closed = rcv_peer_closed,
	.closed = rcv_closed,
	.evict = rcv_evict,
};

/* ---- life cycle ---------------------------------------------------------- */

static void
conn_init(struct rte_mempool *mp, void *arg, void *obj, unsigned int idx)
{
	struct og_rcv *r = arg;
	struct rcv_conn *k = obj;
	size_t mem = og_http_parser_mem_size(&r->conf.http);

	(void)mp;
	(void)idx;
	memset(k, 0, sizeof(*k));
	/* cannot fail: the element was sized with og_http_parser_mem_size() */
	og_http_parser_init(&k->hp, &r->conf.http, k + 1, mem);
}

struct og_rcv *
og_rcv_create(const struct og_rcv_conf *conf)
{
	struct og_rcv *r;
	char name[RTE_MEMPOOL_NAMESIZE];
	size_t elt;

	if (conf == NULL || conf->tcp == NULL || conf->batcher == NULL || conf->budget == NULL ||
	    conf->rec_pool == NULL || conf->resp_pool == NULL || conf->ref_pool == NULL ||
	    conf->name == NULL) {
		rte_errno = EINVAL;
		return NULL;
	}
	r = rte_zmalloc_socket("og_rcv", sizeof(*r), RTE_CACHE_LINE_SIZE, conf->socket);
	if (r == NULL) {
		rte_errno = ENOMEM;
		return NULL;
	}
	r->conf = *conf;
	if (r->conf.max_conns == 0)
		r->conf.max_conns = 4096;
	if (r->conf.max_body == 0)
		r->conf.max_body = 64ull << 20;
	if (r->conf.retry_after_s == 0)
		r->conf.retry_after_s = 1;
	if (r->conf.buf_size == 0)
		r->conf.buf_size = 1u << 20;
	if (r->conf.n_bufs == 0)
		r->conf.n_bufs = 16;
	if (r->conf.max_resources == 0)
		r->conf.max_resources = 16384;
	if (r->conf.max_rejected == 0)
		r->conf.max_rejected = 65536;
	if (r->conf.linger_ms == 0)
		r->conf.linger_ms = 2000;
	if (r->conf.header_timeout_ms == 0)
		r->conf.header_timeout_ms = 10000;
	if (r->conf.body_min_rate == 0)
		r->conf.body_min_rate = 1024;
	if (r->conf.body_rate_window_ms == 0)
		r->conf.body_rate_window_ms = 10000;
	if (r->conf.keepalive_ms == 0)
		r->conf.keepalive_ms = 60000;
	if (r->conf.keepalive_busy_ms == 0)
		r->conf.keepalive_busy_ms = 5000;
	r->conf.keepalive_busy_ms = RTE_MIN(r->conf.keepalive_busy_ms, r->conf.keepalive_ms);
	for (unsigned int i = 0; i < RCV_DL_MAX; i++)
		TAILQ_INIT(&r->dl[i]);
	{
		struct og_http_limits d;

		og_http_limits_default(&d);
		if (r->conf.http.max_header_bytes == 0)
			r->conf.http.max_header_bytes = d.max_header_bytes;
		if (r->conf.http.max_headers == 0)
			r->conf.http.max_headers = d.max_headers;
		/*
		 * The wire limit: the effective body limit (the budget may cap
		 * it), so a Content-Length or chunk size past it is 413 at once;
		 * a compressed body is limited again as it inflates.
		 */
		r->conf.http.max_body =
			og_rcv_body_limit(r->conf.max_body, og_budget_max_grant(conf->budget));
	}
	elt = sizeof(struct rcv_conn) + og_http_parser_mem_size(&r->conf.http);
	snprintf(name, sizeof(name), "%s_conn", conf->name);
	r->conn_pool = rte_mempool_create(name, r->conf.max_conns, (unsigned int)elt, 0, 0, NULL,
					  NULL, conn_init, r, conf->socket,
					  RTE_MEMPOOL_F_SP_PUT | RTE_MEMPOOL_F_SC_GET);
	if (r->conn_pool == NULL || rcv_buf_pool_create(r) != 0)
		goto fail;
	r->inflater = og_inflater_create();
	/* scratch: a max-size body in 512-byte segments, resources, pieces */
	r->segs_cap = (uint32_t)RTE_MIN(r->conf.max_body / 512 + 64, (uint64_t)UINT32_MAX / 32);
	r->segs = rte_malloc_socket("og_rcv_segs", sizeof(*r->segs) * r->segs_cap, 0, conf->socket);
	r->res = rte_malloc_socket("og_rcv_res", sizeof(*r->res) * r->conf.max_resources, 0,
				   conf->socket);
	r->rej = rte_malloc_socket("og_rcv_rej", sizeof(*r->rej) * r->conf.max_rejected, 0,
				   conf->socket);
	r->pieces_cap = r->conf.max_resources * 4;
	r->pieces = rte_malloc_socket("og_rcv_pieces", sizeof(*r->pieces) * r->pieces_cap, 0,
				      conf->socket);
	if (r->inflater == NULL || r->segs == NULL || r->res == NULL || r->rej == NULL ||
	    r->pieces == NULL)
		goto fail;
	return r;
fail:
	og_rcv_free(r);
	rte_errno = ENOMEM;
	return NULL;
}

void
og_rcv_free(struct og_rcv *r)
{
	if (r == NULL)
		return;
	if (r->conn_pool != NULL) {
		/* parsers given memory in their element own nothing; fini is a no-op */
		rte_mempool_free(r->conn_pool);
	}
	rcv_buf_pool_free(r);
	og_inflater_free(r->inflater);
	rte_free(r->segs);
	rte_free(r->res);
	rte_free(r->rej);
	rte_free(r->pieces);
	rte_free(r);
}

int
og_rcv_listen(struct og_rcv *r, uint32_t addr_be, uint16_t port_be)
{
	return og_tcp_listen(r->conf.tcp, addr_be, port_be, &rcv_app, r);
}

void
og_rcv_tick(struct og_rcv *r, uint64_t now_us, uint64_t unix_s)
{
	r->now_us = now_us;
	expire(r);
	if (unix_s != r->date_s) {
		r->date_s = unix_s;
		og_http_date_fmt(r->date, unix_s);
	}
}

void
og_rcv_set_draining(struct og_rcv *r, bool draining)
{
	r->draining = draining;
}

const struct og_rcv_stats *
og_rcv_stats(const struct og_rcv *r)
{
	return &r->stats;
}
