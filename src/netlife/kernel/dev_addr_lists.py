"""A device's secondary unicast addresses and the promiscuity they cost a device without a filter.

Mirrors net/core/dev_addr_lists.c: dev_uc_add / dev_uc_del (refcounted entries of dev->uc),
and net/core/dev.c: __dev_set_rx_mode / dev_set_rx_mode. What the model keeps of them is what
shows in `ip -d link`: a device that cannot filter unicast addresses (no IFF_UNICAST_FLT, e.g.
veth) goes promiscuous while it is up and has any, without a netlink message of its own
(__dev_set_promiscuity(dev, ±1, false)), and stays counted (uc_promisc) until they are gone.

Who adds them here: macvlan_open puts a macvlan's address on its lower device, macvlan_stop
takes it off.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from netlife.kernel.if_link import IFF_UP
from netlife.kernel.netdevice import EMPTY_MAP
from netlife.kernel.rtnetlink import ASSERT_RTNL

if TYPE_CHECKING:
    from netlife.kernel.netdevice import NetDevice

# dev->priv_flags: the device filters secondary unicast addresses itself (model-chosen bit)
IFF_UNICAST_FLT = 1 << 12


def __dev_set_rx_mode(dev: NetDevice) -> None:
    """net/core/dev.c:__dev_set_rx_mode: only an up device changes its receive mode."""
    from netlife.kernel.dev_flags import __dev_set_promiscuity

    if not dev.flags & IFF_UP:
        return
    if not dev.present:
        return
    if dev.priv_flags & IFF_UNICAST_FLT:
        return
    if dev.uc and not dev.uc_promisc:
        __dev_set_promiscuity(dev, 1, False)
        dev.uc_promisc = True
    elif not dev.uc and dev.uc_promisc:
        __dev_set_promiscuity(dev, -1, False)
        dev.uc_promisc = False


def dev_set_rx_mode(dev: NetDevice) -> None:
    __dev_set_rx_mode(dev)


def dev_uc_add(dev: NetDevice, addr: str) -> None:
    """Add a reference to a secondary unicast address, then update the receive mode."""
    ASSERT_RTNL(dev.kernel)
    if dev.uc is EMPTY_MAP:  # the device's first address: a dict of its own
        dev.uc = {}
    dev.uc[addr] = dev.uc.get(addr, 0) + 1
    __dev_set_rx_mode(dev)


def dev_uc_del(dev: NetDevice, addr: str) -> None:
    """Drop a reference; the entry goes with its last one (__hw_addr_del)."""
    ASSERT_RTNL(dev.kernel)
    count = dev.uc.get(addr, 0)
    if not count:
        return
    if count == 1:
        del dev.uc[addr]
    else:
        dev.uc[addr] = count - 1
    __dev_set_rx_mode(dev)


__all__ = ["IFF_UNICAST_FLT", "__dev_set_rx_mode", "dev_set_rx_mode", "dev_uc_add", "dev_uc_del"]
