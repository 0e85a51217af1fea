"""snapshot reads the real host read-only and boots to the same links; what-if predicts the
kernel (random topologies in throwaway namespaces, marked kernel)."""

from __future__ import annotations

import json
import os
import subprocess

import pytest

from netlife.conform import netlink_read
from netlife.conform.compare import Canonicalizer, diff_dumps
from netlife.conform.kernel_target import delete_namespaces
from netlife.conform.snapshot import take_snapshot
from netlife.conform.snapshot_write import bootable, render_profile
from netlife.scenario.machine import boot, module_table, parse_profile
from netlife.userspace.ip import link_dump_json

PREFIX = f"nls-{os.getpid()}-"
CI_CASES = int(os.environ.get("NETLIFE_WHATIF_CASES", "12"))


def sh(*argv: str) -> str:
    return subprocess.run(argv, capture_output=True, text=True, check=True).stdout


@pytest.fixture
def namespaces():
    if os.geteuid() != 0:
        pytest.skip("reading and building real namespaces needs root")
    names = [f"{PREFIX}{n}" for n in ("a", "b")]
    try:
        for name in names:
            sh("ip", "netns", "add", name)
        a, b = names
        for line in (
            f"ip -n {a} link add v0 type veth peer name v1 netns {b}",
            f"ip -n {a} link add link v0 name mv0 type macvlan mode bridge",
            f"ip -n {b} link add br0 type bridge",
            f"ip -n {b} link set v1 master br0",
            f"ip -n {b} link add vx0 type vxlan id 42 remote 192.0.2.1 dstport 4789",
            f"ip -n {b} tuntap add tap0 mode tap",
            f"ip -n {a} link set v0 up",
            f"ip -n {b} link set br0 up",
            f"ip -n {a} link add v2 type veth peer name v3",
            f"ip -n {a} link set v3 netns {b}",
            f"ip -n {b} link property add dev v3 altname a-rather-long-name-for-v3",
        ):
            sh(*line.split())
        yield names
    finally:
        assert delete_namespaces(names) == []


def host_state(names: list[str]) -> dict:
    ours = [line for line in sh("ip", "netns", "list").splitlines() if line.startswith(PREFIX)]
    state = {"root": sh("ip", "-d", "-j", "link", "show"), "netns": ours}
    for name in names:
        dump = json.loads(sh("ip", "-n", name, "-d", "-j", "link", "show"))
        # Projected as conform compares (bridge timers tick between two reads), ifindexes kept.
        state[name] = (
            [d["ifindex"] for d in dump],
            Canonicalizer().dumps({name: dump}),
            sh("ip", "-n", name, "-j", "netns", "list-id"),
        )
    return state


@pytest.mark.kernel
def test_snapshot_boots_to_the_same_links_and_changes_nothing(namespaces, monkeypatch):
    sent: list[tuple[int, int]] = []
    real_request = netlink_read.ReadOnlyNetlink.request

    class Watch:
        def __init__(self, sock):
            self.sock, self.proto = sock, sock.proto

        def send(self, data: bytes) -> int:
            sent.append((int.from_bytes(data[4:6], "little"), int.from_bytes(data[6:8], "little")))
            return self.sock.send(data)

        def __getattr__(self, name):
            return getattr(self.sock, name)

    def watched(self, msg_type, flags, payload):
        if not isinstance(self.sock, Watch):
            self.sock = Watch(self.sock)
        return real_request(self, msg_type, flags, payload)

    monkeypatch.setattr(netlink_read.ReadOnlyNetlink, "request", watched)
    before = host_state(namespaces)
    snap = take_snapshot(namespaces)
    assert host_state(namespaces) == before
    assert sent and {t for t, _ in sent} <= {18, 22, 90, 16}  # GETLINK, GETADDR, GETNSID, ctrl
    assert render_profile(snap).count("[[link]]") >= 10
    prof = parse_profile(bootable(snap), "<t>", module_table())
    host = boot(prof)
    assert prof.restore_warnings == []
    real = {n: json.loads(sh("ip", "-n", n, "-d", "-j", "link", "show")) for n in namespaces}
    model = {n: link_dump_json(host, host.netns[n]) for n in namespaces}
    assert diff_dumps(None, Canonicalizer().dumps(real), Canonicalizer().dumps(model)) == []
    altnames = {n: {d["ifname"]: d.get("altnames") for d in model[n]} for n in namespaces}
    assert altnames[namespaces[1]]["v3"] == ["a-rather-long-name-for-v3"]
    for n in namespaces:  # and the ifindexes themselves, not only their order
        assert [(d["ifindex"], d["ifname"]) for d in real[n]] == [
            (d["ifindex"], d["ifname"]) for d in model[n]
        ]


@pytest.mark.kernel
def test_snapshot_of_this_host_boots_its_root_namespace_as_it_is():
    if os.geteuid() != 0:
        pytest.skip("reading every namespace needs root")
    real = json.loads(sh("ip", "-d", "-j", "link", "show"))
    snap = take_snapshot()
    host = boot(parse_profile(bootable(snap), "<t>", module_table()))
    model = link_dump_json(host, host.kernel.init_net)
    canon = diff_dumps(
        None, Canonicalizer().dumps({"r": real}), Canonicalizer().dumps({"r": model})
    )
    assert canon == []
    assert [(d["ifindex"], d["ifname"], d["address"]) for d in real] == [
        (d["ifindex"], d["ifname"], d["address"]) for d in model
    ]


@pytest.mark.kernel
def test_what_if_predicts_the_kernel_on_random_topologies():
    if os.geteuid() != 0:
        pytest.skip("the differential check builds real namespaces: needs root")
    from netlife.conform.whatif_check import check_one

    results = [check_one(seed) for seed in range(CI_CASES)]
    differ = [f"{r.case}: {r.differences[0]}" for r in results if r.differences]
    assert differ == [], "\n".join(differ)
