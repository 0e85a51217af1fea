"""The root shell's world on a simulated host: commands, files, processes, namespaces by name.

Model-only. A Host runs one command line's argv at a time against its Kernel: it looks the
command up in the table (userspace/commands.py), sets the current task (comm, pid, network
namespace), and turns what the kernel raises into what a shell shows: KernelError becomes the
tool's own error text (the tool decides), KernelBug kills the process ("Segmentation fault",
as an oops in a syscall does), Hang ends the command with the hang report, and any other
exception is a netlife bug, reported as such.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from netlife.kernel.core import Task
from netlife.kernel.errors import Hang, KernelBug, KernelError, strerror

if TYPE_CHECKING:
    from netlife.kernel.core import Kernel
    from netlife.kernel.net_namespace import Net

EXIT_HANG = 124  # like timeout(1): the command did not finish within the model's bound
EXIT_OOPS = 139  # the process died in the kernel (SIGSEGV after an oops)
EXIT_INTERNAL = 70  # EX_SOFTWARE: a bug in netlife itself


@dataclass(slots=True)
class CommandResult:
    rc: int = 0
    stdout: str = ""
    stderr: str = ""


@dataclass(slots=True)
class Proc:
    """One command being run: its host, namespace, input and environment."""

    host: Host
    net: Net
    stdin: str = ""
    env: dict[str, str] = field(default_factory=dict)
    out: list[str] = field(default_factory=list)
    err: list[str] = field(default_factory=list)

    @property
    def kernel(self) -> Kernel:
        return self.host.kernel

    def print(self, text: str = "") -> None:
        self.out.append(text + "\n")

    def eprint(self, text: str) -> None:
        self.err.append(text + "\n")

    def write(self, text: str) -> None:
        self.out.append(text)


Command = Callable[[Proc, list[str]], int]


class Host:
    """The userspace of one machine. `netns` is /run/netns: name → namespace."""

    def __init__(self, kernel: Kernel, hostname: str = "netlife") -> None:
        from netlife.userspace.commands import command_table

        self.kernel = kernel
        self.clock = kernel.clock
        self.hostname = hostname
        self.netns: dict[str, Net] = {}
        self.commands: dict[str, Command] = command_table()
        self.next_pid = 1000
        self.internal_errors: list[str] = []
        self.processes: dict[int, object] = {}  # long-running user processes (xdpsock ...)
        # Files outside /proc, /sys and /dev: the host's tmpfs (batch files, notes). Model-only:
        # nothing is read from or written to the real filesystem.
        self.files: dict[str, str] = {}
        self._printed: dict[int, int] = {}  # pid → lines of its output already shown
        # Hang reports name namespaces as `ip -n NAME` would: the kernel knows no mount names.
        kernel.netns_name = lambda net: next((n for n, o in self.netns.items() if o is net), None)

    # -- the CommandHost protocol of scenario/shell.py -------------------------------------

    def settle(self) -> None:
        """Let work due now run (linkwatch, netns cleanup) before the next command."""
        self.clock.run_pending()

    def run_command(
        self, argv: list[str], stdin: str = "", env: dict[str, str] | None = None
    ) -> CommandResult:
        return self.run_in(self.kernel.init_net, argv, stdin, env or {})

    def write_file(self, path: str, data: str, append: bool) -> tuple[int, str]:
        return self.write_file_in(self.kernel.init_net, path, data, append)

    # -- running ------------------------------------------------------------------------------

    def run_in(self, net: Net, argv: list[str], stdin: str, env: dict[str, str]) -> CommandResult:
        if not argv:
            return CommandResult()
        name = argv[0]
        handler = self.commands.get(name)
        if handler is None:
            return CommandResult(127, "", f"bash: {name}: command not found\n")
        proc = Proc(self, net, stdin, env)
        kernel = self.kernel
        prev = kernel.current
        self.next_pid += 1
        kernel.current = Task(name.rsplit("/", 1)[-1][:15], self.next_pid, net)
        try:
            rc = handler(proc, argv)
        except KernelBug as bug:
            proc.eprint("Segmentation fault")
            kernel.printk.pr_emerg(f"note: {name}[{self.next_pid}] exited with irqs disabled")
            rc = EXIT_OOPS
            _ = bug
        except Hang as hang:
            proc.eprint(f"netlife: {name} still blocked after the model's bound:")
            proc.eprint(str(hang.report))
            rc = EXIT_HANG
        except Exception as exc:  # a netlife bug: say so, with what reproduces it
            detail = "".join(traceback.format_exception(exc)).rstrip()
            self.internal_errors.append(detail)
            proc.eprint(f"netlife: internal error running {' '.join(argv)!r} (a netlife bug):")
            proc.eprint(detail)
            rc = EXIT_INTERNAL
        finally:
            kernel.current = prev
        proc.write(self.drain_background())
        return CommandResult(rc, "".join(proc.out), "".join(proc.err))

    def drain_background(self) -> str:
        """What long-running processes (ip monitor, xdpsock …) printed since the last look: a
        terminal shows it wherever the cursor is, so it joins the running command's output."""
        chunks = []
        for pid, process in sorted(self.processes.items()):
            drain = getattr(process, "drain", None)
            if drain is not None:
                chunks.append(drain())
                continue
            lines = getattr(process, "output", None)
            if lines:
                seen = self._printed.get(pid, 0)
                chunks.extend(line + "\n" for line in lines[seen:])
                self._printed[pid] = len(lines)
        return "".join(chunks)

    def write_file_in(
        self, net: Net, path: str, data: str, append: bool = False
    ) -> tuple[int, str]:
        if path == "/dev/null":
            return 0, ""
        if not path.startswith(("/proc/", "/sys/", "/dev/")):
            self.files[path] = (self.files.get(path, "") if append else "") + data
            return 0, ""
        if self.kernel.sysfs.lookup(net, path) is None:
            return 1, f"bash: {path}: No such file or directory\n"
        try:
            self.kernel.sysfs.write(net, path, data)
        except KernelError as err:
            return 1, f"bash: echo: write error: {strerror(err.errno)}\n"
        except Hang as hang:  # a store that blocks (a PCI remove waiting for references)
            return (
                EXIT_HANG,
                f"netlife: write to {path} still blocked after the model's bound:\n{hang.report}\n",
            )
        except KernelBug:
            return EXIT_OOPS, "Segmentation fault\n"
        except Exception as exc:  # a netlife bug: say so, with what reproduces it
            detail = "".join(traceback.format_exception(exc)).rstrip()
            self.internal_errors.append(detail)
            return (
                EXIT_INTERNAL,
                f"netlife: internal error writing {path} (a netlife bug):\n{detail}\n",
            )
        return 0, ""

    def read_file_in(self, net: Net, path: str) -> str:
        """A file's text; raises KernelError(ENOENT) as open(2) would fail."""
        if path in self.files:
            return self.files[path]
        return self.kernel.sysfs.read(net, path)
