"""`ip link … type KIND …` for the kinds this kernel lacks and for bond/bridge ports: the words
iproute2 6.1 accepts become the request it builds; the kernel answers from its module table.
The real-kernel side is tests/conformance/kinds-missing-modules.case and bridge-port-options."""

from __future__ import annotations

import shlex

import pytest
from ip_helpers import host_snapshot, new_host

from netlife.kernel import rtnetlink
from netlife.kernel.if_link import IfInfoMsg


@pytest.fixture
def sent(monkeypatch):
    requests: list[IfInfoMsg] = []
    monkeypatch.setattr(rtnetlink, "rtnl_newlink", lambda net, msg: requests.append(msg))
    return requests


def _data(sent, line: str, key: str = "IFLA_INFO_DATA") -> dict:
    result = new_host().run_command(shlex.split(line))
    assert result.rc == 0, result.stderr
    return sent[-1].attrs["IFLA_LINKINFO"][key]


def test_gretap_words_become_the_gre_attributes_in_iproute2s_form(sent):
    data = _data(sent, "ip link add g0 type gretap remote 10.8 local 1.2.3.4 okey 7 csum ttl 9")
    assert data["IFLA_GRE_REMOTE"] == "10.8.0.0"  # get_addr_ipv4's legacy reading
    assert data["IFLA_GRE_OKEY"] == 7 and data["IFLA_GRE_IKEY"] == 0
    assert data["IFLA_GRE_OFLAGS"] == 0x2000 | 0x8000 and data["IFLA_GRE_IFLAGS"] == 0x8000
    assert data["IFLA_GRE_TTL"] == 9 and data["IFLA_GRE_PMTUDISC"] == 1
    assert "IFLA_GRE_ERSPAN_VER" not in data


def test_a_multicast_gre_remote_takes_the_address_as_both_keys(sent):
    data = _data(sent, "ip link add g0 type gre remote 239.1.2.3 local 1.1.1.1")
    key = (239 << 24) | (1 << 16) | (2 << 8) | 3
    assert data["IFLA_GRE_IKEY"] == key == data["IFLA_GRE_OKEY"]


def test_ip6erspan_version_two_sends_direction_and_hwid(sent):
    data = _data(sent, "ip link add e0 type ip6erspan erspan_ver 2 erspan_dir egress erspan_hwid 9")
    assert (data["IFLA_GRE_ERSPAN_DIR"], data["IFLA_GRE_ERSPAN_HWID"]) == (1, 9)
    assert data["IFLA_GRE_TTL"] == 64  # DEFAULT_TNL_HOP_LIMIT


def test_bond_tables_accept_names_and_indexes(sent):
    data = _data(sent, "ip link add b0 type bond mode 4 xmit_hash_policy layer3+4 primary lo")
    assert data["IFLA_BOND_MODE"] == 4
    assert data["IFLA_BOND_XMIT_HASH_POLICY"] == 1
    assert data["IFLA_BOND_PRIMARY"] > 0


def test_bridge_slave_words_go_into_the_slave_data(sent):
    data = _data(
        sent, "ip link set lo type bridge_slave vlan_tunnel on cost 5", "IFLA_INFO_SLAVE_DATA"
    )
    assert data == {"IFLA_BRPORT_VLAN_TUNNEL": 1, "IFLA_BRPORT_COST": 5}


@pytest.mark.parametrize(
    ("line", "rc", "err"),
    [
        ("ip link add g0 type gretap remote 10.1.2.3", 2, "Error: Unknown device type.\n"),
        ("ip link add b0 type bond mode 9", 255, 'argument "9" is wrong: invalid mode'),
        ("ip link add x0 type xfrm dev lo", 255, 'Error: argument "IF_ID" is required\n'),
        ("ip link add n0 type geneve id 5", 1, "geneve: remote link partner not specified\n"),
        ("ip link add u0 type bareudp dstport 1 dstport 2", 255, 'either "dstport"'),
        ("ip link add t0 type team foo", 2, "Error: Unknown device type.\n"),
        ("ip link add t0 type nosuch foo", 1, 'Garbage instead of arguments "foo ...".'),
        ("ip link set lo type gretap key 1", 1, "Failed to get existing tunnel info.\n"),
        ("ip link set lo type bridge_slave learning on", 2, "Operation not supported"),
    ],
)
def test_refusals_leave_the_host_as_it_was(line, rc, err):
    host = new_host()
    before = host_snapshot(host)
    result = host.run_command(shlex.split(line))
    assert (result.rc, err in result.stderr) == (rc, True), result.stderr
    assert host_snapshot(host) == before


def test_bridge_port_options_are_kept_and_reported():
    host = new_host()
    for line in (
        "ip link add br0 type bridge",
        "ip link add v0 type veth peer name v1",
        "ip link set v0 master br0",
        "ip link set v0 type bridge_slave hairpin on priority 5 learning off",
    ):
        assert host.run_command(shlex.split(line)).rc == 0
    out = host.run_command(shlex.split("ip -d link show v0")).stdout
    assert "priority 5 " in out and "hairpin on" in out and "learning off" in out
    assert "port_id 0x1401" in out
    refused = host.run_command(shlex.split("ip link set v0 type bridge_slave priority 64"))
    assert (refused.rc, refused.stderr) == (2, "RTNETLINK answers: Numerical result out of range\n")
