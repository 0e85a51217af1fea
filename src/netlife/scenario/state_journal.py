"""The journal of a served host: one fsynced line per saved command, beside the state file.

Model-only. `netlife serve` answers many commands on one host; rewriting the whole state file
for each would cost time in proportion to the history. It appends the command to
`.NAME.journal` instead (write, fsync, then reply), and folds the journal into the state file
(write, fsync, rename, scenario/state.py) every COMPACT_EVERY commands and when it exits.
Each line carries its position in the history (`seq`), so after a kill at any point loading
gives the old or the new state: a line without its newline was never answered and is dropped;
lines already folded into the file (a kill between the rename and removing the journal) are
skipped.
"""

from __future__ import annotations

import contextlib
import json
import os
from typing import Any

COMPACT_EVERY = 1000


def journal_path(state: str) -> str:
    directory, name = os.path.split(os.path.abspath(state))
    return os.path.join(directory, f".{name}.journal")


def append(state: str, data: dict[str, Any], imported: dict[str, str]) -> None:
    """Record data's last command (and what came with it) durably."""
    line = {
        "seq": len(data["commands"]) - 1,
        "entry": data["commands"][-1],
        "digest": data["digest"],
        "machine": data.get("machine"),
        "files": imported,
    }
    with open(journal_path(state), "a", encoding="utf-8") as f:
        f.write(json.dumps(line) + "\n")
        f.flush()
        os.fsync(f.fileno())


def replay_into(state: str, data: dict[str, Any]) -> None:
    """Add the journal's commands that data lacks, in order; stop at a torn or foreign line."""
    try:
        with open(journal_path(state), "rb") as f:
            raw = f.read()
    except FileNotFoundError:
        return
    for chunk in raw.split(b"\n")[:-1]:  # the last piece has no newline: never answered
        try:
            line = json.loads(chunk)
            seq, entry = line["seq"], line["entry"]
        except (ValueError, KeyError, TypeError):
            return
        if seq < len(data["commands"]):
            continue  # folded into the file already
        if seq != len(data["commands"]) or not isinstance(entry, dict):
            return
        data["commands"].append(entry)
        data["digest"] = line.get("digest", data.get("digest"))
        data["machine"] = data.get("machine") or line.get("machine")
        files = line.get("files")
        if isinstance(files, dict) and isinstance(data.get("files"), dict):
            data["files"].update(files)


def remove(state: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(journal_path(state))
