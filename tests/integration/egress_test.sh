#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# OTLP/HTTP egress over TAP: otlpgate runs in a private network namespace on
# a net_tap port with otlp-http backends; on the kernel side of the TAP
# (198.18.X.1, RFC 2544 benchmarking space, only inside the namespace) run
# the clients (the OpenTelemetry JS SDK's exporters through
# tests/clients/send.mjs, and curl) and otlp_sink.py, an OTLP/HTTP backend
# whose behaviour the test switches through its control port. For every
# scenario: egress_check.py watch asserts docs/design.md section 3's invariant
# (received = exported + backend_rejected + rejected + dropped_by_rule +
# refused + queued, per signal and backend) at every scrape, and at the end
# egress_check.py verify checks that every item a client was answered 200
# for reached each sink exactly once, byte-identical (or was answered a
# permanent error by it and counted backend_rejected), and that otlpgate's
# counters say the same.
#
#  1. one backend (base path, custom header):
#     a. normal delivery: traces, metrics, logs; protobuf, JSON, gzip;
#     b. the sink answers 503 + Retry-After for a while;
#     c. the sink is down (connections refused), then up;
#     d. the sink answers 400 once: backend_rejected, logged with its message;
#     e. 2% packet loss in both directions (nftables);
#     f. the sink answers 200 with partial_success;
#     g. SIGTERM under load: drained, exit status 0, nothing undelivered.
#  2. two backends in fan-out (gzip and none), --memory 6M: one sink
#     stalls (accepts, never answers), the queue fills, clients get 503 with
#     Retry-After, the sink recovers and everything acknowledged arrives at
#     both; SIGTERM.
#  3. the sink down and SIGTERM: exit status 0 after --drain-timeout, and the
#     log names what was not delivered.
# Needs root, node and the npm test clients (scripts/setup). Everything it
# creates is removed on exit.
#
# usage: egress_test.sh OTLPGATE OTLPCAT
# Environment: OG_IT_ITEMS (default 1000): items per SDK run.
set -u

OTLPGATE=${1:?usage: egress_test.sh OTLPGATE OTLPCAT}
OTLPCAT=${2:?usage: egress_test.sh OTLPGATE OTLPCAT}
HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)
PY=/usr/bin/python3
OCHECK="$HERE/otlp_check.py"
ECHECK="$HERE/egress_check.py"
SINK="$HERE/otlp_sink.py"
SEND="$TOP/tests/clients/send.mjs"
SAMPLES="$TOP/tests/data/samples"
ITEMS=${OG_IT_ITEMS:-1000}
NCPU=$(nproc)
T0=$(date +%s)

if [ "$(id -u)" != 0 ]; then
	echo "SKIP: needs root (network namespaces, TAP, nftables)"
	exit 77
fi
if ! command -v node >/dev/null || [ ! -d "$TOP/tests/clients/node_modules/@opentelemetry" ]; then
	echo "SKIP: needs node and the npm test clients (run scripts/setup)"
	exit 77
fi
for t in curl nft ip; do
	command -v $t >/dev/null || { echo "SKIP: needs $t (run scripts/setup)"; exit 77; }
done
if ! grep -qa 'otlp-http' "$OTLPGATE"; then
	echo "SKIP: this otlpgate has no otlp-http backend"
	exit 77
fi

# Names and the subnet come from the PID: tap_test.sh uses 198.18.(PID%250+1)
# and otlp_test.sh 198.18.(100+PID%100), this test 198.19.(PID%250+1); each
# runs in a namespace of its own anyway.
X=$(($$ % 250 + 1))
NS=oge$$
IFACE=oge$$
IFACE=${IFACE:0:15}
PREFIX=ogeg$$
PEER=198.19.$X.1 # the namespace's kernel: clients and sinks
OG=198.19.$X.2   # otlpgate
TPORT=9464
BASE=http://$OG:4318
WORK=$(mktemp -d /tmp/otlpgate-egress.XXXXXX)
OG_PID=
LOG=
WATCH_PID=
SINK_PIDS=()

cleanup() {
	local rc=$?
	if [ "$rc" != 0 ] && [ -n "$OG_PID" ] && kill -0 "$OG_PID" 2>/dev/null; then
		echo "--- otlpgate metrics that are not zero ---"
		in_ns curl -s --max-time 5 "http://127.0.0.1:$TPORT/metrics" 2>&1 |
			grep -v '^#' | grep -v ' 0$' | grep -v '_bucket{' | grep 'items\|egress\|budget' | head -80
	fi
	if [ -n "$OG_PID" ] && kill -0 "$OG_PID" 2>/dev/null; then
		kill -TERM "$OG_PID" 2>/dev/null
		for _ in $(seq 30); do kill -0 "$OG_PID" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$OG_PID" 2>/dev/null
	fi
	for p in "${SINK_PIDS[@]}" $WATCH_PID; do kill -KILL "$p" 2>/dev/null; done
	ip netns pids "$NS" 2>/dev/null | xargs -r kill -KILL 2>/dev/null
	ip netns del "$NS" 2>/dev/null
	rm -rf /var/run/dpdk/"$PREFIX"-*
	if [ "$rc" != 0 ]; then
		[ -n "$LOG" ] && { echo "--- otlpgate log (last 40 lines) ---"; tail -40 "$LOG"; }
		for f in "$WORK"/sink-*.log; do
			[ -f "$f" ] && { echo "--- $(basename "$f") (last 15 lines) ---"; tail -15 "$f"; }
		done
	fi
	if [ -n "${OG_IT_KEEP:-}" ]; then echo "kept $WORK"; else rm -rf "$WORK"; fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

step() { echo "== [$(($(date +%s) - T0)) s] $*"; }
die() { echo "FAILED: $*"; exit 1; }
in_ns() { ip netns exec "$NS" "$@"; }
metrics_url() { echo "http://127.0.0.1:$TPORT/metrics"; }
metric() { in_ns "$PY" "$OCHECK" counter "$(metrics_url)" "$1"; }
# sum of a metric's samples whose labels match the regex $2
metric_sum() {
	in_ns curl -s --max-time 10 "$(metrics_url)" |
		awk -v n="$1" -v re="${2:-.}" '(index($1, n "{") == 1 || $1 == n) && $1 ~ re { s += $2 } END { print s + 0 }'
}

ip netns add "$NS" || exit 1
in_ns ip link set lo up

# sink NAME PORT: an otlp_sink.py on 0.0.0.0:PORT in the namespace (so it
# can start before the TAP exists), control on 127.0.0.1:PORT+100, output
# in $WORK/NAME; $NAME_CTL is its control URL.
sink() {
	local name=$1 port=$2
	in_ns "$PY" "$SINK" --listen "0.0.0.0:$port" --control "127.0.0.1:$((port + 100))" \
		--out "$WORK/$name" --log "$WORK/sink-$name.log" 2>"$WORK/sink-$name.err" &
	SINK_PIDS+=($!)
	eval "${name}_CTL=http://127.0.0.1:$((port + 100))"
	for _ in $(seq 50); do
		in_ns curl -sf --max-time 2 "http://127.0.0.1:$((port + 100))/mode" >/dev/null && return 0
		sleep 0.1
	done
	cat "$WORK/sink-$name.err"
	die "sink $name did not start"
}
# mode NAME JSON: switch a sink's behaviour
mode() {
	local ctl=${1}_CTL
	ctl=${!ctl}
	in_ns curl -sf --max-time 10 -X POST --data "$2" "$ctl/mode" >/dev/null || die "sink $1: mode $2"
}
sstat() {
	local ctl=${1}_CTL
	in_ns "$PY" "$ECHECK" stat "${!ctl}" "$2"
}

# start_og NAME [otlpgate options]: one instance on the TAP (a new one each
# time: the TAP goes away with the process), reachable once this returns,
# with an invariant watcher scraping it.
start_og() {
	local name=$1
	shift
	LOG=$WORK/$name.log
	# ip netns exec itself, not the in_ns function: $! must be otlpgate (a
	# subshell would take the SIGTERM and leave otlpgate running)
	ip netns exec "$NS" "$OTLPGATE" --no-huge --no-pci -m 512 --lcores "0@(0-$((NCPU - 1)))" \
		--file-prefix "$PREFIX-$name" --vdev "net_tap0,iface=$IFACE" -- \
		--port-ip "0=$OG/24" --telemetry "127.0.0.1:$TPORT" --idle-sleep 100 \
		"$@" >"$LOG" 2>&1 &
	OG_PID=$!
	for _ in $(seq 150); do
		in_ns ip link show "$IFACE" >/dev/null 2>&1 && grep -q "running on" "$LOG" && break
		kill -0 "$OG_PID" 2>/dev/null || die "otlpgate ($name) exited early"
		sleep 0.2
	done
	grep -q "running on" "$LOG" || die "otlpgate ($name) did not start"
	# The TAP PMD gives the kernel side the port's own MAC: give the kernel
	# a different one, as a real neighbour would have.
	in_ns ip link set "$IFACE" address 02:00:00:00:$(printf %02x $X):01
	in_ns ip addr add "$PEER/24" dev "$IFACE"
	in_ns ip link set "$IFACE" up
	in_ns ping -c 1 -w 10 "$OG" >/dev/null || die "otlpgate ($name) does not answer ping"
	rm -f "$WORK/watch.stop"
	in_ns "$PY" "$ECHECK" watch "$(metrics_url)" "$WORK/watch.stop" >"$WORK/watch-$name.txt" 2>&1 &
	WATCH_PID=$!
}

# watch_end: stop the watcher; it must have seen the invariant at every scrape
watch_end() {
	touch "$WORK/watch.stop"
	wait "$WATCH_PID"
	local rc=$?
	WATCH_PID=
	tail -21 "$WORK/watch-$1.txt"
	[ "$rc" = 0 ] || die "the invariant watcher failed"
}

# stop_og NAME [undelivered]: SIGTERM, exit status 0 within 20 s; the log
# says nothing was left undelivered (or, with "undelivered", names what).
stop_og() {
	local rc
	watch_end "$1"
	kill -TERM "$OG_PID"
	for _ in $(seq 200); do kill -0 "$OG_PID" 2>/dev/null || break; sleep 0.1; done
	kill -0 "$OG_PID" 2>/dev/null && die "otlpgate still running 20 s after SIGTERM"
	wait "$OG_PID"
	rc=$?
	OG_PID=
	[ "$rc" = 0 ] || die "otlpgate exit status $rc after SIGTERM"
	grep -q "draining" "$LOG" || die "no 'draining' line in the log after SIGTERM"
	if [ "${2:-}" = undelivered ]; then
		grep "not delivered" "$LOG" || die "no 'not delivered' line in the log"
	else
		! grep -q "not delivered" "$LOG" || die "$(grep "not delivered" "$LOG")"
		echo "SIGTERM: drained, exit status 0, nothing left undelivered"
	fi
}

# sdk NAME SIGNAL ENCODING GZIP(0|1) COUNT: one send.mjs run in the background
SDK_PIDS=()
SDK_NAMES=()
sdk() {
	local gz=()
	[ "$4" = 1 ] && gz=(--gzip)
	in_ns node "$SEND" --url "$BASE" --signal "$2" --encoding "$3" "${gz[@]}" \
		--count "$5" --run-id "$1-$$" --timeout-ms 60000 >"$WORK/$1.json" 2>"$WORK/$1.err" &
	SDK_PIDS+=($!)
	SDK_NAMES+=("$1")
}
sdk_wait() {
	local i bad=0
	for i in "${!SDK_PIDS[@]}"; do
		if ! wait "${SDK_PIDS[$i]}"; then
			echo "FAILED: sender ${SDK_NAMES[$i]}:"
			cat "$WORK/${SDK_NAMES[$i]}.json" "$WORK/${SDK_NAMES[$i]}.err" | head -20
			bad=1
		fi
		cat "$WORK/${SDK_NAMES[$i]}.json" >>"$LEDGER"
		"$PY" "$OCHECK" sent "$WORK/${SDK_NAMES[$i]}.json" 2>/dev/null
	done
	SDK_PIDS=()
	SDK_NAMES=()
	[ "$bad" = 0 ] || die "an SDK exporter reported a failed export"
}

# curl_many NAME SAMPLE SIGNAL N [curl args]: N POSTs of a sample body on one
# keep-alive connection; the ones answered 200 go into the ledger.
curl_many() {
	local name=$1 sample=$2 sig=$3 n=$4 urls=() ok items
	shift 4
	# -o once per URL: a single -o covers only the first, and the others'
	# bodies (a 503's google.rpc.Status) would land among the status codes
	for _ in $(seq "$n"); do urls+=(-o /dev/null "$BASE/v1/$sig"); done
	in_ns curl -sS --max-time 300 -w '%{http_code}\n' \
		-H 'Content-Type: application/x-protobuf' "$@" --data-binary "@$SAMPLES/$sample" \
		"${urls[@]}" >"$WORK/$name.codes" 2>"$WORK/$name.err"
	ok=$(grep -c '^200$' "$WORK/$name.codes")
	items=$("$PY" -c 'import json,sys
print([e for e in json.load(open(sys.argv[1])) if e["name"] + ".pb" == sys.argv[2].replace(".gz", "")][0][sys.argv[3]])' \
		"$SAMPLES/MANIFEST.json" "$sample" \
		"$(case $sig in traces) echo spans ;; metrics) echo data_points ;; logs) echo log_records ;; esac)")
	[ "$ok" = 0 ] || echo "{\"kind\":\"sample\",\"file\":\"${sample%.gz}\",\"signal\":\"$sig\",\"items\":$items,\"times\":$ok}" >>"$LEDGER"
	echo "$name: $n x $sample: $(sort "$WORK/$name.codes" | uniq -c | awk '{printf "%s x %s, ", $1, $2}')"
}

wait_queued_zero() {
	local q
	for _ in $(seq "${1:-150}"); do
		q=$(metric_sum otlpgate_items_queued)
		[ "$q" = 0 ] && return 0
		sleep 0.2
	done
	die "items still queued after $((${1:-150} / 5)) s: $q"
}
# verify: every acknowledged item at every sink given, and the counters
verify() {
	local args=() s be ctl
	for s in "$@"; do
		be=${s}_BE
		ctl=${s}_CTL
		args+=(--sink "$WORK/$s" "${!be}" "${!ctl}")
	done
	in_ns "$PY" "$ECHECK" verify "$(metrics_url)" "$LEDGER" --samples "$SAMPLES" "${args[@]}" \
		>"$WORK/verify.txt" 2>&1
	local rc=$?
	grep -v 'exactly once$\|as acknowledged$\|^invariant:' "$WORK/verify.txt"
	echo "($(grep -c 'exactly once\|as acknowledged' "$WORK/verify.txt") runs and samples found exactly once)"
	[ "$rc" = 0 ] || die "egress_check.py verify"
}

########################################################################
step "1. one otlp-http backend: sink A on $PEER:14318"
LEDGER=$WORK/ledger-1.jsonl
: >"$LEDGER"
sink A 14318
# under 64 characters: otlpgate keeps that much of a URI as its backend label
A_BE="otlp-http://$PEER:14318/ingest?header=X-Og-Test:e$$"
start_og main --backend "$A_BE" --drain-timeout 10

step "1a. normal delivery: SDK exporters ($ITEMS items per run) and curl samples"
sdk a-tr-pb traces protobuf 0 "$ITEMS"
sdk a-tr-jsongz traces json 1 "$ITEMS"
sdk a-me-pbgz metrics protobuf 1 "$ITEMS"
sdk a-lo-json logs json 0 "$ITEMS"
sdk_wait
for s in traces-64 traces-multi-resource metrics-4x3 metrics-multi-resource logs-100 logs-multi-resource; do
	sig=${s%%-*}
	curl_many "a-$s" "$s.pb" "$sig" 1
	curl_many "a-$s-gz" "$s.pb.gz" "$sig" 1 -H 'Content-Encoding: gzip'
done
wait_queued_zero
verify A
h=$(sstat A last_headers.x-og-test)
[ "$h" = "e$$" ] || die "the sink saw X-Og-Test: '$h', expected e$$"
grep -q 'path=/ingest/v1/metrics' "$WORK/sink-A.log" || die "no request to /ingest/v1/metrics in the sink's log"
echo "header=X-Og-Test:e$$ and base path /ingest seen by the sink"

step "1b. the sink answers 503 with Retry-After: 1 until it has refused 3 batches"
mode A '{"mode":"status","status":503,"retry_after":"1","message":"egress test: busy"}'
sdk b-tr-pb traces protobuf 0 "$ITEMS"
sdk b-lo-pbgz logs protobuf 1 "$ITEMS"
# The clients start when the machine lets them (node takes seconds under
# load): hold the 503s until the sink has answered some, not for a fixed time.
n503=0 q=0
for _ in $(seq 600); do
	n503=$(sstat A by_status.503)
	[ "${n503:-0}" -ge 3 ] && break
	sleep 0.1
done
q=$(metric_sum otlpgate_items_queued)
mode A '{"mode":"ok"}'
sdk_wait
wait_queued_zero
[ "$n503" -gt 0 ] || die "the sink answered no 503"
[ "$q" -gt 0 ] || die "nothing was queued while the sink answered 503"
ra=$(metric_sum otlpgate_egress_retry_after_total)
[ "$ra" -gt 0 ] || die "otlpgate_egress_retry_after_total is $ra"
echo "503: the sink answered $n503 x 503, $q items were queued, $ra retries timed by Retry-After"
verify A

step "1c. the sink down (connections refused) for 4 s, then up"
mode A '{"mode":"down"}'
cf0=$(metric_sum otlpgate_egress_connect_failures_total)
sdk c-tr-json traces json 0 "$ITEMS"
sdk c-me-pb metrics protobuf 0 "$ITEMS"
sdk_wait
sleep 2
q=$(metric_sum otlpgate_items_queued)
cf=$(($(metric_sum otlpgate_egress_connect_failures_total) - cf0))
mode A '{"mode":"up"}'
[ "$q" -gt 0 ] || die "nothing queued while the sink was down"
[ "$cf" -gt 0 ] || die "no connect failure counted while the sink was down"
wait_queued_zero 300
echo "down: $q items queued, $cf connection attempts failed; delivered once up"
verify A

step "1d. the sink answers 400 once: backend_rejected, logged with its message"
br0=$(metric_sum otlpgate_items_backend_rejected_total 'signal="traces"')
mode A '{"mode":"status","status":400,"message":"egress test: bad batch","count":1}'
curl_many d-400 traces-64.pb traces 1
wait_queued_zero
br=$(($(metric_sum otlpgate_items_backend_rejected_total 'signal="traces"') - br0))
[ "$br" = 64 ] || die "backend_rejected{traces} grew by $br, expected 64"
grep 'egress test: bad batch' "$LOG" || die "the backend's message is not in the log"
verify A

step "1e. 2% loss in both directions (nftables)"
in_ns nft -f - <<-NFT || die "nft"
	table inet ogeloss {
		chain in { type filter hook input priority 0; iifname "$IFACE" meta l4proto tcp numgen random mod 100 < 2 drop; }
		chain out { type filter hook output priority 0; oifname "$IFACE" meta l4proto tcp numgen random mod 100 < 2 drop; }
	}
NFT
sdk e-tr-pbgz traces protobuf 1 "$ITEMS"
sdk e-me-json metrics json 0 "$ITEMS"
sdk e-lo-pb logs protobuf 0 "$ITEMS"
curl_many e-512 traces-512.pb traces 10
sdk_wait
wait_queued_zero 300
in_ns nft list table inet ogeloss | grep -c drop | xargs echo "dropping rules:"
in_ns nft delete table inet ogeloss
echo "retries: $(metric_sum otlpgate_egress_retries_total), timeouts: $(metric_sum otlpgate_egress_timeouts_total)"
verify A

step "1f. the sink answers 200 with partial_success rejecting 5 items"
mode A '{"mode":"partial","rejected":5,"message":"egress test: 5 rejected","count":1}'
curl_many f-partial traces-64.pb traces 1
wait_queued_zero
p=$(metric_sum otlpgate_egress_partial_rejected_items_total)
[ "$p" = 5 ] || die "otlpgate_egress_partial_rejected_items_total is $p, expected 5"
verify A

step "1g. SIGTERM under load: 60 x traces-512 from curl, SIGTERM 1 s after the first"
curl_many g-load traces-512.pb traces 60 &
CPID=$!
sleep 1
stop_og main
wait "$CPID"
"$PY" "$ECHECK" verify - "$LEDGER" --samples "$SAMPLES" --sink "$WORK/A" "$A_BE" "$A_CTL" \
	>"$WORK/verify.txt" 2>&1 || { cat "$WORK/verify.txt"; die "sink A after the drain"; }
grep -c 'exactly once\|as acknowledged' "$WORK/verify.txt" |
	xargs echo "runs and samples found exactly once at sink A after the drain:"

########################################################################
step "2. fan-out to sinks B (gzip) and C (none), --memory 6M; C stalls"
LEDGER=$WORK/ledger-2.jsonl
: >"$LEDGER"
sink B 14328
sink C 14338
# 15 s: under load a sink can take seconds to answer, and a timeout while it
# stores the batch means a retry and a duplicate (at least once)
B_BE="otlp-http://$PEER:14328?compression=gzip&timeout_ms=15000"
C_BE="otlp-http://$PEER:14338?compression=none&timeout_ms=15000"
# 6 MiB: a gzip JSON request holds two 1 MiB decode buffers for a moment
# (inflated, then transcoded), more than a smaller budget's high-water mark
start_og fan --backend "$B_BE" --backend "$C_BE" --memory 6M --retry-after 1 --drain-timeout 10
sdk f-tr-pb traces protobuf 0 "$ITEMS"
sdk f-lo-jsongz logs json 1 "$ITEMS"
sdk_wait
wait_queued_zero
[ "$(sstat B last_headers.content-encoding)" = gzip ] || die "sink B did not get gzip"
[ "$(sstat C last_headers.content-encoding)" = 0 ] || die "sink C got a Content-Encoding"
verify B C

step "2b. sink C stalls: the queue fills, clients get 503, then C recovers"
mode C '{"mode":"stall"}'
curl_many stall traces-512.pb traces 50
n503=$(grep -c '^503$' "$WORK/stall.codes")
[ "$n503" -gt 0 ] || die "no client was answered 503 while sink C stalled"
qc=$(metric "otlpgate_items_queued{backend=\"${C_BE%%\?*}\",signal=\"traces\"}")
echo "stalled: $n503 requests answered 503, $qc items queued for C, $(sstat C by_status.stall) requests held by C"
mode C '{"mode":"ok"}'
wait_queued_zero 300
curl_many after traces-64.pb traces 3
wait_queued_zero
verify B C
stop_og fan

########################################################################
step "3. sink D down, SIGTERM: exit status 0 after --drain-timeout 3, undelivered items named"
LEDGER=$WORK/ledger-3.jsonl
: >"$LEDGER"
sink D 14348
mode D '{"mode":"down"}'
D_BE="otlp-http://$PEER:14348?timeout_ms=1000"
start_og down --backend "$D_BE" --drain-timeout 3
curl_many down traces-64.pb traces 3
[ "$(grep -c '^200$' "$WORK/down.codes")" = 3 ] || die "requests not accepted while the backend is down"
sleep 1
stop_og down undelivered
# the log names a backend by its label: the URI without its query
grep -qF "not delivered to ${D_BE%%\?*}: 192 traces items" "$LOG" ||
	die "expected 'not delivered to ${D_BE%%\?*}: 192 traces items'"

step "PASS in $(($(date +%s) - T0)) s"
