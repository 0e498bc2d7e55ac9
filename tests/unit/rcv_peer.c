/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The in-process client of rcv_peer.h. The peer is deliberately simple: it
 * never loses or reorders, ACKs every segment the stack sends at once, and
 * sends only inside the window the stack offers (RFC 9293 3.8.6), so every
 * difference between what a test sent and what the receiver saw is the
 * receiver's (or lib/tcp's) doing.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_ip.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mempool.h>
#include <rte_tcp.h>

#include "og_backend_null.h"
#include "rcv_peer.h"

#define TH_FIN 0x01
#define TH_SYN 0x02
#define TH_RST 0x04
#define TH_PSH 0x08
#define TH_ACK 0x10

#define PORT_FIRST 10000
#define UNIX_EPOCH 1700000000ull

struct rp_backend rp_be;

/* ---- EAL ---------------------------------------------------------------- */

int
rp_eal_init(const char *prog, unsigned int mem_mb)
{
	char prefix[64], mem[16];
	char *argv[] = { (char *)(uintptr_t)prog,
			 "--no-huge",
			 "--no-pci",
			 "--no-telemetry",
			 "-l",
			 "0",
			 "-m",
			 mem,
			 "--file-prefix",
			 prefix,
			 "--log-level",
			 "lib.*:error",
			 "--log-level",
			 "otlpgate.*:critical",
			 NULL };

	snprintf(mem, sizeof(mem), "%u", mem_mb);
	snprintf(prefix, sizeof(prefix), "rcvpeer_%d", (int)getpid());
	return rte_eal_init((int)RTE_DIM(argv) - 1, argv) < 0 ? -1 : 0;
}

void
rp_eal_fini(void)
{
	char cmd[PATH_MAX + 16];

	/* the runtime directory is ours alone (unique prefix): leave nothing */
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", rte_eal_get_runtime_dir());
	rte_eal_cleanup();
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove the EAL runtime directory\n");
}

/* ---- the recording backend ------------------------------------------------ */

void
rp_be_clear(void)
{
	for (unsigned int s = 0; s < OG_OTLP_SIGNAL_MAX; s++) {
		free(rp_be.bytes[s]);
		rp_be.bytes[s] = NULL;
		rp_be.len[s] = rp_be.cap[s] = 0;
	}
	rp_be.batches = rp_be.items = rp_be.busy = rp_be.refused = 0;
	rp_be.mode = RP_BE_OK;
}

static int
be_create(struct og_backend *be, const char *rest)
{
	(void)rest;
	be->priv = &rp_be;
	return 0;
}

static int
be_visit(void *ctx, const struct rte_mbuf *m, const uint8_t *p, uint32_t len)
{
	unsigned int s = *(const unsigned int *)ctx;

	(void)m;
	if (rp_be.len[s] + len > rp_be.cap[s]) {
		size_t cap = (rp_be.len[s] + len) * 2;
		uint8_t *n = realloc(rp_be.bytes[s], cap);

		if (n == NULL)
			return -ENOMEM;
		rp_be.bytes[s] = n;
		rp_be.cap[s] = cap;
	}
	memcpy(rp_be.bytes[s] + rp_be.len[s], p, len);
	rp_be.len[s] += len;
	return 0;
}

static int
be_submit(struct og_backend *be, struct og_batch *b)
{
	unsigned int s = b->sig;
	uint64_t items = b->items;

	(void)be;
	switch (rp_be.mode) {
	case RP_BE_BUSY:
		rp_be.busy++;
		return -EAGAIN;
	case RP_BE_REFUSE:
		rp_be.refused++;
		og_batch_complete(b, OG_BATCH_REJECTED, 0, "test backend refuses");
		return 0;
	default:
		break;
	}
	if (og_batch_foreach(b, be_visit, &s) != 0) {
		og_batch_complete(b, OG_BATCH_REJECTED, 0, "test backend: foreach failed");
		return 0;
	}
	rp_be.batches++;
	rp_be.items += items;
	og_batch_complete(b, OG_BATCH_OK, 0, NULL);
	return 0;
}

static const struct og_backend_ops be_ops = {
	.scheme = "rut",
	.create = be_create,
	.submit = be_submit,
};

/* ---- environment ---------------------------------------------------------- */

static uint16_t
rp_tx(void *arg, struct rte_mbuf **pkts, uint16_t n)
{
	struct rp_env *e = arg;
	uint16_t i;

	for (i = 0; i < n && e->txn < RP_TXQ; i++)
		e->txq[e->txn++] = pkts[i];
	return i;
}

struct rp_env *
rp_env_create(const struct rp_env_conf *conf)
{
	static bool registered;
	struct rp_env *e = calloc(1, sizeof(*e));
	struct og_tcp_conf tc;
	struct og_batcher_conf bc = { 0 };
	struct og_rcv_conf rc = { 0 };
	uint64_t budget = conf->budget ? conf->budget : 256ull << 20;
	char name[RTE_MEMPOOL_NAMESIZE];

	if (e == NULL)
		return NULL;
	if (!registered) {
		og_backend_register(&be_ops);
		og_backend_register(&og_backend_null_ops);
		registered = true;
	}
	/* no per-lcore caches: in-use counts are exact for leak checks */
	snprintf(name, sizeof(name), "%s_pkt", conf->name);
	e->pkt_pool = rte_pktmbuf_pool_create(name, conf->n_pkts ? conf->n_pkts : 16384, 0, 0,
					      RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	snprintf(name, sizeof(name), "%s_hdr", conf->name);
	e->hdr_pool = rte_pktmbuf_pool_create(name, 16384, 0, 0, RTE_PKTMBUF_HEADROOM + 128,
					      SOCKET_ID_ANY);
	snprintf(name, sizeof(name), "%s_resp", conf->name);
	e->resp_pool =
		rte_pktmbuf_pool_create(name, 4096, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	snprintf(name, sizeof(name), "%s_ref", conf->name);
	e->ref_pool = rte_pktmbuf_pool_create(name, 16384, 0, 0, 0, SOCKET_ID_ANY);
	snprintf(name, sizeof(name), "%s_rec", conf->name);
	e->rec_pool = og_rec_pool_create(name, 1023, SOCKET_ID_ANY);
	if (e->pkt_pool == NULL || e->hdr_pool == NULL || e->resp_pool == NULL ||
	    e->ref_pool == NULL || e->rec_pool == NULL)
		goto fail;
	og_budget_init(&e->budget, budget, budget, budget / 2);

	og_tcp_conf_init(&tc);
	tc.hdr_pool = e->hdr_pool;
	tc.clone_pool = e->hdr_pool;
	tc.tx = rp_tx;
	tc.tx_arg = e;
	tc.max_conns = 2048;
	for (int i = 0; i < 16; i++)
		tc.secret[i] = (uint8_t)(0xa5 ^ (i * 29));
	e->st = og_tcp_stack_create(&tc);
	if (e->st == NULL)
		goto fail;

	e->be = og_backend_create(conf->null_backend ? "null" : "rut", 0);
	if (e->be == NULL)
		goto fail;
	snprintf(name, sizeof(name), "%s_b", conf->name);
	bc.name = name;
	bc.socket = SOCKET_ID_ANY;
	bc.timeout_us = conf->batch_timeout_us ? conf->batch_timeout_us : 1000;
	bc.ring_size = conf->ring_size;
	bc.n_backends = 1;
	bc.backends[0] = e->be;
	e->batcher = og_batcher_create(&bc);
	if (e->batcher == NULL)
		goto fail;

	snprintf(name, sizeof(name), "%s_r", conf->name);
	rc.name = name;
	rc.socket = SOCKET_ID_ANY;
	rc.tcp = e->st;
	rc.batcher = e->batcher;
	rc.budget = &e->budget;
	rc.rec_pool = e->rec_pool;
	rc.resp_pool = e->resp_pool;
	rc.ref_pool = e->ref_pool;
	rc.max_conns = conf->max_conns ? conf->max_conns : 256;
	rc.max_body = conf->max_body ? conf->max_body : 4u << 20;
	rc.n_bufs = conf->n_bufs;
	e->rcv = og_rcv_create(&rc);
	if (e->rcv == NULL)
		goto fail;
	e->saddr = RTE_IPV4(10, 0, 0, 2);
	e->daddr = RTE_IPV4(10, 0, 0, 1);
	e->dport = 4318;
	e->next_port = PORT_FIRST;
	if (og_rcv_listen(e->rcv, rte_cpu_to_be_32(e->daddr), rte_cpu_to_be_16(e->dport)) != 0)
		goto fail;
	og_rcv_tick(e->rcv, 0, UNIX_EPOCH);
	return e;
fail:
	rp_env_free(e);
	return NULL;
}

void
rp_env_free(struct rp_env *e)
{
	if (e == NULL)
		return;
	og_tcp_stack_free(e->st); /* closes the receiver's connections */
	for (uint32_t i = 0; i < e->txn; i++)
		rte_pktmbuf_free(e->txq[i]);
	e->txn = 0;
	for (unsigned int i = 0; i < RP_MAX_CONNS; i++)
		rp_conn_free(e->conns[i]);
	if (e->batcher != NULL) {
		for (int i = 0; i < 1000 && og_batcher_drain(e->batcher, e->now_us) != 0; i++)
			;
	}
	og_rcv_free(e->rcv);
	og_batcher_free(e->batcher);
	og_backend_destroy(e->be);
	rte_mempool_free(e->rec_pool);
	rte_mempool_free(e->ref_pool);
	rte_mempool_free(e->resp_pool);
	rte_mempool_free(e->hdr_pool);
	rte_mempool_free(e->pkt_pool);
	free(e);
}

/* ---- segments --------------------------------------------------------------- */

/* Build one segment of @p c (RFC 9293 3.1). */
static struct rte_mbuf *
build(struct rp_conn *c, uint32_t seq, uint8_t flags, const void *payload, uint32_t len)
{
	struct rp_env *e = c->env;
	struct rte_mbuf *m = rte_pktmbuf_alloc(e->pkt_pool);
	/* SYN: MSS (RFC 9293 3.7.1), NOP, window scale 0 (RFC 7323 2.2) */
	static const uint8_t syn_opts[8] = { 2, 4, RP_MSS >> 8, RP_MSS & 0xff, 1, 3, 3, 0 };
	uint32_t olen = (flags & TH_SYN) ? sizeof(syn_opts) : 0;
	uint32_t tot = 20 + 20 + olen + len;
	struct rte_ipv4_hdr *ip;
	struct rte_tcp_hdr *th;

	if (m == NULL)
		return NULL;
	ip = (struct rte_ipv4_hdr *)rte_pktmbuf_append(m, (uint16_t)tot);
	if (ip == NULL) {
		rte_pktmbuf_free(m);
		return NULL;
	}
	memset(ip, 0, 20);
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->total_length = rte_cpu_to_be_16((uint16_t)tot);
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_TCP;
	ip->src_addr = rte_cpu_to_be_32(e->saddr);
	ip->dst_addr = rte_cpu_to_be_32(e->daddr);
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	th = (struct rte_tcp_hdr *)(ip + 1);
	th->src_port = rte_cpu_to_be_16(c->sport);
	th->dst_port = rte_cpu_to_be_16(e->dport);
	th->sent_seq = rte_cpu_to_be_32(seq);
	th->recv_ack = rte_cpu_to_be_32((flags & TH_ACK) ? c->rcv_nxt : 0);
	th->data_off = (uint8_t)(((20 + olen) / 4) << 4);
	th->tcp_flags = flags;
	th->rx_win = rte_cpu_to_be_16(65535);
	th->cksum = 0;
	th->tcp_urp = 0;
	if (olen)
		memcpy(th + 1, syn_opts, olen);
	if (len)
		memcpy((uint8_t *)(th + 1) + olen, payload, len);
	/* the "NIC" verified the checksum: lib/tcp trusts the flag */
	m->ol_flags |= RTE_MBUF_F_RX_L4_CKSUM_GOOD;
	return m;
}

/* Build and inject one segment. */
static int
xmit(struct rp_conn *c, uint32_t seq, uint8_t flags, const void *payload, uint32_t len)
{
	struct rte_mbuf *m = build(c, seq, flags, payload, len);

	if (m == NULL)
		return -ENOBUFS;
	og_tcp_input_burst(c->env->st, &m, 1, c->env->now_us);
	return 0;
}

struct rte_mbuf *
rp_build(struct rp_conn *c, const void *p, uint32_t len)
{
	struct rte_mbuf *m = build(c, c->snd_nxt, TH_ACK | TH_PSH, p, len);

	if (m != NULL)
		c->snd_nxt += len;
	return m;
}

static struct rp_conn *
conn_of(struct rp_env *e, uint16_t port)
{
	struct rp_conn *c = e->conns[(uint16_t)(port - PORT_FIRST) % RP_MAX_CONNS];

	return c != NULL && c->sport == port ? c : NULL;
}

static void
in_append(struct rp_conn *c, const struct rte_mbuf *m, uint32_t off, uint32_t len)
{
	const void *q;

	if (c->in_off > 0 && c->in_off == c->in_len)
		c->in_off = c->in_len = 0;
	if (c->in_len + len > c->in_cap) {
		size_t cap = (c->in_len + len) * 2 + 4096;
		uint8_t *n = realloc(c->in, cap);

		if (n == NULL)
			abort();
		c->in = n;
		c->in_cap = cap;
	}
	q = rte_pktmbuf_read(m, off, len, c->in + c->in_len);
	/* rte_pktmbuf_read() copies only when the bytes are not contiguous */
	if (q != NULL && q != c->in + c->in_len)
		memcpy(c->in + c->in_len, q, len);
	c->in_len += len;
}

/* Option window scale of a SYN-ACK (RFC 7323 2.2), 0 when absent. */
static uint8_t
syn_wscale(const uint8_t *o, uint32_t len)
{
	uint32_t i = 0;

	while (i < len) {
		if (o[i] == 0)
			break;
		if (o[i] == 1) {
			i++;
			continue;
		}
		if (i + 1 >= len || o[i + 1] < 2)
			break;
		if (o[i] == 3 && o[i + 1] == 3 && i + 2 < len)
			return RTE_MIN(o[i + 2], (uint8_t)14);
		i += o[i + 1];
	}
	return 0;
}

/* One segment the stack sent. */
static void
rx_one(struct rp_env *e, struct rte_mbuf *m)
{
	const struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod(m, const struct rte_ipv4_hdr *);
	uint32_t ihl = (ip->version_ihl & 0xf) * 4u;
	uint32_t tot = rte_be_to_cpu_16(ip->total_length);
	const struct rte_tcp_hdr *th = (const struct rte_tcp_hdr *)((const uint8_t *)ip + ihl);
	uint32_t thl = (th->data_off >> 4) * 4u;
	struct rp_conn *c = conn_of(e, rte_be_to_cpu_16(th->dst_port));
	uint32_t seq = rte_be_to_cpu_32(th->sent_seq), ack = rte_be_to_cpu_32(th->recv_ack);
	uint32_t len = tot - ihl - thl;
	uint8_t f = th->tcp_flags;

	if (c == NULL || c->rst_rcvd)
		return;
	if (f & TH_RST) {
		c->rst_rcvd = true;
		return;
	}
	if ((f & TH_SYN) && (f & TH_ACK)) {
		if (c->established)
			return;
		c->rcv_nxt = seq + 1;
		c->snd_shift = syn_wscale((const uint8_t *)(th + 1), thl - 20);
		c->snd_una = ack;
		c->snd_wnd = rte_be_to_cpu_16(th->rx_win); /* never scaled in a SYN */
		c->established = true;
		c->ack_due = true;
		return;
	}
	if ((f & TH_ACK) && (int32_t)(ack - c->snd_una) >= 0 && (int32_t)(ack - c->snd_nxt) <= 0) {
		c->snd_una = ack;
		c->snd_wnd = (uint32_t)rte_be_to_cpu_16(th->rx_win) << c->snd_shift;
	}
	if (len > 0) {
		if (seq == c->rcv_nxt) {
			in_append(c, m, ihl + thl, len);
			c->rcv_nxt += len;
		}
		c->ack_due = true; /* new data, or a retransmission to re-ACK */
	}
	if ((f & TH_FIN) && seq + len == c->rcv_nxt && !c->fin_rcvd) {
		c->rcv_nxt++;
		c->fin_rcvd = true;
		c->ack_due = true;
	}
}

void
rp_pump(struct rp_env *e)
{
	for (int round = 0; round < 1000; round++) {
		uint32_t n = e->txn;

		for (uint32_t i = 0; i < n; i++) {
			rx_one(e, e->txq[i]);
			rte_pktmbuf_free(e->txq[i]);
		}
		/* ACKs below may make the stack send again: a fresh queue */
		memmove(e->txq, e->txq + n, (e->txn - n) * sizeof(e->txq[0]));
		e->txn -= n;
		for (unsigned int i = 0; i < RP_MAX_CONNS; i++) {
			struct rp_conn *c = e->conns[i];

			if (c == NULL || !c->ack_due || c->rst_rcvd)
				continue;
			c->ack_due = false;
			xmit(c, c->snd_nxt, TH_ACK, NULL, 0);
		}
		if (!e->batcher_paused)
			og_batcher_run(e->batcher, e->now_us);
		if (e->txn == 0)
			break;
	}
}

void
rp_advance(struct rp_env *e, uint64_t us)
{
	uint64_t end = e->now_us + us;

	while (e->now_us < end) {
		e->now_us = RTE_MIN(e->now_us + 1000, end);
		og_tcp_timers_run(e->st, e->now_us);
		og_rcv_tick(e->rcv, e->now_us, UNIX_EPOCH + e->now_us / 1000000);
		rp_pump(e);
	}
}

/* ---- connections --------------------------------------------------------------- */

struct rp_conn *
rp_connect(struct rp_env *e)
{
	struct rp_conn *c;
	uint16_t port;
	unsigned int tries = 0;

	/* the next port whose slot is free */
	do {
		port = e->next_port++;
		if (e->next_port < PORT_FIRST)
			e->next_port = PORT_FIRST;
	} while (e->conns[(uint16_t)(port - PORT_FIRST) % RP_MAX_CONNS] != NULL &&
		 ++tries < RP_MAX_CONNS);
	if (tries == RP_MAX_CONNS)
		return NULL;
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return NULL;
	c->env = e;
	c->sport = port;
	c->snd_una = (uint32_t)port * 2654435761u;
	c->snd_nxt = c->snd_una + 1;
	e->conns[(uint16_t)(port - PORT_FIRST) % RP_MAX_CONNS] = c;
	xmit(c, c->snd_una, TH_SYN, NULL, 0);
	rp_pump(e); /* SYN-ACK in, our ACK out: the receiver accepts */
	rp_pump(e);
	if (!c->established || c->rst_rcvd) {
		rp_conn_free(c);
		return NULL;
	}
	return c;
}

int
rp_send(struct rp_conn *c, const void *p, size_t len, uint32_t seg)
{
	struct rp_env *e = c->env;
	const uint8_t *b = p;
	size_t off = 0;
	unsigned int k = 0;

	if (seg == 0 || seg > RP_MSS)
		seg = RP_MSS;
	while (off < len) {
		uint32_t n = (uint32_t)RTE_MIN((size_t)seg, len - off);
		unsigned int waited = 0;

		/* RFC 9293 3.8.6: send only inside the offered window */
		while (c->snd_nxt + n - c->snd_una > c->snd_wnd) {
			if (c->rst_rcvd || waited++ > 2000)
				return -1;
			rp_pump(e);
			if (c->snd_nxt + n - c->snd_una > c->snd_wnd)
				rp_advance(e, 1000); /* delayed ACK, window update */
		}
		if (c->rst_rcvd)
			return -1;
		if (xmit(c, c->snd_nxt, TH_ACK | TH_PSH, b + off, n) != 0)
			return -1;
		c->snd_nxt += n;
		off += n;
		if (++k % 32 == 0)
			rp_pump(e);
	}
	rp_pump(e);
	return 0;
}

void
rp_fin(struct rp_conn *c)
{
	if (c->fin_sent || c->rst_rcvd)
		return;
	xmit(c, c->snd_nxt, TH_FIN | TH_ACK, NULL, 0);
	c->snd_nxt++;
	c->fin_sent = true;
	rp_pump(c->env);
}

void
rp_rst(struct rp_conn *c)
{
	if (!c->rst_rcvd)
		xmit(c, c->snd_nxt, TH_RST | TH_ACK, NULL, 0);
	c->rst_rcvd = true; /* nothing more on it */
	rp_pump(c->env);
}

void
rp_conn_free(struct rp_conn *c)
{
	if (c == NULL)
		return;
	c->env->conns[(uint16_t)(c->sport - PORT_FIRST) % RP_MAX_CONNS] = NULL;
	free(c->in);
	free(c);
}

bool
rp_closed_by_server(const struct rp_conn *c)
{
	return c->fin_rcvd || c->rst_rcvd;
}

/* ---- HTTP ------------------------------------------------------------------------ */

static const uint8_t *
find_crlfcrlf(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i + 4 <= n; i++)
		if (p[i] == '\r' && memcmp(p + i, "\r\n\r\n", 4) == 0)
			return p + i;
	return NULL;
}

const char *
rp_resp_hdr(const struct rp_resp *r, const char *name, char *out, size_t cap)
{
	size_t nl = strlen(name);
	const char *l = strstr(r->head, "\r\n");

	while (l != NULL && l[2] != '\r' && l[2] != '\0') {
		const char *line = l + 2, *end = strstr(line, "\r\n");

		if (end == NULL)
			break;
		if ((size_t)(end - line) > nl && line[nl] == ':' &&
		    strncasecmp(line, name, nl) == 0) {
			const char *v = line + nl + 1;
			size_t n;

			while (*v == ' ' || *v == '\t')
				v++;
			n = (size_t)(end - v);
			while (n > 0 && (v[n - 1] == ' ' || v[n - 1] == '\t'))
				n--;
			if (n >= cap)
				n = cap - 1;
			memcpy(out, v, n);
			out[n] = '\0';
			return out;
		}
		l = end;
	}
	return NULL;
}

int
rp_resp_take(struct rp_conn *c, struct rp_resp *r)
{
	size_t avail = c->in_len - c->in_off, cl = 0;
	const uint8_t *p, *end;
	char v[32];

	/* nothing received yet: c->in may still be NULL (no arithmetic on it) */
	if (avail == 0)
		return 0;
	p = c->in + c->in_off;
	end = find_crlfcrlf(p, avail);
	if (end == NULL)
		return avail >= sizeof(r->head) ? -1 : 0;
	r->head_len = (size_t)(end - p) + 4;
	if (r->head_len >= sizeof(r->head))
		return -1;
	memcpy(r->head, p, r->head_len);
	r->head[r->head_len] = '\0';
	if (sscanf(r->head, "HTTP/1.%*1d %3d ", &r->status) != 1)
		return -1;
	if (r->status >= 200) {
		if (rp_resp_hdr(r, "content-length", v, sizeof(v)) == NULL)
			return -1; /* the receiver always frames by length */
		cl = strtoul(v, NULL, 10);
	}
	if (cl > sizeof(r->body))
		return -1;
	if (avail < r->head_len + cl)
		return 0;
	memcpy(r->body, p + r->head_len, cl);
	r->body_len = cl;
	c->in_off += r->head_len + cl;
	return 1;
}

int
rp_resp_wait(struct rp_conn *c, struct rp_resp *r)
{
	int rc;

	rp_pump(c->env);
	for (int i = 0; i < 100; i++) {
		rc = rp_resp_take(c, r);
		if (rc != 0)
			return rc;
		if (rp_closed_by_server(c))
			return 0;
		rp_advance(c->env, 1000);
	}
	return rp_resp_take(c, r);
}

size_t
rp_head(char *out, size_t cap, const char *method, const char *path, const char *ctype,
	const char *cenc, size_t content_length, bool chunked, const char *extra)
{
	int n = snprintf(out, cap, "%s %s HTTP/1.1\r\nHost: otlpgate\r\n", method, path);

	if (ctype != NULL && ctype[0] != '\0')
		n += snprintf(out + n, cap - (size_t)n, "Content-Type: %s\r\n", ctype);
	if (cenc != NULL && cenc[0] != '\0')
		n += snprintf(out + n, cap - (size_t)n, "Content-Encoding: %s\r\n", cenc);
	if (chunked)
		n += snprintf(out + n, cap - (size_t)n, "Transfer-Encoding: chunked\r\n");
	else if (content_length != SIZE_MAX)
		n += snprintf(out + n, cap - (size_t)n, "Content-Length: %zu\r\n", content_length);
	n += snprintf(out + n, cap - (size_t)n, "%s\r\n", extra != NULL ? extra : "");
	return (size_t)n;
}

uint8_t *
rp_chunked(const uint8_t *body, size_t len, size_t chunk, size_t *out_len)
{
	size_t cap = len + (len / chunk + 2) * 24 + 16, n = 0;
	uint8_t *o = malloc(cap);

	if (o == NULL)
		return NULL;
	for (size_t off = 0; off < len; off += chunk) {
		size_t k = RTE_MIN(chunk, len - off);

		n += (size_t)snprintf((char *)o + n, cap - n, "%zx\r\n", k);
		memcpy(o + n, body + off, k);
		n += k;
		memcpy(o + n, "\r\n", 2);
		n += 2;
	}
	memcpy(o + n, "0\r\n\r\n", 5);
	*out_len = n + 5;
	return o;
}
