"""Which commands a saved host must keep: all but the ones known only to read.

Model-only. A saved host (scenario/state.py) is replayed from its commands, so dropping one that
changed anything (an alias, an nsid, a bridge option, a failed `-batch` whose first lines ran)
loses it. Keeping a read costs only replay time, so a command is dropped only when its words
say for sure that it reads (`ip link show`, `ip netns list-id`, `lsmod`, `ethtool -i DEV`) and
it left side_effects() as they were: a read can change the host as on the kernel (dumping a
veth whose peer lives elsewhere allocates an nsid: rtnl_fill_link_netnsid → peernet2id_alloc).
Subcommands resolve as the tools resolve abbreviations (iproute2's matches(), first entry of
its dispatch order), so `ip link s` is `set` and `ip netns s` is `show`, as there.
"""

from __future__ import annotations

from typing import Any


def table(text: str) -> tuple[str, ...]:
    """A word table written as one string, as iproute2's source lists them."""
    return tuple(text.split())


# iproute2's dispatch order per object (ip/iplink.c, ipaddress.c, ipnetns.c ...): the word →
# whether it only reads. The first entry a word abbreviates is what ip runs.
DISPATCH = {
    "link": (("add", 0), ("set", 0), ("change", 0), ("replace", 0), ("delete", 0),
             ("show", 1), ("lst", 1), ("list", 1), ("help", 1)),
    "address": (("add", 0), ("change", 0), ("replace", 0), ("delete", 0), ("flush", 0),
                ("list", 1), ("show", 1), ("lst", 1), ("get", 1), ("save", 1),
                ("showdump", 1), ("restore", 0), ("help", 1)),
    "netns": (("list", 1), ("show", 1), ("lst", 1), ("list-id", 1), ("help", 1), ("add", 0),
              ("set", 0), ("delete", 0), ("identify", 1), ("pids", 1), ("exec", 2),
              ("monitor", 1), ("attach", 0)),
    "tuntap": (("add", 0), ("delete", 0), ("show", 1), ("lst", 1), ("list", 1), ("help", 1)),
}  # fmt: skip
# ip/ip.c's object table, in its order (abbreviations resolve to the first match).
IP_OBJECTS = table(
    "address addrlabel maddress route rule neighbor neighbour ntable ntbl link l2tp fou ila"
    " macsec tunnel tuntap tap token tcpmetrics tcp_metrics monitor xfrm mroute mrule netns"
    " netconf vrf sr nexthop mptcp ioam stats help"
)
IP_VALUED = ("-netns", "-family", "-loops", "-rcvbuf")  # ip's options that take a value
READ_ONLY_COMMANDS = {"lsmod", "cat", "true", "false", "echo", "grep", "head", "tail", "wc"}
ETHTOOL_READS = {"-i", "-k", "-g", "-l", "-a", "-c", "-S", "-P", "-T", "-d", "-e", "-m", "-x",
                 "-n", "-u", "--driver", "--statistics", "--show-features", "--show-ring",
                 "--show-channels", "--show-pause", "--show-coalesce"}  # fmt: skip
DMESG_WRITES = {"-c", "-C", "--clear", "--read-clear", "-n", "--console-level", "-E", "-D"}


def side_effects(host: Any) -> tuple:
    """What a read or a failed command may change, cheaply (O(namespaces)): nsid tables and
    ifindex cursors, the random generator (a failed add may have drawn a MAC), the log, the
    clock, the modules."""
    kernel = host.kernel
    nsids = tuple(
        (net.inum, net.ifindex, tuple(sorted((p.inum, nsid) for p, nsid in net.netns_ids.items())))
        for net in kernel.nets
    )
    log = kernel.printk
    return (nsids, kernel.rng.getstate(), len(log.records), log.cleared, kernel.clock.now,
            tuple(kernel.modules))  # fmt: skip


def matches(word: str, pattern: str) -> bool:
    return len(word) <= len(pattern) and pattern.startswith(word)


def may_change_host(argv: list[str]) -> bool:
    """False only when argv surely changes nothing a user could observe.

    CHOICE: unknown commands and objects are kept (replaying a read is harmless)."""
    if not argv:
        return False
    name, args = argv[0].rsplit("/", 1)[-1], argv[1:]
    if name == "ip":
        return _ip_may_change(args)
    if name in READ_ONLY_COMMANDS:
        return False
    if name == "dmesg":
        return any(a in DMESG_WRITES or a.startswith("--console") for a in args)
    if name == "ethtool":
        return not (len(args) == 1 or (len(args) == 2 and args[0] in ETHTOOL_READS))
    if name == "sysctl":
        return any(a.startswith(("-w", "-p", "--write", "--load", "--system")) or "=" in a
                   for a in args)  # fmt: skip
    if name == "ynl":
        ops = [args[i + 1] for i, a in enumerate(args[:-1]) if a == "--do"]
        return not ("--dump" in args or (ops and all(op.endswith("-get") for op in ops)))
    return True


def _ip_may_change(args: list[str]) -> bool:
    i = 0
    while i < len(args) and args[i].startswith("-"):
        opt = args[i]
        if opt == "--":
            i += 1
            break
        opt = opt[1:] if opt.startswith("--") else opt
        if len(opt) > 1 and matches(opt, "-batch"):
            return True  # the file's lines may do anything
        valued = opt in ("-f", "-l", "-n", "-rc") or any(
            len(opt) > 2 and matches(opt, name) for name in IP_VALUED
        )
        i += 2 if valued else 1
    rest = args[i:]
    if not rest:
        return False  # usage
    obj = next((o for o in IP_OBJECTS if matches(rest[0], o)), None)
    if obj in ("monitor", "help"):
        return False
    if obj == "neighbour":
        obj = "neighbor"
    if obj == "tap":
        obj = "tuntap"
    table = DISPATCH.get(obj or "")
    if len(rest) == 1:
        return obj not in DISPATCH  # a bare object lists, where the model has it
    if table is None:
        return True
    sub = next((kind for word, kind in table if matches(rest[1], word)), 0)
    if sub == 2:  # ip netns exec NS CMD …
        return may_change_host(rest[3:])
    return not sub
