"""The kernel's files: procfs sysctls, sysfs attributes, debugfs entries.

Mirrors the files users read and write on these paths: /proc/sys/net/core/* (net/core/
sysctl_net_core.c), /sys/class/net/DEV/* (net/core/net-sysfs.c), /sys/kernel/debug/ref_tracker
(lib/ref_tracker.c) and whatever drivers add (netdevsim's /sys/bus/netdevsim/new_device).
Paths resolve in the namespace of the task that opens them, as sysfs mounted in that namespace.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from netlife.kernel.errors import EINVAL, ENOENT, KernelError

if TYPE_CHECKING:
    from netlife.kernel.core import Kernel
    from netlife.kernel.net_namespace import Net


@dataclass(slots=True)
class SysfsAttr:
    """A file: show() gives its text; store(text) writes it (raises KernelError)."""

    show: Callable[[], str] | None = None
    store: Callable[[str], None] | None = None


Resolver = Callable[["Net", str], "SysfsAttr | None"]
Lister = Callable[["Net", str], "list[str] | None"]


class Sysfs:
    """All files of one host: fixed paths, and resolvers for families of paths."""

    def __init__(self, kernel: Kernel) -> None:
        self.kernel = kernel
        self.files: dict[str, SysfsAttr] = {}
        self.resolvers: list[Resolver] = []
        self.listers: list[Lister] = []
        self._builtin()

    def add(self, path: str, show=None, store=None) -> None:
        self.files[path] = SysfsAttr(show, store)

    def remove(self, path: str) -> None:
        self.files.pop(path, None)

    def lookup(self, net: Net, path: str) -> SysfsAttr | None:
        attr = self.files.get(path)
        if attr is not None:
            return attr
        for resolve in self.resolvers:
            attr = resolve(net, path)
            if attr is not None:
                return attr
        return None

    def read(self, net: Net, path: str) -> str:
        attr = self.lookup(net, path)
        if attr is None or attr.show is None:
            raise KernelError(ENOENT if attr is None else EINVAL)
        return attr.show()

    def write(self, net: Net, path: str, text: str) -> None:
        attr = self.lookup(net, path)
        if attr is None:
            raise KernelError(ENOENT)
        if attr.store is None:
            raise KernelError(EINVAL)
        attr.store(text)

    def listdir(self, net: Net, path: str) -> list[str] | None:
        path = path.rstrip("/")
        names = {p[len(path) + 1 :].split("/")[0] for p in self.files if p.startswith(path + "/")}
        for lister in self.listers:
            more = lister(net, path)
            if more is not None:
                names.update(more)
        return sorted(names) if names else None

    # -- built-in files -----------------------------------------------------------------------

    def _builtin(self) -> None:
        kernel = self.kernel
        self.add_sysctl("net.core.netdev_unregister_timeout_secs", 1, 3600)
        self.add_sysctl("kernel.hung_task_timeout_secs", 0, 2**31 - 1)
        self.add(
            "/proc/sys/net/core/default_qdisc",
            lambda: kernel.sysctl["net.core.default_qdisc"] + "\n",
        )
        self.resolvers.append(_class_net)
        self.listers.append(_list_class_net)
        self.resolvers.append(_ref_tracker_debugfs)
        self.listers.append(_list_ref_tracker)

    def add_sysctl(self, key: str, lo: int, hi: int) -> None:
        kernel = self.kernel

        def store(text: str) -> None:
            try:
                value = int(text.strip())
            except ValueError:
                raise KernelError(EINVAL) from None
            if not lo <= value <= hi:
                raise KernelError(EINVAL)
            kernel.sysctl[key] = value

        self.add("/proc/sys/" + key.replace(".", "/"), lambda: f"{kernel.sysctl[key]}\n", store)


_OPER = ("unknown", "notpresent", "down", "lowerlayerdown", "testing", "dormant", "up")


def _class_net(net: Net, path: str) -> SysfsAttr | None:
    from netlife.kernel.dev_flags import dev_get_flags, dev_get_iflink

    prefix = "/sys/class/net/"
    if not path.startswith(prefix):
        return None
    parts = path[len(prefix) :].split("/")
    if len(parts) != 2:
        return None
    dev = net.dev_get_by_name(parts[0])
    if dev is None:
        return None
    fields = {
        "ifindex": lambda: f"{dev.ifindex}\n",
        "iflink": lambda: f"{dev_get_iflink(dev)}\n",
        "address": lambda: f"{dev.dev_addr}\n",
        "broadcast": lambda: f"{dev.broadcast}\n",
        "operstate": lambda: f"{_OPER[dev.operstate] if dev.start else 'down'}\n",
        "mtu": lambda: f"{dev.mtu}\n",
        "carrier": lambda: f"{int(dev.carrier)}\n",
        "flags": lambda: f"{dev_get_flags(dev) & 0xFFFF:#x}\n",
        "type": lambda: f"{dev.type}\n",
        "tx_queue_len": lambda: f"{dev.tx_queue_len}\n",
        "addr_assign_type": lambda: f"{dev.addr_assign_type}\n",
    }
    show = fields.get(parts[1])
    return SysfsAttr(show) if show else None


def _list_class_net(net: Net, path: str) -> list[str] | None:
    if path == "/sys/class/net":
        return [dev.name for dev in net.devices()]
    return None


def _ref_tracker_name(dev) -> str:
    return f"netdev@{dev.kaddr:016x}"


def _ref_tracker_debugfs(net: Net, path: str) -> SysfsAttr | None:
    from netlife.kernel.ref_tracker import ref_tracker_debugfs_text

    prefix = "/sys/kernel/debug/ref_tracker/"
    if not path.startswith(prefix):
        return None
    name = path[len(prefix) :]
    for dev in net.kernel.live_devices():
        if _ref_tracker_name(dev) == name:
            return SysfsAttr(lambda dev=dev: ref_tracker_debugfs_text(dev))
    return None


def _list_ref_tracker(net: Net, path: str) -> list[str] | None:
    if path == "/sys/kernel/debug/ref_tracker":
        return [_ref_tracker_name(dev) for dev in net.kernel.live_devices()]
    return None
