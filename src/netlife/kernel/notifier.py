"""Notifier chains and the netdevice events.

Mirrors kernel/notifier.c (priority-ordered chains, NOTIFY_* codes, stop on NOTIFY_STOP_MASK)
and the netdev_cmd enum of include/linux/netdevice.h. The netdevice-specific calls
(call_netdevice_notifiers, register_netdevice_notifier with its replay) live in dev_notify.py.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import IntEnum
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from netlife.kernel.netdevice import NetDevice

NOTIFY_DONE = 0x0000
NOTIFY_OK = 0x0001
NOTIFY_STOP_MASK = 0x8000
NOTIFY_BAD = NOTIFY_STOP_MASK | 0x0002
NOTIFY_STOP = NOTIFY_OK | NOTIFY_STOP_MASK


def notifier_from_errno(err: int) -> int:
    """include/linux/notifier.h: a negative errno as a chain-stopping result."""
    return NOTIFY_STOP_MASK | (NOTIFY_OK - err) if err else NOTIFY_OK


def notifier_to_errno(ret: int) -> int:
    """include/linux/notifier.h: NOTIFY_BAD becomes -EPERM, notifier_from_errno(e) gives e."""
    ret &= ~NOTIFY_STOP_MASK
    return NOTIFY_OK - ret if ret > NOTIFY_OK else 0


class NetdevCmd(IntEnum):
    """enum netdev_cmd (include/linux/netdevice.h), values as in the kernel."""

    NETDEV_UP = 1
    NETDEV_DOWN = 2
    NETDEV_REBOOT = 3
    NETDEV_CHANGE = 4
    NETDEV_REGISTER = 5
    NETDEV_UNREGISTER = 6
    NETDEV_CHANGEMTU = 7
    NETDEV_CHANGEADDR = 8
    NETDEV_PRE_CHANGEADDR = 9
    NETDEV_GOING_DOWN = 10
    NETDEV_CHANGENAME = 11
    NETDEV_FEAT_CHANGE = 12
    NETDEV_BONDING_FAILOVER = 13
    NETDEV_PRE_UP = 14
    NETDEV_PRE_TYPE_CHANGE = 15
    NETDEV_POST_TYPE_CHANGE = 16
    NETDEV_POST_INIT = 17
    NETDEV_PRE_UNINIT = 18
    NETDEV_RELEASE = 19
    NETDEV_NOTIFY_PEERS = 20
    NETDEV_JOIN = 21
    NETDEV_CHANGEUPPER = 22
    NETDEV_RESEND_IGMP = 23
    NETDEV_PRECHANGEMTU = 24
    NETDEV_CHANGEINFODATA = 25
    NETDEV_BONDING_INFO = 26
    NETDEV_PRECHANGEUPPER = 27
    NETDEV_CHANGELOWERSTATE = 28
    NETDEV_UDP_TUNNEL_PUSH_INFO = 29
    NETDEV_UDP_TUNNEL_DROP_INFO = 30
    NETDEV_CHANGE_TX_QUEUE_LEN = 31


NETDEV_UP = NetdevCmd.NETDEV_UP
NETDEV_DOWN = NetdevCmd.NETDEV_DOWN
NETDEV_CHANGE = NetdevCmd.NETDEV_CHANGE
NETDEV_REGISTER = NetdevCmd.NETDEV_REGISTER
NETDEV_UNREGISTER = NetdevCmd.NETDEV_UNREGISTER
NETDEV_CHANGEMTU = NetdevCmd.NETDEV_CHANGEMTU
NETDEV_CHANGEADDR = NetdevCmd.NETDEV_CHANGEADDR
NETDEV_PRE_CHANGEADDR = NetdevCmd.NETDEV_PRE_CHANGEADDR
NETDEV_GOING_DOWN = NetdevCmd.NETDEV_GOING_DOWN
NETDEV_CHANGENAME = NetdevCmd.NETDEV_CHANGENAME
NETDEV_PRE_UP = NetdevCmd.NETDEV_PRE_UP
NETDEV_POST_INIT = NetdevCmd.NETDEV_POST_INIT
NETDEV_PRE_UNINIT = NetdevCmd.NETDEV_PRE_UNINIT
NETDEV_JOIN = NetdevCmd.NETDEV_JOIN
NETDEV_CHANGEUPPER = NetdevCmd.NETDEV_CHANGEUPPER
NETDEV_PRECHANGEMTU = NetdevCmd.NETDEV_PRECHANGEMTU
NETDEV_PRECHANGEUPPER = NetdevCmd.NETDEV_PRECHANGEUPPER
NETDEV_CHANGELOWERSTATE = NetdevCmd.NETDEV_CHANGELOWERSTATE
NETDEV_CHANGE_TX_QUEUE_LEN = NetdevCmd.NETDEV_CHANGE_TX_QUEUE_LEN
NETDEV_CHANGEINFODATA = NetdevCmd.NETDEV_CHANGEINFODATA


@dataclass(slots=True, eq=False)
class NetdevNotifierInfo:
    """struct netdev_notifier_info and its CHANGEUPPER / CHANGEMTU extensions."""

    dev: NetDevice
    extack: list[str] | None = None
    upper_dev: NetDevice | None = None  # CHANGEUPPER / PRECHANGEUPPER
    linking: bool = False
    master: bool = False
    old_mtu: int = 0


NotifierCall = Callable[["NotifierBlock", int, Any], int]


@dataclass(slots=True, eq=False)
class NotifierBlock:
    """struct notifier_block: a callback on a chain, ordered by priority (higher first)."""

    notifier_call: NotifierCall
    priority: int = 0
    name: str = ""

    def __repr__(self) -> str:
        return f"<NotifierBlock {self.name or self.notifier_call.__name__} prio={self.priority}>"


@dataclass(slots=True, eq=False)
class RawNotifierHead:
    """struct raw_notifier_head: the caller provides the locking (RTNL for netdev chains)."""

    blocks: list[NotifierBlock] = field(default_factory=list)

    def register(self, nb: NotifierBlock) -> int:
        """kernel/notifier.c:notifier_chain_register: after blocks of equal priority."""
        if nb in self.blocks:
            return -17  # -EEXIST: "notifier callback %ps already registered"
        pos = len(self.blocks)
        for i, other in enumerate(self.blocks):
            if nb.priority > other.priority:
                pos = i
                break
        self.blocks.insert(pos, nb)
        return 0

    def unregister(self, nb: NotifierBlock) -> int:
        try:
            self.blocks.remove(nb)
        except ValueError:
            return -2  # -ENOENT
        return 0

    def call_chain(self, val: int, v: Any) -> int:
        """kernel/notifier.c:notifier_call_chain: returns the last result; stops on STOP_MASK."""
        ret = NOTIFY_DONE
        for nb in tuple(self.blocks):
            ret = nb.notifier_call(nb, val, v)
            if ret & NOTIFY_STOP_MASK:
                break
        return ret
