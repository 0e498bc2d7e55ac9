/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Types of the user-space TCP (lib/tcp): configuration, application
 * callbacks, states, counters and drop reasons. Structs and enums only; the
 * functions are in og_tcp.h.
 *
 * Byte order: every address and port that crosses this API is in network
 * byte order (the suffix _be says so), exactly as in the packet.
 */
#ifndef OG_TCP_TYPES_H
#define OG_TCP_TYPES_H

#include <stdbool.h>
#include <stdint.h>

#include "og_common.h"

struct rte_mbuf;
struct rte_mempool;

/** One TCP stack: per dataplane lcore, never shared (opaque). */
struct og_tcp_stack;
/** One connection (opaque); valid until its closed() callback returns. */
struct og_tcp_conn;

/** Connection states (RFC 9293 section 3.3.2), from tcp_state.def. */
enum og_tcp_state {
#define OG_TCP_STATE(e, name) OG_TCP_##e,
#include "tcp_state.def"
#undef OG_TCP_STATE
	OG_TCP_STATE_MAX,
};

/** Event counters, from tcp_counters.def. */
enum og_tcp_cnt {
#define OG_TCP_CNT(e, name, type, help) OG_TCP_CNT_##e,
#include "tcp_counters.def"
#undef OG_TCP_CNT
	OG_TCP_CNT_MAX,
};

/** Drop reasons, from tcp_drop.def. */
enum og_tcp_drop {
#define OG_TCP_DROP(e, name, help) OG_TCP_DROP_##e,
#include "tcp_drop.def"
#undef OG_TCP_DROP
	OG_TCP_DROP_MAX,
};

/**
 * Counters of one stack. Written only by the stack's lcore with plain
 * increments; a control thread may read them (values may be a little stale)
 * and sums the stacks of all lcores.
 */
struct og_tcp_stats {
	uint64_t cnt[OG_TCP_CNT_MAX];	  /**< indexed by enum og_tcp_cnt */
	uint64_t drop[OG_TCP_DROP_MAX];	  /**< indexed by enum og_tcp_drop */
	uint32_t conns[OG_TCP_STATE_MAX]; /**< gauge: connections per state */
	uint32_t half_open;		  /**< gauge: SYN-RECEIVED connections */
	uint64_t rcv_mem;		  /**< gauge: bytes held in receive buffers */
	uint64_t snd_mem;		  /**< gauge: bytes held in send queues */
} __attribute__((aligned(64)));

/**
 * Application callbacks of a listener or of an active open. Every callback
 * runs on the stack's lcore, from inside og_tcp_input_burst(),
 * og_tcp_timers_run() or an og_tcp_* call; it may call og_tcp_send(),
 * og_tcp_recv_done(), og_tcp_shutdown(), og_tcp_close() and og_tcp_abort() on
 * its own connection.
 */
struct og_tcp_app {
	/**
	 * A passive open completed (ESTABLISHED). Return the connection's
	 * context (passed to every other callback), or NULL to refuse: the
	 * peer gets a RST and no other callback runs for @p c.
	 */
	void *(*accepted)(void *arg, struct og_tcp_conn *c);
	/**
	 * Active open finished: @p err is 0 (ESTABLISHED) or -ECONNREFUSED /
	 * -ETIMEDOUT (then closed() follows).
	 */
	void (*connected)(void *ctx, struct og_tcp_conn *c, int err);
	/**
	 * In-order payload: an mbuf chain trimmed to the payload, owned by the
	 * application from now on. Its bytes count against the receive window
	 * until the application calls og_tcp_recv_done(): that is the
	 * backpressure.
	 */
	void (*recv)(void *ctx, struct og_tcp_conn *c, struct rte_mbuf *data);
	/** Send space became available after og_tcp_send() returned -EAGAIN. */
	void (*sendable)(void *ctx, struct og_tcp_conn *c);
	/** The peer sent FIN (half-close): no more recv() for @p c. */
	void (*peer_closed)(void *ctx, struct og_tcp_conn *c);
	/**
	 * Final callback: @p reason is 0 (orderly), -ECONNRESET (RST
	 * received), -ETIMEDOUT (retransmissions or idle timeout),
	 * -ECONNABORTED (og_tcp_abort() or stack freed) or -ENOMEM. After it
	 * returns @p c is invalid.
	 */
	void (*closed)(void *ctx, struct og_tcp_conn *c, int reason);
	/**
	 * Optional, listeners only: the stack's connection table is nearly full
	 * (og_tcp_conf.evict_threshold) and a new passive open needs a slot.
	 * Release one connection of this listener with og_tcp_abort() and return
	 * true, or return false when none may go. Runs on the stack's lcore.
	 */
	bool (*evict)(void *arg);
};

/**
 * Stack configuration; zero fields take the defaults of og_tcp_conf_init().
 */
struct og_tcp_conf {
	/** Connections of all states (SYN-RECEIVED and TIME-WAIT included). */
	uint32_t max_conns;
	/** Listeners (a few: one per port). */
	uint32_t max_listeners;
	/**
	 * Mempool of the header mbufs of the segments we build (data room >=
	 * RTE_PKTMBUF_HEADROOM + 60 + 60 bytes).
	 */
	struct rte_mempool *hdr_pool;
	/**
	 * Mempool of the indirect mbufs that reference send-queue payload
	 * (zero copy). May be hdr_pool; a pool with data room 0 is enough.
	 */
	struct rte_mempool *clone_pool;
	/** Receive buffer per connection in bytes: the largest window offered. */
	uint32_t rcv_buf;
	/** Send buffer per connection in bytes: og_tcp_send_space() starts here. */
	uint32_t snd_buf;
	/** Bytes all receive buffers of the stack may hold together (0: no limit). */
	uint64_t rcv_mem_limit;
	/** Bytes all send queues of the stack may hold together (0: no limit). */
	uint64_t snd_mem_limit;
	/** MSS we announce (RFC 9293 3.7.1); default 1460. */
	uint16_t mss;
	/** Window shift we announce (RFC 7323 2.2); default 7, max 14. */
	uint8_t wscale;
	/** IPv4 TTL of our segments; default 64. */
	uint8_t ttl;
	/**
	 * SYN-RECEIVED connections above which SYNs are answered with SYN
	 * cookies instead of state (RFC 4987 3.6); 0 takes max_conns / 4,
	 * UINT32_MAX never uses cookies.
	 */
	uint32_t syncookie_threshold;
	/**
	 * Connections in use (all states) at or above which a passive open asks
	 * its listener's evict() callback to free a slot first (docs/tcp.md);
	 * 0 takes max_conns - max_conns / 16. Above it, SYNs to a listener with
	 * evict() are answered with SYN cookies, so that only a peer that
	 * completes the handshake (not a spoofed SYN) can cost an eviction.
	 */
	uint32_t evict_threshold;
	/**
	 * Passive connections one remote IPv4 address may hold in this stack,
	 * counted from ESTABLISHED to the end of TIME-WAIT (SYN-RECEIVED does
	 * not count: a SYN's address may be spoofed); a SYN, or a handshake's
	 * last ACK, beyond it is refused with a RST (drop reason
	 * source_limit). 0: no limit.
	 */
	uint32_t max_conns_per_source;
	/** Out-of-order segments held per connection (default 64). */
	uint32_t ooo_max;
	/** Connections allowed in TIME-WAIT at once (default max_conns / 4). */
	uint32_t max_time_wait;
	/** TIME-WAIT duration in microseconds (default 1 s, docs/tcp.md). */
	uint64_t time_wait_us;
	/** Idle timeout in microseconds (default 120 s; UINT64_MAX: none). */
	uint64_t idle_timeout_us;
	/** Minimum RTO in microseconds (default 200 ms, RFC 6298 2.4). */
	uint64_t rto_min_us;
	/** Maximum RTO in microseconds (default 60 s, RFC 6298 2.5). */
	uint64_t rto_max_us;
	/** Initial RTO in microseconds (default 1 s, RFC 6298 2.1). */
	uint64_t rto_init_us;
	/** Delayed-ACK timeout in microseconds (default 40 ms, RFC 1122 4.2.3.2). */
	uint64_t delack_us;
	/** Retransmissions of one segment before the connection times out (default 8). */
	uint32_t max_retries;
	/**
	 * New data segments one connection sends in one go (default 64, about
	 * 93 KB at a 1448-byte MSS). A connection with more to send, and the
	 * window for it, continues at the next og_tcp_timers_run(), once per
	 * loop iteration, behind the others that stopped: handing TCP a 2.6 MB
	 * batch with a large cwnd otherwise built ~1,800 segments in one call,
	 * a 2 ms loop iteration in which no client segment was read.
	 */
	uint32_t output_burst;
	/** Random secret seeding the ISN, the SYN cookies and the hash table. */
	uint8_t secret[16];
	/** Ephemeral port range for active opens (default 32768..60999). */
	uint16_t port_lo, port_hi;
	/**
	 * The port computes IPv4 and TCP checksums: segments carry
	 * RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM | RTE_MBUF_F_TX_TCP_CKSUM
	 * and the pseudo-header checksum instead of the full ones.
	 */
	bool tx_csum_offload;
	/**
	 * Output: takes IPv4 datagrams (data starts at the IPv4 header,
	 * headroom >= RTE_PKTMBUF_HEADROOM left for Ethernet, l2_len = 0,
	 * l3_len and l4_len set) and returns how many it took; the stack frees
	 * the rest and counts them.
	 */
	uint16_t (*tx)(void *tx_arg, struct rte_mbuf **pkts, uint16_t n);
	void *tx_arg;
	/**
	 * Optional, for active opens: true when the flow (addresses and ports
	 * in network byte order, as the peer's reply would carry them reversed)
	 * hashes back to this lcore's RX queue.
	 */
	bool (*rss_ok)(void *arg, uint32_t saddr_be, uint32_t daddr_be, uint16_t sport_be,
		       uint16_t dport_be);
	void *rss_arg;
};

/** Addresses and ports of a connection, network byte order. */
struct og_tcp_tuple {
	uint32_t laddr_be;
	uint32_t raddr_be;
	uint16_t lport_be;
	uint16_t rport_be;
};

#endif /* OG_TCP_TYPES_H */
