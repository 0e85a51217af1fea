"""The public Python API: Kernel (a simulated host with the drivers table loaded) and the
kernel-named operations, under the kernel's own names. `netlife.NAME` reaches these (see
netlife/__init__.py, which loads this module on first use)."""

from __future__ import annotations

from netlife.kernel import core as _core
from netlife.kernel.clock import secs
from netlife.kernel.dev import (
    dev_alloc_name,
    register_netdev,
    register_netdevice,
    unregister_netdev,
    unregister_netdevice,
    unregister_netdevice_many,
    unregister_netdevice_queue,
    unregister_netdevice_queued,
)
from netlife.kernel.dev_adjacency import (
    netdev_master_upper_dev_link,
    netdev_upper_dev_link,
    netdev_upper_dev_unlink,
)
from netlife.kernel.dev_flags import (
    dev_change_flags,
    dev_close,
    dev_close_many,
    dev_open,
    dev_set_mtu,
    netif_carrier_off,
    netif_carrier_on,
)
from netlife.kernel.dev_notify import (
    call_netdevice_notifiers,
    register_netdevice_notifier,
    unregister_netdevice_notifier,
)
from netlife.kernel.dev_todo import netdev_run_todo
from netlife.kernel.errors import Hang, KernelBug, KernelError
from netlife.kernel.netdevice import (
    NetDevice,
    NetDeviceOps,
    NetdevRegState,
    alloc_netdev,
    alloc_netdev_mqs,
    dev_hold,
    dev_put,
    dev_valid_name,
    free_netdev,
    netdev_hold,
    netdev_priv,
    netdev_put,
)
from netlife.kernel.notifier import NetdevCmd, NotifierBlock
from netlife.kernel.rtnetlink import (
    ASSERT_RTNL,
    RtnlLinkOps,
    rtnl_link_register,
    rtnl_link_unregister,
    rtnl_lock,
    rtnl_unlock,
)


class Kernel(_core.Kernel):
    """A simulated host whose modprobe finds netlife's drivers (loopback built in)."""

    def __init__(self, module_table=None, **options) -> None:
        from netlife.drivers import MODULES

        super().__init__(MODULES if module_table is None else module_table, **options)


__all__ = [
    "ASSERT_RTNL",
    "Hang",
    "Kernel",
    "KernelBug",
    "KernelError",
    "NetDevice",
    "NetDeviceOps",
    "NetdevCmd",
    "NetdevRegState",
    "NotifierBlock",
    "RtnlLinkOps",
    "alloc_netdev",
    "alloc_netdev_mqs",
    "call_netdevice_notifiers",
    "dev_alloc_name",
    "dev_change_flags",
    "dev_close",
    "dev_close_many",
    "dev_hold",
    "dev_open",
    "dev_put",
    "dev_set_mtu",
    "dev_valid_name",
    "free_netdev",
    "netdev_hold",
    "netdev_master_upper_dev_link",
    "netdev_priv",
    "netdev_put",
    "netdev_run_todo",
    "netdev_upper_dev_link",
    "netdev_upper_dev_unlink",
    "netif_carrier_off",
    "netif_carrier_on",
    "register_netdev",
    "register_netdevice",
    "register_netdevice_notifier",
    "rtnl_link_register",
    "rtnl_link_unregister",
    "rtnl_lock",
    "rtnl_unlock",
    "secs",
    "unregister_netdev",
    "unregister_netdevice",
    "unregister_netdevice_many",
    "unregister_netdevice_notifier",
    "unregister_netdevice_queue",
    "unregister_netdevice_queued",
]
