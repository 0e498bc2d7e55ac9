/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Scaffolding shared by test_pipeline.c and test_backend_file.c: an
 * in-process EAL, and the receiver's side of the hand-off done the way
 * lib/receiver does it (body in an mbuf chain of 1448-byte segments,
 * og_otlp_scan, pieces, budget charge, counters), while recording the bytes
 * every backend must eventually see, per signal, in order.
 */
#ifndef OG_PIPE_TEST_H
#define OG_PIPE_TEST_H

#include <limits.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "og_otlp.h"
#include "og_pipeline.h"
#include "og_test.h"

#define PT_SEG	    1448
#define PT_MAX_RES  256
#define PT_MAX_REJ  8192
#define PT_MEMLIMIT (64ull << 20)

static struct rte_mempool *pt_mbufs;
static struct rte_mempool *pt_recs;
static struct og_budget pt_budget;

/* What the backends must see per signal: bytes in order, items, records. */
struct pt_expect {
	struct og_wbuf bytes[OG_OTLP_SIGNAL_MAX];
	uint64_t items[OG_OTLP_SIGNAL_MAX];
	uint32_t records[OG_OTLP_SIGNAL_MAX];
};

static inline void
pt_expect_init(struct pt_expect *e)
{
	memset(e, 0, sizeof(*e));
	for (unsigned int s = 0; s < OG_OTLP_SIGNAL_MAX; s++)
		og_wbuf_init_growable(&e->bytes[s]);
}

static inline void
pt_expect_free(struct pt_expect *e)
{
	for (unsigned int s = 0; s < OG_OTLP_SIGNAL_MAX; s++)
		og_wbuf_free(&e->bytes[s]);
}

static inline int
pt_eal_init(const char *prog)
{
	char prefix[64];
	char *argv[] = {
		(char *)(uintptr_t)prog, "--no-huge", "--no-pci",    "-m",	    "256",
		"--file-prefix",	 prefix,      "--log-level", "lib.*:error", "--log-level",
		"otlpgate.*:critical",	 NULL
	};

	snprintf(prefix, sizeof(prefix), "%s_%d", prog, (int)getpid());
	if (rte_eal_init(RTE_DIM(argv) - 1, argv) < 0)
		return -1;
	pt_mbufs = rte_pktmbuf_pool_create("pt_mbufs", 16383, 64, 0, PT_SEG + RTE_PKTMBUF_HEADROOM,
					   SOCKET_ID_ANY);
	pt_recs = og_rec_pool_create("pt_recs", 1023, SOCKET_ID_ANY);
	og_budget_init(&pt_budget, PT_MEMLIMIT, PT_MEMLIMIT, PT_MEMLIMIT / 2);
	return pt_mbufs == NULL || pt_recs == NULL ? -1 : 0;
}

static inline int
pt_eal_clean(void)
{
	char cmd[PATH_MAX + 16];

	rte_mempool_free(pt_recs);
	rte_mempool_free(pt_mbufs);
	/* the runtime directory is ours alone (unique prefix): leave nothing */
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", rte_eal_get_runtime_dir());
	rte_eal_cleanup();
	return system(cmd) == 0 ? 0 : -1;
}

/* Copy a body into a chain of @p seg_len-byte segments. */
static inline struct rte_mbuf *
pt_chain(const uint8_t *buf, size_t len, uint32_t seg_len)
{
	struct rte_mbuf *head = NULL, *tail = NULL;
	size_t off = 0;

	do {
		struct rte_mbuf *m = rte_pktmbuf_alloc(pt_mbufs);
		uint32_t n = (uint32_t)OG_MIN(len - off, (size_t)seg_len);

		if (m == NULL) {
			rte_pktmbuf_free(head);
			return NULL;
		}
		if (n)
			memcpy(rte_pktmbuf_append(m, (uint16_t)n), buf + off, n);
		off += n;
		if (head == NULL) {
			head = m;
		} else {
			tail->next = m;
			head->nb_segs++;
			head->pkt_len += n;
		}
		tail = m;
	} while (off < len);
	return head;
}

static inline uint32_t
pt_segs(const struct rte_mbuf *m, struct og_seg *segs, uint32_t cap)
{
	uint32_t n = 0;

	for (; m != NULL && n < cap; m = m->next, n++) {
		segs[n].data = rte_pktmbuf_mtod(m, const uint8_t *);
		segs[n].len = m->data_len;
	}
	return n;
}

/*
 * The receiver's part for one request body: scan it, count received and
 * rejected items, charge the budget, fill a record whose pieces drop the
 * rejected items, and append the bytes the backends must see to @p exp.
 * Returns NULL when the budget refused (items counted as refused).
 */
static inline struct og_rec *
pt_make_rec(const uint8_t *buf, size_t len, enum og_otlp_signal sig, struct pt_expect *exp)
{
	static struct og_otlp_resource res[PT_MAX_RES];
	static struct og_otlp_rejected_item rej[PT_MAX_REJ];
	static struct og_seg segs[4096];
	struct og_otlp_scan sc = {
		.signal = sig, .res = res, .res_cap = PT_MAX_RES, .rej = rej, .rej_cap = PT_MAX_REJ
	};
	struct rte_mbuf *body = pt_chain(buf, len, PT_SEG);
	uint32_t nseg;
	struct og_rec *r;

	CU_ASSERT_PTR_NOT_NULL_FATAL(body);
	nseg = pt_segs(body, segs, RTE_DIM(segs));
	CU_ASSERT_EQUAL_FATAL(og_otlp_scan(segs, nseg, &sc), OG_OK);
	og_pipe_count(OG_PIPE_SIG_ITEMS_RECEIVED, sig, sc.n_items);
	og_pipe_count(OG_PIPE_SIG_ITEMS_REJECTED, sig, sc.n_rejected);
	r = og_rec_alloc(pt_recs);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	if (og_rec_charge(r, &pt_budget, len + sizeof(*r)) != 0) {
		og_pipe_count(OG_PIPE_SIG_ITEMS_REFUSED, sig, sc.n_items - sc.n_rejected);
		rte_pktmbuf_free(body);
		og_rec_free(r);
		return NULL;
	}
	r->sig = sig;
	r->body = body;
	r->items = sc.n_items - sc.n_rejected;
	for (uint32_t i = 0; i < sc.n_resources; i++) {
		static struct og_otlp_piece p[4096];
		uint32_t n = 1;

		if (res[i].n_rejected == 0) {
			memset(&p[0], 0, sizeof(p[0]));
			p[0].r = res[i].hdr;
		} else {
			CU_ASSERT_EQUAL_FATAL(
				og_otlp_resource_pieces(&sc, segs, nseg, i, p, RTE_DIM(p), &n), 0);
		}
		CU_ASSERT_EQUAL_FATAL(og_rec_pieces_reserve(r, r->n_pieces + n), 0);
		for (uint32_t k = 0; k < n; k++) {
			og_rec_add_piece(r, &p[k]);
			if (exp == NULL)
				continue;
			if (p[k].lit_len) {
				og_wbuf_put(&exp->bytes[sig], p[k].lit, p[k].lit_len);
			} else {
				size_t at = exp->bytes[sig].len;

				og_wbuf_reserve(&exp->bytes[sig], p[k].r.len);
				CU_ASSERT_EQUAL_FATAL(og_segs_copy(segs, nseg, p[k].r.off,
								   p[k].r.len,
								   exp->bytes[sig].data + at),
						      0);
				exp->bytes[sig].len += p[k].r.len;
			}
		}
	}
	if (exp != NULL) {
		exp->items[sig] += r->items;
		exp->records[sig]++;
	}
	return r;
}

/*
 * A copy of a traces body with every 5th span's trace_id zeroed and every
 * 7th (other) span's span_id zeroed: those spans are rejected.
 */
static inline uint8_t *
pt_with_bad_ids(const uint8_t *src, size_t len, uint64_t *n_bad)
{
	uint8_t *buf = malloc(len);
	struct og_seg seg = { buf, (uint32_t)len };
	struct og_otlp_span_iter it;
	struct og_otlp_span_view v;
	uint32_t k = 0;

	memcpy(buf, src, len);
	*n_bad = 0;
	og_otlp_span_iter_init(&it, &seg, 1, NULL, 0);
	while (og_otlp_span_iter_next(&it, &v) == 1) {
		uint8_t *sp = buf + v.span.off;
		uint8_t *t = memmem(sp, v.span.len, v.trace_id, 16);
		uint8_t *sid = memmem(sp, v.span.len, v.span_id, 8);

		if (k % 5 == 0 && t != NULL) {
			memset(t, 0, 16);
			(*n_bad)++;
		} else if (k % 7 == 0 && sid != NULL) {
			memset(sid, 0, 8);
			(*n_bad)++;
		}
		k++;
	}
	return buf;
}

/* The accounting invariant over every lcore (docs/design.md §3). */
static inline void
pt_check_invariant(unsigned int n_backends)
{
	struct og_pipe_stats sum;
	char why[512];
	int rc;

	og_pipe_stats_sum(&sum);
	rc = og_pipe_check_invariant(&sum, n_backends, why, sizeof(why));
	if (rc != 0)
		fprintf(stderr, "\ninvariant: %s\n", why);
	CU_ASSERT_EQUAL(rc, 0);
}

/* Everything returned: records, mbufs, budget. */
static inline void
pt_check_all_freed(void)
{
	struct og_pipe_stats sum;

	og_pipe_stats_sum(&sum);
	CU_ASSERT_EQUAL(rte_mempool_in_use_count(pt_recs), 0);
	CU_ASSERT_EQUAL(rte_mempool_in_use_count(pt_mbufs), 0);
	CU_ASSERT_EQUAL(og_budget_used(&pt_budget), 0);
	CU_ASSERT_EQUAL(sum.lc[OG_PIPE_LC_RECORDS_IN_FLIGHT], 0);
}

#endif /* OG_PIPE_TEST_H */
