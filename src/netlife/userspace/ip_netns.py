"""`ip netns add | attach | delete | list | list-id | set | identify | pids | exec`.

Mirrors iproute2 v6.1.0 ip/ipnetns.c and lib/namespace.c. /run/netns is Host.netns (name →
Net); a name there is a bind mount holding one reference on its namespace (the reference the
creating unshare() took), so `ip netns del` drops it with put_net and the kernel's cleanup_net
runs later on the clock. Namespace ids are the kernel's per-namespace map (Net.netns_ids):
RTM_GETNSID reads it, RTM_NEWNSID (`ip netns set`, `link-netns`) writes it as
net/core/net_namespace.c:rtnl_net_newid does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from netlife.kernel.errors import EEXIST, KernelError
from netlife.userspace.ip import (
    IpExit,
    IpRun,
    duparg,
    get_integer,
    invarg,
    matches,
    netns_lookup,
    print_talk_error,
)

if TYPE_CHECKING:
    from netlife.kernel.net_namespace import Net

NETNS_RUN_DIR = "/run/netns"
NAME_MAX = 255

NETNS_USAGE = """\
Usage:\tip netns list
\tip netns add NAME
\tip netns attach NAME PID
\tip netns set NAME NETNSID
\tip [-all] netns delete [NAME]
\tip netns identify [PID]
\tip netns pids NAME
\tip [-all] netns exec [NAME] cmd ...
\tip netns monitor
\tip netns list-id [target-nsid POSITIVE-INT] [nsid POSITIVE-INT]
NETNSID := auto | POSITIVE-INT
"""


def usage(run: IpRun) -> int:
    run.err(NETNS_USAGE)
    raise IpExit(-1)


def readdir(run: IpRun) -> list[str]:
    """The names of /run/netns in readdir order: tmpfs lists the newest entry first."""
    return list(reversed(run.host.netns))


def get_netnsid_from_name(run: IpRun, name: str) -> int:
    """RTM_GETNSID for /run/netns/NAME as seen from the current namespace; -1 if none."""
    net = netns_lookup(run.host, name)
    if net is None:
        return -1
    return run.net.peernet2id(net)


def rtnl_net_newid(net: Net, peer: Net, nsid: int) -> None:
    """net/core/net_namespace.c:rtnl_net_newid: give `peer` an id in `net` (-1: any)."""
    if net.peernet2id(peer) >= 0:
        raise KernelError(EEXIST, "Peer netns already has a nsid assigned")
    if nsid < 0:
        net.peernet2id_alloc(peer)
        return
    if nsid in net.netns_ids.values():
        raise KernelError(EEXIST, "The specified nsid is already used")
    net.netns_ids[peer] = nsid


def set_netnsid_from_name(run: IpRun, name: str, nsid: int) -> int:
    """RTM_NEWNSID for /run/netns/NAME; -2 when the kernel refuses (error printed)."""
    net = netns_lookup(run.host, name)
    if net is None:
        return -1
    try:
        rtnl_net_newid(run.net, net, nsid)
    except KernelError as err:
        print_talk_error(run, err)
        return -2
    return 0


def nsid_map(run: IpRun) -> dict[int, str]:
    """netns_map_init: nsid → name for every /run/netns entry with an id here."""
    out: dict[int, str] = {}
    for name in readdir(run):
        nsid = get_netnsid_from_name(run, name)
        if nsid >= 0 and nsid not in out:
            out[nsid] = name
    return out


def netns_list(run: IpRun) -> int:
    from netlife.userspace.ip_print import json_text

    rows = []
    for name in readdir(run):
        row: dict = {"name": name}
        nsid = get_netnsid_from_name(run, name)
        if nsid >= 0:
            row["id"] = nsid
        rows.append(row)
    if run.json:
        run.out(json_text(rows, pretty=bool(run.pretty)))
        return 0
    for row in rows:
        run.out(row["name"] + (f" (id: {row['id']})" if "id" in row else "") + "\n")
    return 0


def netns_list_id(run: IpRun, args: list[str]) -> int:
    from netlife.userspace.ip_print import json_text

    nsid = target = -1
    i = 0
    while i < len(args):
        w = args[i]
        if w not in ("target-nsid", "nsid"):
            usage(run)
        if (target if w == "target-nsid" else nsid) >= 0:
            duparg(run, w, w)
        if i + 1 >= len(args):
            from netlife.userspace.ip import incomplete_command

            incomplete_command(run)
        v = args[i + 1]
        val = get_integer(v)
        if val is None:
            invarg(run, f'"{w}" value is invalid', v)
        if val < 0:
            # The C passes argv[1] after NEXT_ARG, one word too far: "(null)" at the end.
            invarg(
                run, f'"{w}" value should be >= 0', args[i + 2] if i + 2 < len(args) else "(null)"
            )
        if w == "nsid":
            nsid = val
        else:
            target = val
        i += 2
    names = nsid_map(run)
    ids = sorted(v for p, v in run.net.netns_ids.items() if not p.dead)
    if nsid >= 0:
        ids = [v for v in ids if v == nsid]
    rows = []
    for value in ids:
        row: dict = {"nsid": value}
        if value in names:
            row["name"] = names[value]
        rows.append(row)
    if run.json:
        run.out(json_text(rows, pretty=bool(run.pretty)))
        return 0
    for row in rows:
        name = f"(iproute2 netns name: {row['name']})" if "name" in row else ""
        run.out(f"nsid {row['nsid']} {name}\n")
    return 0


def netns_add(run: IpRun, args: list[str], create: bool) -> int:
    from netlife.kernel.netns_lifecycle import copy_net_ns, get_net

    if create and not args:
        run.err("No netns name specified\n")
        return -1
    if not create:
        if len(args) < 2:
            run.err("No netns name and PID specified\n")
            return -1
        pid = get_integer(args[1])
        if not pid:
            run.err(f"Invalid PID: {args[1]}\n")
            return -1
    name = args[0]
    path = f"{NETNS_RUN_DIR}/{name}"
    if name in run.host.netns:
        run.err(f'Cannot create namespace file "{path}": File exists\n')
        return -1
    if create:
        net = copy_net_ns(run.proc.kernel)  # the mount keeps the reference unshare() took
    else:
        target = run.proc.kernel.pid_net(pid)
        if target is None:
            run.err(f"Bind /proc/{pid}/ns/net -> {path} failed: No such file or directory\n")
            return -1
        net = get_net(target)
    run.host.netns[name] = net
    return 0


def on_netns_del(run: IpRun, name: str) -> int:
    from netlife.kernel.netns_lifecycle import put_net

    net = run.host.netns.pop(name, None)
    if net is None:
        run.err(
            f'Cannot remove namespace file "{NETNS_RUN_DIR}/{name}": No such file or directory\n'
        )
        return -1
    put_net(net)  # umount: the namespace goes when its last reference does
    return 0


def netns_delete(run: IpRun, args: list[str]) -> int:
    if not args and not run.do_all:
        run.err("No netns name specified\n")
        return -1
    if run.do_all:
        for name in readdir(run):
            if on_netns_del(run, name):
                break
        return 0
    return on_netns_del(run, args[0])


def netns_set(run: IpRun, args: list[str]) -> int:
    if not args:
        run.err("No netns name specified\n")
        return -1
    if len(args) < 2:
        run.err("No nsid specified\n")
        return -1
    name, value = args[0], args[1]
    if value == "auto":
        nsid = -1
    else:
        nsid = get_integer(value)
        if nsid is None:
            invarg(run, 'Invalid "netnsid" value', value)
        if nsid < 0:
            invarg(run, '"netnsid" value should be >= 0', value)
    if netns_lookup(run.host, name) is None:
        run.err(f'Cannot open network namespace "{name}": No such file or directory\n')
        return -1
    return set_netnsid_from_name(run, name, nsid)


def netns_identify(run: IpRun, args: list[str]) -> int:
    if len(args) > 1:
        run.err("extra arguments specified\n")
        return -1
    net = run.net
    if args:
        if not args[0].isdigit():
            run.err(f"Specified string '{args[0]}' is not a pid\n")
            return -1
        net = run.proc.kernel.pid_net(int(args[0]))
        if net is None:
            run.err("Cannot open network namespace: No such file or directory\n")
            return -1
    found = ""
    for name in readdir(run):
        if run.host.netns[name] is net:
            found = name  # the last match in readdir order wins, as strlcpy overwrites
    run.out(found + "\n")
    return 0


def netns_pids(run: IpRun, args: list[str]) -> int:
    if not args:
        run.err("No netns name specified\n")
        return -1
    if len(args) > 1:
        run.err("extra arguments specified\n")
        return -1
    net = netns_lookup(run.host, args[0])
    if net is None:
        run.err("Cannot open network namespace: No such file or directory\n")
        return -1
    for pid in sorted(p for p, n in run.proc.kernel.pid_nets.items() if n is net):
        run.out(f"{pid}\n")
    return 0


def cmd_exec(run: IpRun, name: str, argv: list[str]) -> int:
    """lib/exec.c:cmd_exec after netns_switch: the child's exit status."""
    net = netns_lookup(run.host, name)
    if net is None:
        run.err(f'Cannot open network namespace "{name}": No such file or directory\n')
        return -1
    if argv[0] not in run.host.commands:
        run.err(f'exec of "{argv[0]}" failed: No such file or directory\n')
        return 1
    result = run.host.run_in(net, argv, run.proc.stdin, run.proc.env)
    run.out(result.stdout)
    run.err(result.stderr)
    return result.rc


def netns_exec(run: IpRun, args: list[str]) -> int:
    if not args and not run.do_all:
        run.err("No netns name specified\n")
        return -1
    if (len(args) < 2 and not run.do_all) or (not args and run.do_all):
        run.err("No command specified\n")
        return -1
    if run.do_all:
        for name in readdir(run):
            run.out(f"\nnetns: {name}\n")
            cmd_exec(run, name, args)
        return 0
    # ip's status is the child's; do_cmd negates what we return, so negate it here first.
    return -cmd_exec(run, args[0], args[1:])


def invalid_name(name: str) -> bool:
    return not name or len(name) > NAME_MAX or "/" in name or name in (".", "..")


def do_netns(run: IpRun, argv: list[str]) -> int:
    """ip/ipnetns.c:do_netns."""
    if not argv:
        return netns_list(run)
    if not run.do_all and len(argv) > 1 and invalid_name(argv[1]):
        run.err(f'Invalid netns name "{argv[1]}"\n')
        raise IpExit(-1)
    w, rest = argv[0], argv[1:]
    if matches(w, "list") or matches(w, "show") or matches(w, "lst"):
        return netns_list(run)
    if matches(w, "list-id"):
        return netns_list_id(run, rest)
    if matches(w, "help"):
        return usage(run)
    if matches(w, "add"):
        return netns_add(run, rest, True)
    if matches(w, "set"):
        return netns_set(run, rest)
    if matches(w, "delete"):
        return netns_delete(run, rest)
    if matches(w, "identify"):
        return netns_identify(run, rest)
    if matches(w, "pids"):
        return netns_pids(run, rest)
    if matches(w, "exec"):
        return netns_exec(run, rest)
    if matches(w, "monitor"):
        run.err('netlife: "ip netns monitor" is not modelled\n')
        return -1
    if matches(w, "attach"):
        return netns_add(run, rest, False)
    run.err(f'Command "{w}" is unknown, try "ip netns help".\n')
    raise IpExit(-1)
