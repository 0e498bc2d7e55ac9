#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# A connection hog over TAP (issue "Hostile clients", docs/receiver.md
# "Connection pressure"): otlpgate runs in a private network namespace on a
# net_tap port (one lcore, --max-conns 256, --max-conns-per-source 100, null
# backend). On the kernel side of the TAP, inside the namespace only:
#  - the hog, 198.18.X.1, opens 300 connections and holds them: 100 are
#    accepted, 200 refused with a RST (ECONNREFUSED at once, no SYN
#    retransmissions), counted as otlpgate_tcp_drops_total{reason="source_limit"};
#  - a second address on the same interface, 198.18.X.3, posts
#    tests/data/samples/traces-1.pb with curl meanwhile and gets 200 every time;
#  - once the hog closes its connections, its address is served again (the
#    per-source counts went back down);
#  - three more addresses then fill the table with silent connections past
#    the eviction threshold, and the honest client is still served at once:
#    lib/tcp asks the receiver to evict, and it gives up a silent connection.
# Needs root, ip, curl and python3. Everything it creates is removed on exit.
#
# usage: hog_test.sh OTLPGATE
set -u

OTLPGATE=${1:?usage: hog_test.sh OTLPGATE}
HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)
PY=/usr/bin/python3
BODY="$TOP/tests/data/samples/traces-1.pb"
NCPU=$(nproc)
T0=$(date +%s)
HOG_CONNS=300
CAP=100
LEGIT_REQS=20

if [ "$(id -u)" != 0 ]; then
	echo "SKIP: needs root (network namespaces, TAP)"
	exit 77
fi
for t in curl ip; do
	command -v $t >/dev/null || { echo "SKIP: needs $t (run scripts/setup)"; exit 77; }
done
[ -x "$PY" ] || { echo "SKIP: needs $PY"; exit 77; }

# Names and the subnet come from the PID, as in the other TAP tests, each in
# a namespace of its own: 198.18.(150 + PID % 50).
X=$((150 + $$ % 50))
NS=oghog$$
IFACE=oghog$$
IFACE=${IFACE:0:15}
PREFIX=oghog$$
HOG=198.18.$X.1   # the namespace's kernel: the hog
LEGIT=198.18.$X.3 # a second address on the same interface: the honest client
OG=198.18.$X.2    # otlpgate
TPORT=9464
BASE=http://$OG:4318
WORK=$(mktemp -d /tmp/otlpgate-hog.XXXXXX)
OG_PID=
HOG_PID=
LOG=$WORK/otlpgate.log

cleanup() {
	local rc=$?
	if [ "$rc" != 0 ] && [ -n "$OG_PID" ] && kill -0 "$OG_PID" 2>/dev/null; then
		echo "--- otlpgate metrics that are not zero ---"
		metrics | grep -v '^#' | grep -v ' 0$' | grep -v '_bucket{' | grep tcp | head -60
	fi
	[ -n "$HOG_PID" ] && kill -KILL "$HOG_PID" 2>/dev/null
	if [ -n "$OG_PID" ] && kill -0 "$OG_PID" 2>/dev/null; then
		kill -TERM "$OG_PID" 2>/dev/null
		for _ in $(seq 50); do kill -0 "$OG_PID" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$OG_PID" 2>/dev/null
	fi
	ip netns pids "$NS" 2>/dev/null | xargs -r kill -KILL 2>/dev/null
	ip netns del "$NS" 2>/dev/null
	rm -rf /var/run/dpdk/"$PREFIX"
	if [ "$rc" != 0 ]; then
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
metrics() { in_ns curl -s --max-time 10 "http://127.0.0.1:$TPORT/metrics"; }
# metric 'NAME{LABELS}': its value (0 when absent)
metric() { metrics | awk -v k="$1" '$1 == k { v = $2 } END { print v + 0 }'; }
# post FROM: one OTLP/HTTP request from address FROM, prints the status
post() {
	in_ns curl -sS --max-time 10 --interface "$1" -o /dev/null -w '%{http_code}' \
		-H 'Content-Type: application/x-protobuf' --data-binary "@$BODY" "$BASE/v1/traces"
}

ip netns add "$NS" || exit 1
in_ns ip link set lo up

step "start otlpgate in namespace $NS on TAP $IFACE ($OG): --max-conns 256 --max-conns-per-source $CAP"
# One lcore: one TCP stack, so the per-lcore share of the cap is the cap.
# Not through in_ns: $! must be otlpgate itself (ip netns exec execs it).
ip netns exec "$NS" "$OTLPGATE" --no-huge --no-pci -m 512 --lcores "0@(0-$((NCPU - 1)))" \
	--file-prefix "$PREFIX" --vdev "net_tap0,iface=$IFACE" -- \
	--port-ip "0=$OG/24" --telemetry "127.0.0.1:$TPORT" --idle-sleep 50 \
	--backend null --max-conns 256 --max-conns-per-source $CAP >"$LOG" 2>&1 &
OG_PID=$!
for _ in $(seq 150); do
	in_ns ip link show "$IFACE" >/dev/null 2>&1 && grep -q "running on" "$LOG" && break
	kill -0 "$OG_PID" 2>/dev/null || die "otlpgate exited early"
	sleep 0.2
done
grep -q "running on" "$LOG" || die "otlpgate did not start"
[ "$(readlink "/proc/$OG_PID/exe")" = "$(readlink -f "$OTLPGATE")" ] ||
	die "pid $OG_PID is $(readlink "/proc/$OG_PID/exe"), not otlpgate"
grep -q "per client address: $CAP ($CAP per RX lcore)" "$LOG" ||
	die "start-up log does not state the per-source limit: $(grep 'per client' "$LOG")"
in_ns ip link set "$IFACE" address 02:00:00:00:$(printf %02x $X):01
in_ns ip addr add "$HOG/24" dev "$IFACE"
in_ns ip addr add "$LEGIT/24" dev "$IFACE"
in_ns ip link set "$IFACE" up
in_ns ping -c 1 -w 10 -I "$HOG" "$OG" >/dev/null || die "otlpgate does not answer ping"
in_ns ping -c 1 -w 10 -I "$LEGIT" "$OG" >/dev/null || die "otlpgate does not answer ping from $LEGIT"
[ "$(post "$LEGIT")" = 200 ] || die "a request before the hog was not answered 200"

step "the hog ($HOG) opens $HOG_CONNS connections and holds them"
# It writes "ACCEPTED REFUSED OTHER" to hog.out, holds its connections until
# hog.release exists, then closes them all.
in_ns "$PY" - "$HOG" "$OG" "$HOG_CONNS" "$WORK/hog.out" "$WORK/hog.release" <<'PYEOF' &
import os, socket, sys, time
src, dst, n, out, release = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5]
held, refused, other = [], 0, 0
for _ in range(n):
    s = socket.socket()
    s.bind((src, 0))
    s.settimeout(5)
    try:
        s.connect((dst, 4318))
        held.append(s)
    except ConnectionRefusedError:
        refused += 1
        s.close()
    except OSError:
        other += 1
        s.close()
# the accepted ones: still open (a RST would show as an error here)?
time.sleep(0.5)
with open(out + ".tmp", "w") as f:
    f.write("%d %d %d\n" % (len(held), refused, other))
os.rename(out + ".tmp", out)
deadline = time.time() + 120
while not os.path.exists(release) and time.time() < deadline:
    time.sleep(0.1)
for s in held:
    s.close()
PYEOF
HOG_PID=$!
for _ in $(seq 600); do [ -e "$WORK/hog.out" ] && break; sleep 0.1; done
[ -e "$WORK/hog.out" ] || die "the hog did not finish its connects in 60 s"
read -r acc ref oth <"$WORK/hog.out"
echo "hog: $acc accepted, $ref refused with a RST, $oth other errors"
[ "$acc" = "$CAP" ] || die "hog: $acc connections accepted, expected $CAP"
[ "$ref" = $((HOG_CONNS - CAP)) ] || die "hog: $ref refused, expected $((HOG_CONNS - CAP))"
drops=$(metric 'otlpgate_tcp_drops_total{reason="source_limit"}')
[ "$drops" = $((HOG_CONNS - CAP)) ] ||
	die "otlpgate_tcp_drops_total{reason=\"source_limit\"} = $drops, expected $((HOG_CONNS - CAP))"
echo "otlpgate_tcp_drops_total{reason=\"source_limit\"} = $drops"

step "meanwhile the second address ($LEGIT) posts $LEGIT_REQS requests: 200 each"
for i in $(seq "$LEGIT_REQS"); do
	code=$(post "$LEGIT")
	[ "$code" = 200 ] || die "request $i from $LEGIT: HTTP $code, expected 200"
done
echo "$LEGIT_REQS of $LEGIT_REQS answered 200"
code=$(post "$HOG")
[ "$code" = 000 ] || die "a request from the hog's address at its cap: HTTP $code, expected a refused connection"
drops=$(metric 'otlpgate_tcp_drops_total{reason="source_limit"}')
[ "$drops" = $((HOG_CONNS - CAP + 1)) ] || die "source_limit drops $drops after the hog's request, expected $((HOG_CONNS - CAP + 1))"
kill -0 "$HOG_PID" 2>/dev/null || die "the hog exited early"

step "the hog closes its connections: its address is served again"
touch "$WORK/hog.release"
wait "$HOG_PID"
HOG_PID=
ok=
for _ in $(seq 50); do
	# the closes (and TIME-WAIT, 1 s) end: the counts are down
	code=$(post "$HOG")
	[ "$code" = 200 ] && { ok=1; break; }
	sleep 0.2
done
[ -n "$ok" ] || die "the hog's address is still refused after closing its connections (HTTP $code)"
echo "$HOG: 200 after closing"

# A full table (docs/receiver.md "Connection pressure", "Eviction"): three
# more addresses open 100 silent connections each, more than the 240 slots
# below the eviction threshold (15/16 of --max-conns 256). Once the table is
# that full, each new connection that completes its handshake makes the
# receiver give up its oldest silent connection, so the honest client is
# served at once, not after the header deadline (10 s by default).
step "three more addresses fill the table with silent connections"
FILLERS="198.18.$X.4 198.18.$X.5 198.18.$X.6"
for a in $FILLERS; do in_ns ip addr add "$a/24" dev "$IFACE"; done
sleep 1.5 # the hog's closed connections leave TIME-WAIT (1 s)
in_ns "$PY" - "$OG" "$CAP" "$WORK/fill.out" "$WORK/fill.release" $FILLERS <<'PYEOF' &
import os, socket, sys, time
dst, n, out, release, srcs = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5:]
held, failed = [], 0
for src in srcs:
    for _ in range(n):
        s = socket.socket()
        s.bind((src, 0))
        s.settimeout(5)
        try:
            s.connect((dst, 4318))
            held.append(s)
        except OSError:
            failed += 1
            s.close()
with open(out + ".tmp", "w") as f:
    f.write("%d %d\n" % (len(held), failed))
os.rename(out + ".tmp", out)
deadline = time.time() + 60
while not os.path.exists(release) and time.time() < deadline:
    time.sleep(0.1)
for s in held:
    s.close()
PYEOF
HOG_PID=$!
for _ in $(seq 600); do [ -e "$WORK/fill.out" ] && break; sleep 0.1; done
[ -e "$WORK/fill.out" ] || die "the fillers did not finish their connects in 60 s"
read -r held failed <"$WORK/fill.out"
asked=$(metric otlpgate_tcp_evictions_asked_total)
echo "fillers: $held connects completed, $failed failed; evictions asked $asked"
[ "$asked" -gt 0 ] || die "the table never reached the eviction threshold (asked $asked)"

step "the honest client ($LEGIT) is served at once: a silent connection makes room"
for i in 1 2 3; do
	t0=$(date +%s%N)
	code=$(post "$LEGIT")
	ms=$((($(date +%s%N) - t0) / 1000000))
	[ "$code" = 200 ] || die "request $i from $LEGIT with a full table: HTTP $code, expected 200"
	[ "$ms" -lt 5000 ] || die "request $i from $LEGIT took $ms ms: it waited instead of evicting"
	echo "request $i: 200 in $ms ms"
done
ev_tcp=$(metric otlpgate_tcp_evictions_total)
ev_head=$(metric 'otlpgate_http_evictions_total{kind="head"}')
echo "otlpgate_tcp_evictions_total = $ev_tcp, otlpgate_http_evictions_total{kind=\"head\"} = $ev_head"
[ "$ev_tcp" -gt 0 ] || die "no eviction counted by lib/tcp"
[ "$ev_head" -gt 0 ] || die "no silent head evicted by the receiver"
touch "$WORK/fill.release"
wait "$HOG_PID"
HOG_PID=
step "done: $(metric 'otlpgate_tcp_drops_total{reason="source_limit"}') source_limit drops, $ev_tcp evictions"
