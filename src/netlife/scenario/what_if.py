"""`netlife what-if`: play commands on a copy of a host and say what they would do.

Model-only. The host is a machine profile (a `netlife snapshot` of a live one, or any profile);
the commands run as in a root shell on it (scenario/shell.py). The report lists, from the
RTM_NEWLINK / RTM_DELLINK messages the model sent and the host before and after:

  - per namespace, the devices that go, in RTM_DELLINK order (one unlisted but still waiting
    for its references is marked so), those that stay, and those the commands made;
  - moves (an RTM_DELLINK carrying IFLA_NEW_NETNSID, then the device in its new namespace)
    and renames (an RTM_NEWLINK naming an ifindex differently);
  - each command's exit status, output and how long it would block (virtual seconds);
  - hangs: the stuck device, its holder chain and the command that would release each;
  - modules loaded, unloaded or whose use count changes;
  - the dmesg lines the kernel would print.
as text for people (render_text) or as one JSON object (the dict itself) for tools.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from netlife.kernel.clock import NSEC_PER_SEC


@dataclass(slots=True)
class LinkEvents:
    """Every link message of the host while the commands run, with its namespace's name."""

    host: Any
    events: list[dict[str, Any]] = field(default_factory=list)
    # Names of the namespaces as they were when the command began: a namespace being deleted
    # has already left /run/netns when cleanup_net unregisters its devices.
    names: dict[Any, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.host.kernel.link_monitors.append(self.on_message)

    def remember_names(self) -> None:
        from netlife.scenario.run import netns_name

        for net in [self.host.kernel.init_net, *self.host.netns.values()]:
            self.names[net] = netns_name(self.host, net)

    def on_message(self, net: Any, msg: Any) -> None:
        from netlife.scenario.run import netns_name

        self.events.append(
            {
                "netns": self.names.get(net) or netns_name(self.host, net),
                "event": msg.msg_type,
                "bridge": msg.ifi_family == 7,
                "ifindex": msg.ifi_index,
                "ifname": msg.attrs.get("IFLA_IFNAME"),
                "new_netnsid": msg.attrs.get("IFLA_NEW_NETNSID"),
                "new_ifindex": msg.attrs.get("IFLA_NEW_IFINDEX"),
                "net": net,
            }
        )


def devices(host: Any) -> dict[str, dict[int, str]]:
    """namespace name → {ifindex: name} of every live namespace."""
    from netlife.scenario.run import netns_name

    nets = [host.kernel.init_net, *(n for n in host.netns.values() if not n.dead)]
    return {
        netns_name(host, net): {d.ifindex: d.name for d in net.devices()}
        for net in dict.fromkeys(nets)
    }


def modules(host: Any) -> dict[str, dict[str, Any]]:
    return {
        name: {"use_count": m.refcnt + len(m.holders), "holders": list(m.holders)}
        for name, m in host.kernel.modules.items()
    }


def what_if(host: Any, commands: list[str]) -> dict[str, Any]:
    """Run the command lines on a booted host; the report as a JSON-ready dict."""
    from netlife.scenario.script import parse_script
    from netlife.scenario.shell import ShellSession

    host.settle()
    before = devices(host)
    mods_before = modules(host)
    dmesg_start = len(host.kernel.printk.dmesg())
    hangs_start = len(host.kernel.hangs)
    recorder = LinkEvents(host)
    session = ShellSession(host)
    steps = []
    for line in commands:
        recorder.remember_names()
        start = host.clock.now
        first_event = len(recorder.events)
        rc, out, err = 0, [], []
        for step in parse_script(line):
            done = session.run_step(step)
            rc = done.rc
            out.append(done.stdout)
            err.append(done.stderr)
        host.settle()
        steps.append(
            {
                "command": line,
                "rc": rc,
                "stdout": "".join(out),
                "stderr": "".join(err),
                "blocked_secs": round((host.clock.now - start) / NSEC_PER_SEC, 6),
                "events": len(recorder.events) - first_event,
            }
        )
    after = devices(host)
    report = {
        "commands": steps,
        **device_changes(host, before, after, recorder.events),
        "hangs": [h.as_json() for h in host.kernel.hangs[hangs_start:]],
        "modules": module_changes(mods_before, modules(host)),
        "dmesg": host.kernel.printk.dmesg()[dmesg_start:],
    }
    host.kernel.link_monitors.remove(recorder.on_message)
    return report


def device_changes(
    host: Any,
    before: dict[str, dict[int, str]],
    after: dict[str, dict[int, str]],
    events: list[dict],
) -> dict[str, Any]:
    gone: dict[str, list[dict[str, Any]]] = {}
    moves: list[dict[str, Any]] = []
    renames: list[dict[str, Any]] = []
    names = {ns: dict(devs) for ns, devs in before.items()}
    for ev in events:
        if ev["bridge"]:
            continue
        ns, idx = ev["netns"], ev["ifindex"]
        known = names.setdefault(ns, {})
        if ev["event"] == "RTM_DELLINK":
            name = ev["ifname"] or known.get(idx)
            if ev["new_netnsid"] is not None:
                target = netns_by_id(host, ev["net"], ev["new_netnsid"])
                moves.append(
                    {
                        "ifname": name,
                        "from": ns,
                        "ifindex": idx,
                        "to": target,
                        "new_ifindex": ev["new_ifindex"],
                    }
                )
            else:
                gone.setdefault(ns, []).append({"ifindex": idx, "ifname": name})
            known.pop(idx, None)
        elif ev["event"] == "RTM_NEWLINK" and ev["ifname"] is not None:
            old = known.get(idx)
            if old is not None and old != ev["ifname"]:
                renames.append({"netns": ns, "ifindex": idx, "from": old, "to": ev["ifname"]})
            known[idx] = ev["ifname"]
    stay = {
        ns: [
            {"ifindex": i, "ifname": after[ns][i]}
            for i in sorted(devs)
            if ns in after and i in after[ns] and not _went(gone, moves, ns, i)
        ]
        for ns, devs in before.items()
    }
    new: dict[str, list[dict[str, Any]]] = {}
    for ns, devs in after.items():
        moved_in = {m["new_ifindex"] for m in moves if m["to"] == ns}
        fresh = [
            {"ifindex": i, "ifname": n}
            for i, n in sorted(devs.items())
            if i not in before.get(ns, {}) and i not in moved_in
        ]
        if fresh:
            new[ns] = fresh
    return {
        "gone": gone,
        "stay": stay,
        "new": new,
        "moves": moves,
        "renames": renames,
        "namespaces_gone": [ns for ns in before if ns not in after],
    }


def _went(gone: dict, moves: list, ns: str, ifindex: int) -> bool:
    return any(d["ifindex"] == ifindex for d in gone.get(ns, ())) or any(
        m["from"] == ns and m["ifindex"] == ifindex for m in moves
    )


def netns_by_id(host: Any, net: Any, nsid: int) -> str:
    """The name of the namespace `net` knows by `nsid` (as `ip monitor` resolves new-netns)."""
    from netlife.scenario.run import netns_name

    for peer, value in net.netns_ids.items():
        if value == nsid:
            return netns_name(host, peer)
    return f"nsid {nsid}"


def module_changes(before: dict, after: dict) -> list[dict[str, Any]]:
    out = []
    for name in dict.fromkeys([*before, *after]):
        a, b = before.get(name), after.get(name)
        if a == b:
            continue
        out.append(
            {
                "module": name,
                "before": a["use_count"] if a else None,
                "after": b["use_count"] if b else None,
                "holders_after": b["holders"] if b else [],
            }
        )
    return out


def render_text(report: dict[str, Any]) -> str:
    lines: list[str] = []
    for step in report["commands"]:
        lines.append(f"$ {step['command']}")
        for stream in ("stdout", "stderr"):
            lines += [f"  {line}" for line in step[stream].splitlines()]
        status = f"  exit {step['rc']}"
        if step["blocked_secs"]:
            status += f", blocks {step['blocked_secs']:g} s"
        lines.append(status)
    lines.append("")
    for ns in report["namespaces_gone"]:
        lines.append(f"namespace {ns} goes")
    stuck = {(d["netns"], d["ifindex"]) for h in report["hangs"] for d in h["devices"]}
    for ns, devs in report["gone"].items():
        names = ", ".join(
            f"{d['ifname']} ({d['ifindex']}"
            + (", unlisted but not freed: see the hang" if (ns, d["ifindex"]) in stuck else "")
            + ")"
            for d in devs
        )
        lines.append(f"{ns}: gone, in RTM_DELLINK order: {names}")
    for ns, devs in report["stay"].items():
        if devs:
            lines.append(f"{ns}: stay: {', '.join(d['ifname'] for d in devs)}")
    for ns, devs in report["new"].items():
        lines.append(f"{ns}: new: {', '.join(d['ifname'] for d in devs)}")
    for m in report["moves"]:
        new = f" as ifindex {m['new_ifindex']}" if m["new_ifindex"] is not None else ""
        lines.append(f"moves: {m['ifname']} {m['from']} → {m['to']}{new}")
    for r in report["renames"]:
        lines.append(f"renames: {r['netns']}: {r['from']} → {r['to']}")
    for hang in report["hangs"]:
        lines += _hang_lines(hang)
    for m in report["modules"]:
        before = "not loaded" if m["before"] is None else f"use count {m['before']}"
        after = "unloaded" if m["after"] is None else f"use count {m['after']}"
        lines.append(f"module {m['module']}: {before} → {after}")
    if report["dmesg"]:
        lines.append("dmesg:")
        lines += [f"  {line}" for line in report["dmesg"]]
    return "\n".join(lines) + "\n"


def _hang_lines(hang: dict[str, Any]) -> list[str]:
    lines = [f"hang: {hang['task']} blocked in {hang['what']} for {hang['waited']:.0f} s"]
    lines += [f"  {step}" for step in hang["blocked_by"]]
    for dev in hang["devices"]:
        where = f", {dev['netns']}" if dev["netns"] else ""
        lines.append(
            f"  {dev['device']}: usage count {dev['usage_count']} (ifindex {dev['ifindex']}{where})"
        )
        for held in dev["explained"]:
            lines.append(f"    held by {held['holder']}")
            lines += [f"      {step}" for step in held["chain"] if not step.startswith("remove it")]
            if held["remedy"]:
                lines.append(f"      released by: {held['remedy']}")
        if dev["untracked"]:
            lines.append(f"    and {dev['untracked']} untracked references")
    if hang["remedy"]:
        lines.append(f"  to let it finish: {hang['remedy']}")
    return lines
