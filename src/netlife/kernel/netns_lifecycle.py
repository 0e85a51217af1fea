"""Creating and destroying network namespaces: pernet operations, setup_net, cleanup_net.

Mirrors net/core/net_namespace.c (register_pernet_subsys / _device, setup_net, copy_net_ns,
__put_net, the single-threaded cleanup_net work with its ops_undo_list order) and
net/core/dev.c:net_dev_init (loopback's pernet ops first, then default_device_ops) and
default_device_exit_net / default_device_exit_batch.

cleanup_net, in order: unlink the dying namespaces; drop their ids in survivors; pre_exit of
every operation (reverse order); a grace period; exit_rtnl of every operation into one kill list
under RTNL, one batch, unlock (todo wait); exit and exit_batch (reverse), where
default_device_exit_batch moves movable devices home and kills the rest; free.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from netlife.kernel.net_namespace import Net

if TYPE_CHECKING:
    from netlife.kernel.core import Kernel
    from netlife.kernel.netdevice import NetDevice


@dataclass(slots=True, eq=False)
class PernetOperations:
    """struct pernet_operations; device ops run after every subsystem op."""

    name: str
    init: Callable[[Net], int] | None = None
    pre_exit: Callable[[Net], None] | None = None
    exit_rtnl: Callable[[Net, list], None] | None = None
    exit: Callable[[Net], None] | None = None
    exit_batch: Callable[[list[Net]], None] | None = None
    device: bool = True


def _undo_phases(
    kernel: Kernel, ops_list: list[PernetOperations], nets: list[Net]
) -> list[Callable[[], None]]:
    """ops_undo_list as steps: pre_exit, grace period, exit_rtnl batch, exit, exit_batch."""
    from netlife.kernel.dev import unregister_netdevice_many
    from netlife.kernel.rtnetlink import rtnl_lock

    rev = list(reversed(ops_list))

    def pre_exit() -> None:
        for ops in rev:
            if ops.pre_exit is not None:
                for net in nets:
                    ops.pre_exit(net)
        kernel.synchronize_net()

    def exit_rtnl() -> None:
        if any(ops.exit_rtnl is not None for ops in rev):
            with rtnl_lock(kernel):
                kill: list[NetDevice] = []
                for ops in rev:
                    if ops.exit_rtnl is not None:
                        for net in nets:
                            ops.exit_rtnl(net, kill)
                unregister_netdevice_many(kernel, kill)

    def exits() -> None:
        for ops in rev:
            if ops.exit is not None:
                for net in nets:
                    ops.exit(net)

    phases: list[Callable[[], None]] = [pre_exit, exit_rtnl, exits]
    for ops in rev:
        if ops.exit_batch is not None:
            phases.append(lambda ops=ops: ops.exit_batch(nets))
    return phases


def _undo(kernel: Kernel, ops_list: list[PernetOperations], nets: list[Net]) -> None:
    for phase in _undo_phases(kernel, ops_list, nets):
        phase()


def _ops_init(kernel: Kernel, ops: PernetOperations, net: Net) -> int:
    return ops.init(net) if ops.init is not None else 0


def register_pernet_operations(kernel: Kernel, ops: PernetOperations) -> int:
    """Run init for every live namespace, then add ops (device ops at the tail)."""
    with kernel.pernet_ops_rwsem.write():
        done: list[Net] = []
        for net in kernel.live_nets():
            err = _ops_init(kernel, ops, net)
            if err:
                _undo(kernel, [ops], done)
                return err
            done.append(net)
        if ops.device:
            kernel.pernet_list.append(ops)
        else:
            idx = next(
                (i for i, o in enumerate(kernel.pernet_list) if o.device), len(kernel.pernet_list)
            )
            kernel.pernet_list.insert(idx, ops)
    return 0


def register_pernet_device(kernel: Kernel, ops: PernetOperations) -> int:
    ops.device = True
    return register_pernet_operations(kernel, ops)


def register_pernet_subsys(kernel: Kernel, ops: PernetOperations) -> int:
    ops.device = False
    return register_pernet_operations(kernel, ops)


def unregister_pernet_operations(kernel: Kernel, ops: PernetOperations) -> None:
    with kernel.pernet_ops_rwsem.write():
        if ops in kernel.pernet_list:
            kernel.pernet_list.remove(ops)
            _undo(kernel, [ops], kernel.live_nets())


def setup_net(kernel: Kernel, net: Net) -> int:
    done: list[PernetOperations] = []
    for ops in kernel.pernet_list:
        err = _ops_init(kernel, ops, net)
        if err:
            _undo(kernel, done, [net])
            return err
        done.append(ops)
    return 0


def copy_net_ns(kernel: Kernel) -> Net:
    """unshare(CLONE_NEWNET): a new namespace with every pernet operation run (lo first)."""
    from netlife.kernel.errors import KernelError

    net = Net(kernel, kernel._alloc_inum())
    with kernel.pernet_ops_rwsem.read():
        err = setup_net(kernel, net)
        if err:
            raise KernelError(err)
        kernel.nets.append(net)
    return net


def get_net(net: Net) -> Net:
    net.count += 1
    return net


def put_net(net: Net) -> None:
    """The last reference queues the namespace for the (batched, asynchronous) cleanup."""
    net.count -= 1
    if net.count == 0:
        kernel = net.kernel
        kernel.cleanup_list.append(net)
        if len(kernel.cleanup_list) == 1 and not kernel.stuck_cleanup:
            kernel.clock.queue_work(lambda: cleanup_net(kernel), "net_cleanup_work")


def cleanup_net(kernel: Kernel) -> None:
    """The netns workqueue item: destroy every namespace queued so far, as one batch.

    It runs as a kworker task: if the batch's todo wait blocks, the worker sleeps holding
    pernet_ops_rwsem for read, and the remaining steps and the release run when the wait ends.
    """
    from netlife.kernel.core import Task

    nets, kernel.cleanup_list = kernel.cleanup_list, []
    if not nets:
        return
    worker = Task("kworker/u8:1", 10, kernel.init_net, worker=True)

    def work() -> None:
        kernel.pernet_ops_rwsem.down_read()
        for net in nets:
            net.dead = True
        for survivor in kernel.live_nets():
            for net in nets:
                survivor.netns_ids.pop(net, None)
        for phase in _undo_phases(kernel, kernel.pernet_list, nets):
            phase()
        for net in nets:
            if net in kernel.nets:
                kernel.nets.remove(net)
            if net in kernel.stuck_cleanup:
                kernel.stuck_cleanup.remove(net)
        kernel.pernet_ops_rwsem.up_read()
        if kernel.cleanup_list:
            kernel.clock.queue_work(lambda: cleanup_net(kernel), "net_cleanup_work")

    if not kernel.sched.spawn(worker, work).exited:
        kernel.stuck_cleanup.extend(nets)  # the worker sleeps; the workqueue is ordered


# -- net_dev_init and default_device_ops ----------------------------------------------------


def default_device_exit_net(net: Net) -> None:
    """Move every movable device without link ops (or with netns_refund) back to init_net."""
    from netlife.kernel.errors import KernelError
    from netlife.kernel.rtnl_setlink import __dev_change_net_namespace

    kernel = net.kernel
    for dev in net.devices():
        if dev.netns_immutable:
            continue
        if dev.rtnl_link_ops is not None and not dev.rtnl_link_ops.netns_refund:
            continue
        init = kernel.init_net
        pattern = None
        if init.dev_get_by_name(dev.name) is not None:
            fallback = f"dev{dev.ifindex}"
            pattern = fallback if init.dev_get_by_name(fallback) is None else "dev%d"
        try:
            __dev_change_net_namespace(dev, init, pattern, 0)
        except KernelError as err:
            kernel.printk.pr_emerg(
                f"default_device_exit_net: failed to move {dev.name} to init_net: {-err.errno}"
            )
            kernel.printk.BUG_ON(True, "unregister-not-registered", "failed move to init_net")


def default_device_exit_batch(nets: list[Net]) -> None:
    from netlife.kernel.dev import unregister_netdevice_many, unregister_netdevice_queue
    from netlife.kernel.rtnetlink import rtnl_lock

    kernel = nets[0].kernel
    with rtnl_lock(kernel):
        for net in nets:
            default_device_exit_net(net)
        kill: list[NetDevice] = []
        for net in nets:
            # No skip for devices already queued (a veth end's peer): dellink queues them again,
            # which moves them to the tail, as list_move_tail does in the kernel.
            for dev in reversed(net.devices()):
                ops = dev.rtnl_link_ops
                if ops is not None and ops.dellink is not None:
                    ops.dellink(dev, kill)
                else:
                    unregister_netdevice_queue(dev, kill)
        unregister_netdevice_many(kernel, kill)


def net_dev_init(kernel: Kernel) -> None:
    """Boot: init_net exists; built-in modules (loopback first), then default_device_ops."""
    from netlife.kernel.module import load_module

    kernel.nets.append(kernel.init_net)
    builtins = [m for m in kernel.module_table.values() if m.builtin]
    builtins.sort(key=lambda m: m.name != "loopback")
    for spec in builtins[:1]:
        load_module(kernel, spec)
    register_pernet_device(
        kernel, PernetOperations("default_device_ops", exit_batch=default_device_exit_batch)
    )
    for spec in builtins[1:]:
        load_module(kernel, spec)
