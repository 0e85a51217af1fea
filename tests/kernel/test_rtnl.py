"""The RTM_NEWLINK / RTM_DELLINK / RTM_GETLINK request paths and their errors.

Mirrors net/core/rtnetlink.c: rtnl_newlink (lookup, NLM_F_EXCL, NLM_F_CREATE, unknown kinds),
rtnl_dellink (-ENODEV, -EOPNOTSUPP without dellink, -EINVAL with no selector, group delete),
rtnl_getlink dumps. A failed request leaves the host exactly as it was.
"""

from __future__ import annotations

import pytest

from netlife import KernelError
from netlife.kernel.errors import EEXIST, EINVAL, ENODEV, EOPNOTSUPP, EPERM
from netlife.kernel.if_link import NLM_F_DUMP, IfInfoMsg
from netlife.kernel.rtnetlink import rtnl_dellink, rtnl_getlink, rtnl_newlink


def snapshot(kernel):
    """Everything a failed request must leave unchanged."""
    return (
        [
            (d.name, d.ifindex, d.reg_state, d.flags, d.mtu, d.refcnt)
            for d in kernel.init_net.devices()
        ],
        sorted(kernel.allocated),
        kernel.init_net.ifindex,
        list(kernel.link_ops),
        kernel.dev_unreg_count,
    )


def errno_of(call):
    with pytest.raises(KernelError) as err:
        call()
    return err.value


def test_newlink_errors_leave_the_host_unchanged(host):
    kernel = host.kernel
    host.veth()
    host.dummy("d0")
    kernel.clock.run_pending()
    before = snapshot(kernel)
    net = host.init_net
    err = errno_of(lambda: rtnl_newlink(net, host.request("d0", "dummy")))
    assert err.errno == EEXIST
    err = errno_of(lambda: rtnl_newlink(net, IfInfoMsg(attrs={"IFLA_IFNAME": "nope"})))
    assert err.errno == ENODEV
    err = errno_of(lambda: rtnl_newlink(net, host.request("x0", "nosuchkind")))
    assert (err.errno, err.extack) == (EOPNOTSUPP, "Unknown device type")
    err = errno_of(lambda: rtnl_newlink(net, host.request("x0")))
    assert err.errno == EOPNOTSUPP
    err = errno_of(lambda: host.setlink(net.dev_get_by_name("veth0"), IFLA_MTU=100000))
    assert err.errno == EINVAL
    err = errno_of(lambda: host.veth("a", "b", IFLA_NUM_TX_QUEUES=5000))
    assert err.errno == EINVAL
    assert snapshot(kernel) == before


def test_dellink_errors(host):
    net = host.init_net
    assert errno_of(lambda: host.dellink("nope")).errno == ENODEV
    assert errno_of(lambda: host.dellink("lo")).errno == EOPNOTSUPP  # no rtnl_link_ops
    assert errno_of(lambda: rtnl_dellink(net, IfInfoMsg())).errno == EINVAL


def test_group_delete_is_one_batch_and_all_or_nothing(host):
    net = host.init_net
    a, b = host.dummy("a", IFLA_GROUP=7), host.dummy("b", IFLA_GROUP=7)
    host.setlink(net.loopback_dev, IFLA_GROUP=9)
    host.dummy("c", IFLA_GROUP=9)
    assert errno_of(lambda: rtnl_dellink(net, IfInfoMsg(attrs={"IFLA_GROUP": 0}))).errno == EPERM
    assert errno_of(lambda: rtnl_dellink(net, IfInfoMsg(attrs={"IFLA_GROUP": 3}))).errno == ENODEV
    assert (
        errno_of(lambda: rtnl_dellink(net, IfInfoMsg(attrs={"IFLA_GROUP": 9}))).errno == EOPNOTSUPP
    )
    assert net.dev_get_by_name("c") is not None  # nothing of group 9 was deleted
    host.clear()
    rtnl_dellink(net, IfInfoMsg(attrs={"IFLA_GROUP": 7}))
    assert a.freed and b.freed
    assert [e for e, _ in host.notifications()] == ["NETDEV_UNREGISTER", "NETDEV_PRE_UNINIT"] * 2


def test_getlink_dump_lists_devices_in_ifindex_order(host):
    host.veth()
    host.dummy("d0")
    dump = rtnl_getlink(host.init_net, IfInfoMsg(nlmsg_flags=NLM_F_DUMP))
    assert [(m.ifi_index, m.attrs["IFLA_IFNAME"]) for m in dump] == [
        (1, "lo"),
        (2, "veth1"),
        (3, "veth0"),
        (4, "dummy0"),
        (5, "d0"),
    ]
    veths = rtnl_getlink(
        host.init_net,
        IfInfoMsg(nlmsg_flags=NLM_F_DUMP, attrs={"IFLA_LINKINFO": {"IFLA_INFO_KIND": "veth"}}),
    )
    assert [m.attrs["IFLA_IFNAME"] for m in veths] == ["veth1", "veth0"]
