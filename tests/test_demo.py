"""`netlife demo` plays the story to its end and says so."""

import io
import re

from netlife.cli import main


def test_demo_prints_the_wait_the_hang_and_the_release(capsys):
    rc = main(["demo"])
    out = capsys.readouterr().out
    assert rc == 0
    assert re.search(
        r"unregister_netdevice: waiting for \w+ to become free\. Usage count = \d+", out
    )
    assert "both devices freed." in out


def test_demo_is_deterministic():
    from netlife.demo import main as demo_main

    first, second = io.StringIO(), io.StringIO()
    demo_main(first)
    demo_main(second)
    assert first.getvalue() == second.getvalue()
