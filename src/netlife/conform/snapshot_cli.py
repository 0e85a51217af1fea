"""`netlife snapshot` and `netlife what-if`: the command-line faces of snapshot and what-if.

what-if itself is model-only (scenario/what_if.py); it lives behind conform/ only because
`--live` reads the host first.
"""

from __future__ import annotations

import json
import sys
from typing import Any


def snapshot_main(output: str | None, netns: list[str] | None) -> int:
    from netlife.conform.snapshot import take_snapshot
    from netlife.conform.snapshot_write import render_profile

    try:
        snap = take_snapshot(netns)
    except (FileNotFoundError, PermissionError) as err:
        sys.stderr.write(f"netlife snapshot: {err}\n")
        return 1
    words = ["netlife snapshot", *(["--netns", *netns] if netns else [])]
    text = render_profile(snap, " ".join(words))
    for warning in snap.warnings:
        sys.stderr.write(f"netlife snapshot: warning: {warning}\n")
    if output:
        with open(output, "w", encoding="utf-8") as f:
            f.write(text)
    else:
        sys.stdout.write(text)
    return 0


def what_if_main(
    commands: list[str],
    source: str | None,
    live: bool,
    as_json: bool,
    options: dict[str, Any],
    script: str | None = None,
) -> int:
    from netlife.scenario.machine import (
        boot,
        default_profile,
        load_profile,
        module_table,
        parse_profile,
    )
    from netlife.scenario.what_if import render_text, what_if

    commands_after = commands
    if script is not None:
        try:
            with open(script, encoding="utf-8") as f:
                lines = [line.rstrip("\n") for line in f]
        except OSError as err:
            sys.stderr.write(f"netlife what-if: {script}: {err.strerror}\n")
            return 2
        commands = [line for line in lines if line.strip() and not line.lstrip().startswith("#")]
        commands += list(commands_after)
    if not commands:
        sys.stderr.write("netlife what-if: no command to play (CMD… or --script FILE)\n")
        return 2
    if live:
        from netlife.conform.snapshot import take_snapshot
        from netlife.conform.snapshot_write import bootable

        snap = take_snapshot()
        for warning in snap.warnings:
            sys.stderr.write(f"netlife what-if: warning: {warning}\n")
        profile = parse_profile(bootable(snap), "<live host>", module_table())
    else:
        profile = load_profile(source) if source else default_profile()
    host = boot(profile, **options)
    for warning in profile.restore_warnings:
        sys.stderr.write(f"netlife what-if: warning: not rebuilt: {warning}\n")
    report = what_if(host, commands)
    if as_json:
        sys.stdout.write(json.dumps(report, indent=1) + "\n")
    else:
        sys.stdout.write(render_text(report))
    return 0
