/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The egress: the one place that drives backends (docs/design.md §1, "egress
 * lcore"). A backend is driven by one egress, on one lcore, whose TCP stack
 * holds its connections; only this file calls a driver's submit() and
 * poll(). Batchers hand it their flushed batches over feeds, one per
 * (batcher, backend) (pipeline_private.h): an SP/SC ring from a batcher on
 * another lcore, a plain FIFO from one on the same lcore. The egress submits
 * each feed's batches in order; a batch the backend answers busy is held at
 * the head of its feed, so a backend's batches from one batcher keep their
 * order and a stalled backend holds up no other backend's feeds.
 *
 * The batcher counted the batch as in flight when it handed it over; the
 * driver ends it with og_batch_complete() (backend.c), in its own
 * accounting section (stats.c), so the pipeline's sums still balance.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_ring.h>

#include "pipeline_private.h"

/* a feed per (batcher, backend): at most a batcher per lcore feeds it */
#define MAX_FEEDS (RTE_MAX_LCORE * OG_MAX_BACKENDS)
#define BURST	  32 /* batches per ring and turn: keep the loop turning */

struct og_egress {
	char name[24];
	int socket;
	uint32_t n_feeds, n_be;
	uint64_t be_cycles; /* TSC cycles inside the backends' submit() and poll() */
	struct og_backend *be[OG_MAX_BACKENDS]; /* each polled once per run */
	struct pipe_feed *feeds[MAX_FEEDS];
};

struct og_egress *
og_egress_create(const struct og_egress_conf *c)
{
	struct og_egress *e;

	if (c == NULL || c->name == NULL) {
		PIPE_LOG(ERR, "egress: bad settings");
		return NULL;
	}
	if (strlen(c->name) >= sizeof(e->name)) {
		PIPE_LOG(ERR, "egress: name %s too long", c->name);
		return NULL;
	}
	e = rte_zmalloc_socket("og_egress", sizeof(*e), RTE_CACHE_LINE_SIZE, c->socket);
	if (e == NULL)
		return NULL;
	snprintf(e->name, sizeof(e->name), "%s", c->name);
	e->socket = c->socket;
	return e;
}

static void
feed_free(struct pipe_feed *f)
{
	if (f == NULL)
		return;
	rte_ring_free(f->ring);
	rte_free(f->fifo);
	rte_free(f);
}

struct pipe_feed *
pipe_egress_feed(struct og_egress *e, struct og_backend *be, uint32_t cap, bool remote)
{
	char name[RTE_RING_NAMESIZE + 8];
	struct pipe_feed *f;
	uint32_t i;

	if (e->n_feeds == MAX_FEEDS) {
		PIPE_LOG(ERR, "egress %s: too many feeds", e->name);
		return NULL;
	}
	for (i = 0; i < e->n_be && e->be[i] != be; i++)
		;
	if (i == OG_MAX_BACKENDS) {
		PIPE_LOG(ERR, "egress %s: too many backends", e->name);
		return NULL;
	}
	f = rte_zmalloc_socket("og_egress_feed", sizeof(*f), RTE_CACHE_LINE_SIZE, e->socket);
	if (f == NULL)
		goto fail;
	f->be = be;
	if (remote) {
		/* e->name is at most 23 characters: the name fits RTE_RING_NAMESIZE */
		snprintf(name, sizeof(name), "oge_%s_%u", e->name, e->n_feeds);
		f->ring = rte_ring_create(name, cap, e->socket,
					  RING_F_SP_ENQ | RING_F_SC_DEQ | RING_F_EXACT_SZ);
		if (f->ring == NULL) {
			PIPE_LOG(ERR, "egress %s: ring %s: %s", e->name, name,
				 rte_strerror(rte_errno));
			goto fail;
		}
	} else {
		f->cap = cap;
		f->fifo =
			rte_zmalloc_socket("og_egress_fifo", cap * sizeof(*f->fifo), 0, e->socket);
		if (f->fifo == NULL)
			goto fail;
	}
	if (i == e->n_be)
		e->be[e->n_be++] = be;
	e->feeds[e->n_feeds++] = f;
	return f;
fail:
	PIPE_LOG(ERR, "egress %s: cannot add a feed", e->name);
	feed_free(f);
	return NULL;
}

/* The oldest batch of @p f not yet taken by its backend, or NULL. */
static inline struct og_batch *
feed_take(struct pipe_feed *f)
{
	struct og_batch *b = f->held;

	if (b != NULL) {
		f->held = NULL;
		return b;
	}
	if (f->ring != NULL)
		return rte_ring_sc_dequeue(f->ring, (void **)&b) == 0 ? b : NULL;
	if (f->count == 0)
		return NULL;
	b = f->fifo[f->head];
	f->head = f->head + 1 == f->cap ? 0 : f->head + 1;
	f->count--;
	return b;
}

static inline bool
feed_empty(const struct pipe_feed *f)
{
	return f->held == NULL && (f->ring != NULL ? rte_ring_empty(f->ring) : f->count == 0);
}

/*
 * Submit what feed @p f holds, oldest first, until the backend is busy.
 * Out of line: most turns find every feed empty (a batch per few turns on
 * the one-lcore path), and og_egress_run() then stays a short loop.
 */
static __rte_noinline unsigned int
feed_run(struct og_egress *e, struct pipe_feed *f)
{
	struct og_pipe_stats *st = pipe_stats_self();
	struct og_backend *be = f->be;
	unsigned int done = 0;

	/*
	 * A FIFO is drained whole: it holds only what this lcore's batchers
	 * flushed in their turns, which bound themselves (batcher.c). A ring
	 * may hold what another lcore flushed while this one was busy.
	 */
	while (f->ring == NULL || done < BURST) {
		struct og_batch *b = feed_take(f);
		unsigned int sig;
		uint64_t bytes, t0;
		int rc;

		if (b == NULL)
			break;
		/* read first: the driver may complete (and free) it inside */
		sig = b->sig;
		bytes = b->bytes;
		b->attempts++;
		t0 = rte_rdtsc();
		rc = be->ops->submit(be, b);
		e->be_cycles += rte_rdtsc() - t0;
		if (rc == -EAGAIN) {
			f->held = b;
			pipe_add(st, &st->be[OG_PIPE_BE_SUBMIT_BUSY][be->idx][sig], 1);
			break;
		}
		done++;
		if (rc != 0) { /* outside the driver contract: end the batch, loudly */
			og_batch_complete(b, OG_BATCH_REJECTED, 0, strerror(-rc));
			continue;
		}
		pipe_add(st, &st->be[OG_PIPE_BE_BATCH_BYTES][be->idx][sig], bytes);
	}
	return done;
}

unsigned int
og_egress_run(struct og_egress *e, uint64_t now_us)
{
	unsigned int work = 0;

	for (uint32_t i = 0; i < e->n_feeds; i++)
		if (!feed_empty(e->feeds[i]))
			work += feed_run(e, e->feeds[i]);
	for (uint32_t i = 0; i < e->n_be; i++) {
		if (e->be[i]->ops->poll != NULL) {
			uint64_t t0 = rte_rdtsc();

			e->be[i]->ops->poll(e->be[i], now_us);
			e->be_cycles += rte_rdtsc() - t0;
		}
	}
	return work;
}

bool
og_egress_idle(const struct og_egress *e)
{
	for (uint32_t i = 0; i < e->n_feeds; i++)
		if (!feed_empty(e->feeds[i]))
			return false;
	return true;
}

uint64_t
og_egress_backend_cycles(const struct og_egress *e)
{
	return e->be_cycles;
}

void
og_egress_free(struct og_egress *e)
{
	if (e == NULL)
		return;
	for (uint32_t i = 0; i < e->n_feeds; i++)
		feed_free(e->feeds[i]);
	rte_free(e);
}
