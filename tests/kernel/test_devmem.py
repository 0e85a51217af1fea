"""bind-rx: the kernel's checks in its order, up to the dma-buf the model does not have.

From net/core/netdev-genl.c:netdev_nl_bind_rx_doit and net/core/devmem.c:
net_devmem_bind_dmabuf; the veth/lo cases are also checked against the real kernel in
tests/conform/test_netdev_genl_kernel.py.
"""

from __future__ import annotations

import json

import pytest

from netlife.kernel.devmem import netdev_nl_bind_rx_doit, netdev_queue_get_dma_dev
from netlife.kernel.errors import EBADF, EINVAL, ENODEV, EOPNOTSUPP, ERANGE
from netlife.kernel.netdev_genl import GenlError, netdev_nl_queue_create_doit
from netlife.userspace.host import Host


@pytest.fixture
def host(make_connectx):
    h = Host(make_connectx())
    info = {"kind": "netkit", "data": {"pairing": "single"}}
    attrs = json.dumps({"ifname": "nk", "num-rx-queues": 2, "linkinfo": info})
    h.run_command(["ynl", "--family", "rt-link", "--do", "newlink", "--create", "--json", attrs])
    h.settle()
    return h


def bind(h, ifindex, queues, fd=5, **extra):
    req = {"ifindex": ifindex, "fd": fd, "queues": [{"id": q, "type": 0} for q in queues]}
    req.update(extra)
    with pytest.raises(GenlError) as info:
        netdev_nl_bind_rx_doit(h.kernel.init_net, req)
    return info.value


def lease(h, nk, phys, qid):
    req = {"ifindex": nk.ifindex, "type": 0}
    req["lease"] = {"ifindex": phys.ifindex, "queue": {"id": qid, "type": 0}}
    return netdev_nl_queue_create_doit(h.kernel.init_net, req)["id"]


def devs(h):
    net = h.kernel.init_net
    return net.dev_get_by_name("enp10s0f0np0"), net.dev_get_by_name("nk")


def test_a_nic_queue_gets_as_far_as_the_fd(host):
    phys, _ = devs(host)
    assert netdev_queue_get_dma_dev(phys, 3, 0) is phys.parent
    assert bind(host, phys.ifindex, [3]).errno == EBADF
    assert bind(host, phys.ifindex, [3], fd=1).errno == EINVAL  # a file, not a dma-buf


def test_a_leased_physical_queue_has_no_dma_device_before_the_fd_matters(host):
    phys, nk = devs(host)
    lease(host, nk, phys, 15)
    assert netdev_queue_get_dma_dev(phys, 15, 0) is None
    err = bind(host, phys.ifindex, [15], fd=12345)
    assert (err.errno, err.ext.msg) == (EOPNOTSUPP, "Device doesn't support DMA")
    # Through the lease, the netkit queue finds the NIC's DMA device: on to the fd.
    assert netdev_queue_get_dma_dev(nk, 1, 0) is phys.parent
    assert bind(host, nk.ifindex, [1]).errno == EBADF
    # Queue 0 of the netkit device is its own and has no DMA device.
    assert bind(host, nk.ifindex, [0]).ext.msg == "Device doesn't support DMA"


def test_netdevsim_has_no_dma_device(host):
    host.run_command(["modprobe", "netdevsim"])
    host.write_file("/sys/bus/netdevsim/new_device", "1 1\n", False)
    host.settle()
    (nsim,) = [d for d in host.kernel.init_net.dev_base if d.name.startswith("eni")]
    err = bind(host, nsim.ifindex, [0], fd=99999)
    assert (err.errno, err.ext.msg) == (EOPNOTSUPP, "Device doesn't support DMA")


def test_checks_in_the_kernels_order(host):
    phys, _ = devs(host)
    err = bind(host, 999, [0])
    assert err.errno == ENODEV and err.ext.bad_attr is None
    err = bind(host, phys.ifindex, [16])
    assert err.errno == EINVAL and err.ext.bad_attr == ("queues", 0, "id")
    err = bind(host, phys.ifindex, [0], **{"rx-page-size": 12288})
    assert (err.errno, err.ext.msg) == (EINVAL, "rx-page-size must be a power of 2")
    err = bind(host, phys.ifindex, [0], **{"rx-page-size": 1024})
    assert err.errno == ERANGE  # the policy's range starts at PAGE_SIZE
    req = {"ifindex": phys.ifindex, "fd": 3, "queues": [{"id": 0}]}
    with pytest.raises(GenlError) as info:
        netdev_nl_bind_rx_doit(host.kernel.init_net, req)
    assert info.value.ext.miss_type == "type" and info.value.ext.miss_nest == ("queues", 0)
    phys.present = False
    err = bind(host, phys.ifindex, [0])
    assert err.errno == ENODEV and err.ext.bad_attr == ("ifindex",)
    phys.present = True


def test_ynl_prints_the_refusal(host):
    phys, nk = devs(host)
    lease(host, nk, phys, 15)
    req = json.dumps({"ifindex": phys.ifindex, "fd": 3, "queues": [{"id": 15, "type": "rx"}]})
    r = host.run_command(["ynl", "--family", "netdev", "--do", "bind-rx", "--json", req])
    assert r.rc == 1
    assert r.stdout == (
        "Netlink error: Operation not supported\n"
        "nl_len = 68 (52) nl_flags = 0x300 nl_type = 2\n"
        "\terror: -95\n"
        "\textack: {'msg': \"Device doesn't support DMA\"}\n"
    )
