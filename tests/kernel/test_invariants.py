"""kernel/invariants.py finds each kind of corruption it claims to check, and nothing on a
healthy host."""

from __future__ import annotations

import pytest

from netlife import netdev_hold
from netlife.kernel.invariants import check_invariants
from netlife.kernel.netdevice import NETREG_UNREGISTERING


def test_healthy_host_has_no_problems(host):
    host.veth()
    host.dummy("d0")
    assert check_invariants(host.kernel) == []


@pytest.mark.parametrize(
    ("corrupt", "expected"),
    [
        (lambda k, d: k.init_net.name_hash.pop("d0"), "name_hash['d0'] does not map to d0"),
        (lambda k, d: k.init_net.index_hash.pop(d.ifindex), "does not map to d0"),
        (lambda k, d: setattr(d, "refcnt", d.refcnt + 1), "d0: refcnt 5 != 1 + 0 untracked"),
        (lambda k, d: k.init_net.dev_base.pop(d), "NETREG_REGISTERED but not listed"),
        (lambda k, d: setattr(d, "freed", True), "freed device d0 (ifindex"),
        (lambda k, d: setattr(k, "dev_unreg_count", 1), "dev_unreg_count is 1"),
        (
            lambda k, d: setattr(d, "reg_state", NETREG_UNREGISTERING),
            "d0: listed in its namespace while",
        ),
        (lambda k, d: k.init_net.name_hash.setdefault("ghost", d), "'ghost'"),
    ],
)
def test_corruption_is_reported(host, corrupt, expected):
    kernel = host.kernel
    dev = host.dummy("d0")
    kernel.clock.run_pending()
    saved = (
        dict(kernel.init_net.name_hash),
        dict(kernel.init_net.index_hash),
        dict(kernel.init_net.dev_base),
        dev.refcnt,
        dev.freed,
        dev.reg_state,
    )
    corrupt(kernel, dev)
    problems = check_invariants(kernel)
    assert any(expected in p for p in problems), problems
    net = kernel.init_net
    net.name_hash, net.index_hash, net.dev_base = saved[0], saved[1], saved[2]
    dev.refcnt, dev.freed, dev.reg_state = saved[3:]
    kernel.dev_unreg_count = 0
    kernel.allocated[dev.kaddr] = dev


def test_unregistered_device_nobody_waits_for_is_reported(host):
    kernel = host.kernel
    v0, v1 = host.veth()
    netdev_hold(v1, "test_holder")
    from netlife import Hang

    with pytest.raises(Hang):
        host.dellink(v0)
    wait = next(iter(kernel.todo_waits))
    kernel.todo_waits.clear()
    problems = check_invariants(kernel)
    assert any("neither freed nor waited for" in p for p in problems)
    kernel.todo_waits.add(wait)
    (t,) = v1.refcnt_tracker.trackers
    from netlife import netdev_put, secs

    netdev_put(v1, t)
    kernel.clock.advance(secs(1))
    assert v1.freed
