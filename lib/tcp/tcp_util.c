/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The pure pieces of lib/tcp: TCP option parsing and building, the keyed
 * hash (SipHash-2-4), initial sequence numbers (RFC 6528), SYN cookies
 * (RFC 4987) and the timer wheel. None of them touches an mbuf or the EAL.
 */
#include <string.h>

#include "tcp_private.h"

/* --- options --- */
enum {
	OPT_EOL = 0,
	OPT_NOP = 1,
	OPT_MSS = 2,
	OPT_WS = 3,
	OPT_SACK_PERM = 4,
	OPT_SACK = 5,
	OPT_TS = 8,
};

static inline uint32_t
rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline void
wr32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

int
tcp_opts_parse(const uint8_t *p, uint32_t len, struct og_tcp_opts *o, bool syn)
{
	uint32_t i = 0;

	memset(o, 0, sizeof(*o));
	while (i < len) {
		uint8_t kind = p[i], olen;

		if (kind == OPT_EOL)
			break;
		if (kind == OPT_NOP) {
			i++;
			continue;
		}
		if (i + 1 >= len)
			return -1;
		olen = p[i + 1];
		if (olen < 2 || i + olen > len)
			return -1;
		switch (kind) {
		case OPT_MSS:
			/* RFC 9293 3.7.1: only in SYN segments */
			if (olen == 4 && syn) {
				o->has_mss = true;
				o->mss = (uint16_t)(p[i + 2] << 8 | p[i + 3]);
			}
			break;
		case OPT_WS:
			/* RFC 7323 2.3: only on SYN; shift above 14 is used as 14 */
			if (olen == 3 && syn) {
				o->has_ws = true;
				o->wscale = p[i + 2] > 14 ? 14 : p[i + 2];
			}
			break;
		case OPT_SACK_PERM:
			if (olen == 2 && syn)
				o->sack_ok = true;
			break;
		case OPT_TS:
			if (olen == 10) {
				o->has_ts = true;
				o->tsval = rd32(p + i + 2);
				o->tsecr = rd32(p + i + 6);
			}
			break;
		case OPT_SACK:
			if (olen >= 10 && (olen - 2) % 8 == 0) {
				for (uint32_t k = 0;
				     k < (uint32_t)(olen - 2) / 8 && o->nsack < TCP_MAX_SACK; k++) {
					o->sack[o->nsack][0] = rd32(p + i + 2 + 8 * k);
					o->sack[o->nsack][1] = rd32(p + i + 6 + 8 * k);
					o->nsack++;
				}
			}
			break;
		default:
			break;
		}
		i += olen;
	}
	return 0;
}

uint32_t
tcp_opts_build(uint8_t *p, const struct og_tcp_opts *o, bool syn)
{
	uint32_t n = 0;

	if (syn) {
		if (o->has_mss) {
			p[n++] = OPT_MSS;
			p[n++] = 4;
			p[n++] = o->mss >> 8;
			p[n++] = o->mss & 0xff;
		}
		if (o->sack_ok && o->has_ts) {
			p[n++] = OPT_SACK_PERM;
			p[n++] = 2;
		} else if (o->sack_ok) {
			p[n++] = OPT_NOP;
			p[n++] = OPT_NOP;
			p[n++] = OPT_SACK_PERM;
			p[n++] = 2;
		}
		if (o->has_ts) {
			if (!o->sack_ok) {
				p[n++] = OPT_NOP;
				p[n++] = OPT_NOP;
			}
			p[n++] = OPT_TS;
			p[n++] = 10;
			wr32(p + n, o->tsval);
			wr32(p + n + 4, o->tsecr);
			n += 8;
		}
		if (o->has_ws) {
			p[n++] = OPT_NOP;
			p[n++] = OPT_WS;
			p[n++] = 3;
			p[n++] = o->wscale;
		}
		return n;
	}
	if (o->has_ts) {
		p[n++] = OPT_NOP;
		p[n++] = OPT_NOP;
		p[n++] = OPT_TS;
		p[n++] = 10;
		wr32(p + n, o->tsval);
		wr32(p + n + 4, o->tsecr);
		n += 8;
	}
	if (o->nsack > 0) {
		/* 40 bytes of options: 4 blocks without timestamps, 3 with (RFC 2018 3) */
		uint32_t room = (40 - n - 4) / 8, k = OG_MIN((uint32_t)o->nsack, room);

		p[n++] = OPT_NOP;
		p[n++] = OPT_NOP;
		p[n++] = OPT_SACK;
		p[n++] = (uint8_t)(2 + 8 * k);
		for (uint32_t i = 0; i < k; i++) {
			wr32(p + n, o->sack[i][0]);
			wr32(p + n + 4, o->sack[i][1]);
			n += 8;
		}
	}
	return n;
}

/* --- SipHash-2-4 (Aumasson and Bernstein), written from the paper --- */
#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))
#define SIPROUND                   \
	do {                       \
		v0 += v1;          \
		v1 = ROTL(v1, 13); \
		v1 ^= v0;          \
		v0 = ROTL(v0, 32); \
		v2 += v3;          \
		v3 = ROTL(v3, 16); \
		v3 ^= v2;          \
		v0 += v3;          \
		v3 = ROTL(v3, 21); \
		v3 ^= v0;          \
		v2 += v1;          \
		v1 = ROTL(v1, 17); \
		v1 ^= v2;          \
		v2 = ROTL(v2, 32); \
	} while (0)

static inline uint64_t
rd64le(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

uint64_t
tcp_siphash(const uint8_t key[16], const void *data, size_t len)
{
	const uint8_t *in = data;
	uint64_t k0 = rd64le(key), k1 = rd64le(key + 8);
	uint64_t v0 = 0x736f6d6570736575ULL ^ k0, v1 = 0x646f72616e646f6dULL ^ k1;
	uint64_t v2 = 0x6c7967656e657261ULL ^ k0, v3 = 0x7465646279746573ULL ^ k1;
	uint64_t b = (uint64_t)len << 56, m;
	size_t i;

	for (i = 0; i + 8 <= len; i += 8) {
		m = rd64le(in + i);
		v3 ^= m;
		SIPROUND;
		SIPROUND;
		v0 ^= m;
	}
	for (size_t j = 0; i + j < len; j++)
		b |= (uint64_t)in[i + j] << (8 * j);
	v3 ^= b;
	SIPROUND;
	SIPROUND;
	v0 ^= b;
	v2 ^= 0xff;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	return v0 ^ v1 ^ v2 ^ v3;
}

uint32_t
tcp_tuple_hash(const uint8_t key[16], const struct og_tcp_tuple *t)
{
	uint8_t b[12];

	memcpy(b, &t->laddr_be, 4);
	memcpy(b + 4, &t->raddr_be, 4);
	memcpy(b + 8, &t->lport_be, 2);
	memcpy(b + 10, &t->rport_be, 2);
	return (uint32_t)tcp_siphash(key, b, sizeof(b));
}

uint32_t
tcp_isn(const uint8_t key[16], const struct og_tcp_tuple *t, uint64_t now_us)
{
	/* RFC 6528 3: ISN = M + F(localip, localport, remoteip, remoteport, secretkey),
	 * M a timer ticking every 4 microseconds. */
	return (uint32_t)(now_us >> 2) + tcp_tuple_hash(key, t);
}

/*
 * SYN cookie layout (RFC 4987 3.6 leaves it to the implementation):
 *   bits 31..27  period counter (64 s periods) modulo 32
 *   bits 26..0   (H(key, 4-tuple, IRS, period) + data) modulo 2^27,
 * with data = MSS index (3 bits) | window shift + 1 (4 bits, 0 = none) |
 * SACK-permitted (1 bit). Decoding recomputes H and requires data < 256: a
 * forged ACK passes with probability 2^-19 per try, and only within two
 * periods (64 to 128 s).
 */
#define COOKIE_PERIOD_SHIFT 26 /* 2^26 us = 67 s */
static const uint16_t cookie_mss[8] = { 216, 536, 1200, 1360, 1400, 1440, 1460, 8960 };

static uint32_t
cookie_hash(const uint8_t key[16], const struct og_tcp_tuple *t, uint32_t irs, uint32_t period)
{
	uint8_t b[20];

	memcpy(b, &t->laddr_be, 4);
	memcpy(b + 4, &t->raddr_be, 4);
	memcpy(b + 8, &t->lport_be, 2);
	memcpy(b + 10, &t->rport_be, 2);
	memcpy(b + 12, &irs, 4);
	memcpy(b + 16, &period, 4);
	return (uint32_t)tcp_siphash(key, b, sizeof(b)) & 0x7ffffff;
}

uint32_t
tcp_cookie_encode(const uint8_t key[16], const struct og_tcp_tuple *t, uint32_t irs,
		  uint64_t now_us, const struct tcp_cookie_data *d)
{
	uint32_t period = (uint32_t)(now_us >> COOKIE_PERIOD_SHIFT);
	uint32_t mi = 0, data;

	for (uint32_t i = 0; i < OG_ARRAY_SIZE(cookie_mss); i++)
		if (cookie_mss[i] <= d->mss)
			mi = i;
	data = mi << 5 | (uint32_t)(d->wscale < 0 ? 0 : d->wscale + 1) << 1 | (d->sack_ok ? 1 : 0);
	return (period & 0x1f) << 27 | ((cookie_hash(key, t, irs, period) + data) & 0x7ffffff);
}

int
tcp_cookie_decode(const uint8_t key[16], const struct og_tcp_tuple *t, uint32_t irs, uint32_t isn,
		  uint64_t now_us, struct tcp_cookie_data *d)
{
	uint32_t now_p = (uint32_t)(now_us >> COOKIE_PERIOD_SHIFT);
	uint32_t age = (now_p - (isn >> 27)) & 0x1f, period, data;

	if (age > 1)
		return -1;
	period = now_p - age;
	data = ((isn & 0x7ffffff) - cookie_hash(key, t, irs, period)) & 0x7ffffff;
	if (data >= 256)
		return -1;
	d->mss = cookie_mss[data >> 5];
	d->wscale = (int8_t)(((data >> 1) & 0xf) - 1);
	d->sack_ok = data & 1;
	if (d->wscale > 14)
		return -1;
	return 0;
}

/* --- timer wheel --- */
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
