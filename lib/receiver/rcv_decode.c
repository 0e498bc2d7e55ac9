/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * From a complete request body to an answer: decompress (gzip), transcode
 * (OTLP/JSON to protobuf), scan and validate (lib/otlp), build the record's
 * pieces (each resource entry as received, or rebuilt without its rejected
 * items) and hand the record to the batcher. Uncompressed protobuf is never
 * copied: the record references the received segments (docs/design.md §2).
 *
 * Memory: the connection reserved budget for the segments it holds; every
 * decode buffer is reserved before it is filled, and what is no longer
 * needed is given back at once. The record leaves with the reservation of
 * exactly what it holds (docs/design.md §3: reserve, never allocate-then-check).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <rte_mbuf.h>

#include "rcv_private.h"

/* A body in one of its two forms: referenced segments, or a decode buffer. */
struct body {
	struct rte_mbuf *chain; /* segments, or NULL while only @flat exists */
	void *flat;		/* decode buffer (owned when chain is NULL) */
	uint64_t len;
	uint64_t mem; /* budget held for it */
};

static void
body_drop(struct og_rcv *r, struct body *b)
{
	rte_pktmbuf_free(b->chain);
	if (b->chain == NULL)
		rcv_buf_free(b->flat);
	og_budget_release(r->conf.budget, b->mem);
	memset(b, 0, sizeof(*b));
}

/* @p b is now the decoded @p data (its reservation @p mem) in place of what it was. */
static void
body_replace(struct og_rcv *r, struct body *b, void *data, uint64_t len, uint64_t mem)
{
	body_drop(r, b);
	b->flat = data;
	b->len = len;
	b->mem = mem;
}

/*
 * A pool or heap decode buffer of @p len bytes, reserved in the budget first
 * for a request that holds @p held already (rcv_reserve(): 413 when it could
 * never be granted, 503 when not now).
 */
static void *
buf_take_big(struct og_rcv *r, uint64_t held, uint64_t len, uint64_t *mem, struct rcv_answer *a)
{
	uint64_t charged;
	void *p;

	/* the element size is known before allocating: reserve, then take */
	charged = len <= r->conf.buf_size ? r->conf.buf_size + RTE_CACHE_LINE_SIZE * 2 : len + 256;
	if (rcv_reserve(r, held, charged, a) != 0)
		return NULL;
	p = rcv_buf_alloc(r, len, mem);
	if (p == NULL) {
		og_budget_release(r->conf.budget, charged);
		rcv_count(r, OG_RCV_CTR_BUFFER_FAIL, 1);
		rcv_answer_set(a, 503, "no decode buffer free; retry later");
		return NULL;
	}
	/* settle the reservation to what the buffer really holds */
	if (*mem > charged) {
		if (rcv_reserve(r, held + charged, *mem - charged, a) != 0) {
			og_budget_release(r->conf.budget, charged);
			rcv_buf_free(p);
			return NULL;
		}
	} else {
		og_budget_release(r->conf.budget, charged - *mem);
	}
	return p;
}

/* Free a decode buffer buf_take() gave, and the @p mem it reserved. */
static void
buf_give_back(struct og_rcv *r, void *p, uint64_t mem)
{
	rcv_buf_free(p);
	og_budget_release(r->conf.budget, mem);
}

/* A decode buffer of @p len bytes: a scratch one when small, else buf_take_big(). */
static void *
buf_take(struct og_rcv *r, uint64_t held, uint64_t len, uint64_t *mem, struct rcv_answer *a)
{
	void *p;

	/* a small body is decoded in a scratch buffer and copied out (rcv_buf.c) */
	if (len <= RCV_SMALL_BODY && (p = rcv_buf_scratch(r)) != NULL) {
		*mem = 0;
		return p;
	}
	return buf_take_big(r, held, len, mem, a);
}

/* The body's segments into r->segs; -1 when there are more than it holds. */
static int
body_segs(struct og_rcv *r, const struct body *b, uint32_t *n)
{
	uint32_t i = 0;

	if (b->chain == NULL) {
		r->segs[0].data = b->flat;
		r->segs[0].len = (uint32_t)b->len;
		*n = 1;
		return 0;
	}
	for (const struct rte_mbuf *m = b->chain; m != NULL; m = m->next) {
		if (m->data_len == 0)
			continue;
		if (i == r->segs_cap)
			return -1;
		r->segs[i].data = rte_pktmbuf_mtod(m, const uint8_t *);
		r->segs[i].len = m->data_len;
		i++;
	}
	*n = i;
	return 0;
}

/* Copy a segmented body into one decode buffer (JSON needs contiguous text). */
static int
body_flatten(struct og_rcv *r, struct body *b, struct rcv_answer *a)
{
	uint64_t mem, off = 0;
	uint8_t *p;

	if (b->chain == NULL)
		return 0;
	p = buf_take(r, b->mem, b->len, &mem, a);
	if (p == NULL)
		return -1;
	for (const struct rte_mbuf *m = b->chain; m != NULL; m = m->next) {
		memcpy(p + off, rte_pktmbuf_mtod(m, const void *), m->data_len);
		off += m->data_len;
	}
	rcv_count(r, OG_RCV_CTR_LINEARIZED, 1);
	og_pipe_count_copied(b->len);
	body_replace(r, b, p, off, mem);
	return 0;
}

/*
 * A Content-Encoding the receiver decodes. Every one is driven by
 * body_decompress(), the one place that holds "decoded size so far" against
 * the effective body limit, so a later encoding (zstd, snappy) gets the
 * same limit, the same bounded work on a bomb and the same answers by
 * filling in a row of codecs[].
 */
struct codec {
	/* the decoded size the body announces, 0 when unknown: a hint to size
	 * the buffer, checked by decoding (gzip: the last member's ISIZE) */
	uint64_t (*size_hint)(const struct og_seg *segs, uint32_t n, uint64_t len);
	/* decode into out[0, cap): OG_OK, -OG_OTLP_ERR_TOO_LARGE past cap, or a
	 * decode error; *len is 0 on error */
	int (*decode)(struct og_rcv *r, const struct og_seg *segs, uint32_t n, uint8_t *out,
		      size_t cap, size_t *len, struct og_otlp_error *err);
	/* decode keeping nothing, stopping as soon as the output passes @p limit:
	 * work bounded by the limit, no memory; *len as far as it got */
	int (*measure)(struct og_rcv *r, const struct og_seg *segs, uint32_t n, size_t limit,
		       size_t *len, struct og_otlp_error *err);
};

/* RFC 1952 2.3.1: ISIZE, the last four bytes, is the input size mod 2^32. */
static uint64_t
gzip_isize(const struct og_seg *segs, uint32_t n, uint64_t total)
{
	uint8_t t[4];

	if (total < 18 || og_segs_copy(segs, n, total - 4, 4, t) != 0)
		return 0;
	return (uint64_t)t[0] | (uint64_t)t[1] << 8 | (uint64_t)t[2] << 16 | (uint64_t)t[3] << 24;
}

static int
gzip_decode(struct og_rcv *r, const struct og_seg *segs, uint32_t n, uint8_t *out, size_t cap,
	    size_t *len, struct og_otlp_error *err)
{
	return og_gzip_inflate(r->inflater, segs, n, out, cap, len, err);
}

static int
gzip_measure(struct og_rcv *r, const struct og_seg *segs, uint32_t n, size_t limit, size_t *len,
	     struct og_otlp_error *err)
{
	return og_gzip_measure(r->inflater, segs, n, limit, len, err);
}

static const struct codec codecs[OG_RCV_COMP_N] = {
	[OG_RCV_COMP_GZIP] = { gzip_isize, gzip_decode, gzip_measure },
};

/* The decoded body passed the limit: 413, never to be retried as it is. */
static void
too_large_decoded(struct og_rcv *r, uint64_t limit, struct rcv_answer *a)
{
	rcv_count(r, OG_RCV_CTR_TOO_LARGE_DECODED, 1);
	rcv_answer_fmt(a, r->text, 413, "body larger than %" PRIu64 " bytes after decompression",
		       limit);
}

/* Measure a body of unknown or doubtful decoded size; -1 with the answer when it fails. */
static int
body_measure(struct og_rcv *r, const struct codec *cd, uint32_t n, uint64_t limit, size_t *len,
	     struct rcv_answer *a)
{
	struct og_otlp_error err = { 0 };
	int rc;

	rc = cd->measure(r, r->segs, n, limit, len, &err);
	rcv_count(r, OG_RCV_CTR_BYTES_INFLATED, *len);
	if (rc == OG_OK)
		return 0;
	r->stats.decode_errors[err.code]++;
	if (rc == -OG_OTLP_ERR_TOO_LARGE)
		too_large_decoded(r, limit, a);
	else
		rcv_answer_fmt(a, r->text, 400, "%s (compressed byte %" PRIu64 ")",
			       og_otlp_err_msg(err.code), err.offset);
	return -1;
}

static int
body_decompress(struct og_rcv *r, const struct codec *cd, struct body *b, struct rcv_answer *a)
{
	uint64_t limit = rcv_body_limit(r), cap, mem;
	struct og_otlp_error err = { 0 };
	bool measured = false;
	size_t out_len = 0;
	uint32_t n;
	void *out;
	int rc;

	if (body_segs(r, b, &n) != 0 && body_flatten(r, b, a) != 0)
		return -1;
	if (body_segs(r, b, &n) != 0)
		return -1;
	/*
	 * Size the buffer by the body's own claim when it is within the limit.
	 * Otherwise (unknown, or a claim past the limit: a bomb, or garbage)
	 * measure first: no memory is reserved for a body that can never be
	 * taken, and the work stops at the limit.
	 */
	cap = cd->size_hint(r->segs, n, b->len);
	if (cap == 0 || cap > limit) {
		if (body_measure(r, cd, n, limit, &out_len, a) != 0)
			return -1;
		cap = out_len;
		measured = true;
	}
	for (;;) {
		out = buf_take(r, b->mem, cap, &mem, a);
		if (out == NULL)
			return -1;
		rc = cd->decode(r, r->segs, n, out, cap, &out_len, &err);
		if (rc == -OG_OTLP_ERR_TOO_LARGE && !measured) {
			/* the claim was short (several gzip members): measure, then again */
			buf_give_back(r, out, mem);
			rcv_count(r, OG_RCV_CTR_BYTES_INFLATED, cap);
			if (body_measure(r, cd, n, limit, &out_len, a) != 0)
				return -1;
			cap = out_len;
			measured = true;
			continue;
		}
		break;
	}
	if (rc != OG_OK) {
		buf_give_back(r, out, mem);
		r->stats.decode_errors[err.code]++;
		if (rc == -OG_OTLP_ERR_TOO_LARGE)
			too_large_decoded(r, limit, a);
		else
			rcv_answer_fmt(a, r->text, 400, "%s (compressed byte %" PRIu64 ")",
				       og_otlp_err_msg(err.code), err.offset);
		return -1;
	}
	rcv_count(r, OG_RCV_CTR_BYTES_INFLATED, out_len);
	og_pipe_count_copied(out_len);
	body_replace(r, b, out, out_len, mem);
	return 0;
}

static int
body_transcode(struct og_rcv *r, enum og_otlp_signal sig, struct body *b, struct rcv_answer *a)
{
	uint64_t limit = rcv_body_limit(r), cap, max_cap, mem;
	struct og_otlp_error err = { 0 };
	struct og_wbuf w;
	void *out;
	int rc;

	if (body_flatten(r, b, a) != 0)
		return -1;
	/*
	 * Typical output is half the JSON; 4 x len + 16 always suffices
	 * (og_otlp.h), and more than the limit is a 413 anyway.
	 */
	max_cap = OG_MIN(4 * b->len + 16, limit);
	cap = OG_MIN(b->len / 2 + 4096, max_cap);
	for (;;) {
		out = buf_take(r, b->mem, cap, &mem, a);
		if (out == NULL)
			return -1;
		og_wbuf_init_fixed(&w, out, cap);
		rc = og_otlp_json_to_pb(sig, b->flat, b->len, &w, &err);
		if (rc == -OG_OTLP_ERR_NO_SPACE && cap < max_cap) {
			buf_give_back(r, out, mem);
			cap = max_cap;
			continue;
		}
		break;
	}
	if (rc == -OG_OTLP_ERR_NO_SPACE && cap < 4 * b->len + 16) {
		/* the protobuf passed the limit */
		buf_give_back(r, out, mem);
		rcv_count(r, OG_RCV_CTR_TOO_LARGE_DECODED, 1);
		rcv_answer_fmt(a, r->text, 413, "body larger than %" PRIu64 " bytes as protobuf",
			       limit);
		return -1;
	}
	if (rc != OG_OK) {
		buf_give_back(r, out, mem);
		r->stats.decode_errors[err.code]++;
		rcv_answer_fmt(a, r->text, 400, "%s (JSON byte %" PRIu64 ")",
			       og_otlp_err_msg(err.code), err.offset);
		return -1;
	}
	if (w.len > limit) {
		buf_give_back(r, out, mem);
		rcv_count(r, OG_RCV_CTR_TOO_LARGE_DECODED, 1);
		rcv_answer_fmt(a, r->text, 413, "body larger than %" PRIu64 " bytes", limit);
		return -1;
	}
	og_pipe_count_copied(w.len);
	body_replace(r, b, out, w.len, mem);
	return 0;
}

/*
 * Give a decoded body to mbufs the record can own. A small one is copied
 * into mbufs of @p mp (the pool its segments arrived in) and its decode
 * buffer returned at once, with the reservation settled to what the mbufs
 * hold; a larger one (or when no mbuf or budget is left for the copy) is
 * referenced in place through external-buffer mbufs. -1: none of it could
 * be had; the body was dropped.
 */
static int
body_hold(struct og_rcv *r, struct body *b, struct rte_mempool *mp)
{
	struct rte_mbuf *chain;
	uint64_t mem;

	if (b->chain != NULL)
		return 0;
	if (b->len <= RCV_SMALL_BODY &&
	    rcv_buf_copy(r, mp, b->flat, b->len, b->mem, &chain, &mem) == 0) {
		rcv_buf_free(b->flat);
		b->flat = NULL;
		b->chain = chain;
		b->mem = mem;
		return 0;
	}
	if (rcv_buf_is_scratch(b->flat)) {
		/* a scratch buffer stays with the receiver: move to a real one */
		struct rcv_answer unused;
		void *p = buf_take_big(r, 0, b->len, &mem, &unused);

		if (p == NULL) {
			body_drop(r, b);
			return -1;
		}
		memcpy(p, b->flat, b->len);
		rcv_buf_free(b->flat);
		og_budget_release(r->conf.budget, b->mem);
		b->flat = p;
		b->mem = mem;
	}
	b->chain = rcv_buf_chain(r, b->flat, b->len);
	if (b->chain == NULL) {
		/* rcv_buf_chain() freed the buffer */
		b->flat = NULL;
		og_budget_release(r->conf.budget, b->mem);
		b->mem = 0;
		return -1;
	}
	return 0;
}

/* The pool a request's segments came from: small decoded bodies go back to it. */
static struct rte_mempool *
body_pool(const struct rte_mbuf *m)
{
	if (m == NULL || RTE_MBUF_HAS_EXTBUF(m))
		return NULL;
	if (RTE_MBUF_CLONED(m))
		m = rte_mbuf_from_indirect((struct rte_mbuf *)(uintptr_t)m);
	return m->pool;
}

/* Append a piece, merging a range with the one before when they touch. */
static int
piece_add(struct og_rcv *r, uint32_t *n, const struct og_otlp_piece *p)
{
	if (p->lit_len == 0 && p->r.len == 0)
		return 0;
	if (p->lit_len == 0 && *n > 0) {
		struct og_otlp_piece *q = &r->pieces[*n - 1];

		if (q->lit_len == 0 && q->r.off + q->r.len == p->r.off) {
			q->r.len += p->r.len;
			return 0;
		}
	}
	if (*n == r->pieces_cap)
		return -1;
	r->pieces[(*n)++] = *p;
	return 0;
}

static const char *const item_noun[OG_OTLP_SIGNAL_MAX] = { "spans", "data points", "log records" };

/* "3 spans rejected: trace_id is all zero (2); span_id is not 8 bytes (1)" */
static void
reject_message(const struct og_otlp_scan *s, char *text)
{
	size_t len;

	len = (size_t)snprintf(text, RCV_TEXT_MAX, "%" PRIu64 " %s rejected:", s->n_rejected,
			       item_noun[s->signal]);
	for (unsigned int i = 0; i < OG_OTLP_REJECT_MAX && len < RCV_TEXT_MAX; i++) {
		if (s->by_reason[i] == 0)
			continue;
		len += (size_t)snprintf(text + len, RCV_TEXT_MAX - len, " %s (%" PRIu64 ");",
					og_otlp_reject_msg(i), s->by_reason[i]);
	}
	if (len > 0 && len < RCV_TEXT_MAX && text[len - 1] == ';')
		text[len - 1] = '\0';
}

void
rcv_process(struct og_rcv *r, struct rcv_req *q, struct rcv_answer *a)
{
	enum og_otlp_signal sig = (enum og_otlp_signal)q->sig;
	struct body b = { .chain = q->body, .len = q->body_len, .mem = q->mem };
	struct rte_mempool *mp = body_pool(q->body);
	struct og_otlp_scan s;
	uint64_t accepted;
	uint32_t n, np = 0;
	struct og_rec *rec;
	int rc;

	q->body = q->body_tail = NULL;
	q->body_len = 0;
	q->mem = q->mem_used = 0;
	a->status = 0; /* not decided yet */

	if (q->comp < OG_RCV_COMP_N && codecs[q->comp].decode != NULL &&
	    body_decompress(r, &codecs[q->comp], &b, a) != 0)
		goto fail;
	if (q->enc == OG_RCV_ENC_JSON && body_transcode(r, sig, &b, a) != 0)
		goto fail;
	if (b.len > rcv_body_limit(r)) {
		/* the budget shrank since the head was admitted */
		rcv_count(r, OG_RCV_CTR_TOO_LARGE_DECODED, 1);
		rcv_answer_fmt(a, r->text, 413, "body larger than %" PRIu64 " bytes",
			       rcv_body_limit(r));
		goto fail;
	}
	if (body_segs(r, &b, &n) != 0 && body_flatten(r, &b, a) != 0)
		goto fail;
	if (body_segs(r, &b, &n) != 0)
		goto fail;

	memset(&s, 0, sizeof(s));
	s.signal = sig;
	s.res = r->res;
	s.res_cap = r->conf.max_resources;
	s.rej = r->rej;
	s.rej_cap = r->conf.max_rejected;
	rc = og_otlp_scan(r->segs, n, &s);
	if (rc != OG_OK) {
		r->stats.decode_errors[s.err.code]++;
		rcv_answer_fmt(a, r->text, 400, "%s (byte %" PRIu64 ")",
			       og_otlp_err_msg(s.err.code), s.err.offset);
		goto fail;
	}

	og_pipe_count(OG_PIPE_SIG_ITEMS_RECEIVED, sig, s.n_items);
	if (s.rej_overflow) {
		/* the rejected items cannot all be cut out: refuse the request whole */
		og_pipe_count(OG_PIPE_SIG_ITEMS_REJECTED, sig, s.n_items);
		rcv_answer_fmt(a, r->text, 400, "more than %u invalid %s in one request; first: %s",
			       r->conf.max_rejected, item_noun[sig],
			       og_otlp_reject_msg(s.rej[0].reason));
		goto fail;
	}
	og_pipe_count(OG_PIPE_SIG_ITEMS_REJECTED, sig, s.n_rejected);
	for (unsigned int i = 0; i < OG_OTLP_REJECT_MAX; i++)
		r->stats.rejected[sig][i] += s.by_reason[i];
	accepted = s.n_items - s.n_rejected;
	if (s.n_rejected != 0)
		reject_message(&s, r->text);
	rcv_answer_ok(a, s.n_rejected, s.n_rejected != 0 ? r->text : "");
	if (accepted == 0) {
		/* nothing to forward (empty request, or every item rejected) */
		body_drop(r, &b);
		return;
	}

	for (uint32_t i = 0; i < s.n_resources; i++) {
		const struct og_otlp_resource *res = &s.res[i];
		struct og_otlp_piece tmp[64];
		uint32_t m = 0;

		if (res->n_rejected == 0) {
			struct og_otlp_piece p = { .r = res->hdr };

			rc = piece_add(r, &np, &p);
		} else {
			rc = og_otlp_resource_pieces(&s, r->segs, n, i, tmp, RTE_DIM(tmp), &m);
			for (uint32_t j = 0; rc == 0 && j < m; j++)
				rc = piece_add(r, &np, &tmp[j]);
		}
		if (rc != 0) {
			/*
			 * The pieces a request may be cut into are a fixed
			 * array per receiver: the same body fails the same way
			 * every time, so the answer is 413 (never 503: a retry
			 * cannot succeed, docs/receiver.md "Requests that can
			 * never fit"). Nothing was accepted: refused.
			 */
			og_pipe_count(OG_PIPE_SIG_ITEMS_REFUSED, sig, accepted);
			rcv_count(r, OG_RCV_CTR_TOO_FRAGMENTED, 1);
			rcv_answer_fmt(a, r->text, 413,
				       "request too fragmented to forward (%u resource entries, "
				       "more than %u pieces once its rejected items are cut out); "
				       "send smaller requests",
				       s.n_resources, r->pieces_cap);
			goto fail;
		}
	}

	rec = og_rec_alloc(r->conf.rec_pool);
	if (rec == NULL) {
		rcv_count(r, OG_RCV_CTR_BUFFER_FAIL, 1);
		goto refuse;
	}
	if (body_hold(r, &b, mp) != 0) {
		og_rec_free(rec);
		rcv_count(r, OG_RCV_CTR_BUFFER_FAIL, 1);
		goto refuse_nobody;
	}
	rec->sig = sig;
	rec->items = accepted;
	rec->arrival_us = q->t_first_us;
	rec->budget = r->conf.budget;
	rec->mem = b.mem;
	rec->body = b.chain;
	memset(&b, 0, sizeof(b)); /* the record owns body and reservation now */
	if (og_rec_pieces_reserve(rec, np) != 0) {
		og_rec_free(rec);
		rcv_count(r, OG_RCV_CTR_BUDGET_REFUSED, 1);
		goto refuse_nobody;
	}
	for (uint32_t i = 0; i < np; i++)
		og_rec_add_piece(rec, &r->pieces[i]);
	if (og_batcher_enqueue(r->conf.batcher, rec) != 0) {
		og_rec_free(rec);
		goto refuse_nobody;
	}
	return;

refuse:
	body_drop(r, &b);
refuse_nobody:
	og_pipe_count(OG_PIPE_SIG_ITEMS_REFUSED, sig, accepted);
	rcv_answer_fmt(a, r->text, 503, "overloaded: %" PRIu64 " %s not accepted; retry later",
		       accepted, item_noun[sig]);
	return;
fail:
	body_drop(r, &b);
	if (a->status == 0)
		rcv_answer_set(a, 503, "request could not be processed; retry later");
}
