"""The loopback device, one per namespace, created first and destroyed last.

Mirrors drivers/net/loopback.c: loopback_setup (IFF_LOOPBACK, 64 KiB MTU, netns_immutable,
needs_free_netdev, no rtnl_link_ops so RTM_DELLINK cannot delete it) and loopback_net_ops,
whose init registers "lo" in every new namespace with ifindex 1 (LOOPBACK_IFINDEX).
"""

from __future__ import annotations

from netlife.kernel import netdev_features as nf
from netlife.kernel.dev import register_netdev
from netlife.kernel.if_link import ARPHRD_LOOPBACK, IFF_LOOPBACK
from netlife.kernel.module import Module
from netlife.kernel.net_namespace import Net
from netlife.kernel.netdevice import (
    GSO_MAX_SIZE,
    IFF_LIVE_ADDR_CHANGE,
    IFF_NO_QUEUE,
    NET_NAME_PREDICTABLE,
    NetDevice,
    alloc_netdev,
)
from netlife.kernel.netns_lifecycle import PernetOperations, register_pernet_device

LOOPBACK_IFINDEX = 1


def loopback_dev_free(dev: NetDevice) -> None:
    dev.nd_net.loopback_dev = None


def loopback_setup(dev: NetDevice) -> None:
    dev.mtu = 64 * 1024
    dev.min_mtu = 0
    dev.max_mtu = 0
    dev.type = ARPHRD_LOOPBACK
    dev.addr_len = 6
    dev.broadcast = "00:00:00:00:00:00"
    dev.flags = IFF_LOOPBACK
    dev.priv_flags |= IFF_LIVE_ADDR_CHANGE | IFF_NO_QUEUE
    dev.netns_immutable = True
    dev.tso_max_size = GSO_MAX_SIZE
    dev.needs_free_netdev = True
    dev.priv_destructor = loopback_dev_free
    dev.hw_features = nf.NETIF_F_GSO_SOFTWARE
    dev.features = (
        nf.NETIF_F_SG
        | nf.NETIF_F_FRAGLIST
        | nf.NETIF_F_GSO_SOFTWARE
        | nf.NETIF_F_HW_CSUM
        | nf.NETIF_F_RXCSUM
        | nf.NETIF_F_SCTP_CRC
        | nf.NETIF_F_HIGHDMA
        | nf.NETIF_F_VLAN_CHALLENGED
        | nf.NETIF_F_LOOPBACK
    )


def loopback_net_init(net: Net) -> int:
    dev = alloc_netdev(net.kernel, None, "lo", NET_NAME_PREDICTABLE, loopback_setup)
    if dev is None:
        return -12
    dev.nd_net = net
    register_netdev(dev)
    net.kernel.printk.BUG_ON(
        dev.ifindex != LOOPBACK_IFINDEX, "loopback-ifindex", f"lo got ifindex {dev.ifindex}"
    )
    net.loopback_dev = dev
    return 0


def _init(kernel, params) -> int:
    return register_pernet_device(kernel, PernetOperations("loopback_net_ops", loopback_net_init))


MODULE = Module("loopback", _init, None, builtin=True)
