"""`ip monitor [link] [label] [all] [dev DEV]`: a long-running listener on RTNLGRP_LINK.

Mirrors iproute2 v6.1.0 ip/ipmonitor.c: the option loop, ll_init_map and netns_map_init at
start (the ifindex cache and the nsid names are what they were when the monitor started, then
updated by the events themselves), and accept_msg for RTM_NEWLINK / RTM_DELLINK.

The model runs one command at a time, so a monitor is meaningful only as a background job
(`ip monitor link &` in a scenario). The shell marks such a job with env NETLIFE_JOB=1; the
monitor then registers a LinkMonitor on the namespace's rtnl_listeners (the kernel's
rtnl_send delivers each event as it happens) and in Host.processes under its pid, and
returns at once. Its text collects in LinkMonitor.output; the shell takes it with drain()
after each step and ends the job with stop() (`kill %1`, end of script). Run in the
foreground it says so and fails, since it would never return.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from netlife.kernel.if_link import RTM_DELLINK, RTM_NEWLINK, IfInfoMsg
from netlife.userspace.ip import IpExit, IpRun, invarg, ll_name_to_index, matches, print_context

if TYPE_CHECKING:
    from netlife.kernel.net_namespace import Net
    from netlife.userspace.host import Host

MONITOR_USAGE = """\
Usage: ip monitor [ all | OBJECTS ] [ FILE ] [ label ] [ all-nsid ]
                  [ dev DEVICE ]
OBJECTS :=  address | link | mroute | neigh | netconf |
            nexthop | nsid | prefix | route | rule | stats
FILE := file FILENAME
"""

OBJECTS = ("link", "address", "route", "mroute", "prefix", "neigh", "netconf", "rule", "nsid")
OBJECTS += ("nexthop",)


@dataclass(eq=False)
class LinkMonitor:
    """A running `ip monitor`: a netlink socket bound to RTNLGRP_LINK of one namespace."""

    host: Host
    net: Net
    pid: int
    ctx: Any  # ip_print.PrintContext: the monitor's own ll_map cache
    label: bool = False
    details: bool = False
    oneline: bool = False
    ifindex: int = 0  # `dev X`: only that device's messages are printed
    output: list[str] = field(default_factory=list)
    running: bool = True

    def deliver(self, msg: IfInfoMsg) -> None:
        """accept_msg: remember the link in the cache, print it unless filtered out."""
        from netlife.userspace.ip_print import monitor_link_text

        if msg.msg_type not in (RTM_NEWLINK, RTM_DELLINK) or not self.running:
            return
        if self.ifindex and msg.ifi_index != self.ifindex:
            self.ctx.remember(msg)
            return
        self.output.append(
            monitor_link_text(
                msg, self.ctx, details=self.details, oneline=self.oneline, label=self.label
            )
        )

    def drain(self) -> str:
        """The text printed since the last drain."""
        text = "".join(self.output)
        self.output.clear()
        return text

    def stop(self) -> None:
        """The process ends (SIGTERM): its socket leaves the multicast group."""
        self.running = False
        if self in self.net.rtnl_listeners:
            self.net.rtnl_listeners.remove(self)
        self.host.processes.pop(self.pid, None)


def do_ipmonitor(run: IpRun, argv: list[str]) -> int:
    """ip/ipmonitor.c:do_ipmonitor."""
    label = False
    lmask: set[str] = set()
    ifindex = 0
    i = 0
    while i < len(argv):
        w = argv[i]
        obj = next((o for o in OBJECTS if matches(w, o)), None)
        if matches(w, "file"):
            run.err('netlife: "ip monitor file" is not modelled\n')
            raise IpExit(-1)
        if matches(w, "label"):
            label = True
        elif obj is not None:
            lmask.add(obj)
        elif w == "stats":
            lmask.add("stats")
        elif w == "all":
            label = True
        elif matches(w, "all-nsid"):
            run.err('netlife: "ip monitor all-nsid" is not modelled\n')
            raise IpExit(-1)
        elif matches(w, "help"):
            run.err(MONITOR_USAGE)
            raise IpExit(-1)
        elif w == "dev":
            i += 1
            if i >= len(argv):
                from netlife.userspace.ip import incomplete_command

                incomplete_command(run)
            ifindex = ll_name_to_index(run, argv[i])
            if not ifindex:
                invarg(run, "Device does not exist\n", argv[i])
        else:
            run.err(f'Argument "{w}" is unknown, try "ip monitor help".\n')
            raise IpExit(-1)
        i += 1
    if lmask and "link" not in lmask:
        run.err("netlife: ip monitor models only link events\n")
        return -1
    if not run.proc.env.get("NETLIFE_JOB"):
        run.err("netlife: ip monitor runs only as a background job (ip monitor link &)\n")
        return -1
    start_monitor(run, label, ifindex)
    return 0


def start_monitor(run: IpRun, label: bool, ifindex: int) -> LinkMonitor:
    """Bind to RTNLGRP_LINK of the current namespace; ll_init_map fills the cache now."""
    kernel = run.proc.kernel
    pid = kernel.current.pid if kernel.current is not None else 0
    monitor = LinkMonitor(
        run.host,
        run.net,
        pid,
        print_context(run.host, run.net),
        label=label,
        details=bool(run.details),
        oneline=bool(run.oneline),
        ifindex=ifindex,
    )
    run.net.rtnl_listeners.append(monitor)
    run.host.processes[pid] = monitor
    return monitor
