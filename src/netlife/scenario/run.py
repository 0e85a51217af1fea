"""`netlife run FILE` and `netlife shell`: scenarios on a booted host, transcript or JSON record.

Model-only. The JSON record is a contract other tools build on:
{"steps": [{"command", "rc", "stdout", "stderr", "time"}],
 "events": [{"step", "time", "netns", "event", "family", "ifindex", "ifname", "link"}],
 "namespaces": {"<name as ip netns lists it; init_net for the root>": <ip -j -d link show>},
 "violations": [...], "hangs": [...]}, plus "interrupted": "SIGINT" | "SIGTERM" when a signal
stopped the run (absent otherwise).
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any, TextIO

from netlife.kernel.if_link import AF_BRIDGE

EXIT_HANG = 124  # like timeout(1): something was still blocked in the kernel at the bound


class EventRecorder:
    """Every RTM_NEWLINK / RTM_DELLINK of the host, stamped with the step that caused it."""

    def __init__(self, host: Any) -> None:
        self.host = host
        self.step = 0
        self.events: list[dict[str, Any]] = []
        self.blocked_at_end: list[Any] = []  # reports of tasks still asleep when it ended
        host.kernel.link_monitors.append(self._on_event)

    def _on_event(self, net: Any, msg: Any) -> None:
        from netlife.userspace.ip import print_context
        from netlife.userspace.ip_print import monitor_json

        name = netns_name(self.host, net)
        self.events.append(
            {
                "step": self.step,
                "time": round(self.host.clock.now / 1e9, 6),
                "netns": name,
                "event": msg.msg_type,
                "family": "bridge" if msg.ifi_family == AF_BRIDGE else None,
                "ifindex": msg.ifi_index,
                "ifname": msg.attrs.get("IFLA_IFNAME"),
                "link": monitor_json(msg, print_context(self.host, net)),
            }
        )


def netns_name(host: Any, net: Any) -> str:
    if net is host.kernel.init_net:
        return "init_net"
    for name, other in host.netns.items():
        if other is net:
            return name
    return f"netns:{net.inum}"


def namespaces_record(host: Any) -> dict[str, Any]:
    from netlife.userspace.ip import link_dump_json

    record = {"init_net": link_dump_json(host, host.kernel.init_net)}
    for name in sorted(host.netns):
        net = host.netns[name]
        if not net.dead:
            record[name] = link_dump_json(host, net)
    return record


def start(machine: str | None = None, stop_on_error: bool = False, **kernel_options: Any):
    """Boot a host with its shell and event recorder: (host, session, recorder)."""
    from netlife.scenario.shell import ShellSession
    from netlife.scenario.state import boot_host

    host = boot_host(machine, **kernel_options)
    recorder = EventRecorder(host)
    return host, ShellSession(host, stop_on_error=stop_on_error), recorder


def play(text: str, machine: str | None = None, stop_on_error: bool = False, **kernel_options: Any):
    """Boot, run the script, return (host, results, recorder)."""
    host, session, recorder = start(machine, stop_on_error, **kernel_options)
    results = session.run_script(text, on_step=lambda i: setattr(recorder, "step", i))
    finish(host, recorder)
    return host, results, recorder


def finish(host: Any, recorder: EventRecorder) -> None:
    """Tasks still asleep in the kernel when the script ends (a background job, the netns
    cleanup) are reported as hangs: the run did not finish what it started."""
    host.settle()
    recorder.blocked_at_end = host.kernel.sched.report_blocked()


def _steps(results: list) -> list[dict[str, Any]]:
    return [
        {"command": r.command, "rc": r.rc, "stdout": r.stdout, "stderr": r.stderr, "time": r.time}
        for r in results
    ]


def record_json(host: Any, results: list, recorder: EventRecorder) -> dict[str, Any]:
    return {
        "steps": _steps(results),
        "events": recorder.events,
        "namespaces": namespaces_record(host),
        "violations": [v.as_json() for v in host.kernel.printk.violations],
        "hangs": [h.as_json() for h in host.kernel.hangs],
    }


def run_file(
    path: str,
    json_out: bool = False,
    stop_on_error: bool = False,
    machine: str | None = None,
    out: TextIO = sys.stdout,
    **kernel_options: Any,
) -> int:
    """`netlife run`: the transcript step by step as each completes (or the JSON record at
    the end). SIGINT or SIGTERM stops the script between two clock events: what ran so far is
    printed (the JSON record marked `interrupted`) and the status is 130 or 143."""
    from netlife.scenario.interactive import render_transcript
    from netlife.scenario.progress import Progress
    from netlife.scenario.script import ScriptError
    from netlife.scenario.signals import signal_name
    from netlife.scenario.textfile import TextFileError, read_text

    try:
        text = read_text(path)
    except OSError as err:
        sys.stderr.write(f"netlife: cannot read {path}: {err.strerror}\n")
        return 2
    except TextFileError as err:
        sys.stderr.write(f"netlife: {err}\n")
        return 2
    host, session, recorder = start(machine, stop_on_error, **kernel_options)
    results: list = []
    progress = Progress(out, host, results, live=not json_out and out.isatty())
    session.signals.on_poll = progress.tick
    emit = None if json_out else (lambda r: progress.write(render_transcript([r])))
    signum = 0
    with session.signals.installed():
        try:
            session.run_script(
                text,
                on_step=lambda i: setattr(recorder, "step", i),
                on_result=emit,
                results=results,
            )
            signum = session.interrupted
            if not signum:
                finish(host, recorder)
        except ScriptError as err:
            sys.stderr.write(f"netlife: {path}:{err}\n")
            return 2
        except KeyboardInterrupt:  # a second signal: out at once, wherever it was
            signum = session.signals.signum or 2
        finally:
            progress.close()
    if json_out:
        if signum:
            record = interrupted_record(host, results, recorder)
            record["interrupted"] = signal_name(signum)
        else:
            record = record_json(host, results, recorder)
        json.dump(record, out, indent=2)
        out.write("\n")
    for report in recorder.blocked_at_end:
        sys.stderr.write(f"netlife: still blocked when the script ended:\n{report}\n")
    if signum:
        return 128 + signum
    return exit_status(host, results, stop_on_error)


def interrupted_record(host: Any, results: list, recorder: EventRecorder) -> dict[str, Any]:
    """The record after an interruption; if the host cannot be read (a second signal landed
    inside a kernel call), the steps, events and hangs without the namespaces."""
    try:
        return record_json(host, results, recorder)
    except Exception:  # the half-done call's state: say what is certain
        return {
            "steps": _steps(results),
            "events": recorder.events,
            "namespaces": {},
            "violations": [],
            "hangs": [h.as_json() for h in host.kernel.hangs],
        }


def exit_status(host: Any, results: list, stop_on_error: bool) -> int:
    """70 for a netlife bug; the failing step's status with --stop-on-error; 124 when anything
    hung (a step, a job, a task still blocked at the end); else 0."""
    if host.internal_errors:
        return 70
    failed = [r for r in results if r.rc != 0]
    if stop_on_error and failed:
        return failed[-1].rc
    return EXIT_HANG if host.kernel.hangs else 0


def interactive(machine: str | None = None, **kernel_options: Any) -> int:
    from netlife.scenario.interactive import run_interactive
    from netlife.scenario.shell import ShellSession
    from netlife.scenario.state import boot_host

    host = boot_host(machine, **kernel_options)
    session = ShellSession(host)
    history = os.path.join(os.path.expanduser("~"), ".netlife_history")
    return run_interactive(
        session, sys.stdin, sys.stdout, complete=shell_candidates(session), history_file=history
    )


IP_WORDS = (
    "link", "address", "netns", "monitor", "tuntap", "add", "del", "delete", "set", "show",
    "list", "exec", "type", "peer", "name", "dev", "master", "nomaster", "up", "down", "mtu",
    "address", "netns", "mode", "id", "dstport", "help",
)  # fmt: skip


def shell_candidates(session: Any):
    """Tab completion: command names first; then device names of every namespace, namespace
    names, link kinds the host can load, module names and `ip` keywords."""
    from netlife.scenario.interactive import command_candidates

    commands = command_candidates(session)
    host = session.host

    def candidates(before: str, word: str) -> list[str]:
        names = commands(before, word)
        if names or not before.strip():
            return names
        kernel = host.kernel
        words = set(IP_WORDS) | set(host.netns) | set(kernel.module_table)
        for net in kernel.live_nets():
            words.update(dev.name for dev in net.devices())
        words.update(kernel.link_ops)
        words.update(
            m.removeprefix("rtnl-link-")
            for spec in kernel.module_table.values()
            for m in spec.aliases
            if m.startswith("rtnl-link-")
        )
        return sorted(w for w in words if w.startswith(word))

    return candidates
