/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Script runner for lib/tcp, in the spirit of packetdrill: each line of a
 * tests/tcp/NAME.pkt file happens at a virtual time and either injects a
 * segment into the stack ("<"), asserts the next segment the stack sent
 * (">"), drives the application ("app ...") or checks state ("expect ...").
 * The syntax is described in tests/tcp/README.md. Exit status: 0 when every
 * script passed.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_mbuf.h>

#include "og_tcp_sim.h"

#define PEER_ADDR    0xc0000201u /* 192.0.2.1 */
#define LOCAL_ADDR   0xc0000202u /* 192.0.2.2 */
#define LOCAL_PORT   8080
#define PEER_PORT    40000
#define PEER_ISN     1000000u
#define TOLERANCE_US 2000
#define MAX_CONNS    16
#define NOT_YET	     1 /* closed/connected result not reported yet */

struct sconn {
	uint16_t rport; /* peer's port: the key */
	uint16_t lport;
	bool used, have_iss;
	uint32_t iss;
	struct og_tcp_conn *c;
	uint64_t recv_total, sent_total;
	uint64_t held; /* bytes received and not yet recv_done */
	int closed, connected;
	bool peer_closed, sendable;
	bool bad_data;
	struct rte_mbuf *queue; /* "app queue": waits for og_tcp_send_list() */
	uint64_t queued;	/* bytes in queue */
	int queue_rc;		/* og_tcp_send_list()'s last result */
	uint64_t accept_seq;	/* order of accepted(): evict() takes the oldest */
};

struct runner {
	const char *file;
	int line;
	char err[512];
	bool failed;
	struct og_tcp_conf conf;
	struct og_tcp_sim *sim;
	uint64_t t_us;
	bool hold; /* the application keeps what it receives until recv_done */
	uint32_t last_tsval;
	struct sconn conns[MAX_CONNS];
	struct rte_mbuf *stash[65536];
	uint32_t nstash;
	struct og_tcp_app app;
	int evict_mode; /* config evict: 0 no callback, 1 refuses, 2 aborts the oldest */
	uint64_t accepts;
};

static struct runner *R;

static void
fail(const char *fmt, ...)
{
	va_list ap;

	if (R->failed)
		return;
	R->failed = true;
	va_start(ap, fmt);
	vsnprintf(R->err, sizeof(R->err), fmt, ap);
	va_end(ap);
}

static struct sconn *
conn_by_port(uint16_t rport, bool create)
{
	for (int i = 0; i < MAX_CONNS; i++)
		if (R->conns[i].used && R->conns[i].rport == rport)
			return &R->conns[i];
	if (!create)
		return NULL;
	for (int i = 0; i < MAX_CONNS; i++) {
		struct sconn *s = &R->conns[i];

		if (!s->used) {
			memset(s, 0, sizeof(*s));
			s->used = true;
			s->rport = rport;
			s->lport = LOCAL_PORT;
			s->closed = NOT_YET;
			s->connected = NOT_YET;
			return s;
		}
	}
	return NULL;
}

static struct sconn *
conn_of(struct og_tcp_conn *c)
{
	struct og_tcp_tuple t;

	og_tcp_conn_tuple(c, &t);
	return conn_by_port(rte_be_to_cpu_16(t.rport_be), true);
}

/* --- application callbacks --- */
static void *
app_accepted(void *arg, struct og_tcp_conn *c)
{
	struct sconn *s = conn_of(c);

	(void)arg;
	s->c = c;
	s->accept_seq = ++R->accepts;
	return s;
}

/* "config evict 1": none may go; "config evict 2": abort the oldest accepted. */
static bool
app_evict(void *arg)
{
	struct sconn *old = NULL;

	(void)arg;
	if (R->evict_mode != 2)
		return false;
	for (int i = 0; i < MAX_CONNS; i++) {
		struct sconn *s = &R->conns[i];

		if (s->used && s->c != NULL && (old == NULL || s->accept_seq < old->accept_seq))
			old = s;
	}
	if (old == NULL)
		return false;
	og_tcp_abort(old->c);
	return true;
}

static void
app_connected(void *ctx, struct og_tcp_conn *c, int err)
{
	struct sconn *s = ctx;

	(void)c;
	s->connected = err;
}

static void
app_recv(void *ctx, struct og_tcp_conn *c, struct rte_mbuf *m)
{
	struct sconn *s = ctx;
	uint32_t len = m->pkt_len, off = 0;

	/* the byte at peer sequence number x is (uint8_t)x */
	for (struct rte_mbuf *seg = m; seg != NULL; seg = seg->next) {
		const uint8_t *p = rte_pktmbuf_mtod(seg, const uint8_t *);

		for (uint32_t i = 0; i < seg->data_len; i++, off++)
			if (p[i] != (uint8_t)(PEER_ISN + 1 + s->recv_total + off))
				s->bad_data = true;
	}
	s->recv_total += len;
	rte_pktmbuf_free(m);
	if (R->hold)
		s->held += len;
	else
		og_tcp_recv_done(c, len);
}

/* Hand the stack what "app queue" left waiting. */
static void
queue_push(struct sconn *s)
{
	uint32_t n = 0;

	if (s->queue == NULL || s->c == NULL)
		return;
	s->queue_rc = og_tcp_send_list(s->c, &s->queue, &n);
	s->queued -= n;
	s->sent_total += n;
}

static void
app_sendable(void *ctx, struct og_tcp_conn *c)
{
	struct sconn *s = ctx;

	(void)c;
	s->sendable = true;
	queue_push(s);
}

static void
app_peer_closed(void *ctx, struct og_tcp_conn *c)
{
	(void)c;
	((struct sconn *)ctx)->peer_closed = true;
}

static void
app_closed(void *ctx, struct og_tcp_conn *c, int reason)
{
	struct sconn *s = ctx;

	(void)c;
	s->closed = reason;
	s->c = NULL;
}

/* --- parsing helpers --- */
static char *
skip(char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

static const char *const errnames[] = {
	"0",	  "ECONNRESET", "ETIMEDOUT", "ECONNABORTED", "ECONNREFUSED",
	"EAGAIN", "ENOTCONN",	"EPIPE"
};
static const int errvals[] = { 0,	-ECONNRESET, -ETIMEDOUT, -ECONNABORTED, -ECONNREFUSED,
			       -EAGAIN, -ENOTCONN,   -EPIPE };

static int
parse_err(const char *w, bool *ok)
{
	for (size_t i = 0; i < OG_ARRAY_SIZE(errnames); i++)
		if (strcmp(w, errnames[i]) == 0) {
			*ok = true;
			return errvals[i];
		}
	*ok = false;
	return 0;
}

static const char *
err_name(int v)
{
	for (size_t i = 0; i < OG_ARRAY_SIZE(errvals); i++)
		if (errvals[i] == v)
			return errnames[i];
	return v == NOT_YET ? "(none yet)" : "?";
}

static uint8_t
parse_flags(const char *w)
{
	uint8_t f = 0;

	for (; *w; w++) {
		switch (*w) {
		case 'S':
			f |= TCP_TH_SYN;
			break;
		case 'F':
			f |= TCP_TH_FIN;
			break;
		case 'R':
			f |= TCP_TH_RST;
			break;
		case 'P':
			f |= TCP_TH_PSH;
			break;
		case '.':
			f |= TCP_TH_ACK;
			break;
		default:
			fail("bad flag '%c'", *w);
		}
	}
	return f;
}

static void
flags_str(uint8_t f, char *b)
{
	int n = 0;

	if (f & TCP_TH_SYN)
		b[n++] = 'S';
	if (f & TCP_TH_FIN)
		b[n++] = 'F';
	if (f & TCP_TH_RST)
		b[n++] = 'R';
	if (f & TCP_TH_PSH)
		b[n++] = 'P';
	if (f & TCP_TH_ACK)
		b[n++] = '.';
	b[n] = 0;
}

struct spec {
	uint8_t flags;
	uint32_t seq, len;
	bool has_ack, has_win, has_opts, ts_any, ecr_any, ecr_echo;
	uint32_t ack;
	uint16_t win, port;
	struct og_tcp_opts o;
	bool bad_csum;
	uint32_t addr; /* the peer's address: 192.0.2.N for "addr N" (default 1) */
};

/* "<mss 1460,sackOK,TS val 1 ecr 0,nop,wscale 7,sack 101:201 301:401>" */
static void
parse_opts(char *p, struct spec *sp)
{
	char *tok, *save = NULL;

	sp->has_opts = true;
	for (tok = strtok_r(p, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
		char *w = skip(tok);
		char v1[32], v2[32];

		if (strncmp(w, "mss", 3) == 0) {
			sp->o.has_mss = true;
			sp->o.mss = (uint16_t)strtoul(w + 3, NULL, 0);
		} else if (strncmp(w, "sackOK", 6) == 0) {
			sp->o.sack_ok = true;
		} else if (strncmp(w, "TS", 2) == 0) {
			if (sscanf(w, "TS val %31s ecr %31s", v1, v2) != 2) {
				fail("bad TS option '%s'", w);
				return;
			}
			sp->o.has_ts = true;
			sp->ts_any = strcmp(v1, "*") == 0;
			sp->o.tsval = (uint32_t)strtoul(v1, NULL, 0);
			sp->ecr_any = strcmp(v2, "*") == 0;
			sp->ecr_echo = strcmp(v2, "echo") == 0;
			sp->o.tsecr = (uint32_t)strtoul(v2, NULL, 0);
		} else if (strncmp(w, "wscale", 6) == 0) {
			sp->o.has_ws = true;
			sp->o.wscale = (uint8_t)strtoul(w + 6, NULL, 0);
		} else if (strncmp(w, "nop", 3) == 0) {
		} else if (strncmp(w, "sack", 4) == 0) {
			char *q = w + 4;

			while (*(q = skip(q)) && sp->o.nsack < TCP_MAX_SACK) {
				unsigned long l, r;

				if (sscanf(q, "%lu:%lu", &l, &r) != 2) {
					fail("bad sack block '%s'", q);
					return;
				}
				sp->o.sack[sp->o.nsack][0] = PEER_ISN + (uint32_t)l;
				sp->o.sack[sp->o.nsack++][1] = PEER_ISN + (uint32_t)r;
				while (*q && *q != ' ')
					q++;
			}
		} else {
			fail("unknown option '%s'", w);
		}
	}
}

/* "S. 0:0(0) ack 1 win 65535 port 40001 <...>" */
static void
parse_seg(char *p, struct spec *sp)
{
	char w[16];
	unsigned long a, b, n;
	int k;

	memset(sp, 0, sizeof(*sp));
	sp->port = PEER_PORT;
	sp->win = 65535;
	sp->addr = PEER_ADDR;
	if (sscanf(p, "%15s %lu:%lu(%lu)%n", w, &a, &b, &n, &k) != 4) {
		fail("cannot parse segment '%s'", p);
		return;
	}
	if (b != a + n)
		fail("end %lu != start %lu + length %lu", b, a, n);
	sp->flags = parse_flags(w);
	sp->seq = (uint32_t)a;
	sp->len = (uint32_t)n;
	p += k;
	for (;;) {
		p = skip(p);
		if (*p == 0 || *p == '#')
			break;
		if (*p == '<') {
			char *e = strchr(p, '>');

			if (e == NULL) {
				fail("unterminated options");
				return;
			}
			*e = 0;
			parse_opts(p + 1, sp);
			p = e + 1;
		} else if (strncmp(p, "ack", 3) == 0) {
			sp->has_ack = true;
			sp->ack = (uint32_t)strtoul(p + 3, &p, 0);
		} else if (strncmp(p, "win", 3) == 0) {
			sp->has_win = true;
			sp->win = (uint16_t)strtoul(p + 3, &p, 0);
		} else if (strncmp(p, "port", 4) == 0) {
			sp->port = (uint16_t)strtoul(p + 4, &p, 0);
		} else if (strncmp(p, "addr", 4) == 0) {
			sp->addr = (PEER_ADDR & ~0xffu) | (strtoul(p + 4, &p, 0) & 0xffu);
		} else if (strncmp(p, "badcsum", 7) == 0) {
			sp->bad_csum = true;
			p += 7;
		} else {
			fail("unexpected '%s'", p);
			return;
		}
	}
}

/* --- actions --- */
static void
do_inject(struct spec *sp)
{
	struct sconn *s = conn_by_port(sp->port, true);
	struct og_tcp_sim_seg g;

	if (og_tcp_sim_pending(R->sim) > 0) {
		struct og_tcp_sim_seg x;
		char f[8];

		og_tcp_sim_pop(R->sim, &x);
		flags_str(x.flags, f);
		fail("unexpected outgoing segment %s seq %u ack %u len %u at %.3f", f,
		     x.seq - s->iss, x.ack - PEER_ISN, x.len, x.t_us / 1e6);
		return;
	}
	if (sp->flags == TCP_TH_SYN && s->closed != NOT_YET && s->c == NULL) {
		/* a new incarnation of a closed connection's port (TIME-WAIT reuse) */
		s->used = false;
		s = conn_by_port(sp->port, true);
	}
	memset(&g, 0, sizeof(g));
	g.saddr = sp->addr;
	g.daddr = LOCAL_ADDR;
	g.sport = sp->port;
	g.dport = s->lport;
	g.seq = PEER_ISN + sp->seq;
	g.ack = sp->has_ack ? s->iss + sp->ack : 0;
	g.flags = sp->flags;
	g.win = sp->win;
	g.len = sp->len;
	g.opts = sp->o;
	/* inbound SACK blocks acknowledge the stack's data: relative to its ISS */
	for (unsigned int i = 0; i < g.opts.nsack; i++) {
		g.opts.sack[i][0] = g.opts.sack[i][0] - PEER_ISN + s->iss;
		g.opts.sack[i][1] = g.opts.sack[i][1] - PEER_ISN + s->iss;
	}
	if (sp->ecr_echo)
		g.opts.tsecr = R->last_tsval;
	g.bad_csum = sp->bad_csum;
	if (og_tcp_sim_inject(R->sim, &g) != 0)
		fail("cannot build the segment (data pool empty)");
}

static void
do_expect_seg(struct spec *sp)
{
	struct sconn *s = conn_by_port(sp->port, true);
	struct og_tcp_sim_seg g;
	char f1[8], f2[8];

	if (og_tcp_sim_pending(R->sim) == 0)
		og_tcp_sim_advance(R->sim, R->t_us + TOLERANCE_US);
	if (og_tcp_sim_pop(R->sim, &g) != 0) {
		fail("expected a segment, the stack sent none");
		return;
	}
	flags_str(g.flags, f1);
	flags_str(sp->flags, f2);
	if ((g.flags & TCP_TH_SYN) && sp->seq == 0 && !s->have_iss) {
		s->iss = g.seq;
		s->have_iss = true;
	}
	if (g.daddr != sp->addr) {
		fail("segment to 192.0.2.%u, expected 192.0.2.%u", g.daddr & 0xff, sp->addr & 0xff);
		return;
	}
	if (g.dport != sp->port) {
		fail("segment to port %u, expected %u", g.dport, sp->port);
		return;
	}
	if (g.sport != s->lport) {
		fail("segment from port %u, expected %u", g.sport, s->lport);
		return;
	}
	if (g.t_us + TOLERANCE_US < R->t_us || g.t_us > R->t_us + TOLERANCE_US) {
		fail("segment %s seq %u ack %u len %u sent at %.3f s, expected at %.3f s", f1,
		     g.seq - s->iss, g.ack - PEER_ISN, g.len, g.t_us / 1e6, R->t_us / 1e6);
		return;
	}
	if (g.bad_csum)
		fail("segment with a bad checksum or length");
	if (g.flags != sp->flags)
		fail("flags %s, expected %s (seq %u len %u ack %u)", f1, f2, g.seq - s->iss, g.len,
		     g.ack - PEER_ISN);
	else if (g.seq - s->iss != sp->seq)
		fail("seq %u, expected %u", g.seq - s->iss, sp->seq);
	else if (g.len != sp->len)
		fail("length %u, expected %u", g.len, sp->len);
	else if (sp->has_ack && g.ack - PEER_ISN != sp->ack)
		fail("ack %u, expected %u", g.ack - PEER_ISN, sp->ack);
	else if (sp->has_win && g.win != sp->win)
		fail("window %u, expected %u", g.win, sp->win);
	if (R->failed)
		return;
	if (g.opts.has_ts)
		R->last_tsval = g.opts.tsval;
	/* payload bytes the application sent are numbered from our ISS + 1 */
	for (uint32_t i = 0; i < OG_MIN(g.len, (uint32_t)sizeof(g.payload)); i++)
		if (g.payload[i] != (uint8_t)(g.seq - s->iss - 1 + i)) {
			fail("payload byte %u is %u, expected %u", i, g.payload[i],
			     (uint8_t)(g.seq - s->iss - 1 + i));
			return;
		}
	if (!sp->has_opts)
		return;
	if (g.opts.has_mss != sp->o.has_mss || (sp->o.has_mss && g.opts.mss != sp->o.mss))
		fail("MSS option %s%u, expected %s%u", g.opts.has_mss ? "" : "none ", g.opts.mss,
		     sp->o.has_mss ? "" : "none ", sp->o.mss);
	else if (g.opts.has_ws != sp->o.has_ws || (sp->o.has_ws && g.opts.wscale != sp->o.wscale))
		fail("wscale option %d/%u, expected %d/%u", g.opts.has_ws, g.opts.wscale,
		     sp->o.has_ws, sp->o.wscale);
	else if (g.opts.sack_ok != sp->o.sack_ok)
		fail("sackOK %d, expected %d", g.opts.sack_ok, sp->o.sack_ok);
	else if (g.opts.has_ts != sp->o.has_ts)
		fail("timestamps %d, expected %d", g.opts.has_ts, sp->o.has_ts);
	else if (sp->o.has_ts && !sp->ts_any && g.opts.tsval != sp->o.tsval)
		fail("TS val %u, expected %u", g.opts.tsval, sp->o.tsval);
	else if (sp->o.has_ts && !sp->ecr_any && g.opts.tsecr != sp->o.tsecr)
		fail("TS ecr %u, expected %u", g.opts.tsecr, sp->o.tsecr);
	else if (g.opts.nsack != sp->o.nsack)
		fail("%u SACK blocks, expected %u", g.opts.nsack, sp->o.nsack);
	for (uint32_t i = 0; !R->failed && i < sp->o.nsack; i++)
		if (g.opts.sack[i][0] != sp->o.sack[i][0] || g.opts.sack[i][1] != sp->o.sack[i][1])
			fail("SACK block %u is %u:%u, expected %u:%u", i,
			     g.opts.sack[i][0] - PEER_ISN, g.opts.sack[i][1] - PEER_ISN,
			     sp->o.sack[i][0] - PEER_ISN, sp->o.sack[i][1] - PEER_ISN);
}

static struct rte_mbuf *
make_data(uint64_t base, uint32_t n)
{
	struct rte_mbuf *head = NULL;
	uint32_t off = 0;

	/* segments of 1000 bytes: segmentation must cross mbuf boundaries */
	while (off < n) {
		uint32_t k = OG_MIN(n - off, 1000u);
		struct rte_mbuf *m = rte_pktmbuf_alloc(og_tcp_sim_data_pool(R->sim));
		uint8_t *p;

		if (m == NULL) {
			rte_pktmbuf_free(head);
			return NULL;
		}
		p = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)k);
		for (uint32_t i = 0; i < k; i++)
			p[i] = (uint8_t)(base + off + i);
		if (head == NULL)
			head = m;
		else if (rte_pktmbuf_chain(head, m) != 0) {
			rte_pktmbuf_free(m);
			rte_pktmbuf_free(head);
			return NULL;
		}
		off += k;
	}
	return head;
}

static void
do_app(char *p, uint16_t port)
{
	struct sconn *s = conn_by_port(port, true);
	char cmd[32], arg[32] = "", arg2[32] = "";
	int n = sscanf(p, "%31s %31s %31s", cmd, arg, arg2);

	if (n < 1) {
		fail("empty app command");
		return;
	}
	if (strcmp(cmd, "hold") == 0) {
		R->hold = true;
		return;
	}
	if (strcmp(cmd, "connect") == 0) {
		struct og_tcp_conn *c;
		struct og_tcp_tuple t;

		c = og_tcp_connect(og_tcp_sim_stack(R->sim), rte_cpu_to_be_32(LOCAL_ADDR),
				   rte_cpu_to_be_32(PEER_ADDR), rte_cpu_to_be_16(port), &R->app, s);
		if (c == NULL) {
			fail("og_tcp_connect failed");
			return;
		}
		og_tcp_conn_tuple(c, &t);
		s->c = c;
		s->lport = rte_be_to_cpu_16(t.lport_be);
		return;
	}
	if (s->c == NULL) {
		fail("app %s: no connection on port %u", cmd, port);
		return;
	}
	if (strcmp(cmd, "send") == 0) {
		uint32_t len = (uint32_t)strtoul(arg, NULL, 0);
		struct rte_mbuf *m = make_data(s->sent_total + s->queued, len);
		int want = 0, rc;
		bool ok = true;

		if (strcmp(arg2, "") != 0)
			want = parse_err(arg2, &ok);
		if (m == NULL || !ok) {
			fail("app send: no mbuf or bad expected result '%s'", arg2);
			return;
		}
		rc = og_tcp_send(s->c, m);
		if (rc == 0)
			s->sent_total += len;
		else
			rte_pktmbuf_free(m);
		if (rc != want)
			fail("og_tcp_send returned %s, expected %s", err_name(rc), err_name(want));
	} else if (strcmp(cmd, "queue") == 0) {
		/* N bytes as a list of unchained 1000-byte mbufs behind what waits */
		uint32_t len = (uint32_t)strtoul(arg, NULL, 0);
		struct rte_mbuf *m = make_data(s->sent_total + s->queued, len), **tail = &s->queue;

		if (m == NULL) {
			fail("app queue: no mbuf");
			return;
		}
		for (struct rte_mbuf *x = m; x != NULL; x = x->next) {
			x->pkt_len = x->data_len; /* the list's heads carry no totals */
			x->nb_segs = 1;
		}
		while (*tail != NULL)
			tail = &(*tail)->next;
		*tail = m;
		s->queued += len;
		queue_push(s);
	} else if (strcmp(cmd, "recv_done") == 0) {
		uint32_t len = strcmp(arg, "all") == 0 ? (uint32_t)s->held
						       : (uint32_t)strtoul(arg, NULL, 0);

		s->held -= OG_MIN((uint64_t)len, s->held);
		og_tcp_recv_done(s->c, len);
	} else if (strcmp(cmd, "snd_buf") == 0) {
		/* this connection's send buffer; "snd_buf 0" must be refused */
		uint32_t len = (uint32_t)strtoul(arg, NULL, 0);
		int rc = og_tcp_set_snd_buf(s->c, len);

		if (rc != (len == 0 ? -EINVAL : 0))
			fail("og_tcp_set_snd_buf(%u) returned %s", len, err_name(rc));
		if (len != 0)
			queue_push(s); /* what waits may fit now */
	} else if (strcmp(cmd, "close") == 0) {
		og_tcp_close(s->c);
	} else if (strcmp(cmd, "shutdown") == 0) {
		og_tcp_shutdown(s->c);
	} else if (strcmp(cmd, "abort") == 0) {
		og_tcp_abort(s->c);
	} else {
		fail("unknown app command '%s'", cmd);
	}
}

static bool
name_match(const char *metric, const char *w)
{
	size_t lw = strlen(w);
	const char *pre = "otlpgate_tcp_";

	if (strcmp(metric, w) == 0)
		return true;
	if (strncmp(metric, pre, strlen(pre)) != 0)
		return false;
	metric += strlen(pre);
	return strncmp(metric, w, lw) == 0 &&
	       (metric[lw] == 0 || strcmp(metric + lw, "_total") == 0);
}

static void
do_expect(char *p, uint16_t port)
{
	const struct og_tcp_stats *st = og_tcp_stats(og_tcp_sim_stack(R->sim));
	struct sconn *s = conn_by_port(port, true);
	char what[32], a[48] = "", b[32] = "";
	bool ok = true;
	int v;

	sscanf(p, "%31s %47s %31s", what, a, b);
	if (strcmp(what, "recv") == 0) {
		if (s->recv_total != strtoull(a, NULL, 0))
			fail("application received %llu bytes, expected %s",
			     (unsigned long long)s->recv_total, a);
		else if (s->bad_data)
			fail("application received wrong bytes");
	} else if (strcmp(what, "closed") == 0) {
		v = parse_err(a, &ok);
		if (!ok || s->closed != v)
			fail("closed: %s, expected %s", err_name(s->closed), a);
	} else if (strcmp(what, "open") == 0) {
		if (s->closed != NOT_YET)
			fail("connection closed (%s), expected open", err_name(s->closed));
	} else if (strcmp(what, "connected") == 0) {
		v = parse_err(a, &ok);
		if (!ok || s->connected != v)
			fail("connected: %s, expected %s", err_name(s->connected), a);
	} else if (strcmp(what, "peer_closed") == 0) {
		if (!s->peer_closed)
			fail("peer_closed() was not called");
	} else if (strcmp(what, "queued") == 0) {
		/* "expect queued BYTES [RESULT]": left waiting, og_tcp_send_list()'s result */
		int want = b[0] != 0 ? parse_err(b, &ok) : 0;

		if (s->queued != strtoull(a, NULL, 0))
			fail("%llu bytes queued, expected %s", (unsigned long long)s->queued, a);
		else if (b[0] != 0 && (!ok || s->queue_rc != want))
			fail("og_tcp_send_list returned %s, expected %s", err_name(s->queue_rc), b);
	} else if (strcmp(what, "sendable") == 0) {
		if (!s->sendable)
			fail("sendable() was not called");
	} else if (strcmp(what, "state") == 0) {
		const char *name =
			s->c != NULL ? og_tcp_state_name(og_tcp_conn_state(s->c)) : "none";

		if (strcmp(name, a) != 0)
			fail("state %s, expected %s", name, a);
	} else if (strcmp(what, "states") == 0) {
		/* connections in a state, released ones not counted: "expect states time_wait 1" */
		for (int i = 0; i < OG_TCP_STATE_MAX; i++)
			if (strcmp(og_tcp_state_name(i), a) == 0 &&
			    st->conns[i] != strtoul(b, NULL, 0))
				fail("%u connections in %s, expected %s", st->conns[i], a, b);
	} else if (strcmp(what, "cnt") == 0 || strcmp(what, "drop") == 0) {
		bool cnt = what[0] == 'c', found = false;
		int max = cnt ? OG_TCP_CNT_MAX : OG_TCP_DROP_MAX;

		for (int i = 0; i < max; i++) {
			const char *name = cnt ? og_tcp_cnt_name(i) : og_tcp_drop_name(i);
			uint64_t val = cnt ? st->cnt[i] : st->drop[i];

			if (!name_match(name, a))
				continue;
			found = true;
			if (val != strtoull(b, NULL, 0))
				fail("%s %s = %llu, expected %s", what, a, (unsigned long long)val,
				     b);
		}
		if (!found)
			fail("no %s named %s", what, a);
	} else if (strcmp(what, "none") == 0) {
		if (og_tcp_sim_pending(R->sim) > 0)
			fail("the stack sent a segment, expected none");
	} else {
		fail("unknown expectation '%s'", what);
	}
}

static void
do_sim(char *p)
{
	struct rte_mempool *mp = og_tcp_sim_hdr_pool(R->sim);

	if (strncmp(p, "pool_empty", 10) == 0) {
		while (R->nstash < OG_ARRAY_SIZE(R->stash)) {
			struct rte_mbuf *m = rte_pktmbuf_alloc(mp);

			if (m == NULL)
				break;
			R->stash[R->nstash++] = m;
		}
	} else if (strncmp(p, "pool_refill", 11) == 0) {
		while (R->nstash > 0)
			rte_pktmbuf_free(R->stash[--R->nstash]);
	} else {
		fail("unknown sim command '%s'", p);
	}
}

static void
do_config(char *p)
{
	char k[32];
	unsigned long long v;

	if (R->sim != NULL) {
		fail("config after the first event");
		return;
	}
	if (sscanf(p, "%31s %llu", k, &v) != 2) {
		fail("bad config line");
		return;
	}
#define CFG(name, field, mul)                                                \
	if (strcmp(k, name) == 0) {                                          \
		R->conf.field = (__typeof__(R->conf.field))(v * (mul##ULL)); \
		return;                                                      \
	}
	CFG("max_conns", max_conns, 1)
	CFG("syncookie_threshold", syncookie_threshold, 1)
	CFG("rcv_buf", rcv_buf, 1)
	CFG("snd_buf", snd_buf, 1)
	CFG("ooo_max", ooo_max, 1)
	CFG("mss", mss, 1)
	CFG("wscale", wscale, 1)
	CFG("max_time_wait", max_time_wait, 1)
	CFG("time_wait_ms", time_wait_us, 1000)
	CFG("idle_ms", idle_timeout_us, 1000)
	CFG("rto_min_ms", rto_min_us, 1000)
	CFG("max_retries", max_retries, 1)
	CFG("output_burst", output_burst, 1)
	CFG("rcv_mem_limit", rcv_mem_limit, 1)
	CFG("max_conns_per_source", max_conns_per_source, 1)
	CFG("evict_threshold", evict_threshold, 1)
	if (strcmp(k, "evict") == 0) {
		R->evict_mode = (int)v;
		return;
	}
	if (strcmp(k, "tx_csum_offload") == 0) {
		R->conf.tx_csum_offload = v != 0;
		return;
	}
#undef CFG
	fail("unknown config key '%s'", k);
}

static int
run_script(const char *path)
{
	FILE *f = fopen(path, "r");
	char buf[1024];

	if (f == NULL) {
		perror(path);
		return 1;
	}
	memset(R, 0, sizeof(*R));
	R->file = path;
	og_tcp_conf_init(&R->conf);
	R->app = (struct og_tcp_app){
		.accepted = app_accepted,
		.connected = app_connected,
		.recv = app_recv,
		.sendable = app_sendable,
		.peer_closed = app_peer_closed,
		.closed = app_closed,
	};
	while (!R->failed && fgets(buf, sizeof(buf), f) != NULL) {
		char *p = skip(buf), *e;
		uint16_t port = PEER_PORT;
		char *pp;

		R->line++;
		buf[strcspn(buf, "\r\n")] = 0;
		if (*p == 0 || *p == '#')
			continue;
		if (strncmp(p, "config", 6) == 0) {
			do_config(p + 6);
			continue;
		}
		if (R->sim == NULL) {
			if (R->evict_mode != 0)
				R->app.evict = app_evict;
			R->sim = og_tcp_sim_create(&R->conf, 16384);
			if (R->sim == NULL) {
				fail("cannot create the simulator");
				break;
			}
			if (og_tcp_listen(og_tcp_sim_stack(R->sim), rte_cpu_to_be_32(LOCAL_ADDR),
					  rte_cpu_to_be_16(LOCAL_PORT), &R->app, R) != 0)
				fail("og_tcp_listen failed");
		}
		/* time: "+0.040" relative to the previous line, "1.5" absolute */
		if (*p == '+') {
			R->t_us += (uint64_t)(strtod(p + 1, &e) * 1e6 + 0.5);
		} else {
			R->t_us = (uint64_t)(strtod(p, &e) * 1e6 + 0.5);
		}
		if (e == p) {
			fail("line does not start with a time");
			break;
		}
		p = skip(e);
		if ((pp = strstr(p, " port ")) != NULL && strncmp(p, "<", 1) != 0 &&
		    strncmp(p, ">", 1) != 0) {
			port = (uint16_t)strtoul(pp + 6, NULL, 0);
			*pp = 0;
		}
		og_tcp_sim_advance(R->sim, R->t_us);
		if (*p == '<' || *p == '>') {
			struct spec sp;

			parse_seg(skip(p + 1), &sp);
			if (R->failed)
				break;
			if (*p == '<')
				do_inject(&sp);
			else
				do_expect_seg(&sp);
		} else if (strncmp(p, "app", 3) == 0) {
			do_app(skip(p + 3), port);
		} else if (strncmp(p, "expect", 6) == 0) {
			do_expect(skip(p + 6), port);
		} else if (strncmp(p, "sim", 3) == 0) {
			do_sim(skip(p + 3));
		} else {
			fail("unknown line");
		}
	}
	fclose(f);
	if (!R->failed && R->sim != NULL && og_tcp_sim_pending(R->sim) > 0) {
		struct og_tcp_sim_seg x;
		char fl[8];

		og_tcp_sim_pop(R->sim, &x);
		flags_str(x.flags, fl);
		R->line++;
		fail("unexpected segment %s len %u at %.3f s at the end of the script", fl, x.len,
		     x.t_us / 1e6);
	}
	while (R->nstash > 0)
		rte_pktmbuf_free(R->stash[--R->nstash]);
	for (unsigned int i = 0; i < MAX_CONNS; i++)
		while (R->conns[i].queue != NULL) {
			struct rte_mbuf *m = R->conns[i].queue;

			R->conns[i].queue = m->next;
			m->next = NULL;
			rte_pktmbuf_free(m);
		}
	og_tcp_sim_free(R->sim);
	R->sim = NULL;
	if (R->failed) {
		printf("FAIL %s:%d: %s\n", path, R->line, R->err);
		return 1;
	}
	printf("PASS %s\n", path);
	return 0;
}

int
main(int argc, char **argv)
{
	int failed = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: %s script.pkt...\n", argv[0]);
		return 2;
	}
	if (og_tcp_sim_eal_init(256) != 0) {
		fprintf(stderr, "EAL init failed\n");
		return 2;
	}
	R = calloc(1, sizeof(*R));
	for (int i = 1; i < argc; i++)
		failed += run_script(argv[i]);
	printf("%d of %d scripts passed\n", argc - 1 - failed, argc - 1);
	free(R);
	return failed ? 1 : 0;
}
