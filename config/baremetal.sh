#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# otlpgate on a PCI NIC as an OTLP/HTTP receiver: hugepages, the NIC bound
# to vfio-pci, OTLP/HTTP on port 4318 of the port's address, accepted data
# written to a local disk (file backend), telemetry reachable from the
# monitoring network. Adjust the PCI address, addresses, lcore and paths to
# the host.
#
# The receiver runs on one dataplane lcore for now (lcore roles come later):
# give -l exactly one lcore, on the NIC's NUMA node, isolated from the kernel
# scheduler (isolcpus/nohz_full) since it busy-polls.
set -e
PCI=${PCI:-0000:3b:00.0}
LCORE=${LCORE:-2}
SPOOL=${SPOOL:-/var/lib/otlpgate/spool}
mkdir -p "$SPOOL"
dpdk-devbind.py -b vfio-pci "$PCI"
dpdk-hugepages.py --setup 2G
exec otlpgate -l "$LCORE" -a "$PCI" --file-prefix og -- \
	--port-ip 0=10.0.0.10/24 \
	--gateway 10.0.0.1 \
	--mbufs 262143 \
	--max-conns 65536 \
	--otlp-http 10.0.0.10:4318 \
	--backend "file:$SPOOL" \
	--max-body 64M \
	--memory 1G \
	--batch-max-items 8192 \
	--batch-max-bytes 4M \
	--batch-timeout 200 \
	--retry-after 1 \
	--drain-timeout 30 \
	--telemetry 0.0.0.0:9464 \
	--log-level info
