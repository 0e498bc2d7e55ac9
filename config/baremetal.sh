#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# otlpgate on a PCI NIC as an OTLP/HTTP receiver: hugepages, the NIC bound
# to vfio-pci, OTLP/HTTP on port 4318 of the port's address, accepted data
# written to a local disk (file backend), telemetry reachable from the
# monitoring network. Adjust the PCI address, addresses, lcores and paths to
# the host.
#
# Lcore roles (docs/lcores.md): every RX lcore owns a queue pair on the NIC
# (RSS spreads client connections over them) and runs TCP, HTTP and decoding;
# a batch lcore groups their records per backend; a TX lcore, which must also
# be an RX lcore, drives the backends. Here RX on 2-4, batching on 5, TX on 2;
# a single lcore (-l 2, no role options) runs everything to completion. Take
# lcores on the NIC's NUMA node, isolated from the kernel scheduler
# (isolcpus/nohz_full): they busy-poll.
#
# BACKEND is where accepted data goes: the local spool by default, or another
# OTLP receiver, e.g. BACKEND='otlp-http://10.0.0.20:4318?conns=4' (URI forms
# and options: otlpgate --help, docs/backends.md).
set -e
PCI=${PCI:-0000:3b:00.0}
RX_LCORES=${RX_LCORES:-2-4}
BATCH_LCORES=${BATCH_LCORES:-5}
TX_LCORES=${TX_LCORES:-2}
SPOOL=${SPOOL:-/var/lib/otlpgate/spool}
BACKEND=${BACKEND:-file:$SPOOL}
mkdir -p "$SPOOL"
dpdk-devbind.py -b vfio-pci "$PCI"
dpdk-hugepages.py --setup 2G
exec otlpgate -l "$RX_LCORES,$BATCH_LCORES" -a "$PCI" --file-prefix og -- \
	--rx-lcores "$RX_LCORES" \
	--batch-lcores "$BATCH_LCORES" \
	--tx-lcores "$TX_LCORES" \
	--port-ip 0=10.0.0.10/24 \
	--gateway 10.0.0.1 \
	--mbufs 262143 \
	--max-conns 65536 \
	--otlp-http 10.0.0.10:4318 \
	--backend "$BACKEND" \
	--max-body 64M \
	--memory 1G \
	--batch-max-items 8192 \
	--batch-max-bytes 4M \
	--batch-timeout 200 \
	--retry-after 1 \
	--drain-timeout 30 \
	--telemetry 0.0.0.0:9464 \
	--log-level info
