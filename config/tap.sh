#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# otlpgate on a TAP port inside its own network namespace (developer machine,
# CI). Needs root. Usage: config/tap.sh [BUILD_DIR]; Ctrl-C stops it and
# removes the namespace.
set -e
BUILD=${1:-build}
NS=og0
ip netns add $NS
trap 'ip netns del $NS' EXIT
ip netns exec $NS ip link set lo up
ip netns exec $NS "$BUILD/app/otlpgate/otlpgate" \
	--no-huge --no-pci -m 512 -l 0 --file-prefix og0 \
	--vdev net_tap0,iface=og0 -- \
	--port-ip 0=192.0.2.2/24 \
	--echo-port 7 --discard-port 9 \
	--telemetry 127.0.0.1:9464 &
PID=$!
trap 'kill -TERM $PID; wait $PID; ip netns del $NS' EXIT INT TERM
until ip netns exec $NS ip link show og0 >/dev/null 2>&1; do sleep 0.2; done
sleep 1
ip netns exec $NS ip link set og0 address 02:00:00:00:00:01
ip netns exec $NS ip addr add 192.0.2.1/24 dev og0
ip netns exec $NS ip link set og0 up
echo "otlpgate is 192.0.2.2 in namespace $NS; try:"
echo "  ip netns exec $NS ping 192.0.2.2"
echo "  ip netns exec $NS curl -s http://127.0.0.1:9464/metrics"
wait $PID
