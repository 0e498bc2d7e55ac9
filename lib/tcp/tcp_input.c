/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Segment arrival: RFC 9293 section 3.10.7 ("SEGMENT ARRIVES") step by step,
 * with the RFC 5961 defences, RFC 7323 PAWS, RFC 2018 receive-side SACK, the
 * RFC 5681 / RFC 6582 sender reaction to ACKs, and SYN cookies (RFC 4987),
 * behind og_tcp_input_burst()'s software pipeline.
 */
#include <errno.h>
#include <string.h>

#include <rte_ip.h>
#include <rte_prefetch.h>
#include <rte_tcp.h>

#include "tcp_cc.h"
#include "tcp_private.h"

struct seg {
	uint32_t seq, ack, wnd, len; /* len: payload bytes */
	uint8_t flags;
	struct og_tcp_opts o;
	struct rte_mbuf *m; /* payload (headers stripped), NULL once consumed */
	bool ack_now;	    /* process_conn(): the segment calls for an ACK at once */
};

static void process_conn(struct og_tcp_conn *c, struct seg *s);

/* --- mbuf chain trimming --- */

/* Remove @p n bytes from the front of a chain; returns the new head. */
static struct rte_mbuf *
chain_adj(struct rte_mbuf *m, uint32_t n)
{
	uint32_t pkt_len = m->pkt_len - n;
	uint16_t nb = m->nb_segs;

	while (n > 0 && n >= m->data_len && m->next != NULL) {
		struct rte_mbuf *next = m->next;

		n -= m->data_len;
		m->next = NULL;
		rte_pktmbuf_free_seg(m);
		m = next;
		nb--;
	}
	m->data_off = (uint16_t)(m->data_off + n);
	m->data_len = (uint16_t)(m->data_len - n);
	m->pkt_len = pkt_len;
	m->nb_segs = nb;
	return m;
}

/* Keep the first @p len bytes of a chain. */
static void
chain_trim(struct rte_mbuf *m, uint32_t len)
{
	struct rte_mbuf *s = m;
	uint32_t left = len;
	uint16_t nb = 1;

	while (left > s->data_len && s->next != NULL) {
		left -= s->data_len;
		s = s->next;
		nb++;
	}
	s->data_len = (uint16_t)left;
	tcp_free_chain_list(s->next);
	s->next = NULL;
	m->pkt_len = len;
	m->nb_segs = nb;
}

/* --- small helpers --- */

static bool
challenge_ack(struct og_tcp_conn *c)
{
	struct og_tcp_stack *st = c->st;

	/* RFC 5961 7: at most 10 challenge ACKs per connection per second */
	if (st->now_us - c->chal_start_us >= 1000000) {
		c->chal_start_us = st->now_us;
		c->chal_count = 0;
	}
	if (c->chal_count >= 10) {
		tcp_drop(st, OG_TCP_DROP_CHALLENGE_RATE);
		return false;
	}
	c->chal_count++;
	tcp_count(st, OG_TCP_CNT_CHALLENGE_ACKS);
	tcp_send_ack(c);
	return true;
}

static void
apply_syn_opts(struct og_tcp_conn *c, const struct og_tcp_opts *o)
{
	const struct og_tcp_conf *cf = &c->st->conf;
	/* RFC 9293 3.7.1: 536 when the peer sends no MSS option */
	uint32_t peer_mss = o->has_mss ? o->mss : 536;

	c->ws_ok = o->has_ws;
	c->snd_wscale = o->has_ws ? o->wscale : 0;
	c->rcv_wscale = o->has_ws ? cf->wscale : 0;
	c->sack_ok = o->sack_ok;
	c->ts_ok = o->has_ts;
	if (o->has_ts) {
		c->ts_recent = o->tsval;
		c->ts_recent_us = c->st->now_us;
	}
	/* RFC 6691 / RFC 9293 3.7.1: options in every segment come out of the MSS */
	c->mss = (uint16_t)(OG_MIN(peer_mss, cf->mss) - (c->ts_ok ? 12 : 0));
	if (c->mss < 64)
		c->mss = 64;
	tcp_cc_init(c);
}

static bool
deliver(struct og_tcp_conn *c, struct rte_mbuf *m, uint32_t len)
{
	struct og_tcp_stack *st = c->st;

	if (st->conf.rcv_mem_limit != 0 && st->stats.rcv_mem + len > st->conf.rcv_mem_limit) {
		tcp_drop(st, OG_TCP_DROP_MEM_LIMIT);
		rte_pktmbuf_free(m);
		return false;
	}
	c->rcv_nxt += len;
	st->stats.cnt[OG_TCP_CNT_BYTES_IN] += len;
	if (c->accepted && c->app->recv != NULL && !c->app_closed) {
		c->rcv_held += len;
		st->stats.rcv_mem += len;
		c->app->recv(c->ctx, c, m);
	} else {
		rte_pktmbuf_free(m);
	}
	return true;
}

/* --- out-of-order queue (RFC 9293 3.10.7.4 seventh step; RFC 2018) --- */

void
tcp_ooo_purge(struct og_tcp_conn *c)
{
	struct og_tcp_stack *st = c->st;

	while (c->ooo_head != NULL) {
		struct rte_mbuf *m = c->ooo_head;

		c->ooo_head = tcp_ooo(st, m)->next;
		rte_pktmbuf_free(m);
	}
	st->stats.rcv_mem -= c->ooo_bytes;
	c->ooo_bytes = 0;
	c->ooo_n = 0;
}

static void
ooo_insert(struct og_tcp_conn *c, struct rte_mbuf *m, uint32_t seq, uint32_t len)
{
	struct og_tcp_stack *st = c->st;
	struct rte_mbuf **pp = &c->ooo_head, *nx;
	struct tcp_ooo_meta *q;

	/* skip entries that start before us; trim against the last of them */
	while (*pp != NULL && tcp_seq_leq(tcp_ooo(st, *pp)->seq, seq)) {
		struct tcp_ooo_meta *p = tcp_ooo(st, *pp);
		uint32_t end = p->seq + p->len;

		if (tcp_seq_gt(end, seq)) {
			uint32_t d = end - seq;

			if (d >= len) {
				tcp_count(st, OG_TCP_CNT_DUP_SEGS);
				c->last_sack_seq = p->seq;
				rte_pktmbuf_free(m);
				return;
			}
			m = chain_adj(m, d);
			seq += d;
			len -= d;
		}
		pp = &p->next;
	}
	/* entries we cover entirely go; one we overlap trims our tail */
	while ((nx = *pp) != NULL && tcp_seq_gt(seq + len, tcp_ooo(st, nx)->seq)) {
		struct tcp_ooo_meta *n = tcp_ooo(st, nx);

		if (tcp_seq_geq(seq + len, n->seq + n->len)) {
			*pp = n->next;
			c->ooo_n--;
			c->ooo_bytes -= n->len;
			st->stats.rcv_mem -= n->len;
			rte_pktmbuf_free(nx);
			continue;
		}
		len = n->seq - seq;
		chain_trim(m, len);
		break;
	}
	if (c->ooo_n >= st->conf.ooo_max) {
		tcp_drop(st, OG_TCP_DROP_OOO_FULL);
		rte_pktmbuf_free(m);
		return;
	}
	if (st->conf.rcv_mem_limit != 0 && st->stats.rcv_mem + len > st->conf.rcv_mem_limit) {
		tcp_drop(st, OG_TCP_DROP_MEM_LIMIT);
		rte_pktmbuf_free(m);
		return;
	}
	q = tcp_ooo(st, m);
	q->seq = seq;
	q->len = len;
	q->next = *pp;
	*pp = m;
	c->ooo_n++;
	c->ooo_bytes += len;
	st->stats.rcv_mem += len;
	c->last_sack_seq = seq;
	tcp_count(st, OG_TCP_CNT_OOO_QUEUED);
}

static void fin_received(struct og_tcp_conn *c);

/* Deliver what the queue holds from RCV.NXT on; true when a gap was filled. */
static bool
ooo_pull(struct og_tcp_conn *c)
{
	struct og_tcp_stack *st = c->st;
	bool pulled = false;

	while (c->ooo_head != NULL && !c->dead) {
		struct rte_mbuf *m = c->ooo_head;
		struct tcp_ooo_meta *q = tcp_ooo(st, m);
		uint32_t seq = q->seq, len = q->len;

		if (tcp_seq_gt(seq, c->rcv_nxt))
			break;
		c->ooo_head = q->next;
		c->ooo_n--;
		c->ooo_bytes -= len;
		st->stats.rcv_mem -= len;
		pulled = true;
		if (tcp_seq_leq(seq + len, c->rcv_nxt)) {
			rte_pktmbuf_free(m);
			continue;
		}
		if (seq != c->rcv_nxt) {
			uint32_t d = c->rcv_nxt - seq;

			m = chain_adj(m, d);
			len -= d;
		}
		if (!deliver(c, m, len))
			break;
	}
	if (!c->dead && c->ooo_fin && c->ooo_fin_seq == c->rcv_nxt) {
		c->ooo_fin = 0;
		fin_received(c);
	}
	return pulled;
}

/* --- state changes --- */

static void
fin_received(struct og_tcp_conn *c)
{
	bool tw = false;

	/* RFC 9293 3.10.7.4 eighth step */
	c->rcv_nxt++;
	c->fin_rcvd = 1;
	c->unacked_segs++;
	tcp_send_ack(c);
	switch (c->state) {
	case OG_TCP_SYN_RECEIVED:
	case OG_TCP_ESTABLISHED:
		tcp_set_state(c, OG_TCP_CLOSE_WAIT);
		break;
	case OG_TCP_FIN_WAIT_1:
		if (c->fin_acked)
			tw = true;
		else
			tcp_set_state(c, OG_TCP_CLOSING);
		break;
	case OG_TCP_FIN_WAIT_2:
		tw = true;
		break;
	default:
		break;
	}
	/* the application hears of the half-close before TIME-WAIT ends its part */
	if (c->accepted && !c->app_closed && c->app->peer_closed != NULL)
		c->app->peer_closed(c->ctx, c);
	if (tw && !c->dead)
		tcp_enter_time_wait(c);
}

/* The remote address already holds its max_conns_per_source connections. */
static bool
source_full(const struct og_tcp_stack *st, const struct og_tcp_tuple *t)
{
	return st->src.e != NULL &&
	       tcp_src_count(&st->src, t->raddr_be) >= st->conf.max_conns_per_source;
}

/* A passive connection from @p c's address completed its handshake: count it. */
static void
source_count(struct og_tcp_conn *c)
{
	struct og_tcp_stack *st = c->st;

	if (st->src.e != NULL && tcp_src_inc(&st->src, c->t.raddr_be))
		c->src_counted = 1;
}

/* SYN-RECEIVED -> ESTABLISHED: tell the application. */
static void
establish(struct og_tcp_conn *c)
{
	struct og_tcp_stack *st = c->st;
	struct tcp_listener *l = c->listen_arg;

	/*
	 * The per-source cap counts connections from here on (docs/tcp.md
	 * "Connection pressure"): the handshake proved the peer's address. A
	 * SYN proves nothing; counting SYN-RECEIVED would let SYNs spoofed with
	 * a client's address lock that client out.
	 */
	if (c->passive && source_full(st, &c->t)) {
		tcp_drop(st, OG_TCP_DROP_SOURCE_LIMIT);
		tcp_send_ctl(c, TCP_TH_RST | TCP_TH_ACK);
		tcp_conn_finish(c, -ECONNREFUSED);
		return;
	}
	if (c->passive)
		source_count(c);
	tcp_set_state(c, OG_TCP_ESTABLISHED);
	tcp_count(st, OG_TCP_CNT_ESTABLISHED);
	c->retries = 0;
	c->rexmt_at = 0;
	if (st->conf.idle_timeout_us != UINT64_MAX)
		c->idle_at = st->now_us + st->conf.idle_timeout_us;
	tcp_timer_update(c);
	if (!c->passive) {
		c->app->connected(c->ctx, c, 0);
		return;
	}
	tcp_count(st, OG_TCP_CNT_PASSIVE_OPENS);
	c->ctx = l->app->accepted(l->arg, c);
	if (c->ctx == NULL) {
		tcp_drop(st, OG_TCP_DROP_APP_REFUSED);
		tcp_send_ctl(c, TCP_TH_RST | TCP_TH_ACK);
		tcp_conn_finish(c, -ECONNREFUSED);
		return;
	}
	c->accepted = 1;
	/* RFC 9293 3.10.7.2: text that came with the SYN is processed now */
	if (c->syn_data != NULL) {
		struct rte_mbuf *m = c->syn_data;

		c->syn_data = NULL;
		st->stats.rcv_mem -= m->pkt_len;
		if (deliver(c, m, m->pkt_len) && !c->dead)
			c->unacked_segs++;
	}
}

/* ACK of new data (RFC 9293 3.10.7.4 fifth step; RFC 5681; RFC 6582; RFC 6298). */
static void
ack_advance(struct og_tcp_conn *c, uint32_t ack)
{
	struct og_tcp_stack *st = c->st;
	uint32_t acked = ack - c->snd_una, data = OG_MIN(acked, c->sq_bytes);
	uint32_t freed_before = c->snd_buf > c->sq_bytes ? c->snd_buf - c->sq_bytes : 0;

	if (c->shut_wr && acked > c->sq_bytes)
		c->fin_acked = 1;
	if (c->rtt_timing && tcp_seq_gt(ack, c->rtt_seq)) {
		c->rtt_timing = false;
		tcp_rtt_sample(c, (uint32_t)(st->now_us - c->rtt_start_us));
	}
	tcp_sq_drop_acked(c, data);
	c->snd_una = ack;
	if (tcp_seq_geq(c->snd_una, c->snd_nxt))
		tcp_sq_rewind(c);
	if (c->retries > 0) {
		/* RFC 6298 5.7: new data acked after backoff: back to the estimate */
		c->retries = 0;
		c->rto_us = 0;
		tcp_rtt_sample(c, 0);
	}
	/* congestion control */
	if (c->in_recovery) {
		if (tcp_seq_geq(ack, c->recover)) {
			/* RFC 6582 3.2 step 3: full ACK ends recovery */
			tcp_cc_recovery_exit(c);
			c->in_recovery = 0;
		} else {
			/* RFC 6582 3.2 step 4: partial ACK: retransmit the next hole, deflate */
			tcp_retransmit_una(c);
			tcp_cc_partial_ack(c, acked);
		}
	} else {
		tcp_cc_ack(c, acked); /* RFC 5681 3.1 slow start or congestion avoidance */
	}
	c->dupacks = 0;
	/* RFC 6298 5.2-5.3 */
	if (c->snd_una == c->snd_max) {
		if (!c->persist)
			c->rexmt_at = 0;
		tcp_timer_update(c);
	} else {
		tcp_rto_arm(c);
	}
	if (c->want_sendable && c->snd_buf > c->sq_bytes &&
	    c->snd_buf - c->sq_bytes > freed_before && c->accepted && c->app->sendable != NULL) {
		c->want_sendable = 0;
		c->app->sendable(c->ctx, c);
	}
}

static void
dup_ack(struct og_tcp_conn *c)
{
	c->dupacks++;
	if (c->in_recovery) {
		tcp_cc_recovery_dupack(c); /* RFC 5681 3.2 step 4: inflate */
		return;
	}
	/* RFC 6582 3.2 step 2: not again for losses of the same window */
	if (c->dupacks == 3 && tcp_seq_gt(c->snd_una, c->recover - 1)) {
		tcp_count(c->st, OG_TCP_CNT_FAST_RETRANS);
		/* RFC 5681 3.2 steps 2-3: ssthresh (eq. 4) from the flight before the
		 * retransmission */
		tcp_cc_recovery_enter(c);
		c->recover = c->snd_max;
		c->in_recovery = 1;
		tcp_retransmit_una(c);
	}
}

/* --- segments to no connection or to a listener --- */

static struct tcp_listener *
find_listener(struct og_tcp_stack *st, uint32_t addr_be, uint16_t port_be)
{
	struct tcp_listener *wild = NULL;

	for (uint32_t i = 0; i < st->conf.max_listeners; i++) {
		struct tcp_listener *l = &st->listeners[i];

		if (!l->used || l->port_be != port_be)
			continue;
		if (l->addr_be == addr_be)
			return l;
		if (l->addr_be == 0)
			wild = l;
	}
	return wild;
}

static void
rst_for(struct og_tcp_stack *st, const struct og_tcp_tuple *t, const struct seg *s)
{
	/* RFC 9293 3.10.7.1 */
	if (s->flags & TCP_TH_RST)
		return;
	if (s->flags & TCP_TH_ACK)
		tcp_send_rst_reply(st, t, s->ack, 0, TCP_TH_RST);
	else
		tcp_send_rst_reply(st, t, 0,
				   s->seq + s->len + !!(s->flags & TCP_TH_SYN) +
					   !!(s->flags & TCP_TH_FIN),
				   TCP_TH_RST | TCP_TH_ACK);
}

static void
conn_init(struct og_tcp_conn *c, struct tcp_listener *l)
{
	const struct og_tcp_conf *cf = &c->st->conf;

	c->passive = 1;
	c->listen_arg = l;
	c->app = l->app;
	c->rcv_buf = cf->rcv_buf;
	c->snd_buf = cf->snd_buf;
	c->rto_us = (uint32_t)cf->rto_init_us;
	c->last_rx_us = c->st->now_us;
}

/* The table is at evict_threshold and the listener can make room. */
static bool
under_pressure(const struct og_tcp_stack *st, const struct tcp_listener *l)
{
	return l->app->evict != NULL && st->nconns >= st->conf.evict_threshold;
}

/*
 * A passive open needs a slot and the table is nearly full: ask the listener
 * once to release one of its connections (docs/tcp.md "Connection
 * pressure"). The connection it aborts only gives its slot back when it is
 * reaped; at depth 1 (straight from og_tcp_input_burst(), no caller holding
 * a connection) that can happen now, so the open that asked gets the slot.
 */
static void
evict_ask(struct og_tcp_stack *st, const struct tcp_listener *l)
{
	if (!under_pressure(st, l))
		return;
	tcp_count(st, OG_TCP_CNT_EVICT_ASKED);
	if (!l->app->evict(l->arg))
		return;
	tcp_count(st, OG_TCP_CNT_EVICTIONS);
	if (st->depth == 1)
		tcp_stack_reap(st);
}

static void
listen_input(struct og_tcp_stack *st, struct tcp_listener *l, const struct og_tcp_tuple *t,
	     struct seg *s)
{
	struct og_tcp_conn *c;
	bool cookies;

	/* RFC 9293 3.10.7.2 LISTEN: first check for an RST */
	if (s->flags & TCP_TH_RST) {
		tcp_drop(st, OG_TCP_DROP_LISTEN_RST);
		return;
	}
	/* second check for an ACK: a SYN cookie (RFC 4987 3.6), else RST */
	if (s->flags & TCP_TH_ACK) {
		struct tcp_cookie_data d;

		if ((s->flags & TCP_TH_SYN) || tcp_cookie_decode(st->cookie_key, t, s->seq - 1,
								 s->ack - 1, st->now_us, &d) != 0) {
			tcp_drop(st, (s->flags & TCP_TH_SYN) ? OG_TCP_DROP_LISTEN_BAD_ACK
							     : OG_TCP_DROP_BAD_COOKIE);
			rst_for(st, t, s);
			return;
		}
		if (source_full(st, t)) {
			tcp_drop(st, OG_TCP_DROP_SOURCE_LIMIT);
			rst_for(st, t, s);
			return;
		}
		evict_ask(st, l);
		c = tcp_conn_alloc(st, t);
		if (c == NULL) {
			tcp_drop(st, OG_TCP_DROP_CONN_LIMIT);
			return;
		}
		conn_init(c, l);
		c->cookie = 1;
		c->irs = s->seq - 1;
		c->iss = s->ack - 1;
		c->rcv_nxt = s->seq;
		/* the window our stateless SYN-ACK offered */
		c->rcv_adv = s->seq + OG_MIN(st->conf.rcv_buf, 65535u);
		c->snd_una = c->snd_nxt = c->snd_max = s->ack;
		c->recover = c->iss;
		c->sack_high = c->iss;
		{
			struct og_tcp_opts o = { 0 };

			o.has_mss = true;
			o.mss = d.mss;
			o.has_ws = d.wscale >= 0;
			o.wscale = d.wscale >= 0 ? (uint8_t)d.wscale : 0;
			o.sack_ok = d.sack_ok;
			/* RFC 7323 3.2: the ACK carries TS only if both sides agreed */
			o.has_ts = s->o.has_ts;
			o.tsval = s->o.tsval;
			apply_syn_opts(c, &o);
		}
		c->snd_wnd = s->wnd << c->snd_wscale;
		c->max_snd_wnd = c->snd_wnd;
		c->snd_wl1 = s->seq;
		c->snd_wl2 = s->ack;
		tcp_set_state(c, OG_TCP_SYN_RECEIVED);
		tcp_count(st, OG_TCP_CNT_SYNCOOKIES_OK);
		establish(c);
		if (!c->dead)
			process_conn(c, s);
		return;
	}
	/* third check for a SYN */
	if (!(s->flags & TCP_TH_SYN)) {
		tcp_drop(st, OG_TCP_DROP_BAD_FLAGS);
		return;
	}
	/*
	 * A source at its cap is refused before any state or cookie: the RST
	 * tells a real client at once, where a silent drop would have it
	 * retransmit its SYN for a minute. (The ACK completing the handshake
	 * checks again in establish(): SYN-RECEIVED connections do not count.)
	 */
	if (source_full(st, t)) {
		tcp_drop(st, OG_TCP_DROP_SOURCE_LIMIT);
		rst_for(st, t, s);
		return;
	}
	/* without cookies the SYN itself must make room */
	cookies = st->conf.syncookie_threshold != UINT32_MAX;
	if (!cookies)
		evict_ask(st, l);
	/*
	 * Cookies, besides a half-open flood (RFC 4987 3.6), when the table is
	 * full or, for a listener that can evict, at the eviction threshold:
	 * the slot, and the eviction it may cost, wait for the ACK that proves
	 * the peer's address, so spoofed SYNs cannot evict anyone.
	 */
	if (st->stats.half_open >= st->conf.syncookie_threshold ||
	    st->nconns >= st->conf.max_conns || (cookies && under_pressure(st, l))) {
		struct tcp_cookie_data d;
		uint32_t isn;

		if (!cookies) {
			tcp_drop(st, OG_TCP_DROP_SYN_OVERFLOW);
			return;
		}
		/* RFC 4987 3.6: answer without state; SYN data is not kept */
		d.mss = s->o.has_mss ? s->o.mss : 536;
		d.wscale = s->o.has_ws ? (int8_t)s->o.wscale : -1;
		d.sack_ok = s->o.sack_ok;
		isn = tcp_cookie_encode(st->cookie_key, t, s->seq, st->now_us, &d);
		tcp_send_synack_stateless(st, t, isn, s->seq, &s->o);
		tcp_count(st, OG_TCP_CNT_SYNCOOKIES_SENT);
		return;
	}
	c = tcp_conn_alloc(st, t);
	if (c == NULL) {
		tcp_drop(st, OG_TCP_DROP_CONN_LIMIT);
		return;
	}
	conn_init(c, l);
	c->irs = s->seq;
	c->rcv_nxt = s->seq + 1;
	c->rcv_adv = c->rcv_nxt;
	c->iss = tcp_isn(st->isn_key, t, st->now_us);
	c->snd_una = c->iss;
	c->snd_nxt = c->snd_max = c->iss + 1;
	c->recover = c->iss;
	c->sack_high = c->iss;
	apply_syn_opts(c, &s->o);
	/* RFC 7323 2.2: the window of a SYN is not scaled */
	c->snd_wnd = s->wnd;
	c->max_snd_wnd = c->snd_wnd;
	c->snd_wl1 = s->seq;
	c->snd_wl2 = c->iss;
	if (s->len > 0 && s->m != NULL) {
		/* RFC 9293 3.10.7.2: queue text on a SYN for after the handshake */
		c->syn_data = s->m;
		s->m = NULL;
		st->stats.rcv_mem += c->syn_data->pkt_len;
		tcp_count(st, OG_TCP_CNT_SYN_DATA);
	}
	tcp_set_state(c, OG_TCP_SYN_RECEIVED);
	tcp_send_ctl(c, TCP_TH_SYN | TCP_TH_ACK);
	c->rtt_start_us = st->now_us;
	tcp_rto_arm(c);
}

/* --- SYN-SENT (RFC 9293 3.10.7.3) --- */
static void
syn_sent_input(struct og_tcp_conn *c, struct seg *s)
{
	bool ack_ok = false;

	if (s->flags & TCP_TH_ACK) {
		if (tcp_seq_leq(s->ack, c->iss) || tcp_seq_gt(s->ack, c->snd_max)) {
			tcp_drop(c->st, OG_TCP_DROP_SYN_SENT_BAD);
			if (!(s->flags & TCP_TH_RST))
				tcp_send_rst_reply(c->st, &c->t, s->ack, 0, TCP_TH_RST);
			return;
		}
		ack_ok = true;
	}
	if (s->flags & TCP_TH_RST) {
		/* RFC 5961 3.2 keeps RFC 9293's rule here: only with an acceptable ACK */
		if (ack_ok) {
			tcp_count(c->st, OG_TCP_CNT_RESETS_IN);
			c->app->connected(c->ctx, c, -ECONNREFUSED);
			tcp_conn_finish(c, -ECONNREFUSED);
		} else {
			tcp_drop(c->st, OG_TCP_DROP_SYN_SENT_BAD);
		}
		return;
	}
	if (!(s->flags & TCP_TH_SYN)) {
		tcp_drop(c->st, OG_TCP_DROP_SYN_SENT_BAD);
		return;
	}
	c->irs = s->seq;
	c->rcv_nxt = s->seq + 1;
	c->rcv_adv = c->rcv_nxt;
	apply_syn_opts(c, &s->o);
	if (!c->ws_ok)
		c->rcv_wscale = 0;
	c->snd_wnd = s->wnd;
	c->max_snd_wnd = c->snd_wnd;
	c->snd_wl1 = s->seq;
	c->snd_wl2 = s->ack;
	if (ack_ok) {
		c->snd_una = s->ack;
		c->rtt_timing = false;
		if (c->retries == 0)
			tcp_rtt_sample(c, (uint32_t)OG_MAX(c->st->now_us - c->rtt_start_us, 1));
		c->retries = 0;
		tcp_send_ack(c);
		tcp_set_state(c, OG_TCP_SYN_RECEIVED); /* for the state gauge */
		establish(c);
		if (!c->dead)
			tcp_output(c);
		return;
	}
	/* simultaneous open (RFC 9293 3.5 figure 7) */
	tcp_set_state(c, OG_TCP_SYN_RECEIVED);
	tcp_send_ctl(c, TCP_TH_SYN | TCP_TH_ACK);
}

/* --- TIME-WAIT --- */
static bool
time_wait_input(struct og_tcp_conn *c, struct seg *s)
{
	struct og_tcp_stack *st = c->st;

	/*
	 * RFC 9293 3.10.7.4 / RFC 6191: a new SYN with a higher sequence number
	 * (or a newer timestamp) may reopen the connection. Returns true when
	 * the TIME-WAIT connection was released for it.
	 */
	if ((s->flags & (TCP_TH_SYN | TCP_TH_ACK | TCP_TH_RST)) == TCP_TH_SYN &&
	    (tcp_seq_gt(s->seq, c->rcv_nxt) ||
	     (c->ts_ok && s->o.has_ts && tcp_seq_gt(s->o.tsval, c->ts_recent)))) {
		tcp_conn_finish(c, 0);
		return true;
	}
	tcp_drop(st, OG_TCP_DROP_TIME_WAIT);
	/* RFC 1337: RSTs do not end TIME-WAIT early */
	if (s->flags & TCP_TH_RST)
		return false;
	if ((s->flags & TCP_TH_FIN) && s->seq + s->len + 1 == c->rcv_nxt) {
		/* retransmitted FIN: ACK it and restart the 2 MSL timer */
		c->tw_at = st->now_us + st->conf.time_wait_us;
		tcp_timer_update(c);
	}
	tcp_send_ack(c);
	return false;
}

/* --- synchronized states (RFC 9293 3.10.7.4) --- */
/*
 * RFC 6675 2 (DupAck, HighSACK): whether @p s SACKs octets of ours above
 * anything SACKed before. Blocks at or below the cumulative ACK (RFC 2883
 * D-SACK) or beyond what was sent say nothing new and are ignored.
 */
static bool
sack_news(struct og_tcp_conn *c, const struct seg *s)
{
	uint32_t base = tcp_seq_gt(s->ack, c->snd_una) ? s->ack : c->snd_una;
	uint32_t high = tcp_seq_gt(c->sack_high, base) ? c->sack_high : base;
	bool news = false;

	for (unsigned int i = 0; i < s->o.nsack; i++) {
		uint32_t l = s->o.sack[i][0], r = s->o.sack[i][1];

		if (!tcp_seq_lt(l, r) || !tcp_seq_gt(r, base) || tcp_seq_gt(r, c->snd_max))
			continue;
		if (tcp_seq_gt(r, high)) {
			high = r;
			news = true;
		}
	}
	c->sack_high = high;
	return news;
}

/*
 * First step (RFC 9293 3.10.7.4): check the sequence number, after PAWS.
 * @p rcv_wnd is RCV.WND at arrival. Returns false when the segment is done
 * with (dropped, answered by an ACK).
 */
static bool
seq_check(struct og_tcp_conn *c, struct seg *s, uint32_t rcv_wnd)
{
	struct og_tcp_stack *st = c->st;
	uint32_t seglen = s->len + !!(s->flags & TCP_TH_SYN) + !!(s->flags & TCP_TH_FIN);
	bool acceptable;

	/* RFC 7323 5.3 R1: PAWS */
	if (c->ts_ok && s->o.has_ts && !(s->flags & TCP_TH_RST) &&
	    tcp_seq_lt(s->o.tsval, c->ts_recent) &&
	    st->now_us - c->ts_recent_us < 24ULL * 86400 * 1000000) {
		tcp_drop(st, OG_TCP_DROP_PAWS);
		tcp_send_ack(c);
		return false;
	}
	/* first: sequence number acceptability (the four cases of 3.10.7.4) */
	if (seglen == 0)
		acceptable = rcv_wnd == 0 ? s->seq == c->rcv_nxt
					  : tcp_seq_in(s->seq, c->rcv_nxt, c->rcv_nxt + rcv_wnd);
	else if (rcv_wnd == 0)
		/* "special allowance" for ACKs: a probe at RCV.NXT is processed without its text */
		acceptable = s->seq == c->rcv_nxt;
	else
		acceptable = tcp_seq_in(s->seq, c->rcv_nxt, c->rcv_nxt + rcv_wnd) ||
			     tcp_seq_in(s->seq + seglen - 1, c->rcv_nxt, c->rcv_nxt + rcv_wnd);
	if (!acceptable) {
		if (s->flags & TCP_TH_RST) {
			tcp_drop(st, OG_TCP_DROP_RST_OUT_OF_WINDOW);
			return false;
		}
		tcp_drop(st, OG_TCP_DROP_NOT_ACCEPTABLE);
		if (seglen > 0 && tcp_seq_lt(s->seq, c->rcv_nxt))
			tcp_count(st, OG_TCP_CNT_DUP_SEGS);
		tcp_send_ack(c);
		return false;
	}
	return true;
}

/*
 * Second step (RFC 9293 3.10.7.4): check the RST bit, as RFC 5961 3.2
 * amends it. Returns false when the segment is done with.
 */
static bool
rst_check(struct og_tcp_conn *c, const struct seg *s)
{
	struct og_tcp_stack *st = c->st;

	if (!(s->flags & TCP_TH_RST))
		return true;
	/* second: RST (RFC 5961 3.2) */
	if (s->seq != c->rcv_nxt) {
		tcp_drop(st, OG_TCP_DROP_RST_CHALLENGED);
		challenge_ack(c);
		return false;
	}
	tcp_count(st, OG_TCP_CNT_RESETS_IN);
	if (c->state == OG_TCP_SYN_RECEIVED && c->passive) {
		tcp_conn_finish(c, -ECONNRESET); /* back to LISTEN: nothing to tell */
		return false;
	}
	if (c->state == OG_TCP_SYN_RECEIVED && !c->passive)
		c->app->connected(c->ctx, c, -ECONNREFUSED);
	tcp_conn_finish(c, -ECONNRESET);
	return false;
}

/*
 * Fourth step (RFC 9293 3.10.7.4): check the SYN bit, as RFC 5961 4.2
 * amends it. Returns false when the segment is done with.
 */
static bool
syn_check(struct og_tcp_conn *c, const struct seg *s)
{
	if (!(s->flags & TCP_TH_SYN))
		return true;
	/* fourth: SYN in a synchronized state (RFC 5961 4.2) */
	tcp_drop(c->st, OG_TCP_DROP_SYN_CHALLENGED);
	challenge_ack(c);
	return false;
}

/*
 * The idealized segment of the first step (RFC 9293 3.10.7.4: "trimming
 * off any portions that lie outside the window (including SYN and FIN)"),
 * done once the segment is known to carry an ACK: text before RCV.NXT, then
 * beyond the right edge. @p rcv_wnd is RCV.WND at arrival.
 */
static void
trim_to_window(struct og_tcp_conn *c, struct seg *s, uint32_t rcv_wnd)
{
	struct og_tcp_stack *st = c->st;

	/* trim to the window: text before RCV.NXT, then beyond the right edge */
	if (tcp_seq_lt(s->seq, c->rcv_nxt)) {
		uint32_t d = c->rcv_nxt - s->seq;

		if (d >= s->len) {
			if (s->len > 0)
				tcp_count(st, OG_TCP_CNT_DUP_SEGS);
			if (d > s->len)
				s->flags &= (uint8_t)~TCP_TH_FIN; /* FIN already counted */
			s->len = 0;
			s->ack_now = true;
		} else {
			s->m = chain_adj(s->m, d);
			s->len -= d;
		}
		s->seq = c->rcv_nxt;
	}
	if (tcp_seq_gt(s->seq + s->len, c->rcv_nxt + rcv_wnd)) {
		uint32_t keep = c->rcv_nxt + rcv_wnd - s->seq;

		tcp_drop(st, OG_TCP_DROP_RCV_BUF_FULL);
		s->flags &= (uint8_t)~TCP_TH_FIN;
		if (keep == 0)
			s->len = 0;
		else
			chain_trim(s->m, keep);
		s->len = keep;
		s->ack_now = true; /* also answers a zero-window probe */
	}
}

/*
 * Fifth step, SYN-RECEIVED (RFC 9293 3.10.7.4): an ACK of our SYN enters
 * ESTABLISHED, any other is answered by a RST. Returns false when the
 * segment is done with.
 */
static bool
syn_received_ack(struct og_tcp_conn *c, const struct seg *s)
{
	struct og_tcp_stack *st = c->st;

	if (tcp_seq_gt(s->ack, c->snd_una) && tcp_seq_leq(s->ack, c->snd_max)) {
		c->snd_una = s->ack;
		c->snd_wnd = s->wnd << c->snd_wscale;
		c->max_snd_wnd = OG_MAX(c->max_snd_wnd, c->snd_wnd);
		c->snd_wl1 = s->seq;
		c->snd_wl2 = s->ack;
		/* RFC 6298 2.2: the SYN-ACK, if sent once, gives the first sample */
		if (c->retries == 0 && c->passive && !c->cookie)
			tcp_rtt_sample(c, (uint32_t)OG_MAX(st->now_us - c->rtt_start_us, 1));
		establish(c);
		return !c->dead;
	}
	tcp_drop(st, OG_TCP_DROP_LISTEN_BAD_ACK);
	tcp_send_rst_reply(st, &c->t, s->ack, 0, TCP_TH_RST);
	return false;
}

/*
 * Fifth step, ESTABLISHED and after (RFC 9293 3.10.7.4): the acceptable
 * ACK range of RFC 5961 5.2, TS.Recent (RFC 7323 4.3), then new data
 * acknowledged or a duplicate ACK. @p seq_in is SEG.SEQ before trimming.
 * Returns false when the segment is done with.
 */
static bool
ack_process(struct og_tcp_conn *c, const struct seg *s, uint32_t seq_in)
{
	struct og_tcp_stack *st = c->st;
	bool new_sack;

	/* RFC 5961 5.2: SND.UNA - MAX.SND.WND <= SEG.ACK <= SND.NXT */
	if (tcp_seq_gt(s->ack, c->snd_max)) {
		tcp_drop(st, OG_TCP_DROP_ACK_UNSENT);
		tcp_send_ack(c);
		return false;
	}
	if (tcp_seq_lt(s->ack, c->snd_una - c->max_snd_wnd)) {
		tcp_drop(st, OG_TCP_DROP_ACK_TOO_OLD);
		challenge_ack(c);
		return false;
	}
	/* RFC 7323 4.3: TS.Recent from a segment that covers Last.ACK.sent */
	if (c->ts_ok && s->o.has_ts && tcp_seq_leq(seq_in, c->rcv_nxt) &&
	    tcp_seq_geq(s->o.tsval, c->ts_recent)) {
		c->ts_recent = s->o.tsval;
		c->ts_recent_us = st->now_us;
	}
	new_sack = c->sack_ok && s->o.nsack > 0 && sack_news(c, s);
	if (tcp_seq_gt(s->ack, c->snd_una)) {
		ack_advance(c, s->ack);
		if (c->dead)
			return false;
	} else if (s->ack == c->snd_una && c->snd_max != c->snd_una &&
		   ((s->len == 0 && !(s->flags & TCP_TH_FIN) &&
		     (s->wnd << c->snd_wscale) == c->snd_wnd) ||
		    new_sack)) {
		/*
		 * RFC 5681 2: a duplicate ACK; RFC 6675 2: so is an ACK whose
		 * SACK blocks report octets not SACKed before, even when it
		 * carries data or a new window (a peer that sends while it
		 * receives, such as an echo client, never sends pure dup ACKs).
		 */
		dup_ack(c);
	}
	return true;
}

/* Fifth step (RFC 9293 3.10.7.4): the send window update. */
static void
snd_wnd_update(struct og_tcp_conn *c, const struct seg *s)
{
	/* window update (3.10.7.4 fifth step) */
	if (tcp_seq_lt(c->snd_wl1, s->seq) ||
	    (c->snd_wl1 == s->seq && tcp_seq_leq(c->snd_wl2, s->ack))) {
		c->snd_wnd = s->wnd << c->snd_wscale;
		c->snd_wl1 = s->seq;
		c->snd_wl2 = s->ack;
		c->max_snd_wnd = OG_MAX(c->max_snd_wnd, c->snd_wnd);
		if (c->snd_wnd > 0 && c->persist) {
			c->persist = false;
			c->rexmt_at = 0;
			c->retries = 0;
			tcp_timer_update(c);
		}
	}
}

/*
 * Fifth step (RFC 9293 3.10.7.4): the states that wait for the ACK of our
 * FIN. Returns false when the connection left for TIME-WAIT or closed.
 */
static bool
fin_ack_states(struct og_tcp_conn *c)
{
	switch (c->state) {
	case OG_TCP_FIN_WAIT_1:
		if (c->fin_acked)
			tcp_set_state(c, OG_TCP_FIN_WAIT_2);
		break;
	case OG_TCP_CLOSING:
		if (c->fin_acked) {
			tcp_enter_time_wait(c);
			return false;
		}
		break;
	case OG_TCP_LAST_ACK:
		if (c->fin_acked) {
			tcp_count(c->st, OG_TCP_CNT_CLOSED_ORDERLY);
			tcp_conn_finish(c, 0);
			return false;
		}
		break;
	default:
		break;
	}
	return true;
}

/*
 * Fifth step (RFC 9293 3.10.7.4): check the ACK field. @p rcv_wnd is
 * RCV.WND at arrival. Returns false when the segment is done with.
 */
static bool
ack_check(struct og_tcp_conn *c, struct seg *s, uint32_t rcv_wnd)
{
	uint32_t seq_in = s->seq;

	/* fifth: ACK */
	if (!(s->flags & TCP_TH_ACK)) {
		tcp_drop(c->st, OG_TCP_DROP_BAD_FLAGS);
		return false;
	}
	trim_to_window(c, s, rcv_wnd);
	if (c->state == OG_TCP_SYN_RECEIVED && !syn_received_ack(c, s))
		return false;
	if (!ack_process(c, s, seq_in))
		return false;
	snd_wnd_update(c, s);
	return fin_ack_states(c);
}

/*
 * Seventh step (RFC 9293 3.10.7.4): process the segment text, in order or
 * into the out-of-order queue. Returns false when the connection closed.
 */
static bool
text_process(struct og_tcp_conn *c, struct seg *s)
{
	struct og_tcp_stack *st = c->st;

	if (s->len == 0)
		return true;
	/* seventh: segment text (ESTABLISHED, FIN-WAIT-1, FIN-WAIT-2) */
	if (c->state != OG_TCP_ESTABLISHED && c->state != OG_TCP_FIN_WAIT_1 &&
	    c->state != OG_TCP_FIN_WAIT_2) {
		tcp_drop(st, OG_TCP_DROP_DATA_AFTER_FIN);
		s->len = 0;
	} else if (c->app_closed) {
		/* RFC 9293 3.10.4 / RFC 2525 2.17: data for a closed reader: reset */
		tcp_drop(st, OG_TCP_DROP_CLOSED_CONN);
		tcp_send_ctl(c, TCP_TH_RST | TCP_TH_ACK);
		tcp_conn_finish(c, -ECONNABORTED);
		return false;
	} else if (s->seq == c->rcv_nxt) {
		struct rte_mbuf *m = s->m;
		bool had_ooo = c->ooo_head != NULL;

		s->m = NULL;
		if (deliver(c, m, s->len)) {
			c->unacked_segs++;
			if (c->dead)
				return false;
			/*
			 * RFC 5681 4.2: ACK at once when a segment fills (part of)
			 * a gap, unless a FIN found behind it was ACKed already
			 */
			if (had_ooo) {
				c->unacked_segs = OG_MAX(c->unacked_segs, 2);
				ooo_pull(c);
			}
			if (c->dead)
				return false;
		}
	} else {
		struct rte_mbuf *m = s->m;

		s->m = NULL;
		ooo_insert(c, m, s->seq, s->len);
		/* RFC 5681 4.2: an out-of-order segment is ACKed at once (dup ACK + SACK) */
		s->ack_now = true;
	}
	return true;
}

/*
 * Eighth step (RFC 9293 3.10.7.4): check the FIN bit. A FIN beyond RCV.NXT
 * waits for the gap before it to fill (ooo_pull()). Returns false when the
 * connection closed.
 */
static bool
fin_check(struct og_tcp_conn *c, struct seg *s)
{
	uint32_t fin_seq = s->seq + s->len;

	if (!(s->flags & TCP_TH_FIN))
		return true;
	/* eighth: FIN */
	if (c->fin_rcvd) {
		s->ack_now = true;
	} else if (fin_seq == c->rcv_nxt) {
		fin_received(c);
		if (c->dead)
			return false;
	} else if (tcp_seq_gt(fin_seq, c->rcv_nxt)) {
		c->ooo_fin = 1;
		c->ooo_fin_seq = fin_seq;
		s->ack_now = true;
	}
	return true;
}

/* After the eighth step: send what the ACK or window allows, then owe or send the ACK. */
static void
output_and_ack(struct og_tcp_conn *c, const struct seg *s)
{
	struct og_tcp_stack *st = c->st;

	/* send what the ACK or window allows, then owe or send the ACK */
	tcp_output(c);
	if (c->dead)
		return;
	if (s->ack_now) {
		tcp_send_ack(c);
	} else if (c->unacked_segs >= 2) {
		/* RFC 1122 4.2.3.2 / RFC 5681 4.2: ACK at least every second segment */
		tcp_send_ack(c);
	} else if (c->unacked_segs > 0 && c->delack_at == 0) {
		c->delack_at = st->now_us + st->conf.delack_us;
		tcp_timer_update(c);
	}
}

/*
 * A segment for a connection in a state other than LISTEN and TIME-WAIT:
 * SYN-SENT (3.10.7.3), else the steps of RFC 9293 3.10.7.4 in order. The
 * third (security) and sixth (URG) steps are not implemented: IP options
 * are skipped and urgent data is ordinary data.
 */
static void
process_conn(struct og_tcp_conn *c, struct seg *s)
{
	uint32_t rcv_wnd;

	c->last_rx_us = c->st->now_us;
	if (c->state == OG_TCP_SYN_SENT) {
		syn_sent_input(c, s);
		return;
	}
	if (c->state == OG_TCP_SYN_RECEIVED && c->passive &&
	    (s->flags & (TCP_TH_SYN | TCP_TH_ACK | TCP_TH_RST)) == TCP_TH_SYN && s->seq == c->irs) {
		/* the peer did not get our SYN-ACK: send it again */
		tcp_send_ctl(c, TCP_TH_SYN | TCP_TH_ACK);
		return;
	}
	rcv_wnd = tcp_seq_gt(c->rcv_adv, c->rcv_nxt) ? c->rcv_adv - c->rcv_nxt : 0;
	s->ack_now = false;
	if (!seq_check(c, s, rcv_wnd) || !rst_check(c, s) || !syn_check(c, s) ||
	    !ack_check(c, s, rcv_wnd) || !text_process(c, s) || !fin_check(c, s))
		return;
	output_and_ack(c, s);
}

/* --- the entry point --- */

/*
 * One received segment. @p hv is the 4-tuple's table hash when the caller
 * computed it from this segment's headers (the prefetch stage of
 * og_tcp_input_burst()), else TCP_NO_HASH.
 *
 * Not inlined into the burst loop: inlined, callgrind counted 2 fewer
 * instructions per segment in 32-segment bursts (bench_tcp 1000 200000)
 * but about 45 more per one-segment burst (tests/tcp/congestion.pkt); out
 * of line, both match the extern function it was before.
 */
#define TCP_NO_HASH UINT64_MAX

static __rte_noinline void
input_one(struct og_tcp_stack *st, struct rte_mbuf *m, uint64_t hv)
{
	struct rte_ipv4_hdr *ip;
	struct rte_tcp_hdr *th;
	struct og_tcp_tuple t;
	struct og_tcp_conn *c;
	struct seg s;
	uint32_t ihl, thl, tot, src, dst;

	tcp_count(st, OG_TCP_CNT_SEGS_IN);
	if (og_unlikely(m->data_len < sizeof(*ip) + sizeof(*th))) {
		tcp_drop(st, OG_TCP_DROP_TRUNCATED);
		goto free;
	}
	ip = rte_pktmbuf_mtod(m, struct rte_ipv4_hdr *);
	ihl = (ip->version_ihl & 0xf) * 4u;
	tot = rte_be_to_cpu_16(ip->total_length);
	if (og_unlikely(ihl < 20 || tot > m->pkt_len || tot < ihl + sizeof(*th) ||
			m->data_len < ihl + sizeof(*th))) {
		tcp_drop(st, OG_TCP_DROP_TRUNCATED);
		goto free;
	}
	if (og_unlikely(ip->next_proto_id != IPPROTO_TCP ||
			(ip->fragment_offset &
			 rte_cpu_to_be_16(RTE_IPV4_HDR_MF_FLAG | RTE_IPV4_HDR_OFFSET_MASK)))) {
		tcp_drop(st, OG_TCP_DROP_NOT_TCP);
		goto free;
	}
	th = (struct rte_tcp_hdr *)((uint8_t *)ip + ihl);
	thl = (th->data_off >> 4) * 4u;
	if (og_unlikely(thl < 20 || ihl + thl > tot || ihl + thl > m->data_len)) {
		tcp_drop(st, OG_TCP_DROP_BAD_OFFSET);
		goto free;
	}
	if ((m->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK) != RTE_MBUF_F_RX_L4_CKSUM_GOOD) {
		if (og_unlikely((m->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK) ==
					RTE_MBUF_F_RX_L4_CKSUM_BAD ||
				tcp_cksum_sum(m, ip, ihl) != 0xffff)) {
			tcp_drop(st, OG_TCP_DROP_BAD_CSUM);
			goto free;
		}
	}
	src = rte_be_to_cpu_32(ip->src_addr);
	dst = rte_be_to_cpu_32(ip->dst_addr);
	/* RFC 1122 4.2.3.10: no connections from or to broadcast or multicast */
	if (og_unlikely(src == 0 || src == UINT32_MAX || dst == UINT32_MAX || (src >> 28) == 0xe ||
			(dst >> 28) == 0xe || th->src_port == 0 || th->dst_port == 0)) {
		tcp_drop(st, OG_TCP_DROP_BAD_ADDR);
		goto free;
	}
	s.flags = th->tcp_flags & 0x3f;
	if (og_unlikely((s.flags & (TCP_TH_SYN | TCP_TH_FIN)) == (TCP_TH_SYN | TCP_TH_FIN) ||
			(s.flags & (TCP_TH_SYN | TCP_TH_RST)) == (TCP_TH_SYN | TCP_TH_RST))) {
		tcp_drop(st, OG_TCP_DROP_BAD_FLAGS);
		goto free;
	}
	if (og_unlikely(tcp_opts_parse((const uint8_t *)(th + 1), thl - sizeof(*th), &s.o,
				       s.flags & TCP_TH_SYN) != 0)) {
		tcp_drop(st, OG_TCP_DROP_BAD_OPTIONS);
		goto free;
	}
	s.seq = rte_be_to_cpu_32(th->sent_seq);
	s.ack = rte_be_to_cpu_32(th->recv_ack);
	s.wnd = rte_be_to_cpu_16(th->rx_win);
	s.len = tot - ihl - thl;
	t.laddr_be = ip->dst_addr;
	t.raddr_be = ip->src_addr;
	t.lport_be = th->dst_port;
	t.rport_be = th->src_port;
	/* from here on m is the payload */
	if (m->pkt_len > tot)
		chain_trim(m, tot);
	m = chain_adj(m, ihl + thl);
	s.m = m;

	c = hv != TCP_NO_HASH ? tcp_htab_lookup_hv(&st->ht, &t, (uint32_t)hv)
			      : tcp_htab_lookup(&st->ht, &t);
	if (c != NULL && c->state == OG_TCP_TIME_WAIT && time_wait_input(c, &s))
		c = NULL; /* released for a new incarnation */
	else if (c != NULL && c->state == OG_TCP_TIME_WAIT)
		goto free_s;
	if (c != NULL) {
		process_conn(c, &s);
	} else {
		struct tcp_listener *l = find_listener(st, t.laddr_be, t.lport_be);

		if (l != NULL) {
			listen_input(st, l, &t, &s);
		} else if (s.flags & TCP_TH_RST) {
			tcp_drop(st, OG_TCP_DROP_LISTEN_RST);
		} else {
			tcp_drop(st, OG_TCP_DROP_NO_LISTENER);
			rst_for(st, &t, &s);
		}
	}
free_s:
	m = s.m;
free:
	if (m != NULL)
		rte_pktmbuf_free(m);
}

/*
 * The 4-tuple's table hash from a segment's headers, or TCP_NO_HASH when
 * they are too short to read (input_one() then rejects or rehashes).
 */
static uint64_t
peek_hash(const struct og_tcp_stack *st, const struct rte_mbuf *m)
{
	const struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod(m, const struct rte_ipv4_hdr *);
	const struct rte_tcp_hdr *th;
	struct og_tcp_tuple t;
	uint32_t ihl;

	if (og_unlikely(m->data_len < sizeof(*ip) + sizeof(*th)))
		return TCP_NO_HASH;
	ihl = (ip->version_ihl & 0xf) * 4u;
	if (og_unlikely(ihl < 20 || m->data_len < ihl + sizeof(*th)))
		return TCP_NO_HASH;
	th = (const struct rte_tcp_hdr *)((const uint8_t *)ip + ihl);
	t.laddr_be = ip->dst_addr;
	t.raddr_be = ip->src_addr;
	t.lport_be = th->dst_port;
	t.rport_be = th->src_port;
	return tcp_tuple_hash(st->ht.key, &t);
}

/*
 * With many connections the bucket and the connection are cache misses
 * (100,000 connections span tens of MiB). The burst goes through a
 * software pipeline: segment i is hashed and its bucket prefetched, the
 * connection that bucket heads is prefetched (every line of it: the receive
 * path reads them all) INPUT_DIST segments later, and the segment is
 * processed INPUT_DIST segments after that, so misses overlap with the work
 * on earlier segments. The prefetches are hints only: processing looks the
 * connection up again with the hash, as an earlier segment of the burst may
 * have created or closed one.
 */
#define INPUT_DIST 4

static inline void
prefetch_conn(const struct og_tcp_stack *st, uint64_t hv)
{
	const struct og_tcp_conn *c;

	if (hv == TCP_NO_HASH)
		return;
	c = st->ht.b[(uint32_t)hv & st->ht.mask];
	if (c == NULL)
		return;
	for (uintptr_t a = (uintptr_t)c & ~(uintptr_t)(RTE_CACHE_LINE_SIZE - 1);
	     a < (uintptr_t)(c + 1); a += RTE_CACHE_LINE_SIZE)
		rte_prefetch0((const void *)a);
}

uint16_t
og_tcp_input_burst(struct og_tcp_stack *st, struct rte_mbuf **pkts, uint16_t n, uint64_t now_us)
{
	uint64_t hv[2 * INPUT_DIST]; /* a ring: segment i's hash at i % (2 * INPUT_DIST) */

	if (now_us > st->now_us)
		st->now_us = now_us;
	tcp_stack_enter(st);
	for (uint32_t i = 0; i < (uint32_t)n + 2 * INPUT_DIST; i++) {
		/* in this order: segment i's hash takes the slot segment k's frees */
		if (i >= 2 * INPUT_DIST) {
			uint32_t k = i - 2 * INPUT_DIST;

			input_one(st, pkts[k], hv[k % (2 * INPUT_DIST)]);
		}
		if (i >= INPUT_DIST && i - INPUT_DIST < n)
			prefetch_conn(st, hv[(i - INPUT_DIST) % (2 * INPUT_DIST)]);
		if (i < n) {
			uint64_t h = peek_hash(st, pkts[i]);

			hv[i % (2 * INPUT_DIST)] = h;
			if (h != TCP_NO_HASH)
				rte_prefetch0(&st->ht.b[(uint32_t)h & st->ht.mask]);
		}
	}
	tcp_stack_leave(st);
	return n;
}
