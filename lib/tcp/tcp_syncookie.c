/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SYN cookies (RFC 4987 3.6): the ISN of a stateless SYN-ACK that carries
 * what the SYN negotiated, and its check when the ACK comes back. Pure:
 * touches no mbuf and no EAL state.
 */
#include <string.h>

#include "tcp_private.h"

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
