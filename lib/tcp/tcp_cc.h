/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Congestion control (RFC 5681): the events the stack raises and what an
 * algorithm answers, in cwnd and ssthresh only. Loss detection and recovery
 * stay with the stack: counting duplicate ACKs, the RFC 6582 recovery point,
 * fast retransmission and the retransmission of each hole on a partial ACK
 * (tcp_input.c), the RTO and its backoff (tcp_stack.c). An algorithm such as
 * CUBIC (RFC 9438) is a struct tcp_cc_ops, a row of enum tcp_cc_algo and an
 * entry of tcp_cc_algos[]; input and output do not change.
 *
 * Internal to lib/tcp and its tests, like tcp_private.h.
 */
#ifndef TCP_CC_H
#define TCP_CC_H

#include <stdint.h>

#include "tcp_private.h"

/** The algorithm of a connection (og_tcp_conn.cc_algo; 0 after tcp_conn_alloc()). */
enum tcp_cc_algo {
	TCP_CC_NEWRENO = 0, /**< RFC 5681, RFC 6582 (tcp_newreno.c) */
	TCP_CC_NUM,
};

/** One congestion-control algorithm: each event sets c->cwnd and c->ssthresh. */
struct tcp_cc_ops {
	const char *name;
	/** The SYN's options are known (c->mss is set): initial window and ssthresh. */
	void (*init)(struct og_tcp_conn *c);
	/** @p acked new bytes acknowledged outside loss recovery. */
	void (*ack)(struct og_tcp_conn *c, uint32_t acked);
	/**
	 * Third duplicate ACK: fast retransmit and loss recovery start
	 * (c->snd_una and c->snd_max tell the flight size).
	 */
	void (*recovery_enter)(struct og_tcp_conn *c);
	/** A further duplicate ACK during recovery. */
	void (*recovery_dupack)(struct og_tcp_conn *c);
	/** An ACK of @p acked new bytes below the recovery point (RFC 6582 partial ACK). */
	void (*partial_ack)(struct og_tcp_conn *c, uint32_t acked);
	/** An ACK at or beyond the recovery point: recovery ends (c->snd_una is updated). */
	void (*recovery_exit)(struct og_tcp_conn *c);
	/** The retransmission timer expired on data (before the stack rewinds SND.NXT). */
	void (*rto)(struct og_tcp_conn *c);
};

/** Every algorithm, indexed by enum tcp_cc_algo (tcp_stack.c). */
extern const struct tcp_cc_ops *const tcp_cc_algos[];

/* NewReno (tcp_newreno.c), also reachable through tcp_newreno_ops */
extern const struct tcp_cc_ops tcp_newreno_ops;
void tcp_newreno_init(struct og_tcp_conn *c);
void tcp_newreno_ack(struct og_tcp_conn *c, uint32_t acked);
void tcp_newreno_recovery_enter(struct og_tcp_conn *c);
void tcp_newreno_recovery_dupack(struct og_tcp_conn *c);
void tcp_newreno_partial_ack(struct og_tcp_conn *c, uint32_t acked);
void tcp_newreno_recovery_exit(struct og_tcp_conn *c);
void tcp_newreno_rto(struct og_tcp_conn *c);

/*
 * The stack raises events through these. NewReno, the default, is called
 * directly (a compare and a direct call per ACK), any other algorithm
 * through its ops: no indirect call on the common path.
 */
static inline const struct tcp_cc_ops *
tcp_cc_conn_ops(const struct og_tcp_conn *c)
{
	return tcp_cc_algos[c->cc_algo];
}

static inline void
tcp_cc_init(struct og_tcp_conn *c)
{
	if (og_likely(c->cc_algo == TCP_CC_NEWRENO))
		tcp_newreno_init(c);
	else
		tcp_cc_conn_ops(c)->init(c);
}

static inline void
tcp_cc_ack(struct og_tcp_conn *c, uint32_t acked)
{
	if (og_likely(c->cc_algo == TCP_CC_NEWRENO))
		tcp_newreno_ack(c, acked);
	else
		tcp_cc_conn_ops(c)->ack(c, acked);
}

static inline void
tcp_cc_recovery_enter(struct og_tcp_conn *c)
{
	if (og_likely(c->cc_algo == TCP_CC_NEWRENO))
		tcp_newreno_recovery_enter(c);
	else
		tcp_cc_conn_ops(c)->recovery_enter(c);
}

static inline void
tcp_cc_recovery_dupack(struct og_tcp_conn *c)
{
	if (og_likely(c->cc_algo == TCP_CC_NEWRENO))
		tcp_newreno_recovery_dupack(c);
	else
		tcp_cc_conn_ops(c)->recovery_dupack(c);
}

static inline void
tcp_cc_partial_ack(struct og_tcp_conn *c, uint32_t acked)
{
	if (og_likely(c->cc_algo == TCP_CC_NEWRENO))
		tcp_newreno_partial_ack(c, acked);
	else
		tcp_cc_conn_ops(c)->partial_ack(c, acked);
}

static inline void
tcp_cc_recovery_exit(struct og_tcp_conn *c)
{
	if (og_likely(c->cc_algo == TCP_CC_NEWRENO))
		tcp_newreno_recovery_exit(c);
	else
		tcp_cc_conn_ops(c)->recovery_exit(c);
}

static inline void
tcp_cc_rto(struct og_tcp_conn *c)
{
	if (og_likely(c->cc_algo == TCP_CC_NEWRENO))
		tcp_newreno_rto(c);
	else
		tcp_cc_conn_ops(c)->rto(c);
}

#endif /* TCP_CC_H */
