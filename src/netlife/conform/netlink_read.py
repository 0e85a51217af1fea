"""Read-only rtnetlink and generic netlink sockets for `netlife snapshot`.

A ReadOnlyNetlink sends only requests that read (RTM_GETLINK, RTM_GETADDR, RTM_GETNSID, and
the generic netlink controller's CTRL_CMD_GETFAMILY); anything else is refused before it
reaches the socket, so a snapshot cannot change the host whatever its callers do. Replies are
parsed with pyroute2's own message classes (MarshalRtnl).

A socket inside a named namespace is made by entering it with setns(2) for the one socket()
call and going back at once: the socket keeps the namespace it was made in, and nothing else
of the process moves.
"""

from __future__ import annotations

import ctypes
import os
import socket
import struct
from typing import Any

from pyroute2.netlink.rtnl.marshal import MarshalRtnl

NETLINK_ROUTE = 0
NETLINK_GENERIC = 16
NLM_F_REQUEST = 0x1
NLM_F_ACK = 0x4
NLM_F_DUMP = 0x300
NLMSG_ERROR = 2
NLMSG_DONE = 3
RTM_GETLINK = 18
RTM_GETADDR = 22
RTM_GETNSID = 90
GENL_ID_CTRL = 16
CTRL_CMD_GETFAMILY = 3
CTRL_ATTR_FAMILY_NAME = 2
# Every request type this module may send: reads only (a GET, or the controller's lookup).
READ_REQUESTS = frozenset((RTM_GETLINK, RTM_GETADDR, RTM_GETNSID, GENL_ID_CTRL))
IFLA_EXT_MASK = 29
RTEXT_FILTER_VF = 1 << 0
RTEXT_FILTER_SKIP_STATS = 1 << 3
NETNSA_NSID = 1
NETNSA_FD = 3
CLONE_NEWNET = 0x40000000
NETNS_RUN_DIR = "/run/netns"


class WriteRefused(Exception):
    """Raised by ReadOnlyNetlink.request for any request that is not a read."""


def _setns(fd: int) -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.setns(fd, CLONE_NEWNET) != 0:
        err = ctypes.get_errno()
        raise OSError(err, os.strerror(err))


def socket_in(netns: str | None, proto: int) -> socket.socket:
    """A netlink socket in /run/netns/NETNS (None: this process's own namespace)."""
    if netns is None:
        return socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, proto)
    here = os.open("/proc/self/ns/net", os.O_RDONLY)
    there = os.open(os.path.join(NETNS_RUN_DIR, netns), os.O_RDONLY)
    try:
        _setns(there)
        try:
            return socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, proto)
        finally:
            _setns(here)  # if this fails the process is lost in another namespace: raise
    finally:
        os.close(here)
        os.close(there)


def nla(attr_type: int, payload: bytes) -> bytes:
    length = 4 + len(payload)
    return struct.pack("=HH", length, attr_type) + payload + b"\0" * (-length % 4)


class ReadOnlyNetlink:
    """One netlink socket that only reads. `sock` is public so a test can watch what is sent."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.seq = 0
        self.marshal = MarshalRtnl()

    def close(self) -> None:
        self.sock.close()

    def request(self, msg_type: int, flags: int, payload: bytes) -> list[Any]:
        """Send one read request and collect its replies (a dump until NLMSG_DONE)."""
        if msg_type not in READ_REQUESTS:
            raise WriteRefused(f"netlink message type {msg_type} is not a read request")
        self.seq += 1
        header = struct.pack(
            "=LHHLL", 16 + len(payload), msg_type, flags | NLM_F_REQUEST, self.seq, 0
        )
        self.sock.send(header + payload)
        return self._replies(dump=bool(flags & NLM_F_DUMP))

    def _replies(self, dump: bool) -> list[Any]:
        out: list[Any] = []
        while True:
            data = self.sock.recv(1 << 20)
            offset = 0
            while offset + 16 <= len(data):
                length, msg_type, _flags, seq, _pid = struct.unpack_from("=LHHLL", data, offset)
                chunk = data[offset : offset + length]
                offset += (length + 3) & ~3
                if seq != self.seq:
                    continue
                if msg_type == NLMSG_DONE:
                    return out
                if msg_type == NLMSG_ERROR:
                    (code,) = struct.unpack_from("=i", chunk, 16)
                    if code:
                        raise OSError(-code, os.strerror(-code))
                    return out
                if msg_type >= GENL_ID_CTRL and self.sock.proto == NETLINK_GENERIC:
                    out.append(chunk)
                else:
                    out.extend(self.marshal.parse(chunk))
                if not dump:
                    return out

    # -- the reads a snapshot makes -------------------------------------------------------

    def links(self) -> list[Any]:
        """RTM_GETLINK dump: every device, ifindex order, without statistics
        (IFLA_EXT_MASK RTEXT_FILTER_SKIP_STATS, as `ip link show` asks)."""
        payload = struct.pack("=BxHiII", 0, 0, 0, 0, 0)
        payload += nla(IFLA_EXT_MASK, struct.pack("=I", RTEXT_FILTER_VF | RTEXT_FILTER_SKIP_STATS))
        return self.request(RTM_GETLINK, NLM_F_DUMP, payload)

    def addresses(self) -> list[Any]:
        return self.request(RTM_GETADDR, NLM_F_DUMP, struct.pack("=BBBBI", 0, 0, 0, 0, 0))

    def nsid_of(self, path: str) -> int:
        """RTM_GETNSID with NETNSA_FD: the id this namespace has for the one at `path` (-1: none).

        rtnl_net_getid only looks the id up (peernet2id), it never allocates one.
        """
        fd = os.open(path, os.O_RDONLY)
        try:
            payload = struct.pack("=Bxxx", 0) + nla(NETNSA_FD, struct.pack("=I", fd))
            replies = self.request(RTM_GETNSID, 0, payload)
        finally:
            os.close(fd)
        for msg in replies:
            nsid = msg.get_attr("NETNSA_NSID")
            if nsid is not None:
                return nsid if nsid < 2**31 else nsid - 2**32
        return -1

    def nsids(self) -> list[int]:
        """RTM_GETNSID dump: every id this namespace has assigned."""
        replies = self.request(RTM_GETNSID, NLM_F_DUMP, struct.pack("=Bxxx", 0))
        return sorted(
            m.get_attr("NETNSA_NSID") for m in replies if m.get_attr("NETNSA_NSID") is not None
        )

    def genl_family_ops(self, name: str) -> list[int] | None:
        """CTRL_CMD_GETFAMILY: the command ids a generic netlink family offers (None: absent)."""
        payload = struct.pack("=BBH", CTRL_CMD_GETFAMILY, 1, 0) + nla(
            CTRL_ATTR_FAMILY_NAME, name.encode() + b"\0"
        )
        try:
            replies = self.request(GENL_ID_CTRL, 0, payload)
        except OSError:
            return None
        ops: list[int] = []
        for chunk in replies:
            ops += _ctrl_op_ids(chunk[20:])
        return ops


def _ctrl_op_ids(attrs: bytes) -> list[int]:
    """CTRL_ATTR_OPS (6) → nested ops → CTRL_ATTR_OP_ID (1) of each."""
    ids: list[int] = []
    for attr_type, value in _walk(attrs):
        if attr_type == 6:
            for _, op in _walk(value):
                ids += [struct.unpack_from("=I", v)[0] for t, v in _walk(op) if t == 1]
    return ids


def _walk(data: bytes) -> list[tuple[int, bytes]]:
    out = []
    offset = 0
    while offset + 4 <= len(data):
        length, attr_type = struct.unpack_from("=HH", data, offset)
        if length < 4:
            break
        out.append((attr_type & 0x3FFF, data[offset + 4 : offset + length]))
        offset += (length + 3) & ~3
    return out
