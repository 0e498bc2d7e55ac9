/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: the input is a sequence of segments (and clock steps and
 * application calls) fed to a listening stack in the simulator. Each record:
 *   byte 0: op (low 3 bits) ; bytes 1..: op arguments
 * ops: 0 segment (flags, seq/ack deltas, window, length, option bytes),
 *      1 advance the clock, 2 app send, 3 app recv_done, 4 app close.
 * Bit 7 of the first byte (ignored by the op) turns SYN cookies off, so that
 * SYNs themselves ask for evictions (with cookies only a valid cookie's ACK
 * does, and the fuzzer seldom forges one).
 * The stack must neither crash nor leak, whatever arrives, and its count of
 * connections per source address must match its connections at the end.
 * The listener evicts (aborts the connection accepted last) under pressure.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <rte_mbuf.h>

#include "og_tcp_sim.h"

static struct og_tcp_conn *cur;

static void *
f_accepted(void *arg, struct og_tcp_conn *c)
{
	(void)arg;
	cur = c;
	return c;
}

static void
f_recv(void *ctx, struct og_tcp_conn *c, struct rte_mbuf *m)
{
	(void)ctx;
	(void)c;
	rte_pktmbuf_free(m);
}

static void
f_closed(void *ctx, struct og_tcp_conn *c, int reason)
{
	(void)ctx;
	(void)reason;
	if (c == cur)
		cur = NULL;
}

static bool
f_evict(void *arg)
{
	(void)arg;
	if (cur == NULL)
		return false;
	og_tcp_abort(cur);
	return true;
}

static const struct og_tcp_app fuzz_app = {
	.accepted = f_accepted,
	.recv = f_recv,
	.closed = f_closed,
	.evict = f_evict,
};

/* The per-source table counts exactly the live passive connections past the handshake. */
static void
check_source_counts(struct og_tcp_stack *st)
{
	uint64_t counted = 0, in_table = 0;

	for (uint32_t i = 0; i < st->conf.max_conns; i++)
		if (st->conns[i].st != NULL && !st->conns[i].dead && st->conns[i].src_counted)
			counted++;
	for (uint32_t i = 0; i <= st->src.mask; i++) {
		if (st->src.e[i].n > st->conf.max_conns_per_source)
			abort();
		in_table += st->src.e[i].n;
	}
	if (counted != in_table)
		abort();
}

static uint32_t
rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int eal;
	struct og_tcp_conf conf;
	struct og_tcp_sim *sim;
	uint32_t seq = 1000, ack_base = 0;
	size_t i = 0;

	if (!eal) {
		if (og_tcp_sim_eal_init(128) != 0)
			return 0;
		eal = 1;
	}
	og_tcp_conf_init(&conf);
	conf.max_conns = 8;
	conf.syncookie_threshold = size > 0 && (data[0] & 0x80) ? UINT32_MAX : 2;
	conf.ooo_max = 4;
	conf.rcv_buf = 8192;
	/* two peer addresses of two ports each: TIME-WAIT leftovers reach the cap */
	conf.max_conns_per_source = 2;
	conf.evict_threshold = 2;
	sim = og_tcp_sim_create(&conf, 1024);
	if (sim == NULL)
		return 0;
	cur = NULL;
	og_tcp_listen(og_tcp_sim_stack(sim), rte_cpu_to_be_32(0xc0000202u), rte_cpu_to_be_16(80),
		      &fuzz_app, NULL);
	while (i < size) {
		uint8_t op = data[i++] & 7;

		if (op == 0 && i + 12 <= size) {
			struct og_tcp_sim_seg g;
			struct og_tcp_sim_seg r;
			uint8_t olen = data[i + 11] % 41;

			memset(&g, 0, sizeof(g));
			g.sport = (uint16_t)(40000 + (data[i] >> 6));
			g.saddr = 0xc0000201u + (g.sport & 2u); /* 40002, 40003: 192.0.2.3 */
			g.daddr = 0xc0000202u;
			g.dport = 80;
			g.flags = data[i] & 0x3f;
			g.seq = seq + (int16_t)(data[i + 1] << 8 | data[i + 2]);
			g.ack = ack_base + (int16_t)(data[i + 3] << 8 | data[i + 4]);
			g.win = (uint16_t)(data[i + 5] << 8 | data[i + 6]);
			g.len = rd32(data + i + 7) % 3000;
			i += 12;
			if (i + olen <= size) {
				tcp_opts_parse(data + i, olen, &g.opts, g.flags & TCP_TH_SYN);
				i += olen;
			}
			og_tcp_sim_inject(sim, &g);
			/* follow the stack's sequence numbers so that segments land in windows */
			while (og_tcp_sim_pop(sim, &r) == 0)
				if (r.flags & TCP_TH_SYN)
					ack_base = r.seq + 1;
			if (g.flags & TCP_TH_SYN)
				seq = g.seq + 1;
		} else if (op == 1 && i < size) {
			og_tcp_sim_advance(sim, og_tcp_sim_now(sim) + (uint64_t)data[i++] * 10000);
			og_tcp_sim_discard(sim);
		} else if (op == 2 && cur != NULL && i < size) {
			struct rte_mbuf *m = rte_pktmbuf_alloc(og_tcp_sim_data_pool(sim));

			if (m != NULL) {
				rte_pktmbuf_append(m, (uint16_t)(data[i] * 8));
				if (og_tcp_send(cur, m) != 0)
					rte_pktmbuf_free(m);
			}
			i++;
			og_tcp_sim_discard(sim);
		} else if (op == 3 && cur != NULL && i < size) {
			og_tcp_recv_done(cur, data[i++] * 64u);
			og_tcp_sim_discard(sim);
		} else if (op == 4 && cur != NULL) {
			og_tcp_close(cur);
			og_tcp_sim_discard(sim);
		} else {
			break;
		}
	}
	check_source_counts(og_tcp_sim_stack(sim));
	og_tcp_sim_free(sim);
	return 0;
}
