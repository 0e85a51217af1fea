"""8021q: VLANs on a real device, its reference, state propagation, cascades and errors."""

import pytest

from netlife.kernel.errors import KernelError
from netlife.kernel.if_link import IFF_UP
from netlife.kernel.module import delete_module
from netlife.kernel.netdevice import NETREG_REGISTERED, NETREG_RELEASED
from netlife.kernel.netns_lifecycle import copy_net_ns
from netlife.kernel.rtnetlink import rtnl_getlink, rtnl_newlink


def add_vlan(host, name, real, vid, **attrs):
    req = host.request(name, "vlan", IFLA_LINK=real.ifindex, **attrs)
    req.attrs["IFLA_LINKINFO"]["IFLA_INFO_DATA"] = {"IFLA_VLAN_ID": vid}
    rtnl_newlink(real.nd_net, req)
    return real.nd_net.dev_get_by_name(name)


def test_the_kind_vlan_loads_8021q_and_links_under_the_real_device(host):
    v0, _ = host.veth("v0", "v1")
    vl = add_vlan(host, "v0.100", v0, 100)
    assert "8021q" in host.kernel.modules
    assert vl.rtnl_link_ops.kind == "vlan" and v0 in vl.adj_lower
    assert vl.dev_addr == v0.dev_addr
    assert ("vlan_dev_init (v0.100)", 1) in v0.refcnt_tracker.holders()
    (msg,) = rtnl_getlink(host.init_net, host.request("v0.100"))
    assert msg.attrs["IFLA_LINK"] == v0.ifindex
    data = msg.attrs["IFLA_LINKINFO"]["IFLA_INFO_DATA"]
    assert data["IFLA_VLAN_ID"] == 100 and data["IFLA_VLAN_PROTOCOL"] == 0x8100


@pytest.mark.parametrize(
    ("attrs", "data", "errno", "extack"),
    [
        ({"IFLA_LINK": "v0"}, None, 22, "8021q: VLAN properties not specified"),
        ({"IFLA_LINK": "v0"}, {"IFLA_VLAN_ID": 4095}, 34, "8021q: Invalid VLAN id"),
        ({"IFLA_LINK": "v0"}, {"IFLA_VLAN_FLAGS": {}}, 22, "8021q: VLAN id not specified"),
        ({}, {"IFLA_VLAN_ID": 5}, 22, "8021q: link not specified"),
        ({"IFLA_LINK": 999}, {"IFLA_VLAN_ID": 5}, 19, "8021q: link does not exist"),
        ({"IFLA_LINK": 1}, {"IFLA_VLAN_ID": 5}, 95, "8021q: VLANs not supported on device"),
    ],
)
def test_errors(host, attrs, data, errno, extack):
    v0, _ = host.veth("v0", "v1")
    if attrs.get("IFLA_LINK") == "v0":
        attrs = {"IFLA_LINK": v0.ifindex}
    req = host.request("vl", "vlan", **attrs)
    if data is not None:
        req.attrs["IFLA_LINKINFO"]["IFLA_INFO_DATA"] = data
    with pytest.raises(KernelError) as err:
        rtnl_newlink(host.init_net, req)
    assert (err.value.errno, err.value.extack) == (errno, extack)
    assert host.init_net.dev_get_by_name("vl") is None


def test_a_duplicate_id_on_the_same_real_device_is_refused(host):
    v0, v1 = host.veth("v0", "v1")
    add_vlan(host, "a", v0, 7)
    with pytest.raises(KernelError) as err:
        add_vlan(host, "b", v0, 7)
    assert err.value.errno == 17
    add_vlan(host, "c", v1, 7)


def test_a_vlan_cannot_open_while_its_real_device_is_down(host):
    v0, _ = host.veth("v0", "v1")
    vl = add_vlan(host, "vl", v0, 5)
    with pytest.raises(KernelError) as err:
        host.up(vl)
    assert err.value.errno == 100  # -ENETDOWN


def test_the_real_device_going_down_closes_its_vlans_in_one_close_many(host):
    v0, _ = host.veth("v0", "v1")
    host.up(v0)
    vls = [add_vlan(host, f"vl{vid}", v0, vid) for vid in (10, 20)]
    for vl in vls:
        host.up(vl)
    host.clear()
    host.down(v0)
    names = [(e, n) for e, n in host.notifications() if n.startswith("vl")]
    # list_add reverses the group walk: the higher VLAN id goes first in the close list.
    assert names == [
        ("NETDEV_GOING_DOWN", "vl20"),
        ("NETDEV_GOING_DOWN", "vl10"),
        ("NETDEV_DOWN", "vl20"),
        ("NETDEV_DOWN", "vl10"),
    ]
    assert not any(vl.flags & IFF_UP for vl in vls)
    host.up(v0)
    assert all(vl.flags & IFF_UP for vl in vls)  # NETDEV_UP brings them back


def test_deleting_the_real_device_closes_then_deletes_its_vlans_and_finishes_last(host):
    v0, _ = host.veth("v0", "v1")
    host.up(v0)
    vl = add_vlan(host, "vl", v0, 5)
    host.up(vl)
    done = []
    host.kernel.trace = lambda what, dev: done.append(dev.name) if what == "todo_done" else None
    host.clear()
    host.dellink("v0")
    calls = host.notifications()
    assert calls.index(("NETDEV_DOWN", "vl")) < calls.index(("NETDEV_UNREGISTER", "vl"))
    assert done.index("vl") < done.index("v0")
    assert vl.reg_state == v0.reg_state == NETREG_RELEASED
    assert v0 not in host.kernel.driver_state["8021q"].vlan_info


def test_moving_the_real_device_keeps_its_vlans(host):
    v0, _ = host.veth("v0", "v1")
    vl = add_vlan(host, "vl", v0, 5)
    other = copy_net_ns(host.kernel)
    host.setlink(v0, IFLA_NET_NS_FD=other)
    assert vl.reg_state == NETREG_REGISTERED and vl.priv.real_dev is v0


def test_module_unload_deletes_every_vlan(host):
    v0, _ = host.veth("v0", "v1")
    vl = add_vlan(host, "vl", v0, 5)
    delete_module(host.kernel, "8021q")
    assert vl.reg_state == NETREG_RELEASED and not v0.adj_upper
    assert "8021q" not in host.kernel.driver_state


def test_four_levels_veth_vlan_macvlan_vxlan_go_innermost_first(host):
    v0, _ = host.veth("v0", "v1")
    vl = add_vlan(host, "vl", v0, 5)
    rtnl_newlink(host.init_net, host.request("mv", "macvlan", IFLA_LINK=vl.ifindex))
    mv = host.init_net.dev_get_by_name("mv")
    req = host.request("vx", "vxlan")
    req.attrs["IFLA_LINKINFO"]["IFLA_INFO_DATA"] = {
        "IFLA_VXLAN_ID": 3,
        "IFLA_VXLAN_LINK": mv.ifindex,
    }
    rtnl_newlink(host.init_net, req)
    host.clear()
    host.dellink("v0")
    dels = [name for kind, name, _ in host.events if kind == "RTM_DELLINK"]
    assert dels == ["vx", "mv", "vl", "v0", "v1"]
    assert [d.name for d in host.init_net.devices()] == ["lo"]
