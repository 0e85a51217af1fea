"""The same scenario gives the same dmesg, events and MACs byte for byte; the seed decides MACs."""

from __future__ import annotations

import pytest

import netlife
from netlife import Hang, netdev_hold, netdev_put, secs
from netlife.kernel.if_link import IFF_UP, NLM_F_CREATE, NLM_F_EXCL, IfInfoMsg
from netlife.kernel.netns_lifecycle import copy_net_ns, put_net
from netlife.kernel.rtnetlink import rtnl_dellink, rtnl_newlink


def scenario(seed: int) -> tuple[list[str], list, list[str]]:
    k = netlife.Kernel(seed=seed, hang_bound_secs=20)
    events = []
    k.link_monitors.append(lambda net, m: events.append((m.msg_type, m.ifi_index, dict(m.attrs))))
    net = copy_net_ns(k)
    peer = IfInfoMsg(attrs={"IFLA_IFNAME": "veth1", "IFLA_NET_NS_FD": net})
    attrs = {
        "IFLA_IFNAME": "veth0",
        "IFLA_LINKINFO": {"IFLA_INFO_KIND": "veth", "IFLA_INFO_DATA": {"VETH_INFO_PEER": peer}},
    }
    rtnl_newlink(k.init_net, IfInfoMsg(nlmsg_flags=NLM_F_CREATE | NLM_F_EXCL, attrs=attrs))
    v0 = k.init_net.dev_get_by_name("veth0")
    v1 = net.dev_get_by_name("veth1")
    rtnl_newlink(k.init_net, IfInfoMsg(ifi_index=v0.ifindex, ifi_flags=IFF_UP, ifi_change=IFF_UP))
    t = netdev_hold(v1, "test_holder")
    with pytest.raises(Hang):
        rtnl_dellink(k.init_net, IfInfoMsg(ifi_index=v0.ifindex))
    netdev_put(v1, t)
    k.clock.advance(secs(2))
    put_net(net)
    k.clock.run_pending()
    macs = [v0.dev_addr, v1.dev_addr]
    return k.printk.dmesg(), [(t, i, sorted(a.items(), key=str)) for t, i, a in events], macs


def test_same_seed_same_transcript():
    assert scenario(7) == scenario(7)


def test_seed_changes_only_the_random_parts():
    dmesg_a, events_a, macs_a = scenario(1)
    dmesg_b, events_b, macs_b = scenario(2)
    assert macs_a != macs_b
    assert dmesg_a == dmesg_b
    assert [(t, i) for t, i, _ in events_a] == [(t, i) for t, i, _ in events_b]
