"""The netdevice notifier chains: calls, registration with replay, unregistration.

Mirrors net/core/dev.c: call_netdevice_notifiers_info() (the device namespace's chain, then the
global one), register_netdevice_notifier() (replays REGISTER and UP to the new block, unwinding
on failure), unregister_netdevice_notifier() (synthesizes DOWN and UNREGISTER) and the _net
variants for per-namespace blocks.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from netlife.kernel.if_link import IFF_UP
from netlife.kernel.notifier import (
    NETDEV_DOWN,
    NETDEV_GOING_DOWN,
    NETDEV_REGISTER,
    NETDEV_UNREGISTER,
    NETDEV_UP,
    NOTIFY_STOP_MASK,
    NetdevNotifierInfo,
    NotifierBlock,
    notifier_to_errno,
)
from netlife.kernel.rtnetlink import ASSERT_RTNL, rtnl_lock, rtnl_unlock

if TYPE_CHECKING:
    from netlife.kernel.core import Kernel
    from netlife.kernel.net_namespace import Net
    from netlife.kernel.netdevice import NetDevice


def call_netdevice_notifiers_info(val: int, info: NetdevNotifierInfo) -> int:
    """Run the device namespace's chain, then the global chain (stopping on STOP_MASK)."""
    dev = info.dev
    kernel = dev.kernel
    ASSERT_RTNL(kernel)
    if kernel.notifier_trace is not None:
        kernel.trace_notifier(val, dev)
    net_chain = dev.nd_net.netdev_chain
    if net_chain.blocks:
        ret = net_chain.call_chain(val, info)
        if ret & NOTIFY_STOP_MASK:
            return ret
    chain = kernel.netdev_chain
    if chain.blocks:
        return chain.call_chain(val, info)
    return 0


def call_netdevice_notifiers(val: int, dev: NetDevice, extack: list[str] | None = None) -> int:
    return call_netdevice_notifiers_info(val, NetdevNotifierInfo(dev, extack))


def _call_one(nb: NotifierBlock, val: int, dev: NetDevice) -> int:
    return notifier_to_errno(nb.notifier_call(nb, val, NetdevNotifierInfo(dev)))


def _replay_register(nb: NotifierBlock, nets: list[Net]) -> int:
    """call_netdevice_register_net_notifiers for each net. On failure the failing namespace's
    earlier devices are unwound in reverse, then the earlier namespaces in reverse order, each
    in list order (call_netdevice_unregister_net_notifiers walks forward)."""
    for i, net in enumerate(nets):
        visited: list[NetDevice] = []
        for dev in net.devices():
            err = _call_one(nb, NETDEV_REGISTER, dev)
            if err:
                for done in reversed(visited):
                    _call_unregister_notifiers(nb, done)
                for earlier in reversed(nets[:i]):
                    for done in earlier.devices():
                        _call_unregister_notifiers(nb, done)
                return err
            visited.append(dev)
            if dev.flags & IFF_UP:
                _call_one(nb, NETDEV_UP, dev)
    return 0


def _call_unregister_notifiers(nb: NotifierBlock, dev: NetDevice) -> None:
    """net/core/dev.c:call_netdevice_unregister_notifiers: DOWN first if the device is up."""
    if dev.flags & IFF_UP:
        _call_one(nb, NETDEV_GOING_DOWN, dev)
        _call_one(nb, NETDEV_DOWN, dev)
    _call_one(nb, NETDEV_UNREGISTER, dev)


def register_netdevice_notifier(kernel: Kernel, nb: NotifierBlock) -> int:
    """Insert nb in the global chain and replay existing devices to it (0 or -errno)."""
    with kernel.pernet_ops_rwsem.write(), rtnl_lock(kernel):
        err = kernel.netdev_chain.register(nb)
        if err or not kernel.dev_boot_done:
            return err
        err = _replay_register(nb, kernel.live_nets())
        if err:
            kernel.netdev_chain.unregister(nb)
        return err


def unregister_netdevice_notifier(kernel: Kernel, nb: NotifierBlock) -> int:
    """Remove nb, then synthesize DOWN/UNREGISTER for every device (reg_state REGISTERED)."""
    with kernel.pernet_ops_rwsem.write():
        rtnl_lock(kernel)
        try:
            err = kernel.netdev_chain.unregister(nb)
            if err:
                return err
            for net in kernel.live_nets():
                for dev in net.devices():
                    _call_unregister_notifiers(nb, dev)
            return 0
        finally:
            rtnl_unlock(kernel)


def register_netdevice_notifier_net(net: Net, nb: NotifierBlock) -> int:
    kernel = net.kernel
    with rtnl_lock(kernel):
        err = net.netdev_chain.register(nb)
        if err:
            return err
        err = _replay_register(nb, [net])
        if err:
            net.netdev_chain.unregister(nb)
        return err


def unregister_netdevice_notifier_net(net: Net, nb: NotifierBlock) -> int:
    kernel = net.kernel
    rtnl_lock(kernel)
    try:
        err = net.netdev_chain.unregister(nb)
        if not err:
            for dev in net.devices():
                _call_unregister_notifiers(nb, dev)
        return err
    finally:
        rtnl_unlock(kernel)
