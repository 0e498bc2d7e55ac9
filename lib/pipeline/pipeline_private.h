/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Internals of lib/pipeline shared by its .c files; never included from
 * outside the folder.
 */
#ifndef PIPELINE_PRIVATE_H
#define PIPELINE_PRIVATE_H

#include <rte_lcore.h>
#include <rte_log.h>
#include <rte_ring.h>

#include "og_pipeline.h"

extern int og_pipe_logtype;
#define PIPE_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_##level, og_pipe_logtype, "pipeline: " fmt "\n", ##__VA_ARGS__)

/* One slot per EAL lcore, and a last one shared by every other thread. */
extern struct og_pipe_stats og_pipe_stats_tab[RTE_MAX_LCORE + 1];

static inline struct og_pipe_stats *
pipe_stats_self(void)
{
	unsigned int l = rte_lcore_id();

	return &og_pipe_stats_tab[l < RTE_MAX_LCORE ? l : RTE_MAX_LCORE];
}

/*
 * Add to a counter of @p st. The owning lcore writes its slot with a plain
 * add (STYLE.md: per-lcore counters); the shared slot of non-EAL threads is
 * written atomically because several such threads may exist.
 */
static inline void
pipe_add(struct og_pipe_stats *st, uint64_t *ctr, uint64_t n)
{
	if (og_unlikely(st == &og_pipe_stats_tab[RTE_MAX_LCORE]))
		__atomic_fetch_add(ctr, n, __ATOMIC_RELAXED);
	else
		*ctr += n;
}

/* og_pipe_acct_begin() on slot @p st (stats.c) */
void pipe_acct_begin(struct og_pipe_stats *st);
void pipe_acct_end(struct og_pipe_stats *st);

static inline void
pipe_sub(struct og_pipe_stats *st, uint64_t *ctr, uint64_t n)
{
	pipe_add(st, ctr, (uint64_t)0 - n);
}

/* Record a flushed batch (batcher.c calls it on the batching lcore). */
void pipe_count_flush(struct og_pipe_stats *st, uint16_t be, enum og_otlp_signal sig,
		      enum og_pipe_trigger t, uint64_t items, uint64_t bytes);

/* Record a request's arrival-to-acknowledgement time at backend @p be. */
void pipe_count_e2e(struct og_pipe_stats *st, uint16_t be, uint64_t us);

/* The batcher learns of a completion (backend.c -> batcher.c). */
void pipe_batcher_done(struct og_batcher *bt, struct og_batch *b);

/* The batcher's clock: now_us of its latest og_batcher_run()/drain(). */
uint64_t pipe_batcher_now(const struct og_batcher *bt);

/*
 * One feed of an egress (egress.c): the batches of one batcher for one
 * backend, oldest first. The batcher puts, the egress takes; nothing else
 * touches it. Across lcores it is an SP/SC ring; when the batcher and the
 * egress run on the same lcore it is a plain array FIFO, with no atomic
 * operation on either side. Either way it holds as many batches as the
 * batcher's pool has, so a put never fails: a stalled backend stalls its
 * batcher through the pool (counted as batch_pool_empty), never here.
 */
struct pipe_feed {
	struct og_backend *be;
	struct rte_ring *ring;	/* across lcores; NULL: the FIFO below */
	struct og_batch *held;	/* taken, answered busy: offered first */
	struct og_batch **fifo; /* same lcore: cap slots */
	uint32_t head, count, cap;
};

/*
 * Add a feed of up to @p cap batches for @p be to @p e (the egress polls
 * @p be from now on): a ring when @p remote, else a FIFO. The egress owns it
 * and frees it in og_egress_free(). NULL on failure (logged).
 */
struct pipe_feed *pipe_egress_feed(struct og_egress *e, struct og_backend *be, uint32_t cap,
				   bool remote);

/* Hand a flushed batch to the egress (the batcher's side; never full). */
static inline void
pipe_feed_put(struct pipe_feed *f, struct og_batch *b)
{
	uint32_t tail;

	if (f->ring != NULL) {
		/* sized to the pool (RING_F_EXACT_SZ): cannot be full */
		RTE_VERIFY(rte_ring_sp_enqueue(f->ring, b) == 0);
		return;
	}
	OG_ASSERT(f->count < f->cap);
	tail = f->head + f->count;
	if (tail >= f->cap)
		tail -= f->cap;
	f->fifo[tail] = b;
	f->count++;
}

#endif /* PIPELINE_PRIVATE_H */
