"""A Hypothesis state machine over the lifetime operations, with invariants after every step.

Rules are the requests a host sees: create a veth pair or a dummy (RTM_NEWLINK), delete one
(RTM_DELLINK), bring it up or down, set its MTU, move a veth end to another namespace, hold and
put tracked references, create and delete namespaces, and let time pass. Bundles hold live
devices, namespaces and trackers. After every step kernel/invariants.py must find nothing, and
the link monitor checks that no message about a device follows its RTM_DELLINK. At the end every
reference is dropped and every unregistered device must be freed.
"""

from __future__ import annotations

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    consumes,
    invariant,
    multiple,
    rule,
)

import netlife
from netlife import Hang, KernelError, netdev_hold, netdev_put, secs
from netlife.kernel.if_link import (
    IFF_UP,
    NLM_F_CREATE,
    NLM_F_EXCL,
    RTM_NEWLINK,
    IfInfoMsg,
)
from netlife.kernel.invariants import check_invariants
from netlife.kernel.netdevice import NETREG_REGISTERED, NETREG_UNINITIALIZED
from netlife.kernel.netns_lifecycle import copy_net_ns, put_net
from netlife.kernel.rtnetlink import rtnl_dellink, rtnl_newlink


class NetdevLifetime(RuleBasedStateMachine):
    devices = Bundle("devices")
    namespaces = Bundle("namespaces")
    trackers = Bundle("trackers")

    def __init__(self) -> None:
        super().__init__()
        self.kernel = netlife.Kernel(hang_bound_secs=20)
        self.count = 0
        self.all_devices: list = []
        self.announced: dict = {}  # (netns inum, ifindex) → device of the last RTM_NEWLINK
        self.deleted: set = set()  # devices whose (non-move) RTM_DELLINK went out
        self.message_problems: list[str] = []
        self.kernel.link_monitors.append(self.monitor)

    # -- the link monitor ---------------------------------------------------------------------

    def monitor(self, net, msg: IfInfoMsg) -> None:
        key = (net.inum, msg.ifi_index)
        name = msg.attrs["IFLA_IFNAME"]
        if msg.msg_type == RTM_NEWLINK:
            dev = net.dev_get_by_index(msg.ifi_index)
            if dev is None or dev.name != name:
                self.message_problems.append(f"RTM_NEWLINK for {name}, not listed in its netns")
            elif dev in self.deleted:
                self.message_problems.append(f"RTM_NEWLINK for {name} after its RTM_DELLINK")
            self.announced[key] = dev
            return
        dev = self.announced.get(key)
        if dev is None or dev in self.deleted:
            self.message_problems.append(f"RTM_DELLINK for {name}: not announced, or twice")
            return
        if dev.listed and dev.nd_net is net:
            self.message_problems.append(f"RTM_DELLINK for {name} while still listed")
        if "IFLA_NEW_NETNSID" not in msg.attrs:  # a namespace move is not a deletion
            self.deleted.add(dev)

    # -- helpers ----------------------------------------------------------------------------------

    def name(self, prefix: str) -> str:
        self.count += 1
        return f"{prefix}{self.count}"

    def request(self, net, ifm: IfInfoMsg, hang_ok: bool = False) -> bool:
        """Send a request; expected errors and (where the op may wait) Hang are outcomes."""
        try:
            rtnl_newlink(net, ifm) if ifm.msg_type == RTM_NEWLINK else rtnl_dellink(net, ifm)
        except KernelError:
            return False
        except Hang:
            assert hang_ok, "only deletions wait for references"
        return True

    # -- rules ------------------------------------------------------------------------------------

    @rule(target=namespaces)
    def create_namespace(self):
        return copy_net_ns(self.kernel)

    @rule(net=consumes(namespaces))
    def delete_namespace(self, net):
        put_net(net)
        self.kernel.clock.run_pending()  # cleanup_net: a Hang there leaves the worker asleep

    @rule(target=devices, peer_net=st.none() | namespaces)
    def add_veth(self, peer_net):
        a, b = self.name("va"), self.name("vb")
        peer_attrs = {"IFLA_IFNAME": b}
        if peer_net is not None:
            peer_attrs["IFLA_NET_NS_FD"] = peer_net
        info = {
            "IFLA_INFO_KIND": "veth",
            "IFLA_INFO_DATA": {"VETH_INFO_PEER": IfInfoMsg(attrs=peer_attrs)},
        }
        req = IfInfoMsg(
            nlmsg_flags=NLM_F_CREATE | NLM_F_EXCL,
            attrs={"IFLA_IFNAME": a, "IFLA_LINKINFO": info},
        )
        init = self.kernel.init_net
        if not self.request(init, req):
            assert peer_net is not None and peer_net.dead
            return multiple()
        made = [init.dev_get_by_name(a), (peer_net or init).dev_get_by_name(b)]
        self.all_devices += made
        return multiple(*made)

    @rule(target=devices, net=st.none() | namespaces)
    def add_dummy(self, net):
        net = net or self.kernel.init_net
        name = self.name("d")
        req = IfInfoMsg(
            nlmsg_flags=NLM_F_CREATE | NLM_F_EXCL,
            attrs={"IFLA_IFNAME": name, "IFLA_LINKINFO": {"IFLA_INFO_KIND": "dummy"}},
        )
        if net.dead or not self.request(net, req):
            return multiple()
        dev = net.dev_get_by_name(name)
        self.all_devices.append(dev)
        return dev

    @rule(dev=devices)
    def delete(self, dev):
        if dev.reg_state == NETREG_REGISTERED:
            assert self.request(dev.nd_net, IfInfoMsg("RTM_DELLINK", ifi_index=dev.ifindex), True)

    @rule(dev=devices, up=st.booleans())
    def set_up(self, dev, up):
        if dev.reg_state == NETREG_REGISTERED:
            flags = IFF_UP if up else 0
            ifm = IfInfoMsg(ifi_index=dev.ifindex, ifi_flags=flags, ifi_change=IFF_UP)
            assert self.request(dev.nd_net, ifm)
            assert bool(dev.flags & IFF_UP) == up

    @rule(dev=devices, mtu=st.integers(min_value=0, max_value=70000))
    def set_mtu(self, dev, mtu):
        if dev.reg_state == NETREG_REGISTERED:
            ok = self.request(dev.nd_net, IfInfoMsg(ifi_index=dev.ifindex, attrs={"IFLA_MTU": mtu}))
            assert ok == (dev.min_mtu <= mtu and (dev.max_mtu == 0 or mtu <= dev.max_mtu))
            assert dev.mtu == mtu or not ok

    @rule(dev=devices, net=namespaces)
    def move(self, dev, net):
        if dev.reg_state == NETREG_REGISTERED:
            ifm = IfInfoMsg(ifi_index=dev.ifindex, attrs={"IFLA_NET_NS_FD": net})
            if self.request(dev.nd_net, ifm):
                assert dev.nd_net is net

    @rule(target=trackers, dev=devices)
    def hold(self, dev):
        if dev.freed:
            return multiple()
        return (dev, netdev_hold(dev, "stateful_test"))

    @rule(held=trackers)
    def delete_held(self, held):
        """Delete a device someone holds: the request waits, then reports a Hang."""
        self.delete(held[0])

    @rule(held=consumes(trackers))
    def put(self, held):
        dev, tracker = held
        netdev_put(dev, tracker)

    @rule(seconds=st.sampled_from([0, 0.5, 1, 3, 11]))
    def advance(self, seconds):
        self.kernel.clock.advance(secs(seconds))

    # -- checks -----------------------------------------------------------------------------------

    @invariant()
    def invariants_hold(self):
        problems = check_invariants(self.kernel) + self.message_problems
        assert not problems, "\n".join(problems)
        assert not self.kernel.printk.violations

    def teardown(self):
        for dev in self.all_devices:
            for tracker in list(dev.refcnt_tracker.trackers):
                if tracker.holder == "stateful_test":
                    netdev_put(dev, tracker)
        self.kernel.clock.advance(secs(2))
        for dev in self.all_devices:
            if dev.reg_state not in (NETREG_REGISTERED, NETREG_UNINITIALIZED):
                assert dev.freed, f"{dev!r} unregistered but never freed"
        assert self.kernel.todo_waits == set() and self.kernel.dev_unreg_count == 0


NetdevLifetime.TestCase.settings = settings(
    max_examples=50,
    stateful_step_count=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestNetdevLifetime = NetdevLifetime.TestCase
