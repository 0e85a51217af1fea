"""struct net: one network namespace's device list, hashes, ifindex cursor and notifier chain.

Mirrors include/net/net_namespace.h and the per-namespace parts of net/core/dev.c
(list_netdevice / unlist_netdevice, dev_index_reserve, __dev_get_by_name / _by_index) and
net/core/net_namespace.c (peernet2id_alloc, the nsid map). Creation and cleanup of whole
namespaces (setup_net, cleanup_net) are in netns_lifecycle.py.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from netlife.kernel.errors import EBUSY, EINVAL, ENOSPC, KernelError
from netlife.kernel.notifier import RawNotifierHead

if TYPE_CHECKING:
    from netlife.kernel.core import Kernel
    from netlife.kernel.netdevice import NetDevice

INT_MAX = 2**31 - 1


class Net:
    """struct net. Devices are listed in registration order (loopback first).

    Invariant: dev_base, name_hash and index_hash hold exactly the listed devices, and each
    listed device's name and altnames are keys of name_hash, its ifindex a key of index_hash.
    """

    __slots__ = (
        "count",
        "dead",
        "dev_base",
        "ifindex",
        "index_hash",
        "index_reserved",
        "inum",
        "ipv4",
        "ipv6",
        "kernel",
        "loopback_dev",
        "name_hash",
        "netdev_chain",
        "netns_ids",
        "nsid_cursor",
        "rtnl_listeners",
        "xsk_list",
    )

    def __init__(self, kernel: Kernel, inum: int) -> None:
        self.kernel = kernel
        self.inum = inum  # the namespace's inode number (ls -l /proc/self/ns/net), model-chosen
        self.dev_base: dict[NetDevice, None] = {}  # insertion-ordered set: O(1) unlist
        self.name_hash: dict[str, NetDevice] = {}
        self.index_hash: dict[int, NetDevice] = {}
        self.index_reserved: set[int] = set()  # reserved by register_netdevice, not yet listed
        self.ifindex = 1  # net->ifindex: the cursor of the cyclic allocator
        self.netdev_chain = RawNotifierHead()  # register_netdevice_notifier_net blocks
        self.netns_ids: dict[Net, int] = {}  # peer namespace → its id as seen from here
        self.nsid_cursor = 0
        self.loopback_dev: NetDevice | None = None
        self.rtnl_listeners: list = []  # netlink sockets bound to RTNLGRP_LINK in this netns
        self.xsk_list: list = []  # AF_XDP sockets of this namespace (net->xdp.list)
        self.count = 1  # passive users keeping the namespace alive (processes, mounts, files)
        self.dead = False  # unlinked from net_namespace_list by cleanup_net
        self.ipv4: Any = None  # struct netns_ipv4: FIB tables, devconf (ipv4 pernet init)
        self.ipv6: Any = None  # struct netns_ipv6: FIB6 tables (ipv6 pernet init)

    def __repr__(self) -> str:
        return f"<Net inum={self.inum} devices={len(self.dev_base)}>"

    # -- lookups (RTNL or RCU) ----------------------------------------------------------------

    def dev_get_by_name(self, name: str) -> NetDevice | None:
        """__dev_get_by_name: primary names and altnames."""
        return self.name_hash.get(name)

    def dev_get_by_index(self, ifindex: int) -> NetDevice | None:
        return self.index_hash.get(ifindex)

    def devices(self) -> list[NetDevice]:
        """for_each_netdev: list order."""
        return list(self.dev_base)

    # -- ifindex ------------------------------------------------------------------------------

    def dev_index_reserve(self, ifindex: int) -> int:
        """net/core/dev.c:dev_index_reserve: cyclic allocation from the cursor, or exactly ifindex.

        The model reserves by returning the index; list_netdevice makes it visible.
        """
        if ifindex > INT_MAX or ifindex < 0:
            raise KernelError(EINVAL)
        if ifindex:
            if ifindex in self.index_hash or ifindex in self.index_reserved:
                raise KernelError(EBUSY)
            self.index_reserved.add(ifindex)
            return ifindex
        reserved = self.index_reserved
        idx = self.ifindex
        while idx in self.index_hash or idx in reserved:
            idx += 1
            if idx > INT_MAX:
                idx = 1
            if idx == self.ifindex:
                raise KernelError(ENOSPC)
        self.ifindex = idx + 1 if idx < INT_MAX else 1
        reserved.add(idx)
        return idx

    def dev_index_release(self, ifindex: int) -> None:
        self.index_reserved.discard(ifindex)

    # -- listing ------------------------------------------------------------------------------

    def list_netdevice(self, dev: NetDevice) -> None:
        """net/core/dev.c:list_netdevice: visible to lookups from here on."""
        self.dev_base[dev] = None
        self.name_hash[dev.name] = dev
        for alt in dev.altnames:
            self.name_hash[alt] = dev
        self.index_hash[dev.ifindex] = dev
        self.index_reserved.discard(dev.ifindex)
        dev.listed = True

    def unlist_netdevice(self, dev: NetDevice) -> None:
        """net/core/dev.c:unlist_netdevice: name and ifindex reusable at once."""
        del self.dev_base[dev]
        self.name_hash.pop(dev.name, None)
        for alt in dev.altnames:
            self.name_hash.pop(alt, None)
        self.index_hash.pop(dev.ifindex, None)
        dev.listed = False

    # -- namespace ids ------------------------------------------------------------------------

    def peernet2id(self, peer: Net) -> int:
        """The id `peer` has in this namespace, or NETNSA_NSID_NOT_ASSIGNED (-1). A namespace
        has an id for itself only when one was set (`ip netns set` from inside it)."""
        return self.netns_ids.get(peer, -1)

    def peernet2id_alloc(self, peer: Net) -> int:
        """net/core/net_namespace.c:peernet2id_alloc: lowest free id from 0 (idr_alloc).

        A dying namespace on either side gets no new id (refcount zero, maybe_get_net fails):
        cleanup_net has already removed the dying one's ids, so devices linked into it are
        reported with NETNSA_NSID_NOT_ASSIGNED while they are torn down.
        """
        if peer is self or self.count == 0:
            return -1
        nsid = self.netns_ids.get(peer)
        if nsid is not None:
            return nsid
        if peer.count == 0:
            return -1
        used = set(self.netns_ids.values())
        nsid = 0
        while nsid in used:
            nsid += 1
        self.netns_ids[peer] = nsid
        return nsid

    def get_net_ns_by_id(self, nsid: int) -> Net | None:
        for peer, value in self.netns_ids.items():
            if value == nsid and not peer.dead:
                return peer
        return None
