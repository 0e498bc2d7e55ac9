/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * lib/telemetry: the Prometheus text exposition of the metric registry
 * (lib/common/og_metric.h), the HTTP server of the telemetry port
 * (/metrics, /healthz) and the same values through DPDK's telemetry socket
 * (/otlpgate/stats, /otlpgate/lcores, /otlpgate/ports).
 *
 * It knows no layer: every library registers its own metrics in the
 * registry at start (og_net_metrics_register(), og_tcp_metrics_register(),
 * ...); this library only walks the registry on every scrape, on a control
 * thread.
 */
#ifndef OG_TELEMETRY_H
#define OG_TELEMETRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "og_common.h"
#include "og_metric.h"
#include "og_telemetry_types.h"

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
 * @param addr_port "ADDR:PORT", IPv4 (og_parse_ipv4_port()); port 0 picks a
 *   free port.
 * @return the server, or NULL (bad address, bind failure, thread failure).
 */
struct og_telemetry_server *og_telemetry_start(const char *addr_port);

/** The TCP port the server listens on (host order). */
uint16_t og_telemetry_port(const struct og_telemetry_server *srv);

/** Stop the server thread and close its socket. NULL is accepted. */
void og_telemetry_stop(struct og_telemetry_server *srv);

/**
 * Register /otlpgate/stats, /otlpgate/lcores and /otlpgate/ports with DPDK's
 * telemetry library (read with dpdk-telemetry.py -f FILE_PREFIX). They show
 * the registry's metrics by name prefix (otlpgate_lcore_, otlpgate_port_,
 * the rest). Call after rte_eal_init().
 *
 * @return 0 or -errno.
 */
int og_telemetry_register_dpdk(void);

#endif /* OG_TELEMETRY_H */
