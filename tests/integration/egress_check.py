#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Checks for egress_test.sh: what otlp_sink.py received from otlpgate's
otlp-http backends against what the clients were told, and otlpgate's
counters. Standard library only; the protobuf and Prometheus helpers are
otlp_check.py's.

  egress_check.py verify URL LEDGER [--samples SAMPLEDIR]
                  --sink DIR BACKEND SINKCTL [--sink ...]
      URL: otlpgate's /metrics ('-' when the instance is gone: the files
      alone are checked). LEDGER: JSON lines as for otlp_check.py verify,
      listing only what clients were answered 200 for (plus "extra" lines).
      For every sink (DIR: its --out, BACKEND: the --backend URI it serves,
      SINKCTL: its control URL):
        - every item of every sender run is in DIR (stored) or in
          DIR/rejected (answered a permanent error) exactly once;
        - every Resource* entry of each sample body is there byte-identical
          as many times as it was sent;
        - otlpgate_items_exported_total{backend} = items the sink stored
          minus those it rejected through partial_success, and
          otlpgate_items_backend_rejected_total{backend} = items it
          answered 4xx for plus those partial rejections;
      and for otlpgate: received - refused = what the ledger says was
      accepted, rejected = the ledger's, queued = 0, and docs/design.md
      section 3's invariant per signal and backend.
  egress_check.py watch URL STOPFILE
      Scrape every 0.25 s until STOPFILE exists, checking the invariant
      (queued may be anything) at every scrape; print the number of
      scrapes, the largest queue seen per backend and every violation.
      Exits 1 on a violation, or when a scrape fails before STOPFILE.
  egress_check.py stat SINKCTL KEY[.KEY...]
      Print one value of a sink's GET /stats (0 when absent).
  egress_check.py queued URL
      Print the sum of otlpgate_items_queued (every backend and signal).
"""
import json
import os
import sys
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import otlp_check as oc  # noqa: E402
from otlp_check import SIGNALS, fail  # noqa: E402


def sink_stats(ctl):
    return json.loads(urllib.request.urlopen(ctl.rstrip('/') + '/stats', timeout=10).read())


def ledger_of(path):
    want_rcv = {s: 0 for s in SIGNALS}
    want_rej = {s: 0 for s in SIGNALS}
    runs, samples = {}, []
    for e in (json.loads(l) for l in open(path) if l.strip()):
        s = e['signal']
        if e['kind'] == 'sdk':
            want_rcv[s] += e['items']
            runs[e['run_id']] = (s, e['items'])
        elif e['kind'] == 'sample':
            want_rcv[s] += e['items'] * e['times']
            prev = [x for x in samples if x['file'] == e['file']]
            if prev:
                prev[0]['times'] += e['times']
            else:
                samples.append(dict(e))
        else:
            want_rcv[s] += e['received']
            want_rej[s] += e.get('rejected', 0)
    return want_rcv, want_rej, runs, samples


def check_sink(d, be, runs, samples, sampledir):
    """Item-level checks of one sink. Returns {signal: (stored, rejected)}
    items found in its files."""
    _, stored = oc.read_output(d)
    _, rejected = oc.read_output(os.path.join(d, 'rejected'))
    print(f'sink {be}: ' + ', '.join(
        f'{s} {len(stored[s])}+{len(rejected[s])} resource entries stored+rejected'
        for s in SIGNALS))
    seen = {r: {} for r in runs}
    n_rej_run = {r: 0 for r in runs}
    found = {s: [0, 0] for s in SIGNALS}
    for k, out in enumerate((stored, rejected)):
        for s in SIGNALS:
            for b, es, ee in out[s]:
                for attr, isx, iex in oc.items_of(s, b, es, ee):
                    found[s][k] += 1
                    run, seq = oc.run_and_seq(b, attr, isx, iex)
                    if run not in seen:
                        continue
                    if runs[run][0] != s:
                        fail(f'sink {be}: run {run}: an item arrived as {s}')
                    seen[run][seq] = seen[run].get(seq, 0) + 1
                    n_rej_run[run] += k
    for r, (s, n) in sorted(runs.items()):
        got = seen[r]
        lost = [i for i in range(n) if i not in got]
        dup = [i for i, c in got.items() if c > 1]
        extra = [i for i in got if i is None or not 0 <= i < n]
        if lost or dup or extra:
            fail(f'sink {be}: run {r} ({s}): {n} acknowledged, {len(got)} distinct arrived; '
                 f'lost {len(lost)} {lost[:10]}, duplicated {len(dup)} {dup[:10]}, '
                 f'unknown seq {extra[:10]}')
        else:
            rj = f' ({n_rej_run[r]} of them rejected by the sink)' if n_rej_run[r] else ''
            print(f'sink {be}: run {r} ({s}): {n} items acknowledged, {n} arrived exactly once{rj}')
    if samples:
        counts = {}
        for out in (stored, rejected):
            for s in SIGNALS:
                for b, es, ee in out[s]:
                    k = bytes(b[es:ee])
                    counts[k] = counts.get(k, 0) + 1
        for e in samples:
            body = open(os.path.join(sampledir, e['file']), 'rb').read()
            entries = [bytes(body[es:ee]) for es, ee in oc.subs(body, 0, len(body), 1)]
            bad = 0
            for k in set(entries):
                want = entries.count(k) * e['times']
                if counts.get(k, 0) != want:
                    bad += 1
                    fail(f'sink {be}: sample {e["file"]}: a {len(k)}-byte resource entry '
                         f'arrived {counts.get(k, 0)} times, acknowledged {want} times')
            if not bad:
                print(f'sink {be}: sample {e["file"]}: {len(entries)} resource entries '
                      f'byte-identical, {e["times"]} time(s) as acknowledged')
    return found


def cmd_verify(argv):
    url, ledger = argv[0], argv[1]
    sampledir = None
    sinks = []
    i = 2
    while i < len(argv):
        if argv[i] == '--samples':
            sampledir = argv[i + 1]
            i += 2
        elif argv[i] == '--sink':
            d, be, ctl = argv[i + 1:i + 4]
            # the backend label is the URI without its query (docs/backends.md)
            sinks.append((d, be.split('?', 1)[0], ctl))
            i += 4
        else:
            raise ValueError(f'unknown argument {argv[i]}')
    want_rcv, want_rej, runs, samples = ledger_of(ledger)
    found = {}
    partial = {}
    for d, be, ctl in sinks:
        found[be] = check_sink(d, be, runs, samples, sampledir)
        try:
            st = sink_stats(ctl)
            partial[be] = {s: st['signals'][s]['partial_rejected'] for s in SIGNALS}
        except OSError:
            partial[be] = None  # the sink is gone: no partial_success check
    if url == '-':
        return
    m = oc.scrape(url)
    inv = oc.invariant(m)
    for s in SIGNALS:
        rcv, rej, ref, per = inv[s]
        if rcv - ref != want_rcv[s]:
            fail(f'{s}: received {rcv} - refused {ref} = {rcv - ref} accepted, '
                 f'the clients were answered 200 for {want_rcv[s]}')
        if rej != want_rej[s]:
            fail(f'{s}: otlpgate_items_rejected_total {rej}, expected {want_rej[s]}')
        for d, be, ctl in sinks:
            if be not in per:
                fail(f'no otlpgate_items_exported_total{{backend="{be}"}}')
                continue
            exp = per[be][0]
            brj = oc.get(m, 'otlpgate_items_backend_rejected_total', backend=be, signal=s)
            st, rj = found[be][s]
            pr = partial[be][s] if partial[be] else 0
            line = (f'{s} {be}: exported {exp}, backend_rejected {brj}; sink stored {st} '
                    f'(partial_success rejected {pr}), answered 4xx for {rj}')
            if exp != st - pr or brj != rj + pr:
                fail(f'counters disagree with the sink: {line}; expected exported {st - pr}, '
                     f'backend_rejected {rj + pr}')
            else:
                print(line)


def cmd_watch(argv):
    url, stop = argv[0], argv[1]
    n = 0
    bad = 0
    peak = {}
    while not os.path.exists(stop):
        m = None
        for attempt in range(3):  # a loaded machine: the scrape may time out
            try:
                m = oc.scrape(url)
                break
            except OSError as e:
                err = e
                time.sleep(0.5)
        if m is None:
            if os.path.exists(stop):
                break
            fail(f'watch: scrape {n + 1} failed 3 times: {err}')
            break
        n += 1
        bes = oc.backends(m)
        for s in SIGNALS:
            rcv = oc.get(m, 'otlpgate_items_received_total', signal=s)
            rest = (oc.get(m, 'otlpgate_items_rejected_total', signal=s) +
                    oc.get(m, 'otlpgate_items_dropped_by_rule_total', signal=s) +
                    oc.get(m, 'otlpgate_items_refused_total', signal=s))
            for be in bes:
                exp = oc.get(m, 'otlpgate_items_exported_total', backend=be, signal=s)
                brj = oc.get(m, 'otlpgate_items_backend_rejected_total', backend=be, signal=s)
                q = oc.get(m, 'otlpgate_items_queued', backend=be, signal=s)
                peak[be] = max(peak.get(be, 0), q)
                if exp + brj + rest + q != rcv:
                    bad += 1
                    if bad <= 20:
                        fail(f'watch: scrape {n}: {s} {be}: received {rcv} != exported {exp} + '
                             f'backend_rejected {brj} + rejected/dropped/refused {rest} + '
                             f'queued {q}')
        time.sleep(0.25)
    print(f'watch: {n} scrapes, invariant broken in {bad} (signal, backend) rows; '
          'largest queue: ' + ', '.join(f'{be}={q}' for be, q in peak.items()))


def cmd_stat(argv):
    v = sink_stats(argv[0])
    for k in argv[1].split('.'):
        v = v.get(k, 0) if isinstance(v, dict) else 0
    print(v)


def cmd_queued(argv):
    m = oc.scrape(argv[0])
    print(sum(int(v) for (name, _), v in m.items() if name == 'otlpgate_items_queued'))


CMDS = {'verify': cmd_verify, 'watch': cmd_watch, 'stat': cmd_stat, 'queued': cmd_queued}

if __name__ == '__main__':
    if len(sys.argv) < 2 or sys.argv[1] not in CMDS:
        print(__doc__)
        sys.exit(2)
    try:
        CMDS[sys.argv[1]](sys.argv[2:])
    except (OSError, ValueError, KeyError, IndexError) as e:
        fail(f'{sys.argv[1]}: {type(e).__name__}: {e}')
    sys.exit(1 if oc.FAILED else 0)
