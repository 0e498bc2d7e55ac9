/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * otlp-http: building a request. The head is written into a direct mbuf
 * (og_http_req_head); the body is either the records' received segments,
 * referenced by indirect mbufs a few hundred at a time (compression=none),
 * or a gzip member deflated by the connection's og_deflater about
 * OH_GZ_STEP_BYTES of input per poll into direct mbufs (compression=gzip),
 * sent once whole because its head carries the compressed length.
 */
#include <errno.h>
#include <string.h>

#include <rte_mbuf.h>

#include "ohttp_private.h"

/* ---- request building ----------------------------------------------------- */

static void
chain_add(struct oh_build *bd, struct rte_mbuf *m)
{
	if (bd->head == NULL)
		bd->head = m;
	else
		bd->tail->next = m;
	bd->tail = m;
	bd->segs++;
}

/* A direct mbuf with room at the chain's end (for our own bytes). */
static struct rte_mbuf *
tail_room(struct oh_build *bd)
{
	struct rte_mbuf *m = bd->tail;

	if (m != NULL && RTE_MBUF_DIRECT(m) && rte_pktmbuf_tailroom(m) > 0)
		return m;
	m = rte_pktmbuf_alloc(bd->o->env.hdr_pool);
	if (m == NULL)
		return NULL;
	chain_add(bd, m);
	return m;
}

/* Framing bytes of the pieces: ours, written into direct mbufs. */
static int
put_lit(struct oh_build *bd, const uint8_t *p, uint32_t len)
{
	while (len) {
		struct rte_mbuf *m = tail_room(bd);
		uint32_t n;

		if (m == NULL)
			return -ENOBUFS;
		n = OG_MIN(len, (uint32_t)rte_pktmbuf_tailroom(m));
		memcpy(rte_pktmbuf_mtod_offset(m, uint8_t *, m->data_len), p, n);
		m->data_len = (uint16_t)(m->data_len + n);
		m->pkt_len = m->data_len;
		bd->framing += n;
		bd->len += n;
		p += n;
		len -= n;
	}
	return 0;
}

/* A run of received bytes: referenced by an indirect mbuf, not copied. */
static int
visit_ref(void *ctx, const struct rte_mbuf *m, const uint8_t *p, uint32_t len)
{
	struct oh_build *bd = ctx;
	struct rte_mbuf *t = bd->tail, *mi;

	if (m == NULL)
		return put_lit(bd, p, len);
	/* the next run of the same buffer extends the previous reference */
	if (t != NULL && !RTE_MBUF_DIRECT(t) && t->buf_addr == m->buf_addr &&
	    rte_pktmbuf_mtod_offset(t, const uint8_t *, t->data_len) == p &&
	    (uint32_t)t->data_len + len <= UINT16_MAX) {
		t->data_len = (uint16_t)(t->data_len + len);
		t->pkt_len = t->data_len;
	} else {
		mi = rte_pktmbuf_alloc(bd->o->env.ref_pool);
		if (mi == NULL)
			return -ENOBUFS;
		/* takes a reference on the segment (or its external buffer) */
		rte_pktmbuf_attach(mi, (struct rte_mbuf *)(uintptr_t)m);
		mi->data_off = (uint16_t)(p - (const uint8_t *)mi->buf_addr);
		mi->data_len = (uint16_t)len;
		mi->pkt_len = len;
		chain_add(bd, mi);
	}
	bd->ref += len;
	bd->len += len;
	return 0;
}

/* Deflater output of @p n bytes written at the end of direct mbuf @p m. */
static void
gz_took(struct oh_build *bd, struct rte_mbuf *m, uint32_t n)
{
	m->data_len = (uint16_t)(m->data_len + n);
	m->pkt_len = m->data_len;
	bd->copied += n;
	bd->len += n;
}

/* Deflate a run of received bytes; output goes to direct mbufs. */
static int
visit_gz(void *ctx, const struct rte_mbuf *m, const uint8_t *p, uint32_t len)
{
	struct oh_build *bd = ctx;

	(void)m;
	while (len > 0) {
		struct rte_mbuf *t = tail_room(bd);
		uint32_t used, n;
		int rc;

		if (t == NULL)
			return -ENOBUFS;
		rc = og_deflater_step(bd->dfl, p, len, &used,
				      rte_pktmbuf_mtod_offset(t, uint8_t *, t->data_len),
				      (uint32_t)rte_pktmbuf_tailroom(t), &n);
		if (rc < 0)
			return -EIO;
		gz_took(bd, t, n);
		p += used;
		len -= used;
	}
	return 0;
}

/* End the gzip member: what the deflater holds and the trailer. */
static int
gz_end(struct oh_build *bd)
{
	int rc;

	do {
		struct rte_mbuf *t = tail_room(bd);
		uint32_t n;

		if (t == NULL)
			return -ENOBUFS;
		rc = og_deflater_finish(bd->dfl, rte_pktmbuf_mtod_offset(t, uint8_t *, t->data_len),
					(uint32_t)rte_pktmbuf_tailroom(t), &n);
		if (rc < 0)
			return -EIO;
		gz_took(bd, t, n);
	} while (rc == OG_AGAIN);
	return 0;
}

/*
 * The head of batch @p b's request, chained in front of @p bd's body (the
 * whole gzip member, or nothing yet with compression=none: its references
 * follow by steps), with @p bd->len as Content-Length; pkt_len set on the
 * head, *tail the chain's last mbuf. 0, -ENOBUFS (try again later) or -EIO.
 */
int
oh_request_head(struct ohttp *o, struct og_batch *b, const struct oh_build *bd,
		struct rte_mbuf **out, struct rte_mbuf **tail)
{
	struct rte_mbuf *h = rte_pktmbuf_alloc(o->env.hdr_pool);
	struct og_wbuf w;

	if (h == NULL)
		return -ENOBUFS;
	og_wbuf_init_fixed(&w, rte_pktmbuf_mtod(h, uint8_t *), rte_pktmbuf_tailroom(h));
	if (og_http_req_head(&w, "POST", o->path[b->sig], o->host, "application/x-protobuf",
			     o->gzip ? "gzip" : NULL, bd->len,
			     o->extra[0] ? o->extra : NULL) != 0) {
		rte_pktmbuf_free(h);
		return -EIO;
	}
	h->data_len = (uint16_t)w.len;
	h->next = bd->head;
	h->pkt_len = (uint32_t)(w.len + bd->len);
	h->nb_segs = (uint16_t)OG_MIN(bd->segs + 1, (uint32_t)UINT16_MAX);
	*tail = bd->tail != NULL ? bd->tail : h;
	o->stats.ctr[OG_OHTTP_BODY_REF] += bd->ref;
	o->stats.ctr[OG_OHTTP_BODY_FRAMING] += bd->framing;
	o->stats.ctr[OG_OHTTP_COPIED] += bd->copied;
	/* and into otlpgate_copied_bytes_total, lib/pipeline's figure */
	if (bd->copied)
		og_pipe_count_copied(bd->copied);
	*out = h;
	return 0;
}

/* A fresh deflater and an empty output for k's request (compression=gzip). */
void
oh_gz_begin(struct oh_conn *k)
{
	og_deflater_init(k->dfl);
	rte_pktmbuf_free(k->gz.head);
	memset(&k->gz, 0, sizeof(k->gz));
	k->gz.o = k->o;
	k->gz.dfl = k->dfl;
	k->gz_done = false;
	k->build_next = 0;
}

/* Records of the request's batch not yet referenced (none) or compressed (gzip). */
bool
oh_building(const struct oh_conn *k)
{
	if (k->req == NULL)
		return false;
	return k->o->gzip ? !k->gz_done : k->build_next < k->req->b->n_recs;
}

/* A batch that cannot be built (a piece outside its record's body): refused. */
static void
build_fail(struct oh_conn *k)
{
	struct ohttp *o = k->o;
	struct oh_slot *s = k->req;

	o->stats.ctr[OG_OHTTP_PERMANENT]++;
	k->deliberate = true;
	oh_conn_release(k);
	oh_slot_complete(o, s, OG_BATCH_REJECTED, 0,
			 "otlp-http: the batch's body could not be built");
	og_tcp_abort(k->c);
}

/*
 * compression=gzip: deflate the next records, about OH_GZ_STEP_BYTES of
 * input; after the last one, end the member and put the head in front. The
 * request is pending only when whole. On -ENOBUFS the member is started
 * again at the next poll (the deflater cannot step back).
 */
static void
gz_step(struct oh_conn *k)
{
	struct ohttp *o = k->o;
	struct og_batch *b = k->req->b;
	uint64_t in = 0;
	int rc = 0;

	while (k->build_next < b->n_recs && in < OH_GZ_STEP_BYTES && rc == 0) {
		rc = og_batch_foreach_rec(b, k->build_next, visit_gz, &k->gz);
		in += b->recs[k->build_next++]->bytes;
	}
	if (rc == 0 && k->build_next < b->n_recs)
		return; /* more at the next poll */
	if (rc == 0)
		rc = gz_end(&k->gz);
	if (rc == 0)
		rc = oh_request_head(o, b, &k->gz, &k->pending, &k->pending_tail);
	if (rc == 0) {
		/* the chain is the pending request's now */
		k->gz.head = k->gz.tail = NULL;
		k->gz_done = true;
		return;
	}
	if (rc == -ENOBUFS) {
		o->stats.ctr[OG_OHTTP_NO_MBUF]++;
		oh_gz_begin(k);
		return;
	}
	build_fail(k);
}

/*
 * Build the next part of k's request. compression=none: reference the next
 * records of the batch, about OH_BUILD_SEGS mbufs, behind what is pending
 * (the head went first); on -ENOBUFS the next poll tries again. A record
 * whose pieces lie outside its body (never seen: the receiver built them)
 * cannot be sent, and the request, whose head promised b->bytes, is
 * abandoned: the connection is reset and the batch refused.
 */
void
oh_build_step(struct oh_conn *k)
{
	struct ohttp *o = k->o;
	uint32_t segs = 0;

	if (o->gzip) {
		if (oh_building(k))
			gz_step(k);
		return;
	}

	while (oh_building(k) && segs < OH_BUILD_SEGS) {
		struct oh_build bd = { .o = o };
		int rc = og_batch_foreach_rec(k->req->b, k->build_next, visit_ref, &bd);

		if (rc == 0 && k->build_next + 1 == k->req->b->n_recs &&
		    k->built + bd.len != k->req->b->bytes)
			rc = -EIO; /* the head's Content-Length would be wrong */
		if (rc != 0) {
			rte_pktmbuf_free(bd.head);
			if (rc == -ENOBUFS) {
				/* this record again at the next poll */
				o->stats.ctr[OG_OHTTP_NO_MBUF]++;
				return;
			}
			build_fail(k);
			return;
		}
		k->build_next++;
		k->built += bd.len;
		segs += bd.segs;
		o->stats.ctr[OG_OHTTP_BODY_REF] += bd.ref;
		o->stats.ctr[OG_OHTTP_BODY_FRAMING] += bd.framing;
		if (bd.head == NULL)
			continue;
		if (k->pending == NULL)
			k->pending = bd.head;
		else
			k->pending_tail->next = bd.head;
		k->pending_tail = bd.tail;
	}
}
