"""`netlife explore` on the command line: JSON for tools, a summary for people, saved
findings, replay tokens, conform cases, local workers."""

from __future__ import annotations

import json

from netlife.cli import main
from netlife.conform.case import parse_case
from netlife.explore.report import decode_token, encode_token


def run_cli(capsys, *argv) -> tuple[int, str, str]:
    rc = main(["explore", *argv])
    out = capsys.readouterr()
    return rc, out.out, out.err


def test_json_lists_each_finding_with_script_hang_report_and_replay(capsys, tmp_path):
    rc, out, _ = run_cli(
        capsys, "--no-netkit-notifier", "--budget", "60s", "--stop-after", "1", "--json",
        "--out", str(tmp_path),
    )  # fmt: skip
    assert rc == 1
    doc = json.loads(out)
    assert set(doc) == {"findings", "stats"}
    (finding,) = doc["findings"]
    assert finding["oracle"] == "hang"
    assert finding["signature"] == "hang in netdev_run_todo: netdev_rx_queue_lease by netkit"
    assert isinstance(finding["script"], list) and 1 <= len(finding["script"]) <= 5
    assert finding["hang"]["what"] == "netdev_run_todo"
    assert finding["replay"] == f"netlife run --no-netkit-notifier {tmp_path}/finding-1.sh"
    assert decode_token(finding["token"]) == finding["script"]
    saved = (tmp_path / "finding-1.sh").read_text().splitlines()
    assert saved[1:] == finding["script"]
    assert doc["stats"]["operations"] > 0 and doc["stats"]["findings"] == 1
    # the saved script replays to the hang under `netlife run`
    assert (
        main(["run", "--json", "--no-netkit-notifier", str(tmp_path / "finding-1.sh")]) == 124
    )  # it hung
    record = json.loads(capsys.readouterr().out)
    assert record["hangs"][0]["devices"][0]["holders"][0]["holder"].startswith(
        "netdev_rx_queue_lease"
    )


def test_summary_prints_the_script_and_how_to_replay_it(capsys):
    rc, out, _ = run_cli(capsys, "--no-netkit-notifier", "--stop-after", "1")
    assert rc == 1
    assert "hang in netdev_run_todo: netdev_rx_queue_lease by netkit" in out
    assert "queue-create" in out and "replay: netlife explore --replay " in out


def test_replay_token_runs_the_finding_again_and_fixed_kernel_clears_it(capsys):
    token = encode_token(
        [
            "ip link add v0 type veth peer name v1",
            "xdpsock -i v0 -q 0",
            "ip link del v0",
        ]
    )
    rc, out, _ = run_cli(capsys, "--no-xsk-notifier", "--replay", token)
    assert rc == 1 and "hang in netdev_run_todo: dev_hold by xdpsock" in out
    rc, out, _ = run_cli(capsys, "--replay", token)
    assert rc == 0 and "without a finding" in out


def test_bad_arguments_are_usage_errors(capsys):
    assert run_cli(capsys, "--budget", "soon")[0] == 2
    assert run_cli(capsys, "--replay", "not-a-token!")[0] == 2
    assert run_cli(capsys, "--depth", "0")[0] == 2


def test_two_local_workers_merge_their_shards(capsys):
    rc, out, _ = run_cli(
        capsys, "--no-netkit-notifier", "--workers", "2", "--budget", "150ep", "--json"
    )
    doc = json.loads(out)
    assert doc["stats"]["workers"] == 2
    assert doc["stats"]["episodes"] == 300
    signatures = [f["signature"] for f in doc["findings"]]
    assert len(signatures) == len(set(signatures))
    assert rc == (1 if signatures else 0)


def test_findings_the_real_kernel_can_run_become_conform_cases(tmp_path):
    from netlife.explore.report import conformable, write_conform_case

    rec = {
        "signature": "example",
        "kinds": ["veth"],
        "script": ["ip netns add a", "ip link add v0 type veth peer name v1 netns a"],
    }
    assert conformable(rec)
    assert not conformable(rec | {"kinds": ["netkit"]})
    assert not conformable(rec | {"script": ["ip link del v0 &"]})
    path = tmp_path / "explore-1.case"
    write_conform_case(rec, str(path))
    case = parse_case(path)
    assert case.netns == ("a",)
    assert [s.text for s in case.steps][:2] == rec["script"]
