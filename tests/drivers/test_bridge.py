"""bridge: ports (checks, events, references, RCU release), the bridge MAC rules, cascades."""

import pytest

from netlife.kernel.errors import KernelError
from netlife.kernel.if_link import AF_BRIDGE
from netlife.kernel.module import delete_module
from netlife.kernel.netdevice import IFF_BRIDGE_PORT, NETREG_REGISTERED, NETREG_RELEASED
from netlife.kernel.netns_lifecycle import copy_net_ns, put_net
from netlife.kernel.notifier import NOTIFY_BAD, NOTIFY_DONE, NetdevCmd, NotifierBlock
from netlife.kernel.rtnetlink import rtnl_getlink, rtnl_newlink


def add_bridge(host, name="br0", net=None, **attrs):
    net = net or host.init_net
    rtnl_newlink(net, host.request(name, "bridge", **attrs))
    return net.dev_get_by_name(name)


def enslave(host, dev, br):
    host.setlink(dev, IFLA_MASTER=br.ifindex if br is not None else 0)


def families(host):
    """(RTM_*, family, name) of every notification, from a monitor installed by the test."""
    seen = []
    host.kernel.link_monitors.append(
        lambda net, m: seen.append((m.msg_type[4:], m.ifi_family, m.attrs["IFLA_IFNAME"]))
    )
    return seen


def test_a_new_bridge_is_immutable_to_netns_with_a_random_mac_and_zero_bridge_id(host):
    br = add_bridge(host)
    assert br.netns_immutable and br.needs_free_netdev
    assert br.dev_addr != "00:00:00:00:00:00"
    (msg,) = rtnl_getlink(host.init_net, host.request("br0"))
    data = msg.attrs["IFLA_LINKINFO"]["IFLA_INFO_DATA"]
    assert data["IFLA_BR_BRIDGE_ID"] == {"prio": 0x8000, "addr": "00:00:00:00:00:00"}
    other = copy_net_ns(host.kernel)
    with pytest.raises(KernelError) as err:
        host.setlink(br, IFLA_NET_NS_FD=other)
    assert err.value.errno == 22


def test_adding_a_port_sends_the_kernels_sequence(host):
    """Observed on 6.18 for `ip link set v2 master br0`, both down: upper link, promiscuity,
    the bridge's features, the AF_BRIDGE port message, then the bridge's new MAC."""
    br = add_bridge(host)
    v2, _ = host.veth("v2", "v3")
    seen = families(host)
    enslave(host, v2, br)
    assert seen == [
        ("NEWLINK", 0, "v2"),
        ("NEWLINK", 0, "v2"),
        ("NEWLINK", 0, "br0"),
        ("NEWLINK", AF_BRIDGE, "v2"),
        ("NEWLINK", 0, "br0"),
    ]
    assert v2.priv_flags & IFF_BRIDGE_PORT and br.dev_addr == v2.dev_addr
    (msg,) = rtnl_getlink(host.init_net, host.request("v2"))
    assert msg.attrs["IFLA_MASTER"] == br.ifindex
    assert msg.attrs["IFLA_LINKINFO"]["IFLA_INFO_SLAVE_KIND"] == "bridge"
    assert msg.attrs["IFLA_LINKINFO"]["IFLA_INFO_SLAVE_DATA"]["IFLA_BRPORT_NO"] == 1
    seen.clear()
    enslave(host, v2, None)
    assert seen == [
        ("NEWLINK", 0, "v2"),
        ("NEWLINK", AF_BRIDGE, "v2"),
        ("DELLINK", AF_BRIDGE, "v2"),
        ("NEWLINK", 0, "v2"),
        ("NEWLINK", 0, "br0"),
        ("NEWLINK", 0, "br0"),
    ]
    assert br.dev_addr == "00:00:00:00:00:00"  # no port left: all zeros


def test_the_bridge_takes_the_lowest_port_mac_unless_the_user_set_one(host):
    br = add_bridge(host)
    hi, _ = host.veth("hi", "hi1", IFLA_ADDRESS="02:00:00:00:00:09")
    lo, _ = host.veth("lo0", "lo1", IFLA_ADDRESS="02:00:00:00:00:01")
    enslave(host, hi, br)
    assert br.dev_addr == "02:00:00:00:00:09"
    enslave(host, lo, br)
    assert br.dev_addr == "02:00:00:00:00:01"
    enslave(host, lo, None)
    assert br.dev_addr == "02:00:00:00:00:09"
    fixed = add_bridge(host, "br1", IFLA_ADDRESS="02:00:00:00:00:aa")
    enslave(host, lo, fixed)
    assert fixed.dev_addr == "02:00:00:00:00:aa"
    host.setlink(br, IFLA_ADDRESS="02:00:00:00:00:bb")
    enslave(host, hi, None)
    assert br.dev_addr == "02:00:00:00:00:bb"  # user-set: kept when the last port leaves


def test_port_checks(host):
    br = add_bridge(host)
    br1 = add_bridge(host, "br1")
    lo = host.init_net.dev_get_by_name("lo")
    with pytest.raises(KernelError) as err:
        enslave(host, lo, br)
    assert err.value.errno == 22
    with pytest.raises(KernelError) as err:
        enslave(host, br1, br)
    assert (err.value.errno, err.value.extack) == (40, "Can not enslave a bridge to a bridge")
    v0, _ = host.veth("v0", "v1")
    rtnl_newlink(host.init_net, host.request("mv0", "macvlan", IFLA_LINK=v0.ifindex))
    with pytest.raises(KernelError) as err:
        enslave(host, v0, br)  # the macvlan port holds the rx_handler
    assert err.value.errno == 16
    assert not v0.priv_flags & IFF_BRIDGE_PORT
    assert ("new_nbp (br0 port v0)", 1) not in v0.refcnt_tracker.holders()


def test_a_vetoed_upper_link_unwinds_the_port(host):
    br = add_bridge(host)
    v0, _ = host.veth("v0", "v1")

    def veto(nb, event, info):
        return NOTIFY_BAD if event == NetdevCmd.NETDEV_PRECHANGEUPPER else NOTIFY_DONE

    host.kernel.netdev_chain.register(NotifierBlock(veto, 0, "veto"))
    with pytest.raises(KernelError):
        enslave(host, v0, br)
    assert v0.rx_handler is None and not v0.priv_flags & IFF_BRIDGE_PORT
    assert not br.priv.port_list
    assert all(not h.startswith("new_nbp") for h, _ in v0.refcnt_tracker.holders())


def test_the_port_reference_goes_in_an_rcu_callback_after_del_nbp(host):
    br = add_bridge(host)
    v0, _ = host.veth("v0", "v1")
    enslave(host, v0, br)
    assert ("new_nbp (br0 port v0)", 1) in v0.refcnt_tracker.holders()
    enslave(host, v0, None)
    # rtnl_unlock ran no todo (nothing unregistered): the callback waits for a grace period.
    assert ("new_nbp (br0 port v0)", 1) in v0.refcnt_tracker.holders()
    host.kernel.clock.run_pending()
    assert all(not h.startswith("new_nbp") for h, _ in v0.refcnt_tracker.holders())


def test_an_unregistering_port_leaves_and_its_reference_goes_before_the_todo_wait(host):
    br = add_bridge(host)
    _v0, v1 = host.veth("v0", "v1")
    enslave(host, v1, br)
    host.dellink("v0")
    assert v1.reg_state == NETREG_RELEASED
    assert not br.priv.port_list and not br.adj_lower


def test_a_port_moved_to_another_namespace_leaves_the_bridge(host):
    br = add_bridge(host)
    v0, _ = host.veth("v0", "v1")
    enslave(host, v0, br)
    other = copy_net_ns(host.kernel)
    host.setlink(v0, IFLA_NET_NS_FD=other)
    assert v0.nd_net is other and not v0.priv_flags & IFF_BRIDGE_PORT
    assert br.dev_addr == "00:00:00:00:00:00"


def test_deleting_the_bridge_releases_every_port(host):
    br = add_bridge(host)
    ports = [host.veth(f"p{i}", f"q{i}")[0] for i in range(3)]
    for p in ports:
        enslave(host, p, br)
    assert [p.dev.name for p in br.priv.port_list] == ["p2", "p1", "p0"]  # newest first
    host.dellink("br0")
    assert br.reg_state == NETREG_RELEASED
    for p in ports:
        assert p.reg_state == NETREG_REGISTERED and not p.adj_upper
        assert all(not h.startswith("new_nbp") for h, _ in p.refcnt_tracker.holders())


def test_bringing_up_bridge_and_port_forwards_and_gives_the_bridge_carrier(host):
    br = add_bridge(host)
    v0, v1 = host.veth("v0", "v1")
    enslave(host, v0, br)
    for dev in (br, v0, v1):
        host.up(dev)
    host.kernel.clock.run_pending()
    assert v0.rx_handler.state == 3 and br.carrier  # BR_STATE_FORWARDING
    host.down(v1)
    host.kernel.clock.run_pending()
    assert v0.rx_handler.state == 0 and not br.carrier
    assert "br0: port 1(v0) entered forwarding state" in host.dmesg()


def test_namespace_exit_deletes_its_bridges(host):
    kernel = host.kernel
    net = copy_net_ns(kernel)
    br = add_bridge(host, net=net)
    v0, v1 = host.veth("v0", "v1", peer_net=net)
    enslave(host, v1, br)
    put_net(net)
    kernel.clock.run_pending()
    assert br.reg_state == NETREG_RELEASED and v1.reg_state == NETREG_RELEASED
    assert v0.reg_state == NETREG_RELEASED  # the veth pair goes with its end


def test_module_unload_deletes_bridges_and_drains_port_callbacks(host):
    br = add_bridge(host)
    v0, _ = host.veth("v0", "v1")
    enslave(host, v0, br)
    delete_module(host.kernel, "bridge")
    assert br.reg_state == NETREG_RELEASED
    assert all(not h.startswith("new_nbp") for h, _ in v0.refcnt_tracker.holders())
    assert "bridge" not in host.kernel.driver_state
