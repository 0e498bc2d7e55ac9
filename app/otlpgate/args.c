/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Application arguments (the part after "--"). Every error is one line
 * naming the option, and the caller exits with status 2 (usage error).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "app.h"
#include "og_common.h"

enum {
	OPT_PORT_IP = 256,
	OPT_GATEWAY,
	OPT_MBUFS,
	OPT_TELEMETRY,
	OPT_ECHO,
	OPT_DISCARD,
	OPT_MAX_CONNS,
	OPT_MAX_CONNS_PER_SOURCE,
	OPT_LOG_LEVEL,
	OPT_HELP,
	OPT_OTLP_HTTP,
	OPT_BACKEND,
	OPT_MAX_BODY,
	OPT_MEMORY,
	OPT_BATCH_ITEMS,
	OPT_BATCH_BYTES,
	OPT_BATCH_TIMEOUT,
	OPT_RETRY_AFTER,
	OPT_DRAIN_TIMEOUT,
	OPT_IDLE_SLEEP,
	OPT_RX_LCORES,
	OPT_BATCH_LCORES,
	OPT_TX_LCORES,
	OPT_HEADER_TIMEOUT,
	OPT_BODY_MIN_RATE,
	OPT_KEEPALIVE_TIMEOUT,
	OPT_FAULT_RX_DROP,
	OPT_FAULT_RX_DUP,
	OPT_FAULT_RX_REORDER,
	OPT_FAULT_TX_DROP,
	OPT_FAULT_TX_DUP,
	OPT_FAULT_TX_REORDER,
};

static const struct option long_opts[] = {
	{ "port-ip", required_argument, NULL, OPT_PORT_IP },
	{ "gateway", required_argument, NULL, OPT_GATEWAY },
	{ "mbufs", required_argument, NULL, OPT_MBUFS },
	{ "telemetry", required_argument, NULL, OPT_TELEMETRY },
	{ "echo-port", required_argument, NULL, OPT_ECHO },
	{ "discard-port", required_argument, NULL, OPT_DISCARD },
	{ "max-conns", required_argument, NULL, OPT_MAX_CONNS },
	{ "max-conns-per-source", required_argument, NULL, OPT_MAX_CONNS_PER_SOURCE },
	{ "log-level", required_argument, NULL, OPT_LOG_LEVEL },
	{ "help", no_argument, NULL, OPT_HELP },
	{ "otlp-http", required_argument, NULL, OPT_OTLP_HTTP },
	{ "backend", required_argument, NULL, OPT_BACKEND },
	{ "max-body", required_argument, NULL, OPT_MAX_BODY },
	{ "memory", required_argument, NULL, OPT_MEMORY },
	{ "batch-max-items", required_argument, NULL, OPT_BATCH_ITEMS },
	{ "batch-max-bytes", required_argument, NULL, OPT_BATCH_BYTES },
	{ "batch-timeout", required_argument, NULL, OPT_BATCH_TIMEOUT },
	{ "retry-after", required_argument, NULL, OPT_RETRY_AFTER },
	{ "drain-timeout", required_argument, NULL, OPT_DRAIN_TIMEOUT },
	{ "idle-sleep", required_argument, NULL, OPT_IDLE_SLEEP },
	{ "rx-lcores", required_argument, NULL, OPT_RX_LCORES },
	{ "batch-lcores", required_argument, NULL, OPT_BATCH_LCORES },
	{ "tx-lcores", required_argument, NULL, OPT_TX_LCORES },
	{ "header-timeout", required_argument, NULL, OPT_HEADER_TIMEOUT },
	{ "body-min-rate", required_argument, NULL, OPT_BODY_MIN_RATE },
	{ "keepalive-timeout", required_argument, NULL, OPT_KEEPALIVE_TIMEOUT },
#ifdef OG_FAULT_INJECTION
	{ "fault-rx-drop", required_argument, NULL, OPT_FAULT_RX_DROP },
	{ "fault-rx-dup", required_argument, NULL, OPT_FAULT_RX_DUP },
	{ "fault-rx-reorder", required_argument, NULL, OPT_FAULT_RX_REORDER },
	{ "fault-tx-drop", required_argument, NULL, OPT_FAULT_TX_DROP },
	{ "fault-tx-dup", required_argument, NULL, OPT_FAULT_TX_DUP },
	{ "fault-tx-reorder", required_argument, NULL, OPT_FAULT_TX_REORDER },
#endif
	{ NULL, 0, NULL, 0 },
};

/* "0,2-3": set @p bit in roles[id] for each id; false on a bad list */
static bool
parse_lcore_list(const char *s, uint8_t *roles, uint8_t bit)
{
	const char *p = s;

	if (*p == '\0')
		return false;
	while (*p != '\0') {
		char *end;
		unsigned long a, b;

		if (*p < '0' || *p > '9')
			return false;
		a = strtoul(p, &end, 10);
		b = a;
		if (*end == '-') {
			if (end[1] < '0' || end[1] > '9')
				return false;
			b = strtoul(end + 1, &end, 10);
		}
		if (a > b || b >= RTE_MAX_LCORE || (*end != ',' && *end != '\0'))
			return false;
		for (unsigned long i = a; i <= b; i++)
			roles[i] |= bit;
		p = *end == ',' ? end + 1 : end;
		if (*end == ',' && *p == '\0')
			return false;
	}
	return true;
}

void
app_usage(const char *prog)
{
	printf("Usage: %s [EAL options] -- [options]\n"
	       "\n"
	       "Kernel-bypass OTLP ingest appliance. EAL options are DPDK's\n"
	       "(doc.dpdk.org/guides-22.11/linux_gsg/linux_eal_parameters.html); every\n"
	       "EAL lcore runs a dataplane loop; RX lcores own one RX/TX queue pair on\n"
	       "each port.\n"
	       "\n"
	       "Options:\n"
	       "  --port-ip PORT=ADDR/PREFIX  IPv4 address and on-link prefix of ethdev PORT\n"
	       "                              (repeatable, one per port; at least one)\n"
	       "  --gateway ADDR              next hop for destinations outside every prefix\n"
	       "  --mbufs N                   packet mbufs in the RX/TX pool (default 16383,\n"
	       "                              or more with the receiver on: enough that\n"
	       "                              half the pool holds one --max-body body)\n"
	       "  --telemetry ADDR:PORT       Prometheus /metrics and /healthz on a kernel\n"
	       "                              socket (default 127.0.0.1:9464)\n"
	       "  --echo-port N               TCP echo service on port N (diagnostic, zero\n"
	       "                              copy; off by default)\n"
	       "  --discard-port N            TCP discard service on port N (diagnostic; off\n"
	       "                              by default)\n"
	       "  --max-conns N               TCP connections per lcore (default 16384)\n"
	       "  --max-conns-per-source N    TCP connections one client address may hold\n"
	       "                              (default --max-conns / 4; 0: no limit); each\n"
	       "                              RX lcore allows N / RX lcores, rounded up, as\n"
	       "                              RSS spreads an address's connections; beyond\n"
	       "                              it a new connection gets a RST\n"
	       "  --log-level LEVEL           level of otlpgate's logs: emerg alert crit err\n"
	       "                              warning notice info debug, or 1..8\n"
	       "  --idle-sleep US             sleep US microseconds after a loop iteration\n"
	       "                              that found no work (default 0: busy polling;\n"
	       "                              for shared machines, TAP and tests)\n"
	       "\n"
	       "Lcore roles (docs/lcores.md; default: every lcore RX, the first also\n"
	       "batch and TX; one lcore runs everything to completion):\n"
	       "  --rx-lcores LIST            lcores that own a queue pair on every port,\n"
	       "                              TCP, HTTP and decoding (LIST: 1,3-5)\n"
	       "  --batch-lcores LIST         lcores that batch records (one batcher per RX\n"
	       "                              lcore, spread round robin)\n"
	       "  --tx-lcores LIST            lcores that drive the backends (backend N on\n"
	       "                              the Nth, round robin); must be RX lcores\n"
	       "\n"
	       "OTLP/HTTP receiver (on when at least one --backend is given):\n"
	       "  --backend URI               where accepted data goes (repeatable, at most\n"
	       "                              8: every backend gets every batch); URIs below\n"
	       "  --otlp-http ADDR:PORT|off   listen address (default 0.0.0.0:4318: every\n"
	       "                              port address)\n"
	       "  --max-body SIZE             request body limit, as sent and after\n"
	       "                              decompression (default 8M, what the default\n"
	       "                              --memory holds); 413 above it.\n"
	       "                              The effective limit (logged at start) is\n"
	       "                              lower when --memory is too small to hold\n"
	       "                              such a body: a body reserves 5/3 of its\n"
	       "                              size as received, and one request gets at\n"
	       "                              most 9/10 of --memory\n"
	       "  --memory SIZE               admission budget for accepted, undelivered data\n"
	       "                              (default: half the mbuf pool); 503 while other\n"
	       "                              requests fill it, 413 for one that never fits\n"
	       "  --batch-max-items N         flush a batch at N items (default 8192)\n"
	       "  --batch-max-bytes SIZE      flush a batch before SIZE bytes (default 4M)\n"
	       "  --batch-timeout MS          flush a batch MS milliseconds old (default 200)\n"
	       "  --retry-after S             Retry-After of 503 answers (default 1)\n"
	       "  --drain-timeout S           on SIGTERM, time to deliver what is queued\n"
	       "                              (default 10)\n"
	       "  --header-timeout S          a request head must be complete S seconds\n"
	       "                              after its first byte (a new connection's,\n"
	       "                              after the accept): else 408, or a silent\n"
	       "                              close before a request line (default 10)\n"
	       "  --body-min-rate BYTES       a request body must arrive at BYTES per second\n"
	       "                              at least, over each 10 s: else 408 (default\n"
	       "                              1024; 0: no minimum)\n"
	       "  --keepalive-timeout S       close an idle keep-alive connection after S\n"
	       "                              seconds; 5 under pressure (default 60)\n"
	       "SIZE takes a K, M or G suffix (powers of 1024).\n"
	       "\n"
#ifdef OG_FAULT_INJECTION
	       "  --fault-rx-drop PCT         drop PCT%% of received packets (test builds)\n"
	       "  --fault-rx-dup PCT          duplicate PCT%% of received packets\n"
	       "  --fault-rx-reorder PCT      delay PCT%% of received packets behind the next\n"
	       "  --fault-tx-drop PCT         drop PCT%% of sent packets\n"
	       "  --fault-tx-dup PCT          duplicate PCT%% of sent packets\n"
	       "  --fault-tx-reorder PCT      delay PCT%% of sent packets behind the next\n"
#endif
	       "  --help                      this text\n"
	       "\n"
	       "Backends (--backend URI; docs/backends.md):\n"
	       "  otlp-http://ADDR:PORT[/base-path][?option=value&...]\n"
	       "                              POST each batch over HTTP/1.1 to another OTLP\n"
	       "                              receiver (base-path/v1/traces, /v1/metrics,\n"
	       "                              /v1/logs); ADDR is IPv4, reached through the\n"
	       "                              ports. Options (values percent-decoded):\n"
	       "      conns=N                 connections per egress lcore, 1..16 (default 2)\n"
	       "      max_inflight=N          batches held at once, 1..64 (default conns)\n"
	       "      sndbuf=BYTES            TCP send buffer per connection, 4096..2^30\n"
	       "                              (default 4194304)\n"
	       "      timeout_ms=MS           abort and retry a request or connection\n"
	       "                              attempt after MS (default 10000)\n"
	       "      compression=none|gzip   gzip: deflate the body (default none: zero\n"
	       "                              copy)\n"
	       "      header=Name:Value       extra request header (repeatable), e.g.\n"
	       "                              header=Authorization:Bearer%%20abc\n"
	       "    429, 502, 503, 504, timeouts and lost connections are retried; any other\n"
	       "    non-2xx answer is permanent: the batch is dropped, counted and logged.\n"
	       "  file:DIR[?format=pb|json][&max_bytes=N][&fsync=0|1]\n"
	       "                              write batches to DIR/<signal>-<n>.otlp\n"
	       "                              (delimited protobuf) or .jsonl (format=json)\n"
	       "  null                        complete every batch at once (measurement)\n"
	       "\n"
	       "Example (TAP, no hugepages):\n"
	       "  %s --no-huge --no-pci --file-prefix og0 --vdev net_tap0,iface=og0 -- \\\n"
	       "      --port-ip 0=192.0.2.2/24 --backend 'otlp-http://192.0.2.1:4318?conns=4'\n",
	       prog, prog);
}

static int
fail(const char *opt, const char *why, const char *val)
{
	fprintf(stderr, "otlpgate: --%s: %s '%s' (see --help)\n", opt, why, val ? val : "");
	return -1;
}

static bool
parse_u32(const char *s, uint32_t lo, uint32_t hi, uint32_t *out)
{
	char *end;
	unsigned long long v;

	if (s == NULL || *s == '\0' || *s == '-')
		return false;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < lo || v > hi)
		return false;
	*out = (uint32_t)v;
	return true;
}

static bool
parse_ipv4(const char *s, uint32_t *addr_be)
{
	struct in_addr in;

	if (inet_pton(AF_INET, s, &in) != 1)
		return false;
	*addr_be = in.s_addr;
	return true;
}

/* PORT=ADDR/PREFIX */
static bool
parse_port_ip(const char *s, struct app_port_ip *p)
{
	char buf[64];
	char *eq, *slash;
	uint32_t port, prefix;

	if (strlen(s) >= sizeof(buf))
		return false;
	strcpy(buf, s);
	eq = strchr(buf, '=');
	slash = strchr(buf, '/');
	if (eq == NULL || slash == NULL || slash < eq)
		return false;
	*eq = '\0';
	*slash = '\0';
	if (!parse_u32(buf, 0, RTE_MAX_ETHPORTS - 1, &port) ||
	    !parse_u32(slash + 1, 1, 32, &prefix) || !parse_ipv4(eq + 1, &p->addr_be) ||
	    p->addr_be == 0)
		return false;
	p->port_id = (uint16_t)port;
	p->prefix_len = (uint8_t)prefix;
	return true;
}

static int
parse_level(const char *s)
{
	static const char *const names[] = { "emerg",	"alert",  "crit", "err",
					     "warning", "notice", "info", "debug" };
	uint32_t v;

	for (unsigned int i = 0; i < RTE_DIM(names); i++)
		if (strcasecmp(s, names[i]) == 0)
			return (int)i + 1;
	if (parse_u32(s, 1, 8, &v))
		return (int)v;
	return -1;
}

/* A byte size: digits with an optional K, M or G (powers of 1024). */
static bool
parse_size(const char *s, uint64_t lo, uint64_t hi, uint64_t *out)
{
	char *end;
	unsigned long long v;
	unsigned int shift = 0;

	if (s == NULL || *s < '0' || *s > '9')
		return false;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0)
		return false;
	if (*end == 'K' || *end == 'k')
		shift = 10;
	else if (*end == 'M' || *end == 'm')
		shift = 20;
	else if (*end == 'G' || *end == 'g')
		shift = 30;
	if (shift != 0)
		end++;
	if (*end != '\0' || v > (hi >> shift) || (v << shift) < lo)
		return false;
	*out = (uint64_t)v << shift;
	return true;
}

#ifdef OG_FAULT_INJECTION
/* A percentage with up to four decimals, to parts per million. */
static bool
parse_pct(const char *s, uint32_t *ppm)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || *end != '\0' || end == s || !(v >= 0.0 && v <= 100.0))
		return false;
	*ppm = (uint32_t)(v * 10000.0 + 0.5);
	return true;
}
#endif

int
app_parse_args(int argc, char **argv, struct app_opts *o)
{
	int c, idx;

	memset(o, 0, sizeof(*o));
	o->mbufs = 0; /* app_mbufs_default() once the pool's object size is known */
	o->telemetry = "127.0.0.1:9464";
	o->max_conns = 16384;
	o->otlp_port = 4318;
	o->max_body = 8ull << 20; /* fits the default budget: docs/receiver.md */
	o->batch_max_items = 8192;
	o->batch_max_bytes = 4ull << 20;
	o->batch_timeout_ms = 200;
	o->retry_after_s = 1;
	o->drain_timeout_s = 10;
	o->header_timeout_s = 10;
	o->body_min_rate = 1024;
	o->keepalive_timeout_s = 60;
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":", long_opts, &idx)) != -1) {
		const char *name =
			(c >= OPT_PORT_IP && c != '?' && c != ':') ? long_opts[idx].name : NULL;
		uint32_t v;

		switch (c) {
		case OPT_PORT_IP:
			if (o->n_ports == APP_MAX_PORTS)
				return fail(name, "too many ports, at most 8:", optarg);
			if (!parse_port_ip(optarg, &o->ports[o->n_ports]))
				return fail(name, "expected PORT=ADDR/PREFIX, got", optarg);
			for (unsigned int i = 0; i < o->n_ports; i++)
				if (o->ports[i].port_id == o->ports[o->n_ports].port_id)
					return fail(name, "port given twice:", optarg);
			o->n_ports++;
			break;
		case OPT_GATEWAY:
			if (!parse_ipv4(optarg, &o->gateway_be) || o->gateway_be == 0)
				return fail(name, "bad IPv4 address", optarg);
			break;
		case OPT_MBUFS:
			if (!parse_u32(optarg, 1024, 1u << 26, &o->mbufs))
				return fail(name, "expected 1024..67108864, got", optarg);
			break;
		case OPT_TELEMETRY: {
			uint32_t a;
			uint16_t p;

			if (og_parse_ipv4_port(optarg, &a, &p) != 0)
				return fail(name, "expected ADDR:PORT, got", optarg);
			o->telemetry = optarg;
			break;
		}
		case OPT_ECHO:
		case OPT_DISCARD:
			if (!parse_u32(optarg, 1, 65535, &v))
				return fail(name, "expected a TCP port 1..65535, got", optarg);
			if (c == OPT_ECHO)
				o->echo_port = (uint16_t)v;
			else
				o->discard_port = (uint16_t)v;
			break;
		case OPT_MAX_CONNS:
			if (!parse_u32(optarg, 1, 1u << 24, &o->max_conns))
				return fail(name, "expected 1..16777216, got", optarg);
			break;
		case OPT_MAX_CONNS_PER_SOURCE:
			if (!parse_u32(optarg, 0, 1u << 30, &o->max_conns_per_source))
				return fail(name, "expected 0..1073741824, got", optarg);
			o->max_conns_per_source_given = true;
			break;
		case OPT_LOG_LEVEL:
			o->log_level = parse_level(optarg);
			if (o->log_level < 0)
				return fail(name, "unknown level", optarg);
			break;
		case OPT_HELP:
			app_usage(argv[0]);
			return 1;
		case OPT_OTLP_HTTP:
			if (strcmp(optarg, "off") == 0) {
				o->otlp_http_off = true;
			} else if (og_parse_ipv4_port(optarg, &o->otlp_addr_be, &o->otlp_port) !=
					   0 ||
				   o->otlp_port == 0) {
				return fail(name, "expected ADDR:PORT or off, got", optarg);
			}
			break;
		case OPT_BACKEND:
			if (o->n_backends == APP_MAX_BACKENDS)
				return fail(name, "too many backends, at most 8:", optarg);
			if (optarg[0] == '\0')
				return fail(name, "empty backend URI", optarg);
			o->backends[o->n_backends++] = optarg;
			break;
		case OPT_MAX_BODY:
			if (!parse_size(optarg, 1024, 1ull << 30, &o->max_body))
				return fail(name, "expected a size 1K..1G, got", optarg);
			break;
		case OPT_MEMORY:
			if (!parse_size(optarg, 1ull << 20, 1ull << 40, &o->memory))
				return fail(name, "expected a size 1M..1024G, got", optarg);
			break;
		case OPT_BATCH_ITEMS:
			if (!parse_u32(optarg, 1, 1u << 24, &o->batch_max_items))
				return fail(name, "expected 1..16777216, got", optarg);
			break;
		case OPT_BATCH_BYTES:
			if (!parse_size(optarg, 1024, 1ull << 30, &o->batch_max_bytes))
				return fail(name, "expected a size 1K..1G, got", optarg);
			break;
		case OPT_BATCH_TIMEOUT:
			if (!parse_u32(optarg, 1, 3600000, &o->batch_timeout_ms))
				return fail(name, "expected milliseconds 1..3600000, got", optarg);
			break;
		case OPT_RETRY_AFTER:
			if (!parse_u32(optarg, 1, 3600, &o->retry_after_s))
				return fail(name, "expected seconds 1..3600, got", optarg);
			break;
		case OPT_IDLE_SLEEP:
			if (!parse_u32(optarg, 0, 100000, &o->idle_sleep_us))
				return fail(name, "expected microseconds 0..100000, got", optarg);
			break;
		case OPT_RX_LCORES:
		case OPT_BATCH_LCORES:
		case OPT_TX_LCORES: {
			uint8_t bit = c == OPT_RX_LCORES      ? APP_ROLE_RX
				      : c == OPT_BATCH_LCORES ? APP_ROLE_BATCH
							      : APP_ROLE_TX;

			if (!parse_lcore_list(optarg, o->roles, bit))
				return fail(name,
					    "expected lcore ids such as 0,2-3 (below " RTE_STR(
						    RTE_MAX_LCORE) "), got",
					    optarg);
			o->roles_given = true;
			break;
		}
		case OPT_HEADER_TIMEOUT:
			if (!parse_u32(optarg, 1, 3600, &o->header_timeout_s))
				return fail(name, "expected seconds 1..3600, got", optarg);
			break;
		case OPT_BODY_MIN_RATE:
			if (!parse_u32(optarg, 0, 1u << 30, &o->body_min_rate))
				return fail(name, "expected bytes per second 0..1073741824, got",
					    optarg);
			break;
		case OPT_KEEPALIVE_TIMEOUT:
			if (!parse_u32(optarg, 1, 3600, &o->keepalive_timeout_s))
				return fail(name, "expected seconds 1..3600, got", optarg);
			break;
		case OPT_DRAIN_TIMEOUT:
			if (!parse_u32(optarg, 0, 3600, &o->drain_timeout_s))
				return fail(name, "expected seconds 0..3600, got", optarg);
			break;
#ifdef OG_FAULT_INJECTION
		case OPT_FAULT_RX_DROP:
		case OPT_FAULT_RX_DUP:
		case OPT_FAULT_RX_REORDER:
		case OPT_FAULT_TX_DROP:
		case OPT_FAULT_TX_DUP:
		case OPT_FAULT_TX_REORDER: {
			uint32_t *dst[] = { &o->fault.rx_drop,	  &o->fault.rx_dup,
					    &o->fault.rx_reorder, &o->fault.tx_drop,
					    &o->fault.tx_dup,	  &o->fault.tx_reorder };

			if (!parse_pct(optarg, dst[c - OPT_FAULT_RX_DROP]))
				return fail(name, "expected a percentage 0..100, got", optarg);
			break;
		}
#endif
		case ':':
			fprintf(stderr, "otlpgate: %s: missing value (see --help)\n",
				argv[optind - 1]);
			return -1;
		default:
			fprintf(stderr, "otlpgate: %s: unknown option (see --help)\n",
				argv[optind - 1]);
			return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "otlpgate: %s: unexpected argument (see --help)\n", argv[optind]);
		return -1;
	}
	if (o->n_ports == 0) {
		fprintf(stderr, "otlpgate: --port-ip: required, at least one (see --help)\n");
		return -1;
	}
	/*
	 * A quarter of a table: at least four addresses are needed to fill an
	 * lcore's table, and one address alone stays below the eviction
	 * threshold (docs/receiver.md "Connection pressure").
	 */
	if (!o->max_conns_per_source_given)
		o->max_conns_per_source = OG_MAX(o->max_conns / 4, 1u);
	if (o->echo_port != 0 && o->echo_port == o->discard_port) {
		fprintf(stderr,
			"otlpgate: --discard-port: same port as --echo-port (see --help)\n");
		return -1;
	}
	return 0;
}
