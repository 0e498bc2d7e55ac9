/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * otlpcat: the operator's tool for a captured OTLP body. Validates it with
 * the same codec the appliance uses, prints a summary (resources, scopes,
 * items, rejected items with reasons), lists the spans of a traces body
 * (read through lib/otlp's views, as the rules stage will read them), and
 * converts between protobuf and OTLP/JSON. See docs/otlpcat.md.
 *
 * Exit status: 0 valid, 1 valid but some items rejected, 2 invalid (reason
 * and byte offset on stderr), --spans on a body of another signal, or usage
 * error.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "og_otlp.h"
#include "og_pb.h"

#define DEFAULT_MAX_SIZE (64u << 20)
#define MAX_RESOURCES	 65536

enum out_mode { OUT_SUMMARY, OUT_JSON, OUT_PROTO, OUT_SPANS };

struct opts {
	int signal;   /* -1: detect */
	int encoding; /* -1: detect */
	int gzip;     /* 1 forced; otherwise detected from the magic */
	int delimited;
	enum out_mode out;
	size_t max_size;
	const char *path;
};

struct totals {
	uint64_t bodies, resources, scopes, items, rejected;
	uint64_t by_reason[OG_OTLP_REJECT_MAX];
	int worst; /* exit status so far */
};

static const char *const item_names[OG_OTLP_SIGNAL_MAX] = {
	[OG_OTLP_TRACES] = "spans",
	[OG_OTLP_METRICS] = "data points",
	[OG_OTLP_LOGS] = "log records",
};

static void
usage(FILE *f)
{
	fprintf(f,
		"usage: otlpcat [options] FILE|-\n"
		"Validate an OTLP request body, summarise it, or convert it.\n"
		"\n"
		"  --signal traces|metrics|logs   the body's signal (default: detected)\n"
		"  --encoding proto|json          the body's encoding (default: detected)\n"
		"  --gzip                         the body is gzip-compressed (default: detected)\n"
		"  --delimited                    the input is a sequence of "
		"varint-length-prefixed\n"
		"                                 protobuf bodies (the file backend's .otlp "
		"files)\n"
		"  --summary                      print what the body holds (default)\n"
		"  --json                         write the body as OTLP/JSON (one line per body)\n"
		"  --proto                        write the body as protobuf\n"
		"  --spans                        list the spans of a traces body, one per line\n"
		"  --max-size BYTES               limit after decompression (default 64 MiB)\n"
		"  -h, --help                     this text\n"
		"\n"
		"Exit status: 0 valid, 1 valid with rejected items, 2 invalid, --spans on\n"
		"another signal, or usage error.\n");
}

static uint8_t *
read_all(const char *path, size_t *len)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	size_t cap = 1 << 16, n = 0, r;
	uint8_t *buf, *p;

	if (f == NULL)
		return NULL;
	buf = malloc(cap);
	while (buf != NULL && (r = fread(buf + n, 1, cap - n, f)) > 0) {
		n += r;
		if (n == cap) {
			cap *= 2;
			p = realloc(buf, cap);
			if (p == NULL) {
				free(buf);
				buf = NULL;
			}
			buf = p;
		}
	}
	if (ferror(f)) {
		free(buf);
		buf = NULL;
	}
	if (f != stdin)
		fclose(f);
	*len = n;
	return buf;
}

static int
parse_signal(const char *s)
{
	for (int i = 0; i < OG_OTLP_SIGNAL_MAX; i++)
		if (strcmp(s, og_otlp_signal_name(i)) == 0)
			return i;
	return -1;
}

/* JSON bodies name their signal in the top-level key. */
static int
json_signal(const uint8_t *b, size_t len)
{
	static const char *const keys[OG_OTLP_SIGNAL_MAX][2] = {
		[OG_OTLP_TRACES] = { "\"resourceSpans\"", "\"resource_spans\"" },
		[OG_OTLP_METRICS] = { "\"resourceMetrics\"", "\"resource_metrics\"" },
		[OG_OTLP_LOGS] = { "\"resourceLogs\"", "\"resource_logs\"" },
	};
	size_t lim = len < 4096 ? len : 4096;

	for (int s = 0; s < OG_OTLP_SIGNAL_MAX; s++)
		for (int k = 0; k < 2; k++)
			if (memmem(b, lim, keys[s][k], strlen(keys[s][k])) != NULL)
				return s;
	return -1;
}

static int
looks_json(const uint8_t *b, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (b[i] == ' ' || b[i] == '\t' || b[i] == '\r' || b[i] == '\n')
			continue;
		return b[i] == '{';
	}
	return 0;
}

static int
scan_as(int sig, const uint8_t *b, size_t len, struct og_otlp_scan *sc,
	struct og_otlp_resource *res)
{
	struct og_seg seg = { b, (uint32_t)len };

	memset(sc, 0, sizeof(*sc));
	sc->signal = sig;
	sc->res = res;
	sc->res_cap = MAX_RESOURCES;
	return og_otlp_scan(&seg, 1, sc);
}

/*
 * The three requests share their outer shape, so the signal of a protobuf
 * body is found by scanning it as each: the one that decodes with the fewest
 * rejected items wins, and the file name breaks ties ("traces-1.pb").
 */
static int
detect_signal(const uint8_t *b, size_t len, const char *path, struct og_otlp_resource *res)
{
	struct og_otlp_scan sc;
	int best = -1;
	uint64_t best_rej = UINT64_MAX;
	int hint = -1;

	if (strstr(path, "trace") || strstr(path, "span"))
		hint = OG_OTLP_TRACES;
	else if (strstr(path, "metric"))
		hint = OG_OTLP_METRICS;
	else if (strstr(path, "log"))
		hint = OG_OTLP_LOGS;
	for (int s = 0; s < OG_OTLP_SIGNAL_MAX; s++) {
		if (scan_as(s, b, len, &sc, res) != OG_OK)
			continue;
		if (sc.n_rejected < best_rej || (sc.n_rejected == best_rej && s == hint)) {
			best = s;
			best_rej = sc.n_rejected;
		}
	}
	if (best < 0)
		best = hint >= 0 ? hint : OG_OTLP_TRACES; /* report that signal's error */
	return best;
}

static void
print_summary(const char *name, int sig, const char *enc, size_t wire_len, size_t pb_len,
	      const struct og_otlp_scan *sc)
{
	printf("%s: %s, %s", name, og_otlp_signal_name(sig), enc);
	if (wire_len != pb_len)
		printf(" (%zu bytes, %zu as protobuf)\n", wire_len, pb_len);
	else
		printf(" (%zu bytes)\n", pb_len);
	printf("  resources: %u\n  scopes: %u\n  %s: %llu\n", sc->n_resources, sc->n_scopes,
	       item_names[sig], (unsigned long long)sc->n_items);
	printf("  rejected: %llu\n", (unsigned long long)sc->n_rejected);
	for (int r = 0; r < OG_OTLP_REJECT_MAX; r++)
		if (sc->by_reason[r])
			printf("    %s: %llu (%s)\n", og_otlp_reject_name(r),
			       (unsigned long long)sc->by_reason[r], og_otlp_reject_msg(r));
}

static void
report_error(const char *name, const char *what, const struct og_otlp_error *e)
{
	fprintf(stderr, "otlpcat: %s: invalid %s: %s (%s) at byte %llu\n", name, what,
		og_otlp_err_name(e->code), og_otlp_err_msg(e->code), (unsigned long long)e->offset);
}

/* ---- --spans: the span view (lib/otlp view.c) ------------------------- */

/* Span.SpanKind and Status.StatusCode, opentelemetry-proto v1.11.0
 * trace/v1/trace.proto; values outside the enums print as numbers. */
static const char *const kind_names[] = {
	"unspecified", "internal", "server", "client", "producer", "consumer",
};
static const char *const status_names[] = { "unset", "ok", "error" };

static void
put_enum(const char *const *names, uint32_t n, uint32_t v)
{
	if (v < n)
		fputs(names[v], stdout);
	else
		printf("%u", v);
}

/* An id as lowercase hex; "-" when absent. An id longer than the view's copy
 * (the scanner rejects such spans, but they are still in the body) ends in
 * "+" after the bytes copied. */
static void
put_id(const uint8_t *id, uint8_t len, uint32_t cap)
{
	if (len == 0) {
		putchar('-');
		return;
	}
	for (uint32_t i = 0; i < len && i < cap; i++)
		printf("%02x", id[i]);
	if (len > cap)
		putchar('+');
}

/* A string from the body, double-quoted, so that a name cannot forge a line
 * or drive the terminal: printable ASCII as is, '"' and '\' escaped, \t \n \r
 * by name, every other byte (controls, DEL, UTF-8 sequences) as \xHH. */
static void
put_quoted(const uint8_t *s, uint32_t len)
{
	putchar('"');
	for (uint32_t i = 0; i < len; i++) {
		uint8_t c = s[i];

		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c == '\t')
			fputs("\\t", stdout);
		else if (c == '\n')
			fputs("\\n", stdout);
		else if (c == '\r')
			fputs("\\r", stdout);
		else if (c < 0x20 || c >= 0x7f)
			printf("\\x%02x", c);
		else
			putchar(c);
	}
	putchar('"');
}

/* UTC, RFC 3339 with nanoseconds; "-" for an absent (zero) time. */
static void
put_time(uint64_t ns)
{
	time_t sec = (time_t)(ns / 1000000000u);
	struct tm tm;
	char buf[32];

	if (ns == 0 || gmtime_r(&sec, &tm) == NULL ||
	    strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm) == 0) {
		putchar('-');
		return;
	}
	printf("%s.%09uZ", buf, (unsigned)(ns % 1000000000u));
}

/* end - start in microseconds with the nanoseconds kept as three decimals;
 * negative when a client sent an end before its start, "-" when either time
 * is absent. */
static void
put_duration(uint64_t start, uint64_t end)
{
	uint64_t d = end >= start ? end - start : start - end;

	if (start == 0 || end == 0) {
		putchar('-');
		return;
	}
	printf("%s%llu.%03uus", end >= start ? "" : "-", (unsigned long long)(d / 1000),
	       (unsigned)(d % 1000));
}

/* Report a view error: the views give the reason, the offset is where the
 * iterator stood (the span's start when the span itself is malformed). */
static void
report_view_error(const char *name, const char *what, int rc, uint64_t off)
{
	struct og_otlp_error e = { .code = (enum og_otlp_err) - rc, .offset = off };

	report_error(name, what, &e);
}

/* service.name of resource entry @p r, as a range of the body; 0 when the
 * entry has none (or not as a string), 1 when found, or a negated error. */
static int
service_name(const struct og_seg *seg, const struct og_otlp_resource *r, struct og_otlp_range *out,
	     uint64_t *err_off)
{
	static const char key[] = "service.name";
	struct og_otlp_attr_iter it;
	struct og_otlp_attr a;
	int rc, found = 0;

	og_otlp_resource_attr_iter_init(&it, seg, 1, r);
	while ((rc = og_otlp_attr_iter_next(&it, &a)) > 0) {
		/* attribute keys are unique (common.proto); should a client repeat
		 * one, the last wins, as protobuf maps do */
		if (a.key.len == sizeof(key) - 1 &&
		    memcmp(seg->data + a.key.off, key, sizeof(key) - 1) == 0) {
			found = a.type == OG_OTLP_VAL_STRING;
			*out = a.v.r;
		}
	}
	if (rc < 0) {
		*err_off = it.pos < it.end ? it.pos : it.outer_pos;
		return rc;
	}
	return found;
}

/*
 * One line per span, read through the views exactly as the rules stage will
 * read them (never through nanopb): trace id, span id, parent span id, kind,
 * start, duration, status code, attribute count, the resource's
 * service.name, and the span name. The body has passed og_otlp_scan().
 *
 * @return 0, or 2 when a view fails (reported with its byte offset) or
 *   standard output cannot be written.
 */
static int
print_spans(const char *name, const uint8_t *body, size_t len, const struct og_otlp_resource *res)
{
	struct og_seg seg = { body, (uint32_t)len };
	struct og_otlp_range svc = { 0, 0 };
	uint32_t svc_res = UINT32_MAX;
	int svc_found = 0, rc;
	struct og_otlp_span_iter it;
	struct og_otlp_span_view v;

	og_otlp_span_iter_init(&it, &seg, 1, NULL, 0);
	for (;;) {
		struct og_otlp_attr_iter ai;
		struct og_otlp_attr a;
		uint32_t n_attrs = 0;
		uint64_t off = 0;

		memset(&v, 0, sizeof(v));
		rc = og_otlp_span_iter_next(&it, &v);
		if (rc == 0)
			break;
		if (rc < 0) {
			report_view_error(name, "span", rc, v.span.len ? v.span.off : it.pos);
			return 2;
		}
		if (v.resource != svc_res) {
			svc_res = v.resource;
			svc_found = service_name(&seg, &res[v.resource], &svc, &off);
			if (svc_found < 0) {
				report_view_error(name, "resource attribute", svc_found, off);
				return 2;
			}
		}
		og_otlp_span_attr_iter_init(&ai, &seg, 1, &v);
		while ((rc = og_otlp_attr_iter_next(&ai, &a)) > 0)
			n_attrs++;
		if (rc < 0) {
			report_view_error(name, "span attribute", rc, ai.pos);
			return 2;
		}

		put_id(v.trace_id, v.trace_id_len, sizeof(v.trace_id));
		putchar(' ');
		put_id(v.span_id, v.span_id_len, sizeof(v.span_id));
		putchar(' ');
		put_id(v.parent_span_id, v.parent_span_id_len, sizeof(v.parent_span_id));
		putchar(' ');
		put_enum(kind_names, OG_ARRAY_SIZE(kind_names), v.kind);
		putchar(' ');
		put_time(v.start_time_unix_nano);
		putchar(' ');
		put_duration(v.start_time_unix_nano, v.end_time_unix_nano);
		putchar(' ');
		put_enum(status_names, OG_ARRAY_SIZE(status_names), v.status_code);
		printf(" %u ", n_attrs);
		if (svc_found)
			put_quoted(body + svc.off, svc.len);
		else
			putchar('-');
		putchar(' ');
		put_quoted(body + v.name.off, v.name.len);
		putchar('\n');
	}
	return ferror(stdout) ? 2 : 0;
}

/* Handle one body; returns its exit status (0, 1, 2). */
static int
one_body(const struct opts *o, const char *name, const uint8_t *wire, size_t wire_len,
	 struct og_inflater *inf, uint8_t *inflate_buf, struct og_otlp_resource *res,
	 struct totals *t)
{
	const uint8_t *body = wire;
	size_t len = wire_len;
	struct og_otlp_error err = { 0 };
	struct og_wbuf pb, js;
	struct og_otlp_scan sc;
	const char *enc = "protobuf";
	int sig = o->signal, json, rc, status;

	og_wbuf_init_growable(&pb);
	og_wbuf_init_growable(&js);
	if (o->gzip || (wire_len >= 2 && wire[0] == 0x1f && wire[1] == 0x8b)) {
		struct og_seg seg = { wire, (uint32_t)wire_len };

		rc = og_gzip_inflate(inf, &seg, 1, inflate_buf, o->max_size, &len, &err);
		if (rc != OG_OK) {
			report_error(name, "gzip stream", &err);
			return 2;
		}
		body = inflate_buf;
	}
	json = o->encoding >= 0 ? o->encoding == OG_OTLP_ENC_JSON : looks_json(body, len);
	if (json) {
		enc = body == wire ? "json" : "json+gzip";
		if (sig < 0)
			sig = json_signal(body, len);
		if (sig < 0) {
			fprintf(stderr,
				"otlpcat: %s: cannot tell the signal of this JSON body "
				"(use --signal)\n",
				name);
			return 2;
		}
		rc = og_otlp_json_to_pb(sig, body, len, &pb, &err);
		if (rc != OG_OK) {
			report_error(name, "OTLP/JSON body", &err);
			og_wbuf_free(&pb);
			return 2;
		}
		body = pb.data;
		len = pb.len;
	} else if (body != wire) {
		enc = "protobuf+gzip";
	}
	if (sig < 0)
		sig = detect_signal(body, len, name, res);
	if (o->out == OUT_SPANS && sig != OG_OTLP_TRACES) {
		fprintf(stderr, "otlpcat: %s: --spans needs a traces body, this is a %s body\n",
			name, og_otlp_signal_name(sig));
		og_wbuf_free(&pb);
		return 2;
	}

	rc = scan_as(sig, body, len, &sc, res);
	if (rc != OG_OK) {
		char what[64];

		snprintf(what, sizeof(what), "%s body", og_otlp_signal_name(sig));
		report_error(name, what, &sc.err);
		og_wbuf_free(&pb);
		return 2;
	}
	status = sc.n_rejected ? 1 : 0;
	t->bodies++;
	t->resources += sc.n_resources;
	t->scopes += sc.n_scopes;
	t->items += sc.n_items;
	t->rejected += sc.n_rejected;
	for (int r = 0; r < OG_OTLP_REJECT_MAX; r++)
		t->by_reason[r] += sc.by_reason[r];

	switch (o->out) {
	case OUT_SUMMARY:
		print_summary(name, sig, enc, wire_len, len, &sc);
		break;
	case OUT_SPANS:
		if (print_spans(name, body, len, res) != 0)
			status = 2;
		break;
	case OUT_PROTO:
		if (fwrite(body, 1, len, stdout) != len)
			status = 2;
		break;
	case OUT_JSON: {
		struct og_seg seg = { body, (uint32_t)len };

		rc = og_otlp_pb_to_json(sig, &seg, 1, &js, &err);
		if (rc != OG_OK) {
			report_error(name, "body for JSON output", &err);
			status = 2;
			break;
		}
		if (fwrite(js.data, 1, js.len, stdout) != js.len || putchar('\n') == EOF)
			status = 2;
		break;
	}
	}
	og_wbuf_free(&pb);
	og_wbuf_free(&js);
	return status;
}

int
main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "signal", required_argument, NULL, 's' },
		{ "encoding", required_argument, NULL, 'e' },
		{ "gzip", no_argument, NULL, 'z' },
		{ "delimited", no_argument, NULL, 'd' },
		{ "summary", no_argument, NULL, 'S' },
		{ "json", no_argument, NULL, 'J' },
		{ "proto", no_argument, NULL, 'P' },
		{ "spans", no_argument, NULL, 'T' },
		{ "max-size", required_argument, NULL, 'm' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct opts o = {
		.signal = -1, .encoding = -1, .out = OUT_SUMMARY, .max_size = DEFAULT_MAX_SIZE
	};
	struct totals t = { 0 };
	struct og_otlp_resource *res;
	struct og_inflater *inf;
	uint8_t *in, *inflate_buf;
	size_t in_len;
	char *end;
	int c;

	while ((c = getopt_long(argc, argv, "h", lopts, NULL)) != -1) {
		switch (c) {
		case 's':
			o.signal = parse_signal(optarg);
			if (o.signal < 0) {
				fprintf(stderr, "otlpcat: --signal: unknown signal '%s'\n", optarg);
				return 2;
			}
			break;
		case 'e':
			if (strcmp(optarg, "proto") == 0 || strcmp(optarg, "protobuf") == 0)
				o.encoding = OG_OTLP_ENC_PROTO;
			else if (strcmp(optarg, "json") == 0)
				o.encoding = OG_OTLP_ENC_JSON;
			else {
				fprintf(stderr, "otlpcat: --encoding: unknown encoding '%s'\n",
					optarg);
				return 2;
			}
			break;
		case 'z':
			o.gzip = 1;
			break;
		case 'd':
			o.delimited = 1;
			break;
		case 'S':
			o.out = OUT_SUMMARY;
			break;
		case 'J':
			o.out = OUT_JSON;
			break;
		case 'P':
			o.out = OUT_PROTO;
			break;
		case 'T':
			o.out = OUT_SPANS;
			break;
		case 'm':
			errno = 0;
			o.max_size = strtoull(optarg, &end, 0);
			if (errno || *end || o.max_size == 0 || o.max_size > UINT32_MAX) {
				fprintf(stderr, "otlpcat: --max-size: bad size '%s'\n", optarg);
				return 2;
			}
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc - 1) {
		usage(stderr);
		return 2;
	}
	o.path = argv[optind];
	in = read_all(o.path, &in_len);
	if (in == NULL) {
		fprintf(stderr, "otlpcat: %s: %s\n", o.path, strerror(errno ? errno : EIO));
		return 2;
	}
	if (in_len > UINT32_MAX) {
		fprintf(stderr, "otlpcat: %s: larger than 4 GiB\n", o.path);
		return 2;
	}
	inf = og_inflater_create();
	inflate_buf = malloc(o.max_size);
	res = calloc(MAX_RESOURCES, sizeof(*res));
	if (inf == NULL || inflate_buf == NULL || res == NULL) {
		fprintf(stderr, "otlpcat: out of memory\n");
		return 2;
	}

	if (!o.delimited) {
		t.worst = one_body(&o, o.path, in, in_len, inf, inflate_buf, res, &t);
	} else {
		size_t pos = 0, rec_len;
		const uint8_t *rec;
		uint64_t n = 0;
		char name[4200];
		int rc;

		while ((rc = og_pb_delimited_next(in, in_len, &pos, &rec, &rec_len)) > 0) {
			int st;

			snprintf(name, sizeof(name), "%s#%llu", o.path, (unsigned long long)n);
			st = one_body(&o, name, rec, rec_len, inf, inflate_buf, res, &t);
			if (st > t.worst)
				t.worst = st;
			n++;
		}
		if (rc < 0) {
			fprintf(stderr,
				"otlpcat: %s: record %llu: bad or truncated length "
				"prefix at byte %zu\n",
				o.path, (unsigned long long)n, pos);
			t.worst = 2;
		}
		if (o.out == OUT_SUMMARY)
			printf("total: %llu bodies, %llu resources, %llu scopes, %llu items, "
			       "%llu rejected\n",
			       (unsigned long long)t.bodies, (unsigned long long)t.resources,
			       (unsigned long long)t.scopes, (unsigned long long)t.items,
			       (unsigned long long)t.rejected);
	}
	free(res);
	free(inflate_buf);
	og_inflater_free(inf);
	free(in);
	return t.worst;
}
