/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Request records: one accepted request (body chain + pieces) on its way to
 * the backends. From a mempool; freed by whoever drops the last reference.
 */
#include <errno.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "pipeline_private.h"

/* Per-lcore object cache: the receiver allocates, the batcher frees. */
#define REC_POOL_CACHE 32

struct rte_mempool *
og_rec_pool_create(const char *name, unsigned int n, int socket)
{
	unsigned int cache = n / 8 < REC_POOL_CACHE ? n / 8 : REC_POOL_CACHE;

	return rte_mempool_create(name, n, sizeof(struct og_rec), cache, 0, NULL, NULL, NULL, NULL,
				  socket, 0);
}

struct og_rec *
og_rec_alloc(struct rte_mempool *mp)
{
	struct og_rec *r;
	struct og_pipe_stats *st;

	if (rte_mempool_get(mp, (void **)&r) != 0)
		return NULL;
	/* the header only: the inline pieces are written as they are added */
	memset(r, 0, offsetof(struct og_rec, inline_pieces));
	r->pieces = r->inline_pieces;
	r->pieces_cap = OG_REC_INLINE_PIECES;
	r->alloc_lcore = rte_lcore_id();
	st = pipe_stats_self();
	pipe_add(st, &st->lc[OG_PIPE_LC_RECORDS_IN_FLIGHT], 1);
	return r;
}

int
og_rec_charge(struct og_rec *r, struct og_budget *b, uint64_t n)
{
	if (r->budget != NULL && r->budget != b)
		return -EINVAL;
	if (!og_budget_reserve(b, n))
		return -ENOMEM;
	r->budget = b;
	r->mem += n;
	return 0;
}

int
og_rec_pieces_reserve(struct og_rec *r, uint32_t n)
{
	struct og_pipe_stats *st = pipe_stats_self();
	struct og_otlp_piece *p;
	uint64_t sz = (uint64_t)n * sizeof(*p);

	if (n <= r->pieces_cap)
		return 0;
	/* reserve first, then allocate (docs/design.md §3) */
	if (r->budget != NULL && !og_budget_reserve(r->budget, sz))
		goto fail;
	p = rte_malloc("og_rec_pieces", sz, 0);
	if (p == NULL) {
		if (r->budget != NULL)
			og_budget_release(r->budget, sz);
		goto fail;
	}
	if (r->n_pieces)
		memcpy(p, r->pieces, r->n_pieces * sizeof(*p));
	if (r->pieces != r->inline_pieces) {
		if (r->budget != NULL) {
			og_budget_release(r->budget, (uint64_t)r->pieces_cap * sizeof(*p));
			r->mem -= (uint64_t)r->pieces_cap * sizeof(*p);
		}
		rte_free(r->pieces);
	}
	if (r->budget != NULL)
		r->mem += sz;
	r->pieces = p;
	r->pieces_cap = n;
	pipe_add(st, &st->lc[OG_PIPE_LC_PIECES_ALLOC], 1);
	return 0;
fail:
	pipe_add(st, &st->lc[OG_PIPE_LC_PIECES_ALLOC_FAIL], 1);
	return -ENOMEM;
}

void
og_rec_free(struct og_rec *r)
{
	struct og_pipe_stats *st;

	if (r == NULL)
		return;
	if (r->body != NULL)
		rte_pktmbuf_free(r->body);
	if (r->pieces != r->inline_pieces)
		rte_free(r->pieces);
	if (r->budget != NULL && r->mem)
		og_budget_release(r->budget, r->mem);
	st = pipe_stats_self();
	pipe_sub(st, &st->lc[OG_PIPE_LC_RECORDS_IN_FLIGHT], 1);
	rte_mempool_put(rte_mempool_from_obj(r), r);
}
