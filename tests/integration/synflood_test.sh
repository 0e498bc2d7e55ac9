#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# SYN flood over TAP (issue 15's table: "keep it so, and report the
# figure"). otlpgate runs in a private network namespace on a net_tap port
# with the null backend and its default options; from the kernel side of
# the TAP, inside the namespace only:
#  - hping3 floods otlpgate's receiver port with SYNs (--flood, for
#    OG_SYNFLOOD_SECONDS, default 20) from a second address of the
#    namespace (198.18.X.3), whose RSTs to otlpgate's SYN-ACKs nftables
#    drops: every SYN stays half-open, as from a spoofed source that never
#    answers (RFC 4987 2);
#  - meanwhile curl posts tests/data/samples/traces-1.pb 20 times from
#    198.18.X.1, each on a new connection, so each needs a handshake
#    during the flood.
# Asserts all 20 answered 200 and SYN cookies were used
# (otlpgate_tcp_syncookies_sent_total > 0, RFC 4987 3.6); prints the SYNs
# sent (hping3's count, and the TAP's packet counter) and the cookie
# counters. Needs root and hping3 (installed with apt-get when missing;
# scripts/setup lists it). Everything it creates is removed on exit.
#
# usage: synflood_test.sh OTLPGATE
set -u

OTLPGATE=${1:?usage: synflood_test.sh OTLPGATE}
HERE=$(cd "$(dirname "$0")" && pwd)
SAMPLES=$(cd "$HERE/../data/samples" && pwd)
SECS=${OG_SYNFLOOD_SECONDS:-20}
NCPU=$(nproc)
T0=$(date +%s)

if [ "$(id -u)" != 0 ]; then
	echo "SKIP: needs root (network namespaces, TAP, nftables, raw sockets)"
	exit 77
fi
for t in curl nft ip; do
	command -v $t >/dev/null || { echo "SKIP: needs $t (run scripts/setup)"; exit 77; }
done
if ! command -v hping3 >/dev/null; then
	echo "installing hping3"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq hping3 >/dev/null 2>&1 ||
		{ echo "SKIP: needs hping3 (apt-get install hping3 failed)"; exit 77; }
fi

# Names and the subnet come from the PID: 198.18.(200+PID%50), in a
# namespace of its own.
X=$((200 + $$ % 50))
NS=ogsf$$
IFACE=ogsf$$
IFACE=${IFACE:0:15}
PREFIX=ogsf$$
PEER=198.18.$X.1  # the namespace's kernel: curl
FLOOD=198.18.$X.3 # the namespace's kernel too: hping3's source
OG=198.18.$X.2    # otlpgate
TPORT=9464
WORK=$(mktemp -d /tmp/otlpgate-synflood.XXXXXX)
LOG=$WORK/otlpgate.log
OG_PID=
FLOOD_PID=

in_ns() { ip netns exec "$NS" "$@"; }
metric() {
	in_ns curl -s --max-time 10 "http://127.0.0.1:$TPORT/metrics" |
		awk -v m="$1" 'index($1, m) == 1 { s += $2 } END { printf "%.0f", s }'
}

cleanup() {
	local rc=$?
	[ -n "$FLOOD_PID" ] && kill -KILL "$FLOOD_PID" 2>/dev/null
	if [ "$rc" != 0 ] && [ -n "$OG_PID" ] && kill -0 "$OG_PID" 2>/dev/null; then
		echo "--- otlpgate tcp metrics that are not zero ---"
		in_ns curl -s --max-time 5 "http://127.0.0.1:$TPORT/metrics" 2>&1 |
			grep '^otlpgate_tcp' | grep -v ' 0$' | head -40
	fi
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
		tail -30 "$LOG" 2>/dev/null
	fi
	rm -rf "$WORK"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

step() { echo "== [$(($(date +%s) - T0)) s] $*"; }
die() { echo "FAILED: $*"; exit 1; }

step "otlpgate in namespace $NS on TAP $IFACE ($OG), null backend, default options"
ip netns add "$NS" || exit 1
in_ns ip link set lo up
# Not through in_ns: $! must be otlpgate itself (ip netns exec execs it).
# --idle-sleep: a busy-polling otlpgate must not starve hping3 and curl on
# a small machine; under the flood it is never idle.
ip netns exec "$NS" "$OTLPGATE" --no-huge --no-pci -m 512 --lcores "0@(0-$((NCPU - 1)))" \
	--file-prefix "$PREFIX" --vdev "net_tap0,iface=$IFACE" -- \
	--port-ip "0=$OG/24" --telemetry "127.0.0.1:$TPORT" --idle-sleep 50 \
	--otlp-http "$OG:4318" --backend null >"$LOG" 2>&1 &
OG_PID=$!
for _ in $(seq 150); do
	in_ns ip link show "$IFACE" >/dev/null 2>&1 && grep -q "running on" "$LOG" && break
	kill -0 "$OG_PID" 2>/dev/null || die "otlpgate exited early"
	sleep 0.2
done
grep -q "running on" "$LOG" || die "otlpgate did not start"
[ "$(readlink "/proc/$OG_PID/exe")" = "$(readlink -f "$OTLPGATE")" ] ||
	die "pid $OG_PID is $(readlink "/proc/$OG_PID/exe"), not otlpgate"
# the kernel side gets a MAC of its own, as a real neighbour has
in_ns ip link set "$IFACE" address 02:00:00:00:$(printf %02x $X):01
in_ns ip addr add "$PEER/24" dev "$IFACE"
in_ns ip addr add "$FLOOD/24" dev "$IFACE"
in_ns ip link set "$IFACE" up
in_ns ping -c 1 -w 10 "$OG" >/dev/null || die "otlpgate does not answer ping"
code=$(in_ns curl -sS --max-time 10 --interface "$PEER" -o /dev/null -w '%{http_code}' \
	-H 'Content-Type: application/x-protobuf' --data-binary "@$SAMPLES/traces-1.pb" \
	"http://$OG:4318/v1/traces") || die "curl before the flood failed"
[ "$code" = 200 ] || die "before the flood: HTTP $code"

# The flood's source never answers: the kernel's RSTs to the SYN-ACKs that
# otlpgate sends to $FLOOD are dropped, so every SYN stays half-open.
in_ns nft -f - <<-NFT || die "nft"
	table inet ogsynflood {
		chain out { type filter hook output priority 0; oifname "$IFACE" ip saddr $FLOOD tcp flags & rst == rst drop; }
	}
NFT

step "hping3 --flood -S -p 4318 from $FLOOD for $SECS s; curl posts traces-1.pb 20 times from $PEER"
tx0=$(in_ns cat "/sys/class/net/$IFACE/statistics/tx_packets")
# SIGINT: hping3 prints its statistics on it. Not through in_ns (a forked
# shell): $! must be timeout itself.
ip netns exec "$NS" timeout -s INT "$SECS" hping3 --flood -S -p 4318 -a "$FLOOD" -I "$IFACE" "$OG" \
	>"$WORK/hping3.out" 2>&1 &
FLOOD_PID=$!
sleep 2
: >"$WORK/codes"
for i in $(seq 20); do
	in_ns curl -sS --max-time 10 --interface "$PEER" -o /dev/null -w '%{http_code}\n' \
		-H 'Content-Type: application/x-protobuf' --data-binary "@$SAMPLES/traces-1.pb" \
		"http://$OG:4318/v1/traces" >>"$WORK/codes" 2>>"$WORK/curl.err" || echo "fail" >>"$WORK/codes"
	sleep $(awk -v s="$SECS" 'BEGIN { d = (s - 4) / 20; if (d < 0.1) d = 0.1; printf "%.2f", d }')
done
half_open=$(metric otlpgate_tcp_half_open_connections)
wait "$FLOOD_PID"
FLOOD_PID=
tx1=$(in_ns cat "/sys/class/net/$IFACE/statistics/tx_packets")
kill -0 "$OG_PID" 2>/dev/null || die "otlpgate died during the flood"

syns=$(grep -o '^[0-9]* packets transmitted' "$WORK/hping3.out" | cut -d' ' -f1)
[ -n "$syns" ] || { cat "$WORK/hping3.out"; syns=-; }
sent=$(metric otlpgate_tcp_syncookies_sent_total)
accepted=$(metric otlpgate_tcp_syncookies_accepted_total)
ok=$(grep -c '^200$' "$WORK/codes")
echo "SYNs sent by hping3: $syns in $SECS s ($((tx1 - tx0)) packets left the kernel side of the TAP)"
echo "otlpgate: $sent SYN-ACKs with a SYN cookie, $accepted connections from a cookie, $half_open half-open connections during the flood"
echo "legitimate requests answered 200 during the flood: $ok of 20"
[ "$ok" = 20 ] || { sort "$WORK/codes" | uniq -c; head -5 "$WORK/curl.err"; die "$ok of 20 requests answered 200 during the flood"; }
[ "${sent:-0}" -gt 0 ] || die "no SYN cookie sent (otlpgate_tcp_syncookies_sent_total is ${sent:-empty})"

step "after the flood: otlpgate still answers, exits 0 on SIGTERM"
in_ns nft delete table inet ogsynflood
code=$(in_ns curl -sS --max-time 10 --interface "$PEER" -o /dev/null -w '%{http_code}' \
	-H 'Content-Type: application/x-protobuf' --data-binary "@$SAMPLES/traces-1.pb" \
	"http://$OG:4318/v1/traces") || die "curl after the flood failed"
[ "$code" = 200 ] || die "after the flood: HTTP $code"
kill -TERM "$OG_PID"
for _ in $(seq 150); do kill -0 "$OG_PID" 2>/dev/null || break; sleep 0.1; done
kill -0 "$OG_PID" 2>/dev/null && die "otlpgate still running 15 s after SIGTERM"
wait "$OG_PID"
rc=$?
OG_PID=
[ "$rc" = 0 ] || die "otlpgate exit status $rc after SIGTERM"

step "PASS in $(($(date +%s) - T0)) s"
