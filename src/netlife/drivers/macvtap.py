"""macvtap: a macvlan whose packets go to a character device (/dev/tapN) instead of the stack.

Mirrors drivers/net/macvtap.c: macvtap_setup (macvlan_common_setup, then tx_queue_len
TUN_READQ_SIZE = 500 and no IFF_NO_QUEUE, so a qdisc attaches), macvtap_newlink (the tap
offloads, then macvlan_common_newlink), macvtap_dellink (the tap queues, then
macvlan_dellink), and macvtap_init: macvlan_link_register fills in validate, changelink,
fill_info and get_link_net from macvlan, which the module depends on. The kind reports as
"macvtap" with macvlan's IFLA_MACVLAN_* data (mode vepa by default). The tap character device
and its queues carry traffic, which the model leaves out.
"""

from __future__ import annotations

from netlife.drivers.macvlan import (
    MacvlanDev,
    macvlan_changelink,
    macvlan_dellink,
    macvlan_fill_info,
    macvlan_get_link_net,
    macvlan_newlink,
    macvlan_setup,
    macvlan_validate,
)
from netlife.kernel.errors import KernelError
from netlife.kernel.module import Module
from netlife.kernel.netdevice import IFF_NO_QUEUE, NetDevice
from netlife.kernel.rtnetlink import (
    RtnlLinkOps,
    RtnlNewlinkParams,
    rtnl_link_register,
    rtnl_link_unregister,
)

TUN_READQ_SIZE = 500


def macvtap_setup(dev: NetDevice) -> None:
    """macvlan_common_setup (macvlan_setup without its IFF_NO_QUEUE), then the tap's queue."""
    macvlan_setup(dev)
    dev.priv_flags &= ~IFF_NO_QUEUE
    dev.tx_queue_len = TUN_READQ_SIZE


def macvtap_newlink(dev: NetDevice, params: RtnlNewlinkParams, extack: list[str]) -> None:
    """Nothing that can fail comes after macvlan_common_newlink, which cannot be undone."""
    macvlan_newlink(dev, params, extack)


def macvtap_dellink(dev: NetDevice, head: list[NetDevice] | None) -> None:
    macvlan_dellink(dev, head)  # after tap_del_queues, which has no queues to drop here


def macvtap_init(kernel, params) -> int:
    ops = RtnlLinkOps(
        kind="macvtap",
        priv_factory=MacvlanDev,
        setup=macvtap_setup,
        newlink=macvtap_newlink,
        dellink=macvtap_dellink,
        # macvlan_link_register's common fields
        validate=macvlan_validate,
        changelink=macvlan_changelink,
        fill_info=macvlan_fill_info,
        get_link_net=macvlan_get_link_net,
        owner="macvtap",
    )
    kernel.driver_state["macvtap"] = ops
    try:
        rtnl_link_register(kernel, ops)
    except KernelError as err:
        del kernel.driver_state["macvtap"]
        return -err.errno
    return 0


def macvtap_exit(kernel) -> None:
    rtnl_link_unregister(kernel, kernel.driver_state.pop("macvtap"))


MODULE = Module(
    "macvtap",
    macvtap_init,
    macvtap_exit,
    depends=("macvlan",),
    aliases=("rtnl-link-macvtap",),
)
