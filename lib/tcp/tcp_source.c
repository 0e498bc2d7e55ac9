/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Connections per remote IPv4 address (og_tcp_conf.max_conns_per_source):
 * an open-addressing table with linear probing, allocated at stack creation
 * and never grown. Only this stack's lcore touches it, so it needs no lock.
 *
 * Sizing makes "table full" impossible: every counted connection holds one
 * of max_conns slots, so at most max_conns addresses have a non-zero count,
 * and the table has at least twice as many entries (load factor <= 1/2,
 * short probe sequences). Should an insert find no entry anyway, it fails
 * open (the connection is accepted uncounted): max_conns still bounds the
 * stack, and refusing a client because of our own bookkeeping would turn a
 * bug into an outage.
 *
 * The hash is SipHash keyed with the stack's secret: spoofed SYNs choose
 * their source addresses, and an unkeyed hash would let them build one long
 * probe sequence. It runs once per passive open and once per close, never
 * per segment.
 */
#include <string.h>

#include "tcp_private.h"

static inline uint32_t
src_hash(const struct tcp_src_tab *t, uint32_t addr_be)
{
	return (uint32_t)tcp_siphash(t->key, &addr_be, sizeof(addr_be)) & t->mask;
}

int
tcp_src_init(struct tcp_src_tab *t, uint32_t max_conns, const uint8_t key[16])
{
	uint32_t n = 2;

	while (n < 2 * (uint64_t)max_conns)
		n <<= 1;
	t->e = tcp_table_alloc("tcp_src", sizeof(*t->e) * n, &t->mapped);
	if (t->e == NULL)
		return -ENOMEM;
	t->mask = n - 1;
	memcpy(t->key, key, 16);
	return 0;
}

void
tcp_src_free(struct tcp_src_tab *t)
{
	if (t->e != NULL)
		tcp_table_free(t->e, t->mapped);
	t->e = NULL;
}

uint32_t
tcp_src_count(const struct tcp_src_tab *t, uint32_t addr_be)
{
	for (uint32_t i = src_hash(t, addr_be), k = 0; k <= t->mask; i = (i + 1) & t->mask, k++) {
		const struct tcp_src_ent *e = &t->e[i];

		if (e->n == 0)
			return 0;
		if (e->addr_be == addr_be)
			return e->n;
	}
	return 0;
}

bool
tcp_src_inc(struct tcp_src_tab *t, uint32_t addr_be)
{
	for (uint32_t i = src_hash(t, addr_be), k = 0; k <= t->mask; i = (i + 1) & t->mask, k++) {
		struct tcp_src_ent *e = &t->e[i];

		if (e->n == 0) {
			e->addr_be = addr_be;
			e->n = 1;
			return true;
		}
		if (e->addr_be == addr_be) {
			e->n++;
			return true;
		}
	}
	return false; /* full: cannot happen at the size chosen; fail open */
}

void
tcp_src_dec(struct tcp_src_tab *t, uint32_t addr_be)
{
	uint32_t i = src_hash(t, addr_be), k = 0;

	while (t->e[i].n != 0 && t->e[i].addr_be != addr_be && k++ < t->mask)
		i = (i + 1) & t->mask;
	if (t->e[i].n == 0 || t->e[i].addr_be != addr_be)
		return;
	if (--t->e[i].n != 0)
		return;
	/*
	 * The entry is free again: shift later entries of the probe sequence
	 * back into the hole (Knuth 6.4 Algorithm R) so lookups can keep
	 * stopping at the first empty entry, without tombstones that would
	 * fill the table over time.
	 */
	for (uint32_t j = (i + 1) & t->mask; t->e[j].n != 0; j = (j + 1) & t->mask) {
		uint32_t h = src_hash(t, t->e[j].addr_be);

		/* e[j] may move to the hole i unless its home h lies cyclically in (i, j] */
		if (((j - h) & t->mask) >= ((j - i) & t->mask)) {
			t->e[i] = t->e[j];
			t->e[j].n = 0;
			i = j;
		}
	}
}
