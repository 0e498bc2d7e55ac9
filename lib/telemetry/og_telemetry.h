/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * lib/telemetry: the metric registry, its Prometheus text exposition, the
 * HTTP server of the telemetry port (/metrics, /healthz) and the same values
 * through DPDK's telemetry socket (/otlpgate/stats, /otlpgate/lcores,
 * /otlpgate/ports).
 *
 * Components register metric sources once at start; the registry calls their
 * collectors on every scrape, on the control thread. Dataplane lcores only
 * ever increment their own counters.
 */
#ifndef OG_TELEMETRY_H
#define OG_TELEMETRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "og_common.h"
#include "og_telemetry_types.h"

struct og_tcp_stack;

/**
 * Register a metric. @p name must follow Prometheus naming
 * ([a-zA-Z_:][a-zA-Z0-9_:]*), counters end in _total. @p name and @p help
 * must stay valid (string literals or .def tables).
 *
 * @return 0, -EINVAL (bad name), -EEXIST (name taken) or -ENOSPC.
 */
int og_metric_register(const char *name, const char *help, enum og_metric_type type,
		       og_metric_collect_t collect, void *arg);

/** Remove every registered metric (at shutdown, and between tests). */
void og_metric_unregister_all(void);

/**
 * Write one sample from inside a collector. @p labels is the text inside
 * the braces, e.g. `lcore="3"` or `port="0",queue="1"`, or NULL for none;
 * label values must not need escaping.
 */
void og_metric_sample(struct og_metric_out *out, const char *labels, uint64_t value);

/**
 * Write one sample of a histogram's series @p suffix ("_bucket" with an
 * le label, "_sum", "_count"), from inside the collector of an
 * OG_METRIC_HISTOGRAM metric.
 */
void og_metric_sample_suffix(struct og_metric_out *out, const char *suffix, const char *labels,
			     uint64_t value);

/**
 * Render every registered metric in the Prometheus text exposition format
 * 0.0.4: a # HELP and a # TYPE line, then its samples.
 *
 * @return 0, or -ENOMEM when @p w overflowed.
 */
int og_metrics_render(struct og_wbuf *w);

/**
 * Answer one HTTP/1.x request of the telemetry port: GET or HEAD of
 * /metrics (exposition) and /healthz ("ok"); 404 for other paths, 405 for
 * other methods, 400 when the request line is malformed. Writes the whole
 * response (status line, headers, body; Connection: close) to @p resp.
 *
 * @return the HTTP status code.
 */
int og_telemetry_http_answer(const char *req, size_t len, struct og_wbuf *resp);

/**
 * Serve one accepted connection: read a request (bounded size and time),
 * answer it, close the descriptor.
 *
 * @return the status answered, or -errno when nothing could be read.
 */
int og_telemetry_serve_fd(int fd);

/**
 * Start the telemetry HTTP server on its own thread (not a dataplane lcore).
 *
 * @param addr_port "ADDR:PORT", IPv4; port 0 picks a free port.
 * @return the server, or NULL (bad address, bind failure, thread failure).
 */
struct og_telemetry_server *og_telemetry_start(const char *addr_port);

/** The TCP port the server listens on (host order). */
uint16_t og_telemetry_port(const struct og_telemetry_server *srv);

/** Stop the server thread and close its socket. NULL is accepted. */
void og_telemetry_stop(struct og_telemetry_server *srv);

/**
 * Parse "ADDR:PORT" (IPv4 dotted quad, port 0..65535).
 *
 * @return 0, or -EINVAL.
 */
int og_telemetry_parse_addr(const char *s, uint32_t *addr_be, uint16_t *port);

/**
 * Register the built-in sources: per-port ethdev statistics (every valid
 * port) and lib/net's counters summed over all lcores.
 *
 * @return 0 or -errno from og_metric_register().
 */
int og_telemetry_register_builtin(void);

/**
 * Register lib/tcp's counters, drop reasons and connections by state,
 * summed over @p stacks (one per dataplane lcore). The array must outlive
 * the registration; NULL entries are skipped.
 *
 * @return 0 or -errno.
 */
int og_telemetry_register_tcp(struct og_tcp_stack *const *stacks, unsigned int n);

struct og_backend;
struct og_budget;
struct og_rcv;

/**
 * Register lib/pipeline's accounting: the item counters of DESIGN.md §3 per
 * signal (and per backend of @p bes), batches, and the memory budget. The
 * arrays must outlive the registration.
 *
 * @return 0 or the -errno of og_metric_register().
 */
int og_telemetry_register_pipeline(struct og_backend *const *bes, unsigned int n,
				   const struct og_budget *budget);

/**
 * Register the receivers' counters (requests, HTTP and decode errors,
 * rejected items by reason, latency), summed over @p n receivers.
 *
 * @return 0 or the -errno of og_metric_register().
 */
int og_telemetry_register_receiver(struct og_rcv *const *rcvs, unsigned int n);

/**
 * Register /otlpgate/stats, /otlpgate/lcores and /otlpgate/ports with DPDK's
 * telemetry library (read with dpdk-telemetry.py -f FILE_PREFIX). Call after
 * rte_eal_init().
 *
 * @return 0 or -errno.
 */
int og_telemetry_register_dpdk(void);

#endif /* OG_TELEMETRY_H */
