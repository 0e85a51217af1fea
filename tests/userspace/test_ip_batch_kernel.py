"""`ip -batch` on the model and on the real kernel: the kernel's linkwatch runs while a batch
runs, so a veth pair brought up by one line is UP (carrier, operstate) at the next line."""

from __future__ import annotations

import os
import re
import subprocess

import pytest
from ip_helpers import new_host

BATCHES = {
    "both-ends-up": "link add v0 type veth peer name v1\nlink set v0 up\nlink set v1 up\n"
    "link show v0\nlink show v1\n",
    "one-end-then-other": "link add v0 type veth peer name v1\nlink set v0 up\n"
    "link show v0\nlink set v1 up\nlink show v0\n",
}
MAC = re.compile(r"link/ether \S+")


def model_output(text: str, option: str) -> str:
    host = new_host()
    host.files["/tmp/cmds"] = text
    result = host.run_command(["ip", option, "/tmp/cmds"])
    assert result.rc == 0, result.stderr
    return MAC.sub("link/ether MAC", result.stdout)


@pytest.mark.parametrize("option", ["-b", "-ba", "-batch", "--batch"])
def test_every_abbreviation_runs_the_batch(option):
    out = model_output(BATCHES["both-ends-up"], option)
    assert "v0@v1: <BROADCAST,MULTICAST,UP,LOWER_UP>" in out and "state UP" in out


def test_the_first_end_up_alone_has_no_carrier_within_the_batch():
    out = model_output(BATCHES["one-end-then-other"], "-b").splitlines()
    assert "NO-CARRIER" in out[0] and "state LOWERLAYERDOWN" in out[0]
    assert "state UP" in out[2]


@pytest.mark.kernel
@pytest.mark.parametrize("name", sorted(BATCHES))
def test_batch_output_matches_the_real_kernel(name, tmp_path):
    if os.geteuid() != 0:
        pytest.skip("needs root to create a network namespace")
    ns = f"nlh-batch-{os.getpid()}-{name}"
    if subprocess.run(["ip", "netns", "add", ns], capture_output=True).returncode:
        pytest.skip("`ip netns add` does not work here")
    try:
        path = tmp_path / "cmds"
        path.write_text(BATCHES[name])
        real = subprocess.run(
            ["ip", "netns", "exec", ns, "ip", "-b", str(path)], capture_output=True, text=True
        )
    finally:
        subprocess.run(["ip", "netns", "del", ns], check=True)
    assert real.returncode == 0, real.stderr
    # ifindexes differ (the model's host has no other namespace history); compare the rest
    strip = re.compile(r"^\d+: ", re.M)
    real_out = strip.sub("", MAC.sub("link/ether MAC", real.stdout))
    assert strip.sub("", model_output(BATCHES[name], "-b")) == real_out
