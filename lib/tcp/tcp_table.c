/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The connection table: a chained hash over the 4-tuple. The hash function is
 * keyed with a secret drawn at start so that a peer cannot choose ports that
 * collide into one chain (hash flooding); lookups cost O(1) on average
 * whatever the number of connections.
 */
#include <string.h>

#include <rte_malloc.h>

#include "tcp_private.h"

int
og_tcp_htab_init(struct og_tcp_htab *h, uint32_t nbuckets, const uint8_t key[16])
{
	uint32_t n = 1;

	while (n < nbuckets)
		n <<= 1;
	h->b = rte_zmalloc("og_tcp_htab", sizeof(*h->b) * n, RTE_CACHE_LINE_SIZE);
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
og_tcp_htab_lookup(const struct og_tcp_htab *h, const struct og_tcp_tuple *t)
{
	uint32_t hv = og_tcp_tuple_hash(h->key, t);
	struct og_tcp_conn *c;

	for (c = h->b[hv & h->mask]; c != NULL; c = c->hnext)
		if (c->hash == hv && tuple_eq(&c->t, t))
			return c;
	return NULL;
}

void
og_tcp_htab_insert(struct og_tcp_htab *h, struct og_tcp_conn *c)
{
	struct og_tcp_conn **b;

	c->hash = og_tcp_tuple_hash(h->key, &c->t);
	b = &h->b[c->hash & h->mask];
	c->hnext = *b;
	*b = c;
}

void
og_tcp_htab_remove(struct og_tcp_htab *h, struct og_tcp_conn *c)
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
