/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The OTLP/HTTP receiver (OTLP spec 1.x, "OTLP/HTTP"): an application of
 * lib/tcp that reads HTTP/1.1 requests with lib/http, decodes and validates
 * their bodies with lib/otlp (gzip, JSON, protobuf scan), reserves memory in
 * the admission budget, hands accepted requests as records to the batcher
 * (lib/pipeline) and answers each request in order: 200 with an
 * Export*ServiceResponse (partial_success when items were rejected), or an
 * error status with a google.rpc.Status body in the request's encoding.
 *
 * One receiver per dataplane lcore, beside that lcore's TCP stack; all of
 * its work happens inside the stack's callbacks. See docs/receiver.md.
 */
#ifndef OG_RECEIVER_H
#define OG_RECEIVER_H

#include <stdbool.h>
#include <stdint.h>

#include "og_receiver_types.h"

/**
 * Create a receiver: its connection contexts, decode buffers and scratch
 * arrays are allocated here, never later.
 *
 * @return the receiver, or NULL (missing required setting or no memory;
 *   rte_errno set).
 */
struct og_rcv *og_rcv_create(const struct og_rcv_conf *conf);

/**
 * Free a receiver. Its connections must be closed already (free the TCP
 * stack first: that closes them). NULL is accepted.
 */
void og_rcv_free(struct og_rcv *r);

/**
 * Accept OTLP/HTTP on @p addr_be (0: any) and @p port_be.
 *
 * @return 0 or the -errno of og_tcp_listen().
 */
int og_rcv_listen(struct og_rcv *r, uint32_t addr_be, uint16_t port_be);

/**
 * Advance the receiver's clock (request latency, Date header). Call once per
 * loop iteration with the time given to the TCP stack.
 */
void og_rcv_tick(struct og_rcv *r, uint64_t now_us, uint64_t unix_s);

/**
 * Stop accepting (shutdown): from now on every request is answered 503 with
 * Retry-After and Connection: close; data already accepted goes on.
 */
void og_rcv_set_draining(struct og_rcv *r, bool draining);

/**
 * Budget bytes a request whose Content-Length is @p len reserves at its head:
 * the mbufs that will hold the body as received (5/3 of it: an MSS of body
 * in an mbuf of 2 KiB data room, ~2.3 KiB with headers) and the head's.
 */
uint64_t og_rcv_body_need(uint64_t len);

/**
 * The effective body limit: @p max_body (--max-body), or less when a budget
 * that grants one request at most @p grant bytes (og_budget_max_grant())
 * could never hold such a body as received. Bodies above it are answered
 * 413 (at the head, as a chunked body passes it, or as it inflates), never
 * 503. A compressed or JSON body also needs its decoded form at the same
 * time: when both exceed @p grant it is 413 as well.
 */
uint64_t og_rcv_body_limit(uint64_t max_body, uint64_t grant);

/** The receiver's counters. */
const struct og_rcv_stats *og_rcv_stats(const struct og_rcv *r);

/** HTTP status code of a status slot (0 for "other"). */
int og_rcv_status_code(unsigned int s);
/** Label of an encoding (enum og_rcv_enc: "protobuf", "json", "other"); NULL out of range. */
const char *og_rcv_enc_name(unsigned int e);
/** Label of a compression (enum og_rcv_comp: "identity", "gzip", "other"); NULL out of range. */
const char *og_rcv_comp_name(unsigned int c);
/** Label of a missed deadline (enum og_rcv_timeout, "header_answered", ...); NULL out of range. */
const char *og_rcv_timeout_name(unsigned int t);
/** Label of an eviction kind (enum og_rcv_evict: "idle", "head"); NULL out of range. */
const char *og_rcv_evict_name(unsigned int k);
/** Label of a signal slot ("traces", ..., "none" for other paths). */
const char *og_rcv_sig_name(unsigned int s);
/** Upper bound in µs of latency bucket @p i (UINT64_MAX: +Inf). */
uint64_t og_rcv_lat_bound(unsigned int i);

/**
 * Register lib/receiver's metrics in the registry (lib/common/og_metric.h):
 * the rows of receiver_counters.def as their TYPE column says, requests by
 * signal, encoding, compression and code (only the cells that happened),
 * HTTP and decode errors and rejected items by reason, and the request
 * latency histogram, summed over @p n receivers (NULL entries skipped).
 * The array must outlive the registration. Call once at start.
 *
 * @return 0 or the -errno of og_metric_register().
 */
int og_rcv_metrics_register(struct og_rcv *const *rcvs, unsigned int n);

#endif /* OG_RECEIVER_H */
