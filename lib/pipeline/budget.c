/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Byte-based admission (docs/design.md §3): memory is reserved before a request
 * is accepted. Shared by every receiving lcore, so lock-free: a CAS loop on
 * the used count and a flag for the water-mark hysteresis.
 */
#include "pipeline_private.h"

void
og_budget_init(struct og_budget *b, uint64_t limit, uint64_t high, uint64_t low)
{
	if (high > limit)
		high = limit;
	if (low > high)
		low = high;
	b->used = 0;
	b->accepting = 1;
	b->limit = limit;
	b->high = high;
	b->low = low;
	b->peak = 0;
	b->refusals = 0;
}

bool
og_budget_reserve(struct og_budget *b, uint64_t n)
{
	uint64_t cur, next;

	if (!__atomic_load_n(&b->accepting, __ATOMIC_ACQUIRE)) {
		/*
		 * A release that fell to the low mark may have run between a
		 * reservation crossing the high mark and its store of 0 below:
		 * re-check here so the budget cannot stay closed while empty.
		 */
		if (__atomic_load_n(&b->used, __ATOMIC_ACQUIRE) > b->low)
			goto refuse;
		__atomic_store_n(&b->accepting, 1, __ATOMIC_RELEASE);
	}
	cur = __atomic_load_n(&b->used, __ATOMIC_RELAXED);
	do {
		next = cur + n;
		if (next > b->limit || next < cur)
			goto refuse;
	} while (!__atomic_compare_exchange_n(&b->used, &cur, next, true, __ATOMIC_ACQ_REL,
					      __ATOMIC_RELAXED));
	/*
	 * Crossing the high mark stops acceptance; this reservation itself
	 * stands (it fitted the limit). Acceptance resumes at or below the low mark.
	 */
	if (next > b->high)
		__atomic_store_n(&b->accepting, 0, __ATOMIC_RELEASE);
	cur = __atomic_load_n(&b->peak, __ATOMIC_RELAXED);
	while (next > cur && !__atomic_compare_exchange_n(&b->peak, &cur, next, true,
							  __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		;
	return true;
refuse:
	__atomic_fetch_add(&b->refusals, 1, __ATOMIC_RELAXED);
	return false;
}

void
og_budget_release(struct og_budget *b, uint64_t n)
{
	uint64_t left = __atomic_sub_fetch(&b->used, n, __ATOMIC_ACQ_REL);

	OG_ASSERT(left + n >= n);
	if (left <= b->low && !__atomic_load_n(&b->accepting, __ATOMIC_RELAXED))
		__atomic_store_n(&b->accepting, 1, __ATOMIC_RELEASE);
}

uint64_t
og_budget_used(const struct og_budget *b)
{
	return __atomic_load_n(&b->used, __ATOMIC_RELAXED);
}

bool
og_budget_accepting(const struct og_budget *b)
{
	return __atomic_load_n(&b->accepting, __ATOMIC_RELAXED) != 0;
}

uint64_t
og_budget_max_grant(const struct og_budget *b)
{
	return b->high;
}
