/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * lib/net: port bring-up, and per-lcore Ethernet / ARP / IPv4 / ICMP.
 *
 * One og_net_ctx exists per (port, dataplane lcore); it owns that lcore's RX
 * and TX queue on the port, its ARP cache, its TX buffer and its counters.
 * Nothing in it is shared, so nothing is locked. The RX loop calls
 * og_net_input_burst(), which answers ARP and ICMP itself and hands IPv4/TCP
 * datagrams back (Ethernet header removed) for lib/tcp. lib/tcp's output
 * callback is og_net_output_burst(), which adds the Ethernet header for the
 * next hop (resolving it with ARP) and buffers for TX; og_net_tx_flush()
 * sends the buffer once per loop iteration.
 */
#ifndef OG_NET_H
#define OG_NET_H

#include <stdint.h>

#include <rte_mbuf.h>

#include "og_net_types.h"

/**
 * Configure and start an ethdev port with @p n_queues RX/TX queue pairs (one
 * per dataplane lcore). Enables RSS with a symmetric key when the port can
 * and @p n_queues > 1, and IPv4/TCP checksum offloads the port has (software
 * checksums otherwise; og_port_info() tells which). Logs the link status.
 *
 * @return 0, or -errno (-ENODEV bad port, -EINVAL bad queue count, or the
 *   ethdev error).
 */
int og_port_init(uint16_t port_id, uint16_t n_queues, struct rte_mempool *mp,
		 const struct og_port_conf *conf);

/** What og_port_init() configured; NULL when the port was not initialised. */
const struct og_port_info *og_port_info(uint16_t port_id);

/** Stop and close a port initialised by og_port_init(). */
void og_port_close(uint16_t port_id);

/** Log the port's link status (speed, duplex, up/down) at INFO level. */
void og_port_log_link(uint16_t port_id);

/**
 * The RX queue on which the NIC delivers packets of a TCP/IPv4 flow: the
 * Toeplitz hash of the 4-tuple with the port's symmetric key, through the
 * default redirection table. Used by active open to choose source ports whose
 * answers come back to the same lcore. Addresses and ports in network order;
 * the key is symmetric, so the direction does not matter.
 *
 * @return the queue index (0 when RSS is off).
 */
uint16_t og_port_rss_queue(uint16_t port_id, uint32_t saddr_be, uint32_t daddr_be,
			   uint16_t sport_be, uint16_t dport_be);

/**
 * Create a network context (one per port per dataplane lcore).
 *
 * @return the context, or NULL (bad settings or no memory).
 */
struct og_net_ctx *og_net_ctx_create(const struct og_net_conf *conf);

/** Free a context: packets waiting for ARP are freed, the TX buffer flushed. */
void og_net_ctx_free(struct og_net_ctx *nc);

/**
 * Handle received Ethernet frames. ARP and ICMP echo are answered here (the
 * answers are buffered for TX); IPv4/TCP datagrams for us are validated
 * (RFC 791 header checks, checksum in software unless the NIC vouched for
 * it), stripped of their Ethernet header, trimmed to the IP total length, get
 * l3_len set, and are written to @p tcp (room for @p n; 2n + 1 in
 * fault-injection builds, which may duplicate). Everything else is
 * counted under its drop reason and freed.
 *
 * @return n: every packet was handled; *n_tcp says how many went to @p tcp.
 */
uint16_t og_net_input_burst(struct og_net_ctx *nc, struct rte_mbuf **pkts, uint16_t n,
			    uint64_t now_us, struct rte_mbuf **tcp, uint16_t *n_tcp);

/**
 * Send IPv4 datagrams (data starts at the IPv4 header; checksums already
 * done or offload flags set). Adds the Ethernet header for the next hop:
 * the destination itself when on-link, else the gateway; resolves it with
 * ARP, holding a few packets per next hop while the request is out. Has the
 * signature of lib/tcp's output callback, @p arg being the og_net_ctx.
 *
 * @return n: every packet was taken (sent, buffered, queued or counted as
 *   dropped).
 */
uint16_t og_net_output_burst(void *arg, struct rte_mbuf **pkts, uint16_t n);

/** Hand the TX buffer to the NIC; packets it refuses are counted (tx_full). */
void og_net_tx_flush(struct og_net_ctx *nc);

/**
 * Per-loop housekeeping: ARP retries and timeouts. Cheap when nothing is due
 * (the table is scanned at most every 50 ms). Also sets the context's clock
 * used by og_net_output_burst().
 */
void og_net_timers_run(struct og_net_ctx *nc, uint64_t now_us);

/**
 * Send a gratuitous ARP request announcing our address (RFC 5227 section
 * 3), so neighbours and switches learn it at start.
 *
 * @return 0, or -ENOBUFS when the mempool is empty.
 */
int og_net_announce(struct og_net_ctx *nc);

/**
 * Look an address up in the context's ARP cache.
 *
 * @return 0 and fills @p mac when resolved, -ENOENT otherwise.
 */
int og_net_arp_lookup(const struct og_net_ctx *nc, uint32_t addr_be, struct rte_ether_addr *mac);

/** The context's own counters. */
const struct og_net_stats *og_net_stats(const struct og_net_ctx *nc);

/** Sum the counters of every live context into @p out (control thread). */
void og_net_stats_sum(struct og_net_stats *out);

/** Our address, in network order. */
uint32_t og_net_addr(const struct og_net_ctx *nc);

/** True when @p addr_be is inside the context's on-link prefix. */
bool og_net_on_link(const struct og_net_ctx *nc, uint32_t addr_be);

/** Label of a drop reason ("ip_cksum"), NULL when out of range. */
const char *og_net_drop_name(unsigned int reason);
/** Help text of a drop reason. */
const char *og_net_drop_help(unsigned int reason);
/** Metric name of an event counter. */
const char *og_net_ctr_name(unsigned int ctr);

/**
 * Register lib/net's metrics in the registry (lib/common/og_metric.h): the
 * ethdev statistics and link state of every port, the rows of
 * net_counters.def and otlpgate_net_drops_total{reason} (net_drop.def),
 * summed over every live context. Call once at start.
 *
 * @return 0 or the -errno of og_metric_register().
 */
int og_net_metrics_register(void);

#endif /* OG_NET_H */
