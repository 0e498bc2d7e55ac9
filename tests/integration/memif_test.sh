#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# otlpgate and otlpgen joined by net_memif, DPDK to DPDK, no kernel network:
# otlpgen's client sends a fixed number of requests to otlpgate, and
# otlpgen's sink (same process, same port) is otlpgate's otlp-http backend.
# Cases: traces-512.pb plain; the same with --gzip and a gzip egress; 1-span
# requests with 64 connections and 4 requests pipelined on each; lcore roles
# (otlpgate on 2 lcores: receive and egress on one, batching on the other).
# For each:
#  - every request is answered 200 (otlpgen: errors=0, lost=0);
#  - the sink counted requests x spans items (it scans every batch);
#  - otlpgate's /metrics: items_received_total and items_exported_total of
#    traces both equal requests x spans (docs/design.md section 3);
#  - otlpgate_stage_cycles_total counted cycles in every stage, and with
#    roles, on the lcores of the role (batching only on the batch lcore);
#  - both processes exit 0 (otlpgen when done, otlpgate on SIGTERM);
#  - bad lcore roles are refused with exit 2 and a line naming the reason;
#  - nothing is left: processes, the memif socket, /var/run/dpdk prefixes.
#
# usage: memif_test.sh OTLPGATE OTLPGEN
# Environment: OG_MEMIF_REQUESTS (default 200): requests per case.
# otlpgate gets enough mbufs that its memory budget (half the pool) holds a
# whole case (200 x 160 KB): a 503 would be correct overload behaviour, not
# what this test is about. Both sides sleep when idle (--idle-sleep): the
# test checks correctness and must not starve a shared machine.
set -u

OTLPGATE=${1:?usage: memif_test.sh OTLPGATE OTLPGEN}
OTLPGEN=${2:?usage: memif_test.sh OTLPGATE OTLPGEN}
HERE=$(cd "$(dirname "$0")" && pwd)
SAMPLES=$(cd "$HERE/../data/samples" && pwd)
N=${OG_MEMIF_REQUESTS:-200}

command -v curl >/dev/null || { echo "SKIP: needs curl"; exit 77; }

# Rings of 2^14 slots (rsize=14; the PMD's default is 2^10): on a shared
# machine one process may stall for a second while the other keeps sending,
# and a full ring drops segments that then wait for a retransmission timeout.

# Names from the PID; the subnet is RFC 2544 benchmarking space and never
# leaves the two processes (no kernel interface is involved).
X=$((10 + $$ % 90))
GATE_IP=198.19.$X.2
GEN_IP=198.19.$X.1
TEL=127.0.0.1:$((20000 + $$ % 10000))
TMP=$(mktemp -d /tmp/ogmemif.XXXXXX)
SOCK=$TMP/memif.sock
GATE_PID=
GEN_PID=
FAILS=0
RUNDIRS=()

rundir() {
	# where EAL keeps a prefix's runtime files (root: /var/run/dpdk)
	if [ "$(id -u)" = 0 ]; then echo "/var/run/dpdk/$1"; else echo "${XDG_RUNTIME_DIR:-/tmp}/dpdk/$1"; fi
}

cleanup() {
	[ -n "$GEN_PID" ] && kill -KILL "$GEN_PID" 2>/dev/null
	[ -n "$GATE_PID" ] && kill -KILL "$GATE_PID" 2>/dev/null
	wait 2>/dev/null
	for d in "${RUNDIRS[@]}"; do rm -rf "$d"; done
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

fail() {
	echo "FAIL: $*"
	FAILS=$((FAILS + 1))
}

# key=value from a line
val() {
	echo "$1" | tr ' ' '\n' | sed -n "s/^$2=//p" | head -1
}

metric() {
	curl -s "http://$TEL/metrics" | awk -v m="$1" '$1 == m { print $2 }' | head -1
}

# run_case NAME BODY SPANS BACKEND_QUERY OTLPGEN_ARGS...
run_case() {
	local name=$1 body=$2 spans=$3 query=$4
	shift 4
	local gp=ogmg$$$name gn=ogmn$$$name
	local glog=$TMP/$name.gate.log nlog=$TMP/$name.gen.log
	local want=$((N * spans)) rc line sline recv exp

	RUNDIRS+=("$(rundir "$gp")" "$(rundir "$gn")")
	rm -f "$SOCK"
	# shellcheck disable=SC2086 # word splitting of the lcore options is intended
	"$OTLPGATE" --no-huge --no-pci -m 1024 ${GATE_LCORES:--l 0} --file-prefix "$gp" \
		--vdev "net_memif0,role=server,socket=$SOCK,rsize=14" -- \
		--port-ip "0=$GATE_IP/24" --telemetry "$TEL" --otlp-http "$GATE_IP:4318" \
		--backend "otlp-http://$GEN_IP:14318$query" --mbufs 65535 --idle-sleep 20 ${GATE_ROLES:-} >"$glog" 2>&1 &
	GATE_PID=$!
	for _ in $(seq 100); do
		curl -sf "http://$TEL/healthz" >/dev/null && break
		kill -0 "$GATE_PID" 2>/dev/null || break
		sleep 0.1
	done
	if ! curl -sf "http://$TEL/healthz" >/dev/null; then
		fail "$name: otlpgate did not start"
		cat "$glog"
		kill -KILL "$GATE_PID" 2>/dev/null
		wait "$GATE_PID" 2>/dev/null
		GATE_PID=
		return
	fi
	timeout 120 "$OTLPGEN" --no-huge --no-pci -m 512 -l 1 --file-prefix "$gn" \
		--vdev "net_memif0,role=client,socket=$SOCK,rsize=14" -- \
		--port-ip "0=$GEN_IP/24" --target "$GATE_IP:4318" --body "$SAMPLES/$body" \
		--requests "$N" --sink "$GEN_IP:14318" --sink-count-items --linger 10 \
		--report-interval 0 --idle-sleep 20 --hold "$@" >"$nlog" 2>&1 &
	GEN_PID=$!
	# --hold: otlpgen reports, then stops polling and keeps the memif open,
	# so otlpgate stops first. (When a memif peer goes, DPDK 22.11's PMD
	# unmaps the rings in its interrupt thread, under a polling lcore: the
	# other side crashed 1 run in 3 when otlpgen simply exited.)
	for _ in $(seq 1300); do
		grep -q '^otlpgen sink:' "$nlog" && break
		kill -0 "$GEN_PID" 2>/dev/null || break
		sleep 0.1
	done
	grep -q '^otlpgen sink:' "$nlog" || fail "$name: otlpgen did not report"
	line=$(grep '^otlpgen client:' "$nlog")
	sline=$(grep '^otlpgen sink:' "$nlog")
	[ "$(val "$line" requests)" = "$N" ] || fail "$name: client requests=$(val "$line" requests), want $N"
	[ "$(val "$line" ok)" = "$N" ] || fail "$name: client ok=$(val "$line" ok), want $N"
	[ "$(val "$line" errors)" = 0 ] || fail "$name: client errors=$(val "$line" errors)"
	[ "$(val "$line" items)" = "$want" ] || fail "$name: client items=$(val "$line" items), want $want"
	[ "$(val "$sline" items)" = "$want" ] || fail "$name: sink items=$(val "$sline" items), want $want"
	[ "$(val "$sline" bad)" = 0 ] || fail "$name: sink bad=$(val "$sline" bad)"
	recv=$(metric 'otlpgate_items_received_total{signal="traces"}')
	exp=$(curl -s "http://$TEL/metrics" | awk '$1 ~ /^otlpgate_items_exported_total\{.*signal="traces"/ { s += $2 } END { print s + 0 }')
	[ "$recv" = "$want" ] || fail "$name: otlpgate received $recv, want $want"
	# every stage of the data path was timed, on the lcores of its role
	curl -s "http://$TEL/metrics" | grep '^otlpgate_stage_cycles_total' >"$TMP/$name.stages"
	for st in rx_tcp http decode batch tx; do
		awk -v s="stage=\"$st\"" 'index($1, s) && $2 > 0 { f = 1 } END { exit !f }' "$TMP/$name.stages" ||
			fail "$name: no cycles counted for stage $st"
	done
	if [ -n "${GATE_STAGE_CHECK:-}" ]; then
		# "LCORE:STAGE=zero|nonzero ...": where each role's work ran
		for c in $GATE_STAGE_CHECK; do
			local lc=${c%%:*} rest=${c#*:} v
			v=$(awk -v m="otlpgate_stage_cycles_total{lcore=\"$lc\",stage=\"${rest%%=*}\"}" '$1 == m { print $2 }' "$TMP/$name.stages")
			case ${rest#*=} in
			zero) [ "$v" = 0 ] || fail "$name: lcore $lc stage ${rest%%=*} has $v cycles, want 0" ;;
			nonzero) [ -n "$v" ] && [ "$v" != 0 ] || fail "$name: lcore $lc stage ${rest%%=*} has '$v' cycles, want some" ;;
			esac
		done
	fi
	[ "$exp" = "$want" ] || fail "$name: otlpgate exported $exp, want $want"
	kill -TERM "$GATE_PID"
	wait "$GATE_PID"
	rc=$?
	GATE_PID=
	[ "$rc" = 0 ] || fail "$name: otlpgate exited $rc on SIGTERM"
	kill -TERM "$GEN_PID" 2>/dev/null
	wait "$GEN_PID"
	rc=$?
	GEN_PID=
	[ "$rc" = 0 ] || fail "$name: otlpgen exited $rc"
	for d in "$(rundir "$gp")" "$(rundir "$gn")"; do rm -rf "$d"; done
	rm -f "$SOCK"
	echo "$name: $line"
	echo "$name: $sline"
	echo "$name: otlpgate received=$recv exported=$exp"
	if [ "$FAILS" != 0 ]; then
		echo "--- $name otlpgen log"; cat "$nlog"
		echo "--- $name otlpgate log"; tail -20 "$glog"
	fi
}

# refused: exit 2 and a line naming the option and the reason
refused() {
	local want=$1 out rc gp=ogmr$$r$RANDOM
	shift
	RUNDIRS+=("$(rundir "$gp")")
	out=$(timeout 60 "$OTLPGATE" --no-huge --no-pci -m 256 --file-prefix "$gp" \
		--vdev "net_memif0,role=server,socket=$TMP/refused.sock" "$@" 2>&1)
	rc=$?
	[ "$rc" = 2 ] || fail "refused '$*': exit $rc, want 2"
	echo "$out" | grep -q -- "$want" || fail "refused '$*': no line with '$want': $(echo "$out" | tail -3)"
	rm -rf "$(rundir "$gp")" "$TMP/refused.sock"
}
refused "--rx-lcores: expected lcore ids" -l 0 -- --port-ip "0=$GATE_IP/24" --rx-lcores 0,x
refused "lcore 1 has no role" -l 0,1 -- --port-ip "0=$GATE_IP/24" --rx-lcores 0 --batch-lcores 0 --tx-lcores 0
refused "lcore 1 is not an RX lcore" -l 0,1 -- --port-ip "0=$GATE_IP/24" --rx-lcores 0 --batch-lcores 0 --tx-lcores 1
refused "lcore 3 is not an EAL lcore" -l 0,1 -- --port-ip "0=$GATE_IP/24" --rx-lcores 0 --batch-lcores 1,3 --tx-lcores 0
refused "has no RSS" -l 0,1 -- --port-ip "0=$GATE_IP/24" --rx-lcores 0,1 --batch-lcores 1 --tx-lcores 0
[ "$FAILS" = 0 ] && echo "memif_test: lcore role errors refused with exit 2"

run_case plain traces-512.pb 512 "" --conns 8
run_case gzip traces-512.pb 512 "?compression=gzip" --conns 8 --gzip
run_case 1span traces-1.pb 1 "" --conns 64 --pipeline 4
# lcore roles: receive and egress on lcore 0, batching on lcore 1, joined by
# SP/SC rings both ways (records to the batcher, batches to the egress)
GATE_LCORES="-l 0,1" GATE_ROLES="--rx-lcores 0 --batch-lcores 1 --tx-lcores 0" \
	GATE_STAGE_CHECK="0:batch=zero 1:batch=nonzero 1:rx_tcp=zero 1:decode=zero 0:decode=nonzero" \
	run_case roles traces-512.pb 512 "" --conns 8

# nothing of ours may be left running
if pgrep -f "file-prefix ogm[gn]$$" >/dev/null; then
	fail "processes left behind"
fi
if [ "$FAILS" != 0 ]; then
	echo "memif_test: $FAILS failure(s)"
	exit 1
fi
echo "memif_test: all cases passed"
exit 0
