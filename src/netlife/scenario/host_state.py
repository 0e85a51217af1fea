"""A machine profile's `[[netns]]` and `[[link]]` tables: a host's devices, rebuilt at boot.

Model-only. `netlife snapshot` (conform/snapshot.py) writes these tables from a live host; this
module checks them and, at the end of boot, replays them as the commands an administrator
would type, so the result is what the kernel would hold after them:

  1. `ip netns add` each namespace, then give every namespace the ids the host had for the
     others (RTM_NEWNSID), so link-netnsids come out the same;
  2. devices the boot made (loopback, the profile's PCI ports) are taken as they are and moved
     to their ifindex (restore_ifindex below); every other device is made with
     `ip link add NAME index N … type KIND …` in the namespace its lower device (or its
     vxlan socket) lives in, `netns DEST` when it lives elsewhere: veth pairs once, both ends
     with their index; tun/tap with `ip tuntap add` (TUNSETIFF takes no index: the
     namespace's allocator cursor is set to it first);
  3. bridge ports are enslaved in port-number order (br_add_if gives the lowest free number);
  4. MTU, MAC, txqlen, group, arp, promisc and allmulti are set where they differ from what
     creation gave, alternative names added (`ip link property add`), and the devices that
     were up are brought up, in ifindex order;
  5. each namespace's allocator cursor is set (see the CHOICE below); each device's
     operstate and a bridge's random MAC are set to the host's (stored state, not commands).

CHOICE: the real allocator cursor (net->ifindex: one past the last index it handed out) cannot
be read from user space. In a namespace other than the host's own, devices mostly arrive and
stay (made there, or moved in keeping their index), so the cursor is taken as the lowest free
index; in the host's own namespace devices come and go (containers), so one past the highest
index in use. It only decides the ifindex a device gets when it lands on a taken one.

A device the tables name but the model cannot make (a kind it lacks, a link into a namespace
the snapshot did not read) is left out with a warning, as the snapshot already said.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

ROOT = "init_net"
# Link kinds the model can rebuild (besides physical ports, which the boot makes).
KNOWN_KINDS = frozenset(
    ("loopback", "veth", "macvlan", "vxlan", "bridge", "tun", "dummy", "ifb", "vlan", "netkit")
)
PAIR_KINDS = ("veth", "netkit")
NET_ADDR_SET = 3
_NETNS = {"name": str, "nsids": dict, "unknown_nsids": list}
_LINK = {
    "netns": str,
    "ifindex": int,
    "ifname": str,
    "kind": str,
    "up": bool,
    "promisc": bool,
    "allmulti": bool,
    "noarp": bool,
    "mtu": int,
    "address": str,
    "perm_address": str,
    "txqlen": int,
    "group": int,
    "operstate": str,
    "carrier": bool,
    "num_tx_queues": int,
    "num_rx_queues": int,
    "parentdev": str,
    "parentbus": str,
    "master": int,
    "link": int,
    "link_netnsid": int,
    "link_outside": bool,
    "data": dict,
    "port_no": int,
    "addr_assign_type": int,
    "hardware": str,
    "altnames": list,
}
_LINK_REQUIRED = ("netns", "ifindex", "ifname")


class HostStateError(Exception):
    """A `[[netns]]` / `[[link]]` table that cannot be used: "KEY: PROBLEM"."""


@dataclass(slots=True)
class HostState:
    netns: list[dict[str, Any]] = field(default_factory=list)
    links: list[dict[str, Any]] = field(default_factory=list)


def parse_host_state(netns: list[Any], links: list[Any]) -> HostState:
    state = HostState()
    names = {ROOT}
    for i, entry in enumerate(netns):
        _check(f"netns[{i}]", entry, _NETNS, ("name",))
        if entry["name"] in names and entry["name"] != ROOT:
            raise HostStateError(f"netns[{i}].name: duplicate namespace {entry['name']}")
        names.add(entry["name"])
        state.netns.append(entry)
    seen: set[tuple[str, int]] = set()
    for i, entry in enumerate(links):
        _check(f"link[{i}]", entry, _LINK, _LINK_REQUIRED)
        key = (entry["netns"], entry["ifindex"])
        if entry["netns"] not in names:
            raise HostStateError(f"link[{i}].netns: no [[netns]] named {entry['netns']!r}")
        if key in seen or entry["ifindex"] < 1:
            raise HostStateError(
                f"link[{i}].ifindex: {entry['ifindex']} used twice or not positive"
            )
        seen.add(key)
        state.links.append(entry)
    return state


def _check(where: str, table: Any, schema: dict, required: tuple[str, ...]) -> None:
    if not isinstance(table, dict):
        raise HostStateError(f"{where}: must be a table")
    for key, value in table.items():
        if key not in schema:
            raise HostStateError(f"{where}.{key}: unknown key")
        want = schema[key]
        if (isinstance(value, bool) and want is not bool) or not isinstance(value, want):
            raise HostStateError(f"{where}.{key}: wrong type {value!r}")
    for key in required:
        if key not in table:
            raise HostStateError(f"{where}: missing required key '{key}'")


# -- replay -----------------------------------------------------------------------------------


class Restore:
    """One replay of the tables on a booted host; warnings collect what could not be made."""

    def __init__(self, host: Any, state: HostState) -> None:
        self.host = host
        self.state = state
        self.nets: dict[str, Any] = {ROOT: host.kernel.init_net}
        self.records = {(r["netns"], r["ifindex"]): r for r in state.links}
        self.made: set[tuple[str, int]] = set()
        self.warnings: list[str] = []

    def ip(self, netns: str, *words: str) -> bool:
        argv = ["ip", *(("-n", netns) if netns != ROOT else ()), *words]
        done = self.host.run_command(argv)
        if done.rc != 0:
            self.warnings.append(f"{' '.join(argv)}: {done.stderr.strip()}")
        return done.rc == 0

    def run(self) -> list[str]:
        for entry in self.state.netns:
            if entry["name"] != ROOT:
                self.host.run_command(["ip", "netns", "add", entry["name"]])
                self.nets[entry["name"]] = self.host.netns[entry["name"]]
        self.assign_nsids()
        booted = [r for r in self.state.links if r.get("kind") == "loopback" or r.get("hardware")]
        for rec in sorted(booted, key=self.order):  # first, so their boot indexes free up
            self.make(rec)
        for rec in sorted(self.state.links, key=self.order):
            key = (rec["netns"], rec["ifindex"])
            if key not in self.made:
                self.make(rec)
        self.enslave()
        for rec in sorted(self.state.links, key=self.order):
            if (rec["netns"], rec["ifindex"]) in self.made:
                self.settle_attributes(rec)
        for name, net in self.nets.items():
            net.ifindex = allocator_cursor(net, name == ROOT)
        self.host.settle()
        for rec in self.state.links:
            self.restore_operstate(rec)
        return self.warnings

    def restore_operstate(self, rec: dict[str, Any]) -> None:
        """dev->operstate as the host had it. The kernel computes it only when linkwatch runs
        for the device (default_operstate looks the peer's ifindex up in the device's own
        namespace at that moment), so it can be stale, and the stale value is the state."""
        from netlife.kernel.if_link import IF_OPER_NAMES

        net = self.nets[rec["netns"]]
        dev = net.dev_get_by_index(rec["ifindex"])
        if dev is not None and rec.get("operstate") in IF_OPER_NAMES:
            dev.operstate = IF_OPER_NAMES.index(rec["operstate"])

    def order(self, rec: dict[str, Any]) -> tuple[int, int]:
        names = [ROOT, *(e["name"] for e in self.state.netns if e["name"] != ROOT)]
        return (names.index(rec["netns"]), rec["ifindex"])

    def assign_nsids(self) -> None:
        from netlife.userspace.ip_netns import rtnl_net_newid

        for entry in self.state.netns:
            net = self.nets[entry["name"]]
            for other, nsid in sorted(entry.get("nsids", {}).items(), key=lambda kv: kv[1]):
                if other in self.nets and net.peernet2id(self.nets[other]) != nsid:
                    rtnl_net_newid(net, self.nets[other], nsid)

    def target(self, rec: dict[str, Any]) -> tuple[str, int] | None:
        """(namespace, ifindex) of the device rec's IFLA_LINK names (lower or peer)."""
        if "link" not in rec:
            return None
        ns = rec["netns"]
        if "link_netnsid" in rec:
            ids = next((e.get("nsids", {}) for e in self.state.netns if e["name"] == ns), {})
            ns = next((name for name, nsid in ids.items() if nsid == rec["link_netnsid"]), None)
            if ns is None:
                return None
        return ns, rec["link"]

    def make(self, rec: dict[str, Any]) -> None:
        kind = rec.get("kind")
        key = (rec["netns"], rec["ifindex"])
        net = self.nets[rec["netns"]]
        if kind == "loopback" or (kind is None and rec.get("hardware")):
            dev = net.dev_get_by_name(rec["ifname"])
            if dev is None:
                self.warnings.append(f"{rec['netns']}: {rec['ifname']}: the boot did not make it")
                return
            restore_ifindex(net, dev, rec["ifindex"])
            self.made.add(key)
            return
        if kind not in KNOWN_KINDS or rec.get("link_outside"):
            return  # the snapshot has already warned
        lower = self.target(rec)
        if kind not in PAIR_KINDS and kind != "vxlan" and lower is not None:
            if lower not in self.made and lower in self.records:
                self.make(self.records[lower])
            if lower not in self.made:
                self.warnings.append(
                    f"{rec['netns']}: {rec['ifname']}: its lower device is missing"
                )
                return
        words = ["link", "add"]
        home = rec["netns"]
        if kind in ("macvlan", "vlan") and lower is not None:
            home = lower[0]
            words += ["link", self.nets[home].dev_get_by_index(lower[1]).name]
        if kind == "vxlan" and lower is not None:
            home = lower[0]  # vxlan->net: where it was made; IFLA_VXLAN_LINK indexes there
        if kind == "tun":
            self.make_tun(rec)
            return
        words += ["name", rec["ifname"], "index", str(rec["ifindex"])]
        keeps_mac = kind != "bridge" or rec.get("addr_assign_type") == NET_ADDR_SET
        if keeps_mac and "address" in rec:
            words += ["address", rec["address"]]
        if home != rec["netns"]:
            words += ["netns", rec["netns"]]
        words += ["type", kind, *self.kind_words(rec, home)]
        if kind in PAIR_KINDS:
            peer = self.records.get(lower) if lower else None
            if peer is None:
                self.warnings.append(f"{rec['netns']}: {rec['ifname']}: its peer is missing")
                return
            words += ["peer", "name", peer["ifname"], "index", str(peer["ifindex"])]
            if "address" in peer:
                words += ["address", peer["address"]]
            if peer["netns"] != rec["netns"]:
                words += ["netns", peer["netns"]]
        if self.ip(home, *words):
            self.made.add(key)
            if kind in PAIR_KINDS:
                self.made.add(lower)

    def kind_words(self, rec: dict[str, Any], home: str) -> list[str]:
        data = rec.get("data", {})
        kind = rec["kind"]
        words: list[str] = []
        if kind == "macvlan":
            words += ["mode", data.get("mode", "vepa")]
            flags = data.get("flags", 0)
            flags = int(flags, 0) if isinstance(flags, str) and flags.isdigit() else flags
            for bit, flag in ((1, "nopromisc"), (2, "nodst")):
                if isinstance(flags, int) and flags & bit:
                    words += ["flag", flag]
        elif kind == "bridge":
            for key, value in data.items():
                words += [key, str(value)]
        elif kind == "vlan":
            words += ["id", str(data.get("id", 0))]
            if "protocol" in data:
                words += ["protocol", data["protocol"]]
        elif kind == "vxlan":
            for key in ("id", "group", "local", "dstport", "ttl", "ageing"):
                if key in data:
                    word = "remote" if key == "group" and not _multicast(data[key]) else key
                    words += [word, str(data[key])]
            if "dev" in data:
                lower = self.nets[home].dev_get_by_index(data["dev"])
                if lower is not None:
                    words += ["dev", lower.name]
            if data.get("learning") == 0:
                words.append("nolearning")
        return words

    def make_tun(self, rec: dict[str, Any]) -> None:
        data = rec.get("data", {})
        words = ["tuntap", "add", "name", rec["ifname"], "mode", data.get("mode", "tun")]
        words += [w for w in ("pi", "vnet_hdr", "multi_queue") if data.get(w)]
        for key in ("user", "group"):
            if key in data:
                words += [key, str(data[key])]
        net = self.nets[rec["netns"]]
        net.ifindex = rec["ifindex"]  # TUNSETIFF takes no index: the cursor stands on it
        if self.ip(rec["netns"], *words):
            self.made.add((rec["netns"], rec["ifindex"]))
            if "address" in rec:
                self.ip(rec["netns"], "link", "set", rec["ifname"], "address", rec["address"])

    def enslave(self) -> None:
        ports = [
            r for r in self.state.links if "master" in r and (r["netns"], r["ifindex"]) in self.made
        ]
        for rec in sorted(ports, key=lambda r: (r["netns"], r["master"], r.get("port_no", 0))):
            master = self.nets[rec["netns"]].dev_get_by_index(rec["master"])
            if master is None:
                self.warnings.append(f"{rec['netns']}: {rec['ifname']}: its master is missing")
                continue
            self.ip(rec["netns"], "link", "set", rec["ifname"], "master", master.name)

    def settle_attributes(self, rec: dict[str, Any]) -> None:
        from netlife.kernel.if_link import IFF_ALLMULTI, IFF_NOARP, IFF_PROMISC

        ns = rec["netns"]
        dev = self.nets[ns].dev_get_by_index(rec["ifindex"])
        if dev is None:
            return
        words: list[str] = []
        if "mtu" in rec and dev.mtu != rec["mtu"]:
            words += ["mtu", str(rec["mtu"])]
        random_mac = rec.get("kind") == "bridge" and rec.get("addr_assign_type") != NET_ADDR_SET
        if "address" in rec and dev.dev_addr != rec["address"] and rec.get("kind") != "loopback":
            if random_mac:
                # What eth_random_addr drew on the host: setting it would make it user-set
                # (NET_ADDR_SET) and take the bridge's carrier down (br_stp_change_bridge_id).
                dev.dev_addr = rec["address"]
            else:
                words += ["address", rec["address"]]
        if "txqlen" in rec and dev.tx_queue_len != rec["txqlen"]:
            words += ["txqueuelen", str(rec["txqlen"])]
        if rec.get("group", 0) != dev.group:
            words += ["group", str(rec["group"])]
        if "noarp" in rec and bool(dev.flags & IFF_NOARP) != rec["noarp"]:
            words += ["arp", "off" if rec["noarp"] else "on"]
        if rec.get("promisc") and not dev.gflags & IFF_PROMISC:
            words += ["promisc", "on"]
        if rec.get("allmulti") and not dev.gflags & IFF_ALLMULTI:
            words += ["allmulti", "on"]
        if words:
            self.ip(ns, "link", "set", "dev", dev.name, *words)
        for altname in rec.get("altnames", []):
            if altname not in dev.altnames:
                self.ip(ns, "link", "property", "add", "dev", dev.name, "altname", altname)
        if "addr_assign_type" in rec:
            dev.addr_assign_type = rec["addr_assign_type"]  # as the host had it (bridges)
        if rec.get("up") and not dev.flags & 1:
            self.ip(ns, "link", "set", "dev", dev.name, "up")
        elif not rec.get("up") and dev.flags & 1:
            self.ip(ns, "link", "set", "dev", dev.name, "down")


def allocator_cursor(net: Any, root: bool) -> int:
    """The cursor the restored namespace's ifindex allocator starts from (CHOICE above)."""
    if root:
        return max(net.index_hash, default=0) + 1
    idx = 1
    while idx in net.index_hash:
        idx += 1
    return idx


def _multicast(addr: str) -> bool:
    if ":" in addr:
        return addr.lower().startswith("ff")
    return 224 <= int(addr.split(".")[0]) <= 239


def restore_ifindex(net: Any, dev: Any, ifindex: int) -> None:
    """Give a device the boot made the ifindex the host gave it (model-only: which probe ran
    first on the host is not observable). Done before anyone listens, so nothing is sent."""
    if dev.ifindex == ifindex:
        return
    other = net.dev_get_by_index(ifindex)
    if other is not None:
        net.index_hash.pop(ifindex)
        net.index_hash[dev.ifindex] = other
        other.ifindex, dev.ifindex = dev.ifindex, ifindex
        net.index_hash[ifindex] = dev
        return
    net.index_hash.pop(dev.ifindex)
    dev.ifindex = ifindex
    net.index_hash[ifindex] = dev


def restore_host_state(host: Any, state: HostState) -> list[str]:
    """Replay the tables on a booted host; returns what could not be rebuilt."""
    return Restore(host, state).run()
