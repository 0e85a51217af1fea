"""conform/kernel_target.py: command translation (pure) and real-kernel runs (marked kernel)."""

from __future__ import annotations

import os
import pathlib
import subprocess

import pytest

from netlife.conform import kernel_target
from netlife.conform.case import parse_case_text
from netlife.conform.kernel_target import (
    CaseRun,
    KernelTarget,
    NamespaceMap,
    Refused,
    translate_command,
    used_kinds,
)
from netlife.conform.target import REFUSED_RC

CASES = pathlib.Path(__file__).resolve().parent.parent / "conformance"
NAMES = NamespaceMap.for_case(parse_case_text("# netns: a b\n", "t"), 7, 1)


def case(text: str, name: str = "t"):
    return parse_case_text(text, name)


# -- translation: no kernel needed ------------------------------------------------------------


def test_ip_lines_run_in_the_cases_root_or_the_named_namespace():
    plan = translate_command(("ip", "-j", "link", "show"), NAMES)
    assert plan.argv == ("ip", "-n", "nlc-7-1-root", "-j", "link", "show")
    plan = translate_command(("ip", "-n", "a", "link", "set", "v0", "netns", "b"), NAMES)
    assert plan.argv == ("ip", "-n", "nlc-7-1-ns-a", "link", "set", "v0", "netns", "nlc-7-1-ns-b")
    plan = translate_command(("ip", "netns", "exec", "b", "cat", "/sys/class/net/v0/mtu"), NAMES)
    assert plan.argv == ("ip", "netns", "exec", "nlc-7-1-ns-b", "cat", "/sys/class/net/v0/mtu")
    assert translate_command(("ip", "netns", "add", "a"), NAMES).kind == "netns-add"
    assert translate_command(("ip", "net", "d", "b"), NAMES).kind == "netns-del"


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("ip netns add zz", "not declared"),
        ("ip -n zz link show", "not declared"),
        ("ip link set v0 netns 1", "names a process"),
        ("ip link add v0 type veth peer name v1 netns init_net", "not declared"),
        ("ip -batch /etc/passwd", "-batch"),
        ("ip -all netns del", "option '-all'"),
        ("ip netns attach a 1", "outside"),
        ("ip monitor link", "ip monitor"),
        ("ip link set v0 xdp obj prog.o", "BPF"),
        ("cat /etc/shadow", "/sys/class/net"),
        ("cat /sys/class/net/../../etc/x", "/sys/class/net"),
        ("rm -rf /", "allow-list"),
        ("ip netns exec a rm x", "allow-list"),
    ],
)
def test_lines_reaching_outside_the_case_are_refused(line, reason):
    with pytest.raises(Refused, match=reason):
        translate_command(tuple(line.split()), NAMES)


def test_output_names_are_mapped_back_and_netns_list_keeps_only_the_case():
    text = 'Cannot open network namespace "nlc-7-1-ns-a": No such file\n'
    assert NAMES.text_back(text) == 'Cannot open network namespace "a": No such file\n'
    listed = "nlc-7-1-ns-b\nother-host-ns (id: 3)\nnlc-7-1-ns-a (id: 0)\nnlc-7-1-root\n"
    assert NAMES.list_back(listed) == "nlc-7-1-ns-b\nnlc-7-1-ns-a (id: 0)\n"


def test_builtins_answer_in_process_and_sleep_is_capped():
    assert translate_command(("echo", "hi", "there"), NAMES).stdout == "hi there\n"
    assert translate_command(("false",), NAMES).rc == 1
    assert translate_command(("sleep", "1m"), NAMES).seconds == kernel_target.SLEEP_CAP
    assert translate_command(("sleep", "x"), NAMES).rc == 1


def test_used_kinds_finds_link_kinds_and_tuntap():
    text = (
        "ip link add v0 type veth peer name v1\nip tuntap add t0 mode tap\nip link show type veth\n"
    )
    assert used_kinds(case(text)) == ["veth", "tun"]


# -- the real kernel ----------------------------------------------------------------------------


def our_namespaces() -> list[str]:
    listed = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout
    prefix = f"nlc-{os.getpid()}-"
    return [line.split()[0] for line in listed.splitlines() if line.startswith(prefix)]


@pytest.fixture(scope="module")
def target():
    if os.geteuid() != 0:
        pytest.skip("real-kernel conformance needs root to make network namespaces")
    probe = f"nlc-{os.getpid()}-0-check"
    made = subprocess.run(["ip", "netns", "add", probe], capture_output=True, text=True)
    if made.returncode != 0:
        pytest.skip(f"`ip netns add` does not work here: {made.stderr.strip()}")
    subprocess.run(["ip", "netns", "del", probe], check=True)
    yield KernelTarget()
    assert our_namespaces() == []


def deleted(obs, step):
    return [e["ifname"] for e in obs.events_at(step) if e["event"] == "RTM_DELLINK"]


@pytest.mark.kernel
def test_veth_pair_add_and_delete(target):
    obs = target.run_case(
        case("ip link add v0 type veth peer name v1\nip link set v0 up\nip link del v1\n")
    )
    assert [s.rc for s in obs.steps] == [0, 0, 0]
    # veth_newlink registers the peer first, so its NEWLINK comes first
    assert [(e["event"], e["ifname"]) for e in obs.events_at(0)] == [
        ("RTM_NEWLINK", "v1"),
        ("RTM_NEWLINK", "v0"),
    ]
    assert obs.events_at(1)[-1]["link"]["flags"][0] == "NO-CARRIER"
    assert deleted(obs, 2) == ["v1", "v0"]
    assert [d["ifname"] for d in obs.steps[2].dumps["init_net"]] == ["lo"]
    assert our_namespaces() == []


@pytest.mark.kernel
def test_macvlans_go_with_their_lower_device(target):
    text = (
        "ip link add v0 type veth peer name v1\n"
        "ip link add link v0 name mv0 type macvlan\n"
        "ip link add link v0 name mv1 type macvlan\n"
        "ip link del v0\n"
    )
    obs = target.run_case(case(text))
    # one unregister_netdevice_many batch: the uppers' DELLINKs before the pair's
    assert deleted(obs, 3) == ["mv0", "mv1", "v0", "v1"]


@pytest.mark.kernel
def test_netns_moves_and_namespace_deletion_are_observed(target):
    text = (
        "# netns: a b\n"
        "ip netns add a\n"
        "ip netns add b\n"
        "ip link add v0 type veth peer name v1 netns a\n"
        "ip link set v0 netns b\n"
        "ip netns list\n"
        "ip netns del a\n"
    )
    obs = target.run_case(case(text))
    move = [(e["netns"], e["event"], e["ifname"]) for e in obs.events_at(3)]
    assert move == [("init_net", "RTM_DELLINK", "v0"), ("b", "RTM_NEWLINK", "v0")]
    assert sorted(line.split()[0] for line in obs.steps[4].stdout.splitlines()) == ["a", "b"]
    # cleanup_net() runs later from a workqueue; the step still sees the peer go
    assert ("b", "v0") in [(e["netns"], e["ifname"]) for e in obs.events_at(5)]
    assert list(obs.steps[5].dumps) == ["init_net", "b"]
    assert [d["ifname"] for d in obs.steps[5].dumps["b"]] == ["lo"]


@pytest.mark.kernel
def test_duplicate_name_fails_with_eexist_and_changes_nothing(target):
    obs = target.run_case(
        case("ip link add v0 type veth peer name v1\nip link add v0 type veth peer name v2\n")
    )
    assert (obs.steps[1].rc, obs.steps[1].stderr) == (2, "RTNETLINK answers: File exists\n")
    assert obs.events_at(1) == []
    assert obs.steps[1].dumps == obs.steps[0].dumps


@pytest.mark.kernel
def test_refused_lines_do_not_run_and_nothing_is_left_behind(target):
    text = "# netns: a\nip netns add zz\nip link add v0 type veth peer name v1 netns 1\nls /\n"
    obs = target.run_case(case(text))
    assert all(s.refused and s.rc == REFUSED_RC for s in obs.steps)
    assert all(s.stderr.startswith("netlife conform: refused: ") for s in obs.steps)
    assert obs.events == []
    listed = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout
    assert "zz" not in listed.split()
    assert our_namespaces() == []


@pytest.mark.kernel
def test_namespaces_are_deleted_when_a_run_fails(target, monkeypatch):
    def explode(self, index, result):
        raise RuntimeError("boom")

    monkeypatch.setattr(CaseRun, "observe", explode)
    with pytest.raises(RuntimeError, match="boom"):
        target.run_case(case("# netns: a\nip netns add a\n"))
    assert our_namespaces() == []
    assert not [n for n in kernel_target.LIVE_NAMESPACES if n.startswith(f"nlc-{os.getpid()}-")]


@pytest.mark.kernel
def test_model_only_cases_are_skipped_with_their_reason(target):
    obs = target.run_case(case("# model-only: needs netkit\nip link add nk0 type netkit\n"))
    assert obs.skipped == "model-only: needs netkit" and obs.steps == []


@pytest.mark.kernel
@pytest.mark.parametrize("path", sorted(CASES.glob("*.case")), ids=lambda p: p.stem)
def test_every_starter_case_runs_on_this_kernel(target, path):
    from netlife.conform.case import parse_case

    parsed = parse_case(path)
    obs = target.run_case(parsed)
    if parsed.model_only:
        assert obs.skipped
        return
    assert obs.skipped is None
    assert len(obs.steps) == len(parsed.steps)
    assert not [s.command for s in obs.steps if s.refused]
    assert obs.events, "every starter case changes links"
    assert our_namespaces() == []


@pytest.mark.kernel
def test_a_case_using_a_kind_this_kernel_lacks_is_skipped(target):
    if target.has_kind("dummy"):
        pytest.skip("this kernel has dummy, so nothing is missing to skip on")
    obs = target.run_case(case("ip link add d0 type dummy\n"))
    assert obs.skipped == "this kernel lacks link kind dummy"
