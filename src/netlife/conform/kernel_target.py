"""The real kernel as a conformance target: each case in throwaway network namespaces.

A case's root namespace (`init_net` in observations) is a fresh namespace named
`nlc-<pid>-<n>-root`; each namespace of its `# netns:` header maps to `nlc-<pid>-<n>-ns-<name>`.
Commands are translated onto those names (translate_command); anything that would act outside
them, or is not on the allow-list, is refused: not run, REFUSED_RC and a message.

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
import re
import signal
import socket
import subprocess
import threading
import time
from dataclasses import dataclass
from typing import Any

from pyroute2 import IPRoute
from pyroute2.netlink.exceptions import NetlinkError
from pyroute2.netlink.rtnl import RTMGRP_LINK
from pyroute2.netlink.rtnl.marshal import MarshalRtnl

from netlife.conform.case import Case
from netlife.conform.target import REFUSED_RC, ROOT_NETNS, Observation, StepObservation
from netlife.kernel import if_link


def table(text: str) -> tuple[str, ...]:
    """A word table written as one string, as iproute2's source lists them."""
    return tuple(text.split())


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


# -- translating a case line onto the real names ------------------------------------------------


SLEEP_CAP = 2.0  # seconds: a case's `sleep` waits for real, but never longer than this
# ip's global options a case may use: those taking no value, and those taking one.
IP_FLAGS = frozenset(
    table(
        "-j -json -d -details -s -stats -statistics -p -pretty -o -oneline -br -bri -brie -brief"
        " -4 -6 -0 -c -color -force -t -timestamp -ts -tshort -r -resolve -N -Numeric -h -human"
        " -iec -echo"
    )
)
IP_VALUED = frozenset(table("-f -family -rc -rcvbuf -l -loops"))
IP_NETNS_OPTIONS = frozenset(table("-n -ne -net -netn -netns"))
# ip's objects in the order do_cmd() tries them, so abbreviations resolve as ip resolves them.
IP_OBJECTS = table(
    "address addrlabel maddress route rule neighbor neighbour ntable ntbl link l2tp fou ila"
    " macsec tunnel tuntap tap token tcpmetrics tcp_metrics monitor xfrm mroute mrule netns"
    " netconf vrf sr nexthop mptcp ioam stats help"
)
ALLOWED_OBJECTS = frozenset(
    table(
        "address addrlabel maddress route rule neighbor neighbour ntable ntbl link tunnel tuntap"
        " tap netns netconf nexthop stats help"
    )
)
# do_netns()'s subcommands in the order it tries them.
NETNS_SUBCOMMANDS = table(
    "list show lst list-id help add set delete identify pids exec monitor attach"
)
XDP_WORDS = frozenset(("xdp", "xdpgeneric", "xdpdrv", "xdpoffload"))
SYSFS_NET = re.compile(r"^/sys/class/net/[A-Za-z0-9_.:@-]+(/[A-Za-z0-9_.:-]+)*$")
SLEEP_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


class Refused(Exception):
    """Raised by translate_command for a line the real side will not run; the text says why."""


@dataclass(frozen=True, slots=True)
class NamespaceMap:
    """Case namespace names (init_net and the netns header) and the real names standing for them."""

    mapping: dict[str, str]
    order: tuple[str, ...]  # init_net, then the header's order

    @classmethod
    def for_case(cls, case: Case, pid: int, serial: int) -> NamespaceMap:
        base = f"nlc-{pid}-{serial}"
        mapping = {ROOT_NETNS: f"{base}-root"}
        mapping.update({name: f"{base}-ns-{name}" for name in case.netns})
        return cls(mapping, (ROOT_NETNS, *case.netns))

    def real(self, name: str) -> str:
        return self.mapping[name]

    def check(self, name: str) -> str:
        """The real name for a namespace a command names; Refused unless the case declared it."""
        if name.isdigit():
            raise Refused(f"netns {name} names a process, not a namespace of the case")
        if name == ROOT_NETNS or name not in self.mapping:
            raise Refused(f"namespace {name!r} is not declared in the case's netns header")
        return self.mapping[name]

    def text_back(self, text: str) -> str:
        """Output with the real names turned back into case names (longest first)."""
        for name, real in sorted(self.mapping.items(), key=lambda item: -len(item[1])):
            text = text.replace(real, name)
        return text

    def list_back(self, text: str) -> str:
        """`ip netns list` output cut down to the case's own namespaces."""
        ours = {real for name, real in self.mapping.items() if name != ROOT_NETNS}
        kept = [
            line for line in text.splitlines(True) if line.split()[:1] and line.split()[0] in ours
        ]
        return "".join(kept)


@dataclass(frozen=True, slots=True)
class Plan:
    """What to do for one case line: run argv, manage a namespace, or answer in-process."""

    kind: str  # "run" | "netns-add" | "netns-del" | "netns-list" | "builtin"
    argv: tuple[str, ...] = ()
    netns: str = ROOT_NETNS  # the case namespace the line acts in (or adds / deletes)
    rc: int = 0
    stdout: str = ""
    stderr: str = ""
    seconds: float = 0.0


def resolve(word: str, table: tuple[str, ...] | list[str]) -> str | None:
    """iproute2's matches(): the first table entry the word abbreviates."""
    return next((entry for entry in table if word and entry.startswith(word)), None)


def translate_command(argv: tuple[str, ...], names: NamespaceMap, netns: str = ROOT_NETNS) -> Plan:
    """Map one case line, run from case namespace `netns`, onto the real names; Refused if it
    would reach outside the case or is not on the allow-list."""
    command, args = argv[0], argv[1:]
    if command == "ip":
        return translate_ip(args, names, netns)
    if command in ("true", "false"):
        return Plan("builtin", rc=0 if command == "true" else 1)
    if command == "echo":
        newline = not args or args[0] != "-n"
        words = args if newline else args[1:]
        return Plan("builtin", stdout=" ".join(words) + ("\n" if newline else ""))
    if command == "sleep":
        return translate_sleep(args)
    if command == "cat":
        bad = [path for path in args if not SYSFS_NET.match(path) or "/../" in path + "/"]
        if not args or bad:
            raise Refused("cat reads only /sys/class/net/... files inside a case namespace")
        return Plan("run", ("ip", "netns", "exec", names.real(netns), "cat", *args), netns)
    raise Refused(
        f"{command!r} is not on the allow-list: ip, sleep, echo, true, false, cat /sys/class/net"
    )


def translate_sleep(args: tuple[str, ...]) -> Plan:
    total = 0.0
    for arg in args:
        match = re.fullmatch(r"(\d+(?:\.\d*)?|\.\d+)([smhd]?)", arg)
        if not match:
            return Plan("builtin", rc=1, stderr=f"sleep: invalid time interval '{arg}'\n")
        total += float(match.group(1)) * SLEEP_UNITS[match.group(2)]
    if not args:
        return Plan("builtin", rc=1, stderr="sleep: missing operand\n")
    return Plan("builtin", seconds=min(total, SLEEP_CAP))


def translate_ip(args: tuple[str, ...], names: NamespaceMap, netns: str) -> Plan:
    options: list[str] = []
    i = 0
    while i < len(args) and args[i].startswith("-"):
        option = args[i]
        if option in IP_NETNS_OPTIONS and i + 1 < len(args):
            names.check(args[i + 1])
            netns, i = args[i + 1], i + 2
            continue
        if "-batch".startswith(option):
            raise Refused("ip -batch reads a file this case did not create")
        if option in IP_FLAGS:
            options.append(option)
        elif option in IP_VALUED and i + 1 < len(args):
            options += [option, args[i + 1]]
            i += 1
        else:
            raise Refused(f"ip option {option!r} is not on the allow-list")
        i += 1
    rest = args[i:]
    obj = resolve(rest[0], IP_OBJECTS) if rest else None
    if rest and obj is not None and obj not in ALLOWED_OBJECTS:
        raise Refused(f"ip {obj} is not on the allow-list")
    if obj == "netns":
        return translate_netns(rest[1:], names, netns, options)
    words = list(rest)
    for j, word in enumerate(words[:-1]):
        if word in ("netns", "link-netns"):
            words[j + 1] = names.check(words[j + 1])
    if obj == "link" and XDP_WORDS.intersection(words):
        raise Refused("ip link ... xdp loads a BPF object from a file")
    return Plan("run", ("ip", "-n", names.real(netns), *options, *words), netns)


def translate_netns(
    args: tuple[str, ...], names: NamespaceMap, netns: str, options: list[str]
) -> Plan:
    sub = resolve(args[0], NETNS_SUBCOMMANDS) if args else "list"
    here = ("ip", "-n", names.real(netns), *options, "netns")
    if sub in ("list", "show", "lst"):
        return Plan("netns-list", (*here, "list"), netns)
    if sub in ("list-id", "help"):
        return Plan("run", (*here, *args), netns)
    if sub in ("add", "delete") and len(args) == 2:
        names.check(args[1])
        return Plan("netns-add" if sub == "add" else "netns-del", netns=args[1])
    if sub == "set" and len(args) >= 2:
        return Plan("run", (*here, "set", names.check(args[1]), *args[2:]), netns)
    if sub == "exec" and len(args) >= 3:
        names.check(args[1])
        return translate_command(args[2:], names, args[1])
    raise Refused(f"ip netns {' '.join(args[:1])} acts outside the case's namespaces")


def used_kinds(case: Case) -> list[str]:
    """The link kinds a case creates (`ip link add ... type KIND`, `ip tuntap` → tun)."""
    kinds: list[str] = []
    for step in case.steps:
        argv = step.argv
        if argv[0] != "ip":
            continue
        found = [argv[j + 1] for j, w in enumerate(argv[:-1]) if w == "type" and "add" in argv]
        if any(
            resolve(w, IP_OBJECTS) in ("tuntap", "tap") for w in argv[1:3] if not w.startswith("-")
        ):
            found = ["tun"]
        kinds += [kind for kind in found if kind not in kinds]
    return kinds


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
        out["group"] = "default" if group == 0 else group
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


class KernelTarget:
    """Runs cases on this machine's kernel, in namespaces it makes and always removes."""

    name = "kernel"

    def __init__(self) -> None:
        self.kinds: dict[str, bool] = {}  # link kind → whether this kernel has it (probed)

    def run_case(self, case: Case) -> Observation:
        if case.model_only:
            return Observation(case.name, self.name, skipped=f"model-only: {case.model_only}")
        missing = [kind for kind in used_kinds(case) if not self.has_kind(kind)]
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
            message = f"netlife conform: refused: {refusal}\n"
            return StepObservation("", REFUSED_RC, "", message, refused=True)
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
        return json.loads(self.names.text_back(done.stdout))

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
