"""Alternative names (net/core/dev.c netdev_name_node_*, rtnetlink.c rtnl_linkprop): one name
space with primary names, moved with the device, gone with it. The same behaviour on the real
kernel: tests/conformance/altname-*.case and tests/adapters/programs/altnames.py."""

from __future__ import annotations

import pytest

import netlife
from netlife.drivers import MODULES
from netlife.kernel.errors import KernelError
from netlife.kernel.if_link import NLM_F_CREATE, NLM_F_EXCL, IfInfoMsg
from netlife.kernel.rtnetlink import rtnl_dellink, rtnl_newlink
from netlife.kernel.rtnl_linkprop import rtnl_dellinkprop, rtnl_newlinkprop


def _veth(net, name: str, peer: str) -> None:
    info = {"IFLA_INFO_KIND": "veth"}
    info["IFLA_INFO_DATA"] = {"VETH_INFO_PEER": IfInfoMsg(attrs={"IFLA_IFNAME": peer})}
    attrs = {"IFLA_IFNAME": name, "IFLA_LINKINFO": info}
    rtnl_newlink(net, IfInfoMsg(nlmsg_flags=NLM_F_CREATE | NLM_F_EXCL, attrs=attrs))


def _prop(request, net, dev, *names: str) -> None:
    attrs = {"IFLA_PROP_LIST": {"IFLA_ALT_IFNAME": list(names)}}
    request(net, IfInfoMsg(ifi_index=dev.ifindex, attrs=attrs))


@pytest.fixture
def net():
    k = netlife.Kernel(MODULES)
    _veth(k.init_net, "v0", "v1")
    return k.init_net


def test_an_altname_finds_the_device_and_blocks_the_name_everywhere(net):
    v0, v1 = net.dev_get_by_name("v0"), net.dev_get_by_name("v1")
    _prop(rtnl_newlinkprop, net, v0, "alpha", "beta")
    assert net.dev_get_by_name("beta") is v0 and v0.altnames == ("alpha", "beta")
    with pytest.raises(KernelError) as err:
        _veth(net, "alpha", "v2")
    assert err.value.errno == 17
    with pytest.raises(KernelError) as err:
        rtnl_newlink(net, IfInfoMsg(ifi_index=v1.ifindex, attrs={"IFLA_IFNAME": "beta"}))
    assert err.value.errno == 17 and v1.name == "v1"


def test_a_failing_name_keeps_the_ones_before_it_and_sends_nothing(net):
    v0 = net.dev_get_by_name("v0")
    with pytest.raises(KernelError) as err:
        _prop(rtnl_newlinkprop, net, v0, "one", "v1", "two")
    assert err.value.errno == 17
    assert v0.altnames == ("one",) and net.dev_get_by_name("two") is None


@pytest.mark.parametrize(("name", "errno"), [("v0", 22), ("v1", 22), ("nosuch", 2)])
def test_only_the_devices_own_altnames_can_be_deleted(net, name, errno):
    v0 = net.dev_get_by_name("v0")
    with pytest.raises(KernelError) as err:
        _prop(rtnl_dellinkprop, net, v0, name)
    assert err.value.errno == errno


def test_altnames_go_with_the_device(net):
    v0 = net.dev_get_by_name("v0")
    _prop(rtnl_newlinkprop, net, v0, "alpha")
    _prop(rtnl_dellinkprop, net, v0, "alpha")
    assert v0.altnames == () and net.dev_get_by_name("alpha") is None
    _prop(rtnl_newlinkprop, net, v0, "gamma")
    rtnl_dellink(net, IfInfoMsg(attrs={"IFLA_ALT_IFNAME": "gamma"}))
    assert net.dev_get_by_name("gamma") is None and net.dev_get_by_name("v1") is None
