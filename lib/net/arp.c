/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ARP (RFC 826) for one lcore: answering requests for our address and
 * resolving next hops through a small per-lcore cache.
 *
 * The cache is an open-addressed table probed over NET_ARP_PROBES slots from
 * the address's hash; it never grows (no malloc on the dataplane). While a
 * request is out, up to NET_ARP_PENDING packets for that next hop wait in the
 * entry (RFC 1122 2.3.2.2 asks for at least one); more, and packets of a
 * resolution that times out, are counted as drops.
 */
#include <errno.h>
#include <string.h>

#include <rte_arp.h>
#include <rte_ether.h>
#include <rte_jhash.h>

#include "net_private.h"

static inline uint32_t
arp_hash(const struct og_net_ctx *nc, uint32_t addr_be)
{
	return rte_jhash_1word(addr_be, 0x9e3779b9) & nc->arp_mask;
}

static struct arp_entry *
arp_find(const struct og_net_ctx *nc, uint32_t addr_be)
{
	uint32_t h = arp_hash(nc, addr_be);

	for (uint32_t i = 0; i < NET_ARP_PROBES; i++) {
		struct arp_entry *e = &nc->arp[(h + i) & nc->arp_mask];

		if (e->state != ARP_FREE && e->addr_be == addr_be)
			return e;
	}
	return NULL;
}

/*
 * A slot for a new next hop: a free one, else the resolved entry closest to
 * expiry (it would be re-resolved soon anyway). Incomplete entries are never
 * evicted: their packets would be lost without a counter to blame.
 */
static struct arp_entry *
arp_alloc(struct og_net_ctx *nc, uint32_t addr_be)
{
	uint32_t h = arp_hash(nc, addr_be);
	struct arp_entry *victim = NULL;

	for (uint32_t i = 0; i < NET_ARP_PROBES; i++) {
		struct arp_entry *e = &nc->arp[(h + i) & nc->arp_mask];

		if (e->state == ARP_FREE) {
			victim = e;
			break;
		}
		if (e->state == ARP_REACHABLE &&
		    (victim == NULL || e->deadline_us < victim->deadline_us))
			victim = e;
	}
	if (victim == NULL)
		return NULL;
	victim->addr_be = addr_be;
	victim->state = ARP_FREE;
	victim->tries = 0;
	victim->n_pending = 0;
	return victim;
}

static int
arp_send(struct og_net_ctx *nc, uint16_t op, const struct rte_ether_addr *dst_mac,
	 const struct rte_ether_addr *tha, uint32_t tip_be)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(nc->mp);
	struct rte_ether_hdr *eth;
	struct rte_arp_hdr *arp;

	if (m == NULL) {
		nc->stats.drop[OG_NET_DROP_NO_MBUF]++;
		return -ENOBUFS;
	}
	eth = (struct rte_ether_hdr *)rte_pktmbuf_append(m, sizeof(*eth) + sizeof(*arp));
	if (eth == NULL) {
		net_drop(nc, m, OG_NET_DROP_NO_MBUF);
		return -ENOBUFS;
	}
	arp = (struct rte_arp_hdr *)(eth + 1);
	rte_ether_addr_copy(dst_mac, &eth->dst_addr);
	rte_ether_addr_copy(&nc->mac, &eth->src_addr);
	eth->ether_type = RTE_BE16(RTE_ETHER_TYPE_ARP);
	arp->arp_hardware = RTE_BE16(RTE_ARP_HRD_ETHER);
	arp->arp_protocol = RTE_BE16(RTE_ETHER_TYPE_IPV4);
	arp->arp_hlen = RTE_ETHER_ADDR_LEN;
	arp->arp_plen = 4;
	arp->arp_opcode = rte_cpu_to_be_16(op);
	rte_ether_addr_copy(&nc->mac, &arp->arp_data.arp_sha);
	arp->arp_data.arp_sip = nc->addr_be;
	rte_ether_addr_copy(tha, &arp->arp_data.arp_tha);
	arp->arp_data.arp_tip = tip_be;
	net_tx_frame(nc, m);
	return 0;
}

static void
arp_request(struct og_net_ctx *nc, struct arp_entry *e)
{
	static const struct rte_ether_addr zero = { { 0 } };
	struct rte_ether_addr bcast;

	memset(&bcast, 0xff, sizeof(bcast));
	e->tries++;
	e->deadline_us = nc->now_us + nc->arp_retry_us;
	if (arp_send(nc, RTE_ARP_OP_REQUEST, &bcast, &zero, e->addr_be) == 0)
		nc->stats.ctr[OG_NET_CTR_ARP_REQ_TX]++;
}

int
og_net_announce(struct og_net_ctx *nc)
{
	static const struct rte_ether_addr zero = { { 0 } };
	struct rte_ether_addr bcast;
	int rc;

	/* RFC 5227 section 3: an ARP request with sender = target = our address. */
	memset(&bcast, 0xff, sizeof(bcast));
	rc = arp_send(nc, RTE_ARP_OP_REQUEST, &bcast, &zero, nc->addr_be);
	if (rc == 0)
		nc->stats.ctr[OG_NET_CTR_ARP_GARP_TX]++;
	return rc;
}

static inline void
eth_fill(struct og_net_ctx *nc, struct rte_mbuf *m, const struct rte_ether_addr *dst)
{
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);

	rte_ether_addr_copy(dst, &eth->dst_addr);
	rte_ether_addr_copy(&nc->mac, &eth->src_addr);
	eth->ether_type = RTE_BE16(RTE_ETHER_TYPE_IPV4);
}

/* Resolved: record the MAC and send what was waiting for it. */
static void
arp_resolved(struct og_net_ctx *nc, struct arp_entry *e, const struct rte_ether_addr *mac)
{
	if (e->state == ARP_INCOMPLETE)
		nc->arp_incomplete--;
	e->state = ARP_REACHABLE;
	e->mac = *mac;
	e->tries = 0;
	e->deadline_us = nc->now_us + nc->arp_ttl_us;
	nc->stats.ctr[OG_NET_CTR_ARP_RESOLVED]++;
	for (uint8_t i = 0; i < e->n_pending; i++) {
		eth_fill(nc, e->pending[i], mac);
		net_tx_frame(nc, e->pending[i]);
	}
	e->n_pending = 0;
}

static void
arp_fail(struct og_net_ctx *nc, struct arp_entry *e)
{
	for (uint8_t i = 0; i < e->n_pending; i++)
		net_drop(nc, e->pending[i], OG_NET_DROP_ARP_TIMEOUT);
	e->n_pending = 0;
	if (e->state == ARP_INCOMPLETE)
		nc->arp_incomplete--;
	e->state = ARP_FREE;
}

void
net_arp_input(struct og_net_ctx *nc, struct rte_mbuf *m)
{
	struct rte_arp_hdr *arp;
	struct rte_ether_hdr *eth;
	struct arp_entry *e;
	uint32_t sip, tip;
	uint16_t op;

	if (rte_pktmbuf_data_len(m) < sizeof(*eth) + sizeof(*arp)) {
		net_drop(nc, m, OG_NET_DROP_ARP_MALFORMED);
		return;
	}
	eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	arp = (struct rte_arp_hdr *)(eth + 1);
	if (arp->arp_hardware != RTE_BE16(RTE_ARP_HRD_ETHER) ||
	    arp->arp_protocol != RTE_BE16(RTE_ETHER_TYPE_IPV4) ||
	    arp->arp_hlen != RTE_ETHER_ADDR_LEN || arp->arp_plen != 4 ||
	    rte_is_multicast_ether_addr(&arp->arp_data.arp_sha)) {
		net_drop(nc, m, OG_NET_DROP_ARP_MALFORMED);
		return;
	}
	sip = arp->arp_data.arp_sip;
	tip = arp->arp_data.arp_tip;
	op = rte_be_to_cpu_16(arp->arp_opcode);
	if (sip == nc->addr_be) {
		/* Someone else claims our address (RFC 5227 section 2.4). */
		nc->stats.ctr[OG_NET_CTR_ARP_CONFLICT]++;
		rte_pktmbuf_free(m);
		return;
	}

	/*
	 * RFC 826 "Packet Reception": update the sender's entry if we have
	 * one (merge_flag), whoever the target is; add it only when the
	 * packet is for us, so a busy segment cannot fill the cache.
	 */
	e = sip != 0 ? arp_find(nc, sip) : NULL;
	if (e != NULL)
		arp_resolved(nc, e, &arp->arp_data.arp_sha);
	if (tip != nc->addr_be) {
		net_drop(nc, m, OG_NET_DROP_ARP_NOT_FOR_US);
		return;
	}
	if (e == NULL && sip != 0) {
		e = arp_alloc(nc, sip);
		if (e != NULL)
			arp_resolved(nc, e, &arp->arp_data.arp_sha);
	}

	switch (op) {
	case RTE_ARP_OP_REQUEST:
		nc->stats.ctr[OG_NET_CTR_ARP_REQ_RX]++;
		/* Turn the request into the reply in place. */
		arp->arp_opcode = RTE_BE16(RTE_ARP_OP_REPLY);
		rte_ether_addr_copy(&arp->arp_data.arp_sha, &arp->arp_data.arp_tha);
		arp->arp_data.arp_tip = sip;
		rte_ether_addr_copy(&nc->mac, &arp->arp_data.arp_sha);
		arp->arp_data.arp_sip = nc->addr_be;
		rte_ether_addr_copy(&eth->src_addr, &eth->dst_addr);
		rte_ether_addr_copy(&nc->mac, &eth->src_addr);
		m->ol_flags = 0;
		nc->stats.ctr[OG_NET_CTR_ARP_REP_TX]++;
		net_tx_frame(nc, m);
		return;
	case RTE_ARP_OP_REPLY:
		nc->stats.ctr[OG_NET_CTR_ARP_REP_RX]++;
		rte_pktmbuf_free(m);
		return;
	default:
		net_drop(nc, m, OG_NET_DROP_ARP_OPCODE);
		return;
	}
}

void
net_arp_output(struct og_net_ctx *nc, struct rte_mbuf *m, uint32_t nexthop_be)
{
	struct arp_entry *e = arp_find(nc, nexthop_be);

	if (og_likely(e != NULL && e->state == ARP_REACHABLE)) {
		eth_fill(nc, m, &e->mac);
		net_tx_frame(nc, m);
		/*
		 * Past its life the entry is still used while a request
		 * refreshes it; arp timers drop it if nobody answers.
		 */
		if (og_unlikely(nc->now_us > e->deadline_us) && e->tries == 0) {
			arp_request(nc, e);
			e->deadline_us = nc->now_us; /* stays expired until answered */
		}
		return;
	}
	if (e == NULL) {
		e = arp_alloc(nc, nexthop_be);
		if (e == NULL) {
			net_drop(nc, m, OG_NET_DROP_ARP_CACHE_FULL);
			return;
		}
		e->state = ARP_INCOMPLETE;
		nc->arp_incomplete++;
		arp_request(nc, e);
	}
	if (e->n_pending == NET_ARP_PENDING) {
		net_drop(nc, m, OG_NET_DROP_ARP_QUEUE_FULL);
		return;
	}
	e->pending[e->n_pending++] = m;
}

void
net_arp_timers(struct og_net_ctx *nc)
{
	for (uint32_t i = 0; i <= nc->arp_mask; i++) {
		struct arp_entry *e = &nc->arp[i];

		if (e->state == ARP_INCOMPLETE && nc->now_us >= e->deadline_us) {
			if (e->tries >= nc->arp_retries)
				arp_fail(nc, e);
			else
				arp_request(nc, e);
		} else if (e->state == ARP_REACHABLE && e->tries != 0 &&
			   nc->now_us >= e->deadline_us + nc->arp_retry_us) {
			/* A refresh went unanswered: retry, then forget it. */
			if (e->tries >= nc->arp_retries) {
				e->state = ARP_FREE;
			} else {
				arp_request(nc, e);
				e->deadline_us = nc->now_us;
			}
		}
	}
}

void
net_arp_flush_all(struct og_net_ctx *nc)
{
	for (uint32_t i = 0; i <= nc->arp_mask; i++) {
		struct arp_entry *e = &nc->arp[i];

		for (uint8_t k = 0; k < e->n_pending; k++)
			rte_pktmbuf_free(e->pending[k]);
		e->n_pending = 0;
		e->state = ARP_FREE;
	}
	nc->arp_incomplete = 0;
}

int
og_net_arp_lookup(const struct og_net_ctx *nc, uint32_t addr_be, struct rte_ether_addr *mac)
{
	const struct arp_entry *e = arp_find(nc, addr_be);

	if (e == NULL || e->state != ARP_REACHABLE)
		return -ENOENT;
	*mac = e->mac;
	return 0;
}
