/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * otlpgate application internals: options, per-lcore state, the diagnostic
 * TCP services. Only app/otlpgate includes this.
 */
#ifndef OG_APP_H
#define OG_APP_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_common.h>
#include <rte_lcore.h>
#include <rte_log.h>

#include "og_net.h"
#include "og_tcp.h"

extern int og_app_logtype;
#define APP_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_##level, og_app_logtype, "otlpgate: " fmt "\n", ##__VA_ARGS__)

#define APP_MAX_PORTS 8

struct app_port_ip {
	uint16_t port_id;
	uint32_t addr_be;
	uint8_t prefix_len;
};

/** Application arguments (after "--"). */
struct app_opts {
	struct app_port_ip ports[APP_MAX_PORTS];
	unsigned int n_ports;
	uint32_t gateway_be;
	uint32_t mbufs;
	const char *telemetry;
	uint16_t echo_port;    /**< 0 = off */
	uint16_t discard_port; /**< 0 = off */
	uint32_t max_conns;
	int log_level; /**< 0 = unchanged */
	struct og_net_fault fault;
};

/** One dataplane lcore: everything it touches, nothing shared. */
struct app_lcore {
	unsigned int lcore_id;
	uint16_t queue_id;
	uint16_t n_ports;
	struct og_net_ctx *net[APP_MAX_PORTS];
	struct og_tcp_stack *tcp;
	struct rte_mempool *diag_pool; /**< echo connection contexts */
	/* TSC cycles of loop iterations that did work, and of all of them */
	uint64_t busy_cycles;
	uint64_t total_cycles;
} __rte_cache_aligned;

/**
 * Parse the application arguments.
 *
 * @return 0; 1 when --help was printed; -1 after printing a one-line error.
 */
int app_parse_args(int argc, char **argv, struct app_opts *o);

/** Print the usage text to stdout. */
void app_usage(const char *prog);

/** Listen with the echo and discard services on @p lc's stack as configured. */
int app_diag_listen(struct app_lcore *lc, const struct app_opts *o);

#endif /* OG_APP_H */
