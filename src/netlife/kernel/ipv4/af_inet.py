"""inet_init: IPv4 built into the kernel, as a built-in module of the model.

Mirrors net/ipv4/af_inet.c:inet_init with the parts the model has: devinet_init (the
ip_netdev_notifier, registered first so addresses go before fib_netdev_event drops what is
left) and ip_fib_init (fib_netdev_notifier, the inetaddr notifier, the per-namespace FIB with
tables local and main: fib_net_init / fib_net_exit).
"""

from __future__ import annotations

from typing import Any

from netlife.kernel.dev_notify import register_netdevice_notifier
from netlife.kernel.ipv4.devinet import DEVCONF_DEFAULTS, Ipv4State, NetnsIpv4, inetdev_event
from netlife.kernel.ipv4.fib_frontend import fib_inetaddr_event, fib_netdev_event
from netlife.kernel.ipv4.fib_semantics import fib_flush_all, fib_new_table
from netlife.kernel.ipv4.if_addr import RT_TABLE_LOCAL, RT_TABLE_MAIN
from netlife.kernel.module import Module
from netlife.kernel.net_namespace import Net
from netlife.kernel.netns_lifecycle import PernetOperations, register_pernet_subsys
from netlife.kernel.notifier import NETDEV_REGISTER, NetdevNotifierInfo, NotifierBlock


def devinet_init_net(net: Net) -> int:
    """The devconf of a new namespace: IPv4 inherits init_net's current "all" and "default"
    (devconf_inherit_init_net = 0)."""
    init = net.kernel.init_net.ipv4
    state = NetnsIpv4()
    base = init if init is not None and net is not net.kernel.init_net else None
    state.devconf_all = dict(base.devconf_all) if base else dict(DEVCONF_DEFAULTS)
    state.devconf_dflt = dict(base.devconf_dflt) if base else dict(DEVCONF_DEFAULTS)
    net.ipv4 = state
    fib_new_table(net, RT_TABLE_MAIN)
    fib_new_table(net, RT_TABLE_LOCAL)
    return 0


def fib_net_exit(net: Net) -> None:
    if net.ipv4 is not None:
        fib_flush_all(net)


def replay_at_boot(kernel: Any, nb: NotifierBlock) -> None:
    """register_netdevice_notifier replays NETDEV_REGISTER for the devices already there (the
    loopback, registered by net_dev_init before inet_init); the model's chain skips the replay
    while booting, so a built-in protocol does it here."""
    if kernel.dev_boot_done:
        return
    for net in kernel.live_nets():
        for dev in net.devices():
            nb.notifier_call(nb, NETDEV_REGISTER, NetdevNotifierInfo(dev))


def inet_init(kernel: Any, params: dict[str, Any]) -> int:
    kernel.driver_state["ipv4"] = Ipv4State()
    register_pernet_subsys(
        kernel, PernetOperations("fib_net_ops", devinet_init_net, exit=fib_net_exit, device=False)
    )
    nb = NotifierBlock(inetdev_event, 0, "ip_netdev_notifier")
    register_netdevice_notifier(kernel, nb)
    replay_at_boot(kernel, nb)
    register_netdevice_notifier(kernel, NotifierBlock(fib_netdev_event, 0, "fib_netdev_notifier"))
    kernel.driver_state["ipv4"].inetaddr_chain.append(fib_inetaddr_event)
    return 0


MODULE = Module("ipv4", inet_init, None, builtin=True)
