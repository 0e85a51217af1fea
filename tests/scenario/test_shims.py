"""`netlife shims DIR` and `netlife serve`: unmodified shell scripts against one host that
stays up; the same output as the real kernel in a namespace (kernel test)."""

from __future__ import annotations

import os
import pathlib
import shutil
import subprocess
import sys

import pytest

from netlife.scenario.state import load_state

ROOT = pathlib.Path(__file__).resolve().parents[2]
SCRIPTS = sorted((pathlib.Path(__file__).parent / "shim_scripts").glob("*.sh"))
FRESH = str(ROOT / "examples" / "netns.toml")
ENV = {**os.environ, "PYTHONPATH": str(ROOT / "src")}


@pytest.fixture
def shims(tmp_path):
    """(bin folder, state file) for a fresh-namespace host; the server is stopped after."""
    state = tmp_path / "host.json"
    netlife = [sys.executable, "-m", "netlife"]
    made = subprocess.run(
        [*netlife, "shims", str(tmp_path / "bin"), "--state", str(state), "--machine", FRESH],
        env=ENV, capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert made.stdout.splitlines()[0] == str(tmp_path / "bin" / "netlife-client")
    yield tmp_path / "bin", state
    subprocess.run([*netlife, "serve", "--state", str(state), "--stop"], env=ENV, check=True)


def through_shims(bin_dir: pathlib.Path, script: pathlib.Path | str, cwd) -> str:
    env = {**ENV, "PATH": f"{bin_dir}:{os.environ['PATH']}", "LC_ALL": "C"}
    command = ["bash", str(script)] if isinstance(script, pathlib.Path) else ["bash", "-c", script]
    done = subprocess.run(command, env=env, capture_output=True, text=True, cwd=cwd, timeout=120)
    return done.stdout + done.stderr


def test_a_script_runs_against_one_host_and_the_host_is_saved(shims, tmp_path):
    bin_dir, state = shims
    script = (
        "ip link add d0 type veth peer name d1\nip netns add blue\nip link set d1 netns blue\n"
        "ip netns exec blue ip -br link show d1\n"
        "ip netns exec blue sh -c 'cat /sys/class/net/d1/mtu'\n"
    )
    out = through_shims(bin_dir, script, tmp_path)
    # veth registers the peer first: d1 is ifindex 2, d0 is 3
    assert out.splitlines()[0].startswith("d1@if3 ") and out.splitlines()[1] == "1500"
    saved = load_state(str(state))["commands"]  # the file and the server's journal
    # (the dump inside blue is kept too: it allocated blue's nsid for the peer's namespace)
    assert [c["argv"][:3] for c in saved][:3] == [["ip", "link", "add"], ["ip", "netns", "add"],
                                                  ["ip", "link", "set"]]  # fmt: skip
    # A one-off `netlife ip --state` while the server runs is served by it, not a second host.
    one_off = [sys.executable, "-m", "netlife", "ip", "--state", str(state)]
    shown = subprocess.run([*one_off, "-br", "-n", "blue", "link"], env=ENV, capture_output=True,
                           text=True)  # fmt: skip
    assert "d1@if3" in shown.stdout


def test_eight_parallel_shim_clients_lose_no_device(shims, tmp_path):
    bin_dir, _ = shims
    script = " & ".join(f"ip link add p{n} type veth peer name q{n}" for n in range(8))
    through_shims(bin_dir, script + " & wait", tmp_path)
    out = through_shims(bin_dir, "ip -br link", tmp_path)
    assert {f"p{n}@q{n}" for n in range(8)} <= {line.split()[0] for line in out.splitlines()}


def test_a_killed_server_loses_nothing_it_answered(shims, tmp_path):
    bin_dir, state = shims
    through_shims(bin_dir, "ip link add k0 type veth peer name k1", tmp_path)
    pid_of = subprocess.run(["fuser", str(state.parent / ".host.json.lock")],
                            capture_output=True, text=True)  # fmt: skip
    pids = [int(p) for p in pid_of.stdout.split()] if shutil.which("fuser") else []
    for pid in pids:
        os.kill(pid, 9)
    out = through_shims(bin_dir, "ip -br link show k1", tmp_path)  # a new server replays
    assert out.startswith("k1@k0 ")


def real_namespace_run(script: pathlib.Path) -> str:
    """The script in a new real namespace (unnamed), under a private /run/netns and /sys:
    nothing reaches the host's namespace list, and everything dies with the command."""
    inner = f"mount -t tmpfs netlife-shims /run/netns && mount -t sysfs sysfs /sys && bash {script}"
    done = subprocess.run(
        ["unshare", "--mount", "--net", "--propagation", "private", "sh", "-c", inner],
        capture_output=True, text=True, timeout=120, env={**ENV, "LC_ALL": "C"},
    )  # fmt: skip
    return done.stdout + done.stderr


@pytest.mark.kernel
@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.stem)
def test_shims_print_what_the_kernel_prints(script, shims, tmp_path):
    if os.geteuid() != 0 or shutil.which("unshare") is None:
        pytest.skip("the real side needs root and util-linux unshare to make namespaces")
    expected = real_namespace_run(script)
    listed = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout
    made = {w.split()[-1] for w in script.read_text().splitlines() if w.startswith("ip netns add")}
    assert not made & {line.split()[0] for line in listed.splitlines() if line.split()}
    assert through_shims(shims[0], script, tmp_path) == expected
