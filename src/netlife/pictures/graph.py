"""The device and reference graph of one simulated host, at one moment.

Model-only. Nodes are the devices still in memory (with kind, registration state and usage
count), the user processes and fds that consume them, the loaded modules, the tasks blocked on
them, and holders the model can only name. Edges say who holds or uses whom: upper/lower and
master adjacency, peers (veth, netkit), a link-netns, queue leases, AF_XDP sockets, io_uring
zcrx queues, tun fds, the module that drives a device, and every tracked reference from its
holder to the device (found by the same per-holder explainers hang reports use). A blocked
task's chain is red: the task, the devices it waits for, and everything that transitively
holds them.

Namespaces are clusters; modules stand outside every cluster. The graph is plain data
(`as_json`), laid out and drawn by layout.py, svg.py and png.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from netlife.kernel.hang_explain import UNTRACKED, device_label, netns_label
from netlife.kernel.netdevice import (
    NETREG_REGISTERED,
    NETREG_UNINITIALIZED,
    NETREG_UNREGISTERING,
    NetDevice,
)
from netlife.kernel.queue_lease import leases_of

# Edge kinds, strongest first: an edge between two nodes is drawn as its strongest kind.
EDGE_KINDS = ("waits", "lease", "consumer", "master", "lower", "ref", "peer", "drives", "netns")
HOLDS = {"lease", "consumer", "ref", "lower", "master"}  # kinds that keep the target alive
ADJACENCY_HOLDER = "__netdev_adjacent_dev_insert"  # drawn as the upper/lower edge itself
SELF_HOLDERS = ("register_netdevice",)  # a device's own registration reference


@dataclass(slots=True)
class Node:
    """One box. `category`: device, process, fd, module, task, holder or netns."""

    id: str
    category: str
    lines: list[str]
    cluster: str | None = None
    state: str = ""  # devices: registered, unregistering, waiting, allocated
    red: bool = False

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "category": self.category,
            "lines": self.lines,
            "cluster": self.cluster,
            "state": self.state,
            "red": self.red,
        }


@dataclass(slots=True)
class Edge:
    """src → dst; `labels` collects what the pair has between them (a lease and its ref …)."""

    src: str
    dst: str
    kinds: list[str] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    red: bool = False

    @property
    def kind(self) -> str:
        return min(self.kinds, key=EDGE_KINDS.index)

    @property
    def holds(self) -> bool:
        return any(k in HOLDS for k in self.kinds)

    def as_json(self) -> dict[str, Any]:
        return {
            "src": self.src,
            "dst": self.dst,
            "kind": self.kind,
            "labels": self.labels,
            "red": self.red,
        }


@dataclass(slots=True)
class Blocked:
    """A task asleep in the kernel: who, in what, and the devices it waits for."""

    task: str  # "rmmod:1012"
    what: str  # "netdev_run_todo"
    devices: list[NetDevice]
    net: Any = None  # the task's namespace (its cluster)


@dataclass(slots=True)
class Graph:
    title: str
    nodes: dict[str, Node] = field(default_factory=dict)
    edges: dict[tuple[str, str], Edge] = field(default_factory=dict)
    clusters: list[str] = field(default_factory=list)  # in drawing order

    def node(self, node: Node) -> Node:
        return self.nodes.setdefault(node.id, node)

    def edge(self, src: str, dst: str, kind: str, label: str) -> None:
        if src == dst:
            return
        key = (src, dst)
        if kind == "peer" and (dst, src) in self.edges:
            key = (dst, src)
        e = self.edges.setdefault(key, Edge(*key))
        if kind not in e.kinds:
            e.kinds.append(kind)
        if label and label not in e.labels:
            e.labels.append(label)

    def red_path(self) -> list[str]:
        """Ids of the red nodes, in node order (for tests and summaries)."""
        return [n.id for n in self.nodes.values() if n.red]

    def as_json(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "clusters": self.clusters,
            "nodes": [n.as_json() for n in self.nodes.values()],
            "edges": [e.as_json() for e in self.edges.values()],
        }


# -- building ------------------------------------------------------------------------------------


def dev_id(dev: NetDevice) -> str:
    return f"dev:{dev.kaddr:x}"


def device_state(dev: NetDevice, waiting: set[NetDevice]) -> str:
    if dev in waiting or dev.reg_state > NETREG_UNREGISTERING:
        return "waiting"
    if dev.reg_state == NETREG_UNREGISTERING:
        return "unregistering"
    if dev.reg_state == NETREG_UNINITIALIZED:
        return "allocated"
    return "registered" if dev.reg_state == NETREG_REGISTERED else dev.reg_state.name.lower()


def build_graph(
    kernel: Any, host: Any = None, blocked: list[Blocked] | None = None, title: str = ""
) -> Graph:
    """The graph of `kernel` now. `host` (userspace) adds its processes; `blocked` the tasks
    asleep in the kernel (default: the todo waits the kernel still tracks)."""
    if blocked is None:
        blocked = [
            Blocked(f"{w.task.comm}:{w.task.pid}", "netdev_run_todo", list(w.remaining), w.task.net)
            for w in kernel.todo_waits
            if not w.done
        ]
    g = Graph(title)
    waiting = {d for b in blocked for d in b.devices}
    devices = sorted(kernel.live_devices(), key=lambda d: (d.nd_net.inum, d.ifindex, d.kaddr))
    for dev in devices:
        _add_device(g, kernel, dev, waiting)
    procs = _add_processes(g, kernel, host)
    for dev in devices:
        _add_structure(g, kernel, dev)
    _add_consumers(g, kernel, procs)
    _add_modules(g, kernel, devices)
    for dev in devices:
        _add_references(g, kernel, dev, procs, dev in waiting or dev.reg_state > NETREG_REGISTERED)
    for b in blocked:
        tid = f"task:{b.task}"
        cluster = netns_label(kernel, b.net) if b.net is not None else None
        g.node(Node(tid, "task", [b.task, f"blocked in {b.what}"], cluster))
        for dev in b.devices:
            if dev_id(dev) in g.nodes:
                g.edge(tid, dev_id(dev), "waits", "waits for")
    # A module that drives no device and that no module uses (ipv6, loopback) says nothing here.
    linked = {end for key in g.edges for end in key}
    for nid in [n for n, node in g.nodes.items() if node.category == "module"]:
        if nid not in linked:
            del g.nodes[nid]
    _mark_red(g, [f"task:{b.task}" for b in blocked])
    g.clusters = _cluster_order(kernel, g)
    return g


def _cluster_of(kernel: Any, net: Any) -> str:
    return netns_label(kernel, net)


def _add_device(g: Graph, kernel: Any, dev: NetDevice, waiting: set[NetDevice]) -> None:
    ops = dev.rtnl_link_ops
    kind = ops.kind if ops is not None else ("pci" if dev.parent is not None else "")
    state = device_state(dev, waiting)
    lines = [
        dev.name,
        f"{kind or 'device'} · ifindex {dev.ifindex}",
        f"{state} · refcnt {dev.refcnt}",
    ]
    g.node(Node(dev_id(dev), "device", lines, _cluster_of(kernel, dev.nd_net), state))


def _add_processes(g: Graph, kernel: Any, host: Any) -> dict[int, str]:
    """Node ids of the user processes, by pid (host processes, and owners of sockets)."""
    procs: dict[int, str] = {}

    def add(pid: int, comm: str, net: Any) -> None:
        if pid in procs:
            return
        procs[pid] = f"proc:{pid}"
        cluster = _cluster_of(kernel, net) if net is not None else None
        g.node(Node(procs[pid], "process", [comm, f"pid {pid}"], cluster))

    if host is not None:
        for pid, proc in sorted(getattr(host, "processes", {}).items()):
            if getattr(proc, "alive", True):
                add(pid, getattr(proc, "comm", "process"), getattr(proc, "net", None))
    for net in kernel.nets:
        for xs in net.xsk_list:
            if not xs.dead and xs.owner_pid is not None:
                add(xs.owner_pid, (xs.owner or "").split(" (")[0] or "process", xs.net)
    for ifq in kernel.driver_state.get("io_uring_zcrx", []):
        if ifq.owner_pid is not None and ifq.netdev is not None:
            comm = (ifq.owner or "").split(" (")[0] or "process"
            add(ifq.owner_pid, comm, kernel.pid_net(ifq.owner_pid))
    return procs


def _add_structure(g: Graph, kernel: Any, dev: NetDevice) -> None:
    me = dev_id(dev)
    for lower in dev.adj_lower:
        entry = lower.adj_upper.get(dev)
        master = entry is not None and entry.master
        g.edge(me, dev_id(lower), "master" if master else "lower", "master" if master else "lower")
    get_peer = dev.netdev_ops.ndo_get_peer_dev
    # veth's ndo_get_peer_dev is not in the model: its private peer pointer says the same.
    peer = get_peer(dev) if get_peer is not None else getattr(dev.priv, "peer", None)
    if isinstance(peer, NetDevice) and dev_id(peer) in g.nodes:
        g.edge(me, dev_id(peer), "peer", "peer")
    ops = dev.rtnl_link_ops
    if ops is not None and ops.get_link_net is not None:
        link_net = ops.get_link_net(dev)
        if link_net is not None and link_net is not dev.nd_net:
            label = _cluster_of(kernel, link_net)
            nid = f"netns:{link_net.inum}"
            g.node(Node(nid, "netns", [label, f"inode {link_net.inum}"], label))
            g.edge(me, nid, "netns", "link-netns")
    for idx, virt_rxq in leases_of(dev):
        if virt_rxq.dev is not dev and dev.parent is not None:
            label = f"lease: rxq {virt_rxq.index} -> rxq {idx}"
            g.edge(dev_id(virt_rxq.dev), me, "lease", label)
    tfiles = getattr(dev.priv, "tfiles", None)
    if isinstance(tfiles, list):
        for i, tfile in enumerate(tfiles):
            fid = f"fd:{me}:{i}"
            g.node(
                Node(fid, "fd", ["/dev/net/tun fd", f"queue {i}"], _cluster_of(kernel, tfile.net))
            )
            g.edge(fid, me, "consumer", "attached queue")


def _add_consumers(g: Graph, kernel: Any, procs: dict[int, str]) -> None:
    for net in kernel.nets:
        for n, xs in enumerate(net.xsk_list):
            if xs.dead:
                continue
            src = procs.get(xs.owner_pid) if xs.owner_pid is not None else None
            if src is None:
                src = f"xsk:{net.inum}:{n}"
                g.node(Node(src, "fd", ["AF_XDP socket"], _cluster_of(kernel, net)))
            if xs.state.name == "XSK_BOUND" and xs.dev is not None and dev_id(xs.dev) in g.nodes:
                g.edge(src, dev_id(xs.dev), "consumer", f"AF_XDP q{xs.queue_id}")
            pool_dev = xs.pool.netdev if xs.pool is not None else None
            if pool_dev is not None and pool_dev is not xs.dev and dev_id(pool_dev) in g.nodes:
                g.edge(src, dev_id(pool_dev), "consumer", f"xsk pool q{xs.pool.queue_id}")
    for n, ifq in enumerate(kernel.driver_state.get("io_uring_zcrx", [])):
        if ifq.netdev is None or dev_id(ifq.netdev) not in g.nodes:
            continue
        src = procs.get(ifq.owner_pid) if ifq.owner_pid is not None else None
        if src is None:
            src = f"zcrx:{n}"
            g.node(Node(src, "fd", ["io_uring zcrx ifq"], _cluster_of(kernel, ifq.netdev.nd_net)))
        g.edge(src, dev_id(ifq.netdev), "consumer", f"zcrx ifq rxq {ifq.if_rxq}")


def _add_modules(g: Graph, kernel: Any, devices: list[NetDevice]) -> None:
    for name, lm in kernel.modules.items():
        state = lm.state.name.removeprefix("MODULE_STATE_").lower()
        g.node(Node(f"mod:{name}", "module", [name, f"module · {state} · refcnt {lm.refcnt}"]))
    for name, lm in kernel.modules.items():
        for user in lm.holders:
            if f"mod:{user}" in g.nodes:
                g.edge(f"mod:{user}", f"mod:{name}", "drives", "uses")
    for dev in devices:
        owners = []
        if dev.rtnl_link_ops is not None and dev.rtnl_link_ops.owner:
            owners.append(dev.rtnl_link_ops.owner)
        driver = getattr(dev.parent, "driver", None)
        if driver is not None and driver.owner:
            owners.append(driver.owner)
        for owner in owners:
            if f"mod:{owner}" in g.nodes:
                g.edge(f"mod:{owner}", dev_id(dev), "drives", "drives")


def _add_references(
    g: Graph, kernel: Any, dev: NetDevice, procs: dict[int, str], going: bool
) -> None:
    """Every reference on dev, from its holder: through the hang explainers, else by name.

    A holder no explainer knows gets a box of its own (per device) only on a device that is
    going away, where it may be what it waits for; on a registered device it is listed in the
    device's box (an in_device or a route of its own goes with it).
    """
    unknown: list[str] = []
    registry = kernel.driver_state.get("hang_explainers", {})
    tracker_dir = dev.refcnt_tracker
    groups = list(tracker_dir.holders())
    if tracker_dir.untracked:
        groups.append((UNTRACKED, tracker_dir.untracked))
    me = dev_id(dev)
    for holder, count in groups:
        key = holder if holder == UNTRACKED else holder.split(" ", 1)[0]
        if key in SELF_HOLDERS or key == ADJACENCY_HOLDER:
            continue
        label = "dev_hold" if holder == UNTRACKED else holder
        known = 0
        for explainer in registry.get(key, ()):
            for held in explainer(dev, holder, count - known):
                known += held.refs
                refs = f" x{held.refs}" if held.refs > 1 else ""
                src = _holder_node(g, kernel, held, procs, dev)
                g.edge(src, me, "ref", f"ref {label}{refs}")
        if known < count and going:
            hid = f"holder:{holder}@{me}"
            g.node(Node(hid, "holder", [label, "holder unknown"], _cluster_of(kernel, dev.nd_net)))
            g.edge(hid, me, "ref", f"ref {label} x{count - known}")
        elif known < count:
            unknown.append(label + (f" x{count - known}" if count - known > 1 else ""))
    if unknown:
        text = "refs: " + ", ".join(unknown)
        g.nodes[me].lines.append(text if len(text) <= 44 else text[:43] + "…")


def _holder_node(g: Graph, kernel: Any, held: Any, procs: dict[int, str], dev: NetDevice) -> str:
    if held.device is not None and dev_id(held.device) in g.nodes:
        return dev_id(held.device)
    for other in kernel.live_devices():  # an explainer that names a device by its label
        if held.who.endswith(device_label(other)) and dev_id(other) in g.nodes:
            return dev_id(other)
    remedy = held.remedy or ""
    if remedy.startswith("kill "):
        pid = int(remedy.split()[1])
        if pid in procs:
            return procs[pid]
    hid = f"holder:{held.who}"
    g.node(Node(hid, "holder", [held.who], _cluster_of(kernel, dev.nd_net)))
    return hid


def _mark_red(g: Graph, tasks: list[str]) -> None:
    """The tasks, what they wait for, and every holder upstream of that (transitively)."""
    into: dict[str, list[Edge]] = {}
    for e in g.edges.values():
        into.setdefault(e.dst, []).append(e)
        if e.kind in ("lower", "master"):  # adjacency references go both ways
            into.setdefault(e.src, []).append(e)
    todo: list[str] = []
    for tid in tasks:
        if tid in g.nodes:
            g.nodes[tid].red = True
            for e in g.edges.values():
                if e.src == tid and e.kind == "waits":
                    e.red = True
                    todo.append(e.dst)
    visited: set[str] = set()
    while todo:
        nid = todo.pop()
        if nid in visited:
            continue
        visited.add(nid)
        g.nodes[nid].red = True
        for e in into.get(nid, ()):
            if e.holds:
                e.red = True
                other = e.src if e.dst == nid else e.dst
                if other not in visited:
                    todo.append(other)


def _cluster_order(kernel: Any, g: Graph) -> list[str]:
    seen = {n.cluster for n in g.nodes.values() if n.cluster is not None}
    order = [_cluster_of(kernel, net) for net in kernel.nets]
    return [c for c in dict.fromkeys(order) if c in seen] + sorted(seen - set(order))
