"""Machine profiles: what a simulated host has and how it boots.

Model-only. A profile (TOML) declares the hostname, the seed of the host's randomness, the
uptime at which the session starts, num_possible_cpus, the PCI functions (slot, the driver
expected to bind, vendor/device ids, the name udev gives the port, firmware MAC, queue counts,
port number, whether the network manager brought it up at boot and left it up or down), the
modules loaded at boot with their parameters, and sysctls. Every key is checked: an unknown
key, a wrong type, a duplicate slot or name or a bad MAC is a ProfileError naming the file, the
key and the problem.

boot(profile) builds the host as a real boot would: PCI enumeration, sysctls, the modules (their
probes register eth%d devices, udev renames them), the network manager opening the activated
ports (dev_activate attaches mq) and closing those the profile wants down, then the clock runs
on to boot_time. The built-in default is the seed's machine (machines/default.toml).
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from netlife.kernel.clock import secs
from netlife.kernel.errors import KernelError
from netlife.kernel.netdevice import dev_valid_name
from netlife.kernel.pci import PciDev, pci_add_device

DEFAULT_PROFILE = Path(__file__).parent / "machines" / "default.toml"
SLOT_RE = re.compile(r"^[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$")
MAC_RE = re.compile(r"^[0-9a-f]{2}(:[0-9a-f]{2}){5}$")
# Seconds of uptime at which each boot stage happens (as a typical server's dmesg shows them).
PCI_ENUM_TIME = 0.35
SYSCTL_TIME = 1.9
MODULES_TIME = 2.6
NETWORK_TIME = 6.4
SYSCTL_KEYS = {
    "net.core.netdev_unregister_timeout_secs": (1, 3600),
    "kernel.hung_task_timeout_secs": (0, 2**31 - 1),
}
QDISCS = ("pfifo_fast", "fq_codel", "fq", "noqueue", "pfifo", "sfq", "cake")


class ProfileError(Exception):
    """A profile file that cannot be used: "FILE: KEY: PROBLEM"."""


@dataclass(slots=True)
class PciFunction:
    slot: str
    driver: str
    vendor: int
    device: int
    ifname: str
    mac: str
    rx_queues: int = 8
    tx_queues: int = 8
    channels: int = 8
    port: int = 1
    state: str = "down"  # "up" or "down" once boot is over
    activated: bool = False  # opened at boot (qdisc attached) even if down now
    mtu: int = 0  # the device's own MTU (virtio-net's config space); 0: the driver's default
    virtio_index: int = 0  # virtio-pci: the N of the virtio device "virtioN" it carries


@dataclass(slots=True)
class BootModule:
    name: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class Profile:
    source: str
    hostname: str = "netlife"
    seed: int = 0
    boot_time: float = 300.0
    num_possible_cpus: int = 2
    loopback: str = "up"  # what init brings lo to; "down" is a fresh network namespace
    pci: list[PciFunction] = field(default_factory=list)
    modules: list[BootModule] = field(default_factory=list)
    sysctl: dict[str, Any] = field(default_factory=dict)
    host_state: Any = None  # scenario/host_state.py: HostState of [[netns]] and [[link]]
    restore_warnings: list[str] = field(default_factory=list)  # what boot could not rebuild


# -- validation -------------------------------------------------------------------------------

_TOP = {
    "hostname": str,
    "seed": int,
    "boot_time": (int, float),
    "num_possible_cpus": int,
    "loopback": str,
    "pci": list,
    "module": list,
    "sysctl": dict,
    "netns": list,
    "link": list,
}
_PCI = {
    "slot": str,
    "driver": str,
    "vendor": int,
    "device": int,
    "ifname": str,
    "mac": str,
    "rx_queues": int,
    "tx_queues": int,
    "channels": int,
    "port": int,
    "state": str,
    "activated": bool,
    "mtu": int,
    "virtio_index": int,
}
_PCI_REQUIRED = ("slot", "driver", "vendor", "device", "ifname", "mac")
_MODULE = {"name": str, "params": dict, "note": str}


def _type_name(t: Any) -> str:
    names = {str: "a string", int: "an integer", bool: "true or false", list: "an array"}
    names[dict] = "a table"
    if isinstance(t, tuple):
        return "a number"
    return names[t]


def _check_table(src: str, where: str, table: Any, schema: dict, required=()) -> None:
    if not isinstance(table, dict):
        raise ProfileError(f"{src}: {where}: must be a table")
    for key, value in table.items():
        path = f"{where}.{key}" if where else key
        if key not in schema:
            allowed = ", ".join(sorted(schema))
            raise ProfileError(f"{src}: {path}: unknown key (allowed: {allowed})")
        want = schema[key]
        # bool is an int in Python; TOML keeps them apart and so does the schema.
        bad_bool = isinstance(value, bool) and want is not bool
        if bad_bool or not isinstance(value, want):
            raise ProfileError(f"{src}: {path}: must be {_type_name(want)}, not {value!r}")
    for key in required:
        if key not in table:
            raise ProfileError(f"{src}: {where}: missing required key '{key}'")


def _positive(src: str, path: str, value: int, hi: int = 4096) -> None:
    if not 1 <= value <= hi:
        raise ProfileError(f"{src}: {path}: must be between 1 and {hi}, not {value}")


def parse_profile(data: dict[str, Any], source: str, modules: dict[str, Any]) -> Profile:
    """Validate parsed TOML against the schema; `modules` is the module table to check
    module and driver names against."""
    _check_table(source, "", data, _TOP)
    prof = Profile(source)
    for key in ("hostname", "seed", "num_possible_cpus", "loopback"):
        if key in data:
            setattr(prof, key, data[key])
    if prof.loopback not in ("up", "down"):
        raise ProfileError(f'{source}: loopback: must be "up" or "down", not {prof.loopback!r}')
    if "boot_time" in data:
        if data["boot_time"] < NETWORK_TIME + 1 or data["boot_time"] > 10**7:
            raise ProfileError(
                f"{source}: boot_time: must be at least {NETWORK_TIME + 1} s (boot has to "
                f"finish first), not {data['boot_time']}"
            )
        prof.boot_time = float(data["boot_time"])
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9.-]{0,62}", prof.hostname):
        raise ProfileError(f"{source}: hostname: not a valid host name: {prof.hostname!r}")
    _positive(source, "num_possible_cpus", prof.num_possible_cpus)
    slots: set[str] = set()
    names: set[str] = set()
    macs: set[str] = set()
    for i, entry in enumerate(data.get("pci", [])):
        where = f"pci[{i}]"
        _check_table(source, where, entry, _PCI, _PCI_REQUIRED)
        fn = PciFunction(**entry)
        if not SLOT_RE.match(fn.slot):
            raise ProfileError(
                f"{source}: {where}.slot: not a PCI address DDDD:BB:DD.F: {fn.slot!r}"
            )
        if fn.slot in slots:
            raise ProfileError(f"{source}: {where}.slot: duplicate slot {fn.slot}")
        if fn.driver not in modules:
            raise ProfileError(f"{source}: {where}.driver: no such module {fn.driver!r}")
        if not dev_valid_name(fn.ifname) or "%" in fn.ifname:
            raise ProfileError(
                f"{source}: {where}.ifname: not a valid interface name {fn.ifname!r}"
            )
        if fn.ifname in names or fn.ifname == "lo":
            raise ProfileError(f"{source}: {where}.ifname: duplicate interface name {fn.ifname}")
        mac = fn.mac.lower()
        if not MAC_RE.match(mac):
            raise ProfileError(
                f"{source}: {where}.mac: not a MAC address xx:xx:xx:xx:xx:xx: {fn.mac!r}"
            )
        if int(mac[:2], 16) & 1 or mac == "00:00:00:00:00:00":
            raise ProfileError(f"{source}: {where}.mac: not a unicast address: {fn.mac}")
        if mac in macs:
            raise ProfileError(f"{source}: {where}.mac: duplicate MAC address {mac}")
        fn.mac = mac
        for key in ("rx_queues", "tx_queues", "port"):
            _positive(source, f"{where}.{key}", getattr(fn, key))
        if not 1 <= fn.channels <= min(fn.rx_queues, fn.tx_queues):
            raise ProfileError(
                f"{source}: {where}.channels: must be between 1 and the queue counts "
                f"({min(fn.rx_queues, fn.tx_queues)}), not {fn.channels}"
            )
        if fn.state not in ("up", "down"):
            raise ProfileError(f'{source}: {where}.state: must be "up" or "down", not {fn.state!r}')
        if not 0 <= fn.vendor <= 0xFFFF or not 0 <= fn.device <= 0xFFFF:
            raise ProfileError(f"{source}: {where}: vendor and device are 16-bit ids")
        slots.add(fn.slot)
        names.add(fn.ifname)
        macs.add(mac)
        prof.pci.append(fn)
    seen: set[str] = set()
    for i, entry in enumerate(data.get("module", [])):
        where = f"module[{i}]"
        _check_table(source, where, entry, _MODULE, ("name",))
        mod = BootModule(entry["name"], dict(entry.get("params", {})))
        if mod.name not in modules:
            raise ProfileError(f"{source}: {where}.name: no such module {mod.name!r}")
        if mod.name in seen:
            raise ProfileError(f"{source}: {where}.name: module {mod.name} listed twice")
        spec_params = modules[mod.name].params
        for pname, value in mod.params.items():
            if pname not in spec_params:
                raise ProfileError(
                    f"{source}: {where}.params.{pname}: {mod.name} has no such parameter"
                )
            if type(value) is not type(spec_params[pname]):
                raise ProfileError(
                    f"{source}: {where}.params.{pname}: must be "
                    f"{_type_name(type(spec_params[pname]))}, not {value!r}"
                )
        seen.add(mod.name)
        prof.modules.append(mod)
    for key, value in data.get("sysctl", {}).items():
        where = f"sysctl.{key!r}"
        if key == "net.core.default_qdisc":
            if value not in QDISCS:
                raise ProfileError(f"{source}: {where}: unknown qdisc {value!r}")
        elif key in SYSCTL_KEYS:
            lo, hi = SYSCTL_KEYS[key]
            if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
                raise ProfileError(
                    f"{source}: {where}: must be an integer in [{lo}, {hi}], not {value!r}"
                )
        else:
            raise ProfileError(f"{source}: {where}: unknown sysctl")
        prof.sysctl[key] = value
    if "netns" in data or "link" in data:
        from netlife.scenario.host_state import HostStateError, parse_host_state

        try:
            prof.host_state = parse_host_state(data.get("netns", []), data.get("link", []))
        except HostStateError as err:
            raise ProfileError(f"{source}: {err}") from None
    return prof


def module_table() -> dict[str, Any]:
    """The drivers table plus the hardware drivers a machine can have."""
    from netlife.drivers import MODULES, mlx5, netdevsim

    table = dict(MODULES)
    for spec in (*mlx5.MODULES, netdevsim.MODULE):
        table.setdefault(spec.name, spec)
    return table


def load_profile(path: str | Path) -> Profile:
    path = Path(path)
    from netlife.scenario.textfile import TextFileError, read_text

    try:
        text = read_text(path)
    except OSError as err:
        raise ProfileError(f"{path}: cannot read: {err.strerror}") from None
    except TextFileError as err:
        raise ProfileError(str(err)) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise ProfileError(f"{path}: invalid TOML: {err}") from None
    return parse_profile(data, str(path), module_table())


def default_profile() -> Profile:
    return load_profile(DEFAULT_PROFILE)


# -- boot -------------------------------------------------------------------------------------


def boot(profile: Profile, **kernel_options: Any):
    """Build the host the profile describes; returns a userspace Host at uptime boot_time."""
    import netlife
    from netlife.kernel.dev_flags import dev_close, dev_open
    from netlife.kernel.module import modprobe
    from netlife.kernel.rtnetlink import rtnl_lock
    from netlife.userspace.host import Host

    options: dict[str, Any] = {
        "seed": profile.seed,
        "num_possible_cpus": profile.num_possible_cpus,
    }
    if "net.core.default_qdisc" in profile.sysctl:
        options["default_qdisc"] = profile.sysctl["net.core.default_qdisc"]
    options.update(kernel_options)
    kernel = netlife.Kernel(module_table(), **options)
    clock = kernel.clock

    clock.advance_to(secs(PCI_ENUM_TIME))
    for fn in profile.pci:
        config = {
            "ifname": fn.ifname,
            "mac": fn.mac,
            "rx_queues": fn.rx_queues,
            "tx_queues": fn.tx_queues,
            "channels": fn.channels,
            "port": fn.port,
        }
        if fn.mtu:
            config["mtu"] = fn.mtu
        config["virtio_index"] = fn.virtio_index
        kernel.printk.pr_info(
            f"pci {fn.slot}: [{fn.vendor:04x}:{fn.device:04x}] type 00 class 0x020000 PCIe Endpoint"
        )
        pci_add_device(kernel, PciDev(kernel, fn.slot, fn.vendor, fn.device, config))

    clock.advance_to(secs(SYSCTL_TIME))
    for key, value in profile.sysctl.items():
        if key in SYSCTL_KEYS:
            kernel.sysctl[key] = value

    clock.advance_to(secs(MODULES_TIME))
    for mod in profile.modules:
        try:
            modprobe(kernel, mod.name, mod.params)
        except KernelError as err:
            raise ProfileError(f"{profile.source}: module {mod.name}: load failed: {err}") from None
    clock.run_pending()  # udev renames the new ports
    for fn in profile.pci:
        pdev = kernel.pci_devices[fn.slot]
        # The profile names the module (virtio_net), the PCI driver may differ (virtio-pci).
        if pdev.driver is None or fn.driver not in (pdev.driver.name, pdev.driver.owner):
            bound = pdev.driver.name if pdev.driver is not None else "no driver"
            raise ProfileError(
                f"{profile.source}: pci {fn.slot}: expected driver {fn.driver}, got {bound}"
            )

    clock.advance_to(secs(NETWORK_TIME))
    # Every distribution's init brings loopback up first (systemd-networkd, ifup lo).
    if profile.loopback == "up":
        with rtnl_lock(kernel):
            dev_open(kernel.init_net.loopback_dev)
        clock.run_pending()
    for fn in profile.pci:
        dev = kernel.init_net.dev_get_by_name(fn.ifname)
        if dev is None or not (fn.activated or fn.state == "up"):
            continue
        with rtnl_lock(kernel):
            dev_open(dev)
        clock.run_pending()
        if fn.state == "down":
            with rtnl_lock(kernel):
                dev_close(dev)
            clock.run_pending()

    host = Host(kernel, hostname=profile.hostname)
    if profile.host_state is not None:
        from netlife.scenario.host_state import restore_host_state

        profile.restore_warnings = restore_host_state(host, profile.host_state)
    clock.advance_to(max(clock.now, secs(profile.boot_time)))
    return host


__all__ = [
    "BootModule",
    "PciFunction",
    "Profile",
    "ProfileError",
    "boot",
    "default_profile",
    "load_profile",
    "parse_profile",
]
