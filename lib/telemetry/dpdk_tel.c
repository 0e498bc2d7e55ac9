/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The registry through DPDK's telemetry socket, so the usual DPDK tooling
 * (dpdk-telemetry.py) reads the same values as /metrics. Each command
 * answers a dict of metric name -> dict of label set -> value ("value" for
 * a metric without labels).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_telemetry.h>

#include "og_telemetry.h"

struct tel_ctx {
	struct rte_tel_data *d;
	bool others; /* /otlpgate/stats: every metric the other commands do not show */
};

static void
tel_emit(struct og_metric_out *o, const char *labels, uint64_t v)
{
	char key[RTE_TEL_MAX_STRING_LEN];

	if (labels == NULL || labels[0] == '\0')
		labels = "value";
	if (o->suffix != NULL) {
		/* histogram series: "_bucket:le=\"100\"", "_sum:value", ... */
		snprintf(key, sizeof(key), "%s:%s", o->suffix, labels);
		labels = key;
	}
	/* keys are limited to RTE_TEL_MAX_STRING_LEN; ours are shorter */
	rte_tel_data_add_dict_u64(o->sink, labels, v);
}

static void
tel_one(void *arg, const struct og_metric *m)
{
	struct tel_ctx *t = arg;
	struct rte_tel_data *c;
	struct og_metric_out o = { .emit = tel_emit, .m = m };

	if (t->others && (strncmp(m->name, "otlpgate_lcore_", 15) == 0 ||
			  strncmp(m->name, "otlpgate_port_", 14) == 0))
		return;
	c = rte_tel_data_alloc();
	if (c == NULL)
		return;
	rte_tel_data_start_dict(c);
	o.sink = c;
	m->collect(m->arg, &o);
	if (rte_tel_data_add_dict_container(t->d, m->name, c, 0) != 0)
		rte_tel_data_free(c);
}

static int
tel_cmd(const char *prefix, struct rte_tel_data *d)
{
	struct tel_ctx t = { .d = d, .others = prefix == NULL };

	rte_tel_data_start_dict(d);
	og_metric_foreach(prefix, tel_one, &t);
	return 0;
}

static int
cmd_stats(const char *cmd, const char *params, struct rte_tel_data *d)
{
	(void)cmd;
	(void)params;
	return tel_cmd(NULL, d);
}

static int
cmd_lcores(const char *cmd, const char *params, struct rte_tel_data *d)
{
	(void)cmd;
	(void)params;
	return tel_cmd("otlpgate_lcore_", d);
}

static int
cmd_ports(const char *cmd, const char *params, struct rte_tel_data *d)
{
	(void)cmd;
	(void)params;
	return tel_cmd("otlpgate_port_", d);
}

int
og_telemetry_register_dpdk(void)
{
	int rc;

	rc = rte_telemetry_register_cmd("/otlpgate/stats", cmd_stats,
					"otlpgate counters other than lcores and ports. "
					"No parameters");
	if (rc == 0)
		rc = rte_telemetry_register_cmd("/otlpgate/lcores", cmd_lcores,
						"Busy and total TSC cycles per dataplane lcore. "
						"No parameters");
	if (rc == 0)
		rc = rte_telemetry_register_cmd("/otlpgate/ports", cmd_ports,
						"ethdev statistics per port. No parameters");
	return rc;
}
