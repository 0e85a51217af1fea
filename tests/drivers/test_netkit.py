"""netkit: pairs and single devices, queue creation, and the notifier of commit 2544447057."""

from __future__ import annotations

import pytest

import netlife
from netlife.drivers import MODULES, mlx5
from netlife.drivers.netkit import NETKIT_DEVICE_SINGLE, NETKIT_L2, NETKIT_L3, netkit_priv
from netlife.kernel.errors import EACCES, EOPNOTSUPP, Hang, KernelError
from netlife.kernel.if_link import (
    ARPHRD_ETHER,
    IFF_NOARP,
    IFF_UP,
    NLM_F_CREATE,
    NLM_F_EXCL,
    IfInfoMsg,
)
from netlife.kernel.invariants import check_invariants
from netlife.kernel.module import delete_module, modprobe
from netlife.kernel.netdev_genl import netdev_nl_queue_create_doit
from netlife.kernel.netdev_rx_queue import netif_get_rx_queue
from netlife.kernel.netdevice import NETREG_UNREGISTERED
from netlife.kernel.netns_lifecycle import copy_net_ns, put_net
from netlife.kernel.pci import PciDev, pci_add_device
from netlife.kernel.rtnetlink import rtnl_dellink, rtnl_newlink
from netlife.kernel.rtnl_notify import rtnl_fill_ifinfo


def make_kernel(**options):
    table = dict(MODULES)
    table["mlx5_core"] = mlx5.MODULE
    k = netlife.Kernel(table, hang_bound_secs=35, **options)
    k.notifier_trace = []
    for slot, name in (("0000:0a:00.0", "enp10s0f0np0"), ("0000:0a:00.1", "enp10s0f1np1")):
        cfg = {"ifname": name, "rx_queues": 16, "channels": 16}
        pci_add_device(k, PciDev(k, slot, 0x15B3, 0x1019, cfg))
    modprobe(k, "mlx5_core")
    k.clock.run_pending()
    return k


@pytest.fixture
def k():
    kernel = make_kernel()
    yield kernel
    assert not check_invariants(kernel)


def add(k, name=None, data=None, net=None, **attrs):
    a = dict(attrs)
    if name:
        a["IFLA_IFNAME"] = name
    a["IFLA_LINKINFO"] = {"IFLA_INFO_KIND": "netkit", "IFLA_INFO_DATA": data or {}}
    rtnl_newlink(net or k.init_net, IfInfoMsg(nlmsg_flags=NLM_F_CREATE | NLM_F_EXCL, attrs=a))


def single(k, name="nk", rxqs=4, net=None):
    add(k, name, {"IFLA_NETKIT_PAIRING": NETKIT_DEVICE_SINGLE}, net, IFLA_NUM_RX_QUEUES=rxqs)
    return (net or k.init_net).dev_get_by_name(name)


def lease(k, virt, phys, qid, net=None):
    req = {"ifindex": virt.ifindex, "type": 0}
    req["lease"] = {"ifindex": phys.ifindex, "queue": {"type": 0, "id": qid}}
    return netdev_nl_queue_create_doit(net or k.init_net, req)["id"]


def dev(k, name, net=None):
    return (net or k.init_net).dev_get_by_name(name)


def rmmod_mlx5(k):
    delete_module(k, "mlx5_core")


# -- devices ------------------------------------------------------------------------------------


def test_pair_registers_the_peer_first_and_l3_has_no_address(k):
    add(k)
    peer, primary = dev(k, "nk0"), dev(k, "nk1")
    assert not netkit_priv(peer).primary and netkit_priv(primary).primary
    assert netkit_priv(primary).peer is peer and netkit_priv(peer).peer is primary
    for d in (peer, primary):
        assert d.type == ARPHRD_ETHER and d.flags & IFF_NOARP
        assert d.dev_addr == "00:00:00:00:00:00" and netkit_priv(d).mode == NETKIT_L3
    info = rtnl_fill_ifinfo(primary, "RTM_NEWLINK", 0).attrs
    assert info["IFLA_LINK"] == peer.ifindex
    assert info["IFLA_LINKINFO"]["IFLA_INFO_DATA"] == {
        "IFLA_NETKIT_PRIMARY": 1,
        "IFLA_NETKIT_POLICY": 0,
        "IFLA_NETKIT_MODE": 1,
        "IFLA_NETKIT_SCRUB": 1,
        "IFLA_NETKIT_HEADROOM": 0,
        "IFLA_NETKIT_TAILROOM": 0,
        "IFLA_NETKIT_PAIRING": 0,
        "IFLA_NETKIT_PEER_POLICY": 0,
        "IFLA_NETKIT_PEER_SCRUB": 1,
    }


def test_l2_pair_gets_random_addresses_and_arp(k):
    add(
        k,
        "a",
        {
            "IFLA_NETKIT_MODE": NETKIT_L2,
            "IFLA_NETKIT_PEER_INFO": IfInfoMsg(attrs={"IFLA_IFNAME": "b"}),
        },
    )
    a, b = dev(k, "a"), dev(k, "b")
    assert not a.flags & IFF_NOARP and not b.flags & IFF_NOARP
    assert a.dev_addr != "00:00:00:00:00:00" and a.dev_addr != b.dev_addr


def test_address_in_l3_mode_and_bad_options_are_refused(k):
    with pytest.raises(KernelError) as info:
        add(k, "x", {}, IFLA_ADDRESS="02:00:00:00:00:01")
    assert info.value.errno == EOPNOTSUPP
    with pytest.raises(KernelError) as info:
        add(k, "x", {"IFLA_NETKIT_MODE": 7})
    assert info.value.extack == "integer out of range"
    with pytest.raises(KernelError) as info:
        add(k, "x", {"IFLA_NETKIT_POLICY": 1})
    assert info.value.extack == "Provided default xmit policy not supported"
    with pytest.raises(KernelError) as info:
        add(k, "x", {"IFLA_NETKIT_PRIMARY": 1})
    assert info.value.extack == "Primary attribute is read-only"
    assert dev(k, "x") is None and dev(k, "nk0") is None


def test_peer_in_another_namespace_and_deleting_either_end_deletes_both(k):
    guest = copy_net_ns(k)
    peer = IfInfoMsg(attrs={"IFLA_IFNAME": "eth0", "IFLA_NET_NS_FD": guest})
    add(k, "nk", {"IFLA_NETKIT_PEER_INFO": peer})
    host_end, guest_end = dev(k, "nk"), dev(k, "eth0", guest)
    assert guest_end is not None and netkit_priv(host_end).peer is guest_end
    info = rtnl_fill_ifinfo(host_end, "RTM_NEWLINK", 0).attrs
    assert info["IFLA_LINK_NETNSID"] == k.init_net.peernet2id(guest)
    rtnl_dellink(guest, IfInfoMsg(attrs={"IFLA_IFNAME": "eth0"}))
    assert host_end.freed and guest_end.freed


def test_single_mode_has_no_peer_shows_none_and_carrier_follows_open(k):
    nk = single(k)
    assert netkit_priv(nk).peer is None
    assert rtnl_fill_ifinfo(nk, "RTM_NEWLINK", 0).attrs["IFLA_LINK"] == 0  # nk@NONE
    assert nk.real_num_rx_queues == 1 and nk.num_rx_queues == 4 and nk.real_num_tx_queues == 1
    rtnl_newlink(k.init_net, IfInfoMsg(ifi_index=nk.ifindex, ifi_flags=IFF_UP, ifi_change=IFF_UP))
    assert nk.carrier


@pytest.mark.parametrize(
    "data",
    [
        {"IFLA_NETKIT_PEER_INFO": IfInfoMsg(attrs={"IFLA_IFNAME": "p"})},
        {"IFLA_NETKIT_PEER_POLICY": 0},
        {"IFLA_NETKIT_PEER_SCRUB": 0},
        {"IFLA_NETKIT_POLICY": 2},
    ],
)
def test_single_mode_refuses_peer_attributes_and_drop_policy(k, data):
    with pytest.raises(KernelError) as info:
        add(k, "nk", {"IFLA_NETKIT_PAIRING": NETKIT_DEVICE_SINGLE, **data})
    assert info.value.errno == EOPNOTSUPP
    assert dev(k, "nk") is None and dev(k, "p") is None


def test_alloc_allows_1024_rx_queues_and_one_tx_queue(k):
    assert single(k, "big", rxqs=1024).num_rx_queues == 1024
    for attrs in ({"IFLA_NUM_RX_QUEUES": 1025}, {"IFLA_NUM_TX_QUEUES": 2}):
        with pytest.raises(KernelError) as info:
            add(k, "nk", {"IFLA_NETKIT_PAIRING": 1}, **attrs)
        assert info.value.errno == EOPNOTSUPP


def test_settings_change_only_through_the_primary(k):
    add(k)
    with pytest.raises(KernelError) as info:
        rtnl_newlink(
            k.init_net,
            IfInfoMsg(
                ifi_index=dev(k, "nk0").ifindex,
                attrs={
                    "IFLA_LINKINFO": {
                        "IFLA_INFO_KIND": "netkit",
                        "IFLA_INFO_DATA": {"IFLA_NETKIT_POLICY": 2},
                    }
                },
            ),
        )
    assert info.value.errno == EACCES
    rtnl_newlink(
        k.init_net,
        IfInfoMsg(
            ifi_index=dev(k, "nk1").ifindex,
            attrs={
                "IFLA_LINKINFO": {
                    "IFLA_INFO_KIND": "netkit",
                    "IFLA_INFO_DATA": {"IFLA_NETKIT_PEER_POLICY": 2},
                }
            },
        ),
    )
    assert netkit_priv(dev(k, "nk0")).policy == 2


# -- the notifier -------------------------------------------------------------------------------


def test_rmmod_deletes_netkit_devices_leasing_queues_each_once_in_one_batch(k):
    phys = dev(k, "enp10s0f0np0")
    a, b = single(k, "nka"), single(k, "nkb")
    lease(k, a, phys, 15)
    lease(k, a, phys, 14)
    lease(k, b, phys, 3)
    other = single(k, "nkc")
    lease(k, other, dev(k, "enp10s0f1np1"), 2)
    k.notifier_trace.clear()
    rmmod_mlx5(k)
    assert dev(k, "enp10s0f0np0") is None and a.freed and b.freed and other.freed
    unreg = [n for e, n in k.notifier_trace if e == 6]  # NETDEV_UNREGISTER
    assert unreg.count("nka") == 1 and unreg.count("nkb") == 1
    # nested inside the physical device's NETDEV_UNREGISTER: both netkit devices come after it
    first = unreg.index("enp10s0f0np0")
    assert unreg[first + 1 : first + 3] == ["nkb", "nka"]  # queue 3, then queues 14 and 15
    assert not [v for v in k.printk.violations]


def test_netkit_peer_in_the_guest_is_deleted_with_its_primary(k):
    guest = copy_net_ns(k)
    peer = IfInfoMsg(attrs={"IFLA_IFNAME": "nk", "IFLA_NUM_RX_QUEUES": 2})
    add(k, "nkhost", {"IFLA_NETKIT_PEER_INFO": peer})
    nk = dev(k, "nk")
    lease(k, nk, dev(k, "enp10s0f0np0"), 9)
    rtnl_newlink(k.init_net, IfInfoMsg(ifi_index=nk.ifindex, attrs={"IFLA_NET_NS_FD": guest}))
    assert dev(k, "nk", guest) is nk
    rmmod_mlx5(k)
    assert nk.freed and dev(k, "nkhost") is None


def test_lease_survives_moves_and_link_flaps_and_ends_with_the_guest_namespace(k):
    phys = dev(k, "enp10s0f0np0")
    guest = copy_net_ns(k)
    nk = single(k)
    lease(k, nk, phys, 4)
    for flags in (IFF_UP, 0, IFF_UP, 0):
        for d in (nk, phys):
            rtnl_newlink(
                d.nd_net, IfInfoMsg(ifi_index=d.ifindex, ifi_flags=flags, ifi_change=IFF_UP)
            )
    rtnl_newlink(k.init_net, IfInfoMsg(ifi_index=nk.ifindex, attrs={"IFLA_NET_NS_FD": guest}))
    assert netif_get_rx_queue(phys, 4).lease is netif_get_rx_queue(nk, 1)
    rtnl_newlink(k.init_net, IfInfoMsg(ifi_index=phys.ifindex, attrs={"IFLA_NET_NS_FD": guest}))
    rtnl_newlink(guest, IfInfoMsg(ifi_index=phys.ifindex, attrs={"IFLA_NET_NS_FD": k.init_net}))
    assert netif_get_rx_queue(phys, 4).lease is netif_get_rx_queue(nk, 1)
    assert not nk.freed
    put_net(guest)  # ip netns del: netkit has link ops, so it is destroyed with the namespace
    k.clock.run_pending()
    assert nk.freed and netif_get_rx_queue(phys, 4).lease is None
    assert phys.refcnt == 4  # base, registered, in_device, inet6_dev


def test_without_the_notifier_the_physical_device_waits_until_netkit_is_deleted():
    k = make_kernel(netkit_notifier=False)
    phys = dev(k, "enp10s0f0np0")
    nk = single(k)
    lease(k, nk, phys, 15)
    lease(k, nk, phys, 14)
    with pytest.raises(Hang) as info:
        rmmod_mlx5(k)
    assert "waiting for enp10s0f0np0 to become free. Usage count = 3" in "\n".join(k.printk.dmesg())
    stuck = info.value.report.devices[0]
    assert stuck.name == "enp10s0f0np0" and stuck.remedy == "ip link del nk"
    assert any("leased to nk" in line for line in stuck.chain)
    assert not phys.freed and not nk.freed
    rtnl_dellink(k.init_net, IfInfoMsg(attrs={"IFLA_IFNAME": "nk"}))
    k.clock.advance(2 * 10**9)
    # The wait ends: the physical device is UNREGISTERED at count 1 (the rest of rmmod, cut
    # short by the model's bound, would free it), the netkit device is gone.
    assert nk.freed and phys.refcnt == 1 and phys.reg_state == NETREG_UNREGISTERED
    assert not k.todo_waits
    assert not check_invariants(k)


def test_deleting_the_netkit_device_first_leaves_nothing_for_the_notifier(k):
    phys = dev(k, "enp10s0f0np0")
    nk = single(k)
    lease(k, nk, phys, 1)
    rtnl_dellink(k.init_net, IfInfoMsg(attrs={"IFLA_IFNAME": "nk"}))
    rmmod_mlx5(k)
    assert phys.freed
