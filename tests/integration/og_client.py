#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Test clients for the otlpgate TAP integration test.

Runs inside the test's network namespace and talks only to otlpgate's
address. Each subcommand exits 0 on success and prints one line saying what
it checked; on failure it prints why and exits 1.
"""
import hashlib
import os
import selectors
import socket
import struct
import sys
import threading
import time
import urllib.request


def fail(msg):
    print("FAIL: " + msg, flush=True)
    sys.exit(1)


def connect(addr, port, timeout=30.0):
    s = socket.create_connection((addr, port), timeout=timeout)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def echo_many(addr, port, n, size):
    """n concurrent connections, each echoing size random bytes."""
    sel = selectors.DefaultSelector()
    conns = []
    for i in range(n):
        s = connect(addr, port)
        s.setblocking(False)
        data = os.urandom(size)
        st = {"sock": s, "out": data, "sent": 0, "got": bytearray(), "want": data}
        conns.append(st)
        sel.register(s, selectors.EVENT_READ | selectors.EVENT_WRITE, st)
    deadline = time.time() + 120
    left = n
    while left and time.time() < deadline:
        for key, ev in sel.select(timeout=1.0):
            st = key.data
            s = st["sock"]
            if ev & selectors.EVENT_WRITE and st["sent"] < len(st["out"]):
                try:
                    st["sent"] += s.send(st["out"][st["sent"]:st["sent"] + 65536])
                except BlockingIOError:
                    pass
                if st["sent"] == len(st["out"]):
                    sel.modify(s, selectors.EVENT_READ, st)
            if ev & selectors.EVENT_READ:
                try:
                    chunk = s.recv(65536)
                except BlockingIOError:
                    continue
                if not chunk:
                    fail("echo: connection closed early after %d bytes" % len(st["got"]))
                st["got"] += chunk
                if len(st["got"]) >= len(st["want"]):
                    sel.unregister(s)
                    left -= 1
    if left:
        fail("echo: %d of %d connections did not finish" % (left, n))
    for st in conns:
        if bytes(st["got"]) != st["want"]:
            fail("echo: data differs")
        st["sock"].close()
    print("echo-many: %d connections x %d bytes echoed intact" % (n, size))


def discard_many(addr, port, n, size):
    socks = [connect(addr, port) for _ in range(n)]
    data = os.urandom(size)
    for s in socks:
        s.sendall(data)
    for s in socks:
        s.shutdown(socket.SHUT_WR)
    for s in socks:
        # discard answers nothing and closes after our FIN: EOF, no data
        if s.recv(1) != b"":
            fail("discard: got data back")
        s.close()
    print("discard-many: %d connections x %d bytes discarded, closed cleanly" % (n, size))


def echo_big(addr, port, mbytes):
    """One connection, mbytes MiB through echo, checked by SHA-256."""
    total = mbytes << 20
    s = connect(addr, port, timeout=120)
    h_out = hashlib.sha256()
    err = []

    def sender():
        try:
            block = os.urandom(1 << 20)
            left = total
            i = 0
            while left:
                # vary the block so a misplaced chunk changes the hash
                b = bytes([i & 0xff]) + block[1:]
                b = b[:min(len(b), left)]
                h_out.update(b)
                s.sendall(b)
                left -= len(b)
                i += 1
            s.shutdown(socket.SHUT_WR)
        except Exception as e:  # reported by the main thread
            err.append(e)

    t = threading.Thread(target=sender)
    t0 = time.time()
    t.start()
    h_in = hashlib.sha256()
    got = 0
    while True:
        chunk = s.recv(1 << 20)
        if not chunk:
            break
        h_in.update(chunk)
        got += len(chunk)
    t.join()
    dt = time.time() - t0
    s.close()
    if err:
        fail("echo-big: sender: %r" % err[0])
    if got != total:
        fail("echo-big: sent %d bytes, got %d back" % (total, got))
    if h_in.digest() != h_out.digest():
        fail("echo-big: SHA-256 differs")
    print("echo-big: %d MiB echoed, SHA-256 %s, %.1f MiB/s" %
          (mbytes, h_in.hexdigest()[:16], mbytes / dt))


def half_close(addr, port, size):
    s = connect(addr, port)
    data = os.urandom(size)
    s.sendall(data)
    s.shutdown(socket.SHUT_WR)  # our FIN: otlpgate sends the rest, then FIN
    got = bytearray()
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        got += chunk
    s.close()
    if bytes(got) != data:
        fail("half-close: %d of %d bytes back" % (len(got), len(data)))
    print("half-close: %d bytes back after our FIN, then EOF" % size)


def abort(addr, port):
    s = connect(addr, port)
    s.sendall(b"x" * 1000)
    if len(s.recv(1000)) == 0:
        fail("abort: no echo")
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.close()  # SO_LINGER 0: RST
    print("abort: connection reset by client")


def refused(addr, port):
    try:
        connect(addr, port, timeout=5).close()
    except ConnectionRefusedError:
        print("refused: port %d answered RST" % port)
        return
    fail("refused: connection to closed port %d succeeded" % port)


def metrics(tport):
    with urllib.request.urlopen("http://127.0.0.1:%d/metrics" % tport, timeout=10) as r:
        if r.status != 200:
            fail("metrics: status %d" % r.status)
        return r.read().decode()


def metric_value(text, name, labels=None):
    key = name + ("{" + labels + "}" if labels else "") + " "
    for line in text.splitlines():
        if line.startswith(key):
            return int(line[len(key):])
    fail("metrics: %s missing" % key.strip())


def check_metrics(tport, *conds):
    """conds: NAME[{LABELS}]OP VALUE with OP in >=, ==, <=."""
    text = metrics(tport)
    for c in conds:
        for op in (">=", "<=", "=="):
            if op in c:
                lhs, rhs = c.split(op)
                break
        else:
            fail("bad condition " + c)
        labels = None
        name = lhs
        if "{" in lhs:
            name, labels = lhs[:-1].split("{", 1)
        v = metric_value(text, name, labels)
        want = int(rhs)
        ok = {">=": v >= want, "<=": v <= want, "==": v == want}[op]
        if not ok:
            fail("metrics: %s is %d, want %s %d" % (lhs, v, op, want))
    print("metrics: %d conditions hold" % len(conds))


def healthz(tport):
    with urllib.request.urlopen("http://127.0.0.1:%d/healthz" % tport, timeout=10) as r:
        body = r.read()
        if r.status != 200 or body.strip() != b"ok":
            fail("healthz: %d %r" % (r.status, body))
    try:
        urllib.request.urlopen("http://127.0.0.1:%d/nope" % tport, timeout=10)
        fail("404 expected")
    except urllib.error.HTTPError as e:
        if e.code != 404:
            fail("unknown path: %d" % e.code)
    print("healthz: 200 ok; unknown path 404")


def dpdk_telemetry(prefix):
    """Every /otlpgate/* command of DPDK's telemetry socket answers JSON.

    A minimal client of the rte_telemetry v2 protocol (what dpdk-telemetry.py
    does, which Debian does not ship): SOCK_SEQPACKET, a JSON greeting, then
    one JSON answer per command, keyed by the command.
    """
    import json
    path = "/var/run/dpdk/%s/dpdk_telemetry.v2" % prefix
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    s.settimeout(10)
    s.connect(path)
    hello = json.loads(s.recv(1 << 16).decode())
    bufsz = int(hello.get("max_output_len", 16384))

    def cmd(c):
        s.send(c.encode())
        return json.loads(s.recv(bufsz).decode())

    cmds = [c for c in cmd("/")["/"] if c.startswith("/otlpgate/")]
    if not cmds:
        fail("dpdk telemetry: no /otlpgate/ commands")
    for c in cmds:
        v = cmd(c).get(c)
        if not v:
            fail("dpdk telemetry: %s answered %r" % (c, v))
    s.close()
    print("dpdk telemetry: %s answer" % " ".join(cmds))


def echo_discard_big(addr, eport, dport, mbytes):
    """Discard mbytes MiB (one direction), then echo mbytes MiB."""
    total = mbytes << 20
    s = connect(addr, dport, timeout=120)
    block = os.urandom(1 << 20)
    t0 = time.time()
    left = total
    while left:
        n = min(left, len(block))
        s.sendall(block[:n])
        left -= n
    s.shutdown(socket.SHUT_WR)
    if s.recv(1) != b"":
        fail("discard-big: data came back")
    s.close()
    print("discard-big: %d MiB discarded, %.1f MiB/s" % (mbytes, mbytes / (time.time() - t0)))
    echo_big(addr, eport, mbytes)


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "echo-many":
        echo_many(args[0], int(args[1]), int(args[2]), int(args[3]))
    elif cmd == "discard-many":
        discard_many(args[0], int(args[1]), int(args[2]), int(args[3]))
    elif cmd == "echo-big":
        echo_big(args[0], int(args[1]), int(args[2]))
    elif cmd == "half-close":
        half_close(args[0], int(args[1]), int(args[2]))
    elif cmd == "abort":
        abort(args[0], int(args[1]))
    elif cmd == "refused":
        refused(args[0], int(args[1]))
    elif cmd == "metrics":
        check_metrics(int(args[0]), *args[1:])
    elif cmd == "dpdk-telemetry":
        dpdk_telemetry(args[0])
    elif cmd == "discard-echo-big":
        echo_discard_big(args[0], int(args[1]), int(args[2]), int(args[3]))
    elif cmd == "healthz":
        healthz(int(args[0]))
    else:
        fail("unknown command " + cmd)


if __name__ == "__main__":
    main()
