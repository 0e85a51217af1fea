"""`netlife demo` plays the seed commit in both worlds and ends each as the kernel would."""

import io
import itertools
import re

from netlife.cli import main
from netlife.demo import main as demo_main


def test_demo_shows_both_devices_gone_with_the_notifier(capsys):
    rc = main(["demo", "--after-fix"])
    out = capsys.readouterr().out
    assert rc == 0
    assert "4: nk@NONE: <BROADCAST,MULTICAST,NOARP,UP,LOWER_UP>" in out
    assert "root@netlife:~# rmmod mlx5_core" in out
    assert "E-Switch: cleanup" in out
    assert "both enp10s0f0np0 and nk gone" in out
    assert "waiting for" not in out


def test_demo_before_the_fix_blocks_until_nk_is_deleted(capsys):
    rc = main(["demo", "--before-fix"])
    out = capsys.readouterr().out
    assert rc == 0
    waits = re.findall(
        r"\[ *(\d+)\.\d+\] unregister_netdevice: waiting for enp10s0f0np0 to become free\. "
        r"Usage count = 2",
        out,
    )
    # Every 10 s from the first warning until the background `ip link del nk` at 60 s.
    assert len(waits) == 5
    assert [int(b) - int(a) for a, b in itertools.pairwise(waits)] == [10] * 4
    assert "netdev_rx_queue_lease (nk rxq 1)" in out
    assert "What releases it: ip link del nk" in out
    assert "rmmod returned once nk was deleted; enp10s0f0np0 freed." in out


def test_demo_is_deterministic():
    first, second = io.StringIO(), io.StringIO()
    demo_main(first)
    demo_main(second)
    assert first.getvalue() == second.getvalue()
