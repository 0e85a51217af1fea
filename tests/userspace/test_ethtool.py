"""ethtool -l / -L: output and error texts, model and (marked) real kernel."""

import os
import shutil
import subprocess

import pytest

from netlife.scenario.machine import boot, default_profile


def _host():
    host = boot(default_profile())
    host.settle()
    return host


def test_show_channels_prints_ethtools_layout():
    r = _host().run_command(["ethtool", "-l", "enp10s0f0np0"])
    assert r.rc == 0
    assert r.stdout == (
        "Channel parameters for enp10s0f0np0:\n"
        "Pre-set maximums:\n"
        "RX:\t\tn/a\nTX:\t\tn/a\nOther:\t\tn/a\nCombined:\t16\n"
        "Current hardware settings:\n"
        "RX:\t\tn/a\nTX:\t\tn/a\nOther:\t\tn/a\nCombined:\t16\n"
    )


def test_errors_print_the_netlink_error_lines_with_offsets():
    host = _host()
    cases = [
        (["-l", "lo"], "netlink error: Operation not supported\n"),
        (["-L", "lo", "combined", "1"], "netlink error: Operation not supported\n"),
        (
            ["-l", "nosuch"],
            "netlink error: no device matches name (offset 24)\nnetlink error: No such device\n",
        ),
        (
            ["-L", "enp10s0f0np0", "combined", "17"],
            "netlink error: requested channel count exceeds maximum (offset 44)\n"
            "netlink error: Invalid argument\n",
        ),
        (
            ["-L", "enp10s0f0np0", "combined", "0"],
            "netlink error: requested channel counts would result in no RX or TX channel "
            "being configured (offset 44)\nnetlink error: Invalid argument\n",
        ),
        (["-L", "enp10s0f0np0", "combined"], "ethtool (-L): no value for parameter 'combined'\n"),
        (
            ["-L", "enp10s0f0np0", "combined", "-1"],
            "ethtool (-L): invalid value '-1' for parameter 'combined'\n",
        ),
        (["-L", "enp10s0f0np0", "foo", "1"], "ethtool (-L): unknown parameter 'foo'\n"),
    ]
    for args, text in cases:
        r = host.run_command(["ethtool", *args])
        assert (r.rc, r.stdout, r.stderr) == (1, "", text), args
    assert host.kernel.init_net.dev_get_by_name("enp10s0f0np0").real_num_rx_queues == 16


def _real_ethtool(ns, *args):
    return subprocess.run(
        ["ip", "netns", "exec", ns, "ethtool", *args], capture_output=True, text=True
    )


@pytest.mark.kernel
def test_error_texts_match_the_real_ethtool():
    if os.geteuid() != 0 or shutil.which("ethtool") is None:
        pytest.skip("needs root and the ethtool binary to run the real tool")
    ns = f"nlh-ethtool-{os.getpid()}"
    if subprocess.run(["ip", "netns", "add", ns], capture_output=True).returncode != 0:
        pytest.skip("ip netns add failed: no network namespaces here")
    try:
        host = _host()
        for args in (["-l", "lo"], ["-l", "nosuch"], ["-L", "lo", "combined", "1"]):
            real = _real_ethtool(ns, *args)
            model = host.run_command(["ethtool", *args])
            assert (model.rc, model.stdout, model.stderr) == (
                real.returncode,
                real.stdout,
                real.stderr,
            ), args
    finally:
        subprocess.run(["ip", "netns", "del", ns], capture_output=True)
