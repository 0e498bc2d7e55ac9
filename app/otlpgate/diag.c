/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Diagnostic TCP services, off by default: echo (RFC 862) and discard
 * (RFC 863). They exercise lib/tcp against real clients without the HTTP
 * layer. Echo is zero copy: the received mbuf chain itself is handed back
 * to og_tcp_send(), so the bytes that go out are the bytes that came in.
 */
#include <errno.h>
#include <netinet/in.h>

#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "app.h"

/* Per-connection state of echo: what could not be sent yet. */
struct echo_conn {
	struct rte_mbuf *head; /* pending chain, NULL when empty */
	struct rte_mbuf *tail; /* its last segment */
	bool peer_closed;
	struct rte_mempool *pool;
};

/*
 * Detach the longest prefix of whole segments of @p e's pending chain that
 * fits in @p space bytes and return it as a chain of its own (pkt_len and
 * nb_segs fixed up on both parts). NULL when not even the first segment fits.
 */
static struct rte_mbuf *
take_prefix(struct echo_conn *e, uint32_t space)
{
	struct rte_mbuf *head = e->head, *m = head, *last = NULL;
	uint32_t bytes = 0;
	uint16_t segs = 0;

	while (m != NULL && bytes + m->data_len <= space) {
		bytes += m->data_len;
		segs++;
		last = m;
		m = m->next;
	}
	if (last == NULL)
		return NULL;
	if (m == NULL) {
		e->head = e->tail = NULL;
		return head;
	}
	m->pkt_len = head->pkt_len - bytes;
	m->nb_segs = (uint16_t)(head->nb_segs - segs);
	last->next = NULL;
	head->pkt_len = bytes;
	head->nb_segs = segs;
	e->head = m;
	return head;
}

/* Send as much of the pending data as the send buffer takes. */
static void
echo_push(struct echo_conn *e, struct og_tcp_conn *c)
{
	while (e->head != NULL) {
		uint32_t space = og_tcp_send_space(c);
		struct rte_mbuf *chunk;
		uint32_t len;
		int rc;

		if (e->head->pkt_len <= space) {
			chunk = e->head;
			e->head = e->tail = NULL;
		} else {
			chunk = take_prefix(e, space);
			if (chunk == NULL) {
				/*
				 * Not even one segment fits. lib/tcp calls
				 * sendable() only after a send was refused
				 * with -EAGAIN, so ask for it: this refusal
				 * is that request (the chain stays ours).
				 */
				if (og_tcp_send(c, e->head) == -EAGAIN)
					return;
				/* taken after all? then it was sent, or the conn is dead */
				e->head = e->tail = NULL;
				return;
			}
		}
		len = chunk->pkt_len;
		rc = og_tcp_send(c, chunk);
		if (rc == -EAGAIN) {
			/* space shrank under us: put the chunk back in front */
			if (e->head != NULL)
				rte_pktmbuf_chain(chunk, e->head);
			e->head = chunk;
			e->tail = rte_pktmbuf_lastseg(chunk);
			return;
		}
		if (rc != 0) {
			/* cannot send any more (reset, shut down): give up the data */
			rte_pktmbuf_free(chunk);
			rte_pktmbuf_free(e->head);
			e->head = e->tail = NULL;
			return;
		}
		/*
		 * The bytes now count against the send buffer: release them from
		 * the receive window. Data we could not send stays counted there,
		 * which closes the window: the client is paced by its own reading.
		 */
		og_tcp_recv_done(c, len);
	}
	if (e->peer_closed)
		og_tcp_close(c);
}

static void *
echo_accepted(void *arg, struct og_tcp_conn *c)
{
	struct rte_mempool *pool = arg;
	struct echo_conn *e;

	(void)c;
	if (rte_mempool_get(pool, (void **)&e) != 0)
		return NULL; /* refused: the peer gets a RST, lib/tcp counts it */
	e->head = e->tail = NULL;
	e->peer_closed = false;
	e->pool = pool;
	return e;
}

static void
echo_recv(void *ctx, struct og_tcp_conn *c, struct rte_mbuf *data)
{
	struct echo_conn *e = ctx;

	if (e->head == NULL) {
		e->head = data;
	} else if (rte_pktmbuf_chain(e->head, data) != 0) {
		/* more than 65535 segments pending: cannot happen within the window */
		rte_pktmbuf_free(data);
		og_tcp_abort(c);
		return;
	}
	e->tail = rte_pktmbuf_lastseg(e->head);
	echo_push(e, c);
}

static void
echo_sendable(void *ctx, struct og_tcp_conn *c)
{
	echo_push(ctx, c);
}

static void
echo_peer_closed(void *ctx, struct og_tcp_conn *c)
{
	struct echo_conn *e = ctx;

	/* Half-close: send back what is left, then our FIN. */
	e->peer_closed = true;
	if (e->head == NULL)
		og_tcp_close(c);
}

static void
echo_closed(void *ctx, struct og_tcp_conn *c, int reason)
{
	struct echo_conn *e = ctx;

	(void)c;
	(void)reason;
	rte_pktmbuf_free(e->head);
	rte_mempool_put(e->pool, e);
}

static const struct og_tcp_app echo_app = {
	.accepted = echo_accepted,
	.recv = echo_recv,
	.sendable = echo_sendable,
	.peer_closed = echo_peer_closed,
	.closed = echo_closed,
};

/* Discard keeps no state: any non-NULL context accepts the connection. */
static char discard_ctx;

static void *
discard_accepted(void *arg, struct og_tcp_conn *c)
{
	(void)arg;
	(void)c;
	return &discard_ctx;
}

static void
discard_recv(void *ctx, struct og_tcp_conn *c, struct rte_mbuf *data)
{
	uint32_t len = data->pkt_len;

	(void)ctx;
	rte_pktmbuf_free(data);
	og_tcp_recv_done(c, len);
}

static void
discard_peer_closed(void *ctx, struct og_tcp_conn *c)
{
	(void)ctx;
	og_tcp_close(c);
}

static void
discard_closed(void *ctx, struct og_tcp_conn *c, int reason)
{
	(void)ctx;
	(void)c;
	(void)reason;
}

static const struct og_tcp_app discard_app = {
	.accepted = discard_accepted,
	.recv = discard_recv,
	.peer_closed = discard_peer_closed,
	.closed = discard_closed,
};

int
app_diag_listen(struct app_lcore *lc, const struct app_opts *o)
{
	int rc;

	for (unsigned int p = 0; p < o->n_ports; p++) {
		uint32_t a = o->ports[p].addr_be;

		if (o->echo_port != 0) {
			rc = og_tcp_listen(lc->tcp, a, htons(o->echo_port), &echo_app,
					   lc->diag_pool);
			if (rc != 0)
				return rc;
		}
		if (o->discard_port != 0) {
			rc = og_tcp_listen(lc->tcp, a, htons(o->discard_port), &discard_app, NULL);
			if (rc != 0)
				return rc;
		}
	}
	return 0;
}
