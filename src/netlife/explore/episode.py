"""One episode: a freshly booted host, command lines run one by one, the oracles after each.

Model-only. Lines run exactly as `netlife run` runs a script (scenario/shell.py: the host
settles, then the step runs; at the end the host settles once more), so a finding's lines are
a script that replays to the same finding. Parsed lines are cached per explorer: the grammar
draws the same lines again and again.

Reset: a host is booted from a machine profile parsed once (machine.boot); that is cheaper
than copying a booted host (a Kernel holds closures, greenlets and shared read-only tables,
so neither deepcopy nor pickle applies) and than fork() (measured in benchmarks/).
"""

from __future__ import annotations

from typing import Any

from netlife.explore.grammar import device_kind
from netlife.explore.oracles import (
    Finding,
    LinkMessages,
    abstract_text,
    hang_finding,
    leak_finding,
    leaked,
    module_gone,
    violation_finding,
)
from netlife.kernel.invariants import check_invariants
from netlife.kernel.netdevice import NETREG_REGISTERED

EXIT_INTERNAL = 70
QUIESCE = ("pkill .", "sleep 700")  # every process gone, then time passes


class Machine:
    """A machine profile parsed once, booted as often as needed, with the kernel's options."""

    def __init__(self, machine: str | None = None, **kernel_options: Any) -> None:
        from netlife.scenario.machine import default_profile, load_profile

        self.path = machine
        self.profile = load_profile(machine) if machine else default_profile()
        self.kernel_options = kernel_options
        self.parsed: dict[str, list] = {}

    def boot(self) -> Any:
        from netlife.scenario.machine import boot

        return boot(self.profile, **self.kernel_options)

    def steps(self, line: str) -> tuple[list, list[str] | None]:
        """The parsed line, and its argv when the shell would only pass literal words to a
        host command (no expansion, redirection, job or builtin): then the episode calls the
        host directly, as the shell's _run_command would."""
        got = self.parsed.get(line)
        if got is None:
            from netlife.scenario.script import parse_script

            steps = parse_script(line)
            got = self.parsed[line] = (steps, _plain_argv(steps))
        return got


def _plain_argv(steps: list) -> list[str] | None:
    from netlife.scenario.script import Lit, SimpleCommand
    from netlife.scenario.shell import BUILTINS

    if len(steps) != 1 or len(steps[0].body.items) != 1:
        return None
    and_or, background = steps[0].body.items[0]
    pipeline = and_or.first
    if background or and_or.rest or pipeline.negated or len(pipeline.commands) != 1:
        return None
    cmd = pipeline.commands[0]
    if not isinstance(cmd, SimpleCommand) or cmd.assigns or cmd.redirects:
        return None
    argv = []
    for word in cmd.words:
        if not all(isinstance(part, Lit) for part in word.parts):
            return None
        argv.append("".join(part.text for part in word.parts))
    return None if not argv or argv[0] in BUILTINS else argv


class Episode:
    """A host, its shell, and the oracles watching it; `lines` is the script so far."""

    def __init__(
        self, machine: Machine, invariants_every_step: bool = False, trace_paths: bool = False
    ) -> None:
        from netlife.scenario.shell import ShellSession

        self.machine = machine
        self.host = machine.boot()
        self.kernel = self.host.kernel
        self.session = ShellSession(self.host)
        self.messages = LinkMessages(self.kernel)
        self.lines: list[str] = []
        self.finding: Finding | None = None
        self.invariants_every_step = invariants_every_step
        # Coverage of notifier paths: (event, device kind) pairs the last line delivered.
        self.paths: set[tuple[int, str]] = set()
        if trace_paths:
            self.kernel.notifier_trace = []
            self.kernel.trace_notifier = lambda event, dev: self.paths.add(
                (int(event), device_kind(dev))
            )
        self._hangs = len(self.kernel.hangs)
        self._violations = len(self.kernel.printk.violations)
        self._internal = len(self.host.internal_errors)

    # -- running ------------------------------------------------------------------------------

    def run(self, line: str) -> Finding | None:
        """Run one line; the first finding ends the episode (later lines are not run)."""
        if self.finding is not None:
            return self.finding
        self.lines.append(line)
        self.paths.clear()
        steps, argv = self.machine.steps(line)
        if argv is not None:
            self.host.settle()
            rc = self.host.run_command(argv).rc
        else:
            rc = 0
            for step in steps:
                rc = self.session.run_step(step).rc
        return self._check(rc)

    def finish(self) -> Finding | None:
        """End of script: settle; if some device is unregistered and not yet freed, end every
        process and let time pass (as script lines), then check for leaks and invariants."""
        if self.finding is not None:
            return self.finding
        self.host.settle()
        if self._check(0, final=True) is not None:
            return self.finding
        if leaked(self.kernel):
            for line in QUIESCE:
                if self.run(line) is not None:
                    return self.finding
            self.host.settle()
            devs = leaked(self.kernel)
            if devs:
                self._found(leak_finding(self.kernel, devs))
        return self.finding

    # -- the oracles --------------------------------------------------------------------------

    def _found(self, finding: Finding) -> Finding:
        finding.script = list(self.lines)
        self.finding = finding
        return finding

    def _check(self, rc: int, final: bool = False) -> Finding | None:
        kernel = self.kernel
        if len(self.host.internal_errors) > self._internal:
            error = self.host.internal_errors[self._internal]
            last = error.strip().splitlines()[-1]
            return self._found(
                Finding(
                    "internal-error",
                    f"netlife bug: {abstract_text(kernel, last)}",
                    f"netlife failed: {last}",
                    error,
                )
            )
        if len(kernel.printk.violations) > self._violations:
            return self._found(violation_finding(kernel.printk.violations[self._violations]))
        if len(kernel.hangs) > self._hangs:
            return self._found(hang_finding(kernel, kernel.hangs[self._hangs]))
        if self.messages.problem is not None:
            return self._found(self.messages.problem)
        gone = module_gone(kernel)
        if gone is not None:
            return self._found(gone)
        if self.invariants_every_step or final:
            problems = check_invariants(kernel)
            if problems:
                return self._found(
                    Finding(
                        "invariant",
                        f"invariant: {abstract_text(kernel, problems[0])}",
                        problems[0],
                        "\n".join(problems),
                    )
                )
        return None


# Holders every device with IPv4/IPv6 state has (in_device, inet6_dev, routes through it):
# left out of the usage count so it still tells a device held by something else.
PROTOCOL_HOLDERS = frozenset(("inetdev_init", "ipv6_add_dev", "fib_nh", "fib6_nh_init"))


def protocol_refs(dev: Any) -> int:
    return sum(n for holder, n in dev.refcnt_tracker.holders() if holder in PROTOCOL_HOLDERS)


def abstract_state(host: Any) -> int:
    """The host's state with names and numbers abstracted: per namespace the multiset of
    (kind, up, registration state, master's kind, lower kinds, usage count up to 4), plus
    loaded modules, running processes by name and PCI functions present."""
    kernel = host.kernel
    nets = []
    for net in kernel.nets:
        if net.dead:
            continue
        devs = []
        for dev in net.dev_base:
            master = (
                next((a.dev for a in dev.adj_upper.values() if a.master), None)
                if dev.adj_upper
                else None
            )
            devs.append((
                device_kind(dev),
                dev.flags & 1,
                dev.reg_state is NETREG_REGISTERED,
                device_kind(master) if master is not None else "",
                tuple(sorted(device_kind(a) for a in dev.adj_lower)) if dev.adj_lower else (),
                min(dev.refcnt - protocol_refs(dev), 4),
            ))  # fmt: skip
        devs.sort()
        nets.append((net is kernel.init_net, tuple(devs)))
    nets.sort()
    unfreed = sum(1 for d in kernel.allocated.values() if d.reg_state is not NETREG_REGISTERED)
    procs = tuple(sorted(p.comm for p in host.processes.values() if getattr(p, "alive", False)))
    return hash((tuple(nets), tuple(kernel.modules), procs, len(kernel.pci_devices), unfreed))
