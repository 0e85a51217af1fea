"""macvlan: the port on the lower, the lower's reference, cascades, namespace moves, errors."""

import pytest

from netlife.drivers.macvlan import (
    MACVLAN_MODE_BRIDGE,
    MACVLAN_MODE_PASSTHRU,
    MACVLAN_MODE_VEPA,
)
from netlife.kernel.errors import KernelError
from netlife.kernel.module import delete_module, modprobe
from netlife.kernel.netdevice import IFF_MACVLAN_PORT, NETREG_RELEASED
from netlife.kernel.netns_lifecycle import copy_net_ns, put_net
from netlife.kernel.notifier import NOTIFY_BAD, NOTIFY_DONE, NetdevCmd, NotifierBlock
from netlife.kernel.rtnetlink import rtnl_getlink, rtnl_newlink


def add_macvlan(host, name, lower, net=None, mode=None, **attrs):
    req = host.request(name, "macvlan", IFLA_LINK=lower.ifindex, **attrs)
    if mode is not None:
        req.attrs["IFLA_LINKINFO"]["IFLA_INFO_DATA"] = {"IFLA_MACVLAN_MODE": mode}
    net = net or lower.nd_net
    rtnl_newlink(net, req)
    return net.dev_get_by_name(name)


def test_creation_links_under_the_lower_and_announces_lower_then_macvlan(host):
    v0, _ = host.veth("v0", "v1")
    host.clear()
    mv = add_macvlan(host, "mv0", v0, mode=MACVLAN_MODE_BRIDGE)
    # CHANGEUPPER on the lower is announced first; the macvlan's own NEWLINK comes at configure.
    assert host.events == [("RTM_NEWLINK", "v0", v0.ifindex), ("RTM_NEWLINK", "mv0", mv.ifindex)]
    assert v0 in mv.adj_lower and mv in v0.adj_upper
    assert v0.priv_flags & IFF_MACVLAN_PORT
    (msg,) = rtnl_getlink(host.init_net, host.request("mv0"))
    assert msg.attrs["IFLA_LINK"] == v0.ifindex
    data = msg.attrs["IFLA_LINKINFO"]["IFLA_INFO_DATA"]
    assert data["IFLA_MACVLAN_MODE"] == MACVLAN_MODE_BRIDGE
    assert data["IFLA_MACVLAN_BC_QUEUE_LEN"] == 1000


def test_default_mode_is_vepa_and_mtu_follows_the_lower(host):
    v0, _ = host.veth("v0", "v1", IFLA_MTU=9000)
    mv = add_macvlan(host, "mv0", v0)
    assert mv.priv.mode == MACVLAN_MODE_VEPA
    assert mv.mtu == 9000


def test_macvlan_on_a_macvlan_uses_the_real_lower(host):
    v0, _ = host.veth("v0", "v1")
    mv0 = add_macvlan(host, "mv0", v0)
    mv1 = add_macvlan(host, "mv1", mv0)
    assert mv1.priv.lowerdev is v0
    assert v0 in mv1.adj_lower and mv0 not in mv1.adj_lower
    assert v0.rx_handler.count == 2


@pytest.mark.parametrize(
    ("attrs", "errno"),
    [
        ({}, 22),  # no IFLA_LINK
        ({"IFLA_LINK": 999}, 19),  # unknown lower
        ({"IFLA_LINK": 1}, 22),  # loopback cannot be a port
        ({"IFLA_MTU": 1600}, 22),  # above the lower's MTU
    ],
)
def test_errors_leave_the_host_unchanged(host, attrs, errno):
    v0, _ = host.veth("v0", "v1")
    before = host.init_net.devices()
    refcnt = v0.refcnt
    req = host.request("mv0", "macvlan", **attrs)
    if "IFLA_LINK" not in attrs and "IFLA_MTU" in attrs:
        req.attrs["IFLA_LINK"] = v0.ifindex
    with pytest.raises(KernelError) as err:
        rtnl_newlink(host.init_net, req)
    assert err.value.errno == errno
    assert host.init_net.devices() == before
    assert not v0.priv_flags & IFF_MACVLAN_PORT and v0.rx_handler is None
    assert v0.refcnt == refcnt


def test_bad_mode_is_refused_by_validate(host):
    v0, _ = host.veth("v0", "v1")
    with pytest.raises(KernelError) as err:
        add_macvlan(host, "mv0", v0, mode=3)
    assert err.value.errno == 22


def test_passthru_is_alone_on_its_port(host):
    v0, _ = host.veth("v0", "v1")
    mv = add_macvlan(host, "mv0", v0, mode=MACVLAN_MODE_PASSTHRU)
    assert mv.dev_addr == v0.dev_addr
    with pytest.raises(KernelError):
        add_macvlan(host, "mv1", v0)
    v2, _ = host.veth("v2", "v3")
    add_macvlan(host, "mv2", v2)
    with pytest.raises(KernelError):
        add_macvlan(host, "mv3", v2, mode=MACVLAN_MODE_PASSTHRU)
    assert v2.rx_handler.count == 1


def test_a_changeupper_veto_unregisters_the_macvlan_and_its_new_port(host):
    v0, _ = host.veth("v0", "v1")

    def veto(nb, event, info):
        if event == NetdevCmd.NETDEV_PRECHANGEUPPER:
            return NOTIFY_BAD
        return NOTIFY_DONE

    host.kernel.netdev_chain.register(NotifierBlock(veto, 0, "veto"))
    with pytest.raises(KernelError) as err:
        add_macvlan(host, "mv0", v0)
    assert err.value.errno == 1  # NOTIFY_BAD is -EPERM
    assert host.init_net.dev_get_by_name("mv0") is None
    assert v0.rx_handler is None and not v0.priv_flags & IFF_MACVLAN_PORT
    host.kernel.clock.run_pending()  # the veth's own linkwatch event
    assert v0.refcnt_tracker.holders() == [
        ("inetdev_init", 1),
        ("ipv6_add_dev", 1),
        ("register_netdevice", 1),
    ]


def test_the_lower_reference_is_dropped_by_the_destructor_so_the_lower_finishes_last(host):
    v0, _ = host.veth("v0", "v1")
    mv = add_macvlan(host, "mv0", v0)
    assert ("macvlan_init (mv0)", 1) in v0.refcnt_tracker.holders()
    done = []
    host.kernel.trace = lambda what, dev: done.append(dev.name) if what == "todo_done" else None
    host.dellink("v0")
    assert done.index("mv0") < done.index("v0")
    assert mv.reg_state == NETREG_RELEASED and v0.reg_state == NETREG_RELEASED


def test_deleting_the_lower_deletes_every_macvlan_in_one_nested_batch(host):
    v0, _v1 = host.veth("v0", "v1")
    mvs = [add_macvlan(host, f"mv{i}", v0) for i in range(3)]
    host.clear()
    host.dellink("v0")
    dels = [name for kind, name, _ in host.events if kind == "RTM_DELLINK"]
    assert dels == ["mv0", "mv1", "mv2", "v0", "v1"]
    assert all(mv.reg_state == NETREG_RELEASED for mv in mvs)


def test_deleting_a_macvlan_destroys_the_port_with_the_last_one(host):
    v0, _ = host.veth("v0", "v1")
    add_macvlan(host, "mv0", v0)
    add_macvlan(host, "mv1", v0)
    host.dellink("mv0")
    assert v0.priv_flags & IFF_MACVLAN_PORT and v0.rx_handler.count == 1
    host.dellink("mv1")
    assert not v0.priv_flags & IFF_MACVLAN_PORT and v0.rx_handler is None
    assert not v0.adj_upper


def test_moving_the_lower_keeps_the_macvlan_and_its_later_death_takes_it(host):
    kernel = host.kernel
    v0, _ = host.veth("v0", "v1")
    mv = add_macvlan(host, "mv0", v0)
    other = copy_net_ns(kernel)
    host.setlink(v0, IFLA_NET_NS_FD=other)
    assert v0.nd_net is other and mv.reg_state.name == "NETREG_REGISTERED"
    (msg,) = rtnl_getlink(host.init_net, host.request("mv0"))
    assert "IFLA_LINK_NETNSID" in msg.attrs  # the lower now lives elsewhere
    put_net(other)
    kernel.clock.run_pending()  # cleanup_net: the veth dies in its namespace, mv0 with it
    assert host.init_net.dev_get_by_name("mv0") is None
    assert mv.reg_state == NETREG_RELEASED


def test_carrier_follows_the_lower(host):
    v0, v1 = host.veth("v0", "v1")
    mv = add_macvlan(host, "mv0", v0)
    assert not mv.carrier
    host.up(v0)
    host.up(v1)
    host.kernel.clock.run_pending()
    assert v0.carrier and mv.carrier
    host.down(v1)
    host.kernel.clock.run_pending()
    assert not v0.carrier and not mv.carrier


def test_shrinking_the_lower_mtu_shrinks_the_macvlans_above_it(host):
    v0, _ = host.veth("v0", "v1")
    mv = add_macvlan(host, "mv0", v0)
    host.setlink(v0, IFLA_MTU=1400)
    assert mv.mtu == 1400
    with pytest.raises(KernelError):
        host.setlink(mv, IFLA_MTU=1500)


def test_module_unload_deletes_every_macvlan_in_every_namespace(host):
    kernel = host.kernel
    v0, _ = host.veth("v0", "v1")
    other = copy_net_ns(kernel)
    mv0 = add_macvlan(host, "mv0", v0)
    add_macvlan(host, "mv1", v0, net=host.init_net, IFLA_NET_NS_FD=other)
    mv1 = other.dev_get_by_name("mv1")  # created in `other`, its lower looked up here
    assert mv1.priv.lowerdev is v0
    delete_module(kernel, "macvlan")
    assert mv0.reg_state == NETREG_RELEASED and mv1.reg_state == NETREG_RELEASED
    assert v0.rx_handler is None
    assert "macvlan" not in kernel.driver_state and "macvlan" not in kernel.link_ops
    assert modprobe(kernel, "macvlan") == ["macvlan"]
