"""The model as a conformance target: each case on a freshly booted simulated host.

What the real side gives a case is a new network namespace: only `lo`, down, no NICs and no
modules loaded. The model boots the same thing (a machine profile with no PCI functions and
loopback left down, as examples/netns.toml), so the case's `init_net` is the host's init_net
and the names of the `# netns:` header are the host's /run/netns names (Host.netns) as they
are: `ip netns add a` there makes Host.netns["a"].

Per case:
  1. boot the host; hook an EventRecorder (scenario/run.py) on every link notification;
     dump `ip -j -d link show` of init_net: the initial observation.
  2. for each step: ask the sandbox whether the real side would run the line (a refused line
     is refused here too, with the same text, so refusals compare equal); settle the host, as
     the shell does before a command, so the step owns only what it causes; run the line
     through the scenario shell (ShellSession), so quoting and builtins are those of
     `netlife run`; settle again (cleanup_net and linkwatch work the step queued, which the
     real side waits for); dump every case namespace that exists.
Events are those the recorder stamped with the step's index, grouped by namespace in the
case's order (init_net, then the header's), each namespace's in the order the kernel sent them.
"""

from __future__ import annotations

from typing import Any

from netlife.conform.case import Case
from netlife.conform.sandbox import NamespaceMap, Refused, refused_step, translate_command
from netlife.conform.target import ROOT_NETNS, LinkDump, Observation, StepObservation

# A fresh namespace's host: no NICs, nothing loaded, lo down.
FRESH_NAMESPACE_PROFILE = {"loopback": "down"}
POSSIBLE_CPUS = "/sys/devices/system/cpu/possible"
DEFAULT_POSSIBLE_CPUS = 2  # the model kernel's own default


def possible_cpus(path: str = POSSIBLE_CPUS) -> int:
    """num_possible_cpus() of the machine the real side runs on ("0-1,4" → 3); it sizes what
    drivers derive from it (veth's queue counts), so the model is booted with the same."""
    try:
        with open(path, encoding="ascii") as f:
            text = f.read().strip()
    except OSError:
        return DEFAULT_POSSIBLE_CPUS
    count = 0
    for part in filter(None, text.split(",")):
        first, _, last = part.partition("-")
        count += int(last or first) - int(first) + 1
    return count or DEFAULT_POSSIBLE_CPUS


def boot_fresh_host(**kernel_options: Any) -> Any:
    """A simulated host whose init_net looks like a newly made network namespace."""
    from netlife.scenario.machine import boot as boot_machine
    from netlife.scenario.machine import module_table, parse_profile

    data: dict[str, Any] = dict(FRESH_NAMESPACE_PROFILE)
    data["num_possible_cpus"] = kernel_options.pop("num_possible_cpus", possible_cpus())
    profile = parse_profile(data, "<conform: fresh namespace>", module_table())
    return boot_machine(profile, **kernel_options)


class ModelTarget:
    """Runs cases on netlife's simulated kernel, one fresh host per case."""

    name = "model"

    def __init__(self, **kernel_options: Any) -> None:
        self.kernel_options = kernel_options
        # case name → tracebacks of netlife bugs the host hit running it (none when all is well)
        self.internal_errors: dict[str, list[str]] = {}

    def run_case(self, case: Case) -> Observation:
        from netlife.scenario.shell import ShellSession

        host = boot_fresh_host(**self.kernel_options)
        # On the real side the case's root is itself a named namespace, which `ip` prints as
        # `link-netns init_net`; name it here too (`ip netns list` leaves it out, see below).
        host.netns[ROOT_NETNS] = host.kernel.init_net
        recorder = CaseEvents(host)
        session = ShellSession(host)
        # Only the names matter here (which lines the sandbox refuses), not the real ones.
        names = NamespaceMap.for_case(case, 0, 0)
        order = names.order
        obs = Observation(case.name, self.name)
        host.settle()
        obs.initial = self.dump_all(host, order)
        for index, step in enumerate(case.steps):
            host.settle()
            recorder.begin_step(index)
            try:
                plan = translate_command(step.argv, names)
            except Refused as refusal:
                result = refused_step(refusal)
            else:
                result = self.run_line(session, step.text)
                if plan.kind == "netns-list":  # as the real side: the case's namespaces only
                    result.stdout = "".join(
                        line
                        for line in result.stdout.splitlines(True)
                        if line.split()[:1] != [ROOT_NETNS]
                    )
            host.settle()
            result.command = step.text
            result.dumps = self.dump_all(host, order)
            obs.steps.append(result)
        obs.events = ordered_events(recorder.events, order)
        if host.internal_errors:
            self.internal_errors[case.name] = list(host.internal_errors)
        return obs

    @staticmethod
    def run_line(session: Any, text: str) -> StepObservation:
        """One case line through the scenario shell (a case line is one shell command)."""
        from netlife.scenario.script import parse_script

        rc, out, err = 0, [], []
        for shell_step in parse_script(text):
            done = session.run_step(shell_step)
            rc = done.rc
            out.append(done.stdout)
            err.append(done.stderr)
        return StepObservation("", rc, "".join(out), "".join(err))

    @staticmethod
    def dump_all(host: Any, order: tuple[str, ...]) -> dict[str, LinkDump]:
        """`ip -j -d link show` of every case namespace that exists, in the case's order."""
        from netlife.userspace.ip import link_dump_json
        from netlife.userspace.ip_address import addr_info_by_ifindex

        dumps: dict[str, LinkDump] = {}
        for name in order:
            net = host.kernel.init_net if name == ROOT_NETNS else host.netns.get(name)
            if net is not None and not net.dead:
                dumps[name] = link_dump_json(host, net)
                addrs = addr_info_by_ifindex(net)
                for entry in dumps[name]:
                    entry["addr_info"] = addrs.get(entry["ifindex"], [])
        return dumps


class CaseEvents:
    """Every link notification of the host, as the real side records it (kernel_target.py).

    The real side turns each message into `ip -j link` keys itself, naming the devices an
    ifindex refers to (IFLA_LINK, IFLA_MASTER) from what it knew before the step (the last
    dump) and the names the step's messages carried, never forgetting one within the step.
    So a macvlan's close message, sent after its lower device was unlisted (a nested
    unregister batch), still names the lower: recording with the live name table would not.
    """

    def __init__(self, host: Any) -> None:
        self.host = host
        self.step = 0
        self.events: list[dict[str, Any]] = []
        self.contexts: dict[int, Any] = {}  # Net.inum → PrintContext for this step
        host.kernel.link_monitors.append(self.on_message)

    def begin_step(self, step: int) -> None:
        from netlife.userspace.ip import print_context

        self.step = step
        self.contexts = {net.inum: print_context(self.host, net) for net in self.live_nets()}

    def live_nets(self) -> list[Any]:
        kernel = self.host.kernel
        return [kernel.init_net, *(net for net in self.host.netns.values() if not net.dead)]

    def on_message(self, net: Any, msg: Any) -> None:
        from netlife.kernel.if_link import AF_BRIDGE
        from netlife.scenario.run import netns_name
        from netlife.userspace.ip import print_context
        from netlife.userspace.ip_print import monitor_json

        ctx = self.contexts.get(net.inum)
        if ctx is None:  # a namespace made during the step
            ctx = self.contexts[net.inum] = print_context(self.host, net)
        name = msg.attrs.get("IFLA_IFNAME")
        if name is not None:
            ctx.names[msg.ifi_index] = name
        self.events.append(
            {
                "step": self.step,
                "netns": netns_name(self.host, net),
                "event": msg.msg_type,
                "family": "bridge" if msg.ifi_family == AF_BRIDGE else None,
                "ifindex": msg.ifi_index,
                "ifname": name,
                "link": monitor_json(msg, ctx),
            }
        )


def ordered_events(events: list[dict[str, Any]], order: tuple[str, ...]) -> list[dict[str, Any]]:
    """The recorder's events of the case's namespaces in Observation order: by step, then by
    namespace in the case's order, then as sent. A namespace no longer named (deleted) drops
    out, as the real side's listener is closed before the deletion."""
    rank = {name: n for n, name in enumerate(order)}
    kept = [event for event in events if event["netns"] in rank]
    return sorted(kept, key=lambda event: (event["step"], rank[event["netns"]]))
