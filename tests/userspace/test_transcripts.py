"""Golden `ip` sessions: each tests/transcripts/ip_*.sh replayed line by line on a fresh host.

Each line goes through Host.run_command (the host settles between lines, as the shell does);
the transcript is "$ <line>\\n" followed by the command's stdout and stderr, and must equal the
.out beside the script byte for byte. The .out files were captured from the real iproute2 6.1
on kernel 6.18 in a throwaway mount and network namespace (addresses are set explicitly, so
nothing random is printed).
"""

from __future__ import annotations

import pathlib
import shlex

import pytest
from ip_helpers import new_host

TRANSCRIPTS = pathlib.Path(__file__).resolve().parent.parent / "transcripts"
SCRIPTS = sorted(TRANSCRIPTS.glob("ip_*.sh"))

# Sessions whose real output depends on kernel behaviour the model does not have yet.
KNOWN_KERNEL_GAPS: dict[str, str] = {}  # model gaps found against the real kernel


def play(script: pathlib.Path) -> str:
    host = new_host()
    out = []
    for line in script.read_text().splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        result = host.run_command(shlex.split(line))
        host.settle()
        out.append(f"$ {line}\n{result.stdout}{result.stderr}")
    assert not host.internal_errors, host.internal_errors
    return "".join(out)


@pytest.mark.parametrize("script", SCRIPTS, ids=[s.stem for s in SCRIPTS])
def test_transcript_matches_real_iproute2(script):
    matches = play(script) == script.with_suffix(".out").read_text()
    if script.stem in KNOWN_KERNEL_GAPS:
        assert not matches, "the kernel gap is closed: drop it from KNOWN_KERNEL_GAPS"
        pytest.xfail(KNOWN_KERNEL_GAPS[script.stem])
    assert matches, "transcript differs (run play() to see it)"


def test_transcripts_are_deterministic():
    for script in SCRIPTS:
        assert play(script) == play(script)
