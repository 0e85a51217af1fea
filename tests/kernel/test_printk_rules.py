"""Every BUG and WARN rule of kernel/rules.py, triggered the way a buggy driver or caller would.

A BUG test checks the KernelBug's rule id and the `kernel BUG at SITE!` line; a WARN test checks
the recorded violation and the `WARNING: CPU: 0 PID: 1 at SITE` line, and that the operation went
on as the kernel's does after WARN_ON.
"""

from __future__ import annotations

import itertools
import pathlib
import re

import pytest

from netlife import (
    Hang,
    KernelBug,
    KernelError,
    NetdevCmd,
    NotifierBlock,
    alloc_netdev,
    alloc_netdev_mqs,
    dev_hold,
    dev_put,
    free_netdev,
    netdev_hold,
    netdev_put,
    netdev_upper_dev_link,
    register_netdev,
    register_netdevice,
    register_netdevice_notifier,
    rtnl_lock,
    rtnl_unlock,
    secs,
    unregister_netdev,
    unregister_netdevice,
)
from netlife.kernel.dev import net_set_todo
from netlife.kernel.dev_todo import TodoWait
from netlife.kernel.errors import EMLINK
from netlife.kernel.netdevice import (
    MAX_NEST_DEV,
    NET_NAME_UNKNOWN,
    NETREG_UNREGISTERED,
    ether_setup,
    put_device,
)
from netlife.kernel.netns_lifecycle import PernetOperations, copy_net_ns, register_pernet_subsys
from netlife.kernel.notifier import NOTIFY_DONE
from netlife.kernel.rtnetlink import RtnlLinkOps, rtnl_link_register
from netlife.kernel.rules import RULES


def simple_dev(kernel, name="eth0", register=True):
    dev = alloc_netdev(kernel, None, name, NET_NAME_UNKNOWN, ether_setup)
    if register:
        register_netdev(dev)
    return dev


def assert_bug(host, exc, rule):
    assert exc.value.rule == rule
    assert f"kernel BUG at {RULES[rule].site}!" in host.dmesg_lines()
    assert host.violations()[-1] == (rule, "BUG")


def assert_warn(host, rule):
    assert (rule, "WARN") in host.violations()
    assert f"WARNING: CPU: 0 PID: 1 at {RULES[rule].site}" in host.dmesg_lines()


# -- RTNL ---------------------------------------------------------------------------------------


def test_register_netdevice_without_rtnl_is_a_bug(host):
    dev = simple_dev(host.kernel, register=False)
    with pytest.raises(KernelBug) as exc:
        register_netdevice(dev)
    assert_bug(host, exc, "rtnl-not-held")
    assert "RTNL: assertion failed" in host.dmesg_lines()
    free_netdev(dev)


def test_register_netdev_under_rtnl_deadlocks(host):
    dev = simple_dev(host.kernel, register=False)
    with pytest.raises(KernelBug) as exc, rtnl_lock(host.kernel):
        register_netdev(dev)  # takes RTNL itself
    assert_bug(host, exc, "rtnl-double-lock")
    assert host.kernel.rtnl_owner is None
    free_netdev(dev)


def test_rtnl_unlock_without_the_lock_is_a_bug(host):
    with pytest.raises(KernelBug) as exc:
        rtnl_unlock(host.kernel)
    assert_bug(host, exc, "rtnl-unlock-unheld")


def test_rtnl_unlock_without_the_todo_warns_when_unregistrations_are_pending(host):
    """A rebroadcast handler that unregisters leaves work for an unrelated later unlocker."""
    kernel = host.kernel
    victim = simple_dev(kernel, "victim")

    def handler(nb, event, info):
        rebroadcast = event == NetdevCmd.NETDEV_UNREGISTER
        if rebroadcast and info.dev.reg_state == NETREG_UNREGISTERED and victim.reg_state == 1:
            unregister_netdevice(victim)
        return NOTIFY_DONE

    register_netdevice_notifier(kernel, NotifierBlock(handler, name="bad_handler"))
    held = simple_dev(kernel, "held")
    tracker = netdev_hold(held, "test")
    kernel.clock.schedule(secs(3), lambda: netdev_put(held, tracker))
    unregister_netdev(held)
    assert_warn(host, "unlock-with-todo")
    assert "__rtnl_unlock: net_todo_list not empty: victim" in host.dmesg_lines()
    # The victim waits on the global list until someone else releases RTNL.
    assert victim.todo and not victim.freed
    with rtnl_lock(kernel):
        pass
    assert victim.reg_state == NETREG_UNREGISTERED and not victim.todo
    free_netdev(victim)
    free_netdev(held)


# -- register / unregister ----------------------------------------------------------------------


def test_registering_twice_is_a_bug(host):
    dev = simple_dev(host.kernel)
    with pytest.raises(KernelBug) as exc, rtnl_lock(host.kernel):
        register_netdevice(dev)
    assert_bug(host, exc, "register-not-uninitialized")


def test_unregistering_a_never_registered_device_warns_and_skips_it(host):
    dev = simple_dev(host.kernel, "never", register=False)
    with rtnl_lock(host.kernel):
        unregister_netdevice(dev)
    assert_warn(host, "unregister-uninitialized")
    assert "unregister_netdevice: device never/0 never was registered" in host.dmesg_lines()
    assert host.kernel.net_todo_list == [] and host.kernel.dev_unreg_count == 0
    free_netdev(dev)
    assert dev.freed


def test_unregistering_twice_is_a_bug(host):
    dev = host.dummy("d0")
    with pytest.raises(KernelBug) as exc, rtnl_lock(host.kernel):
        unregister_netdevice(dev)
        unregister_netdevice(dev)
    assert_bug(host, exc, "unregister-not-registered")
    assert "unregister_netdevice: d0 is NETREG_UNREGISTERING" in host.dmesg_lines()


def test_upper_left_linked_warns_and_the_lower_never_frees(host):
    kernel = host.kernel
    lower, upper = simple_dev(kernel, "lower"), simple_dev(kernel, "upper")
    with rtnl_lock(kernel):
        netdev_upper_dev_link(lower, upper)
    with pytest.raises(Hang) as hang:
        unregister_netdev(lower)
    assert_warn(host, "upper-left-after-unregister")
    assert "lower: upper devices still linked: upper" in host.dmesg_lines()
    (stuck,) = hang.value.report.devices
    assert stuck.name == "lower" and stuck.usage_count == 2
    assert stuck.holders == [("__netdev_adjacent_dev_insert (lower of upper)", 1)]


def test_lower_left_linked_warns(host):
    kernel = host.kernel
    lower, upper = simple_dev(kernel, "lower"), simple_dev(kernel, "upper")
    with rtnl_lock(kernel):
        netdev_upper_dev_link(lower, upper)
    with pytest.raises(Hang):
        unregister_netdev(upper)
    assert_warn(host, "lower-left-after-unregister")
    assert "upper: lower devices still linked: lower" in host.dmesg_lines()


def test_adjacency_deeper_than_max_nest_dev_is_refused_with_emlink(host):
    """__netdev_upper_dev_link returns -EMLINK; the kernel has no WARN there, so none is logged."""
    kernel = host.kernel
    devs = [simple_dev(kernel, f"n{i}") for i in range(MAX_NEST_DEV + 1)]
    with rtnl_lock(kernel):
        for lower, upper in itertools.pairwise(devs[:-1]):  # a chain MAX_NEST_DEV deep
            netdev_upper_dev_link(lower, upper)
        with pytest.raises(KernelError) as err:
            netdev_upper_dev_link(devs[-2], devs[-1])
    assert err.value.errno == EMLINK
    assert ("adjacency-too-deep", "WARN") not in host.violations()
    assert devs[-1] not in devs[-2].adj_upper


def test_todo_entry_not_unregistering_is_reported_and_dropped(host):
    dev = simple_dev(host.kernel, "odd")
    with rtnl_lock(host.kernel):
        net_set_todo(host.kernel, dev)
    assert_warn(host, "run-todo-not-unregistering")
    assert "network todo 'odd' but state 1" in host.dmesg_lines()
    assert dev.reg_state == 1 and not dev.todo


def test_todo_completing_a_device_with_references_is_a_bug(host):
    """netdev_run_todo's BUG_ON(refcnt != 1), reached only if the wait returned a busy device."""
    dev = simple_dev(host.kernel, "busy")
    with pytest.raises(KernelBug) as exc:
        TodoWait(host.kernel, [dev])._finish(dev)
    assert_bug(host, exc, "todo-not-free")


# -- references and freeing ---------------------------------------------------------------------


def test_free_netdev_of_a_registered_device_is_a_bug(host):
    dev = simple_dev(host.kernel)
    with pytest.raises(KernelBug) as exc:
        free_netdev(dev)
    assert_bug(host, exc, "free-registered")
    assert "free_netdev(eth0) in state NETREG_REGISTERED" in host.dmesg_lines()


def test_free_netdev_twice_is_a_bug(host):
    dev = simple_dev(host.kernel)
    unregister_netdev(dev)
    free_netdev(dev)
    with pytest.raises(KernelBug) as exc:
        free_netdev(dev)
    assert_bug(host, exc, "double-free")


def test_using_a_freed_device_is_a_bug(host):
    dev = host.dummy("d0")
    host.dellink(dev)
    assert dev.freed
    with pytest.raises(KernelBug) as exc:
        dev_hold(dev)
    assert_bug(host, exc, "use-after-free")


def test_driver_freeing_an_rtnl_link_ops_device_warns(host):
    kernel = host.kernel
    ops = RtnlLinkOps(kind="leaky", setup=ether_setup)  # forgets needs_free_netdev
    rtnl_link_register(kernel, ops)
    host.kernel.link_ops["leaky"] = ops
    from netlife.kernel.if_link import NLM_F_CREATE, NLM_F_EXCL, IfInfoMsg
    from netlife.kernel.rtnetlink import rtnl_newlink

    attrs = {"IFLA_IFNAME": "lk0", "IFLA_LINKINFO": {"IFLA_INFO_KIND": "leaky"}}
    rtnl_newlink(host.init_net, IfInfoMsg(nlmsg_flags=NLM_F_CREATE | NLM_F_EXCL, attrs=attrs))
    dev = host.init_net.dev_get_by_name("lk0")
    host.dellink("lk0")
    assert dev.reg_state == NETREG_UNREGISTERED and not dev.freed
    free_netdev(dev)
    assert_warn(host, "rtnl-link-ops-freed-by-driver")
    assert dev.freed  # WARN only: the free went ahead


def test_dropping_a_reference_not_held_warns(host):
    dev = simple_dev(host.kernel)
    dev_put(dev)
    assert_warn(host, "refcnt-negative")
    assert dev.refcnt == 4  # unchanged: base, registered, in_device, inet6_dev
    tracker = netdev_hold(dev, "once")
    netdev_put(dev, tracker)
    netdev_put(dev, tracker)
    assert host.violations().count(("refcnt-negative", "WARN")) == 2
    assert "netdev_put(eth0): tracker once not held" in host.dmesg_lines()
    assert dev.refcnt == 4  # registered, in_device, inet6_dev
    unregister_netdev(dev)
    free_netdev(dev)


def test_free_with_tracked_references_outstanding_warns(host):
    dev = simple_dev(host.kernel)
    unregister_netdev(dev)
    netdev_hold(dev, "late_user")
    free_netdev(dev)
    assert_warn(host, "tracker-leak-at-free")
    assert "eth0: leaked refs: late_user" in host.dmesg_lines()


def test_last_kobject_reference_before_free_netdev_is_a_bug(host):
    dev = simple_dev(host.kernel)
    unregister_netdev(dev)
    with pytest.raises(KernelBug) as exc:
        put_device(dev)  # a sysfs user dropping a reference it did not hold
    assert_bug(host, exc, "release-not-released")


# -- allocation and namespaces ------------------------------------------------------------------


def test_allocating_with_a_name_of_ifnamsiz_bytes_is_a_bug(host):
    with pytest.raises(KernelBug) as exc:
        alloc_netdev_mqs(host.kernel, None, "x" * 16, NET_NAME_UNKNOWN, ether_setup, 1, 1)
    assert_bug(host, exc, "name-too-long")
    assert alloc_netdev_mqs(host.kernel, None, "x" * 15, NET_NAME_UNKNOWN, None, 1, 1)


def test_loopback_must_get_ifindex_1_in_a_new_namespace(host):
    kernel = host.kernel

    def early_device(net):  # a subsystem op runs before loopback's device op
        dev = alloc_netdev(kernel, None, "early", NET_NAME_UNKNOWN, ether_setup)
        dev.nd_net = net
        dev.needs_free_netdev = True
        register_netdev(dev)
        return 0

    register_pernet_subsys(kernel, PernetOperations("early", init=early_device))
    with pytest.raises(KernelBug) as exc:
        copy_net_ns(kernel)
    assert_bug(host, exc, "loopback-ifindex")
    assert "lo got ifindex 2" in host.dmesg_lines()
    # The half-made namespace was never published; later namespaces are made without "early".
    kernel.pernet_list = [o for o in kernel.pernet_list if o.name != "early"]
    assert kernel.nets == [kernel.init_net]
    assert copy_net_ns(kernel).loopback_dev.ifindex == 1


def test_every_rule_is_triggered_by_some_test():
    """Each rule id kernel/rules.py defines appears, quoted, in a test module. (Rules other
    kernel modules add to RULES are their tests' business.)"""
    import netlife.kernel.rules as rules_module

    source = pathlib.Path(rules_module.__file__).read_text()
    defined = set(re.findall(r'_rule\(\s*"([a-z0-9-]+)"', source))
    assert defined and defined <= set(RULES)
    tests = pathlib.Path(__file__).resolve().parent.parent
    text = "\n".join(p.read_text() for p in tests.rglob("test_*.py"))
    quoted = set(re.findall(r'"([a-z0-9-]+)"', text))
    assert sorted(defined - quoted) == []
