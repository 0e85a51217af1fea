"""The grammar of host operations the explorer draws from: command lines over live objects.

Model-only. Each operation is a generator: given a view of the live objects of the host (its
devices by kind and namespace, namespaces, running processes, loaded modules, PCI functions,
netdevsim devices) and a seeded random source, it returns one root-shell command line, or None
when nothing it needs exists yet. Lines are what a person types (`ip link add …`, `rmmod …`,
`echo 1 > /sys/bus/pci/devices/…/remove`, `xdpsock -i …`), so a finding is already a
`netlife run` script. Objects are named from small pools (v0, v1, …) so that names collide and
states repeat; ifindexes are read at run time through `$(cat /sys/class/net/NAME/ifindex)`, so
a script stays right when shrinking removes lines before it.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from netlife.kernel.netdevice import NETREG_REGISTERED

NAME_POOL = 3  # names per prefix: small, so creations collide (EEXIST) and states repeat
MODULE_NAMES = ("mlx5_core", "mlx5_ib", "netdevsim", "veth", "macvlan", "8021q", "vxlan",
                "bridge", "netkit", "dummy", "tun")  # fmt: skip
BACKGROUND_SAFE = ("ip link del", "ip -n", "rmmod", "ip netns del", "echo", "pkill")


@dataclass(slots=True)
class Dev:
    """One registered device as the grammar sees it."""

    name: str
    kind: str
    ns: str | None  # None: init_net; else the name under /run/netns
    up: bool
    phys: bool  # has a parent bus device (a NIC port, a netdevsim port)


@dataclass(slots=True)
class World:
    """What exists on the host right now, in a stable order."""

    devs: list[Dev] = field(default_factory=list)
    netns: list[str] = field(default_factory=list)
    procs: list[str] = field(default_factory=list)  # comms of running user processes
    modules: list[str] = field(default_factory=list)
    pci: list[str] = field(default_factory=list)  # slots present on the bus
    nsim: list[int] = field(default_factory=list)  # netdevsim bus device ids


def device_kind(dev: Any) -> str:
    """The kind a device is grouped by: its link kind, else its driver; names never count."""
    ops = dev.rtnl_link_ops
    if ops is not None:
        return ops.kind
    parent = dev.parent
    if parent is None:
        return "loopback" if dev.name == "lo" else "other"
    driver = getattr(parent, "driver", None)
    name = getattr(driver, "name", None)
    return name if isinstance(name, str) else "netdevsim"


def look(host: Any) -> World:
    """The World of a host: registered devices of every live namespace, then the rest."""
    kernel = host.kernel
    world = World()
    names = {id(net): name for name, net in host.netns.items()}
    for net in kernel.nets:
        if net.dead:
            continue
        ns = None if net is kernel.init_net else names.get(id(net))
        if net is not kernel.init_net and ns is None:
            continue  # a namespace no name reaches (held by a process): not addressable
        for dev in net.dev_base:
            if dev.reg_state != NETREG_REGISTERED or dev.name == "lo":
                continue
            world.devs.append(Dev(dev.name, device_kind(dev), ns, bool(dev.flags & 1),
                                  dev.parent is not None))  # fmt: skip
    world.netns = sorted(n for n, net in host.netns.items() if not net.dead)
    world.procs = sorted(
        p.comm for p in host.processes.values() if getattr(p, "alive", False) and p.comm
    )
    world.modules = sorted(kernel.modules)
    world.pci = sorted(kernel.pci_devices)
    nsim = kernel.driver_state.get("netdevsim")
    if nsim:
        world.nsim = sorted(bus_dev.id for bus_dev in nsim["devices"])
    return world


# -- helpers ----------------------------------------------------------------------------------


def _name(rng: random.Random, prefix: str) -> str:
    return f"{prefix}{rng.randrange(NAME_POOL)}"


def _ip(dev: Dev) -> str:
    return f"ip -n {dev.ns}" if dev.ns else "ip"


def _pick(rng: random.Random, items: list) -> Any:
    return items[rng.randrange(len(items))] if items else None


def _ifindex(name: str) -> str:
    return f"$(cat /sys/class/net/{name}/ifindex)"


def _init_devs(world: World, pred: Callable[[Dev], bool] = lambda d: True) -> list[Dev]:
    return [d for d in world.devs if d.ns is None and pred(d)]


# -- the operations -----------------------------------------------------------------------------

Gen = Callable[[World, random.Random], "str | None"]


def add_veth(w: World, r: random.Random) -> str | None:
    line = f"ip link add {_name(r, 'v')} type veth peer name {_name(r, 'w')}"
    if w.netns and r.random() < 0.4:
        line += f" netns {_pick(r, w.netns)}"
    return line


def add_dummy(w: World, r: random.Random) -> str | None:
    return f"ip link add {_name(r, 'd')} type dummy"


def add_bridge(w: World, r: random.Random) -> str | None:
    return f"ip link add {_name(r, 'br')} type bridge"


def add_macvlan(w: World, r: random.Random) -> str | None:
    lower = _pick(r, [d for d in w.devs if d.kind not in ("bridge",)])
    if lower is None:
        return None
    mode = _pick(r, ["bridge", "private", "vepa", "passthru"])
    return f"{_ip(lower)} link add {_name(r, 'mv')} link {lower.name} type macvlan mode {mode}"


def add_vlan(w: World, r: random.Random) -> str | None:
    lower = _pick(r, w.devs)
    if lower is None:
        return None
    vid = r.choice((10, 20))
    return f"{_ip(lower)} link add {_name(r, 'vl')} link {lower.name} type vlan id {vid}"


def add_vxlan(w: World, r: random.Random) -> str | None:
    line = f"ip link add {_name(r, 'vx')} type vxlan id {r.choice((42, 43))} dstport 4789"
    lower = _pick(r, _init_devs(w))
    if lower is not None and r.random() < 0.7:
        line += f" dev {lower.name}"
    return line


def add_netkit(w: World, r: random.Random) -> str | None:
    if r.random() < 0.6:
        name = _name(r, "nk")
        return (
            "ynl --family rt-link --do newlink --create --json "
            f'\'{{"ifname": "{name}", "num-rx-queues": 2, '
            '"linkinfo": {"kind": "netkit", "data": {"pairing": "single"}}}\''
        )
    return f"ip link add {_name(r, 'nk')} type netkit mode l2 peer name {_name(r, 'nkp')}"


def add_tap(w: World, r: random.Random) -> str | None:
    return f"ip tuntap add {_name(r, 'tap')} mode {r.choice(('tap', 'tun'))}"


def set_master(w: World, r: random.Random) -> str | None:
    bridges = [d for d in w.devs if d.kind == "bridge"]
    br = _pick(r, bridges)
    if br is None:
        return None
    port = _pick(r, [d for d in w.devs if d.ns == br.ns and d is not br])
    if port is None:
        return None
    if r.random() < 0.2:
        return f"{_ip(port)} link set {port.name} nomaster"
    return f"{_ip(port)} link set {port.name} master {br.name}"


def del_link(w: World, r: random.Random) -> str | None:
    dev = _pick(r, w.devs)
    return None if dev is None else f"{_ip(dev)} link del {dev.name}"


def set_updown(w: World, r: random.Random) -> str | None:
    dev = _pick(r, w.devs)
    if dev is None:
        return None
    return f"{_ip(dev)} link set {dev.name} {'down' if dev.up else 'up'}"


def netns_add(w: World, r: random.Random) -> str | None:
    return f"ip netns add {_name(r, 'ns')}"


def netns_del(w: World, r: random.Random) -> str | None:
    ns = _pick(r, w.netns)
    return None if ns is None else f"ip netns del {ns}"


def netns_set_id(w: World, r: random.Random) -> str | None:
    ns = _pick(r, w.netns)
    return None if ns is None else f"ip netns set {ns} {r.randrange(1, 4)}"


def move_link(w: World, r: random.Random) -> str | None:
    dev = _pick(r, w.devs)
    if dev is None:
        return None
    targets = [n for n in w.netns if n != dev.ns]
    if dev.ns is not None:
        targets.append("1")  # back to init_net (the namespace of pid 1)
    target = _pick(r, targets)
    return None if target is None else f"{_ip(dev)} link set {dev.name} netns {target}"


def modprobe(w: World, r: random.Random) -> str | None:
    absent = [m for m in MODULE_NAMES if m not in w.modules]
    mod = _pick(r, absent)
    return None if mod is None else f"modprobe {mod}"


def rmmod(w: World, r: random.Random) -> str | None:
    mod = _pick(r, [m for m in MODULE_NAMES if m in w.modules])
    return None if mod is None else f"rmmod {mod}"


def pci_remove(w: World, r: random.Random) -> str | None:
    slot = _pick(r, w.pci)
    return None if slot is None else f"echo 1 > /sys/bus/pci/devices/{slot}/remove"


def pci_unbind(w: World, r: random.Random) -> str | None:
    slot = _pick(r, w.pci)
    if slot is None or "mlx5_core" not in w.modules:
        return None
    return f"echo {slot} > /sys/bus/pci/drivers/mlx5_core/unbind"


def nsim_new(w: World, r: random.Random) -> str | None:
    if "netdevsim" not in w.modules:
        return None
    return f'echo "{r.randrange(1, 3)} 1 {r.choice((1, 4))}" > /sys/bus/netdevsim/new_device'


def nsim_del(w: World, r: random.Random) -> str | None:
    dev_id = _pick(r, w.nsim)
    return None if dev_id is None else f"echo {dev_id} > /sys/bus/netdevsim/del_device"


def lease(w: World, r: random.Random) -> str | None:
    virt = _pick(r, _init_devs(w, lambda d: d.kind == "netkit"))
    phys = _pick(r, _init_devs(w, lambda d: d.phys))
    if virt is None or phys is None:
        return None
    netns_id = ""
    if w.netns and r.random() < 0.1:
        netns_id = f', "netns-id": {r.randrange(0, 3)}'
    return (
        "ynl --family netdev --do queue-create --json "
        f'\'{{"ifindex": \'{_ifindex(virt.name)}\', "type": "rx", "lease": '
        f'{{"ifindex": \'{_ifindex(phys.name)}\', "queue": {{"type": "rx", '
        f'"id": {r.randrange(4)}}}{netns_id}}}}}\''
    )


def xdpsock(w: World, r: random.Random) -> str | None:
    dev = _pick(r, w.devs)
    if dev is None:
        return None
    line = f"xdpsock -i {dev.name} -q {r.randrange(2)}"
    return f"ip netns exec {dev.ns} {line}" if dev.ns else line


def iou_zcrx(w: World, r: random.Random) -> str | None:
    dev = _pick(r, _init_devs(w))
    return None if dev is None else f"iou-zcrx -i {dev.name} -q {r.randrange(4)}"


def kill_proc(w: World, r: random.Random) -> str | None:
    comm = _pick(r, w.procs)
    return None if comm is None else f"pkill {comm}"


def sleep(w: World, r: random.Random) -> str | None:
    return f"sleep {r.choice((1, 11, 130))}"


OPERATIONS: dict[str, tuple[Gen, float]] = {
    "add_veth": (add_veth, 2.0),
    "add_dummy": (add_dummy, 1.0),
    "add_bridge": (add_bridge, 0.7),
    "add_macvlan": (add_macvlan, 1.0),
    "add_vlan": (add_vlan, 1.0),
    "add_vxlan": (add_vxlan, 0.7),
    "add_netkit": (add_netkit, 1.5),
    "add_tap": (add_tap, 0.5),
    "set_master": (set_master, 1.0),
    "del_link": (del_link, 2.0),
    "set_updown": (set_updown, 1.0),
    "netns_add": (netns_add, 1.0),
    "netns_del": (netns_del, 1.0),
    "netns_set_id": (netns_set_id, 0.3),
    "move_link": (move_link, 1.0),
    "modprobe": (modprobe, 0.5),
    "rmmod": (rmmod, 1.0),
    "pci_remove": (pci_remove, 0.7),
    "pci_unbind": (pci_unbind, 0.3),
    "nsim_new": (nsim_new, 0.5),
    "nsim_del": (nsim_del, 0.5),
    "lease": (lease, 1.5),
    "xdpsock": (xdpsock, 1.0),
    "iou_zcrx": (iou_zcrx, 0.7),
    "kill_proc": (kill_proc, 0.7),
    "sleep": (sleep, 0.5),
}
NAMES = tuple(OPERATIONS)
WEIGHTS = tuple(w for _, w in OPERATIONS.values())
BACKGROUND_P = 0.08  # how often a teardown runs as a background job instead


def draw(world: World, rng: random.Random, name: str | None = None) -> tuple[str, str] | None:
    """One operation: (its name, its command line); a few tries to find one that applies."""
    for _ in range(8):
        op = name or rng.choices(NAMES, WEIGHTS)[0]
        line = OPERATIONS[op][0](world, rng)
        if line is None:
            if name is not None:
                return None
            continue
        if line.startswith(BACKGROUND_SAFE) and rng.random() < BACKGROUND_P:
            line = f"{line} &" if rng.random() < 0.5 else f"(sleep {rng.choice((5, 30))}; {line}) &"
        return op, line
    return None


def simpler(line: str) -> list[str]:
    """Candidate simplifications of one line, simplest first: no background job, shorter
    sleeps, fewer options. Each must still be a line the grammar could have drawn."""
    out: list[str] = []
    if line.startswith("(sleep ") and line.endswith(") &"):
        inner = line[line.index(";") + 2 : -3]
        out += [inner, f"{inner} &"]
    elif line.endswith(" &"):
        out.append(line[:-2])
    if line.startswith("sleep "):
        n = int(line.split()[1])
        out += [f"sleep {m}" for m in (1, 11) if m < n]
    for opt in (" netns ", " dev ", " mode "):
        if opt in line and not line.startswith(("ip netns", "ip -n")) and "peer" not in line:
            head, _, tail = line.partition(opt)
            rest = tail.split(" ", 1)
            out.append(head + (" " + rest[1] if len(rest) > 1 else ""))
    return out
