/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * In-process simulator of lib/tcp for tests, benchmarks and fuzzing: the
 * stack behind its tx callback on a virtual microsecond clock, a peer that
 * injects IPv4/TCP segments and reads back what the stack sent. Not used by
 * the appliance; it lives here so that tests/tcp, perf and tests/fuzz share
 * one copy. Segments are described in host byte order.
 */
#ifndef OG_TCP_SIM_H
#define OG_TCP_SIM_H

#include <stdint.h>

#include "tcp_private.h"

/** One segment as the peer sees it (host byte order). */
struct og_tcp_sim_seg {
	uint32_t saddr, daddr;
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t flags;
	uint16_t win;
	uint32_t len; /**< payload bytes */
	struct og_tcp_opts opts;
	bool bad_csum;	     /**< inject: corrupt the checksum; pop: checksum was wrong */
	uint64_t t_us;	     /**< pop: virtual time the stack sent it */
	uint8_t payload[64]; /**< pop: the first payload bytes */
};

struct og_tcp_sim;

/**
 * Initialise the EAL once per process for simulation: no hugepages, no PCI,
 * no shared config, @p mem_mb of memory, a unique file prefix.
 *
 * @return 0 or a negative value.
 */
int og_tcp_sim_eal_init(unsigned int mem_mb);

/**
 * A stack with @p conf (NULL: defaults; hdr_pool, clone_pool, tx and secret
 * are set by the simulator) behind a capture ring, at virtual time 0.
 * Payload of injected segments byte i at sequence number s is (uint8_t)s.
 */
struct og_tcp_sim *og_tcp_sim_create(const struct og_tcp_conf *conf, uint32_t nb_mbufs);
void og_tcp_sim_free(struct og_tcp_sim *sim);
struct og_tcp_stack *og_tcp_sim_stack(struct og_tcp_sim *sim);
/** Mempool for injected packets and for application data. */
struct rte_mempool *og_tcp_sim_data_pool(struct og_tcp_sim *sim);
/** The stack's header mempool (to starve it in tests). */
struct rte_mempool *og_tcp_sim_hdr_pool(struct og_tcp_sim *sim);
uint64_t og_tcp_sim_now(const struct og_tcp_sim *sim);

/** Build the packet of @p s; NULL when the data pool is empty. */
struct rte_mbuf *og_tcp_sim_build(struct og_tcp_sim *sim, const struct og_tcp_sim_seg *s);
/** Build and hand @p s to the stack at the current virtual time. */
int og_tcp_sim_inject(struct og_tcp_sim *sim, const struct og_tcp_sim_seg *s);
/** Advance the virtual clock to @p t_us, running the timers every tick. */
void og_tcp_sim_advance(struct og_tcp_sim *sim, uint64_t t_us);
/** Segments the stack sent and nobody popped yet. */
uint32_t og_tcp_sim_pending(const struct og_tcp_sim *sim);
/** Take the oldest sent segment. @return 0, or -1 when none. */
int og_tcp_sim_pop(struct og_tcp_sim *sim, struct og_tcp_sim_seg *out);
/** Drop every captured segment. */
void og_tcp_sim_discard(struct og_tcp_sim *sim);
/** Let the tx callback refuse everything beyond @p n per burst (UINT16_MAX: take all). */
void og_tcp_sim_tx_limit(struct og_tcp_sim *sim, uint16_t n);

#endif /* OG_TCP_SIM_H */
