"""Device names and interface indexes.

Mirrors net/core/dev.c: dev_valid_name(), __dev_alloc_name() ("%d" patterns), dev_alloc_name()
(-ENFILE for a taken fixed name), dev_get_valid_name() (-EEXIST), and dev_index_reserve()
(cyclic allocation from net->ifindex, no reuse until the cursor wraps, an explicit ifindex
taken exactly or -EBUSY). Names and indexes are free again as soon as a device is unlisted.
"""

from __future__ import annotations

import pytest

from netlife import (
    Hang,
    KernelError,
    alloc_netdev,
    dev_alloc_name,
    dev_valid_name,
    free_netdev,
    netdev_hold,
    netdev_put,
    register_netdev,
    secs,
)
from netlife.kernel.errors import EBUSY, EEXIST, EINVAL, ENFILE
from netlife.kernel.net_namespace import INT_MAX
from netlife.kernel.netdevice import NET_NAME_ENUM, ether_setup
from netlife.kernel.netns_lifecycle import copy_net_ns


def new_dev(kernel, name, altnames=()):
    dev = alloc_netdev(kernel, None, name, NET_NAME_ENUM, ether_setup)
    dev.needs_free_netdev = True
    dev.altnames = list(altnames)
    return dev


def register(kernel, name, altnames=()):
    dev = new_dev(kernel, name, altnames)
    try:
        register_netdev(dev)
    except KernelError:
        free_netdev(dev)
        raise
    return dev


@pytest.mark.parametrize(
    ("name", "valid"),
    [
        ("eth0", True),
        ("x" * 15, True),
        ("x" * 16, False),
        ("", False),
        (".", False),
        ("..", False),
        ("...", True),
        ("a/b", False),
        ("a:b", False),
        ("a b", False),
        ("a\tb", False),
        ("é" * 7, True),  # 14 bytes
        ("é" * 8, False),  # 16 bytes: the limit is in bytes
    ],
)
def test_dev_valid_name(name, valid):
    assert dev_valid_name(name) is valid


def test_pattern_takes_the_lowest_free_number(host):
    k = host.kernel
    assert [register(k, "eth%d").name for _ in range(3)] == ["eth0", "eth1", "eth2"]
    host.kernel.init_net.dev_get_by_name("eth1")
    from netlife import unregister_netdev

    unregister_netdev(k.init_net.dev_get_by_name("eth1"))
    assert register(k, "eth%d").name == "eth1"


def test_pattern_counts_only_exact_round_trips_and_altnames(host):
    k = host.kernel
    register(k, "eth01")  # "%d" formats 1 as "1": eth01 does not take number 1
    register(k, "eth0x")
    register(k, "other", altnames=["eth0"])  # altnames share the namespace
    assert register(k, "eth%d").name == "eth1"
    assert register(k, "%dnet").name == "0net"


@pytest.mark.parametrize("pattern", ["eth%d%d", "eth%s", "eth%", "e%dth%d", "eth%x"])
def test_malformed_patterns_are_rejected(host, pattern):
    with pytest.raises(KernelError) as err:
        register(host.kernel, pattern)
    assert err.value.errno == EINVAL
    assert [d.name for d in host.init_net.devices()] == ["lo"]


def test_taken_fixed_name_is_eexist_at_register_and_enfile_for_dev_alloc_name(host):
    k = host.kernel
    register(k, "taken")
    with pytest.raises(KernelError) as err:
        register(k, "taken")
    assert err.value.errno == EEXIST
    dev = new_dev(k, "x")
    with pytest.raises(KernelError) as err:
        dev_alloc_name(dev, "taken")
    assert err.value.errno == ENFILE
    assert dev_alloc_name(dev, "taken%d") == "taken0" and dev.name == "taken0"
    free_netdev(dev)


def test_ifindex_is_allocated_from_the_cursor_without_reuse(host):
    k = host.kernel
    a, b = register(k, "a"), register(k, "b")
    assert (a.ifindex, b.ifindex) == (2, 3)
    from netlife import unregister_netdev

    unregister_netdev(a)
    assert register(k, "c").ifindex == 4  # 2 is free but behind the cursor


def test_explicit_ifindex_is_taken_exactly_and_leaves_the_cursor(host):
    v0, v1 = host.veth(ifi_index=100, peer_index=101)
    assert (v0.ifindex, v1.ifindex) == (100, 101)
    assert host.dummy("d0").ifindex == 2 + 1  # dummy0 (module load) took 2
    with pytest.raises(KernelError) as err:
        host.veth("v2", "v3", ifi_index=100, peer_index=102)
    assert err.value.errno == EEXIST  # the lookup by ifindex finds veth0: NLM_F_EXCL
    with pytest.raises(KernelError) as err:
        host.veth("v2", "v3", ifi_index=150, peer_index=100)
    assert err.value.errno == EBUSY  # dev_index_reserve: the peer's index is taken
    with pytest.raises(KernelError) as err:
        host.veth("v2", "v3", ifi_index=-1)
    assert err.value.errno == EINVAL
    names = [d.name for d in host.init_net.devices()]
    assert names == ["lo", "veth1", "veth0", "dummy0", "d0"]  # failed pairs left nothing


def test_cursor_wraps_to_the_lowest_free_index(host):
    k = host.kernel
    k.init_net.ifindex = INT_MAX
    assert register(k, "last").ifindex == INT_MAX
    assert register(k, "wrapped").ifindex == 2
    assert register(k, "next").ifindex == 3


def test_each_namespace_has_its_own_indexes(host):
    k = host.kernel
    for _ in range(3):
        register(k, "eth%d")
    net = copy_net_ns(k)
    assert net.loopback_dev.ifindex == 1
    assert host.dummy("d0", net=net).ifindex == 2
    assert host.dummy("eth0", net=net).name == "eth0"  # names are per namespace too


def test_name_and_ifindex_reusable_while_the_old_device_waits(host):
    k = host.kernel
    v0, v1 = host.veth()
    tracker = netdev_hold(v1, "test_holder")
    with pytest.raises(Hang):
        host.dellink(v0)
    _n0, n1 = host.veth()  # same names, while the old veth1 still waits for its reference
    assert n1 is not v1 and k.init_net.dev_get_by_name("veth1") is n1
    assert v1.name == "veth1" and not v1.freed
    netdev_put(v1, tracker)
    k.clock.advance(secs(1))
    assert v1.freed and k.init_net.dev_get_by_name("veth1") is n1
