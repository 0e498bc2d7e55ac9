/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Building and sending segments: header mbufs from hdr_pool, payload as
 * indirect mbufs that reference the send queue (zero copy), checksums in
 * software or offloaded, and a small per-stack burst handed to the tx
 * callback.
 */
#include <string.h>

#include <rte_ip.h>
#include <rte_tcp.h>

#include "tcp_private.h"

#define IP_HDR_LEN 20

void
tcp_tx_flush(struct og_tcp_stack *st)
{
	uint16_t n = st->ntx, sent;

	if (n == 0)
		return;
	st->ntx = 0;
	sent = st->conf.tx(st->conf.tx_arg, st->txq, n);
	if (og_unlikely(sent < n)) {
		tcp_count(st, OG_TCP_CNT_TX_PARTIAL);
		for (uint16_t i = sent; i < n; i++) {
			rte_pktmbuf_free(st->txq[i]);
			tcp_drop(st, OG_TCP_DROP_TX_FULL);
		}
	}
}

static void
tx_enqueue(struct og_tcp_stack *st, struct rte_mbuf *m)
{
	if (st->ntx == TCP_TX_BURST)
		tcp_tx_flush(st);
	st->txq[st->ntx++] = m;
	tcp_count(st, OG_TCP_CNT_SEGS_OUT);
}

/* Header mbuf with IPv4 and TCP headers; the payload is chained later. */
static struct rte_mbuf *
seg_alloc(struct og_tcp_stack *st, const struct og_tcp_tuple *t, uint32_t seq, uint32_t ack,
	  uint8_t flags, uint16_t wnd, const struct og_tcp_opts *o)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(st->conf.hdr_pool);
	struct rte_ipv4_hdr *ip;
	struct rte_tcp_hdr *th;
	uint8_t opt[40];
	uint32_t olen = o != NULL ? tcp_opts_build(opt, o, flags & TCP_TH_SYN) : 0;
	uint32_t hl = sizeof(*th) + olen;

	if (og_unlikely(m == NULL)) {
		tcp_drop(st, OG_TCP_DROP_NOMBUF);
		return NULL;
	}
	ip = (struct rte_ipv4_hdr *)rte_pktmbuf_append(m, IP_HDR_LEN + hl);
	if (og_unlikely(ip == NULL)) {
		rte_pktmbuf_free(m);
		tcp_drop(st, OG_TCP_DROP_NOMBUF);
		return NULL;
	}
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->type_of_service = 0;
	ip->total_length = 0;
	ip->packet_id = 0;
	ip->fragment_offset = rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG);
	ip->time_to_live = st->conf.ttl;
	ip->next_proto_id = IPPROTO_TCP;
	ip->hdr_checksum = 0;
	ip->src_addr = t->laddr_be;
	ip->dst_addr = t->raddr_be;
	th = (struct rte_tcp_hdr *)(ip + 1);
	th->src_port = t->lport_be;
	th->dst_port = t->rport_be;
	th->sent_seq = rte_cpu_to_be_32(seq);
	th->recv_ack = rte_cpu_to_be_32(flags & TCP_TH_ACK ? ack : 0);
	th->data_off = (uint8_t)((hl / 4) << 4);
	th->tcp_flags = flags;
	th->rx_win = rte_cpu_to_be_16(wnd);
	th->cksum = 0;
	th->tcp_urp = 0;
	memcpy(th + 1, opt, olen);
	m->l2_len = 0;
	m->l3_len = IP_HDR_LEN;
	m->l4_len = hl;
	return m;
}

/* Total length and checksums, once the payload is chained. */
static void
seg_finish(struct og_tcp_stack *st, struct rte_mbuf *m)
{
	struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod(m, struct rte_ipv4_hdr *);
	struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)(ip + 1);

	ip->total_length = rte_cpu_to_be_16((uint16_t)m->pkt_len);
	if (st->conf.tx_csum_offload) {
		m->ol_flags |=
			RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM | RTE_MBUF_F_TX_TCP_CKSUM;
		th->cksum = rte_ipv4_phdr_cksum(ip, m->ol_flags);
	} else {
		ip->hdr_checksum = rte_ipv4_cksum(ip);
		th->cksum = (uint16_t)~tcp_cksum_sum(m, ip, IP_HDR_LEN);
	}
}

/* Chain indirect mbufs for @p len bytes of the send queue from (seg, off). */
static int
attach_payload(struct og_tcp_stack *st, struct rte_mbuf *h, struct rte_mbuf *seg, uint32_t off,
	       uint32_t len)
{
	while (len > 0 && seg != NULL) {
		struct rte_mbuf *mi;
		uint32_t piece;

		if (off >= seg->data_len) {
			off -= seg->data_len;
			seg = seg->next;
			continue;
		}
		piece = OG_MIN(len, (uint32_t)seg->data_len - off);
		mi = rte_pktmbuf_alloc(st->conf.clone_pool);
		if (og_unlikely(mi == NULL))
			return -ENOBUFS;
		rte_pktmbuf_attach(mi, seg);
		mi->data_off = (uint16_t)(mi->data_off + off);
		mi->data_len = (uint16_t)piece;
		mi->pkt_len = piece;
		if (rte_pktmbuf_chain(h, mi) != 0) {
			rte_pktmbuf_free(mi);
			return -EMLINK;
		}
		len -= piece;
		off = 0;
		seg = seg->next;
	}
	return len == 0 ? 0 : -EINVAL;
}

/* The window field we put in a segment, and the right edge it promises. */
static uint16_t
wnd_field(struct og_tcp_conn *c, bool syn)
{
	uint32_t wnd = tcp_rcv_window(c), field;
	uint8_t ws = syn ? 0 : c->rcv_wscale;

	/* RFC 7323 2.2: the window of a SYN is never scaled */
	field = wnd >> ws;
	/* round up rather than shrink what was offered (RFC 9293 3.8.6.2.2) */
	if ((uint64_t)field << ws < (uint64_t)(c->rcv_adv - c->rcv_nxt) &&
	    tcp_seq_gt(c->rcv_adv, c->rcv_nxt))
		field++;
	if (field > 65535)
		field = 65535;
	if (tcp_seq_gt(c->rcv_nxt + (field << ws), c->rcv_adv))
		c->rcv_adv = c->rcv_nxt + (field << ws);
	if (field == 0)
		tcp_count(c->st, OG_TCP_CNT_ZERO_WINDOW);
	return (uint16_t)field;
}

/* SACK blocks from the out-of-order queue, the most recent first (RFC 2018 4). */
static void
fill_sack(struct og_tcp_conn *c, struct og_tcp_opts *o)
{
	uint32_t blk[8][2], n = 0, first = 0;
	struct rte_mbuf *m;

	for (m = c->ooo_head; m != NULL; m = tcp_ooo(c->st, m)->next) {
		struct tcp_ooo_meta *q = tcp_ooo(c->st, m);

		if (n > 0 && blk[n - 1][1] == q->seq) {
			blk[n - 1][1] += q->len;
		} else if (n < 8) {
			blk[n][0] = q->seq;
			blk[n][1] = q->seq + q->len;
			n++;
		} else {
			break;
		}
	}
	for (uint32_t i = 0; i < n; i++)
		if (tcp_seq_in(c->last_sack_seq, blk[i][0], blk[i][1]))
			first = i;
	o->nsack = 0;
	if (n == 0)
		return;
	o->sack[o->nsack][0] = blk[first][0];
	o->sack[o->nsack++][1] = blk[first][1];
	for (uint32_t i = 0; i < n && o->nsack < TCP_MAX_SACK; i++) {
		if (i == first)
			continue;
		o->sack[o->nsack][0] = blk[i][0];
		o->sack[o->nsack++][1] = blk[i][1];
	}
}

static void
conn_opts(struct og_tcp_conn *c, struct og_tcp_opts *o, uint8_t flags)
{
	memset(o, 0, sizeof(*o));
	if (flags & TCP_TH_SYN) {
		o->has_mss = true;
		o->mss = c->st->conf.mss;
		o->sack_ok = c->sack_ok;
		o->has_ws = c->ws_ok;
		o->wscale = c->rcv_wscale;
	}
	if (c->ts_ok) {
		o->has_ts = true;
		/* RFC 7323 5.4: a 1 ms timestamp clock */
		o->tsval = (uint32_t)(c->st->now_us / 1000);
		o->tsecr = c->ts_recent;
	}
	if (c->sack_ok && c->ooo_head != NULL && !(flags & (TCP_TH_SYN | TCP_TH_RST)))
		fill_sack(c, o);
}

/*
 * Payload bytes a segment may carry now. The MSS we settled on leaves room
 * for the timestamp option only; while our ACKs carry SACK blocks (data
 * queued out of order), the options grow by up to the rest of the 40-byte
 * option space, and data + options must stay within the peer's MSS
 * (RFC 9293 3.7.1, RFC 6691 2): a full-size segment would otherwise exceed
 * the path MTU (a link that enforces it drops the frame every time).
 */
static uint32_t
seg_room(const struct og_tcp_conn *c)
{
	uint32_t sack_room = 40 - (c->ts_ok ? 12 : 0);

	if (!c->sack_ok || c->ooo_head == NULL || c->mss <= sack_room + 64)
		return c->mss;
	return c->mss - sack_room;
}

/* An ACK goes out: the delayed ACK is no longer owed. */
static void
ack_sent(struct og_tcp_conn *c)
{
	c->unacked_segs = 0;
	if (c->delack_at != 0) {
		c->delack_at = 0;
		tcp_timer_update(c);
	}
}

/*
 * Sequence number of a segment without data, SYN or FIN (ACK, window
 * update, RST). After a retransmission timeout SND.NXT goes back to SND.UNA
 * while the peer has seen up to SND.MAX, and a peer applies the window of a
 * segment only if its SEG.SEQ is not older than the last one it took a
 * window from (RFC 9293 3.10.7.4 fifth step, SND.WL1): an ACK numbered
 * SND.NXT would carry a window update the peer ignores, and the peer waits
 * on a window we have long reopened. So ACKs carry the highest sequence
 * number sent, kept inside the peer's window (a zero-window probe byte it
 * refused is not counted), as BSD and Linux do.
 */
static uint32_t
ctl_seq(const struct og_tcp_conn *c)
{
	uint32_t wnd_end = c->snd_una + c->snd_wnd;

	if (tcp_seq_leq(c->snd_max, wnd_end))
		return c->snd_max;
	return tcp_seq_max(c->snd_nxt, wnd_end);
}

int
tcp_send_ctl(struct og_tcp_conn *c, uint8_t flags)
{
	struct og_tcp_stack *st = c->st;
	struct og_tcp_opts o;
	struct rte_mbuf *m;
	uint32_t seq = (flags & TCP_TH_SYN) ? c->iss : ctl_seq(c);

	conn_opts(c, &o, flags);
	if (flags & TCP_TH_RST)
		o.has_ts = false;
	m = seg_alloc(st, &c->t, seq, c->rcv_nxt, flags, wnd_field(c, flags & TCP_TH_SYN), &o);
	if (m == NULL)
		return -ENOBUFS;
	seg_finish(st, m);
	tx_enqueue(st, m);
	if (flags & TCP_TH_RST)
		tcp_count(st, OG_TCP_CNT_RESETS_OUT);
	if (flags & TCP_TH_ACK)
		ack_sent(c);
	return 0;
}

void
tcp_send_ack(struct og_tcp_conn *c)
{
	tcp_send_ctl(c, TCP_TH_ACK);
}

void
tcp_send_rst_reply(struct og_tcp_stack *st, const struct og_tcp_tuple *t, uint32_t seq,
		   uint32_t ack, uint8_t flags)
{
	struct rte_mbuf *m = seg_alloc(st, t, seq, ack, flags, 0, NULL);

	if (m == NULL)
		return;
	seg_finish(st, m);
	tx_enqueue(st, m);
	tcp_count(st, OG_TCP_CNT_RESETS_OUT);
}

void
tcp_send_synack_stateless(struct og_tcp_stack *st, const struct og_tcp_tuple *t, uint32_t isn,
			  uint32_t irs, const struct og_tcp_opts *peer)
{
	struct og_tcp_opts o;
	struct rte_mbuf *m;

	memset(&o, 0, sizeof(o));
	o.has_mss = true;
	o.mss = st->conf.mss;
	o.sack_ok = peer->sack_ok;
	o.has_ws = peer->has_ws;
	o.wscale = st->conf.wscale;
	if (peer->has_ts) {
		o.has_ts = true;
		o.tsval = (uint32_t)(st->now_us / 1000);
		o.tsecr = peer->tsval;
	}
	m = seg_alloc(st, t, isn, irs + 1, TCP_TH_SYN | TCP_TH_ACK,
		      (uint16_t)OG_MIN(st->conf.rcv_buf, 65535u), &o);
	if (m == NULL)
		return;
	seg_finish(st, m);
	tx_enqueue(st, m);
}

/*
 * Send @p len bytes of the send queue starting at (@p seg, @p off), whose
 * first byte has sequence number @p seq, plus FIN when @p fin.
 */
static int
send_range(struct og_tcp_conn *c, uint32_t seq, struct rte_mbuf *seg, uint32_t off, uint32_t len,
	   bool fin, bool psh)
{
	struct og_tcp_stack *st = c->st;
	uint8_t flags = TCP_TH_ACK | (fin ? TCP_TH_FIN : 0) | (psh && len ? TCP_TH_PSH : 0);
	struct og_tcp_opts o;
	struct rte_mbuf *m;

	conn_opts(c, &o, flags);
	m = seg_alloc(st, &c->t, seq, c->rcv_nxt, flags, wnd_field(c, false), &o);
	if (m == NULL)
		return -ENOBUFS;
	if (len > 0 && attach_payload(st, m, seg, off, len) != 0) {
		rte_pktmbuf_free(m);
		tcp_drop(st, OG_TCP_DROP_NOMBUF);
		return -ENOBUFS;
	}
	seg_finish(st, m);
	tx_enqueue(st, m);
	st->stats.cnt[OG_TCP_CNT_BYTES_OUT] += len;
	ack_sent(c);
	return 0;
}

static bool
can_send_data(const struct og_tcp_conn *c)
{
	switch (c->state) {
	case OG_TCP_ESTABLISHED:
	case OG_TCP_CLOSE_WAIT:
	case OG_TCP_FIN_WAIT_1:
	case OG_TCP_CLOSING:
	case OG_TCP_LAST_ACK:
		return true;
	default:
		return false;
	}
}

void
tcp_output(struct og_tcp_conn *c)
{
	uint32_t segs = 0;

	if (!can_send_data(c))
		return;
	for (;;) {
		uint32_t flight = c->snd_nxt - c->snd_una;
		uint32_t sent_data = OG_MIN(flight, c->sq_bytes);
		uint32_t unsent = c->sq_bytes - sent_data;
		uint32_t wnd = OG_MIN(c->snd_wnd, c->cwnd), len;
		bool fin_pending = c->shut_wr && !c->fin_acked &&
				   tcp_seq_leq(c->snd_nxt, c->snd_una + c->sq_bytes);
		bool fin;

		if (unsent == 0 && !fin_pending)
			break;
		if (unsent > 0 && flight >= wnd) {
			/* RFC 9293 3.8.6.1: zero window with nothing in flight: probe */
			if (c->snd_wnd == 0 && flight == 0 && !c->persist) {
				c->persist = true;
				c->rexmt_at = c->st->now_us + c->rto_us;
				tcp_timer_update(c);
			}
			break;
		}
		len = OG_MIN(unsent, seg_room(c));
		if (unsent > 0)
			len = OG_MIN(len, wnd - flight);
		/* RFC 9293 3.8.6.2.1 sender SWS avoidance: no small segment while data is in flight
		 */
		if (len < seg_room(c) && len < unsent && flight > 0 && len < c->max_snd_wnd / 2)
			break;
		fin = fin_pending && len == unsent;
		if (segs++ == c->st->conf.output_burst) {
			/* the rest at the next og_tcp_timers_run() */
			if (!c->out_pending) {
				c->out_pending = 1;
				TAILQ_INSERT_TAIL(&c->st->out_list, c, out_link);
				tcp_count(c->st, OG_TCP_CNT_OUTPUT_DEFERRED);
			}
			break;
		}
		if (send_range(c, c->snd_nxt, c->sq_cur, c->sq_cur_off, len, fin, len == unsent) !=
		    0) {
			/* no mbuf: the retransmission timer retries */
			if (c->rexmt_at == 0)
				tcp_rto_arm(c);
			break;
		}
		if (!c->rtt_timing && c->snd_nxt == c->snd_max && len > 0) {
			/* RFC 6298 3 (Karn): time only segments sent once */
			c->rtt_timing = true;
			c->rtt_seq = c->snd_nxt;
			c->rtt_start_us = c->st->now_us;
		}
		c->sq_cur_off += len;
		while (c->sq_cur != NULL && c->sq_cur_off >= c->sq_cur->data_len &&
		       c->sq_cur->next != NULL) {
			c->sq_cur_off -= c->sq_cur->data_len;
			c->sq_cur = c->sq_cur->next;
		}
		c->snd_nxt += len + (fin ? 1 : 0);
		c->snd_max = tcp_seq_max(c->snd_max, c->snd_nxt);
		if (c->rexmt_at == 0 || c->persist) {
			c->persist = false;
			tcp_rto_arm(c);
		}
		if (fin)
			break;
	}
}

void
tcp_retransmit_una(struct og_tcp_conn *c)
{
	uint32_t len = OG_MIN(c->sq_bytes, seg_room(c));
	bool fin = c->shut_wr && !c->fin_acked && len == c->sq_bytes &&
		   tcp_seq_gt(c->snd_max, c->snd_una + c->sq_bytes);

	if (len == 0 && !fin)
		return;
	if (send_range(c, c->snd_una, c->sq_head, c->sq_head_off, len, fin, len == c->sq_bytes) ==
	    0)
		tcp_count(c->st, OG_TCP_CNT_RETRANS_SEGS);
	/* Karn: a retransmitted range gives no RTT sample */
	c->rtt_timing = false;
}

void
tcp_send_probe(struct og_tcp_conn *c)
{
	uint32_t flight = c->snd_nxt - c->snd_una;

	/* RFC 9293 3.8.6.1: probe a zero window with one byte of new data */
	if (c->sq_bytes > flight &&
	    send_range(c, c->snd_nxt, c->sq_cur, c->sq_cur_off, 1, false, false) == 0) {
		tcp_count(c->st, OG_TCP_CNT_PERSIST_PROBES);
		c->snd_max = tcp_seq_max(c->snd_max, c->snd_nxt + 1);
	}
}

void
tcp_sq_rewind(struct og_tcp_conn *c)
{
	c->snd_nxt = c->snd_una;
	c->sq_cur = c->sq_head;
	c->sq_cur_off = c->sq_head_off;
}

void
tcp_sq_drop_acked(struct og_tcp_conn *c, uint32_t acked)
{
	uint32_t off = c->sq_head_off + acked;

	while (c->sq_head != NULL && off >= c->sq_head->data_len) {
		struct rte_mbuf *next = c->sq_head->next;

		/* a send queue with one segment left keeps it until it is fully acked */
		if (next == NULL && off < c->sq_head->data_len)
			break;
		off -= c->sq_head->data_len;
		c->sq_head->next = NULL;
		rte_pktmbuf_free_seg(c->sq_head);
		c->sq_head = next;
	}
	if (c->sq_head == NULL) {
		c->sq_tail = NULL;
		off = 0;
	}
	c->sq_head_off = off;
	c->sq_bytes -= acked;
	c->st->stats.snd_mem -= acked;
}

void
tcp_free_chain_list(struct rte_mbuf *m)
{
	while (m != NULL) {
		struct rte_mbuf *next = m->next;

		m->next = NULL;
		rte_pktmbuf_free_seg(m);
		m = next;
	}
}
