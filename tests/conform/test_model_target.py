"""conform/model_target.py and conform/cli.py: the model's side of a case, no kernel needed."""

from __future__ import annotations

import io
import pathlib

import pytest

from netlife.conform import cli
from netlife.conform.case import parse_case_text
from netlife.conform.compare import diff_observations
from netlife.conform.model_target import ModelTarget, boot_fresh_host
from netlife.conform.target import REFUSED_RC, Observation

CASES = pathlib.Path(__file__).resolve().parent.parent / "conformance"


def run(text: str) -> Observation:
    return ModelTarget().run_case(parse_case_text(text, "t"))


def names(dump: list[dict]) -> list[str]:
    return [link["ifname"] for link in dump]


def test_the_fresh_host_looks_like_a_new_namespace():
    host = boot_fresh_host()
    devices = list(host.kernel.init_net.devices())
    assert [d.name for d in devices] == ["lo"]
    assert not devices[0].flags & 1  # lo is down, as in a namespace `ip netns add` just made
    obs = run("ip link show\n")
    assert names(obs.initial["init_net"]) == ["lo"]
    assert obs.initial["init_net"][0]["operstate"] == "DOWN"


def test_each_step_has_its_output_dumps_and_events_by_index():
    obs = run("ip link add v0 type veth peer name v1\nip link set v0 up\nip link del v0\n")
    assert [s.rc for s in obs.steps] == [0, 0, 0]
    assert [(e["event"], e["ifname"]) for e in obs.events_at(0)] == [
        ("RTM_NEWLINK", "v1"),
        ("RTM_NEWLINK", "v0"),
    ]
    assert names(obs.steps[0].dumps["init_net"]) == ["lo", "v1", "v0"]
    assert [e["ifname"] for e in obs.events_at(2) if e["event"] == "RTM_DELLINK"] == ["v0", "v1"]
    assert names(obs.steps[2].dumps["init_net"]) == ["lo"]


def test_case_namespaces_are_dumped_only_while_they_exist():
    obs = run("# netns: a b\nip netns add a\nip link add v0 type veth peer name v1 netns a\n"
              "ip netns del a\n")  # fmt: skip
    assert list(obs.initial) == ["init_net"]
    assert list(obs.steps[0].dumps) == ["init_net", "a"]
    assert names(obs.steps[1].dumps["a"]) == ["lo", "v1"]
    assert list(obs.steps[2].dumps) == ["init_net"]
    # the namespace's cleanup took the peer in init_net in the same step
    assert names(obs.steps[2].dumps["init_net"]) == ["lo"]


def test_events_are_grouped_by_namespace_in_the_case_order():
    obs = run("# netns: a\nip netns add a\nip link add v0 type veth peer name v1 netns a\n")
    assert [e["netns"] for e in obs.events_at(1)] == ["init_net", "a"]


def test_lines_the_real_side_refuses_are_refused_alike():
    obs = run("# netns: a\nip netns add zz\nls /\nip -n a link show\n")
    assert [s.refused for s in obs.steps] == [True, True, False]
    assert obs.steps[0].rc == REFUSED_RC
    assert obs.steps[0].stderr.startswith("netlife conform: refused: ")
    assert obs.steps[2].rc == 255  # a was never added: the command ran and failed


def test_the_root_is_named_but_not_listed():
    obs = run("# netns: a\nip netns add a\nip link add v0 type veth peer name v1 netns a\n"
              "ip -n a link show v1\nip netns list\n")  # fmt: skip
    assert "link-netns init_net" in obs.steps[2].stdout
    assert [line.split()[0] for line in obs.steps[3].stdout.splitlines()] == ["a"]


def test_quoting_follows_the_shell():
    obs = run("echo 'a  b' \"c\"\n")
    assert obs.steps[0].stdout == "a  b c\n"


def test_the_model_is_deterministic_on_a_case():
    text = (CASES / "netns-delete-stacked.case").read_text()
    first, second = run(text), run(text)
    assert first.as_json() == second.as_json()
    assert diff_observations(first, second) == []


def test_cli_runs_the_model_only_and_says_why(capsys):
    out = io.StringIO()
    rc = cli.conform_main([str(CASES / "veth-add-del.case")], model_only=True, out=out)
    text = out.getvalue()
    assert rc == 0
    assert "real kernel side skipped (--model-only)" in text
    assert "veth-add-del" in text and "skipped" in text


def test_cli_reports_a_bad_case_file_with_status_2(tmp_path, capsys):
    bad = tmp_path / "bad.case"
    bad.write_text("ip link show | cat\n")
    assert cli.conform_main([str(bad)], model_only=True, out=io.StringIO()) == 2
    assert "bad.case:1" in capsys.readouterr().err


def test_cli_loads_directories_in_name_order(tmp_path):
    (tmp_path / "b.case").write_text("ip link show\n")
    (tmp_path / "a.case").write_text("ip link show\n")
    assert [c.name for c in cli.load_paths([str(tmp_path)])] == ["a", "b"]


def test_cli_without_root_still_runs_the_model(monkeypatch):
    monkeypatch.setattr(cli.os, "geteuid", lambda: 1000)
    out = io.StringIO()
    assert cli.conform_main([str(CASES / "veth-add-del.case")], out=out) == 0
    assert "not root" in out.getvalue()


def test_a_netlife_bug_in_the_model_fails_the_case(monkeypatch):
    def broken(self, case):
        self.internal_errors[case.name] = ["Traceback ...\nRuntimeError: boom"]
        return Observation(case.name, "model")

    monkeypatch.setattr(ModelTarget, "run_case", broken)
    out = io.StringIO()
    assert cli.conform_main([str(CASES / "veth-add-del.case")], model_only=True, out=out) == 1
    assert "RuntimeError: boom" in out.getvalue()


@pytest.mark.parametrize("path", sorted(CASES.glob("*.case")), ids=lambda p: p.stem)
def test_every_case_runs_on_the_model_without_a_netlife_bug(path):
    from netlife.conform.case import parse_case

    case = parse_case(path)
    model = ModelTarget()
    obs = model.run_case(case)
    assert model.internal_errors == {}
    assert len(obs.steps) == len(case.steps)
    assert not [s.command for s in obs.steps if s.rc in (70, 139)]  # no netlife bug, no oops


def test_possible_cpus_reads_the_kernels_cpu_list(tmp_path):
    from netlife.conform.model_target import possible_cpus

    listing = tmp_path / "possible"
    listing.write_text("0-3,6,8-9\n")
    assert possible_cpus(str(listing)) == 7
    assert possible_cpus(str(tmp_path / "absent")) == 2
    host = boot_fresh_host(num_possible_cpus=4)
    assert host.kernel.num_possible_cpus == 4
