/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/net's metrics, registered by lib/net itself: its counters and drop
 * reasons from net_counters.def and net_drop.def (summed over every network
 * context, one snapshot per scrape), and the ethdev statistics and link
 * state of every port.
 */
#include <stddef.h>
#include <stdio.h>

#include <rte_ethdev.h>

#include "net_private.h"
#include "og_metric.h"

static const char *const drop_names[] = {
#define OG_NET_DROP(e, name, help) [OG_NET_DROP_##e] = name,
#include "net_drop.def"
#undef OG_NET_DROP
};
static const char *const drop_helps[] = {
#define OG_NET_DROP(e, name, help) [OG_NET_DROP_##e] = help,
#include "net_drop.def"
#undef OG_NET_DROP
};
static const struct og_metric_def ctr_defs[] = {
#define OG_NET_CTR OG_METRIC_DEF_ROW
#include "net_counters.def"
#undef OG_NET_CTR
};

OG_NAME_LOOKUP(og_net_drop_name, unsigned int, drop_names, NULL)
OG_NAME_LOOKUP(og_net_drop_help, unsigned int, drop_helps, NULL)

const char *
og_net_ctr_name(unsigned int ctr)
{
	return ctr < OG_NET_CTR_MAX ? ctr_defs[ctr].name : NULL;
}

/* --- counters and drops of every context --- */

static void
snap_sum(void *buf, void *arg)
{
	(void)arg;
	og_net_stats_sum(buf);
}

static struct og_net_stats snap_buf;
static struct og_metric_snap snap = { .sum = snap_sum, .buf = &snap_buf };
static struct og_metric_array ctr_array = { &snap, offsetof(struct og_net_stats, ctr) };

static void
collect_drops(void *arg, struct og_metric_out *out)
{
	const struct og_net_stats *s = og_metric_snap_get(&snap);

	(void)arg;
	og_metric_sample_names(out, NULL, "reason", og_net_drop_name, s->drop, 0, OG_NET_DROP_MAX);
}

/* --- ports (rte_eth_stats) --- */

static const struct og_metric_def port_defs[] = {
	{ "otlpgate_port_rx_packets_total", "Packets received by the port", OG_METRIC_COUNTER },
	{ "otlpgate_port_rx_bytes_total", "Bytes received by the port", OG_METRIC_COUNTER },
	{ "otlpgate_port_tx_packets_total", "Packets sent by the port", OG_METRIC_COUNTER },
	{ "otlpgate_port_tx_bytes_total", "Bytes sent by the port", OG_METRIC_COUNTER },
	{ "otlpgate_port_rx_missed_total",
	  "Packets the NIC dropped because no RX descriptor was free (imissed)",
	  OG_METRIC_COUNTER },
	{ "otlpgate_port_rx_nombuf_total", "RX mbuf allocation failures (rx_nombuf)",
	  OG_METRIC_COUNTER },
	{ "otlpgate_port_rx_errors_total", "Erroneous packets received (ierrors)",
	  OG_METRIC_COUNTER },
	{ "otlpgate_port_tx_errors_total", "Failed transmissions (oerrors)", OG_METRIC_COUNTER },
};

/* where each row of port_defs is in struct rte_eth_stats */
static const size_t port_off[] = {
	offsetof(struct rte_eth_stats, ipackets), offsetof(struct rte_eth_stats, ibytes),
	offsetof(struct rte_eth_stats, opackets), offsetof(struct rte_eth_stats, obytes),
	offsetof(struct rte_eth_stats, imissed),  offsetof(struct rte_eth_stats, rx_nombuf),
	offsetof(struct rte_eth_stats, ierrors),  offsetof(struct rte_eth_stats, oerrors),
};
_Static_assert(RTE_DIM(port_off) == RTE_DIM(port_defs), "one offset per port metric");

static void
collect_port(void *arg, struct og_metric_out *out)
{
	size_t off = port_off[og_metric_row(out)];
	uint16_t port;

	(void)arg;
	RTE_ETH_FOREACH_DEV (port) {
		struct rte_eth_stats st;
		char labels[32];

		if (rte_eth_stats_get(port, &st) != 0)
			continue;
		snprintf(labels, sizeof(labels), "port=\"%u\"", port);
		og_metric_sample(out, labels, *(const uint64_t *)((const char *)&st + off));
	}
}

static void
collect_link(void *arg, struct og_metric_out *out)
{
	uint16_t port;

	(void)arg;
	RTE_ETH_FOREACH_DEV (port) {
		struct rte_eth_link link;
		char labels[32];

		if (rte_eth_link_get_nowait(port, &link) != 0)
			continue;
		snprintf(labels, sizeof(labels), "port=\"%u\"", port);
		og_metric_sample(out, labels, link.link_status == RTE_ETH_LINK_UP);
	}
}

static const struct og_metric_group groups[] = {
	{ port_defs, RTE_DIM(port_defs), collect_port, NULL },
	OG_METRIC_ONE("otlpgate_port_link_up", "1 when the port's link is up", OG_METRIC_GAUGE,
		      collect_link, NULL),
	{ ctr_defs, OG_NET_CTR_MAX, og_metric_collect_array, &ctr_array },
	OG_METRIC_ONE("otlpgate_net_drops_total",
		      "Packets dropped by lib/net, by reason (lib/net/net_drop.def)",
		      OG_METRIC_COUNTER, collect_drops, NULL),
};

int
og_net_metrics_register(void)
{
	return og_metric_register_groups(groups, RTE_DIM(groups));
}
