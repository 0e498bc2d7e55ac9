/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP options (RFC 9293 3.2, RFC 7323 2-3, RFC 2018): parsing the option
 * bytes of a received header and building those of ours. Pure: touches no
 * mbuf and no EAL state.
 */
#include <string.h>

#include "tcp_private.h"

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
