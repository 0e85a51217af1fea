"""The real kernel as a conformance target: each case in throwaway network namespaces.

A case's root namespace (`init_net` in observations) is a fresh namespace named
`nlc-<pid>-<n>-root`; each namespace of its `# netns:` header maps to `nlc-<pid>-<n>-ns-<name>`.
Commands are translated onto those names (conform/sandbox.py: translate_command); anything that
would act outside them, or is not on the allow-list, is refused: not run, REFUSED_RC and a
message.

Per case:
  1. `ip netns add` the root; open a link monitor in it (pyroute2 IPRoute bound to
     RTNLGRP_LINK inside the namespace, then read raw so no message is lost or reordered).
  2. For each step: run it (or refuse it); if it deleted a namespace, wait (at most 3 s) until
     the devices elsewhere whose peer lived there are gone, since cleanup_net() runs later from
     a workqueue; then flush linkwatch by an RTM_GETLINK of every device (rtnl_getlink() calls
     linkwatch_sync_dev(), so carrier and operstate changes the kernel would deliver up to a
     second later land in this step, as the model delivers them at once); drain the monitors;
     dump `ip -j -d link show` of every case namespace.
  3. Always, also on an exception, KeyboardInterrupt, SIGTERM or SIGHUP: close the monitors,
     `ip netns del` every namespace made, and check `ip netns list` shows none of them.
Nothing runs in the host namespace but `ip netns add/del` of these names and reads.
"""

from __future__ import annotations

import atexit
import contextlib
import itertools
import json
import os
import signal
import socket
import subprocess
import threading
import time
from typing import Any

from pyroute2 import IPRoute
from pyroute2.netlink.exceptions import NetlinkError
from pyroute2.netlink.rtnl import RTMGRP_LINK
from pyroute2.netlink.rtnl.marshal import MarshalRtnl

from netlife.conform.case import Case
from netlife.conform.sandbox import (
    SLEEP_CAP,
    NamespaceMap,
    Plan,
    Refused,
    refused_step,
    table,
    translate_command,
    used_kinds,
)
from netlife.conform.target import ROOT_NETNS, Observation, StepObservation
from netlife.kernel import if_link

# Re-exported: the sandbox's names are part of this target's interface (tests, callers).
__all__ = [
    "SLEEP_CAP",
    "CaseRun",
    "CleanupError",
    "KernelTarget",
    "NamespaceMap",
    "Plan",
    "Refused",
    "translate_command",
    "used_kinds",
]

IP_TIMEOUT = 20.0  # seconds one `ip` command may take before the case fails
NETNS_DEL_SETTLE = 3.0  # bound on waiting for cleanup_net() after `ip netns del`
NLMSG_TYPES = {16: "RTM_NEWLINK", 17: "RTM_DELLINK"}
AF_BRIDGE = 7
LINK_TYPES = {1: "ether", 772: "loopback", 65534: "none"}
# print_link_flags() (iproute2 ip/ipaddress.c): the order flag names are printed in.
FLAG_ORDER = table(
    "LOOPBACK BROADCAST POINTOPOINT MULTICAST NOARP ALLMULTI PROMISC NOTRAILERS DEBUG DYNAMIC"
    " AUTOMEDIA PORTSEL MASTER SLAVE UP LOWER_UP DORMANT ECHO"
)
ENV = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL": "C"}

# Real namespaces made and not yet deleted → the pid that made them. Module-level on purpose: the
# atexit hook must find them whichever target or thread made them; the pid keeps a forked child
# that exits normally from deleting its parent's namespaces.
LIVE_NAMESPACES: dict[str, int] = {}
_counter = itertools.count(1)


class CleanupError(Exception):
    """Raised by KernelTarget.run_case when a namespace it made is still listed afterwards."""


def run_ip(argv: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        argv,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=IP_TIMEOUT,
        env=ENV,
        check=False,
    )


def delete_namespaces(names: list[str]) -> list[str]:
    """`ip netns del` each name; return those `ip netns list` still shows."""
    for name in names:
        run_ip(["ip", "netns", "del", name])
        LIVE_NAMESPACES.pop(name, None)
    listed = {line.split()[0] for line in run_ip(["ip", "netns", "list"]).stdout.splitlines()}
    return [name for name in names if name in listed]


def sweep_dead_runs() -> list[str]:
    """Delete `nlc-<pid>-…` namespaces whose pid is gone: what a killed in-process run (a test
    session killed with SIGKILL) left behind. Names of live processes are left alone."""
    swept = []
    for line in run_ip(["ip", "netns", "list"]).stdout.splitlines():
        name = line.split()[0] if line.split() else ""
        parts = name.split("-")
        if len(parts) < 3 or parts[0] != "nlc" or not parts[1].isdigit():
            continue
        pid = int(parts[1])
        if pid == os.getpid() or _alive(pid):
            continue
        run_ip(["ip", "netns", "del", name])
        swept.append(name)
    return swept


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _delete_live_at_exit() -> None:
    delete_namespaces(sorted(n for n, pid in LIVE_NAMESPACES.items() if pid == os.getpid()))


atexit.register(_delete_live_at_exit)


def _interrupted(owner: int) -> Any:
    """A SIGTERM/SIGHUP handler that unwinds the run (so its cleanup runs) in process `owner`.

    pyroute2 forks helpers to open sockets inside a namespace and stops them with SIGTERM; a
    fork inherits this handler, and must just exit there, never unwind into the copy of our
    stack (whose cleanup would delete the namespaces the parent still uses).
    """

    def handler(signum: int, frame: Any) -> None:
        if os.getpid() != owner:
            os._exit(128 + signum)
        raise KeyboardInterrupt(f"signal {signum}")

    return handler


class NamespaceWatch:
    """A link monitor and a request socket inside one real namespace."""

    def __init__(self, real: str) -> None:
        ipr = IPRoute(netns=real)
        try:
            ipr.bind(groups=RTMGRP_LINK)
            # Read the bound socket ourselves: pyroute2's reader can hold messages back from
            # select(), and a dup keeps the membership after the IPRoute object is closed.
            self.sock = socket.socket(fileno=os.dup(ipr.fileno()))
        finally:
            ipr.close()
        self.sock.setblocking(False)
        self.query = IPRoute(netns=real)
        self.marshal = MarshalRtnl()

    def drain(self) -> list[Any]:
        messages = []
        while True:
            try:
                data = self.sock.recv(1 << 18)
            except BlockingIOError:
                return messages
            messages.extend(self.marshal.parse(data))

    def sync_linkwatch(self) -> None:
        for msg in self.query.link("dump"):
            with contextlib.suppress(NetlinkError):
                self.query.link("get", index=msg["index"])

    def close(self) -> None:
        self.sock.close()
        self.query.close()


def link_json(msg: Any, names: dict[int, str]) -> dict[str, Any]:
    """An RTM_*LINK message in `ip -j -d link show` keys (print_linkinfo's fields we compare).

    M-DOWN is left out: it depends on the lower device's state when iproute2 prints.
    """
    get = msg.get_attr
    flags = msg["flags"]
    up, running = if_link.IFF_UP, if_link.IFF_RUNNING
    names_out = ["NO-CARRIER"] if flags & up and not flags & running else []
    names_out += [name for name in FLAG_ORDER if flags & getattr(if_link, f"IFF_{name}")]
    out: dict[str, Any] = {"ifindex": msg["index"], "ifname": get("IFLA_IFNAME")}
    iflink = get("IFLA_LINK")
    if iflink is not None:
        if iflink == 0:
            out["link"] = None
        elif get("IFLA_LINK_NETNSID") is not None:
            out["link_index"] = iflink
        else:
            out["link"] = names.get(iflink, f"if{iflink}")
    out["flags"] = names_out
    for key, attr in (("mtu", "IFLA_MTU"), ("qdisc", "IFLA_QDISC")):
        if get(attr) is not None:
            out[key] = get(attr)
    if get("IFLA_MASTER"):
        out["master"] = names.get(get("IFLA_MASTER"), f"if{get('IFLA_MASTER')}")
    if get("IFLA_OPERSTATE") is not None:
        out["operstate"] = get("IFLA_OPERSTATE")
    group = get("IFLA_GROUP")
    if group is not None:
        out["group"] = "default" if group == 0 else str(group)  # rtnl_group_n2a: a string
    if get("IFLA_TXQLEN") is not None:
        out["txqlen"] = get("IFLA_TXQLEN")
    out["link_type"] = LINK_TYPES.get(msg["ifi_type"], str(msg["ifi_type"]))
    for key, attr in (
        ("address", "IFLA_ADDRESS"),
        ("broadcast", "IFLA_BROADCAST"),
        ("link_netnsid", "IFLA_LINK_NETNSID"),
        ("promiscuity", "IFLA_PROMISCUITY"),
        ("min_mtu", "IFLA_MIN_MTU"),
        ("max_mtu", "IFLA_MAX_MTU"),
    ):
        if get(attr) is not None:
            out[key] = get(attr)
    info = get("IFLA_LINKINFO")
    if info is not None:
        linkinfo = {}
        for key, attr in (
            ("info_kind", "IFLA_INFO_KIND"),
            ("info_slave_kind", "IFLA_INFO_SLAVE_KIND"),
        ):
            if info.get_attr(attr) is not None:
                linkinfo[key] = info.get_attr(attr)
        out["linkinfo"] = linkinfo
    for key, attr in (
        ("num_tx_queues", "IFLA_NUM_TX_QUEUES"),
        ("num_rx_queues", "IFLA_NUM_RX_QUEUES"),
    ):
        if get(attr) is not None:
            out[key] = get(attr)
    return out


def modelled_kinds() -> set[str]:
    """The link kinds of the model's drivers table (their `rtnl-link-KIND` aliases)."""
    from netlife.scenario.machine import module_table

    return {
        alias.removeprefix("rtnl-link-")
        for spec in module_table().values()
        for alias in spec.aliases
        if alias.startswith("rtnl-link-")
    }


class KernelTarget:
    """Runs cases on this machine's kernel, in namespaces it makes and always removes."""

    name = "kernel"

    def __init__(self) -> None:
        self.kinds: dict[str, bool] = {}  # link kind → whether this kernel has it (probed)
        self.swept = sweep_dead_runs()

    def run_case(self, case: Case) -> Observation:
        if case.model_only:
            return Observation(case.name, self.name, skipped=f"model-only: {case.model_only}")
        # A kind no Linux driver of the model has either (a typo, `type nosuchkind`) is an
        # error path both sides must show; only kinds Linux has but this kernel lacks skip.
        linux = modelled_kinds()
        missing = [k for k in used_kinds(case) if k in linux and not self.has_kind(k)]
        if missing:
            reason = f"this kernel lacks link kind {', '.join(missing)}"
            return Observation(case.name, self.name, skipped=reason)
        names = NamespaceMap.for_case(case, os.getpid(), next(_counter))
        run = CaseRun(case, names, self.name)
        previous = self._trap_signals()
        try:
            return run.execute()
        finally:
            try:
                left = run.cleanup()
            finally:
                self._restore_signals(previous)
            if left:
                raise CleanupError(f"namespaces still listed after cleanup: {', '.join(left)}")

    def has_kind(self, kind: str) -> bool:
        """Whether the kernel knows this link kind: ask for one in a scratch namespace.

        Only the kind is sent, so a kind that exists fails on its missing arguments (or is made
        and thrown away with the namespace); a missing one fails with EOPNOTSUPP.
        """
        if kind not in self.kinds:
            real = f"nlc-{os.getpid()}-{next(_counter)}-probe"
            LIVE_NAMESPACES[real] = os.getpid()
            try:
                run_ip(["ip", "netns", "add", real])
                with IPRoute(netns=real) as ipr:
                    try:
                        ipr.link("add", ifname="nlcprobe", kind=kind)
                        self.kinds[kind] = True
                    except NetlinkError as err:
                        self.kinds[kind] = err.code != 95  # EOPNOTSUPP: "Unknown device type"
            finally:
                delete_namespaces([real])
        return self.kinds[kind]

    @staticmethod
    def _trap_signals() -> dict[int, Any]:
        if threading.current_thread() is not threading.main_thread():
            return {}
        handler = _interrupted(os.getpid())
        return {sig: signal.signal(sig, handler) for sig in (signal.SIGTERM, signal.SIGHUP)}

    @staticmethod
    def _restore_signals(previous: dict[int, Any]) -> None:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


class CaseRun:
    """One case on the real kernel: its namespaces, monitors and the observation so far."""

    def __init__(self, case: Case, names: NamespaceMap, target: str) -> None:
        self.case = case
        self.names = names
        self.obs = Observation(case.name, target)
        self.made: list[str] = []  # real names, in creation order
        self.watches: dict[str, NamespaceWatch] = {}  # case name → watch, existing ones only
        self.last_dumps: dict[str, list[dict[str, Any]]] = {}

    def execute(self) -> Observation:
        self.add_namespace(ROOT_NETNS)
        self.obs.initial = self.dump_all()
        self.last_dumps = self.obs.initial
        for index, step in enumerate(self.case.steps):
            result = self.run_step(step.argv)
            result.command = step.text
            self.observe(index, result)
            self.obs.steps.append(result)
        return self.obs

    # -- namespaces ---------------------------------------------------------------------------

    def add_namespace(self, name: str) -> subprocess.CompletedProcess[str]:
        real = self.names.real(name)
        LIVE_NAMESPACES[real] = (
            os.getpid()
        )  # before the add, so an interrupt in between still cleans up
        self.made.append(real)
        done = run_ip(["ip", "netns", "add", real])
        if done.returncode == 0:
            self.watches[name] = NamespaceWatch(real)
        elif name == ROOT_NETNS:
            raise RuntimeError(f"cannot make the case namespace {real}: {done.stderr.strip()}")
        return done

    def delete_namespace(self, name: str) -> subprocess.CompletedProcess[str]:
        real = self.names.real(name)
        peers = self.peers_of(name)
        watch = self.watches.pop(name, None)
        if watch is not None:  # our sockets would keep the namespace alive
            watch.drain()  # stragglers of earlier steps; nothing of this step has run yet
            watch.close()
        done = run_ip(["ip", "netns", "del", real])
        if done.returncode == 0:
            LIVE_NAMESPACES.pop(real, None)
            self.wait_cleanup(peers)
        elif watch is not None:
            self.watches[name] = NamespaceWatch(real)
        return done

    def peers_of(self, name: str) -> dict[str, set[int]]:
        """Devices elsewhere linked into `name` (veth peers): its cleanup_net() removes them."""
        found: dict[str, set[int]] = {}
        for other in self.watches:
            if other == name:
                continue
            listed = run_ip(["ip", "-n", self.names.real(other), "-j", "netns", "list-id"])
            for entry in json.loads(listed.stdout or "[]"):
                if entry.get("name") == self.names.real(name):
                    linked = {
                        dev["ifindex"]
                        for dev in self.last_dumps.get(other, [])
                        if dev.get("link_netnsid") == entry["nsid"]
                    }
                    if linked:
                        found[other] = linked
        return found

    def wait_cleanup(self, peers: dict[str, set[int]]) -> None:
        deadline = time.monotonic() + NETNS_DEL_SETTLE
        while peers and time.monotonic() < deadline:
            time.sleep(0.02)
            for other in list(peers):
                present = {dev["ifindex"] for dev in self.dump(other)}
                if not peers[other] & present:
                    del peers[other]

    # -- steps --------------------------------------------------------------------------------

    def run_step(self, argv: tuple[str, ...]) -> StepObservation:
        try:
            plan = translate_command(argv, self.names)
        except Refused as refusal:
            return refused_step(refusal)
        return self.perform(plan)

    def perform(self, plan: Plan) -> StepObservation:
        if plan.kind == "builtin":
            if plan.seconds:
                time.sleep(plan.seconds)
            return StepObservation("", plan.rc, plan.stdout, plan.stderr)
        if plan.kind == "netns-add":
            done = self.add_namespace(plan.netns)
        elif plan.kind == "netns-del":
            done = self.delete_namespace(plan.netns)
        else:
            done = run_ip(list(plan.argv))
        stdout = done.stdout
        if plan.kind == "netns-list":
            stdout = self.names.list_back(stdout)
        return StepObservation(
            "", done.returncode, self.names.text_back(stdout), self.names.text_back(done.stderr)
        )

    def observe(self, index: int, result: StepObservation) -> None:
        for watch in self.watches.values():
            watch.sync_linkwatch()
        self.collect(index)
        result.dumps = self.dump_all()
        self.last_dumps = result.dumps

    def collect(self, index: int) -> None:
        for name in self.names.order:
            watch = self.watches.get(name)
            if watch is None:
                continue
            known = {dev["ifindex"]: dev["ifname"] for dev in self.last_dumps.get(name, [])}
            for msg in watch.drain():
                event = NLMSG_TYPES.get(msg["header"]["type"])
                if event is None:
                    continue
                if msg.get_attr("IFLA_IFNAME"):
                    known[msg["index"]] = msg.get_attr("IFLA_IFNAME")
                family = msg["family"]
                self.obs.events.append(
                    {
                        "step": index,
                        "netns": name,
                        "event": event,
                        "family": "bridge" if family == AF_BRIDGE else (family or None),
                        "ifindex": msg["index"],
                        "ifname": msg.get_attr("IFLA_IFNAME"),
                        "link": json.loads(self.names.text_back(json.dumps(link_json(msg, known)))),
                    }
                )

    def dump(self, name: str) -> list[dict[str, Any]]:
        done = run_ip(["ip", "-n", self.names.real(name), "-j", "-d", "link", "show"])
        if done.returncode != 0:
            raise RuntimeError(f"cannot list links of {name}: {done.stderr.strip()}")
        links = json.loads(self.names.text_back(done.stdout))
        done = run_ip(["ip", "-n", self.names.real(name), "-j", "addr", "show"])
        if done.returncode != 0:
            raise RuntimeError(f"cannot list addresses of {name}: {done.stderr.strip()}")
        addrs = {e["ifindex"]: e.get("addr_info", []) for e in json.loads(done.stdout)}
        for entry in links:
            entry["addr_info"] = addrs.get(entry["ifindex"], [])
        return links

    def dump_all(self) -> dict[str, list[dict[str, Any]]]:
        return {name: self.dump(name) for name in self.names.order if name in self.watches}

    def cleanup(self) -> list[str]:
        for watch in self.watches.values():
            with contextlib.suppress(OSError):
                watch.close()
        self.watches.clear()
        left = delete_namespaces(list(reversed(self.made)))
        if left:
            time.sleep(0.2)
            left = delete_namespaces(left)
        return left
