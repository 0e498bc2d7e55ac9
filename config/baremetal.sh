#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# otlpgate on a PCI NIC: 4 dataplane lcores (RSS spreads flows over 4 queue
# pairs), hugepages, telemetry reachable from the monitoring network.
# Adjust the PCI address, addresses and lcores to the host.
set -e
PCI=${PCI:-0000:3b:00.0}
dpdk-devbind.py -b vfio-pci "$PCI"
dpdk-hugepages.py --setup 2G
exec otlpgate -l 2-5 -a "$PCI" --file-prefix og -- \
	--port-ip 0=10.0.0.10/24 \
	--gateway 10.0.0.1 \
	--mbufs 262143 \
	--max-conns 65536 \
	--telemetry 0.0.0.0:9464 \
	--log-level info
