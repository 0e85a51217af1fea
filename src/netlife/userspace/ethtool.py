"""ethtool -l / -L: show and set a device's channels, printed as ethtool 6.x prints them
(-k / -K: userspace/ethtool_features.py).

Model-only front end to kernel/ethtool.py over the ethtool netlink family: kernel errors
print as "netlink error: TEXT" (with "(offset N)" when the kernel points at an attribute of
the request) followed by "netlink error: STRERROR", exit status 1. The offsets are those of
ethtool's request: 20 bytes of headers, the header nest holding the device name, then one
8-byte u32 attribute per parameter given, in the order rx, tx, other, combined.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from netlife.kernel.errors import KernelError, strerror
from netlife.kernel.ethtool import (
    ChannelsError,
    EthtoolChannels,
    ethnl_set_channels,
    ethtool_get_channels,
)
from netlife.userspace.ethtool_features import set_features, show_features

if TYPE_CHECKING:
    from netlife.userspace.host import Proc

PARAMS = ("rx", "tx", "other", "combined")
GENL_HDRLEN = 20  # nlmsghdr + genlmsghdr
DEV_NAME_OFFSET = GENL_HDRLEN + 4  # ETHTOOL_A_HEADER_DEV_NAME inside the header nest


def _first_attr_offset(ifname: str) -> int:
    name_attr = 4 + ((len(ifname.encode()) + 1 + 3) & ~3)
    return GENL_HDRLEN + 4 + name_attr


def _netlink_error(proc: Proc, err: KernelError, offset: int | None = None) -> int:
    if err.extack:
        where = f" (offset {offset})" if offset is not None else ""
        proc.eprint(f"netlink error: {err.extack}{where}")
    proc.eprint(f"netlink error: {strerror(err.errno)}")
    return 1


def _no_device(proc: Proc) -> int:
    return _netlink_error(proc, KernelError(19, "no device matches name"), DEV_NAME_OFFSET)


def _value(n: int) -> str:
    return str(n) if n else "n/a"


def _show(proc: Proc, ifname: str, ch: EthtoolChannels) -> None:
    proc.print(f"Channel parameters for {ifname}:")
    proc.print("Pre-set maximums:")
    for label, n in (
        ("RX:\t\t", ch.max_rx),
        ("TX:\t\t", ch.max_tx),
        ("Other:\t\t", ch.max_other),
        ("Combined:\t", ch.max_combined),
    ):
        proc.print(label + _value(n))
    proc.print("Current hardware settings:")
    for label, n in (
        ("RX:\t\t", ch.rx_count),
        ("TX:\t\t", ch.tx_count),
        ("Other:\t\t", ch.other_count),
        ("Combined:\t", ch.combined_count),
    ):
        proc.print(label + _value(n))


def show_channels(proc: Proc, ifname: str) -> int:
    dev = proc.net.dev_get_by_name(ifname)
    if dev is None:
        return _no_device(proc)
    try:
        ch = ethtool_get_channels(dev)
    except KernelError as err:
        return _netlink_error(proc, err)
    _show(proc, ifname, ch)
    return 0


def set_channels(proc: Proc, ifname: str, args: list[str]) -> int:
    requested: dict[str, int] = {}
    i = 0
    while i < len(args):
        key = args[i]
        if key not in PARAMS:
            proc.eprint(f"ethtool (-L): unknown parameter '{key}'")
            return 1
        if i + 1 >= len(args):
            proc.eprint(f"ethtool (-L): no value for parameter '{key}'")
            return 1
        raw = args[i + 1]
        if not raw.isdigit() or int(raw) > 0xFFFFFFFF:
            proc.eprint(f"ethtool (-L): invalid value '{raw}' for parameter '{key}'")
            return 1
        requested[key] = int(raw)
        i += 2
    dev = proc.net.dev_get_by_name(ifname)
    if dev is None:
        return _no_device(proc)
    if not requested:
        return 0
    try:
        ethnl_set_channels(dev, requested)
    except ChannelsError as err:
        order = [k for k in PARAMS if k in requested]
        offset = None
        if err.attr in order:
            offset = _first_attr_offset(ifname) + 8 * order.index(err.attr)
        return _netlink_error(proc, err, offset)
    except KernelError as err:
        return _netlink_error(proc, err)
    return 0


def cmd_ethtool(proc: Proc, argv: list[str]) -> int:
    args = argv[1:]
    if len(args) >= 2 and args[0] in ("-l", "--show-channels"):
        return show_channels(proc, args[1])
    if len(args) >= 2 and args[0] in ("-L", "--set-channels"):
        return set_channels(proc, args[1], args[2:])
    if len(args) >= 2 and args[0] in ("-k", "--show-features", "--show-offload"):
        dev = proc.net.dev_get_by_name(args[1])
        return show_features(proc, dev) if dev is not None else _no_device(proc)
    if len(args) >= 2 and args[0] in ("-K", "--features", "--offload"):
        return set_features(proc, args[1], args[2:])
    proc.eprint("ethtool: bad command line argument(s)")
    proc.eprint("For more information run ethtool -h")
    return 1


COMMANDS = {"ethtool": cmd_ethtool}
