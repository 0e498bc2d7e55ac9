/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Internals of lib/net shared by its .c files; never included from outside.
 */
#ifndef OG_NET_PRIVATE_H
#define OG_NET_PRIVATE_H

#include <rte_log.h>

#include "og_net.h"

extern int og_net_logtype;
#define NET_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_##level, og_net_logtype, "net: " fmt "\n", ##__VA_ARGS__)

#define NET_TX_BUF	64     /* frames buffered before a forced flush */
#define NET_TX_CAP	1024   /* frames held while the NIC's TX ring is full */
#define NET_TX_STUCK_US 100000 /* no frame taken for this long: drop the head one */
#define NET_ARP_PENDING 4      /* packets held per unresolved next hop (RFC 1122 2.3.2.2) */
#define NET_ARP_PROBES	8      /* slots probed in the ARP hash table */

enum arp_state {
	ARP_FREE = 0,
	ARP_INCOMPLETE, /* request out, packets may be waiting */
	ARP_REACHABLE,	/* resolved; refreshed by any ARP from that host */
};

struct arp_entry {
	uint32_t addr_be;
	uint8_t state;
	uint8_t tries; /* requests sent in this resolution */
	uint8_t n_pending;
	struct rte_ether_addr mac;
	uint64_t deadline_us; /* INCOMPLETE: next retry; REACHABLE: expiry */
	struct rte_mbuf *pending[NET_ARP_PENDING];
};

struct og_net_ctx {
	/* hot: read for every packet */
	uint16_t port_id;
	uint16_t queue_id;
	uint32_t addr_be;
	uint32_t mask_be;
	uint32_t gateway_be;
	struct rte_ether_addr mac;
	bool rx_ip_cksum;
	uint16_t tx_n;
	uint64_t tx_stuck_us; /* 1 + when the NIC last refused everything; 0: moving */
	uint64_t now_us;
	og_net_xmit_t xmit;
	void *xmit_arg;
	struct rte_mbuf *tx_buf[NET_TX_CAP];

	/* ARP */
	struct rte_mempool *mp;
	uint32_t arp_mask; /* entries - 1 */
	uint32_t arp_retry_us;
	uint32_t arp_retries;
	uint32_t arp_ttl_us;
	uint64_t arp_next_scan_us;
	uint32_t arp_incomplete; /* entries in ARP_INCOMPLETE: skip scans when 0 */
	struct arp_entry *arp;

	unsigned int slot; /* index in the registry of live contexts */
#ifdef OG_FAULT_INJECTION
	struct og_net_fault fault;
	struct rte_mbuf *rx_held; /* a received packet delayed behind the next */
	struct rte_mbuf *tx_held; /* a sent packet delayed behind the next */
	uint64_t rx_held_us;
	uint64_t tx_held_us;
#endif
	struct og_net_stats stats;
};

/* arp.c */
void net_arp_input(struct og_net_ctx *nc, struct rte_mbuf *m);
void net_arp_output(struct og_net_ctx *nc, struct rte_mbuf *m, uint32_t nexthop_be);
void net_arp_timers(struct og_net_ctx *nc);
void net_arp_flush_all(struct og_net_ctx *nc);

#ifdef OG_FAULT_INJECTION
/* fault.c: out must have room for 2 * n + 1 packets */
uint16_t net_fault_rx(struct og_net_ctx *nc, struct rte_mbuf **pkts, uint16_t n,
		      struct rte_mbuf **out);
uint16_t net_fault_tx(struct og_net_ctx *nc, struct rte_mbuf **pkts, uint16_t n,
		      struct rte_mbuf **out);
void net_fault_timers(struct og_net_ctx *nc);
#endif

/* output.c */
void net_tx_frame(struct og_net_ctx *nc, struct rte_mbuf *m);

static inline void
net_drop(struct og_net_ctx *nc, struct rte_mbuf *m, enum og_net_drop reason)
{
	nc->stats.drop[reason]++;
	rte_pktmbuf_free(m);
}

#endif /* OG_NET_PRIVATE_H */
