"""The dummy driver: link kind "dummy", and numdummies devices made at module load.

Mirrors drivers/net/dummy.c: dummy_setup (NOARP, no multicast, random MAC, needs_free_netdev,
min/max MTU 0), no newlink and no dellink (the core's default unregister_netdevice_queue), and
dummy_init_module, which registers the kind, then numdummies "dummy%d" devices under RTNL.
Module exit is rtnl_link_unregister: every dummy device in every namespace goes.
"""

from __future__ import annotations

from netlife.kernel import netdev_features as nf
from netlife.kernel.dev import register_netdevice
from netlife.kernel.errors import KernelError
from netlife.kernel.if_link import IFF_MULTICAST, IFF_NOARP
from netlife.kernel.module import Module
from netlife.kernel.netdevice import (
    IFF_LIVE_ADDR_CHANGE,
    IFF_NO_QUEUE,
    NET_ADDR_RANDOM,
    NET_NAME_ENUM,
    NetDevice,
    alloc_netdev,
    ether_setup,
    free_netdev,
)
from netlife.kernel.rtnetlink import (
    RtnlLinkOps,
    rtnl_link_register,
    rtnl_link_unregister,
    rtnl_lock,
)


def dummy_setup(dev: NetDevice) -> None:
    ether_setup(dev)
    dev.flags |= IFF_NOARP
    dev.flags &= ~IFF_MULTICAST
    dev.priv_flags |= IFF_LIVE_ADDR_CHANGE | IFF_NO_QUEUE
    dev.needs_free_netdev = True
    dev.dev_addr = dev.kernel.random_ether_addr()
    dev.addr_assign_type = NET_ADDR_RANDOM
    dev.min_mtu = 0
    dev.max_mtu = 0
    dev.features |= nf.NETIF_F_SG | nf.NETIF_F_FRAGLIST | nf.NETIF_F_GSO_SOFTWARE
    dev.features |= nf.NETIF_F_HW_CSUM | nf.NETIF_F_HIGHDMA | nf.NETIF_F_GSO_ENCAP_ALL
    dev.hw_features |= dev.features
    dev.hw_enc_features |= dev.features


def dummy_validate(tb: dict, data: dict | None, extack: list[str]) -> int:
    addr = tb.get("IFLA_ADDRESS")
    if addr is not None and len(addr.split(":")) != 6:
        return -22
    return 0


def dummy_init_one(kernel) -> None:
    dev = alloc_netdev(kernel, None, "dummy%d", NET_NAME_ENUM, dummy_setup)
    dev.rtnl_link_ops = kernel.driver_state["dummy"]
    try:
        register_netdevice(dev)
    except KernelError:
        free_netdev(dev)
        raise


def dummy_init_module(kernel, params) -> int:
    ops = RtnlLinkOps(kind="dummy", setup=dummy_setup, validate=dummy_validate, owner="dummy")
    kernel.driver_state["dummy"] = ops
    rtnl_link_register(kernel, ops)
    try:
        with rtnl_lock(kernel):
            for _ in range(params.get("numdummies", 1)):
                dummy_init_one(kernel)
    except KernelError as err:
        rtnl_link_unregister(kernel, kernel.driver_state.pop("dummy"))
        return -err.errno
    return 0


def dummy_cleanup_module(kernel) -> None:
    rtnl_link_unregister(kernel, kernel.driver_state.pop("dummy"))


MODULE = Module(
    "dummy",
    dummy_init_module,
    dummy_cleanup_module,
    aliases=("rtnl-link-dummy",),
    params={"numdummies": 1},
)
