"""The conformance corpus (tests/conformance/*.case): the model against this machine's kernel.

Every case must show zero differences (compare.py's canonical form) between the real kernel,
in throwaway namespaces, and the model; and the model must give the same observation twice.
"""

from __future__ import annotations

import os
import pathlib
import subprocess

import pytest

from netlife.conform.case import load_cases
from netlife.conform.compare import compare_case, diff_observations, render_table
from netlife.conform.model_target import ModelTarget

CASES = pathlib.Path(__file__).resolve().parent.parent / "conformance"
CORPUS = load_cases(CASES)
KINDS = ("veth", "macvlan", "vxlan", "bridge", "tuntap", "dummy", "vlan", "netkit")


def test_the_corpus_is_large_and_covers_every_kind():
    assert len(CORPUS) >= 40
    text = "\n".join(step.text for case in CORPUS for step in case.steps)
    assert all(kind in text for kind in KINDS)
    for mode in ("private", "vepa", "bridge", "passthru", "source"):
        assert f"macvlan mode {mode}" in text
    assert {c.name for c in CORPUS if c.model_only} >= {
        "dummy-model-only",
        "vlan-model-only",
        "netkit-model-only",
    }


def test_case_names_are_unique_and_match_their_files():
    names = [case.name for case in CORPUS]
    assert len(set(names)) == len(names)
    assert all(pathlib.Path(case.path).stem == case.name for case in CORPUS)


@pytest.mark.parametrize("case", CORPUS, ids=lambda c: c.name)
def test_the_model_gives_the_same_observation_twice(case):
    first = ModelTarget().run_case(case)
    second = ModelTarget().run_case(case)
    assert first.as_json() == second.as_json()
    assert diff_observations(first, second) == []


def our_namespaces() -> list[str]:
    listed = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout
    prefix = f"nlc-{os.getpid()}-"
    return [line.split()[0] for line in listed.splitlines() if line.startswith(prefix)]


@pytest.fixture(scope="module")
def kernel():
    if os.geteuid() != 0:
        pytest.skip("the real-kernel corpus needs root to make network namespaces")
    probe = f"nlc-{os.getpid()}-0-corpus"
    made = subprocess.run(["ip", "netns", "add", probe], capture_output=True, text=True)
    if made.returncode != 0:
        pytest.skip(f"`ip netns add` does not work here: {made.stderr.strip()}")
    subprocess.run(["ip", "netns", "del", probe], check=True)
    from netlife.conform.kernel_target import KernelTarget

    yield KernelTarget()
    assert our_namespaces() == []


@pytest.mark.kernel
@pytest.mark.parametrize("case", CORPUS, ids=lambda c: c.name)
def test_the_model_matches_this_kernel(kernel, case):
    result = compare_case(kernel.run_case(case), ModelTarget().run_case(case))
    if case.model_only:
        assert result.status == "skipped"
        return
    assert result.differences == [], render_table([result], details=20)
    assert result.status == "same"
