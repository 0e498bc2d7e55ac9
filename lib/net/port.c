/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Port bring-up and teardown for any ethdev: PCI NICs, net_tap, net_memif,
 * net_pcap. Offloads are asked for only when dev_info says the port has them,
 * so the same code runs on a TAP (no RSS, one queue) and on a multi-queue NIC.
 */
#include <errno.h>
#include <string.h>

#include <rte_ethdev.h>
#include <rte_thash.h>

#include "net_private.h"

RTE_LOG_REGISTER(og_net_logtype, otlpgate.net, INFO);

/*
 * Symmetric Toeplitz key: with the 16-bit pattern 0x6d5a repeated, the hash
 * of (a, b, pa, pb) equals the hash of (b, a, pb, pa), so both directions of
 * a TCP connection land on the same queue (Woo and Park, "Scalable TCP
 * Session Monitoring with Symmetric Receive-side Scaling", 2012).
 */
#define RSS_KEY_LEN 40
static uint8_t rss_key[RSS_KEY_LEN];

static struct og_port_info ports[RTE_MAX_ETHPORTS];

static void
rss_key_init(void)
{
	for (unsigned int i = 0; i < RSS_KEY_LEN; i += 2) {
		rss_key[i] = 0x6d;
		rss_key[i + 1] = 0x5a;
	}
}

const struct og_port_info *
og_port_info(uint16_t port_id)
{
	if (port_id >= RTE_MAX_ETHPORTS || !ports[port_id].started)
		return NULL;
	return &ports[port_id];
}

void
og_port_log_link(uint16_t port_id)
{
	struct rte_eth_link link;

	if (rte_eth_link_get_nowait(port_id, &link) != 0) {
		NET_LOG(WARNING, "port %u: link status unavailable", port_id);
		return;
	}
	if (link.link_status == RTE_ETH_LINK_DOWN)
		NET_LOG(INFO, "port %u: link down", port_id);
	else
		NET_LOG(INFO, "port %u: link up, %u Mbps, %s-duplex", port_id, link.link_speed,
			link.link_duplex == RTE_ETH_LINK_FULL_DUPLEX ? "full" : "half");
}

int
og_port_init(uint16_t port_id, uint16_t n_queues, struct rte_mempool *mp,
	     const struct og_port_conf *conf)
{
	static const struct og_port_conf defaults = { 0 };
	struct rte_eth_dev_info info;
	struct rte_eth_conf ec;
	struct og_port_info *pi;
	uint16_t nb_rxd, nb_txd;
	int socket, rc;

	if (conf == NULL)
		conf = &defaults;
	if (!rte_eth_dev_is_valid_port(port_id))
		return -ENODEV;
	if (n_queues == 0 || mp == NULL)
		return -EINVAL;
	rc = rte_eth_dev_info_get(port_id, &info);
	if (rc != 0)
		return rc;
	if (n_queues > info.max_rx_queues || n_queues > info.max_tx_queues) {
		NET_LOG(ERR, "port %u: %u queues asked, the port has %u RX / %u TX", port_id,
			n_queues, info.max_rx_queues, info.max_tx_queues);
		return -EINVAL;
	}
	pi = &ports[port_id];
	memset(pi, 0, sizeof(*pi));
	memset(&ec, 0, sizeof(ec));

	/* RSS only makes sense with several queues; a TAP has none anyway. */
	if (n_queues > 1 && info.flow_type_rss_offloads != 0) {
		uint64_t hf = (RTE_ETH_RSS_IPV4 | RTE_ETH_RSS_NONFRAG_IPV4_TCP) &
			      info.flow_type_rss_offloads;

		if (hf != 0) {
			rss_key_init();
			ec.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
			ec.rx_adv_conf.rss_conf.rss_key = rss_key;
			ec.rx_adv_conf.rss_conf.rss_key_len = RSS_KEY_LEN;
			ec.rx_adv_conf.rss_conf.rss_hf = hf;
			pi->rss = true;
			pi->reta_size = info.reta_size;
		}
	}
	if (!conf->no_offloads) {
		if (info.rx_offload_capa & RTE_ETH_RX_OFFLOAD_IPV4_CKSUM) {
			ec.rxmode.offloads |= RTE_ETH_RX_OFFLOAD_IPV4_CKSUM;
			pi->rx_ip_cksum = true;
		}
		if (info.rx_offload_capa & RTE_ETH_RX_OFFLOAD_TCP_CKSUM) {
			ec.rxmode.offloads |= RTE_ETH_RX_OFFLOAD_TCP_CKSUM;
			pi->rx_tcp_cksum = true;
		}
		/*
		 * lib/tcp needs both or neither: one flag set per packet.
		 * net_tap "offloads" in software by adding up each segment's
		 * raw sum on its own, which is wrong when a segment before
		 * the last has an odd length (an HTTP head mbuf in front of
		 * zero-copy body segments): the kernel drops such frames as
		 * bad checksums. lib/tcp's own checksum covers chains right.
		 */
		bool tx_cksum_broken = strcmp(info.driver_name, "net_tap") == 0;

		if ((info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_IPV4_CKSUM) &&
		    (info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_TCP_CKSUM) && !tx_cksum_broken) {
			ec.txmode.offloads |=
				RTE_ETH_TX_OFFLOAD_IPV4_CKSUM | RTE_ETH_TX_OFFLOAD_TCP_CKSUM;
			pi->tx_ip_cksum = true;
			pi->tx_tcp_cksum = true;
		}
	}
	/* Zero-copy TX sends header mbufs chained to payload mbufs. */
	if (info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_MULTI_SEGS) {
		ec.txmode.offloads |= RTE_ETH_TX_OFFLOAD_MULTI_SEGS;
		pi->tx_multi_seg = true;
	}

	rc = rte_eth_dev_configure(port_id, n_queues, n_queues, &ec);
	if (rc != 0) {
		NET_LOG(ERR, "port %u: configure: %s", port_id, rte_strerror(-rc));
		return rc;
	}
	if (conf->mtu != 0) {
		rc = rte_eth_dev_set_mtu(port_id, conf->mtu);
		if (rc != 0)
			NET_LOG(WARNING, "port %u: MTU %u: %s", port_id, conf->mtu,
				rte_strerror(-rc));
	}
	nb_rxd = conf->nb_rxd ? conf->nb_rxd : 1024;
	nb_txd = conf->nb_txd ? conf->nb_txd : 1024;
	rc = rte_eth_dev_adjust_nb_rx_tx_desc(port_id, &nb_rxd, &nb_txd);
	if (rc != 0)
		return rc;
	socket = rte_eth_dev_socket_id(port_id);
	if (socket < 0)
		socket = (int)rte_socket_id();
	for (uint16_t q = 0; q < n_queues; q++) {
		struct rte_eth_rxconf rxc = info.default_rxconf;
		struct rte_eth_txconf txc = info.default_txconf;

		rxc.offloads = ec.rxmode.offloads;
		txc.offloads = ec.txmode.offloads;
		rc = rte_eth_rx_queue_setup(port_id, q, nb_rxd, (unsigned int)socket, &rxc, mp);
		if (rc == 0)
			rc = rte_eth_tx_queue_setup(port_id, q, nb_txd, (unsigned int)socket, &txc);
		if (rc != 0) {
			NET_LOG(ERR, "port %u: queue %u setup: %s", port_id, q, rte_strerror(-rc));
			return rc;
		}
	}
	rc = rte_eth_macaddr_get(port_id, &pi->mac);
	if (rc != 0)
		return rc;
	rc = rte_eth_dev_start(port_id);
	if (rc != 0) {
		NET_LOG(ERR, "port %u: start: %s", port_id, rte_strerror(-rc));
		return rc;
	}
	/*
	 * Broadcast is needed for ARP; promiscuous mode is not (frames for
	 * other MACs are counted as eth_not_for_us if a port delivers them).
	 */
	rte_eth_allmulticast_disable(port_id);
	pi->n_queues = n_queues;
	pi->started = true;
	NET_LOG(INFO,
		"port %u: %s, " RTE_ETHER_ADDR_PRT_FMT ", %u queue(s), RSS %s, RX cksum %s, "
		"TX cksum %s, TX chains %s",
		port_id, info.driver_name, RTE_ETHER_ADDR_BYTES(&pi->mac), n_queues,
		pi->rss ? "symmetric" : "off", pi->rx_ip_cksum ? "offload" : "software",
		pi->tx_tcp_cksum ? "offload" : "software", pi->tx_multi_seg ? "yes" : "no");
	og_port_log_link(port_id);
	return 0;
}

void
og_port_close(uint16_t port_id)
{
	if (port_id >= RTE_MAX_ETHPORTS || !ports[port_id].started)
		return;
	ports[port_id].started = false;
	rte_eth_dev_stop(port_id);
	rte_eth_dev_close(port_id);
}

uint16_t
og_port_rss_queue(uint16_t port_id, uint32_t saddr_be, uint32_t daddr_be, uint16_t sport_be,
		  uint16_t dport_be)
{
	const struct og_port_info *pi = og_port_info(port_id);
	uint32_t tuple[3];
	uint32_t h;

	if (pi == NULL || !pi->rss || pi->n_queues < 2)
		return 0;
	/* rte_softrss wants the tuple in host order: src, dst, sport<<16|dport */
	tuple[0] = rte_be_to_cpu_32(saddr_be);
	tuple[1] = rte_be_to_cpu_32(daddr_be);
	tuple[2] = ((uint32_t)rte_be_to_cpu_16(sport_be) << 16) | rte_be_to_cpu_16(dport_be);
	h = rte_softrss(tuple, 3, rss_key);
	/*
	 * Default redirection table: entry i holds queue i % n_queues, and the
	 * NIC indexes it with the low bits of the hash.
	 */
	if (pi->reta_size != 0)
		h %= pi->reta_size;
	return (uint16_t)(h % pi->n_queues);
}
