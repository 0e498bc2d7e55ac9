#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# The receiver's deadlines against slow clients, over TAP (docs/receiver.md,
# "Hostile clients"). otlpgate runs in a private network namespace on a
# net_tap port with the null backend and --header-timeout 3; from the
# namespace's kernel side (198.18.X.1, RFC 2544 benchmarking space, only
# inside the namespace), at the same time:
#  a. a slowloris crowd (python3 sockets): 500 connections sending one byte
#     of a request line every 2 s, and 50 that send their request line at
#     once and then one header byte every 2 s: every one must be closed
#     around the header deadline (3 s after its accept), the first kind
#     without an answer, the second with 408;
#  b. a legitimate client (curl) posting traces-1.pb once a second: 200
#     every time;
#  c. a body trickled at 100 bytes/s, below --body-min-rate 1024: 408 at the
#     end of the first 10 s window;
# then the counters otlpgate_http_timeouts_total{reason} must agree.
# Needs root, python3 and curl. Everything it creates is removed on exit.
#
# usage: slow_test.sh OTLPGATE
set -u

OTLPGATE=${1:?usage: slow_test.sh OTLPGATE}
HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)
PY=/usr/bin/python3
SAMPLE="$TOP/tests/data/samples/traces-1.pb"
NCPU=$(nproc)
T0=$(date +%s)

if [ "$(id -u)" != 0 ]; then
	echo "SKIP: needs root (network namespaces, TAP)"
	exit 77
fi
for t in curl ip "$PY"; do
	command -v "$t" >/dev/null || { echo "SKIP: needs $t"; exit 77; }
done

# Names and the subnet come from the PID: this test's own namespace, TAP,
# DPDK file prefix and 198.18.(200+PID%50).
X=$((200 + $$ % 50))
NS=ogsl$$
IFACE=ogsl$$
IFACE=${IFACE:0:15}
PREFIX=ogslow$$
PEER=198.18.$X.1 # the namespace's kernel: the clients
OG=198.18.$X.2   # otlpgate
TPORT=9464
WORK=$(mktemp -d /tmp/otlpgate-slow.XXXXXX)
LOG=$WORK/otlpgate.log
OG_PID=

cleanup() {
	local rc=$?
	if [ "$rc" != 0 ] && [ -n "$OG_PID" ] && kill -0 "$OG_PID" 2>/dev/null; then
		echo "--- otlpgate metrics that are not zero ---"
		ip netns exec "$NS" curl -s --max-time 5 "http://127.0.0.1:$TPORT/metrics" 2>&1 |
			grep -v '^#' | grep -v ' 0$' | grep -v '_bucket{' | head -80
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
in_ns() { ip netns exec "$NS" "$@"; }
metric() {
	in_ns curl -s --max-time 10 "http://127.0.0.1:$TPORT/metrics" |
		awk -v m="$1" '$1 == m { print $2; found = 1 } END { if (!found) print 0 }'
}

ip netns add "$NS" || exit 1
in_ns ip link set lo up

step "otlpgate on $IFACE in namespace $NS: --header-timeout 3 --body-min-rate 1024"
# Not through in_ns: ip netns exec execs otlpgate in place, so $! is its pid.
ip netns exec "$NS" "$OTLPGATE" --no-huge --no-pci -m 512 --lcores "0@(0-$((NCPU - 1)))" \
	--file-prefix "$PREFIX" --vdev "net_tap0,iface=$IFACE" -- \
	--port-ip "0=$OG/24" --telemetry "127.0.0.1:$TPORT" --idle-sleep 50 \
	--backend null --max-conns 4096 \
	--header-timeout 3 --body-min-rate 1024 --keepalive-timeout 60 >"$LOG" 2>&1 &
OG_PID=$!
for _ in $(seq 150); do
	in_ns ip link show "$IFACE" >/dev/null 2>&1 && grep -q "running on" "$LOG" && break
	kill -0 "$OG_PID" 2>/dev/null || die "otlpgate exited early"
	sleep 0.2
done
grep -q "running on" "$LOG" || die "otlpgate did not start"
grep -q "deadlines: request head 3s, body at least 1024 bytes/s" "$LOG" ||
	die "the start-up log does not state the deadlines"
in_ns ip link set "$IFACE" address 02:00:00:00:$(printf %02x $X):01
in_ns ip addr add "$PEER/24" dev "$IFACE"
in_ns ip link set "$IFACE" up
in_ns ping -c 1 -w 10 "$OG" >/dev/null || die "otlpgate does not answer ping"

cat >"$WORK/slow.py" <<'EOF'
# Slow clients; prints one JSON line of what happened to each kind.
import json, selectors, socket, sys, time

host, port, n_silent, n_line = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
LINE = b"POST /v1/traces HTTP/1.1\r\n"
HDRS = b"Host: otlpgate\r\nContent-Type: application/x-protobuf\r\nContent-Length: 483\r\n"
sel = selectors.DefaultSelector()
conns = []  # [sock, kind, t_connect, pos, t_closed, answer bytes]


def open_conn(kind):
    s = socket.create_connection((host, port), timeout=5)
    s.setblocking(False)
    c = [s, kind, time.monotonic(), 0, None, b""]
    if kind == "line":
        s.send(LINE)
    sel.register(s, selectors.EVENT_READ, c)
    conns.append(c)


for _ in range(n_silent):
    open_conn("silent")
for _ in range(n_line):
    open_conn("line")
# the trickled body: a complete head, then 100 bytes/s of a 20000-byte body
body = [socket.create_connection((host, port), timeout=5), None, b""]
body[0].send(b"POST /v1/traces HTTP/1.1\r\nHost: otlpgate\r\n"
             b"Content-Type: application/x-protobuf\r\nContent-Length: 20000\r\n\r\n")
body[0].setblocking(False)
t_body = time.monotonic()
sel.register(body[0], selectors.EVENT_READ, body)

end = time.monotonic() + 14
next_byte = time.monotonic() + 2
next_body = time.monotonic() + 1
while time.monotonic() < end:
    for key, _ in sel.select(timeout=0.1):
        c = key.data
        s = key.fileobj
        try:
            d = s.recv(4096)
        except (ConnectionResetError, BlockingIOError):
            d = b""
        if c is body:
            body[2] += d
            if not d:
                body[1] = time.monotonic() - t_body
                sel.unregister(s)
            continue
        c[5] += d
        if not d:
            c[4] = time.monotonic() - c[2]
            sel.unregister(s)
    now = time.monotonic()
    if now >= next_byte:  # one more byte on every open slow connection
        next_byte += 2
        for c in conns:
            if c[4] is None:
                src = LINE if c[1] == "silent" else HDRS
                try:
                    c[0].send(src[c[3]:c[3] + 1])
                except OSError:
                    pass
                c[3] += 1
    if now >= next_body and body[1] is None:
        next_body += 1
        try:
            body[0].send(b"\0" * 100)
        except OSError:
            pass

out = {}
for kind in ("silent", "line"):
    cs = [c for c in conns if c[1] == kind]
    closed = [c[4] for c in cs if c[4] is not None]
    out[kind] = {
        "n": len(cs), "closed": len(closed),
        "min_s": round(min(closed), 2) if closed else None,
        "max_s": round(max(closed), 2) if closed else None,
        "answered_408": sum(1 for c in cs if c[5].startswith(b"HTTP/1.1 408 ")),
        "answered": sum(1 for c in cs if c[5]),
    }
out["body"] = {"closed_s": round(body[1], 2) if body[1] is not None else None,
               "status": body[2][:12].decode("latin-1")}
print(json.dumps(out))
EOF

step "500 silent + 50 slow-header connections, a trickled body, and curl once a second"
in_ns "$PY" "$WORK/slow.py" "$OG" 4318 500 50 >"$WORK/slow.json" 2>"$WORK/slow.err" &
SLOW_PID=$!
sleep 0.5
ok=0
bad=0
for i in $(seq 12); do
	code=$(in_ns curl -sS --max-time 5 -o /dev/null -w '%{http_code}' \
		-H 'Content-Type: application/x-protobuf' --data-binary "@$SAMPLE" \
		"http://$OG:4318/v1/traces" 2>>"$WORK/curl.err")
	if [ "$code" = 200 ]; then ok=$((ok + 1)); else bad=$((bad + 1)); echo "curl $i: HTTP $code"; fi
	sleep 1
done
wait "$SLOW_PID" || { cat "$WORK/slow.err"; die "slow.py failed"; }
echo "slow clients: $(cat "$WORK/slow.json")"
echo "legitimate client: $ok of $((ok + bad)) answered 200"
[ "$bad" = 0 ] || die "the legitimate client was not served every time"

"$PY" - "$WORK/slow.json" <<'EOF' || die "slow connections not closed at the header deadline"
import json, sys
r = json.load(open(sys.argv[1]))
bad = []
s, l, b = r["silent"], r["line"], r["body"]
if s["closed"] != s["n"] or s["answered"] != 0:
    bad.append("silent: %d of %d closed, %d answered" % (s["closed"], s["n"], s["answered"]))
if l["closed"] != l["n"] or l["answered_408"] != l["n"]:
    bad.append("request line: %d of %d closed, %d got 408" % (l["closed"], l["n"], l["answered_408"]))
for k in (s, l):
    # 3 s after the accept; the server lingers 2 s after a 408 before its FIN
    # may be the client's only sign, hence the upper bound
    if k["min_s"] is None or k["min_s"] < 2.8 or k["max_s"] > 6.5:
        bad.append("closed between %s and %s s, expected about 3 s" % (k["min_s"], k["max_s"]))
if b["status"] != "HTTP/1.1 408":
    bad.append("trickled body answered %r, expected 408" % b["status"])
if b["closed_s"] is None or not 9.5 <= b["closed_s"] <= 13.5:
    bad.append("trickled body closed after %s s, expected about 10 s (the window)" % b["closed_s"])
if bad:
    print("\n".join(bad))
sys.exit(1 if bad else 0)
EOF

sleep 3 # the lingering closes after the 408 answers end
silent=$(metric 'otlpgate_http_timeouts_total{reason="header_silent"}')
answered=$(metric 'otlpgate_http_timeouts_total{reason="header_answered"}')
rate=$(metric 'otlpgate_http_timeouts_total{reason="body_rate"}')
r408=$(in_ns curl -s --max-time 10 "http://127.0.0.1:$TPORT/metrics" |
	awk '/^otlpgate_http_requests_total\{/ && /code="408"/ { s += $2 } END { print s + 0 }')
echo "timeouts: header_silent $silent, header_answered $answered, body_rate $rate; 408 answers $r408"
[ "$silent" -ge 500 ] || die "header_silent $silent, expected at least 500"
[ "$answered" -ge 50 ] || die "header_answered $answered, expected at least 50"
[ "$rate" -ge 1 ] || die "body_rate $rate, expected at least 1"
[ "$r408" -ge 51 ] || die "408 answers $r408, expected at least 51"
[ "$(metric otlpgate_http_connections_open)" -le 1 ] || die "connections still open"
step "PASS"
