/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * An in-process client of the OTLP/HTTP receiver, shared by
 * tests/unit/test_receiver.c and perf/bench_receiver.c: a real lib/tcp
 * stack whose tx callback captures what it sends, a receiver listening on
 * it, a batcher with one backend (a recording test backend, or null) and an
 * admission budget. The peer side builds IPv4/TCP segments itself (RFC 9293
 * 3.1 header, MSS and window-scale options), ACKs what the stack sends and
 * reassembles the stack's byte stream so HTTP responses can be parsed. All
 * of it runs on a virtual microsecond clock.
 */
#ifndef RCV_PEER_H
#define RCV_PEER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_mbuf.h>

#include "og_pipeline.h"
#include "og_receiver.h"
#include "og_tcp.h"

#define RP_MAX_CONNS 512
#define RP_TXQ	     65536
#define RP_MSS	     1460

/* What the test backend does with a submitted batch. */
enum rp_be_mode {
	RP_BE_OK = 0, /* record its bytes, complete OK */
	RP_BE_BUSY,   /* answer -EAGAIN (the batcher keeps and retries it) */
	RP_BE_REFUSE, /* complete with OG_BATCH_REJECTED */
};

/* The recording backend: every batch's bytes, per signal, in order. */
struct rp_backend {
	enum rp_be_mode mode;
	uint8_t *bytes[OG_OTLP_SIGNAL_MAX];
	size_t len[OG_OTLP_SIGNAL_MAX], cap[OG_OTLP_SIGNAL_MAX];
	uint64_t batches, items, busy, refused;
};

/* The one test backend of the process ("rut:" URI scheme). */
extern struct rp_backend rp_be;
/* Forget what the test backend recorded. */
void rp_be_clear(void);

struct rp_env_conf {
	const char *name;	   /* prefix of pool names (unique per env) */
	bool null_backend;	   /* the null backend instead of the recording one */
	uint64_t budget;	   /* bytes; default 256 MiB */
	uint64_t max_body;	   /* receiver --max-body; default 4 MiB */
	uint32_t n_pkts;	   /* peer packet mbufs; default 16384 */
	uint32_t ring_size;	   /* batcher ring; default 4096 */
	uint64_t batch_timeout_us; /* default 1000 */
	uint32_t max_conns;	   /* receiver connections; default 256 */
	uint32_t n_bufs;	   /* receiver decode buffers; default 16 */
};

struct rp_conn;

struct rp_env {
	struct og_tcp_stack *st;
	struct rte_mempool *pkt_pool, *hdr_pool, *resp_pool, *ref_pool, *rec_pool;
	struct og_budget budget;
	struct og_backend *be;
	struct og_batcher *batcher;
	struct og_rcv *rcv;
	uint64_t now_us;
	bool batcher_paused;   /* og_batcher_run() is not called while set */
	uint32_t saddr, daddr; /* host order: peer, receiver */
	uint16_t dport;
	uint16_t next_port;
	uint32_t txn;
	struct rte_mbuf *txq[RP_TXQ];
	struct rp_conn *conns[RP_MAX_CONNS];
};

/* One client connection. */
struct rp_conn {
	struct rp_env *env;
	uint16_t sport;
	uint32_t snd_nxt, snd_una, snd_wnd;
	uint8_t snd_shift;
	uint32_t rcv_nxt;
	bool established, fin_rcvd, rst_rcvd, fin_sent, ack_due;
	uint8_t *in; /* the stack's byte stream, reassembled */
	size_t in_len, in_cap, in_off;
};

/* A parsed response. */
struct rp_resp {
	int status;
	char head[4096];
	size_t head_len;
	uint8_t body[4096];
	size_t body_len;
};

/* EAL without hugepages or PCI, @p mem_mb of memory, unique file prefix. */
int rp_eal_init(const char *prog, unsigned int mem_mb);
/* rte_eal_cleanup() and removal of the runtime directory. */
void rp_eal_fini(void);

struct rp_env *rp_env_create(const struct rp_env_conf *conf);
void rp_env_free(struct rp_env *e);

/* Process what the stack sent (ACKs go back at once) and run the batcher. */
void rp_pump(struct rp_env *e);
/* Move the virtual clock @p us forward in steps of 1 ms, running everything. */
void rp_advance(struct rp_env *e, uint64_t us);

/* Three-way handshake; NULL when the stack did not answer (or refused). */
struct rp_conn *rp_connect(struct rp_env *e);
/*
 * Send @p len bytes as segments of at most @p seg bytes (each its own
 * segment: segments are never merged across calls), respecting the stack's
 * window. @return 0, or -1 when the window stayed shut or the peer is gone.
 */
int rp_send(struct rp_conn *c, const void *p, size_t len, uint32_t seg);
/*
 * Build (not inject) the next data segment of @p c: @p len bytes at
 * snd_nxt, acknowledging rcv_nxt; snd_nxt advances. For benchmarks that
 * prepare segments before timing their input. NULL when out of mbufs.
 */
struct rte_mbuf *rp_build(struct rp_conn *c, const void *p, uint32_t len);
/* Send FIN / RST. */
void rp_fin(struct rp_conn *c);
void rp_rst(struct rp_conn *c);
/* Forget a connection (after it ended, or after rp_rst()). */
void rp_conn_free(struct rp_conn *c);
/* Whether the receiver ended the connection (FIN or RST received). */
bool rp_closed_by_server(const struct rp_conn *c);

/*
 * Take the next complete response from the stream (1), or 0 when none is
 * complete yet; -1 on a malformed one. Interim (1xx) responses count.
 */
int rp_resp_take(struct rp_conn *c, struct rp_resp *r);
/* Pump and advance time (up to 100 ms) until a response is complete. */
int rp_resp_wait(struct rp_conn *c, struct rp_resp *r);
/* Value of header @p name (case-insensitive) copied into @p out, or NULL. */
const char *rp_resp_hdr(const struct rp_resp *r, const char *name, char *out, size_t cap);

/* A request head: POST @p path with the given fields ("" omits one). */
size_t rp_head(char *out, size_t cap, const char *method, const char *path, const char *ctype,
	       const char *cenc, size_t content_length, bool chunked, const char *extra);
/* @p body in chunked framing, chunks of @p chunk bytes, into a malloc'd buffer. */
uint8_t *rp_chunked(const uint8_t *body, size_t len, size_t chunk, size_t *out_len);

#endif /* RCV_PEER_H */
