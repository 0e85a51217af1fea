"""The dummy module: numdummies devices at load, link kind "dummy", rmmod deletes every dummy.

Mirrors drivers/net/dummy.c (dummy_init_module, dummy_setup) and net/core/rtnetlink.c:
rtnl_link_unregister (wait for pending unregistrations, kill the kind's links in every
namespace, wait for their references).
"""

from __future__ import annotations

import pytest

from netlife import Hang, netdev_hold, netdev_put, secs
from netlife.kernel.if_link import IFF_MULTICAST, IFF_NOARP
from netlife.kernel.module import ModuleState, delete_module, modprobe
from netlife.kernel.netdevice import NET_ADDR_RANDOM
from netlife.kernel.netns_lifecycle import copy_net_ns


def test_modprobe_makes_numdummies_devices_announced_at_registration(host):
    kernel = host.kernel
    assert modprobe(kernel, "dummy", {"numdummies": 3}) == ["dummy"]
    names = [d.name for d in host.init_net.devices()]
    assert names == ["lo", "dummy0", "dummy1", "dummy2"]
    # Made by the module, not by rtnetlink: not "initializing", so RTM_NEWLINK at registration.
    assert host.events == [("RTM_NEWLINK", f"dummy{i}", i + 2) for i in range(3)]
    dev = host.init_net.dev_get_by_name("dummy1")
    assert dev.rtnl_link_ops is kernel.link_ops["dummy"] and dev.needs_free_netdev
    assert dev.flags & IFF_NOARP and not dev.flags & IFF_MULTICAST
    assert dev.addr_assign_type == NET_ADDR_RANDOM and dev.dev_addr[1] in "26ae"


def test_link_add_loads_the_module_on_demand(host):
    dev = host.dummy("mine")
    assert "dummy" in host.kernel.modules
    assert [d.name for d in host.init_net.devices()] == ["lo", "dummy0", "mine"]
    host.dellink("mine")  # the default dellink: unregister_netdevice_queue
    assert dev.freed


def test_rmmod_deletes_every_dummy_in_every_namespace(host):
    kernel = host.kernel
    modprobe(kernel, "dummy", {"numdummies": 2})
    net = copy_net_ns(kernel)
    other = host.dummy("far", net=net)
    devs = [*host.init_net.devices()[1:], other]
    v0, _ = host.veth()
    host.clear()
    delete_module(kernel, "dummy")
    assert "dummy" not in kernel.modules and "dummy" not in kernel.link_ops
    assert all(d.freed for d in devs) and not v0.freed
    # One batch per namespace, in list order.
    dels = [e[1] for e in host.events if e[0] == "RTM_DELLINK"]
    assert dels == ["dummy0", "dummy1", "far"]
    assert [d.name for d in net.devices()] == ["lo"]


def test_rmmod_hangs_while_a_dummy_is_held_and_finishes_on_release(host):
    kernel = host.kernel
    dev = host.dummy("held")
    tracker = netdev_hold(dev, "xsk_bind (held)")
    with pytest.raises(Hang) as hang:
        delete_module(kernel, "dummy")
    assert [d.name for d in hang.value.report.devices] == ["held"]
    assert kernel.modules["dummy"].state == ModuleState.MODULE_STATE_GOING
    netdev_put(dev, tracker)
    kernel.clock.advance(secs(1))
    assert dev.freed and kernel.dev_unreg_count == 0


def test_rmmod_waits_for_unregistrations_of_any_kind_first(host):
    kernel = host.kernel
    host.dummy("d0")
    v0, v1 = host.veth()
    tracker = netdev_hold(v1, "test_holder")
    with pytest.raises(Hang):
        host.dellink(v0)
    assert kernel.dev_unreg_count == 1
    kernel.clock.schedule(secs(5), lambda: netdev_put(v1, tracker))
    start = kernel.clock.now
    delete_module(kernel, "dummy")  # rtnl_lock_unregistering_all: sleeps until the veth is done
    assert v1.freed and kernel.clock.now - start >= secs(5)
    assert host.init_net.dev_get_by_name("d0") is None
