"""The case's sandbox: which lines the real side runs, and onto which real names.

A case names namespaces by its own names (`init_net`, and those of its `# netns:` header); on
the real kernel each stands for a throwaway namespace (NamespaceMap). translate_command maps one
case line onto those real names, or raises Refused when the line would reach outside the case
or is not on the allow-list. Pure: nothing here runs a command, so the model target asks the
same questions and refuses the same lines (conform/model_target.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from netlife.conform.case import Case
from netlife.conform.target import REFUSED_RC, ROOT_NETNS, StepObservation


def table(text: str) -> tuple[str, ...]:
    """A word table written as one string, as iproute2's source lists them."""
    return tuple(text.split())


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


def refused_step(refusal: Refused) -> StepObservation:
    """What a target reports for a line it would not run (both targets say it alike)."""
    message = f"netlife conform: refused: {refusal}\n"
    return StepObservation("", REFUSED_RC, "", message, refused=True)


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
