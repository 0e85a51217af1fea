"""A snapshot as TOML text: the machine profile `netlife run --machine` and `what-if` boot.

The header lists every warning as a comment; a device the model cannot rebuild is written as a
comment block where its `[[link]]` table would be, so nothing read is dropped silently.
"""

from __future__ import annotations

import json
from typing import Any

from netlife.conform.snapshot import Snapshot
from netlife.scenario.host_state import KNOWN_KINDS


def toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)  # a TOML basic string is a JSON string for what we write
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        inner = ", ".join(f"{toml_key(k)} = {toml_value(v)}" for k, v in value.items())
        return "{ " + inner + " }" if inner else "{}"
    raise TypeError(f"cannot write {value!r} as TOML")


def toml_key(key: str) -> str:
    return key if key.replace("_", "").replace("-", "").isalnum() else json.dumps(key)


def _table(name: str, entry: dict[str, Any], array: bool = True) -> list[str]:
    lines = [f"[[{name}]]" if array else f"[{name}]"]
    lines += [f"{toml_key(k)} = {toml_value(v)}" for k, v in entry.items() if v is not None]
    return lines


def modelled(record: dict[str, Any]) -> bool:
    kind = record.get("kind")
    if record.get("link_outside"):
        return False
    return kind in KNOWN_KINDS or (kind is None and bool(record.get("hardware")))


def render_profile(snap: Snapshot, command: str = "netlife snapshot") -> str:
    prof = snap.profile
    out = [
        f"# Machine profile written by `{command}`: the host's devices, read-only.",
        f"# Namespaces read: {', '.join(snap.namespaces)}.",
        "# Boot it with `netlife run --machine FILE` or `netlife what-if --from FILE CMD`.",
    ]
    if snap.warnings:
        out.append("#")
        out.append("# Not modelled (left out of what boots; listed so nothing is lost):")
        out += [f"#   - {w}" for w in snap.warnings]
    out.append("")
    for key in ("hostname", "num_possible_cpus", "loopback"):
        if key in prof:
            out.append(f"{key} = {toml_value(prof[key])}")
    for entry in prof.get("pci", []):
        out += ["", *_table("pci", entry)]
    for entry in prof.get("module", []):
        out += ["", *_table("module", entry)]
    if prof.get("sysctl"):
        out += ["", *_table("sysctl", prof["sysctl"], array=False)]
    for entry in prof.get("netns", []):
        out += ["", *_table("netns", entry)]
    for record in prof.get("link", []):
        if modelled(record):
            out += ["", *_table("link", record)]
        else:
            out += ["", "# [[link]] not modelled, left out:"]
            out += [f"#   {k} = {toml_value(v)}" for k, v in record.items()]
    return "\n".join(out) + "\n"


def bootable(snap: Snapshot) -> dict[str, Any]:
    """The profile as parse_profile takes it (what render_profile writes, as data)."""
    data = {k: v for k, v in snap.profile.items() if k != "link"}
    data["link"] = [r for r in snap.profile.get("link", []) if modelled(r)]
    return data
