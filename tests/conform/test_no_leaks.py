"""`netlife conform` leaks nothing, even under SIGKILL; a refused line is not "same"."""

from __future__ import annotations

import glob
import os
import pathlib
import shutil
import signal
import subprocess
import sys
import time

import pytest

from netlife.conform import kernel_target
from netlife.conform.case import parse_case_text
from netlife.conform.cli import conform_main
from netlife.conform.compare import compare_case, render_table
from netlife.conform.model_target import ModelTarget

ROOT = pathlib.Path(__file__).resolve().parents[2]
CASES = ROOT / "tests" / "conformance"


def listed() -> list[str]:
    out = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout
    return [line.split()[0] for line in out.splitlines() if line.split()]


def holders(inode: int) -> list[str]:
    """Who still reaches network namespace `inode`: a process in it, or a bind mount of it."""
    tag = f"net:[{inode}]"
    found = []
    for link in glob.glob("/proc/[0-9]*/ns/net"):
        try:
            if os.readlink(link) == tag:
                found.append(link)
        except OSError:
            continue
    for info in glob.glob("/proc/[0-9]*/mountinfo"):
        try:
            if tag in pathlib.Path(info).read_text():
                found.append(info)
        except OSError:
            continue
    return found


@pytest.fixture
def root_with_netns():
    if os.geteuid() != 0:
        pytest.skip("killing a real-kernel conform run needs root to make network namespaces")
    if shutil.which("unshare") is None or shutil.which("nsenter") is None:
        pytest.skip("util-linux unshare/nsenter are not installed")


@pytest.mark.kernel
def test_sigkill_during_conform_leaves_no_namespace(root_with_netns):
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    run = subprocess.Popen(
        [sys.executable, "-m", "netlife", "conform", str(CASES)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    mounts = f"--mount=/proc/{run.pid}/ns/mnt"
    inodes: set[int] = set()
    deadline = time.monotonic() + 120  # a loaded machine starts python slowly
    while len(inodes) < 2 and time.monotonic() < deadline and run.poll() is None:
        names = subprocess.run(
            ["nsenter", mounts, "ls", "/run/netns"], capture_output=True, text=True
        ).stdout.split()
        for name in (n for n in names if n.startswith(f"nlc-{run.pid}-")):
            stat = subprocess.run(
                ["nsenter", mounts, "stat", "-L", "-c", "%i", f"/run/netns/{name}"],
                capture_output=True,
                text=True,
            )
            if stat.returncode == 0:
                inodes.add(int(stat.stdout))
        # The case namespaces live in the run's own /run/netns, never in the host's.
        assert not [n for n in listed() if n.startswith(f"nlc-{run.pid}-")]
        time.sleep(0.05)
    assert inodes, "the conform run made no namespace to kill it in"
    run.send_signal(signal.SIGKILL)
    run.wait()
    deadline = time.monotonic() + 30  # cleanup_net runs from a workqueue
    while time.monotonic() < deadline and any(holders(i) for i in inodes):
        time.sleep(0.1)
    assert not [n for n in listed() if n.startswith(f"nlc-{run.pid}-")]
    assert {i: holders(i) for i in inodes if holders(i)} == {}


@pytest.mark.kernel
def test_names_of_dead_runs_in_the_hosts_run_netns_are_swept(root_with_netns):
    dead = subprocess.Popen(["true"])
    dead.wait()  # a pid that is gone (reuse within this test is not a concern)
    name = f"nlc-{dead.pid}-1-root"
    assert subprocess.run(["ip", "netns", "add", name]).returncode == 0
    try:
        target = kernel_target.KernelTarget()
        assert name in target.swept
        assert name not in listed()
    finally:
        subprocess.run(["ip", "netns", "del", name], capture_output=True)


def test_a_refused_line_shows_as_refused_and_is_not_same():
    case = parse_case_text("ip link add v0 type veth peer name v1\nls /\n", "refusing")
    observed = ModelTarget().run_case(case)
    result = compare_case(observed, observed)
    assert result.differences == [] and result.status == "refused"
    table = render_table([result])
    assert table.splitlines()[1].split()[:3] == ["refusing", "refused", "0"]
    assert "step 1: netlife conform: refused: 'ls' is not on the allow-list" in table
    assert table.splitlines()[-1] == "0 same, 0 differ, 1 refused, 0 skipped, 0 error"


def test_conform_exits_non_zero_for_a_refused_line(tmp_path, capsys, monkeypatch):
    path = tmp_path / "refusing.case"
    path.write_text("ip link add v0 type veth peer name v1\nls /\n")
    monkeypatch.setattr("netlife.conform.cli.kernel_unavailable", lambda: None)

    class Twin(ModelTarget):  # the model on both sides: a real-kernel-free comparison
        name = "kernel"

    monkeypatch.setattr("netlife.conform.kernel_target.KernelTarget", Twin)
    assert conform_main([str(path)]) == 1
    assert " refused " in capsys.readouterr().out
