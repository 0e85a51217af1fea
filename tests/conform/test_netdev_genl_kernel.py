"""The netdev genetlink family on the model and on this machine's kernel, request by request.

Each case sets up a veth pair (up or not) in a fresh namespace on both sides and sends the same
netdev family request; the errno, and whether the ack names a bad or missing attribute, must
agree. The real side speaks raw generic netlink (conform/netdev_genl.py) in a namespace this
test makes and removes.
"""

from __future__ import annotations

import os
import subprocess

import pytest

import netlife
from netlife.conform.netdev_genl import request_in
from netlife.kernel.errors import KernelError
from netlife.kernel.netdev_genl import NETDEV_NL_OPS, GenlError
from netlife.userspace.host import Host

# (name, veth up?, op, attrs with "V" for the veth's ifindex)
CASES = [
    ("queue-get on a down device", False, "queue-get", {"ifindex": "V", "id": 0, "type": 0}),
    ("queue-get unknown ifindex", True, "queue-get", {"ifindex": 99, "id": 0, "type": 0}),
    ("queue-get", True, "queue-get", {"ifindex": "V", "id": 0, "type": 0}),
    ("queue-get id out of range", True, "queue-get", {"ifindex": "V", "id": 5, "type": 0}),
    ("queue-get tx id out of range", True, "queue-get", {"ifindex": "V", "id": 1, "type": 1}),
    ("queue-get without type", True, "queue-get", {"ifindex": "V", "id": 0}),
    ("dev-get unknown ifindex", True, "dev-get", {"ifindex": 99}),
    # bind-rx: veth and lo are not ops-locked, so EOPNOTSUPP names the ifindex before the
    # queues or the fd are looked at.
    (
        "bind-rx on veth",
        True,
        "bind-rx",
        {"ifindex": "V", "fd": 0, "queues": [{"id": 0, "type": 0}]},
    ),
    ("bind-rx on lo", True, "bind-rx", {"ifindex": 1, "fd": 99, "queues": [{"id": 5, "type": 0}]}),
    (
        "bind-rx unknown ifindex",
        True,
        "bind-rx",
        {"ifindex": 99, "fd": 0, "queues": [{"id": 0, "type": 0}]},
    ),
    ("bind-rx without fd", True, "bind-rx", {"ifindex": "V", "queues": [{"id": 0, "type": 0}]}),
    ("bind-rx without queues", True, "bind-rx", {"ifindex": "V", "fd": 0}),
]


def fill(attrs: dict, ifindex: int) -> dict:
    """The case's request with "V" replaced by the veth's ifindex on that side."""
    return {k: (ifindex if v == "V" else v) for k, v in attrs.items()}


def model_answer(up: bool, op: str, attrs: dict) -> dict:
    h = Host(netlife.Kernel())
    h.run_command(["ip", "link", "add", "v0", "type", "veth", "peer", "name", "v1"])
    if up:
        h.run_command(["ip", "link", "set", "v0", "up"])
    h.settle()
    v0 = h.kernel.init_net.dev_get_by_name("v0")
    try:
        NETDEV_NL_OPS[op].do(h.kernel.init_net, fill(attrs, v0.ifindex))
    except GenlError as err:
        miss = err.ext.miss_type if err.ext.miss_nest is None else None
        return {"error": err.errno, "bad": err.ext.bad_attr is not None, "miss": miss}
    except KernelError as err:
        return {"error": err.errno, "bad": False, "miss": None}
    return {"error": 0, "bad": False, "miss": None}


@pytest.fixture(scope="module")
def real_ns():
    if os.geteuid() != 0:
        pytest.skip("the real netdev family needs root to make a network namespace")
    ns = f"nlg-{os.getpid()}"
    made = subprocess.run(["ip", "netns", "add", ns], capture_output=True, text=True)
    if made.returncode != 0:
        pytest.skip(f"`ip netns add` does not work here: {made.stderr.strip()}")
    try:
        subprocess.run(["ip", "-n", ns, "link", "add", "v0", "type", "veth", "peer", "name", "v1"])
        yield ns
    finally:
        subprocess.run(["ip", "netns", "del", ns], capture_output=True)


def real_answer(ns: str, up: bool, op: str, attrs: dict) -> dict:
    state = "up" if up else "down"
    subprocess.run(["ip", "-n", ns, "link", "set", "v0", state], check=True)
    out = subprocess.run(
        ["ip", "netns", "exec", ns, "cat", "/sys/class/net/v0/ifindex"],
        capture_output=True,
        text=True,
        check=True,
    )
    got = request_in(ns, op, fill(attrs, int(out.stdout)))
    if "error" not in got:
        return {"error": 0, "bad": False, "miss": None}
    miss = (
        {1: "id", 2: "ifindex", 3: "type"}.get(got.get("miss_type")) if op == "queue-get" else None
    )
    if op == "bind-rx":
        miss = {1: "ifindex", 2: "queues", 3: "fd"}.get(got.get("miss_type"))
    return {"error": got["error"], "bad": "bad_attr_offset" in got, "miss": miss}


@pytest.mark.kernel
@pytest.mark.parametrize("name,up,op,attrs", CASES, ids=[c[0] for c in CASES])
def test_netdev_family_answers_as_the_kernel_does(real_ns, name, up, op, attrs):
    assert model_answer(up, op, attrs) == real_answer(real_ns, up, op, attrs)
