#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Write the seed corpus of fuzz_tcp (tests/fuzz/corpus/fuzz_tcp/): segment
sequences in fuzz_tcp.c's record format that reach the states a random start
rarely finds (established, data both ways, out-of-order with SACK, FIN in
several states, RST, SYN cookies, eviction under pressure). Run from anywhere; rewrites the files."""
import os
import struct

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus", "fuzz_tcp")
SYN, FIN, RST, PSH, ACK = 0x02, 0x01, 0x04, 0x08, 0x10
OPTS_SYN = bytes([2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0, 1, 3, 3, 7])


def seg(flags, dseq=0, dack=0, win=65535, length=0, opts=b"", port=0):
    """op 0: flags (low 6 bits) and peer port (top 2), seq and ack deltas,
    window, payload length, option bytes."""
    return (bytes([0, (port << 6) | flags]) + struct.pack(">hhHI", dseq, dack, win, length)
            + bytes([len(opts)]) + opts)


def sack(*blocks):
    b = bytes([1, 1, 5, 2 + 8 * len(blocks)])
    for left, right in blocks:
        b += struct.pack(">II", left, right)
    return b


def clock(ticks):  # op 1: advance ticks * 10 ms
    return bytes([1, ticks])


def send(units):  # op 2: the application sends units * 8 bytes
    return bytes([2, units])


def recv_done(units):  # op 3: units * 64 bytes consumed
    return bytes([3, units])


CLOSE = bytes([4])
OPEN = seg(SYN, opts=OPTS_SYN) + seg(ACK)

seeds = {
    "established_data_fin": OPEN + seg(ACK | PSH, 0, 0, length=100) + seg(ACK, 100, 0, length=1400)
    + recv_done(30) + send(100) + clock(5) + seg(ACK, 1500, 800) + seg(FIN | ACK, 1500, 800)
    + CLOSE + clock(10) + seg(ACK, 1501, 801),
    "ooo_sack": OPEN + seg(ACK, 1000, 0, length=500) + seg(ACK, 2000, 0, length=500)
    + seg(ACK, 500, 0, length=1000, opts=sack((1, 2))) + seg(ACK, 0, 0, length=500) + clock(3),
    "send_loss_sack": OPEN + send(250) + send(250) + clock(1) + seg(ACK, 0, 0)
    + seg(ACK, 0, 0, length=10, opts=sack((3000, 4000))) + seg(ACK, 10, 0, opts=sack((3000, 5000)))
    + seg(ACK, 10, 0, opts=sack((3000, 6000))) + clock(30) + seg(ACK, 10, 4000),
    "zero_window_persist": OPEN + send(200) + seg(ACK, 0, 1000, win=0) + clock(50) + clock(100)
    + seg(ACK, 0, 1000, win=4096) + clock(2),
    "rst_variants": OPEN + seg(RST, 5000) + seg(RST, 1) + seg(SYN, 7) + seg(RST, 0),
    "fin_simultaneous": OPEN + CLOSE + seg(FIN | ACK, 0, 0) + clock(1) + seg(ACK, 1, 1) + clock(200),
    "syn_flood_cookies": b"".join(seg(SYN, i, opts=OPTS_SYN, port=i % 4) for i in range(4))
    + seg(ACK, 1, 0, port=1) + seg(ACK | PSH, 1, 0, length=50, port=2),
    # bit 7 of the first byte: no SYN cookies; two connections reach the
    # eviction threshold (2), the third SYN has the listener abort one
    "pressure_evict": bytes([0x80]) + OPEN[1:] + seg(SYN, opts=OPTS_SYN, port=2) + seg(ACK, port=2)
    + seg(SYN, opts=OPTS_SYN, port=1) + seg(ACK, port=1) + seg(SYN, opts=OPTS_SYN, port=3)
    + seg(ACK, port=3) + clock(2),
    "window_full": OPEN + seg(ACK, 0, 0, length=2900) + seg(ACK, 2900, 0, length=2900)
    + seg(ACK, 5800, 0, length=2900) + clock(20) + recv_done(255) + clock(1),
}

os.makedirs(OUT, exist_ok=True)
for name, data in seeds.items():
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(data)
print("wrote %d seeds to %s" % (len(seeds), OUT))
