/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The otlp-http backend: batches POSTed over lib/tcp client connections of
 * the lcore that polls the backend. This file holds its operations (create,
 * attach, submit, poll, destroy) and accessors; the requests are built in
 * ohttp_req.c, the connections (dispatch, answers, circuit breaker, backoff,
 * timeouts) run in ohttp_conn.c, the URI is parsed in ohttp_uri.c and the
 * metrics are in ohttp_stats.c.
 *
 * Each connection carries one request at a time (no pipelining, RFC 9112
 * 9.3.2 allows it but a retry would then have to replay every request behind
 * a failed one). A request is a head mbuf (the HTTP request head) followed
 * by the body: framing we write into direct mbufs and indirect mbufs
 * attached to the records' received segments, so span bytes are referenced,
 * never copied (docs/design.md §2). The chain goes to og_tcp_send() in parts that
 * fit the send space; TCP keeps its own references until acknowledged, so a
 * batch completed early (an answer before the whole body went out) frees
 * nothing TCP still needs.
 *
 * Outcomes (OTLP spec 1.11, "OTLP/HTTP Response" and "Failures"): 2xx is
 * delivered, with partial_success counted; 429, 502, 503 and 504 are
 * retryable, honouring Retry-After (RFC 9110 10.2.3); other statuses are
 * permanent: the batch is dropped, counted and logged. Timeouts and lost
 * connections are retried too. Accepted data is retried forever: only a
 * permanent status loses it (docs/design.md §3).
 */
#include <errno.h>
#include <string.h>
#include <time.h>

#include <rte_malloc.h>

#include "ohttp_private.h"

RTE_LOG_REGISTER(og_ohttp_logtype, otlpgate.egress, INFO);

/* ---- backend operations ------------------------------------------------------- */

static int
oh_create(struct og_backend *be, const char *rest)
{
	struct ohttp *o = rte_zmalloc("og_ohttp", sizeof(*o), RTE_CACHE_LINE_SIZE);
	struct og_http_limits lim;
	struct timespec ts;
	int rc;

	if (o == NULL)
		return -ENOMEM;
	o->be = be;
	rc = oh_uri_parse(o, rest);
	if (rc != 0) {
		rte_free(o);
		return rc;
	}
	og_http_limits_default(&lim);
	lim.max_header_bytes = 8192;
	lim.max_body = 1u << 20;
	for (uint32_t i = 0; i < OH_MAX_CONNS; i++) {
		struct oh_conn *k = &o->conns[i];

		k->o = o;
		k->idx = (uint16_t)i;
		if (i < o->n_conns && og_http_resp_parser_init(&k->rp, &lim, NULL, 0) != 0)
			goto nomem;
	}
	for (uint32_t i = 0; i < OH_MAX_INFLIGHT; i++)
		o->slots[i].conn = -1;
	for (uint32_t i = 0; o->gzip && i < o->n_conns; i++) {
		struct oh_conn *k = &o->conns[i];

		k->dfl = og_deflater_create(1); /* ISA-L level 1 */
		if (k->dfl == NULL)
			goto nomem;
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	o->unix0_s = (uint64_t)ts.tv_sec;
	be->priv = o;
	oh_registry_add(o);
	return 0;
nomem:
	for (uint32_t i = 0; i < o->n_conns; i++) {
		og_http_resp_parser_fini(&o->conns[i].rp);
		og_deflater_free(o->conns[i].dfl);
	}
	rte_free(o);
	return -ENOMEM;
}

static int
oh_attach(struct og_backend *be, const struct og_backend_env *env)
{
	struct ohttp *o = be->priv;

	if (env->tcp == NULL || env->hdr_pool == NULL || env->ref_pool == NULL)
		return -EINVAL;
	if (o->attached)
		return -EBUSY;
	o->env = *env;
	o->attached = true;
	return 0;
}

static int
oh_submit(struct og_backend *be, struct og_batch *b)
{
	struct ohttp *o = be->priv;

	oh_breaker_tick(o);
	/* busy answers keep the batch in the egress: accepted data waits */
	if (!o->attached || o->breaker == OG_OHTTP_BREAKER_OPEN ||
	    (o->breaker == OG_OHTTP_BREAKER_HALF_OPEN && o->probe_out) ||
	    o->n_taken >= o->max_inflight)
		return -EAGAIN;
	for (uint32_t i = 0; i < OH_MAX_INFLIGHT; i++) {
		struct oh_slot *s = &o->slots[i];

		if (s->used)
			continue;
		s->used = true;
		s->b = b;
		s->seq = o->seq++;
		s->not_before_us = 0;
		s->tries = 0;
		s->conn = -1;
		o->n_taken++;
		o->stats.inflight = o->n_taken;
		oh_dispatch(o);
		return 0;
	}
	return -EAGAIN;
}

static void
oh_poll(struct og_backend *be, uint64_t now_us)
{
	struct ohttp *o = be->priv;

	if (!o->attached)
		return;
	if (o->mono0_us == 0)
		o->mono0_us = now_us;
	o->now_us = now_us;
	oh_breaker_tick(o);
	oh_check_timeouts(o);
	oh_reconnect(o);
	/* requests being built go on once TCP has taken what was built */
	for (uint32_t i = 0; i < o->n_conns; i++) {
		struct oh_conn *k = &o->conns[i];

		if (k->pending == NULL && oh_building(k)) {
			oh_build_step(k);
			oh_conn_push(k);
		}
	}
	oh_dispatch(o);
	o->stats.breaker = o->breaker;
	o->stats.inflight = o->n_taken;
}

static void
oh_destroy(struct og_backend *be)
{
	struct ohttp *o = be->priv;

	if (o == NULL)
		return;
	oh_registry_del(o);
	o->destroying = true;
	for (uint32_t i = 0; i < o->n_conns; i++) {
		struct oh_conn *k = &o->conns[i];

		if (k->c != NULL)
			og_tcp_abort(k->c);
		oh_conn_release(k);
		og_http_resp_parser_fini(&k->rp);
		og_deflater_free(k->dfl);
	}
	/* only after a drain that timed out: these items are lost, and counted so */
	for (uint32_t i = 0; i < OH_MAX_INFLIGHT; i++)
		if (o->slots[i].used)
			oh_slot_complete(o, &o->slots[i], OG_BATCH_REJECTED, 0,
					 "otlpgate stopped before the backend took it");
	rte_free(o);
	be->priv = NULL;
}

const struct og_backend_ops og_backend_otlp_http_ops = {
	.scheme = "otlp-http",
	.create = oh_create,
	.submit = oh_submit,
	.poll = oh_poll,
	.destroy = oh_destroy,
	.attach = oh_attach,
};

int
og_backend_otlp_http_stats(const struct og_backend *be, struct og_ohttp_stats *out)
{
	const struct ohttp *o;

	if (be == NULL || be->ops != &og_backend_otlp_http_ops || be->priv == NULL)
		return -EINVAL;
	o = be->priv;
	memcpy(out, &o->stats, sizeof(*out));
	out->breaker = o->breaker;
	return 0;
}

uint32_t
og_backend_otlp_http_daddr(const struct og_backend *be)
{
	if (be == NULL || be->ops != &og_backend_otlp_http_ops || be->priv == NULL)
		return 0;
	return ((const struct ohttp *)be->priv)->daddr_be;
}
