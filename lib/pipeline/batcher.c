/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The batcher: one per batching lcore. Records arrive on an SP/SC ring; each
 * is added to the open batch of every backend for its signal (fan-out), and
 * batches are flushed on items, bytes, record count or age (docs/design.md §1:
 * "groups records per backend; flushes on spans, bytes or age"). A flushed
 * batch goes to the egress that drives its backend (egress.c), over a FIFO
 * when that egress runs on this lcore and a ring when it runs on another;
 * the batcher never calls a driver. A busy backend delays but never
 * reorders or loses a batch: the egress holds it.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_malloc.h>
#include <rte_mempool.h>
#include <rte_ring.h>

#include "pipeline_private.h"

#define DEF_MAX_ITEMS  8192
#define DEF_MAX_BYTES  (4u << 20)
#define DEF_TIMEOUT_US 200000
#define DEF_RING_SIZE  4096
#define DEF_BATCHES    16 /* per backend and signal */
#define BURST	       32
#define MAX_BURSTS     4 /* per og_batcher_run(): keep the loop turning */

struct be_state {
	struct og_backend *be;
	struct pipe_feed *feed; /* to the egress that drives it */
	struct og_batch *open[OG_OTLP_SIGNAL_MAX];
};

struct og_batcher {
	struct rte_ring *ring;
	struct rte_mempool *pool;
	uint32_t max_items;
	uint64_t max_bytes;
	uint64_t timeout_us;
	uint32_t n_be;
	uint64_t inflight; /* batches handed to an egress, not completed (atomic) */
	uint64_t now_us;   /* of the latest run; read by completing threads */
	/* the egress of backends given none (og_batcher_conf.egress), or NULL */
	struct og_egress *own;
	/* records dequeued but not yet placed with every backend */
	struct og_rec *stash[BURST];
	uint32_t stash_pos, stash_n;
	uint32_t next_be; /* first backend stash[stash_pos] still needs */
	struct be_state be[OG_MAX_BACKENDS];
};

struct og_batcher *
og_batcher_create(const struct og_batcher_conf *c)
{
	char name[RTE_MEMPOOL_NAMESIZE];
	struct og_batcher *bt;
	uint32_t n_batches;

	if (c == NULL || c->name == NULL || c->n_backends == 0 || c->n_backends > OG_MAX_BACKENDS ||
	    (c->ring_size && !rte_is_power_of_2(c->ring_size))) {
		PIPE_LOG(ERR, "batcher: bad settings");
		return NULL;
	}
	for (uint32_t i = 0; i < c->n_backends; i++) {
		if (c->backends[i] == NULL) {
			PIPE_LOG(ERR, "batcher %s: backend %u missing", c->name, i);
			return NULL;
		}
		if (c->egress_remote[i] && c->egress[i] == NULL) {
			PIPE_LOG(ERR, "batcher %s: backend %u: remote egress missing", c->name, i);
			return NULL;
		}
		for (uint32_t j = 0; j < i; j++)
			if (c->backends[j]->idx == c->backends[i]->idx) {
				PIPE_LOG(ERR, "batcher %s: backend index %u twice", c->name,
					 c->backends[i]->idx);
				return NULL;
			}
	}
	bt = rte_zmalloc_socket("og_batcher", sizeof(*bt), RTE_CACHE_LINE_SIZE, c->socket);
	if (bt == NULL)
		return NULL;
	bt->max_items = c->max_items ? c->max_items : DEF_MAX_ITEMS;
	bt->max_bytes = c->max_bytes ? c->max_bytes : DEF_MAX_BYTES;
	bt->timeout_us = c->timeout_us ? c->timeout_us : DEF_TIMEOUT_US;
	bt->n_be = c->n_backends;
	n_batches = c->n_batches ? c->n_batches : DEF_BATCHES * OG_OTLP_SIGNAL_MAX * c->n_backends;
	/* every backend may hold an open batch per signal besides the rest */
	if (n_batches < c->n_backends * OG_OTLP_SIGNAL_MAX + 1)
		n_batches = c->n_backends * OG_OTLP_SIGNAL_MAX + 1;

	snprintf(name, sizeof(name), "ogb_r_%s", c->name);
	bt->ring = rte_ring_create(name, c->ring_size ? c->ring_size : DEF_RING_SIZE, c->socket,
				   RING_F_SP_ENQ | RING_F_SC_DEQ);
	snprintf(name, sizeof(name), "ogb_p_%s", c->name);
	bt->pool = rte_mempool_create(name, n_batches, sizeof(struct og_batch), 0, 0, NULL, NULL,
				      NULL, NULL, c->socket, 0);
	if (bt->ring == NULL || bt->pool == NULL)
		goto fail;
	for (uint32_t i = 0; i < bt->n_be; i++) {
		struct og_egress *e = c->egress[i];

		if (e == NULL && bt->own == NULL) {
			struct og_egress_conf ec = { .name = "batcher", .socket = c->socket };

			e = bt->own = og_egress_create(&ec);
		} else if (e == NULL) {
			e = bt->own;
		}
		if (e == NULL)
			goto fail;
		bt->be[i].be = c->backends[i];
		/* a feed holds every batch of the pool: a put never fails */
		bt->be[i].feed =
			pipe_egress_feed(e, c->backends[i], n_batches, c->egress_remote[i]);
		if (bt->be[i].feed == NULL)
			goto fail;
	}
	return bt;
fail:
	PIPE_LOG(ERR, "batcher %s: cannot create its ring, pool or feeds", c->name);
	og_batcher_free(bt);
	return NULL;
}

struct rte_ring *
og_batcher_ring(struct og_batcher *bt)
{
	return bt->ring;
}

int
og_batcher_enqueue(struct og_batcher *bt, struct og_rec *r)
{
	struct og_pipe_stats *st = pipe_stats_self();

	/*
	 * Count the items as queued for each backend before the record is
	 * visible to the batching lcore, so the invariant holds at any time.
	 */
	r->refs = bt->n_be;
	pipe_acct_begin(st);
	for (uint32_t i = 0; i < bt->n_be; i++)
		pipe_add(st, &st->be[OG_PIPE_BE_ITEMS_QUEUED][bt->be[i].be->idx][r->sig], r->items);
	if (og_unlikely(rte_ring_sp_enqueue(bt->ring, r) != 0)) {
		for (uint32_t i = 0; i < bt->n_be; i++)
			pipe_sub(st, &st->be[OG_PIPE_BE_ITEMS_QUEUED][bt->be[i].be->idx][r->sig],
				 r->items);
		pipe_acct_end(st);
		r->refs = 0;
		pipe_add(st, &st->lc[OG_PIPE_LC_RING_FULL], 1);
		return -ENOBUFS;
	}
	pipe_acct_end(st);
	pipe_add(st, &st->sig[OG_PIPE_SIG_REQUESTS_ACCEPTED][r->sig], 1);
	return 0;
}

void
pipe_batcher_done(struct og_batcher *bt, struct og_batch *b)
{
	RTE_SET_USED(b);
	__atomic_fetch_sub(&bt->inflight, 1, __ATOMIC_RELEASE);
}

static void
flush(struct og_batcher *bt, struct be_state *s, unsigned int sig, enum og_pipe_trigger t)
{
	struct og_batch *b = s->open[sig];

	s->open[sig] = NULL;
	b->trigger = t;
	pipe_count_flush(pipe_stats_self(), s->be->idx, b->sig, t, b->items, b->bytes);
	/* in flight from now: og_batcher_drain() waits for its completion */
	__atomic_fetch_add(&bt->inflight, 1, __ATOMIC_RELAXED);
	pipe_feed_put(s->feed, b);
}

/* Add a record to a backend's open batch; false when no batch is free. */
static bool
place(struct og_batcher *bt, struct be_state *s, struct og_rec *r, uint64_t now_us)
{
	unsigned int sig = r->sig;
	struct og_batch *b = s->open[sig];

	/* max_bytes is a ceiling: flush first rather than exceed it */
	if (b != NULL && b->n_recs && b->bytes + r->bytes > bt->max_bytes) {
		flush(bt, s, sig, OG_PIPE_TRIGGER_BYTES);
		b = NULL;
	}
	if (b == NULL) {
		if (rte_mempool_get(bt->pool, (void **)&b) != 0) {
			struct og_pipe_stats *st = pipe_stats_self();

			pipe_add(st, &st->lc[OG_PIPE_LC_BATCH_POOL_EMPTY], 1);
			return false;
		}
		memset(b, 0, offsetof(struct og_batch, recs));
		b->sig = r->sig;
		b->be = s->be;
		b->owner = bt;
		b->created_us = now_us;
		s->open[sig] = b;
	}
	b->recs[b->n_recs++] = r;
	b->items += r->items;
	b->bytes += r->bytes;
	if (b->items >= bt->max_items)
		flush(bt, s, sig, OG_PIPE_TRIGGER_ITEMS);
	else if (b->bytes >= bt->max_bytes)
		flush(bt, s, sig, OG_PIPE_TRIGGER_BYTES);
	else if (b->n_recs == OG_BATCH_MAX_RECS)
		flush(bt, s, sig, OG_PIPE_TRIGGER_RECORDS);
	return true;
}

/* Place stashed records with every backend; false when stalled. */
static bool
place_stash(struct og_batcher *bt, uint64_t now_us, unsigned int *work)
{
	while (bt->stash_pos < bt->stash_n) {
		struct og_rec *r = bt->stash[bt->stash_pos];

		for (; bt->next_be < bt->n_be; bt->next_be++)
			if (!place(bt, &bt->be[bt->next_be], r, now_us))
				return false;
		bt->next_be = 0;
		bt->stash_pos++;
		(*work)++;
	}
	return true;
}

static unsigned int
take_records(struct og_batcher *bt, uint64_t now_us)
{
	unsigned int work = 0;

	for (unsigned int k = 0; k < MAX_BURSTS; k++) {
		if (!place_stash(bt, now_us, &work))
			break;
		bt->stash_pos = 0;
		bt->stash_n = rte_ring_sc_dequeue_burst(bt->ring, (void **)bt->stash, BURST, NULL);
		if (bt->stash_n == 0)
			break;
	}
	return work;
}

/* One turn: take records, flush by age (or all, to drain), run the own egress. */
static unsigned int
service(struct og_batcher *bt, uint64_t now_us, bool drain)
{
	unsigned int work;

	__atomic_store_n(&bt->now_us, now_us, __ATOMIC_RELAXED);
	work = take_records(bt, now_us);

	for (uint32_t i = 0; i < bt->n_be; i++) {
		struct be_state *s = &bt->be[i];

		for (unsigned int sig = 0; sig < OG_OTLP_SIGNAL_MAX; sig++) {
			struct og_batch *b = s->open[sig];

			if (b == NULL)
				continue;
			if (drain)
				flush(bt, s, sig, OG_PIPE_TRIGGER_DRAIN);
			else if (now_us - b->created_us >= bt->timeout_us)
				flush(bt, s, sig, OG_PIPE_TRIGGER_TIMEOUT);
		}
	}
	if (bt->own != NULL)
		work += og_egress_run(bt->own, now_us);
	return work;
}

uint64_t
pipe_batcher_now(const struct og_batcher *bt)
{
	return __atomic_load_n(&bt->now_us, __ATOMIC_RELAXED);
}

unsigned int
og_batcher_run(struct og_batcher *bt, uint64_t now_us)
{
	return service(bt, now_us, false);
}

int
og_batcher_drain(struct og_batcher *bt, uint64_t now_us)
{
	bool busy;

	service(bt, now_us, true);
	/* in flight: handed to an egress (waiting there or in the driver) */
	busy = bt->stash_pos < bt->stash_n || !rte_ring_empty(bt->ring) ||
	       __atomic_load_n(&bt->inflight, __ATOMIC_ACQUIRE) != 0;
	for (uint32_t i = 0; i < bt->n_be && !busy; i++)
		for (unsigned int sig = 0; sig < OG_OTLP_SIGNAL_MAX; sig++)
			busy = busy || bt->be[i].open[sig] != NULL;
	return busy ? -EAGAIN : 0;
}

void
og_batcher_free(struct og_batcher *bt)
{
	if (bt == NULL)
		return;
	/* the feeds are the egresses' (og_egress_free()); the own one goes here */
	og_egress_free(bt->own);
	rte_ring_free(bt->ring);
	rte_mempool_free(bt->pool);
	rte_free(bt);
}
