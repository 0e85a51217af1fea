"""A minimal client of the real kernel's netdev generic netlink family, for checking the model's
netdev_genl.py against this machine's kernel (queue-get, bind-rx, dev-get).

iproute2 has no netdev family front end and ynl is not installed here, so requests are built by
hand from include/uapi/linux/netdev.h's attribute numbers and sent on a NETLINK_GENERIC socket
with NETLINK_EXT_ACK set. `request_in(netns, op, attrs)` runs one request inside a namespace the
caller made (a subprocess under `ip netns exec`, so this process never changes namespace) and
returns {"reply": {...}} or {"error": errno, "msg": ..., "bad_attr_offset": ..., "miss_type": ...}.
"""

from __future__ import annotations

import json
import socket
import struct
import subprocess
import sys
from typing import Any

NETLINK_GENERIC = 16
NLM_F_REQUEST, NLM_F_ACK = 1, 4
NLMSG_ERROR = 2
GENL_ID_CTRL, CTRL_CMD_GETFAMILY, CTRL_ATTR_FAMILY_ID, CTRL_ATTR_FAMILY_NAME = 0x10, 3, 1, 2
SOL_NETLINK, NETLINK_EXT_ACK, NETLINK_CAP_ACK = 270, 11, 10
NLMSGERR_ATTR_MSG, NLMSGERR_ATTR_OFFS, NLMSGERR_ATTR_MISS_TYPE = 1, 2, 5
NLA_F_NESTED = 0x8000

# enum netdev_cmd and the attribute sets the requests use.
CMDS = {"dev-get": 1, "queue-get": 10, "bind-rx": 13}
ATTRS = {
    "dev-get": {"ifindex": 1},
    "queue-get": {"id": 1, "ifindex": 2, "type": 3},
    "bind-rx": {"ifindex": 1, "queues": 2, "fd": 3},
}
QUEUE_ID_ATTRS = {"id": 1, "type": 3}  # the queue-id nest: NETDEV_A_QUEUE_ID / _TYPE


def _nla(atype: int, payload: bytes) -> bytes:
    length = 4 + len(payload)
    return struct.pack("HH", length, atype) + payload + b"\0" * ((4 - length % 4) % 4)


def _attrs(data: bytes) -> list[tuple[int, bytes]]:
    out, off = [], 0
    while off + 4 <= len(data):
        length, atype = struct.unpack_from("HH", data, off)
        if length < 4:
            break
        out.append((atype & 0x3FFF, data[off + 4 : off + length]))
        off += (length + 3) & ~3
    return out


def encode(op: str, attrs: dict[str, Any]) -> bytes:
    """Attributes in the order given; bind-rx's "queues" is a list of {id, type} nests."""
    table = ATTRS[op]
    body = b""
    for name, value in attrs.items():
        if name == "queues":
            for q in value:
                inner = b"".join(
                    _nla(QUEUE_ID_ATTRS[k], struct.pack("I", int(v))) for k, v in q.items()
                )
                body += _nla(table[name] | NLA_F_NESTED, inner)
        else:
            body += _nla(table[name], struct.pack("I", int(value)))
    return body


class GenlSocket:
    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_GENERIC)
        self.sock.setsockopt(SOL_NETLINK, NETLINK_EXT_ACK, 1)
        self.sock.bind((0, 0))
        self.seq = 0

    def send(self, family: int, cmd: int, body: bytes, flags: int) -> list[bytes]:
        self.seq += 1
        payload = struct.pack("BBH", cmd, 1, 0) + body
        self.sock.send(
            struct.pack("IHHII", 16 + len(payload), family, flags, self.seq, 0) + payload
        )
        msgs: list[bytes] = []
        while True:
            data = self.sock.recv(65536)
            off = 0
            while off < len(data):
                length, mtype = struct.unpack_from("IH", data, off)
                msgs.append(data[off : off + length])
                off += (length + 3) & ~3
                if mtype == NLMSG_ERROR:
                    return msgs

    def family_id(self, name: str) -> int:
        msgs = self.send(
            GENL_ID_CTRL,
            CTRL_CMD_GETFAMILY,
            _nla(CTRL_ATTR_FAMILY_NAME, name.encode() + b"\0"),
            NLM_F_REQUEST | NLM_F_ACK,
        )
        for atype, value in _attrs(msgs[0][20:]):
            if atype == CTRL_ATTR_FAMILY_ID:
                return struct.unpack("H", value[:2])[0]
        raise OSError("no netdev family")


def request(op: str, attrs: dict[str, Any]) -> dict[str, Any]:
    """One do-request in this process's namespace."""
    gs = GenlSocket()
    family = gs.family_id("netdev")
    msgs = gs.send(family, CMDS[op], encode(op, attrs), NLM_F_REQUEST | NLM_F_ACK)
    for msg in msgs:
        mtype, flags = struct.unpack_from("HH", msg, 4)
        if mtype != NLMSG_ERROR:
            return {"reply": {a: int.from_bytes(v[:4], "little") for a, v in _attrs(msg[20:])}}
        err = struct.unpack_from("i", msg, 16)[0]
        if err == 0:
            return {"reply": None}
        out: dict[str, Any] = {"error": -err}
        orig_len = struct.unpack_from("I", msg, 20)[0]
        tlv_start = 20 + (16 if flags & 0x100 else orig_len)  # NLM_F_CAPPED
        for atype, value in _attrs(msg[tlv_start:]):
            if atype == NLMSGERR_ATTR_MSG:
                out["msg"] = value.rstrip(b"\0").decode()
            elif atype == NLMSGERR_ATTR_OFFS:
                out["bad_attr_offset"] = struct.unpack("I", value)[0]
            elif atype == NLMSGERR_ATTR_MISS_TYPE:
                out["miss_type"] = struct.unpack("I", value)[0]
        return out
    raise OSError("no answer")


def request_in(netns: str, op: str, attrs: dict[str, Any]) -> dict[str, Any]:
    """request() inside network namespace `netns` (made by the caller), in a subprocess."""
    argv = ["ip", "netns", "exec", netns, sys.executable, "-m", "netlife.conform.netdev_genl"]
    argv += [op, json.dumps(attrs)]
    done = subprocess.run(argv, capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


if __name__ == "__main__":
    print(json.dumps(request(sys.argv[1], json.loads(sys.argv[2]))))
