"""ethtool -k / -K: show and change a device's offload features, printed as ethtool 6.1 prints
them over netlink (netlink/features.c) for this kernel's feature names.

`-k` prints the legacy groups first (rx-checksumming, tx-checksumming with its members, ...):
a group of one feature is that feature under the group's name; a larger group prints on when
any member is on, then its members indented. Every other feature follows in bit order. A
feature the driver cannot change is "[fixed]"; one whose active state differs from what was
asked for shows "[requested on]" / "[requested off]".

`-K` takes feature names or legacy group names with on/off. When the result differs from the
request ("Actual changes:"), it lists every changed or unachieved bit; when nothing requested
changed, it says "Could not change any device features" and exits 1.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from netlife.kernel.netdev_features import NETDEV_FEATURES, ethnl_default_set_features

if TYPE_CHECKING:
    from netlife.kernel.netdevice import NetDevice
    from netlife.userspace.host import Proc

# ethtool's off_flag_def: (long name, short name, how its member features are named).
LEGACY_GROUPS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("rx-checksumming", "rx", ("rx-checksum",)),
    ("tx-checksumming", "tx", ("tx-checksum-ipv4", "tx-checksum-ip-generic", "tx-checksum-ipv6",
                               "tx-checksum-fcoe-crc", "tx-checksum-sctp")),
    ("scatter-gather", "sg", ("tx-scatter-gather", "tx-scatter-gather-fraglist")),
    ("tcp-segmentation-offload", "tso", ("tx-tcp-segmentation", "tx-tcp-ecn-segmentation",
                                         "tx-tcp-mangleid-segmentation", "tx-tcp6-segmentation",
                                         "tx-tcp-accecn-segmentation")),
    ("generic-segmentation-offload", "gso", ("tx-generic-segmentation",)),
    ("generic-receive-offload", "gro", ("rx-gro",)),
    ("large-receive-offload", "lro", ("rx-lro",)),
    ("rx-vlan-offload", "rxvlan", ("rx-vlan-hw-parse",)),
    ("tx-vlan-offload", "txvlan", ("tx-vlan-hw-insert",)),
    ("ntuple-filters", "ntuple", ("rx-ntuple-filter",)),
    ("receive-hashing", "rxhash", ("rx-hashing",)),
)  # fmt: skip
GROUPED = frozenset(name for _, _, members in LEGACY_GROUPS for name in members)
GENL_HDRLEN = 20
EXIT_NETLINK = 92  # what ethtool -K exits with after a netlink error here


def _align4(n: int) -> int:
    return (n + 3) & ~3


def _suffix(dev: NetDevice, name: str) -> str:
    if name not in dev.hw_features:
        return " [fixed]"
    active, wanted = name in dev.features, name in dev.wanted_features
    if active != wanted:
        return " [requested on]" if wanted else " [requested off]"
    return ""


def _line(dev: NetDevice, name: str, label: str, prefix: str = "") -> str:
    state = "on" if name in dev.features else "off"
    return f"{prefix}{label}: {state}{_suffix(dev, name)}"


def show_features(proc: Proc, dev: NetDevice) -> int:
    proc.print(f"Features for {dev.name}:")
    for long_name, _, members in LEGACY_GROUPS:
        if len(members) == 1:
            proc.print(_line(dev, members[0], long_name))
            continue
        proc.print(f"{long_name}: {'on' if dev.features & set(members) else 'off'}")
        for name in members:
            proc.print(_line(dev, name, name, "\t"))
    for name in NETDEV_FEATURES:
        if name not in GROUPED:
            proc.print(_line(dev, name, name))
    return 0


def _error(proc: Proc, text: str, offset: int, errtext: str) -> int:
    proc.eprint(f"netlink error: {text} (offset {offset})")
    proc.eprint(f"netlink error: {errtext}")
    return EXIT_NETLINK


def set_features(proc: Proc, ifname: str, args: list[str]) -> int:
    """ethtool -K DEV NAME on|off ...: the request's bits, then the kernel's answer."""
    requested: list[tuple[str, bool]] = []
    for i in range(0, len(args), 2):
        if i + 1 >= len(args) or args[i + 1] not in ("on", "off"):
            proc.eprint(
                "ethtool (-K): flag '(null)' for parameter '(null)' is not followed by 'on' "
                "or 'off'"
            )
            return 1
        requested.append((args[i], args[i + 1] == "on"))
    dev = proc.net.dev_get_by_name(ifname)
    if dev is None:
        return _error(proc, "no device matches name", GENL_HDRLEN + 4, "No such device")
    req_wanted: set[str] = set()
    req_mask: set[str] = set()
    # Offsets as ethtool lays the request out: headers, the header nest (name, flags), the
    # wanted bitset nest, its bits nest, then one nest per name (name, and a flag when on).
    offset = GENL_HDRLEN + 4 + 4 + _align4(len(ifname.encode()) + 1) + 8 + 8
    for name, on in requested:
        group = next((g for g in LEGACY_GROUPS if name in (g[0], g[1])), None)
        members = group[2] if group else (name,) if name in NETDEV_FEATURES else ()
        if not members:
            return _error(proc, "bit name not found", offset + 4, "Operation not supported")
        for member in members:
            offset += 4 + 4 + _align4(len(member.encode()) + 1) + (4 if on else 0)
            req_mask.add(member)
            if on:
                req_wanted.add(member)
    old = ethnl_default_set_features(dev, frozenset(req_wanted), frozenset(req_mask))
    return _report(proc, dev, old, req_wanted, req_mask)


def _report(proc: Proc, dev: NetDevice, old: frozenset, wanted: set, mask: set) -> int:
    unachieved = {n for n in mask if (n in dev.features) != (n in wanted)}
    changed = set(old ^ dev.features)
    if not unachieved and changed <= mask:
        return 0
    rc = 0
    if not changed & mask:
        proc.eprint("Could not change any device features")
        rc = 1
    proc.print("Actual changes:")
    for name in NETDEV_FEATURES:
        if name not in unachieved and name not in changed:
            continue
        state = "on" if name in dev.features else "off"
        if name in unachieved:
            suffix = f" [requested {'on' if name in wanted else 'off'}]"
        else:
            suffix = "" if name in mask else " [not requested]"
        proc.print(f"{name}: {state}{suffix}")
    return rc


__all__ = ["set_features", "show_features"]
