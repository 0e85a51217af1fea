"""The root shell's world on a simulated host: commands, files, processes, namespaces by name.

Model-only. A Host runs one command line's argv at a time against its Kernel: it looks the
command up in the table (userspace/commands.py), sets the current task (comm, pid, network
namespace), and turns what the kernel raises into what a shell shows: KernelError becomes the
tool's own error text (the tool decides), KernelBug kills the process ("Segmentation fault",
as an oops in a syscall does), and any other exception is a netlife bug, reported as such.

Every command, and every write the shell makes to a file under /proc and /sys, runs as a task
(kernel/sched.py). A task that sleeps in the kernel longer than the model's bound ends the
command here with status 124 and the hang report, while the task itself sleeps on: if its
holder goes later it finishes, and what it prints then shows with the next command's output.
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
        self.foreground: Task | None = None  # the command's task while the clock runs for it
        # A front end's check while the clock runs for a foreground command: the number of a
        # signal (SIGINT, SIGTERM) that stops the wait, or 0 (scenario/signals.py sets it).
        self.poll: Callable[[], int] = lambda: 0
        self.late_out: list[str] = []  # printed by hung commands after their step ended
        self.late_err: list[str] = []
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
        self.next_pid += 1
        task = Task(name.rsplit("/", 1)[-1][:15], self.next_pid, net)
        result = self.run_task(task, proc, lambda: self._call(name, argv, proc, handler))
        result.stdout += self.drain_background()
        result.stderr += self._take_late_err()
        return result

    def _call(self, name: str, argv: list[str], proc: Proc, handler: Command) -> int:
        """The command as its process: what the kernel raises becomes what a shell shows."""
        try:
            return handler(proc, argv)
        except KernelBug:
            proc.eprint("Segmentation fault")
            self.kernel.printk.pr_emerg(
                f"note: {name}[{self.kernel.current.pid}] exited with irqs disabled"
            )
            return EXIT_OOPS
        except Hang as hang:  # only where no task could sleep (a kworker's own Hang)
            proc.eprint(f"netlife: {name} still blocked after the model's bound:")
            proc.eprint(str(hang.report))
            return EXIT_HANG
        except Exception as exc:  # a netlife bug: say so, with what reproduces it
            detail = "".join(traceback.format_exception(exc)).rstrip()
            self.internal_errors.append(detail)
            proc.eprint(f"netlife: internal error running {' '.join(argv)!r} (a netlife bug):")
            proc.eprint(detail)
            return EXIT_INTERNAL

    def run_task(
        self, task: Task, proc: Proc, fn: Callable[[], int], what: str = ""
    ) -> CommandResult:
        """Run fn as `task`: its status and output, or EXIT_HANG once it sleeps past the bound.

        Inside a task already (a background job, `ip netns exec`), fn runs there: that task
        is the process and sleeps with it. Otherwise fn gets a task of its own and the clock
        runs here until it ends or hangs; a hung task sleeps on, and its later output goes to
        the terminal (the next command's output).
        """
        kernel = self.kernel
        sched = kernel.sched
        status: list[int] = []
        if sched.in_task():
            prev, kernel.current = kernel.current, task
            try:
                rc = fn()
            finally:
                kernel.current = prev
            return CommandResult(rc, "".join(proc.out), "".join(proc.err))
        self.foreground = task
        try:
            sched.spawn(task, lambda: status.append(fn()))
            sched.run_until_exited_or_hung(task, self.poll)
        finally:
            self.foreground = None
        if status:
            return CommandResult(status[0], "".join(proc.out), "".join(proc.err))
        signum = self.poll() if task.hung is None else None
        if signum:
            # Interrupted while it sleeps in the kernel (state D ignores signals): the shell
            # stops waiting for it and the task sleeps on, as after the bound.
            rc = 128 + signum
        else:
            rc = EXIT_HANG
            report = task.hung or (task.blocked_report() if task.blocked_report else None)
            proc.eprint(f"netlife: {what or task.comm} still blocked after the model's bound:")
            proc.eprint(str(report) if report is not None else f"{task.comm}:{task.pid} asleep")
        result = CommandResult(rc, "".join(proc.out), "".join(proc.err))
        proc.out, proc.err = self.late_out, self.late_err  # what it prints when released
        return result

    def _take_late_err(self) -> str:
        text = "".join(self.late_err)
        self.late_err.clear()
        return text

    def drain_background(self) -> str:
        """What long-running processes (ip monitor, xdpsock …) printed since the last look: a
        terminal shows it wherever the cursor is, so it joins the running command's output."""
        chunks = ["".join(self.late_out)]
        self.late_out.clear()
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
        proc = Proc(self, net)
        if self.kernel.sched.in_task():  # a command's own write (sysctl -w): its process
            return self._store(net, path, data, proc), "".join(proc.err)
        # The shell's redirection: bash itself writes, as a process of its own.
        self.next_pid += 1
        task = Task("bash", self.next_pid, net)
        result = self.run_task(
            task, proc, lambda: self._store(net, path, data, proc), f"write to {path}"
        )
        return result.rc, result.stderr

    def _store(self, net: Net, path: str, data: str, proc: Proc) -> int:
        """The shell's write(2) to a kernel file, as its own process."""
        try:
            self.kernel.sysfs.write(net, path, data)
        except KernelError as err:
            proc.eprint(f"bash: echo: write error: {strerror(err.errno)}")
            return 1
        except KernelBug:
            proc.eprint("Segmentation fault")
            return EXIT_OOPS
        except Exception as exc:  # a netlife bug: say so, with what reproduces it
            detail = "".join(traceback.format_exception(exc)).rstrip()
            self.internal_errors.append(detail)
            proc.eprint(f"netlife: internal error writing {path} (a netlife bug):\n{detail}")
            return EXIT_INTERNAL
        return 0

    def read_file_in(self, net: Net, path: str) -> str:
        """A file's text; raises KernelError(ENOENT) as open(2) would fail."""
        if path in self.files:
            return self.files[path]
        return self.kernel.sysfs.read(net, path)
