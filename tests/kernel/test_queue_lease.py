"""Queue leasing: the lease's references and lookups, queue-create's checks, busy queues."""

from __future__ import annotations

import pytest

from netlife.kernel.errors import EBUSY, EINVAL, ENODEV, EOPNOTSUPP, ERANGE, KernelError
from netlife.kernel.ethtool import BUSY_QUEUES, ethnl_set_channels
from netlife.kernel.if_link import IFF_UP, NLM_F_CREATE, NLM_F_EXCL, IfInfoMsg
from netlife.kernel.invariants import check_invariants
from netlife.kernel.netdev_genl import GenlError, netdev_nl_queue_create_doit
from netlife.kernel.netdev_rx_queue import netif_get_rx_queue
from netlife.kernel.pci import PciDev, pci_add_device
from netlife.kernel.queue_lease import (
    NETIF_PHYS_TO_VIRT,
    NETIF_VIRT_TO_PHYS,
    __netif_get_rx_queue_lease,
    netdev_queue_busy,
    netif_channels_leased,
    netif_rx_queue_lease_get_owner,
)
from netlife.kernel.rtnetlink import rtnl_dellink, rtnl_newlink


@pytest.fixture
def k(make_connectx):
    """A host with one ConnectX port (16 RX queues) named enp10s0f0np0."""
    kernel = make_connectx()
    yield kernel
    assert not check_invariants(kernel)


def netkit(k, name="nk", rxqs=4, single=True, net=None):
    data = {"IFLA_NETKIT_PAIRING": 1} if single else {}
    attrs = {"IFLA_IFNAME": name, "IFLA_NUM_RX_QUEUES": rxqs}
    attrs["IFLA_LINKINFO"] = {"IFLA_INFO_KIND": "netkit", "IFLA_INFO_DATA": data}
    net = net or k.init_net
    rtnl_newlink(net, IfInfoMsg(nlmsg_flags=NLM_F_CREATE | NLM_F_EXCL, attrs=attrs))
    return net.dev_get_by_name(name)


def lease(k, virt, phys, qid, **over):
    req = {"ifindex": virt.ifindex, "type": 0}
    req["lease"] = {"ifindex": phys.ifindex, "queue": {"type": 0, "id": qid}}
    req.update(over)
    return netdev_nl_queue_create_doit(k.init_net, req)["id"]


def phys_of(k):
    return k.init_net.dev_get_by_name("enp10s0f0np0")


def test_lease_links_both_queues_and_holds_one_reference_per_queue(k):
    phys, nk = phys_of(k), netkit(k)
    before_phys, before_nk = phys.refcnt, nk.refcnt
    assert lease(k, nk, phys, 15) == 1
    assert lease(k, nk, phys, 14) == 2
    assert phys.refcnt == before_phys + 2 and nk.refcnt == before_nk
    holders = dict(phys.refcnt_tracker.holders())
    assert holders["netdev_rx_queue_lease (nk rxq 1)"] == 1
    assert holders["netdev_rx_queue_lease (nk rxq 2)"] == 1
    assert netif_get_rx_queue(phys, 15).lease is netif_get_rx_queue(nk, 1)
    assert netif_get_rx_queue(nk, 1).lease is netif_get_rx_queue(phys, 15)
    assert nk.real_num_rx_queues == 3


def test_lookups_go_only_in_their_direction(k):
    phys, nk = phys_of(k), netkit(k)
    lease(k, nk, phys, 7)
    rxq, dev, idx = __netif_get_rx_queue_lease(nk, 1, NETIF_VIRT_TO_PHYS)
    assert (dev, idx) == (phys, 7) and rxq.dev is phys
    assert __netif_get_rx_queue_lease(phys, 7, NETIF_VIRT_TO_PHYS)[0] is None
    assert __netif_get_rx_queue_lease(nk, 1, NETIF_PHYS_TO_VIRT)[0] is None
    assert netif_rx_queue_lease_get_owner(phys, 7) == (nk, 1)
    assert netif_rx_queue_lease_get_owner(phys, 6) is None
    assert netif_rx_queue_lease_get_owner(nk, 1) is None


def test_deleting_the_netkit_device_drops_the_leases(k):
    phys, nk = phys_of(k), netkit(k)
    base = phys.refcnt
    lease(k, nk, phys, 3)
    lease(k, nk, phys, 4)
    rtnl_dellink(k.init_net, IfInfoMsg(attrs={"IFLA_IFNAME": "nk"}))
    assert phys.refcnt == base
    assert netif_get_rx_queue(phys, 3).lease is None and not netdev_queue_busy(phys, 3, None)
    assert nk.freed


def _err(k, fn):
    with pytest.raises(KernelError) as info:
        fn()
    err = info.value
    return err.errno, getattr(err, "ext", None)


def test_queue_create_checks_in_order_with_their_errors(k):
    phys, nk = phys_of(k), netkit(k, rxqs=2)
    veth_req = {"IFLA_IFNAME": "v0", "IFLA_LINKINFO": {"IFLA_INFO_KIND": "veth"}}
    rtnl_newlink(k.init_net, IfInfoMsg(nlmsg_flags=NLM_F_CREATE | NLM_F_EXCL, attrs=veth_req))
    veth = k.init_net.dev_get_by_name("v0")
    cases = [
        (lambda: lease(k, phys, nk, 1), EINVAL, "Device is not a virtual device"),
        (lambda: lease(k, veth, phys, 1), EINVAL, "Device does not support queue creation"),
        (lambda: lease(k, nk, veth, 1), EINVAL, "Lease device is a virtual device"),
        (lambda: lease(k, nk, nk, 1), EINVAL, "Lease device is a virtual device"),
        (lambda: lease(k, nk, phys, 16), ERANGE, None),
    ]
    for fn, errno, msg in cases:
        got, ext = _err(k, fn)
        assert got == errno and ext.msg == msg
    assert _err(k, lambda: lease(k, nk, phys, 1, ifindex=999))[0] == ENODEV
    _, ext = _err(k, lambda: lease(k, nk, phys, 1, type=1))
    assert ext.bad_attr == ("type",)
    bad_ns = {"ifindex": phys.ifindex, "queue": {"type": 0, "id": 1}, "netns-id": -1}
    got, ext = _err(k, lambda: lease(k, nk, phys, 1, lease=bad_ns))
    assert got == ERANGE and ext.bad_attr == ("lease", "netns-id")  # NLA_POLICY_MIN(S32, 0)
    assert lease(k, nk, phys, 1) == 1
    got, ext = _err(k, lambda: lease(k, nk, phys, 1))
    assert got == EBUSY and ext.msg == "Device queue in use due to queue leasing"
    got, ext = _err(k, lambda: lease(k, nk, phys, 2))
    assert got == EINVAL and ext.msg == "Device is unable to create a new queue"
    assert check_invariants(k) == []


def test_queue_create_on_a_removed_device_and_with_queues_from_two_nics(k):
    cfg = {"ifname": "enp10s0f1np1", "rx_queues": 4, "channels": 4}
    pci_add_device(k, PciDev(k, "0000:0a:00.1", 0x15B3, 0x1019, cfg))
    k.clock.run_pending()
    phys, other, nk = phys_of(k), k.init_net.dev_get_by_name("enp10s0f1np1"), netkit(k)
    lease(k, nk, phys, 1)
    got, ext = _err(k, lambda: lease(k, nk, other, 1))
    assert got == EOPNOTSUPP
    assert ext.msg == "Leasing queues from different devices not supported"
    other.present = False  # netif_device_detach
    got, ext = _err(k, lambda: lease(k, netkit(k, "nk9"), other, 1))
    assert ext.msg == "Lease device has been removed from the system"
    other.present = True


def test_queue_create_refused_on_the_primary_of_a_pair(k):
    phys = phys_of(k)
    attrs = {"IFLA_IFNAME": "nkp", "IFLA_NUM_RX_QUEUES": 2}
    peer = IfInfoMsg(attrs={"IFLA_IFNAME": "nkc", "IFLA_NUM_RX_QUEUES": 2})
    attrs["IFLA_LINKINFO"] = {
        "IFLA_INFO_KIND": "netkit",
        "IFLA_INFO_DATA": {"IFLA_NETKIT_PEER_INFO": peer},
    }
    rtnl_newlink(k.init_net, IfInfoMsg(nlmsg_flags=NLM_F_CREATE | NLM_F_EXCL, attrs=attrs))
    primary, peer_dev = k.init_net.dev_get_by_name("nkp"), k.init_net.dev_get_by_name("nkc")
    got, ext = _err(k, lambda: lease(k, primary, phys, 1))
    assert got == EOPNOTSUPP and ext.msg == "Device is unable to create a new queue"
    assert lease(k, peer_dev, phys, 1) == 1


def test_channels_cannot_shrink_into_a_leased_queue(k):
    phys, nk = phys_of(k), netkit(k)
    lease(k, nk, phys, 12)
    assert netif_channels_leased(phys, 8) and not netif_channels_leased(phys, 13)
    with pytest.raises(KernelError) as info:
        ethnl_set_channels(phys, {"combined": 8})
    assert info.value.errno == EINVAL and info.value.extack == BUSY_QUEUES
    assert phys.real_num_rx_queues == 16
    assert ethnl_set_channels(phys, {"combined": 13})
    assert phys.real_num_rx_queues == 13


def test_queue_get_needs_the_device_up(k):
    from netlife.kernel.errors import ENOENT
    from netlife.kernel.netdev_genl import netdev_nl_queue_get_doit

    phys, nk = phys_of(k), netkit(k)
    lease(k, nk, phys, 5)
    with pytest.raises(GenlError) as info:
        netdev_nl_queue_get_doit(k.init_net, {"ifindex": phys.ifindex, "id": 5, "type": 0})
    assert info.value.errno == ENOENT  # netdev_nl_queue_fill: !netdev->up
    rtnl_newlink(k.init_net, IfInfoMsg(ifi_index=phys.ifindex, ifi_flags=IFF_UP, ifi_change=IFF_UP))
    msg = netdev_nl_queue_get_doit(k.init_net, {"ifindex": phys.ifindex, "id": 5, "type": 0})
    assert msg["lease"] == {"queue": {"id": 1, "type": 0}, "ifindex": nk.ifindex}
