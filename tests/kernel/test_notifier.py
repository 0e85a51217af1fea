"""Netdevice notifier chains: priority order, stop codes, replay on registration with rollback,
synthesized events on unregistration, the per-namespace chain, and the NETDEV_REGISTER veto.

Mirrors kernel/notifier.c and net/core/dev.c: register_netdevice_notifier(),
unregister_netdevice_notifier(), call_netdevice_notifiers_info().
"""

from __future__ import annotations

import pytest

from netlife import KernelError, NetdevCmd, NotifierBlock
from netlife import register_netdevice_notifier as register
from netlife import unregister_netdevice_notifier as unregister
from netlife.kernel.dev_notify import register_netdevice_notifier_net
from netlife.kernel.errors import EBUSY, EEXIST, ENOENT, EPERM
from netlife.kernel.netdevice import NETREG_REGISTERED
from netlife.kernel.netns_lifecycle import copy_net_ns
from netlife.kernel.notifier import (
    NOTIFY_BAD,
    NOTIFY_DONE,
    NOTIFY_OK,
    NOTIFY_STOP,
    notifier_from_errno,
    notifier_to_errno,
)


def recorder(log, tag, result=NOTIFY_DONE, when=None):
    """A notifier block that logs (tag, event, device) and returns `result` where `when` holds."""

    def call(nb, event, info):
        log.append((tag, NetdevCmd(event).name, info.dev.name))
        if when is None or when(event, info.dev):
            return result
        return NOTIFY_DONE

    return NotifierBlock(call, name=tag)


def test_errno_round_trips_through_notifier_codes():
    assert notifier_to_errno(notifier_from_errno(-EBUSY)) == -EBUSY
    assert notifier_to_errno(NOTIFY_BAD) == -EPERM
    assert notifier_to_errno(NOTIFY_OK) == 0 and notifier_to_errno(NOTIFY_STOP) == 0


def test_blocks_run_by_priority_then_registration_order(host):
    kernel = host.kernel
    log: list = []
    for tag, prio in (("a0", 0), ("b10", 10), ("c0", 0), ("d-5", -5), ("e10", 10)):
        nb = recorder(log, tag)
        nb.priority = prio
        register(kernel, nb)
    log.clear()
    host.dummy("d0")
    order = [tag for tag, event, dev in log if event == "NETDEV_REGISTER" and dev == "d0"]
    assert order == ["b10", "e10", "a0", "c0", "d-5"]


def test_a_stop_code_ends_the_chain(host):
    kernel = host.kernel
    log: list = []
    register(kernel, NotifierBlock(recorder(log, "first").notifier_call, priority=5))
    stopper = recorder(log, "stopper", NOTIFY_STOP, when=lambda e, d: e == NetdevCmd.NETDEV_UP)
    stopper.priority = 1
    register(kernel, stopper)
    register(kernel, recorder(log, "last"))
    log.clear()
    dev = host.dummy("d0")
    host.up(dev)
    ups = [tag for tag, event, _ in log if event == "NETDEV_UP"]
    assert ups == ["first", "stopper"]  # NETDEV_UP ignores the result, but the chain stops
    assert dev.flags & 1


def test_registering_the_same_block_twice_fails(host):
    nb = recorder([], "x")
    assert register(host.kernel, nb) == 0
    assert register(host.kernel, nb) == -EEXIST
    assert unregister(host.kernel, nb) == 0
    assert unregister(host.kernel, nb) == -ENOENT


def test_registration_replays_register_and_up_for_every_namespace(host):
    kernel = host.kernel
    net = copy_net_ns(kernel)
    v0, _v1 = host.veth(peer_net=net)
    host.up(v0)
    log: list = []
    assert register(kernel, recorder(log, "nb")) == 0
    assert log == [
        ("nb", "NETDEV_REGISTER", "lo"),
        ("nb", "NETDEV_REGISTER", "veth0"),
        ("nb", "NETDEV_UP", "veth0"),
        ("nb", "NETDEV_REGISTER", "lo"),  # the second namespace's loopback
        ("nb", "NETDEV_REGISTER", "veth1"),
    ]


def test_a_failed_replay_rolls_back_and_leaves_the_chain(host):
    kernel = host.kernel
    net = copy_net_ns(kernel)
    a = host.dummy("a")
    host.up(a)
    host.dummy("b", net=net)
    host.dummy("c", net=net)
    log: list = []
    nb = recorder(
        log, "nb", notifier_from_errno(-EBUSY), when=lambda e, d: e == 5 and d.name == "c"
    )
    before = list(kernel.netdev_chain.blocks)
    assert register(kernel, nb) == -EBUSY
    assert kernel.netdev_chain.blocks == before
    rollback = log[log.index(("nb", "NETDEV_REGISTER", "c")) + 1 :]
    assert rollback == [
        # the failing namespace, in reverse from the device before the failing one
        ("nb", "NETDEV_UNREGISTER", "b"),
        ("nb", "NETDEV_UNREGISTER", "lo"),
        # earlier namespaces in reverse, each walked in list order, DOWN first for up devices
        ("nb", "NETDEV_UNREGISTER", "lo"),
        ("nb", "NETDEV_UNREGISTER", "dummy0"),
        ("nb", "NETDEV_GOING_DOWN", "a"),
        ("nb", "NETDEV_DOWN", "a"),
        ("nb", "NETDEV_UNREGISTER", "a"),
    ]
    assert a.reg_state == NETREG_REGISTERED and a.flags & 1  # nothing really went away


def test_unregistration_synthesizes_down_and_unregister(host):
    kernel = host.kernel
    dev = host.dummy("d0")
    host.up(dev)
    log: list = []
    states = []
    nb = recorder(log, "nb")
    register(kernel, nb)
    log.clear()

    def watch(b, event, info):
        states.append(info.dev.reg_state)
        return NOTIFY_DONE

    nb.notifier_call, inner = (
        (lambda b, e, i: (watch(b, e, i), inner(b, e, i))[1]),
        nb.notifier_call,
    )
    assert unregister(kernel, nb) == 0
    assert log == [
        ("nb", "NETDEV_UNREGISTER", "lo"),
        ("nb", "NETDEV_UNREGISTER", "dummy0"),
        ("nb", "NETDEV_GOING_DOWN", "d0"),
        ("nb", "NETDEV_DOWN", "d0"),
        ("nb", "NETDEV_UNREGISTER", "d0"),
    ]
    assert set(states) == {NETREG_REGISTERED}  # handlers must tell these from a real one
    assert dev.flags & 1 and nb not in kernel.netdev_chain.blocks


def test_namespace_chain_runs_before_the_global_chain(host):
    kernel = host.kernel
    net = copy_net_ns(kernel)
    log: list = []
    register(kernel, recorder(log, "global"))
    assert register_netdevice_notifier_net(net, recorder(log, "pernet")) == 0
    log.clear()
    host.dummy("d0", net=net)
    host.dummy("d1")
    regs = [
        (tag, dev) for tag, event, dev in log if event == "NETDEV_REGISTER" and dev in ("d0", "d1")
    ]
    assert regs == [("pernet", "d0"), ("global", "d0"), ("global", "d1")]


def test_register_veto_through_rtnetlink_leaves_no_trace(host):
    kernel = host.kernel
    host.dummy("keep")
    log: list = []
    veto = recorder(log, "veto", NOTIFY_BAD, when=lambda e, d: e == 5 and d.name == "d1")
    register(kernel, veto)
    host.clear()
    with pytest.raises(KernelError) as err:
        host.dummy("d1")
    assert err.value.errno == EPERM  # NOTIFY_BAD
    calls = [(e, d) for _, e, d in log if d == "d1"]
    assert calls == [
        ("NETDEV_POST_INIT", "d1"),
        ("NETDEV_REGISTER", "d1"),
        ("NETDEV_UNREGISTER", "d1"),
        ("NETDEV_PRE_UNINIT", "d1"),
    ]
    assert host.events == []  # still initializing: neither RTM_NEWLINK nor RTM_DELLINK
    assert host.init_net.dev_get_by_name("d1") is None
    freed = [d for d in kernel.allocated.values() if d.name == "d1"]
    assert freed == []  # freed in the todo through needs_free_netdev
