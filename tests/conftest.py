"""Shared fixtures: a fresh simulated host, and a helper that speaks RTM_*LINK to it.

`kernel` is a netlife.Kernel whose invariants (kernel/invariants.py) must hold when the test
ends. `host` wraps it with the requests `ip link` would send (IfInfoMsg through rtnl_newlink /
rtnl_dellink), so tests exercise the kernel's request paths rather than private shortcuts.
Helpers are reached through fixtures, never imported, so other conftest files cannot shadow them.
"""

from __future__ import annotations

import pytest

import netlife
from netlife.kernel.if_link import IFF_UP, NLM_F_CREATE, NLM_F_EXCL, IfInfoMsg
from netlife.kernel.invariants import check_invariants
from netlife.kernel.module import modprobe
from netlife.kernel.net_namespace import Net
from netlife.kernel.netdevice import NetDevice
from netlife.kernel.notifier import NetdevCmd
from netlife.kernel.pci import PciDev, pci_add_device
from netlife.kernel.rtnetlink import rtnl_dellink, rtnl_newlink


class Host:
    """One simulated host with the `ip link` requests tests need, and what it logged."""

    def __init__(self, kernel: netlife.Kernel) -> None:
        self.kernel = kernel
        self.init_net = kernel.init_net
        self.events: list[tuple[str, str, int]] = []  # (RTM_*, ifname, ifindex), in order
        kernel.link_monitors.append(self._monitor)
        kernel.notifier_trace = []

    def _monitor(self, net: Net, msg: IfInfoMsg) -> None:
        self.events.append((msg.msg_type, msg.attrs["IFLA_IFNAME"], msg.ifi_index))

    # -- requests -------------------------------------------------------------------------------

    @staticmethod
    def request(ifname: str | None = None, kind: str | None = None, **attrs) -> IfInfoMsg:
        """An `ip link add` request: NLM_F_CREATE | NLM_F_EXCL, IFLA_LINKINFO for `kind`."""
        a = dict(attrs)
        if ifname is not None:
            a["IFLA_IFNAME"] = ifname
        if kind is not None:
            a.setdefault("IFLA_LINKINFO", {})["IFLA_INFO_KIND"] = kind
        return IfInfoMsg(nlmsg_flags=NLM_F_CREATE | NLM_F_EXCL, attrs=a)

    def veth(
        self,
        name: str = "veth0",
        peer: str = "veth1",
        net: Net | None = None,
        peer_net: Net | None = None,
        ifi_index: int = 0,
        peer_index: int = 0,
        **attrs,
    ) -> tuple[NetDevice, NetDevice]:
        """`ip link add NAME type veth peer name PEER [netns PEER_NET]` → (dev, peer)."""
        net = net or self.init_net
        peer_attrs: dict = {"IFLA_IFNAME": peer}
        if peer_net is not None:
            peer_attrs["IFLA_NET_NS_FD"] = peer_net
        req = self.request(name, "veth", **attrs)
        req.ifi_index = ifi_index
        req.attrs["IFLA_LINKINFO"]["IFLA_INFO_DATA"] = {
            "VETH_INFO_PEER": IfInfoMsg(ifi_index=peer_index, attrs=peer_attrs)
        }
        rtnl_newlink(net, req)
        return net.dev_get_by_name(name), (peer_net or net).dev_get_by_name(peer)

    def dummy(self, name: str | None = None, net: Net | None = None, **attrs) -> NetDevice:
        """`ip link add [NAME] type dummy`; the new device."""
        net = net or self.init_net
        before = set(net.dev_base)
        rtnl_newlink(net, self.request(name, "dummy", **attrs))
        if name is not None:
            return net.dev_get_by_name(name)
        # Loading the module may add numdummies devices first: the request's is the last.
        return [d for d in net.dev_base if d not in before][-1]

    def dellink(self, dev_or_name: NetDevice | str, net: Net | None = None) -> None:
        """`ip link del DEV`."""
        if isinstance(dev_or_name, NetDevice):
            rtnl_dellink(dev_or_name.nd_net, IfInfoMsg(ifi_index=dev_or_name.ifindex))
        else:
            rtnl_dellink(net or self.init_net, IfInfoMsg(attrs={"IFLA_IFNAME": dev_or_name}))

    def up(self, dev: NetDevice, up: bool = True) -> None:
        """`ip link set DEV up` (or down) through RTM_NEWLINK on the device's ifindex."""
        flags = IFF_UP if up else 0
        rtnl_newlink(
            dev.nd_net, IfInfoMsg(ifi_index=dev.ifindex, ifi_flags=flags, ifi_change=IFF_UP)
        )

    def down(self, dev: NetDevice) -> None:
        self.up(dev, False)

    def setlink(self, dev: NetDevice, **attrs) -> None:
        """`ip link set DEV ...` with IFLA_* attributes (IFLA_MTU, IFLA_NET_NS_FD ...)."""
        rtnl_newlink(dev.nd_net, IfInfoMsg(ifi_index=dev.ifindex, attrs=attrs))

    # -- what the host logged -----------------------------------------------------------------

    def dmesg(self) -> str:
        return "\n".join(self.kernel.printk.dmesg())

    def dmesg_lines(self) -> list[str]:
        """dmesg without the time stamps."""
        return [line.split("] ", 1)[1] for line in self.kernel.printk.dmesg()]

    def violations(self) -> list[tuple[str, str]]:
        """(rule id, WARN|BUG) of every broken rule, in order."""
        return [(v.rule, v.kind) for v in self.kernel.printk.violations]

    def notifications(self, dev_name: str | None = None) -> list[tuple[str, str]]:
        """(NETDEV_* name, device name) of every notifier chain call, in order."""
        calls = [(NetdevCmd(e).name, n) for e, n in self.kernel.notifier_trace]
        return [c for c in calls if dev_name is None or c[1] == dev_name]

    def clear(self) -> None:
        """Forget what was logged so far (events, notifier calls)."""
        self.events.clear()
        self.kernel.notifier_trace.clear()

    def invariants(self) -> list[str]:
        return check_invariants(self.kernel)


@pytest.fixture
def kernel() -> netlife.Kernel:
    """A fresh host (loopback built in, 35 s hang bound); unless it hit a BUG, its invariants
    are checked when the test ends."""
    k = netlife.Kernel(hang_bound_secs=35)
    yield k
    if any(v.kind == "BUG" for v in k.printk.violations):
        return  # the host oopsed: its state stopped mid-operation, as the kernel's would
    problems = check_invariants(k)
    assert not problems, "\n".join(problems)


@pytest.fixture
def make_connectx():
    """A factory: a host with one ConnectX port (mlx5_core, 16 RX queues) named enp10s0f0np0,
    as the seed has; keyword arguments go to the Kernel."""

    def boot(**options) -> netlife.Kernel:
        options.setdefault("hang_bound_secs", 35)
        k = netlife.Kernel(**options)
        cfg = {"ifname": "enp10s0f0np0", "rx_queues": 16, "channels": 16}
        pci_add_device(k, PciDev(k, "0000:0a:00.0", 0x15B3, 0x1019, cfg))
        modprobe(k, "mlx5_core")
        k.clock.run_pending()
        return k

    return boot


@pytest.fixture
def host(kernel) -> Host:
    return Host(kernel)
