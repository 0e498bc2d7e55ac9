/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Backends: the registry of driver types, creation from a URI, batch
 * completion (where accepted items end their road, docs/design.md §3) and the
 * visitor drivers use to read a batch's body bytes.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "og_otlp.h"
#include "pipeline_private.h"

RTE_LOG_REGISTER(og_pipe_logtype, otlpgate.pipeline, INFO);

static const struct og_backend_ops *types[OG_MAX_BACKEND_TYPES];
static unsigned int n_types;

int
og_backend_register(const struct og_backend_ops *ops)
{
	if (ops == NULL || ops->scheme == NULL || ops->create == NULL || ops->submit == NULL)
		return -EINVAL;
	for (unsigned int i = 0; i < n_types; i++)
		if (strcmp(types[i]->scheme, ops->scheme) == 0)
			return types[i] == ops ? 0 : -EEXIST;
	if (n_types == OG_MAX_BACKEND_TYPES)
		return -ENOSPC;
	types[n_types++] = ops;
	return 0;
}

void
og_backend_unregister_all(void)
{
	n_types = 0;
}

struct og_backend *
og_backend_create(const char *uri, uint16_t idx)
{
	const struct og_backend_ops *ops = NULL;
	const char *colon, *rest;
	struct og_backend *be;
	size_t slen;
	int rc;

	if (uri == NULL || idx >= OG_MAX_BACKENDS) {
		PIPE_LOG(ERR, "backend %u: bad URI or index (at most %u backends)", idx,
			 OG_MAX_BACKENDS);
		return NULL;
	}
	colon = strchr(uri, ':');
	slen = colon ? (size_t)(colon - uri) : strlen(uri);
	rest = colon ? colon + 1 : "";
	for (unsigned int i = 0; i < n_types; i++)
		if (strlen(types[i]->scheme) == slen && memcmp(types[i]->scheme, uri, slen) == 0)
			ops = types[i];
	if (ops == NULL) {
		PIPE_LOG(ERR, "backend '%s': unknown scheme", uri);
		return NULL;
	}
	be = calloc(1, sizeof(*be));
	if (be == NULL)
		return NULL;
	be->ops = ops;
	be->idx = idx;
	/* the name is a Prometheus label value: keep it free of escapes */
	/*
	 * Without the query: it may hold credentials (an otlp-http
	 * header=Authorization:...) that must not reach metrics or logs,
	 * and options are not part of a backend's identity.
	 */
	snprintf(be->name, sizeof(be->name), "%.*s", (int)strcspn(uri, "?"), uri);
	for (char *c = be->name; *c; c++)
		if (*c == '"' || *c == '\\' || *c == '\n')
			*c = '_';
	rc = ops->create(be, rest);
	if (rc != 0) {
		PIPE_LOG(ERR, "backend '%s': %s", uri, strerror(-rc));
		free(be);
		return NULL;
	}
	return be;
}

int
og_backend_attach(struct og_backend *be, const struct og_backend_env *env)
{
	if (be == NULL || env == NULL)
		return -EINVAL;
	return be->ops->attach != NULL ? be->ops->attach(be, env) : 0;
}

void
og_backend_destroy(struct og_backend *be)
{
	if (be == NULL)
		return;
	if (be->ops->destroy != NULL)
		be->ops->destroy(be);
	free(be);
}

void
og_batch_complete(struct og_batch *b, enum og_batch_outcome o, uint64_t rejected_items,
		  const char *msg)
{
	struct og_pipe_stats *st = pipe_stats_self();
	struct og_backend *be = b->be;
	unsigned int sig = b->sig;
	uint64_t rej = o == OG_BATCH_OK ? OG_MIN(rejected_items, b->items) : b->items;
	uint64_t now_us = pipe_batcher_now(b->owner);

	/* the end of these items' road for this backend (docs/design.md §3) */
	pipe_acct_begin(st);
	pipe_add(st, &st->be[OG_PIPE_BE_ITEMS_EXPORTED][be->idx][sig], b->items - rej);
	pipe_add(st, &st->be[OG_PIPE_BE_ITEMS_BACKEND_REJECTED][be->idx][sig], rej);
	pipe_sub(st, &st->be[OG_PIPE_BE_ITEMS_QUEUED][be->idx][sig], b->items);
	if (o == OG_BATCH_OK)
		pipe_add(st, &st->be[OG_PIPE_BE_BACKEND_WRITES][be->idx][sig], 1);
	else
		pipe_add(st, &st->be[OG_PIPE_BE_BACKEND_ERRORS][be->idx][sig], 1);
	pipe_acct_end(st);
	/* accepted data lost: always logged, with the backend's words */
	if (rej)
		PIPE_LOG(WARNING, "backend '%s' rejected %" PRIu64 " of %" PRIu64 " %s: %s",
			 be->name, rej, b->items, og_otlp_signal_name(b->sig),
			 msg ? msg : "(no message)");

	for (uint32_t i = 0; i < b->n_recs; i++) {
		struct og_rec *r = b->recs[i];

		/* the request's trip, arrival to this backend's 2xx (issue 5) */
		if (o == OG_BATCH_OK && now_us >= r->arrival_us)
			pipe_count_e2e(st, be->idx, now_us - r->arrival_us);
		if (__atomic_sub_fetch(&r->refs, 1, __ATOMIC_ACQ_REL) == 0)
			og_rec_free(r);
	}
	pipe_batcher_done(b->owner, b);
	rte_mempool_put(rte_mempool_from_obj(b), b);
}

int
og_batch_foreach_rec(const struct og_batch *b, uint32_t i, og_batch_visit_t fn, void *ctx)
{
	const struct og_rec *r = b->recs[i];
	const struct rte_mbuf *m = r->body;
	uint64_t base = 0; /* absolute offset of m's first byte */

	for (uint32_t k = 0; k < r->n_pieces; k++) {
		const struct og_otlp_piece *p = &r->pieces[k];
		uint64_t off, left;
		int rc;

		if (p->lit_len) {
			rc = fn(ctx, NULL, p->lit, p->lit_len);
			if (rc)
				return rc;
			continue;
		}
		off = p->r.off;
		left = p->r.len;
		/* pieces usually ascend: restart from the head only when not */
		if (off < base) {
			m = r->body;
			base = 0;
		}
		while (left) {
			uint64_t in, n;

			while (m != NULL && off >= base + m->data_len) {
				base += m->data_len;
				m = m->next;
			}
			if (m == NULL)
				return -EIO;
			in = off - base;
			n = OG_MIN(left, m->data_len - in);
			rc = fn(ctx, m, rte_pktmbuf_mtod_offset(m, const uint8_t *, in),
				(uint32_t)n);
			if (rc)
				return rc;
			off += n;
			left -= n;
		}
	}
	return 0;
}

int
og_batch_foreach(const struct og_batch *b, og_batch_visit_t fn, void *ctx)
{
	for (uint32_t i = 0; i < b->n_recs; i++) {
		int rc = og_batch_foreach_rec(b, i, fn, ctx);

		if (rc)
			return rc;
	}
	return 0;
}
