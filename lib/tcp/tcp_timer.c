/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The hashed timer wheel (one per stack): O(1) arming and cancelling, a
 * tick costs the timers of one slot. Pure: touches no mbuf and no EAL state.
 */
#include "tcp_private.h"

void
tcp_wheel_init(struct tcp_wheel *w, struct tcp_timer_list *slots, uint32_t nslots, uint32_t tick_us,
	       uint64_t now_us)
{
	w->slots = slots;
	w->mask = nslots - 1;
	w->tick_us = tick_us;
	w->cur_tick = now_us / tick_us;
	w->count = 0;
	for (uint32_t i = 0; i < nslots; i++)
		LIST_INIT(&slots[i]);
}

void
tcp_wheel_cancel(struct tcp_wheel *w, struct tcp_timer *t)
{
	if (!t->armed)
		return;
	LIST_REMOVE(t, link);
	t->armed = false;
	w->count--;
}

void
tcp_wheel_arm(struct tcp_wheel *w, struct tcp_timer *t, uint64_t expire_us)
{
	/* round up: a timer never fires before its deadline */
	uint64_t tick = (expire_us + w->tick_us - 1) / w->tick_us;

	tcp_wheel_cancel(w, t);
	if (tick <= w->cur_tick)
		tick = w->cur_tick + 1;
	t->expire_tick = tick;
	t->armed = true;
	LIST_INSERT_HEAD(&w->slots[tick & w->mask], t, link);
	w->count++;
}

uint32_t
tcp_wheel_run(struct tcp_wheel *w, uint64_t now_us, void (*fn)(void *arg, struct tcp_timer *t),
	      void *arg)
{
	uint64_t now_tick = now_us / w->tick_us, tick;
	uint32_t fired = 0, steps = 0;

	if (og_likely(now_tick <= w->cur_tick))
		return 0;
	/*
	 * Visit each slot between the last tick processed and now once. A
	 * timer in a visited slot that belongs to a later turn of the wheel
	 * stays; after a jump longer than one turn every slot is visited once,
	 * which still finds every due timer.
	 */
	for (tick = w->cur_tick + 1; tick <= now_tick && steps <= w->mask; tick++, steps++) {
		struct tcp_timer_list *slot = &w->slots[tick & w->mask];
		struct tcp_timer_list due;
		struct tcp_timer *t, *tn;

		if (LIST_EMPTY(slot) || w->count == 0)
			continue;
		LIST_INIT(&due);
		for (t = LIST_FIRST(slot); t != NULL; t = tn) {
			tn = LIST_NEXT(t, link);
			if (t->expire_tick <= now_tick) {
				LIST_REMOVE(t, link);
				LIST_INSERT_HEAD(&due, t, link);
			}
		}
		w->cur_tick = tick; /* timers re-armed by fn land after this tick */
		while ((t = LIST_FIRST(&due)) != NULL) {
			LIST_REMOVE(t, link);
			t->armed = false;
			w->count--;
			fired++;
			fn(arg, t);
		}
	}
	w->cur_tick = now_tick;
	return fired;
}
