"""Loadable kernel modules: init/exit, dependencies, use counts, request_module.

Mirrors kernel/module/main.c (load, delete_module with its -EWOULDBLOCK / -EBUSY checks,
try_module_get / module_put, the holders list that lsmod prints as "Used by") and
kernel/module/kmod.c:request_module (aliases such as "rtnl-link-veth").
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING, Any

from netlife.kernel.errors import EBUSY, EEXIST, ENOENT, EWOULDBLOCK, KernelError

if TYPE_CHECKING:
    from netlife.kernel.core import Kernel


class ModuleState(Enum):
    """enum module_state."""

    MODULE_STATE_LIVE = 0  # do_init_module, after init returned 0
    MODULE_STATE_COMING = 1  # load_module, before init runs
    MODULE_STATE_GOING = 2  # delete_module, before exit runs
    MODULE_STATE_UNFORMED = 3


@dataclass(slots=True, eq=False)
class Module:
    """A module as the drivers table describes it: what modprobe can find.

    init(kernel, params) returns 0 or -errno; exit(kernel) undoes exactly what init did.
    """

    name: str
    init: Callable[[Kernel, dict[str, Any]], int] | None
    exit: Callable[[Kernel], None] | None
    depends: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    size: int = 16384  # what lsmod prints in the Size column
    builtin: bool = False  # =y: initialised at boot, never unloaded (loopback)
    params: dict[str, Any] = field(default_factory=dict)  # defaults of module parameters


@dataclass(slots=True, eq=False)
class LoadedModule:
    """struct module of a loaded module."""

    spec: Module
    state: ModuleState
    params: dict[str, Any]
    refcnt: int = 0  # try_module_get / module_put
    holders: list[str] = field(default_factory=list)  # modules using our symbols, load order

    @property
    def name(self) -> str:
        return self.spec.name


def find_module(kernel: Kernel, name_or_alias: str) -> Module | None:
    table = kernel.module_table
    spec = table.get(name_or_alias) or table.get(name_or_alias.replace("-", "_"))
    if spec is not None:
        return spec
    for spec in table.values():
        if name_or_alias in spec.aliases:
            return spec
    return None


def load_module(kernel: Kernel, spec: Module, params: dict[str, Any] | None = None) -> None:
    """init_module: the module's dependencies must be live; run init; LIVE on success."""
    if spec.name in kernel.modules:
        raise KernelError(EEXIST)
    for dep in spec.depends:
        if dep not in kernel.modules:
            raise KernelError(ENOENT)
    merged = dict(spec.params)
    merged.update(params or {})
    mod = LoadedModule(spec, ModuleState.MODULE_STATE_COMING, merged)
    kernel.modules[spec.name] = mod
    for dep in spec.depends:
        kernel.modules[dep].holders.append(spec.name)
    ret = spec.init(kernel, merged) if spec.init is not None else 0
    if ret:
        for dep in spec.depends:
            kernel.modules[dep].holders.remove(spec.name)
        del kernel.modules[spec.name]
        raise KernelError(ret)
    mod.state = ModuleState.MODULE_STATE_LIVE


def delete_module(kernel: Kernel, name: str, force: bool = False) -> None:
    """The delete_module syscall: refuse while used, else GOING, exit (may block), free."""
    mod = kernel.modules.get(name)
    if mod is None:
        raise KernelError(ENOENT)
    if mod.holders:
        raise KernelError(EWOULDBLOCK)
    if mod.state != ModuleState.MODULE_STATE_LIVE:
        raise KernelError(EBUSY)
    if mod.spec.init is not None and mod.spec.exit is None and not force:
        raise KernelError(EBUSY)
    if mod.refcnt and not force:
        raise KernelError(EWOULDBLOCK)
    mod.state = ModuleState.MODULE_STATE_GOING
    if mod.spec.exit is not None:
        mod.spec.exit(kernel)  # may sleep (netdev_run_todo): the module is GOING meanwhile
    _free_module(kernel, mod)


def _free_module(kernel: Kernel, mod: LoadedModule) -> None:
    for dep in mod.spec.depends:
        holders = kernel.modules[dep].holders
        if mod.name in holders:
            holders.remove(mod.name)
    del kernel.modules[mod.name]


def try_module_get(kernel: Kernel, name: str | None) -> bool:
    if name is None:
        return True
    mod = kernel.modules.get(name)
    if mod is None or mod.state != ModuleState.MODULE_STATE_LIVE:
        return False
    mod.refcnt += 1
    return True


def module_put(kernel: Kernel, name: str | None) -> None:
    if name is None:
        return
    mod = kernel.modules.get(name)
    if mod is not None and mod.refcnt > 0:
        mod.refcnt -= 1


def request_module(kernel: Kernel, alias: str) -> int:
    """kmod: modprobe the module providing `alias` (and its dependencies). 0 or -errno."""
    spec = find_module(kernel, alias)
    if spec is None:
        return -ENOENT
    try:
        modprobe(kernel, spec.name)
    except KernelError as err:
        return -err.errno
    return 0


def modprobe(kernel: Kernel, name: str, params: dict[str, Any] | None = None) -> list[str]:
    """Load `name` after its dependencies (depth first); returns the modules loaded."""
    spec = find_module(kernel, name)
    if spec is None:
        raise KernelError(ENOENT)
    loaded: list[str] = []
    for dep in spec.depends:
        if dep not in kernel.modules:
            loaded += modprobe(kernel, dep)
    if spec.name not in kernel.modules:
        load_module(kernel, spec, params)
        loaded.append(spec.name)
    return loaded
