/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Decode buffers: where gzip bodies are inflated and JSON bodies transcoded
 * (DESIGN.md §2: the one copy compressed input costs). A buffer comes from
 * the receiver's pool when it fits, from the DPDK heap otherwise (counted);
 * once filled it is referenced by a chain of mbufs with the buffer attached
 * as external memory, so records, batches and egress treat it like any
 * received body. An mbuf's buf_len is 16 bits, so each mbuf covers a window
 * of at most RCV_WINDOW bytes; they share one reference count and the last
 * one freed returns the buffer.
 */
#include <errno.h>
#include <stdio.h>

#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "rcv_private.h"

#define RCV_WINDOW 32768u

struct rcv_buf_hdr {
	struct rte_mbuf_ext_shared_info shinfo;
	struct rte_mempool *mp; /* NULL: from rte_malloc */
	uint64_t cap;
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
	return r->buf_pool == NULL ? -rte_errno : 0;
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
	if (h->mp != NULL)
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
