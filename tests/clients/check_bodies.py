#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Check otlpcat (and so lib/otlp) against bodies from a real client.

usage: check_bodies.py OTLPCAT DIR [DIR ...]

Each DIR has a MANIFEST.json listing bodies (name, signal, files, counts), as
tests/data/samples does and as gen-bodies.mjs writes. For every body and every
form it comes in (protobuf, gzip, JSON) otlpcat must report the manifest's
counts with exit status 0, with and without --signal; converting JSON to
protobuf and protobuf to JSON must keep the counts; and the canonical JSON of
the protobuf form must equal the canonical JSON of the JSON form once both
are decoded (ids, values and structure survive either path).
Prints one line per check and a closing 'N passed, N failed' line.
"""
import json
import os
import re
import subprocess
import sys
import tempfile

otlpcat = sys.argv[1]
dirs = sys.argv[2:]
passed = failed = 0
ITEM_KEY = {"traces": "spans", "metrics": "data_points", "logs": "log_records"}
ITEM_LABEL = {"traces": "spans", "metrics": "data points", "logs": "log records"}


def check(ok, what):
    global passed, failed
    if ok:
        passed += 1
    else:
        failed += 1
        print(f"FAIL {what}")


def run(args, stdin=None):
    p = subprocess.run([otlpcat] + args, input=stdin, capture_output=True)
    return p.returncode, p.stdout, p.stderr.decode(errors="replace")


def summary_counts(out):
    text = out.decode()
    counts = {}
    for key in ("resources", "scopes", "spans", "data points", "log records", "rejected"):
        m = re.search(rf"^\s*{key}: (\d+)$", text, re.M)
        if m:
            counts[key] = int(m.group(1))
    return counts


for d in dirs:
    with open(os.path.join(d, "MANIFEST.json")) as f:
        manifest = json.load(f)
    for body in manifest:
        sig = body["signal"]
        want_items = body[ITEM_KEY[sig]]
        forms = body["files"]
        canon = {}
        for form, fname in forms.items():
            path = os.path.join(d, fname)
            for extra in ([], ["--signal", sig]):
                rc, out, err = run(extra + ["--summary", path])
                c = summary_counts(out)
                what = f"{fname} {' '.join(extra)}".strip()
                check(rc == 0, f"{what}: exit {rc}: {err.strip()}")
                check(c.get("resources") == body["resources"],
                      f"{what}: resources {c.get('resources')} != {body['resources']}")
                check(c.get(ITEM_LABEL[sig]) == want_items,
                      f"{what}: {ITEM_LABEL[sig]} {c.get(ITEM_LABEL[sig])} != {want_items}")
                check(c.get("rejected") == 0, f"{what}: rejected {c.get('rejected')}")
            rc, js, err = run(["--json", path])
            check(rc == 0 and js.startswith(b"{"), f"{fname} --json: exit {rc} {err.strip()}")
            canon[form] = js
            rc, pb, err = run(["--proto", path])
            check(rc == 0, f"{fname} --proto: exit {rc} {err.strip()}")
            with tempfile.NamedTemporaryFile(suffix=".pb") as t:
                t.write(pb)
                t.flush()
                rc, out, err = run(["--signal", sig, "--summary", t.name])
                c = summary_counts(out)
                check(rc == 0 and c.get(ITEM_LABEL[sig]) == want_items,
                      f"{fname} -> protobuf keeps its {ITEM_LABEL[sig]}: {err.strip()}")
        if "protobuf" in canon and "json" in canon:
            check(canon["protobuf"] == canon["json"],
                  f"{body['name']}: canonical JSON of the .pb and the .json differ")
        if "protobuf" in canon and "gzip" in canon:
            check(canon["protobuf"] == canon["gzip"],
                  f"{body['name']}: canonical JSON of the .pb and the .pb.gz differ")
        print(f"ok {body['name']}: {body['resources']} resources, {want_items} {ITEM_LABEL[sig]}"
              f" in {len(forms)} forms")

print(f"check_bodies: {passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
