/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Built-in metric sources: ethdev port statistics, lib/net counters and
 * lib/tcp counters, each summed over lcores at scrape time. Names and help
 * come from the layers' .def files, so a new row there is exported without
 * touching this file.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <rte_ethdev.h>

#include "og_net.h"
#include "og_tcp.h"
#include "telemetry_private.h"

/* --- ports (rte_eth_stats) --- */

struct port_metric {
	const char *name;
	const char *help;
	size_t off; /* in struct rte_eth_stats */
};

static const struct port_metric port_metrics[] = {
	{ "otlpgate_port_rx_packets_total", "Packets received by the port",
	  offsetof(struct rte_eth_stats, ipackets) },
	{ "otlpgate_port_rx_bytes_total", "Bytes received by the port",
	  offsetof(struct rte_eth_stats, ibytes) },
	{ "otlpgate_port_tx_packets_total", "Packets sent by the port",
	  offsetof(struct rte_eth_stats, opackets) },
	{ "otlpgate_port_tx_bytes_total", "Bytes sent by the port",
	  offsetof(struct rte_eth_stats, obytes) },
	{ "otlpgate_port_rx_missed_total",
	  "Packets the NIC dropped because no RX descriptor was free (imissed)",
	  offsetof(struct rte_eth_stats, imissed) },
	{ "otlpgate_port_rx_nombuf_total", "RX mbuf allocation failures (rx_nombuf)",
	  offsetof(struct rte_eth_stats, rx_nombuf) },
	{ "otlpgate_port_rx_errors_total", "Erroneous packets received (ierrors)",
	  offsetof(struct rte_eth_stats, ierrors) },
	{ "otlpgate_port_tx_errors_total", "Failed transmissions (oerrors)",
	  offsetof(struct rte_eth_stats, oerrors) },
};

static void
collect_port(void *arg, struct og_metric_out *out)
{
	const struct port_metric *pm = arg;
	uint16_t port;

	RTE_ETH_FOREACH_DEV (port) {
		struct rte_eth_stats st;
		char labels[32];

		if (rte_eth_stats_get(port, &st) != 0)
			continue;
		snprintf(labels, sizeof(labels), "port=\"%u\"", port);
		og_metric_sample(out, labels, *(const uint64_t *)((const char *)&st + pm->off));
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

/* --- lib/net --- */

static void
collect_net_ctr(void *arg, struct og_metric_out *out)
{
	struct og_net_stats s;

	og_net_stats_sum(&s);
	og_metric_sample(out, NULL, s.ctr[(uintptr_t)arg]);
}

static void
collect_net_drops(void *arg, struct og_metric_out *out)
{
	struct og_net_stats s;

	(void)arg;
	og_net_stats_sum(&s);
	for (unsigned int i = 0; i < OG_NET_DROP_MAX; i++) {
		char labels[OG_METRIC_NAME_MAX];

		snprintf(labels, sizeof(labels), "reason=\"%s\"", og_net_drop_name(i));
		og_metric_sample(out, labels, s.drop[i]);
	}
}

int
og_telemetry_register_builtin(void)
{
	int rc;

	for (unsigned int i = 0; i < RTE_DIM(port_metrics); i++) {
		rc = og_metric_register(port_metrics[i].name, port_metrics[i].help,
					OG_METRIC_COUNTER, collect_port, (void *)&port_metrics[i]);
		if (rc != 0)
			return rc;
	}
	rc = og_metric_register("otlpgate_port_link_up", "1 when the port's link is up",
				OG_METRIC_GAUGE, collect_link, NULL);
	if (rc != 0)
		return rc;
	for (unsigned int i = 0; i < OG_NET_CTR_MAX; i++) {
		rc = og_metric_register(og_net_ctr_name(i), og_net_ctr_help(i), OG_METRIC_COUNTER,
					collect_net_ctr, (void *)(uintptr_t)i);
		if (rc != 0)
			return rc;
	}
	return og_metric_register("otlpgate_net_drops_total",
				  "Packets dropped by lib/net, by reason (lib/net/net_drop.def)",
				  OG_METRIC_COUNTER, collect_net_drops, NULL);
}

/* --- lib/tcp --- */

static const char *const tcp_cnt_help[] = {
#define OG_TCP_CNT(e, name, help) [OG_TCP_CNT_##e] = help,
#include "tcp_counters.def"
#undef OG_TCP_CNT
};

static struct og_tcp_stack *const *tcp_stacks;
static unsigned int tcp_n;

static void
tcp_sum(struct og_tcp_stats *sum)
{
	memset(sum, 0, sizeof(*sum));
	for (unsigned int s = 0; s < tcp_n; s++) {
		const struct og_tcp_stats *st;

		if (tcp_stacks[s] == NULL)
			continue;
		st = og_tcp_stats(tcp_stacks[s]);
		for (unsigned int i = 0; i < OG_TCP_CNT_MAX; i++)
			sum->cnt[i] += st->cnt[i];
		for (unsigned int i = 0; i < OG_TCP_DROP_MAX; i++)
			sum->drop[i] += st->drop[i];
		for (unsigned int i = 0; i < OG_TCP_STATE_MAX; i++)
			sum->conns[i] += st->conns[i];
		sum->half_open += st->half_open;
		sum->rcv_mem += st->rcv_mem;
		sum->snd_mem += st->snd_mem;
	}
}

static void
collect_tcp_cnt(void *arg, struct og_metric_out *out)
{
	struct og_tcp_stats s;

	tcp_sum(&s);
	og_metric_sample(out, NULL, s.cnt[(uintptr_t)arg]);
}

static void
collect_tcp_drops(void *arg, struct og_metric_out *out)
{
	struct og_tcp_stats s;

	(void)arg;
	tcp_sum(&s);
	for (unsigned int i = 0; i < OG_TCP_DROP_MAX; i++) {
		char labels[OG_METRIC_NAME_MAX];

		snprintf(labels, sizeof(labels), "reason=\"%s\"",
			 og_tcp_drop_name((enum og_tcp_drop)i));
		og_metric_sample(out, labels, s.drop[i]);
	}
}

static void
collect_tcp_conns(void *arg, struct og_metric_out *out)
{
	struct og_tcp_stats s;

	(void)arg;
	tcp_sum(&s);
	/* LISTEN is not a connection (tcp_state.def) */
	for (unsigned int i = 0; i < OG_TCP_STATE_MAX; i++) {
		char labels[OG_METRIC_NAME_MAX];

		if (i == OG_TCP_LISTEN)
			continue;
		snprintf(labels, sizeof(labels), "state=\"%s\"",
			 og_tcp_state_name((enum og_tcp_state)i));
		og_metric_sample(out, labels, s.conns[i]);
	}
}

static void
collect_tcp_gauge(void *arg, struct og_metric_out *out)
{
	struct og_tcp_stats s;
	uint64_t v;

	tcp_sum(&s);
	switch ((uintptr_t)arg) {
	case 0:
		v = s.rcv_mem;
		break;
	case 1:
		v = s.snd_mem;
		break;
	default:
		v = s.half_open;
		break;
	}
	og_metric_sample(out, NULL, v);
}

int
og_telemetry_register_tcp(struct og_tcp_stack *const *stacks, unsigned int n)
{
	int rc;

	tcp_stacks = stacks;
	tcp_n = n;
	for (unsigned int i = 0; i < OG_TCP_CNT_MAX; i++) {
		rc = og_metric_register(og_tcp_cnt_name((enum og_tcp_cnt)i), tcp_cnt_help[i],
					OG_METRIC_COUNTER, collect_tcp_cnt, (void *)(uintptr_t)i);
		if (rc != 0)
			return rc;
	}
	rc = og_metric_register("otlpgate_tcp_drops_total",
				"Segments dropped or work refused by lib/tcp, by reason "
				"(lib/tcp/tcp_drop.def)",
				OG_METRIC_COUNTER, collect_tcp_drops, NULL);
	if (rc == 0)
		rc = og_metric_register("otlpgate_tcp_connections",
					"TCP connections by state (RFC 9293 3.3.2)",
					OG_METRIC_GAUGE, collect_tcp_conns, NULL);
	if (rc == 0)
		rc = og_metric_register("otlpgate_tcp_receive_buffer_bytes",
					"Payload bytes held in receive buffers, not yet "
					"released by the application",
					OG_METRIC_GAUGE, collect_tcp_gauge, (void *)0);
	if (rc == 0)
		rc = og_metric_register("otlpgate_tcp_send_queue_bytes",
					"Payload bytes queued for sending or awaiting ACK",
					OG_METRIC_GAUGE, collect_tcp_gauge, (void *)1);
	if (rc == 0)
		rc = og_metric_register("otlpgate_tcp_half_open_connections",
					"Connections in SYN-RECEIVED (SYN cookies start above "
					"a threshold)",
					OG_METRIC_GAUGE, collect_tcp_gauge, (void *)2);
	return rc;
}
