"""Plain commands of the root shell: dmesg, cat, ls, sysctl, hostname, uname.

Model-only front ends to the kernel's log and files, printing as util-linux, coreutils and
procps do for the modelled cases.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from netlife.kernel.errors import KernelError, strerror

if TYPE_CHECKING:
    from netlife.userspace.host import Proc


def dmesg(proc: Proc, argv: list[str]) -> int:
    args = argv[1:]
    printk = proc.kernel.printk
    if "-C" in args or "--clear" in args:
        printk.dmesg(clear=True)
        return 0
    clear = "-c" in args or "--read-clear" in args
    for line in printk.dmesg(clear=clear):
        proc.print(line)
    return 0


def cat(proc: Proc, argv: list[str]) -> int:
    if len(argv) == 1:
        proc.write(proc.stdin)
        return 0
    rc = 0
    for path in argv[1:]:
        try:
            proc.write(proc.host.read_file_in(proc.net, path))
        except KernelError as err:
            if proc.kernel.sysfs.listdir(proc.net, path):
                proc.eprint(f"cat: {path}: Is a directory")
            else:
                proc.eprint(f"cat: {path}: {strerror(err.errno)}")
            rc = 1
    return rc


def ls(proc: Proc, argv: list[str]) -> int:
    paths = [a for a in argv[1:] if not a.startswith("-")] or ["."]
    rc = 0
    for path in paths:
        names = proc.kernel.sysfs.listdir(proc.net, path)
        if names is None:
            if proc.kernel.sysfs.lookup(proc.net, path) is not None:
                proc.print(path)
                continue
            proc.eprint(f"ls: cannot access '{path}': No such file or directory")
            rc = 2
            continue
        if len(paths) > 1:
            proc.print(f"{path}:")
        for name in names:
            proc.print(name)
    return rc


def sysctl(proc: Proc, argv: list[str]) -> int:
    args = argv[1:]
    write = False
    if args and args[0] == "-w":
        write, args = True, args[1:]
    rc = 0
    for arg in args:
        if "=" in arg or write:
            key, _, value = arg.partition("=")
            path = "/proc/sys/" + key.strip().replace(".", "/")
            code, err = proc.host.write_file_in(proc.net, path, value.strip() + "\n")
            if code:
                if "No such file" in err:
                    proc.eprint(f"sysctl: cannot stat {path}: No such file or directory")
                else:
                    proc.eprint(f'sysctl: setting key "{key.strip()}": Invalid argument')
                rc = 255
                continue
            proc.print(f"{key.strip()} = {value.strip()}")
        else:
            path = "/proc/sys/" + arg.replace(".", "/")
            try:
                proc.print(f"{arg} = {proc.host.read_file_in(proc.net, path).strip()}")
            except KernelError:
                proc.eprint(f"sysctl: cannot stat {path}: No such file or directory")
                rc = 255
    return rc


def hostname(proc: Proc, argv: list[str]) -> int:
    proc.print(proc.host.hostname)
    return 0


COMMANDS = {"dmesg": dmesg, "cat": cat, "ls": ls, "sysctl": sysctl, "hostname": hostname}
