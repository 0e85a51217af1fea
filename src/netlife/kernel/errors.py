"""What a kernel operation can end in besides success.

KernelError is an errno (with the netlink extack message when the kernel sets one) that a
syscall or netlink request returns: userspace prints it as iproute2 or kmod would. KernelBug is
a BUG(): the operation stops at once. Hang is an unbounded wait cut short by the model's bound.
"""

from __future__ import annotations

import errno as _errno
import os

# The errno names the model returns; values are Linux's (Python's errno module on Linux).
EPERM = _errno.EPERM
ENOENT = _errno.ENOENT
EINTR = _errno.EINTR
EIO = _errno.EIO
ENOMEM = _errno.ENOMEM
EBUSY = _errno.EBUSY
EEXIST = _errno.EEXIST
ENODEV = _errno.ENODEV
EINVAL = _errno.EINVAL
ENFILE = _errno.ENFILE
ERANGE = _errno.ERANGE
EOPNOTSUPP = _errno.EOPNOTSUPP
EWOULDBLOCK = _errno.EWOULDBLOCK
EMLINK = _errno.EMLINK
ELOOP = _errno.ELOOP
ENOTCONN = _errno.ENOTCONN
EACCES = _errno.EACCES
ENETDOWN = _errno.ENETDOWN
ENOSPC = _errno.ENOSPC
E2BIG = _errno.E2BIG
EAGAIN = _errno.EAGAIN
ENXIO = _errno.ENXIO
ENONET = _errno.ENONET
EBADF = _errno.EBADF
ENOTSUP = EOPNOTSUPP


def strerror(err: int) -> str:
    """glibc's text for a positive errno ("File exists"), as userspace prints it."""
    if err == EOPNOTSUPP:
        return "Operation not supported"
    return os.strerror(err)


class KernelError(Exception):
    """A negative errno returned by a kernel operation, with its extack message if any.

    Raised by kernel functions where C returns -errno; the caller's state is unchanged unless
    the raising function documents otherwise (the kernel's own unwinding has already run).
    """

    def __init__(self, err: int, extack: str | None = None) -> None:
        super().__init__(err, extack)
        self.errno = abs(err)
        self.extack = extack

    @property
    def name(self) -> str:
        return _errno.errorcode.get(self.errno, str(self.errno))

    def __str__(self) -> str:
        text = f"-{self.name} ({strerror(self.errno)})"
        return f"{text}: {self.extack}" if self.extack else text


class KernelBug(Exception):
    """A BUG() or BUG_ON() on a lifetime path: the kernel would oops here.

    Raised by printk.BUG_ON with the rule id and its source; the operation stops where it is,
    exactly as the kernel's would, and the dmesg ring carries the `kernel BUG at` line.
    """

    def __init__(self, rule: str, message: str) -> None:
        super().__init__(f"{rule}: {message}")
        self.rule = rule
        self.message = message


class Hang(Exception):
    """An uninterruptible wait that passed the model's bound (Kernel.hang_bound_secs).

    Raised by the blocking call (netdev_run_todo's wait, a lock behind a stuck holder) to a
    caller that is not a task and so cannot sleep (code using the Python API directly), and by
    the pyroute2 adapter to the program whose request sleeps past the bound. The wait goes on in
    the model: the devices stay in the todo, the warnings keep coming as the clock moves, and
    they are freed if the references are dropped later. `report` is the hang report
    (kernel/hang.py). Tasks (kernel/sched.py) never see it: they sleep on.
    """

    def __init__(self, report: object) -> None:
        super().__init__(str(report))
        self.report = report
        self.wait: object = None  # the TodoWait that goes on, when the wait was for references
