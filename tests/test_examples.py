"""examples/veth.sh: netlife's transcript equals the same lines run in a real namespace."""

import os
import pathlib
import shutil
import subprocess

import pytest

from netlife.scenario.interactive import render_transcript
from netlife.scenario.run import play
from netlife.scenario.script import parse_script

ROOT = pathlib.Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "veth.sh"
MACHINE = ROOT / "examples" / "netns.toml"


def model_transcript() -> str:
    _, results, _ = play(EXAMPLE.read_text(), str(MACHINE))
    return render_transcript(results)


def real_transcript() -> str:
    ns = f"nlex-{os.getpid()}"
    subprocess.run(["ip", "netns", "add", ns], check=True, capture_output=True)
    try:
        out = []
        for step in parse_script(EXAMPLE.read_text()):
            r = subprocess.run(
                ["ip", "netns", "exec", ns, "bash", "-c", step.source],
                capture_output=True,
                text=True,
            )
            out.append(f"root@netlife:~# {step.source}\n{r.stdout}{r.stderr}")
        return "".join(out)
    finally:
        subprocess.run(["ip", "netns", "del", ns], capture_output=True)


def test_example_transcript_is_deterministic():
    assert model_transcript() == model_transcript()


def _can_make_namespaces() -> str | None:
    if os.geteuid() != 0:
        return "needs root to create a network namespace"
    if shutil.which("ip") is None:
        return "needs iproute2 (ip)"
    return None


@pytest.mark.kernel
def test_example_matches_the_real_kernel_line_for_line():
    reason = _can_make_namespaces()
    if reason:
        pytest.skip(reason)
    assert model_transcript() == real_transcript()


PAIR = ROOT / "examples" / "pyroute2_pair.py"


def _run_pair(*args: str) -> str:
    import sys

    r = subprocess.run([sys.executable, str(PAIR), *args], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    return r.stdout


def test_pyroute2_example_runs_on_netlife_without_root():
    out = _run_pair("--netlife")
    assert "b v1 veth DOWN 1500" in out
    assert out.endswith("second v0: File exists\n")


@pytest.mark.kernel
def test_pyroute2_example_prints_the_same_on_the_real_kernel():
    reason = _can_make_namespaces()
    if reason:
        pytest.skip(reason)
    assert _run_pair() == _run_pair("--netlife")
