/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/pipeline: budget, records, the batch visitor, and the batcher driving
 * a scriptable in-test backend (busy answers, held completions, refusals),
 * with the accounting invariant of docs/design.md §3 checked after every step.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "og_pipe_test.h"

/* ---- a scriptable backend ---------------------------------------------- */

struct fake {
	int busy;  /* answer -EAGAIN to this many submits first */
	int fail;  /* then answer -EIO (outside the contract) to this many */
	bool hold; /* keep batches until fake_release() */
	enum og_batch_outcome outcome;
	uint64_t rej; /* rejected_items reported with OG_BATCH_OK */
	struct og_batch *held[1024];
	unsigned int n_held;
	unsigned int submits, batches, polls;
	uint64_t items[OG_OTLP_SIGNAL_MAX];
	struct og_wbuf got[OG_OTLP_SIGNAL_MAX];
};

static struct fake fakes[OG_MAX_BACKENDS];

static int
fake_create(struct og_backend *be, const char *rest)
{
	unsigned int i = (unsigned int)atoi(rest);

	if (i >= OG_MAX_BACKENDS)
		return -EINVAL;
	be->priv = &fakes[i];
	return 0;
}

static int
copy_visit(void *ctx, const struct rte_mbuf *m, const uint8_t *p, uint32_t len)
{
	RTE_SET_USED(m);
	og_wbuf_put(ctx, p, len);
	return 0;
}

static int
fake_submit(struct og_backend *be, struct og_batch *b)
{
	struct fake *f = be->priv;

	f->submits++;
	if (f->busy > 0) {
		f->busy--;
		return -EAGAIN;
	}
	if (f->fail > 0) {
		f->fail--;
		return -EIO;
	}
	CU_ASSERT_EQUAL(og_batch_foreach(b, copy_visit, &f->got[b->sig]), 0);
	f->items[b->sig] += b->items;
	f->batches++;
	f->held[f->n_held++] = b;
	return 0;
}

static void
fake_release(struct fake *f)
{
	for (unsigned int i = 0; i < f->n_held; i++)
		og_batch_complete(f->held[i], f->outcome, f->rej, "refused by the test");
	f->n_held = 0;
}

static void
fake_poll(struct og_backend *be, uint64_t now_us)
{
	struct fake *f = be->priv;

	RTE_SET_USED(now_us);
	f->polls++;
	if (!f->hold)
		fake_release(f);
}

static const struct og_backend_ops fake_ops = {
	.scheme = "fake",
	.create = fake_create,
	.submit = fake_submit,
	.poll = fake_poll,
};

static void
fakes_reset(void)
{
	for (unsigned int i = 0; i < OG_MAX_BACKENDS; i++) {
		for (unsigned int s = 0; s < OG_OTLP_SIGNAL_MAX; s++)
			og_wbuf_free(&fakes[i].got[s]);
		memset(&fakes[i], 0, sizeof(fakes[i]));
		for (unsigned int s = 0; s < OG_OTLP_SIGNAL_MAX; s++)
			og_wbuf_init_growable(&fakes[i].got[s]);
	}
}

/* ---- helpers -------------------------------------------------------- */

static uint8_t *traces64, *traces1;
static size_t traces64_len, traces1_len;

static struct og_backend *
fake_backend(unsigned int i)
{
	char uri[16];
	struct og_backend *be;

	snprintf(uri, sizeof(uri), "fake:%u", i);
	be = og_backend_create(uri, (uint16_t)i);
	CU_ASSERT_PTR_NOT_NULL_FATAL(be);
	return be;
}

static struct og_batcher *
make_batcher(const char *name, struct og_backend **be, unsigned int n, uint32_t max_items,
	     uint64_t max_bytes, uint64_t timeout_us, uint32_t n_batches, uint32_t ring)
{
	struct og_batcher_conf c = {
		.name = name,
		.socket = SOCKET_ID_ANY,
		.max_items = max_items,
		.max_bytes = max_bytes,
		.timeout_us = timeout_us,
		.n_batches = n_batches,
		.ring_size = ring,
		.n_backends = n,
	};
	struct og_batcher *bt;

	for (unsigned int i = 0; i < n; i++)
		c.backends[i] = be[i];
	bt = og_batcher_create(&c);
	CU_ASSERT_PTR_NOT_NULL_FATAL(bt);
	return bt;
}

static void
send(struct og_batcher *bt, const uint8_t *buf, size_t len, struct pt_expect *exp,
     unsigned int n_be)
{
	struct og_rec *r = pt_make_rec(buf, len, OG_OTLP_TRACES, exp);

	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_EQUAL_FATAL(og_batcher_enqueue(bt, r), 0);
	pt_check_invariant(n_be);
}

static struct og_pipe_stats sum;

static uint64_t
flushed(unsigned int be, enum og_pipe_trigger t)
{
	og_pipe_stats_sum(&sum);
	return sum.flushed[be][OG_OTLP_TRACES][t];
}

static void
check_got(unsigned int i, const struct pt_expect *exp)
{
	for (unsigned int s = 0; s < OG_OTLP_SIGNAL_MAX; s++) {
		CU_ASSERT_EQUAL(fakes[i].got[s].len, exp->bytes[s].len);
		/* lengths first: a short delivery fails here rather than crash */
		CU_ASSERT(
			exp->bytes[s].len == 0 ||
			(fakes[i].got[s].len == exp->bytes[s].len &&
			 memcmp(fakes[i].got[s].data, exp->bytes[s].data, exp->bytes[s].len) == 0));
		CU_ASSERT_EQUAL(fakes[i].items[s], exp->items[s]);
	}
}

/* Drain @p bt, turning @p eg (when not NULL) as its lcore would. */
static void
drain_via(struct og_batcher *bt, struct og_egress *eg, unsigned int n_be)
{
	int rc = -EAGAIN;

	for (int i = 0; i < 100 && rc != 0; i++) {
		rc = og_batcher_drain(bt, 1);
		if (eg != NULL)
			og_egress_run(eg, 1);
		pt_check_invariant(n_be);
	}
	CU_ASSERT_EQUAL(rc, 0);
	CU_ASSERT(eg == NULL || og_egress_idle(eg));
}

static void
drain(struct og_batcher *bt, unsigned int n_be)
{
	drain_via(bt, NULL, n_be);
}

static void
begin(struct pt_expect *exp)
{
	og_pipe_stats_reset();
	fakes_reset();
	pt_expect_init(exp);
}

/* Check everything came back, then free what a test made. */
static void
end(struct og_batcher *bt, struct og_egress *eg, struct og_backend **be, unsigned int n_be,
    struct pt_expect *exp)
{
	pt_check_all_freed();
	og_batcher_free(bt);
	og_egress_free(eg);
	for (unsigned int i = 0; i < n_be; i++)
		og_backend_destroy(be[i]);
	pt_expect_free(exp);
}

/* ---- tests ------------------------------------------------------------ */

/* the TYPE column agrees with the Prometheus naming rule (_total) */
static void
check_types(const struct og_metric_def *defs, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++) {
		size_t len = strlen(defs[i].name);
		bool total = len > 6 && strcmp(defs[i].name + len - 6, "_total") == 0;

		CU_ASSERT_EQUAL(defs[i].type == OG_METRIC_COUNTER, total);
	}
}

/*
 * lib/pipeline registers its own metrics: the .def rows with their TYPE,
 * the budget, and otlpgate_copied_bytes_total, the one counter of copies.
 */
static void
test_metrics_registered(void)
{
	struct og_budget budget;
	struct og_wbuf w;
	const char *t;
	long long c0, r0;

	og_budget_init(&budget, 1000, 900, 700);
	og_wbuf_init_growable(&w);
	og_metric_unregister_all();
	CU_ASSERT_EQUAL(og_pipeline_metrics_register(NULL, 0, &budget), 0);
	t = og_test_scrape(NULL, &w);
	CU_ASSERT_PTR_NOT_NULL(strstr(t, "# TYPE otlpgate_items_queued gauge\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(t, "# TYPE otlpgate_copied_bytes_total counter\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(t, "# TYPE otlpgate_batch_items histogram\n"));
	CU_ASSERT_EQUAL(og_test_sample(t, "otlpgate_memory_budget_limit_bytes"), 1000);
	CU_ASSERT_EQUAL(og_test_sample(t, "otlpgate_memory_budget_accepting"), 1);
	CU_ASSERT_EQUAL(
		og_test_sample(t, "otlpgate_batch_items_bucket{signal=\"logs\",le=\"+Inf\"}"),
		og_test_sample(t, "otlpgate_batch_items_count{signal=\"logs\"}"));
	c0 = og_test_sample(t, "otlpgate_copied_bytes_total");
	r0 = og_test_sample(t, "otlpgate_items_received_total{signal=\"traces\"}");
	CU_ASSERT(c0 >= 0 && r0 >= 0);
	og_pipe_count_copied(5);
	og_pipe_count(OG_PIPE_SIG_ITEMS_RECEIVED, OG_OTLP_TRACES, 3);
	t = og_test_scrape(NULL, &w);
	CU_ASSERT_EQUAL(og_test_sample(t, "otlpgate_copied_bytes_total"), c0 + 5);
	CU_ASSERT_EQUAL(og_test_sample(t, "otlpgate_items_received_total{signal=\"traces\"}"),
			r0 + 3);
	og_pipe_count(OG_PIPE_SIG_ITEMS_RECEIVED, OG_OTLP_TRACES, (uint64_t)0 - 3);
	og_metric_unregister_all();
	og_wbuf_free(&w);
}

static void
test_names(void)
{
	CU_ASSERT_STRING_EQUAL(og_pipe_sig_defs[OG_PIPE_SIG_ITEMS_RECEIVED].name,
			       "otlpgate_items_received_total");
	CU_ASSERT_STRING_EQUAL(og_pipe_be_defs[OG_PIPE_BE_ITEMS_QUEUED].name,
			       "otlpgate_items_queued");
	CU_ASSERT_STRING_EQUAL(og_pipe_trigger_name(OG_PIPE_TRIGGER_TIMEOUT), "timeout");
	CU_ASSERT_PTR_NULL(og_pipe_trigger_name(OG_PIPE_TRIGGER_MAX));
	for (unsigned int i = 0; i < OG_PIPE_SIG_MAX; i++)
		CU_ASSERT(og_pipe_sig_defs[i].type == OG_METRIC_COUNTER &&
			  og_pipe_sig_defs[i].help[0] != '\0');
	CU_ASSERT_EQUAL(og_pipe_be_defs[OG_PIPE_BE_ITEMS_QUEUED].type, OG_METRIC_GAUGE);
	CU_ASSERT_EQUAL(og_pipe_lc_defs[OG_PIPE_LC_RECORDS_IN_FLIGHT].type, OG_METRIC_GAUGE);
	CU_ASSERT_EQUAL(og_pipe_lc_defs[OG_PIPE_LC_RING_FULL].type, OG_METRIC_COUNTER);
	CU_ASSERT_STRING_EQUAL(og_pipe_lc_defs[OG_PIPE_LC_COPIED_BYTES].name,
			       "otlpgate_copied_bytes_total");
	check_types(og_pipe_sig_defs, OG_PIPE_SIG_MAX);
	check_types(og_pipe_be_defs, OG_PIPE_BE_MAX);
	check_types(og_pipe_lc_defs, OG_PIPE_LC_MAX);
	CU_ASSERT_EQUAL(og_pipe_hist_items_bound(0), 1);
	CU_ASSERT_EQUAL(og_pipe_hist_items_bound(OG_PIPE_HIST_ITEMS_N - 1), UINT64_MAX);
	CU_ASSERT_EQUAL(og_pipe_hist_bytes_bound(OG_PIPE_HIST_BYTES_N - 2), 16777216);
	CU_ASSERT_PTR_NOT_NULL(og_pipeline_stats(RTE_MAX_LCORE));
	CU_ASSERT_PTR_NULL(og_pipeline_stats(RTE_MAX_LCORE + 1));
}

static void
test_budget(void)
{
	struct og_budget b;

	og_budget_init(&b, 1000, 800, 400);
	CU_ASSERT(og_budget_reserve(&b, 500));
	CU_ASSERT(og_budget_accepting(&b));
	CU_ASSERT(og_budget_reserve(&b, 400)); /* fits the limit, crosses high */
	CU_ASSERT_EQUAL(og_budget_used(&b), 900);
	CU_ASSERT_FALSE(og_budget_accepting(&b));
	CU_ASSERT_FALSE(og_budget_reserve(&b, 1)); /* above high: closed */
	og_budget_release(&b, 400);		   /* 500: between the marks */
	CU_ASSERT_FALSE(og_budget_accepting(&b));
	CU_ASSERT_FALSE(og_budget_reserve(&b, 1)); /* hysteresis: still closed */
	og_budget_release(&b, 100);		   /* 400: at the low mark */
	CU_ASSERT(og_budget_accepting(&b));
	CU_ASSERT_FALSE(og_budget_reserve(&b, 601)); /* past the limit */
	CU_ASSERT(og_budget_reserve(&b, 600));
	CU_ASSERT_EQUAL(og_budget_used(&b), 1000);
	CU_ASSERT_EQUAL(b.peak, 1000);
	CU_ASSERT_EQUAL(b.refusals, 3);
	og_budget_release(&b, 1000);
	CU_ASSERT_EQUAL(og_budget_used(&b), 0);
	CU_ASSERT(og_budget_accepting(&b));

	/* closed while empty (a lost race): the next reservation reopens it */
	__atomic_store_n(&b.accepting, 0, __ATOMIC_RELAXED);
	CU_ASSERT(og_budget_reserve(&b, 10));

	/* marks out of order are clamped */
	og_budget_init(&b, 100, 200, 300);
	CU_ASSERT_EQUAL(b.high, 100);
	CU_ASSERT_EQUAL(b.low, 100);
	CU_ASSERT(og_budget_reserve(&b, 100));
	CU_ASSERT_FALSE(og_budget_reserve(&b, 1));
}

static void
test_records(void)
{
	struct og_budget b;
	struct og_rec *r;
	struct og_otlp_piece p = { .r = { 7, 3 } };

	og_pipe_stats_reset();
	og_budget_init(&b, 10000, 10000, 5000);
	r = og_rec_alloc(pt_recs);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT(r->pieces == r->inline_pieces && r->n_pieces == 0 && r->body == NULL);
	CU_ASSERT_EQUAL(og_rec_charge(r, &b, 1000), 0);
	CU_ASSERT_EQUAL(og_rec_pieces_reserve(r, OG_REC_INLINE_PIECES), 0);
	CU_ASSERT(r->pieces == r->inline_pieces);
	for (int i = 0; i < 5; i++)
		og_rec_add_piece(r, &p);
	CU_ASSERT_EQUAL(r->bytes, 15);
	CU_ASSERT_EQUAL(og_rec_pieces_reserve(r, 40), 0);
	CU_ASSERT(r->pieces != r->inline_pieces);
	CU_ASSERT_EQUAL(r->pieces[4].r.off, 7); /* kept */
	CU_ASSERT_EQUAL(og_budget_used(&b), 1000 + 40 * sizeof(struct og_otlp_piece));
	CU_ASSERT_EQUAL(og_rec_pieces_reserve(r, 100), 0); /* grows again, old array given back */
	CU_ASSERT_EQUAL(og_budget_used(&b), 1000 + 100 * sizeof(struct og_otlp_piece));
	CU_ASSERT_EQUAL(r->mem, og_budget_used(&b));
	/* the budget refuses a larger array: nothing changes */
	CU_ASSERT_EQUAL(og_rec_pieces_reserve(r, 10000), -ENOMEM);
	CU_ASSERT_EQUAL(r->pieces_cap, 100);
	CU_ASSERT_EQUAL(og_rec_charge(r, &b, 1000000), -ENOMEM);
	og_pipe_stats_sum(&sum);
	CU_ASSERT_EQUAL(sum.lc[OG_PIPE_LC_PIECES_ALLOC], 2);
	CU_ASSERT_EQUAL(sum.lc[OG_PIPE_LC_PIECES_ALLOC_FAIL], 1);
	CU_ASSERT_EQUAL(sum.lc[OG_PIPE_LC_RECORDS_IN_FLIGHT], 1);
	og_rec_free(r);
	og_rec_free(NULL);
	CU_ASSERT_EQUAL(og_budget_used(&b), 0);
	pt_check_all_freed();
}

struct visit {
	struct og_wbuf out;
	unsigned int lits, ranges, bad;
};

static int
check_visit(void *ctx, const struct rte_mbuf *m, const uint8_t *p, uint32_t len)
{
	struct visit *v = ctx;

	if (m == NULL) {
		v->lits++;
	} else {
		const uint8_t *d = rte_pktmbuf_mtod(m, const uint8_t *);

		v->ranges++;
		/* a run lies inside the one segment it names */
		if (p < d || p + len > d + m->data_len || len == 0)
			v->bad++;
	}
	og_wbuf_put(&v->out, p, len);
	return 0;
}

static int
stop_visit(void *ctx, const struct rte_mbuf *m, const uint8_t *p, uint32_t len)
{
	RTE_SET_USED(m);
	RTE_SET_USED(p);
	RTE_SET_USED(len);
	return ++*(int *)ctx == 2 ? 42 : 0;
}

static void
test_foreach(void)
{
	static uint8_t body[5000];
	static const struct og_otlp_range ranges[] = {
		{ 100, 3000 }, { 10, 5 }, { 4990, 10 }, { 1448, 1448 }, { 0, 0 }
	};
	struct og_batch b = { .n_recs = 2 };
	struct og_rec *r[2];
	struct og_otlp_piece lit = { .lit_len = 3, .lit = { 0x0a, 0x81, 0x01 } };
	struct visit v;
	struct og_wbuf want;
	int calls = 0;

	for (size_t i = 0; i < sizeof(body); i++)
		body[i] = (uint8_t)(i * 7 + i / 251);
	og_wbuf_init_growable(&want);
	for (int k = 0; k < 2; k++) {
		r[k] = og_rec_alloc(pt_recs);
		CU_ASSERT_PTR_NOT_NULL_FATAL(r[k]);
		r[k]->body = pt_chain(body, sizeof(body), PT_SEG);
		og_rec_add_piece(r[k], &lit);
		og_wbuf_put(&want, lit.lit, lit.lit_len);
		for (unsigned int i = 0; i < RTE_DIM(ranges); i++) {
			struct og_otlp_piece p = { .r = ranges[i] };

			og_rec_add_piece(r[k], &p);
			og_wbuf_put(&want, body + ranges[i].off, ranges[i].len);
		}
		b.recs[k] = r[k];
	}
	og_wbuf_init_growable(&v.out);
	v.lits = v.ranges = v.bad = 0;
	CU_ASSERT_EQUAL(og_batch_foreach(&b, check_visit, &v), 0);
	CU_ASSERT_EQUAL(v.out.len, want.len);
	CU_ASSERT(memcmp(v.out.data, want.data, want.len) == 0);
	CU_ASSERT_EQUAL(v.lits, 2);
	/* 3000 bytes from 100 cross two boundaries (3 runs), 1448..2896 is one
	 * whole segment (1 run), the others one run each; the empty piece none */
	CU_ASSERT_EQUAL(v.ranges, 2 * (3 + 1 + 1 + 1));
	CU_ASSERT_EQUAL(v.bad, 0);
	CU_ASSERT_EQUAL(og_batch_foreach(&b, stop_visit, &calls), 42);
	CU_ASSERT_EQUAL(calls, 2);

	/* a piece past the body's end */
	r[1]->pieces[1].r.off = 4999;
	r[1]->pieces[1].r.len = 2;
	v.out.len = 0;
	CU_ASSERT_EQUAL(og_batch_foreach(&b, check_visit, &v), -EIO);
	og_wbuf_free(&v.out);
	og_wbuf_free(&want);
	og_rec_free(r[0]);
	og_rec_free(r[1]);
	pt_check_all_freed();
}

static void
test_trigger_items_bytes(void)
{
	struct og_backend *be;
	struct og_batcher *bt;
	struct pt_expect exp;

	begin(&exp);
	be = fake_backend(0);
	/* items: 64 + 64 >= 100 */
	bt = make_batcher("items", &be, 1, 100, 1 << 20, 1000000, 0, 0);
	send(bt, traces64, traces64_len, &exp, 1);
	CU_ASSERT_EQUAL(og_batcher_run(bt, 0), 1);
	CU_ASSERT_EQUAL(flushed(0, OG_PIPE_TRIGGER_ITEMS), 0);
	send(bt, traces64, traces64_len, &exp, 1);
	og_batcher_run(bt, 0);
	pt_check_invariant(1);
	CU_ASSERT_EQUAL(flushed(0, OG_PIPE_TRIGGER_ITEMS), 1);
	CU_ASSERT_EQUAL(fakes[0].batches, 1);
	CU_ASSERT_EQUAL(fakes[0].items[OG_OTLP_TRACES], 128);
	CU_ASSERT_EQUAL(sum.batch_items[OG_OTLP_TRACES].count, 1);
	CU_ASSERT_EQUAL(sum.batch_items[OG_OTLP_TRACES].sum, 128);
	CU_ASSERT_EQUAL(sum.batch_items[OG_OTLP_TRACES].bucket[3], 1); /* 101..1000 */
	drain(bt, 1);
	CU_ASSERT_EQUAL(flushed(0, OG_PIPE_TRIGGER_DRAIN), 0);
	check_got(0, &exp);
	pt_check_all_freed();
	og_batcher_free(bt);

	/* bytes: the second 20.5 KB record would take the batch past 30000 */
	bt = make_batcher("bytes", &be, 1, 10000, 30000, 1000000, 0, 0);
	send(bt, traces64, traces64_len, &exp, 1);
	send(bt, traces64, traces64_len, &exp, 1);
	og_batcher_run(bt, 0);
	pt_check_invariant(1);
	CU_ASSERT_EQUAL(flushed(0, OG_PIPE_TRIGGER_BYTES), 1);
	CU_ASSERT_EQUAL(fakes[0].batches, 2);
	drain(bt, 1);
	CU_ASSERT_EQUAL(flushed(0, OG_PIPE_TRIGGER_DRAIN), 1);
	CU_ASSERT_EQUAL(fakes[0].batches, 3);
	check_got(0, &exp);
	og_pipe_stats_sum(&sum);
	CU_ASSERT_EQUAL(sum.be[OG_PIPE_BE_BATCH_BYTES][0][OG_OTLP_TRACES],
			exp.bytes[OG_OTLP_TRACES].len);
	CU_ASSERT_EQUAL(sum.be[OG_PIPE_BE_ITEMS_EXPORTED][0][OG_OTLP_TRACES], 256);
	CU_ASSERT_EQUAL(sum.sig[OG_PIPE_SIG_REQUESTS_ACCEPTED][OG_OTLP_TRACES], 4);
	end(bt, NULL, &be, 1, &exp);
}

static void
test_trigger_timeout_records(void)
{
	struct og_backend *be;
	struct og_batcher *bt;
	struct pt_expect exp;

	begin(&exp);
	be = fake_backend(0);
	/* timeout on a fake clock: the batch opens at 100 us, flushes at 1100 */
	bt = make_batcher("tmo", &be, 1, 10000, 1 << 20, 1000, 0, 0);
	send(bt, traces64, traces64_len, &exp, 1);
	og_batcher_run(bt, 100);
	og_batcher_run(bt, 1099);
	CU_ASSERT_EQUAL(flushed(0, OG_PIPE_TRIGGER_TIMEOUT), 0);
	CU_ASSERT_EQUAL(fakes[0].batches, 0);
	pt_check_invariant(1);
	og_batcher_run(bt, 1100);
	CU_ASSERT_EQUAL(flushed(0, OG_PIPE_TRIGGER_TIMEOUT), 1);
	CU_ASSERT_EQUAL(fakes[0].batches, 1);
	pt_check_invariant(1);
	CU_ASSERT_EQUAL(og_batcher_run(bt, 5000), 0); /* idle */
	CU_ASSERT_EQUAL(og_batcher_drain(bt, 5000), 0);
	og_batcher_free(bt);

	/* a full record array flushes: 513 one-span records */
	bt = make_batcher("recs", &be, 1, 100000, 1 << 30, 1000000, 0, 0);
	for (int i = 0; i < OG_BATCH_MAX_RECS + 1; i++) {
		send(bt, traces1, traces1_len, &exp, 1);
		if (i % 64 == 63)
			og_batcher_run(bt, 0);
	}
	og_batcher_run(bt, 0);
	CU_ASSERT_EQUAL(flushed(0, OG_PIPE_TRIGGER_RECORDS), 1);
	CU_ASSERT_EQUAL(fakes[0].items[OG_OTLP_TRACES], 64 + OG_BATCH_MAX_RECS);
	drain(bt, 1);
	CU_ASSERT_EQUAL(flushed(0, OG_PIPE_TRIGGER_DRAIN), 1);
	check_got(0, &exp);
	end(bt, NULL, &be, 1, &exp);
}

/* Two backends: a record is freed only when the slower one completes. */
static void
test_fanout(void)
{
	struct og_backend *be[2];
	struct og_batcher *bt;
	struct pt_expect exp;

	begin(&exp);
	be[0] = fake_backend(0);
	be[1] = fake_backend(1);
	fakes[1].hold = true;
	bt = make_batcher("fan", be, 2, 100, 1 << 20, 1000000, 0, 0);
	for (int i = 0; i < 3; i++)
		send(bt, traces64, traces64_len, &exp, 2);
	CU_ASSERT_EQUAL(og_batcher_drain(bt, 1), -EAGAIN); /* backend 1 holds */
	CU_ASSERT_EQUAL(og_batcher_drain(bt, 1), -EAGAIN);
	pt_check_invariant(2);
	og_pipe_stats_sum(&sum);
	CU_ASSERT_EQUAL(sum.be[OG_PIPE_BE_ITEMS_EXPORTED][0][OG_OTLP_TRACES], 192);
	CU_ASSERT_EQUAL(sum.be[OG_PIPE_BE_ITEMS_QUEUED][0][OG_OTLP_TRACES], 0);
	CU_ASSERT_EQUAL(sum.be[OG_PIPE_BE_ITEMS_EXPORTED][1][OG_OTLP_TRACES], 0);
	CU_ASSERT_EQUAL(sum.be[OG_PIPE_BE_ITEMS_QUEUED][1][OG_OTLP_TRACES], 192);
	CU_ASSERT_EQUAL(rte_mempool_in_use_count(pt_recs), 3);
	CU_ASSERT(og_budget_used(&pt_budget) > 3 * traces64_len);
	CU_ASSERT_EQUAL(sum.lc[OG_PIPE_LC_RECORDS_IN_FLIGHT], 3);

	fake_release(&fakes[1]);
	pt_check_invariant(2);
	CU_ASSERT_EQUAL(og_batcher_drain(bt, 1), 0);
	check_got(0, &exp);
	check_got(1, &exp);
	end(bt, NULL, be, 2, &exp);
}

/*
 * End-to-end latency: arrival of a request to its backend's 2xx, per
 * backend, on the batching lcore's clock; refused batches are not counted.
 */
static void
test_e2e_latency(void)
{
	struct og_backend *be[2];
	struct og_batcher *bt;
	struct pt_expect exp;
	struct og_rec *r;

	begin(&exp);
	be[0] = fake_backend(0);
	be[1] = fake_backend(1);
	fakes[0].hold = fakes[1].hold = true;
	bt = make_batcher("e2e", be, 2, 10000, 1 << 20, 1000, 0, 0);
	r = pt_make_rec(traces64, traces64_len, OG_OTLP_TRACES, &exp);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	r->arrival_us = 100;
	CU_ASSERT_EQUAL_FATAL(og_batcher_enqueue(bt, r), 0);
	og_batcher_run(bt, 200);  /* the batches open */
	og_batcher_run(bt, 1200); /* and flush on age; both backends hold them */
	og_batcher_run(bt, 3100);
	fake_release(&fakes[0]); /* acknowledged at 3100: 3000 us */
	og_batcher_run(bt, 600100);
	fakes[1].outcome = OG_BATCH_REJECTED; /* not a 2xx: not counted */
	fake_release(&fakes[1]);
	pt_check_invariant(2);
	og_pipe_stats_sum(&sum);
	CU_ASSERT_EQUAL(sum.e2e[0].count, 1);
	CU_ASSERT_EQUAL(sum.e2e[0].sum, 3000);
	for (unsigned int i = 0; i < OG_PIPE_HIST_E2E_N; i++)
		CU_ASSERT_EQUAL(sum.e2e[0].bucket[i], og_pipe_hist_e2e_bound(i) == 5000 ? 1 : 0);
	CU_ASSERT_EQUAL(sum.e2e[1].count, 0);
	CU_ASSERT_EQUAL(og_pipe_hist_e2e_bound(OG_PIPE_HIST_E2E_N - 1), UINT64_MAX);
	CU_ASSERT_EQUAL(og_batcher_drain(bt, 600100), 0);
	end(bt, NULL, be, 2, &exp);
}

/* ---- accounting sections: a reader never sees half of one --------------- */

static volatile bool writer_done;

static void *
reader_main(void *arg)
{
	unsigned int *torn = arg;
	struct og_pipe_stats *s = malloc(sizeof(*s));

	while (!__atomic_load_n(&writer_done, __ATOMIC_ACQUIRE)) {
		og_pipe_stats_sum(s);
		if (s->sig[OG_PIPE_SIG_ITEMS_RECEIVED][OG_OTLP_LOGS] !=
		    s->sig[OG_PIPE_SIG_ITEMS_REJECTED][OG_OTLP_LOGS])
			(*torn)++;
	}
	free(s);
	return NULL;
}

/*
 * A writer updates two counters that balance each other inside sections
 * while another thread sums: every sum has both updates or neither. (The
 * same loop without og_pipe_acct_begin/end gives torn sums.)
 */
static void
test_acct_sections(void)
{
	unsigned int torn = 0;
	pthread_t t;

	og_pipe_stats_reset();
	writer_done = false;
	CU_ASSERT_EQUAL_FATAL(pthread_create(&t, NULL, reader_main, &torn), 0);
	for (unsigned int i = 0; i < 2000000; i++) {
		og_pipe_acct_begin();
		og_pipe_count(OG_PIPE_SIG_ITEMS_RECEIVED, OG_OTLP_LOGS, 3);
		og_pipe_acct_begin(); /* sections nest */
		og_pipe_acct_end();
		og_pipe_count(OG_PIPE_SIG_ITEMS_REJECTED, OG_OTLP_LOGS, 3);
		og_pipe_acct_end();
	}
	__atomic_store_n(&writer_done, true, __ATOMIC_RELEASE);
	pthread_join(t, NULL);
	CU_ASSERT_EQUAL(torn, 0);
	og_pipe_stats_sum(&sum);
	CU_ASSERT_EQUAL(sum.sig[OG_PIPE_SIG_ITEMS_RECEIVED][OG_OTLP_LOGS], 6000000);
	CU_ASSERT_EQUAL(
		og_pipeline_stats(rte_lcore_id() < RTE_MAX_LCORE ? rte_lcore_id() : RTE_MAX_LCORE)
			->depth,
		0);
	og_pipe_stats_reset();
}

/* ---- lcore roles: batches handed to an egress over rings or FIFOs ---- */

/*
 * A batcher whose backends are driven by @p eg: over rings when @p remote
 * (the egress on another lcore), else over FIFOs (the same lcore).
 */
static struct og_batcher *
make_handoff_batcher(const char *name, struct og_backend **be, unsigned int n, struct og_egress *eg,
		     uint32_t ring, bool remote)
{
	struct og_batcher_conf c = {
		.name = name,
		.socket = SOCKET_ID_ANY,
		.max_items = 64,
		.max_bytes = 1 << 20,
		.timeout_us = 1000000,
		.ring_size = ring,
		.n_backends = n,
	};
	struct og_batcher *bt;

	for (unsigned int i = 0; i < n; i++) {
		c.backends[i] = be[i];
		c.egress[i] = eg;
		c.egress_remote[i] = remote;
	}
	bt = og_batcher_create(&c);
	CU_ASSERT_PTR_NOT_NULL_FATAL(bt);
	return bt;
}

static struct og_egress *
make_egress(const char *name)
{
	struct og_egress_conf c = { .name = name, .socket = SOCKET_ID_ANY };
	struct og_egress *eg = og_egress_create(&c);

	CU_ASSERT_PTR_NOT_NULL_FATAL(eg);
	return eg;
}

/*
 * With a hand-off ring the batcher never calls the backend: the egress
 * submits, in order, keeps a batch the backend answers busy, polls, and
 * the accounting balances at every step.
 */
static void
test_egress_handoff(void)
{
	struct og_backend *be[2];
	struct og_batcher *bt;
	struct og_egress *eg;
	struct pt_expect exp;

	begin(&exp);
	be[0] = fake_backend(0);
	be[1] = fake_backend(1);
	fakes[0].busy = 2;
	fakes[1].hold = true;
	eg = make_egress("h");
	bt = make_handoff_batcher("hand", be, 2, eg, 0, true);
	for (int i = 0; i < 3; i++)
		send(bt, traces64, traces64_len, &exp, 2);
	CU_ASSERT(og_batcher_run(bt, 0) >= 3); /* 3 records in, 6 batches handed over */
	pt_check_invariant(2);
	CU_ASSERT_EQUAL(fakes[0].submits + fakes[1].submits, 0);
	CU_ASSERT_FALSE(og_egress_idle(eg));
	og_pipe_stats_sum(&sum);
	CU_ASSERT_EQUAL(sum.lc[OG_PIPE_LC_RECORDS_IN_FLIGHT], 3);

	/* backend 0 answers busy twice: the first batch stays held */
	CU_ASSERT_EQUAL(og_egress_run(eg, 0), 3);
	CU_ASSERT_EQUAL(fakes[0].batches, 0);
	CU_ASSERT_EQUAL(fakes[1].batches, 3);
	pt_check_invariant(2);
	CU_ASSERT_EQUAL(og_egress_run(eg, 0), 0);
	CU_ASSERT_EQUAL(og_egress_run(eg, 0), 3);
	CU_ASSERT_EQUAL(fakes[0].batches, 3);
	CU_ASSERT_TRUE(og_egress_idle(eg));
	og_pipe_stats_sum(&sum);
	CU_ASSERT_EQUAL(sum.be[OG_PIPE_BE_SUBMIT_BUSY][0][OG_OTLP_TRACES], 2);
	CU_ASSERT_EQUAL(sum.be[OG_PIPE_BE_ITEMS_EXPORTED][0][OG_OTLP_TRACES], 192);
	CU_ASSERT_EQUAL(sum.be[OG_PIPE_BE_ITEMS_QUEUED][1][OG_OTLP_TRACES], 192);
	/* the batcher is drained only when the egress side completed all */
	CU_ASSERT_EQUAL(og_batcher_drain(bt, 1), -EAGAIN);
	fake_release(&fakes[1]);
	pt_check_invariant(2);
	drain_via(bt, eg, 2);
	check_got(0, &exp);
	check_got(1, &exp);
	end(bt, eg, be, 2, &exp);
}

/*
 * A hand-off ring holds every batch of the batcher's pool, so it never
 * fills: an egress that does not keep up stalls the batcher through its
 * pool (counted), and the records wait in the batcher's ring, in order.
 */
static void
test_egress_stalled(void)
{
	struct og_backend *be;
	struct og_batcher *bt;
	struct og_egress *eg;
	struct og_batcher_conf c = {
		.name = "stalled",
		.socket = SOCKET_ID_ANY,
		.max_items = 64,
		.n_batches = 1, /* the minimum: 4 batches */
		.n_backends = 1,
		.egress_remote = { true },
	};
	struct pt_expect exp;

	begin(&exp);
	be = fake_backend(0);
	eg = make_egress("s");
	c.backends[0] = be;
	c.egress[0] = eg;
	bt = og_batcher_create(&c);
	CU_ASSERT_PTR_NOT_NULL_FATAL(bt);
	for (int i = 0; i < 7; i++)
		send(bt, traces64, traces64_len, &exp, 1);
	og_batcher_run(bt, 0);
	og_batcher_run(bt, 0);
	og_pipe_stats_sum(&sum);
	CU_ASSERT_EQUAL(sum.be[OG_PIPE_BE_SUBMIT_BUSY][0][OG_OTLP_TRACES], 0);
	CU_ASSERT(sum.lc[OG_PIPE_LC_BATCH_POOL_EMPTY] >= 1);
	CU_ASSERT_EQUAL(flushed(0, OG_PIPE_TRIGGER_ITEMS), 4);
	CU_ASSERT_EQUAL(fakes[0].submits, 0);
	CU_ASSERT_EQUAL(og_egress_run(eg, 0), 4);
	CU_ASSERT_EQUAL(fakes[0].batches, 4);
	pt_check_invariant(1);
	og_batcher_run(bt, 0);
	CU_ASSERT_EQUAL(og_egress_run(eg, 0), 3);
	drain_via(bt, eg, 1);
	CU_ASSERT_EQUAL(fakes[0].batches, 7);
	check_got(0, &exp); /* byte order = send order */
	end(bt, eg, &be, 1, &exp);
}

/*
 * The same lcore (a FIFO) and two lcores' worth of hand-off (a ring): the
 * batcher never calls the driver, the egress does; every record reaches the
 * backend exactly once, in order, across busy answers, and the drain
 * delivers what was still open or queued.
 */
static void
handoff_exactly_once(bool remote)
{
	struct og_backend *be[2];
	struct og_batcher *bt;
	struct og_egress *eg;
	struct pt_expect exp;
	uint64_t items = 0;

	begin(&exp);
	be[0] = fake_backend(0);
	be[1] = fake_backend(1);
	fakes[0].busy = 3;
	eg = make_egress(remote ? "x1" : "x0");
	bt = make_handoff_batcher(remote ? "once1" : "once0", be, 2, eg, 0, remote);
	for (int i = 0; i < 200; i++) {
		bool big = i % 3 == 0;

		send(bt, big ? traces64 : traces1, big ? traces64_len : traces1_len, &exp, 2);
		items += big ? 64 : 1;
		if (i % 16 == 15) {
			og_batcher_run(bt, (uint64_t)i);
			if (i == 15) /* handed over, not submitted */
				CU_ASSERT_EQUAL(fakes[0].submits + fakes[1].submits, 0);
			og_egress_run(eg, (uint64_t)i);
			pt_check_invariant(2);
		}
	}
	/* the last records are still in the ring and open batches: drained,
	 * and the batcher is busy until the egress delivered them */
	CU_ASSERT_EQUAL(og_batcher_drain(bt, 1000), -EAGAIN);
	CU_ASSERT_FALSE(og_egress_idle(eg));
	drain_via(bt, eg, 2);
	CU_ASSERT(flushed(0, OG_PIPE_TRIGGER_DRAIN) >= 1);
	og_pipe_stats_sum(&sum);
	for (unsigned int i = 0; i < 2; i++) {
		CU_ASSERT_EQUAL(sum.be[OG_PIPE_BE_ITEMS_EXPORTED][i][OG_OTLP_TRACES], items);
		CU_ASSERT_EQUAL(sum.be[OG_PIPE_BE_ITEMS_QUEUED][i][OG_OTLP_TRACES], 0);
		CU_ASSERT_EQUAL(sum.be[OG_PIPE_BE_BATCH_BYTES][i][OG_OTLP_TRACES],
				exp.bytes[OG_OTLP_TRACES].len);
		check_got(i, &exp); /* every byte once, in order */
	}
	CU_ASSERT_EQUAL(sum.be[OG_PIPE_BE_SUBMIT_BUSY][0][OG_OTLP_TRACES], 3);
	end(bt, eg, be, 2, &exp);
}

static void
test_egress_fifo(void)
{
	handoff_exactly_once(false);
}

static void
test_egress_ring(void)
{
	handoff_exactly_once(true);
}

/*
 * A driver answering anything but 0 or -EAGAIN breaks its contract: the
 * egress completes the batch as rejected (items counted backend-rejected,
 * records freed) and goes on with the next one, on either feed.
 */
static void
contract_broken(const char *egress, bool remote)
{
	struct og_egress *eg = egress != NULL ? make_egress(egress) : NULL;
	struct og_backend *be;
	struct og_batcher *bt;
	struct pt_expect exp;
	struct og_batcher_conf c = {
		.name = "contract", .socket = SOCKET_ID_ANY, .max_items = 64, .n_backends = 1
	};

	begin(&exp);
	be = fake_backend(0);
	fakes[0].fail = 1;
	c.backends[0] = be;
	c.egress[0] = eg;
	c.egress_remote[0] = remote;
	bt = og_batcher_create(&c);
	CU_ASSERT_PTR_NOT_NULL_FATAL(bt);
	send(bt, traces64, traces64_len, NULL, 1); /* refused: not expected */
	send(bt, traces64, traces64_len, &exp, 1);
	og_batcher_run(bt, 0);
	if (eg != NULL)
		og_egress_run(eg, 0);
	pt_check_invariant(1);
	og_pipe_stats_sum(&sum);
	CU_ASSERT_EQUAL(fakes[0].submits, 2);
	CU_ASSERT_EQUAL(fakes[0].batches, 1);
	CU_ASSERT_EQUAL(sum.be[OG_PIPE_BE_ITEMS_BACKEND_REJECTED][0][OG_OTLP_TRACES], 64);
	CU_ASSERT_EQUAL(sum.be[OG_PIPE_BE_BACKEND_ERRORS][0][OG_OTLP_TRACES], 1);
	CU_ASSERT_EQUAL(sum.be[OG_PIPE_BE_ITEMS_EXPORTED][0][OG_OTLP_TRACES], 64);
	/* only the batch the driver took */
	CU_ASSERT_EQUAL(sum.be[OG_PIPE_BE_BATCH_BYTES][0][OG_OTLP_TRACES],
			exp.bytes[OG_OTLP_TRACES].len);
	CU_ASSERT_EQUAL(og_batcher_drain(bt, 1), 0);
	check_got(0, &exp);
	CU_ASSERT(eg == NULL || og_egress_idle(eg));
	end(bt, eg, &be, 1, &exp);
}

static void
test_contract(void)
{
	contract_broken(NULL, false); /* the batcher's own egress */
	contract_broken("c0", false);
	contract_broken("c1", true);
}

/*
 * Several batchers on one lcore, as when batch lcores run the batchers of
 * several RX lcores: each has its own feed to the egress (a FIFO from the
 * egress's lcore, a ring from another); the egress polls the backend once
 * a turn and every record arrives once.
 */
static void
test_egress_batchers(void)
{
	struct og_backend *be;
	struct og_batcher *bt[2];
	struct og_egress *eg;
	struct pt_expect exp[2];
	uint64_t items = 0;
	unsigned int polls;

	begin(&exp[0]);
	pt_expect_init(&exp[1]);
	be = fake_backend(0);
	fakes[0].busy = 2;
	eg = make_egress("two");
	bt[0] = make_handoff_batcher("two0", &be, 1, eg, 0, false);
	bt[1] = make_handoff_batcher("two1", &be, 1, eg, 0, true);
	for (int i = 0; i < 100; i++) {
		send(bt[i % 2], i % 3 ? traces1 : traces64, i % 3 ? traces1_len : traces64_len,
		     &exp[i % 2], 1);
		items += i % 3 ? 1 : 64;
		if (i % 10 == 9) {
			og_batcher_run(bt[0], 0);
			og_batcher_run(bt[1], 0);
			og_egress_run(eg, 0);
			pt_check_invariant(1);
		}
	}
	polls = fakes[0].polls;
	og_egress_run(eg, 0);
	CU_ASSERT_EQUAL(fakes[0].polls, polls + 1);
	og_batcher_drain(bt[0], 1);
	drain_via(bt[1], eg, 1);
	drain_via(bt[0], eg, 1);
	og_pipe_stats_sum(&sum);
	CU_ASSERT_EQUAL(sum.be[OG_PIPE_BE_ITEMS_EXPORTED][0][OG_OTLP_TRACES], items);
	CU_ASSERT_EQUAL(sum.be[OG_PIPE_BE_BATCH_BYTES][0][OG_OTLP_TRACES],
			exp[0].bytes[OG_OTLP_TRACES].len + exp[1].bytes[OG_OTLP_TRACES].len);
	CU_ASSERT_EQUAL(fakes[0].got[OG_OTLP_TRACES].len,
			exp[0].bytes[OG_OTLP_TRACES].len + exp[1].bytes[OG_OTLP_TRACES].len);
	CU_ASSERT_EQUAL(sum.be[OG_PIPE_BE_SUBMIT_BUSY][0][OG_OTLP_TRACES], 2);
	og_batcher_free(bt[0]);
	pt_expect_free(&exp[1]);
	end(bt[1], eg, &be, 1, &exp[0]);
}

struct role_arg {
	struct og_batcher *bt;
	struct og_egress *eg;
	volatile bool *batch_done;
	unsigned int spins;
};

static void *
batch_role(void *arg)
{
	struct role_arg *a = arg;

	while (og_batcher_drain(a->bt, 1) != 0)
		a->spins++;
	__atomic_store_n(a->batch_done, true, __ATOMIC_RELEASE);
	return NULL;
}

static void *
egress_role(void *arg)
{
	struct role_arg *a = arg;

	while (!__atomic_load_n(a->batch_done, __ATOMIC_ACQUIRE) || !og_egress_idle(a->eg)) {
		og_egress_run(a->eg, 1);
		a->spins++;
	}
	return NULL;
}

/*
 * The roles on two threads: a batching thread and an egress thread whose
 * backend completes batches as it polls. Every item arrives once, in
 * order, and everything is freed.
 */
static void
test_egress_threads(void)
{
	struct og_backend *be;
	struct role_arg ab, ae;
	volatile bool batch_done = false;
	pthread_t tb, te;
	struct pt_expect exp;

	begin(&exp);
	be = fake_backend(0);
	ae.eg = make_egress("t");
	ab.bt = make_handoff_batcher("thr", &be, 1, ae.eg, 512, true);
	ab.eg = ae.eg;
	ae.bt = ab.bt;
	ab.batch_done = ae.batch_done = &batch_done;
	ab.spins = ae.spins = 0;
	for (int i = 0; i < 300; i++)
		send(ab.bt, i % 2 ? traces64 : traces1, i % 2 ? traces64_len : traces1_len, &exp,
		     1);
	CU_ASSERT_EQUAL_FATAL(pthread_create(&te, NULL, egress_role, &ae), 0);
	CU_ASSERT_EQUAL_FATAL(pthread_create(&tb, NULL, batch_role, &ab), 0);
	pthread_join(tb, NULL);
	pthread_join(te, NULL);
	pt_check_invariant(1);
	og_pipe_stats_sum(&sum);
	CU_ASSERT_EQUAL(sum.be[OG_PIPE_BE_ITEMS_EXPORTED][0][OG_OTLP_TRACES], 150 * 64 + 150);
	CU_ASSERT_EQUAL(sum.be[OG_PIPE_BE_ITEMS_QUEUED][0][OG_OTLP_TRACES], 0);
	check_got(0, &exp);
	end(ab.bt, ae.eg, &be, 1, &exp);
}

/* A busy backend keeps its batches, in order, and gets them later. */
static void
test_busy(void)
{
	struct og_backend *be;
	struct og_batcher *bt;
	struct pt_expect exp;

	begin(&exp);
	be = fake_backend(0);
	fakes[0].busy = 5;
	bt = make_batcher("busy", &be, 1, 64, 1 << 20, 1000000, 0, 0);
	for (int i = 0; i < 3; i++)
		send(bt, traces64, traces64_len, &exp, 1);
	/* the flushes hand over 3 batches; the egress offers the oldest, once
	 * a turn, until the backend takes it; the rest follow in order */
	og_batcher_run(bt, 0);
	CU_ASSERT_EQUAL(flushed(0, OG_PIPE_TRIGGER_ITEMS), 3);
	CU_ASSERT_EQUAL(fakes[0].submits, 1);
	CU_ASSERT_EQUAL(fakes[0].batches, 0);
	pt_check_invariant(1);
	for (int i = 0; i < 4; i++)
		og_batcher_run(bt, 0);
	CU_ASSERT_EQUAL(fakes[0].submits, 5);
	CU_ASSERT_EQUAL(fakes[0].batches, 0);
	og_batcher_run(bt, 0);
	CU_ASSERT_EQUAL(fakes[0].batches, 3);
	drain(bt, 1);
	og_pipe_stats_sum(&sum);
	CU_ASSERT_EQUAL(sum.be[OG_PIPE_BE_SUBMIT_BUSY][0][OG_OTLP_TRACES], 5);
	CU_ASSERT_EQUAL(fakes[0].submits, 8);
	CU_ASSERT_EQUAL(sum.be[OG_PIPE_BE_ITEMS_EXPORTED][0][OG_OTLP_TRACES], 192);
	check_got(0, &exp);
	end(bt, NULL, &be, 1, &exp);
}

static void
test_rejected(void)
{
	struct og_backend *be;
	struct og_batcher *bt;
	struct pt_expect exp;

	begin(&exp);
	be = fake_backend(0);
	fakes[0].outcome = OG_BATCH_REJECTED;
	bt = make_batcher("rej", &be, 1, 64, 1 << 20, 1000000, 0, 0);
	send(bt, traces64, traces64_len, &exp, 1);
	send(bt, traces64, traces64_len, &exp, 1);
	drain(bt, 1);
	og_pipe_stats_sum(&sum);
	CU_ASSERT_EQUAL(sum.be[OG_PIPE_BE_ITEMS_BACKEND_REJECTED][0][OG_OTLP_TRACES], 128);
	CU_ASSERT_EQUAL(sum.be[OG_PIPE_BE_ITEMS_EXPORTED][0][OG_OTLP_TRACES], 0);
	CU_ASSERT_EQUAL(sum.be[OG_PIPE_BE_BACKEND_ERRORS][0][OG_OTLP_TRACES], 2);
	pt_check_all_freed();

	/* partial: OK with 10 of 64 refused */
	fakes[0].outcome = OG_BATCH_OK;
	fakes[0].rej = 10;
	send(bt, traces64, traces64_len, &exp, 1);
	drain(bt, 1);
	og_pipe_stats_sum(&sum);
	CU_ASSERT_EQUAL(sum.be[OG_PIPE_BE_ITEMS_BACKEND_REJECTED][0][OG_OTLP_TRACES], 138);
	CU_ASSERT_EQUAL(sum.be[OG_PIPE_BE_ITEMS_EXPORTED][0][OG_OTLP_TRACES], 54);
	CU_ASSERT_EQUAL(sum.be[OG_PIPE_BE_BACKEND_WRITES][0][OG_OTLP_TRACES], 1);
	pt_check_invariant(1);
	end(bt, NULL, &be, 1, &exp);
}

/* A full ring refuses the record: counted, and the receiver answers 503. */
static void
test_ring_full(void)
{
	struct og_backend *be;
	struct og_batcher *bt;
	struct pt_expect exp;
	struct og_rec *r;

	begin(&exp);
	be = fake_backend(0);
	bt = make_batcher("ring", &be, 1, 10000, 1 << 20, 1000000, 0, 4); /* holds 3 */
	for (int i = 0; i < 3; i++)
		send(bt, traces64, traces64_len, &exp, 1);
	r = pt_make_rec(traces64, traces64_len, OG_OTLP_TRACES, NULL);
	CU_ASSERT_EQUAL(og_batcher_enqueue(bt, r), -ENOBUFS);
	og_pipe_count(OG_PIPE_SIG_ITEMS_REFUSED, OG_OTLP_TRACES, r->items);
	og_rec_free(r);
	pt_check_invariant(1);
	og_pipe_stats_sum(&sum);
	CU_ASSERT_EQUAL(sum.lc[OG_PIPE_LC_RING_FULL], 1);
	CU_ASSERT_EQUAL(sum.sig[OG_PIPE_SIG_ITEMS_REFUSED][OG_OTLP_TRACES], 64);
	drain(bt, 1);
	check_got(0, &exp);
	end(bt, NULL, &be, 1, &exp);
}

/* An empty batch pool stalls the batcher without losing or reordering. */
static void
test_pool_stall(void)
{
	struct og_backend *be;
	struct og_batcher *bt;
	struct pt_expect exp;

	begin(&exp);
	be = fake_backend(0);
	fakes[0].hold = true;
	bt = make_batcher("stall", &be, 1, 64, 1 << 20, 1000000, 1, 0); /* 4 batches */
	for (int i = 0; i < 7; i++)
		send(bt, traces64, traces64_len, &exp, 1);
	og_batcher_run(bt, 0);
	og_batcher_run(bt, 0);
	CU_ASSERT_EQUAL(fakes[0].batches, 4);
	og_pipe_stats_sum(&sum);
	CU_ASSERT(sum.lc[OG_PIPE_LC_BATCH_POOL_EMPTY] >= 1);
	pt_check_invariant(1);
	fake_release(&fakes[0]);
	og_batcher_run(bt, 0);
	CU_ASSERT_EQUAL(fakes[0].batches, 7);
	fake_release(&fakes[0]);
	fakes[0].hold = false;
	drain(bt, 1);
	check_got(0, &exp);
	end(bt, NULL, &be, 1, &exp);
}

static void
test_bad_conf(void)
{
	static const struct og_backend_ops other = { .scheme = "fake",
						     .create = fake_create,
						     .submit = fake_submit };
	static const struct og_backend_ops nosubmit = { .scheme = "x", .create = fake_create };
	struct og_batcher_conf c = { .name = "bad", .n_backends = 0 };
	struct og_backend *be[2];

	CU_ASSERT_PTR_NULL(og_batcher_create(&c));
	CU_ASSERT_PTR_NULL(og_batcher_create(NULL));
	be[0] = fake_backend(0);
	be[1] = og_backend_create("fake:1", 0); /* same index */
	CU_ASSERT_PTR_NOT_NULL_FATAL(be[1]);
	c.n_backends = 2;
	c.backends[0] = be[0];
	c.backends[1] = be[1];
	CU_ASSERT_PTR_NULL(og_batcher_create(&c));
	c.n_backends = 1;
	c.egress_remote[0] = true; /* a ring to no egress */
	CU_ASSERT_PTR_NULL(og_batcher_create(&c));
	c.egress_remote[0] = false;
	c.ring_size = 100; /* not a power of two */
	CU_ASSERT_PTR_NULL(og_batcher_create(&c));
	CU_ASSERT_PTR_NULL(og_backend_create("fake:9", 1)); /* the driver refuses */
	CU_ASSERT_PTR_NULL(og_backend_create("unknown", 1));
	CU_ASSERT_EQUAL(og_backend_register(&other), -EEXIST);
	CU_ASSERT_EQUAL(og_backend_register(&nosubmit), -EINVAL);
	CU_ASSERT_EQUAL(og_backend_register(&fake_ops), 0);
	og_backend_destroy(be[0]);
	og_backend_destroy(be[1]);
	og_backend_destroy(NULL);
	og_batcher_free(NULL);
}

static int
suite_init(void)
{
	if (pt_eal_init("test_pipeline") != 0)
		return -1;
	traces64 = og_test_read_file("samples/traces-64.pb", &traces64_len);
	traces1 = og_test_read_file("samples/traces-1.pb", &traces1_len);
	return og_backend_register(&fake_ops);
}

static int
suite_clean(void)
{
	fakes_reset();
	free(traces64);
	free(traces1);
	return pt_eal_clean();
}

static CU_TestInfo pipeline_tests[] = {
	{ "counter, trigger and bucket names", test_names },
	{ "metrics registered by lib/pipeline", test_metrics_registered },
	{ "budget: limit, water marks, hysteresis", test_budget },
	{ "records: charge, piece arrays, free", test_records },
	{ "batch visitor: literals, runs inside segments, errors", test_foreach },
	{ "flush on items and on bytes", test_trigger_items_bytes },
	{ "flush on age (fake clock) and on a full record array", test_trigger_timeout_records },
	{ "fan-out: records freed after the last backend", test_fanout },
	{ "end-to-end latency per backend, 2xx only", test_e2e_latency },
	{ "accounting sections: sums never torn", test_acct_sections },
	{ "busy backend keeps batches in order", test_busy },
	{ "backend refusals counted (whole and partial)", test_rejected },
	{ "ring full refused and counted", test_ring_full },
	{ "empty batch pool stalls, then resumes", test_pool_stall },
	{ "bad settings refused", test_bad_conf },
	{ "lcore roles: batches handed to an egress, busy kept in order", test_egress_handoff },
	{ "lcore roles: a stalled egress stalls the batcher's pool, in order",
	  test_egress_stalled },
	{ "same lcore: a FIFO to the egress, every record once, drained", test_egress_fifo },
	{ "two lcores: a ring to the egress, every record once, drained", test_egress_ring },
	{ "a driver breaking its contract: the batch completed as rejected", test_contract },
	{ "two batchers, one egress: a FIFO and a ring, every record once", test_egress_batchers },
	{ "lcore roles: batcher and egress on two threads", test_egress_threads },
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{ "pipeline", suite_init, suite_clean, NULL, NULL, pipeline_tests },
	CU_SUITE_INFO_NULL,
};

int
main(void)
{
	return og_test_main(suites);
}
