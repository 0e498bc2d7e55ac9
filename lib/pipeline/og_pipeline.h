/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * lib/pipeline: the hand-off from the receiver to the backends.
 *
 * The receiver scans a request, reserves memory in the budget, fills a
 * record (body mbuf chain + pieces) and hands it to a batcher with
 * og_batcher_enqueue(). The batcher (one per batching lcore) groups records
 * per (backend, signal) into batches, flushes them on items, bytes, record
 * count or age, and hands them to the egress that drives each backend
 * (og_egress), the only caller of a driver's submit and poll; a backend
 * completes each batch with og_batch_complete(), which frees a record once
 * every backend it was fanned out to is done with it. Every item is accounted for
 * (docs/design.md §3, docs/pipeline.md).
 */
#ifndef OG_PIPELINE_H
#define OG_PIPELINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_lcore.h>

#include "og_metric_types.h"
#include "og_pipeline_types.h"

/* ---- records (rec.c) ------------------------------------------------- */

/**
 * Create a pool of @p n records (multi-producer/multi-consumer: the
 * receiver allocates, the batching lcore frees).
 *
 * @return the pool, or NULL (rte_errno set).
 */
struct rte_mempool *og_rec_pool_create(const char *name, unsigned int n, int socket);

/**
 * Take a record from @p mp: empty (no body, no pieces, pieces = inline
 * array, refs 0, no budget).
 *
 * @return the record, or NULL when the pool is exhausted.
 */
struct og_rec *og_rec_alloc(struct rte_mempool *mp);

/**
 * Reserve @p n bytes in @p b and note them in the record (r->mem), so
 * og_rec_free() gives them back. A record charges one budget only.
 *
 * @return 0, or -ENOMEM when the budget refuses (nothing charged).
 */
int og_rec_charge(struct og_rec *r, struct og_budget *b, uint64_t n);

/**
 * Make room for @p n pieces. Up to OG_REC_INLINE_PIECES this costs
 * nothing; beyond, the array's size is first charged to the record's
 * budget (when it has one) and then allocated with rte_malloc (counted:
 * otlpgate_pipeline_piece_arrays_total). Existing pieces are kept.
 *
 * @return 0, or -ENOMEM (budget refused or no memory; the record is
 *   unchanged).
 */
int og_rec_pieces_reserve(struct og_rec *r, uint32_t n);

/**
 * Append a piece (room must have been reserved) and add its length to
 * r->bytes.
 */
static inline void
og_rec_add_piece(struct og_rec *r, const struct og_otlp_piece *p)
{
	OG_ASSERT(r->n_pieces < r->pieces_cap);
	r->pieces[r->n_pieces++] = *p;
	r->bytes += p->lit_len ? p->lit_len : p->r.len;
}

/**
 * Free a record: its body chain, its piece array, its budget charge, and
 * the record itself. NULL is accepted. Callable from any lcore.
 */
void og_rec_free(struct og_rec *r);

/* ---- budget (budget.c) ----------------------------------------------- */

/**
 * Initialise a budget of @p limit bytes with water marks @p high and
 * @p low (low <= high <= limit; out-of-order marks are clamped).
 */
void og_budget_init(struct og_budget *b, uint64_t limit, uint64_t high, uint64_t low);

/**
 * Reserve @p n bytes. Lock-free (compare-and-swap), callable from any lcore.
 *
 * @return true when reserved; false when the budget is not accepting (above
 *   its high mark, until usage falls to the low mark) or @p n would take
 *   usage above the limit.
 */
bool og_budget_reserve(struct og_budget *b, uint64_t n);

/** Give back @p n bytes reserved earlier; resumes acceptance at or below low. */
void og_budget_release(struct og_budget *b, uint64_t n);

/** Bytes reserved now. */
uint64_t og_budget_used(const struct og_budget *b);

/** Whether og_budget_reserve() may succeed (for /readyz and 503s). */
bool og_budget_accepting(const struct og_budget *b);

/**
 * The most one holder can have reserved at once when it is alone: its
 * reservations, however split, all succeed while their sum stays at or
 * below the high mark (above it acceptance stops and only the one step
 * that crossed it is granted). A request that needs more can never be
 * admitted (413), one that needs less is refused only while others hold
 * the budget (503, retry later).
 */
uint64_t og_budget_max_grant(const struct og_budget *b);

/* ---- backends (backend.c) -------------------------------------------- */

/**
 * Make a backend type known (at start, before og_backend_create()). Drivers
 * export their table (og_backend_file_ops, og_backend_null_ops, ...).
 *
 * @return 0, -EEXIST (scheme taken), -EINVAL or -ENOSPC.
 */
int og_backend_register(const struct og_backend_ops *ops);

/** Forget every registered type (tests). */
void og_backend_unregister_all(void);

/**
 * Create a backend from its URI: "scheme" or "scheme:rest", e.g.
 * "file:/var/lib/otlpgate?format=json", "null". @p idx is its index in
 * the stats (< OG_MAX_BACKENDS, unique).
 *
 * @return the backend, or NULL (unknown scheme, bad index, driver refused:
 *   the reason is logged).
 */
struct og_backend *og_backend_create(const char *uri, uint16_t idx);

/**
 * Give a backend the network of the lcore that polls it (its TCP stack,
 * source address and pools), before its first batch. Drivers without an
 * attach operation ignore it.
 *
 * @return 0, or the driver's -errno (-EINVAL for a NULL argument).
 */
int og_backend_attach(struct og_backend *be, const struct og_backend_env *env);

/** Destroy a backend (after its batcher drained). NULL is accepted. */
void og_backend_destroy(struct og_backend *be);

/**
 * A backend ends a batch it took: account for its items (exported, or
 * backend-rejected: @p rejected_items of them with OG_BATCH_OK for a partial
 * refusal, all of them with OG_BATCH_REJECTED), log @p msg for a refusal,
 * release each record (freed when its last backend completes it) and free
 * the batch. Call it once per taken batch, preferably on the egress's lcore
 * (from poll()).
 */
void og_batch_complete(struct og_batch *b, enum og_batch_outcome o, uint64_t rejected_items,
		       const char *msg);

/** Callback of og_batch_foreach(). Return non-zero to stop. */
typedef int (*og_batch_visit_t)(void *ctx, const struct rte_mbuf *m, const uint8_t *p,
				uint32_t len);

/**
 * Visit a batch's body bytes in order: for each contiguous run, @p fn gets
 * either literal bytes (@p m NULL) or a run inside one mbuf segment (@p m
 * that segment, @p p inside its data, so zero-copy egress can reference
 * it). Nothing is framed: a driver writes its own framing around the
 * b->bytes bytes visited.
 *
 * @return 0, -EIO when a piece lies outside its record's body, or the first
 *   non-zero value @p fn returned.
 */
int og_batch_foreach(const struct og_batch *b, og_batch_visit_t fn, void *ctx);

/**
 * og_batch_foreach() for record @p i of @p b only (i < b->n_recs): a driver
 * can build a large batch's request a few records at a time, so no loop
 * iteration of its lcore is spent on the whole batch.
 *
 * @return as og_batch_foreach().
 */
int og_batch_foreach_rec(const struct og_batch *b, uint32_t i, og_batch_visit_t fn, void *ctx);

/* ---- batcher (batcher.c) --------------------------------------------- */

/**
 * Create a batcher: its record ring (single producer, single consumer), its
 * batch pool, and a feed to the egress of each backend (to its own egress
 * for backends given none). The backends and egresses must stay valid until
 * og_batcher_free().
 *
 * @return the batcher, or NULL (bad settings or no memory; logged).
 */
struct og_batcher *og_batcher_create(const struct og_batcher_conf *c);

/** The ring of struct og_rec * the batcher consumes (single consumer). */
struct rte_ring *og_batcher_ring(struct og_batcher *b);

/**
 * Hand a filled record to the batcher (the receiver's side; single
 * producer per batcher). Sets the record's references to the number of
 * backends and counts its items as queued for each of them.
 *
 * @return 0; or -ENOBUFS when the ring is full (counted): the caller still
 *   owns the record, should free it and answer 503 (items refused).
 */
int og_batcher_enqueue(struct og_batcher *b, struct og_rec *r);

/**
 * One turn of the batching loop: dequeue records, add each to the open
 * batch of every backend for its signal, flush batches that reached
 * max_items, max_bytes, OG_BATCH_MAX_RECS or their age to their egress,
 * then run the batcher's own egress if it has one (og_egress_run()).
 *
 * @return work done (records taken + batches its own egress submitted); 0
 *   when idle.
 */
unsigned int og_batcher_run(struct og_batcher *b, uint64_t now_us);

/**
 * Shutdown: take what is in the ring, flush every open batch (trigger
 * "drain") and run the own egress. Call until it returns 0, with the
 * egresses it feeds running too.
 *
 * @return 0 when nothing is left (ring empty, no open batch, none handed to
 *   an egress and not completed), -EAGAIN otherwise.
 */
int og_batcher_drain(struct og_batcher *b, uint64_t now_us);

/**
 * Free a drained batcher (ring, pool, own egress; not the backends, nor the
 * feeds of egresses it was given, which those free). NULL is ok.
 */
void og_batcher_free(struct og_batcher *b);

/* ---- egress (egress.c) ----------------------------------------------- */

/*
 * Every backend is driven by one egress: its submit() and poll() run there,
 * on that egress's lcore and TCP stack, and nowhere else. Batchers hand it
 * their batches over feeds, one per (batcher, backend), made by
 * og_batcher_create() (og_batcher_conf.egress): an SP/SC ring from a
 * batcher on another lcore, a plain FIFO from one on the same lcore, so a
 * stalled backend never holds up another's batches.
 */

/** Create an egress with no backends yet. NULL on failure (logged). */
struct og_egress *og_egress_create(const struct og_egress_conf *c);

/**
 * One turn: take batches from the feeds and submit them, oldest first (a
 * batch the backend answers busy is held at the head of its feed; one that
 * gets any other error is completed as rejected), then poll every backend.
 *
 * @return batches submitted; 0 when idle.
 */
unsigned int og_egress_run(struct og_egress *e, uint64_t now_us);

/** True when no batch waits in a feed (ring or FIFO) or for a busy backend. */
bool og_egress_idle(const struct og_egress *e);

/** TSC cycles spent in the backends' submit() and poll(). */
uint64_t og_egress_backend_cycles(const struct og_egress *e);

/**
 * Free an idle egress and its feeds (not the backends), once the batchers
 * feeding it are drained (og_batcher_free() leaves their feeds to it, in
 * either order). NULL is ok.
 */
void og_egress_free(struct og_egress *e);

/* ---- accounting (stats.c) -------------------------------------------- */

/** The counters of @p lcore (RTE_MAX_LCORE: the slot of non-EAL threads). */
const struct og_pipe_stats *og_pipeline_stats(unsigned int lcore);

/**
 * Sum every lcore's counters into @p out (control thread). Each lcore's slot
 * is copied between accounting sections (og_pipe_acct_begin()), so the
 * invariant of docs/design.md §3 holds in the sum at any moment.
 */
void og_pipe_stats_sum(struct og_pipe_stats *out);

/**
 * Open / close an accounting section on the calling thread: updates made in
 * between (which balance each other: an item received and queued, a batch
 * exported and no longer queued) are seen by og_pipe_stats_sum() all or
 * none. Sections nest; a seqlock on the lcore's own slot, so a few stores on
 * the dataplane (non-EAL threads share a slot behind a lock).
 */
void og_pipe_acct_begin(void);
void og_pipe_acct_end(void);

/** Zero every lcore's counters (tests, before anything runs). */
void og_pipe_stats_reset(void);

/**
 * Add @p n to per-signal counter @p c of the calling lcore (the receiver's
 * received, rejected, dropped_by_rule and refused counts).
 */
void og_pipe_count(enum og_pipe_sig_ctr c, enum og_otlp_signal sig, uint64_t n);

/**
 * Add @p n to otlpgate_copied_bytes_total on the calling lcore: body bytes
 * the CPU wrote rather than referenced. The receiver counts its ingest
 * copies (inflate, JSON transcoding, linearisation), the backend drivers
 * their egress output (gzip); this counter is the figure's only owner.
 */
void og_pipe_count_copied(uint64_t n);

/**
 * Register lib/pipeline's metrics in the registry (lib/common/og_metric.h):
 * every row of pipeline_counters.def as its TYPE column says (per signal,
 * per backend of @p bes and signal, per lcore), batches flushed by
 * trigger, the batch and end-to-end latency histograms and, when
 * @p budget is not NULL, the memory budget. The arrays must outlive the
 * registration. Call once at start.
 *
 * @return 0 or the -errno of og_metric_register().
 */
int og_pipeline_metrics_register(struct og_backend *const *bes, unsigned int n,
				 const struct og_budget *budget);

/**
 * The rows of pipeline_counters.def, by shape: metric name, help text and
 * Prometheus type (the TYPE column), indexed by the shape's enum.
 */
extern const struct og_metric_def og_pipe_sig_defs[OG_PIPE_SIG_MAX];
extern const struct og_metric_def og_pipe_be_defs[OG_PIPE_BE_MAX];
extern const struct og_metric_def og_pipe_lc_defs[OG_PIPE_LC_MAX];
/** Label of a flush trigger ("items", "bytes", ...). */
const char *og_pipe_trigger_name(unsigned int t);
/** Upper bound of histogram bucket @p i (UINT64_MAX for +Inf). */
uint64_t og_pipe_hist_items_bound(unsigned int i);
uint64_t og_pipe_hist_bytes_bound(unsigned int i);
/** Upper bound (µs) of end-to-end latency bucket @p i; UINT64_MAX for +Inf. */
uint64_t og_pipe_hist_e2e_bound(unsigned int i);

/**
 * Check docs/design.md §3 on summed counters: for each of the first
 * @p n_backends backends and each signal, received == exported +
 * backend_rejected + rejected + dropped_by_rule + refused + queued.
 *
 * @return 0, or -1 with the first mismatch described in @p why (may be NULL).
 */
int og_pipe_check_invariant(const struct og_pipe_stats *sum, unsigned int n_backends, char *why,
			    size_t why_len);

#endif /* OG_PIPELINE_H */
