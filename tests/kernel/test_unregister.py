"""unregister_netdevice_queue / _many / _many_notify and unregister_netdevice_queued.

Mirrors net/core/dev.c: unregistration never waits (RTNL unlock does); a batch is closed, then
unlisted, then notified device by device; notifiers may nest batches; queueing moves a device
between lists; unreg_list links stay set after a multi-device batch (kernel-reference.md §4).
"""

from __future__ import annotations

import pytest

from netlife import (
    Hang,
    KernelBug,
    NetdevCmd,
    NotifierBlock,
    netdev_hold,
    netdev_put,
    register_netdevice_notifier,
    rtnl_lock,
    unregister_netdevice,
    unregister_netdevice_many,
    unregister_netdevice_queue,
    unregister_netdevice_queued,
)
from netlife.kernel.netdevice import NETREG_UNREGISTERING
from netlife.kernel.notifier import NOTIFY_DONE


def test_unregister_never_waits_rtnl_unlock_does(host):
    kernel = host.kernel
    dev = host.dummy("d0")
    tracker = netdev_hold(dev, "test_holder")
    with pytest.raises(Hang), rtnl_lock(kernel):
        unregister_netdevice(dev)
        assert kernel.clock.now == 0 and dev.reg_state == NETREG_UNREGISTERING
        assert dev.dismantle and not dev.listed and dev.todo
    assert kernel.clock.now > 0
    netdev_put(dev, tracker)
    kernel.clock.advance(10**9)
    assert dev.freed


def test_queue_only_appends_and_many_runs_the_batch(host):
    kernel = host.kernel
    a, b = host.dummy("a"), host.dummy("b")
    host.clear()
    with rtnl_lock(kernel):
        batch: list = []
        assert not unregister_netdevice_queued(a)
        unregister_netdevice_queue(b, batch)
        unregister_netdevice_queue(a, batch)
        assert batch == [b, a] and unregister_netdevice_queued(a)
        assert a.reg_state == 1 and host.notifications() == []
        unregister_netdevice_many(kernel, batch)
        assert batch == []
    assert [dev for ev, dev in host.notifications() if ev == "NETDEV_UNREGISTER"] == ["b", "a"]
    assert a.freed and b.freed


def test_queued_stays_true_after_a_multi_device_batch_only(host):
    kernel = host.kernel
    a, b, c = host.dummy("a"), host.dummy("b"), host.dummy("c")
    with rtnl_lock(kernel):
        unregister_netdevice(c)  # a one-device batch: the link is empty again
        unregister_netdevice_many(kernel, [a, b])  # the links stay pointing at each other
        assert not unregister_netdevice_queued(c)
        assert unregister_netdevice_queued(a) and unregister_netdevice_queued(b)
    assert a.freed and b.freed and c.freed


def test_queueing_moves_a_device_off_its_previous_batch(host):
    kernel = host.kernel
    a = host.dummy("a")
    with rtnl_lock(kernel):
        first: list = []
        second: list = []
        unregister_netdevice_queue(a, first)
        unregister_netdevice_queue(a, second)
        assert first == [] and second == [a]
        unregister_netdevice_many(kernel, second)
    assert a.freed


def test_batch_closes_all_then_unlists_all_then_notifies_each(host):
    kernel = host.kernel
    a, b = host.dummy("a"), host.dummy("b")
    host.up(a)
    host.up(b)
    listed = []

    def watch(nb, event, info):
        if event == NetdevCmd.NETDEV_UNREGISTER and info.dev.reg_state == NETREG_UNREGISTERING:
            listed.append((info.dev.name, a.listed, b.listed))
        return NOTIFY_DONE

    register_netdevice_notifier(kernel, NotifierBlock(watch, name="watch"))
    host.clear()
    with rtnl_lock(kernel):
        unregister_netdevice_many(kernel, [a, b])
    assert [e for e, _ in host.notifications()] == [
        "NETDEV_GOING_DOWN",
        "NETDEV_GOING_DOWN",
        "NETDEV_DOWN",
        "NETDEV_DOWN",
        "NETDEV_UNREGISTER",
        "NETDEV_PRE_UNINIT",
        "NETDEV_UNREGISTER",
        "NETDEV_PRE_UNINIT",
    ]
    assert listed == [("a", False, False), ("b", False, False)]
    assert [e[0] for e in host.events] == ["RTM_NEWLINK"] * 2 + ["RTM_DELLINK"] * 2


def test_nested_batch_from_a_notifier_finishes_first(host):
    kernel = host.kernel
    lower, upper = host.dummy("lower"), host.dummy("upper")
    order = []
    kernel.trace = lambda what, dev: order.append((what, dev.name))

    def cascade(nb, event, info):
        dev = info.dev
        real = event == NetdevCmd.NETDEV_UNREGISTER and dev.reg_state == NETREG_UNREGISTERING
        if real and dev is lower and upper.reg_state == 1:
            kill: list = []
            unregister_netdevice_queue(upper, kill)
            unregister_netdevice_many(kernel, kill)
        return NOTIFY_DONE

    register_netdevice_notifier(kernel, NotifierBlock(cascade, name="cascade"))
    host.dellink(lower)
    assert [n for w, n in order if w == "unregister"] == ["upper", "lower"]
    assert [n for w, n in order if w == "todo_done"] == ["upper", "lower"]
    assert upper.freed and lower.freed


def test_nested_batch_requeueing_an_outer_device_is_a_bug(host):
    kernel = host.kernel
    a, b = host.dummy("a"), host.dummy("b")

    def cascade(nb, event, info):
        if event == NetdevCmd.NETDEV_UNREGISTER and info.dev is a:
            unregister_netdevice_many(kernel, [b])  # b is on the outer batch already
        return NOTIFY_DONE

    register_netdevice_notifier(kernel, NotifierBlock(cascade, name="cascade"))
    with pytest.raises(KernelBug) as exc, rtnl_lock(kernel):
        unregister_netdevice_many(kernel, [a, b])
    assert exc.value.rule == "unregister-not-registered"
