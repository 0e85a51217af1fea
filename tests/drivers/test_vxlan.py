"""vxlan: the lower binding, the per-namespace list, cascades and namespace moves, errors."""

import pytest

from netlife.drivers.vxlan import VXLAN_DEFAULT_PORT
from netlife.kernel.errors import KernelError
from netlife.kernel.module import delete_module
from netlife.kernel.netdevice import NETREG_RELEASED
from netlife.kernel.netns_lifecycle import copy_net_ns, put_net
from netlife.kernel.rtnetlink import rtnl_dellink, rtnl_getlink, rtnl_newlink


def add_vxlan(host, name, net=None, **data):
    req = host.request(name, "vxlan")
    req.attrs["IFLA_LINKINFO"]["IFLA_INFO_DATA"] = data
    net = net or host.init_net
    rtnl_newlink(net, req)
    return net.dev_get_by_name(name)


def add_macvlan(host, name, lower):
    rtnl_newlink(lower.nd_net, host.request(name, "macvlan", IFLA_LINK=lower.ifindex))
    return lower.nd_net.dev_get_by_name(name)


def test_dev_links_under_the_lower_without_a_reference_of_its_own(host):
    v0, _ = host.veth("v0", "v1")
    before = v0.refcnt
    host.clear()
    vx = add_vxlan(host, "vx0", IFLA_VXLAN_ID=42, IFLA_VXLAN_LINK=v0.ifindex)
    assert host.events == [("RTM_NEWLINK", "v0", v0.ifindex), ("RTM_NEWLINK", "vx0", vx.ifindex)]
    assert v0.refcnt == before + 1  # only the adjacency entry
    assert vx.mtu == 1450  # the lower's MTU minus the IPv4 headroom
    (msg,) = rtnl_getlink(host.init_net, host.request("vx0"))
    assert "IFLA_LINK" not in msg.attrs  # no iflink: `ip link` shows no @lower
    data = msg.attrs["IFLA_LINKINFO"]["IFLA_INFO_DATA"]
    assert data["IFLA_VXLAN_ID"] == 42 and data["IFLA_VXLAN_LINK"] == v0.ifindex
    assert data["IFLA_VXLAN_PORT"] == VXLAN_DEFAULT_PORT


def test_without_dev_there_is_no_adjacency(host):
    vx = add_vxlan(host, "vx0", IFLA_VXLAN_ID=1, IFLA_VXLAN_PORT=4789)
    assert not vx.adj_lower and vx.mtu == 1500


@pytest.mark.parametrize(
    ("data", "errno", "extack"),
    [
        (None, 22, "Required attributes not provided to perform the operation"),
        ({"IFLA_VXLAN_ID": 1 << 24}, 34, "VXLAN ID must be lower than 16777216"),
        ({"IFLA_VXLAN_ID": 5, "IFLA_VXLAN_LINK": 999}, 19, "Invalid local interface"),
    ],
)
def test_errors(host, data, errno, extack):
    req = host.request("vx0", "vxlan")
    if data is not None:
        req.attrs["IFLA_LINKINFO"]["IFLA_INFO_DATA"] = data
    with pytest.raises(KernelError) as err:
        rtnl_newlink(host.init_net, req)
    assert err.value.errno == errno and extack in err.value.extack
    assert [d.name for d in host.init_net.devices()] == ["lo"]


def test_the_same_vni_and_port_twice_in_a_namespace_is_refused(host):
    add_vxlan(host, "vx0", IFLA_VXLAN_ID=42, IFLA_VXLAN_PORT=4789)
    with pytest.raises(KernelError) as err:
        add_vxlan(host, "vx1", IFLA_VXLAN_ID=42, IFLA_VXLAN_PORT=4789)
    assert err.value.errno == 17
    assert err.value.extack == "A VXLAN device with the specified VNI already exists"
    add_vxlan(host, "vx2", IFLA_VXLAN_ID=42)  # another port: allowed
    other = copy_net_ns(host.kernel)
    add_vxlan(host, "vx3", net=other, IFLA_VXLAN_ID=42, IFLA_VXLAN_PORT=4789)  # another netns


def test_deleting_the_lower_deletes_bound_vxlans_newest_first(host):
    v0, _ = host.veth("v0", "v1")
    add_vxlan(host, "vx0", IFLA_VXLAN_ID=1, IFLA_VXLAN_LINK=v0.ifindex)
    add_vxlan(host, "vx1", IFLA_VXLAN_ID=2, IFLA_VXLAN_LINK=v0.ifindex)
    free = add_vxlan(host, "vx2", IFLA_VXLAN_ID=3)
    host.clear()
    host.dellink("v0")
    dels = [name for kind, name, _ in host.events if kind == "RTM_DELLINK"]
    assert dels == ["vx1", "vx0", "v0", "v1"]  # list_add: the vxlan list is newest first
    assert free.reg_state.name == "NETREG_REGISTERED"


def test_moving_the_lower_to_another_namespace_deletes_bound_vxlans(host):
    v0, _ = host.veth("v0", "v1")
    vx = add_vxlan(host, "vx0", IFLA_VXLAN_ID=1, IFLA_VXLAN_LINK=v0.ifindex)
    other = copy_net_ns(host.kernel)
    host.setlink(v0, IFLA_NET_NS_FD=other)
    assert vx.reg_state == NETREG_RELEASED
    assert v0.nd_net is other and not v0.adj_upper


def test_three_levels_veth_macvlan_vxlan_go_innermost_first(host):
    v0, _ = host.veth("v0", "v1")
    mv = add_macvlan(host, "mv0", v0)
    vx = add_vxlan(host, "vx0", IFLA_VXLAN_ID=7, IFLA_VXLAN_LINK=mv.ifindex)
    host.clear()
    host.dellink("v0")
    dels = [name for kind, name, _ in host.events if kind == "RTM_DELLINK"]
    assert dels == ["vx0", "mv0", "v0", "v1"]
    assert vx.reg_state == mv.reg_state == v0.reg_state == NETREG_RELEASED
    unregs = [n for e, n in host.notifications() if e == "NETDEV_UNREGISTER"]
    assert unregs[:3] == ["v0", "mv0", "vx0"]  # each nested inside the one below it


def test_namespace_exit_deletes_its_vxlans_in_exit_rtnl(host):
    kernel = host.kernel
    net = copy_net_ns(kernel)
    vx = add_vxlan(host, "vx0", net=net, IFLA_VXLAN_ID=9)
    put_net(net)
    kernel.clock.run_pending()
    assert vx.reg_state == NETREG_RELEASED
    assert net not in kernel.driver_state["vxlan"].nets


def test_module_unload_deletes_every_vxlan(host):
    kernel = host.kernel
    v0, _ = host.veth("v0", "v1")
    vx0 = add_vxlan(host, "vx0", IFLA_VXLAN_ID=1, IFLA_VXLAN_LINK=v0.ifindex)
    other = copy_net_ns(kernel)
    vx1 = add_vxlan(host, "vx1", net=other, IFLA_VXLAN_ID=2)
    delete_module(kernel, "vxlan")
    assert vx0.reg_state == vx1.reg_state == NETREG_RELEASED
    assert not v0.adj_upper
    assert "vxlan" not in kernel.driver_state
    assert not any(ops.name == "vxlan_net_ops" for ops in kernel.pernet_list)


def test_a_vetoed_upper_link_unregisters_the_vxlan_and_leaves_no_list_entry(host):
    from netlife.kernel.notifier import NOTIFY_BAD, NOTIFY_DONE, NetdevCmd, NotifierBlock

    v0, _ = host.veth("v0", "v1")

    def veto(nb, event, info):
        return NOTIFY_BAD if event == NetdevCmd.NETDEV_PRECHANGEUPPER else NOTIFY_DONE

    host.kernel.netdev_chain.register(NotifierBlock(veto, 0, "veto"))
    with pytest.raises(KernelError) as err:
        add_vxlan(host, "vx0", IFLA_VXLAN_ID=1, IFLA_VXLAN_LINK=v0.ifindex)
    assert err.value.errno == 1
    assert host.init_net.dev_get_by_name("vx0") is None
    assert not host.kernel.driver_state["vxlan"].nets[host.init_net].vxlan_list
    add_vxlan(host, "vx0", IFLA_VXLAN_ID=1)  # the VNI is free again


def changelink(host, dev, tb=None, **data):
    req = host.request(dev.name, "vxlan", **(tb or {}))
    req.nlmsg_flags = 0
    req.attrs["IFLA_LINKINFO"]["IFLA_INFO_DATA"] = data
    rtnl_newlink(host.init_net, req)


@pytest.mark.parametrize(
    "data,msg",
    [
        ({"IFLA_VXLAN_ID": 43}, "Cannot change VNI"),
        ({"IFLA_VXLAN_GROUP6": "2001:db8::2"}, "New group address family does not match old group"),
        ({"IFLA_VXLAN_LOCAL6": "2001:db8::5"}, "New local address family does not match old"),
        ({"IFLA_VXLAN_TTL_INHERIT": True}, "vxlan: cannot change TTL_INHERIT flag"),
        ({"IFLA_VXLAN_PROXY": 0}, "vxlan: cannot change PROXY flag"),  # even the current value
        ({"IFLA_VXLAN_GPE": True}, "vxlan: cannot change GPE flag"),
        ({"IFLA_VXLAN_PORT": 4789}, "Cannot change port"),
        ({"IFLA_VXLAN_UDP_CSUM": 1}, "Cannot change UDP_CSUM flag"),
        ({"IFLA_VXLAN_LIMIT": 5}, "Cannot change limit"),
        ({"IFLA_VXLAN_TTL": 9, "IFLA_VXLAN_PROXY": 1}, "vxlan: cannot change PROXY flag"),
    ],
)
def test_changelink_refuses_what_cannot_change_and_changes_nothing(host, data, msg):
    vx = add_vxlan(host, "vx0", IFLA_VXLAN_ID=42, IFLA_VXLAN_PORT=4789)
    before = vx.priv.cfg
    with pytest.raises(KernelError) as info:
        changelink(host, vx, **data)
    assert (info.value.errno, info.value.extack) == (95, msg)
    assert vx.priv.cfg is before and vx.priv.cfg.ttl == 0


def test_changelink_refuses_mtu_and_applies_the_rest_only_when_all_is_valid(host):
    vx = add_vxlan(host, "vx0", IFLA_VXLAN_ID=42)
    with pytest.raises(KernelError) as info:
        changelink(host, vx, {"IFLA_MTU": 1400}, IFLA_VXLAN_TTL=5)
    assert info.value.extack == "Cannot change mtu" and vx.mtu == 1500
    changelink(host, vx, IFLA_VXLAN_TTL=5, IFLA_VXLAN_LEARNING=0, IFLA_VXLAN_AGEING=100)
    cfg = vx.priv.cfg
    assert (cfg.ttl, cfg.learning, cfg.age_interval) == (5, False, 100)


def test_changelink_moves_the_lower_and_caps_the_mtu(host):
    v0, v1 = host.veth("v0", "v1")
    vx = add_vxlan(host, "vx0", IFLA_VXLAN_ID=42)
    changelink(host, vx, IFLA_VXLAN_LINK=v0.ifindex)
    assert vx in v0.adj_upper and vx.mtu == 1450
    host.clear()
    changelink(host, vx, IFLA_VXLAN_LINK=v1.ifindex)
    assert vx in v1.adj_upper and vx not in v0.adj_upper
    # netdev_adjacent_change_prepare links the new lower before _commit unlinks the old one
    names = [name for _, name, _ in host.events]
    assert names.index("v1") < names.index("v0")
    with pytest.raises(KernelError) as info:
        changelink(host, vx, IFLA_VXLAN_LINK=999)
    assert info.value.extack == "Invalid local interface, device not found"
    rtnl_dellink(host.init_net, host.request("v1"))  # the new lower takes the vxlan with it
    assert host.init_net.dev_get_by_name("vx0") is None
