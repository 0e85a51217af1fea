"""ethtool -k / -K on the model print what the real tool prints on this kernel, line for line.

The same lines run in the model (a fresh-namespace machine) and, as root with ethtool
installed, under `ip netns exec` in a namespace this test makes and removes.
"""

from __future__ import annotations

import os
import pathlib
import shutil
import subprocess

import pytest

from netlife.scenario.interactive import render_transcript
from netlife.scenario.run import play

MACHINE = pathlib.Path(__file__).resolve().parents[2] / "examples" / "netns.toml"

SHOW = """\
ip link add v0 type veth peer name v1
ip link add link v0 name mv0 type macvlan
ip link add vx0 type vxlan id 5 dstport 4789
ip link add vxd type vxlan id 6 dstport 4789 dev v0
ip link add br0 type bridge
ip tuntap add tap0 mode tap
ethtool -k lo
ethtool -k v0
ethtool -k mv0
ethtool -k vx0
ethtool -k vxd
ethtool -k br0
ethtool -k tap0
"""

CHANGE = """\
ip link add v0 type veth peer name v1
ip link add link v0 name mv0 type macvlan
ip link add br0 type bridge
ip link set v1 master br0
ethtool -K v0 gro on
ethtool -K v0 gro on
ethtool -K lo sg off
ethtool -K v0 tso off
ethtool -K v0 tx off
ethtool -K v0 nosuch on
ethtool -K v0 rx-gro-list on
ethtool -K v0 sg off
ethtool -K v0 sg on
ethtool -K nosuchdev gro on
ethtool -K v1 lro on
ethtool -K v0 gro
ethtool -K v1 sg off
ethtool -k v0
ethtool -k mv0
ethtool -k br0
"""


def model(script: str) -> str:
    _, results, _ = play(script, str(MACHINE))
    return render_transcript(results)


def real(script: str) -> str:
    ns = f"nlek-{os.getpid()}"
    subprocess.run(["ip", "netns", "add", ns], check=True, capture_output=True)
    try:
        out = []
        for line in script.splitlines():
            r = subprocess.run(
                ["ip", "netns", "exec", ns, "bash", "-c", line], capture_output=True, text=True
            )
            out.append(f"root@netlife:~# {line}\n{r.stdout}{r.stderr}")
        return "".join(out)
    finally:
        subprocess.run(["ip", "netns", "del", ns], capture_output=True)


def _why_not() -> str | None:
    if os.geteuid() != 0:
        return "needs root to create a network namespace"
    if shutil.which("ethtool") is None:
        return "needs the ethtool binary (apt-get install ethtool)"
    return None


def test_model_output_names_every_feature_once():
    out = model(SHOW)
    assert out.count("Features for br0:") == 1
    assert "tx-gso-robust: on" in out.split("Features for br0:")[1]
    assert "generic-receive-offload: off [requested on]" in out  # the macvlan over a veth


@pytest.mark.kernel
@pytest.mark.parametrize("script", [SHOW, CHANGE], ids=["show", "change"])
def test_ethtool_features_match_the_real_kernel(script):
    why = _why_not()
    if why:
        pytest.skip(why)
    assert model(script) == real(script)
