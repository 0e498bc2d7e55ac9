#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# otlpgate as an OTLP/HTTP receiver on a TAP port inside its own network
# namespace (developer machine, CI), writing what it accepts to
# DIR/<signal>-<n>.otlp. Needs root.
#   config/tap.sh [BUILD_DIR] [DIR]     (defaults: build, /tmp/otlpgate-out)
# Ctrl-C stops it (SIGTERM: queued data is written first) and removes the
# namespace.
set -e
BUILD=${1:-build}
OUT=${2:-/tmp/otlpgate-out}
NS=og0
mkdir -p "$OUT"
ip netns add $NS
trap 'ip netns del $NS' EXIT
ip netns exec $NS ip link set lo up
ip netns exec $NS "$BUILD/app/otlpgate/otlpgate" \
	--no-huge --no-pci -m 512 -l 0 --file-prefix og0 \
	--vdev net_tap0,iface=og0 -- \
	--port-ip 0=192.0.2.2/24 \
	--backend "file:$OUT" \
	--max-body 64M --batch-timeout 200 --drain-timeout 10 \
	--echo-port 7 --discard-port 9 \
	--telemetry 127.0.0.1:9464 &
PID=$!
trap 'kill -TERM $PID; wait $PID; ip netns del $NS' EXIT INT TERM
until ip netns exec $NS ip link show og0 >/dev/null 2>&1; do sleep 0.2; done
sleep 1
ip netns exec $NS ip link set og0 address 02:00:00:00:00:01
ip netns exec $NS ip addr add 192.0.2.1/24 dev og0
ip netns exec $NS ip link set og0 up
echo "otlpgate is 192.0.2.2 (OTLP/HTTP on port 4318) in namespace $NS; try:"
echo "  ip netns exec $NS curl -H 'Content-Type: application/x-protobuf' \\"
echo "      --data-binary @tests/data/samples/traces-512.pb http://192.0.2.2:4318/v1/traces"
echo "  ip netns exec $NS node tests/clients/send.mjs --url http://192.0.2.2:4318 \\"
echo "      --signal logs --encoding json --count 1000 --run-id try"
echo "  ip netns exec $NS curl -s http://127.0.0.1:9464/metrics | grep otlpgate_items"
echo "  $BUILD/app/otlpcat/otlpcat --delimited --summary $OUT/traces-0.otlp"
wait $PID
