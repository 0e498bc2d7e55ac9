/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The keyed hash of lib/tcp (SipHash-2-4), the 4-tuple hash built on it
 * (the connection table's, the ISN's), and initial sequence numbers
 * (RFC 6528). Pure: touches no mbuf and no EAL state.
 */
#include <string.h>

#include "tcp_private.h"

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
