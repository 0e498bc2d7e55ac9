/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * User-space TCP endpoints (RFC 9293) for otlpgate: one stack per dataplane
 * lcore, fed by og_tcp_input_burst() and og_tcp_timers_run(), talking to the
 * network through the tx callback of its configuration and to applications
 * through struct og_tcp_app callbacks. No call blocks, allocates from the
 * heap on the data path, takes a lock or makes a system call.
 *
 * Packets in and out are IPv4 datagrams in mbufs whose data starts at the
 * IPv4 header; lib/net adds and removes Ethernet. See docs/tcp.md.
 */
#ifndef OG_TCP_H
#define OG_TCP_H

#include <stdbool.h>
#include <stdint.h>

#include "og_tcp_types.h"

/**
 * Fill @p conf with the defaults (zero pools and callbacks, a secret of
 * zeros: set a random one before og_tcp_stack_create()).
 */
void og_tcp_conf_init(struct og_tcp_conf *conf);

/**
 * Create a stack. Memory (connection table, hash, timer wheel) is allocated
 * here, never later. Zero fields of @p conf take defaults; hdr_pool and tx are
 * required.
 *
 * @return the stack, or NULL (bad configuration or no memory).
 */
struct og_tcp_stack *og_tcp_stack_create(const struct og_tcp_conf *conf);

/**
 * Abort every connection (RST to the peer, closed() with -ECONNABORTED) and
 * free the stack. NULL is accepted.
 */
void og_tcp_stack_free(struct og_tcp_stack *st);

/**
 * Process received segments. Each packet's data starts at its IPv4 header
 * (already validated by lib/net) and its pkt_len is the IPv4 total length. The
 * TCP checksum is verified unless the mbuf says RTE_MBUF_F_RX_L4_CKSUM_GOOD.
 * The stack takes ownership of every packet.
 *
 * @return @p n.
 */
uint16_t og_tcp_input_burst(struct og_tcp_stack *st, struct rte_mbuf **pkts, uint16_t n,
			    uint64_t now_us);

/**
 * Run the timers due at @p now_us (retransmission, persist, delayed ACK,
 * TIME-WAIT, idle). Call it every loop iteration: it costs a comparison when
 * nothing is due. @p now_us must not go backwards.
 */
void og_tcp_timers_run(struct og_tcp_stack *st, uint64_t now_us);

/**
 * Listen on @p addr_be (0: every address) and @p port_be.
 *
 * @return 0, -EADDRINUSE (already listening there), -ENOSPC (max_listeners)
 *   or -EINVAL.
 */
int og_tcp_listen(struct og_tcp_stack *st, uint32_t addr_be, uint16_t port_be,
		  const struct og_tcp_app *app, void *arg);

/**
 * Open a connection from @p saddr_be to @p daddr_be:@p dport_be. The source
 * port is chosen in the ephemeral range so that the flow is free and, when
 * rss_ok is set, hashes back to this lcore. connected() reports the outcome.
 *
 * @return the connection (SYN-SENT), or NULL with rte_errno set to ENOSPC
 *   (no connection or port free), ENOBUFS (no mbuf) or EINVAL.
 */
struct og_tcp_conn *og_tcp_connect(struct og_tcp_stack *st, uint32_t saddr_be, uint32_t daddr_be,
				   uint16_t dport_be, const struct og_tcp_app *app, void *ctx);

/**
 * Queue @p chain for sending, zero copy: the stack keeps the chain's mbufs
 * until the peer acknowledges them and sends them as indirect mbufs behind
 * header mbufs. The chain's data must not change until then.
 *
 * @return 0 (ownership of the chain passes to the stack), -EAGAIN (longer
 *   than og_tcp_send_space(): the caller keeps the chain and gets sendable()
 *   later), -ENOTCONN (not yet or no longer able to send), -EPIPE (after
 *   og_tcp_shutdown()).
 */
int og_tcp_send(struct og_tcp_conn *c, struct rte_mbuf *chain);

/**
 * Send the longest prefix of the mbuf list @p *list (linked through ->next:
 * one or more chains back to back; the head's pkt_len and nb_segs need not
 * be set) that fits og_tcp_send_space(), zero copy like og_tcp_send().
 * @p *list is advanced past what was sent and @p *sent (if not NULL) gets
 * the bytes handed over, also on failure.
 *
 * @return 0 (the whole list went), -EAGAIN (the rest waits for sendable(),
 *   which is armed), or og_tcp_send()'s -ENOTCONN / -EPIPE.
 */
int og_tcp_send_list(struct og_tcp_conn *c, struct rte_mbuf **list, uint32_t *sent);

/** Bytes og_tcp_send() accepts now. */
uint32_t og_tcp_send_space(const struct og_tcp_conn *c);

/**
 * Set the send buffer of @p c (og_tcp_conf.snd_buf for this connection
 * only): what og_tcp_send() takes beyond the unacknowledged data. Sends
 * are zero copy, so a larger buffer costs no memory of its own; it lets a
 * connection keep a window's worth in flight where the path's delay is
 * long (an egress connection queues a whole batch). A smaller buffer than
 * what is queued refuses further sends until ACKs drain it.
 *
 * @return 0, or -EINVAL for 0 bytes.
 */
int og_tcp_set_snd_buf(struct og_tcp_conn *c, uint32_t bytes);

/**
 * The application has finished with @p nbytes of received payload: they
 * stop counting against the receive window, which may reopen (a window
 * update is sent when less than two segments were offered and the window
 * grew by a segment or half the buffer, RFC 9293 3.8.6.2.2).
 */
void og_tcp_recv_done(struct og_tcp_conn *c, uint32_t nbytes);

/**
 * Send FIN after the queued data (half-close); receiving goes on.
 *
 * @return 0, or -ENOTCONN.
 */
int og_tcp_shutdown(struct og_tcp_conn *c);

/**
 * Shut down and release the connection when the FIN exchange ends: no recv()
 * any more (data that still arrives is dropped and answered by RST, RFC 9293
 * 3.10.7.4 / RFC 2525 2.17); closed() is still called.
 */
void og_tcp_close(struct og_tcp_conn *c);

/** Send RST and release now; closed() runs with -ECONNABORTED. */
void og_tcp_abort(struct og_tcp_conn *c);

/** The connection's state. */
enum og_tcp_state og_tcp_conn_state(const struct og_tcp_conn *c);

/** The connection's addresses and ports. */
void og_tcp_conn_tuple(const struct og_tcp_conn *c, struct og_tcp_tuple *t);

/** The context accepted() returned (or connect() was given). */
void *og_tcp_conn_ctx(const struct og_tcp_conn *c);

/** The counters of @p st. */
const struct og_tcp_stats *og_tcp_stats(const struct og_tcp_stack *st);

/** Label of a state ("established"), NULL when out of range. */
const char *og_tcp_state_name(enum og_tcp_state s);
/** Metric name of a counter, NULL when out of range. */
const char *og_tcp_cnt_name(enum og_tcp_cnt c);
/** Reason label of a drop, NULL when out of range. */
const char *og_tcp_drop_name(enum og_tcp_drop d);

/**
 * Register lib/tcp's metrics in the registry (lib/common/og_metric.h): the
 * rows of tcp_counters.def, otlpgate_tcp_drops_total{reason} (tcp_drop.def),
 * otlpgate_tcp_connections{state} and the memory and half-open gauges,
 * summed over @p stacks (one per dataplane lcore; NULL entries skipped).
 * The array must outlive the registration. Call once at start.
 *
 * @return 0 or the -errno of og_metric_register().
 */
int og_tcp_metrics_register(struct og_tcp_stack *const *stacks, unsigned int n);

#endif /* OG_TCP_H */
