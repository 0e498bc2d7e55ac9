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
#include "og_pipeline.h"
#include "og_receiver.h"

extern int og_app_logtype;
#define APP_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_##level, og_app_logtype, "otlpgate: " fmt "\n", ##__VA_ARGS__)

#define APP_MAX_PORTS	 8
#define APP_MAX_BACKENDS 8

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
	uint32_t mbufs; /**< 0: app_mbufs_default() */
	const char *telemetry;
	uint16_t echo_port;    /**< 0 = off */
	uint16_t discard_port; /**< 0 = off */
	uint32_t max_conns;
	/** TCP connections per client address, whole appliance (0: no limit) */
	uint32_t max_conns_per_source;
	bool max_conns_per_source_given;
	int log_level; /**< 0 = unchanged */
	/* OTLP/HTTP receiver and pipeline (on when a backend is given) */
	bool otlp_http_off;
	uint32_t otlp_addr_be; /**< 0: every port address */
	uint16_t otlp_port;
	const char *backends[APP_MAX_BACKENDS];
	unsigned int n_backends;
	uint64_t max_body;
	uint64_t memory; /**< 0: derived from --mbufs */
	uint32_t batch_max_items;
	uint64_t batch_max_bytes;
	uint32_t batch_timeout_ms;
	uint32_t retry_after_s;
	uint32_t drain_timeout_s;
	uint32_t header_timeout_s;    /**< --header-timeout */
	uint32_t body_min_rate;	      /**< --body-min-rate, bytes/s; 0: none */
	uint32_t keepalive_timeout_s; /**< --keepalive-timeout */
	uint32_t idle_sleep_us;	      /**< 0: poll without pause (production) */
	/** lcore roles (APP_ROLE_* bits by lcore id); roles_given: any option set */
	uint8_t roles[RTE_MAX_LCORE];
	bool roles_given;
	struct og_net_fault fault;
};

/* lcore roles (docs/lcores.md) */
#define APP_ROLE_RX    1u /**< a queue pair on every port, TCP, receiver */
#define APP_ROLE_BATCH 2u /**< runs batchers */
#define APP_ROLE_TX    4u /**< drives backends (needs a queue: an RX lcore) */

/* per-stage TSC cycles (otlpgate_stage_cycles_total) */
enum app_stage {
	APP_STAGE_RX_TCP, /**< NIC RX, Ethernet/ARP/IPv4, TCP input and output */
	APP_STAGE_HTTP,	  /**< HTTP parsing and answers (lib/receiver) */
	APP_STAGE_DECODE, /**< inflate, OTLP scan, records (lib/receiver) */
	APP_STAGE_BATCH,  /**< batchers */
	APP_STAGE_TX,	  /**< backends' submit/poll, NIC TX flush */
	APP_STAGE_MAX,
};

/** One dataplane lcore: everything it touches, nothing shared. */
struct app_lcore {
	unsigned int lcore_id;
	uint8_t roles;	   /**< APP_ROLE_* */
	uint16_t queue_id; /**< RX lcores */
	uint16_t n_ports;
	struct og_net_ctx *net[APP_MAX_PORTS];
	struct og_tcp_stack *tcp;
	struct rte_mempool *diag_pool; /**< echo connection contexts */
	struct og_batcher *batcher;    /**< fed by rcv; NULL when the receiver is off */
	struct og_rcv *rcv;
	struct og_batcher *bt_run[RTE_MAX_LCORE]; /**< batchers this lcore runs */
	unsigned int n_bt_run;
	struct og_egress *egress; /**< TX lcores: drives their backends (FIFO or ring feeds) */
	bool drained;		  /**< SIGTERM: this lcore's part is done (atomic) */
	/* per stage: cycles of busy iterations (exported), of this iteration */
	uint64_t stage[APP_STAGE_MAX];
	uint64_t iter[APP_STAGE_MAX];
	/* busy iterations of 1 ms or more: whole, in no stage */
	uint64_t long_iters, long_cycles;
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

/* ingest.c: budget, backends, and per lcore a batcher and a receiver */
bool app_ingest_enabled(const struct app_opts *o);
int app_ingest_init(const struct app_opts *o, uint64_t pool_bytes);
/** --mbufs when not given: at least this many */
#define APP_MBUFS_MIN_DEFAULT 16383u
/**
 * --mbufs when not given, for mbufs of @p obj_size bytes each (mempool
 * object): APP_MBUFS_MIN_DEFAULT, or more so that half the pool (the default
 * --memory) holds one --max-body body (docs/operations.md).
 */
uint32_t app_mbufs_default(const struct app_opts *o, uint64_t obj_size);
/** Log the effective body limit, and why when the budget lowers --max-body. */
void app_log_body_limit(const struct app_opts *o, uint64_t grant);
int app_ingest_lcores(struct app_lcore **lcs, unsigned int n, const struct app_opts *o,
		      struct rte_mempool *mp, struct rte_mempool *ref_mp);
int app_ingest_register_metrics(void);
void app_ingest_stop_accepting(struct app_lcore *lc);
bool app_ingest_drained(struct app_lcore *lc, uint64_t now_us);
/** One turn of @p lc's batchers and egress, cycles added to lc->stage. */
bool app_ingest_run(struct app_lcore *lc, uint64_t now_us);
void app_ingest_report_undelivered(void);
void app_ingest_lcore_free(struct app_lcore *lc);
void app_ingest_stop_backends(void);
void app_ingest_fini(void);

#endif /* OG_APP_H */
