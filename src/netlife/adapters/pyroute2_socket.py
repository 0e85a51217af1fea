"""An AF_NETLINK/NETLINK_ROUTE socket served by the model, in the shape pyroute2 0.9 drives.

Models the socket side of net/netlink/af_netlink.c (bind to multicast groups, NETLINK_EXT_ACK,
NETLINK_CAP_ACK, netlink_ack with its extack TLVs, netlink_dump ending in NLMSG_DONE) and the
request switch of net/core/rtnetlink.c:rtnetlink_rcv_msg for the link family. Requests are
decoded with pyroute2's own ifinfmsg and its stock per-kind classes (not the program's
registered plugins), converted with from_pyroute2 and served by
kernel/rtnetlink.py (rtnl_newlink, rtnl_dellink, rtnl_getlink): no kernel logic lives here.

pyroute2 0.9 is asyncio-based: it hands the object given as `use_socket` to
loop.create_datagram_endpoint, which polls fileno() and calls recvfrom(). Replies and
notifications wait in a deque; a local AF_UNIX socketpair only signals "something is queued"
to the event loop (one token byte while the deque is non-empty), so no reply can block the
single-threaded model on a full socket buffer.
"""

from __future__ import annotations

import contextlib
import errno
import socket
import struct
from collections import deque
from typing import TYPE_CHECKING, Any

from pyroute2.netlink.rtnl.ifinfmsg import ifinfmsg

from netlife.adapters.pyroute2_msg import RTM_NUMBERS, from_pyroute2, to_pyroute2
from netlife.kernel.core import Task
from netlife.kernel.errors import Hang, KernelError
from netlife.kernel.if_link import (
    NLM_F_ACK,
    NLM_F_CREATE,
    NLM_F_DUMP,
    NLM_F_EXCL,
    NLM_F_REPLACE,
    NLM_F_REQUEST,
    IfInfoMsg,
)
from netlife.kernel.netns_lifecycle import get_net, put_net
from netlife.kernel.rtnetlink import rtnl_dellink, rtnl_getlink, rtnl_newlink
from netlife.kernel.rtnl_linkprop import rtnl_dellinkprop, rtnl_newlinkprop

if TYPE_CHECKING:
    from netlife.kernel.core import Kernel
    from netlife.kernel.net_namespace import Net

AF_NETLINK = 16
NETLINK_ROUTE = 0
SOL_NETLINK = 270
NETLINK_ADD_MEMBERSHIP = 1
NETLINK_DROP_MEMBERSHIP = 2
NETLINK_CAP_ACK = 10
NETLINK_EXT_ACK = 11
RTNLGRP_LINK = 1  # RTMGRP_LINK is its bit, 1 << (RTNLGRP_LINK - 1)

NLMSG_ERROR = 2
NLMSG_DONE = 3
NLMSG_MIN_TYPE = 0x10
NLM_F_MULTI = 0x2
NLM_F_CAPPED = 0x100
NLM_F_ACK_TLVS = 0x200
NLMSGERR_ATTR_MSG = 1
RTM_NEWLINK, RTM_DELLINK, RTM_GETLINK, RTM_SETLINK = 16, 17, 18, 19
LINK_TYPES = (RTM_NEWLINK, RTM_DELLINK, RTM_GETLINK, RTM_SETLINK)
RTM_NEWLINKPROP, RTM_DELLINKPROP = 108, 109
RTM_NEWNSID, RTM_GETNSID = 88, 90
NETNSA_NSID, NETNSA_FD = 1, 3
NLMSG_HDR = struct.Struct("=IHHII")  # struct nlmsghdr: len, type, flags, seq, pid
# CHOICE: dump replies are cut into datagrams of at most this many bytes (the kernel sizes its
# dump skbs from the reader's buffer); 16 KiB is what pyroute2's IPRSocket.get() reads.
DUMP_DATAGRAM_MAX = 16384


SERVED_TYPES = (*LINK_TYPES, RTM_NEWLINKPROP, RTM_DELLINKPROP, RTM_GETNSID)  # others: EOPNOTSUPP


def stock_data_map() -> dict[str, Any]:
    """pyroute2's own IFLA_INFO_DATA classes per kind: the ones ifinfo defines and the plugins
    pyroute2 loads at import (register_link_kind changes ifinfo.data_map, not these)."""
    from pyroute2.netlink.rtnl.ifinfmsg import data_plugins

    info = ifinfmsg.ifinfo
    builtin = {
        "macvlan": info.macvlan_data,
        "macvtap": info.macvtap_data,
        "ipip": info.ipip_data,
        "sit": info.sit_data,
        "ip6tnl": info.ip6tnl_data,
        "gre": info.gre_data,
        "gretap": info.gre_data,
        "ip6gre": info.ip6gre_data,
        "ip6gretap": info.ip6gre_data,
        "veth": info.veth_data,
        "bridge": info.bridge_data,
        "bridge_slave": info.bridge_slave_data,
    }
    return {**builtin, **data_plugins}


STOCK_DATA_MAP = stock_data_map()


@contextlib.contextmanager
def stock_link_kinds() -> Any:
    """Decode with STOCK_DATA_MAP in place of the program's ifinfo.data_map, then put it back."""
    info = ifinfmsg.ifinfo
    saved = info.data_map
    info.data_map = STOCK_DATA_MAP
    try:
        yield
    finally:
        info.data_map = saved


def nla(nla_type: int, payload: bytes) -> bytes:
    raw = struct.pack("=HH", 4 + len(payload), nla_type) + payload
    return raw + b"\0" * (-len(raw) % 4)


class KernelSocket:
    """A netlink route socket of one model task, opened in namespace `net` of `kernel`.

    Holds a reference on its namespace (sk->sk_net) until close(), as a real socket does, so
    `ip netns del` of a namespace with an open socket leaves the namespace alive.
    """

    def __init__(self, kernel: Kernel, net: Net, pid: int, comm: str = "python3") -> None:
        self.kernel = kernel
        self.net = get_net(net)
        self.task = Task(comm, pid, net)
        self.portid = 0  # 0 until bind() or the first send (netlink_autobind: the task's pid)
        self.groups = 0
        self.ext_ack = False  # NETLINK_EXT_ACK: off by default, as on a fresh kernel socket
        self.cap_ack = False  # NETLINK_CAP_ACK: errors then echo only the request's header
        self.closed = False
        self.blocking = True
        self.queue: deque[bytes] = deque()
        self.listener: _LinkListener | None = None
        self._reader, self._signal = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
        self._reader.setblocking(False)
        self._signal.setblocking(False)

    def __repr__(self) -> str:
        return f"<KernelSocket netns={self.net.inum} portid={self.portid} queued={len(self.queue)}>"

    # -- what asyncio and pyroute2 read off a socket ------------------------------------------

    family = AF_NETLINK
    type = socket.SOCK_DGRAM
    proto = NETLINK_ROUTE

    def fileno(self) -> int:
        return -1 if self.closed else self._reader.fileno()

    def getsockname(self) -> tuple[int, int]:
        return (self.portid or self.task.pid, self.groups)

    def getpeername(self) -> tuple[int, int]:
        return (0, 0)

    def setblocking(self, flag: bool) -> None:
        self.blocking = bool(flag)

    def getblocking(self) -> bool:
        return self.blocking

    def settimeout(self, value: float | None) -> None:
        self.blocking = value is None

    def gettimeout(self) -> float | None:
        return None if self.blocking else 0.0

    def setsockopt(self, level: int, optname: int, value: Any) -> None:
        if level != SOL_NETLINK:
            return  # SO_SNDBUF, SO_RCVBUF ...: the queue has no limit
        on = bool(value if isinstance(value, int) else int.from_bytes(value, "little"))
        if optname == NETLINK_EXT_ACK:
            self.ext_ack = on
        elif optname == NETLINK_CAP_ACK:
            self.cap_ack = on
        elif optname == NETLINK_ADD_MEMBERSHIP:
            self._set_groups(self.groups | 1 << (int(value) - 1))
        elif optname == NETLINK_DROP_MEMBERSHIP:
            self._set_groups(self.groups & ~(1 << (int(value) - 1)))

    def getsockopt(self, level: int, optname: int, buflen: int = 0) -> int:
        if level == SOL_NETLINK and optname == NETLINK_EXT_ACK:
            return int(self.ext_ack)
        if level == SOL_NETLINK and optname == NETLINK_CAP_ACK:
            return int(self.cap_ack)
        return 0

    def bind(self, address: tuple[int, int] | None = None) -> None:
        """netlink_bind: take the port id (0 = the task's pid) and join the groups."""
        pid, groups = address if address else (0, 0)
        self.portid = pid or self.task.pid
        self._set_groups(groups)

    def _set_groups(self, groups: int) -> None:
        self.groups = groups
        wants = bool(groups & 1 << (RTNLGRP_LINK - 1))
        if wants and self.listener is None:
            self.listener = _LinkListener(self)
            self.net.rtnl_listeners.append(self.listener)
        elif not wants and self.listener is not None:
            self.net.rtnl_listeners.remove(self.listener)
            self.listener = None

    def close(self) -> None:
        """Release the socket: leave the groups, drop the namespace reference."""
        if self.closed:
            return
        self._set_groups(0)
        self.closed = True
        self._reader.close()
        self._signal.close()
        self.queue.clear()
        put_net(self.net)

    # -- receiving ------------------------------------------------------------------------------

    def push(self, datagram: bytes) -> None:
        """Queue one datagram for the reader (a reply, or a notification from deliver)."""
        if self.closed:
            return
        self.queue.append(datagram)
        if len(self.queue) == 1:
            self._signal.send(b"\0")

    def recvfrom(self, bufsize: int, flags: int = 0) -> tuple[bytes, tuple[int, int]]:
        if not self.queue:
            self._wait_for_message()
        data = self.queue[0] if flags & socket.MSG_PEEK else self.queue.popleft()
        if not self.queue:
            with contextlib.suppress(BlockingIOError):
                self._reader.recv(1)  # the queue is empty: take the readiness token back
        return data[:bufsize], (0, 0)  # a datagram longer than the buffer is cut (MSG_TRUNC)

    def recv(self, bufsize: int, flags: int = 0) -> bytes:
        return self.recvfrom(bufsize, flags)[0]

    def recv_into(self, buffer: Any, nbytes: int = 0, flags: int = 0) -> int:
        data = self.recv(nbytes or len(buffer), flags)
        buffer[: len(data)] = data
        return len(data)

    def _wait_for_message(self) -> None:
        """An empty queue: a non-blocking read fails at once; a blocking one sleeps while
        virtual time runs (linkwatch, namespace cleanup ...) until something is queued."""
        if self.closed:
            raise OSError(errno.EBADF, "Bad file descriptor")
        if not self.blocking:
            raise BlockingIOError(errno.EAGAIN, "Resource temporarily unavailable")
        clock = self.kernel.clock
        deadline = clock.now + int(self.kernel.hang_bound_secs * 1e9)
        if not clock.run_until(lambda: bool(self.queue), deadline):
            raise TimeoutError(
                errno.EAGAIN,
                "netlife: recv() on a model socket with nothing queued and nothing due within "
                "the model's bound: a real program would wait here forever",
            )

    # -- sending: rtnetlink_rcv_msg ---------------------------------------------------------

    def send(self, data: bytes, flags: int = 0) -> int:
        """netlink_rcv_skb: serve each request in the buffer, queueing its replies."""
        if self.closed:
            raise OSError(errno.EBADF, "Bad file descriptor")
        if not self.portid:
            self.portid = self.task.pid  # netlink_autobind: the first socket gets the tgid
        data = bytes(data)
        off = 0
        while off + NLMSG_HDR.size <= len(data):
            length = NLMSG_HDR.unpack_from(data, off)[0]
            if length < NLMSG_HDR.size or off + length > len(data):
                break
            self._serve(data[off : off + length])
            off += (length + 3) & ~3
        return len(data)

    def sendto(self, data: bytes, *args: Any) -> int:
        return self.send(data)

    def sendall(self, data: bytes, flags: int = 0) -> None:
        self.send(data)

    def _serve(self, raw: bytes) -> None:
        """One request, served in the sender's context as a task of its own (kernel/sched.py).

        A request that sleeps in the kernel past the model's bound raises Hang to the program
        (the report is in Kernel.hangs too); the task sleeps on, and if its holder goes later
        the request finishes and its answer is queued, as the real kernel's would be.
        """
        _, msg_type, flags, _, _ = NLMSG_HDR.unpack_from(raw)
        if not flags & NLM_F_REQUEST or msg_type < NLMSG_MIN_TYPE:
            return  # netlink_rcv_skb skips these without an answer
        kernel = self.kernel
        sched = kernel.sched
        task = Task(self.task.comm, self.task.pid, self.task.net)
        if sched.in_task():
            prev, kernel.current = kernel.current, task
            try:
                self._request(raw, msg_type, flags)
            finally:
                kernel.current = prev
            return
        sched.spawn(task, lambda: self._request(raw, msg_type, flags))
        if not sched.run_until_exited_or_hung(task):
            raise Hang(task.hung or task.blocked_report())
        # CHOICE: work due at this instant (linkwatch) runs as the request returns, as
        # between two shell commands; its notifications follow the ack.
        kernel.clock.run_pending()

    def _request(self, raw: bytes, msg_type: int, flags: int) -> None:
        try:
            replies = self._dispatch(msg_type, flags, raw)
        except KernelError as err:
            self.push(self._ack(raw, -err.errno, err.extack))
        else:
            for datagram in replies:
                self.push(datagram)
            is_dump = msg_type == RTM_GETLINK and flags & NLM_F_DUMP == NLM_F_DUMP
            if flags & NLM_F_ACK and not is_dump:
                self.push(self._ack(raw, 0, None))

    def _dispatch(self, msg_type: int, flags: int, raw: bytes) -> list[bytes]:
        if msg_type not in SERVED_TYPES:
            raise KernelError(
                errno.EOPNOTSUPP,
                f"netlife models RTM_*LINK, RTM_*LINKPROP and RTM_GETNSID only, not {msg_type}",
            )
        if msg_type == RTM_GETNSID:
            return [self._getnsid(raw)]
        ifm = self._decode(raw)
        if msg_type in (RTM_NEWLINKPROP, RTM_DELLINKPROP):
            request = rtnl_newlinkprop if msg_type == RTM_NEWLINKPROP else rtnl_dellinkprop
            request(self.net, ifm)
            return []
        if msg_type == RTM_SETLINK:
            # rtnl_setlink: an existing device only, whatever create/replace flags came along
            ifm.nlmsg_flags &= ~(NLM_F_CREATE | NLM_F_EXCL | NLM_F_REPLACE)
        if msg_type in (RTM_NEWLINK, RTM_SETLINK):
            rtnl_newlink(self.net, ifm)
            return []
        if msg_type == RTM_DELLINK:
            rtnl_dellink(self.net, ifm)
            return []
        msgs = rtnl_getlink(self.net, ifm)
        seq = NLMSG_HDR.unpack_from(raw)[3]
        if flags & NLM_F_DUMP != NLM_F_DUMP:
            return [self.encode(msgs[0], seq, 0)]
        return [*self._pack_dump([self.encode(m, seq, NLM_F_MULTI) for m in msgs]), self._done(seq)]

    def _getnsid(self, raw: bytes) -> bytes:
        """net/core/net_namespace.c:rtnl_net_getid for NETNSA_FD: the id the namespace that
        file names has here (peernet2id, no allocation; -1 when none), as an RTM_NEWNSID."""
        from pyroute2.netlink.rtnl.nsidmsg import nsidmsg

        msg = nsidmsg(raw)
        msg.decode()
        fd = msg.get_attr("NETNSA_FD")
        if fd is None:
            raise KernelError(errno.EINVAL, "netlife: RTM_GETNSID is served for NETNSA_FD only")
        peer = next((n for n in self.kernel.nets if n.inum == fd and not n.dead), None)
        if peer is None:
            raise KernelError(errno.EINVAL, "Peer netns reference is invalid")
        seq = NLMSG_HDR.unpack_from(raw)[3]
        body = struct.pack("=BBH", 0, 0, 0) + nla(
            NETNSA_NSID, struct.pack("=i", self.net.peernet2id(peer))
        )
        return NLMSG_HDR.pack(NLMSG_HDR.size + len(body), RTM_NEWNSID, 0, seq, self.portid) + body

    def _decode(self, raw: bytes) -> IfInfoMsg:
        """The request as the model's IfInfoMsg, namespace fds resolved to namespaces.

        The kernel reads IFLA_INFO_DATA by attribute number with the kind's own policy, so the
        request is decoded with pyroute2's stock per-kind classes (STOCK_DATA_MAP), whatever
        link-kind plugins the program registered in its own pyroute2."""
        with stock_link_kinds():
            msg = ifinfmsg(raw)
            try:
                msg.decode()
            except Exception as exc:  # pyroute2 could not parse it: nlmsg_parse fails
                raise KernelError(errno.EINVAL, f"netlife: undecodable request: {exc}") from None
            ifm = from_pyroute2(msg)
            self._resolve_netns(ifm.attrs)
            info = ifm.attrs.get("IFLA_LINKINFO") or {}
            data = info.get("IFLA_INFO_DATA")
            if isinstance(data, dict):
                for key in ("VETH_INFO_PEER", "NETKIT_INFO_PEER"):
                    if isinstance(data.get(key), dict):
                        data[key] = self._peer(msg, key, data[key])
        return ifm

    def _peer(self, msg: ifinfmsg, key: str, attrs: dict) -> IfInfoMsg:
        """The peer's nested struct ifinfomsg (veth_newlink reads it as a full message)."""
        nest = msg.get_nested("IFLA_LINKINFO", "IFLA_INFO_DATA", key)
        self._resolve_netns(attrs)
        fields = {
            name: (nest.get(name, 0) if nest is not None else 0) or 0
            for name in ("family", "ifi_type", "index", "flags", "change")
        }
        return IfInfoMsg(
            ifi_family=fields["family"],
            ifi_type=fields["ifi_type"],
            ifi_index=fields["index"],
            ifi_flags=fields["flags"],
            ifi_change=fields["change"],
            attrs=attrs,
        )

    def _resolve_netns(self, attrs: dict) -> None:
        """IFLA_NET_NS_FD carries a file descriptor; the model wants the namespace it names.

        The engine hands pyroute2 a namespace's inode number as its "fd" (see
        pyroute2_engine.served_by); anything else is no namespace file (the kernel: -EINVAL).
        """
        if "IFLA_NET_NS_FD" in attrs:
            fd = attrs["IFLA_NET_NS_FD"]
            attrs["IFLA_NET_NS_FD"] = next(
                (net for net in self.kernel.nets if net.inum == fd and not net.dead), None
            )

    # -- encoding replies -------------------------------------------------------------------

    def encode(self, m: IfInfoMsg, seq: int, flags: int, portid: int | None = None) -> bytes:
        """One RTM_*LINK message as the kernel puts it on the wire (to_pyroute2's bytes)."""
        portid = self.portid if portid is None else portid
        wire = bytearray(to_pyroute2(m).data)
        length = struct.unpack_from("=I", wire)[0]
        wire = wire[:length]
        NLMSG_HDR.pack_into(wire, 0, length, RTM_NUMBERS[m.msg_type], flags, seq, portid)
        return bytes(wire)

    def _pack_dump(self, messages: list[bytes]) -> list[bytes]:
        out: list[bytes] = []
        cur = b""
        for one in messages:
            if cur and len(cur) + len(one) > DUMP_DATAGRAM_MAX:
                out.append(cur)
                cur = b""
            cur += one
        return [*out, cur] if cur else out

    def _done(self, seq: int) -> bytes:
        """NLMSG_DONE carries the dump's status, an int 0 (netlink_dump_done)."""
        return NLMSG_HDR.pack(20, NLMSG_DONE, NLM_F_MULTI, seq, self.portid) + struct.pack("=i", 0)

    def _ack(self, request: bytes, err: int, extack: str | None) -> bytes:
        """net/netlink/af_netlink.c:netlink_ack: errno, the request (whole on error unless
        NETLINK_CAP_ACK), then the extack message as NLMSGERR_ATTR_MSG if the socket asked."""
        flags = 0
        echoed = request
        if err == 0 or self.cap_ack:
            echoed = request[: NLMSG_HDR.size]
            flags |= NLM_F_CAPPED
        tlvs = b""
        if self.ext_ack and extack:
            tlvs = nla(NLMSGERR_ATTR_MSG, extack.encode() + b"\0")
            flags |= NLM_F_ACK_TLVS
        seq = NLMSG_HDR.unpack_from(request)[3]
        body = struct.pack("=i", err) + echoed + tlvs
        return NLMSG_HDR.pack(16 + len(body), NLMSG_ERROR, flags, seq, self.portid) + body


class _LinkListener:
    """This socket's membership of RTNLGRP_LINK: rtnl_send calls deliver(msg)."""

    __slots__ = ("sock",)

    def __init__(self, sock: KernelSocket) -> None:
        self.sock = sock

    def deliver(self, msg: IfInfoMsg) -> None:
        # CHOICE: notifications carry seq 0 and portid 0; the kernel copies the request's seq
        # into the ones rtnl_newlink sends itself, which the model's messages do not record.
        self.sock.push(self.sock.encode(msg, 0, 0, portid=0))
