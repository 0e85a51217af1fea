"""A program's own pyroute2 link-kind plugins do not change how netlife reads its requests:
the kernel parses IFLA_INFO_DATA by attribute number, so netlife decodes with pyroute2's stock
classes. (8021q is not on this kernel; the request layout is the kernel's vlan_policy.)"""

from __future__ import annotations

import pytest
from pyroute2 import IPRoute
from pyroute2.netlink import nla
from pyroute2.netlink.rtnl.ifinfmsg import ifinfmsg

import netlife
from netlife.adapters.pyroute2_engine import served_by
from netlife.drivers import MODULES
from netlife.userspace.host import Host


class own_8021q(nla):  # the kernel's attribute numbers under the program's own names
    prefix = "IFLA_"
    nla_map = (("OWN_VLAN_UNSPEC", "none"), ("OWN_VLAN_ID", "uint16"))


@pytest.fixture
def own_plugin():
    saved = dict(ifinfmsg.ifinfo.data_map)
    ifinfmsg.ifinfo.register_link_kind(module={"vlan": own_8021q})
    yield
    ifinfmsg.ifinfo.data_map.clear()
    ifinfmsg.ifinfo.data_map.update(saved)


def test_a_vlan_request_encoded_with_the_programs_plugin_is_read_by_number(own_plugin):
    host = Host(netlife.Kernel(MODULES))
    data = {"attrs": [("OWN_VLAN_ID", 6)]}
    with served_by(host), IPRoute() as ipr:
        ipr.link("add", ifname="v0", kind="veth", peer="v1")
        (idx,) = ipr.link_lookup(ifname="v0")
        linkinfo = {"attrs": [("IFLA_INFO_KIND", "vlan"), ("IFLA_INFO_DATA", data)]}
        ipr.link("add", ifname="v0.6", link=idx, linkinfo=linkinfo)
    assert ifinfmsg.ifinfo.data_map["vlan"] is own_8021q  # the program's registry is its own
    out = host.run_command(["ip", "-d", "link", "show", "v0.6"]).stdout
    assert "vlan protocol 802.1Q id 6 " in out
