"""Kernel: all state of one simulated host.

A Kernel owns the clock, the dmesg ring, the namespaces, the notifier chain, the link kinds,
the modules, the todo list and the tasks (kernel/sched.py). Nothing here is global: two Kernels
never share state. A task that blocks (waiting for references, for a lock held by a stuck task)
sleeps until the condition holds; past Kernel.hang_bound_secs its hang is reported and it sleeps
on, finishing its work if the holder goes later. A caller that is not a task (the Python API)
runs the clock while it waits and gets Hang at the bound.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from netlife.kernel.clock import NSEC_PER_SEC, Clock, secs
from netlife.kernel.errors import Hang
from netlife.kernel.locks import RwSemaphore
from netlife.kernel.net_namespace import Net
from netlife.kernel.notifier import RawNotifierHead
from netlife.kernel.printk import Printk
from netlife.kernel.rtnl_notify import rtnetlink_notifier
from netlife.kernel.sched import Scheduler

if TYPE_CHECKING:
    from netlife.kernel.dev_todo import TodoWait
    from netlife.kernel.module import LoadedModule, Module
    from netlife.kernel.netdevice import NetDevice
    from netlife.kernel.rtnetlink import RtnlLinkOps

HUNG_TASK_TIMEOUT_SECS = 120
INIT_NET_INUM = 4026531840  # proc_net_init's inode for init_net (PROC_NET_INIT_INO)


class Task:
    """The current process as the kernel sees it: comm and pid (hung-task reports, netns).

    `worker` marks a kworker running a work item (cleanup_net), for hang explanations.
    Scheduler fields: `exited` once the task's function returned; `hung` is the report of a
    wait that passed the bound (the task may still sleep on); `blocked_report` builds the
    report of the uninterruptible wait it is in now (None when it is not in one), and
    `blocked_cond` tells whether that wait could end now.
    """

    __slots__ = (
        "blocked_cond",
        "blocked_report",
        "comm",
        "exited",
        "hung",
        "net",
        "pid",
        "worker",
    )

    def __init__(self, comm: str, pid: int, net: Net, worker: bool = False) -> None:
        self.comm = comm
        self.pid = pid
        self.net = net
        self.worker = worker
        self.exited = False
        self.hung: Any = None
        self.blocked_report: Callable[[], Any] | None = None
        self.blocked_cond: Callable[[], bool] | None = None

    def __repr__(self) -> str:
        return f"<Task {self.comm}:{self.pid}>"


class Kernel:
    """One host. Construct with the module table the host's modprobe can find.

    Options: seed (MAC addresses and other randomness), boot_ns (clock at boot),
    netdev_unregister_timeout_secs (the sysctl), hang_bound_secs (how long a blocked call may
    wait before it is reported as a Hang), netkit_notifier (False runs the kernel as before the
    netkit NETDEV_UNREGISTER notifier commit), xsk_notifier (False runs AF_XDP as before commit
    455302d1c9ae "xdp: fix hang while unregistering device bound to xdp socket"),
    num_possible_cpus.
    """

    def __init__(
        self,
        module_table: dict[str, Module] | None = None,
        *,
        seed: int = 0,
        boot_ns: int = 0,
        netdev_unregister_timeout_secs: int = 10,
        hang_bound_secs: float = 600.0,
        netkit_notifier: bool = True,
        xsk_notifier: bool = True,
        num_possible_cpus: int = 2,
        default_qdisc: str = "pfifo_fast",
    ) -> None:
        self.clock = Clock(boot_ns)
        self.printk = Printk(self.clock)
        self.rng = random.Random(seed)
        self.module_table: dict[str, Module] = dict(module_table or {})
        self.modules: dict[str, LoadedModule] = {}
        self.sysctl: dict[str, Any] = {
            "net.core.netdev_unregister_timeout_secs": netdev_unregister_timeout_secs,
            "net.core.default_qdisc": default_qdisc,
            "kernel.hung_task_timeout_secs": HUNG_TASK_TIMEOUT_SECS,
        }
        self.hang_bound_secs = hang_bound_secs
        self.netkit_notifier = netkit_notifier
        self.xsk_notifier = xsk_notifier
        self.num_possible_cpus = num_possible_cpus
        self.rtnl_owner: str | None = None
        self.pernet_ops_rwsem = RwSemaphore(self, "pernet_ops_rwsem")
        self.netdev_chain = RawNotifierHead()
        self.link_ops: dict[str, RtnlLinkOps] = {}
        self.net_todo_list: list[NetDevice] = []
        self.dev_unreg_count = 0
        self.todo_waits: set[TodoWait] = set()
        self.linkwatch_list: dict[NetDevice, None] = {}  # lweventlist: ordered, O(1) removal
        self.linkwatch_scheduled = False
        self.link_monitors: list[Callable[[Net, Any], None]] = []
        # recorders of the other NETLINK_ROUTE groups (addresses, routes): (net, group, msg)
        self.rtnl_monitors: list[Callable[[Net, str, Any], None]] = []
        self.notifier_trace: list[tuple[int, str]] | None = None
        self.hangs: list[Any] = []
        self.pernet_list: list[Any] = []
        self.nets: list[Net] = []
        self.cleanup_list: list[Net] = []
        self.stuck_cleanup: list[Net] = []  # namespaces whose cleanup_net is blocked
        self.pid_nets: dict[int, Net] = {}  # pid → namespace of the model's user processes
        self.pci_devices: dict[str, Any] = {}
        self.pci_drivers: dict[str, Any] = {}
        self.xsk_sockets: list[Any] = []
        self.driver_state: dict[str, Any] = {}  # per-host driver globals (ops tables, lists)
        self.stats_alloc = 0
        self.stats_freed = 0
        self.on_free_hooks: list[Callable[[NetDevice], None]] = []
        # Device-level explanations, (kernel, dev) -> (chain lines, remedy); the demo asks each.
        # Hang reports use the per-holder explainers of kernel/hang_explain.py.
        self.holder_explainers: list[Callable[[Kernel, NetDevice], tuple[list[str], str]]] = []
        # userspace's /run/netns lookup (namespace → name), so hang remedies read `ip -n NAME`
        self.netns_name: Callable[[Net], str | None] | None = None
        self._kaddr = 0xFFFF888100000000
        self._next_inum = INIT_NET_INUM
        self.dev_boot_done = False
        self.sched = Scheduler(self)
        self.allocated: dict[int, NetDevice] = {}  # live (not freed) devices by kernel address
        self.current = None
        self.init_net = Net(self, self._alloc_inum())
        self.current = Task("swapper/0", 0, self.init_net)
        self.netdev_chain.register(rtnetlink_notifier())
        from netlife.kernel.hang_explain import register_hang_explainers
        from netlife.kernel.netns_lifecycle import net_dev_init
        from netlife.kernel.sysfs import Sysfs

        self.sysfs = Sysfs(self)

        register_hang_explainers(self)
        net_dev_init(self)
        self.dev_boot_done = True
        # Callers of the Python API act as one process in init_net.
        self.current = Task("netlife", 1, self.init_net)

    # -- identities ---------------------------------------------------------------------------

    def next_kaddr(self) -> int:
        self._kaddr += 0x2000
        return self._kaddr

    def _alloc_inum(self) -> int:
        inum = self._next_inum
        self._next_inum += 1 if inum != INIT_NET_INUM else 0x9B
        return inum

    def random_ether_addr(self) -> str:
        """eth_random_addr: locally administered, unicast."""
        # randrange(256) six times, inlined: the same draws (9 bits, rejecting >= 256), so a
        # seed gives the same MACs, without randrange's per-call overhead on the hot path.
        getrandbits = self.rng.getrandbits
        octets = bytearray()
        while len(octets) < 6:
            r = getrandbits(9)
            if r < 256:
                octets.append(r)
        octets[0] = (octets[0] & 0xFE) | 0x02
        return octets.hex(":")  # "%pM": lower-case hex pairs joined by ':'

    def live_nets(self) -> list[Net]:
        """for_each_net: namespaces on net_namespace_list (not yet unlinked by cleanup_net)."""
        return [net for net in self.nets if not net.dead]

    def pid_net(self, pid: int) -> Net | None:
        if pid == 1 or pid == 0:
            return self.init_net
        return self.pid_nets.get(pid)

    # -- hooks the model's subsystems fill in ----------------------------------------------

    def synchronize_net(self) -> None:
        """An RCU grace period (expedited under RTNL): queued callbacks may run."""
        self.clock.synchronize_rcu()

    def dev_memory_provider_uninstall(self, dev: NetDevice) -> None:
        """net/core/devmem.c:dev_memory_provider_uninstall: each RX queue's provider goes."""
        if dev._rx is None:
            return
        for rxq in dev._rx:
            if rxq.mp_ops is not None:
                rxq.mp_ops.uninstall(rxq)

    def request_module(self, alias: str) -> int:
        from netlife.kernel.module import request_module

        return request_module(self, alias)

    def live_devices(self) -> list[NetDevice]:
        """Every allocated, not yet freed net_device (the ref_tracker debugfs directory)."""
        return list(self.allocated.values())

    def on_free(self, dev: NetDevice) -> None:
        self.allocated.pop(dev.kaddr, None)
        for hook in self.on_free_hooks:
            hook(dev)

    def trace(self, what: str, dev: NetDevice) -> None:
        """A lifetime milestone (register, unregister, todo_done); overridden by tests."""

    def trace_notifier(self, event: int, dev: NetDevice) -> None:
        if self.notifier_trace is not None:
            self.notifier_trace.append((int(event), dev.name))

    # -- blocking ----------------------------------------------------------------------------

    def sleep_until(
        self, cond: Callable[[], bool], deadline: int | None, wait: TodoWait | None = None
    ) -> bool:
        """The current task sleeps until cond() holds or the deadline passes (None: never).

        A task (kernel/sched.py) gives the CPU back and is woken by `wait` ending, by cond
        turning true or by the deadline; the API's caller runs the clock here instead, other
        work running meanwhile.
        """
        if self.sched.in_task():
            return self.sched.sleep_until(cond, deadline, wait)
        if deadline is None:
            raise AssertionError("only a task can sleep without a deadline")
        return self.clock.run_until(cond, deadline)

    def schedule_timeout(self, delta_ns: int) -> None:
        """The current task sleeps for delta_ns (msleep, schedule_timeout_uninterruptible):
        other work runs meanwhile, and a task gives the CPU back."""
        deadline = self.clock.now + delta_ns
        self.sleep_until(lambda: self.clock.now >= deadline, deadline)

    def block_on(self, wait: TodoWait) -> None:
        """The caller sleeps in netdev_run_todo until `wait` is done.

        Past the bound the hang is reported; a task sleeps on and returns when the references
        are gone, the API's caller gets Hang (the wait goes on on the clock without it).
        """
        from netlife.kernel.hang import hang_report

        task = self.current
        self.todo_waits.add(wait)
        task.blocked_report = lambda: hang_report(self, wait)
        task.blocked_cond = lambda: wait.done or any(d.refcnt == 1 for d in wait.remaining)
        try:
            self._uninterruptible(lambda: wait.done, self.clock.now, wait)
        finally:
            task.blocked_report = task.blocked_cond = None

    def wait_event(
        self,
        cond: Callable[[], bool],
        what: str,
        lock: Any = None,
        on_overdue: Callable[[], None] | None = None,
    ) -> None:
        """Sleep (uninterruptibly) until cond holds; hung-task warnings every 120 s meanwhile.

        `lock` is what the task waits for (an RwSemaphore), for the hang report's chain;
        on_overdue runs once if the wait passes the bound.
        """
        if cond():
            return
        from netlife.kernel.hang import lock_hang_report

        task = self.current
        start = self.clock.now
        timers = []

        def hung_task_check(n: int) -> None:
            if cond():
                return
            secs_blocked = self.sysctl["kernel.hung_task_timeout_secs"]
            self.printk.pr_err(
                f"INFO: task {task.comm}:{task.pid} blocked for more than "
                f"{secs_blocked * n} seconds."
            )
            self.printk.pr_err("      Not tainted 6.18.0-netlife #1")
            self.printk.pr_err(
                '"echo 0 > /proc/sys/kernel/hung_task_timeout_secs" disables this message.'
            )
            self.printk.pr_info(
                f"task:{task.comm:<15} state:D stack:0     pid:{task.pid:<5} "
                f"tgid:{task.pid:<5} ppid:1      flags:0x00004002"
            )
            timers.append(
                self.clock.schedule(secs_blocked * NSEC_PER_SEC, lambda: hung_task_check(n + 1))
            )

        timeout = self.sysctl["kernel.hung_task_timeout_secs"] * NSEC_PER_SEC
        timers.append(self.clock.schedule(timeout, lambda: hung_task_check(1)))
        task.blocked_report = lambda: lock_hang_report(self, what, start, lock, task)
        task.blocked_cond = cond
        try:
            self._uninterruptible(cond, start, None, on_overdue)
        finally:
            task.blocked_report = task.blocked_cond = None
            for timer in timers:
                timer.cancel()

    def _uninterruptible(
        self,
        cond: Callable[[], bool],
        start: int,
        wait: TodoWait | None,
        on_overdue: Callable[[], None] | None = None,
    ) -> None:
        """Sleep until cond; at the bound report the hang, then a task sleeps on and the API's
        caller gets Hang."""
        task = self.current
        if self.sleep_until(cond, start + secs(self.hang_bound_secs), wait):
            return
        report = task.blocked_report()
        if on_overdue is not None:
            on_overdue()
        if self.sched.in_task():
            self.sched.report_hang(task, report)
            self.sleep_until(cond, None, wait)
            self.sched.unhang(task)
            return
        self.hangs.append(report)
        hang = Hang(report)
        hang.wait = wait
        raise hang
