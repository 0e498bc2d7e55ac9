/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/net without a NIC: frames are built by hand, fed to
 * og_net_input_burst(), and whatever the context transmits is captured by a
 * test xmit function and checked field by field.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_arp.h>
#include <rte_eal.h>
#include <rte_ether.h>
#include <rte_icmp.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_tcp.h>
#include <rte_udp.h>

#include "og_net.h"
#include "og_test.h"

#define CAP_MAX 64

static struct rte_mempool *mp;
static struct rte_mbuf *cap[CAP_MAX];
static unsigned int n_cap;
static unsigned int xmit_refuse; /* refuse this many packets per call */

static const struct rte_ether_addr our_mac = { { 0x02, 0, 0, 0, 0, 0x01 } };
static const struct rte_ether_addr peer_mac = { { 0x02, 0, 0, 0, 0, 0x02 } };
static const struct rte_ether_addr gw_mac = { { 0x02, 0, 0, 0, 0, 0x03 } };

static uint32_t
ip4(const char *s)
{
	struct in_addr a;

	inet_pton(AF_INET, s, &a);
	return a.s_addr;
}

static uint16_t
test_xmit(void *arg, struct rte_mbuf **pkts, uint16_t n)
{
	uint16_t take = n > xmit_refuse ? (uint16_t)(n - xmit_refuse) : 0;

	(void)arg;
	for (uint16_t i = 0; i < take; i++) {
		if (n_cap < CAP_MAX)
			cap[n_cap++] = pkts[i];
		else
			rte_pktmbuf_free(pkts[i]);
	}
	return take;
}

static void
cap_clear(void)
{
	for (unsigned int i = 0; i < n_cap; i++)
		rte_pktmbuf_free(cap[i]);
	n_cap = 0;
}

static struct og_net_ctx *
make_ctx(uint32_t gateway_be)
{
	struct og_net_conf c = {
		.mp = mp,
		.socket_id = SOCKET_ID_ANY,
		.addr_be = ip4("192.0.2.1"),
		.prefix_len = 24,
		.gateway_be = gateway_be,
		.mac = our_mac,
		.arp_entries = 16,
		.arp_retry_us = 1000,
		.arp_retries = 3,
		.xmit = test_xmit,
	};

	cap_clear();
	xmit_refuse = 0;
	return og_net_ctx_create(&c);
}

static struct rte_mbuf *
frame(const struct rte_ether_addr *dst, uint16_t type, const void *payload, uint16_t len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(mp);
	struct rte_ether_hdr *eth;

	eth = (struct rte_ether_hdr *)rte_pktmbuf_append(m, (uint16_t)(sizeof(*eth) + len));
	rte_ether_addr_copy(dst, &eth->dst_addr);
	rte_ether_addr_copy(&peer_mac, &eth->src_addr);
	eth->ether_type = rte_cpu_to_be_16(type);
	memcpy(eth + 1, payload, len);
	return m;
}

static struct rte_mbuf *
arp_frame(uint16_t op, const struct rte_ether_addr *sha, uint32_t sip, uint32_t tip)
{
	struct rte_arp_hdr a = {
		.arp_hardware = RTE_BE16(RTE_ARP_HRD_ETHER),
		.arp_protocol = RTE_BE16(RTE_ETHER_TYPE_IPV4),
		.arp_hlen = 6,
		.arp_plen = 4,
		.arp_opcode = rte_cpu_to_be_16(op),
	};
	struct rte_ether_addr bcast;

	memset(&bcast, 0xff, sizeof(bcast));
	a.arp_data.arp_sha = *sha;
	a.arp_data.arp_sip = sip;
	a.arp_data.arp_tip = tip;
	return frame(op == RTE_ARP_OP_REQUEST ? &bcast : &our_mac, RTE_ETHER_TYPE_ARP, &a,
		     sizeof(a));
}

/* An IPv4 datagram: header (checksummed) + payload, with @p pad trailing bytes. */
static struct rte_mbuf *
ip_frame(uint32_t src, uint32_t dst, uint8_t proto, const void *l4, uint16_t l4len, uint16_t pad)
{
	uint8_t buf[1600];
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)buf;

	memset(buf, 0, sizeof(buf));
	ip->version_ihl = 0x45;
	ip->total_length = rte_cpu_to_be_16((uint16_t)(sizeof(*ip) + l4len));
	ip->time_to_live = 64;
	ip->next_proto_id = proto;
	ip->src_addr = src;
	ip->dst_addr = dst;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	memcpy(ip + 1, l4, l4len);
	return frame(&our_mac, RTE_ETHER_TYPE_IPV4, buf, (uint16_t)(sizeof(*ip) + l4len + pad));
}

static uint16_t
input1(struct og_net_ctx *nc, struct rte_mbuf *m, struct rte_mbuf **tcp_out)
{
	struct rte_mbuf *tcp[3];
	uint16_t nt = 99;

	CU_ASSERT_EQUAL(og_net_input_burst(nc, &m, 1, 1000, tcp, &nt), 1);
	if (nt == 1 && tcp_out != NULL)
		*tcp_out = tcp[0];
	else if (nt == 1)
		rte_pktmbuf_free(tcp[0]);
	return nt;
}

static void
test_names(void)
{
	for (unsigned int i = 0; i < OG_NET_DROP_MAX; i++) {
		CU_ASSERT_PTR_NOT_NULL(og_net_drop_name(i));
		CU_ASSERT_PTR_NOT_NULL(og_net_drop_help(i));
		for (unsigned int k = 0; k < i; k++)
			CU_ASSERT(strcmp(og_net_drop_name(i), og_net_drop_name(k)) != 0);
	}
	for (unsigned int i = 0; i < OG_NET_CTR_MAX; i++) {
		CU_ASSERT(strncmp(og_net_ctr_name(i), "otlpgate_net_", 13) == 0);
		CU_ASSERT(strstr(og_net_ctr_name(i), "_total") != NULL);
	}
	CU_ASSERT_PTR_NULL(og_net_drop_name(OG_NET_DROP_MAX));
	CU_ASSERT_PTR_NULL(og_net_ctr_name(OG_NET_CTR_MAX));
}

static void
test_arp_reply(void)
{
	struct og_net_ctx *nc = make_ctx(0);
	const struct rte_ether_hdr *eth;
	const struct rte_arp_hdr *a;
	struct rte_ether_addr mac;

	CU_ASSERT_PTR_NOT_NULL_FATAL(nc);
	CU_ASSERT_EQUAL(
		input1(nc,
		       arp_frame(RTE_ARP_OP_REQUEST, &peer_mac, ip4("192.0.2.9"), ip4("192.0.2.1")),
		       NULL),
		0);
	og_net_tx_flush(nc);
	CU_ASSERT_EQUAL_FATAL(n_cap, 1);
	eth = rte_pktmbuf_mtod(cap[0], const struct rte_ether_hdr *);
	a = (const struct rte_arp_hdr *)(eth + 1);
	CU_ASSERT(rte_is_same_ether_addr(&eth->dst_addr, &peer_mac));
	CU_ASSERT(rte_is_same_ether_addr(&eth->src_addr, &our_mac));
	CU_ASSERT_EQUAL(a->arp_opcode, RTE_BE16(RTE_ARP_OP_REPLY));
	CU_ASSERT(rte_is_same_ether_addr(&a->arp_data.arp_sha, &our_mac));
	CU_ASSERT_EQUAL(a->arp_data.arp_sip, ip4("192.0.2.1"));
	CU_ASSERT(rte_is_same_ether_addr(&a->arp_data.arp_tha, &peer_mac));
	CU_ASSERT_EQUAL(a->arp_data.arp_tip, ip4("192.0.2.9"));
	/* RFC 826: the requester was learned */
	CU_ASSERT_EQUAL(og_net_arp_lookup(nc, ip4("192.0.2.9"), &mac), 0);
	CU_ASSERT(rte_is_same_ether_addr(&mac, &peer_mac));
	CU_ASSERT_EQUAL(og_net_stats(nc)->ctr[OG_NET_CTR_ARP_REQ_RX], 1);
	CU_ASSERT_EQUAL(og_net_stats(nc)->ctr[OG_NET_CTR_ARP_REP_TX], 1);
	CU_ASSERT_EQUAL(og_net_stats(nc)->ctr[OG_NET_CTR_TX_PKTS], 1);

	/* a request for someone else: no answer, not learned, counted */
	cap_clear();
	input1(nc, arp_frame(RTE_ARP_OP_REQUEST, &gw_mac, ip4("192.0.2.7"), ip4("192.0.2.8")),
	       NULL);
	og_net_tx_flush(nc);
	CU_ASSERT_EQUAL(n_cap, 0);
	CU_ASSERT_EQUAL(og_net_arp_lookup(nc, ip4("192.0.2.7"), &mac), -ENOENT);
	CU_ASSERT_EQUAL(og_net_stats(nc)->drop[OG_NET_DROP_ARP_NOT_FOR_US], 1);

	/* someone claims our address */
	input1(nc, arp_frame(RTE_ARP_OP_REQUEST, &gw_mac, ip4("192.0.2.1"), ip4("192.0.2.1")),
	       NULL);
	CU_ASSERT_EQUAL(og_net_stats(nc)->ctr[OG_NET_CTR_ARP_CONFLICT], 1);
	og_net_ctx_free(nc);
}

static void
test_garp(void)
{
	struct og_net_ctx *nc = make_ctx(0);
	const struct rte_ether_hdr *eth;
	const struct rte_arp_hdr *a;

	CU_ASSERT_EQUAL(og_net_announce(nc), 0);
	og_net_tx_flush(nc);
	CU_ASSERT_EQUAL_FATAL(n_cap, 1);
	eth = rte_pktmbuf_mtod(cap[0], const struct rte_ether_hdr *);
	a = (const struct rte_arp_hdr *)(eth + 1);
	CU_ASSERT(rte_is_broadcast_ether_addr(&eth->dst_addr));
	CU_ASSERT_EQUAL(a->arp_opcode, RTE_BE16(RTE_ARP_OP_REQUEST));
	CU_ASSERT_EQUAL(a->arp_data.arp_sip, ip4("192.0.2.1"));
	CU_ASSERT_EQUAL(a->arp_data.arp_tip, ip4("192.0.2.1"));
	CU_ASSERT_EQUAL(og_net_stats(nc)->ctr[OG_NET_CTR_ARP_GARP_TX], 1);
	og_net_ctx_free(nc);
}

static void
test_icmp_echo(void)
{
	struct og_net_ctx *nc = make_ctx(0);
	uint8_t msg[8 + 56];
	struct rte_icmp_hdr *ic = (struct rte_icmp_hdr *)msg;
	const struct rte_ether_hdr *eth;
	const struct rte_ipv4_hdr *ip;
	const struct rte_icmp_hdr *rep;

	for (unsigned int i = 8; i < sizeof(msg); i++)
		msg[i] = (uint8_t)i;
	memset(ic, 0, sizeof(*ic));
	ic->icmp_type = RTE_IP_ICMP_ECHO_REQUEST;
	ic->icmp_ident = RTE_BE16(0x1234);
	ic->icmp_seq_nb = RTE_BE16(7);
	ic->icmp_cksum = (uint16_t)~rte_raw_cksum(msg, sizeof(msg));
	CU_ASSERT_EQUAL(input1(nc,
			       ip_frame(ip4("192.0.2.9"), ip4("192.0.2.1"), IPPROTO_ICMP, msg,
					sizeof(msg), 0),
			       NULL),
			0);
	og_net_tx_flush(nc);
	CU_ASSERT_EQUAL_FATAL(n_cap, 1);
	eth = rte_pktmbuf_mtod(cap[0], const struct rte_ether_hdr *);
	ip = (const struct rte_ipv4_hdr *)(eth + 1);
	rep = (const struct rte_icmp_hdr *)(ip + 1);
	CU_ASSERT(rte_is_same_ether_addr(&eth->dst_addr, &peer_mac));
	CU_ASSERT_EQUAL(ip->src_addr, ip4("192.0.2.1"));
	CU_ASSERT_EQUAL(ip->dst_addr, ip4("192.0.2.9"));
	CU_ASSERT_EQUAL(rte_raw_cksum(ip, sizeof(*ip)), 0xffff);
	CU_ASSERT_EQUAL(rep->icmp_type, RTE_IP_ICMP_ECHO_REPLY);
	CU_ASSERT_EQUAL(rep->icmp_ident, RTE_BE16(0x1234));
	CU_ASSERT_EQUAL(rep->icmp_seq_nb, RTE_BE16(7));
	/* incremental checksum update must equal a full recomputation */
	CU_ASSERT_EQUAL(rte_raw_cksum(rep, sizeof(msg)), 0xffff);
	CU_ASSERT(memcmp(rep + 1, msg + 8, sizeof(msg) - 8) == 0);
	CU_ASSERT_EQUAL(og_net_stats(nc)->ctr[OG_NET_CTR_ICMP_ECHO], 1);

	/* corrupt checksum, and a type we do not answer */
	cap_clear();
	ic->icmp_cksum ^= 1;
	input1(nc, ip_frame(ip4("192.0.2.9"), ip4("192.0.2.1"), IPPROTO_ICMP, msg, sizeof(msg), 0),
	       NULL);
	ic->icmp_type = 13; /* timestamp */
	ic->icmp_cksum = 0;
	ic->icmp_cksum = (uint16_t)~rte_raw_cksum(msg, sizeof(msg));
	input1(nc, ip_frame(ip4("192.0.2.9"), ip4("192.0.2.1"), IPPROTO_ICMP, msg, sizeof(msg), 0),
	       NULL);
	og_net_tx_flush(nc);
	CU_ASSERT_EQUAL(n_cap, 0);
	CU_ASSERT_EQUAL(og_net_stats(nc)->drop[OG_NET_DROP_ICMP_CKSUM], 1);
	CU_ASSERT_EQUAL(og_net_stats(nc)->drop[OG_NET_DROP_ICMP_TYPE], 1);
	og_net_ctx_free(nc);
}

static void
test_ipv4_tcp_passed(void)
{
	struct og_net_ctx *nc = make_ctx(0);
	uint8_t seg[20 + 5] = { 0 };
	struct rte_mbuf *out = NULL;
	const struct rte_ipv4_hdr *ip;

	memcpy(seg + 20, "hello", 5);
	/* 45-byte datagram in a frame padded to 60 bytes: must be trimmed */
	CU_ASSERT_EQUAL(input1(nc,
			       ip_frame(ip4("198.51.100.4"), ip4("192.0.2.1"), IPPROTO_TCP, seg,
					sizeof(seg), 1),
			       &out),
			1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(out);
	ip = rte_pktmbuf_mtod(out, const struct rte_ipv4_hdr *);
	CU_ASSERT_EQUAL(ip->version_ihl, 0x45);
	CU_ASSERT_EQUAL(rte_pktmbuf_pkt_len(out), 45);
	CU_ASSERT_EQUAL(out->l3_len, 20);
	CU_ASSERT_EQUAL(og_net_stats(nc)->ctr[OG_NET_CTR_IP_RX_TCP], 1);
	rte_pktmbuf_free(out);
	og_net_ctx_free(nc);
}

static void
test_ipv4_drops(void)
{
	struct og_net_ctx *nc = make_ctx(0);
	uint8_t seg[20] = { 0 };
	struct rte_mbuf *m;
	struct rte_ipv4_hdr *ip;
	const struct og_net_stats *s = og_net_stats(nc);

#define IPH(m)	  ((struct rte_ipv4_hdr *)(rte_pktmbuf_mtod(m, struct rte_ether_hdr *) + 1))
#define RESUM(ip) ((ip)->hdr_checksum = 0, (ip)->hdr_checksum = rte_ipv4_cksum(ip))
	m = ip_frame(ip4("198.51.100.4"), ip4("192.0.2.1"), IPPROTO_TCP, seg, sizeof(seg), 0);
	IPH(m)->hdr_checksum ^= 0x0100;
	CU_ASSERT_EQUAL(input1(nc, m, NULL), 0);
	CU_ASSERT_EQUAL(s->drop[OG_NET_DROP_IP_CKSUM], 1);

	m = ip_frame(ip4("198.51.100.4"), ip4("192.0.2.1"), IPPROTO_TCP, seg, sizeof(seg), 0);
	ip = IPH(m);
	ip->version_ihl = 0x65;
	CU_ASSERT_EQUAL(input1(nc, m, NULL), 0);
	CU_ASSERT_EQUAL(s->drop[OG_NET_DROP_IP_VERSION], 1);

	m = ip_frame(ip4("198.51.100.4"), ip4("192.0.2.1"), IPPROTO_TCP, seg, sizeof(seg), 0);
	ip = IPH(m);
	ip->version_ihl = 0x44;
	CU_ASSERT_EQUAL(input1(nc, m, NULL), 0);
	CU_ASSERT_EQUAL(s->drop[OG_NET_DROP_IP_HDR_LEN], 1);

	m = ip_frame(ip4("198.51.100.4"), ip4("192.0.2.1"), IPPROTO_TCP, seg, sizeof(seg), 0);
	ip = IPH(m);
	ip->total_length = rte_cpu_to_be_16(41); /* one byte past the frame */
	RESUM(ip);
	CU_ASSERT_EQUAL(input1(nc, m, NULL), 0);
	CU_ASSERT_EQUAL(s->drop[OG_NET_DROP_IP_TOTAL_LEN], 1);

	m = ip_frame(ip4("198.51.100.4"), ip4("192.0.2.1"), IPPROTO_TCP, seg, sizeof(seg), 0);
	ip = IPH(m);
	ip->fragment_offset = rte_cpu_to_be_16(RTE_IPV4_HDR_MF_FLAG);
	RESUM(ip);
	CU_ASSERT_EQUAL(input1(nc, m, NULL), 0);
	m = ip_frame(ip4("198.51.100.4"), ip4("192.0.2.1"), IPPROTO_TCP, seg, sizeof(seg), 0);
	ip = IPH(m);
	ip->fragment_offset = rte_cpu_to_be_16(185); /* last fragment */
	RESUM(ip);
	CU_ASSERT_EQUAL(input1(nc, m, NULL), 0);
	CU_ASSERT_EQUAL(s->drop[OG_NET_DROP_IP_FRAGMENT], 2);

	/* DF alone is not a fragment */
	m = ip_frame(ip4("198.51.100.4"), ip4("192.0.2.1"), IPPROTO_TCP, seg, sizeof(seg), 0);
	ip = IPH(m);
	ip->fragment_offset = rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG);
	RESUM(ip);
	CU_ASSERT_EQUAL(input1(nc, m, NULL), 1);

	CU_ASSERT_EQUAL(input1(nc,
			       ip_frame(ip4("198.51.100.4"), ip4("192.0.2.2"), IPPROTO_TCP, seg,
					sizeof(seg), 0),
			       NULL),
			0);
	CU_ASSERT_EQUAL(s->drop[OG_NET_DROP_IP_NOT_FOR_US], 1);
	CU_ASSERT_EQUAL(input1(nc,
			       ip_frame(ip4("224.0.0.1"), ip4("192.0.2.1"), IPPROTO_TCP, seg,
					sizeof(seg), 0),
			       NULL),
			0);
	CU_ASSERT_EQUAL(s->drop[OG_NET_DROP_IP_BAD_SRC], 1);
	CU_ASSERT_EQUAL(input1(nc,
			       ip_frame(ip4("198.51.100.4"), ip4("192.0.2.1"), IPPROTO_UDP, seg,
					sizeof(seg), 0),
			       NULL),
			0);
	CU_ASSERT_EQUAL(s->drop[OG_NET_DROP_IP_PROTO], 1);

	/* Ethernet level */
	CU_ASSERT_EQUAL(input1(nc, frame(&gw_mac, RTE_ETHER_TYPE_IPV4, seg, sizeof(seg)), NULL), 0);
	CU_ASSERT_EQUAL(s->drop[OG_NET_DROP_ETH_NOT_FOR_US], 1);
	CU_ASSERT_EQUAL(input1(nc, frame(&our_mac, RTE_ETHER_TYPE_IPV6, seg, sizeof(seg)), NULL),
			0);
	CU_ASSERT_EQUAL(s->drop[OG_NET_DROP_ETH_TYPE], 1);
	m = rte_pktmbuf_alloc(mp);
	rte_pktmbuf_append(m, 10);
	CU_ASSERT_EQUAL(input1(nc, m, NULL), 0);
	CU_ASSERT_EQUAL(s->drop[OG_NET_DROP_ETH_RUNT], 1);
	CU_ASSERT_EQUAL(s->ctr[OG_NET_CTR_RX_PKTS], 13);
	og_net_tx_flush(nc);
	CU_ASSERT_EQUAL(n_cap, 0); /* nothing was answered */
	og_net_ctx_free(nc);
#undef IPH
#undef RESUM
}

/* An IPv4 datagram as lib/tcp hands it to the output path. */
static struct rte_mbuf *
tcp_out_pkt(uint32_t dst)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(mp);
	uint8_t buf[40] = { 0 };
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)buf;

	ip->version_ihl = 0x45;
	ip->total_length = RTE_BE16(40);
	ip->next_proto_id = IPPROTO_TCP;
	ip->src_addr = ip4("192.0.2.1");
	ip->dst_addr = dst;
	memcpy(rte_pktmbuf_append(m, sizeof(buf)), buf, sizeof(buf));
	m->l3_len = 20;
	m->l4_len = 20;
	return m;
}

static void
test_output_resolves(void)
{
	struct og_net_ctx *nc = make_ctx(0);
	const struct og_net_stats *s = og_net_stats(nc);
	struct rte_mbuf *pk[6];
	const struct rte_ether_hdr *eth;
	const struct rte_arp_hdr *a;

	og_net_timers_run(nc, 1000);
	for (int i = 0; i < 6; i++)
		pk[i] = tcp_out_pkt(ip4("192.0.2.9"));
	CU_ASSERT_EQUAL(og_net_output_burst(nc, pk, 6), 6);
	og_net_tx_flush(nc);
	/* one ARP request out, four packets held, two dropped and counted */
	CU_ASSERT_EQUAL_FATAL(n_cap, 1);
	eth = rte_pktmbuf_mtod(cap[0], const struct rte_ether_hdr *);
	a = (const struct rte_arp_hdr *)(eth + 1);
	CU_ASSERT_EQUAL(eth->ether_type, RTE_BE16(RTE_ETHER_TYPE_ARP));
	CU_ASSERT(rte_is_broadcast_ether_addr(&eth->dst_addr));
	CU_ASSERT_EQUAL(a->arp_data.arp_tip, ip4("192.0.2.9"));
	CU_ASSERT_EQUAL(s->drop[OG_NET_DROP_ARP_QUEUE_FULL], 2);
	cap_clear();

	/* the reply releases the held packets, addressed to the peer */
	input1(nc, arp_frame(RTE_ARP_OP_REPLY, &peer_mac, ip4("192.0.2.9"), ip4("192.0.2.1")),
	       NULL);
	og_net_tx_flush(nc);
	CU_ASSERT_EQUAL_FATAL(n_cap, 4);
	for (unsigned int i = 0; i < n_cap; i++) {
		eth = rte_pktmbuf_mtod(cap[i], const struct rte_ether_hdr *);
		CU_ASSERT(rte_is_same_ether_addr(&eth->dst_addr, &peer_mac));
		CU_ASSERT(rte_is_same_ether_addr(&eth->src_addr, &our_mac));
		CU_ASSERT_EQUAL(eth->ether_type, RTE_BE16(RTE_ETHER_TYPE_IPV4));
		CU_ASSERT_EQUAL(rte_pktmbuf_pkt_len(cap[i]), 54);
		CU_ASSERT_EQUAL(cap[i]->l2_len, 14);
	}
	cap_clear();
	/* resolved now: straight out */
	pk[0] = tcp_out_pkt(ip4("192.0.2.9"));
	og_net_output_burst(nc, pk, 1);
	og_net_tx_flush(nc);
	CU_ASSERT_EQUAL(n_cap, 1);
	CU_ASSERT_EQUAL(s->ctr[OG_NET_CTR_TX_PKTS], 6);

	/* off-link without a gateway */
	pk[0] = tcp_out_pkt(ip4("198.51.100.4"));
	og_net_output_burst(nc, pk, 1);
	CU_ASSERT_EQUAL(s->drop[OG_NET_DROP_NO_ROUTE], 1);

	/* the NIC refuses: the frame waits for the next flush, not dropped */
	cap_clear();
	xmit_refuse = UINT16_MAX;
	pk[0] = tcp_out_pkt(ip4("192.0.2.9"));
	og_net_output_burst(nc, pk, 1);
	og_net_tx_flush(nc);
	CU_ASSERT_EQUAL(n_cap, 0);
	CU_ASSERT_EQUAL(s->drop[OG_NET_DROP_TX_FULL], 0);
	xmit_refuse = 0;
	og_net_tx_flush(nc);
	CU_ASSERT_EQUAL(n_cap, 1);
	CU_ASSERT_EQUAL(s->ctr[OG_NET_CTR_TX_PKTS], 7);

	/* a NIC that never drains: beyond the 1024-frame backlog, frames are
	 * dropped and counted; the held ones are freed with the context */
	cap_clear();
	xmit_refuse = UINT16_MAX;
	for (unsigned int i = 0; i < 1024 + 3; i++) {
		pk[0] = tcp_out_pkt(ip4("192.0.2.9"));
		og_net_output_burst(nc, pk, 1);
	}
	og_net_tx_flush(nc);
	CU_ASSERT_EQUAL(n_cap, 0);
	CU_ASSERT_EQUAL(s->drop[OG_NET_DROP_TX_FULL], 3);
	CU_ASSERT_EQUAL(s->ctr[OG_NET_CTR_TX_PKTS], 7);

	/* nothing taken for more than 100 ms: the head frame is given up so
	 * that one frame the NIC never takes cannot hold the others */
	og_net_timers_run(nc, 2000000);
	og_net_tx_flush(nc);
	CU_ASSERT_EQUAL(s->drop[OG_NET_DROP_TX_FULL], 4);
	og_net_timers_run(nc, 2050000);
	og_net_tx_flush(nc);
	CU_ASSERT_EQUAL(s->drop[OG_NET_DROP_TX_FULL], 4);
	og_net_timers_run(nc, 2120000);
	og_net_tx_flush(nc);
	CU_ASSERT_EQUAL(s->drop[OG_NET_DROP_TX_FULL], 4);
	og_net_timers_run(nc, 2200000);
	og_net_tx_flush(nc);
	CU_ASSERT_EQUAL(s->drop[OG_NET_DROP_TX_FULL], 5);
	xmit_refuse = 0;
	og_net_tx_flush(nc);
	CU_ASSERT_EQUAL(s->ctr[OG_NET_CTR_TX_PKTS], 7 + 1022);
	cap_clear();
	og_net_ctx_free(nc);
	xmit_refuse = 0;
	CU_ASSERT_EQUAL(rte_mempool_in_use_count(mp), 0);
}

static void
test_output_gateway_timeout(void)
{
	struct og_net_ctx *nc = make_ctx(ip4("192.0.2.254"));
	const struct og_net_stats *s = og_net_stats(nc);
	struct rte_mbuf *pk[2];
	const struct rte_arp_hdr *a;
	uint64_t now = 1000;

	og_net_timers_run(nc, now);
	pk[0] = tcp_out_pkt(ip4("198.51.100.4"));
	pk[1] = tcp_out_pkt(ip4("203.0.113.5"));
	og_net_output_burst(nc, pk, 2);
	og_net_tx_flush(nc);
	/* both wait on the gateway: a single request for it */
	CU_ASSERT_EQUAL_FATAL(n_cap, 1);
	a = (const struct rte_arp_hdr *)(rte_pktmbuf_mtod(cap[0], struct rte_ether_hdr *) + 1);
	CU_ASSERT_EQUAL(a->arp_data.arp_tip, ip4("192.0.2.254"));
	/* nobody answers: retries at arp_retry_us, then the packets are dropped */
	for (int i = 0; i < 10; i++) {
		now += 60000; /* timers scan every 50 ms */
		og_net_timers_run(nc, now);
		og_net_tx_flush(nc);
	}
	CU_ASSERT_EQUAL(s->ctr[OG_NET_CTR_ARP_REQ_TX], 3);
	CU_ASSERT_EQUAL(s->drop[OG_NET_DROP_ARP_TIMEOUT], 2);
	og_net_ctx_free(nc);
}

static void
test_stats_sum(void)
{
	struct og_net_ctx *a = make_ctx(0), *b = make_ctx(0);
	struct og_net_stats sum;

	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	CU_ASSERT_PTR_NOT_NULL_FATAL(b);
	input1(a, frame(&gw_mac, RTE_ETHER_TYPE_IPV4, "x", 1), NULL);
	input1(b, frame(&gw_mac, RTE_ETHER_TYPE_IPV4, "x", 1), NULL);
	input1(b, frame(&gw_mac, RTE_ETHER_TYPE_IPV4, "x", 1), NULL);
	og_net_stats_sum(&sum);
	CU_ASSERT_EQUAL(sum.drop[OG_NET_DROP_ETH_NOT_FOR_US], 3);
	CU_ASSERT_EQUAL(sum.ctr[OG_NET_CTR_RX_PKTS], 3);
	og_net_ctx_free(a);
	og_net_stats_sum(&sum);
	CU_ASSERT_EQUAL(sum.drop[OG_NET_DROP_ETH_NOT_FOR_US], 2);
	og_net_ctx_free(b);
}

/* lib/net registers its own metrics: the .def rows, typed, summed at scrape */
static void
test_metrics_registered(void)
{
	struct og_net_ctx *a = make_ctx(0), *b = make_ctx(0);
	struct og_wbuf w;
	const char *t;

	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	CU_ASSERT_PTR_NOT_NULL_FATAL(b);
	og_wbuf_init_growable(&w);
	og_metric_unregister_all();
	CU_ASSERT_EQUAL(og_net_metrics_register(), 0);
	CU_ASSERT_EQUAL(og_net_metrics_register(), -EEXIST);
	input1(a, frame(&gw_mac, RTE_ETHER_TYPE_IPV4, "x", 1), NULL);
	input1(b, frame(&gw_mac, RTE_ETHER_TYPE_IPV4, "x", 1), NULL);
	t = og_test_scrape("otlpgate_net_", &w);
	CU_ASSERT_PTR_NOT_NULL(strstr(t, "# TYPE otlpgate_net_rx_packets_total counter\n"));
	CU_ASSERT_EQUAL(og_test_sample(t, "otlpgate_net_rx_packets_total"), 2);
	CU_ASSERT_EQUAL(og_test_sample(t, "otlpgate_net_drops_total{reason=\"eth_not_for_us\"}"),
			2);
	CU_ASSERT_EQUAL(og_test_sample(t, "otlpgate_net_drops_total{reason=\"ip_cksum\"}"), 0);
	t = og_test_scrape("otlpgate_port_link_up", &w);
	CU_ASSERT_PTR_NOT_NULL(strstr(t, "# TYPE otlpgate_port_link_up gauge\n"));
	og_metric_unregister_all();
	og_wbuf_free(&w);
	og_net_ctx_free(a);
	og_net_ctx_free(b);
}

static void
test_bad_conf(void)
{
	struct og_net_conf c = { .mp = mp, .addr_be = ip4("192.0.2.1"), .prefix_len = 24 };

	c.arp_entries = 100; /* not a power of two */
	CU_ASSERT_PTR_NULL(og_net_ctx_create(&c));
	c.arp_entries = 0;
	c.addr_be = 0;
	CU_ASSERT_PTR_NULL(og_net_ctx_create(&c));
	c.addr_be = ip4("192.0.2.1");
	c.prefix_len = 33;
	CU_ASSERT_PTR_NULL(og_net_ctx_create(&c));
	CU_ASSERT_EQUAL(og_port_init(RTE_MAX_ETHPORTS - 1, 1, mp, NULL), -ENODEV);
	CU_ASSERT_PTR_NULL(og_port_info(0));
	CU_ASSERT_EQUAL(og_port_rss_queue(0, 1, 2, 3, 4), 0);
}

static int
suite_init(void)
{
	char prefix[64];
	char *argv[] = { "test_net",	  "--no-huge", "--no-pci",    "-m",	     "64",
			 "--file-prefix", prefix,      "--log-level", "lib.*:error", NULL };

	snprintf(prefix, sizeof(prefix), "test_net_%d", (int)getpid());
	if (rte_eal_init(RTE_DIM(argv) - 1, argv) < 0)
		return -1;
	mp = rte_pktmbuf_pool_create("test_net", 2047, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
				     SOCKET_ID_ANY);
	return mp == NULL ? -1 : 0;
}

static int
suite_clean(void)
{
	char cmd[PATH_MAX + 16];

	cap_clear();
	rte_mempool_free(mp);
	/* the runtime directory is ours alone (unique prefix): leave nothing */
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", rte_eal_get_runtime_dir());
	rte_eal_cleanup();
	if (system(cmd) != 0)
		return -1;
	return 0;
}

static CU_TestInfo net_tests[] = {
	{ "drop and counter names", test_names },
	{ "ARP request answered, requester learned", test_arp_reply },
	{ "gratuitous ARP at start", test_garp },
	{ "ICMP echo answered in place", test_icmp_echo },
	{ "IPv4/TCP passed on, trimmed, l3_len", test_ipv4_tcp_passed },
	{ "IPv4 and Ethernet drops by reason", test_ipv4_drops },
	{ "output: ARP resolution, bounded queue, no route, TX full", test_output_resolves },
	{ "output: gateway, ARP retries and timeout", test_output_gateway_timeout },
	{ "counters summed over contexts", test_stats_sum },
	{ "metrics registered by lib/net", test_metrics_registered },
	{ "bad settings refused", test_bad_conf },
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{ "net", suite_init, suite_clean, NULL, NULL, net_tests },
	CU_SUITE_INFO_NULL,
};

int
main(void)
{
	return og_test_main(suites);
}
