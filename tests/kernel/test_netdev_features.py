"""Netdev features: the core's computation and the NETDEV_FEAT_CHANGE it sends (or not).

From net/core/dev.c (netdev_increment_features, netdev_fix_features, __netdev_update_features)
and net/bridge/br_if.c (br_features_recompute); the same sequences are checked against this
machine's kernel by tests/conformance/bridge-feature-events.case, and `ethtool -k/-K` output by
tests/userspace/test_ethtool_features.py.
"""

from __future__ import annotations

import pytest

from netlife.kernel import netdev_features as nf
from netlife.kernel.notifier import NetdevCmd
from netlife.kernel.rtnetlink import rtnl_lock
from netlife.userspace.host import Host


@pytest.fixture
def h(kernel):
    return Host(kernel)


def sh(h: Host, *lines: str) -> None:
    for line in lines:
        r = h.run_command(line.split())
        assert r.rc == 0, (line, r.stderr)
    h.settle()


def feat_changes(kernel, name):
    return [
        ev for ev, dev in kernel.notifier_trace if ev == NetdevCmd.NETDEV_FEAT_CHANGE
        and dev == name
    ]  # fmt: skip


def test_increment_takes_one_for_all_from_any_lower_and_all_for_all_only_from_all():
    mask = nf.NETIF_F_GSO_SOFTWARE | nf.NETIF_F_SG | nf.NETIF_F_HW_CSUM | nf.NETIF_F_FSO
    all_ = nf.NETIF_F_FSO
    got = nf.netdev_increment_features(all_, nf.NETIF_F_SG | nf.NETIF_F_IP_CSUM, mask)
    assert got >= nf.NETIF_F_SG and got >= nf.NETIF_F_IP_CSUM
    assert not got & nf.NETIF_F_FSO  # ALL_FOR_ALL: this lower lacks it
    got = nf.netdev_increment_features(got, nf.NETIF_F_HW_CSUM, mask)
    assert got >= nf.NETIF_F_HW_CSUM and not got & nf.NETIF_F_IP_CSUM  # HW_CSUM for all


def test_fix_features_drops_what_depends_on_a_missing_bit(kernel):
    dev = kernel.init_net.loopback_dev
    tso = nf.NETIF_F_TSO | nf.NETIF_F_TSO6 | nf.NETIF_F_HW_CSUM | nf.NETIF_F_GSO
    assert not nf.netdev_fix_features(dev, tso) & (nf.NETIF_F_TSO | nf.NETIF_F_GSO)
    with_sg = nf.netdev_fix_features(dev, tso | nf.NETIF_F_SG)
    assert with_sg >= nf.NETIF_F_TSO | nf.NETIF_F_GSO
    uso = nf.NETIF_F_GSO_UDP_L4 | nf.NETIF_F_SG
    assert not nf.netdev_fix_features(dev, uso) & nf.NETIF_F_GSO_UDP_L4


def test_register_makes_soft_offloads_changeable_and_wanted(h):
    sh(h, "ip link add v0 type veth peer name v1")
    v0 = h.kernel.init_net.dev_get_by_name("v0")
    assert v0.features >= nf.NETIF_F_GSO and v0.wanted_features >= nf.NETIF_F_GSO
    assert not v0.features & nf.NETIF_F_GRO  # veth_disable_gro
    assert v0.hw_features >= nf.NETIF_F_NOCACHE_COPY
    lo = h.kernel.init_net.loopback_dev
    assert not lo.hw_features & nf.NETIF_F_NOCACHE_COPY


def test_the_bridges_event_comes_from_the_computation_not_the_port_kind(h):
    sh(
        h,
        "ip link add v0 type veth peer name v1",
        "ip link add link v0 name mv0 type macvlan mode bridge",
        "ip link add vx0 type vxlan id 5 dstport 4789",
        "ip link add br0 type bridge",
    )
    br0 = h.kernel.init_net.dev_get_by_name("br0")
    sh(h, "ip link set mv0 master br0")
    h.kernel.notifier_trace = []
    sh(h, "ip link set vx0 master br0")
    assert feat_changes(h.kernel, "br0") == []  # a second kind of port, the same bits: none
    sh(h, "ip link set vx0 nomaster", "ip link set mv0 nomaster")
    before = br0.features
    h.kernel.notifier_trace = []
    sh(h, "ip link set v1 master br0")  # veth has neither GSO_ROBUST nor FCoE segmentation
    assert len(feat_changes(h.kernel, "br0")) == 1
    assert before - br0.features == nf.NETIF_F_GSO_ROBUST | nf.NETIF_F_FSO
    sh(h, "ip link set mv0 master br0")  # one-for-all: one port with GSO_ROBUST is enough
    assert br0.features >= nf.NETIF_F_GSO_ROBUST and len(feat_changes(h.kernel, "br0")) == 2
    sh(h, "ip link set v1 nomaster", "ip link set mv0 nomaster")
    assert br0.features == before


def test_ethtool_change_on_a_lower_reaches_its_macvlan_and_the_bridge(h):
    sh(
        h,
        "ip link add v0 type veth peer name v1",
        "ip link add link v0 name mv0 type macvlan mode bridge",
        "ip link add br0 type bridge",
        "ip link set v1 master br0",
    )
    mv0 = h.kernel.init_net.dev_get_by_name("mv0")
    br0 = h.kernel.init_net.dev_get_by_name("br0")
    h.kernel.notifier_trace = []
    sh(h, "ethtool -K v0 rx off")
    assert feat_changes(h.kernel, "v0") and feat_changes(h.kernel, "mv0")
    assert not mv0.features & nf.NETIF_F_RXCSUM
    sh(h, "ethtool -K v1 sg off")  # scatter-gather is one-for-all: the bridge loses it
    assert feat_changes(h.kernel, "br0") and not br0.features & nf.NETIF_F_SG
    assert not br0.features & nf.NETIF_F_TSO  # and TSO with it (netdev_fix_features)


def test_a_port_loses_lro_when_enslaved(h):
    sh(h, "ip link add v0 type veth peer name v1", "ip link add br0 type bridge")
    v1 = h.kernel.init_net.dev_get_by_name("v1")
    v1.hw_features |= nf.NETIF_F_LRO
    v1.wanted_features |= nf.NETIF_F_LRO
    with rtnl_lock(h.kernel):
        nf.netdev_update_features(v1)
    assert v1.features >= nf.NETIF_F_LRO
    sh(h, "ip link set v1 master br0")
    assert not v1.features & nf.NETIF_F_LRO  # dev_disable_lro in br_add_if
