"""Comparing two observations of one case: canonical form, step diff, summary table.

Two targets cannot agree on what the kernel leaves to chance or what one of them does not model,
so both observations are first put in canonical form:

- ifindex values are renumbered 1, 2, ... in order of first appearance, per namespace (the scan
  order: initial dumps, then for each step its events, then its dumps; both sides alike);
- random MAC addresses (unicast, locally administered: what eth_random_addr() makes) become
  `random-1`, `random-2`, ... in order of first appearance, across namespaces, so a bridge that
  takes its port's address still matches;
- each link keeps only the fields of PROJECTION (and INFO_DATA_KEYS of its kind); the rest,
  statistics, timers and limits neither side models, is dropped;
- events of a namespace are kept only while both sides could see them: from the end of the
  step that created it to the start of the step that deletes it (see conform/target.py);
- the lines of `ip netns list` are compared sorted (see lists_namespaces);
- each link's addresses (`ip -j addr`'s addr_info) are compared too, with DAD's timing and
  verdict and the count-down of finite lifetimes left out, and IPv6 addresses made from a random
  MAC named after it (Canonicalizer.address);
- an event's "link" is compared on the keys both sides gave (the real side builds it from the
  message, without iproute2's M-DOWN).

diff_observations(expected, got) lists Differences step by step; by convention expected is the
real kernel and got the model. render_table() prints a table of cases and their differences.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from netlife.conform.sandbox import IP_OBJECTS, NETNS_SUBCOMMANDS, resolve
from netlife.conform.target import ROOT_NETNS, Observation

PROJECTION = (
    "ifname",
    "link",
    "link_index",
    "flags",
    "mtu",
    "qdisc",
    "operstate",
    "linkmode",
    "group",
    "txqlen",
    "link_type",
    "address",
    "broadcast",
    "master",
    "link_netnsid",
    "promiscuity",
    "min_mtu",
    "max_mtu",
    "num_tx_queues",
    "num_rx_queues",
)
# info_data keys compared per link kind (`ip -j -d` names); other kinds compare none.
INFO_DATA_KEYS = {
    "macvlan": ("mode",),
    "macvtap": ("mode",),
    "vxlan": ("id", "link", "remote", "local", "group", "port", "learning"),
    "bridge": ("forward_delay", "hello_time", "max_age", "ageing_time", "stp_state", "priority"),
    "tun": ("type", "pi", "vnet_hdr", "multi_queue", "persist"),
    "vlan": ("protocol", "id"),
    "netkit": ("mode", "policy", "peer_policy"),
}
MAC = re.compile(r"\b[0-9a-f]{2}(?::[0-9a-f]{2}){5}\b")
IFINDEX_LINE = re.compile(r"^(\d+): ", re.MULTILINE)


def _eui64_mac(address: str) -> str | None:
    """The MAC an eui64 interface identifier was made from, or None."""
    import ipaddress

    ident = ipaddress.IPv6Address(address).packed[8:]
    if ident[3:5] != b"\xff\xfe":
        return None
    mac = bytes([ident[0] ^ 0x02, *ident[1:3], *ident[5:]])
    return mac.hex(":")


@dataclass(frozen=True, slots=True)
class Difference:
    """One place where two observations disagree; step None means the case as a whole."""

    step: int | None
    what: str
    expected: Any
    got: Any

    def __str__(self) -> str:
        where = "case" if self.step is None else f"step {self.step}"
        return f"{where}: {self.what}: expected {self.expected!r}, got {self.got!r}"


@dataclass(slots=True)
class CaseResult:
    """One case compared: its differences, or why it was not compared."""

    case: str
    differences: list[Difference] = field(default_factory=list)
    skipped: str | None = None
    error: str | None = None
    refused: list[str] = field(default_factory=list)  # "step N: why" for lines not run

    @property
    def status(self) -> str:
        """A case with a refused line is not "same": part of it was never compared."""
        if self.error:
            return "error"
        if self.skipped:
            return "skipped"
        if self.differences:
            return "differ"
        return "refused" if self.refused else "same"


class Canonicalizer:
    """Renumbers ifindexes per namespace and random MACs globally, in order of appearance."""

    def __init__(self) -> None:
        self.ifindexes: dict[str, dict[int, int]] = {}
        self.macs: dict[str, str] = {}

    def ifindex(self, netns: str, value: int) -> int:
        seen = self.ifindexes.setdefault(netns, {})
        return seen.setdefault(value, len(seen) + 1)

    def mac(self, value: str) -> str:
        first = int(value[:2], 16)
        if not first & 0x02 or first & 0x01:  # universal or multicast: not random
            return value
        return self.macs.setdefault(value, f"random-{len(self.macs) + 1}")

    def link(self, netns: str, entry: dict[str, Any], strip_mdown: bool = False) -> dict[str, Any]:
        out = {key: entry[key] for key in PROJECTION if key in entry}
        if "ifindex" in entry:
            out["ifindex"] = self.ifindex(netns, entry["ifindex"])
        if "link_index" in out:
            # The index lives in the namespace link_netnsid names, which only that id tells.
            out["link_index"] = self.ifindex(
                f"{netns}#{entry.get('link_netnsid')}", out["link_index"]
            )
        if "address" in out:
            out["address"] = self.mac(out["address"])
        if "addr_info" in entry:
            out["addr_info"] = [self.address(a) for a in entry["addr_info"]]
        if strip_mdown and "flags" in out:
            out["flags"] = [flag for flag in out["flags"] if flag != "M-DOWN"]
        info = entry.get("linkinfo")
        if info:
            kind = info.get("info_kind")
            kept = {key: info[key] for key in ("info_kind", "info_slave_kind") if key in info}
            data = info.get("info_data") or {}
            selected = {key: data[key] for key in INFO_DATA_KEYS.get(kind, ()) if key in data}
            if selected:
                kept["info_data"] = selected
            out["linkinfo"] = kept
        return out

    def address(self, entry: dict[str, Any]) -> dict[str, Any]:
        """An addr_info entry: "tentative" and "dadfailed" dropped (how long DAD takes is random
        on the real side, and whether it fails depends on packets the model does not move: a
        bridge that takes its port's MAC makes the same link-local address twice on one link),
        finite lifetimes as "finite" (they count down in real time there), an IPv6
        address made from a random MAC (eui64) named after that MAC's canonical name."""
        out = {k: v for k, v in entry.items() if k not in ("tentative", "dadfailed")}
        for key in ("valid_life_time", "preferred_life_time"):
            if key in out and out[key] != 4294967295:
                out[key] = "finite"
        local = out.get("local", "")
        if out.get("family") == "inet6" and local.startswith("fe80::"):
            eui = _eui64_mac(local)
            if eui is not None:
                name = self.mac(eui)
                if name != eui:
                    out["local"] = f"fe80::eui64({name})"
        return out

    def dumps(self, dumps: dict[str, list[dict[str, Any]]]) -> dict[str, list[dict[str, Any]]]:
        return {ns: [self.link(ns, entry) for entry in links] for ns, links in dumps.items()}

    def text(self, netns: str, text: str) -> str:
        text = MAC.sub(lambda m: self.mac(m.group(0)), text)
        return IFINDEX_LINE.sub(lambda m: f"{self.ifindex(netns, int(m.group(1)))}: ", text)


def command_netns(command: str) -> str:
    """The case namespace a command line acts in: `ip -n X`, `ip netns exec X`, else init_net."""
    words = command.split()
    for i, word in enumerate(words[:-1]):
        if word in ("-n", "-netns") or (word == "exec" and i >= 2 and words[i - 1] == "netns"):
            return words[i + 1]
    return ROOT_NETNS


def lists_namespaces(command: str) -> bool:
    """Whether a line is `ip [OPTIONS] netns [list|show|lst]`.

    Its lines come in readdir order of /run/netns, which belongs to the filesystem there, not
    to the kernel's networking: tmpfs lists the newest entry first, ext4 in hash order. So
    both sides' lines are compared sorted.
    """
    words = command.split()
    if words[:1] != ["ip"]:
        return False
    rest = [w for w in words[1:] if not w.startswith("-")]
    if not rest or resolve(rest[0], IP_OBJECTS) != "netns":
        return False
    return len(rest) == 1 or resolve(rest[1], NETNS_SUBCOMMANDS) in ("list", "show", "lst")


def canonical(obs: Observation) -> dict[str, Any]:
    """The observation with numbering, random addresses and unmodelled fields normalised."""
    canon = Canonicalizer()
    initial = canon.dumps(obs.initial)
    steps = []
    events = []
    before = set(obs.initial)
    for index, step in enumerate(obs.steps):
        after = set(step.dumps)
        for event in obs.events_at(index):
            ns = event["netns"]
            if ns not in before or ns not in after:
                continue
            events.append(
                {
                    "step": index,
                    "netns": ns,
                    "event": event["event"],
                    "family": event.get("family"),
                    "ifindex": canon.ifindex(ns, event["ifindex"]),
                    "ifname": event.get("ifname"),
                    "link": canon.link(ns, event.get("link") or {}, strip_mdown=True),
                }
            )
        ns = command_netns(step.command)
        stdout = step.stdout
        if lists_namespaces(step.command):
            stdout = "".join(sorted(stdout.splitlines(True)))
        steps.append(
            {
                "command": step.command,
                "rc": step.rc,
                "stdout": canon.text(ns, stdout),
                "stderr": canon.text(ns, step.stderr),
                "refused": step.refused,
                "dumps": canon.dumps(step.dumps),
            }
        )
        before = after
    return {"initial": initial, "steps": steps, "events": events, "skipped": obs.skipped}


def event_label(event: dict[str, Any]) -> str:
    family = f"({event['family']})" if event.get("family") else ""
    return f"{event['event']}{family} {event.get('ifname')}#{event['ifindex']}"


def diff_dumps(step: int | None, expected: dict, got: dict) -> list[Difference]:
    out = []
    if list(expected) != list(got):
        out.append(Difference(step, "namespaces", list(expected), list(got)))
    for ns in [ns for ns in expected if ns in got]:
        exp_links = {link.get("ifname"): link for link in expected[ns]}
        got_links = {link.get("ifname"): link for link in got[ns]}
        if list(exp_links) != list(got_links):
            out.append(Difference(step, f"links[{ns}]", list(exp_links), list(got_links)))
        for name in [name for name in exp_links if name in got_links]:
            a, b = exp_links[name], got_links[name]
            for key in sorted(set(a) | set(b)):
                if a.get(key, "<absent>") != b.get(key, "<absent>"):
                    what = f"{ns}/{name}.{key}"
                    out.append(
                        Difference(step, what, a.get(key, "<absent>"), b.get(key, "<absent>"))
                    )
    return out


def diff_events(step: int, expected: list, got: list) -> list[Difference]:
    out = []
    for ns in dict.fromkeys([e["netns"] for e in expected] + [e["netns"] for e in got]):
        a = [e for e in expected if e["netns"] == ns]
        b = [e for e in got if e["netns"] == ns]
        if [event_label(e) for e in a] != [event_label(e) for e in b]:
            labels = ([event_label(e) for e in a], [event_label(e) for e in b])
            out.append(Difference(step, f"events[{ns}]", *labels))
            continue
        for n, (x, y) in enumerate(zip(a, b, strict=True)):
            for key in sorted(set(x["link"]) & set(y["link"])):
                if x["link"][key] != y["link"][key]:
                    what = f"events[{ns}][{n}] {event_label(x)} {key}"
                    out.append(Difference(step, what, x["link"][key], y["link"][key]))
    return out


def diff_observations(expected: Observation, got: Observation) -> list[Difference]:
    """Every difference between two observations of one case, in step order."""
    if expected.skipped or got.skipped:
        if expected.skipped == got.skipped:
            return []
        return [Difference(None, "skipped", expected.skipped, got.skipped)]
    a, b = canonical(expected), canonical(got)
    out = diff_dumps(None, a["initial"], b["initial"])
    if len(a["steps"]) != len(b["steps"]):
        out.append(Difference(None, "steps", len(a["steps"]), len(b["steps"])))
    for index, (x, y) in enumerate(zip(a["steps"], b["steps"], strict=False)):
        for key in ("command", "refused", "rc", "stdout", "stderr"):
            if x[key] != y[key]:
                out.append(Difference(index, key, x[key], y[key]))
        events_a = [e for e in a["events"] if e["step"] == index]
        events_b = [e for e in b["events"] if e["step"] == index]
        out += diff_events(index, events_a, events_b)
        out += diff_dumps(index, x["dumps"], y["dumps"])
    return out


def compare_case(expected: Observation, got: Observation) -> CaseResult:
    """Compare two observations of one case; a side that did not run it makes it skipped."""
    for obs in (expected, got):
        if obs.skipped:
            return CaseResult(expected.case, skipped=f"{obs.target}: {obs.skipped}")
    refused = [
        f"step {index}: {step.stderr.strip()}"
        for index, step in enumerate(expected.steps)
        if step.refused
    ]
    return CaseResult(expected.case, diff_observations(expected, got), refused=refused)


def render_table(results: list[CaseResult], details: int = 5) -> str:
    """A table of cases (result, number of differences, the first one), then up to `details`
    differences of each case that differs."""
    width = max([len("case")] + [len(r.case) for r in results])
    lines = [f"{'case':<{width}}  {'result':<7}  diffs  first difference"]
    for r in results:
        first = r.error or r.skipped or (str(r.differences[0]) if r.differences else "")
        first = first or (r.refused[0] if r.refused else "")
        lines.append(f"{r.case:<{width}}  {r.status:<7}  {len(r.differences):>5}  {first}")
    for r in results:
        if r.differences:
            lines.append("")
            lines.append(f"{r.case}:")
            lines += [f"  {d}" for d in r.differences[:details]]
            if len(r.differences) > details:
                lines.append(f"  ... {len(r.differences) - details} more")
    counts = {
        s: sum(r.status == s for r in results)
        for s in ("same", "differ", "refused", "skipped", "error")
    }
    lines.append("")
    lines.append(", ".join(f"{n} {s}" for s, n in counts.items()))
    return "\n".join(lines) + "\n"
