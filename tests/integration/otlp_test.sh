#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# OTLP/HTTP receiver over TAP with real clients. otlpgate runs in a private
# network namespace on a net_tap port with a file backend; the kernel side of
# the TAP (198.18.X.1, RFC 2544 benchmarking space, only inside the
# namespace) is where the clients run:
#  a. the OpenTelemetry JS SDK's own OTLP exporters (tests/clients/send.mjs)
#     send thousands of spans, metric points and log records: protobuf, JSON,
#     gzip; every item tagged with its run id and sequence number;
#  b. curl sends the recorded sample bodies (.pb and .pb.gz);
#  c. otlp_check.py reads the file backend's output: every item of every run
#     exactly once, every sample's Resource* entries byte-identical, and the
#     /metrics counters agree (docs/design.md section 3's invariant);
#  d. curl covers every status code and its google.rpc.Status body, and
#     keep-alive with pipelining;
#  e. the SDK sends again with 2% loss in both directions (nftables);
#  f. SIGTERM: otlpgate drains, exits 0 and reports nothing undelivered;
#     then two short-lived instances: --max-body 1M (413) and --memory 1M
#     (413 without Retry-After: the budget caps the body limit).
# Needs root, node and the npm test clients (scripts/setup). Everything it
# creates is removed on exit.
#
# usage: otlp_test.sh OTLPGATE OTLPCAT
# Environment: OG_IT_ITEMS (default 2000): items per SDK run;
#              OG_IT_LOSS_ITEMS (default 1000): items per SDK run under loss.
set -u

OTLPGATE=${1:?usage: otlp_test.sh OTLPGATE OTLPCAT}
OTLPCAT=${2:?usage: otlp_test.sh OTLPGATE OTLPCAT}
HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)
PY=/usr/bin/python3
CHECK="$HERE/otlp_check.py"
SEND="$TOP/tests/clients/send.mjs"
SAMPLES="$TOP/tests/data/samples"
ITEMS=${OG_IT_ITEMS:-2000}
LOSS_ITEMS=${OG_IT_LOSS_ITEMS:-1000}
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

# Names and the subnet come from the PID; tap_test.sh uses 198.18.(PID%250+1),
# this test 198.18.(100+PID%100), each in a namespace of its own.
X=$((100 + $$ % 100))
NS=ogo$$
IFACE=ogo$$
IFACE=${IFACE:0:15}
PREFIX=ogot$$
PEER=198.18.$X.1 # the namespace's kernel: the clients
OG=198.18.$X.2   # otlpgate
TPORT=9464
BASE=http://$OG:4318
WORK=$(mktemp -d /tmp/otlpgate-otlp.XXXXXX)
OUT=$WORK/out
LEDGER=$WORK/ledger.jsonl
OG_PID=
LOG=
mkdir -p "$OUT"
: >"$LEDGER"

cleanup() {
	local rc=$?
	if [ "$rc" != 0 ] && [ -n "$OG_PID" ] && kill -0 "$OG_PID" 2>/dev/null; then
		echo "--- otlpgate metrics that are not zero ---"
		in_ns curl -s --max-time 5 "http://127.0.0.1:$TPORT/metrics" 2>&1 |
			grep -v '^#' | grep -v ' 0$' | grep -v '_bucket{' | head -80
	fi
	if [ -n "$OG_PID" ] && kill -0 "$OG_PID" 2>/dev/null; then
		kill -TERM "$OG_PID" 2>/dev/null
		for _ in $(seq 50); do kill -0 "$OG_PID" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$OG_PID" 2>/dev/null
	fi
	ip netns pids "$NS" 2>/dev/null | xargs -r kill -KILL 2>/dev/null
	ip netns del "$NS" 2>/dev/null
	rm -rf /var/run/dpdk/"$PREFIX"-*
	if [ "$rc" != 0 ] && [ -n "$LOG" ]; then
		echo "--- otlpgate log (last 40 lines) ---"
		tail -40 "$LOG"
	fi
	rm -rf "$WORK"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

step() { echo "== [$(($(date +%s) - T0)) s] $*"; }
die() { echo "FAILED: $*"; exit 1; }
in_ns() { ip netns exec "$NS" "$@"; }
check() { in_ns "$PY" "$CHECK" "$@" || die "otlp_check.py $1"; }
scrape_url() { echo "http://127.0.0.1:$TPORT/metrics"; }

ip netns add "$NS" || exit 1
in_ns ip link set lo up

# start_og NAME [otlpgate options]: one instance on the TAP (a new one each
# time: the TAP goes away with the process), reachable once this returns.
# --idle-sleep: the lcore sleeps 50 us after an idle loop iteration, so a
# busy-polling otlpgate does not starve the clients on a small machine.
start_og() {
	local name=$1
	shift
	LOG=$WORK/$name.log
	# Not through in_ns: a shell function run with & is a forked subshell,
	# so $! would be that shell and SIGTERM would kill it (exit status 143)
	# and leave otlpgate running. ip netns exec execs otlpgate in place.
	ip netns exec "$NS" "$OTLPGATE" --no-huge --no-pci -m 512 --lcores "0@(0-$((NCPU - 1)))" \
		--file-prefix "$PREFIX-$name" --vdev "net_tap0,iface=$IFACE" -- \
		--port-ip "0=$OG/24" --telemetry "127.0.0.1:$TPORT" --idle-sleep 50 "$@" >"$LOG" 2>&1 &
	OG_PID=$!
	for _ in $(seq 150); do
		in_ns ip link show "$IFACE" >/dev/null 2>&1 && grep -q "running on" "$LOG" && break
		kill -0 "$OG_PID" 2>/dev/null || die "otlpgate ($name) exited early"
		sleep 0.2
	done
	grep -q "running on" "$LOG" || die "otlpgate ($name) did not start"
	[ "$(readlink "/proc/$OG_PID/exe")" = "$(readlink -f "$OTLPGATE")" ] ||
		die "pid $OG_PID is $(readlink "/proc/$OG_PID/exe"), not otlpgate"
	# The TAP PMD gives the kernel side the port's own MAC: give the kernel
	# a different one, as a real neighbour would have.
	in_ns ip link set "$IFACE" address 02:00:00:00:$(printf %02x $X):01
	in_ns ip addr add "$PEER/24" dev "$IFACE"
	in_ns ip link set "$IFACE" up
	in_ns ping -c 1 -w 10 "$OG" >/dev/null || die "otlpgate ($name) does not answer ping"
}

# stop_og: SIGTERM, exit status 0 within the drain timeout, and the log says
# nothing was left undelivered.
stop_og() {
	local rc
	kill -TERM "$OG_PID"
	for _ in $(seq 150); do kill -0 "$OG_PID" 2>/dev/null || break; sleep 0.1; done
	kill -0 "$OG_PID" 2>/dev/null && die "otlpgate still running 15 s after SIGTERM"
	wait "$OG_PID"
	rc=$?
	OG_PID=
	[ "$rc" = 0 ] || die "otlpgate exit status $rc after SIGTERM"
	grep -q "draining" "$LOG" || die "no 'draining' line in the log after SIGTERM"
	! grep -q "not delivered" "$LOG" || die "$(grep "not delivered" "$LOG")"
	echo "SIGTERM: drained, exit status 0, nothing left undelivered"
}

# sdk NAME SIGNAL ENCODING GZIP(0|1) COUNT: one send.mjs run in the
# background; its summary goes to $WORK/NAME.json (joined by sdk_wait).
SDK_PIDS=()
SDK_NAMES=()
sdk() {
	local gz=()
	[ "$4" = 1 ] && gz=(--gzip)
	in_ns node "$SEND" --url "$BASE" --signal "$2" --encoding "$3" "${gz[@]}" \
		--count "$5" --run-id "$1-$$" >"$WORK/$1.json" 2>"$WORK/$1.err" &
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
		"$PY" "$CHECK" sent "$WORK/${SDK_NAMES[$i]}.json" 2>/dev/null
	done
	SDK_PIDS=()
	SDK_NAMES=()
	[ "$bad" = 0 ] || die "an SDK exporter reported a failed export"
}

# expect NAME CODE ENC PATH [curl args]: one request; ENC (protobuf|json) is
# the encoding the error body must be in; its google.rpc.Status is decoded
# and must carry a message. The response is kept in $WORK/NAME.{hdr,body}.
expect() {
	local name=$1 want=$2 enc=$3 path=$4 code ct
	shift 4
	code=$(in_ns curl -sS --max-time 60 -o "$WORK/$name.body" -D "$WORK/$name.hdr" \
		-w '%{http_code}' "$@" "$BASE$path") || die "$name: curl failed"
	[ "$code" = "$want" ] || die "$name: HTTP $code, expected $want: $(head -c 200 "$WORK/$name.body")"
	ct=$(grep -i '^content-type:' "$WORK/$name.hdr" | tr -d '\r' | cut -d' ' -f2)
	case "$enc" in
	json) [ "$ct" = application/json ] || die "$name: answered in '$ct', expected application/json" ;;
	protobuf) [ "$ct" = application/x-protobuf ] || die "$name: answered in '$ct', expected application/x-protobuf" ;;
	any) enc=protobuf; [ "$ct" = application/json ] && enc=json ;;
	esac
	if [ "$want" != 200 ]; then
		echo -n "$name: $code, "
		check status "$WORK/$name.body" "$enc"
	fi
}
header() { grep -i "^$2:" "$WORK/$1.hdr" | tr -d '\r' | cut -d' ' -f2-; }

wait_queued_zero() {
	local q
	for _ in $(seq 100); do
		q=$(curl_metrics | awk '/^otlpgate_items_queued\{/ { s += $2 } END { print s + 0 }')
		[ "$q" = 0 ] && return 0
		sleep 0.2
	done
	die "items still queued after 20 s: $q"
}
curl_metrics() { in_ns curl -s --max-time 10 "$(scrape_url)"; }

step "start otlpgate in namespace $NS on TAP $IFACE ($OG), file backend"
start_og main --backend "file:$OUT"
in_ns curl -sf --max-time 5 "http://127.0.0.1:$TPORT/healthz" >/dev/null || die "/healthz"

step "a. OpenTelemetry JS SDK exporters: $ITEMS items per run, 7 runs at once"
sdk tr-pb traces protobuf 0 "$ITEMS"
sdk tr-json traces json 0 "$ITEMS"
sdk tr-pbgz traces protobuf 1 "$ITEMS"
sdk me-pb metrics protobuf 0 "$ITEMS"
sdk me-jsongz metrics json 1 "$ITEMS"
sdk lo-pb logs protobuf 0 "$ITEMS"
sdk lo-json logs json 0 "$ITEMS"
sdk_wait

step "b. curl: the sample bodies, protobuf and gzip (and their OTLP/JSON twins)"
# One curl process for every request (one connection, kept alive): starting
# a process per request is what costs time on a small machine.
"$PY" -c 'import json,sys
for e in json.load(open(sys.argv[1])):
    print(e["name"], e["signal"], e.get("spans", e.get("data_points", e.get("log_records"))))' \
	"$SAMPLES/MANIFEST.json" >"$WORK/manifest.txt"
args=()
nreq=0
W=(-sS -w '%{http_code} %{content_type} %{url_effective}\n')
while read -r name sig items; do
	args+=("${W[@]}" -o "$WORK/s-$name.body" -H 'Content-Type: application/x-protobuf'
	       --data-binary "@$SAMPLES/$name.pb" "$BASE/v1/$sig" --next
	       "${W[@]}" -o /dev/null -H 'Content-Type: application/x-protobuf' -H 'Content-Encoding: gzip'
	       --data-binary "@$SAMPLES/$name.pb.gz" "$BASE/v1/$sig" --next
	       "${W[@]}" -o /dev/null -H 'Content-Type: application/json'
	       --data-binary "@$SAMPLES/$name.json" "$BASE/v1/$sig" --next)
	nreq=$((nreq + 3))
	echo "{\"kind\":\"sample\",\"file\":\"$name.pb\",\"signal\":\"$sig\",\"items\":$items,\"times\":2}" >>"$LEDGER"
	echo "{\"kind\":\"extra\",\"signal\":\"$sig\",\"received\":$items}" >>"$LEDGER"
done <"$WORK/manifest.txt"
unset 'args[-1]'
in_ns curl --max-time 300 "${args[@]}" >"$WORK/samples.txt" || die "curl (samples) failed"
ok=$(grep -c '^200 application/' "$WORK/samples.txt")
[ "$ok" = "$nreq" ] || { cat "$WORK/samples.txt"; die "samples: $ok of $nreq requests answered 200"; }
for f in "$WORK"/s-*.body; do
	[ -s "$f" ] && die "$(basename "$f"): 200 with a body (a partial_success?)"
done
echo "$((nreq / 3)) samples sent as protobuf, protobuf+gzip and JSON: $nreq x 200, no partial_success"

step "c. the file backend's output against what was sent, and the counters"
wait_queued_zero
check verify "$OUT" "$(scrape_url)" "$LEDGER" --samples "$SAMPLES"

step "d. status codes and error bodies"
"$PY" "$CHECK" zero-trace-id "$SAMPLES/traces-1.pb" "$WORK/zero.pb" || die "zero-trace-id"
sed -E 's/"traceId": *"[0-9a-fA-F]{32}"/"traceId":"00000000000000000000000000000000"/' \
	"$SAMPLES/traces-1.json" >"$WORK/zero.json"
grep -q '"traceId":"0000' "$WORK/zero.json" || die "no traceId in traces-1.json"
expect partial-pb 200 protobuf /v1/traces -H 'Content-Type: application/x-protobuf' --data-binary "@$WORK/zero.pb"
check partial "$WORK/partial-pb.body" protobuf traces 1
expect partial-json 200 json /v1/traces -H 'Content-Type: application/json' --data-binary "@$WORK/zero.json"
check partial "$WORK/partial-json.body" json traces 1
echo '{"kind":"extra","signal":"traces","received":2,"rejected":2}' >>"$LEDGER"

printf '\xff\xff\xff\xff\x0f garbage' >"$WORK/garbage.pb"
expect bad-pb 400 protobuf /v1/traces -H 'Content-Type: application/x-protobuf' --data-binary "@$WORK/garbage.pb"
expect bad-json 400 json /v1/logs -H 'Content-Type: application/json' --data-binary '{"resourceLogs": [{'
expect notfound-pb 404 protobuf /v1/nothing -H 'Content-Type: application/x-protobuf' --data-binary "@$SAMPLES/traces-1.pb"
expect notfound-json 404 json /v2/traces -H 'Content-Type: application/json' --data-binary "@$SAMPLES/traces-1.json"
expect get 405 protobuf /v1/traces -H 'Content-Type: application/x-protobuf'
allow=$(header get allow)
[ "$allow" = POST ] || die "405 with Allow: '$allow', expected POST"
echo "405: Allow: $allow"
expect get-json 405 json /v1/metrics -X PUT -H 'Content-Type: application/json' --data-binary '{}'
expect text 415 any /v1/traces -H 'Content-Type: text/plain' --data-binary 'hello'
expect brotli 415 protobuf /v1/traces -H 'Content-Type: application/x-protobuf' \
	-H 'Content-Encoding: br' --data-binary "@$SAMPLES/traces-1.pb"
expect bigheader 431 protobuf /v1/traces -H 'Content-Type: application/x-protobuf' \
	-H "X-Padding: $(head -c 20480 /dev/zero | tr '\0' a)" --data-binary "@$SAMPLES/traces-1.pb"
check pipeline "$OG" 4318 "$SAMPLES"
echo '{"kind":"sample","file":"traces-1.pb","signal":"traces","items":1,"times":2}' >>"$LEDGER"
echo '{"kind":"extra","signal":"logs","received":100}' >>"$LEDGER"
wait_queued_zero
in_ns "$PY" "$CHECK" verify "$OUT" "$(scrape_url)" "$LEDGER" --samples "$SAMPLES" >"$WORK/verify-d.txt" ||
	{ grep -v '^invariant:\|^run \|^sample ' "$WORK/verify-d.txt"; die "counters after the status codes"; }
grep -E '^(traces|metrics|logs):' "$WORK/verify-d.txt"

step "e. the SDK again with 2% loss in both directions (nftables), $LOSS_ITEMS items per run"
in_ns nft -f - <<-NFT || die "nft"
	table inet ogloss {
		chain in { type filter hook input priority 0; iifname "$IFACE" meta l4proto tcp numgen random mod 100 < 2 drop; }
		chain out { type filter hook output priority 0; oifname "$IFACE" meta l4proto tcp numgen random mod 100 < 2 drop; }
	}
NFT
sdk loss-tr-pb traces protobuf 0 "$LOSS_ITEMS"
sdk loss-tr-jsongz traces json 1 "$LOSS_ITEMS"
sdk loss-me-pbgz metrics protobuf 1 "$LOSS_ITEMS"
sdk loss-lo-json logs json 0 "$LOSS_ITEMS"
sdk_wait
urls=()
for _ in $(seq 20); do urls+=("$BASE/v1/traces"); done
in_ns curl -sS --max-time 300 -w '%{http_code}\n' -H 'Content-Type: application/x-protobuf' \
	--data-binary "@$SAMPLES/traces-512.pb" "${urls[@]}" >"$WORK/loss-curl.txt" || die "curl under loss"
ok=$(grep -c '^200$' "$WORK/loss-curl.txt")
[ "$ok" = 20 ] || die "under loss: $ok of 20 traces-512 requests answered 200"
echo '{"kind":"sample","file":"traces-512.pb","signal":"traces","items":512,"times":20}' >>"$LEDGER"
dropped=$(in_ns nft list table inet ogloss | grep -c drop)
in_ns nft delete table inet ogloss
echo "loss: 4 SDK runs and 20 x traces-512 answered 200 through $dropped dropping rules"
wait_queued_zero
check verify "$OUT" "$(scrape_url)" "$LEDGER" --samples "$SAMPLES"

step "f. SIGTERM right after a 4096-span request: drained and written"
expect last 200 protobuf /v1/traces -H 'Content-Type: application/x-protobuf' \
	--data-binary "@$SAMPLES/traces-4096.pb"
echo '{"kind":"sample","file":"traces-4096.pb","signal":"traces","items":4096,"times":1}' >>"$LEDGER"
stop_og
# offline (no /metrics any more): every item of every run, every sample
"$PY" "$CHECK" verify "$OUT" - "$LEDGER" --samples "$SAMPLES" >"$WORK/verify-f.txt" ||
	{ cat "$WORK/verify-f.txt"; die "output after the drain"; }
grep -c 'exactly once' "$WORK/verify-f.txt" | xargs echo "runs found exactly once after the drain:"

step "413: a second instance with --max-body 1M"
start_og limits --backend "file:$WORK/out-limits" --max-body 1M
expect too-big 413 protobuf /v1/traces -H 'Content-Type: application/x-protobuf' \
	--data-binary "@$SAMPLES/traces-4096.pb"
"$PY" -c 'import gzip,sys; open(sys.argv[1],"wb").write(gzip.compress(bytes(3 << 20), 9))' "$WORK/bomb.gz"
echo "gzip body of $(stat -c %s "$WORK/bomb.gz") bytes inflating to 3 MiB"
expect bomb 413 protobuf /v1/logs -H 'Content-Type: application/x-protobuf' \
	-H 'Content-Encoding: gzip' --data-binary "@$WORK/bomb.gz"
expect bomb-json 413 json /v1/logs -H 'Content-Type: application/json' \
	-H 'Content-Encoding: gzip' --data-binary "@$WORK/bomb.gz"
expect small-ok 200 protobuf /v1/traces -H 'Content-Type: application/x-protobuf' \
	--data-binary "@$SAMPLES/traces-512.pb"
wait_queued_zero
check invariant "$(scrape_url)"
stop_og

step "413: a third instance with --memory 1M (the budget caps the body limit)"
start_og budget --backend "file:$WORK/out-budget" --memory 1M --retry-after 2
grep -q "body limit .*not --max-body" "$LOG" || die "the log does not say the budget lowers the body limit"
# too large for this budget even alone: 413 (never 503: a retry cannot succeed)
expect full 413 protobuf /v1/traces -H 'Content-Type: application/x-protobuf' \
	--data-binary "@$SAMPLES/traces-4096.pb"
ra=$(header full retry-after)
[ -z "$ra" ] || die "413 with Retry-After: '$ra'"
expect full-json 413 json /v1/traces -H 'Content-Type: application/json' \
	--data-binary "@$SAMPLES/traces-4096.json"
expect fits 200 protobuf /v1/traces -H 'Content-Type: application/x-protobuf' \
	--data-binary "@$SAMPLES/traces-64.pb"
wait_queued_zero
check invariant "$(scrape_url)"
n413=$(curl_metrics | awk '/^otlpgate_http_requests_total\{/ && /code="413"/ { s += $2 } END { print s + 0 }')
[ "$n413" -ge 2 ] || die "otlpgate_http_requests_total{code=\"413\"} is $n413, expected >= 2"
stop_og

step "PASS in $(($(date +%s) - T0)) s"
