"""Shared helpers for the `ip` tests: a fresh host and a snapshot of everything `ip` can change."""

from __future__ import annotations

import netlife
from netlife.drivers import MODULES
from netlife.userspace.host import Host


def new_host() -> Host:
    return Host(netlife.Kernel(MODULES))


def host_snapshot(host: Host) -> list:
    """Every namespace's devices (index, name, flags, mtu, address, master) and ids."""
    nets = [("init_net", host.kernel.init_net), *sorted(host.netns.items())]
    rows = []
    for name, net in nets:
        devs = [
            (d.ifindex, d.name, d.flags, d.mtu, d.dev_addr, d.tx_queue_len, d.ifalias)
            for _, d in sorted(net.index_hash.items())
        ]
        rows.append((name, devs, sorted(net.netns_ids.values())))
    return rows
