"""Leasing from a container: queue-create with a lease netns-id, and the lease's life across
namespaces (queue-get, the netkit notifier, namespace deletion, moves, resizes, AF_XDP).

Written from net/core/netdev-genl.c:netdev_nl_queue_create_doit as merged: the virtual device
and its checks first, then the nsid (resolved in the caller's namespace, -ENONET when not
assigned), then the lease device in that namespace (-ENODEV), then every other check.
"""

from __future__ import annotations

import json
import shlex

import pytest

from netlife.kernel.invariants import check_invariants
from netlife.kernel.netdev_rx_queue import netif_get_rx_queue
from netlife.userspace.host import Host

PHYS = "enp10s0f0np0"


@pytest.fixture
def host(make_connectx):
    """The host's namespace named `hostroot`, a container `ctr` that knows it as nsid 5, and a
    netkit pair whose peer `nkc` (2 RX queues) lives in the container."""
    h = Host(make_connectx())
    for line in (
        "ip netns add ctr",
        "ip netns attach hostroot 1",
        "ip -n ctr netns set hostroot 5",
        "ip link add nk type netkit mode l2 peer name nkc numrxqueues 2",
        "ip link set nkc netns ctr",
    ):
        assert sh(h, line).rc == 0, line
    yield h
    assert not check_invariants(h.kernel)


def sh(h: Host, line: str):
    r = h.run_command(shlex.split(line))
    h.settle()
    return r


def rmmod(h: Host) -> None:
    assert sh(h, "rmmod mlx5_core").rc == 0


def pci_unbind(h: Host) -> None:
    rc, err = h.write_file("/sys/bus/pci/drivers/mlx5_core/unbind", "0000:0a:00.0\n", False)
    assert rc == 0, err
    h.settle()


def ynl(h: Host, op: str, attrs: dict, netns: str | None = None):
    argv = ["ynl", "--family", "netdev", "--do", op, "--json", json.dumps(attrs)]
    if netns:
        argv = ["ip", "netns", "exec", netns, *argv]
    r = h.run_command(argv)
    h.settle()
    return r


def devs(h: Host):
    ctr = h.netns["ctr"]
    return h.kernel.init_net.dev_get_by_name(PHYS), ctr.dev_get_by_name("nkc")


def create(h: Host, nkc_ifindex: int, phys_ifindex: int, qid: int, nsid: int | None = 5):
    lease: dict = {"ifindex": phys_ifindex, "queue": {"id": qid, "type": "rx"}}
    if nsid is not None:
        lease["netns-id"] = nsid
    return ynl(h, "queue-create", {"ifindex": nkc_ifindex, "type": "rx", "lease": lease}, "ctr")


def test_container_leases_a_host_queue_by_nsid(host):
    phys, nkc = devs(host)
    base = phys.refcnt
    r = create(host, nkc.ifindex, phys.ifindex, 15)
    assert (r.rc, r.stdout) == (0, "{'id': 1}\n")
    assert netif_get_rx_queue(phys, 15).lease is netif_get_rx_queue(nkc, 1)
    assert phys.refcnt == base + 1 and nkc.real_num_rx_queues == 2


def test_unassigned_nsid_is_enonet_before_the_lease_device_is_looked_at(host):
    _, nkc = devs(host)
    r = create(host, nkc.ifindex, 999, 15, nsid=7)  # no such nsid, no such device either
    assert r.rc == 1 and r.stdout.startswith("Netlink error: Machine is not on the network\n")
    assert "\terror: -64\n" in r.stdout


def test_virtual_device_checks_come_before_the_nsid(host):
    phys, _ = devs(host)
    r = create(host, 999, phys.ifindex, 15, nsid=7)
    assert r.stdout.startswith("Netlink error: No such device\n")
    lo = host.netns["ctr"].dev_get_by_name("lo")
    r = create(host, lo.ifindex, phys.ifindex, 15, nsid=7)
    assert "'msg': 'Device does not support queue creation'" in r.stdout


def test_lease_device_is_looked_up_in_the_named_namespace(host):
    phys, nkc = devs(host)
    # Without netns-id the container's own namespace is searched: the NIC is not there.
    r = create(host, nkc.ifindex, phys.ifindex, 15, nsid=None)
    assert r.stdout.startswith("Netlink error: No such device\n")
    # nsid 5 names the host: the container's own devices are not found through it.
    r = create(host, nkc.ifindex, nkc.ifindex, 15)
    assert r.stdout.startswith("Netlink error: No such device\n")
    # Every later check runs as without a netns-id.
    r = create(host, nkc.ifindex, phys.ifindex, 16)
    assert r.stdout.startswith("Netlink error: Numerical result out of range\n")
    assert "'bad-attr': '.lease.queue.id'" in r.stdout
    assert create(host, nkc.ifindex, phys.ifindex, 15).rc == 0
    r = create(host, nkc.ifindex, phys.ifindex, 15)
    assert "'msg': 'Device queue in use due to queue leasing'" in r.stdout


def test_queue_get_reports_the_lease_with_the_containers_nsid(host):
    phys, nkc = devs(host)
    create(host, nkc.ifindex, phys.ifindex, 15)
    assert sh(host, f"ip link set {PHYS} up").rc == 0
    r = ynl(host, "queue-get", {"ifindex": phys.ifindex, "id": 15, "type": "rx"})
    ctr_id = host.kernel.init_net.peernet2id(host.netns["ctr"])
    assert ctr_id >= 0
    assert f"'lease': {{'ifindex': {nkc.ifindex}, 'netns-id': {ctr_id}," in r.stdout
    # From the container, the netkit queue shows no lease nest (wrong direction).
    sh(host, "ip -n ctr link set nkc up")
    r = ynl(host, "queue-get", {"ifindex": nkc.ifindex, "id": 1, "type": "rx"}, "ctr")
    assert r.stdout == f"{{'id': 1, 'ifindex': {nkc.ifindex}, 'type': 'rx'}}\n"


@pytest.mark.parametrize("remove", [rmmod, pci_unbind])
def test_nic_going_away_takes_both_netkit_ends_and_unbinds_the_container_socket(host, remove):
    phys, nkc = devs(host)
    nk = host.kernel.init_net.dev_get_by_name("nk")
    create(host, nkc.ifindex, phys.ifindex, 15)
    for line in (f"ip link set {PHYS} up", "ip link set nk up", "ip -n ctr link set nkc up"):
        sh(host, line)
    assert sh(host, "ip netns exec ctr xdpsock -i nkc -q 1").rc == 0
    remove(host)
    assert phys.freed and nk.freed and nkc.freed
    assert host.netns["ctr"].dev_get_by_name("nkc") is None
    (proc,) = [p for p in host.processes.values() if getattr(p, "output", None) is not None]
    assert proc.output == ['xdpsock_user.c:main: errno: 100/"Network is down"']


def test_deleting_the_container_drops_the_lease(host):
    phys, nkc = devs(host)
    base = phys.refcnt
    create(host, nkc.ifindex, phys.ifindex, 15)
    assert sh(host, "ip netns del ctr").rc == 0
    host.kernel.clock.run_pending()
    assert nkc.freed and host.kernel.init_net.dev_get_by_name("nk") is None
    assert netif_get_rx_queue(phys, 15).lease is None and phys.refcnt == base


def test_moves_keep_the_lease_and_queue_get_follows_the_namespace(host):
    phys, nkc = devs(host)
    create(host, nkc.ifindex, phys.ifindex, 15)
    sh(host, "ip netns add other")
    assert sh(host, "ip -n ctr link set nkc netns other").rc == 0
    assert netif_get_rx_queue(phys, 15).lease is netif_get_rx_queue(nkc, 1)
    sh(host, f"ip link set {PHYS} up")
    r = ynl(host, "queue-get", {"ifindex": phys.ifindex, "id": 15, "type": "rx"})
    other_id = host.kernel.init_net.peernet2id(host.netns["other"])
    assert f"'netns-id': {other_id}," in r.stdout
    # Back in the host's namespace: no netns-id in the nest.
    assert sh(host, "ip -n other link set nkc netns hostroot").rc == 0
    r = ynl(host, "queue-get", {"ifindex": phys.ifindex, "id": 15, "type": "rx"})
    assert "'lease': {'ifindex'" in r.stdout and "netns-id" not in r.stdout
    # The physical device moved into the container keeps its lease too.
    assert sh(host, f"ip link set {PHYS} netns ctr").rc == 0
    assert netif_get_rx_queue(phys, 15).lease is netif_get_rx_queue(nkc, 1)


def test_the_leased_queue_cannot_be_resized_away(host):
    phys, nkc = devs(host)
    create(host, nkc.ifindex, phys.ifindex, 12)
    r = sh(host, f"ethtool -L {PHYS} combined 8")
    assert r.rc != 0 and phys.real_num_rx_queues == 16
    assert sh(host, f"ethtool -L {PHYS} combined 13").rc == 0
    assert phys.real_num_rx_queues == 13
