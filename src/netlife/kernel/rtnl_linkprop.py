"""Alternative interface names: RTM_NEWLINKPROP / RTM_DELLINKPROP with IFLA_PROP_LIST.

Mirrors net/core/rtnetlink.c: rtnl_newlinkprop / rtnl_dellinkprop → rtnl_linkprop (the
device by index, name or altname; each IFLA_ALT_IFNAME of the list in turn, stopping at the
first error; netdev_state_change once if any changed) and rtnl_alt_ifname (the policy's
length check, then the name node); net/core/dev.c: netdev_name_node_alt_create (EEXIST when
the name is any device's name or altname in the namespace) and netdev_name_node_alt_destroy
(ENOENT when unknown, EINVAL for the primary name or another device's altname).

An altname shares the namespace's name hash with primary names, so creating, renaming and
moving a device check it too (dev_get_valid_name, __dev_change_net_namespace); it moves with
its device and goes at unregister (netdev_name_node_alt_flush).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from netlife.kernel.errors import EEXIST, EINVAL, ENOENT, ERANGE, KernelError
from netlife.kernel.rtnetlink import ASSERT_RTNL, rtnl_dev_get_required, rtnl_lock

if TYPE_CHECKING:
    from netlife.kernel.if_link import IfInfoMsg
    from netlife.kernel.net_namespace import Net
    from netlife.kernel.netdevice import NetDevice

ALTIFNAMSIZ = 128
RTM_NEWLINKPROP = "RTM_NEWLINKPROP"
RTM_DELLINKPROP = "RTM_DELLINKPROP"


def netdev_name_node_alt_create(dev: NetDevice, name: str) -> None:
    """net/core/dev.c:netdev_name_node_alt_create: a new name node on the device's list."""
    net = dev.nd_net
    if net.dev_get_by_name(name) is not None:
        raise KernelError(EEXIST)
    dev.altnames = (*dev.altnames, name)
    if dev.listed:
        net.name_hash[name] = dev


def netdev_name_node_alt_destroy(dev: NetDevice, name: str) -> None:
    """net/core/dev.c:netdev_name_node_alt_destroy."""
    net = dev.nd_net
    owner = net.dev_get_by_name(name)
    if owner is None:
        raise KernelError(ENOENT)
    # The lookup may have found the primary name, or a name of another device.
    if name == dev.name or owner is not dev:
        raise KernelError(EINVAL)
    del net.name_hash[name]
    dev.altnames = tuple(alt for alt in dev.altnames if alt != name)
    dev.kernel.synchronize_net()


def rtnl_alt_ifname(cmd: str, dev: NetDevice, name: str) -> None:
    """rtnl_alt_ifname: ifla_policy's NLA_STRING of at most ALTIFNAMSIZ - 1 bytes first."""
    if len(name.encode()) > ALTIFNAMSIZ - 1:
        raise KernelError(ERANGE, "Attribute failed policy validation")
    if cmd == RTM_NEWLINKPROP:
        netdev_name_node_alt_create(dev, name)
    else:
        netdev_name_node_alt_destroy(dev, name)


def rtnl_linkprop(cmd: str, net: Net, ifm: IfInfoMsg) -> None:
    """rtnl_linkprop under RTNL: names are changed one by one; an error keeps the earlier ones."""
    from netlife.kernel.dev_flags import netdev_state_change

    ASSERT_RTNL(net.kernel)
    dev = rtnl_dev_get_required(net, ifm)
    props = ifm.attrs.get("IFLA_PROP_LIST")
    if not props:
        return
    names = props.get("IFLA_ALT_IFNAME", [])
    changed = False
    for name in [names] if isinstance(names, str) else names:
        rtnl_alt_ifname(cmd, dev, name)  # an error returns before any notification
        changed = True
    if changed:
        netdev_state_change(dev)


def rtnl_newlinkprop(net: Net, ifm: IfInfoMsg) -> None:
    with rtnl_lock(net.kernel):
        rtnl_linkprop(RTM_NEWLINKPROP, net, ifm)


def rtnl_dellinkprop(net: Net, ifm: IfInfoMsg) -> None:
    with rtnl_lock(net.kernel):
        rtnl_linkprop(RTM_DELLINKPROP, net, ifm)
