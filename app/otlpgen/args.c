/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * otlpgen's application arguments (the part after "--"). Every error is one
 * line naming the option, and the caller exits with status 2.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "otlpgen.h"

enum {
	OPT_PORT_IP = 256,
	OPT_GATEWAY,
	OPT_TARGET,
	OPT_CONNS,
	OPT_BODY,
	OPT_GEN,
	OPT_GZIP,
	OPT_PATH,
	OPT_RATE,
	OPT_DURATION,
	OPT_REQUESTS,
	OPT_WARMUP,
	OPT_PIPELINE,
	OPT_SINK,
	OPT_SINK_COUNT,
	OPT_SINK_RCVBUF,
	OPT_LINGER,
	OPT_HOLD,
	OPT_REPORT,
	OPT_MBUFS,
	OPT_IDLE_SLEEP,
	OPT_SLOW_CONNS,
	OPT_SLOW_INTERVAL,
	OPT_HELP,
};

static const struct option long_opts[] = {
	{ "port-ip", required_argument, NULL, OPT_PORT_IP },
	{ "gateway", required_argument, NULL, OPT_GATEWAY },
	{ "target", required_argument, NULL, OPT_TARGET },
	{ "conns", required_argument, NULL, OPT_CONNS },
	{ "body", required_argument, NULL, OPT_BODY },
	{ "gen", required_argument, NULL, OPT_GEN },
	{ "gzip", no_argument, NULL, OPT_GZIP },
	{ "path", required_argument, NULL, OPT_PATH },
	{ "rate", required_argument, NULL, OPT_RATE },
	{ "duration", required_argument, NULL, OPT_DURATION },
	{ "requests", required_argument, NULL, OPT_REQUESTS },
	{ "warmup", required_argument, NULL, OPT_WARMUP },
	{ "pipeline", required_argument, NULL, OPT_PIPELINE },
	{ "sink", required_argument, NULL, OPT_SINK },
	{ "sink-count-items", no_argument, NULL, OPT_SINK_COUNT },
	{ "sink-rcvbuf", required_argument, NULL, OPT_SINK_RCVBUF },
	{ "linger", required_argument, NULL, OPT_LINGER },
	{ "hold", no_argument, NULL, OPT_HOLD },
	{ "report-interval", required_argument, NULL, OPT_REPORT },
	{ "mbufs", required_argument, NULL, OPT_MBUFS },
	{ "idle-sleep", required_argument, NULL, OPT_IDLE_SLEEP },
	{ "slow-conns", required_argument, NULL, OPT_SLOW_CONNS },
	{ "slow-interval", required_argument, NULL, OPT_SLOW_INTERVAL },
	{ "help", no_argument, NULL, OPT_HELP },
	{ NULL, 0, NULL, 0 },
};

void
gen_usage(const char *prog)
{
	printf("Usage: %s [EAL options] -- [options]\n"
	       "\n"
	       "OTLP/HTTP load generator and sink over DPDK and lib/tcp (docs/otlpgen.md).\n"
	       "Runs on the EAL main lcore with one queue pair on each port.\n"
	       "\n"
	       "Network:\n"
	       "  --port-ip PORT=ADDR/PREFIX  IPv4 address and on-link prefix of ethdev PORT\n"
	       "                              (repeatable; the first is the source address)\n"
	       "  --gateway ADDR              next hop outside every prefix\n"
	       "  --mbufs N                   packet mbufs (default 65535)\n"
	       "  --idle-sleep US             sleep after an idle loop (default 0: poll)\n"
	       "\n"
	       "Client (on with --target):\n"
	       "  --target ADDR:PORT          the OTLP/HTTP server to load\n"
	       "  --conns N                   TCP connections (default 16); closed ones are\n"
	       "                              reopened and counted as reconnects\n"
	       "  --body FILE                 request body, protobuf or .gz (repeatable:\n"
	       "                              round robin); items counted by scanning it\n"
	       "  --gen spans=N,attrs=M,value-bytes=B\n"
	       "                              generated ExportTraceServiceRequest instead\n"
	       "                              (defaults 512, 8, 16)\n"
	       "  --gzip                      send bodies gzip'd (Content-Encoding: gzip)\n"
	       "  --path PATH                 request path (default /v1/traces); it names the\n"
	       "                              signal of the bodies\n"
	       "  --rate R                    requests/s over all connections (0: as fast as\n"
	       "                              answers come; default 0)\n"
	       "  --duration S                measured seconds after warmup (default 10)\n"
	       "  --requests N                send N requests, then stop when all are answered\n"
	       "                              (instead of --duration; no warmup)\n"
	       "  --warmup S                  seconds before measuring (default 0)\n"
	       "  --pipeline K                requests in flight per connection (1..%d,\n"
	       "                              default 1)\n"
	       "\n"
	       "Attack (with --target): slow connections beside the load\n"
	       "  --slow-conns N              N more connections that send one byte of a\n"
	       "                              request head every --slow-interval and never\n"
	       "                              finish it (slowloris); one closed by the server\n"
	       "                              is reopened (default 0: none)\n"
	       "  --slow-interval MS          milliseconds between two bytes of a slow\n"
	       "                              connection (default 2000)\n"
	       "\n"
	       "Sink (on with --sink): answers every POST with 200 and an empty body\n"
	       "  --sink ADDR:PORT            listen address (ADDR 0.0.0.0: every port address)\n"
	       "  --sink-count-items          count items of received bodies (gzip ones are\n"
	       "                              inflated first); costs a copy per body\n"
	       "  --sink-rcvbuf BYTES         receive buffer, the window offered, of each\n"
	       "                              connection (default 4194304, what a Linux\n"
	       "                              backend's autotuning reaches)\n"
	       "  --linger S                  with client and sink: after the client stops,\n"
	       "                              wait up to S seconds for the egress (default 3;\n"
	       "                              ends early once the sink counted every item\n"
	       "                              answered 200)\n"
	       "  --hold                      after the report, stop polling and keep the\n"
	       "                              ports open until SIGINT/SIGTERM: the peer can\n"
	       "                              stop first (DPDK 22.11's memif PMD unmaps its\n"
	       "                              rings under a polling lcore when the peer goes)\n"
	       "\n"
	       "  --report-interval S         progress line every S seconds (default 1; 0 off)\n"
	       "  --help                      this text\n"
	       "\n"
	       "At the end: human lines, then one 'otlpgen client: key=value ...' and one\n"
	       "'otlpgen sink: key=value ...' line. SIGINT/SIGTERM stop and report.\n"
	       "\n"
	       "Example (memif client of an otlpgate that exports to this sink):\n"
	       "  %s --no-huge --no-pci -m 512 -l 1 --file-prefix gen0 \\\n"
	       "      --vdev net_memif0,role=client,socket=/tmp/og0.sock -- \\\n"
	       "      --port-ip 0=198.18.77.1/24 --target 198.18.77.2:4318 --conns 16 \\\n"
	       "      --body tests/data/samples/traces-512.pb --sink 198.18.77.1:14318\n",
	       prog, GEN_MAX_PIPELINE, prog);
}

static int
fail(const char *opt, const char *why, const char *val)
{
	fprintf(stderr, "otlpgen: --%s: %s '%s' (see --help)\n", opt, why, val ? val : "");
	return -1;
}

/* A missing or conflicting option: one line, no value to quote. */
static int
need(const char *opt, const char *why)
{
	fprintf(stderr, "otlpgen: --%s %s (see --help)\n", opt, why);
	return -1;
}

static int
parse_u64(const char *s, uint64_t lo, uint64_t hi, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (s == NULL || *s == '\0' || *s == '-')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < lo || v > hi)
		return -EINVAL;
	*out = v;
	return 0;
}

static int
parse_double(const char *s, double lo, double hi, double *out)
{
	char *end;
	double v;

	if (s == NULL || *s == '\0')
		return -EINVAL;
	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || *end != '\0' || !isfinite(v) || v < lo || v > hi)
		return -EINVAL;
	*out = v;
	return 0;
}

static int
parse_addr(const char *s, uint32_t *be)
{
	struct in_addr a;

	if (inet_pton(AF_INET, s, &a) != 1)
		return -EINVAL;
	*be = a.s_addr;
	return 0;
}

/* "ADDR:PORT", port 1..65535 (host order out) */
static int
parse_addr_port(const char *s, uint32_t *be, uint16_t *port)
{
	char buf[64];
	const char *colon = strrchr(s, ':');
	uint64_t p;

	if (colon == NULL || (size_t)(colon - s) >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, (size_t)(colon - s));
	buf[colon - s] = '\0';
	if (parse_addr(buf, be) != 0 || parse_u64(colon + 1, 1, 65535, &p) != 0)
		return -EINVAL;
	*port = (uint16_t)p;
	return 0;
}

/* "PORT=ADDR/PREFIX" */
static int
parse_port_ip(const char *s, struct gen_port_ip *pi)
{
	char buf[64];
	const char *eq = strchr(s, '='), *slash;
	uint64_t v;

	if (eq == NULL || (size_t)(eq - s) >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, (size_t)(eq - s));
	buf[eq - s] = '\0';
	if (parse_u64(buf, 0, 65535, &v) != 0)
		return -EINVAL;
	pi->port_id = (uint16_t)v;
	slash = strchr(eq + 1, '/');
	if (slash == NULL || (size_t)(slash - eq - 1) >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, eq + 1, (size_t)(slash - eq - 1));
	buf[slash - eq - 1] = '\0';
	if (parse_addr(buf, &pi->addr_be) != 0 || parse_u64(slash + 1, 1, 32, &v) != 0)
		return -EINVAL;
	pi->prefix_len = (uint8_t)v;
	return 0;
}

/* "spans=N,attrs=M,value-bytes=B", any subset, any order */
static int
parse_synth(const char *s, struct gen_synth *g)
{
	char buf[128], *save = NULL;

	if (strlen(s) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, s);
	for (char *tok = strtok_r(buf, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(tok, '=');
		uint64_t v;

		if (eq == NULL)
			return -EINVAL;
		*eq = '\0';
		if (strcmp(tok, "spans") == 0 && parse_u64(eq + 1, 1, 1000000, &v) == 0)
			g->spans = (uint32_t)v;
		else if (strcmp(tok, "attrs") == 0 && parse_u64(eq + 1, 0, 1000, &v) == 0)
			g->attrs = (uint32_t)v;
		else if (strcmp(tok, "value-bytes") == 0 && parse_u64(eq + 1, 0, 65536, &v) == 0)
			g->value_bytes = (uint32_t)v;
		else
			return -EINVAL;
	}
	return 0;
}

static void
defaults(struct gen_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->conns = 16;
	o->synth.spans = 512;
	o->synth.attrs = 8;
	o->synth.value_bytes = 16;
	o->path = "/v1/traces";
	o->duration_s = 10;
	o->pipeline = 1;
	o->linger_s = 3;
	o->sink_rcv_buf = 4u << 20;
	o->report_interval_s = 1;
	o->mbufs = 65535;
	o->slow_interval_ms = 2000;
}

int
gen_parse_args(int argc, char **argv, struct gen_opts *o)
{
	bool duration_set = false;
	uint64_t v;
	int c;

	defaults(o);
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", long_opts, NULL)) != -1) {
		const char *name = optind > 0 && optind <= argc ? argv[optind - 1] : "";

		switch (c) {
		case OPT_PORT_IP:
			if (o->n_ports == GEN_MAX_PORTS)
				return fail("port-ip", "too many ports at", optarg);
			if (parse_port_ip(optarg, &o->ports[o->n_ports]) != 0)
				return fail("port-ip", "expected PORT=ADDR/PREFIX, got", optarg);
			o->n_ports++;
			break;
		case OPT_GATEWAY:
			if (parse_addr(optarg, &o->gateway_be) != 0)
				return fail("gateway", "not an IPv4 address:", optarg);
			break;
		case OPT_TARGET:
			if (parse_addr_port(optarg, &o->target_be, &o->target_port) != 0 ||
			    o->target_be == 0)
				return fail("target", "expected ADDR:PORT, got", optarg);
			break;
		case OPT_CONNS:
			if (parse_u64(optarg, 1, 1000000, &v) != 0)
				return fail("conns", "expected 1..1000000, got", optarg);
			o->conns = (uint32_t)v;
			break;
		case OPT_BODY:
			if (o->n_bodies == GEN_MAX_BODIES)
				return fail("body", "too many bodies at", optarg);
			o->bodies[o->n_bodies++] = optarg;
			break;
		case OPT_GEN:
			if (parse_synth(optarg, &o->synth) != 0)
				return fail("gen", "expected spans=N,attrs=M,value-bytes=B, got",
					    optarg);
			o->synth_on = true;
			break;
		case OPT_GZIP:
			o->gzip = true;
			break;
		case OPT_PATH:
			if (optarg[0] != '/' || gen_path_signal(optarg) < 0)
				return fail("path",
					    "expected a path ending in /v1/traces, "
					    "/v1/metrics or /v1/logs, got",
					    optarg);
			o->path = optarg;
			break;
		case OPT_RATE:
			if (parse_double(optarg, 0, 1e9, &o->rate) != 0)
				return fail("rate", "expected requests/s >= 0, got", optarg);
			break;
		case OPT_DURATION:
			if (parse_double(optarg, 0.001, 1e6, &o->duration_s) != 0)
				return fail("duration", "expected seconds > 0, got", optarg);
			duration_set = true;
			break;
		case OPT_REQUESTS:
			if (parse_u64(optarg, 1, UINT64_MAX >> 1, &o->requests) != 0)
				return fail("requests", "expected a count >= 1, got", optarg);
			break;
		case OPT_WARMUP:
			if (parse_double(optarg, 0, 1e6, &o->warmup_s) != 0)
				return fail("warmup", "expected seconds >= 0, got", optarg);
			break;
		case OPT_PIPELINE:
			if (parse_u64(optarg, 1, GEN_MAX_PIPELINE, &v) != 0)
				return fail("pipeline", "expected 1..64, got", optarg);
			o->pipeline = (uint32_t)v;
			break;
		case OPT_SINK:
			if (parse_addr_port(optarg, &o->sink_be, &o->sink_port) != 0)
				return fail("sink", "expected ADDR:PORT, got", optarg);
			break;
		case OPT_SINK_COUNT:
			o->sink_count_items = true;
			break;
		case OPT_SINK_RCVBUF:
			if (parse_u64(optarg, 4096, 1u << 30, &v) != 0)
				return fail("sink-rcvbuf", "expected 4096..2^30 bytes, got",
					    optarg);
			o->sink_rcv_buf = (uint32_t)v;
			break;
		case OPT_LINGER:
			if (parse_double(optarg, 0, 3600, &o->linger_s) != 0)
				return fail("linger", "expected seconds >= 0, got", optarg);
			break;
		case OPT_HOLD:
			o->hold = true;
			break;
		case OPT_REPORT:
			if (parse_double(optarg, 0, 3600, &o->report_interval_s) != 0)
				return fail("report-interval", "expected seconds >= 0, got",
					    optarg);
			break;
		case OPT_MBUFS:
			if (parse_u64(optarg, 1023, 1u << 24, &v) != 0)
				return fail("mbufs", "expected 1023..16777216, got", optarg);
			o->mbufs = (uint32_t)v;
			break;
		case OPT_IDLE_SLEEP:
			if (parse_u64(optarg, 0, 1000000, &v) != 0)
				return fail("idle-sleep", "expected microseconds, got", optarg);
			o->idle_sleep_us = (uint32_t)v;
			break;
		case OPT_SLOW_CONNS:
			if (parse_u64(optarg, 0, 1000000, &v) != 0)
				return fail("slow-conns", "expected 0..1000000, got", optarg);
			o->slow_conns = (uint32_t)v;
			break;
		case OPT_SLOW_INTERVAL:
			if (parse_u64(optarg, 1, 3600000, &v) != 0)
				return fail("slow-interval", "expected 1..3600000 ms, got", optarg);
			o->slow_interval_ms = (uint32_t)v;
			break;
		case OPT_HELP:
			gen_usage(argv[0]);
			return 1;
		default:
			/* getopt_long: unknown option, or one missing its argument */
			fprintf(stderr,
				"otlpgen: %s: unknown option or missing value (see --help)\n",
				name);
			return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "otlpgen: unexpected argument '%s' (see --help)\n", argv[optind]);
		return -1;
	}
	if (o->n_ports == 0)
		return need("port-ip", "is required");
	if (o->target_port == 0 && o->sink_port == 0)
		return need("target", "or --sink is required");
	if (o->target_port != 0 && o->n_bodies == 0 && !o->synth_on)
		return need("body", "or --gen is required with --target");
	if (o->n_bodies != 0 && o->synth_on)
		return need("gen", "cannot be combined with --body");
	if (o->synth_on && gen_path_signal(o->path) != OG_OTLP_TRACES)
		return fail("gen", "generates traces: needs a /v1/traces path, not", o->path);
	if (o->slow_conns != 0 && o->target_port == 0)
		return need("slow-conns", "needs --target");
	if (o->requests != 0 && duration_set)
		return need("requests", "cannot be combined with --duration");
	if (o->requests != 0 && o->warmup_s > 0)
		return need("requests", "cannot be combined with --warmup");
	if (o->requests != 0)
		o->duration_s = 0;
	else if (o->target_port == 0 && !duration_set)
		o->duration_s = 0; /* a sink alone runs until stopped */
	return 0;
}
