"""The drivers: kernel modules as plug-ins, each file named after the module it models.

MODULES is what the simulated host's modprobe can find (name → Module); a new driver is one
file and one entry here.
"""

from __future__ import annotations

from netlife.drivers import (
    bridge,
    dummy,
    ifb,
    loopback,
    macvlan,
    macvtap,
    mlx5,
    netdevsim,
    netkit,
    tun,
    veth,
    virtio_net,
    vlan,
    vxlan,
)
from netlife.kernel.ipv4 import af_inet
from netlife.kernel.ipv6 import af_inet6
from netlife.kernel.module import Module

MODULES: dict[str, Module] = {
    m.name: m
    for m in (
        loopback.MODULE,
        af_inet.MODULE,
        af_inet6.MODULE,
        dummy.MODULE,
        ifb.MODULE,
        veth.MODULE,
        macvlan.MODULE,
        macvtap.MODULE,
        vxlan.MODULE,
        vlan.MODULE,
        bridge.MODULE,
        tun.MODULE,
        netkit.MODULE,
        *mlx5.MODULES,
        netdevsim.MODULE,
        virtio_net.MODULE,
    )
}
