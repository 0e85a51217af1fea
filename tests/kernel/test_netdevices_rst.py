"""Documentation/networking/netdevices.rst, "struct net_device lifetime rules", rule by rule.

The two example flows of the document run as written: the simple driver's probe/remove
(alloc_netdev_mqs, register_netdev, unregister_netdev, free_netdev) and create_link under RTNL
with needs_free_netdev and priv_destructor, through each of its error paths. Where the code
refines the document (kernel-reference.md §3.2-3.3), the test states the code's behaviour.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from netlife import (
    KernelError,
    NetdevCmd,
    NotifierBlock,
    alloc_netdev,
    alloc_netdev_mqs,
    free_netdev,
    netdev_hold,
    netdev_priv,
    netdev_put,
    register_netdev,
    register_netdevice,
    register_netdevice_notifier,
    rtnl_lock,
    secs,
    unregister_netdev,
    unregister_netdevice,
    unregister_netdevice_notifier,
)
from netlife.kernel.errors import EBUSY, EINVAL, ENOMEM
from netlife.kernel.netdevice import (
    NET_NAME_ENUM,
    NET_NAME_UNKNOWN,
    NETREG_RELEASED,
    NETREG_UNINITIALIZED,
    NETREG_UNREGISTERED,
    NetDeviceOps,
    ether_setup,
)
from netlife.kernel.notifier import NOTIFY_DONE, notifier_from_errno

# -- the simple driver -------------------------------------------------------------------------


@dataclass
class MyDevicePriv:
    setup_done: bool = False
    log: list[str] = field(default_factory=list)


def probe(kernel, name="eth%d"):
    dev = alloc_netdev_mqs(kernel, MyDevicePriv(), name, NET_NAME_ENUM, ether_setup, 1, 1)
    if dev is None:
        raise KernelError(-ENOMEM)
    priv = netdev_priv(dev)
    priv.setup_done = True  # all device setup before register_netdev()
    try:
        register_netdev(dev)
    except KernelError:
        priv.setup_done = False  # undo the device setup
        free_netdev(dev)
        raise
    return dev


def remove(dev):
    unregister_netdev(dev)
    free_netdev(dev)


def test_simple_driver_probe_makes_the_device_visible_at_once(host):
    dev = probe(host.kernel)
    assert dev.name == "eth0"
    assert host.init_net.dev_get_by_name("eth0") is dev
    assert host.events == [("RTM_NEWLINK", "eth0", dev.ifindex)]
    # "Users can open it ... immediately": the device can be brought up right after probe.
    host.up(dev)
    assert dev.flags & 1


def test_simple_driver_remove_frees_after_unregister_netdev_returns(host):
    dev = probe(host.kernel)
    unregister_netdev(dev)
    # unregister_netdev waited for users: the device is UNREGISTERED with only the base ref.
    assert dev.reg_state == NETREG_UNREGISTERED and dev.refcnt == 1
    assert not dev.freed  # no needs_free_netdev: the driver frees it
    free_netdev(dev)
    assert dev.reg_state == NETREG_RELEASED and dev.freed


def test_simple_driver_probe_failure_frees_an_unregistered_device(host):
    probe(host.kernel, "taken")
    with pytest.raises(KernelError) as err:
        probe(host.kernel, "taken")
    assert err.value.errno == 17  # -EEXIST from dev_get_valid_name
    # The failed device was freed on the error path, never listed, never announced.
    assert [d.name for d in host.init_net.devices()] == ["lo", "taken"]
    assert [e[1] for e in host.events] == ["taken"]


def test_unregister_netdev_waits_for_all_users(host):
    """'unregister_netdev() closes the device and waits for all users to be done with it.'"""
    kernel = host.kernel
    dev = probe(kernel)
    host.up(dev)
    tracker = netdev_hold(dev, "user")
    kernel.clock.schedule(secs(3), lambda: netdev_put(dev, tracker))
    start = kernel.clock.now
    unregister_netdev(dev)
    assert kernel.clock.now - start >= secs(3)
    assert ("NETDEV_GOING_DOWN", "eth0") in host.notifications()
    assert dev.refcnt == 1 and not dev.flags & 1
    free_netdev(dev)


def test_unregistered_device_operations_fail(host):
    """'The memory ... may still be referenced by sysfs but all operations ... will fail.'"""
    from netlife.kernel.if_link import IfInfoMsg
    from netlife.kernel.rtnetlink import rtnl_getlink

    dev = probe(host.kernel)
    unregister_netdev(dev)
    for attempt in (
        lambda: rtnl_getlink(host.init_net, IfInfoMsg(ifi_index=dev.ifindex)),
        lambda: host.up(dev),
        lambda: host.setlink(dev, IFLA_MTU=1400),
        lambda: host.kernel.sysfs.read(host.init_net, "/sys/class/net/eth0/mtu"),
    ):
        with pytest.raises(KernelError) as err:
            attempt()
        assert err.value.errno in (19, 2)  # -ENODEV, or -ENOENT for the sysfs file
    free_netdev(dev)


# -- create_link under RTNL --------------------------------------------------------------------


@dataclass
class LinkPriv:
    obj: object | None = None
    inited: bool = False


class CreateLinkDriver:
    """The document's create_link(), with switches that make each step fail."""

    def __init__(self, kernel):
        self.kernel = kernel
        self.log: list[str] = []
        self.fail_init = False
        self.fail_obj = False

    def my_setup(self, dev):
        dev.needs_free_netdev = True

    def my_destructor(self, dev):
        priv = netdev_priv(dev)
        self.log.append(f"destructor rtnl={self.kernel.rtnl_owner is not None}")
        priv.obj = None  # some_obj_destroy
        priv.inited = False  # some_uninit

    def create_link(self, name="net%d", ops=None, ifindex=0):
        dev = alloc_netdev(self.kernel, LinkPriv(), name, NET_NAME_UNKNOWN, self.my_setup)
        if ops is not None:
            dev.netdev_ops = ops
        dev.ifindex = ifindex
        priv = netdev_priv(dev)
        self.dev = dev
        if self.fail_init:  # err = some_init(priv)
            free_netdev(dev)
            raise KernelError(-EINVAL)
        priv.inited = True
        if self.fail_obj:  # priv->obj = some_obj_create()
            priv.inited = False  # err_some_uninit
            free_netdev(dev)
            raise KernelError(-ENOMEM)
        priv.obj = object()
        dev.priv_destructor = self.my_destructor
        try:
            register_netdevice(dev)
        except KernelError:
            free_netdev(dev)  # "register_netdevice() calls destructor on failure"
            raise
        return dev


def test_create_link_success_then_unregister_calls_destructor_and_frees(host):
    drv = CreateLinkDriver(host.kernel)
    with rtnl_lock(host.kernel):
        dev = drv.create_link()
        assert dev.name == "net0" and dev.priv.obj is not None
        unregister_netdevice(dev)
        assert drv.log == []  # "some time after unregister_netdevice()"
    assert drv.log == ["destructor rtnl=False"]
    assert dev.freed  # needs_free_netdev: the core called free_netdev


@pytest.mark.parametrize("step", ["fail_init", "fail_obj"])
def test_create_link_failure_before_register_frees_at_once(host, step):
    drv = CreateLinkDriver(host.kernel)
    setattr(drv, step, True)
    with rtnl_lock(host.kernel), pytest.raises(KernelError):
        drv.create_link()
    assert drv.dev.freed and drv.dev.reg_state == NETREG_UNINITIALIZED
    assert drv.log == []  # the destructor was not yet set
    assert host.events == []


def test_register_failure_in_name_check_skips_destructor(host):
    """Code refinement: name validation fails before anything the destructor would undo."""
    drv = CreateLinkDriver(host.kernel)
    with rtnl_lock(host.kernel), pytest.raises(KernelError) as err:
        drv.create_link("bad/name")
    assert err.value.errno == EINVAL
    assert drv.log == [] and drv.dev.freed


def test_register_failure_in_ndo_init_skips_uninit_and_destructor(host):
    drv = CreateLinkDriver(host.kernel)
    calls = []
    ops = NetDeviceOps(ndo_init=lambda d: -ENOMEM, ndo_uninit=lambda d: calls.append("uninit"))
    with rtnl_lock(host.kernel), pytest.raises(KernelError) as err:
        drv.create_link(ops=ops)
    assert err.value.errno == ENOMEM
    assert calls == [] and drv.log == [] and drv.dev.freed


def test_register_failure_at_ifindex_calls_uninit_and_destructor_under_rtnl(host):
    drv = CreateLinkDriver(host.kernel)
    calls = []
    ops = NetDeviceOps(ndo_uninit=lambda d: calls.append("uninit"))
    with rtnl_lock(host.kernel), pytest.raises(KernelError) as err:
        drv.create_link(ops=ops, ifindex=1)  # lo's index: -EBUSY
    assert err.value.errno == EBUSY
    assert calls == ["uninit"] and drv.log == ["destructor rtnl=True"]
    assert drv.dev.freed


def test_register_failure_at_post_init_calls_destructor_synchronously(host):
    kernel = host.kernel

    def veto(nb, event, info):
        if event == NetdevCmd.NETDEV_POST_INIT:
            return notifier_from_errno(-EINVAL)
        return NOTIFY_DONE

    nb = NotifierBlock(veto, name="veto")
    assert register_netdevice_notifier(kernel, nb) == 0
    drv = CreateLinkDriver(kernel)
    with rtnl_lock(kernel):
        with pytest.raises(KernelError):
            drv.create_link()
        assert drv.log == ["destructor rtnl=True"]  # before register_netdevice returned
        assert drv.dev.freed
    unregister_netdevice_notifier(kernel, nb)
    # The reserved index was released, but the cursor had moved past it: no reuse.
    assert host.init_net.dev_get_by_index(2) is None
    assert host.dummy("d0").ifindex == 4  # 3 went to dummy0, made when the module loaded


def test_register_veto_defers_destructor_and_free_to_the_todo(host):
    kernel = host.kernel
    seen = []

    def veto(nb, event, info):
        seen.append((NetdevCmd(event).name, info.dev.name))
        if event == NetdevCmd.NETDEV_REGISTER and info.dev.name == "net0":
            return notifier_from_errno(-EBUSY)
        return NOTIFY_DONE

    def late(nb, event, info):
        seen.append(("late:" + NetdevCmd(event).name, info.dev.name))
        return NOTIFY_DONE

    register_netdevice_notifier(kernel, NotifierBlock(veto, priority=10, name="veto"))
    register_netdevice_notifier(kernel, NotifierBlock(late, priority=-10, name="late"))
    seen.clear()
    drv = CreateLinkDriver(kernel)
    with rtnl_lock(kernel):
        with pytest.raises(KernelError) as err:
            drv.create_link()
        assert err.value.errno == EBUSY
        dev = drv.dev
        # The full unregister ran: UNREGISTER reached the block that never saw REGISTER.
        assert ("late:NETDEV_UNREGISTER", "net0") in seen
        assert ("late:NETDEV_REGISTER", "net0") not in seen
        assert drv.log == [] and not dev.freed  # destructor and free wait for the todo
        assert dev.needs_free_netdev  # free_netdev in UNREGISTERING only set the flag
    assert drv.log == ["destructor rtnl=False"]
    assert dev.freed
    # RTM_NEWLINK was never sent, yet the unregister path sends RTM_DELLINK (the device has
    # no rtnl_link_ops, so nothing suppresses it): userspace hears of a device it never saw.
    assert host.events == [("RTM_DELLINK", "net0", dev.ifindex)]


def test_rtnl_link_ops_devices_are_freed_by_the_core(host):
    """'Devices spawned from struct rtnl_link_ops should never free the net_device directly.'"""
    dev = host.dummy("d0")
    assert dev.rtnl_link_ops is not None and dev.needs_free_netdev
    host.dellink("d0")
    assert dev.freed and host.violations() == []


def test_ndo_init_runs_before_visible_and_ndo_uninit_after_close(host):
    kernel = host.kernel
    log = []

    def ndo_init(dev):
        log.append(("init", kernel.init_net.dev_get_by_name(dev.name) is dev))
        return 0

    def ndo_uninit(dev):
        log.append(("uninit", bool(dev.flags & 1), dev.refcnt > 1))

    dev = alloc_netdev(kernel, None, "u0", NET_NAME_UNKNOWN, ether_setup)
    dev.netdev_ops = NetDeviceOps(ndo_init=ndo_init, ndo_uninit=ndo_uninit)
    register_netdev(dev)
    host.up(dev)
    tracker = netdev_hold(dev, "other subsystem")
    kernel.clock.schedule(secs(1), lambda: netdev_put(dev, tracker))
    unregister_netdev(dev)
    # init: not yet visible; uninit: closed, another subsystem still holds a reference.
    assert log == [("init", False), ("uninit", False, True)]
    free_netdev(dev)
