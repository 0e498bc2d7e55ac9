#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
#
# The exported metric series do not change by accident: start otlpgate on a
# net_null port (no NIC, no TAP, no hugepages) with a null and an otlp-http
# backend, scrape /metrics once from 127.0.0.1, and compare the sorted
# "# TYPE" lines and the sorted series identities (name and label set,
# values stripped) with tests/data/metrics_series.txt. Series that appear
# only once a value is non-zero (otlpgate_http_requests_total's matrix)
# are absent on an idle gateway; their family is still checked by its TYPE
# line. Needs root (DPDK's runtime directory).
#
# Usage: metrics_series.sh OTLPGATE EXPECTED_FILE
# With OG_METRICS_SERIES_UPDATE=1 it writes EXPECTED_FILE instead (only
# when a metric is added or renamed on purpose; docs/metrics.md says so).
set -u

OTLPGATE=$1
EXPECTED=$2
PREFIX="og-ms-$$"
WORK=$(mktemp -d)
PID=

cleanup() {
	if [ -n "$PID" ] && kill -0 "$PID" 2>/dev/null; then
		kill -TERM "$PID" 2>/dev/null
		wait "$PID" 2>/dev/null
	fi
	rm -rf "$WORK" "/var/run/dpdk/$PREFIX"
}
trap cleanup EXIT INT TERM

# a free port for the telemetry server (otlpgate logs the port it was given)
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

"$OTLPGATE" --no-huge --no-pci -m 512 -l 0 --file-prefix "$PREFIX" --vdev net_null0 -- \
	--port-ip 0=192.0.2.2/24 --telemetry "127.0.0.1:$PORT" --idle-sleep 100 \
	--backend null --backend "otlp-http://192.0.2.1:4318" >"$WORK/log" 2>&1 &
PID=$!

scrape() {
	python3 - "$PORT" "$1" <<'PY'
import sys, urllib.request
try:
    with urllib.request.urlopen("http://127.0.0.1:%s%s" % (sys.argv[1], sys.argv[2]), timeout=5) as r:
        sys.stdout.write(r.read().decode())
except Exception:
    sys.exit(1)
PY
}

ok=0
for _ in $(seq 1 60); do
	if ! kill -0 "$PID" 2>/dev/null; then
		echo "otlpgate exited early:" >&2
		cat "$WORK/log" >&2
		exit 1
	fi
	if scrape /healthz >/dev/null 2>&1; then
		ok=1
		break
	fi
	sleep 0.5
done
if [ "$ok" != 1 ]; then
	echo "no answer on 127.0.0.1:$PORT/healthz" >&2
	cat "$WORK/log" >&2
	exit 1
fi
if ! scrape /metrics >"$WORK/metrics"; then
	echo "scrape of /metrics failed" >&2
	exit 1
fi

# TYPE lines, then series identities (a sample line without its value)
{
	grep '^# TYPE ' "$WORK/metrics" | LC_ALL=C sort
	grep -v '^#' "$WORK/metrics" | sed 's/ [^ ]*$//' | LC_ALL=C sort
} >"$WORK/series"

if [ "${OG_METRICS_SERIES_UPDATE:-0}" = 1 ]; then
	cp "$WORK/series" "$EXPECTED"
	echo "wrote $EXPECTED ($(wc -l <"$EXPECTED") lines)"
	exit 0
fi
if ! diff -u "$EXPECTED" "$WORK/series"; then
	echo "the exported series differ from $EXPECTED (- expected, + now)" >&2
	exit 1
fi
echo "metrics series: $(grep -c '^# TYPE' "$WORK/series") families, $(grep -vc '^#' "$WORK/series") series, as expected"
