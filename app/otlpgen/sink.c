/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The sink: plays an OTLP/HTTP backend so otlpgate's egress is measured
 * DPDK to DPDK. Every request is parsed with lib/http's request parser and
 * answered 200 with an empty application/x-protobuf body (an empty
 * Export*ServiceResponse is a valid message: OTLP 1.11 "Full Success").
 * With --sink-count-items the body is linearised into the connection's
 * buffer and its items counted with og_otlp_scan (gzip bodies are inflated
 * first); otherwise only bytes are counted and nothing is copied.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>

#include <rte_mbuf.h>

#include "og_http.h"
#include "og_otlp.h"
#include "og_tcp.h"
#include "otlpgen.h"

#define SINK_MAX_CONNS 1024
/* what otlpgate may send in one batch, inflated: its default --max-body */
#define SINK_MAX_BODY ((size_t)64 << 20)

static const char resp_200[] = "HTTP/1.1 200 OK\r\n"
			       "Content-Type: application/x-protobuf\r\n"
			       "Content-Length: 0\r\n"
			       "\r\n";
static const char resp_400[] = "HTTP/1.1 400 Bad Request\r\n"
			       "Content-Length: 0\r\n"
			       "Connection: close\r\n"
			       "\r\n";

struct sconn {
	struct gen_sink *s;
	struct og_tcp_conn *c;
	struct sconn *next_free;
	bool in_msg;
	bool gzip;
	bool closing;
	enum og_otlp_signal sig;
	uint8_t *buf; /**< the body, when counting items */
	size_t len, cap;
	bool too_big;
	struct og_http_parser p;
};

struct gen_sink {
	const struct gen_opts *o;
	struct gen_env env;
	struct sconn *conns;
	struct sconn *free_list;
	uint8_t *parser_mem;
	struct og_inflater *inf;
	uint8_t *scratch;
	struct gen_sink_stats st;
};

static void
reply(struct sconn *k, const char *text, size_t len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(k->s->env.hdr_pool);

	if (m == NULL || rte_pktmbuf_tailroom(m) < len) {
		rte_pktmbuf_free(m);
		k->closing = true;
		og_tcp_abort(k->c);
		return;
	}
	memcpy(rte_pktmbuf_mtod(m, char *), text, len);
	m->data_len = (uint16_t)len;
	m->pkt_len = (uint32_t)len;
	if (og_tcp_send(k->c, m) != 0) {
		/* a few bytes refused: the peer stopped reading; give up on it */
		rte_pktmbuf_free(m);
		k->closing = true;
		og_tcp_abort(k->c);
	}
}

static void
body_add(struct sconn *k, const uint8_t *p, uint32_t n)
{
	if (k->too_big)
		return;
	if (k->len + n > k->cap) {
		size_t cap = k->cap ? k->cap : 65536;
		uint8_t *nb;

		while (cap < k->len + n)
			cap *= 2;
		/* grows to the largest body once, then stays: not per request */
		nb = cap <= SINK_MAX_BODY ? realloc(k->buf, cap) : NULL;
		if (nb == NULL) {
			k->too_big = true;
			return;
		}
		k->buf = nb;
		k->cap = cap;
	}
	memcpy(k->buf + k->len, p, n);
	k->len += n;
}

static void
msg_end(struct sconn *k)
{
	struct gen_sink *s = k->s;
	const struct og_http_msg *r = og_http_req_get(&k->p);

	s->st.requests++;
	if (s->o->sink_count_items) {
		struct og_seg seg = { .data = k->buf, .len = (uint32_t)k->len };
		int64_t n = k->too_big ? -1
				       : gen_count_items(&seg, 1, k->sig, k->gzip, s->inf,
							 s->scratch, SINK_MAX_BODY);

		if (n < 0)
			s->st.bad++;
		else
			s->st.items += (uint64_t)n;
	}
	k->len = 0;
	k->too_big = false;
	k->in_msg = false;
	reply(k, resp_200, sizeof(resp_200) - 1);
	if (!k->closing && !r->keep_alive) {
		k->closing = true;
		og_tcp_close(k->c);
	}
}

static void
feed(struct sconn *k, const uint8_t *buf, uint32_t len)
{
	uint32_t off = 0;

	while (!k->closing && (off < len || k->in_msg)) {
		struct og_http_ev ev;
		uint32_t used = 0;
		int rc = og_http_parse(&k->p, buf + off, len - off, &used, &ev);

		off += used;
		if (rc == OG_AGAIN)
			return;
		if (rc < 0) {
			k->s->st.bad++;
			reply(k, resp_400, sizeof(resp_400) - 1);
			if (!k->closing) {
				k->closing = true;
				og_tcp_close(k->c);
			}
			return;
		}
		switch (ev.type) {
		case OG_HTTP_EV_HEAD: {
			const struct og_http_msg *r = og_http_req_get(&k->p);
			char path[128];
			int sig;

			k->in_msg = true;
			k->gzip = r->cenc == OG_HTTP_CE_GZIP;
			snprintf(path, sizeof(path), "%.*s", (int)r->path_len, r->path);
			sig = gen_path_signal(path);
			k->sig = sig < 0 ? OG_OTLP_TRACES : (enum og_otlp_signal)sig;
			if (r->expect_continue)
				reply(k, og_http_100_continue, OG_HTTP_100_CONTINUE_LEN);
			break;
		}
		case OG_HTTP_EV_BODY:
			k->s->st.bytes += ev.len;
			if (k->s->o->sink_count_items)
				body_add(k, buf + (off - used) + ev.off, ev.len);
			break;
		case OG_HTTP_EV_END:
			msg_end(k);
			break;
		}
	}
}

static void *
on_accepted(void *arg, struct og_tcp_conn *c)
{
	struct gen_sink *s = arg;
	struct sconn *k = s->free_list;

	if (k == NULL)
		return NULL;
	s->free_list = k->next_free;
	k->c = c;
	k->in_msg = false;
	k->closing = false;
	k->len = 0;
	k->too_big = false;
	og_http_parser_reset(&k->p);
	s->st.conns++;
	return k;
}

static void
on_recv(void *ctx, struct og_tcp_conn *c, struct rte_mbuf *data)
{
	struct sconn *k = ctx;
	uint32_t total = data->pkt_len;

	for (struct rte_mbuf *m = data; m != NULL && !k->closing; m = m->next)
		feed(k, rte_pktmbuf_mtod(m, const uint8_t *), m->data_len);
	if (k->c == c)
		og_tcp_recv_done(c, total);
	rte_pktmbuf_free(data);
}

static void
on_peer_closed(void *ctx, struct og_tcp_conn *c)
{
	struct sconn *k = ctx;

	if (!k->closing) {
		k->closing = true;
		og_tcp_close(c);
	}
}

static void
on_closed(void *ctx, struct og_tcp_conn *c, int reason)
{
	struct sconn *k = ctx;

	(void)c;
	(void)reason;
	k->c = NULL;
	k->next_free = k->s->free_list;
	k->s->free_list = k;
}

static const struct og_tcp_app sink_app = {
	.accepted = on_accepted,
	.recv = on_recv,
	.peer_closed = on_peer_closed,
	.closed = on_closed,
};

struct gen_sink *
gen_sink_create(const struct gen_opts *o, const struct gen_env *env)
{
	struct gen_sink *s = calloc(1, sizeof(*s));
	struct og_http_limits lim;
	size_t pmem;

	if (s == NULL)
		return NULL;
	s->o = o;
	s->env = *env;
	og_http_limits_default(&lim);
	lim.max_body = SINK_MAX_BODY;
	pmem = og_http_parser_mem_size(&lim);
	s->conns = calloc(SINK_MAX_CONNS, sizeof(*s->conns));
	s->parser_mem = malloc(pmem * SINK_MAX_CONNS);
	if (s->conns == NULL || s->parser_mem == NULL)
		goto fail;
	if (o->sink_count_items) {
		s->inf = og_inflater_create();
		s->scratch = malloc(SINK_MAX_BODY);
		if (s->inf == NULL || s->scratch == NULL)
			goto fail;
	}
	for (uint32_t i = SINK_MAX_CONNS; i-- > 0;) {
		struct sconn *k = &s->conns[i];

		k->s = s;
		if (og_http_parser_init(&k->p, &lim, s->parser_mem + pmem * i, pmem) != 0)
			goto fail;
		k->next_free = s->free_list;
		s->free_list = k;
	}
	if (og_tcp_listen(env->tcp, o->sink_be, htons(o->sink_port), &sink_app, s) != 0) {
		fprintf(stderr, "otlpgen: --sink: cannot listen there\n");
		goto fail;
	}
	return s;
fail:
	gen_sink_free(s);
	return NULL;
}

const struct gen_sink_stats *
gen_sink_stats(const struct gen_sink *s)
{
	return &s->st;
}

void
gen_sink_free(struct gen_sink *s)
{
	if (s == NULL)
		return;
	if (s->conns != NULL)
		for (uint32_t i = 0; i < SINK_MAX_CONNS; i++) {
			if (s->conns[i].c != NULL)
				og_tcp_abort(s->conns[i].c);
			free(s->conns[i].buf);
		}
	og_inflater_free(s->inf);
	free(s->scratch);
	free(s->parser_mem);
	free(s->conns);
	free(s);
}
