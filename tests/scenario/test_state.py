"""`netlife ip --state FILE`: a host saved as its commands, replayed; bad files left alone."""

import json
import pathlib

from netlife.cli import main

EXAMPLE = str(pathlib.Path(__file__).resolve().parents[2] / "examples" / "veth.sh")


def run(capsys, state, *args):
    rc = main(["ip", "--state", str(state), *args])
    out = capsys.readouterr()
    return rc, out.out, out.err


def test_state_accumulates_changes_and_replays_them(tmp_path, capsys):
    state = tmp_path / "host.json"
    assert run(capsys, state, "link", "add", "v0", "type", "veth", "peer", "name", "v1")[0] == 0
    rc, out, _ = run(capsys, state, "-br", "link", "show", "v0")
    assert rc == 0 and out.startswith("v0@v1 ")
    saved = json.loads(state.read_text())
    # Only commands that changed the host are kept.
    argv = ["ip", "link", "add", "v0", "type", "veth", "peer", "name", "v1"]
    assert saved["commands"] == [{"argv": argv, "rc": 0}]


def test_failed_command_is_saved_with_its_status_and_prints_iproute2_error(tmp_path, capsys):
    state = tmp_path / "host.json"
    run(capsys, state, "link", "add", "v0", "type", "veth")
    rc, _, err = run(capsys, state, "link", "add", "v0", "type", "veth")
    assert rc == 2 and err == "RTNETLINK answers: File exists\n"
    # Kept: a failed request may have done part of its work; the replay must fail alike.
    assert [c["rc"] for c in json.loads(state.read_text())["commands"]] == [0, 2]
    assert run(capsys, state, "-br", "link", "show", "v0")[0] == 0


def test_corrupt_truncated_or_foreign_files_are_refused_and_untouched(tmp_path, capsys):
    good = tmp_path / "good.json"
    run(capsys, good, "link", "add", "v0", "type", "veth")
    for name, text in {
        "corrupt.json": "garbage",
        "truncated.json": good.read_text()[:40],
        "foreign.json": json.dumps({"format": "something-else"}),
        "edited.json": good.read_text().replace('"v0"', '"v9"'),
    }.items():
        path = tmp_path / name
        path.write_text(text)
        rc, out, err = run(capsys, path, "link")
        assert rc == 2 and out == "", name
        assert err.startswith("netlife: ") and "Traceback" not in err, name
        assert path.read_text() == text, name


def test_bad_machine_profile_is_a_clear_error_not_a_traceback(tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text("bogus = 1\n")
    for argv in (
        ["run", "--machine", str(bad), EXAMPLE],
        ["ip", "--state", str(tmp_path / "s.json"), "--machine", str(bad), "link"],
        ["run", "--machine", str(tmp_path / "missing.toml"), EXAMPLE],
    ):
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert err.startswith("netlife: ") and "Traceback" not in err
    assert not (tmp_path / "s.json").exists()


def test_every_abbreviation_of_batch_reads_the_users_file(tmp_path, capsys):
    batch = tmp_path / "cmds"
    batch.write_text("link add v0 type veth peer name v1\nlink show v1\n")
    for i, option in enumerate(("-b", "-ba", "-batch", "--batch", "--b")):
        state = tmp_path / f"host{i}.json"
        rc, out, err = run(capsys, state, option, str(batch))
        assert (rc, err) == (0, ""), option
        assert "v1@v0: <BROADCAST,MULTICAST,M-DOWN>" in out
        assert run(capsys, state, "-br", "link", "show", "v0")[0] == 0


def test_a_batch_file_that_cannot_be_read_is_iproute2s_error(tmp_path, capsys):
    rc, _, err = run(capsys, tmp_path / "host.json", "-b", str(tmp_path / "missing"))
    assert rc == 1
    assert (
        err == f'Cannot open file "{tmp_path / "missing"}" for reading: No such file or directory\n'
    )


def test_namespace_ids_survive_between_commands(tmp_path, capsys):
    state = tmp_path / "host.json"
    assert run(capsys, state, "netns", "add", "blue")[0] == 0
    assert run(capsys, state, "netns", "set", "blue", "99")[0] == 0
    assert run(capsys, state, "netns", "list") == (0, "blue (id: 99)\n", "")
