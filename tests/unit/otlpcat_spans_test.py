#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Meson test (suite 'unit'): otlpcat --spans, the span view's caller.

Every line otlpcat prints is checked against a second source: the sample's
OTLP/JSON as the OpenTelemetry JS SDK wrote it (tests/data/samples), read
here with Python's json module, and the span count otlpcat --summary
prints. traces-1 is also checked against ids and name spelled out below
(as otlpcat --json prints them). Usage: otlpcat_spans_test.py OTLPCAT SAMPLES
"""
import datetime
import json
import os
import subprocess
import sys
import tempfile

OTLPCAT, SAMPLES = sys.argv[1], sys.argv[2]
KINDS = ["unspecified", "internal", "server", "client", "producer", "consumer"]
STATUSES = ["unset", "ok", "error"]
TRACES = ["traces-1", "traces-64", "traces-512", "traces-multi-resource", "traces-rich-200"]
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)


def run(*args, stdin=None):
    p = subprocess.run([OTLPCAT, *args], input=stdin, capture_output=True)
    return p.returncode, p.stdout.decode("ascii"), p.stderr.decode()


def enum(names, v):
    v = int(v)
    return names[v] if 0 <= v < len(names) else str(v)


def quoted(s):
    out = '"'
    for c in s.encode("utf-8"):
        if c in (0x22, 0x5C):
            out += "\\" + chr(c)
        elif c in (9, 10, 13):
            out += {9: "\\t", 10: "\\n", 13: "\\r"}[c]
        elif c < 0x20 or c >= 0x7F:
            out += "\\x%02x" % c
        else:
            out += chr(c)
    return out + '"'


def when(ns):
    if ns == 0:
        return "-"
    t = datetime.datetime.fromtimestamp(ns // 10**9, datetime.timezone.utc)
    return t.strftime("%Y-%m-%dT%H:%M:%S") + ".%09dZ" % (ns % 10**9)


def duration(start, end):
    if start == 0 or end == 0:
        return "-"
    d = end - start
    return "%s%d.%03dus" % ("-" if d < 0 else "", abs(d) // 1000, abs(d) % 1000)


def service(resource):
    svc = "-"
    for kv in resource.get("attributes", []):
        if kv["key"] == "service.name":
            v = kv.get("value", {})
            svc = quoted(v["stringValue"]) if "stringValue" in v else "-"
    return svc


def expected_lines(doc):
    """The lines --spans must print for an OTLP/JSON traces document."""
    lines = []
    for rs in doc.get("resourceSpans", []):
        svc = service(rs.get("resource", {}))
        for ss in rs.get("scopeSpans", []):
            for sp in ss.get("spans", []):
                start = int(sp.get("startTimeUnixNano", 0))
                end = int(sp.get("endTimeUnixNano", 0))
                lines.append(" ".join([
                    sp.get("traceId", "").lower() or "-",
                    sp.get("spanId", "").lower() or "-",
                    sp.get("parentSpanId", "").lower() or "-",
                    enum(KINDS, sp.get("kind", 0)),
                    when(start),
                    duration(start, end),
                    enum(STATUSES, sp.get("status", {}).get("code", 0)),
                    str(len(sp.get("attributes", []))),
                    svc,
                    quoted(sp.get("name", "")),
                ]))
    return lines


def summary_spans(path):
    rc, out, _ = run("--summary", path)
    check(rc == 0, f"--summary {path}: status {rc}")
    return [int(l.split(":")[1]) for l in out.splitlines() if l.strip().startswith("spans:")][0]


def sample(name, ext):
    return os.path.join(SAMPLES, name + ext)


# Every traces sample, as protobuf, gzip (detected and forced) and JSON.
for name in TRACES:
    with open(sample(name, ".json")) as f:
        want = expected_lines(json.load(f))
    n = summary_spans(sample(name, ".pb"))
    check(len(want) == n, f"{name}: the SDK's JSON has {len(want)} spans, --summary says {n}")
    for args in ([sample(name, ".pb")], [sample(name, ".pb.gz")],
                 ["--gzip", sample(name, ".pb.gz")], [sample(name, ".json")]):
        rc, out, err = run("--spans", *args)
        got = out.splitlines()
        check(rc == 0, f"--spans {args}: status {rc}: {err}")
        check(len(got) == n, f"--spans {args}: {len(got)} lines, --summary says {n}")
        for i, (g, w) in enumerate(zip(got, want)):
            if g != w:
                check(False, f"--spans {args}: line {i}:\n  got  {g}\n  want {w}")
                break

# traces-1 spelled out (otlpcat --json tests/data/samples/traces-1.pb).
rc, out, _ = run("--json", sample("traces-1", ".pb"))
span = json.loads(out)["resourceSpans"][0]["scopeSpans"][0]["spans"][0]
check((span["traceId"], span["spanId"], span["name"]) ==
      ("401d90e66c20f30d97377908d64148c7", "0438e694a3a5a0e3", "op 0"), "traces-1 --json")
rc, out, _ = run("--spans", sample("traces-1", ".pb"))
check(out == "401d90e66c20f30d97377908d64148c7 0438e694a3a5a0e3 - internal "
      "2026-11-21T19:56:39.196000000Z 524.336us error 6 \"svc-0-3c88\" \"op 0\"\n",
      f"traces-1 --spans: {out!r}")

# --delimited: several bodies (protobuf and gzip) in one file, in order.
with tempfile.TemporaryDirectory() as tmp:
    path = os.path.join(tmp, "traces-0.otlp")
    want, n = [], 0
    with open(path, "wb") as f:
        for name, ext in [("traces-1", ".pb"), ("traces-64", ".pb.gz"),
                          ("traces-multi-resource", ".pb")]:
            with open(sample(name, ext), "rb") as b:
                body = b.read()
            size, varint = len(body), b""
            while True:
                varint += bytes([(size & 0x7F) | (0x80 if size > 0x7F else 0)])
                size >>= 7
                if not size:
                    break
            f.write(varint + body)
            with open(sample(name, ".json")) as j:
                want += expected_lines(json.load(j))
            n += summary_spans(sample(name, ".pb"))
    rc, out, err = run("--delimited", "--spans", path)
    check(rc == 0, f"--delimited --spans: status {rc}: {err}")
    check(out.splitlines() == want and len(want) == n, "--delimited --spans: lines")

    # A body the scanner refuses gives the existing error.
    cut = os.path.join(tmp, "traces-cut.pb")
    with open(sample("traces-1", ".pb"), "rb") as b, open(cut, "wb") as f:
        f.write(b.read()[:300])
    rc, out, err = run("--spans", cut)
    check(rc == 2 and "invalid traces body" in err and "at byte" in err and out == "",
          f"truncated body: status {rc}, {err!r}")

# Another signal is refused, whether detected or given.
for args, sig in [([sample("metrics-4x3", ".pb")], "metrics"),
                  ([sample("logs-100", ".pb.gz")], "logs"),
                  ([sample("logs-100", ".json")], "logs"),
                  (["--signal", "metrics", sample("traces-1", ".pb")], "metrics")]:
    rc, out, err = run("--spans", *args)
    check(rc == 2 and out == "" and
          f"--spans needs a traces body, this is a {sig} body" in err,
          f"--spans {args}: status {rc}, {err!r}")

# Names are printed safely; absent fields print "-"; unknown enums as numbers.
odd = {"resourceSpans": [
    {"resource": {"attributes": [{"key": "service.name", "value": {"intValue": "7"}}]},
     "scopeSpans": [{"spans": [
         {"traceId": "0102030405060708090A0B0C0D0E0F10", "spanId": "1112131415161718",
          "parentSpanId": "2122232425262728", "name": "a\"b\\c\n\t\u0001\u007fé\r",
          "kind": 9, "startTimeUnixNano": "2000", "endTimeUnixNano": "1000",
          "status": {"code": 5}}]}]},
    {"scopeSpans": [{"spans": [
        {"traceId": "0102030405060708090a0b0c0d0e0f10", "spanId": "2122232425262728",
         "kind": "SPAN_KIND_CLIENT", "startTimeUnixNano": "1",
         "attributes": [{"key": "k"}, {"key": "l", "value": {"boolValue": True}}]}]}]}]}
rc, out, err = run("--spans", "-", stdin=json.dumps(odd).encode())
check(rc == 0, f"odd spans: status {rc}: {err}")
check(out.splitlines() == [
    "0102030405060708090a0b0c0d0e0f10 1112131415161718 2122232425262728 9 "
    "1970-01-01T00:00:00.000002000Z -1.000us 5 0 - "
    "\"a\\\"b\\\\c\\n\\t\\x01\\x7f\\xc3\\xa9\\r\"",
    "0102030405060708090a0b0c0d0e0f10 2122232425262728 - client "
    "1970-01-01T00:00:00.000000001Z - unset 2 - \"\"",
], f"odd spans: {out!r}")

# Ids of the wrong length (the scanner rejects those spans: status 1, but
# they are still listed): a longer id ends in "+", an absent one is "-".
def field(num, payload):
    assert len(payload) < 128
    return bytes([num << 3 | 2, len(payload)]) + payload


long_id = field(1, bytes(range(1, 18))) + field(2, bytes(range(8))) + field(5, b"x")
no_id = field(1, bytes(range(1, 17))) + field(5, b"y")
body = field(1, field(2, field(2, long_id) + field(2, no_id)))
rc, out, err = run("--spans", "--signal", "traces", "-", stdin=body)
check(rc == 1, f"bad ids: status {rc}: {err}")
check(out.splitlines() == [
    "0102030405060708090a0b0c0d0e0f10+ 0001020304050607 - unspecified - - unset 0 - \"x\"",
    "0102030405060708090a0b0c0d0e0f10 - - unspecified - - unset 0 - \"y\"",
], f"bad ids: {out!r}")

print(f"{len(failures)} failure(s)")
sys.exit(1 if failures else 0)
