/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The stack: creation, connection lifecycle, timers (one wheel entry per
 * connection at its earliest deadline), the application calls and the
 * counters' names.
 */
#include <errno.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_mbuf_dyn.h>

#include "tcp_cc.h"
#include "tcp_private.h"

#define WHEEL_SLOTS   4096 /* 4 s of 1 ms ticks per turn */
#define WHEEL_TICK_US 1000

/* congestion-control algorithms by enum tcp_cc_algo (tcp_cc.h) */
const struct tcp_cc_ops *const tcp_cc_algos[TCP_CC_NUM] = {
	[TCP_CC_NEWRENO] = &tcp_newreno_ops,
};

static const char *const state_names[] = {
#define OG_TCP_STATE(e, name) name,
#include "tcp_state.def"
#undef OG_TCP_STATE
};
static const char *const cnt_names[] = {
#define OG_TCP_CNT(e, name, type, help) name,
#include "tcp_counters.def"
#undef OG_TCP_CNT
};
static const char *const drop_names[] = {
#define OG_TCP_DROP(e, name, help) name,
#include "tcp_drop.def"
#undef OG_TCP_DROP
};

OG_NAME_LOOKUP(og_tcp_state_name, enum og_tcp_state, state_names, NULL)
OG_NAME_LOOKUP(og_tcp_cnt_name, enum og_tcp_cnt, cnt_names, NULL)
OG_NAME_LOOKUP(og_tcp_drop_name, enum og_tcp_drop, drop_names, NULL)

void
og_tcp_conf_init(struct og_tcp_conf *conf)
{
	memset(conf, 0, sizeof(*conf));
	conf->max_conns = 65536;
	conf->max_listeners = 16;
	conf->rcv_buf = 256 * 1024;
	conf->snd_buf = 256 * 1024;
	conf->mss = 1460;
	conf->wscale = 7;
	conf->ttl = 64;
	conf->ooo_max = 64;
	conf->time_wait_us = 1000000;
	conf->idle_timeout_us = 120ULL * 1000000;
	conf->rto_min_us = 200000;
	conf->rto_max_us = 60ULL * 1000000;
	conf->rto_init_us = 1000000;
	conf->delack_us = 40000;
	conf->max_retries = 8;
	conf->output_burst = 64;
	conf->port_lo = 32768;
	conf->port_hi = 60999;
}

static void
conf_fill(struct og_tcp_conf *c)
{
	struct og_tcp_conf d;

	og_tcp_conf_init(&d);
#define DEF(f)                      \
	do {                        \
		if (c->f == 0)      \
			c->f = d.f; \
	} while (0)
	DEF(max_conns);
	DEF(max_listeners);
	DEF(rcv_buf);
	DEF(snd_buf);
	DEF(mss);
	DEF(wscale);
	DEF(ttl);
	DEF(ooo_max);
	DEF(time_wait_us);
	DEF(idle_timeout_us);
	DEF(rto_min_us);
	DEF(rto_max_us);
	DEF(rto_init_us);
	DEF(delack_us);
	DEF(max_retries);
	DEF(output_burst);
	DEF(port_lo);
	DEF(port_hi);
#undef DEF
	if (c->syncookie_threshold == 0)
		c->syncookie_threshold = OG_MAX(c->max_conns / 4, 1u);
	if (c->max_time_wait == 0)
		c->max_time_wait = OG_MAX(c->max_conns / 4, 1u);
	/* evict with a sixteenth of the table still free: room for the opens in flight */
	if (c->evict_threshold == 0)
		c->evict_threshold = OG_MAX(c->max_conns - c->max_conns / 16, 1u);
	if (c->evict_threshold > c->max_conns)
		c->evict_threshold = c->max_conns;
	if (c->clone_pool == NULL)
		c->clone_pool = c->hdr_pool;
	if (c->wscale > 14)
		c->wscale = 14;
}

struct og_tcp_stack *
og_tcp_stack_create(const struct og_tcp_conf *conf)
{
	static const struct rte_mbuf_dynfield ooo_desc = {
		.name = "tcp_ooo",
		.size = sizeof(struct tcp_ooo_meta),
		.align = __alignof__(struct tcp_ooo_meta),
	};
	struct og_tcp_stack *st;
	struct tcp_timer_list *slots;
	uint8_t k[16], *keys[4];

	if (conf == NULL || conf->hdr_pool == NULL || conf->tx == NULL ||
	    (conf->max_conns != 0 && conf->max_conns > (1u << 26)))
		return NULL;
	st = rte_zmalloc("og_tcp_stack", sizeof(*st), RTE_CACHE_LINE_SIZE);
	if (st == NULL)
		return NULL;
	st->conf = *conf;
	conf_fill(&st->conf);
	if (st->conf.port_hi < st->conf.port_lo)
		goto fail;
	st->ooo_dynfield = rte_mbuf_dynfield_register(&ooo_desc);
	if (st->ooo_dynfield < 0)
		goto fail;
	/* independent keys for the table, the ISNs, the cookies and the source counts */
	keys[0] = k;
	keys[1] = st->isn_key;
	keys[2] = st->cookie_key;
	keys[3] = st->src.key;
	for (int i = 0; i < (int)OG_ARRAY_SIZE(keys); i++) {
		uint64_t a = tcp_siphash(st->conf.secret, &i, sizeof(i));
		uint64_t b = tcp_siphash(st->conf.secret, &a, sizeof(a));

		memcpy(keys[i], &a, 8);
		memcpy(keys[i] + 8, &b, 8);
	}
	if (tcp_htab_init(&st->ht, st->conf.max_conns, k) != 0)
		goto fail;
	if (st->conf.max_conns_per_source != 0 &&
	    tcp_src_init(&st->src, st->conf.max_conns, st->src.key) != 0)
		goto fail;
	st->conns = tcp_table_alloc("og_tcp_conns", sizeof(*st->conns) * st->conf.max_conns,
				    &st->conns_mapped);
	slots = rte_zmalloc("tcp_wheel", sizeof(*slots) * WHEEL_SLOTS, RTE_CACHE_LINE_SIZE);
	st->listeners =
		rte_zmalloc("og_tcp_listeners", sizeof(*st->listeners) * st->conf.max_listeners, 0);
	if (st->conns == NULL || slots == NULL || st->listeners == NULL) {
		rte_free(slots);
		goto fail;
	}
	tcp_wheel_init(&st->wheel, slots, WHEEL_SLOTS, WHEEL_TICK_US, 0);
	for (uint32_t i = st->conf.max_conns; i-- > 0;) {
		st->conns[i].hnext = st->free_list;
		st->free_list = &st->conns[i];
	}
	TAILQ_INIT(&st->tw_list);
	TAILQ_INIT(&st->out_list);
	st->port_next = (uint16_t)tcp_siphash(st->isn_key, "port", 4);
	return st;
fail:
	tcp_src_free(&st->src);
	tcp_table_free(st->ht.b, st->ht.b_mapped);
	tcp_table_free(st->conns, st->conns_mapped);
	rte_free(st->listeners);
	rte_free(st);
	return NULL;
}

static void reap(struct og_tcp_stack *st);

void
og_tcp_stack_free(struct og_tcp_stack *st)
{
	if (st == NULL)
		return;
	tcp_stack_enter(st);
	for (uint32_t i = 0; i < st->conf.max_conns; i++) {
		struct og_tcp_conn *c = &st->conns[i];

		if (c->st == NULL || c->dead)
			continue;
		if (c->state != OG_TCP_TIME_WAIT && c->state != OG_TCP_SYN_SENT)
			tcp_send_ctl(c, TCP_TH_RST | TCP_TH_ACK);
		tcp_conn_finish(c, -ECONNABORTED);
	}
	tcp_stack_leave(st);
	/* every connection ended through tcp_conn_finish(): no address counts any more */
	for (uint32_t i = 0; st->src.e != NULL && i <= st->src.mask; i++)
		OG_ASSERT(st->src.e[i].n == 0);
	tcp_src_free(&st->src);
	rte_free(st->wheel.slots);
	tcp_table_free(st->ht.b, st->ht.b_mapped);
	tcp_table_free(st->conns, st->conns_mapped);
	rte_free(st->listeners);
	rte_free(st);
}

void
tcp_stack_enter(struct og_tcp_stack *st)
{
	st->depth++;
}

void
tcp_stack_leave(struct og_tcp_stack *st)
{
	if (--st->depth == 0) {
		tcp_tx_flush(st);
		reap(st);
	}
}

void
tcp_stack_reap(struct og_tcp_stack *st)
{
	reap(st);
}

/* --- connections --- */

struct og_tcp_conn *
tcp_conn_alloc(struct og_tcp_stack *st, const struct og_tcp_tuple *t)
{
	struct og_tcp_conn *c = st->free_list;

	if (c == NULL || st->nconns >= st->conf.max_conns)
		return NULL;
	st->free_list = c->hnext;
	memset(c, 0, sizeof(*c));
	c->st = st;
	c->t = *t;
	c->state = OG_TCP_CLOSED;
	st->stats.conns[OG_TCP_CLOSED]++;
	st->nconns++;
	tcp_htab_insert(&st->ht, c);
	return c;
}

void
tcp_set_state(struct og_tcp_conn *c, enum og_tcp_state s)
{
	struct og_tcp_stats *stats = &c->st->stats;

	if (c->state == OG_TCP_SYN_RECEIVED)
		stats->half_open--;
	if (s == OG_TCP_SYN_RECEIVED)
		stats->half_open++;
	stats->conns[c->state]--;
	stats->conns[s]++;
	c->state = (uint8_t)s;
}

void
tcp_conn_finish(struct og_tcp_conn *c, int reason)
{
	struct og_tcp_stack *st = c->st;

	if (c->dead)
		return;
	c->dead = 1;
	tcp_htab_remove(&st->ht, c);
	tcp_wheel_cancel(&st->wheel, &c->tm);
	/*
	 * Every way a connection ends comes through here (close, abort, RST,
	 * timeout, TIME-WAIT expiry or reuse, stack free): its address counts
	 * one connection less from now on, not from the reap at depth 0, so a
	 * new SYN in the same burst (a TIME-WAIT reuse) sees the right count.
	 */
	if (c->src_counted) {
		tcp_src_dec(&st->src, c->t.raddr_be);
		c->src_counted = 0;
	}
	if (c->on_tw) {
		TAILQ_REMOVE(&st->tw_list, c, tw_link);
		c->on_tw = 0;
		st->ntw--;
	}
	if (c->out_pending) {
		TAILQ_REMOVE(&st->out_list, c, out_link);
		c->out_pending = 0;
	}
	tcp_free_chain_list(c->sq_head);
	st->stats.snd_mem -= c->sq_bytes;
	c->sq_head = c->sq_tail = c->sq_cur = NULL;
	c->sq_bytes = 0;
	tcp_ooo_purge(c);
	if (c->syn_data != NULL) {
		st->stats.rcv_mem -= c->syn_data->pkt_len;
		rte_pktmbuf_free(c->syn_data);
		c->syn_data = NULL;
	}
	/* bytes the application still holds are its own from now on */
	st->stats.rcv_mem -= c->rcv_held;
	c->rcv_held = 0;
	if (reason == -ETIMEDOUT)
		tcp_count(st, OG_TCP_CNT_TIMEOUTS);
	tcp_set_state(c, OG_TCP_CLOSED);
	c->hnext = st->reap_list;
	st->reap_list = c;
	if (c->accepted) {
		c->accepted = 0;
		if (c->app->closed != NULL)
			c->app->closed(c->ctx, c, reason);
	}
}

static void
reap(struct og_tcp_stack *st)
{
	while (st->reap_list != NULL) {
		struct og_tcp_conn *c = st->reap_list;

		st->reap_list = c->hnext;
		st->stats.conns[OG_TCP_CLOSED]--;
		st->nconns--;
		c->st = NULL;
		c->hnext = st->free_list;
		st->free_list = c;
	}
}

void
tcp_enter_time_wait(struct og_tcp_conn *c)
{
	struct og_tcp_stack *st = c->st;

	tcp_count(st, OG_TCP_CNT_CLOSED_ORDERLY);
	/* the TIME-WAIT bound: the oldest TIME-WAIT connection makes room (docs/tcp.md) */
	if (st->ntw >= st->conf.max_time_wait) {
		struct og_tcp_conn *old = TAILQ_FIRST(&st->tw_list);

		if (old != NULL) {
			tcp_count(st, OG_TCP_CNT_TW_RECYCLED);
			tcp_conn_finish(old, 0);
		} else {
			tcp_drop(st, OG_TCP_DROP_TW_LIMIT);
			tcp_conn_finish(c, 0);
			return;
		}
	}
	tcp_set_state(c, OG_TCP_TIME_WAIT);
	tcp_free_chain_list(c->sq_head);
	st->stats.snd_mem -= c->sq_bytes;
	c->sq_head = c->sq_tail = c->sq_cur = NULL;
	c->sq_bytes = 0;
	tcp_ooo_purge(c);
	c->rexmt_at = c->delack_at = c->idle_at = 0;
	c->persist = 0;
	c->tw_at = st->now_us + st->conf.time_wait_us;
	TAILQ_INSERT_TAIL(&st->tw_list, c, tw_link);
	c->on_tw = 1;
	st->ntw++;
	tcp_timer_update(c);
	/* the application is done with the connection; TIME-WAIT is the stack's business */
	if (c->accepted) {
		st->stats.rcv_mem -= c->rcv_held;
		c->rcv_held = 0;
		c->accepted = 0;
		if (c->app->closed != NULL)
			c->app->closed(c->ctx, c, 0);
	}
}

uint32_t
tcp_rcv_window(const struct og_tcp_conn *c)
{
	uint32_t space = c->rcv_buf > c->rcv_held ? c->rcv_buf - c->rcv_held : 0;
	uint32_t edge = c->rcv_nxt + space;

	/* never move the right edge back (RFC 9293 3.8.6.2.2, RFC 7323 2.4) */
	if (tcp_seq_lt(edge, c->rcv_adv))
		edge = c->rcv_adv;
	return edge - c->rcv_nxt;
}

void
tcp_rtt_sample(struct og_tcp_conn *c, uint32_t r)
{
	const struct og_tcp_conf *cf = &c->st->conf;
	uint64_t rto;

	if (r != 0) {
		if (c->srtt_us == 0) {
			/* RFC 6298 2.2 */
			c->srtt_us = r;
			c->rttvar_us = r / 2;
		} else {
			/* RFC 6298 2.3, alpha 1/8, beta 1/4 */
			uint32_t d = c->srtt_us > r ? c->srtt_us - r : r - c->srtt_us;

			c->rttvar_us = (3 * c->rttvar_us + d) / 4;
			c->srtt_us = (7 * c->srtt_us + r) / 8;
		}
	}
	if (c->srtt_us == 0) {
		c->rto_us = (uint32_t)cf->rto_init_us;
		return;
	}
	/* RTO = SRTT + max(G, 4 * RTTVAR), clamped to [rto_min, rto_max] (2.4, 2.5) */
	rto = c->srtt_us + OG_MAX((uint64_t)WHEEL_TICK_US, 4ULL * c->rttvar_us);
	rto = OG_MAX(rto, cf->rto_min_us);
	rto = OG_MIN(rto, cf->rto_max_us);
	c->rto_us = (uint32_t)rto;
}

void
tcp_rto_arm(struct og_tcp_conn *c)
{
	c->rexmt_at = c->st->now_us + c->rto_us;
	tcp_timer_update(c);
}

void
tcp_timer_update(struct og_tcp_conn *c)
{
	uint64_t d[4] = { c->rexmt_at, c->delack_at, c->idle_at, c->tw_at }, m = UINT64_MAX;
	struct tcp_wheel *w = &c->st->wheel;

	for (int i = 0; i < 4; i++)
		if (d[i] != 0 && d[i] < m)
			m = d[i];
	if (m == UINT64_MAX) {
		tcp_wheel_cancel(w, &c->tm);
		return;
	}
	if (c->tm.armed && c->tm.expire_tick == (m + w->tick_us - 1) / w->tick_us)
		return;
	tcp_wheel_arm(w, &c->tm, m);
}

static void
rexmt_fire(struct og_tcp_conn *c)
{
	struct og_tcp_stack *st = c->st;
	uint32_t max_retries = st->conf.max_retries;

	c->rexmt_at = 0;
	if (c->persist) {
		/* RFC 9293 3.8.6.1: probe, backing off like the RTO; never time out */
		tcp_send_probe(c);
		c->rto_us = (uint32_t)OG_MIN((uint64_t)c->rto_us * 2, st->conf.rto_max_us);
		c->rexmt_at = st->now_us + c->rto_us;
		return;
	}
	if (c->state == OG_TCP_SYN_RECEIVED && c->passive)
		max_retries = OG_MIN(max_retries, 5u);
	if (++c->retries > max_retries) {
		if (c->state == OG_TCP_SYN_SENT) {
			c->app->connected(c->ctx, c, -ETIMEDOUT);
		} else if (c->state != OG_TCP_SYN_RECEIVED || !c->passive) {
			tcp_send_ctl(c, TCP_TH_RST | TCP_TH_ACK);
		}
		tcp_conn_finish(c, -ETIMEDOUT);
		return;
	}
	tcp_count(st, OG_TCP_CNT_RTO_FIRED);
	/* RFC 6298 5.5: back off */
	c->rto_us = (uint32_t)OG_MIN((uint64_t)c->rto_us * 2, st->conf.rto_max_us);
	c->rtt_timing = false; /* Karn */
	switch (c->state) {
	case OG_TCP_SYN_SENT:
		tcp_send_ctl(c, TCP_TH_SYN);
		tcp_count(st, OG_TCP_CNT_RETRANS_SEGS);
		tcp_rto_arm(c);
		return;
	case OG_TCP_SYN_RECEIVED:
		tcp_send_ctl(c, TCP_TH_SYN | TCP_TH_ACK);
		tcp_count(st, OG_TCP_CNT_RETRANS_SEGS);
		tcp_rto_arm(c);
		return;
	default:
		break;
	}
	/* RFC 5681 3.1 eq. 4 and the loss window; RFC 6582 4: leave recovery */
	tcp_cc_rto(c);
	c->in_recovery = 0;
	c->recover = c->snd_max;
	c->dupacks = 0;
	tcp_sq_rewind(c);
	tcp_count(st, OG_TCP_CNT_RETRANS_SEGS);
	tcp_output(c);
	if (c->rexmt_at == 0)
		tcp_rto_arm(c);
}

static void
timer_fire(void *arg, struct tcp_timer *t)
{
	struct og_tcp_stack *st = arg;
	struct og_tcp_conn *c =
		(struct og_tcp_conn *)((char *)t - offsetof(struct og_tcp_conn, tm));
	uint64_t now = st->now_us;

	if (c->dead)
		return;
	if (c->tw_at != 0 && c->tw_at <= now) {
		tcp_conn_finish(c, 0);
		return;
	}
	if (c->idle_at != 0 && c->idle_at <= now) {
		uint64_t idle = st->conf.idle_timeout_us;

		if (now - c->last_rx_us >= idle) {
			tcp_count(st, OG_TCP_CNT_IDLE_TIMEOUTS);
			tcp_send_ctl(c, TCP_TH_RST | TCP_TH_ACK);
			tcp_conn_finish(c, -ETIMEDOUT);
			return;
		}
		/* lazily re-armed: packets only update last_rx_us */
		c->idle_at = c->last_rx_us + idle;
	}
	if (c->delack_at != 0 && c->delack_at <= now) {
		c->delack_at = 0;
		tcp_count(st, OG_TCP_CNT_DELAYED_ACKS);
		tcp_send_ack(c);
	}
	if (c->rexmt_at != 0 && c->rexmt_at <= now) {
		rexmt_fire(c);
		if (c->dead)
			return;
	}
	tcp_timer_update(c);
}

/* --- entry points --- */

/*
 * Connections whose output stopped at conf.output_burst: each sends its
 * next burst, in the order they stopped. Only those on the list now: one
 * that stops again waits for the next call.
 */
static void
output_run(struct og_tcp_stack *st)
{
	struct og_tcp_conn *last = TAILQ_LAST(&st->out_list, tcp_conn_list), *c;

	tcp_stack_enter(st);
	do {
		c = TAILQ_FIRST(&st->out_list);
		TAILQ_REMOVE(&st->out_list, c, out_link);
		c->out_pending = 0;
		tcp_output(c);
	} while (c != last && !TAILQ_EMPTY(&st->out_list));
	tcp_stack_leave(st);
}

void
og_tcp_timers_run(struct og_tcp_stack *st, uint64_t now_us)
{
	if (now_us > st->now_us)
		st->now_us = now_us;
	if (!TAILQ_EMPTY(&st->out_list))
		output_run(st);
	if (og_likely(now_us / WHEEL_TICK_US <= st->wheel.cur_tick))
		return;
	tcp_stack_enter(st);
	tcp_wheel_run(&st->wheel, now_us, timer_fire, st);
	tcp_stack_leave(st);
}

int
og_tcp_listen(struct og_tcp_stack *st, uint32_t addr_be, uint16_t port_be,
	      const struct og_tcp_app *app, void *arg)
{
	struct tcp_listener *free_l = NULL;

	if (st == NULL || app == NULL || app->accepted == NULL || port_be == 0)
		return -EINVAL;
	for (uint32_t i = 0; i < st->conf.max_listeners; i++) {
		struct tcp_listener *l = &st->listeners[i];

		if (l->used && l->addr_be == addr_be && l->port_be == port_be)
			return -EADDRINUSE;
		if (!l->used && free_l == NULL)
			free_l = l;
	}
	if (free_l == NULL)
		return -ENOSPC;
	free_l->used = true;
	free_l->addr_be = addr_be;
	free_l->port_be = port_be;
	free_l->app = app;
	free_l->arg = arg;
	return 0;
}

struct og_tcp_conn *
og_tcp_connect(struct og_tcp_stack *st, uint32_t saddr_be, uint32_t daddr_be, uint16_t dport_be,
	       const struct og_tcp_app *app, void *ctx)
{
	const struct og_tcp_conf *cf;
	struct og_tcp_tuple t;
	struct og_tcp_conn *c = NULL;
	uint32_t range, i;

	if (st == NULL || app == NULL || app->connected == NULL || daddr_be == 0 || dport_be == 0) {
		rte_errno = EINVAL;
		return NULL;
	}
	cf = &st->conf;
	range = (uint32_t)cf->port_hi - cf->port_lo + 1;
	t.laddr_be = saddr_be;
	t.raddr_be = daddr_be;
	t.rport_be = dport_be;
	/* RFC 6056 3.3.1-like: walk the range from a secret offset */
	for (i = 0; i < range; i++) {
		uint16_t port = (uint16_t)(cf->port_lo + (st->port_next + i) % range);

		t.lport_be = rte_cpu_to_be_16(port);
		if (tcp_htab_lookup(&st->ht, &t) != NULL)
			continue;
		if (cf->rss_ok != NULL &&
		    !cf->rss_ok(cf->rss_arg, saddr_be, daddr_be, t.lport_be, dport_be))
			continue;
		break;
	}
	if (i == range || (c = tcp_conn_alloc(st, &t)) == NULL) {
		rte_errno = ENOSPC;
		return NULL;
	}
	st->port_next = (uint16_t)(st->port_next + i + 1);
	tcp_stack_enter(st);
	c->app = app;
	c->ctx = ctx;
	c->accepted = 1;
	c->rcv_buf = cf->rcv_buf;
	c->snd_buf = cf->snd_buf;
	c->rto_us = (uint32_t)cf->rto_init_us;
	c->last_rx_us = st->now_us;
	c->iss = tcp_isn(st->isn_key, &t, st->now_us);
	c->snd_una = c->iss;
	c->snd_nxt = c->snd_max = c->iss + 1;
	c->recover = c->iss;
	c->sack_high = c->iss;
	/* what we offer in the SYN; apply_syn_opts() settles it on the SYN-ACK */
	c->ws_ok = 1;
	c->rcv_wscale = cf->wscale;
	c->sack_ok = 1;
	c->ts_ok = 1;
	c->mss = 536;
	c->rtt_start_us = st->now_us;
	tcp_set_state(c, OG_TCP_SYN_SENT);
	tcp_count(st, OG_TCP_CNT_ACTIVE_OPENS);
	if (tcp_send_ctl(c, TCP_TH_SYN) != 0) {
		c->accepted = 0;
		tcp_conn_finish(c, -ENOBUFS);
		tcp_stack_leave(st);
		rte_errno = ENOBUFS;
		return NULL;
	}
	tcp_rto_arm(c);
	tcp_stack_leave(st);
	return c;
}

static bool
send_state_ok(const struct og_tcp_conn *c)
{
	switch (c->state) {
	case OG_TCP_SYN_SENT:
	case OG_TCP_SYN_RECEIVED:
	case OG_TCP_ESTABLISHED:
	case OG_TCP_CLOSE_WAIT:
		return !c->dead;
	default:
		return false;
	}
}

uint32_t
og_tcp_send_space(const struct og_tcp_conn *c)
{
	const struct og_tcp_stack *st = c->st;
	uint32_t space;

	if (!send_state_ok(c) || c->shut_wr)
		return 0;
	space = c->snd_buf > c->sq_bytes ? c->snd_buf - c->sq_bytes : 0;
	if (st->conf.snd_mem_limit != 0) {
		uint64_t g = st->conf.snd_mem_limit > st->stats.snd_mem
				     ? st->conf.snd_mem_limit - st->stats.snd_mem
				     : 0;

		space = (uint32_t)OG_MIN((uint64_t)space, g);
	}
	return space;
}

int
og_tcp_set_snd_buf(struct og_tcp_conn *c, uint32_t bytes)
{
	if (bytes == 0)
		return -EINVAL;
	c->snd_buf = bytes;
	return 0;
}

int
og_tcp_send(struct og_tcp_conn *c, struct rte_mbuf *chain)
{
	struct og_tcp_stack *st = c->st;
	struct rte_mbuf *last;
	uint32_t len;

	if (c->shut_wr)
		return -EPIPE;
	if (!send_state_ok(c))
		return -ENOTCONN;
	len = chain->pkt_len;
	if (len > og_tcp_send_space(c)) {
		tcp_drop(st, OG_TCP_DROP_SND_BUF_FULL);
		c->want_sendable = 1;
		return -EAGAIN;
	}
	if (len == 0) {
		rte_pktmbuf_free(chain);
		return 0;
	}
	for (last = chain; last->next != NULL; last = last->next)
		;
	if (c->sq_tail != NULL)
		c->sq_tail->next = chain;
	else
		c->sq_head = chain;
	if (c->sq_cur == NULL) {
		c->sq_cur = chain;
		c->sq_cur_off = 0;
	}
	c->sq_tail = last;
	c->sq_bytes += len;
	st->stats.snd_mem += len;
	tcp_stack_enter(st);
	tcp_output(c);
	tcp_stack_leave(st);
	return 0;
}

int
og_tcp_send_list(struct og_tcp_conn *c, struct rte_mbuf **list, uint32_t *sent)
{
	uint32_t total = 0;
	int rc = 0;

	while (*list != NULL) {
		uint32_t space = og_tcp_send_space(c), n = 0;
		uint16_t segs = 0;
		struct rte_mbuf *h = *list, *m = h, *last = NULL;

		while (m != NULL && n + m->data_len <= space && segs < UINT16_MAX) {
			n += m->data_len;
			segs++;
			last = m;
			m = m->next;
		}
		if (last == NULL) {
			if (c->shut_wr)
				rc = -EPIPE;
			else if (!send_state_ok(c))
				rc = -ENOTCONN;
			else {
				c->want_sendable = 1;
				rc = -EAGAIN;
			}
			break;
		}
		last->next = NULL;
		h->pkt_len = n;
		h->nb_segs = segs;
		rc = og_tcp_send(c, h);
		if (rc != 0) {
			last->next = m;
			break;
		}
		total += n;
		*list = m;
	}
	if (sent != NULL)
		*sent = total;
	return rc;
}

void
og_tcp_recv_done(struct og_tcp_conn *c, uint32_t nbytes)
{
	struct og_tcp_stack *st = c->st;
	uint32_t old, now;

	if (st == NULL || c->dead)
		return;
	nbytes = OG_MIN(nbytes, c->rcv_held);
	c->rcv_held -= nbytes;
	st->stats.rcv_mem -= nbytes;
	if (c->state != OG_TCP_ESTABLISHED && c->state != OG_TCP_FIN_WAIT_1 &&
	    c->state != OG_TCP_FIN_WAIT_2)
		return;
	old = tcp_seq_gt(c->rcv_adv, c->rcv_nxt) ? c->rcv_adv - c->rcv_nxt : 0;
	/* what the window field can say (RFC 7323 2.3) */
	now = OG_MIN(tcp_rcv_window(c), 65535u << c->rcv_wscale);
	/*
	 * RFC 9293 3.8.6.2.2 (receiver SWS avoidance): a larger window is
	 * announced once it grew by at least min(MSS, RCV.BUFF / 2). While the
	 * window is large the ACKs we send every second segment carry it
	 * anyway; a separate update is owed only when the peer may be stalled
	 * (less than two segments of window offered). Such an update is
	 * numbered SND.MAX (see ctl_seq() in tcp_output.c), else a peer that
	 * saw later sequence numbers ignores it.
	 */
	if (old < 2u * c->mss && now >= old + OG_MIN((uint32_t)c->mss, c->rcv_buf / 2)) {
		tcp_stack_enter(st);
		tcp_count(st, OG_TCP_CNT_WINDOW_UPDATES);
		tcp_send_ack(c);
		tcp_stack_leave(st);
	}
}

int
og_tcp_shutdown(struct og_tcp_conn *c)
{
	struct og_tcp_stack *st = c->st;

	if (c->dead)
		return -ENOTCONN;
	if (c->shut_wr)
		return 0;
	switch (c->state) {
	case OG_TCP_SYN_RECEIVED:
	case OG_TCP_ESTABLISHED:
		/* RFC 9293 3.10.4: FIN after the queued data; SYN-RECEIVED waits for ESTABLISHED */
		c->shut_wr = 1;
		if (c->state == OG_TCP_ESTABLISHED)
			tcp_set_state(c, OG_TCP_FIN_WAIT_1);
		break;
	case OG_TCP_CLOSE_WAIT:
		c->shut_wr = 1;
		tcp_set_state(c, OG_TCP_LAST_ACK);
		break;
	case OG_TCP_SYN_SENT:
		tcp_stack_enter(st);
		tcp_conn_finish(c, 0);
		tcp_stack_leave(st);
		return 0;
	default:
		return -ENOTCONN;
	}
	tcp_stack_enter(st);
	tcp_output(c);
	tcp_stack_leave(st);
	return 0;
}

void
og_tcp_close(struct og_tcp_conn *c)
{
	if (c->dead)
		return;
	c->app_closed = 1;
	og_tcp_shutdown(c);
}

void
og_tcp_abort(struct og_tcp_conn *c)
{
	struct og_tcp_stack *st = c->st;

	if (c->dead)
		return;
	tcp_stack_enter(st);
	if (c->state != OG_TCP_SYN_SENT && c->state != OG_TCP_TIME_WAIT)
		tcp_send_ctl(c, TCP_TH_RST | TCP_TH_ACK);
	tcp_conn_finish(c, -ECONNABORTED);
	tcp_stack_leave(st);
}

enum og_tcp_state
og_tcp_conn_state(const struct og_tcp_conn *c)
{
	return (enum og_tcp_state)c->state;
}

void
og_tcp_conn_tuple(const struct og_tcp_conn *c, struct og_tcp_tuple *t)
{
	*t = c->t;
}

void *
og_tcp_conn_ctx(const struct og_tcp_conn *c)
{
	return c->ctx;
}

const struct og_tcp_stats *
og_tcp_stats(const struct og_tcp_stack *st)
{
	return &st->stats;
}
