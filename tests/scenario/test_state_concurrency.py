"""`netlife ip --state FILE` used by many processes at once, and killed while saving: no update
lost (a lock serialises the calls), never a torn file (write, fsync, rename)."""

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from netlife.scenario import state as state_module
from netlife.scenario.state import load_state, save_state

SRC = str(Path(__file__).resolve().parents[2] / "src")
ENV = {**os.environ, "PYTHONPATH": SRC}


def netlife_ip(state: Path, *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "netlife", "ip", "--state", str(state), *args],
        env=ENV,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_eight_parallel_calls_each_adding_a_device_lose_none(tmp_path):
    state = tmp_path / "host.json"
    procs = [netlife_ip(state, "link", "add", f"d{n}", "type", "dummy") for n in range(8)]
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
    shown = netlife_ip(state, "-br", "link", "show", "type", "dummy")
    out, err = shown.communicate(timeout=60)
    names = {line.split()[0] for line in out.splitlines()}
    assert {f"d{n}" for n in range(8)} <= names, (names, err)


def big_state(tag: str, count: int) -> dict:
    commands = [{"argv": ["ip", "link", "set", "lo", "alias", f"{tag}{n}"], "rc": 0}
                for n in range(count)]  # fmt: skip
    return {"format": "netlife-state", "version": 2, "machine": None, "files": {},
            "commands": commands, "digest": tag}  # fmt: skip


SAVER = """
import sys
from netlife.scenario.state import save_state
from tests_state_helper import STATES
print("ready", flush=True)
i = 0
while True:
    save_state(sys.argv[1], STATES[i % 2])
    i += 1
"""


def test_a_saver_killed_at_random_points_leaves_old_or_new_never_torn(tmp_path):
    states = [big_state("a", 4000), big_state("b", 4000)]
    helper = f"import json\nSTATES = json.loads({json.dumps(states)!r})\n"
    (tmp_path / "tests_state_helper.py").write_text(helper)
    path = tmp_path / "host.json"
    save_state(str(path), states[0])
    rng = random.Random(7)
    env = {**ENV, "PYTHONPATH": f"{SRC}:{tmp_path}"}
    for _ in range(12):
        saver = subprocess.Popen(
            [sys.executable, "-c", SAVER, str(path)], env=env, stdout=subprocess.PIPE, text=True
        )
        assert saver.stdout.readline() == "ready\n"
        time.sleep(rng.uniform(0.0, 0.05))
        saver.send_signal(signal.SIGKILL)
        saver.wait()
        saver.stdout.close()
        assert load_state(str(path)) in states  # parses, and is one of the two whole states
    leftovers = [p.name for p in tmp_path.iterdir() if p.name.startswith(".netlife-state-")]
    assert len(leftovers) <= 12  # a kill between mkstemp and rename leaves a temp file only


def test_a_failure_between_write_and_rename_keeps_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / "host.json"
    old, new = big_state("a", 3), big_state("b", 3)
    save_state(str(path), old)

    def fail(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(state_module.os, "replace", fail)
    with pytest.raises(OSError):
        save_state(str(path), new)
    assert load_state(str(path)) == old
    assert [p.name for p in tmp_path.iterdir()] == ["host.json"]  # the temporary file is gone


def test_the_journal_drops_a_torn_line_and_skips_what_the_file_already_has(tmp_path):
    from netlife.scenario import state_journal
    from netlife.scenario.state import empty_state

    path = str(tmp_path / "host.json")
    data = empty_state()
    for n in range(3):
        data["commands"].append({"argv": ["ip", "link", "add", f"d{n}", "type", "dummy"], "rc": 0})
        data["digest"] = f"after {n}"
        state_journal.append(path, data, {})
    first = {**data, "commands": data["commands"][:1], "digest": "after 0"}
    save_state(path, first)  # folded up to command 0, then killed before the journal went
    with open(state_journal.journal_path(path), "a") as f:
        f.write('{"seq": 3, "entry": {"argv": ["ip"]')  # a kill in the middle of an append
    loaded = load_state(path)
    assert loaded["commands"] == data["commands"] and loaded["digest"] == "after 2"
