"""VLAN priority maps from the kernel source (net/8021q/vlan_dev.c, vlan_netlink.c; this
kernel has no 8021q module): kept, changed, and reported as the kernel fills them, through
`ip` and through pyroute2."""

from __future__ import annotations

import shlex

import pytest

import netlife
from netlife.drivers import MODULES
from netlife.userspace.host import Host


def _host(*lines: str) -> Host:
    host = Host(netlife.Kernel(MODULES))
    for line in ("ip link add v0 type veth peer name v1", *lines):
        result = host.run_command(shlex.split(line))
        assert result.rc == 0, result.stderr
    return host


def _maps(host: Host, name: str = "v0.5") -> tuple[str, str]:
    out = host.run_command(shlex.split(f"ip -d link show {name}")).stdout
    ingress = out.split("ingress-qos-map { ")[1].split(" }")[0] if "ingress" in out else ""
    egress = out.split("egress-qos-map { ")[1].split(" }")[0] if "egress" in out else ""
    return ingress, egress


def test_maps_are_kept_and_egress_lists_by_bucket_newest_first():
    host = _host(
        "ip link add link v0 name v0.5 type vlan id 5 "
        "ingress-qos-map 3:4 1:2 egress-qos-map 2:5 18:3 7:0"
    )
    # ingress by VLAN priority slot; egress bucket 2 holds 18 (newest) before 2; 7:0 uncounted
    assert _maps(host) == ("1:2 3:4", "18:3 2:5")


def test_a_zero_mapping_drops_out_of_the_report():
    host = _host(
        "ip link add link v0 name v0.5 type vlan id 5 ingress-qos-map 1:2 egress-qos-map 2:5",
        "ip link set v0.5 type vlan ingress-qos-map 1:0 egress-qos-map 2:0 4:1",
    )
    assert _maps(host) == ("", "4:1")


@pytest.mark.parametrize(
    ("words", "err"),
    [
        ("ingress-qos-map 1:x", 'Error: argument "1" is wrong: invalid ingress-qos-map\n'),
        ("egress-qos-map a:1", 'Error: argument "a" is wrong: invalid egress-qos-map\n'),
    ],
)
def test_bad_mappings_are_iproute2s_errors(words, err):
    host = _host()
    result = host.run_command(shlex.split(f"ip link add link v0 name v0.6 type vlan id 6 {words}"))
    assert (result.rc, result.stderr) == (255, err)
    assert host.kernel.init_net.dev_get_by_name("v0.6") is None


def test_pyroute2_maps_reach_the_device_and_come_back():
    from pyroute2 import IPRoute

    from netlife.adapters.pyroute2_engine import served_by

    host = _host()
    mapping = "IFLA_VLAN_QOS_MAPPING"
    with served_by(host), IPRoute() as ipr:
        (idx,) = ipr.link_lookup(ifname="v0")
        ipr.link(
            "add", ifname="v0.5", kind="vlan", link=idx, vlan_id=5,
            vlan_egress_qos={"attrs": [(mapping, {"from": 1, "to": 3})]},
            vlan_ingress_qos={"attrs": [(mapping, {"from": 2, "to": 6})]},
        )  # fmt: skip
        data = ipr.link("get", ifname="v0.5")[0].get(("linkinfo", "data"))
    egress = data.get_attr("IFLA_VLAN_EGRESS_QOS").get_attrs(mapping)
    assert [(m["from"], m["to"]) for m in egress] == [(1, 3)]
    assert _maps(host) == ("2:6", "1:3")
