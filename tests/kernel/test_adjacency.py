"""Upper/lower adjacency: references held by each direct link, vetoes, loops, nesting levels.

Mirrors net/core/dev.c: __netdev_upper_dev_link / netdev_upper_dev_unlink with
__netdev_adjacent_dev_insert / _remove and the PRECHANGEUPPER / CHANGEUPPER notifications.
"""

from __future__ import annotations

import pytest

from netlife import (
    KernelError,
    NetdevCmd,
    NotifierBlock,
    netdev_master_upper_dev_link,
    netdev_upper_dev_link,
    netdev_upper_dev_unlink,
    register_netdevice_notifier,
    rtnl_lock,
)
from netlife.kernel.errors import EBUSY, EEXIST, EPERM
from netlife.kernel.notifier import NOTIFY_BAD, NOTIFY_DONE


@pytest.fixture
def trio(host):
    devs = [host.dummy(n) for n in ("a", "b", "c")]
    host.kernel.clock.run_pending()
    return devs


def test_link_holds_a_reference_each_way_and_unlink_drops_them(host, trio):
    a, b, _ = trio
    with rtnl_lock(host.kernel):
        netdev_upper_dev_link(a, b)
        assert b in a.adj_upper and a in b.adj_lower
        # base, register_netdevice, in_device, inet6_dev, and the link
        assert (a.refcnt, b.refcnt) == (5, 5)
        assert (a.upper_level, b.lower_level) == (2, 2)
        netdev_upper_dev_unlink(a, b)
    assert not a.adj_upper and not b.adj_lower and (a.refcnt, b.refcnt) == (4, 4)
    assert (a.upper_level, b.lower_level) == (1, 1)
    assert [e for e, _ in host.notifications("a")][-4:] == [
        "NETDEV_PRECHANGEUPPER",
        "NETDEV_CHANGEUPPER",
        "NETDEV_PRECHANGEUPPER",
        "NETDEV_CHANGEUPPER",
    ]


def test_loops_duplicates_and_second_masters_are_refused(host, trio):
    a, b, c = trio
    with rtnl_lock(host.kernel):
        netdev_master_upper_dev_link(a, b)
        for lower, upper, err in ((b, a, EBUSY), (a, a, EBUSY), (a, c, EBUSY), (a, b, EEXIST)):
            with pytest.raises(KernelError) as exc:
                netdev_master_upper_dev_link(lower, upper)
            assert exc.value.errno == err
        netdev_upper_dev_unlink(a, b)


def test_vetoes_before_and_after_linking_leave_no_link(host, trio):
    a, b, _ = trio
    kernel = host.kernel
    veto_at = []

    def veto(nb, event, info):
        if veto_at and event == veto_at[0]:
            return NOTIFY_BAD
        return NOTIFY_DONE

    register_netdevice_notifier(kernel, NotifierBlock(veto, name="veto"))
    for event in (NetdevCmd.NETDEV_PRECHANGEUPPER, NetdevCmd.NETDEV_CHANGEUPPER):
        veto_at[:] = [event]
        with rtnl_lock(kernel), pytest.raises(KernelError) as exc:
            netdev_upper_dev_link(a, b)
        assert exc.value.errno == EPERM
        assert not a.adj_upper and not b.adj_lower and (a.refcnt, b.refcnt) == (4, 4)


def test_invariants_see_a_one_sided_link(host, trio):
    a, b, _ = trio
    with rtnl_lock(host.kernel):
        netdev_upper_dev_link(a, b)
    entry = b.adj_lower.pop(a)
    assert any("as upper, not the other way round" in p for p in host.invariants())
    b.adj_lower[a] = entry
    with rtnl_lock(host.kernel):
        netdev_upper_dev_unlink(a, b)
    assert host.invariants() == []
