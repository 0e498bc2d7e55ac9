/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/tcp's metrics, registered by lib/tcp itself: the event counters of
 * tcp_counters.def, the drop reasons of tcp_drop.def, connections by state
 * and the memory gauges, summed over the stacks (one per dataplane lcore)
 * once per scrape.
 */
#include <stddef.h>
#include <string.h>

#include "og_common.h"
#include "og_metric.h"
#include "og_tcp.h"

static const struct og_metric_def cnt_defs[] = {
#define OG_TCP_CNT OG_METRIC_DEF_ROW
#include "tcp_counters.def"
#undef OG_TCP_CNT
};

/* the stacks' counters summed, all as uint64_t for og_metric_sample_names() */
struct tcp_snap {
	uint64_t cnt[OG_TCP_CNT_MAX];
	uint64_t drop[OG_TCP_DROP_MAX];
	uint64_t conns[OG_TCP_STATE_MAX];
	uint64_t rcv_mem;
	uint64_t snd_mem;
	uint64_t half_open;
};

static struct og_tcp_stack *const *tcp_stacks;
static unsigned int tcp_n;

static void
snap_sum(void *buf, void *arg)
{
	struct tcp_snap *sum = buf;

	(void)arg;
	memset(sum, 0, sizeof(*sum));
	for (unsigned int s = 0; s < tcp_n; s++) {
		const struct og_tcp_stats *st;

		if (tcp_stacks[s] == NULL)
			continue;
		st = og_tcp_stats(tcp_stacks[s]);
		og_metric_sum_u64(sum->cnt, st->cnt, OG_TCP_CNT_MAX);
		og_metric_sum_u64(sum->drop, st->drop, OG_TCP_DROP_MAX);
		for (unsigned int i = 0; i < OG_TCP_STATE_MAX; i++)
			sum->conns[i] += st->conns[i];
		sum->half_open += st->half_open;
		sum->rcv_mem += st->rcv_mem;
		sum->snd_mem += st->snd_mem;
	}
}

static struct tcp_snap snap_buf;
static struct og_metric_snap snap = { .sum = snap_sum, .buf = &snap_buf };
static struct og_metric_array cnt_array = { &snap, offsetof(struct tcp_snap, cnt) };

static const char *
drop_name(unsigned int i)
{
	return og_tcp_drop_name((enum og_tcp_drop)i);
}

static const char *
state_name(unsigned int i)
{
	return og_tcp_state_name((enum og_tcp_state)i);
}

static void
collect_drops(void *arg, struct og_metric_out *out)
{
	const struct tcp_snap *s = og_metric_snap_get(&snap);

	(void)arg;
	og_metric_sample_names(out, NULL, "reason", drop_name, s->drop, 0, OG_TCP_DROP_MAX);
}

static void
collect_conns(void *arg, struct og_metric_out *out)
{
	const struct tcp_snap *s = og_metric_snap_get(&snap);

	(void)arg;
	/* LISTEN is not a connection (tcp_state.def) */
	og_metric_sample_names(out, NULL, "state", state_name, s->conns, 0, OG_TCP_LISTEN);
	og_metric_sample_names(out, NULL, "state", state_name, s->conns, OG_TCP_LISTEN + 1,
			       OG_TCP_STATE_MAX);
}

/* the gauges, in the order of their words in struct tcp_snap */
static const struct og_metric_def gauge_defs[] = {
	{ "otlpgate_tcp_receive_buffer_bytes",
	  "Payload bytes held in receive buffers, not yet released by the application",
	  OG_METRIC_GAUGE },
	{ "otlpgate_tcp_send_queue_bytes", "Payload bytes queued for sending or awaiting ACK",
	  OG_METRIC_GAUGE },
	{ "otlpgate_tcp_half_open_connections",
	  "Connections in SYN-RECEIVED (SYN cookies start above a threshold)", OG_METRIC_GAUGE },
};
static struct og_metric_array gauge_array = { &snap, offsetof(struct tcp_snap, rcv_mem) };
_Static_assert(offsetof(struct tcp_snap, half_open) - offsetof(struct tcp_snap, rcv_mem) ==
		       2 * sizeof(uint64_t),
	       "gauge_defs follows struct tcp_snap");

static const struct og_metric_group groups[] = {
	{ cnt_defs, OG_TCP_CNT_MAX, og_metric_collect_array, &cnt_array },
	OG_METRIC_ONE(
		"otlpgate_tcp_drops_total",
		"Segments dropped or work refused by lib/tcp, by reason (lib/tcp/tcp_drop.def)",
		OG_METRIC_COUNTER, collect_drops, NULL),
	OG_METRIC_ONE("otlpgate_tcp_connections", "TCP connections by state (RFC 9293 3.3.2)",
		      OG_METRIC_GAUGE, collect_conns, NULL),
	{ gauge_defs, OG_ARRAY_SIZE(gauge_defs), og_metric_collect_array, &gauge_array },
};

int
og_tcp_metrics_register(struct og_tcp_stack *const *stacks, unsigned int n)
{
	tcp_stacks = stacks;
	tcp_n = n;
	return og_metric_register_groups(groups, OG_ARRAY_SIZE(groups));
}
