/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The simulator behind og_tcp_sim.h: a capture ring as the stack's tx
 * callback, a virtual clock, and a packet builder for the peer side.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_tcp.h>

#include "og_tcp_sim.h"

#define SIM_RING 8192

struct og_tcp_sim {
	struct og_tcp_stack *st;
	struct rte_mempool *data_pool, *hdr_pool;
	uint64_t now_us;
	uint32_t head, tail; /* capture ring */
	uint16_t tx_limit;
	struct rte_mbuf *ring[SIM_RING];
	uint64_t ring_t[SIM_RING];
};

static int eal_done;

/*
 * EAL makes /var/run/dpdk/<prefix> (empty with --no-shconf) and leaves it:
 * a test removes what it creates, so the directory goes at exit.
 */
static void
sim_eal_exit(void)
{
	rte_eal_cleanup();
	rmdir(rte_eal_get_runtime_dir());
}

int
og_tcp_sim_eal_init(unsigned int mem_mb)
{
	char prefix[64], mem[16];
	char *argv[] = {
		"og_tcp_sim",	     "--no-huge",      "--no-pci", "--no-shconf", "-m", mem,
		"--log-level=error", "--no-telemetry", prefix,	   "-l",	  "0",	NULL
	};

	if (eal_done)
		return 0;
	snprintf(mem, sizeof(mem), "%u", mem_mb);
	snprintf(prefix, sizeof(prefix), "--file-prefix=ogtcpsim%d", (int)getpid());
	if (rte_eal_init((int)OG_ARRAY_SIZE(argv) - 1, argv) < 0)
		return -rte_errno;
	eal_done = 1;
	atexit(sim_eal_exit);
	return 0;
}

static uint16_t
sim_tx(void *arg, struct rte_mbuf **pkts, uint16_t n)
{
	struct og_tcp_sim *sim = arg;
	uint16_t i;

	for (i = 0; i < n && i < sim->tx_limit; i++) {
		if (sim->tail - sim->head == SIM_RING)
			break;
		sim->ring[sim->tail % SIM_RING] = pkts[i];
		sim->ring_t[sim->tail % SIM_RING] = sim->now_us;
		sim->tail++;
	}
	return i;
}

struct og_tcp_sim *
og_tcp_sim_create(const struct og_tcp_conf *conf, uint32_t nb_mbufs)
{
	static unsigned int seq;
	struct og_tcp_sim *sim = calloc(1, sizeof(*sim));
	struct og_tcp_conf c;
	char name[32];

	if (sim == NULL)
		return NULL;
	if (conf != NULL)
		c = *conf;
	else
		og_tcp_conf_init(&c);
	snprintf(name, sizeof(name), "ogsim_d%u", seq);
	/* no per-lcore cache: tests empty the pools exactly */
	sim->data_pool = rte_pktmbuf_pool_create(name, nb_mbufs, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
						 SOCKET_ID_ANY);
	snprintf(name, sizeof(name), "ogsim_h%u", seq++);
	sim->hdr_pool = rte_pktmbuf_pool_create(name, nb_mbufs, 0, 0, RTE_PKTMBUF_HEADROOM + 128,
						SOCKET_ID_ANY);
	if (sim->data_pool == NULL || sim->hdr_pool == NULL)
		goto fail;
	c.hdr_pool = sim->hdr_pool;
	c.clone_pool = sim->hdr_pool;
	c.tx = sim_tx;
	c.tx_arg = sim;
	for (int i = 0; i < 16; i++)
		c.secret[i] = (uint8_t)(0x5a ^ (i * 37));
	sim->tx_limit = UINT16_MAX;
	sim->st = og_tcp_stack_create(&c);
	if (sim->st == NULL)
		goto fail;
	return sim;
fail:
	rte_mempool_free(sim->data_pool);
	rte_mempool_free(sim->hdr_pool);
	free(sim);
	return NULL;
}

void
og_tcp_sim_free(struct og_tcp_sim *sim)
{
	if (sim == NULL)
		return;
	og_tcp_stack_free(sim->st);
	og_tcp_sim_discard(sim);
	rte_mempool_free(sim->data_pool);
	rte_mempool_free(sim->hdr_pool);
	free(sim);
}

struct og_tcp_stack *
og_tcp_sim_stack(struct og_tcp_sim *sim)
{
	return sim->st;
}

struct rte_mempool *
og_tcp_sim_data_pool(struct og_tcp_sim *sim)
{
	return sim->data_pool;
}

struct rte_mempool *
og_tcp_sim_hdr_pool(struct og_tcp_sim *sim)
{
	return sim->hdr_pool;
}

uint64_t
og_tcp_sim_now(const struct og_tcp_sim *sim)
{
	return sim->now_us;
}

void
og_tcp_sim_tx_limit(struct og_tcp_sim *sim, uint16_t n)
{
	sim->tx_limit = n;
}

struct rte_mbuf *
og_tcp_sim_build(struct og_tcp_sim *sim, const struct og_tcp_sim_seg *s)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(sim->data_pool);
	struct rte_ipv4_hdr *ip;
	struct rte_tcp_hdr *th;
	uint8_t opt[40];
	uint32_t olen, hl;
	uint8_t *p;

	if (m == NULL)
		return NULL;
	olen = tcp_opts_build(opt, &s->opts, s->flags & TCP_TH_SYN);
	hl = sizeof(*th) + olen;
	if (20 + hl + s->len > rte_pktmbuf_tailroom(m)) {
		rte_pktmbuf_free(m);
		return NULL;
	}
	ip = (struct rte_ipv4_hdr *)rte_pktmbuf_append(m, (uint16_t)(20 + hl + s->len));
	if (ip == NULL) {
		rte_pktmbuf_free(m);
		return NULL;
	}
	memset(ip, 0, 20);
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->total_length = rte_cpu_to_be_16((uint16_t)(20 + hl + s->len));
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_TCP;
	ip->src_addr = rte_cpu_to_be_32(s->saddr);
	ip->dst_addr = rte_cpu_to_be_32(s->daddr);
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	th = (struct rte_tcp_hdr *)(ip + 1);
	th->src_port = rte_cpu_to_be_16(s->sport);
	th->dst_port = rte_cpu_to_be_16(s->dport);
	th->sent_seq = rte_cpu_to_be_32(s->seq);
	th->recv_ack = rte_cpu_to_be_32(s->ack);
	th->data_off = (uint8_t)((hl / 4) << 4);
	th->tcp_flags = s->flags;
	th->rx_win = rte_cpu_to_be_16(s->win);
	th->cksum = 0;
	th->tcp_urp = 0;
	memcpy(th + 1, opt, olen);
	p = (uint8_t *)th + hl;
	/* payload: the byte at sequence number x is (uint8_t)x, so reassembly is checkable */
	for (uint32_t i = 0; i < s->len; i++)
		p[i] = (uint8_t)(s->seq + ((s->flags & TCP_TH_SYN) ? 1 : 0) + i);
	th->cksum = (uint16_t)~tcp_cksum_sum(m, ip, 20);
	if (s->bad_csum)
		th->cksum ^= 0x1234;
	return m;
}

int
og_tcp_sim_inject(struct og_tcp_sim *sim, const struct og_tcp_sim_seg *s)
{
	struct rte_mbuf *m = og_tcp_sim_build(sim, s);

	if (m == NULL)
		return -ENOBUFS;
	og_tcp_input_burst(sim->st, &m, 1, sim->now_us);
	return 0;
}

void
og_tcp_sim_advance(struct og_tcp_sim *sim, uint64_t t_us)
{
	/* every millisecond tick, so that timers fire at their own time */
	while (sim->now_us < t_us) {
		uint64_t next = (sim->now_us / 1000 + 1) * 1000;

		sim->now_us = next < t_us ? next : t_us;
		og_tcp_timers_run(sim->st, sim->now_us);
	}
}

uint32_t
og_tcp_sim_pending(const struct og_tcp_sim *sim)
{
	return sim->tail - sim->head;
}

int
og_tcp_sim_pop(struct og_tcp_sim *sim, struct og_tcp_sim_seg *out)
{
	struct rte_mbuf *m;
	struct rte_ipv4_hdr *ip;
	struct rte_tcp_hdr *th;
	uint32_t hl, tot;

	if (sim->head == sim->tail)
		return -1;
	m = sim->ring[sim->head % SIM_RING];
	memset(out, 0, sizeof(*out));
	out->t_us = sim->ring_t[sim->head % SIM_RING];
	sim->head++;
	ip = rte_pktmbuf_mtod(m, struct rte_ipv4_hdr *);
	th = (struct rte_tcp_hdr *)(ip + 1);
	hl = (th->data_off >> 4) * 4u;
	tot = rte_be_to_cpu_16(ip->total_length);
	out->saddr = rte_be_to_cpu_32(ip->src_addr);
	out->daddr = rte_be_to_cpu_32(ip->dst_addr);
	out->sport = rte_be_to_cpu_16(th->src_port);
	out->dport = rte_be_to_cpu_16(th->dst_port);
	out->seq = rte_be_to_cpu_32(th->sent_seq);
	out->ack = rte_be_to_cpu_32(th->recv_ack);
	out->flags = th->tcp_flags;
	out->win = rte_be_to_cpu_16(th->rx_win);
	out->len = tot - 20 - hl;
	tcp_opts_parse((const uint8_t *)(th + 1), hl - 20, &out->opts, th->tcp_flags & TCP_TH_SYN);
	out->bad_csum =
		tot != m->pkt_len || rte_ipv4_cksum(ip) != 0 || tcp_cksum_sum(m, ip, 20) != 0xffff;
	if (m->ol_flags & RTE_MBUF_F_TX_TCP_CKSUM)
		out->bad_csum = false; /* offloaded: only the pseudo-header sum is there */
	{
		uint32_t n = OG_MIN(out->len, (uint32_t)sizeof(out->payload));
		const void *p = rte_pktmbuf_read(m, 20 + hl, n, out->payload);

		/* rte_pktmbuf_read copies only when the bytes are not contiguous */
		if (p != NULL && p != out->payload)
			memcpy(out->payload, p, n);
	}
	rte_pktmbuf_free(m);
	return 0;
}

void
og_tcp_sim_discard(struct og_tcp_sim *sim)
{
	struct og_tcp_sim_seg s;

	while (og_tcp_sim_pop(sim, &s) == 0)
		;
}
