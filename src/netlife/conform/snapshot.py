"""`netlife snapshot`: read the live host, read-only, into a machine profile with its links.

Reads, and never writes:
  - rtnetlink dumps (conform/netlink_read.py: a socket that refuses anything but a read) in the
    host's namespace and in each namespace of /run/netns (or only those named): every device,
    the namespace ids each namespace has for the others, how many addresses it has;
  - sysfs: the PCI functions whose net devices the model has a driver for (vendor, device,
    driver, queue counts), a bridge's addr_assign_type (inside a namespace through
    `ip netns exec NS cat`, which only remounts /sys in a private mount namespace);
  - /proc/modules (or, on a kernel without it, /sys/module) for the modules the model knows;
  - ethtool's channel count (SIOCETHTOOL ETHTOOL_GCHANNELS, a get);
  - the netdev generic netlink family's operations (is there queue leasing to read?);
  - the sysctls the model knows.
The result is a profile (scenario/machine.py) whose `[[netns]]` and `[[link]]` tables
scenario/host_state.py replays at boot. Whatever the model cannot rebuild is kept as a comment
in the profile and returned as a warning (Snapshot.warnings), never dropped silently.
"""

from __future__ import annotations

import contextlib
import ctypes
import fcntl
import os
import socket
import struct
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from netlife.conform.netlink_read import (
    NETLINK_GENERIC,
    NETLINK_ROUTE,
    NETNS_RUN_DIR,
    ReadOnlyNetlink,
    socket_in,
)
from netlife.conform.snapshot_links import link_record
from netlife.scenario.host_state import KNOWN_KINDS, ROOT
from netlife.scenario.machine import QDISCS, SYSCTL_KEYS, module_table

SYSCTL_FILES = {
    key: "/proc/sys/" + key.replace(".", "/") for key in (*SYSCTL_KEYS, "net.core.default_qdisc")
}
NETDEV_CMD_QUEUE_CREATE = 16  # the netdev family's queue leasing op (not in every kernel)
SIOCETHTOOL = 0x8946
ETHTOOL_GCHANNELS = 0x3C
PCI_CLASS_NETWORK = 0x02


@dataclass(slots=True)
class Snapshot:
    """What was read: the profile's tables, and what the model cannot rebuild."""

    profile: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    namespaces: list[str] = field(default_factory=list)  # ROOT first if read


def _read(path: str) -> str | None:
    try:
        return Path(path).read_text()
    except OSError:
        return None


def list_namespaces() -> list[str]:
    try:
        return sorted(os.listdir(NETNS_RUN_DIR))
    except OSError:
        return []


def take_snapshot(netns: list[str] | None = None, hostname: str | None = None) -> Snapshot:
    """Read the host (netns None: its own namespace and every one of /run/netns) or only the
    named namespaces of /run/netns."""
    snap = Snapshot()
    prof = snap.profile
    prof["hostname"] = hostname or socket.gethostname().split(".")[0] or "netlife"
    prof["num_possible_cpus"] = possible_cpus()
    named = list_namespaces()
    if netns is None:
        wanted: list[str | None] = [None, *named]
    else:
        missing = [n for n in netns if n not in named]
        if missing:
            raise FileNotFoundError(f"no such network namespace: {', '.join(missing)}")
        wanted = list(dict.fromkeys(netns))
    read_sysctls(snap)
    links: list[dict[str, Any]] = []
    spaces: list[dict[str, Any]] = []
    for name in wanted:
        try:
            ns_links, ns_entry = read_namespace(snap, name, named)
        except FileNotFoundError:
            if netns is not None:
                raise
            snap.warnings.append(f"netns {name}: gone while it was being read")
            continue
        links += ns_links
        spaces.append(ns_entry)
    if None in wanted:
        read_hardware(snap, links)
    else:
        snap.warnings.append(
            "the host's own namespace was not read (--netns): the profile's root namespace "
            "is a fresh one (lo only, down); links into it are kept as comments"
        )
        prof["loopback"] = "down"
    read_modules(snap, links, root_read=None in wanted)
    read_queue_leases(snap)
    check_references(snap, links, spaces)
    prof["netns"] = [s for s in spaces if s["name"] != ROOT or s.get("nsids")]
    prof["link"] = links
    snap.namespaces = [ROOT if n is None else n for n in wanted]
    return snap


def possible_cpus() -> int:
    text = (_read("/sys/devices/system/cpu/possible") or "0").strip()
    count = 0
    for part in filter(None, text.split(",")):
        first, _, last = part.partition("-")
        count += int(last or first) - int(first) + 1
    return max(count, 1)


def read_sysctls(snap: Snapshot) -> None:
    values: dict[str, Any] = {}
    for key, path in SYSCTL_FILES.items():
        text = _read(path)
        if text is None:
            continue
        text = text.strip()
        if key == "net.core.default_qdisc":
            if text in QDISCS:
                values[key] = text
            else:
                snap.warnings.append(f"sysctl {key} = {text}: a qdisc the model does not know")
            continue
        lo, hi = SYSCTL_KEYS[key]
        value = int(text)
        if lo <= value <= hi:
            values[key] = value
    snap.profile["sysctl"] = values


def read_namespace(snap: Snapshot, name: str | None, named: list[str]) -> tuple[list, dict]:
    """The links of one namespace and its namespace-id table."""
    label = ROOT if name is None else name
    rtnl = ReadOnlyNetlink(socket_in(name, NETLINK_ROUTE))
    try:
        messages = rtnl.links()
        addresses = rtnl.addresses()
        nsids: dict[str, int] = {}
        others = [(ROOT, "/proc/1/ns/net")] if name is not None else []
        others += [(n, os.path.join(NETNS_RUN_DIR, n)) for n in named if n != name]
        for other, path in others:
            with contextlib.suppress(OSError):
                nsid = rtnl.nsid_of(path)
                if nsid >= 0:
                    nsids[other] = nsid
        unknown = sorted(set(rtnl.nsids()) - set(nsids.values()))
    finally:
        rtnl.close()
    entry: dict[str, Any] = {"name": label}
    if nsids:
        entry["nsids"] = nsids
    if unknown:
        entry["unknown_nsids"] = unknown
        snap.warnings.append(
            f"netns {label}: namespace ids {unknown} name namespaces without a /run/netns entry; "
            "the model cannot rebuild those namespaces"
        )
    inet = [m for m in addresses if not _kernel_made_address(m)]
    if inet:
        snap.warnings.append(
            f"netns {label}: {len(inet)} IP addresses are not modelled and are left out"
        )
    records = []
    kinds_seen = set()
    for msg in messages:
        record = link_record(msg, label)
        kinds_seen.add(record.get("kind"))
        records.append(record)
    bridges = [r["ifname"] for r in records if r.get("kind") == "bridge"]
    if bridges:
        types = read_addr_assign_types(name, bridges)
        for record in records:
            if record["ifname"] in types:
                record["addr_assign_type"] = types[record["ifname"]]
    for record in records:
        for problem in record.pop("unmodelled", []):
            snap.warnings.append(f"netns {label}: {record['ifname']}: {problem}")
    return records, entry


def _kernel_made_address(msg: Any) -> bool:
    """Loopback's 127.0.0.1 / ::1 and IPv6 link-local addresses come with the device."""
    addr = msg.get_attr("IFA_ADDRESS") or msg.get_attr("IFA_LOCAL") or ""
    return addr in ("127.0.0.1", "::1") or addr.startswith("fe80:")


def read_addr_assign_types(netns: str | None, names: list[str]) -> dict[str, int]:
    """/sys/class/net/NAME/addr_assign_type of the named devices (sysfs shows the reader's
    namespace, hence `ip netns exec` for another one)."""
    paths = [f"/sys/class/net/{n}/addr_assign_type" for n in names]
    if netns is None:
        texts = [_read(p) for p in paths]
    else:
        done = subprocess.run(
            ["ip", "netns", "exec", netns, "cat", *paths],
            capture_output=True,
            text=True,
            timeout=20,
            check=False,
            env={"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL": "C"},
        )
        texts = done.stdout.split("\n")[: len(names)] if done.returncode == 0 else []
    return {n: int(t) for n, t in zip(names, texts, strict=False) if t and t.strip().isdigit()}


def read_hardware(snap: Snapshot, links: list[dict[str, Any]]) -> None:
    """PCI functions of class network whose driver the model has; others are warnings."""
    table = module_table()
    root = {r["ifname"]: r for r in links if r["netns"] == ROOT}
    pci: list[dict[str, Any]] = []
    base = Path("/sys/bus/pci/devices")
    for fn in sorted(base.iterdir()) if base.is_dir() else []:
        cls = int((_read(str(fn / "class")) or "0").strip(), 16)
        if cls >> 16 != PCI_CLASS_NETWORK:
            continue
        driver = os.path.basename(os.readlink(fn / "driver")) if (fn / "driver").exists() else ""
        entry: dict[str, Any] = {
            "slot": fn.name,
            "vendor": int(_read(str(fn / "vendor")).strip(), 16),
            "device": int(_read(str(fn / "device")).strip(), 16),
        }
        netdirs = list(fn.glob("net/*")) + list(fn.glob("virtio*/net/*"))
        module = {"virtio-pci": "virtio_net"}.get(driver, driver)
        if module not in table or not netdirs:
            what = f"driver {driver}" if driver else "no driver"
            snap.warnings.append(f"pci {fn.name}: network function with {what}: not modelled")
            continue
        netdir = netdirs[0]
        record = root.get(netdir.name)
        if record is None:
            snap.warnings.append(
                f"pci {fn.name}: its net device {netdir.name} is not in the root namespace"
            )
            continue
        queues = (
            [q.name for q in (netdir / "queues").iterdir()] if (netdir / "queues").is_dir() else []
        )
        rx = sum(q.startswith("rx-") for q in queues) or 1
        tx = sum(q.startswith("tx-") for q in queues) or 1
        entry.update(
            driver=module,
            ifname=netdir.name,
            mac=record.get("perm_address") or record["address"],
            rx_queues=record.get("num_rx_queues", rx),
            tx_queues=record.get("num_tx_queues", tx),
            channels=min(ethtool_channels(netdir.name) or min(rx, tx), rx, tx),
            state="up" if record.get("up") else "down",
        )
        if netdir.parent.parent.name.startswith("virtio"):
            entry["virtio_index"] = int(netdir.parent.parent.name.removeprefix("virtio"))
            entry["mtu"] = record["mtu"]
        record["hardware"] = fn.name
        pci.append(entry)
    snap.profile["pci"] = pci


def ethtool_channels(ifname: str) -> int | None:
    """`ethtool -l`: the combined (else rx) channel count in use; None when not offered."""
    buf = ctypes.create_string_buffer(struct.pack("=9I", ETHTOOL_GCHANNELS, *([0] * 8)))
    ifreq = struct.pack("16sQ", ifname.encode(), ctypes.addressof(buf)) + bytes(16)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        try:
            fcntl.ioctl(sock.fileno(), SIOCETHTOOL, ifreq)
        except OSError:
            return None
    fields = struct.unpack_from("=9I", buf.raw)
    return fields[8] or fields[5] or None


def read_modules(snap: Snapshot, links: list[dict[str, Any]], root_read: bool) -> None:
    """The modules to load at boot: those the model knows that the host has loaded (with
    their use counts and holders as comments), plus the drivers of the kinds in use."""
    table = module_table()
    kind_module = {
        alias.removeprefix("rtnl-link-"): name
        for name, spec in table.items()
        for alias in spec.aliases
        if alias.startswith("rtnl-link-")
    }
    wanted: list[str] = []
    notes: dict[str, str] = {}
    text = _read("/proc/modules")
    if text is not None:
        for line in reversed(text.splitlines()):  # newest first there: load order here
            parts = line.split()
            name, refcnt, holders = parts[0], parts[2], parts[3].strip(",").split(",")
            holders = [h for h in holders if h and h != "-"]
            if name in table:
                wanted.append(name)
                notes[name] = f"use count {refcnt}" + (
                    f", used by {', '.join(holders)}" if holders else ""
                )
            elif root_read:
                snap.warnings.append(f"module {name}: not modelled")
    else:
        snap.warnings.append(
            "no /proc/modules: this kernel has no loadable modules; the drivers it has built "
            "in are loaded as modules at boot (the host refuses rmmod of them, the model not)"
        )
    if root_read:
        wanted += [fn["driver"] for fn in snap.profile.get("pci", [])]
    for record in links:
        kind = record.get("kind")
        if kind in kind_module and kind in KNOWN_KINDS:
            wanted.append(kind_module[kind])
    modules = []
    for name in load_order(wanted, loaded_order=text is not None):
        entry: dict[str, Any] = {"name": name}
        # Devices a module makes at load (numdummies, numifbs) are rebuilt from the links.
        params = {p: 0 for p in table[name].params if p.startswith("num")}
        if params:
            entry["params"] = params
        if name in notes:
            entry["note"] = notes[name]
        modules.append(entry)
    snap.profile["module"] = modules


# Built-in drivers initialise in link order (all at module_init's level): drivers/net/Makefile's
# order, then drivers/net/ethernet, then net/ (linked after drivers/). Their netdevice notifiers
# register in this order, which is the order they are told of a device going away.
BUILTIN_LINK_ORDER = (
    "dummy",
    "ifb",
    "macvlan",
    "netkit",
    "tun",
    "veth",
    "virtio_net",
    "vxlan",
    "mlx5_core",
    "mlx5_ib",
    "netdevsim",
    "bridge",
    "8021q",
)


def load_order(wanted: list[str], loaded_order: bool) -> list[str]:
    """The modules in the order the host loaded them: /proc/modules' order reversed when it
    exists (wanted is already in it), else the built-in link order."""
    unique = list(dict.fromkeys(wanted))
    if loaded_order:
        return unique
    rank = {name: n for n, name in enumerate(BUILTIN_LINK_ORDER)}
    return sorted(unique, key=lambda name: rank.get(name, len(rank)))


def read_queue_leases(snap: Snapshot) -> None:
    genl = ReadOnlyNetlink(socket_in(None, NETLINK_GENERIC))
    try:
        ops = genl.genl_family_ops("netdev")
    finally:
        genl.close()
    if ops is None:
        snap.warnings.append("no netdev generic netlink family: queue leases not read")
    elif NETDEV_CMD_QUEUE_CREATE not in ops:
        snap.warnings.append(
            "the netdev family here has no queue-create: this kernel cannot lease queues, "
            "so there are none to read"
        )
    else:
        snap.warnings.append("queue leases exist on this kernel but are not read yet")


def check_references(snap: Snapshot, links: list[dict[str, Any]], spaces: list[dict]) -> None:
    """A lower, peer or master in a namespace the snapshot did not read is a warning."""
    nsids = {s["name"]: s.get("nsids", {}) for s in spaces}
    for record in links:
        nsid = record.get("link_netnsid")
        if nsid is None:
            continue
        known = {v: k for k, v in nsids.get(record["netns"], {}).items()}
        target = known.get(nsid)
        if target is None or target not in nsids:
            record["link_outside"] = True
            snap.warnings.append(
                f"netns {record['netns']}: {record['ifname']}: its link is in a namespace the "
                f"snapshot did not read (nsid {nsid})"
            )
