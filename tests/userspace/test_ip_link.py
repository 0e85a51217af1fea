"""`ip link` requests: what each command line sends to the kernel, global options, -batch."""

from __future__ import annotations

import shlex

import pytest
from ip_helpers import host_snapshot, new_host

from netlife.kernel import rtnetlink
from netlife.kernel.if_link import IFF_UP, NLM_F_CREATE, NLM_F_EXCL, IfInfoMsg
from netlife.userspace.ip import link_dump_json, makeargs, matches


def _run(host, line: str, stdin: str = ""):
    result = host.run_command(shlex.split(line), stdin=stdin)
    host.settle()
    return result


@pytest.fixture
def sent(monkeypatch):
    """Record RTM_NEWLINK requests instead of serving them."""
    requests: list[IfInfoMsg] = []
    monkeypatch.setattr(rtnetlink, "rtnl_newlink", lambda net, msg: requests.append(msg))
    return requests


def test_matches_is_iproute2_prefix_matching():
    assert matches("l", "link") and matches("link", "link") and matches("", "link")
    assert not matches("links", "link") and not matches("x", "link")


def test_makeargs_splits_and_quotes_like_batch_mode():
    assert makeargs("link  set 'a b' \"c\"\tup\n") == ["link", "set", "a b", "c", "up"]
    assert makeargs("link 'open") is None


def test_add_sends_create_excl_with_peer_and_namespace(sent):
    host = new_host()
    _run(host, "ip netns add nlhip-a")
    line = "ip link add v0 mtu 1400 up type veth peer name v1 netns nlhip-a address 02:0:0:0:0:9"
    assert _run(host, line).rc == 0
    (req,) = sent
    assert req.nlmsg_flags == NLM_F_CREATE | NLM_F_EXCL
    assert (req.ifi_flags, req.ifi_change) == (IFF_UP, IFF_UP)
    assert req.attrs["IFLA_IFNAME"] == "v0" and req.attrs["IFLA_MTU"] == 1400
    peer = req.attrs["IFLA_LINKINFO"]["IFLA_INFO_DATA"]["VETH_INFO_PEER"]
    assert peer.attrs == {
        "IFLA_IFNAME": "v1",
        "IFLA_NET_NS_FD": host.netns["nlhip-a"],
        "IFLA_ADDRESS": "02:00:00:00:00:09",  # canonical form
    }
    assert (peer.ifi_flags, peer.ifi_change) == (0, 0)


def test_netkit_words_become_the_kernel_attributes(sent):
    host = new_host()
    line = "ip link add nk0 type netkit mode l2 blackhole scrub none peer forward name nk1"
    assert _run(host, line).rc == 0
    data = sent[0].attrs["IFLA_LINKINFO"]["IFLA_INFO_DATA"]
    assert data["IFLA_NETKIT_MODE"] == 0 and data["IFLA_NETKIT_POLICY"] == 2
    assert data["IFLA_NETKIT_SCRUB"] == 0 and data["IFLA_NETKIT_PEER_POLICY"] == 0
    assert data["IFLA_NETKIT_PEER_INFO"].attrs == {"IFLA_IFNAME": "nk1"}


def test_kind_parsers_fill_info_data(sent):
    host = new_host()  # lo (ifindex 1) is the lower device: nothing else exists here
    cases = {
        "ip link add vx type vxlan id 42 dev lo dstport 4789 local 10.0.0.1 nolearning": {
            "IFLA_VXLAN_LINK": 1,
            "IFLA_VXLAN_ID": 42,
            "IFLA_VXLAN_LOCAL": "10.0.0.1",
            "IFLA_VXLAN_LEARNING": 0,
            "IFLA_VXLAN_PORT": 4789,
        },
        "ip link add link lo name v5 type vlan id 5 protocol 802.1ad gvrp on": {
            "IFLA_VLAN_ID": 5,
            "IFLA_VLAN_PROTOCOL": 0x88A8,
            "IFLA_VLAN_FLAGS": {"flags": 2, "mask": 2},
        },
        "ip link add link lo name mv type macvlan mode passthru nopromisc": {
            "IFLA_MACVLAN_MODE": 8,
            "IFLA_MACVLAN_FLAGS": 1,
        },
        "ip link add br0 type bridge stp_state 1 vlan_f 1 priority 7": {
            "IFLA_BR_STP_STATE": 1,
            "IFLA_BR_VLAN_FILTERING": 1,
            "IFLA_BR_PRIORITY": 7,
        },
    }
    for line, data in cases.items():
        sent.clear()
        assert _run(host, line).rc == 0, line
        assert sent[0].attrs["IFLA_LINKINFO"]["IFLA_INFO_DATA"] == data, line


def test_set_uses_the_ifindex_and_nomaster_sends_zero(sent):
    host = new_host()
    assert _run(host, "ip link set lo down nomaster").rc == 0
    (req,) = sent
    assert req.ifi_index == 1 and req.nlmsg_flags == 0
    assert req.attrs == {"IFLA_MASTER": 0} and (req.ifi_flags, req.ifi_change) == (0, IFF_UP)


def test_dash_n_runs_in_the_named_namespace():
    host = new_host()
    _run(host, "ip netns add nlhip-a")
    assert _run(host, "ip -n nlhip-a link add v0 type veth peer name v1").rc == 0
    assert host.kernel.init_net.dev_get_by_name("v0") is None
    assert host.netns["nlhip-a"].dev_get_by_name("v0") is not None
    assert _run(host, "ip -n nlhip-a -br link").stdout.startswith("lo ")


def test_batch_runs_lines_and_stops_at_the_first_failure():
    host = new_host()
    script = "link add v0 type veth peer name v1\nlink del nothere\nlink del v0\n"
    result = _run(host, "ip -batch -", stdin=script)
    assert result.rc == 1
    assert result.stderr == 'Cannot find device "nothere"\nCommand failed -:2\n'
    assert host.kernel.init_net.dev_get_by_name("v0") is not None


def test_batch_force_goes_on_after_failures():
    host = new_host()
    script = "link add v0 type veth peer name v1 # comment\nlink del nothere\nlink del v0\n"
    result = _run(host, "ip -force -batch -", stdin=script)
    assert result.rc == 1
    assert host.kernel.init_net.dev_get_by_name("v0") is None


def test_batch_usage_error_ends_the_whole_process():
    host = new_host()
    result = _run(host, "ip -force -batch -", stdin="link set v0 mtu x\nnetns add a\n")
    assert result.rc == 255 and "a" not in host.netns


def test_link_dump_json_is_what_ip_j_d_link_show_prints():
    import json

    host = new_host()
    _run(host, "ip link add v0 address 02:00:00:00:00:01 type veth peer name v1")
    printed = json.loads(_run(host, "ip -j -d link show").stdout)
    dumped = link_dump_json(host, host.kernel.init_net)
    assert printed == dumped
    assert [d["ifname"] for d in dumped] == ["lo", "v1", "v0"]
    assert dumped[2]["linkinfo"]["info_kind"] == "veth"


def test_unmodelled_objects_say_so_without_changing_anything():
    host = new_host()
    before = host_snapshot(host)
    result = _run(host, "ip rule show")
    assert result.rc == 1 and "not modelled" in result.stderr
    assert host_snapshot(host) == before


def test_abbreviations_pick_objects_in_ip_c_order():
    host = new_host()
    assert _run(host, "ip a").stdout.startswith("1: lo: <LOOPBACK>")
    assert _run(host, "ip l").stdout == _run(host, "ip link show").stdout
    assert "not modelled" in _run(host, "ip n").stderr  # neighbour comes before netns
