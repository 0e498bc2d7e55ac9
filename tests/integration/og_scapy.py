#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Crafted TCP segments against otlpgate's echo service, with scapy.

usage: og_scapy.py IFACE OUR_ADDR OTLPGATE_ADDR ECHO_PORT

Runs in the test namespace. The kernel would answer otlpgate's segments to
our hand-made connections with RSTs, so an nftables rule drops the kernel's
RSTs from the source ports used here for the duration of the run.
"""
import random
import subprocess
import sys
import threading
import time

from scapy.all import IP, TCP, AsyncSniffer, Raw, conf, send  # noqa: E402

IFACE, SRC, DST, PORT = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
SPORTS = (41000, 41999)
WAIT_MAX = 10.0
USED = set()
conf.verb = 0


def fail(msg):
    print("FAIL: scapy: " + msg, flush=True)
    sys.exit(1)


def exchange(pkts, until=None, wait=1.0, sport=None, flt=None):
    """Send pkts; return otlpgate's segments to sport. With until (a test on
    the list of segments seen), return as soon as it holds, or after WAIT_MAX
    seconds: a loaded machine answers late, never "not at all". Without it,
    collect for wait seconds (cases that check that nothing comes back)."""
    if flt is None:
        flt = "tcp and src host %s and src port %d" % (DST, PORT)
        if sport:
            flt += " and dst port %d" % sport
    ready = threading.Event()
    seen = []  # AsyncSniffer.results exists only after stop(): collect here
    sn = AsyncSniffer(iface=IFACE, filter=flt, store=False, prn=lambda p: seen.append(p[TCP]),
                      started_callback=ready.set)
    sn.start()
    if not ready.wait(WAIT_MAX):
        fail("the sniffer did not start")
    time.sleep(0.05)
    for p in pkts:
        send(p)
    deadline = time.monotonic() + (WAIT_MAX if until else wait)
    while time.monotonic() < deadline:
        time.sleep(0.02)
        if until and until(list(seen)):
            break
    sn.stop()
    return list(seen)


class Conn:
    def __init__(self, options=None):
        self.sport = random.choice([p for p in range(SPORTS[0], SPORTS[1] + 1) if p not in USED])
        USED.add(self.sport)
        self.seq = random.randint(0, 2**32 - 1)
        syn = IP(src=SRC, dst=DST) / TCP(sport=self.sport, dport=PORT, flags="S",
                                         seq=self.seq, window=65535,
                                         options=options or [("MSS", 1460)])
        ans = [s for s in exchange([syn], lambda g: any(s.flags.S and s.flags.A for s in g),
                                   sport=self.sport) if s.flags.S and s.flags.A]
        if not ans:
            fail("no SYN-ACK")
        self.synack = ans[0]
        if self.synack.ack != (self.seq + 1) & 0xffffffff:
            fail("SYN-ACK acks %d, want %d" % (self.synack.ack, self.seq + 1))
        self.seq = (self.seq + 1) & 0xffffffff
        self.rcv = (self.synack.seq + 1) & 0xffffffff
        send(self.seg("A"))

    def seg(self, flags, seq=None, data=b""):
        p = IP(src=SRC, dst=DST) / TCP(sport=self.sport, dport=PORT, flags=flags,
                                       seq=self.seq if seq is None else seq, ack=self.rcv,
                                       window=65535)
        return p / Raw(data) if data else p

    def stream(self, segs):
        """The bytes otlpgate sent from self.rcv on, in sequence order:
        retransmissions of what was already acknowledged are left out."""
        buf = {}
        for g in segs:
            off = (g.seq - self.rcv) & 0xffffffff
            if len(g.payload) and off < 2**31:
                buf.setdefault(off, bytes(g.payload))
        out = b""
        for off in sorted(buf):
            if off > len(out):
                break
            out += buf[off][len(out) - off:]
        return out

    def echo(self, data):
        """Send data; True when it comes back."""
        got = exchange([self.seg("PA", data=data)],
                       lambda g: len(self.stream(g)) >= len(data), sport=self.sport)
        self.seq = (self.seq + len(data)) & 0xffffffff
        back = self.stream(got)
        # acknowledge what came back so otlpgate does not retransmit it
        if back:
            self.rcv = (self.rcv + len(back)) & 0xffffffff
            send(self.seg("A"))
        return back == data


def main():
    subprocess.run(["nft", "-f", "-"], check=True, input=(
        "table inet ogscapy {\n chain out {\n type filter hook output priority 0;\n"
        " tcp sport %d-%d tcp flags rst drop\n }\n}\n" % SPORTS).encode())
    try:
        cases()
    finally:
        subprocess.run(["nft", "delete", "table", "inet", "ogscapy"])


def cases():
    # 1. SYN with unusual options: big window scale, small MSS, an unknown
    # option kind (must be skipped by its length, RFC 9293 3.1), EOL.
    opts = [("MSS", 536), ("NOP", None), ("WScale", 14), ("SAckOK", b""),
            ("Timestamp", (12345, 0)), (253, b"\x01\x02"), ("EOL", None)]
    c = Conn(opts)
    names = [o[0] for o in c.synack.options]
    if "MSS" not in names:
        fail("SYN-ACK without MSS option: %r" % c.synack.options)
    if not c.echo(b"odd-options"):
        fail("no echo on a connection opened with odd options")
    print("scapy: SYN with odd options answered (%s), data echoed" % ",".join(map(str, names)))
    send(c.seg("R"))

    # 2. RST outside the window: ignored (RFC 5961 3.2), connection lives
    c = Conn()
    send(c.seg("R", seq=(c.seq + 2**30) & 0xffffffff))
    time.sleep(0.2)
    if not c.echo(b"after-oow-rst"):
        fail("connection died after an out-of-window RST")
    print("scapy: out-of-window RST ignored")

    # 3. RST inside the window but not at rcv_nxt: challenge ACK (RFC 5961 3.2)
    chall = lambda g: any(s.flags.A and not s.flags.R and not s.flags.S and s.ack == c.seq for s in g)
    got = exchange([c.seg("R", seq=(c.seq + 100) & 0xffffffff)], chall, sport=c.sport)
    if not any(s.flags.A and not s.flags.R and s.ack == c.seq for s in got):
        fail("no challenge ACK for an in-window RST: %r" % [(s.flags, s.ack) for s in got])
    if not c.echo(b"after-challenge"):
        fail("connection died after an in-window RST")
    print("scapy: in-window RST got a challenge ACK, connection lives")

    # 4. Data outside the window: not delivered, answered by an ACK of rcv_nxt
    # (RFC 9293 3.10.7.4)
    got = exchange([c.seg("PA", seq=(c.seq + 2**30) & 0xffffffff, data=b"far-away")],
                   lambda g: any(s.flags.A and s.ack == c.seq for s in g), sport=c.sport)
    got += exchange([], wait=0.5, sport=c.sport)
    if c.stream(got):
        fail("out-of-window data was echoed")
    if not any(s.flags.A and s.ack == c.seq for s in got):
        fail("no ACK for out-of-window data")
    print("scapy: out-of-window data dropped and answered by ACK")

    # 5. SYN on an established connection: challenge ACK (RFC 5961 4.2),
    # the connection lives
    got = exchange([c.seg("S", seq=(c.seq + 1000) & 0xffffffff)], chall, sport=c.sport)
    if not any(s.flags.A and not s.flags.R and not s.flags.S and s.ack == c.seq for s in got):
        fail("no challenge ACK for a SYN in ESTABLISHED: %r" % [(s.flags, s.ack) for s in got])
    if not c.echo(b"after-syn"):
        fail("connection died after a SYN in ESTABLISHED")
    print("scapy: SYN in ESTABLISHED got a challenge ACK, connection lives")

    # 6. A segment with a bad TCP checksum is dropped: no echo, no ACK of it
    bad = c.seg("PA", data=b"bad-checksum")
    bad[TCP].chksum = 0x1234
    got = exchange([bad], wait=1.0, sport=c.sport)
    if c.stream(got) or any(s.ack != c.seq for s in got if s.flags.A):
        fail("a segment with a bad checksum was taken: %r" % [(s.flags, s.ack) for s in got])
    if not c.echo(b"after-bad-checksum"):
        fail("connection died after a bad checksum")
    print("scapy: bad TCP checksum dropped, connection lives")

    # 7. SYN to a closed port: RST+ACK acknowledging the SYN (RFC 9293 3.10.7.1)
    seq = random.randint(0, 2**32 - 1)
    sport = random.randint(*SPORTS)
    syn = IP(src=SRC, dst=DST) / TCP(sport=sport, dport=PORT + 1, flags="S", seq=seq)
    got = exchange([syn], lambda g: any(s.flags.R for s in g),
                   flt="tcp and src host %s and src port %d" % (DST, PORT + 1))
    rst = [s for s in got if s.flags.R]
    if not rst or rst[0].ack != (seq + 1) & 0xffffffff or not rst[0].flags.A:
        fail("SYN to a closed port: %r" % [(s.flags, s.ack) for s in got])
    print("scapy: SYN to a closed port answered by RST+ACK")

    # 8. Exact RST closes; then data gets a RST
    send(c.seg("R"))
    time.sleep(0.2)
    got = exchange([c.seg("PA", data=b"dead")], lambda g: any(s.flags.R for s in g),
                   sport=c.sport)
    if not any(s.flags.R for s in got):
        fail("no RST for data on a reset connection")
    print("scapy: exact RST closed the connection; later data answered by RST")


if __name__ == "__main__":
    main()
