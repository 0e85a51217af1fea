"""macvtap (drivers/net/macvtap.c) on the model: a macvlan kind of its own, loaded with its
dependency, holding its lower like a macvlan. Against the real kernel:
tests/conformance/macvtap-on-veth.case."""

from __future__ import annotations

import shlex

import netlife
from netlife.drivers import MODULES
from netlife.userspace.host import Host


def _host() -> Host:
    host = Host(netlife.Kernel(MODULES))
    for line in (
        "ip link add v0 type veth peer name v1",
        "ip link add link v0 name mt type macvtap",
    ):
        assert host.run_command(shlex.split(line)).rc == 0
    return host


def test_macvtap_loads_macvlan_first_and_pins_it():
    host = _host()
    lsmod = host.run_command(["lsmod"]).stdout
    assert "macvtap" in lsmod and "macvlan" in lsmod
    refused = host.run_command(["rmmod", "macvlan"])
    assert refused.rc != 0 and "in use" in refused.stderr


def test_macvtap_reports_its_own_kind_with_macvlan_data():
    host = _host()
    out = host.run_command(shlex.split("ip -d link show mt")).stdout
    assert "qlen 500" in out and "macvtap mode vepa bcqueuelen 1000" in out


def test_deleting_the_lower_takes_the_macvtap():
    host = _host()
    assert host.run_command(shlex.split("ip link del v0")).rc == 0
    host.settle()
    assert host.kernel.init_net.dev_get_by_name("mt") is None
