"""Namespace creation and destruction through kernel/netns_lifecycle.py.

copy_net_ns runs every pernet init (loopback first, ifindex 1); put_net of the last reference
queues cleanup_net on the clock; default_device_exit_batch moves movable devices home, then
kills the rest in reverse list order in one batch, loopback last, taking veth peers in other
namespaces along (kernel-reference.md §7.2, §11.4).
"""

from __future__ import annotations

import pytest

from netlife import alloc_netdev, netdev_hold, netdev_put, register_netdev, secs
from netlife.kernel.netdevice import NET_NAME_UNKNOWN, ether_setup
from netlife.kernel.netns_lifecycle import copy_net_ns, get_net, put_net


def unregister_order(host, names):
    return [
        dev for event, dev in host.notifications() if event == "NETDEV_UNREGISTER" and dev in names
    ]


def test_new_namespace_has_loopback_at_ifindex_1(host):
    net = copy_net_ns(host.kernel)
    assert [(d.name, d.ifindex) for d in net.devices()] == [("lo", 1)]
    assert net.loopback_dev.netns_immutable and net.loopback_dev.rtnl_link_ops is None


def test_cleanup_runs_on_the_clock_after_the_last_reference(host):
    kernel = host.kernel
    net = copy_net_ns(kernel)
    lo = net.loopback_dev
    get_net(net)  # a process still inside
    put_net(net)
    kernel.clock.run_pending()
    assert not net.dead and net in kernel.nets
    put_net(net)  # `ip netns del`: the last reference
    assert not net.dead  # asynchronous: queued work, nothing yet
    kernel.clock.run_pending()
    assert net.dead and net not in kernel.nets and lo.freed


def test_veth_peer_in_init_net_dies_with_the_namespace_and_loopback_goes_last(host):
    kernel = host.kernel
    net = copy_net_ns(kernel)
    v0, v1 = host.veth(net=net, peer_net=kernel.init_net)  # veth0 inside, veth1 outside
    host.dummy("d0", net=net)
    host.clear()
    put_net(net)
    kernel.clock.run_pending()
    assert v0.freed and v1.freed
    assert host.init_net.dev_get_by_name("veth1") is None
    assert ("RTM_DELLINK", "veth1", v1.ifindex) in host.events
    assert unregister_order(host, {"lo", "d0", "veth0", "veth1"}) == ["d0", "veth0", "veth1", "lo"]


def test_requeued_peer_moves_to_the_tail_of_the_kill_list(host):
    """for_each_netdev_reverse dellinks every device; a veth end already queued by its peer is
    queued again, which list_move_tail moves behind the devices queued in between."""
    kernel = host.kernel
    net = copy_net_ns(kernel)
    _p0, p1 = host.veth("p0", "p1", net=net)
    host.dummy("d", net=net)
    host.setlink(p1, IFLA_NET_NS_FD=kernel.init_net)
    host.setlink(p1, IFLA_NET_NS_FD=net)
    assert [d.name for d in net.devices()] == ["lo", "p0", "d", "p1"]
    host.clear()
    put_net(net)
    kernel.clock.run_pending()
    assert unregister_order(host, {"lo", "p0", "d", "p1"}) == ["p1", "d", "p0", "lo"]


def test_device_without_link_ops_moves_home_under_a_fallback_name(host):
    kernel = host.kernel
    net = copy_net_ns(kernel)
    host.dummy("eth0")  # the NIC's name is taken in init_net
    nic = alloc_netdev(kernel, None, "eth0", NET_NAME_UNKNOWN, ether_setup)
    nic.nd_net = net
    nic.needs_free_netdev = True
    register_netdev(nic)
    assert nic.ifindex == 2
    put_net(net)
    kernel.clock.run_pending()
    assert nic.nd_net is kernel.init_net and nic.name == "dev2" and nic.reg_state == 1
    assert host.init_net.dev_get_by_name("dev2") is nic


def test_a_held_device_blocks_cleanup_until_released(host):
    kernel = host.kernel
    net = copy_net_ns(kernel)
    _v0, v1 = host.veth(net=net)
    tracker = netdev_hold(v1, "test_holder")
    put_net(net)
    kernel.clock.run_pending()
    assert kernel.stuck_cleanup == [net] and not v1.freed
    assert kernel.pernet_ops_rwsem.readers == 1  # the worker sleeps holding it
    assert not kernel.hangs  # the worker sleeps without running the clock
    kernel.clock.advance(secs(kernel.hang_bound_secs))
    assert [d.name for d in kernel.hangs[-1].devices] == ["veth1"]
    netdev_put(v1, tracker)
    kernel.clock.advance(secs(1))
    assert v1.freed and net.loopback_dev is None


@pytest.mark.parametrize("count", [1, 3])
def test_namespaces_queued_together_are_cleaned_in_one_batch(host, count):
    kernel = host.kernel
    nets = [copy_net_ns(kernel) for _ in range(count)]
    for net in nets:
        put_net(net)
    kernel.trace = lambda what, dev: host.events.append((what, dev.name, dev.ifindex))
    host.clear()
    kernel.clock.run_pending()
    assert all(net.dead for net in nets)
    assert [e for e in host.events if e[0] == "unregister"] == [("unregister", "lo", 1)] * count
