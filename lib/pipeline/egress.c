/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The egress side of lcore roles (DESIGN.md §1, "egress lcore"): a backend
 * is driven by one lcore, whose TCP stack holds its connections. Batching
 * lcores hand over batches on SP/SC rings, one per (batching lcore,
 * backend); this lcore submits them in ring order and polls the backends.
 * A batch the backend answers busy stays at the head of its ring's queue
 * (held), so a backend's batches from one batching lcore keep their order
 * and a stalled backend holds up no other backend's rings.
 *
 * The batcher counted the batch as in flight when it enqueued it; the
 * driver ends it with og_batch_complete() on this lcore, in its own
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

#define DEF_RING_SIZE 1024
#define MAX_FEEDS     (OG_MAX_BACKENDS * 16)
#define BURST	      32

struct feed {
	struct rte_ring *ring;
	struct og_backend *be;
	struct og_batch *held; /* dequeued, answered busy: submitted first */
};

struct og_egress {
	char name[24];
	int socket;
	uint32_t ring_size;
	uint32_t n_feeds, n_be;
	uint64_t be_cycles;
	struct feed feeds[MAX_FEEDS];
	struct og_backend *be[OG_MAX_BACKENDS]; /* each polled once per run */
};

struct og_egress *
og_egress_create(const struct og_egress_conf *c)
{
	struct og_egress *e;

	if (c == NULL || c->name == NULL || (c->ring_size && !rte_is_power_of_2(c->ring_size))) {
		PIPE_LOG(ERR, "egress: bad settings");
		return NULL;
	}
	e = rte_zmalloc_socket("og_egress", sizeof(*e), RTE_CACHE_LINE_SIZE, c->socket);
	if (e == NULL)
		return NULL;
	if (strlen(c->name) >= sizeof(e->name)) {
		PIPE_LOG(ERR, "egress: name %s too long", c->name);
		rte_free(e);
		return NULL;
	}
	snprintf(e->name, sizeof(e->name), "%s", c->name);
	e->socket = c->socket;
	e->ring_size = c->ring_size ? c->ring_size : DEF_RING_SIZE;
	return e;
}

struct rte_ring *
og_egress_feed(struct og_egress *e, struct og_backend *be)
{
	char name[RTE_RING_NAMESIZE + 8];
	struct feed *f;
	uint32_t i;

	if (e == NULL || be == NULL || e->n_feeds == MAX_FEEDS) {
		PIPE_LOG(ERR, "egress %s: cannot add a feed", e != NULL ? e->name : "?");
		return NULL;
	}
	for (i = 0; i < e->n_be && e->be[i] != be; i++)
		;
	if (i == e->n_be) {
		if (e->n_be == OG_MAX_BACKENDS)
			return NULL;
		e->be[e->n_be++] = be;
	}
	f = &e->feeds[e->n_feeds];
	/* e->name is at most 23 characters: the name fits RTE_RING_NAMESIZE */
	snprintf(name, sizeof(name), "oge_%s_%u", e->name, e->n_feeds);
	f->ring = rte_ring_create(name, e->ring_size, e->socket, RING_F_SP_ENQ | RING_F_SC_DEQ);
	if (f->ring == NULL) {
		PIPE_LOG(ERR, "egress %s: ring %s: %s", e->name, name, rte_strerror(rte_errno));
		return NULL;
	}
	f->be = be;
	e->n_feeds++;
	return f->ring;
}

/* Submit what feed @p f holds, oldest first, until the backend is busy. */
static unsigned int
feed_run(struct og_egress *e, struct feed *f)
{
	struct og_pipe_stats *st = pipe_stats_self();
	unsigned int done = 0;

	while (done < BURST) {
		struct og_batch *b = f->held;
		uint64_t t0;
		int rc;

		if (b == NULL && rte_ring_sc_dequeue(f->ring, (void **)&b) != 0)
			break;
		f->held = NULL;
		b->attempts++;
		t0 = rte_rdtsc();
		rc = f->be->ops->submit(f->be, b);
		e->be_cycles += rte_rdtsc() - t0;
		if (rc == -EAGAIN) {
			f->held = b;
			pipe_add(st, &st->be[OG_PIPE_BE_SUBMIT_BUSY][f->be->idx][b->sig], 1);
			break;
		}
		done++;
		if (rc != 0) /* outside the driver contract: end the batch, loudly */
			og_batch_complete(b, OG_BATCH_REJECTED, 0, strerror(-rc));
	}
	return done;
}

unsigned int
og_egress_run(struct og_egress *e, uint64_t now_us)
{
	unsigned int work = 0;

	for (uint32_t i = 0; i < e->n_feeds; i++)
		work += feed_run(e, &e->feeds[i]);
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
		if (e->feeds[i].held != NULL || !rte_ring_empty(e->feeds[i].ring))
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
		rte_ring_free(e->feeds[i].ring);
	rte_free(e);
}
