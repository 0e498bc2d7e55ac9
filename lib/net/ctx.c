/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Network contexts: creation, and the registry of live contexts the control
 * thread sums counters over (their metrics are net_stats.c's).
 */
#include <errno.h>
#include <string.h>

#include <rte_ethdev.h>
#include <rte_malloc.h>
#include <rte_spinlock.h>

#include "net_private.h"
#include "og_metric.h"

#define NET_MAX_CTX 1024

/*
 * Contexts are created and freed on the control path only; the lock keeps
 * the registry consistent against the telemetry thread's sums. Dataplane
 * lcores never take it.
 */
static rte_spinlock_t reg_lock = RTE_SPINLOCK_INITIALIZER;
static struct og_net_ctx *registry[NET_MAX_CTX];

static uint16_t
eth_xmit(void *arg, struct rte_mbuf **pkts, uint16_t n)
{
	struct og_net_ctx *nc = arg;

	return rte_eth_tx_burst(nc->port_id, nc->queue_id, pkts, n);
}

struct og_net_ctx *
og_net_ctx_create(const struct og_net_conf *conf)
{
	struct og_net_ctx *nc;
	uint32_t entries;
	unsigned int slot;

	if (conf == NULL || conf->mp == NULL || conf->addr_be == 0 || conf->prefix_len > 32)
		return NULL;
	entries = conf->arp_entries ? conf->arp_entries : 256;
	if (!rte_is_power_of_2(entries) || entries < NET_ARP_PROBES)
		return NULL;
	nc = rte_zmalloc_socket("og_net_ctx", sizeof(*nc), RTE_CACHE_LINE_SIZE, conf->socket_id);
	if (nc == NULL)
		return NULL;
	nc->arp = rte_zmalloc_socket("og_net_arp", entries * sizeof(*nc->arp), RTE_CACHE_LINE_SIZE,
				     conf->socket_id);
	if (nc->arp == NULL) {
		rte_free(nc);
		return NULL;
	}
	nc->port_id = conf->port_id;
	nc->queue_id = conf->queue_id;
	nc->addr_be = conf->addr_be;
	nc->mask_be = conf->prefix_len == 0 ? 0 : rte_cpu_to_be_32(~0u << (32 - conf->prefix_len));
	nc->gateway_be = conf->gateway_be;
	nc->mac = conf->mac;
	nc->mp = conf->mp;
	nc->arp_mask = entries - 1;
	nc->arp_retry_us = conf->arp_retry_us ? conf->arp_retry_us : 1000000;
	nc->arp_retries = conf->arp_retries ? conf->arp_retries : 3;
	nc->arp_ttl_us = conf->arp_ttl_us ? conf->arp_ttl_us : 300000000;
	if (conf->xmit != NULL) {
		nc->xmit = conf->xmit;
		nc->xmit_arg = conf->xmit_arg;
	} else {
		nc->xmit = eth_xmit;
		nc->xmit_arg = nc;
	}
#ifdef OG_FAULT_INJECTION
	nc->fault = conf->fault;
#else
	if (conf->fault.rx_drop | conf->fault.rx_dup | conf->fault.rx_reorder |
	    conf->fault.tx_drop | conf->fault.tx_dup | conf->fault.tx_reorder) {
		NET_LOG(ERR, "fault injection asked for, but not compiled in");
		rte_free(nc->arp);
		rte_free(nc);
		return NULL;
	}
#endif
	const struct og_port_info *pi = og_port_info(conf->port_id);
	nc->rx_ip_cksum = pi != NULL && pi->rx_ip_cksum;

	rte_spinlock_lock(&reg_lock);
	for (slot = 0; slot < NET_MAX_CTX && registry[slot] != NULL; slot++)
		;
	if (slot < NET_MAX_CTX)
		registry[slot] = nc;
	rte_spinlock_unlock(&reg_lock);
	if (slot == NET_MAX_CTX) {
		rte_free(nc->arp);
		rte_free(nc);
		return NULL;
	}
	nc->slot = slot;
	return nc;
}

void
og_net_ctx_free(struct og_net_ctx *nc)
{
	if (nc == NULL)
		return;
	og_net_tx_flush(nc);
	/* what the NIC still refused is not sent any more */
	for (uint16_t i = 0; i < nc->tx_n; i++)
		rte_pktmbuf_free(nc->tx_buf[i]);
	nc->tx_n = 0;
	net_arp_flush_all(nc);
#ifdef OG_FAULT_INJECTION
	rte_pktmbuf_free(nc->rx_held);
	rte_pktmbuf_free(nc->tx_held);
#endif
	rte_spinlock_lock(&reg_lock);
	registry[nc->slot] = NULL;
	rte_spinlock_unlock(&reg_lock);
	rte_free(nc->arp);
	rte_free(nc);
}

const struct og_net_stats *
og_net_stats(const struct og_net_ctx *nc)
{
	return &nc->stats;
}

void
og_net_stats_sum(struct og_net_stats *out)
{
	memset(out, 0, sizeof(*out));
	rte_spinlock_lock(&reg_lock);
	for (unsigned int s = 0; s < NET_MAX_CTX; s++) {
		const struct og_net_ctx *nc = registry[s];

		if (nc == NULL)
			continue;
		og_metric_sum_u64(out->ctr, nc->stats.ctr, OG_NET_CTR_MAX);
		og_metric_sum_u64(out->drop, nc->stats.drop, OG_NET_DROP_MAX);
	}
	rte_spinlock_unlock(&reg_lock);
}

uint32_t
og_net_addr(const struct og_net_ctx *nc)
{
	return nc->addr_be;
}

bool
og_net_on_link(const struct og_net_ctx *nc, uint32_t addr_be)
{
	return ((addr_be ^ nc->addr_be) & nc->mask_be) == 0;
}
