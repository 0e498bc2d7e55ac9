#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Kernel-interop test over TAP: otlpgate runs in a private network namespace
# with a net_tap port; the kernel side of the TAP gets an address in a test
# subnet (198.18.0.0/15, RFC 2544 benchmarking space) that exists only in that
# namespace, and Linux's own TCP drives otlpgate's: ping, ARP, concurrent
# echo/discard, a large echo checked by SHA-256, half-close, RST, crafted
# segments (scapy), and the same with 1-5% loss injected by nftables in both
# directions. Needs root. Everything it creates is removed on exit.
#
# usage: tap_test.sh OTLPGATE_BINARY [MODE]
#   MODE: full (default) | fault (otlpgate's own fault injection; needs a
#   -Dfault_injection=true build)
# Environment: OG_TEST_BIG_MB (default 256): MiB through discard and then
# echo (SHA-256 checked) in one connection each.
#
# The dataplane lcore busy-polls. On a small shared machine, pinning it to
# one CPU lets a single busy neighbour there starve it for hundreds of ms
# (the kernel's RTO fires, its segments sit unread in the TAP queue): the
# lcore may run on any CPU of the machine instead.
set -u

OTLPGATE=${1:?usage: tap_test.sh OTLPGATE [full|fault]}
MODE=${2:-full}
HERE=$(cd "$(dirname "$0")" && pwd)
PY=/usr/bin/python3
CLIENT="$HERE/og_client.py"
BIG_MB=${OG_TEST_BIG_MB:-256}
NCPU=$(nproc)

if [ "$(id -u)" != 0 ]; then
	echo "SKIP: needs root (network namespaces, TAP)"
	exit 77
fi

ID=$(( $$ % 250 + 1 ))
TAG=og$$
NS=$TAG
IFACE=ogt$$
IFACE=${IFACE:0:15}
PREFIX=ogit$$
NET=198.18.$ID
PEER=$NET.1   # the namespace's kernel
OG=$NET.2     # otlpgate
TPORT=9464
ECHO=7
DISCARD=9
LOG=$(mktemp /tmp/otlpgate-it.XXXXXX)
OG_PID=
FAILED=0

cleanup() {
	local rc=$?
	if [ "$rc" != 0 ] && [ -n "$OG_PID" ] && kill -0 "$OG_PID" 2>/dev/null; then
		echo "--- otlpgate metrics that are not zero ---"
		in_ns "$PY" -c "import urllib.request; print(urllib.request.urlopen('http://127.0.0.1:$TPORT/metrics', timeout=5).read().decode())" 2>&1 |
			grep -v '^#' | grep -v ' 0$'
	fi
	if [ -n "$OG_PID" ] && kill -0 "$OG_PID" 2>/dev/null; then
		kill -TERM "$OG_PID" 2>/dev/null
		for _ in $(seq 50); do kill -0 "$OG_PID" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$OG_PID" 2>/dev/null
	fi
	ip netns del "$NS" 2>/dev/null
	rm -rf "/var/run/dpdk/$PREFIX"
	if [ "$rc" != 0 ]; then
		echo "--- otlpgate log (last 40 lines) ---"
		tail -40 "$LOG"
	fi
	rm -f "$LOG"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

step() { echo "== [${SECONDS}s] $*"; }
in_ns() { ip netns exec "$NS" "$@"; }
client() { in_ns "$PY" "$CLIENT" "$@" || { echo "FAILED: client $*"; exit 1; }; }

ip netns add "$NS" || exit 1
in_ns ip link set lo up

EXTRA=()
if [ "$MODE" = fault ]; then
	EXTRA=(--fault-rx-drop 1 --fault-rx-dup 1 --fault-rx-reorder 1
	       --fault-tx-drop 1 --fault-tx-dup 1 --fault-tx-reorder 1)
fi

step "start otlpgate in namespace $NS on TAP $IFACE"
# not through in_ns (a function: & would fork a shell and $! be that
# shell, not otlpgate); ip netns exec execs the program in its place
ip netns exec "$NS" "$OTLPGATE" --no-huge --no-pci -m 512 --lcores "0@(0-$((NCPU - 1)))" --file-prefix "$PREFIX" \
	--vdev "net_tap0,iface=$IFACE" -- \
	--port-ip "0=$OG/24" --echo-port $ECHO --discard-port $DISCARD \
	--telemetry "127.0.0.1:$TPORT" --mbufs 32767 --idle-sleep 50 "${EXTRA[@]}" >"$LOG" 2>&1 &
OG_PID=$!
for _ in $(seq 100); do
	in_ns ip link show "$IFACE" >/dev/null 2>&1 && grep -q "running on" "$LOG" && break
	kill -0 "$OG_PID" 2>/dev/null || { echo "otlpgate exited early"; exit 1; }
	sleep 0.2
done
grep -q "running on" "$LOG" || { echo "otlpgate did not start"; exit 1; }
# The TAP PMD gives the kernel side the port's own MAC: give the kernel a
# different one, as a real neighbour would have.
in_ns ip link set "$IFACE" address 02:00:00:00:$(printf %02x $ID):01
in_ns ip addr add "$PEER/24" dev "$IFACE"
in_ns ip link set "$IFACE" up

step "ping"
in_ns ping -c 3 -i 0.2 -W 2 "$OG" >/dev/null || { echo "FAILED: ping"; exit 1; }
in_ns ping -c 5 -i 0.05 -s 1400 -W 2 "$OG" >/dev/null || { echo "FAILED: large ping"; exit 1; }
echo "ping: small and 1400-byte echoes answered"

step "ARP"
in_ns ip neigh show "$OG" dev "$IFACE" | grep -q lladdr ||
	{ echo "FAILED: no ARP entry for $OG"; exit 1; }
echo "ARP: the kernel resolved $OG"

step "telemetry"
client healthz $TPORT
client dpdk-telemetry "$PREFIX"

step "TCP: refused port, concurrent echo and discard"
client refused "$OG" 12345
client echo-many "$OG" $ECHO 300 20000
client discard-many "$OG" $DISCARD 200 100000
client half-close "$OG" $ECHO 300000
client abort "$OG" $ECHO
client echo-big "$OG" $ECHO 16

step "large transfers: $BIG_MB MiB discarded, $BIG_MB MiB echoed"
client discard-echo-big "$OG" $ECHO $DISCARD "$BIG_MB"

if [ "$MODE" = full ]; then
	step "crafted segments (scapy)"
	in_ns "$PY" "$HERE/og_scapy.py" "$IFACE" "$PEER" "$OG" $ECHO ||
		{ echo "FAILED: scapy cases"; exit 1; }

	for LOSS in 1 5; do
		step "loss: $LOSS% dropped in each direction by nftables"
		in_ns nft -f - <<-NFT
			table inet ogloss {
				chain in { type filter hook input priority 0; iifname "$IFACE" meta l4proto tcp numgen random mod 100 < $LOSS drop; }
				chain out { type filter hook output priority 0; oifname "$IFACE" meta l4proto tcp numgen random mod 100 < $LOSS drop; }
			}
		NFT
		client echo-many "$OG" $ECHO 50 50000
		client half-close "$OG" $ECHO 200000
		client abort "$OG" $ECHO
		client discard-echo-big "$OG" $ECHO $DISCARD 16
		in_ns nft delete table inet ogloss
	done
fi

step "metrics agree"
sleep 1.5 # connections finish their FIN exchange / TIME-WAIT
# scapy's one bad checksum is the only one (TAP checks them in software)
CSUM='otlpgate_tcp_drops_total{reason="bad_checksum"}==0'
[ "$MODE" = full ] && CSUM='otlpgate_tcp_drops_total{reason="bad_checksum"}==1'
client metrics $TPORT \
	"otlpgate_tcp_passive_opens_total>=500" \
	"otlpgate_tcp_resets_received_total>=1" \
	"otlpgate_net_icmp_echo_replies_total>=8" \
	"otlpgate_net_arp_replies_sent_total>=1" \
	"otlpgate_net_arp_gratuitous_sent_total==1" \
	'otlpgate_net_drops_total{reason="ip_cksum"}==0' \
	'otlpgate_net_drops_total{reason="tx_full"}==0' \
	'otlpgate_net_drops_total{reason="arp_timeout"}==0' \
	"$CSUM" \
	'otlpgate_tcp_connections{state="established"}==0' \
	'otlpgate_port_rx_packets_total{port="0"}>=1000' \
	'otlpgate_lcore_cycles_total{lcore="0"}>=1'

step "clean stop on SIGTERM"
kill -TERM "$OG_PID"
wait "$OG_PID"
RC=$?
OG_PID=
[ "$RC" = 0 ] || { echo "FAILED: otlpgate exit status $RC after SIGTERM"; exit 1; }
echo "PASS ($MODE)"
