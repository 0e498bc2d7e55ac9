/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the pure pieces of lib/tcp: sequence arithmetic, options,
 * SipHash, ISNs, SYN cookies, the timer wheel, the connection table and
 * the congestion-control interface (NewReno).
 * Protocol behaviour is tested by the scripts under tests/tcp.
 */
#include <string.h>

#include <rte_malloc.h>

#include "og_test.h"
#include "og_tcp_sim.h"
#include "tcp_cc.h"

static const uint8_t key[16] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15 };

static void
test_seq(void)
{
	CU_ASSERT_TRUE(tcp_seq_lt(1, 2));
	CU_ASSERT_TRUE(tcp_seq_lt(0xfffffff0u, 5)); /* across the wrap */
	CU_ASSERT_FALSE(tcp_seq_lt(5, 0xfffffff0u));
	CU_ASSERT_TRUE(tcp_seq_leq(7, 7));
	CU_ASSERT_TRUE(tcp_seq_gt(0x10, 0xffffff00u));
	CU_ASSERT_TRUE(tcp_seq_geq(3, 3));
	CU_ASSERT_TRUE(tcp_seq_in(0xfffffffeu, 0xfffffff0u, 10));
	CU_ASSERT_TRUE(tcp_seq_in(2, 0xfffffff0u, 10));
	CU_ASSERT_FALSE(tcp_seq_in(10, 0xfffffff0u, 10));
	CU_ASSERT_FALSE(tcp_seq_in(5, 5, 5)); /* empty window */
	CU_ASSERT_EQUAL(tcp_seq_max(0xffffffffu, 1), 1);
	CU_ASSERT_EQUAL(tcp_seq_min(0xffffffffu, 1), 0xffffffffu);
}

static void
test_opts_roundtrip(void)
{
	struct og_tcp_opts o = { 0 }, p;
	uint8_t b[40];
	uint32_t n;

	o.has_mss = true;
	o.mss = 1460;
	o.sack_ok = true;
	o.has_ts = true;
	o.tsval = 0x01020304;
	o.tsecr = 0xa0b0c0d0;
	o.has_ws = true;
	o.wscale = 7;
	n = tcp_opts_build(b, &o, true);
	CU_ASSERT_EQUAL(n, 20);
	CU_ASSERT_EQUAL(n % 4, 0);
	CU_ASSERT_EQUAL(b[0], 2); /* MSS first, as Linux orders them */
	CU_ASSERT_EQUAL(tcp_opts_parse(b, n, &p, true), 0);
	CU_ASSERT_TRUE(p.has_mss && p.mss == 1460);
	CU_ASSERT_TRUE(p.sack_ok);
	CU_ASSERT_TRUE(p.has_ts && p.tsval == 0x01020304 && p.tsecr == 0xa0b0c0d0);
	CU_ASSERT_TRUE(p.has_ws && p.wscale == 7);
	/* SYN-only options are ignored on other segments (RFC 9293 3.7.1, RFC 7323 2.2) */
	CU_ASSERT_EQUAL(tcp_opts_parse(b, n, &p, false), 0);
	CU_ASSERT_FALSE(p.has_mss);
	CU_ASSERT_FALSE(p.has_ws);
	CU_ASSERT_TRUE(p.has_ts);

	/* SACK blocks: 3 fit beside timestamps (RFC 2018 3) */
	memset(&o, 0, sizeof(o));
	o.has_ts = true;
	o.nsack = 4;
	for (int i = 0; i < 4; i++) {
		o.sack[i][0] = 1000u * (i + 1);
		o.sack[i][1] = 1000u * (i + 1) + 500;
	}
	n = tcp_opts_build(b, &o, false);
	CU_ASSERT_TRUE(n <= 40 && n % 4 == 0);
	CU_ASSERT_EQUAL(tcp_opts_parse(b, n, &p, false), 0);
	CU_ASSERT_EQUAL(p.nsack, 3);
	CU_ASSERT_EQUAL(p.sack[2][0], 3000);
	CU_ASSERT_EQUAL(p.sack[2][1], 3500);
	o.has_ts = false;
	n = tcp_opts_build(b, &o, false);
	CU_ASSERT_EQUAL(tcp_opts_parse(b, n, &p, false), 0);
	CU_ASSERT_EQUAL(p.nsack, 4);
}

static void
test_opts_malformed(void)
{
	struct og_tcp_opts p;
	const uint8_t zero_len[] = { 2, 0, 5, 0xb4 };
	const uint8_t overrun[] = { 1, 8, 10, 0, 0, 0 };
	const uint8_t big_ws[] = { 3, 3, 20, 0 };
	const uint8_t unknown[] = { 30, 4, 9, 9, 2, 4, 2, 0 };
	const uint8_t eol[] = { 0, 2, 4, 5, 0xb4 };

	CU_ASSERT_EQUAL(tcp_opts_parse(zero_len, sizeof(zero_len), &p, true), -1);
	CU_ASSERT_EQUAL(tcp_opts_parse(overrun, sizeof(overrun), &p, true), -1);
	CU_ASSERT_EQUAL(tcp_opts_parse(big_ws, sizeof(big_ws), &p, true), 0);
	CU_ASSERT_EQUAL(p.wscale, 14); /* RFC 7323 2.3 */
	CU_ASSERT_EQUAL(tcp_opts_parse(unknown, sizeof(unknown), &p, true), 0);
	CU_ASSERT_TRUE(p.has_mss && p.mss == 512);
	CU_ASSERT_EQUAL(tcp_opts_parse(eol, sizeof(eol), &p, true), 0);
	CU_ASSERT_FALSE(p.has_mss); /* nothing after End of Option List */
}

static void
test_siphash(void)
{
	uint8_t msg[64];

	for (int i = 0; i < 64; i++)
		msg[i] = (uint8_t)i;
	/* test vectors of the SipHash paper (appendix A) and reference code */
	CU_ASSERT_EQUAL(tcp_siphash(key, msg, 15), 0xa129ca6149be45e5ULL);
	CU_ASSERT_EQUAL(tcp_siphash(key, msg, 0), 0x726fdb47dd0e0e31ULL);
	CU_ASSERT_EQUAL(tcp_siphash(key, msg, 8), 0x93f5f5799a932462ULL);
}

static void
test_isn(void)
{
	struct og_tcp_tuple a = { 0x0100000a, 0x0200000a, 0x5000, 0x1234 }, b = a;
	uint32_t i0 = tcp_isn(key, &a, 0), i1 = tcp_isn(key, &a, 4000);

	/* RFC 6528: the clock part advances 1 per 4 microseconds */
	CU_ASSERT_EQUAL(i1 - i0, 1000);
	b.rport_be = 0x1235;
	CU_ASSERT_NOT_EQUAL(tcp_isn(key, &b, 0), i0);
}

static void
test_cookie(void)
{
	struct og_tcp_tuple t = { 0x0100000a, 0x0200000a, 0x5000, 0x1234 }, u = t;
	struct tcp_cookie_data d = { 1400, 5, true }, e;
	uint64_t now = 1000000000ULL;
	uint32_t irs = 0xdeadbeef, isn = tcp_cookie_encode(key, &t, irs, now, &d);
	int forged = 0;

	CU_ASSERT_EQUAL(tcp_cookie_decode(key, &t, irs, isn, now, &e), 0);
	CU_ASSERT_EQUAL(e.mss, 1400);
	CU_ASSERT_EQUAL(e.wscale, 5);
	CU_ASSERT_TRUE(e.sack_ok);
	/* still valid in the next 64 s period, not two periods later */
	CU_ASSERT_EQUAL(tcp_cookie_decode(key, &t, irs, isn, now + (1ULL << 26), &e), 0);
	CU_ASSERT_EQUAL(tcp_cookie_decode(key, &t, irs, isn, now + (2ULL << 26), &e), -1);
	/* another tuple, another IRS */
	u.rport_be = 0x1235;
	CU_ASSERT_EQUAL(tcp_cookie_decode(key, &u, irs, isn, now, &e), -1);
	CU_ASSERT_EQUAL(tcp_cookie_decode(key, &t, irs + 1, isn, now, &e), -1);
	/* no window scale; an MSS between table entries rounds down */
	d.wscale = -1;
	d.mss = 1459;
	d.sack_ok = false;
	isn = tcp_cookie_encode(key, &t, irs, now, &d);
	CU_ASSERT_EQUAL(tcp_cookie_decode(key, &t, irs, isn, now, &e), 0);
	CU_ASSERT_EQUAL(e.wscale, -1);
	CU_ASSERT_EQUAL(e.mss, 1440);
	CU_ASSERT_FALSE(e.sack_ok);
	/* guessing: about 2^-19 of random values pass */
	for (uint32_t i = 0; i < 100000; i++)
		if (tcp_cookie_decode(key, &t, irs, isn ^ (i * 2654435761u), now, &e) == 0)
			forged++;
	CU_ASSERT(forged <= 3);
}

static uint32_t fired_order[16];
static uint32_t nfired;

static void
wheel_cb(void *arg, struct tcp_timer *t)
{
	struct tcp_timer *base = arg;

	fired_order[nfired++] = (uint32_t)(t - base);
}

static void
test_wheel(void)
{
	struct tcp_timer_list slots[64];
	struct tcp_timer tm[4];
	struct tcp_wheel w;

	memset(tm, 0, sizeof(tm));
	tcp_wheel_init(&w, slots, 64, 1000, 0);
	tcp_wheel_arm(&w, &tm[0], 5000);
	tcp_wheel_arm(&w, &tm[1], 2500);   /* rounds up to tick 3 */
	tcp_wheel_arm(&w, &tm[2], 200000); /* beyond one turn of 64 ms */
	tcp_wheel_arm(&w, &tm[3], 7000);
	tcp_wheel_cancel(&w, &tm[3]);
	CU_ASSERT_EQUAL(w.count, 3);
	nfired = 0;
	CU_ASSERT_EQUAL(tcp_wheel_run(&w, 2999, wheel_cb, tm), 0); /* never early */
	CU_ASSERT_EQUAL(tcp_wheel_run(&w, 3000, wheel_cb, tm), 1);
	CU_ASSERT_EQUAL(fired_order[0], 1);
	CU_ASSERT_EQUAL(tcp_wheel_run(&w, 10000, wheel_cb, tm), 1);
	CU_ASSERT_EQUAL(fired_order[1], 0);
	/* the far timer stays through the turns of the wheel until it is due */
	CU_ASSERT_EQUAL(tcp_wheel_run(&w, 199000, wheel_cb, tm), 0);
	CU_ASSERT_TRUE(tm[2].armed);
	CU_ASSERT_EQUAL(tcp_wheel_run(&w, 200000, wheel_cb, tm), 1);
	CU_ASSERT_FALSE(tm[2].armed);
	CU_ASSERT_EQUAL(w.count, 0);
	/* a long jump still finds due timers */
	tcp_wheel_arm(&w, &tm[0], 250000);
	CU_ASSERT_EQUAL(tcp_wheel_run(&w, 5000000, wheel_cb, tm), 1);
	CU_ASSERT_EQUAL(fired_order[3], 0);
	/* a deadline in the past fires at the next tick */
	tcp_wheel_arm(&w, &tm[1], 10);
	CU_ASSERT_EQUAL(tcp_wheel_run(&w, 5001000, wheel_cb, tm), 1);
}

static void
test_htab(void)
{
	struct tcp_htab h;
	struct og_tcp_conn *c = rte_zmalloc(NULL, sizeof(*c) * 1000, 0);
	uint32_t found = 0, chain_max = 0;

	CU_ASSERT_FATAL(c != NULL);
	CU_ASSERT_EQUAL_FATAL(tcp_htab_init(&h, 1000, key), 0);
	CU_ASSERT_EQUAL(h.mask, 1023);
	for (uint32_t i = 0; i < 1000; i++) {
		c[i].t.laddr_be = 0x0100000a;
		c[i].t.raddr_be = 0x0200000a;
		c[i].t.lport_be = 0x5000;
		c[i].t.rport_be = (uint16_t)i; /* sequential ports: a flooding attempt */
		tcp_htab_insert(&h, &c[i]);
	}
	for (uint32_t i = 0; i < 1000; i++)
		if (tcp_htab_lookup(&h, &c[i].t) == &c[i])
			found++;
	CU_ASSERT_EQUAL(found, 1000);
	for (uint32_t b = 0; b <= h.mask; b++) {
		uint32_t n = 0;

		for (struct og_tcp_conn *x = h.b[b]; x != NULL; x = x->hnext)
			n++;
		chain_max = OG_MAX(chain_max, n);
	}
	CU_ASSERT(chain_max <= 8); /* keyed hash spreads sequential ports */
	tcp_htab_remove(&h, &c[500]);
	CU_ASSERT_PTR_NULL(tcp_htab_lookup(&h, &c[500].t));
	CU_ASSERT_PTR_EQUAL(tcp_htab_lookup(&h, &c[501].t), &c[501]);
	rte_free(h.b);
	rte_free(c);
}

static void
test_names(void)
{
	CU_ASSERT_STRING_EQUAL(og_tcp_state_name(OG_TCP_ESTABLISHED), "established");
	CU_ASSERT_PTR_NULL(og_tcp_state_name(OG_TCP_STATE_MAX));
	CU_ASSERT_STRING_EQUAL(og_tcp_drop_name(OG_TCP_DROP_BAD_CSUM), "bad_checksum");
	for (int i = 0; i < OG_TCP_CNT_MAX; i++)
		CU_ASSERT(strncmp(og_tcp_cnt_name(i), "otlpgate_tcp_", 13) == 0);
}

/*
 * NewReno's answer to each congestion-control event, through the stack's
 * wrappers and through its ops (RFC 5681 3.1-3.2, RFC 6582 3.2, RFC 6928).
 */
static void
test_cc_newreno(void)
{
	struct og_tcp_conn c;
	const struct tcp_cc_ops *ops = tcp_cc_algos[TCP_CC_NEWRENO];

	memset(&c, 0, sizeof(c));
	CU_ASSERT_EQUAL(c.cc_algo, TCP_CC_NEWRENO); /* a zeroed connection runs NewReno */
	CU_ASSERT_PTR_EQUAL(ops, &tcp_newreno_ops);
	CU_ASSERT_STRING_EQUAL(ops->name, "newreno");
	c.mss = 1000;
	/* RFC 6928 2: IW = min(10 * 1000, max(2 * 1000, 14600)); ssthresh arbitrarily high */
	tcp_cc_init(&c);
	CU_ASSERT_EQUAL(c.cwnd, 10000);
	CU_ASSERT_TRUE(c.ssthresh >= UINT32_MAX / 2);
	c.mss = 1460;
	ops->init(&c);
	CU_ASSERT_EQUAL(c.cwnd, 14600);
	c.mss = 536;
	tcp_cc_init(&c);
	CU_ASSERT_EQUAL(c.cwnd, 5360);
	c.mss = 1000;
	tcp_cc_init(&c);

	/* RFC 5681 3.1 slow start: cwnd += min(N, SMSS) per ACK */
	tcp_cc_ack(&c, 1000);
	CU_ASSERT_EQUAL(c.cwnd, 11000);
	tcp_cc_ack(&c, 3000); /* a stretch ACK still adds one SMSS */
	CU_ASSERT_EQUAL(c.cwnd, 12000);
	tcp_cc_ack(&c, 400);
	CU_ASSERT_EQUAL(c.cwnd, 12400);

	/* RFC 5681 3.1 congestion avoidance (cwnd >= ssthresh): eq. 3, SMSS * SMSS / cwnd */
	c.ssthresh = 5000;
	c.cwnd = 10000;
	tcp_cc_ack(&c, 1000);
	CU_ASSERT_EQUAL(c.cwnd, 10100);
	c.cwnd = 2000000; /* the increment is at least one byte */
	ops->ack(&c, 1000);
	CU_ASSERT_EQUAL(c.cwnd, 2000001);

	/* three duplicate ACKs, 20 segments in flight: RFC 5681 3.2 steps 2-3 */
	c.snd_una = 0xfffff000u; /* flight across the wrap */
	c.snd_max = c.snd_una + 20000;
	c.cwnd = 20000;
	tcp_cc_recovery_enter(&c);
	CU_ASSERT_EQUAL(c.ssthresh, 10000); /* eq. 4: max(FlightSize / 2, 2 * SMSS) */
	CU_ASSERT_EQUAL(c.cwnd, 13000);	    /* ssthresh + 3 * SMSS */
	/* step 4: each further duplicate inflates by one SMSS */
	tcp_cc_recovery_dupack(&c);
	CU_ASSERT_EQUAL(c.cwnd, 14000);
	/* RFC 6582 3.2 step 4: a partial ACK of 5 segments deflates by them, adds one SMSS */
	tcp_cc_partial_ack(&c, 5000);
	CU_ASSERT_EQUAL(c.cwnd, 10000);
	tcp_cc_partial_ack(&c, 500); /* less than one SMSS: nothing added back */
	CU_ASSERT_EQUAL(c.cwnd, 9500);
	tcp_cc_partial_ack(&c, 20000); /* never below one SMSS */
	CU_ASSERT_EQUAL(c.cwnd, 2000);
	/* RFC 6582 3.2 step 3: full ACK, 5 segments still in flight */
	c.cwnd = 14000;
	c.snd_una = c.snd_max - 5000;
	tcp_cc_recovery_exit(&c);
	CU_ASSERT_EQUAL(c.cwnd, 6000); /* min(ssthresh, max(FlightSize, SMSS) + SMSS) */
	c.snd_una = c.snd_max;
	tcp_cc_recovery_exit(&c);
	CU_ASSERT_EQUAL(c.cwnd, 2000); /* nothing in flight: SMSS + SMSS */
	/* a small flight: ssthresh is at least 2 * SMSS */
	c.snd_una = c.snd_max - 1000;
	ops->recovery_enter(&c);
	CU_ASSERT_EQUAL(c.ssthresh, 2000);
	CU_ASSERT_EQUAL(c.cwnd, 5000);

	/* RTO: ssthresh from the flight (eq. 4), cwnd the loss window of one SMSS */
	c.snd_una = c.snd_max - 30000;
	c.cwnd = 40000;
	tcp_cc_rto(&c);
	CU_ASSERT_EQUAL(c.ssthresh, 15000);
	CU_ASSERT_EQUAL(c.cwnd, 1000);
	c.snd_una = c.snd_max - 1500;
	ops->rto(&c);
	CU_ASSERT_EQUAL(c.ssthresh, 2000);
	CU_ASSERT_EQUAL(c.cwnd, 1000);
	/* after the RTO the connection slow-starts again up to ssthresh */
	tcp_cc_ack(&c, 1000);
	CU_ASSERT_EQUAL(c.cwnd, 2000);
	tcp_cc_ack(&c, 1000);
	CU_ASSERT_EQUAL(c.cwnd, 2500); /* cwnd == ssthresh: congestion avoidance */
}

/*
 * The per-source table against a plain array: counts survive deletions in
 * the middle of probe sequences (backward shift), and a small table is as
 * full as it can get (max_conns addresses, one connection each).
 */
static void
test_source_table(void)
{
	enum { MAX = 64 };
	struct tcp_src_tab t = { 0 };
	uint32_t n[MAX] = { 0 };
	uint32_t x = 12345;

	CU_ASSERT_EQUAL_FATAL(tcp_src_init(&t, MAX, key), 0);
	CU_ASSERT_EQUAL(t.mask + 1, 2 * MAX);
	for (uint32_t i = 0; i < MAX; i++) {
		CU_ASSERT_TRUE(tcp_src_inc(&t, rte_cpu_to_be_32(0x0a000000u + i)));
		n[i]++;
	}
	for (int round = 0; round < 20000; round++) {
		uint32_t i;

		x = x * 1103515245u + 12345u;
		i = (x >> 16) % MAX;
		if ((x >> 8) & 1) {
			CU_ASSERT_TRUE(tcp_src_inc(&t, rte_cpu_to_be_32(0x0a000000u + i)));
			n[i]++;
		} else if (n[i] > 0) {
			tcp_src_dec(&t, rte_cpu_to_be_32(0x0a000000u + i));
			n[i]--;
		}
		if (round % 97 != 0)
			continue;
		for (uint32_t k = 0; k < MAX; k++)
			CU_ASSERT_EQUAL(tcp_src_count(&t, rte_cpu_to_be_32(0x0a000000u + k)), n[k]);
	}
	for (uint32_t k = 0; k < MAX; k++)
		CU_ASSERT_EQUAL(tcp_src_count(&t, rte_cpu_to_be_32(0x0a000000u + k)), n[k]);
	/* an address never seen, and a decrement of one: no effect */
	CU_ASSERT_EQUAL(tcp_src_count(&t, rte_cpu_to_be_32(0xc0a80001u)), 0);
	tcp_src_dec(&t, rte_cpu_to_be_32(0xc0a80001u));
	for (uint32_t k = 0; k < MAX; k++)
		while (n[k] > 0) {
			tcp_src_dec(&t, rte_cpu_to_be_32(0x0a000000u + k));
			n[k]--;
		}
	for (uint32_t i = 0; i <= t.mask; i++)
		CU_ASSERT_EQUAL(t.e[i].n, 0);
	tcp_src_free(&t);
}

/* og_tcp_conf_init() and the stack's defaults for the pressure settings. */
static void
test_pressure_defaults(void)
{
	struct og_tcp_conf c;
	struct og_tcp_sim *sim;
	struct og_tcp_stack *st;

	og_tcp_conf_init(&c);
	CU_ASSERT_EQUAL(c.evict_threshold, 0);
	CU_ASSERT_EQUAL(c.max_conns_per_source, 0);
	c.max_conns = 1600;
	sim = og_tcp_sim_create(&c, 1024);
	CU_ASSERT_PTR_NOT_NULL_FATAL(sim);
	st = og_tcp_sim_stack(sim);
	CU_ASSERT_EQUAL(st->conf.evict_threshold, 1500);
	CU_ASSERT_PTR_NULL(st->src.e); /* no limit: no table */
	og_tcp_sim_free(sim);
	c.evict_threshold = 5000; /* above max_conns: clamped */
	c.max_conns_per_source = 10;
	sim = og_tcp_sim_create(&c, 1024);
	CU_ASSERT_PTR_NOT_NULL_FATAL(sim);
	st = og_tcp_sim_stack(sim);
	CU_ASSERT_EQUAL(st->conf.evict_threshold, 1600);
	CU_ASSERT_PTR_NOT_NULL(st->src.e);
	og_tcp_sim_free(sim);
}

static int
suite_init(void)
{
	return og_tcp_sim_eal_init(64) == 0 ? 0 : -1;
}

static CU_TestInfo tcp_tests[] = {
	{ "sequence-number arithmetic", test_seq },
	{ "options build and parse", test_opts_roundtrip },
	{ "malformed options", test_opts_malformed },
	{ "SipHash-2-4 test vectors", test_siphash },
	{ "RFC 6528 ISN", test_isn },
	{ "SYN cookie encode/decode", test_cookie },
	{ "timer wheel", test_wheel },
	{ "keyed connection hash", test_htab },
	{ "counter and state names", test_names },
	{ "congestion control: NewReno", test_cc_newreno },
	{ "connections per source address", test_source_table },
	{ "pressure settings' defaults", test_pressure_defaults },
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{ "tcp", suite_init, NULL, NULL, NULL, tcp_tests },
	CU_SUITE_INFO_NULL,
};

int
main(void)
{
	return og_test_main(suites);
}
