"""AF_XDP sockets bound through a netkit lease: references, the notifier, release."""

from __future__ import annotations

import dataclasses

import pytest

from netlife.kernel.errors import EBUSY, ENETDOWN, EOPNOTSUPP, KernelError
from netlife.kernel.if_link import NLM_F_CREATE, NLM_F_EXCL, IfInfoMsg
from netlife.kernel.invariants import check_invariants
from netlife.kernel.module import delete_module
from netlife.kernel.netdev_genl import netdev_nl_queue_create_doit
from netlife.kernel.netdev_rx_queue import netif_get_rx_queue
from netlife.kernel.rtnetlink import rtnl_dellink, rtnl_newlink
from netlife.kernel.xsk import (
    XDP_SETUP_XSK_POOL,
    XDP_ZEROCOPY,
    XskState,
    xsk_bind,
    xsk_create,
    xsk_release,
)


@pytest.fixture
def k(make_connectx):
    kernel = make_connectx()
    yield kernel
    assert not check_invariants(kernel)


def setup_lease(k, qid=15, single=True):
    data = {"IFLA_NETKIT_PAIRING": 1} if single else {}
    attrs = {"IFLA_IFNAME": "nk", "IFLA_NUM_RX_QUEUES": 2}
    attrs["IFLA_LINKINFO"] = {"IFLA_INFO_KIND": "netkit", "IFLA_INFO_DATA": data}
    if not single:
        peer = IfInfoMsg(attrs={"IFLA_IFNAME": "nkp", "IFLA_NUM_RX_QUEUES": 2})
        data["IFLA_NETKIT_PEER_INFO"] = peer
    rtnl_newlink(k.init_net, IfInfoMsg(nlmsg_flags=NLM_F_CREATE | NLM_F_EXCL, attrs=attrs))
    phys = k.init_net.dev_get_by_name("enp10s0f0np0")
    nk = k.init_net.dev_get_by_name("nkp" if not single else "nk")
    req = {"ifindex": nk.ifindex, "type": 0}
    req["lease"] = {"ifindex": phys.ifindex, "queue": {"type": 0, "id": qid}}
    netdev_nl_queue_create_doit(k.init_net, req)
    return phys, nk


def give_zero_copy(phys, calls):
    """The physical driver accepts XSK pools (mlx5 supports AF_XDP zero-copy)."""

    def ndo_bpf(dev, bpf):
        calls.append((bpf.command, bpf.pool is not None, bpf.queue_id))
        return 0

    phys.netdev_ops = dataclasses.replace(phys.netdev_ops, ndo_bpf=ndo_bpf)


def test_bind_through_netkit_puts_the_pool_on_the_physical_queue(k):
    phys, nk = setup_lease(k)
    calls = []
    give_zero_copy(phys, calls)
    k.clock.run_pending()  # pending linkwatch events hold references too
    nk_ref, phys_ref = nk.refcnt, phys.refcnt
    xs = xsk_create(k.init_net)
    xsk_bind(xs, nk.ifindex, 1, XDP_ZEROCOPY)
    assert xs.state == XskState.XSK_BOUND and xs.zc
    assert nk.refcnt == nk_ref + 2 and phys.refcnt == phys_ref  # bind + pool, both on netkit
    assert netif_get_rx_queue(phys, 15).pool is xs.pool
    assert netif_get_rx_queue(nk, 1).pool is None
    assert calls == [(XDP_SETUP_XSK_POOL, True, 15)]  # forwarded with the physical index
    xsk_release(xs)
    k.clock.run_pending()  # xp_release_deferred
    assert nk.refcnt == nk_ref and netif_get_rx_queue(phys, 15).pool is None
    assert calls[-1] == (XDP_SETUP_XSK_POOL, False, 15)


def test_zero_copy_needs_a_single_device_and_a_capable_nic(k):
    phys, nk = setup_lease(k, single=False)
    give_zero_copy(phys, [])
    xs = xsk_create(k.init_net)
    with pytest.raises(KernelError) as info:
        xsk_bind(xs, nk.ifindex, 1, XDP_ZEROCOPY)  # a pair's peer: netkit_xsk says no
    assert info.value.errno == EOPNOTSUPP
    assert netif_get_rx_queue(phys, 15).pool is None
    xsk_bind(xs, nk.ifindex, 1)  # copy mode falls back and still holds the queue
    assert not xs.zc and netif_get_rx_queue(phys, 15).pool is xs.pool
    xsk_release(xs)
    k.clock.run_pending()


def test_the_leased_physical_queue_cannot_be_bound_directly(k):
    phys, _ = setup_lease(k)
    xs = xsk_create(k.init_net)
    with pytest.raises(KernelError) as info:
        xsk_bind(xs, phys.ifindex, 15)
    assert info.value.errno == EBUSY
    assert xs.state == XskState.XSK_READY


def test_deleting_netkit_unbinds_the_socket_with_enetdown(k):
    phys, nk = setup_lease(k)
    reports = []
    xs = xsk_create(k.init_net)
    xs.sk_error_report = lambda sock: reports.append(sock.sk_err)
    xsk_bind(xs, nk.ifindex, 1)
    rtnl_dellink(k.init_net, IfInfoMsg(attrs={"IFLA_IFNAME": "nk"}))
    assert reports == [ENETDOWN] and xs.state == XskState.XSK_UNBOUND
    assert nk.freed and xs.pool.netdev is None
    assert netif_get_rx_queue(phys, 15).pool is None and netif_get_rx_queue(phys, 15).lease is None
    xsk_release(xs)  # closing later is harmless
    k.clock.run_pending()


def test_rmmod_with_a_bound_socket_completes_through_the_notifiers(k):
    phys, nk = setup_lease(k)
    xs = xsk_create(k.init_net)
    xsk_bind(xs, nk.ifindex, 1)
    delete_module(k, "mlx5_core")
    assert xs.sk_err == ENETDOWN and nk.freed and phys.freed
