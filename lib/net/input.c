/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Receive path: Ethernet demux, IPv4 validation, ICMP echo.
 */
#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_icmp.h>
#include <rte_ip.h>

#include "net_private.h"

/* RFC 1122 3.2.1.3: a host must silently discard datagrams from these. */
static inline bool
bad_source(uint32_t src_be)
{
	uint32_t a = rte_be_to_cpu_32(src_be);

	return a == 0 || a == UINT32_MAX || (a >> 28) == 0xe;
}

/*
 * RFC 792 echo: the reply is the request with source and destination
 * swapped and type 0; data and identifier come back unchanged. The request
 * mbuf is turned into the reply in place, so answering allocates nothing.
 */
static void
icmp_input(struct og_net_ctx *nc, struct rte_mbuf *m, struct rte_ipv4_hdr *ip, uint16_t ihl)
{
	struct rte_icmp_hdr *icmp;
	struct rte_ether_hdr *eth;
	uint32_t len = rte_pktmbuf_pkt_len(m) - ihl;
	uint16_t raw = 0;
	uint32_t sum;
	uint32_t tmp;

	if (len < sizeof(*icmp) || rte_pktmbuf_data_len(m) < ihl + sizeof(*icmp)) {
		net_drop(nc, m, OG_NET_DROP_ICMP_RUNT);
		return;
	}
	icmp = rte_pktmbuf_mtod_offset(m, struct rte_icmp_hdr *, ihl);
	if (rte_raw_cksum_mbuf(m, ihl, len, &raw) != 0 || raw != 0xffff) {
		net_drop(nc, m, OG_NET_DROP_ICMP_CKSUM);
		return;
	}
	if (icmp->icmp_type != RTE_IP_ICMP_ECHO_REQUEST || icmp->icmp_code != 0) {
		net_drop(nc, m, OG_NET_DROP_ICMP_TYPE);
		return;
	}
	icmp->icmp_type = RTE_IP_ICMP_ECHO_REPLY;
	/* RFC 1624 incremental update: only the type byte changed, 8 -> 0. */
	sum = (uint16_t)~rte_be_to_cpu_16(icmp->icmp_cksum);
	sum += 0xffff - ((uint32_t)RTE_IP_ICMP_ECHO_REQUEST << 8);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	icmp->icmp_cksum = rte_cpu_to_be_16((uint16_t)~sum);

	tmp = ip->src_addr;
	ip->src_addr = ip->dst_addr;
	ip->dst_addr = tmp;
	ip->time_to_live = 64;
	ip->fragment_offset = 0;
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);

	/* Back to the sender's MAC: the router for off-link senders. */
	eth = (struct rte_ether_hdr *)rte_pktmbuf_prepend(m, sizeof(*eth));
	rte_ether_addr_copy(&eth->src_addr, &eth->dst_addr);
	rte_ether_addr_copy(&nc->mac, &eth->src_addr);
	m->ol_flags = 0;
	nc->stats.ctr[OG_NET_CTR_ICMP_ECHO]++;
	net_tx_frame(nc, m);
}

/*
 * RFC 791 section 3.1 header checks and RFC 1122 3.2.1 host rules.
 * Returns true when @p m is a TCP datagram for us, stripped to its IPv4
 * header; false when the packet was consumed (answered or dropped).
 */
static bool
ipv4_input(struct og_net_ctx *nc, struct rte_mbuf *m)
{
	struct rte_ipv4_hdr *ip;
	uint16_t ihl, tot;
	uint64_t ck;

	if (rte_pktmbuf_data_len(m) < sizeof(struct rte_ether_hdr) + sizeof(*ip)) {
		net_drop(nc, m, OG_NET_DROP_IP_RUNT);
		return false;
	}
	rte_pktmbuf_adj(m, sizeof(struct rte_ether_hdr));
	ip = rte_pktmbuf_mtod(m, struct rte_ipv4_hdr *);
	if ((ip->version_ihl >> 4) != 4) {
		net_drop(nc, m, OG_NET_DROP_IP_VERSION);
		return false;
	}
	ihl = (uint16_t)((ip->version_ihl & 0xf) * 4);
	if (ihl < sizeof(*ip) || ihl > rte_pktmbuf_data_len(m)) {
		net_drop(nc, m, OG_NET_DROP_IP_HDR_LEN);
		return false;
	}
	tot = rte_be_to_cpu_16(ip->total_length);
	if (tot < ihl || tot > rte_pktmbuf_pkt_len(m)) {
		net_drop(nc, m, OG_NET_DROP_IP_TOTAL_LEN);
		return false;
	}
	ck = m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK;
	if (ck == RTE_MBUF_F_RX_IP_CKSUM_BAD ||
	    (ck != RTE_MBUF_F_RX_IP_CKSUM_GOOD && rte_raw_cksum(ip, ihl) != 0xffff)) {
		net_drop(nc, m, OG_NET_DROP_IP_CKSUM);
		return false;
	}
	if (ip->dst_addr != nc->addr_be) {
		net_drop(nc, m, OG_NET_DROP_IP_NOT_FOR_US);
		return false;
	}
	if (bad_source(ip->src_addr)) {
		net_drop(nc, m, OG_NET_DROP_IP_BAD_SRC);
		return false;
	}
	/* MF set or a non-zero offset: a fragment. No reassembly (yet). */
	if (ip->fragment_offset &
	    rte_cpu_to_be_16(RTE_IPV4_HDR_MF_FLAG | RTE_IPV4_HDR_OFFSET_MASK)) {
		net_drop(nc, m, OG_NET_DROP_IP_FRAGMENT);
		return false;
	}
	/* Ethernet pads short frames to 60 bytes: trim to the datagram. */
	if (rte_pktmbuf_pkt_len(m) > tot)
		rte_pktmbuf_trim(m, (uint16_t)(rte_pktmbuf_pkt_len(m) - tot));
	m->l2_len = 0;
	m->l3_len = ihl;
	switch (ip->next_proto_id) {
	case IPPROTO_TCP:
		nc->stats.ctr[OG_NET_CTR_IP_RX_TCP]++;
		return true;
	case IPPROTO_ICMP:
		icmp_input(nc, m, ip, ihl);
		return false;
	default:
		net_drop(nc, m, OG_NET_DROP_IP_PROTO);
		return false;
	}
}

uint16_t
og_net_input_burst(struct og_net_ctx *nc, struct rte_mbuf **pkts, uint16_t n, uint64_t now_us,
		   struct rte_mbuf **tcp, uint16_t *n_tcp)
{
	uint16_t nt = 0;
	uint16_t handled = n;

	nc->now_us = now_us;
#ifdef OG_FAULT_INJECTION
	struct rte_mbuf *faulted[2 * n + 1];

	n = net_fault_rx(nc, pkts, n, faulted);
	pkts = faulted;
#endif
	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		const struct rte_ether_hdr *eth;

		nc->stats.ctr[OG_NET_CTR_RX_PKTS]++;
		nc->stats.ctr[OG_NET_CTR_RX_BYTES] += rte_pktmbuf_pkt_len(m);
		if (og_unlikely(rte_pktmbuf_data_len(m) < sizeof(*eth))) {
			net_drop(nc, m, OG_NET_DROP_ETH_RUNT);
			continue;
		}
		eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
		if (!rte_is_same_ether_addr(&eth->dst_addr, &nc->mac) &&
		    !rte_is_broadcast_ether_addr(&eth->dst_addr)) {
			net_drop(nc, m, OG_NET_DROP_ETH_NOT_FOR_US);
			continue;
		}
		switch (eth->ether_type) {
		case RTE_BE16(RTE_ETHER_TYPE_IPV4):
			if (ipv4_input(nc, m))
				tcp[nt++] = m;
			break;
		case RTE_BE16(RTE_ETHER_TYPE_ARP):
			net_arp_input(nc, m);
			break;
		default:
			net_drop(nc, m, OG_NET_DROP_ETH_TYPE);
			break;
		}
	}
	*n_tcp = nt;
	return handled;
}
