"""`netlife demo`: a veth pair's lifetime with a leaked reference, played on the virtual clock.

Through the Python API (the kernel's own names): create the pair, hold a tracked reference on
one end, delete the pair, and watch `ip link del` block in netdev_run_todo: the wait, the
`unregister_netdevice: waiting for … to become free` lines every 10 s with the holder, the hang
report when the model's bound passes, then the release and both devices freed.
"""

from __future__ import annotations

from typing import TextIO

from netlife import Hang, Kernel, netdev_hold, netdev_put, secs
from netlife.kernel.if_link import NLM_F_CREATE, NLM_F_EXCL, IfInfoMsg
from netlife.kernel.rtnetlink import rtnl_dellink, rtnl_newlink


def veth_request(name: str, peer: str) -> IfInfoMsg:
    """RTM_NEWLINK as `ip link add NAME type veth peer name PEER` sends it."""
    return IfInfoMsg(
        nlmsg_flags=NLM_F_CREATE | NLM_F_EXCL,
        attrs={
            "IFLA_IFNAME": name,
            "IFLA_LINKINFO": {
                "IFLA_INFO_KIND": "veth",
                "IFLA_INFO_DATA": {"VETH_INFO_PEER": IfInfoMsg(attrs={"IFLA_IFNAME": peer})},
            },
        },
    )


def play_veth_leak(out: TextIO, hang_bound_secs: float = 35.0) -> int:
    """The issue-2 demo; returns 0 when the story ends as the kernel would (both freed)."""
    kernel = Kernel(hang_bound_secs=hang_bound_secs)
    net = kernel.init_net
    say = out.write

    say("# A veth pair, one end held by a subsystem that forgets to let go.\n")
    rtnl_newlink(net, veth_request("veth0", "veth1"))
    veth0, veth1 = net.dev_get_by_name("veth0"), net.dev_get_by_name("veth1")
    say(f"created {veth0!r}\n        {veth1!r}\n")
    tracker = netdev_hold(veth1, "demo_subsystem_attach (veth1)")
    say(f"netdev_hold(veth1): refcnt now {veth1.refcnt}\n\n")

    say("# ip link del veth0: veth_dellink queues both ends; rtnl_unlock runs the todo.\n")
    start = kernel.clock.now
    try:
        rtnl_dellink(net, IfInfoMsg(attrs={"IFLA_IFNAME": "veth0"}))
    except Hang as hang:
        say(f"after {(kernel.clock.now - start) / 1e9:.3f} s of virtual time the call is still\n")
        say("blocked; the model reports the hang (the kernel would wait forever):\n")
        say(str(hang.report) + "\n\n")
    say("dmesg:\n")
    for line in kernel.printk.dmesg(clear=True):
        say(f"  {line}\n")
    say(f"\nveth0 {veth0.reg_state.name}, freed={veth0.freed}\n")
    say(f"veth1 {veth1.reg_state.name}, freed={veth1.freed}, refcnt={veth1.refcnt}\n\n")

    say("# The subsystem finally drops its reference; the waiting task wakes and frees veth1.\n")
    netdev_put(veth1, tracker)
    kernel.clock.advance(secs(1))
    say(f"veth1 {veth1.reg_state.name}, freed={veth1.freed}\n")
    for line in kernel.printk.dmesg(clear=True):
        say(f"  {line}\n")
    ok = veth0.freed and veth1.freed and not net.dev_get_by_name("veth1")
    say("both devices freed.\n" if ok else "NOT freed: this is a netlife bug.\n")
    return 0 if ok else 1


def main(out: TextIO, args: object = None) -> int:
    return play_veth_leak(out)
