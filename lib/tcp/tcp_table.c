/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The connection table: a chained hash over the 4-tuple. The hash function is
 * keyed with a secret drawn at start so that a peer cannot choose ports that
 * collide into one chain (hash flooding); lookups cost O(1) on average
 * whatever the number of connections.
 */
#include <string.h>
#include <sys/mman.h>

#include <rte_eal.h>
#include <rte_malloc.h>

#include "tcp_private.h"

#define TABLE_PAGE (2u << 20)

void *
tcp_table_alloc(const char *name, size_t size, size_t *mapped)
{
	size_t len = RTE_ALIGN_CEIL(size, TABLE_PAGE);
	uint8_t *p, *a;

	*mapped = 0;
	if (rte_eal_has_hugepages() || size < TABLE_PAGE)
		return rte_zmalloc(name, size, RTE_CACHE_LINE_SIZE);
	/*
	 * Without hugepages (--no-huge) a table of 100,000 connections spans
	 * 9,000 4 KiB pages, more than the TLB holds: every segment's lookup
	 * and connection then costs page walks besides cache misses. A 2 MiB
	 * aligned mapping with MADV_HUGEPAGE lets the kernel back it with
	 * transparent huge pages (THP "madvise" or "always"); touching it here
	 * faults the pages in at start, not on the dataplane.
	 */
	p = mmap(NULL, len + TABLE_PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1,
		 0);
	if (p == MAP_FAILED)
		return rte_zmalloc(name, size, RTE_CACHE_LINE_SIZE);
	a = RTE_PTR_ALIGN_CEIL(p, TABLE_PAGE);
	if (a > p)
		munmap(p, (size_t)(a - p));
	if (a + len < p + len + TABLE_PAGE)
		munmap(a + len, (size_t)(p + len + TABLE_PAGE - (a + len)));
	(void)madvise(a, len, MADV_HUGEPAGE); /* advice: works without it, slower */
	memset(a, 0, len);
	*mapped = len;
	return a;
}

void
tcp_table_free(void *p, size_t mapped)
{
	if (mapped != 0)
		munmap(p, mapped);
	else
		rte_free(p);
}

int
tcp_htab_init(struct tcp_htab *h, uint32_t nbuckets, const uint8_t key[16])
{
	uint32_t n = 1;

	while (n < nbuckets)
		n <<= 1;
	h->b = tcp_table_alloc("tcp_htab", sizeof(*h->b) * n, &h->b_mapped);
	if (h->b == NULL)
		return -ENOMEM;
	h->mask = n - 1;
	memcpy(h->key, key, 16);
	return 0;
}

static inline bool
tuple_eq(const struct og_tcp_tuple *a, const struct og_tcp_tuple *b)
{
	return a->laddr_be == b->laddr_be && a->raddr_be == b->raddr_be &&
	       a->lport_be == b->lport_be && a->rport_be == b->rport_be;
}

struct og_tcp_conn *
tcp_htab_lookup(const struct tcp_htab *h, const struct og_tcp_tuple *t)
{
	return tcp_htab_lookup_hv(h, t, tcp_tuple_hash(h->key, t));
}

struct og_tcp_conn *
tcp_htab_lookup_hv(const struct tcp_htab *h, const struct og_tcp_tuple *t, uint32_t hv)
{
	struct og_tcp_conn *c;

	for (c = h->b[hv & h->mask]; c != NULL; c = c->hnext)
		if (c->hash == hv && tuple_eq(&c->t, t))
			return c;
	return NULL;
}

void
tcp_htab_insert(struct tcp_htab *h, struct og_tcp_conn *c)
{
	struct og_tcp_conn **b;

	c->hash = tcp_tuple_hash(h->key, &c->t);
	b = &h->b[c->hash & h->mask];
	c->hnext = *b;
	*b = c;
}

void
tcp_htab_remove(struct tcp_htab *h, struct og_tcp_conn *c)
{
	struct og_tcp_conn **p = &h->b[c->hash & h->mask];

	while (*p != NULL) {
		if (*p == c) {
			*p = c->hnext;
			c->hnext = NULL;
			return;
		}
		p = &(*p)->hnext;
	}
}
