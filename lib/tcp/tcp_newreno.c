/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * NewReno congestion control: slow start and congestion avoidance
 * (RFC 5681 3.1), the window during fast retransmit and fast recovery
 * (RFC 5681 3.2) with NewReno's partial ACKs (RFC 6582 3.2), the loss
 * window after an RTO, and the initial window of RFC 6928.
 */
#include "tcp_cc.h"

void
tcp_newreno_init(struct og_tcp_conn *c)
{
	c->ssthresh = UINT32_MAX / 2; /* RFC 5681 3.1: arbitrarily high */
	/* RFC 6928 2: IW = min(10*MSS, max(2*MSS, 14600)) */
	c->cwnd = OG_MIN(10u * c->mss, OG_MAX(2u * c->mss, 14600u));
}

void
tcp_newreno_ack(struct og_tcp_conn *c, uint32_t acked)
{
	if (c->cwnd < c->ssthresh)
		c->cwnd += OG_MIN(acked, (uint32_t)c->mss); /* RFC 5681 3.1 slow start */
	else
		/* RFC 5681 3.1 congestion avoidance, eq. 3 */
		c->cwnd += OG_MAX(1u, (uint32_t)c->mss * c->mss / c->cwnd);
}

void
tcp_newreno_recovery_enter(struct og_tcp_conn *c)
{
	uint32_t flight = c->snd_max - c->snd_una;

	c->ssthresh = OG_MAX(flight / 2, 2u * c->mss); /* RFC 5681 eq. 4 */
	c->cwnd = c->ssthresh + 3u * c->mss;	       /* RFC 5681 3.2 step 3 */
}

void
tcp_newreno_recovery_dupack(struct og_tcp_conn *c)
{
	c->cwnd += c->mss; /* RFC 5681 3.2 step 4: inflate */
}

void
tcp_newreno_partial_ack(struct og_tcp_conn *c, uint32_t acked)
{
	/* RFC 6582 3.2 step 4: deflate by the amount acknowledged, add back one MSS */
	c->cwnd = c->cwnd > acked ? c->cwnd - acked : c->mss;
	if (acked >= c->mss)
		c->cwnd += c->mss;
}

void
tcp_newreno_recovery_exit(struct og_tcp_conn *c)
{
	/* RFC 6582 3.2 step 3 (full ACK), option 1: min(ssthresh, max(FlightSize, SMSS) + SMSS) */
	uint32_t flight = c->snd_max - c->snd_una;

	c->cwnd = OG_MIN(c->ssthresh, OG_MAX(flight, (uint32_t)c->mss) + c->mss);
}

void
tcp_newreno_rto(struct og_tcp_conn *c)
{
	/* RFC 5681 3.1 eq. 4 and the loss window of one segment */
	c->ssthresh = OG_MAX((c->snd_max - c->snd_una) / 2, 2u * c->mss);
	c->cwnd = c->mss;
}

const struct tcp_cc_ops tcp_newreno_ops = {
	.name = "newreno",
	.init = tcp_newreno_init,
	.ack = tcp_newreno_ack,
	.recovery_enter = tcp_newreno_recovery_enter,
	.recovery_dupack = tcp_newreno_recovery_dupack,
	.partial_ack = tcp_newreno_partial_ack,
	.recovery_exit = tcp_newreno_recovery_exit,
	.rto = tcp_newreno_rto,
};
