"""io_uring zero-copy RX through a netkit lease: the provider, its uninstall, ring close."""

from __future__ import annotations

import pytest

import netlife
from netlife.kernel.errors import EOPNOTSUPP, KernelError
from netlife.kernel.if_link import NLM_F_CREATE, NLM_F_EXCL, IfInfoMsg
from netlife.kernel.invariants import check_invariants
from netlife.kernel.module import delete_module
from netlife.kernel.netdev_genl import netdev_nl_queue_create_doit
from netlife.kernel.netdev_rx_queue import netif_get_rx_queue
from netlife.kernel.rtnetlink import rtnl_dellink, rtnl_newlink
from netlife.kernel.zcrx import io_register_zcrx_ifq, io_shutdown_zcrx_ifqs, io_uring_pp_zc_ops


def make(make_connectx, notifier=True):
    k = make_connectx(netkit_notifier=notifier)
    attrs = {"IFLA_IFNAME": "nk", "IFLA_NUM_RX_QUEUES": 2}
    attrs["IFLA_LINKINFO"] = {
        "IFLA_INFO_KIND": "netkit",
        "IFLA_INFO_DATA": {"IFLA_NETKIT_PAIRING": 1},
    }
    rtnl_newlink(k.init_net, IfInfoMsg(nlmsg_flags=NLM_F_CREATE | NLM_F_EXCL, attrs=attrs))
    phys, nk = k.init_net.dev_get_by_name("enp10s0f0np0"), k.init_net.dev_get_by_name("nk")
    req = {"ifindex": nk.ifindex, "type": 0}
    req["lease"] = {"ifindex": phys.ifindex, "queue": {"type": 0, "id": 15}}
    netdev_nl_queue_create_doit(k.init_net, req)
    return k, phys, nk


@pytest.fixture
def env(make_connectx):
    k, phys, nk = make(make_connectx)
    yield k, phys, nk
    assert not check_invariants(k)


def test_provider_sits_on_the_physical_queue_and_holds_the_netkit_device(env):
    k, phys, nk = env
    before = nk.refcnt
    ifq = io_register_zcrx_ifq(k.init_net, nk.ifindex, 1, "iou-zcrx (pid 7)")
    rxq = netif_get_rx_queue(phys, 15)
    assert rxq.mp_ops is io_uring_pp_zc_ops and rxq.mp_priv is ifq
    assert netif_get_rx_queue(nk, 1).mp_ops is None
    assert nk.refcnt == before + 1
    assert dict(nk.refcnt_tracker.holders())["io_register_zcrx_ifq (iou-zcrx (pid 7))"] == 1
    io_shutdown_zcrx_ifqs(k, [ifq])  # ring close
    assert rxq.mp_ops is None and nk.refcnt == before and ifq.if_rxq == -1


def test_registration_errors_leave_nothing_held(env):
    k, phys, nk = env
    before = nk.refcnt
    with pytest.raises(KernelError) as info:
        io_register_zcrx_ifq(k.init_net, nk.ifindex, 0, None)  # not leased: no DMA device
    assert info.value.errno == EOPNOTSUPP and nk.refcnt == before
    io_register_zcrx_ifq(k.init_net, nk.ifindex, 1, None)
    with pytest.raises(KernelError) as info:
        io_register_zcrx_ifq(k.init_net, nk.ifindex, 1, None)
    assert info.value.extack == "designated queue already memory provider bound"
    with pytest.raises(KernelError) as info:
        io_register_zcrx_ifq(k.init_net, phys.ifindex, 15, None)
    # The leased physical queue has no DMA device of its own to offer (netdev_queue_get_dma_dev
    # follows leases only from the virtual side).
    assert info.value.errno == EOPNOTSUPP
    rtnl_dellink(k.init_net, IfInfoMsg(attrs={"IFLA_IFNAME": "nk"}))


def test_deleting_netkit_uninstalls_the_provider_through_the_unlease(env):
    k, phys, nk = env
    ifq = io_register_zcrx_ifq(k.init_net, nk.ifindex, 1, None)
    rtnl_dellink(k.init_net, IfInfoMsg(attrs={"IFLA_IFNAME": "nk"}))
    assert nk.freed and ifq.netdev is None and netif_get_rx_queue(phys, 15).mp_ops is None
    io_shutdown_zcrx_ifqs(k, [ifq])  # the ring closes later: nothing left to do
    assert ifq.if_rxq == -1


def test_rmmod_uninstalls_the_provider_before_the_notifier_deletes_netkit(env):
    k, phys, nk = env
    ifq = io_register_zcrx_ifq(k.init_net, nk.ifindex, 1, None)
    delete_module(k, "mlx5_core")
    assert phys.freed and nk.freed and ifq.netdev is None
    io_shutdown_zcrx_ifqs(k, [ifq])


def test_without_the_notifier_the_ring_does_not_help_but_deleting_netkit_does(make_connectx):
    k, phys, nk = make(make_connectx, notifier=False)
    ifq = io_register_zcrx_ifq(k.init_net, nk.ifindex, 1, None)
    with pytest.raises(netlife.Hang):
        delete_module(k, "mlx5_core")
    assert ifq.netdev is None  # the provider went with the physical device's unregister
    io_shutdown_zcrx_ifqs(k, [ifq])
    assert phys.refcnt == 2 and not nk.freed  # still the lease
    rtnl_dellink(k.init_net, IfInfoMsg(attrs={"IFLA_IFNAME": "nk"}))
    k.clock.advance(2 * 10**9)
    assert nk.freed and phys.refcnt == 1
    assert not check_invariants(k)
