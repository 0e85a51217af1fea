"""inet6_init: IPv6 built in, as a built-in module of the model.

Mirrors net/ipv6/af_inet6.c:inet6_init with the parts the model has: addrconf_init (the
addrconf notifier, registered after IPv4's) and the per-namespace FIB6 tables (main, local).
"""

from __future__ import annotations

from typing import Any

from netlife.kernel.dev_notify import register_netdevice_notifier
from netlife.kernel.ipv4.af_inet import replay_at_boot
from netlife.kernel.ipv6.addrconf import addrconf_notify
from netlife.kernel.ipv6.route import AddrconfRoutes, Fib6Tables
from netlife.kernel.module import Module
from netlife.kernel.net_namespace import Net
from netlife.kernel.netns_lifecycle import PernetOperations, register_pernet_subsys
from netlife.kernel.notifier import NotifierBlock


def ip6_route_net_init(net: Net) -> int:
    net.ipv6 = Fib6Tables()
    return 0


def inet6_init(kernel: Any, params: dict[str, Any]) -> int:
    kernel.driver_state["ipv6_routes"] = AddrconfRoutes()
    register_pernet_subsys(kernel, PernetOperations("ip6_route_net_ops", ip6_route_net_init))
    nb = NotifierBlock(addrconf_notify, 0, "ipv6_dev_notf")
    register_netdevice_notifier(kernel, nb)
    replay_at_boot(kernel, nb)
    return 0


MODULE = Module("ipv6", inet6_init, None, builtin=True)
