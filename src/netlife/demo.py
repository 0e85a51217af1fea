"""`netlife demo`: the seed commit, played on the built-in default machine, in both worlds.

The commit "netkit: Add netkit notifier to check for unregistering devices" (2026): a netkit
device leases an RX queue of a ConnectX port so a container's AF_XDP application can use it;
then the NIC driver is unloaded. With the notifier, the physical device and netkit go away
together. On the kernel before the commit, `rmmod mlx5_core` blocks in netdev_run_todo, the
`unregister_netdevice: waiting for … to become free` lines appear every 10 s, and only deleting
the netkit device by hand lets rmmod return. The explanation is built from what the model saw
while rmmod was blocked (the ref_tracker holders and the lease), not written in advance.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any, TextIO

from netlife.kernel.clock import secs
from netlife.scenario.interactive import render_transcript
from netlife.scenario.shell import ShellSession
from netlife.scenario.state import boot_host

PHYS = "enp10s0f0np0"

SETUP = """\
ynl --family rt-link --do newlink --create --json '{"ifname": "nk", "num-rx-queues": 2, "linkinfo": {"kind": "netkit", "data": {"pairing": "single"}}}'
NK=$(cat /sys/class/net/nk/ifindex)
PHYS=$(cat /sys/class/net/enp10s0f0np0/ifindex)
ynl --family netdev --do queue-create --json '{"ifindex": '$NK', "type": "rx", "lease": {"ifindex": '$PHYS', "queue": {"type": "rx", "id": 15}}}'
ip link set nk up
xdpsock -i nk -q 1 &
"""  # noqa: E501

AFTER = """\
ip a
rmmod mlx5_ib
rmmod mlx5_core
dmesg | tail -n 8
ip a
"""

BEFORE = """\
ip a
rmmod mlx5_ib
(sleep 60; ip link del nk) &
rmmod mlx5_core
dmesg | grep -e 'waiting for' -e 'ref_tracker' -e 'rxq' -e 'E-Switch: cleanup'
ip a
"""


# watch(host, session) → an observer with on_step(i) and finish(results) (pictures/record.py)
Watch = Callable[[Any, ShellSession], Any]


def _session(notifier: bool, watch: Watch | None = None) -> tuple[Any, ShellSession, Any]:
    host = boot_host(None, netkit_notifier=notifier)
    session = ShellSession(host)
    return host, session, watch(host, session) if watch is not None else None


def _finish(host: Any, observer: Any, results: list) -> None:
    if observer is not None:
        host.settle()
        observer.finish(results)


def play_after(out: TextIO, watch: Watch | None = None) -> bool:
    host, session, observer = _session(True, watch)
    on_step = observer.on_step if observer is not None else None
    out.write("# Setup: a single-mode netkit device leases RX queue 15 of enp10s0f0np0,\n")
    out.write("# and an AF_XDP application (xdpsock) runs on the leased queue.\n")
    results = session.run_script(SETUP, on_step=on_step)
    out.write(render_transcript(results))
    out.write("\n# The seed: unload the NIC driver.\n")
    seed = session.run_script(AFTER, on_step=on_step)
    out.write(render_transcript(seed))
    _finish(host, observer, results + seed)
    net = host.kernel.init_net
    return net.dev_get_by_name(PHYS) is None and net.dev_get_by_name("nk") is None


def play_before(out: TextIO, watch: Watch | None = None) -> tuple[bool, dict[str, Any]]:
    host, session, observer = _session(False, watch)
    on_step = observer.on_step if observer is not None else None
    kernel = host.kernel
    seen: dict[str, Any] = {}
    setup = session.run_script(SETUP, on_step=on_step)
    phys = kernel.init_net.dev_get_by_name(PHYS)

    def look() -> None:
        # 30 s into the wait: what holds the physical device, and why.
        seen["refcnt"] = phys.refcnt
        seen["holders"] = phys.refcnt_tracker.holders()
        chain: list[str] = []
        for explain in kernel.holder_explainers:
            lines, remedy = explain(kernel, phys)
            chain += lines
            seen.setdefault("remedy", remedy)
        seen["chain"] = chain

    results = session.run_script(BEFORE.split("rmmod mlx5_core")[0], on_step=on_step)
    kernel.clock.schedule(secs(30), look, "demo: look at the waiting device")
    rest = "rmmod mlx5_core\n" + BEFORE.split("rmmod mlx5_core\n")[1]
    results += session.run_script(rest, on_step=on_step)
    _finish(host, observer, setup + results)
    out.write("# The same setup, on the kernel before the netkit notifier commit.\n")
    out.write("# A background job will delete nk after 60 s, as an operator finally would.\n")
    out.write(render_transcript(results))
    released = phys.freed and kernel.init_net.dev_get_by_name("nk") is None
    return released, seen


def explain(seen: dict[str, Any], out: TextIO) -> None:
    w = out.write
    w("What happened, in plain words\n")
    w("-----------------------------\n")
    w(
        f"rmmod mlx5_core runs the driver's remove for each port, which unregisters {PHYS}\n"
        "(unregister_netdev). Unregistering never waits by itself: when RTNL is released,\n"
        "netdev_run_todo waits until every reference on the device is gone (usage count 1).\n\n"
    )
    if seen:
        w(f"While rmmod was blocked, {PHYS} had usage count {seen['refcnt']}. Its holders:\n")
        for holder, count in seen["holders"]:
            w(f"  {holder}" + (f" (x{count})" if count > 1 else "") + "\n")
        w("\nThe chain of references:\n")
        w("  xdpsock (AF_XDP socket) -> nk (netkit) -> leased RX queue -> " + PHYS + "\n")
        for line in seen["chain"]:
            w(f"  {line}\n")
        if seen.get("remedy"):
            w(f"\nWhat releases it: {seen['remedy']}\n")
    w(
        "\nThe application holds the netkit device; the netkit device holds one reference on\n"
        "the physical device per leased queue, and gives them back only when it is itself\n"
        "unregistered. Before the commit nothing unregisters nk when the NIC goes away: the\n"
        "once-a-second NETDEV_UNREGISTER rebroadcast reaches netkit, but nothing acts on it, so\n"
        "rmmod waits forever (here, until the background `ip link del nk`).\n\n"
        "With the commit, netkit's NETDEV_UNREGISTER notifier sees the physical device in\n"
        "NETREG_UNREGISTERING with leased queues, collects each leasing netkit device once and\n"
        "unregisters them in the same nested batch: the AF_XDP socket is unbound (xdpsock sees\n"
        "ENETDOWN), netkit's uninit drops the leases, and both devices are freed when RTNL is\n"
        "released: rmmod returns and 'both enp10s0f0np0 and nk gone'.\n"
    )


def main(out: TextIO, args: argparse.Namespace | None = None, watch: Watch | None = None) -> int:
    before_only = bool(args and getattr(args, "before_fix", False))
    after_only = bool(args and getattr(args, "after_fix", False))
    ok = True
    title = "netlife demo: netkit: Add netkit notifier to check for unregistering devices"
    out.write(f"{title}\n{'=' * len(title)}\n")
    out.write("Machine: the built-in default (two ConnectX ports on 0000:0a:00.0 and .1,\n")
    out.write("mlx5_core and mlx5_ib loaded).\n\n")
    if not before_only:
        out.write("1. With the netkit notifier (the kernel since the commit)\n")
        out.write("--------------------------------------------------------\n")
        gone = play_after(out, watch)
        out.write(
            "\nboth enp10s0f0np0 and nk gone\n\n" if gone else "\nNOT gone: a netlife bug\n\n"
        )
        ok &= gone
    if not after_only:
        out.write("2. Without it (the kernel before the commit)\n")
        out.write("--------------------------------------------\n")
        released, seen = play_before(out, watch)
        out.write(
            "\nrmmod returned once nk was deleted; enp10s0f0np0 freed.\n\n"
            if released
            else "\nNOT released: a netlife bug\n\n"
        )
        ok &= released
        explain(seen, out)
    return 0 if ok else 1
