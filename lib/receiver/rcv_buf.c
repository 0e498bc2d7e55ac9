/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Decode buffers: where gzip bodies are inflated and JSON bodies transcoded
 * (docs/design.md §2: the one copy compressed input costs). A buffer comes from
 * the receiver's pool when it fits, from the DPDK heap otherwise (counted);
 * once filled it is referenced by a chain of mbufs with the buffer attached
 * as external memory, so records, batches and egress treat it like any
 * received body. An mbuf's buf_len is 16 bits, so each mbuf covers a window
 * of at most RCV_WINDOW bytes; they share one reference count and the last
 * one freed returns the buffer.
 *
 * Small bodies (most requests of an SDK exporter) never keep a decode
 * buffer: they are decoded into one of the receiver's two scratch buffers
 * (RCV_SMALL_BODY bytes, fixed memory of the receiver like its other scratch
 * arrays, so not charged to the budget) and then copied into ordinary mbufs
 * of the request's own pool (rcv_buf_copy()): a 300-byte span costs one
 * 2 KiB mbuf until its batch is flushed, not a 1 MiB buffer, and the pool
 * of large buffers is left to large bodies.
 */
#include <errno.h>
#include <stdio.h>

#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_memcpy.h>
#include <rte_mempool.h>

#include "rcv_private.h"

#define RCV_WINDOW 32768u

struct rcv_buf_hdr {
	struct rte_mbuf_ext_shared_info shinfo;
	struct rte_mempool *mp; /* NULL: from rte_malloc or a scratch buffer */
	uint64_t cap;
	bool scratch; /* one of og_rcv's scratch buffers: never freed, only released */
	bool busy;    /* scratch buffer in use */
} __rte_cache_aligned;

static inline struct rcv_buf_hdr *
buf_hdr(void *data)
{
	return (struct rcv_buf_hdr *)data - 1;
}

int
rcv_buf_pool_create(struct og_rcv *r)
{
	char name[RTE_MEMPOOL_NAMESIZE];

	snprintf(name, sizeof(name), "%s_buf", r->conf.name);
	r->buf_pool = rte_mempool_create(name, r->conf.n_bufs,
					 sizeof(struct rcv_buf_hdr) + r->conf.buf_size, 0, 0, NULL,
					 NULL, NULL, NULL, r->conf.socket, 0);
	if (r->buf_pool == NULL)
		return -rte_errno;
	for (unsigned int i = 0; i < RTE_DIM(r->scratch); i++) {
		struct rcv_buf_hdr *h =
			rte_zmalloc_socket("og_rcv_scratch", sizeof(*h) + RCV_SMALL_BODY,
					   RTE_CACHE_LINE_SIZE, r->conf.socket);

		if (h == NULL)
			return -ENOMEM;
		h->scratch = true;
		h->cap = RCV_SMALL_BODY;
		r->scratch[i] = h + 1;
	}
	return 0;
}

void
rcv_buf_pool_free(struct og_rcv *r)
{
	rte_mempool_free(r->buf_pool);
	for (unsigned int i = 0; i < RTE_DIM(r->scratch); i++)
		if (r->scratch[i] != NULL)
			rte_free(buf_hdr(r->scratch[i]));
}

bool
rcv_buf_is_scratch(const void *data)
{
	return data != NULL && buf_hdr((void *)(uintptr_t)data)->scratch;
}

void *
rcv_buf_scratch(struct og_rcv *r)
{
	for (unsigned int i = 0; i < RTE_DIM(r->scratch); i++) {
		struct rcv_buf_hdr *h = buf_hdr(r->scratch[i]);

		if (!h->busy) {
			h->busy = true;
			return r->scratch[i];
		}
	}
	return NULL;
}

void *
rcv_buf_alloc(struct og_rcv *r, uint64_t len, uint64_t *charged)
{
	struct rcv_buf_hdr *h = NULL;

	if (len <= r->conf.buf_size && rte_mempool_get(r->buf_pool, (void **)&h) == 0) {
		h->mp = r->buf_pool;
		h->cap = r->conf.buf_size;
	} else {
		/* larger than a pool buffer (or the pool is empty): the heap, counted */
		h = rte_malloc_socket("og_rcv_buf", sizeof(*h) + len, RTE_CACHE_LINE_SIZE,
				      r->conf.socket);
		if (h == NULL)
			return NULL;
		h->mp = NULL;
		h->cap = len;
		rcv_count(r, OG_RCV_CTR_HEAP_BUFFERS, 1);
	}
	*charged = sizeof(*h) + h->cap;
	return h + 1;
}

void
rcv_buf_free(void *data)
{
	struct rcv_buf_hdr *h;

	if (data == NULL)
		return;
	h = buf_hdr(data);
	if (h->scratch)
		h->busy = false;
	else if (h->mp != NULL)
		rte_mempool_put(h->mp, h);
	else
		rte_free(h);
}

/* The last mbuf referencing the buffer was freed (any lcore). */
static void
buf_ext_free(void *addr, void *opaque)
{
	(void)addr;
	rcv_buf_free((struct rcv_buf_hdr *)opaque + 1);
}

struct rte_mbuf *
rcv_buf_chain(struct og_rcv *r, void *data, uint64_t len)
{
	struct rcv_buf_hdr *h = buf_hdr(data);
	uint32_t n = (uint32_t)((len + RCV_WINDOW - 1) / RCV_WINDOW);
	struct rte_mbuf *head = NULL, *prev = NULL;
	uint8_t *p = data;

	if (n == 0)
		n = 1;
	if (n > UINT16_MAX) {
		rte_errno = E2BIG;
		return NULL;
	}
	h->shinfo.free_cb = buf_ext_free;
	h->shinfo.fcb_opaque = h;
	rte_mbuf_ext_refcnt_set(&h->shinfo, (uint16_t)n);
	for (uint32_t i = 0; i < n; i++) {
		struct rte_mbuf *m = rte_pktmbuf_alloc(r->conf.ref_pool);
		uint32_t w =
			(uint32_t)RTE_MIN((uint64_t)RCV_WINDOW, len - (uint64_t)i * RCV_WINDOW);

		if (m == NULL) {
			/* drop the references not handed out; the chain's own free the rest */
			if (i == 0) {
				rcv_buf_free(data);
			} else {
				rte_mbuf_ext_refcnt_update(&h->shinfo,
							   (int16_t) - (int32_t)(n - i));
				rte_pktmbuf_free(head);
			}
			rte_errno = ENOBUFS;
			return NULL;
		}
		if (len == 0)
			w = 0;
		rte_pktmbuf_attach_extbuf(m, p, rte_mem_virt2iova(p), (uint16_t)RTE_MAX(w, 1u),
					  &h->shinfo);
		m->data_off = 0;
		m->data_len = (uint16_t)w;
		m->pkt_len = w;
		p += w;
		if (head == NULL) {
			head = m;
		} else {
			prev->next = m;
			head->nb_segs++;
			head->pkt_len += w;
		}
		prev = m;
	}
	return head;
}

uint64_t
rcv_pool_cost(const struct rte_mempool *mp)
{
	/* what one object really occupies: header, element, trailer (and padding) */
	return (uint64_t)mp->header_size + mp->elt_size + mp->trailer_size;
}

int
rcv_buf_copy(struct og_rcv *r, struct rte_mempool *mp, const void *data, uint64_t len,
	     uint64_t held, struct rte_mbuf **chain, uint64_t *charged)
{
	struct rte_mbuf *ms[RCV_SMALL_BODY / 512 + 1];
	uint32_t room, n;
	uint64_t cost;
	const uint8_t *p = data;

	if (mp == NULL || len == 0 || len > RCV_SMALL_BODY)
		return -EINVAL;
	room = rte_pktmbuf_data_room_size(mp);
	if (room < 512)
		return -EINVAL;
	n = (uint32_t)((len + room - 1) / room);
	cost = (uint64_t)n * rcv_pool_cost(mp);
	/*
	 * Settle the reservation before taking the mbufs (docs/design.md §3):
	 * usually it shrinks (a 1 MiB buffer for a few mbufs); from a scratch
	 * buffer, which holds no reservation, it grows.
	 */
	if (cost > held && !og_budget_reserve(r->conf.budget, cost - held))
		return -ENOBUFS;
	if (rte_pktmbuf_alloc_bulk(mp, ms, n) != 0) {
		if (cost > held)
			og_budget_release(r->conf.budget, cost - held);
		return -ENOBUFS;
	}
	if (cost < held)
		og_budget_release(r->conf.budget, held - cost);
	for (uint32_t i = 0; i < n; i++) {
		struct rte_mbuf *m = ms[i];
		uint32_t w = (uint32_t)RTE_MIN((uint64_t)room, len);

		/* the whole data room: nothing is ever prepended to a body segment */
		m->data_off = 0;
		rte_memcpy(rte_pktmbuf_mtod(m, void *), p, w);
		m->data_len = (uint16_t)w;
		m->pkt_len = w;
		p += w;
		len -= w;
		if (i > 0) {
			ms[i - 1]->next = m;
			ms[0]->nb_segs++;
			ms[0]->pkt_len += w;
		}
	}
	*chain = ms[0];
	*charged = cost;
	return 0;
}
