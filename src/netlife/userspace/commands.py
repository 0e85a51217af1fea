"""The command table of the simulated root shell: command name → handler.

Each userspace module exports COMMANDS (name → handler(proc, argv) -> exit status); a new
command family is one import and one line here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from netlife.userspace.host import Command


def command_table() -> dict[str, Command]:
    from netlife.userspace import basic

    table: dict[str, Command] = {}
    for module in (basic,):
        table.update(module.COMMANDS)
    for name in ("ip", "kmod", "ethtool", "ynl", "procs", "coreutils"):
        try:
            module = __import__(f"netlife.userspace.{name}", fromlist=["COMMANDS"])
        except ModuleNotFoundError:
            continue
        table.update(getattr(module, "COMMANDS", {}))
    return table
