"""`ip tuntap add | del NAME mode tun|tap [multi_queue] [pi] [vnet_hdr] [user U] [group G]`.

Mirrors iproute2 v6.1.0 ip/iptuntap.c: parse_args, then tap_add_ioctl (open /dev/net/tun,
TUNSETIFF with IFF_TUN_EXCL, TUNSETOWNER / TUNSETGROUP, TUNSETPERSIST 1, close) or
tap_del_ioctl (TUNSETIFF, TUNSETPERSIST 0, close). The ioctls are the tun driver's
(drivers/tun.py: tun_set_iff and friends); their errors print as perror does.
"""

from __future__ import annotations

from netlife.kernel.errors import KernelError, strerror
from netlife.userspace.ip import IpExit, IpRun, check_ifname, duparg2, invarg, matches

TUNTAP_USAGE = """\
Usage: ip tuntap { add | del | show | list | lst | help } [ dev PHYS_DEV ]
       [ mode { tun | tap } ] [ user USER ] [ group GROUP ]
       [ one_queue ] [ pi ] [ vnet_hdr ] [ multi_queue ] [ name NAME ]

Where: USER  := { STRING | NUMBER }
       GROUP := { STRING | NUMBER }
"""

# include/uapi/linux/if_tun.h
IFF_TUN = 0x0001
IFF_TAP = 0x0002
IFF_NO_PI = 0x1000
IFF_ONE_QUEUE = 0x2000
IFF_VNET_HDR = 0x4000
IFF_TUN_EXCL = 0x8000
IFF_MULTI_QUEUE = 0x0100
IFF_PERSIST = 0x0800
IFF_NOFILTER = 0x1000


def usage(run: IpRun) -> None:
    run.err(TUNTAP_USAGE)
    raise IpExit(-1)


def _id(run: IpRun, value: str, names: dict[int, str], what: str) -> int:
    if value and (value.lstrip("-").isdigit()):
        return int(value)
    for num, name in names.items():
        if name == value:
            return num
    run.err(f'invalid {what} "{value}"\n')
    raise IpExit(-1)


def parse_args(run: IpRun, args: list[str], with_owner: bool) -> tuple[str, int, int, int] | None:
    """ip/iptuntap.c:parse_args → (name, ifr_flags, uid, gid); None after the error."""
    name = ""
    flags = IFF_NO_PI
    uid = gid = -1
    i = 0

    def nxt() -> str:
        nonlocal i
        i += 1
        if i >= len(args):
            from netlife.userspace.ip import incomplete_command

            incomplete_command(run)
        return args[i]

    while i < len(args):
        w = args[i]
        if matches(w, "mode"):
            v = nxt()
            if matches(v, "tun"):
                if flags & IFF_TAP:
                    run.err("You managed to ask for more than one tunnel mode.\n")
                    raise IpExit(-1)
                flags |= IFF_TUN
            elif matches(v, "tap"):
                if flags & IFF_TUN:
                    run.err("You managed to ask for more than one tunnel mode.\n")
                    raise IpExit(-1)
                flags |= IFF_TAP
            else:
                run.err(f'Unknown tunnel mode "{v}"\n')
                raise IpExit(-1)
        elif with_owner and matches(w, "user"):
            uid = _id(run, nxt(), {0: "root"}, "user")
        elif with_owner and matches(w, "group"):
            gid = _id(run, nxt(), {0: "root"}, "group")
        elif matches(w, "pi"):
            flags &= ~IFF_NO_PI
        elif matches(w, "one_queue"):
            flags |= IFF_ONE_QUEUE
        elif matches(w, "vnet_hdr"):
            flags |= IFF_VNET_HDR
        elif matches(w, "multi_queue"):
            flags |= IFF_MULTI_QUEUE
        elif matches(w, "dev"):
            v = nxt()
            if not check_ifname(v):
                invarg(run, '"dev" not a valid ifname', v)
            name = v
        else:
            if matches(w, "name"):
                w = nxt()
            elif matches(w, "help"):
                usage(run)
            if name:
                duparg2(run, "name", w)
            if not check_ifname(w):
                invarg(run, '"name" not a valid ifname', w)
            name = w
        i += 1
    if not flags & (IFF_TUN | IFF_TAP):
        run.err("You failed to specify a tunnel mode\n")
        return None
    return name, flags, uid, gid


def tap_ioctls(run: IpRun, name: str, flags: int, uid: int, gid: int, persist: bool) -> int:
    """tap_add_ioctl / tap_del_ioctl: open("/dev/net/tun"), TUNSETIFF, TUNSETOWNER,
    TUNSETGROUP, TUNSETPERSIST, close; the failing step is named as perror() names it."""
    from netlife.drivers import tun

    kernel = run.proc.kernel
    try:
        tfile = tun.tun_chr_open(kernel, run.net)
    except KernelError as err:
        run.err(f"open: {strerror(err.errno)}\n")
        return -1
    if persist:
        flags |= IFF_TUN_EXCL  # never attach to an existing device when adding
    steps = [("ioctl(TUNSETIFF)", tun.TUNSETIFF, (name, flags))]
    if uid != -1:
        steps.append(("ioctl(TUNSETOWNER)", tun.TUNSETOWNER, uid))
    if gid != -1:
        steps.append(("ioctl(TUNSETGROUP)", tun.TUNSETGROUP, gid))
    steps.append(("ioctl(TUNSETPERSIST)", tun.TUNSETPERSIST, 1 if persist else 0))
    try:
        for what, cmd, arg in steps:
            try:
                tun.__tun_chr_ioctl(tfile, cmd, arg)
            except KernelError as err:
                run.err(f"{what}: {strerror(err.errno)}\n")
                return -1
    finally:
        tun.tun_chr_close(tfile)
    return 0


def do_iptuntap(run: IpRun, argv: list[str]) -> int:
    """ip/iptuntap.c:do_iptuntap (show is not modelled)."""
    if not argv:
        run.err('netlife: "ip tuntap show" is not modelled\n')
        return -1
    w, rest = argv[0], argv[1:]
    if matches(w, "add"):
        parsed = parse_args(run, rest, with_owner=True)
        if parsed is None:
            return -1
        return tap_ioctls(run, *parsed, persist=True)
    if matches(w, "delete"):
        parsed = parse_args(run, rest, with_owner=False)
        if parsed is None:
            return -1
        name, flags, _, _ = parsed
        return tap_ioctls(run, name, flags, -1, -1, persist=False)
    if matches(w, "show") or matches(w, "lst") or matches(w, "list"):
        run.err('netlife: "ip tuntap show" is not modelled\n')
        return -1
    if matches(w, "help"):
        usage(run)
    run.err(f'Command "{w}" is unknown, try "ip tuntap help".\n')
    raise IpExit(-1)
