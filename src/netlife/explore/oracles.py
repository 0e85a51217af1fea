"""The oracles: what makes a run a finding, and the signature that groups findings into bugs.

Model-only. A finding is one of:
- `hang`: a wait passed the hang bound (netdev_run_todo of `ip link del`, rmmod, a PCI remove,
  the netns cleanup worker, or a task queued on RTNL / pernet_ops_rwsem behind one); read from
  the host's record of hangs (Kernel.hangs, the run record's `hangs`), whoever reported it;
- `violation`: a lifetime rule broken (a WARN_ON or BUG_ON of kernel/rules.py);
- `kernel-bug`: a command died in the kernel (BUG, exit 139);
- `invariant`: kernel/invariants.py found cross-object state inconsistent;
- `leak`: a device unregistered but never freed after every process is gone and time passed;
- `message-after-dellink`: an RTM_NEWLINK about a device after its RTM_DELLINK;
- `module-gone`: a device still allocated while the module that owns it is unloaded;
- `internal-error`: netlife itself failed (a bug in the model, not in the kernel it models).

The signature names the oracle and the holder chain in kinds, never in names or numbers, so
the same bug reached through different devices and orders is one entry.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from netlife.explore.grammar import device_kind
from netlife.kernel.if_link import AF_BRIDGE, RTM_NEWLINK
from netlife.kernel.netdevice import NETREG_REGISTERED, NETREG_UNINITIALIZED

_NUMBERS = re.compile(r"\d+")
_PARENS = re.compile(r"\s*\(.*\)$")


@dataclass(slots=True)
class Finding:
    """One broken property, with what the shrinker and the report need."""

    oracle: str
    signature: str
    summary: str  # one line for people
    detail: str = ""  # the hang report, the rule's message, the invariant's sentence
    hang: dict | None = None  # the hang report as the run record's `hangs` holds it
    script: list[str] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)  # device kinds involved

    def as_json(self) -> dict:
        return {
            "oracle": self.oracle,
            "signature": self.signature,
            "summary": self.summary,
            "detail": self.detail,
            "kinds": self.kinds,
            "hang": self.hang,
        }


def _kind_of(kernel: Any, name: str) -> str:
    for dev in kernel.allocated.values():
        if dev.name == name:
            return device_kind(dev)
    return name  # not a device: a process (xdpsock), a namespace cleanup task


def hang_finding(kernel: Any, report: Any) -> Finding:
    """A hang report → a finding whose signature is the holder chain in kinds."""
    # A holder that is itself one of the stuck devices (a macvlan holding its lower while an
    # AF_XDP socket holds the macvlan) is a consequence, not a cause: the signature names the
    # holders outside the stuck set, so one bug stays one entry however deep the stack.
    stuck_names = {stuck.name for stuck in report.devices}
    chains, derived, kinds = [], [], []
    for stuck in report.devices:
        kinds.append(_kind_of(kernel, stuck.name))
        for holder in stuck.explained:
            who = holder.who.split(" ", 1)[0] if holder.who else "?"
            base = _PARENS.sub("", holder.holder) if holder.holder != "dev_hold" else "dev_hold"
            (derived if who in stuck_names else chains).append(f"{base} by {_kind_of(kernel, who)}")
        if not stuck.explained:
            chains += [_PARENS.sub("", h) for h, _ in stuck.holders] or ["dev_hold"]
    chains = chains or derived
    what = _NUMBERS.sub("N", report.what)
    chain = ", ".join(sorted(set(chains))) or "no holder known"
    return Finding(
        "hang",
        f"hang in {what}: {chain}",
        f"{report.task} blocked in {report.what} ({', '.join(sorted(set(kinds)))} never freed)",
        str(report),
        report.as_json(),
        kinds=sorted(set(kinds)),
    )


def violation_finding(violation: Any) -> Finding:
    return Finding(
        "kernel-bug" if violation.kind == "BUG" else "violation",
        f"{violation.kind} {violation.rule}",
        f"{violation.kind}: {violation.rule}: {violation.message or violation.source}",
        f"{violation.message}\n(rule from {violation.source})",
    )


def abstract_text(kernel: Any, text: str) -> str:
    """A sentence with device names replaced by kinds and numbers by N (for signatures)."""
    names = {dev.name: device_kind(dev) for dev in kernel.allocated.values()}
    words = [names.get(w.strip(":,."), w) for w in text.split()]
    return _NUMBERS.sub("N", " ".join(words))


def owner_module(dev: Any) -> str | None:
    """The module whose code a device runs: its link kind's owner, else its bus driver's."""
    ops = dev.rtnl_link_ops
    if ops is not None:
        return ops.owner
    parent = dev.parent
    if parent is None:
        return None
    driver = getattr(parent, "driver", None)
    if driver is not None:
        return getattr(driver, "owner", None) or getattr(driver, "name", None)
    return "netdevsim" if type(parent).__name__ == "NsimBusDev" else None


def module_gone(kernel: Any) -> Finding | None:
    """A device still allocated whose module is no longer loaded."""
    for dev in kernel.allocated.values():
        if dev.freed or dev.reg_state == NETREG_UNINITIALIZED:
            continue
        owner = owner_module(dev)
        if owner and owner not in kernel.modules:
            kind = device_kind(dev)
            return Finding(
                "module-gone",
                f"module gone: {owner} unloaded while a {kind} device lives",
                f"{dev.name} ({kind}) is allocated after {owner} was unloaded",
                repr(dev),
                kinds=[kind],
            )
    return None


def leaked(kernel: Any) -> list[Any]:
    """Devices out of every list (unregistered) and not freed."""
    return [
        dev
        for dev in kernel.allocated.values()
        if not dev.freed and dev.reg_state not in (NETREG_REGISTERED, NETREG_UNINITIALIZED)
    ]


def leak_finding(kernel: Any, devs: list[Any]) -> Finding:
    kinds = sorted({device_kind(d) for d in devs})
    holders = sorted({_PARENS.sub("", h) for d in devs for h, _ in d.refcnt_tracker.holders()})
    detail = "\n".join(
        f"{d.name} ({device_kind(d)}): {d.reg_state.name}, usage count {d.refcnt}, "
        f"holders {d.refcnt_tracker.holders()}"
        for d in devs
    )
    return Finding(
        "leak",
        f"leak: {', '.join(kinds)} held by {', '.join(holders) or 'dev_hold'}",
        f"{len(devs)} unregistered device(s) never freed: {', '.join(d.name for d in devs)}",
        detail,
        kinds=kinds,
    )


class LinkMessages:
    """The link monitor: no RTM_NEWLINK about a device after its RTM_DELLINK."""

    def __init__(self, kernel: Any) -> None:
        self.announced: dict[tuple[int, int], Any] = {}
        self.deleted: set[Any] = set()  # devices whose (non-move) RTM_DELLINK went out
        self.problem: Finding | None = None
        kernel.link_monitors.append(self.on_message)

    def on_message(self, net: Any, msg: Any) -> None:
        if msg.ifi_family == AF_BRIDGE:
            return  # a bridge port's own add/remove (br_ifinfo_notify), not the device's
        key = (net.inum, msg.ifi_index)
        if msg.msg_type == RTM_NEWLINK:
            dev = net.dev_get_by_index(msg.ifi_index)
            if dev is not None and dev in self.deleted and self.problem is None:
                kind = device_kind(dev)
                self.problem = Finding(
                    "message-after-dellink",
                    f"RTM_NEWLINK after RTM_DELLINK for a {kind} device",
                    f"RTM_NEWLINK for {dev.name} after its RTM_DELLINK",
                    kinds=[kind],
                )
            if dev is not None:
                self.announced[key] = dev
            return
        dev = self.announced.get(key)
        if dev is not None and "IFLA_NEW_NETNSID" not in msg.attrs:
            self.deleted.add(dev)
