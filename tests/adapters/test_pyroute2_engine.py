"""The pyroute2 engine: netlink bytes in and out of the model's rtnetlink, as a socket would."""

from __future__ import annotations

import errno
import os
import select
import struct

import pytest
from pyroute2 import IPRoute, IPRSocket, NetNS
from pyroute2 import netns as pyroute2_netns
from pyroute2.netlink.exceptions import NetlinkError
from pyroute2.netlink.rtnl import RTMGRP_LINK
from pyroute2.netlink.rtnl.ifinfmsg import ifinfmsg
from pyroute2.netlink.rtnl.iprsocket import AsyncIPRSocket

from netlife import Kernel
from netlife.adapters import pyroute2_engine
from netlife.adapters.pyroute2_engine import (
    UnsupportedPyroute2,
    check_pyroute2,
    iproute,
    kernel_socket,
    served_by,
)
from netlife.adapters.pyroute2_socket import (
    NETLINK_CAP_ACK,
    NETLINK_EXT_ACK,
    NLM_F_ACK_TLVS,
    NLM_F_CAPPED,
    NLM_F_MULTI,
    SOL_NETLINK,
)
from netlife.userspace.host import Host

HDR = struct.Struct("=IHHII")
REQ, ACK, CREATE, EXCL, DUMP = 0x1, 0x4, 0x400, 0x200, 0x300


def request(msg_type: int, flags: int, seq: int = 7, **fields: object) -> bytes:
    msg = ifinfmsg()
    msg["header"]["type"] = msg_type
    msg["header"]["flags"] = flags
    msg["header"]["sequence_number"] = seq
    attrs = fields.pop("attrs", [])
    for key, value in fields.items():
        msg[key] = value
    msg["attrs"] = attrs
    msg.encode()
    return bytes(msg.data[: msg["header"]["length"]])


def datagrams(sock) -> list[bytes]:
    out = []
    while sock.queue:
        out.append(sock.recv(65536))
    return out


def headers(datagram: bytes) -> list[tuple[int, int, int, int]]:
    out, off = [], 0
    while off < len(datagram):
        length, mtype, flags, seq, _ = HDR.unpack_from(datagram, off)
        out.append((length, mtype, flags, seq))
        off += (length + 3) & ~3
    return out


@pytest.fixture
def host() -> Host:
    return Host(Kernel())


# -- the wire: acks, errors, dumps ------------------------------------------------------------


def test_success_ack_is_capped_and_echoes_only_the_header(host):
    sock = kernel_socket(host)
    sock.send(
        request(
            16,
            REQ | ACK | CREATE | EXCL,
            attrs=[
                ("IFLA_IFNAME", "v0"),
                ("IFLA_LINKINFO", {"attrs": [("IFLA_INFO_KIND", "veth")]}),
            ],
        )
    )
    (ack,) = datagrams(sock)
    length, mtype, flags, seq = headers(ack)[0]
    assert (length, mtype, flags, seq) == (36, 2, NLM_F_CAPPED, 7)
    assert struct.unpack_from("=i", ack, 16)[0] == 0


def test_error_echoes_the_request_and_adds_extack_only_when_asked(host):
    req = request(
        16,
        REQ | ACK | CREATE | EXCL,
        attrs=[
            ("IFLA_IFNAME", "x0"),
            ("IFLA_LINKINFO", {"attrs": [("IFLA_INFO_KIND", "nosuchkind")]}),
        ],
    )
    sock = kernel_socket(host)
    sock.send(req)
    (plain,) = datagrams(sock)
    assert headers(plain)[0][2] == 0
    assert struct.unpack_from("=i", plain, 16)[0] == -errno.EOPNOTSUPP
    assert plain[20:] == req
    sock.setsockopt(SOL_NETLINK, NETLINK_EXT_ACK, 1)
    sock.send(req)
    (extended,) = datagrams(sock)
    assert headers(extended)[0][2] == NLM_F_ACK_TLVS
    assert b"Unknown device type\0" in extended[20 + len(req) :]
    sock.setsockopt(SOL_NETLINK, NETLINK_CAP_ACK, 1)
    sock.send(req)
    (capped,) = datagrams(sock)
    assert headers(capped)[0][2] == NLM_F_CAPPED | NLM_F_ACK_TLVS
    assert capped[20:36] == req[:16]


def test_dump_is_multipart_and_done_comes_in_its_own_datagram(host):
    host.run_command(["ip", "link", "add", "v0", "type", "veth", "peer", "v1"])
    sock = kernel_socket(host)
    sock.send(request(18, REQ | DUMP, seq=9))
    body, done = datagrams(sock)
    assert [(t, f, s) for _, t, f, s in headers(body)] == [(16, NLM_F_MULTI, 9)] * 3
    assert headers(done) == [(20, 3, NLM_F_MULTI, 9)]


def test_get_reply_is_followed_by_the_ack_it_asked_for(host):
    sock = kernel_socket(host)
    sock.send(request(18, REQ | ACK, index=1))
    reply, ack = datagrams(sock)
    assert headers(reply)[0][1:3] == (16, 0)
    assert headers(ack)[0][1] == 2


def test_setlink_never_creates(host):
    sock = kernel_socket(host)
    sock.send(request(19, REQ | ACK | CREATE, attrs=[("IFLA_IFNAME", "new0")]))
    (err,) = datagrams(sock)
    assert struct.unpack_from("=i", err, 16)[0] == -errno.ENODEV
    sock.send(request(19, REQ | ACK, index=1, attrs=[("IFLA_TXQLEN", 5)]))
    assert struct.unpack_from("=i", datagrams(sock)[0], 16)[0] == 0
    assert host.kernel.init_net.dev_get_by_index(1).tx_queue_len == 5


def test_other_rtnetlink_families_are_eopnotsupp(host):
    sock = kernel_socket(host)
    sock.send(request(22, REQ | DUMP))  # RTM_GETADDR
    assert struct.unpack_from("=i", datagrams(sock)[0], 16)[0] == -errno.EOPNOTSUPP


def test_reading_an_empty_socket(host):
    sock = kernel_socket(host)
    sock.setblocking(False)
    with pytest.raises(BlockingIOError):
        sock.recv(100)
    sock.setblocking(True)
    with pytest.raises(TimeoutError):
        sock.recv(100)


# -- pyroute2 on top ------------------------------------------------------------------------


def test_iproute_errors_carry_the_kernel_errno_and_extack(host):
    with iproute(host, ext_ack=True) as ipr:
        with pytest.raises(NetlinkError) as exc:
            ipr.link("add", ifname="x0", kind="nosuchkind")
        assert (exc.value.code, exc.value.args[1]) == (errno.EOPNOTSUPP, "Unknown device type")
        ipr.link("add", ifname="v0", kind="veth", peer="v1")
        with pytest.raises(NetlinkError) as exc:
            ipr.link("add", ifname="v0", kind="veth", peer="v2")
        assert exc.value.code == errno.EEXIST
    assert "v0" in host.run_command(["ip", "link"]).stdout


def test_bound_socket_queues_notifications_and_close_leaves_the_group(host):
    with served_by(host):
        mon = IPRSocket()
        mon.bind(groups=RTMGRP_LINK)
        assert len(host.kernel.init_net.rtnl_listeners) == 1
        host.run_command(["ip", "link", "add", "v0", "type", "veth", "peer", "v1"])
        assert select.select([mon], [], [], 0)[0]
        events = [(m["event"], m.get("ifname")) for m in mon.get()]
        events += [(m["event"], m.get("ifname")) for m in mon.get()]
        assert events == [("RTM_NEWLINK", "v1"), ("RTM_NEWLINK", "v0")]
        assert not select.select([mon], [], [], 0)[0]
        mon.close()
        assert host.kernel.init_net.rtnl_listeners == []


def test_open_socket_keeps_its_namespace_alive(host):
    with served_by(host):
        ns = NetNS("blue")
        ns.link("add", ifname="v0", kind="veth", peer="v1")
        pyroute2_netns.remove("blue")
        assert "blue" not in host.netns
        assert [m.get("ifname") for m in ns.link("dump")] == ["lo", "v1", "v0"]
        net = ns.asyncore.use_socket.net
        ns.close()
        host.settle()
        assert net.dead


def test_served_by_patches_only_inside_the_block(host):
    before = AsyncIPRSocket.__init__
    with served_by(host) as session:
        with IPRoute() as ipr:
            assert [m.get("ifname") for m in ipr.link("dump")] == ["lo"]
        assert session.sockets and all(s.closed for s in session.sockets)
    assert AsyncIPRSocket.__init__ is before


def test_namespace_names_resolve_through_the_host_table(host):
    with served_by(host):
        with pytest.raises(FileNotFoundError):
            IPRoute(netns="nowhere", flags=0)
        pyroute2_netns.create("red")
        assert pyroute2_netns.listnetns() == ["red"]
        with IPRoute() as ipr:
            ipr.link("add", ifname="v0", kind="veth", peer={"ifname": "p0", "net_ns_fd": "red"})
            with pytest.raises(FileNotFoundError):
                ipr.link("set", index=ipr.link_lookup(ifname="v0")[0], net_ns_fd="green")
    assert "p0" in host.run_command(["ip", "-n", "red", "link"]).stdout


def test_unknown_netns_fd_is_einval(host):
    with iproute(host) as ipr:
        ipr.link("add", ifname="v0", kind="veth", peer="v1")
        with pytest.raises(NetlinkError) as exc:
            ipr.link("set", index=2, net_ns_fd=os.open("/dev/null", os.O_RDONLY))
        assert exc.value.code == errno.EINVAL


def test_bare_kernel_has_no_named_namespaces():
    kernel = Kernel()
    with iproute(kernel) as ipr:
        assert ipr.link_lookup(ifname="lo") == [1]
    with pytest.raises(TypeError, match="/run/netns"):
        kernel_socket(kernel, "blue")


def test_unsupported_pyroute2_is_refused_with_the_range(monkeypatch):
    assert check_pyroute2().startswith("0.9.")
    monkeypatch.setattr("importlib.metadata.version", lambda name: "0.8.1")
    with pytest.raises(UnsupportedPyroute2, match=r">=0.9.2,<0.10"):
        check_pyroute2()
    assert pyroute2_engine.TESTED_PYROUTE2


def test_fixture_serves_code_that_makes_its_own_iproute(netlife_iproute, netlife_host):
    netlife_iproute.link("add", ifname="v0", kind="veth", peer="v1")
    with IPRoute() as other:  # code under test opening its own socket
        assert other.link_lookup(ifname="v1") == [2]
    assert netlife_host.kernel.init_net.dev_get_by_name("v0") is not None
