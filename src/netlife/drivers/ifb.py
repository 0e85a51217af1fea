"""The Intermediate Functional Block: link kind "ifb", and numifbs devices made at load.

Mirrors drivers/net/ifb.c: ifb_setup (ether_setup, then tx_queue_len TX_Q_LIMIT = 32, NOARP
and no multicast, IFF_NO_QUEUE cleared so a qdisc attaches, random MAC, min/max MTU 0,
needs_free_netdev), ifb_validate (a given address must be a valid unicast one), and
ifb_init_module: the kind, then numifbs (default 2) "ifb%d" devices under RTNL. Module exit is
rtnl_link_unregister: every ifb device in every namespace goes. The redirect path (tc mirred
into ifb) is traffic, which the model leaves out.
"""

from __future__ import annotations

from netlife.kernel.dev import register_netdevice
from netlife.kernel.errors import KernelError
from netlife.kernel.if_link import IFF_MULTICAST, IFF_NOARP
from netlife.kernel.module import Module
from netlife.kernel.netdevice import (
    IFF_LIVE_ADDR_CHANGE,
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

TX_Q_LIMIT = 32


def ifb_setup(dev: NetDevice) -> None:
    ether_setup(dev)
    dev.tx_queue_len = TX_Q_LIMIT
    dev.flags |= IFF_NOARP
    dev.flags &= ~IFF_MULTICAST
    dev.priv_flags |= IFF_LIVE_ADDR_CHANGE
    dev.needs_free_netdev = True
    dev.dev_addr = dev.kernel.random_ether_addr()
    dev.addr_assign_type = NET_ADDR_RANDOM
    dev.min_mtu = 0
    dev.max_mtu = 0


def ifb_validate(tb: dict, data: dict | None, extack: list[str]) -> int:
    addr = tb.get("IFLA_ADDRESS")
    if addr is not None:
        octets = addr.split(":")
        if len(octets) != 6:
            return -22  # EINVAL
        if int(octets[0], 16) & 1 or addr == "00:00:00:00:00:00":
            return -99  # EADDRNOTAVAIL: not a valid unicast address
    return 0


def ifb_init_one(kernel) -> None:
    dev = alloc_netdev(kernel, None, "ifb%d", NET_NAME_ENUM, ifb_setup)
    dev.rtnl_link_ops = kernel.driver_state["ifb"]
    try:
        register_netdevice(dev)
    except KernelError:
        free_netdev(dev)
        raise


def ifb_init_module(kernel, params) -> int:
    ops = RtnlLinkOps(kind="ifb", setup=ifb_setup, validate=ifb_validate, owner="ifb")
    kernel.driver_state["ifb"] = ops
    rtnl_link_register(kernel, ops)
    try:
        with rtnl_lock(kernel):
            for _ in range(params.get("numifbs", 2)):
                ifb_init_one(kernel)
    except KernelError as err:
        rtnl_link_unregister(kernel, kernel.driver_state.pop("ifb"))
        return -err.errno
    return 0


def ifb_cleanup_module(kernel) -> None:
    rtnl_link_unregister(kernel, kernel.driver_state.pop("ifb"))


MODULE = Module(
    "ifb",
    ifb_init_module,
    ifb_cleanup_module,
    aliases=("rtnl-link-ifb",),
    params={"numifbs": 2},
)
