"""kmod's tools: modprobe, rmmod, lsmod, insmod.

Model-only front ends printing what kmod 30+ prints (tools/modprobe.c, rmmod.c, lsmod.c,
insmod.c): rmmod checks in userspace first (builtin, not loaded, holders, use count) and only
then calls delete_module; `modprobe -r` removes the module and then each dependency left
unused; lsmod lists /proc/modules (newest first) with the use count and the holders. The
module directory is /lib/modules/6.18.0-netlife; a path given to insmod names a module by its
file name (mlx5_ib.ko).
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Any

from netlife.kernel.errors import EEXIST, EINVAL, ENOENT, KernelError, strerror
from netlife.kernel.module import (
    LoadedModule,
    Module,
    delete_module,
    find_module,
    load_module,
    modprobe,
)

if TYPE_CHECKING:
    from netlife.userspace.host import Proc

KERNEL_RELEASE = "6.18.0-netlife"
MODULE_DIRECTORY = f"/lib/modules/{KERNEL_RELEASE}"
ENOEXEC = 8  # errno values kernel/errors.py does not name
ESRCH = 3


def use_count(mod: LoadedModule) -> int:
    """/sys/module/X/refcnt: module_refcount, which counts each holder's reference too."""
    return mod.refcnt + len(mod.holders)


def parse_params(proc: Proc, spec: Module, args: list[str]) -> dict[str, Any]:
    """kernel/params.c:parse_args as init_module runs it: unknown names are ignored with a
    warning; a value that does not parse as the parameter's type fails the load (-EINVAL)."""
    params: dict[str, Any] = {}
    printk = proc.kernel.printk
    for arg in args:
        name, _, value = arg.partition("=")
        name = name.replace("-", "_")
        if name not in spec.params:
            printk.pr_warn(f"{spec.name}: unknown parameter '{name}' ignored")
            continue
        default = spec.params[name]
        try:
            if isinstance(default, bool):
                if value.lower() not in ("", "1", "0", "y", "n", "yes", "no", "on", "off"):
                    raise ValueError(value)
                params[name] = value.lower() in ("", "1", "y", "yes", "on")
            elif isinstance(default, int):
                params[name] = int(value, 0)
            else:
                params[name] = value
        except ValueError:
            printk.pr_err(f"{spec.name}: `{value}' invalid for parameter `{name}'")
            raise KernelError(EINVAL) from None
    return params


def _module_name_from_path(path: str) -> str:
    base = path.rsplit("/", 1)[-1]
    for ext in (".ko.zst", ".ko.xz", ".ko.gz", ".ko"):
        if base.endswith(ext):
            return base[: -len(ext)]
    return ""


# -- modprobe ---------------------------------------------------------------------------------


def cmd_modprobe(proc: Proc, argv: list[str]) -> int:
    args = argv[1:]
    remove = quiet = first_time = False
    names: list[str] = []
    for i, arg in enumerate(args):
        if arg in ("-r", "--remove"):
            remove = True
        elif arg in ("-q", "--quiet"):
            quiet = True
        elif arg == "--first-time":
            first_time = True
        elif arg.startswith("-") and not names:
            proc.eprint(f"modprobe: invalid option -- '{arg.lstrip('-')}'")
            return 1
        else:
            names = args[i:]
            break
    if not names:
        proc.eprint("modprobe: ERROR: missing parameters. See -h.")
        return 1

    def fatal(text: str) -> int:
        if not quiet:
            proc.eprint(f"modprobe: FATAL: {text}")
        return 1

    if remove:
        rc = 0
        for name in names:
            rc |= _modprobe_remove(proc, name, first_time, fatal)
        return rc
    return _modprobe_insert(proc, names[0], names[1:], first_time, fatal)


def _modprobe_insert(proc: Proc, name: str, args: list[str], first_time: bool, fatal) -> int:
    kernel = proc.kernel
    spec = find_module(kernel, name)
    if spec is None:
        return fatal(f"Module {name} not found in directory {MODULE_DIRECTORY}")
    if spec.builtin or spec.name in kernel.modules:
        if first_time:
            return fatal(f"Module {spec.name} already in kernel.")
        return 0
    try:
        params = parse_params(proc, spec, args)
        for dep in spec.depends:
            if dep not in kernel.modules:
                modprobe(kernel, dep)
        load_module(kernel, spec, params)
    except KernelError as err:
        text = strerror(err.errno)
        if err.errno == EEXIST:
            text = "Module already in kernel"
        elif err.errno == ENOENT:
            text = "Unknown symbol in module, or unknown parameter (see dmesg)"
        proc.eprint(f"modprobe: ERROR: could not insert '{spec.name}': {text}")
        return 1
    return 0


def _modprobe_remove(proc: Proc, name: str, first_time: bool, fatal) -> int:
    kernel = proc.kernel
    spec = find_module(kernel, name)
    if spec is None and name not in kernel.modules:
        return fatal(f"Module {name} not found.")
    modname = spec.name if spec is not None else name
    if spec is not None and spec.builtin:
        return fatal(f"Module {modname} is builtin.")
    mod = kernel.modules.get(modname)
    if mod is None:
        return fatal(f"Module {modname} is not in kernel.") if first_time else 0
    if use_count(mod) > 0:
        return fatal(f"Module {modname} is in use.")
    try:
        delete_module(kernel, modname)
    except KernelError as err:
        proc.eprint(f"modprobe: ERROR: could not remove '{modname}': {strerror(err.errno)}")
        return 1
    # Dependencies nothing uses any more go too; their errors are not fatal.
    for dep in mod.spec.depends:
        dmod = kernel.modules.get(dep)
        if dmod is not None and use_count(dmod) == 0 and not dmod.spec.builtin:
            with contextlib.suppress(KernelError):
                delete_module(kernel, dep)
    return 0


# -- rmmod, insmod, lsmod ---------------------------------------------------------------------


def cmd_rmmod(proc: Proc, argv: list[str]) -> int:
    args = argv[1:]
    force = any(a in ("-f", "--force") for a in args)
    names = [a for a in args if not a.startswith("-")]
    if not names:
        proc.eprint("rmmod: ERROR: missing module name.")
        return 1
    kernel = proc.kernel
    failed = 0
    for arg in names:
        name = _module_name_from_path(arg) or arg
        name = name.replace("-", "_")
        mod = kernel.modules.get(name)
        spec = kernel.module_table.get(name)
        if not force:
            if spec is not None and spec.builtin:
                proc.eprint(f"rmmod: ERROR: Module {name} is builtin.")
                failed += 1
                continue
            if mod is None:
                proc.eprint(f"rmmod: ERROR: Module {name} is not currently loaded")
                failed += 1
                continue
            if mod.holders:
                proc.eprint(f"rmmod: ERROR: Module {name} is in use by: " + " ".join(mod.holders))
                failed += 1
                continue
            if mod.refcnt:
                proc.eprint(f"rmmod: ERROR: Module {name} is in use")
                failed += 1
                continue
        try:
            delete_module(kernel, name, force=force)
        except KernelError as err:
            proc.eprint(f"rmmod: ERROR: could not remove module {arg}: {strerror(err.errno)}")
            failed += 1
    return 1 if failed else 0


def _insmod_strerror(err: int) -> str:
    return {
        ENOEXEC: "Invalid module format",
        ENOENT: "Unknown symbol in module",
        ESRCH: "Module has wrong symbol version",
        EINVAL: "Invalid parameters",
    }.get(err, strerror(err))


def cmd_insmod(proc: Proc, argv: list[str]) -> int:
    args = [a for a in argv[1:] if a not in ("-f", "-p", "-s")]
    if not args:
        proc.eprint("insmod: ERROR: missing filename.")
        return 1
    filename, opts = args[0], args[1:]
    kernel = proc.kernel
    name = _module_name_from_path(filename)
    spec = kernel.module_table.get(name) if name else None
    if spec is None or spec.builtin:
        proc.eprint(f"insmod: ERROR: could not load module {filename}: No such file or directory")
        return 1
    try:
        params = parse_params(proc, spec, opts)
        load_module(kernel, spec, params)  # no dependency resolution: that is modprobe's job
    except KernelError as err:
        proc.eprint(
            f"insmod: ERROR: could not insert module {filename}: {_insmod_strerror(err.errno)}"
        )
        return 1
    return 0


def cmd_lsmod(proc: Proc, argv: list[str]) -> int:
    if len(argv) > 1:
        proc.eprint("lsmod: ERROR: too many arguments provided.")
        return 1
    proc.print("Module                  Size  Used by")
    # /proc/modules lists the newest module first; builtins have no entry.
    for mod in reversed(list(proc.kernel.modules.values())):
        if mod.spec.builtin:
            continue
        line = f"{mod.name:<19} {mod.spec.size:8d}  {use_count(mod)}"
        if mod.holders:
            line += " " + ",".join(mod.holders)
        proc.print(line)
    return 0


COMMANDS = {
    "modprobe": cmd_modprobe,
    "rmmod": cmd_rmmod,
    "insmod": cmd_insmod,
    "lsmod": cmd_lsmod,
}
