"""what-if checked against the real kernel: random topologies, snapshot, predict, perform, compare.

One check (check_one):
  1. a seeded generator (random_case) writes a topology as case lines: 2-4 namespaces (the
     case's root and a, b, c), veth pairs across them, macvlans, vxlans with and without a
     lower device, bridges with ports, tun/tap devices, moves between namespaces, some
     devices up; then one action: `ip link del X`, `ip netns del Y` or `ip link set X netns Z`;
  2. the topology runs on the real kernel in throwaway namespaces (conform/kernel_target.py);
  3. `netlife snapshot --netns` of exactly those namespaces, booted in the model;
  4. the action is predicted on the model, then performed on the kernel, each with its link
     monitors; both become Observations (initial dumps = after the snapshot boot / before
     the action) and conform/compare.py diffs them: the initial dumps check the snapshot, the
     step's events and dumps check the prediction.
Every namespace is removed afterwards, also on failure (CaseRun.cleanup).
"""

from __future__ import annotations

import os
import random
import select
import time
from dataclasses import dataclass, field
from typing import Any

from netlife.conform.case import Case, parse_case_text
from netlife.conform.compare import CaseResult, diff_observations
from netlife.conform.kernel_target import (
    CaseRun,
    CleanupError,
    KernelTarget,
    NamespaceMap,
    _counter,
)
from netlife.conform.sandbox import Refused, translate_command
from netlife.conform.target import ROOT_NETNS, Observation, StepObservation

NETNS = ("a", "b", "c")
MACVLAN_MODES = ("bridge", "private", "vepa", "passthru")
QUIET = 0.3  # seconds without a link message after `ip netns del` before the step is read
SETTLE_MAX = 3.0


@dataclass(slots=True)
class Topology:
    """The generator's view: which device is where, so each line names real devices."""

    rng: random.Random
    spaces: list[str]
    devices: dict[str, dict[str, str]] = field(default_factory=dict)  # netns → name → kind
    lines: list[str] = field(default_factory=list)
    serial: int = 0

    def name(self, prefix: str) -> str:
        self.serial += 1
        return f"{prefix}{self.serial}"

    def ip(self, netns: str) -> str:
        return "ip" if netns == ROOT_NETNS else f"ip -n {netns}"

    def pick(self, kinds: tuple[str, ...] | None = None) -> tuple[str, str] | None:
        found = [
            (ns, name)
            for ns in self.spaces
            for name, kind in self.devices.get(ns, {}).items()
            if kinds is None or kind in kinds
        ]
        return self.rng.choice(found) if found else None

    def add(self, ns: str, name: str, kind: str) -> None:
        self.devices.setdefault(ns, {})[name] = kind


def random_case(seed: int) -> tuple[Case, str]:
    """A topology (the case's lines) and the action to predict, from one seed."""
    rng = random.Random(seed)
    spaces = [ROOT_NETNS, *NETNS[: rng.randint(1, 3)]]
    topo = Topology(rng, spaces)
    topo.lines += [f"ip netns add {ns}" for ns in spaces[1:]]
    for _ in range(rng.randint(3, 9)):
        rng.choice((veth, veth, macvlan, vxlan, bridge, tap, move, up))(topo)
    action = choose_action(topo)
    header = f"# case: whatif-{seed}\n# netns: {' '.join(spaces[1:])}\n"
    return parse_case_text(header + "\n".join(topo.lines) + "\n", f"whatif-{seed}"), action


def veth(t: Topology) -> None:
    a, b = t.rng.choice(t.spaces), t.rng.choice(t.spaces)
    if b == ROOT_NETNS:  # a case cannot name its root in `netns ROOT`: make it from there
        a, b = b, a
    n0, n1 = t.name("v"), t.name("v")
    peer_ns = f" netns {b}" if b != a else ""
    t.lines.append(f"{t.ip(a)} link add {n0} type veth peer name {n1}{peer_ns}")
    t.add(a, n0, "veth")
    t.add(b, n1, "veth")


def macvlan(t: Topology) -> None:
    lower = t.pick(("veth",))
    if lower is None:
        return veth(t)
    ns, name = lower
    dest = t.rng.choice([ns, *t.spaces[1:]])
    where = f" netns {dest}" if dest != ns else ""
    mv = t.name("mv")
    mode = t.rng.choice(MACVLAN_MODES)
    t.lines.append(f"{t.ip(ns)} link add link {name} name {mv}{where} type macvlan mode {mode}")
    t.add(dest, mv, "macvlan")


def vxlan(t: Topology) -> None:
    ns = t.rng.choice(t.spaces)
    vx = t.name("vx")
    dev = ""
    lower = t.pick(("veth",))
    if lower is not None and lower[0] == ns and t.rng.random() < 0.5:
        dev = f" dev {lower[1]}"
    vni = t.rng.randint(1, 9999)
    t.lines.append(
        f"{t.ip(ns)} link add {vx} type vxlan id {vni} remote 192.0.2.{vni % 250 + 1}{dev}"
        f" dstport {4789 + vni % 7}"
    )
    t.add(ns, vx, "vxlan")


def bridge(t: Topology) -> None:
    ns = t.rng.choice(t.spaces)
    br = t.name("br")
    t.lines.append(f"{t.ip(ns)} link add {br} type bridge")
    t.add(ns, br, "bridge")
    ports = [n for n, k in t.devices.get(ns, {}).items() if k in ("veth", "tap", "vxlan")]
    for port in t.rng.sample(ports, min(len(ports), t.rng.randint(0, 2))):
        t.lines.append(f"{t.ip(ns)} link set {port} master {br}")
        t.devices[ns][port] = "port"


def tap(t: Topology) -> None:
    ns = t.rng.choice(t.spaces)
    name = t.name("tap")
    mode = t.rng.choice(("tap", "tun"))
    t.lines.append(f"{t.ip(ns)} tuntap add {name} mode {mode}")
    t.add(ns, name, "tap" if mode == "tap" else "tun")


def move(t: Topology) -> None:
    dev = t.pick(("veth", "macvlan", "vxlan", "tap", "tun"))
    if dev is None or len(t.spaces) < 2:
        return
    ns, name = dev
    targets = [s for s in t.spaces[1:] if s != ns]
    if not targets:
        return
    dest = t.rng.choice(targets)
    t.lines.append(f"{t.ip(ns)} link set {name} netns {dest}")
    kind = t.devices[ns].pop(name)
    if name in t.devices.get(dest, {}):
        t.devices[ns][name] = kind  # the kernel refuses: the name is taken there
    else:
        t.add(dest, name, kind)


def up(t: Topology) -> None:
    dev = t.pick()
    if dev is not None:
        t.lines.append(f"{t.ip(dev[0])} link set {dev[1]} up")


def choose_action(t: Topology) -> str:
    choices = []
    dev = t.pick()
    if dev is not None:
        choices.append(f"{t.ip(dev[0])} link del {dev[1]}")
        others = [s for s in t.spaces[1:] if s != dev[0]]
        if others:
            choices.append(f"{t.ip(dev[0])} link set {dev[1]} netns {t.rng.choice(others)}")
    if len(t.spaces) > 1:
        choices.append(f"ip netns del {t.rng.choice(t.spaces[1:])}")
    return t.rng.choice(choices) if choices else "ip link show"


# -- running one check ----------------------------------------------------------------------


def check_one(seed: int) -> CaseResult:
    case, action = random_case(seed)
    names = NamespaceMap.for_case(case, os.getpid(), next(_counter))
    run = CaseRun(case, names, "kernel")
    previous = KernelTarget._trap_signals()  # SIGTERM/SIGHUP unwind into the cleanup below
    try:
        run.add_namespace(ROOT_NETNS)
        for step in case.steps:
            run.run_step(step.argv)
        real_before = settle_dumps(run)
        real_names = [names.real(ns) for ns in run.watches]
        predicted, warnings = predict(real_names, names, action)
        real = perform(run, action, real_before)
    finally:
        try:
            left = run.cleanup()
        finally:
            KernelTarget._restore_signals(previous)
        if left:
            raise CleanupError(f"namespaces still listed after cleanup: {', '.join(left)}")
    result = CaseResult(case.name, diff_observations(real, predicted))
    if result.differences and warnings:
        result.error = "; ".join(warnings)
    return result


def settle_dumps(run: CaseRun) -> dict[str, Any]:
    for watch in run.watches.values():
        watch.sync_linkwatch()
        watch.drain()
    run.last_dumps = run.dump_all()
    return run.last_dumps


def perform(run: CaseRun, action: str, before: dict[str, Any]) -> Observation:
    obs = Observation(run.case.name, "kernel", initial=before)
    run.obs = obs
    result = run.run_step(tuple(action.split()))
    result.command = action
    if action.startswith("ip netns del"):
        wait_quiet(run)
    run.observe(0, result)
    obs.steps.append(result)
    return obs


def wait_quiet(run: CaseRun) -> None:
    """cleanup_net runs from a workqueue after `ip netns del` returns, and what it does to
    devices elsewhere (a macvlan's lower told of its unlinked upper) arrives later: keep
    what the monitors receive until they have been quiet for QUIET seconds (at most
    SETTLE_MAX), and hand it to the step's collection."""
    watches = list(run.watches.values())
    pending: dict[int, list[Any]] = {id(w): [] for w in watches}
    start = last = time.monotonic()
    while time.monotonic() - last < QUIET and time.monotonic() - start < SETTLE_MAX:
        readable, _, _ = select.select([w.sock for w in watches], [], [], 0.02)
        for watch in watches:
            if watch.sock in readable:
                pending[id(watch)] += watch.drain()
                last = time.monotonic()
    for watch in watches:
        watch.drain = _replaying(pending[id(watch)], watch.drain)


def _replaying(kept: list[Any], fresh: Any) -> Any:
    def drain() -> list[Any]:
        out = kept + fresh()
        kept.clear()
        return out

    return drain


def predict(
    real_names: list[str], names: NamespaceMap, action: str
) -> tuple[Observation, list[str]]:
    """Snapshot the real namespaces, boot them in the model, run the action there."""
    from netlife.conform.model_target import CaseEvents, ModelTarget, ordered_events
    from netlife.conform.snapshot import take_snapshot
    from netlife.conform.snapshot_write import bootable
    from netlife.scenario.machine import boot, module_table, parse_profile
    from netlife.scenario.shell import ShellSession

    snap = take_snapshot(real_names)
    profile = parse_profile(bootable(snap), "<whatif check>", module_table())
    host = boot(profile)
    back = {real: case for case, real in names.mapping.items()}
    order = tuple(ns for ns in names.order if names.real(ns) in real_names)
    host.settle()
    obs = Observation("model", "model", initial=model_dumps(host, back, order, names))
    recorder = CaseEvents(host)
    recorder.begin_step(0)
    try:
        plan = translate_command(tuple(action.split()), names)
    except Refused as refusal:
        raise AssertionError(f"generated a refused action: {refusal}") from None
    line = (
        f"ip netns del {names.real(plan.netns)}"
        if plan.kind == "netns-del"
        else " ".join(plan.argv)
    )
    result = ModelTarget.run_line(ShellSession(host), line)
    host.settle()
    result.command = action
    result.stdout, result.stderr = names.text_back(result.stdout), names.text_back(result.stderr)
    result.dumps = model_dumps(host, back, order, names)
    obs.steps.append(result)
    events = []
    for event in recorder.events:
        event = dict(event, netns=back.get(event["netns"], event["netns"]))
        events.append(event)
    obs.events = ordered_events(events, order)
    return obs, [*snap.warnings, *profile.restore_warnings]


def model_dumps(host: Any, back: dict[str, str], order: tuple[str, ...], names: NamespaceMap):
    import json

    from netlife.userspace.ip import link_dump_json
    from netlife.userspace.ip_address import addr_info_by_ifindex

    out = {}
    for ns in order:
        net = host.netns.get(names.real(ns))
        if net is not None and not net.dead:
            links = link_dump_json(host, net)
            addrs = addr_info_by_ifindex(net)
            for entry in links:
                entry["addr_info"] = addrs.get(entry["ifindex"], [])
            out[ns] = json.loads(names.text_back(json.dumps(links)))
    return out


def check_many(seeds: range) -> list[CaseResult]:
    return [check_one(seed) for seed in seeds]


__all__ = ["StepObservation", "check_many", "check_one", "random_case"]
