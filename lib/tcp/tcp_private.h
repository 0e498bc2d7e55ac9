/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Internals of lib/tcp, shared by its .c files and by the unit tests; never
 * included from outside lib/tcp and tests.
 */
#ifndef TCP_PRIVATE_H
#define TCP_PRIVATE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/queue.h>

#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>

#include "og_tcp.h"

/* TCP header flags (RFC 9293 3.1). */
#define TCP_TH_FIN 0x01
#define TCP_TH_SYN 0x02
#define TCP_TH_RST 0x04
#define TCP_TH_PSH 0x08
#define TCP_TH_ACK 0x10
#define TCP_TH_URG 0x20

/* --- sequence-number arithmetic modulo 2^32 (RFC 9293 3.4) --- */
static inline bool
tcp_seq_lt(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) < 0;
}
static inline bool
tcp_seq_leq(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) <= 0;
}
static inline bool
tcp_seq_gt(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) > 0;
}
static inline bool
tcp_seq_geq(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) >= 0;
}
/* a <= x < b, modulo 2^32 */
static inline bool
tcp_seq_in(uint32_t x, uint32_t a, uint32_t b)
{
	return x - a < b - a;
}
static inline uint32_t
tcp_seq_max(uint32_t a, uint32_t b)
{
	return tcp_seq_gt(a, b) ? a : b;
}
static inline uint32_t
tcp_seq_min(uint32_t a, uint32_t b)
{
	return tcp_seq_lt(a, b) ? a : b;
}

/* --- options (tcp_options.c; RFC 9293 3.2, RFC 7323 2-3, RFC 2018) --- */
#define TCP_MAX_SACK 4
struct og_tcp_opts {
	bool has_mss, has_ws, sack_ok, has_ts;
	uint8_t wscale;
	uint16_t mss;
	uint32_t tsval, tsecr;
	uint8_t nsack;
	uint32_t sack[TCP_MAX_SACK][2]; /* left edge, right edge (host order) */
};

/**
 * Parse the option bytes of a TCP header. Unknown options are skipped by
 * their length (RFC 9293 3.2: "must be prepared to handle an illegal option
 * length"); a malformed list stops parsing.
 *
 * @return 0, or -1 when the list is malformed (options seen so far are kept).
 */
int tcp_opts_parse(const uint8_t *p, uint32_t len, struct og_tcp_opts *o, bool syn);

/**
 * Write options in the order Linux uses (MSS, SACK-permitted, timestamps,
 * window scale on a SYN; timestamps then SACK blocks otherwise), padded with
 * NOPs to a multiple of 4 bytes. At most 40 bytes; SACK blocks that do not
 * fit are left out.
 *
 * @return bytes written.
 */
uint32_t tcp_opts_build(uint8_t *p, const struct og_tcp_opts *o, bool syn);

/* --- keyed hash and ISN (tcp_isn.c) --- */
/** SipHash-2-4 of @p len bytes under a 128-bit key. */
uint64_t tcp_siphash(const uint8_t key[16], const void *data, size_t len);

/** Keyed hash of a 4-tuple (the connection table's hash). */
uint32_t tcp_tuple_hash(const uint8_t key[16], const struct og_tcp_tuple *t);

/** RFC 6528 ISN: a 4-microsecond clock plus a keyed hash of the 4-tuple. */
uint32_t tcp_isn(const uint8_t key[16], const struct og_tcp_tuple *t, uint64_t now_us);

/* --- SYN cookies (tcp_syncookie.c) --- */
/** What a SYN cookie remembers of the SYN (RFC 4987 3.6). */
struct tcp_cookie_data {
	uint16_t mss;  /**< rounded down to the table of tcp_cookie_encode */
	int8_t wscale; /**< -1: none */
	bool sack_ok;
};

/** The ISN of a SYN-ACK that carries a SYN cookie. */
uint32_t tcp_cookie_encode(const uint8_t key[16], const struct og_tcp_tuple *t, uint32_t irs,
			   uint64_t now_us, const struct tcp_cookie_data *d);

/**
 * Check the cookie of an ACK (@p isn = SEG.ACK - 1, @p irs = SEG.SEQ - 1).
 *
 * @return 0 and fills @p d, or -1 (forged or older than two periods of 64 s).
 */
int tcp_cookie_decode(const uint8_t key[16], const struct og_tcp_tuple *t, uint32_t irs,
		      uint32_t isn, uint64_t now_us, struct tcp_cookie_data *d);

/* --- timer wheel (tcp_timer.c): O(1) arm/cancel, a tick costs the timers of one slot --- */
struct tcp_timer {
	LIST_ENTRY(tcp_timer) link;
	uint64_t expire_tick;
	bool armed;
};
LIST_HEAD(tcp_timer_list, tcp_timer);

struct tcp_wheel {
	struct tcp_timer_list *slots;
	uint32_t mask;
	uint32_t tick_us;
	uint64_t cur_tick; /* every tick up to this one has been processed */
	uint32_t count;
};

/** Initialise a wheel of @p nslots (power of two) slots of @p tick_us over @p slots. */
void tcp_wheel_init(struct tcp_wheel *w, struct tcp_timer_list *slots, uint32_t nslots,
		    uint32_t tick_us, uint64_t now_us);
/** (Re)arm @p t to fire at the first tick at or after @p expire_us. */
void tcp_wheel_arm(struct tcp_wheel *w, struct tcp_timer *t, uint64_t expire_us);
/** Disarm @p t (no-op when not armed). */
void tcp_wheel_cancel(struct tcp_wheel *w, struct tcp_timer *t);
/**
 * Fire every timer due at @p now_us: each is disarmed, then @p fn runs (it
 * may re-arm it or arm others).
 *
 * @return the number of timers fired.
 */
uint32_t tcp_wheel_run(struct tcp_wheel *w, uint64_t now_us,
		       void (*fn)(void *arg, struct tcp_timer *t), void *arg);

/* --- connection table: chained hash with a keyed hash function --- */
struct og_tcp_conn;
struct tcp_htab {
	struct og_tcp_conn **b;
	size_t b_mapped; /* tcp_table_alloc() */
	uint32_t mask;
	uint8_t key[16];
};

/*
 * Zeroed memory for a large table touched at random (connections, hash
 * buckets): DPDK's heap when the EAL has hugepages, else an anonymous
 * mapping the kernel may back with transparent huge pages. *mapped is what
 * tcp_table_free() needs (0: from the heap).
 */
void *tcp_table_alloc(const char *name, size_t size, size_t *mapped);
void tcp_table_free(void *p, size_t mapped);

/* --- connections per remote address (tcp_source.c) --- */
struct tcp_src_ent {
	uint32_t addr_be;
	uint32_t n; /* connections holding a slot; 0: the entry is free */
};
struct tcp_src_tab {
	struct tcp_src_ent *e; /* NULL: max_conns_per_source is 0, nothing counted */
	size_t mapped;	       /* tcp_table_alloc() */
	uint32_t mask;
	uint8_t key[16];
};

/** A table for the addresses of @p max_conns connections. @return 0 or -ENOMEM. */
int tcp_src_init(struct tcp_src_tab *t, uint32_t max_conns, const uint8_t key[16]);
void tcp_src_free(struct tcp_src_tab *t);
/** Connections counted for @p addr_be. */
uint32_t tcp_src_count(const struct tcp_src_tab *t, uint32_t addr_be);
/** Count one more connection of @p addr_be. @return false when it could not be counted. */
bool tcp_src_inc(struct tcp_src_tab *t, uint32_t addr_be);
/** Count one connection of @p addr_be less. */
void tcp_src_dec(struct tcp_src_tab *t, uint32_t addr_be);

/* --- connections and the stack --- */
struct tcp_listener {
	uint32_t addr_be;
	uint16_t port_be;
	bool used;
	const struct og_tcp_app *app;
	void *arg;
};

struct og_tcp_conn {
	struct og_tcp_conn *hnext; /* hash chain, then free list */
	struct og_tcp_stack *st;
	struct og_tcp_tuple t;
	uint32_t hash;
	uint8_t state;
	/* flags */
	uint8_t ts_ok : 1, ws_ok : 1, sack_ok : 1, passive : 1, accepted : 1, app_closed : 1,
		shut_wr : 1, fin_rcvd : 1;
	uint8_t want_sendable : 1, in_recovery : 1, rtt_timing : 1, ooo_fin : 1, persist : 1,
		on_tw : 1, cookie : 1, dead : 1;
	uint8_t fin_acked : 1, sq_full_seen : 1, out_pending : 1;
	uint8_t src_counted : 1; /* counted in the stack's tcp_src_tab */
	uint8_t dupacks;
	uint8_t cc_algo; /* enum tcp_cc_algo (tcp_cc.h) */
	uint8_t retries;
	uint8_t snd_wscale, rcv_wscale;
	uint16_t mss; /* effective send MSS (payload bytes per segment) */
	uint16_t unacked_segs;
	const struct og_tcp_app *app;
	void *ctx;
	void *listen_arg;

	/* send sequence space (RFC 9293 3.3.1) */
	uint32_t iss, snd_una, snd_nxt, snd_max, snd_wnd, max_snd_wnd, snd_wl1, snd_wl2;
	uint32_t cwnd, ssthresh, recover;
	uint32_t sack_high; /* highest right edge the peer SACKed (RFC 6675 HighSACK) */
	/* send queue: mbuf segments linked by next from snd_una on */
	struct rte_mbuf *sq_head, *sq_tail;
	uint32_t sq_head_off;	 /* bytes of sq_head already acknowledged */
	uint32_t sq_bytes;	 /* bytes queued from snd_una on (FIN not included) */
	struct rte_mbuf *sq_cur; /* segment holding snd_nxt */
	uint32_t sq_cur_off;
	uint32_t snd_buf;
	/* RTT (RFC 6298) */
	uint32_t srtt_us, rttvar_us, rto_us;
	uint32_t rtt_seq;
	uint64_t rtt_start_us;

	/* receive sequence space */
	uint32_t irs, rcv_nxt, rcv_adv, rcv_buf, rcv_held;
	uint32_t ts_recent, ooo_fin_seq;
	uint64_t ts_recent_us;
	struct rte_mbuf *ooo_head; /* sorted by seq, linked through the dynfield */
	uint32_t ooo_n, ooo_bytes;
	uint32_t last_sack_seq;	   /* start of the block most recently changed (RFC 2018 4) */
	struct rte_mbuf *syn_data; /* payload of the SYN, delivered once established */

	/* RFC 5961 7 challenge-ACK limit */
	uint64_t chal_start_us;
	uint32_t chal_count;

	/* timers: one wheel entry at the earliest of these deadlines (0 = off) */
	struct tcp_timer tm;
	uint64_t rexmt_at, delack_at, idle_at, tw_at;
	uint64_t last_rx_us;
	TAILQ_ENTRY(og_tcp_conn) tw_link;
	TAILQ_ENTRY(og_tcp_conn) out_link; /* on out_list while out_pending */
};

#define TCP_TX_BURST 32

struct og_tcp_stack {
	struct og_tcp_conf conf;
	size_t conns_mapped; /* tcp_table_alloc() */
	struct og_tcp_stats stats;
	uint64_t now_us;
	uint32_t depth; /* nesting of entry points: tx and frees happen at depth 0 */
	uint16_t ntx;
	struct rte_mbuf *txq[TCP_TX_BURST];
	struct tcp_htab ht;
	struct tcp_src_tab src; /* conf.max_conns_per_source */
	struct tcp_wheel wheel;
	struct og_tcp_conn *conns;
	struct og_tcp_conn *free_list;
	struct og_tcp_conn *reap_list; /* closed, waiting for depth 0 */
	uint32_t nconns;
	uint32_t ntw;
	TAILQ_HEAD(, og_tcp_conn) tw_list;
	TAILQ_HEAD(tcp_conn_list, og_tcp_conn)
	out_list; /* output deferred (conf.output_burst) */
	struct tcp_listener *listeners;
	int ooo_dynfield; /* offset of struct tcp_ooo_meta in the mbuf */
	uint16_t port_next;
	uint8_t cookie_key[16], isn_key[16];
};

/* What the out-of-order queue keeps in each queued mbuf (dynamic field). */
struct tcp_ooo_meta {
	struct rte_mbuf *next;
	uint32_t seq;
	uint32_t len;
};

static inline struct tcp_ooo_meta *
tcp_ooo(const struct og_tcp_stack *st, struct rte_mbuf *m)
{
	return RTE_MBUF_DYNFIELD(m, st->ooo_dynfield, struct tcp_ooo_meta *);
}

/*
 * One's-complement sum (RFC 1071) of the pseudo-header (RFC 9293 3.1) and the
 * TCP segment at @p l4_off of a chain, folded, not complemented: 0xffff over
 * a segment whose checksum is right.
 */
static inline uint16_t
tcp_cksum_sum(const struct rte_mbuf *m, const struct rte_ipv4_hdr *ip, uint32_t l4_off)
{
	uint32_t l4_len = rte_be_to_cpu_16(ip->total_length) - l4_off, sum = 0, done = 0;

	/*
	 * Not rte_raw_cksum_mbuf(): DPDK 22.11's truncates a segment's
	 * 32-bit partial sum to 16 bits before byte-swapping it for an odd
	 * offset, losing its carries, so a chain with an odd-length segment
	 * before a long one got a wrong checksum (an HTTP head in front of
	 * zero-copy body segments). Each partial sum is folded first here;
	 * folding and byte-swapping commute in one's-complement arithmetic
	 * (RFC 1071 2(B)).
	 */
	while (m != NULL && l4_off >= m->data_len) {
		l4_off -= m->data_len;
		m = m->next;
	}
	for (; m != NULL && done < l4_len; m = m->next, l4_off = 0) {
		uint32_t n = RTE_MIN((uint32_t)m->data_len - l4_off, l4_len - done);
		uint16_t part = __rte_raw_cksum_reduce(
			__rte_raw_cksum(rte_pktmbuf_mtod_offset(m, const void *, l4_off), n, 0));

		sum += (done & 1) ? rte_bswap16(part) : part;
		done += n;
	}
	if (done != l4_len)
		return 0;
	sum = (sum & 0xffff) + (sum >> 16);
	sum += rte_ipv4_phdr_cksum(ip, 0);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

static inline void
tcp_drop(struct og_tcp_stack *st, enum og_tcp_drop d)
{
	st->stats.drop[d]++;
}

static inline void
tcp_count(struct og_tcp_stack *st, enum og_tcp_cnt c)
{
	st->stats.cnt[c]++;
}

/* hash table (tcp_table.c) */
int tcp_htab_init(struct tcp_htab *h, uint32_t nbuckets, const uint8_t key[16]);
struct og_tcp_conn *tcp_htab_lookup(const struct tcp_htab *h, const struct og_tcp_tuple *t);
/** tcp_htab_lookup() with the tuple's hash already known (@p hv). */
struct og_tcp_conn *tcp_htab_lookup_hv(const struct tcp_htab *h, const struct og_tcp_tuple *t,
				       uint32_t hv);
void tcp_htab_insert(struct tcp_htab *h, struct og_tcp_conn *c);
void tcp_htab_remove(struct tcp_htab *h, struct og_tcp_conn *c);

/* stack internals (tcp_stack.c) */
struct og_tcp_conn *tcp_conn_alloc(struct og_tcp_stack *st, const struct og_tcp_tuple *t);
void tcp_set_state(struct og_tcp_conn *c, enum og_tcp_state s);
void tcp_conn_finish(struct og_tcp_conn *c, int reason);
void tcp_timer_update(struct og_tcp_conn *c);
void tcp_enter_time_wait(struct og_tcp_conn *c);
void tcp_stack_enter(struct og_tcp_stack *st);
void tcp_stack_leave(struct og_tcp_stack *st);
/**
 * Release the slots of the connections that closed, now rather than when the
 * outermost entry point returns. Only where no caller up the stack holds a
 * connection: a listener's segment at depth 1, after evict() aborted one.
 */
void tcp_stack_reap(struct og_tcp_stack *st);
uint32_t tcp_rcv_window(const struct og_tcp_conn *c);
void tcp_rtt_sample(struct og_tcp_conn *c, uint32_t rtt_us);
void tcp_rto_arm(struct og_tcp_conn *c);

/* output (tcp_output.c) */
void tcp_tx_flush(struct og_tcp_stack *st);
int tcp_send_ctl(struct og_tcp_conn *c, uint8_t flags);
void tcp_send_ack(struct og_tcp_conn *c);
void tcp_output(struct og_tcp_conn *c);
void tcp_retransmit_una(struct og_tcp_conn *c);
void tcp_send_probe(struct og_tcp_conn *c);
void tcp_sq_drop_acked(struct og_tcp_conn *c, uint32_t acked);
void tcp_sq_rewind(struct og_tcp_conn *c);
/** RST for a segment that has no connection (RFC 9293 3.10.7.1). */
void tcp_send_rst_reply(struct og_tcp_stack *st, const struct og_tcp_tuple *t, uint32_t seq,
			uint32_t ack, uint8_t flags);
/** A SYN-ACK that carries a cookie and keeps no state. */
void tcp_send_synack_stateless(struct og_tcp_stack *st, const struct og_tcp_tuple *t, uint32_t isn,
			       uint32_t irs, const struct og_tcp_opts *peer);
void tcp_free_chain_list(struct rte_mbuf *m);

/* input (tcp_input.c) */
void tcp_ooo_purge(struct og_tcp_conn *c);

#endif /* TCP_PRIVATE_H */
