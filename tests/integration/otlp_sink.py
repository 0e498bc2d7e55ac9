#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""A controllable OTLP/HTTP backend for otlpgate's egress tests. Standard
library only (Debian's /usr/bin/python3).

  otlp_sink.py --listen ADDR:PORT --control ADDR:PORT --out DIR [--log FILE]

Data port (what otlpgate's otlp-http backend talks to):
  POST /v1/traces|/v1/metrics|/v1/logs, Content-Type application/x-protobuf
  (Content-Encoding gzip is inflated; Content-Length or chunked). In mode
  "ok" the body is appended to DIR/<signal>-0.otlp as one record (protobuf
  varint length + body: the file backend's delimited convention, so
  otlp_check.py and `otlpcat --delimited` read it) and the answer is 200
  with an empty Export*ServiceResponse (OTLP spec, "Full Success": an
  empty message). HTTP/1.1 keep-alive.

Control port (JSON):
  POST /mode {"mode": M, ...} switches what the data port does:
    ok                                   store, 200
    status  "status": N, "retry_after": "S", "message": "..."
            answer N with a google.rpc.Status body (code, message); bodies
            answered 4xx other than 408/429 (permanent for OTLP) are
            kept in DIR/rejected/<signal>-0.otlp, the others are dropped
    partial "rejected": N, "message": "..."
            store, 200 with partial_success rejecting N items
    stall   read the request, never answer (the connection is held until
            the mode changes, then closed)
    close   read the request, close the connection without answering
    down    close the listening socket and every open connection:
            connections are refused
    up      listen again (then "ok")
  Every mode but down/up takes "count": K: after K requests the sink goes
  back to "ok" (default: until changed).
  GET /mode      the current mode
  GET /stats     requests per status (and "stall", "close"), per signal:
                 requests, items and bytes stored, items rejected; open
                 connections; the last request's headers
  POST /reset    zero the statistics (the files stay)

Every request is logged as one line (time, peer, path, status, bytes on the
wire, bytes inflated, items, mode) to --log (default stderr).
"""
import argparse
import gzip
import json
import os
import socket
import sys
import threading
import time
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from otlp_check import SIGNALS, items_of, subs  # noqa: E402

# google.rpc.Code for the status we answer (google/rpc/code.proto), as the
# OTLP/HTTP spec asks for a Status body in failures.
RPC_CODE = {400: 3, 401: 16, 403: 7, 404: 5, 408: 4, 413: 8, 429: 8, 500: 13,
            502: 14, 503: 14, 504: 4}
# OTLP/HTTP spec, "Failures": 429, 502, 503, 504 are retryable; every other
# 4xx/5xx is not, and such data is lost for good.
RETRYABLE = (408, 429, 502, 503, 504)


def pb_varint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def pb_field_bytes(num, data):
    return pb_varint(num << 3 | 2) + pb_varint(len(data)) + data


def pb_field_varint(num, v):
    return pb_varint(num << 3) + pb_varint(v)


def count_items(sig, body):
    n = 0
    for es, ee in subs(body, 0, len(body), 1):
        for _ in items_of(sig, body, es, ee):
            n += 1
    return n


class Sink:
    """Shared state: the mode, the output files and the statistics."""

    def __init__(self, out, log):
        self.lock = threading.Lock()
        self.mode = {'mode': 'ok'}
        self.left = None  # requests left in this mode (None: until changed)
        self.mode_changed = threading.Condition(self.lock)
        self.generation = 0
        self.out = out
        self.log = log
        self.files = {}
        os.makedirs(os.path.join(out, 'rejected'), exist_ok=True)
        self.conns = set()
        self.reset()

    def reset(self):
        self.stats = {
            'requests': 0,
            'by_status': {},
            'signals': {s: {'requests': 0, 'items': 0, 'bytes': 0,
                            'rejected_items': 0, 'partial_rejected': 0}
                        for s in SIGNALS},
            'last_headers': {},
            'connections_accepted': 0,
        }

    def set_mode(self, m):
        with self.lock:
            self.mode = dict(m)
            self.left = m.get('count')
            self.generation += 1
            self.mode_changed.notify_all()

    def take_mode(self):
        """The mode for one request; counts it against "count"."""
        with self.lock:
            m = self.mode
            if self.left is not None:
                self.left -= 1
                if self.left <= 0:
                    self.mode = {'mode': 'ok'}
                    self.left = None
                    self.generation += 1
                    self.mode_changed.notify_all()
            return dict(m), self.generation

    def append(self, sub, sig, body):
        """One delimited record; flushed before the request is answered."""
        key = (sub, sig)
        with self.lock:
            f = self.files.get(key)
            if f is None:
                d = os.path.join(self.out, sub) if sub else self.out
                f = open(os.path.join(d, f'{sig}-0.otlp'), 'ab')
                self.files[key] = f
            f.write(pb_varint(len(body)) + body)
            f.flush()

    def count(self, status, sig=None, **kw):
        with self.lock:
            st = self.stats
            st['requests'] += 1
            k = str(status)
            st['by_status'][k] = st['by_status'].get(k, 0) + 1
            if sig:
                ss = st['signals'][sig]
                ss['requests'] += 1
                for n, v in kw.items():
                    ss[n] += v

    def logline(self, **kw):
        line = ' '.join(f'{k}={v}' for k, v in kw.items())
        with self.lock:
            self.log.write(f'{time.strftime("%H:%M:%S")}.{int(time.time() * 1000) % 1000:03d} '
                           f'{line}\n')
            self.log.flush()


class DataHandler(BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'
    server_version = 'otlp_sink/1'

    def setup(self):
        super().setup()
        sink = self.server.sink
        with sink.lock:
            sink.conns.add(self.connection)
            sink.stats['connections_accepted'] += 1

    def finish(self):
        try:
            super().finish()
        finally:
            with self.server.sink.lock:
                self.server.sink.conns.discard(self.connection)

    def log_message(self, fmt, *args):
        pass  # our own log line per request instead

    def read_body(self):
        te = self.headers.get('Transfer-Encoding', '').lower()
        if 'chunked' in te:
            parts = []
            while True:
                line = self.rfile.readline(1 << 16)
                if not line:
                    raise ConnectionError('eof in chunked body')
                n = int(line.split(b';')[0].strip(), 16)
                if n == 0:
                    while self.rfile.readline(1 << 16) not in (b'\r\n', b'\n', b''):
                        pass
                    return b''.join(parts)
                parts.append(self.rfile.read(n))
                self.rfile.readline(4)
        n = int(self.headers.get('Content-Length', '0'))
        body = self.rfile.read(n)
        if len(body) != n:
            raise ConnectionError('eof in body')
        return body

    def answer(self, code, body=b'', ctype='application/x-protobuf', extra=()):
        self.send_response(code)
        self.send_header('Content-Type', ctype)
        self.send_header('Content-Length', str(len(body)))
        for k, v in extra:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)
        self.wfile.flush()

    def do_POST(self):
        sink = self.server.sink
        t0 = time.time()
        path = self.path.split('?', 1)[0]
        try:
            wire = self.read_body()
        except (ConnectionError, ValueError) as e:
            sink.count('aborted')
            sink.logline(peer=self.client_address[0], path=path, status='aborted',
                         why=str(e).replace(' ', '_'))
            self.close_connection = True
            return
        with sink.lock:
            sink.stats['last_headers'] = {k.lower(): v for k, v in self.headers.items()}
        m, gen = sink.take_mode()
        mode = m['mode']
        sig = None
        for s in SIGNALS:
            if path.endswith('/v1/' + s):
                sig = s
        status, items, body, note = None, 0, wire, ''
        if sig is None:
            status, note = 404, 'unknown_path'
        elif self.headers.get('Content-Type', '').split(';')[0].strip() != 'application/x-protobuf':
            status, note = 415, 'not_protobuf'
        else:
            enc = self.headers.get('Content-Encoding', 'identity').lower()
            try:
                if enc == 'gzip':
                    body = gzip.decompress(wire)
                elif enc not in ('identity', ''):
                    status, note = 415, 'encoding_' + enc
                if status is None:
                    items = count_items(sig, body)
            except (OSError, EOFError, zlib.error, ValueError, IndexError) as e:
                status, note = 400, 'undecodable:' + type(e).__name__
        log = dict(peer=self.client_address[0], path=path, bytes=len(wire),
                   inflated=len(body), items=items, mode=mode)
        if status is not None:  # the request itself is bad: say so whatever the mode
            sink.count(status, sig)
            sink.logline(status=status, note=note, **log)
            msg = f'otlp_sink: {note}'.encode()
            self.answer(status, pb_field_varint(1, 3) + pb_field_bytes(2, msg))
            return
        if mode == 'stall':
            sink.count('stall', sig)
            sink.logline(status='stall', **log)
            with sink.lock:
                while sink.generation == gen and not self.server.stopping:
                    sink.mode_changed.wait(1)
            self.close_connection = True
            return
        if mode == 'close':
            sink.count('close', sig)
            sink.logline(status='close', **log)
            self.close_connection = True
            return
        if mode == 'status':
            code = int(m.get('status', 503))
            msg = m.get('message', f'otlp_sink: status {code}').encode()
            extra = []
            if 'retry_after' in m:
                extra.append(('Retry-After', str(m['retry_after'])))
            permanent = 400 <= code < 600 and code not in RETRYABLE
            if permanent:
                sink.append('rejected', sig, body)
                sink.count(code, sig, rejected_items=items)
            else:
                sink.count(code, sig)
            sink.logline(status=code, **log)
            rs = pb_field_varint(1, RPC_CODE.get(code, 2)) + pb_field_bytes(2, msg)
            self.answer(code, rs, extra=extra)
            return
        resp = b''
        nrej = 0
        if mode == 'partial':
            # Export*PartialSuccess: rejected_* = 1, error_message = 2
            nrej = min(int(m.get('rejected', 1)), items)
            msg = m.get('message', f'otlp_sink: {nrej} rejected').encode()
            resp = pb_field_bytes(1, pb_field_varint(1, nrej) + pb_field_bytes(2, msg))
        sink.append('', sig, body)
        sink.count(200, sig, items=items, bytes=len(body), partial_rejected=nrej)
        sink.logline(status=200, partial_rejected=nrej,
                     ms=int((time.time() - t0) * 1000), **log)
        self.answer(200, resp)


class DataServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, addr, sink):
        self.sink = sink
        self.stopping = False
        super().__init__(addr, DataHandler)


class Data:
    """The data port, which can go down and come back."""

    def __init__(self, addr, sink):
        self.addr = addr
        self.sink = sink
        self.srv = None
        self.up()

    def up(self):
        if self.srv:
            return
        self.srv = DataServer(self.addr, self.sink)
        threading.Thread(target=self.srv.serve_forever, daemon=True).start()

    def down(self):
        if not self.srv:
            return
        srv, self.srv = self.srv, None
        srv.stopping = True
        srv.shutdown()
        srv.server_close()
        with self.sink.lock:
            conns = list(self.sink.conns)
            self.sink.mode_changed.notify_all()
        for c in conns:
            try:
                c.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


class ControlHandler(BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'

    def log_message(self, fmt, *args):
        pass

    def reply(self, obj, code=200):
        b = (json.dumps(obj, indent=1, sort_keys=True) + '\n').encode()
        self.send_response(code)
        self.send_header('Content-Type', 'application/json')
        self.send_header('Content-Length', str(len(b)))
        self.end_headers()
        self.wfile.write(b)

    def do_GET(self):
        sink = self.server.sink
        with sink.lock:
            if self.path == '/stats':
                st = json.loads(json.dumps(sink.stats))
                st['connections_open'] = len(sink.conns)
                st['listening'] = self.server.data.srv is not None
                st['mode'] = dict(sink.mode, left=sink.left)
                return self.reply(st)
            if self.path == '/mode':
                return self.reply(dict(sink.mode, left=sink.left))
        self.reply({'error': 'GET /stats or /mode'}, 404)

    def do_POST(self):
        sink = self.server.sink
        n = int(self.headers.get('Content-Length', '0'))
        raw = self.rfile.read(n)
        if self.path == '/reset':
            with sink.lock:
                sink.reset()
            return self.reply({'reset': True})
        if self.path != '/mode':
            return self.reply({'error': 'POST /mode or /reset'}, 404)
        try:
            m = json.loads(raw or b'{}')
            mode = m.get('mode')
            if mode not in ('ok', 'status', 'partial', 'stall', 'close', 'down', 'up'):
                raise ValueError(f'unknown mode {mode!r}')
        except ValueError as e:
            return self.reply({'error': str(e)}, 400)
        data = self.server.data
        if mode == 'down':
            sink.set_mode({'mode': 'down'})
            data.down()
        elif mode == 'up':
            data.up()
            sink.set_mode({'mode': 'ok'})
        else:
            sink.set_mode(m)
        sink.logline(control='mode', **{k: str(v).replace(' ', '_') for k, v in m.items()})
        self.reply(dict(sink.mode, left=sink.left))


def hostport(s):
    h, _, p = s.rpartition(':')
    return h, int(p)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--listen', required=True, help='data ADDR:PORT')
    ap.add_argument('--control', required=True, help='control ADDR:PORT')
    ap.add_argument('--out', required=True, help='output directory')
    ap.add_argument('--log', help='request log (default stderr)')
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    log = open(a.log, 'a') if a.log else sys.stderr
    sink = Sink(a.out, log)
    data = Data(hostport(a.listen), sink)
    ctl = ThreadingHTTPServer(hostport(a.control), ControlHandler)
    ctl.daemon_threads = True
    ctl.sink = sink
    ctl.data = data
    sink.logline(event='listening', data=a.listen, control=a.control)
    try:
        ctl.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == '__main__':
    sys.exit(main())
