/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Transmit path: next-hop choice, Ethernet header, TX buffering.
 */
#include <string.h>

#include <rte_ether.h>
#include <rte_ip.h>

#include "net_private.h"

/* Drop frames [from, n) of @p pkts: the NIC did not take them. */
static void
tx_drop(struct og_net_ctx *nc, struct rte_mbuf **pkts, uint16_t from, uint16_t n)
{
	for (uint16_t i = from; i < n; i++) {
		nc->stats.ctr[OG_NET_CTR_TX_BYTES] -= rte_pktmbuf_pkt_len(pkts[i]);
		net_drop(nc, pkts[i], OG_NET_DROP_TX_FULL);
	}
}

static void
tx_burst(struct og_net_ctx *nc)
{
	struct rte_mbuf **pkts = nc->tx_buf;
	uint16_t sent = 0, got = 1;
	uint16_t n = nc->tx_n;
#ifdef OG_FAULT_INJECTION
	/* n <= NET_TX_BUF here: the buffer is emptied on every burst */
	struct rte_mbuf *faulted[2 * NET_TX_BUF + 1];

	/* injected faults apply once: what the NIC refuses here is dropped */
	n = net_fault_tx(nc, pkts, n, faulted);
	for (int tries = 0; sent < n && tries < 4; tries++)
		sent += nc->xmit(nc->xmit_arg, faulted + sent, (uint16_t)(n - sent));
	nc->stats.ctr[OG_NET_CTR_TX_PKTS] += sent;
	tx_drop(nc, faulted, sent, n);
	nc->tx_n = 0;
	(void)got;
#else
	/*
	 * What a full TX ring refuses stays at the head of the buffer, in
	 * order, and goes first on the next flush (every loop iteration): a
	 * NIC, or a TAP whose kernel side is slow, that is momentarily full
	 * costs latency, not a loss that TCP would have to repair by timeout.
	 */
	for (int tries = 0; sent < n && got != 0 && tries < 4; tries++) {
		got = nc->xmit(nc->xmit_arg, pkts + sent, (uint16_t)(n - sent));
		sent += got;
	}
	nc->stats.ctr[OG_NET_CTR_TX_PKTS] += sent;
	if (sent != 0 || n == 0) {
		nc->tx_stuck_us = 0;
	} else if (nc->tx_stuck_us == 0) {
		nc->tx_stuck_us = nc->now_us + 1;
	} else if (nc->now_us > nc->tx_stuck_us + NET_TX_STUCK_US) {
		/*
		 * The NIC has taken nothing for a long while: the frame at
		 * the head may be one it will never take. Drop it so the
		 * rest are not held behind it.
		 */
		tx_drop(nc, pkts, 0, 1);
		sent = 1;
		nc->tx_stuck_us = 0;
	}
	if (sent != 0 && sent < n)
		memmove(pkts, pkts + sent, (size_t)(n - sent) * sizeof(*pkts));
	nc->tx_n = (uint16_t)(n - sent);
#endif
}

void
net_tx_frame(struct og_net_ctx *nc, struct rte_mbuf *m)
{
	/*
	 * Bytes are counted when buffered and taken back if the NIC refuses
	 * the frame: once the NIC has a frame it may already be freed.
	 */
	nc->stats.ctr[OG_NET_CTR_TX_BYTES] += rte_pktmbuf_pkt_len(m);
	m->l2_len = sizeof(struct rte_ether_hdr);
	if (nc->tx_n == NET_TX_CAP) {
		tx_burst(nc);
		if (nc->tx_n == NET_TX_CAP) {
			/* the backlog is full too: the NIC is not draining */
			tx_drop(nc, &m, 0, 1);
			return;
		}
	}
	nc->tx_buf[nc->tx_n++] = m;
	if (nc->tx_n >= NET_TX_BUF && nc->tx_n % NET_TX_BUF == 0)
		tx_burst(nc);
}

void
og_net_tx_flush(struct og_net_ctx *nc)
{
	if (nc->tx_n != 0)
		tx_burst(nc);
}

uint16_t
og_net_output_burst(void *arg, struct rte_mbuf **pkts, uint16_t n)
{
	struct og_net_ctx *nc = arg;

	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		const struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod(m, const struct rte_ipv4_hdr *);
		uint32_t nh = ip->dst_addr;

		if (!og_net_on_link(nc, nh)) {
			if (nc->gateway_be == 0) {
				net_drop(nc, m, OG_NET_DROP_NO_ROUTE);
				continue;
			}
			nh = nc->gateway_be;
		}
		if (og_unlikely(rte_pktmbuf_prepend(m, sizeof(struct rte_ether_hdr)) == NULL)) {
			net_drop(nc, m, OG_NET_DROP_NO_HEADROOM);
			continue;
		}
		net_arp_output(nc, m, nh);
	}
	return n;
}

void
og_net_timers_run(struct og_net_ctx *nc, uint64_t now_us)
{
	nc->now_us = now_us;
#ifdef OG_FAULT_INJECTION
	net_fault_timers(nc);
#endif
	if (now_us < nc->arp_next_scan_us)
		return;
	nc->arp_next_scan_us = now_us + 50000;
	net_arp_timers(nc);
}
