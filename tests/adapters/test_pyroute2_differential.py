"""The same unmodified pyroute2 programs against the real kernel and against netlife.

Each file in programs/ is a plain pyroute2 program: `main(prefix)` opens `IPRoute(netns=...)`
on namespaces named prefix + "a", prefix + "b" ... and returns what it saw as (namespace tag,
item) pairs. Run (a) on the real kernel (root; throwaway namespaces, always deleted) and (b)
inside served_by(host) on a fresh netlife host, the normalised results must be equal:
ifindexes renumbered per namespace in order of appearance, random MACs renamed likewise,
each link message projected on what both sides model (no statistics, no AF_SPEC).
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
from itertools import count
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from pyroute2.netlink import nlmsg

from netlife import Kernel
from netlife.adapters.pyroute2_engine import served_by
from netlife.adapters.pyroute2_msg import from_pyroute2
from netlife.drivers import MODULES
from netlife.userspace.host import Host

PROGRAMS = sorted((Path(__file__).parent / "programs").glob("*.py"))
# Model divergences these programs found (not adapter bugs); strict, so a fix shows up here.
KNOWN_DIVERGENCES: dict[str, str] = {}  # model bugs found by a program, strict xfail
RUNS = count()

ATTRS = (
    "IFLA_IFNAME",
    "IFLA_MTU",
    "IFLA_MIN_MTU",
    "IFLA_MAX_MTU",
    "IFLA_TXQLEN",
    "IFLA_OPERSTATE",
    "IFLA_LINKMODE",
    "IFLA_GROUP",
    "IFLA_PROMISCUITY",
    "IFLA_NUM_TX_QUEUES",
    "IFLA_NUM_RX_QUEUES",
    "IFLA_CARRIER",
    "IFLA_QDISC",
    "IFLA_ADDRESS",
    "IFLA_BROADCAST",
    "IFLA_LINK_NETNSID",
    "IFLA_NEW_NETNSID",
    "IFLA_PROP_LIST",
)
INDEX_ATTRS = ("IFLA_LINK", "IFLA_MASTER", "IFLA_NEW_IFINDEX")
INFO_DATA = {
    "macvlan": ("IFLA_MACVLAN_MODE",),
    "vxlan": ("IFLA_VXLAN_ID", "IFLA_VXLAN_PORT", "IFLA_VXLAN_LEARNING"),
    "bridge": ("IFLA_BR_STP_STATE", "IFLA_BR_PRIORITY", "IFLA_BR_FORWARD_DELAY"),
}


def load(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"pyroute2_program_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class Normaliser:
    """Renumbers ifindexes per namespace and random MACs, both in order of appearance."""

    def __init__(self) -> None:
        self.indexes: dict[Any, dict[int, int]] = {}
        self.macs: dict[str, str] = {}

    def index(self, scope: Any, value: int) -> int:
        if not value:
            return value
        seen = self.indexes.setdefault(scope, {})
        return seen.setdefault(value, len(seen) + 1)

    def mac(self, value: str) -> str:
        first = int(value[:2], 16)
        if not first & 0x02 or first & 0x01:
            return value
        return self.macs.setdefault(value, f"random-{len(self.macs) + 1}")

    def item(self, ns: str, item: Any) -> Any:
        if isinstance(item, nlmsg):
            return self.message(ns, item)
        if isinstance(item, tuple) and item and item[0] in ("index", "lookup"):
            values = item[1] if isinstance(item[1], list) else [item[1]]
            return (item[0], [self.index(ns, v) for v in values])
        if isinstance(item, (list, tuple)):
            return type(item)(self.item(ns, sub) for sub in item)
        return item

    def message(self, ns: str, msg: nlmsg) -> dict[str, Any]:
        m = from_pyroute2(msg)
        out: dict[str, Any] = {
            "event": msg.get("event"),
            "family": m.ifi_family,
            "type": m.ifi_type,
            "index": self.index(ns, m.ifi_index),
            "flags": m.ifi_flags,
        }
        for name in ATTRS:
            if name in m.attrs:
                value = m.attrs[name]
                out[name] = self.mac(value) if name in ("IFLA_ADDRESS",) else value
        link_scope = (ns, m.attrs.get("IFLA_LINK_NETNSID"))
        for name in INDEX_ATTRS:
            if name in m.attrs:
                scope = link_scope if name == "IFLA_LINK" else ns
                out[name] = self.index(scope, m.attrs[name])
        info = m.attrs.get("IFLA_LINKINFO") or {}
        kind = info.get("IFLA_INFO_KIND")
        kept = {k: info[k] for k in ("IFLA_INFO_KIND", "IFLA_INFO_SLAVE_KIND") if k in info}
        data = info.get("IFLA_INFO_DATA") or {}
        kept.update({k: data[k] for k in INFO_DATA.get(kind, ()) if k in data})
        if kept:
            out["IFLA_LINKINFO"] = kept
        return out

    def result(self, pairs: list) -> list:
        return [(ns, self.item(ns, item)) for ns, item in pairs]


def needs_missing(program: ModuleType) -> list[str]:
    return [kind for kind in getattr(program, "NEEDS", ()) if kind not in MODULES]


def run_model(program: ModuleType) -> list:
    host = Host(Kernel())
    with served_by(host):
        return Normaliser().result(program.main("nlh-model-"))


def _ip(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["ip", *argv], capture_output=True, text=True, check=False)


def run_real(program: ModuleType) -> list:
    """The program on the real kernel; every namespace named with its prefix is deleted."""
    prefix = f"nlh-p2e-{os.getpid()}-{next(RUNS)}-"
    try:
        return Normaliser().result(program.main(prefix))
    finally:
        for line in _ip("netns", "list").stdout.splitlines():
            name = line.split()[0] if line.strip() else ""
            if name.startswith(prefix):
                _ip("netns", "del", name)


def real_kernel_reason() -> str | None:
    if os.geteuid() != 0:
        return "needs root to create network namespaces on the real kernel"
    probe = f"nlh-p2e-{os.getpid()}-probe"
    added = _ip("netns", "add", probe)
    _ip("netns", "del", probe)
    if added.returncode != 0:
        return f"`ip netns add` fails here: {added.stderr.strip()}"
    return None


@pytest.fixture(scope="module")
def real_kernel() -> None:
    reason = real_kernel_reason()
    if reason:
        pytest.skip(reason)


def _program(path: Path) -> ModuleType:
    program = load(path)
    missing = needs_missing(program)
    if missing:
        pytest.skip(f"netlife has no driver for {', '.join(missing)} yet (src/netlife/drivers/)")
    return program


@pytest.mark.parametrize("path", PROGRAMS, ids=[p.stem for p in PROGRAMS])
def test_program_runs_on_netlife_deterministically(path: Path) -> None:
    program = _program(path)
    first = run_model(program)
    assert first, "the program observed nothing"
    assert run_model(program) == first


@pytest.mark.kernel
@pytest.mark.parametrize("path", PROGRAMS, ids=[p.stem for p in PROGRAMS])
def test_program_sees_what_it_sees_on_the_real_kernel(
    path: Path, real_kernel: None, request: pytest.FixtureRequest
) -> None:
    program = _program(path)
    if path.stem in KNOWN_DIVERGENCES:
        request.applymarker(pytest.mark.xfail(reason=KNOWN_DIVERGENCES[path.stem], strict=True))
    assert run_model(program) == run_real(program)


def test_there_are_at_least_fifteen_programs() -> None:
    assert len(PROGRAMS) >= 15
