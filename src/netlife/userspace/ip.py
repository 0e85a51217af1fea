"""The `ip` command of iproute2 6.1: global options, object dispatch, -batch, netlink errors.

Mirrors iproute2 v6.1.0 ip/ip.c (main's option loop, do_cmd with matches() abbreviations,
batch), lib/utils.c (matches, get_integer / get_unsigned, invarg / duparg / nodev and the
other usage errors that exit(-1), do_batch / makeargs), lib/ll_map.c (ll_name_to_index) and
lib/libnetlink.c (rtnl_talk's error report: the extack message as `Error: <msg>.`, else
`RTNETLINK answers: <strerror>`).

Exit statuses follow the C code: an object handler's negative return becomes its absolute
value (do_cmd negates it), exit(-1) is 255. Requests go to kernel/rtnetlink.py as IfInfoMsg;
every argument is checked before anything is sent, so bad input changes nothing. The objects
live in ip_link.py, ip_netns.py, ip_monitor.py and ip_tuntap.py.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from netlife.kernel.errors import KernelError, strerror
from netlife.kernel.if_link import NLM_F_DUMP, IfInfoMsg

if TYPE_CHECKING:
    from netlife.kernel.net_namespace import Net
    from netlife.userspace.host import Host, Proc

INT_MIN = -(2**31)
INT_MAX = 2**31 - 1
UINT_MAX = 2**32 - 1
IFNAMSIZ = 16

IP_USAGE = """\
Usage: ip [ OPTIONS ] OBJECT { COMMAND | help }
       ip [ -force ] -batch filename
where  OBJECT := { address | addrlabel | amt | fou | help | ila | ioam | l2tp |
                   link | macsec | maddress | monitor | mptcp | mroute | mrule |
                   neighbor | neighbour | netconf | netns | nexthop | ntable |
                   ntbl | route | rule | sr | tap | tcpmetrics |
                   token | tunnel | tuntap | vrf | xfrm }
       OPTIONS := { -V[ersion] | -s[tatistics] | -d[etails] | -r[esolve] |
                    -h[uman-readable] | -iec | -j[son] | -p[retty] |
                    -f[amily] { inet | inet6 | mpls | bridge | link } |
                    -4 | -6 | -M | -B | -0 |
                    -l[oops] { maximum-addr-flush-attempts } | -br[ief] |
                    -o[neline] | -t[imestamp] | -ts[hort] | -b[atch] [filename] |
                    -rc[vbuf] [size] | -n[etns] name | -N[umeric] | -a[ll] |
                    -c[olor]}
"""

AF_UNSPEC, AF_INET, AF_BRIDGE, AF_INET6, AF_PACKET, AF_MPLS = 0, 2, 7, 10, 17, 28
FAMILIES = {"inet": AF_INET, "inet6": AF_INET6, "bridge": AF_BRIDGE, "mpls": AF_MPLS}
FAMILIES |= {"link": AF_PACKET}


class IpExit(Exception):
    """exit(status) inside iproute2: the whole `ip` process ends (a -batch run too)."""

    def __init__(self, status: int) -> None:
        super().__init__(status)
        self.status = status & 0xFF


@dataclass
class IpRun:
    """One `ip` process: its global options and the namespace it runs in (-n switches it)."""

    proc: Proc
    net: Net
    json: int = 0
    pretty: int = 0
    details: int = 0
    stats: int = 0
    oneline: int = 0
    brief: int = 0
    force: int = 0
    family: int = AF_UNSPEC
    do_all: bool = False
    batch_mode: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def host(self) -> Host:
        return self.proc.host

    def out(self, text: str) -> None:
        self.proc.write(text)

    def err(self, text: str) -> None:
        self.proc.err.append(text)


# -- lib/utils.c ------------------------------------------------------------------------------


def matches(cmd: str, pattern: str) -> bool:
    """lib/utils.c:matches: cmd is a prefix of pattern (the empty word matches everything)."""
    return len(cmd) <= len(pattern) and pattern.startswith(cmd)


def c_strtol(arg: str, base: int = 0) -> int | None:
    """strtol/strtoul over the whole word: sign, 0x / 0 prefixes for base 0; None if garbage."""
    s = arg.strip(" \t\n\v\f\r") if arg[:1].isspace() else arg
    if not s:
        return None
    sign = 1
    if s[0] in "+-":
        sign = -1 if s[0] == "-" else 1
        s = s[1:]
    if base == 0:
        if s[:2].lower() == "0x" and len(s) > 2:
            base, s = 16, s[2:]
        elif s.startswith("0") and len(s) > 1:
            base, s = 8, s[1:]
        else:
            base = 10
    try:
        return sign * int(s, base) if s and s.isalnum() else None
    except ValueError:
        return None


def get_integer(arg: str, base: int = 0) -> int | None:
    val = c_strtol(arg, base)
    return val if val is not None and INT_MIN <= val <= INT_MAX else None


def get_unsigned(arg: str, base: int = 0, limit: int = UINT_MAX) -> int | None:
    """get_unsigned / get_u32 / get_u16 / get_u8 (strtoul: a leading '-' wraps, then fails)."""
    val = c_strtol(arg, base)
    if val is None:
        return None
    if val < 0:
        val += 2**64
    return val if val <= limit else None


def check_ifname(name: str) -> bool:
    """lib/utils.c:check_ifname (as dev_valid_name): True when the name is acceptable."""
    return len(name) < IFNAMSIZ and check_altifname(name)


def check_altifname(name: str) -> bool:
    return bool(name) and not any(c == "/" or c.isspace() for c in name)


def usage_exit(run: IpRun, text: str) -> None:
    run.err(text)
    raise IpExit(-1)


def incomplete_command(run: IpRun) -> None:
    usage_exit(run, 'Command line is not complete. Try option "help"\n')


def invarg(run: IpRun, msg: str, arg: str) -> None:
    usage_exit(run, f'Error: argument "{arg}" is wrong: {msg}\n')


def duparg(run: IpRun, key: str, arg: str) -> None:
    usage_exit(run, f'Error: duplicate "{key}": "{arg}" is the second value.\n')


def duparg2(run: IpRun, key: str, arg: str) -> None:
    usage_exit(run, f'Error: either "{key}" is duplicate, or "{arg}" is a garbage.\n')


def missarg(run: IpRun, key: str) -> None:
    usage_exit(run, f'Error: argument "{key}" is required\n')


def nodev(run: IpRun, dev: str) -> int:
    run.err(f'Cannot find device "{dev}"\n')
    return -1


class Args:
    """argc/argv with NEXT_ARG: `nxt()` steps on or exits with incomplete_command."""

    def __init__(self, run: IpRun, argv: list[str]) -> None:
        self.run = run
        self.argv = argv
        self.i = 0

    def __bool__(self) -> bool:
        return self.i < len(self.argv)

    @property
    def cur(self) -> str:
        return self.argv[self.i]

    def nxt(self) -> str:
        self.i += 1
        if self.i >= len(self.argv):
            incomplete_command(self.run)
        return self.argv[self.i]

    def next_ok(self) -> bool:
        return self.i + 1 < len(self.argv)

    def step(self) -> None:
        self.i += 1

    def rest(self) -> list[str]:
        return self.argv[self.i :]


# -- talking to the kernel -------------------------------------------------------------------


def rtnl_talk(run: IpRun, request: Callable[[Net, IfInfoMsg], Any], msg: IfInfoMsg) -> Any:
    """Send one request; on error print it as libnetlink does and raise TalkError."""
    try:
        return request(run.net, msg)
    except KernelError as err:
        print_talk_error(run, err)
        raise TalkError(err) from None


class TalkError(Exception):
    """The kernel refused a request; the error text is already printed."""

    def __init__(self, err: KernelError) -> None:
        super().__init__(err.errno)
        self.error = err


def print_talk_error(run: IpRun, err: KernelError) -> None:
    """rtnl_talk_error: the extack message (period appended) or perror's text."""
    if err.extack:
        msg = err.extack
        run.err(f"Error: {msg}{'' if msg.endswith('.') else '.'}\n")
    else:
        run.err(f"RTNETLINK answers: {strerror(err.errno)}\n")


def link_dump(net: Net) -> list[IfInfoMsg]:
    from netlife.kernel.rtnetlink import rtnl_getlink

    return rtnl_getlink(net, IfInfoMsg(nlmsg_flags=NLM_F_DUMP))


def ll_name_to_index(run: IpRun, name: str) -> int:
    """lib/ll_map.c:ll_name_to_index: a name or altname, else "ifN" taken as index N."""
    dev = run.net.dev_get_by_name(name)
    if dev is not None:
        return dev.ifindex
    if name.startswith("if"):
        idx = get_unsigned(name[2:], 10)
        if idx is not None and name[2:].isdigit():
            return idx
    return 0


def nsid_names(host: Host, net: Net) -> dict[int, str]:
    """get_name_from_nsid's map: the ids the named namespaces have as seen from `net`."""
    out: dict[int, str] = {}
    for name, other in host.netns.items():
        nsid = net.peernet2id(other)
        if nsid >= 0 and nsid not in out:
            out[nsid] = name
    return out


def print_context(host: Host, net: Net, msgs: list[IfInfoMsg] | None = None):
    """The ifindex cache and netns names `ip` builds for printing links of `net`."""
    from netlife.userspace.ip_print import PrintContext

    return PrintContext.from_links(
        msgs if msgs is not None else link_dump(net), nsid_names(host, net)
    )


def lazy_print_context(host: Host, net: Net):
    """The cache `ip link show DEV` has: empty, each index it needs fetched on a miss
    (lib/ll_map.c:ll_link_get), so one device costs one lookup, not a dump of all."""
    from netlife.kernel.rtnetlink import rtnl_getlink
    from netlife.userspace.ip_print import PrintContext

    def lookup(ifindex: int) -> IfInfoMsg | None:
        try:
            return rtnl_getlink(net, IfInfoMsg(ifi_index=ifindex))[0]
        except KernelError:
            return None

    return PrintContext(nsid_names=nsid_names(host, net), lookup=lookup)


def link_dump_json(host: Host, net: Net) -> list[dict[str, Any]]:
    """What `ip -j -d link show` prints in `net`, parsed: one dict per link, ifindex order."""
    from netlife.userspace.ip_print import link_json

    msgs = link_dump(net)
    ctx = print_context(host, net, msgs)
    return [link_json(msg, ctx, details=True) for msg in msgs]


# -- ip/ip.c ----------------------------------------------------------------------------------


# ip/ip.c:cmds[] in its order (the first object a word abbreviates wins); None marks the
# objects the model does not implement.
_OBJECT_NAMES_TEXT = """
    address addrlabel maddress route rule neighbor neighbour ntable ntbl link l2tp fou ila
    macsec tunnel tunl tuntap tap token tcpmetrics tcp_metrics monitor xfrm mroute mrule netns
    netconf vrf sr nexthop mptcp ioam help stats
"""
OBJECT_NAMES = tuple(_OBJECT_NAMES_TEXT.split())


def _object_handler(name: str) -> Callable[[IpRun, list[str]], int] | None:
    from netlife.userspace.ip_address import do_ipaddr
    from netlife.userspace.ip_link import do_iplink
    from netlife.userspace.ip_monitor import do_ipmonitor
    from netlife.userspace.ip_netns import do_netns
    from netlife.userspace.ip_route import do_iproute
    from netlife.userspace.ip_tuntap import do_iptuntap

    table = {
        "address": do_ipaddr,
        "route": do_iproute,
        "link": do_iplink,
        "tuntap": do_iptuntap,
        "tap": do_iptuntap,
        "monitor": do_ipmonitor,
        "netns": do_netns,
        "help": do_help,
    }
    return table.get(name)


def do_help(run: IpRun, argv: list[str]) -> int:
    usage_exit(run, IP_USAGE)
    return 0


def do_cmd(run: IpRun, argv: list[str]) -> int:
    """ip/ip.c:do_cmd: the first object the word abbreviates; its status negated."""
    word = argv[0]
    for name in OBJECT_NAMES:
        if matches(word, name):
            func = _object_handler(name)
            if func is None:
                run.err(f'netlife: "ip {name}" is not modelled\n')
                return 1
            return -func(run, argv[1:])
    run.err(f'Object "{word}" is unknown, try "ip help".\n')
    return 1


def makeargs(line: str) -> list[str] | None:
    """lib/utils.c:makeargs: words split on blanks, '…' and "…" quote one word."""
    words: list[str] = []
    i, n = 0, len(line)
    while i < n:
        while i < n and line[i] in " \t\r\n":
            i += 1
        if i >= n:
            break
        if line[i] in "'\"":
            end = line.find(line[i], i + 1)
            if end < 0:
                return None
            words.append(line[i + 1 : end])
            i = end + 1
        else:
            j = i
            while j < n and line[j] not in " \t\r\n":
                j += 1
            words.append(line[i:j])
            i = j
        i += 1
    return words


def batch(run: IpRun, name: str) -> int:
    """ip/ip.c:batch and lib/utils.c:do_batch: each line a command; stop at the first failure
    unless -force. FILE is "-" (standard input) or a file of the host (Host.files)."""
    if name == "-":
        text = run.proc.stdin
    else:
        try:
            text = run.proc.host.read_file_in(run.proc.net, name)
        except KernelError:
            run.err(f'Cannot open file "{name}" for reading: No such file or directory\n')
            return 1
    run.batch_mode = True
    lines = text.splitlines(keepends=True)
    ret = 0
    lineno = 0
    k = 0
    while k < len(lines):
        line = lines[k].split("#", 1)[0]
        k += 1
        lineno += 1
        while line.endswith("\\\n"):
            if k >= len(lines):
                run.err("Missing continuation line\n")
                return ret
            line = line[:-2] + lines[k].split("#", 1)[0]
            k += 1
            lineno += 1
        args = makeargs(line)
        if args is None:
            run.err("Unterminated quoted string\n")
            raise IpExit(1)
        if not args:
            continue
        # CHOICE: the kernel's workqueues (linkwatch, netns cleanup) run beside the batch, and
        # are done by the time the next line's request arrives: work due now runs between
        # lines, as it does between two commands.
        run.host.settle()
        if do_cmd(run, args):
            run.err(f"Command failed {name}:{lineno}\n")
            ret = 1
            if not run.force:
                break
    return ret


def ip_main(proc: Proc, argv: list[str]) -> int:
    """`ip [OPTIONS] OBJECT COMMAND …` → exit status."""
    run = IpRun(proc, proc.net)
    try:
        return _ip_main(run, argv[1:])
    except IpExit as done:
        return done.status


def _ip_main(run: IpRun, args: list[str]) -> int:
    batch_file = None
    while args:
        opt = args[0]
        if opt == "--":
            args = args[1:]
            break
        if not opt.startswith("-"):
            break
        if opt.startswith("--"):
            opt = opt[1:]
        takes = _global_option(run, opt, args)
        if takes == "batch":
            batch_file = args[1]
            args = args[1:]
        elif takes:
            args = args[1:]
        args = args[1:]
    if batch_file is not None:
        return batch(run, batch_file)
    if args:
        return do_cmd(run, args) & 0xFF
    usage_exit(run, IP_USAGE)
    return 255


def _global_option(run: IpRun, opt: str, args: list[str]) -> str | bool:
    """One option of ip.c's loop; True when it consumed the next word."""

    def need_value() -> str:
        if len(args) < 2:
            usage_exit(run, IP_USAGE)
        return args[1]

    if matches(opt, "-loops"):
        need_value()
        return True
    if matches(opt, "-family"):
        value = need_value()
        if value == "help":
            usage_exit(run, IP_USAGE)
        if value not in FAMILIES:
            invarg(run, "invalid protocol family", value)
        run.family = FAMILIES[value]
        return True
    single = {"-4": AF_INET, "-6": AF_INET6, "-0": AF_PACKET, "-M": AF_MPLS, "-B": AF_BRIDGE}
    if opt in single:
        run.family = single[opt]
        return False
    for name in ("-human", "-human-readable", "-iec"):
        if matches(opt, name):
            return False
    if matches(opt, "-stats") or matches(opt, "-statistics"):
        run.stats += 1
    elif matches(opt, "-details"):
        run.details += 1
    elif matches(opt, "-resolve"):
        pass
    elif matches(opt, "-oneline"):
        run.oneline += 1
    elif matches(opt, "-timestamp") or matches(opt, "-tshort"):
        pass
    elif matches(opt, "-Version"):
        run.out("ip utility, iproute2-6.1.0, libbpf 1.1.2\n")
        raise IpExit(0)
    elif matches(opt, "-force"):
        run.force += 1
    elif matches(opt, "-batch"):
        need_value()
        return "batch"
    elif matches(opt, "-brief"):
        run.brief += 1
    elif matches(opt, "-json"):
        run.json += 1
    elif matches(opt, "-pretty"):
        run.pretty += 1
    elif matches(opt, "-rcvbuf"):
        value = need_value()
        if get_unsigned(value) is None:
            usage_exit(run, f"Invalid rcvbuf size '{value}'\n")
        return True
    elif opt in ("-c", "-color") or opt.startswith("-color=") or matches(opt, "-color"):
        pass
    elif matches(opt, "-help"):
        usage_exit(run, IP_USAGE)
    elif matches(opt, "-netns"):
        if len(args) < 2:
            incomplete_command(run)
        netns_switch(run, args[1])
        return True
    elif matches(opt, "-Numeric"):
        pass
    elif matches(opt, "-all"):
        run.do_all = True
    elif opt == "-echo":
        pass
    else:
        usage_exit(run, f'Option "{opt}" is unknown, try "ip -help".\n')
    return False


def netns_switch(run: IpRun, name: str) -> None:
    """lib/namespace.c:netns_switch: setns to /run/netns/NAME or exit(-1)."""
    net = netns_lookup(run.host, name)
    if net is None:
        usage_exit(run, f'Cannot open network namespace "{name}": No such file or directory\n')
    run.net = net
    run.proc.net = net
    if run.proc.kernel.current is not None:
        run.proc.kernel.current.net = net


def netns_lookup(host: Host, name: str) -> Net | None:
    """open("/run/netns/NAME"): a name without '/' is looked up in /run/netns."""
    if "/" in name:
        prefix = "/run/netns/"
        if not name.startswith(prefix):
            return None
        name = name[len(prefix) :]
    return host.netns.get(name)


COMMANDS = {"ip": ip_main}
