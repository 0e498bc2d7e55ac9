/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The HTTP/1.1 request parser against itself.
 *
 * Input: byte 0 picks the segmentation (seed and largest segment) and, with
 * its top bit, the response parser (client side, closed by the server after
 * the last byte; bit 6: the request was HEAD) instead of the request parser;
 * the rest is the byte stream of a connection. Properties checked on every
 * input:
 *  1. parsing it as one segment and split into fuzzer-chosen segments gives
 *     the same transcript: every event, every head field, the reassembled
 *     bytes of every body (BODY events merged), and the same error;
 *  2. every OG_AGAIN consumed its whole buffer, every BODY range lies inside
 *     the buffer of its call and ends what that call consumed;
 *  3. the body of every complete POST /v1/traces, as the zero-copy list of
 *     BODY ranges, goes through og_otlp_scan() without crashing, and scanning
 *     it as those ranges or as one copied block gives the same answer.
 */
#include <string.h>

#include "og_http.h"
#include "og_otlp.h"
#include "fuzz_common.h"

#define MAX_INPUT  (64 * 1024)
#define MAX_SEGS   (MAX_INPUT + 1)
#define MAX_RANGES 4096
#define MAX_RES	   64

struct transcript {
	uint8_t *b;
	size_t len, cap;
	size_t body_run; /* transcript offset of the current body run's length, 0: none */
	int err;
};

static struct og_http_parser parser;
static struct og_http_resp_parser rparser;
static uint8_t parser_mem[1024 + 16 * sizeof(struct og_http_hdr)];
static uint8_t rparser_mem[1024 + 16 * sizeof(struct og_http_hdr)];
static bool parser_ready;
static uint8_t t1_buf[8 * MAX_INPUT + 65536], t2_buf[8 * MAX_INPUT + 65536];
static struct og_seg in_segs[MAX_SEGS];
static struct og_seg body_ranges[MAX_RANGES];
static uint8_t body_copy[MAX_INPUT];
static struct og_otlp_resource res1[MAX_RES], res2[MAX_RES];

static void
t_put(struct transcript *t, const void *p, size_t n)
{
	FUZZ_CHECK(t->len + n <= t->cap, "transcript overflow");
	if (n == 0)
		return; /* p may be NULL (a response has no path) */
	memcpy(t->b + t->len, p, n);
	t->len += n;
}

static void
t_end_run(struct transcript *t)
{
	if (t->body_run != 0) {
		uint64_t n = t->len - t->body_run - sizeof(uint64_t);

		memcpy(t->b + t->body_run, &n, sizeof(n));
		t->body_run = 0;
	}
}

static void
t_head(struct transcript *t, const struct og_http_msg *r)
{
	uint64_t v[10] = {
		r->method,  r->version_minor, r->ctype,	 r->cenc,	    r->has_length,
		r->chunked, r->keep_alive,    r->n_hdrs, r->content_length, r->expect_continue,
	};

	t_end_run(t);
	t_put(t, "H", 1);
	t_put(t, v, sizeof(v));
	t_put(t, &r->path_len, sizeof(r->path_len));
	t_put(t, r->path, r->path_len);
	t_put(t, &r->query_len, sizeof(r->query_len));
	t_put(t, r->buf + r->query_off, r->query_len);
	for (uint32_t i = 0; i < r->n_hdrs; i++) {
		const struct og_http_hdr *h = &r->hdrs[i];

		t_put(t, r->buf + h->name_off, h->name_len);
		t_put(t, ":", 1);
		t_put(t, r->buf + h->value_off, h->value_len);
	}
}

/* the body of the current message so far, as ranges of the input */
struct body_state {
	bool traces;
	uint32_t n;
	bool overflow;
};

static void
scan_traces(const struct og_seg *ranges, uint32_t n)
{
	struct og_otlp_scan s1, s2;
	struct og_seg one;
	uint64_t total = 0;
	int rc1, rc2;

	for (uint32_t i = 0; i < n; i++) {
		memcpy(body_copy + total, ranges[i].data, ranges[i].len);
		total += ranges[i].len;
	}
	memset(&s1, 0, sizeof(s1));
	s1.signal = OG_OTLP_TRACES;
	s1.res = res1;
	s1.res_cap = MAX_RES;
	rc1 = og_otlp_scan(ranges, n, &s1);
	memset(&s2, 0, sizeof(s2));
	s2.signal = OG_OTLP_TRACES;
	s2.res = res2;
	s2.res_cap = MAX_RES;
	one.data = body_copy;
	one.len = (uint32_t)total;
	rc2 = og_otlp_scan(&one, 1, &s2);
	FUZZ_CHECK(rc1 == rc2, "scan of %u ranges %d, of one block %d", n, rc1, rc2);
	FUZZ_CHECK(s1.n_items == s2.n_items, "items %llu vs %llu", (unsigned long long)s1.n_items,
		   (unsigned long long)s2.n_items);
}

static void
run(struct og_http_parser *p, const struct og_seg *segs, uint32_t nseg, struct transcript *t,
    bool scan)
{
	struct body_state bs = { 0 };

	og_http_parser_reset(p);
	for (uint32_t i = 0; i < nseg; i++) {
		uint32_t off = 0;

		for (;;) {
			struct og_http_ev ev;
			uint32_t used;
			uint32_t avail = segs[i].len - off;
			int rc = og_http_parse(p, segs[i].data + off, avail, &used, &ev);

			if (rc < 0) {
				t_end_run(t);
				t->err = -rc;
				FUZZ_CHECK(og_http_parser_error(p) == (enum og_http_err) - rc,
					   "error not kept");
				FUZZ_CHECK(p->is_resp || og_http_err_status(-rc) >= 400, "status");
				return;
			}
			FUZZ_CHECK(used <= avail, "used %u of %u", used, avail);
			if (rc == OG_AGAIN) {
				FUZZ_CHECK(used == avail, "AGAIN used %u of %u", used, avail);
				break;
			}
			FUZZ_CHECK(rc == OG_OK, "rc %d", rc);
			switch (ev.type) {
			case OG_HTTP_EV_HEAD: {
				const struct og_http_msg *r = og_http_req_get(p);

				t_head(t, r);
				if (p->is_resp) {
					uint32_t v[4] = { rparser.status, rparser.until_close,
							  rparser.retry_after_s,
							  rparser.n_interim };

					t_put(t, v, sizeof(v));
				}
				bs.traces = r->method == OG_HTTP_M_POST && r->path_len == 10 &&
					    memcmp(r->path, "/v1/traces", 10) == 0;
				bs.n = 0;
				bs.overflow = false;
				break;
			}
			case OG_HTTP_EV_BODY:
				FUZZ_CHECK(ev.len > 0 && ev.off + ev.len == used,
					   "BODY %u+%u, used %u", ev.off, ev.len, used);
				if (t->body_run == 0) {
					uint64_t z = 0;

					t_put(t, "B", 1);
					t->body_run = t->len;
					t_put(t, &z, sizeof(z));
				}
				t_put(t, segs[i].data + off + ev.off, ev.len);
				if (bs.n < MAX_RANGES) {
					body_ranges[bs.n].data = segs[i].data + off + ev.off;
					body_ranges[bs.n++].len = ev.len;
				} else {
					bs.overflow = true;
				}
				break;
			case OG_HTTP_EV_END:
				t_end_run(t);
				t_put(t, "E", 1);
				if (scan && bs.traces && !bs.overflow)
					scan_traces(body_ranges, bs.n);
				bs.traces = false;
				break;
			default:
				FUZZ_CHECK(0, "event type %d", ev.type);
			}
			off += used;
		}
	}
	t_end_run(t);
	if (p->is_resp) {
		struct og_http_ev ev;
		int rc = og_http_resp_eof(&rparser, &ev);

		if (rc < 0)
			t->err = -rc;
		else if (rc == OG_OK)
			t_put(t, "E", 1);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct transcript t1 = { .b = t1_buf, .cap = sizeof(t1_buf) };
	struct transcript t2 = { .b = t2_buf, .cap = sizeof(t2_buf) };
	struct og_http_parser *p;
	struct og_seg one;
	uint32_t nseg;

	if (size < 1 || size > MAX_INPUT)
		return 0;
	if (!parser_ready) {
		/* small limits, so that the fuzzer reaches them */
		struct og_http_limits l = {
			.max_header_bytes = 1024,
			.max_headers = 16,
			.max_body = 1 << 20,
			.max_trailer_bytes = 128,
		};

		FUZZ_CHECK(og_http_parser_init(&parser, &l, parser_mem, sizeof(parser_mem)) == 0,
			   "init");
		FUZZ_CHECK(og_http_resp_parser_init(&rparser, &l, rparser_mem,
						    sizeof(rparser_mem)) == 0,
			   "init");
		parser_ready = true;
	}
	p = (data[0] & 0x80) ? &rparser.p : &parser;
	one.data = data + 1;
	one.len = (uint32_t)(size - 1);
	og_http_resp_parser_reset(&rparser);
	og_http_resp_expect(&rparser, (data[0] & 0x40) != 0, 784111777);
	run(p, &one, 1, &t1, false);

	nseg = fuzz_split(data + 1, size - 1, data[0] * 2654435761u, 1 + (data[0] & 0x3f) % 37,
			  in_segs, MAX_SEGS);
	og_http_resp_parser_reset(&rparser);
	og_http_resp_expect(&rparser, (data[0] & 0x40) != 0, 784111777);
	run(p, in_segs, nseg, &t2, true);
	FUZZ_CHECK(t1.err == t2.err, "error %s vs %s over %u segments", og_http_err_name(t1.err),
		   og_http_err_name(t2.err), nseg);
	FUZZ_CHECK(t1.len == t2.len && memcmp(t1.b, t2.b, t1.len) == 0,
		   "transcripts differ (%zu vs %zu bytes) over %u segments", t1.len, t2.len, nseg);
	return 0;
}
