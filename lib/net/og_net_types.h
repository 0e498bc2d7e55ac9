/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Types of lib/net: ports, the per-lcore network context (Ethernet, ARP,
 * IPv4, ICMP), its counters and drop reasons. Structs and enums only; the
 * functions are in og_net.h.
 */
#ifndef OG_NET_TYPES_H
#define OG_NET_TYPES_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_common.h>
#include <rte_ether.h>

#include "og_common.h"

/** Why lib/net dropped a packet (net_drop.def). */
enum og_net_drop {
#define OG_NET_DROP(e, name, help) OG_NET_DROP_##e,
#include "net_drop.def"
#undef OG_NET_DROP
	OG_NET_DROP_MAX,
};

/** Event counters of lib/net (net_counters.def). */
enum og_net_ctr {
#define OG_NET_CTR(e, name, type, help) OG_NET_CTR_##e,
#include "net_counters.def"
#undef OG_NET_CTR
	OG_NET_CTR_MAX,
};

/**
 * Counters of one network context (one lcore on one port). Written with
 * plain += by the owning lcore only; the control thread reads and sums them
 * (a torn read of a 64-bit counter cannot happen on the 64-bit targets we
 * build for).
 */
struct og_net_stats {
	uint64_t ctr[OG_NET_CTR_MAX];
	uint64_t drop[OG_NET_DROP_MAX];
} __rte_cache_aligned;

/** What og_port_init() found out about a port and configured on it. */
struct og_port_info {
	struct rte_ether_addr mac;
	uint16_t n_queues;
	uint16_t reta_size; /**< 0 when RSS is not in use */
	bool rss;	    /**< RSS configured (several queues, port capable) */
	bool rx_ip_cksum;   /**< RX IPv4 checksum offload enabled */
	bool rx_tcp_cksum;  /**< RX TCP checksum offload enabled */
	bool tx_ip_cksum;   /**< TX IPv4 checksum offload enabled */
	bool tx_tcp_cksum;  /**< TX TCP checksum offload enabled */
	bool tx_multi_seg;  /**< TX accepts mbuf chains */
	bool started;
};

/** Port settings given to og_port_init(); zero fields take defaults. */
struct og_port_conf {
	uint16_t nb_rxd;  /**< RX descriptors per queue (default 1024) */
	uint16_t nb_txd;  /**< TX descriptors per queue (default 1024) */
	uint16_t mtu;	  /**< 0 = leave the port's MTU */
	bool no_offloads; /**< force software checksums (tests) */
};

/**
 * Transmit function of a network context: rte_eth_tx_burst() on the
 * context's queue by default; tests and fault injection put their own here.
 * Returns how many packets it took; the caller frees the rest.
 */
typedef uint16_t (*og_net_xmit_t)(void *arg, struct rte_mbuf **pkts, uint16_t n);

/**
 * Fault injection rates, in parts per million of packets. Honoured only in
 * builds configured with -Dfault_injection=true (OG_FAULT_INJECTION); other
 * builds refuse non-zero rates. Reordering holds a packet back behind the
 * next one (or for at most 1 ms).
 */
struct og_net_fault {
	uint32_t rx_drop;
	uint32_t rx_dup;
	uint32_t rx_reorder;
	uint32_t tx_drop;
	uint32_t tx_dup;
	uint32_t tx_reorder;
};

/** Settings of one network context (og_net_ctx_create()). */
struct og_net_conf {
	uint16_t port_id;
	uint16_t queue_id;
	int socket_id;		   /**< for its memory; SOCKET_ID_ANY is fine */
	struct rte_mempool *mp;	   /**< for ARP requests and announcements */
	uint32_t addr_be;	   /**< our IPv4 address on this port */
	uint8_t prefix_len;	   /**< on-link prefix length (--port-ip A/N) */
	uint32_t gateway_be;	   /**< next hop for off-link destinations, 0 = none */
	struct rte_ether_addr mac; /**< the port's MAC */
	uint32_t arp_entries;	   /**< ARP cache slots, power of two (default 256) */
	uint32_t arp_retry_us;	   /**< time between ARP requests (default 1 s) */
	uint32_t arp_retries;	   /**< requests before giving up (default 3) */
	uint32_t arp_ttl_us;	   /**< life of a resolved entry (default 300 s) */
	og_net_xmit_t xmit;	   /**< NULL = rte_eth_tx_burst on port/queue */
	void *xmit_arg;
	struct og_net_fault fault; /**< all zero outside fault-injection builds */
};

struct og_net_ctx;

#endif /* OG_NET_TYPES_H */
