"""One deletion, three drivers: a veth carrying macvlans, vxlans and (through its peer and a
macvlan) bridge ports, deleted with `ip link del v0`, on the model and on the real kernel.

The expected RTM_*LINK sequences were observed on Linux 6.18 (macvlan, vxlan and bridge built
in, so their notifiers run in link order: macvlan, vxlan, bridge; the model loads them in that
order). MAC addresses are fixed so the bridge's MAC is the same on both sides: v1 has the
lowest, so mv1 leaving changes only the bridge's features, and v1 leaving zeroes the MAC.

Inside v0's NETDEV_UNREGISTER, macvlan's handler deletes mv0 and mv1 in one nested batch;
mv0's own NETDEV_UNREGISTER makes vxlan's handler delete vx0 (three levels deep), and mv1's
makes the bridge drop its port; then vxlan's handler on v0 deletes vx1; v1, the veth peer in
the outer batch, leaves the bridge last.
"""

import os
import subprocess
import sys

import pytest

from netlife.kernel.if_link import AF_BRIDGE
from netlife.kernel.module import modprobe
from netlife.kernel.rtnetlink import rtnl_newlink

B = AF_BRIDGE
SETUP = [
    "link add v0 address 02:00:00:00:00:10 type veth peer name v1 address 02:00:00:00:00:01",
    "link add link v0 name mv0 address 02:00:00:00:00:20 type macvlan mode bridge",
    "link add link v0 name mv1 address 02:00:00:00:00:30 type macvlan",
    "link add vx0 address 02:00:00:00:00:40 type vxlan id 42 dev mv0 dstport 4789",
    "link add vx1 address 02:00:00:00:00:50 type vxlan id 43 dev v0 dstport 4789",
    "link add br0 type bridge",
    "link set mv1 master br0",
    "link set v1 master br0",
]
MAC20, MAC30, MAC40, MAC50 = (f"02:00:00:00:00:{n}" for n in (20, 30, 40, 50))
UP = [f"link set {name} up" for name in ("v0", "v1", "mv0", "mv1", "vx0", "vx1", "br0")]

EXPECTED_DOWN = [
    ("DEL", 0, "vx0"),
    ("DEL", 0, "mv0"),
    ("NEW", B, "mv1"),
    ("DEL", B, "mv1"),
    ("NEW", 0, "br0"),  # NETDEV_FEAT_CHANGE: no macvlan port left
    ("DEL", 0, "mv1"),
    ("DEL", 0, "vx1"),
    ("DEL", 0, "v0"),
    ("NEW", B, "v1"),
    ("DEL", B, "v1"),
    ("NEW", 0, "br0"),  # NETDEV_CHANGEADDR: 00:00:00:00:00:00
    ("NEW", 0, "br0"),  # NETDEV_FEAT_CHANGE: no port left
    ("DEL", 0, "v1"),
]
# With everything up, each batch's close phase comes first, and the bridge disables a port
# that goes down; the bridge's carrier loss reaches userspace through linkwatch at the end.
EXPECTED_UP = [
    ("NEW", 0, "v0"),
    ("NEW", 0, "v1"),
    ("NEW", B, "v1"),
    ("NEW", 0, "mv0"),
    ("NEW", 0, "mv1"),
    ("NEW", B, "mv1"),
    ("NEW", 0, "vx0"),
    ("DEL", 0, "vx0"),
    ("DEL", 0, "mv0"),
    ("NEW", B, "mv1"),
    ("DEL", B, "mv1"),
    ("NEW", 0, "br0"),
    ("DEL", 0, "mv1"),
    ("NEW", 0, "vx1"),
    ("DEL", 0, "vx1"),
    ("DEL", 0, "v0"),
    ("NEW", B, "v1"),
    ("DEL", B, "v1"),
    ("NEW", 0, "br0"),
    ("NEW", 0, "br0"),
    ("DEL", 0, "v1"),
    ("NEW", 0, "br0"),
]


# -- the model --------------------------------------------------------------------------------


def build_model(host, up: bool) -> list:
    kernel, net = host.kernel, host.init_net
    for name in ("macvlan", "vxlan", "bridge"):
        modprobe(kernel, name)

    def add(name, kind, data=None, **attrs):
        req = host.request(name, kind, **attrs)
        if data is not None:
            req.attrs["IFLA_LINKINFO"]["IFLA_INFO_DATA"] = data
        rtnl_newlink(net, req)
        return net.dev_get_by_name(name)

    v0, v1 = host.veth("v0", "v1", IFLA_ADDRESS="02:00:00:00:00:10")
    host.setlink(v1, IFLA_ADDRESS="02:00:00:00:00:01")
    mv0 = add("mv0", "macvlan", {"IFLA_MACVLAN_MODE": 4}, IFLA_LINK=v0.ifindex, IFLA_ADDRESS=MAC20)
    mv1 = add("mv1", "macvlan", None, IFLA_LINK=v0.ifindex, IFLA_ADDRESS=MAC30)
    vx0_data = {"IFLA_VXLAN_ID": 42, "IFLA_VXLAN_LINK": mv0.ifindex, "IFLA_VXLAN_PORT": 4789}
    vx0 = add("vx0", "vxlan", vx0_data, IFLA_ADDRESS=MAC40)
    vx1_data = {"IFLA_VXLAN_ID": 43, "IFLA_VXLAN_LINK": v0.ifindex, "IFLA_VXLAN_PORT": 4789}
    vx1 = add("vx1", "vxlan", vx1_data, IFLA_ADDRESS=MAC50)
    br0 = add("br0", "bridge")
    host.setlink(mv1, IFLA_MASTER=br0.ifindex)
    host.setlink(v1, IFLA_MASTER=br0.ifindex)
    if up:
        for dev in (v0, v1, mv0, mv1, vx0, vx1, br0):
            host.up(dev)
    kernel.clock.run_pending()
    seen: list = []
    kernel.link_monitors.append(
        lambda net, m: seen.append((m.msg_type[4:7], m.ifi_family, m.attrs["IFLA_IFNAME"]))
    )
    return seen


@pytest.mark.parametrize(("up", "expected"), [(False, EXPECTED_DOWN), (True, EXPECTED_UP)])
def test_model_deletes_in_the_kernels_order(host, up, expected):
    seen = build_model(host, up)
    host.dellink("v0")
    host.kernel.clock.run_pending()  # linkwatch
    assert seen == expected
    assert [d.name for d in host.init_net.devices()] == ["lo", "br0"]
    assert host.init_net.dev_get_by_name("br0").dev_addr == "00:00:00:00:00:00"


# -- the real kernel --------------------------------------------------------------------------

LISTENER = r"""
import select, socket, struct, sys, time
s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, socket.NETLINK_ROUTE)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22)
s.bind((0, 1))  # RTMGRP_LINK
print("READY", flush=True)
end = None
while end is None or time.time() < end:
    r, _, _ = select.select([s, sys.stdin], [], [], 0.1)
    if sys.stdin in r and end is None:
        sys.stdin.readline()
        end = time.time() + 1.5  # linkwatch delays non-urgent events up to a second
    if s in r:
        data = s.recv(1 << 20)
        off = 0
        while off < len(data):
            ln, typ = struct.unpack_from("IH", data, off)
            if typ in (16, 17):
                fam = data[off + 16]
                a = off + 32
                while a < off + ln:
                    al, at = struct.unpack_from("HH", data, a)
                    if al < 4:
                        break
                    if at & 0x7FFF == 3:
                        name = data[a + 4 : a + al].rstrip(b"\0").decode()
                    a += (al + 3) & ~3
                print("NEW" if typ == 16 else "DEL", fam, name, flush=True)
            off += (ln + 3) & ~3
"""


def _kernel_order(up: bool) -> list:
    if os.geteuid() != 0:
        pytest.skip("needs root to create network namespaces")
    ns = f"nlh-stk-{os.getpid()}-{int(up)}"
    if subprocess.run(["ip", "netns", "add", ns], capture_output=True).returncode:
        pytest.skip("`ip netns add` failed: no network namespaces here")
    try:
        for cmd in SETUP + (UP if up else []):
            if subprocess.run(["ip", "-n", ns, *cmd.split()], capture_output=True).returncode:
                pytest.skip(f"the running kernel refused `ip {cmd}` (driver missing?)")
        subprocess.run(["sleep", "0.5"], check=True)  # let linkwatch settle before listening
        listener = subprocess.Popen(
            ["ip", "netns", "exec", ns, sys.executable, "-c", LISTENER],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert listener.stdout.readline().strip() == "READY"
        subprocess.run(["ip", "-n", ns, "link", "del", "v0"], check=True)
        out, _ = listener.communicate("done\n", timeout=30)
    finally:
        subprocess.run(["ip", "netns", "del", ns], capture_output=True)
    return [(kind, int(fam), name) for kind, fam, name in (ln.split() for ln in out.splitlines())]


@pytest.mark.kernel
@pytest.mark.parametrize(("up", "expected"), [(False, EXPECTED_DOWN), (True, EXPECTED_UP)])
def test_real_kernel_deletes_in_this_order(up, expected):
    assert _kernel_order(up) == expected


# -- moving the lowers to another namespace -----------------------------------------------------

MOVE_SETUP = [
    "link add v0 type veth peer name v1",
    "link add link v0 name mv0 type macvlan",
    "link add vx0 type vxlan id 42 dev v0 dstport 4789",
    "link add br0 type bridge",
    "link set v1 master br0",
]
# The macvlan stays (its handler ignores a REGISTERED lower), the vxlan goes (its handler does
# not look at reg_state), the bridge port leaves (br_del_if on any NETDEV_UNREGISTER).
LEFT_AFTER_MOVE = ["lo", "mv0", "br0"]


def test_model_moving_lowers_keeps_macvlan_deletes_vxlan_and_frees_the_port(host):
    from netlife.kernel.netns_lifecycle import copy_net_ns

    kernel, net = host.kernel, host.init_net
    v0, v1 = host.veth("v0", "v1")
    rtnl_newlink(net, host.request("mv0", "macvlan", IFLA_LINK=v0.ifindex))
    req = host.request("vx0", "vxlan")
    req.attrs["IFLA_LINKINFO"]["IFLA_INFO_DATA"] = {
        "IFLA_VXLAN_ID": 42,
        "IFLA_VXLAN_LINK": v0.ifindex,
        "IFLA_VXLAN_PORT": 4789,
    }
    rtnl_newlink(net, req)
    rtnl_newlink(net, host.request("br0", "bridge"))
    host.setlink(v1, IFLA_MASTER=net.dev_get_by_name("br0").ifindex)
    other = copy_net_ns(kernel)
    host.setlink(v0, IFLA_NET_NS_FD=other)
    host.setlink(v1, IFLA_NET_NS_FD=other)
    assert [d.name for d in net.devices()] == LEFT_AFTER_MOVE


@pytest.mark.kernel
def test_real_kernel_moving_lowers_keeps_macvlan_deletes_vxlan_and_frees_the_port():
    if os.geteuid() != 0:
        pytest.skip("needs root to create network namespaces")
    a, b = (f"nlh-stk-{os.getpid()}-mv{i}" for i in (0, 1))
    if subprocess.run(["ip", "netns", "add", a], capture_output=True).returncode:
        pytest.skip("`ip netns add` failed: no network namespaces here")
    try:
        subprocess.run(["ip", "netns", "add", b], check=True)
        for cmd in [*MOVE_SETUP, f"link set v0 netns {b}", f"link set v1 netns {b}"]:
            if subprocess.run(["ip", "-n", a, *cmd.split()], capture_output=True).returncode:
                pytest.skip(f"the running kernel refused `ip {cmd}` (driver missing?)")
        out = subprocess.run(
            ["ip", "-n", a, "-o", "link", "show"], check=True, capture_output=True, text=True
        ).stdout
    finally:
        subprocess.run(["ip", "netns", "del", a], capture_output=True)
        subprocess.run(["ip", "netns", "del", b], capture_output=True)
    names = [line.split(":")[1].strip().split("@")[0] for line in out.splitlines()]
    assert names == LEFT_AFTER_MOVE
