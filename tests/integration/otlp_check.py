#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Checks for otlp_test.sh: what otlpgate's file backend wrote, what its
/metrics say, what its error bodies say. Standard library only.

  otlp_check.py verify DIR URL LEDGER [--samples SAMPLEDIR] [--require-empty-queue]
      DIR/*.otlp: varint-delimited Export*ServiceRequest records (one per
      batch). LEDGER: JSON lines of what was sent (send.mjs summaries with
      "kind":"sdk", {"kind":"sample","file":...,"signal":...,"items":N,
      "times":T}, {"kind":"extra","signal":...,"received":N,"rejected":N}).
      Checks that every item of every sender run (og.run / og.seq
      attributes) arrived exactly once, that every ResourceSpans /
      ResourceMetrics / ResourceLogs entry of each sample body appears
      byte-identical exactly as many times as it was sent, and that the
      counters agree: received = ledger, rejected = ledger, queued = 0,
      exported = items in the files, and docs/design.md section 3's
      received = exported + backend_rejected + rejected + dropped_by_rule
      + refused + queued per signal and backend.
  otlp_check.py invariant URL
      Only the counter invariant (and queued = 0), for instances whose
      output is not checked item by item.
  otlp_check.py status FILE protobuf|json
      Decode a google.rpc.Status error body (code 1, message 2; or its
      OTLP/JSON form); print the message; fail when it is empty.
  otlp_check.py partial FILE protobuf|json SIGNAL REJECTED
      Decode an Export*ServiceResponse and check partial_success: the
      rejected count (field 1) equals REJECTED and the message (field 2)
      is not empty.
  otlp_check.py zero-trace-id IN OUT
      Copy a traces protobuf body with the first span's trace_id zeroed.
  otlp_check.py pipeline HOST PORT SAMPLEDIR
      Keep-alive and pipelining: three requests in one write on one
      connection (200, 404, 200 JSON), answered in order; then one more on
      the same connection.
  otlp_check.py counter URL NAME{LABELS}
      Print one sample's value (0 when absent).
  otlp_check.py sent SUMMARY.json...
      One line per send.mjs summary.
"""
import glob
import gzip
import json
import os
import re
import socket
import sys
import urllib.request

SIGNALS = ('traces', 'metrics', 'logs')
FAILED = []


def fail(msg):
    FAILED.append(msg)
    print('FAILED: ' + msg)


# ---- protobuf wire format (https://protobuf.dev/programming-guides/encoding/)
def varint(b, i):
    v = s = 0
    while True:
        c = b[i]
        i += 1
        v |= (c & 0x7F) << s
        if c < 0x80:
            return v, i
        s += 7
        if s > 63:
            raise ValueError('varint too long')


def fields(b, i=0, end=None):
    """Yield (field, wire type, value, start, end): value is an int for
    varint/fixed fields, and the payload's [start, end) for wire type 2."""
    end = len(b) if end is None else end
    while i < end:
        key, i = varint(b, i)
        f, wt = key >> 3, key & 7
        if wt == 0:
            v, i = varint(b, i)
            yield f, wt, v, i, i
        elif wt == 1:
            yield f, wt, int.from_bytes(b[i:i + 8], 'little'), i, i + 8
            i += 8
        elif wt == 5:
            yield f, wt, int.from_bytes(b[i:i + 4], 'little'), i, i + 4
            i += 4
        elif wt == 2:
            n, i = varint(b, i)
            if i + n > end:
                raise ValueError('length past the end')
            yield f, wt, None, i, i + n
            i += n
        else:
            raise ValueError(f'wire type {wt}')
    if i != end:
        raise ValueError('field past the end')


def subs(b, s, e, want):
    """Payload bounds of the length-delimited fields numbered `want`."""
    for f, wt, _, fs, fe in fields(b, s, e):
        if f == want and wt == 2:
            yield fs, fe


def delimited(b):
    """Records of a varint-delimited file (protobuf's writeDelimitedTo)."""
    i = 0
    while i < len(b):
        n, i = varint(b, i)
        if i + n > len(b):
            raise ValueError('truncated record')
        yield i, i + n
        i += n


# opentelemetry-proto v1: the item messages under Resource* -> Scope* and
# the field holding their attributes.
#   traces:  ResourceSpans.scope_spans=2, ScopeSpans.spans=2, Span.attributes=9
#   logs:    ResourceLogs.scope_logs=2, ScopeLogs.log_records=2, LogRecord.attributes=6
#   metrics: ResourceMetrics.scope_metrics=2, ScopeMetrics.metrics=2,
#            Metric.{gauge=5,sum=7,histogram=9,exponential_histogram=10,
#            summary=11}.data_points=1, attributes of the point:
#            Number 7, Histogram 9, ExponentialHistogram 1, Summary 7
POINT_ATTRS = {5: 7, 7: 7, 9: 9, 10: 1, 11: 7}


def items_of(sig, b, s, e):
    """Yield the attributes field number and bounds of each item of one
    Resource* entry."""
    for ss, se in subs(b, s, e, 2):
        for ms, me in subs(b, ss, se, 2):
            if sig != 'metrics':
                yield (9 if sig == 'traces' else 6), ms, me
                continue
            for f, wt, _, ds, de in fields(b, ms, me):
                if wt == 2 and f in POINT_ATTRS:
                    for ps, pe in subs(b, ds, de, 1):
                        yield POINT_ATTRS[f], ps, pe


def run_and_seq(b, attr, s, e):
    """og.run (string) and og.seq (int) of one item, or (None, None)."""
    run = seq = None
    for ks, ke in subs(b, s, e, attr):
        key = val = None
        for f, wt, v, fs, fe in fields(b, ks, ke):
            if f == 1 and wt == 2:
                key = bytes(b[fs:fe])
            elif f == 2 and wt == 2:
                val = (fs, fe)
        if key not in (b'og.run', b'og.seq') or val is None:
            continue
        for f, wt, v, fs, fe in fields(b, *val):
            if key == b'og.run' and f == 1 and wt == 2:
                run = bytes(b[fs:fe]).decode()
            elif key == b'og.seq' and f == 3 and wt == 0:
                seq = v
    return run, seq


def read_output(d):
    """Every Resource* entry written, per signal: list of (bytes, items)."""
    out = {s: [] for s in SIGNALS}
    files = sorted(glob.glob(os.path.join(d, '*.otlp')))
    for path in files:
        sig = os.path.basename(path).split('-', 1)[0]
        if sig not in out:
            fail(f'{path}: unexpected file name')
            continue
        b = memoryview(open(path, 'rb').read())
        try:
            for rs, re_ in delimited(b):
                for es, ee in subs(b, rs, re_, 1):
                    out[sig].append((b, es, ee))
        except ValueError as e:
            fail(f'{path}: not a delimited protobuf file: {e}')
    return files, out


# ---- Prometheus text exposition
SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)')
LABEL = re.compile(r'(\w+)="((?:[^"\\]|\\.)*)"')


def scrape(url):
    text = urllib.request.urlopen(url, timeout=10).read().decode()
    m = {}
    for line in text.splitlines():
        if line.startswith('#'):
            continue
        r = SAMPLE.match(line)
        if not r:
            continue
        labels = tuple(sorted(LABEL.findall(r.group(2) or '')))
        m[(r.group(1), labels)] = float(r.group(3))
    return m


def get(m, name, **labels):
    return int(m.get((name, tuple(sorted(labels.items()))), 0))


def backends(m):
    return sorted({dict(k[1])['backend'] for k in m
                   if k[0] == 'otlpgate_items_exported_total' and 'backend' in dict(k[1])})


def invariant(m):
    """docs/design.md section 3, per signal and backend. Returns
    {signal: (received, rejected, refused, {backend: (exported, queued)})}."""
    res = {}
    bes = backends(m)
    if not bes:
        fail('no otlpgate_items_exported_total{backend=...} in /metrics')
    for s in SIGNALS:
        rcv = get(m, 'otlpgate_items_received_total', signal=s)
        rej = get(m, 'otlpgate_items_rejected_total', signal=s)
        drop = get(m, 'otlpgate_items_dropped_by_rule_total', signal=s)
        ref = get(m, 'otlpgate_items_refused_total', signal=s)
        per = {}
        for be in bes:
            exp = get(m, 'otlpgate_items_exported_total', backend=be, signal=s)
            brj = get(m, 'otlpgate_items_backend_rejected_total', backend=be, signal=s)
            q = get(m, 'otlpgate_items_queued', backend=be, signal=s)
            per[be] = (exp, q)
            total = exp + brj + rej + drop + ref + q
            line = (f'{s} backend={be}: received {rcv} = exported {exp} + backend_rejected '
                    f'{brj} + rejected {rej} + dropped_by_rule {drop} + refused {ref} + queued {q}')
            if total != rcv:
                fail(f'invariant broken: {line} (sum {total})')
            else:
                print(f'invariant: {line}')
            if q != 0:
                fail(f'{s} backend={be}: {q} items still queued')
        res[s] = (rcv, rej, ref, per)
    return res


# ---- subcommands
def cmd_verify(argv):
    d, url, ledger_path = argv[:3]
    sampledir = None
    if '--samples' in argv:
        sampledir = argv[argv.index('--samples') + 1]
    ledger = [json.loads(l) for l in open(ledger_path) if l.strip()]
    want_rcv = {s: 0 for s in SIGNALS}
    want_rej = {s: 0 for s in SIGNALS}
    runs = {}
    samples = []
    for e in ledger:
        s = e['signal']
        if e['kind'] == 'sdk':
            want_rcv[s] += e['items']
            runs[e['run_id']] = (s, e['items'])
        elif e['kind'] == 'sample':
            want_rcv[s] += e['items'] * e['times']
            prev = [x for x in samples if x['file'] == e['file']]
            if prev:  # the same body sent again: count the times together
                prev[0]['times'] += e['times']
            else:
                samples.append(dict(e))
        else:
            want_rcv[s] += e['received']
            want_rej[s] += e.get('rejected', 0)

    files, out = read_output(d)
    print(f'output: {len(files)} files, ' + ', '.join(
        f'{len(out[s])} {s} resource entries' for s in SIGNALS))

    # every item of every run exactly once
    seen = {r: {} for r in runs}
    in_files = {s: 0 for s in SIGNALS}
    stray = 0
    for s in SIGNALS:
        for b, es, ee in out[s]:
            for attr, isx, iex in items_of(s, b, es, ee):
                in_files[s] += 1
                run, seq = run_and_seq(b, attr, isx, iex)
                if run is None:
                    continue
                if run not in seen:
                    stray += 1
                    continue
                if runs[run][0] != s:
                    fail(f'run {run}: an item arrived as {s}')
                seen[run][seq] = seen[run].get(seq, 0) + 1
    if stray:
        print(f'note: {stray} items of runs not in this ledger')
    for r, (s, n) in sorted(runs.items()):
        got = seen[r]
        lost = [i for i in range(n) if i not in got]
        dup = [i for i, c in got.items() if c > 1]
        extra = [i for i in got if i is None or not 0 <= i < n]
        if lost or dup or extra:
            fail(f'run {r} ({s}): {n} sent, {len(got)} distinct arrived; lost {len(lost)} '
                 f'{lost[:10]}, duplicated {len(dup)} {dup[:10]}, unknown seq {extra[:10]}')
        else:
            print(f'run {r} ({s}): {n} items sent, {n} arrived exactly once')

    # sample bodies: each Resource* entry byte-identical, as often as sent
    if samples:
        counts = {}
        for s in SIGNALS:
            for b, es, ee in out[s]:
                k = bytes(b[es:ee])
                counts[k] = counts.get(k, 0) + 1
        for e in samples:
            body = open(os.path.join(sampledir, e['file']), 'rb').read()
            if e['file'].endswith('.gz'):
                body = gzip.decompress(body)
            entries = [bytes(body[es:ee]) for es, ee in subs(body, 0, len(body), 1)]
            bad = 0
            for k in set(entries):
                want = entries.count(k) * e['times']
                if counts.get(k, 0) != want:
                    bad += 1
                    fail(f'sample {e["file"]}: a {len(k)}-byte resource entry appears '
                         f'{counts.get(k, 0)} times, sent {want} times')
            if not bad:
                print(f'sample {e["file"]}: {len(entries)} resource entries byte-identical, '
                      f'each found {e["times"]} time(s) as sent')

    # counters (URL '-': the instance is gone, the files alone are checked)
    if url == '-':
        print(', '.join(f'{s}: {in_files[s]} items in the files' for s in SIGNALS))
        return
    m = scrape(url)
    inv = invariant(m)
    for s in SIGNALS:
        rcv, rej, ref, per = inv[s]
        if rcv != want_rcv[s]:
            fail(f'{s}: otlpgate_items_received_total {rcv}, sent {want_rcv[s]}')
        if rej != want_rej[s]:
            fail(f'{s}: otlpgate_items_rejected_total {rej}, expected {want_rej[s]}')
        for be, (exp, q) in per.items():
            if be.startswith('file') and exp != in_files[s]:
                fail(f'{s}: otlpgate_items_exported_total{{backend="{be}"}} {exp}, '
                     f'items in the files {in_files[s]}')
        print(f'{s}: sent {want_rcv[s]}, received {rcv}, rejected {rej}, refused {ref}, '
              f'in files {in_files[s]}, exported ' +
              ', '.join(f'{be}={exp}' for be, (exp, q) in per.items()))


def cmd_invariant(argv):
    invariant(scrape(argv[0]))


def rpc_status(body, enc):
    if enc == 'json':
        j = json.loads(body)
        return j.get('code', 0), j.get('message', '')
    code, msg = 0, ''
    for f, wt, v, s, e in fields(body):
        if f == 1 and wt == 0:
            code = v
        elif f == 2 and wt == 2:
            msg = body[s:e].decode()
    return code, msg


def cmd_status(argv):
    body = open(argv[0], 'rb').read()
    try:
        code, msg = rpc_status(body, argv[1])
    except (ValueError, UnicodeDecodeError, IndexError) as e:
        fail(f'{argv[0]}: not a google.rpc.Status in {argv[1]}: {e}: {body[:80]!r}')
        return
    if not msg:
        fail(f'{argv[0]}: google.rpc.Status without a message: {body[:80]!r}')
    else:
        print(f'google.rpc.Status code={code} message="{msg}"')


# Export*ServiceResponse.partial_success = 1; Export*PartialSuccess:
# rejected_spans / rejected_data_points / rejected_log_records = 1,
# error_message = 2 (OTLP/JSON: camelCase names).
JSON_REJECTED = {'traces': 'rejectedSpans', 'metrics': 'rejectedDataPoints',
                 'logs': 'rejectedLogRecords'}


def cmd_partial(argv):
    path, enc, sig, want = argv[0], argv[1], argv[2], int(argv[3])
    body = open(path, 'rb').read()
    rejected, msg = 0, ''
    try:
        if enc == 'json':
            ps = json.loads(body).get('partialSuccess', {})
            rejected = int(ps.get(JSON_REJECTED[sig], 0))
            msg = ps.get('errorMessage', '')
        else:
            for ps, pe in subs(body, 0, len(body), 1):
                for f, wt, v, s, e in fields(body, ps, pe):
                    if f == 1 and wt == 0:
                        rejected = v
                    elif f == 2 and wt == 2:
                        msg = body[s:e].decode()
    except (ValueError, UnicodeDecodeError, IndexError) as e:
        fail(f'{path}: not an Export*ServiceResponse: {e}: {body[:80]!r}')
        return
    if rejected != want or not msg:
        fail(f'{path}: partial_success rejected={rejected} message="{msg}", '
             f'expected rejected={want} and a message')
    else:
        print(f'partial_success rejected={rejected} message="{msg}"')


def cmd_zero_trace_id(argv):
    b = bytearray(open(argv[0], 'rb').read())
    for rs, re_ in subs(b, 0, len(b), 1):
        for ss, se in subs(b, rs, re_, 2):
            for ps, pe in subs(b, ss, se, 2):
                for f, wt, v, s, e in fields(b, ps, pe):
                    if f == 1 and wt == 2:  # Span.trace_id
                        b[s:e] = bytes(e - s)
                        open(argv[1], 'wb').write(b)
                        return
    fail(f'{argv[0]}: no span with a trace_id')


def read_response(f):
    """One HTTP/1.1 response from a buffered socket file: (code, headers,
    body). Content-Length framing only (otlpgate always sends it)."""
    line = f.readline().decode('latin-1')
    parts = line.split(' ', 2)
    if len(parts) < 2 or not parts[0].startswith('HTTP/1.'):
        raise ValueError(f'bad status line {line!r}')
    hdr = {}
    while True:
        h = f.readline().decode('latin-1').rstrip('\r\n')
        if not h:
            break
        k, _, v = h.partition(':')
        hdr[k.strip().lower()] = v.strip()
    body = f.read(int(hdr.get('content-length', '0')))
    return int(parts[1]), hdr, body


def cmd_pipeline(argv):
    host, port, sd = argv[0], int(argv[1]), argv[2]
    pb = open(os.path.join(sd, 'traces-1.pb'), 'rb').read()
    js = open(os.path.join(sd, 'logs-100.json'), 'rb').read()

    def req(path, ct, body):
        return (f'POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: {ct}\r\n'
                f'Content-Length: {len(body)}\r\n\r\n').encode() + body
    wire = (req('/v1/traces', 'application/x-protobuf', pb) +
            req('/v1/nothing', 'application/x-protobuf', pb) +
            req('/v1/logs', 'application/json', js))
    want = [(200, 'application/x-protobuf'), (404, 'application/x-protobuf'),
            (200, 'application/json')]
    with socket.create_connection((host, port), timeout=20) as c:
        c.sendall(wire)  # one write: the three requests share segments
        f = c.makefile('rb')
        for i, (code, ct) in enumerate(want):
            got, hdr, body = read_response(f)
            if got != code or not hdr.get('content-type', '').startswith(ct):
                fail(f'pipelined response {i + 1}: {got} {hdr.get("content-type")}, '
                     f'expected {code} {ct}')
            else:
                print(f'pipelined response {i + 1}: {got} {ct} ({len(body)} body bytes)')
            if ct == 'application/json' and code == 200:
                json.loads(body)  # the ExportLogsServiceResponse parses
        c.sendall(req('/v1/traces', 'application/x-protobuf', pb))
        got, hdr, _ = read_response(f)
        if got != 200:
            fail(f'keep-alive: fourth request on the connection answered {got}')
        else:
            print('keep-alive: a fourth request on the same connection answered 200')


def cmd_sent(argv):
    for path in argv:
        j = json.load(open(path))
        gz = '+gzip' if j['gzip'] else ''
        print(f"sent {j['run_id']}: {j['items']} {j['signal']} {j['encoding']}{gz} in "
              f"{j['exports']} exports ({j['exports_ok']} ok), {j['ms']} ms")


def cmd_counter(argv):
    m = scrape(argv[0])
    r = re.match(r'^(\w+)(\{.*\})?$', argv[1])
    labels = dict(LABEL.findall(r.group(2) or ''))
    print(get(m, r.group(1), **labels))


CMDS = {'verify': cmd_verify, 'invariant': cmd_invariant, 'status': cmd_status,
        'partial': cmd_partial, 'zero-trace-id': cmd_zero_trace_id,
        'pipeline': cmd_pipeline, 'counter': cmd_counter, 'sent': cmd_sent}

if __name__ == '__main__':
    if len(sys.argv) < 2 or sys.argv[1] not in CMDS:
        print(__doc__)
        sys.exit(2)
    try:
        CMDS[sys.argv[1]](sys.argv[2:])
    except (OSError, ValueError, KeyError) as e:
        fail(f'{sys.argv[1]}: {type(e).__name__}: {e}')
    sys.exit(1 if FAILED else 0)
