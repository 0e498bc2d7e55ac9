/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A request, whatever front end read it: its counters, its admission (the
 * budget reserved before the body is read, docs/design.md §3), its body as it
 * arrives and its end (rcv_decode.c decodes it and hands it off). Body bytes
 * are never copied here: each segment holding body bytes joins the
 * request's body chain (trimmed to those bytes), and when one segment holds
 * body bytes twice (chunk framing, pipelined requests) the second reference
 * is an indirect mbuf. Refusals are answers (rcv_answer.c) for the front end
 * to send; nothing here knows HTTP/1.1.
 *
 * Never retry what can never succeed: a request that needs more than the
 * budget can ever grant one request (og_budget_max_grant()) is answered
 * 413, never 503; 503 is for memory other requests hold now. The body
 * limit a client can rely on follows from it (og_rcv_body_limit()).
 */
#include <errno.h>
#include <inttypes.h>

#include <rte_cycles.h>
#include <rte_mbuf.h>

#include "rcv_private.h"

/* Budget is reserved in steps of at least this, not per segment. */
#define MEM_STEP 65536
/* Body segments one request may reference (nb_segs is 16 bits). */
#define MAX_BODY_SEGS 65000

static unsigned int
status_slot(int status)
{
	switch (status) {
#define OG_RCV_STATUS(e, code) \
	case code:             \
		return OG_RCV_ST_##e;
#include "receiver_counters.def"
	default:
		return OG_RCV_ST_OTHER;
	}
}

void
rcv_req_count(struct og_rcv *r, const struct rcv_req *q, int status)
{
	uint64_t us = r->now_us > q->t_first_us ? r->now_us - q->t_first_us : 0;
	static const uint64_t bounds[] = { OG_RCV_LAT_BOUNDS };
	unsigned int b = 0;

	r->stats.requests[q->sig][q->enc][q->comp][status_slot(status)]++;
	while (b < RTE_DIM(bounds) && us > bounds[b])
		b++;
	r->stats.lat_bucket[b]++;
	r->stats.lat_sum_us += us;
	r->stats.lat_count++;
}

void
rcv_req_drop(struct og_rcv *r, struct rcv_req *q)
{
	rte_pktmbuf_free(q->body);
	q->body = q->body_tail = NULL;
	q->body_len = 0;
	og_budget_release(r->conf.budget, q->mem);
	q->mem = q->mem_used = 0;
}

uint64_t
og_rcv_body_need(uint64_t len)
{
	/*
	 * A segment of 1448-1460 body bytes (an MSS) is held in an mbuf of 2 KiB
	 * data room that costs ~2.3 KiB with its headers (rcv_pool_cost()):
	 * 1.64 bytes per body byte, rounded up to 5/3; and a little for the
	 * segment that holds the head.
	 */
	return len + (2 * len + 2) / 3 + 4096;
}

uint64_t
og_rcv_body_limit(uint64_t max_body, uint64_t grant)
{
	/* the largest len with og_rcv_body_need(len) <= grant */
	uint64_t fit = grant > 4097 ? (grant - 4097) / 5 * 3 : 0;

	return OG_MIN(max_body, fit);
}

uint64_t
rcv_body_limit(const struct og_rcv *r)
{
	return og_rcv_body_limit(r->conf.max_body, og_budget_max_grant(r->conf.budget));
}

int
rcv_reserve(struct og_rcv *r, uint64_t held, uint64_t n, struct rcv_answer *a)
{
	uint64_t grant = og_budget_max_grant(r->conf.budget);

	if (held + n > grant) {
		rcv_count(r, OG_RCV_CTR_TOO_LARGE_MEMORY, 1);
		rcv_answer_fmt(a, r->text, 413,
			       "request needs %" PRIu64
			       " bytes of memory at once; the memory budget "
			       "grants one request at most %" PRIu64 " (--memory)",
			       held + n, grant);
		return -EMSGSIZE;
	}
	if (!og_budget_reserve(r->conf.budget, n)) {
		rcv_count(r, OG_RCV_CTR_BUDGET_REFUSED, 1);
		rcv_answer_set(a, 503, "memory budget exhausted; retry later");
		return -ENOBUFS;
	}
	return 0;
}

int
rcv_req_admit(struct og_rcv *r, struct rcv_req *q, bool known, uint64_t len, struct rcv_answer *a)
{
	uint64_t limit = rcv_body_limit(r);
	int rc;

	if (q->enc == OG_RCV_ENC_OTHER) {
		rcv_answer_set(a, 415,
			       "Content-Type must be application/x-protobuf or application/json");
		return -ENOTSUP;
	}
	if (q->comp == OG_RCV_COMP_OTHER) {
		rcv_answer_set(a, 415, "Content-Encoding must be gzip or identity");
		return -ENOTSUP;
	}
	/* RFC 9110 15.5.14: larger than we could ever take; the front end closes */
	if (known && len > limit) {
		rcv_count(r, OG_RCV_CTR_TOO_LARGE_LENGTH, 1);
		rcv_answer_fmt(a, r->text, 413,
			       "body of %" PRIu64 " bytes is larger than the limit of %" PRIu64
			       " bytes",
			       len, limit);
		return -EMSGSIZE;
	}
	/*
	 * Admission (docs/design.md §3): memory for the body is reserved before the
	 * body is read. A length we know is reserved whole, with room for the
	 * mbufs around it (og_rcv_body_need()); a body of unknown length
	 * reserves as it arrives.
	 */
	q->mem = q->mem_used = 0;
	if (known && len > 0) {
		uint64_t est = og_rcv_body_need(len);

		rc = rcv_reserve(r, 0, est, a);
		if (rc != 0)
			return rc;
		q->mem = est;
	} else if (!og_budget_accepting(r->conf.budget)) {
		rcv_count(r, OG_RCV_CTR_BUDGET_REFUSED, 1);
		rcv_answer_set(a, 503, "memory budget exhausted; retry later");
		return -ENOBUFS;
	}
	return 0;
}

int
rcv_req_add(struct og_rcv *r, struct rcv_req *q, struct rte_mbuf *m, const uint8_t *p, uint32_t len,
	    bool *kept, struct rcv_answer *a)
{
	struct rte_mbuf *seg;
	uint64_t cost;

	/*
	 * What holding the segment really costs: its mempool object (mbuf
	 * and data room), or an indirect mbuf when it is already held.
	 */
	cost = rcv_pool_cost(*kept ? r->conf.ref_pool : m->pool);
	/* a chunked body (a known length was checked at the head) */
	if (q->body_len + len > rcv_body_limit(r)) {
		uint64_t limit = rcv_body_limit(r);

		rcv_count(r, OG_RCV_CTR_TOO_LARGE_CHUNKED, 1);
		rcv_req_drop(r, q);
		rcv_answer_fmt(a, r->text, 413, "body larger than the limit of %" PRIu64 " bytes",
			       limit);
		return -EMSGSIZE;
	}
	if (q->mem_used + cost > q->mem) {
		uint64_t grant = og_budget_max_grant(r->conf.budget);
		uint64_t need = q->mem_used + cost - q->mem;
		int rc;

		/* in steps, but never a step the request could not be granted alone */
		if (q->mem + need <= grant) {
			if (need < MEM_STEP)
				need = MEM_STEP;
			if (need > grant - q->mem)
				need = grant - q->mem;
		}
		rc = rcv_reserve(r, q->mem, need, a);
		if (rc != 0) {
			rcv_req_drop(r, q);
			return rc;
		}
		q->mem += need;
	}
	if (q->body != NULL && q->body->nb_segs >= MAX_BODY_SEGS) {
		rcv_req_drop(r, q);
		rcv_answer_set(a, 413, "body arrived in too many TCP segments");
		return -EMSGSIZE;
	}
	if (!*kept) {
		seg = m;
		*kept = true;
	} else {
		seg = rte_pktmbuf_alloc(r->conf.ref_pool);
		if (seg == NULL) {
			rcv_count(r, OG_RCV_CTR_BUFFER_FAIL, 1);
			rcv_req_drop(r, q);
			rcv_answer_set(a, 503, "out of buffers; retry later");
			return -ENOBUFS;
		}
		rte_pktmbuf_attach(seg, m);
	}
	q->mem_used += cost;
	seg->data_off = (uint16_t)(p - (const uint8_t *)seg->buf_addr);
	seg->data_len = (uint16_t)len;
	seg->pkt_len = len;
	seg->nb_segs = 1;
	seg->next = NULL;
	if (q->body == NULL) {
		q->body = seg;
	} else {
		q->body_tail->next = seg;
		q->body->nb_segs++;
		q->body->pkt_len += len;
	}
	q->body_tail = seg;
	q->body_len += len;
	return 0;
}

void
rcv_req_end(struct og_rcv *r, struct rcv_req *q, struct rcv_answer *a)
{
	uint64_t t0;

	/* give back what was reserved beyond the segments really held */
	if (q->mem > q->mem_used) {
		og_budget_release(r->conf.budget, q->mem - q->mem_used);
		q->mem = q->mem_used;
	}
	/* received, rejected, refused and queued move together (§3) */
	t0 = rte_rdtsc();
	og_pipe_acct_begin();
	rcv_process(r, q, a);
	og_pipe_acct_end();
	r->stats.cyc_decode += rte_rdtsc() - t0;
}
