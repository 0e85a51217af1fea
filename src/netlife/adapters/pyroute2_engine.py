"""Serving the model to unmodified pyroute2 programs, without root.

Model-only glue. pyroute2 0.9 lets a program replace its netlink socket with any object of
the socket API (`IPRoute(use_socket=...)`, the seam its own mock engine, IPEngine, uses); the
object here is a KernelSocket (pyroute2_socket.py), whose requests kernel/rtnetlink.py serves.

Two ways in:

- `iproute(host)` / `kernel_socket(host)`: an IPRoute (or a bare socket) on the simulated host,
  for code that lets you pass it one;
- `with served_by(host):` every IPRoute, NetNS, AsyncIPRoute and IPRSocket the code creates
  talks to the model instead of the kernel, so a program written for the real kernel runs
  unchanged. Inside, namespace names resolve through the host's /run/netns table
  (`host.netns`): `IPRoute(netns="blue")` opens a socket there (creating the namespace as
  pyroute2 does when O_CREAT is set), `net_ns_fd="blue"` moves a link there, and
  pyroute2.netns.create / remove / listnetns act on the table like `ip netns add / del / list`.

A host is anything with `.kernel` and a `.netns` dict (userspace.host.Host); a bare Kernel
works too, with init_net and Net objects only (it has no /run/netns).
"""

from __future__ import annotations

import errno
import inspect
import os
import stat
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from typing import TYPE_CHECKING, Any
from unittest import mock

from netlife.adapters.pyroute2_socket import KernelSocket

if TYPE_CHECKING:
    from pyroute2 import IPRoute

    from netlife.kernel.core import Kernel
    from netlife.kernel.net_namespace import Net

__all__ = [
    "Pyroute2Session",
    "UnsupportedPyroute2",
    "check_pyroute2",
    "iproute",
    "kernel_socket",
    "served_by",
]

# The pyroute2 releases whose internals this adapter was tested against (pyproject pins the
# same range); the socket seam and the netns_fd encoder it relies on are private API.
SUPPORTED_PYROUTE2 = ((0, 9, 2), (0, 10, 0))
TESTED_PYROUTE2 = ("0.9.7",)
NETNS_RUN_DIRS = ("/var/run/netns", "/run/netns")


class UnsupportedPyroute2(RuntimeError):
    """Raised by check_pyroute2 when the installed pyroute2 is outside the tested range."""


def check_pyroute2() -> str:
    """The installed pyroute2 version, or UnsupportedPyroute2 saying what is needed."""
    try:
        from importlib.metadata import version

        found = version("pyroute2")
    except Exception as exc:
        raise UnsupportedPyroute2(f"netlife's pyroute2 adapter needs pyroute2: {exc}") from None
    numbers = tuple(int(p) for p in found.split(".")[:3] if p.isdigit())
    low, high = SUPPORTED_PYROUTE2
    if not low <= numbers < high:
        raise UnsupportedPyroute2(
            f"netlife's pyroute2 adapter supports pyroute2 >=0.9.2,<0.10 (tested: "
            f"{', '.join(TESTED_PYROUTE2)}); found {found}: "
            "pip install 'pyroute2>=0.9.2,<0.10'"
        )
    return found


def _kernel(target: Any) -> Kernel:
    return getattr(target, "kernel", target)


def _table(target: Any) -> dict[str, Net] | None:
    return getattr(target, "netns", None) if hasattr(target, "kernel") else None


def resolve_netns(target: Any, netns: Any = None, flags: int = os.O_CREAT) -> Net:
    """The namespace a program names: None is init_net, a Net is itself, a name goes through
    the host's table; a missing name is created under O_CREAT (pyroute2's default), as
    `ip netns add` would, else it is FileNotFoundError as opening /run/netns/NAME is."""
    from netlife.kernel.net_namespace import Net

    kernel = _kernel(target)
    if netns is None:
        return kernel.init_net
    if isinstance(netns, Net):
        return netns
    if isinstance(netns, bytes):
        netns = os.fsdecode(netns)
    if not isinstance(netns, str):
        raise TypeError(f"netlife: a namespace is a name or a Net, not {netns!r}")
    table = _table(target)
    if table is None:
        raise TypeError(
            f"netlife: netns={netns!r} needs a host with a /run/netns table (userspace Host); "
            "a bare Kernel has only init_net and Net objects"
        )
    name = _netns_name(netns)
    if name in table:
        return table[name]
    if not flags & os.O_CREAT:
        raise FileNotFoundError(errno.ENOENT, os.strerror(errno.ENOENT), f"/var/run/netns/{name}")
    return _netns_add(target, name)


def _netns_name(value: str) -> str:
    head, _, tail = value.rpartition("/")
    if head and head not in NETNS_RUN_DIRS:
        raise FileNotFoundError(errno.ENOENT, os.strerror(errno.ENOENT), value)
    return tail


def _netns_add(target: Any, name: str) -> Net:
    """`ip netns add NAME`: a new namespace, kept alive by its /run/netns mount."""
    from netlife.kernel.netns_lifecycle import copy_net_ns

    net = copy_net_ns(_kernel(target))
    _table(target)[name] = net
    return net


def _netns_del(target: Any, name: str) -> None:
    """`ip netns del NAME`: unmount; the namespace goes with its last reference."""
    from netlife.kernel.netns_lifecycle import put_net

    table = _table(target)
    if table is None or name not in table:
        raise FileNotFoundError(errno.ENOENT, os.strerror(errno.ENOENT), f"/var/run/netns/{name}")
    put_net(table.pop(name))
    _kernel(target).clock.run_pending()


def _next_pid(target: Any) -> int:
    """A process id for the program's socket: the host's next pid, else the API's task."""
    if hasattr(target, "next_pid"):
        target.next_pid += 1
        return target.next_pid
    return _kernel(target).current.pid


def kernel_socket(target: Any, netns: Any = None, *, flags: int = os.O_CREAT) -> KernelSocket:
    """A model netlink route socket for `IPRoute(use_socket=...)`, opened in `netns`."""
    check_pyroute2()
    kernel = _kernel(target)
    return KernelSocket(kernel, resolve_netns(target, netns, flags), _next_pid(target))


def _configure(asyncore: Any, sock: KernelSocket) -> None:
    """Apply what pyroute2 sets with setsockopt on a real socket but skips for use_socket,
    and drop its tuntap proxy, which would ioctl the real /dev/net/tun."""
    status = asyncore.status
    sock.ext_ack = bool(status.get("ext_ack"))
    asyncore.request_proxy = None


def iproute(target: Any, netns: Any = None, **kwargs: Any) -> IPRoute:
    """An IPRoute on the simulated host (in `netns`); keyword arguments go to IPRoute."""
    from pyroute2 import IPRoute

    sock = kernel_socket(target, netns, flags=kwargs.pop("flags", os.O_CREAT))
    ipr = IPRoute(use_socket=sock, **kwargs)
    _configure(ipr.asyncore, sock)
    return ipr


class NamespaceFiles:
    """The namespace files a program opened through getnsfd: each is a real descriptor (of
    /dev/null, so os.close works on it) standing for a namespace of the simulated host. A
    descriptor closed and reused for another file no longer stands for one."""

    def __init__(self) -> None:
        self.open_fds: dict[int, tuple[Net, tuple[int, int]]] = {}

    def open(self, net: Net) -> int:
        fd = os.open(os.devnull, os.O_RDONLY)
        st = os.fstat(fd)
        self.open_fds[fd] = (net, (st.st_dev, st.st_ino))
        return fd

    def net(self, fd: int) -> Net | None:
        entry = self.open_fds.get(fd)
        if entry is None:
            return None
        try:
            st = os.fstat(fd)
        except OSError:
            st = None
        if st is None or (st.st_dev, st.st_ino) != entry[1]:
            del self.open_fds[fd]
            return None
        return entry[0]

    def close(self) -> None:
        for fd in list(self.open_fds):
            if self.net(fd) is not None:
                os.close(fd)
        self.open_fds.clear()


class Pyroute2Session:
    """What served_by yields: the target and every socket opened for it meanwhile."""

    def __init__(self, target: Any) -> None:
        self.target = target
        self.kernel = _kernel(target)
        self.sockets: list[KernelSocket] = []
        self.nsfds = NamespaceFiles()

    def socket_by_fileno(self, fileno: int) -> KernelSocket:
        """socket.socket(fileno=N): one of the model's sockets; EBADF for a closed descriptor."""
        for sock in self.sockets:
            if not sock.closed and sock.fileno() == fileno:
                return sock
        mode = os.fstat(fileno).st_mode  # OSError(EBADF) when nothing is open there
        if not stat.S_ISSOCK(mode):
            raise OSError(errno.ENOTSOCK, os.strerror(errno.ENOTSOCK))
        # CHOICE: a socket that is not one of the model's would reach the real kernel.
        raise OSError(errno.ENOTSOCK, f"netlife: fd {fileno} is not a netlink socket of the host")

    def socket(self, netns: Any = None, flags: int = os.O_CREAT) -> KernelSocket:
        sock = kernel_socket(self.target, netns, flags=flags)
        self.sockets.append(sock)
        return sock

    def iproute(self, netns: Any = None, **kwargs: Any) -> IPRoute:
        from pyroute2 import IPRoute

        return IPRoute(netns=netns, **kwargs)

    def close(self) -> None:
        """Process exit: every socket still open is closed (namespace references dropped)."""
        for sock in self.sockets:
            sock.close()
        self.sockets.clear()
        self.nsfds.close()


@contextmanager
def served_by(target: Any) -> Iterator[Pyroute2Session]:
    """Within the block, pyroute2's route sockets are the model's (see the module text)."""
    check_pyroute2()
    from pyroute2 import netns as pyroute2_netns
    from pyroute2.iproute.linux import RTNL_API, SkipInode
    from pyroute2.netlink import nla
    from pyroute2.netlink.rtnl.ifinfmsg import ifinfbase
    from pyroute2.netlink.rtnl.iprsocket import AsyncIPRSocket

    session = Pyroute2Session(target)
    init = AsyncIPRSocket.__init__
    signature = inspect.signature(init)
    close = AsyncIPRSocket.close
    encode_fd = ifinfbase.netns_fd.encode

    def patched_init(self: Any, *args: Any, **kwargs: Any) -> None:
        bound = signature.bind(self, *args, **kwargs)
        sock = bound.arguments.get("use_socket")
        fileno = bound.arguments.get("fileno")
        if sock is None and fileno is not None:
            # socket.socket(fileno=N) on a descriptor: EBADF when it is not open; only the
            # model's own sockets are route sockets of this host.
            sock = session.socket_by_fileno(fileno)
            bound.arguments["use_socket"] = sock
            bound.arguments["fileno"] = None
        if sock is None:
            netns = bound.arguments.get("netns")
            sock = session.socket(netns, bound.arguments.get("flags", os.O_CREAT))
            bound.arguments["use_socket"] = sock
        init(*bound.args, **bound.kwargs)
        if isinstance(sock, KernelSocket):
            _configure(self, sock)

    def patched_close(self: Any, *args: Any, **kwargs: Any) -> None:
        close(self, *args, **kwargs)
        # A real socket closes with its object; pyroute2 leaves a use_socket to its owner.
        if isinstance(self.use_socket, KernelSocket):
            self.use_socket.close()

    def patched_encode(attr: Any) -> None:
        value = attr.value
        if isinstance(value, bytes):
            value = value.decode()
        if isinstance(value, int) and session.nsfds.net(value) is not None:
            attr["value"] = session.nsfds.net(value).inum  # a getnsfd() descriptor
            return nla.encode(attr)
        if not isinstance(value, str):
            return encode_fd(attr)
        # The program gets the namespace's inode number as its "fd"; KernelSocket maps it back.
        attr["value"] = resolve_netns(target, value, flags=0).inum
        return nla.encode(attr)

    def listnetns(nspath: str | None = None) -> list[str]:
        return list(_table(target) or {})

    def create(name: str, libc: Any = None) -> None:
        if name in (_table(target) or {}):
            raise FileExistsError(errno.EEXIST, os.strerror(errno.EEXIST), name)
        _netns_add(target, name)

    def remove(name: str, libc: Any = None) -> None:
        _netns_del(target, name)

    def getnsfd(netns: Any, flags: int = 0, libc: Any = None, fork: bool = True) -> int:
        """pyroute2.netns.getnsfd: a name or /var/run/netns path opens the host's namespace
        file (created under O_CREAT, EEXIST under O_CREAT|O_EXCL); an fd is itself."""
        if isinstance(netns, (str, bytes)):
            name = _netns_name(os.fsdecode(netns))
            exists = name in (_table(target) or {})
            if exists and flags & (os.O_CREAT | os.O_EXCL) == os.O_CREAT | os.O_EXCL:
                raise OSError(errno.EEXIST, "netns exists", netns)
            return session.nsfds.open(resolve_netns(target, name, flags))
        if hasattr(netns, "fileno"):
            return netns.fileno()
        if isinstance(netns, int):
            return netns
        raise RuntimeError("netns should be a string or an open fd")

    async def dump_dir(self: Any, path: str, registry: set) -> Any:
        """RTNL_API._dump_dir over the host's /run/netns table instead of the real directory."""
        if path.rstrip("/") not in NETNS_RUN_DIRS:
            return
        for name in list(_table(target) or {}):
            try:
                item = await self._dump_one_ns(f"{path.rstrip('/')}/{name}", registry)
            except SkipInode:
                continue
            yield item

    def open_file(path: str) -> tuple[int, int]:
        """RTNL_API.open_file on a namespace file: the namespace's inum serves as fd and inode."""
        net = resolve_netns(target, os.fsdecode(path), flags=0)
        return (net.inum, net.inum)

    with ExitStack() as stack:
        stack.enter_context(mock.patch.object(AsyncIPRSocket, "__init__", patched_init))
        stack.enter_context(mock.patch.object(AsyncIPRSocket, "close", patched_close))
        stack.enter_context(mock.patch.object(ifinfbase.netns_fd, "encode", patched_encode))
        for name, fn in (
            ("listnetns", listnetns),
            ("create", create),
            ("remove", remove),
            ("getnsfd", getnsfd),
        ):
            stack.enter_context(mock.patch.object(pyroute2_netns, name, fn))
        stack.enter_context(mock.patch.object(RTNL_API, "_dump_dir", dump_dir))
        stack.enter_context(mock.patch.object(RTNL_API, "open_file", staticmethod(open_file)))
        stack.enter_context(
            mock.patch.object(RTNL_API, "close_file", staticmethod(lambda fd: None))
        )
        try:
            yield session
        finally:
            session.close()
