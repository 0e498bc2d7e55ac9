/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The otlp-http backend: batches POSTed over lib/tcp client connections of
 * the lcore that polls the backend.
 *
 * Each connection carries one request at a time (no pipelining, RFC 9112
 * 9.3.2 allows it but a retry would then have to replay every request behind
 * a failed one). A request is a head mbuf (the HTTP request head) followed
 * by the body: framing we write into direct mbufs and indirect mbufs
 * attached to the records' received segments, so span bytes are referenced,
 * never copied (DESIGN.md §2). The chain goes to og_tcp_send() in parts that
 * fit the send space; TCP keeps its own references until acknowledged, so a
 * batch completed early (an answer before the whole body went out) frees
 * nothing TCP still needs.
 *
 * Outcomes (OTLP spec 1.11, "OTLP/HTTP Response" and "Failures"): 2xx is
 * delivered, with partial_success counted; 429, 502, 503 and 504 are
 * retryable, honouring Retry-After (RFC 9110 10.2.3); other statuses are
 * permanent: the batch is dropped, counted and logged. Timeouts and lost
 * connections are retried too. Accepted data is retried forever: only a
 * permanent status loses it (DESIGN.md §3).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <isa-l/igzip_lib.h>
#include <rte_cycles.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_random.h>

#include "og_otlp.h"
#include "ohttp_private.h"

RTE_LOG_REGISTER(og_ohttp_logtype, otlpgate.egress, INFO);

static void conn_push(struct oh_conn *k);
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

static void
breaker_tick(struct ohttp *o)
{
	if (o->breaker == OG_OHTTP_BREAKER_OPEN && o->now_us >= o->breaker_until_us) {
		o->breaker = OG_OHTTP_BREAKER_HALF_OPEN;
		o->probe_out = false;
	}
}

/* ---- batches -------------------------------------------------------------- */

static void
slot_complete(struct ohttp *o, struct oh_slot *s, enum og_batch_outcome out, uint64_t rejected,
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

/* ---- request building ----------------------------------------------------- */

static void
chain_add(struct oh_build *bd, struct rte_mbuf *m)
{
	if (bd->head == NULL)
		bd->head = m;
	else
		bd->tail->next = m;
	bd->tail = m;
	bd->segs++;
}

/* A direct mbuf with room at the chain's end (for our own bytes). */
static struct rte_mbuf *
tail_room(struct oh_build *bd)
{
	struct rte_mbuf *m = bd->tail;

	if (m != NULL && RTE_MBUF_DIRECT(m) && rte_pktmbuf_tailroom(m) > 0)
		return m;
	m = rte_pktmbuf_alloc(bd->o->env.hdr_pool);
	if (m == NULL)
		return NULL;
	chain_add(bd, m);
	return m;
}

/* Framing bytes of the pieces: ours, written into direct mbufs. */
static int
put_lit(struct oh_build *bd, const uint8_t *p, uint32_t len)
{
	while (len) {
		struct rte_mbuf *m = tail_room(bd);
		uint32_t n;

		if (m == NULL)
			return -ENOBUFS;
		n = OG_MIN(len, (uint32_t)rte_pktmbuf_tailroom(m));
		memcpy(rte_pktmbuf_mtod_offset(m, uint8_t *, m->data_len), p, n);
		m->data_len = (uint16_t)(m->data_len + n);
		m->pkt_len = m->data_len;
		bd->framing += n;
		bd->len += n;
		p += n;
		len -= n;
	}
	return 0;
}

/* A run of received bytes: referenced by an indirect mbuf, not copied. */
static int
visit_ref(void *ctx, const struct rte_mbuf *m, const uint8_t *p, uint32_t len)
{
	struct oh_build *bd = ctx;
	struct rte_mbuf *t = bd->tail, *mi;

	if (m == NULL)
		return put_lit(bd, p, len);
	/* the next run of the same buffer extends the previous reference */
	if (t != NULL && !RTE_MBUF_DIRECT(t) && t->buf_addr == m->buf_addr &&
	    rte_pktmbuf_mtod_offset(t, const uint8_t *, t->data_len) == p &&
	    (uint32_t)t->data_len + len <= UINT16_MAX) {
		t->data_len = (uint16_t)(t->data_len + len);
		t->pkt_len = t->data_len;
	} else {
		mi = rte_pktmbuf_alloc(bd->o->env.ref_pool);
		if (mi == NULL)
			return -ENOBUFS;
		/* takes a reference on the segment (or its external buffer) */
		rte_pktmbuf_attach(mi, (struct rte_mbuf *)(uintptr_t)m);
		mi->data_off = (uint16_t)(p - (const uint8_t *)mi->buf_addr);
		mi->data_len = (uint16_t)len;
		mi->pkt_len = len;
		chain_add(bd, mi);
	}
	bd->ref += len;
	bd->len += len;
	return 0;
}

/* Run the deflater on what it holds; output goes to direct mbufs. */
static int
gz_run(struct oh_build *bd, bool end)
{
	struct isal_zstream *zs = bd->zs;

	zs->end_of_stream = end;
	for (;;) {
		struct rte_mbuf *m;
		uint8_t *out;
		uint32_t n;

		if (!end && zs->avail_in == 0)
			return 0;
		if (end && zs->internal_state.state == ZSTATE_END)
			return 0;
		m = tail_room(bd);
		if (m == NULL)
			return -ENOBUFS;
		out = rte_pktmbuf_mtod_offset(m, uint8_t *, m->data_len);
		zs->next_out = out;
		zs->avail_out = rte_pktmbuf_tailroom(m);
		if (isal_deflate(zs) != COMP_OK)
			return -EIO;
		n = (uint32_t)(zs->next_out - out);
		m->data_len = (uint16_t)(m->data_len + n);
		m->pkt_len = m->data_len;
		bd->copied += n;
		bd->len += n;
	}
}

static int
visit_gz(void *ctx, const struct rte_mbuf *m, const uint8_t *p, uint32_t len)
{
	struct oh_build *bd = ctx;

	(void)m;
	bd->zs->next_in = (uint8_t *)(uintptr_t)p;
	bd->zs->avail_in = len;
	return gz_run(bd, false);
}

/*
 * The head of batch @p b's request, chained in front of @p bd's body (the
 * whole gzip member, or nothing yet with compression=none: its references
 * follow by steps), with @p bd->len as Content-Length; pkt_len set on the
 * head, *tail the chain's last mbuf. 0, -ENOBUFS (try again later) or -EIO.
 */
static int
request_head(struct ohttp *o, struct og_batch *b, const struct oh_build *bd, struct rte_mbuf **out,
	     struct rte_mbuf **tail)
{
	struct rte_mbuf *h = rte_pktmbuf_alloc(o->env.hdr_pool);
	struct og_wbuf w;

	if (h == NULL)
		return -ENOBUFS;
	og_wbuf_init_fixed(&w, rte_pktmbuf_mtod(h, uint8_t *), rte_pktmbuf_tailroom(h));
	if (og_http_req_head(&w, "POST", o->path[b->sig], o->host, "application/x-protobuf",
			     o->gzip ? "gzip" : NULL, bd->len,
			     o->extra[0] ? o->extra : NULL) != 0) {
		rte_pktmbuf_free(h);
		return -EIO;
	}
	h->data_len = (uint16_t)w.len;
	h->next = bd->head;
	h->pkt_len = (uint32_t)(w.len + bd->len);
	h->nb_segs = (uint16_t)OG_MIN(bd->segs + 1, (uint32_t)UINT16_MAX);
	*tail = bd->tail != NULL ? bd->tail : h;
	o->stats.ctr[OG_OHTTP_BODY_REF] += bd->ref;
	o->stats.ctr[OG_OHTTP_BODY_FRAMING] += bd->framing;
	o->stats.ctr[OG_OHTTP_COPIED] += bd->copied;
	/* and into otlpgate_copied_bytes_total, lib/pipeline's figure */
	if (bd->copied)
		og_pipe_count_copied(bd->copied);
	*out = h;
	return 0;
}

/* A fresh deflater and an empty output for k's request (compression=gzip). */
static void
gz_begin(struct oh_conn *k)
{
	struct isal_zstream *zs = k->zs;

	isal_deflate_init(zs);
	zs->gzip_flag = IGZIP_GZIP;
	zs->level = 1;
	zs->level_buf = k->level_buf;
	zs->level_buf_size = ISAL_DEF_LVL1_DEFAULT;
	zs->flush = NO_FLUSH;
	zs->avail_in = 0;
	rte_pktmbuf_free(k->gz.head);
	memset(&k->gz, 0, sizeof(k->gz));
	k->gz.o = k->o;
	k->gz.zs = zs;
	k->gz_done = false;
	k->build_next = 0;
}

/* ---- responses ------------------------------------------------------------ */

static int
pb_varint(const uint8_t **p, const uint8_t *end, uint64_t *v)
{
	uint64_t x = 0;

	for (unsigned int shift = 0; shift < 64 && *p < end; shift += 7) {
		uint8_t c = *(*p)++;

		x |= (uint64_t)(c & 0x7f) << shift;
		if ((c & 0x80) == 0) {
			*v = x;
			return 0;
		}
	}
	return -1;
}

/*
 * Field @p want (wire type 2) of the protobuf message [p, end): 0 with
 * *f, *flen set; 1 when absent; -1 when malformed.
 */
static int
pb_field_len(const uint8_t *p, const uint8_t *end, uint64_t want, const uint8_t **f, uint64_t *flen,
	     uint64_t *varint_out, uint64_t want_varint)
{
	int found = 1;

	while (p < end) {
		uint64_t key, v;

		if (pb_varint(&p, end, &key) != 0)
			return -1;
		switch (key & 7) {
		case 0:
			if (pb_varint(&p, end, &v) != 0)
				return -1;
			if ((key >> 3) == want_varint && varint_out != NULL)
				*varint_out = v;
			break;
		case 1:
			if (end - p < 8)
				return -1;
			p += 8;
			break;
		case 2:
			if (pb_varint(&p, end, &v) != 0 || v > (uint64_t)(end - p))
				return -1;
			if ((key >> 3) == want) {
				*f = p;
				*flen = v;
				found = 0;
			}
			p += v;
			break;
		case 5:
			if (end - p < 4)
				return -1;
			p += 4;
			break;
		default:
			return -1;
		}
	}
	return found;
}

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

/*
 * ExportXServiceResponse.partial_success (field 1): rejected_spans /
 * rejected_data_points / rejected_log_records (field 1, int64) and
 * error_message (field 2) — the same numbers for the three signals
 * (opentelemetry-proto, the collector v1 *_service.proto files).
 */
static uint64_t
partial_success(const struct oh_conn *k, char *msg, size_t cap)
{
	const uint8_t *ps, *m;
	uint64_t ps_len, m_len, rejected = 0;

	msg[0] = '\0';
	if (k->body_trunc ||
	    pb_field_len(k->body, k->body + k->body_len, 1, &ps, &ps_len, NULL, 0) != 0)
		return 0;
	switch (pb_field_len(ps, ps + ps_len, 2, &m, &m_len, &rejected, 1)) {
	case 0:
		msg_copy(msg, cap, m, m_len);
		break;
	case 1:
		break;
	default:
		return 0;
	}
	return (int64_t)rejected < 0 ? 0 : rejected;
}

/* The words of a refusal: google.rpc.Status.message (field 2), or the raw body. */
static void
refusal_msg(const struct oh_conn *k, char *msg, size_t cap)
{
	const uint8_t *m;
	uint64_t m_len;
	const struct og_http_req *r = og_http_resp_msg(&k->rp);
	int n;

	n = snprintf(msg, cap, "HTTP %u: ", k->rp.status);
	if (r->ctype == OG_HTTP_CT_PROTOBUF &&
	    pb_field_len(k->body, k->body + k->body_len, 2, &m, &m_len, NULL, 0) == 0)
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

/* Records of the request's batch not yet referenced (none) or compressed (gzip). */
static bool
building(const struct oh_conn *k)
{
	if (k->req == NULL)
		return false;
	return k->o->gzip ? !k->gz_done : k->build_next < k->req->b->n_recs;
}

/* The connection is done with its request (completed or to be retried). */
static void
conn_release(struct oh_conn *k)
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
	bool unsent = k->pending != NULL || building(k);
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
		conn_release(k);
		slot_complete(o, s, OG_BATCH_OK, rej, msg[0] ? msg : NULL);
	} else if (status_retryable(st)) {
		uint64_t delay = k->rp.has_retry_after ? (uint64_t)k->rp.retry_after_s * 1000000
						       : backoff_us(s->tries);

		breaker_fail(o);
		conn_release(k);
		slot_retry(o, s, delay, k->rp.has_retry_after);
	} else {
		refusal_msg(k, msg, sizeof(msg));
		o->stats.ctr[OG_OHTTP_PERMANENT]++;
		if (log_ok(o))
			OH_LOG(WARNING, "%s: %s refused (%" PRIu64 " items dropped): %s",
			       o->be->name, o->path[s->b->sig], s->b->items, msg);
		breaker_ok(o);
		conn_release(k);
		slot_complete(o, s, OG_BATCH_REJECTED, 0, msg);
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
	conn_push(k);
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
		conn_release(k);
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

		conn_release(k);
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

/* A batch that cannot be built (a piece outside its record's body): refused. */
static void
build_fail(struct oh_conn *k)
{
	struct ohttp *o = k->o;
	struct oh_slot *s = k->req;

	o->stats.ctr[OG_OHTTP_PERMANENT]++;
	k->deliberate = true;
	conn_release(k);
	slot_complete(o, s, OG_BATCH_REJECTED, 0, "otlp-http: the batch's body could not be built");
	og_tcp_abort(k->c);
}

/*
 * compression=gzip: deflate the next records, about OH_GZ_STEP_BYTES of
 * input; after the last one, end the member and put the head in front. The
 * request is pending only when whole. On -ENOBUFS the member is started
 * again at the next poll (the deflater cannot step back).
 */
static void
gz_step(struct oh_conn *k)
{
	struct ohttp *o = k->o;
	struct og_batch *b = k->req->b;
	uint64_t in = 0;
	int rc = 0;

	while (k->build_next < b->n_recs && in < OH_GZ_STEP_BYTES && rc == 0) {
		rc = og_batch_foreach_rec(b, k->build_next, visit_gz, &k->gz);
		in += b->recs[k->build_next++]->bytes;
	}
	if (rc == 0 && k->build_next < b->n_recs)
		return; /* more at the next poll */
	if (rc == 0)
		rc = gz_run(&k->gz, true);
	if (rc == 0)
		rc = request_head(o, b, &k->gz, &k->pending, &k->pending_tail);
	if (rc == 0) {
		/* the chain is the pending request's now */
		k->gz.head = k->gz.tail = NULL;
		k->gz_done = true;
		return;
	}
	if (rc == -ENOBUFS) {
		o->stats.ctr[OG_OHTTP_NO_MBUF]++;
		gz_begin(k);
		return;
	}
	build_fail(k);
}

/*
 * Build the next part of k's request. compression=none: reference the next
 * records of the batch, about OH_BUILD_SEGS mbufs, behind what is pending
 * (the head went first); on -ENOBUFS the next poll tries again. A record
 * whose pieces lie outside its body (never seen: the receiver built them)
 * cannot be sent, and the request, whose head promised b->bytes, is
 * abandoned: the connection is reset and the batch refused.
 */
static void
build_step(struct oh_conn *k)
{
	struct ohttp *o = k->o;
	uint32_t segs = 0;

	if (o->gzip) {
		if (building(k))
			gz_step(k);
		return;
	}

	while (building(k) && segs < OH_BUILD_SEGS) {
		struct oh_build bd = { .o = o };
		int rc = og_batch_foreach_rec(k->req->b, k->build_next, visit_ref, &bd);

		if (rc == 0 && k->build_next + 1 == k->req->b->n_recs &&
		    k->built + bd.len != k->req->b->bytes)
			rc = -EIO; /* the head's Content-Length would be wrong */
		if (rc != 0) {
			rte_pktmbuf_free(bd.head);
			if (rc == -ENOBUFS) {
				/* this record again at the next poll */
				o->stats.ctr[OG_OHTTP_NO_MBUF]++;
				return;
			}
			build_fail(k);
			return;
		}
		k->build_next++;
		k->built += bd.len;
		segs += bd.segs;
		o->stats.ctr[OG_OHTTP_BODY_REF] += bd.ref;
		o->stats.ctr[OG_OHTTP_BODY_FRAMING] += bd.framing;
		if (bd.head == NULL)
			continue;
		if (k->pending == NULL)
			k->pending = bd.head;
		else
			k->pending_tail->next = bd.head;
		k->pending_tail = bd.tail;
	}
}

/* Hand TCP as much of the pending request as its send space takes. */
static void
conn_push(struct oh_conn *k)
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
		int rc = request_head(o, s->b, &bd, &req, &req_tail);

		if (rc == -ENOBUFS) {
			o->stats.ctr[OG_OHTTP_NO_MBUF]++;
			return false; /* next poll */
		}
		if (rc != 0) {
			o->stats.ctr[OG_OHTTP_PERMANENT]++;
			slot_complete(o, s, OG_BATCH_REJECTED, 0,
				      "otlp-http: the request head could not be written");
			return true;
		}
	} else {
		gz_begin(k); /* the body first: the head carries its length */
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
	build_step(k);
	conn_push(k);
	return true;
}

static void
dispatch(struct ohttp *o)
{
	for (uint32_t i = 0; i < o->n_conns; i++)
		if (!dispatch_conn(o, &o->conns[i]))
			return;
}

static void
check_timeouts(struct ohttp *o)
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

static void
reconnect(struct ohttp *o)
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

/* ---- backend operations ------------------------------------------------------- */

static int
oh_create(struct og_backend *be, const char *rest)
{
	struct ohttp *o = rte_zmalloc("og_ohttp", sizeof(*o), RTE_CACHE_LINE_SIZE);
	struct og_http_limits lim;
	struct timespec ts;
	int rc;

	if (o == NULL)
		return -ENOMEM;
	o->be = be;
	rc = oh_uri_parse(o, rest);
	if (rc != 0) {
		rte_free(o);
		return rc;
	}
	og_http_limits_default(&lim);
	lim.max_header_bytes = 8192;
	lim.max_body = 1u << 20;
	for (uint32_t i = 0; i < OH_MAX_CONNS; i++) {
		struct oh_conn *k = &o->conns[i];

		k->o = o;
		k->idx = (uint16_t)i;
		if (i < o->n_conns && og_http_resp_parser_init(&k->rp, &lim, NULL, 0) != 0)
			goto nomem;
	}
	for (uint32_t i = 0; i < OH_MAX_INFLIGHT; i++)
		o->slots[i].conn = -1;
	for (uint32_t i = 0; o->gzip && i < o->n_conns; i++) {
		struct oh_conn *k = &o->conns[i];

		k->zs = rte_zmalloc("og_ohttp_zs", sizeof(struct isal_zstream), 0);
		k->level_buf = rte_malloc("og_ohttp_lvl", ISAL_DEF_LVL1_DEFAULT, 0);
		if (k->zs == NULL || k->level_buf == NULL)
			goto nomem;
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	o->unix0_s = (uint64_t)ts.tv_sec;
	be->priv = o;
	oh_registry_add(o);
	return 0;
nomem:
	for (uint32_t i = 0; i < o->n_conns; i++) {
		og_http_resp_parser_fini(&o->conns[i].rp);
		rte_free(o->conns[i].zs);
		rte_free(o->conns[i].level_buf);
	}
	rte_free(o);
	return -ENOMEM;
}

static int
oh_attach(struct og_backend *be, const struct og_backend_env *env)
{
	struct ohttp *o = be->priv;

	if (env->tcp == NULL || env->hdr_pool == NULL || env->ref_pool == NULL)
		return -EINVAL;
	if (o->attached)
		return -EBUSY;
	o->env = *env;
	o->attached = true;
	return 0;
}

static int
oh_submit(struct og_backend *be, struct og_batch *b)
{
	struct ohttp *o = be->priv;

	breaker_tick(o);
	/* busy answers keep the batch in the batcher: accepted data waits */
	if (!o->attached || o->breaker == OG_OHTTP_BREAKER_OPEN ||
	    (o->breaker == OG_OHTTP_BREAKER_HALF_OPEN && o->probe_out) ||
	    o->n_taken >= o->max_inflight)
		return -EAGAIN;
	for (uint32_t i = 0; i < OH_MAX_INFLIGHT; i++) {
		struct oh_slot *s = &o->slots[i];

		if (s->used)
			continue;
		s->used = true;
		s->b = b;
		s->seq = o->seq++;
		s->not_before_us = 0;
		s->tries = 0;
		s->conn = -1;
		o->n_taken++;
		o->stats.inflight = o->n_taken;
		dispatch(o);
		return 0;
	}
	return -EAGAIN;
}

static void
oh_poll(struct og_backend *be, uint64_t now_us)
{
	struct ohttp *o = be->priv;

	if (!o->attached)
		return;
	if (o->mono0_us == 0)
		o->mono0_us = now_us;
	o->now_us = now_us;
	breaker_tick(o);
	check_timeouts(o);
	reconnect(o);
	/* requests being built go on once TCP has taken what was built */
	for (uint32_t i = 0; i < o->n_conns; i++) {
		struct oh_conn *k = &o->conns[i];

		if (k->pending == NULL && building(k)) {
			build_step(k);
			conn_push(k);
		}
	}
	dispatch(o);
	o->stats.breaker = o->breaker;
	o->stats.inflight = o->n_taken;
}

static void
oh_destroy(struct og_backend *be)
{
	struct ohttp *o = be->priv;

	if (o == NULL)
		return;
	oh_registry_del(o);
	o->destroying = true;
	for (uint32_t i = 0; i < o->n_conns; i++) {
		struct oh_conn *k = &o->conns[i];

		if (k->c != NULL)
			og_tcp_abort(k->c);
		conn_release(k);
		og_http_resp_parser_fini(&k->rp);
		rte_free(k->zs);
		rte_free(k->level_buf);
	}
	/* only after a drain that timed out: these items are lost, and counted so */
	for (uint32_t i = 0; i < OH_MAX_INFLIGHT; i++)
		if (o->slots[i].used)
			slot_complete(o, &o->slots[i], OG_BATCH_REJECTED, 0,
				      "otlpgate stopped before the backend took it");
	rte_free(o);
	be->priv = NULL;
}

const struct og_backend_ops og_backend_otlp_http_ops = {
	.scheme = "otlp-http",
	.create = oh_create,
	.submit = oh_submit,
	.poll = oh_poll,
	.destroy = oh_destroy,
	.attach = oh_attach,
};

int
og_backend_otlp_http_stats(const struct og_backend *be, struct og_ohttp_stats *out)
{
	const struct ohttp *o;

	if (be == NULL || be->ops != &og_backend_otlp_http_ops || be->priv == NULL)
		return -EINVAL;
	o = be->priv;
	memcpy(out, &o->stats, sizeof(*out));
	out->breaker = o->breaker;
	return 0;
}

uint32_t
og_backend_otlp_http_daddr(const struct og_backend *be)
{
	if (be == NULL || be->ops != &og_backend_otlp_http_ops || be->priv == NULL)
		return 0;
	return ((const struct ohttp *)be->priv)->daddr_be;
}
