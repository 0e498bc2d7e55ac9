#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Requests that can never fit, over TAP with curl (docs/receiver.md,
# "Hostile clients"): gzip bodies inflating to 100 MiB and to 1 GiB (a few
# hundred KB to 1 MB on the wire) are answered 413 (never 503 with
# Retry-After), with default options, with --memory 1024M (also with
# --max-body 64M) and with --memory 4M (the budget caps the limit); otlpgate's
# resident memory stays bounded (a bomb is measured, not inflated into a
# buffer); a normal request after them gets 200, and the counters say why.
# otlpgate runs in a private network namespace on a net_tap port with the
# null backend; curl runs on the kernel side of the TAP inside the
# namespace. Needs root. Everything it creates is removed on exit.
#
# usage: bomb_test.sh OTLPGATE
set -u

OTLPGATE=${1:?usage: bomb_test.sh OTLPGATE}
HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)
PY=/usr/bin/python3
SAMPLES="$TOP/tests/data/samples"
NCPU=$(nproc)
T0=$(date +%s)

if [ "$(id -u)" != 0 ]; then
	echo "SKIP: needs root (network namespaces, TAP)"
	exit 77
fi
for t in curl ip ps; do
	command -v $t >/dev/null || { echo "SKIP: needs $t (run scripts/setup)"; exit 77; }
done

# Names and the subnet come from the PID: 198.19.(20+PID%200).0/24 (RFC 2544
# benchmarking space), only inside this test's own namespace.
X=$((20 + $$ % 200))
NS=ogbomb$$
IFACE=ogbomb$$
IFACE=${IFACE:0:15}
PREFIX=ogbomb$$
PEER=198.19.$X.1 # the namespace's kernel: curl
OG=198.19.$X.2   # otlpgate
TPORT=9464
BASE=http://$OG:4318
WORK=$(mktemp -d /tmp/otlpgate-bomb.XXXXXX)
OG_PID=
LOG=

cleanup() {
	local rc=$?
	if [ -n "$OG_PID" ] && kill -0 "$OG_PID" 2>/dev/null; then
		kill -TERM "$OG_PID" 2>/dev/null
		for _ in $(seq 50); do kill -0 "$OG_PID" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$OG_PID" 2>/dev/null
	fi
	ip netns pids "$NS" 2>/dev/null | xargs -r kill -KILL 2>/dev/null
	ip netns del "$NS" 2>/dev/null
	rm -rf /var/run/dpdk/"$PREFIX"-*
	if [ "$rc" != 0 ] && [ -n "$LOG" ]; then
		echo "--- otlpgate log (last 30 lines) ---"
		tail -30 "$LOG"
	fi
	rm -rf "$WORK"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

step() { echo "== [$(($(date +%s) - T0)) s] $*"; }
die() { echo "FAILED: $*"; exit 1; }
in_ns() { ip netns exec "$NS" "$@"; }
metric() {
	in_ns curl -s --max-time 5 "http://127.0.0.1:$TPORT/metrics" |
		awk -v m="$1" '$1 == m || index($1, m "{") == 1 { s += $2 } END { print s + 0 }'
}
rss_kb() { ps -o rss= -p "$OG_PID" | tr -d ' '; }

ip netns add "$NS" || exit 1
in_ns ip link set lo up

# start_og NAME [otlpgate options]: one instance on the TAP, reachable once
# this returns (as in otlp_test.sh: ip netns exec execs otlpgate in place).
start_og() {
	local name=$1
	shift
	LOG=$WORK/$name.log
	ip netns exec "$NS" "$OTLPGATE" --no-huge --no-pci -m 1024 --lcores "0@(0-$((NCPU - 1)))" \
		--file-prefix "$PREFIX-$name" --vdev "net_tap0,iface=$IFACE" -- \
		--port-ip "0=$OG/24" --telemetry "127.0.0.1:$TPORT" --idle-sleep 50 \
		--backend null "$@" >"$LOG" 2>&1 &
	OG_PID=$!
	for _ in $(seq 150); do
		in_ns ip link show "$IFACE" >/dev/null 2>&1 && grep -q "running on" "$LOG" && break
		kill -0 "$OG_PID" 2>/dev/null || die "otlpgate ($name) exited early"
		sleep 0.2
	done
	grep -q "running on" "$LOG" || die "otlpgate ($name) did not start"
	in_ns ip link set "$IFACE" address 02:00:00:00:$(printf %02x $((X % 256))):01
	in_ns ip addr add "$PEER/24" dev "$IFACE"
	in_ns ip link set "$IFACE" up
	in_ns ping -c 1 -w 10 "$OG" >/dev/null || die "otlpgate ($name) does not answer ping"
}

stop_og() {
	kill -TERM "$OG_PID"
	for _ in $(seq 150); do kill -0 "$OG_PID" 2>/dev/null || break; sleep 0.1; done
	kill -0 "$OG_PID" 2>/dev/null && die "otlpgate still running 15 s after SIGTERM"
	wait "$OG_PID"
	OG_PID=
}

# post NAME WANT FILE [curl args]: one POST to /v1/logs; status must be WANT.
post() {
	local name=$1 want=$2 file=$3 code
	shift 3
	code=$(in_ns curl -sS --max-time 60 -o "$WORK/$name.body" -D "$WORK/$name.hdr" \
		-w '%{http_code}' -H 'Content-Type: application/x-protobuf' "$@" \
		--data-binary "@$file" "$BASE/v1/logs") || die "$name: curl failed"
	[ "$code" = "$want" ] || die "$name: HTTP $code, expected $want: $(head -c 200 "$WORK/$name.body")"
	if [ "$want" != 200 ] && grep -qi '^retry-after:' "$WORK/$name.hdr"; then
		die "$name: $code with Retry-After: a client would retry it forever"
	fi
	echo "$name: $code $(tr -c '[:print:]' ' ' <"$WORK/$name.body" | head -c 120)"
}

# A gzip stream of N MiB of zeros, written in 1 MiB steps (never in memory).
bomb() {
	"$PY" - "$1" "$2" <<'PYEOF'
import sys, zlib
mib, path = int(sys.argv[1]), sys.argv[2]
z = zlib.compressobj(9, zlib.DEFLATED, 31)
chunk = bytes(1 << 20)
with open(path, "wb") as f:
    for _ in range(mib):
        f.write(z.compress(chunk))
    f.write(z.flush())
PYEOF
	echo "$(basename "$2"): $(stat -c %s "$2") bytes of gzip inflating to $1 MiB"
}

step "bombs"
bomb 100 "$WORK/bomb100m.gz"
bomb 1024 "$WORK/bomb1g.gz"
"$PY" -c 'import gzip,sys; open(sys.argv[2],"wb").write(gzip.compress(open(sys.argv[1],"rb").read()))' \
	"$SAMPLES/logs-100.pb" "$WORK/logs.gz"

# run NAME [otlpgate options]: the same checks on one instance
run() {
	local name=$1 rss0 rss1 grow inflated limit n413 n503
	shift
	step "$name: otlpgate $*"
	start_og "$name" "$@"
	grep -E "body limit|memory budget|mbufs" "$LOG" | sed 's/^/  log: /'
	limit=$(grep -o 'body limit [0-9]*' "$LOG" | awk '{ print $3 }')
	[ -n "$limit" ] || die "the start-up log does not state the body limit"
	post "$name-warm" 200 "$SAMPLES/logs-100.pb"
	post "$name-warm-gz" 200 "$WORK/logs.gz" -H 'Content-Encoding: gzip'
	rss0=$(rss_kb)
	post "$name-100m" 413 "$WORK/bomb100m.gz" -H 'Content-Encoding: gzip'
	post "$name-1g" 413 "$WORK/bomb1g.gz" -H 'Content-Encoding: gzip'
	post "$name-1g-chunked" 413 "$WORK/bomb1g.gz" -H 'Content-Encoding: gzip' \
		-H 'Transfer-Encoding: chunked'
	rss1=$(rss_kb)
	grow=$((rss1 - rss0))
	echo "RSS: $rss0 KB before the bombs, $rss1 KB after (+$grow KB)"
	# measured, not inflated into a buffer: far less than one body limit
	[ "$grow" -lt 16384 ] || die "resident memory grew by $grow KB on the bombs"
	post "$name-after" 200 "$SAMPLES/logs-100.pb"
	post "$name-after-gz" 200 "$WORK/logs.gz" -H 'Content-Encoding: gzip'
	n413=$(metric otlpgate_http_too_large_decoded_total)
	[ "$n413" = 3 ] || die "otlpgate_http_too_large_decoded_total is $n413, expected 3"
	n503=$(metric otlpgate_http_budget_refusals_total)
	[ "$n503" = 0 ] || die "otlpgate_http_budget_refusals_total is $n503, expected 0"
	inflated=$(metric otlpgate_http_inflated_bytes_total)
	echo "inflated: $inflated bytes for 3 bombs against a limit of $limit"
	# each bomb stops at the limit plus one 32 KiB window (and the small bodies)
	[ "$inflated" -le $((3 * (limit + 32768) + 2 * 65536)) ] ||
		die "inflated $inflated bytes: inflation did not stop at the limit"
	stop_og
}

run default
run memory1g --memory 1024M
# the limit the issue was filed with: a 64 MiB body limit in a 1 GiB budget
run max64m --max-body 64M --memory 1024M
# a budget smaller than --max-body caps the limit, and the log says so
run memory4m --memory 4M
grep -q "body limit .*not --max-body" "$WORK/memory4m.log" ||
	die "--memory 4M: the log does not say the budget lowers the body limit"

step "PASS in $(($(date +%s) - T0)) s"
