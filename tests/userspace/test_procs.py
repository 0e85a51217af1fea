"""xdpsock and iou-zcrx as running processes: what they hold, how they end, kill and pkill."""

from __future__ import annotations

import json

import pytest

from netlife.userspace.host import Host
from netlife.userspace.procs import UserProcess


@pytest.fixture
def host(make_connectx):
    k = make_connectx()
    h = Host(k)
    attrs = {
        "ifname": "nk",
        "num-rx-queues": 2,
        "linkinfo": {"kind": "netkit", "data": {"pairing": "single"}},
    }
    h.run_command(
        ["ynl", "--family", "rt-link", "--do", "newlink", "--create", "--json", json.dumps(attrs)]
    )
    lease = {"ifindex": 3, "type": "rx", "lease": {"ifindex": 2, "queue": {"type": "rx", "id": 15}}}
    h.run_command(
        ["ynl", "--family", "netdev", "--do", "queue-create", "--json", json.dumps(lease)]
    )
    return h


def procs(host):
    return [p for p in host.processes.values() if isinstance(p, UserProcess)]


def test_xdpsock_holds_netkit_until_killed(host):
    nk = host.kernel.init_net.dev_get_by_name("nk")
    host.settle()
    base = nk.refcnt
    assert host.run_command(["xdpsock", "-i", "nk", "-q", "1"]).rc == 0
    (p,) = procs(host)
    assert p.alive and nk.refcnt == base + 2
    assert host.run_command(["kill", str(p.pid)]).rc == 0
    host.settle()
    assert not p.alive and p.exit_status == 143 and nk.refcnt == base


def test_xdpsock_reports_enetdown_when_rmmod_takes_its_device(host):
    host.run_command(["xdpsock", "-i", "nk", "-q", "1"])
    assert host.run_command(["rmmod", "mlx5_core"]).rc == 0
    host.settle()
    (p,) = procs(host)
    assert p.output == ['xdpsock_user.c:main: errno: 100/"Network is down"']
    assert not p.alive and p.exit_status == 1
    assert host.kernel.init_net.dev_get_by_name("nk") is None


def test_iou_zcrx_errors_and_pkill(host):
    r = host.run_command(["iou-zcrx", "-i", "nk", "-q", "0"])
    assert (r.rc, r.stderr) == (1, "iou-zcrx: io_uring_register_ifq(): -95\n")
    r = host.run_command(["iou-zcrx", "-i", "nosuch", "-q", "1"])
    assert (r.rc, r.stderr) == (1, "iou-zcrx: bad interface name: nosuch\n")
    assert host.run_command(["iou-zcrx", "-i", "nk", "-q", "1"]).rc == 0
    assert host.run_command(["pkill", "iou-zcrx"]).rc == 0
    assert host.run_command(["pkill", "iou-zcrx"]).rc == 1
    assert host.run_command(["kill", "99999"]).stderr == "bash: kill: (99999) - No such process\n"
    phys = host.kernel.init_net.dev_get_by_name("enp10s0f0np0")
    assert any(h.startswith("netdev_rx_queue_lease") for h, _ in phys.refcnt_tracker.holders())
