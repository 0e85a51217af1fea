"""`ynl`: netdev queue-create / queue-get / dev-get and rt-link newlink, printed as cli.py does."""

from __future__ import annotations

import json

import pytest

from netlife.kernel.if_link import IFF_UP, IfInfoMsg
from netlife.kernel.rtnetlink import rtnl_newlink
from netlife.userspace.host import Host


@pytest.fixture
def host(make_connectx):
    k = make_connectx()
    return Host(k)


def ynl(host, *args, json_attrs=None):
    argv = ["ynl", *args]
    if json_attrs is not None:
        argv += ["--json", json.dumps(json_attrs)]
    return host.run_command(argv)


def newlink_single(host, name="nk", rxqs=2):
    attrs = {"ifname": name, "num-rx-queues": rxqs}
    attrs["linkinfo"] = {"kind": "netkit", "data": {"pairing": "single"}}
    return ynl(host, "--family", "rt-link", "--do", "newlink", "--create", json_attrs=attrs)


def queue_create(host, ifindex, lease_ifindex, qid):
    attrs = {"ifindex": ifindex, "type": "rx"}
    attrs["lease"] = {"ifindex": lease_ifindex, "queue": {"type": "rx", "id": qid}}
    return ynl(host, "--family", "netdev", "--do", "queue-create", json_attrs=attrs)


def test_newlink_then_queue_create_prints_the_new_queue(host):
    r = newlink_single(host)
    assert (r.rc, r.stdout) == (0, "None\n")
    r = queue_create(host, 3, 2, 15)
    assert (r.rc, r.stdout) == (0, "{'id': 1}\n")


def test_queue_get_on_the_physical_queue_shows_the_lease(host):
    newlink_single(host)
    queue_create(host, 3, 2, 15)
    phys = host.kernel.init_net.dev_get_by_name("enp10s0f0np0")
    up = IfInfoMsg(ifi_index=phys.ifindex, ifi_flags=IFF_UP, ifi_change=IFF_UP)
    rtnl_newlink(host.kernel.init_net, up)  # ip link set enp10s0f0np0 up
    attrs = {"ifindex": 2, "id": 15, "type": "rx"}
    r = ynl(host, "--family", "netdev", "--do", "queue-get", json_attrs=attrs)
    assert r.stdout == (
        "{'id': 15,\n"
        " 'ifindex': 2,\n"
        " 'lease': {'ifindex': 3, 'queue': {'id': 1, 'type': 'rx'}},\n"
        " 'type': 'rx'}\n"
    )
    r = ynl(host, "--family", "netdev", "--do", "queue-get", "--output-json", json_attrs=attrs)
    assert json.loads(r.stdout)["lease"] == {"queue": {"id": 1, "type": "rx"}, "ifindex": 3}


def test_errors_print_as_nlerror_with_the_extack(host):
    newlink_single(host)
    r = queue_create(host, 2, 3, 1)
    assert r.rc == 1
    assert r.stdout == (
        "Netlink error: Invalid argument\n"
        "nl_len = 72 (56) nl_flags = 0x300 nl_type = 2\n"
        "\terror: -22\n"
        "\textack: {'msg': 'Device is not a virtual device'}\n"
    )
    r = queue_create(host, 3, 2, 16)
    assert "Netlink error: Numerical result out of range" in r.stdout
    assert "extack: {'bad-attr': '.lease.queue.id'}" in r.stdout
    r = ynl(host, "--family", "netdev", "--do", "queue-create", json_attrs={"ifindex": 3})
    assert "\textack: {'miss-type': 'type', 'miss-type-doc': 'Queue type as rx, tx." in r.stdout


def test_queue_get_on_a_down_device_and_unknown_attributes(host):
    attrs = {"ifindex": 2, "id": 0, "type": "rx"}
    r = ynl(host, "--family", "netdev", "--do", "queue-get", json_attrs=attrs)
    assert r.stdout.startswith("Netlink error: No such file or directory\n") and r.rc == 1
    r = ynl(host, "--family", "netdev", "--do", "queue-get", json_attrs={"nope": 1})
    assert r.rc == 1 and "Space 'queue' has no attribute 'nope'" in r.stderr


def test_single_mode_with_a_drop_policy_is_refused(host):
    attrs = {
        "ifname": "nk",
        "linkinfo": {"kind": "netkit", "data": {"pairing": "single", "policy": "blackhole"}},
    }
    r = ynl(host, "--family", "rt-link", "--do", "newlink", "--create", json_attrs=attrs)
    assert r.rc == 1 and r.stdout.startswith("Netlink error: Operation not supported\n")
    assert host.kernel.init_net.dev_get_by_name("nk") is None


def test_dev_get_and_dump(host):
    r = ynl(host, "--family", "netdev", "--do", "dev-get", json_attrs={"ifindex": 1})
    assert r.stdout.startswith("{'ifindex': 1,\n 'xdp-features': set(),")
    r = ynl(host, "--family", "netdev", "--dump", "dev-get")
    assert r.stdout.count("'ifindex'") == 2
