/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fault injection (builds with -Dfault_injection=true only): drop, duplicate
 * and reorder packets on RX and TX at configured rates, so that our TCP's
 * retransmission, duplicate and out-of-order paths are exercised against a
 * real peer. Copies and random numbers are fine here: this never ships.
 */
#ifdef OG_FAULT_INJECTION

#include <rte_mbuf.h>
#include <rte_random.h>

#include "net_private.h"

#define HOLD_MAX_US 1000 /* a delayed packet waits at most this long */

static inline bool
hit(uint32_t ppm)
{
	return ppm != 0 && rte_rand_max(1000000) < ppm;
}

static uint16_t
apply(struct og_net_ctx *nc, struct rte_mbuf **pkts, uint16_t n, struct rte_mbuf **out,
      uint32_t drop, uint32_t dup, uint32_t reorder, struct rte_mbuf **held, uint64_t *held_us)
{
	uint16_t k = 0;

	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];

		if (hit(drop)) {
			net_drop(nc, m, OG_NET_DROP_FAULT_INJECTED);
			continue;
		}
		if (*held == NULL && hit(reorder)) {
			*held = m;
			*held_us = nc->now_us;
			continue;
		}
		out[k++] = m;
		if (*held != NULL) {
			out[k++] = *held;
			*held = NULL;
		}
		if (hit(dup)) {
			struct rte_mbuf *c = rte_pktmbuf_copy(m, nc->mp, 0, UINT32_MAX);

			if (c != NULL)
				out[k++] = c;
		}
	}
	/* a packet held too long goes out now, behind whatever came */
	if (*held != NULL && nc->now_us - *held_us >= HOLD_MAX_US) {
		out[k++] = *held;
		*held = NULL;
	}
	return k;
}

uint16_t
net_fault_rx(struct og_net_ctx *nc, struct rte_mbuf **pkts, uint16_t n, struct rte_mbuf **out)
{
	return apply(nc, pkts, n, out, nc->fault.rx_drop, nc->fault.rx_dup, nc->fault.rx_reorder,
		     &nc->rx_held, &nc->rx_held_us);
}

uint16_t
net_fault_tx(struct og_net_ctx *nc, struct rte_mbuf **pkts, uint16_t n, struct rte_mbuf **out)
{
	return apply(nc, pkts, n, out, nc->fault.tx_drop, nc->fault.tx_dup, nc->fault.tx_reorder,
		     &nc->tx_held, &nc->tx_held_us);
}

void
net_fault_timers(struct og_net_ctx *nc)
{
	if (nc->tx_held != NULL && nc->now_us - nc->tx_held_us >= HOLD_MAX_US) {
		struct rte_mbuf *m = nc->tx_held;

		nc->tx_held = NULL;
		if (nc->xmit(nc->xmit_arg, &m, 1) == 1)
			nc->stats.ctr[OG_NET_CTR_TX_PKTS]++;
		else
			net_drop(nc, m, OG_NET_DROP_TX_FULL);
	}
}

#endif /* OG_FAULT_INJECTION */
