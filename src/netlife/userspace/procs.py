"""Long-running user processes that hold kernel objects: xdpsock and iou-zcrx; kill, pkill.

Model-only front ends. A started tool binds its AF_XDP socket (kernel/xsk.py) or registers its
io_uring zero-copy RX queue (kernel/zcrx.py) in the namespace it runs in, then keeps running:
the command returns at once and the process stays in host.processes, holding its socket or
ring (and its network namespace, as a task does) until it exits or is killed. Lines a process
writes later (when its device goes away) collect in UserProcess.output for the shell to show.

Output choices (CHOICE, documented in docs/choices.md):
- xdpsock prints nothing while it runs (the real tool prints a statistics block every
  second). When its socket reports ENETDOWN it exits 1 after printing its exit_with_error line
  without the source line number: `xdpsock_user.c:main: errno: 100/"Network is down"`. A
  failing bind prints the same form from xsk_configure_socket.
- iou-zcrx (tools/testing/selftests/drivers/net/hw/iou-zcrx.c) reports errors with error(3):
  `iou-zcrx: bad interface name: X`, `iou-zcrx: io_uring_register_ifq(): -95`. When its device
  goes away it notices nothing and keeps running (the ifq has dropped its reference).
- The ring's teardown at exit (io_ring_exit_work) runs synchronously with the kill.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from netlife.kernel.errors import KernelError, strerror
from netlife.kernel.netns_lifecycle import get_net, put_net
from netlife.kernel.xsk import XDP_COPY, XDP_ZEROCOPY, xsk_bind, xsk_create, xsk_release
from netlife.kernel.zcrx import io_register_zcrx_ifq, io_shutdown_zcrx_ifqs

if TYPE_CHECKING:
    from netlife.kernel.net_namespace import Net
    from netlife.userspace.host import Host, Proc

SIGTERM = 15
SIGKILL = 9


@dataclass(eq=False)
class UserProcess:
    """A running tool: what it holds and what it printed after its command returned."""

    host: Host
    pid: int
    comm: str
    argv: list[str]
    net: Net
    alive: bool = True
    exit_status: int | None = None  # 128 + signal when killed
    output: list[str] = field(default_factory=list)  # later lines, stdout and stderr in order
    socket: Any = None  # XdpSock
    ifqs: list[Any] = field(default_factory=list)  # IoZcrxIfq of its ring

    def __repr__(self) -> str:
        state = "running" if self.alive else f"exited {self.exit_status}"
        return f"<UserProcess {self.pid} {self.comm} {state}>"

    @property
    def label(self) -> str:
        return f"{self.comm} (pid {self.pid})"

    def exit(self, status: int) -> None:
        """do_exit: close the files (socket, ring), leave the namespace."""
        if not self.alive:
            return
        self.alive = False
        self.exit_status = status
        kernel = self.host.kernel
        if self.socket is not None:
            xsk_release(self.socket)
            self.socket = None
        if self.ifqs:
            io_shutdown_zcrx_ifqs(kernel, self.ifqs)
            self.ifqs = []
        kernel.pid_nets.pop(self.pid, None)
        put_net(self.net)


def _start(proc: Proc, argv: list[str]) -> UserProcess:
    kernel = proc.kernel
    pid = kernel.current.pid
    up = UserProcess(proc.host, pid, kernel.current.comm, list(argv), proc.net)
    get_net(proc.net)
    kernel.pid_nets[pid] = proc.net
    proc.host.processes[pid] = up
    return up


def _opts(argv: list[str], with_value: set[str]) -> dict[str, Any]:
    opts: dict[str, Any] = {}
    args = iter(argv[1:])
    for arg in args:
        if arg in with_value:
            opts[arg] = next(args, "")
        else:
            opts[arg] = True
    return opts


# -- xdpsock ------------------------------------------------------------------------------------


def xdpsock(proc: Proc, argv: list[str]) -> int:
    """`xdpsock -i DEV -q QUEUE [-z|-c]`: one AF_XDP socket bound to DEV's queue."""
    opts = _opts(argv, {"-i", "-q", "--interface", "--queue"})
    ifname = opts.get("-i") or opts.get("--interface")
    queue = int(opts.get("-q") or opts.get("--queue") or 0)
    flags = (XDP_ZEROCOPY if "-z" in opts else 0) | (XDP_COPY if "-c" in opts else 0)
    dev = proc.net.dev_get_by_name(ifname) if ifname else None
    if dev is None:
        proc.eprint(f'ERROR: interface "{ifname}" does not exist')
        return 1
    up = _start(proc, argv)
    xs = xsk_create(proc.net, up.label)
    xs.owner_pid = up.pid
    try:
        xsk_bind(xs, dev.ifindex, queue, flags)
    except KernelError as err:
        xsk_release(xs)
        up.exit(1)
        proc.eprint(
            f'xdpsock_user.c:xsk_configure_socket: errno: {err.errno}/"{strerror(err.errno)}"'
        )
        return 1
    up.socket = xs

    def sk_error_report(sock: Any) -> None:
        # CHOICE: the model's xdpsock checks SO_ERROR and ends like exit_with_error.
        up.output.append(f'xdpsock_user.c:main: errno: {sock.sk_err}/"{strerror(sock.sk_err)}"')
        proc.host.kernel.clock.queue_work(lambda: up.exit(1), "xdpsock exit")

    xs.sk_error_report = sk_error_report
    return 0


# -- iou-zcrx -----------------------------------------------------------------------------------


def iou_zcrx(proc: Proc, argv: list[str]) -> int:
    """`iou-zcrx -i DEV -q QUEUE [-s -p PORT]`: a ring with one zero-copy RX queue."""
    opts = _opts(argv, {"-i", "-q", "-p", "-h", "-l", "-z"})
    ifname = opts.get("-i", "")
    queue = int(opts.get("-q") or 0)
    dev = proc.net.dev_get_by_name(ifname)
    if dev is None:
        proc.eprint(f"iou-zcrx: bad interface name: {ifname}")
        return 1
    up = _start(proc, argv)
    try:
        ifq = io_register_zcrx_ifq(proc.net, dev.ifindex, queue, up.label)
    except KernelError as err:
        up.exit(1)
        proc.eprint(f"iou-zcrx: io_uring_register_ifq(): {-err.errno}")
        return 1
    ifq.owner_pid = up.pid
    up.ifqs.append(ifq)
    return 0


# -- kill, pkill --------------------------------------------------------------------------------


def _signal(argv: list[str]) -> tuple[int, list[str]]:
    sig, rest = SIGTERM, []
    for arg in argv[1:]:
        if arg in ("-9", "-KILL", "-SIGKILL", "-s9"):
            sig = SIGKILL
        elif arg in ("-15", "-TERM", "-SIGTERM"):
            sig = SIGTERM
        else:
            rest.append(arg)
    return sig, rest


def _live(host: Host) -> list[UserProcess]:
    return [p for p in host.processes.values() if isinstance(p, UserProcess) and p.alive]


def kill(proc: Proc, argv: list[str]) -> int:
    """bash's kill builtin: PIDs, or %N through the shell's job table (host.jobs, if any)."""
    sig, targets = _signal(argv)
    rc = 0
    for target in targets:
        if target.startswith("%"):
            jobs = getattr(proc.host, "jobs", None) or {}
            pid = jobs.get(target[1:]) if isinstance(jobs, dict) else None
            if pid is None:
                proc.eprint(f"bash: kill: {target}: no such job")
                rc = 1
                continue
        else:
            try:
                pid = int(target)
            except ValueError:
                proc.eprint(f"bash: kill: {target}: arguments must be process or job IDs")
                rc = 1
                continue
        up = proc.host.processes.get(pid)
        if not isinstance(up, UserProcess) or not up.alive:
            proc.eprint(f"bash: kill: ({pid}) - No such process")
            rc = 1
            continue
        up.exit(128 + sig)
    return rc


def pkill(proc: Proc, argv: list[str]) -> int:
    """procps pkill PATTERN: every process whose name matches; 1 when none did."""
    sig, rest = _signal(argv)
    if not rest:
        proc.eprint("pkill: no matching criteria specified")
        return 2
    pattern = re.compile(rest[0])
    hits = [p for p in _live(proc.host) if pattern.search(p.comm)]
    for up in hits:
        up.exit(128 + sig)
    return 0 if hits else 1


COMMANDS = {"xdpsock": xdpsock, "iou-zcrx": iou_zcrx, "kill": kill, "pkill": pkill}
