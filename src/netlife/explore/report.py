"""What `netlife explore` hands back: findings as scripts people can run, JSON for tools.

Model-only. Each finding carries its minimal script (the command lines), the hang report when
it is a hang, the command that replays it (`netlife run` on the saved script, with the same
kernel options) and a replay token (the script itself, compressed) that `netlife explore
--replay TOKEN` runs again. A finding whose lines use only `ip` and kinds the real kernel has
can be written as a `netlife conform` case.
"""

from __future__ import annotations

import base64
import json
import os
import zlib
from typing import Any, TextIO

# Kinds the real kernel here has (conform marks dummy, vlan and netkit cases model-only).
REAL_KINDS = {"veth", "macvlan", "vxlan", "bridge", "tun"}


def encode_token(lines: list[str]) -> str:
    raw = zlib.compress(json.dumps(lines).encode(), 9)
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_token(token: str) -> list[str]:
    """The script a token stands for; ValueError when it is not a token."""
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        lines = json.loads(zlib.decompress(raw))
    except (ValueError, zlib.error) as err:
        raise ValueError(f"not a replay token: {err}") from None
    if not isinstance(lines, list) or not all(isinstance(x, str) for x in lines):
        raise ValueError("not a replay token: it does not hold command lines")
    return lines


def kernel_flags(machine: str | None, kernel_options: dict[str, Any]) -> str:
    flags = []
    if machine:
        flags.append(f"--machine {machine}")
    if kernel_options.get("netkit_notifier") is False:
        flags.append("--no-netkit-notifier")
    if kernel_options.get("xsk_notifier") is False:
        flags.append("--no-xsk-notifier")
    if kernel_options.get("hang_bound_secs") is not None:
        flags.append(f"--hang-bound {kernel_options['hang_bound_secs']:g}")
    return " ".join(flags)


def finding_record(finding: Any, token: str, flags: str, count: int = 1) -> dict[str, Any]:
    """The JSON of one finding (the `findings` list of `netlife explore --json`)."""
    record = finding.as_json()
    record["script"] = list(finding.script)
    record["occurrences"] = count
    record["episode"] = token
    record["token"] = encode_token(finding.script)
    record["replay"] = f"netlife explore --replay {record['token']}" + (
        f" {flags}" if flags else ""
    )
    return record


def save_findings(records: list[dict], out_dir: str, flags: str) -> None:
    """DIR/finding-N.sh (the script) and DIR/finding-N.json (the record); `replay` then names
    the saved script."""
    os.makedirs(out_dir, exist_ok=True)
    for i, rec in enumerate(records, 1):
        path = os.path.join(out_dir, f"finding-{i}.sh")
        with open(path, "w", encoding="utf-8") as f:
            f.write(f"# {rec['signature']}\n")
            f.write("".join(line + "\n" for line in rec["script"]))
        rec["file"] = path
        rec["replay"] = f"netlife run {flags + ' ' if flags else ''}{path}"
        with open(os.path.join(out_dir, f"finding-{i}.json"), "w", encoding="utf-8") as f:
            json.dump(rec, f, indent=1)
            f.write("\n")


def conformable(rec: dict) -> bool:
    """Lines only of `ip link` / `ip netns` over kinds the real kernel has."""
    if not rec["script"] or not set(rec.get("kinds") or ()) <= REAL_KINDS:
        return False
    return all(
        line.startswith(("ip link", "ip netns", "ip -n")) and not set(line) & set(";&|<>()`$")
        for line in rec["script"]
    )


def _netns_names(lines: list[str]) -> list[str]:
    names: list[str] = []
    for line in lines:
        w = line.split()
        found = []
        if w[:2] == ["ip", "netns"] and len(w) > 3:
            found.append(w[3])
        if w[:2] == ["ip", "-n"] and len(w) > 2:
            found.append(w[2])
        if "netns" in w[2:] and w[:2] != ["ip", "netns"]:
            i = w.index("netns", 2)
            found += w[i + 1 : i + 2]
        names += [n for n in found if n != "1" and n not in names]
    return names


def write_conform_case(rec: dict, path: str) -> None:
    """A case file for `netlife conform`: its name, the namespaces it uses, the lines, and a
    last `ip link show` so both targets are compared on what is left."""
    case = os.path.splitext(os.path.basename(path))[0]
    names = _netns_names(rec["script"])
    with open(path, "w", encoding="utf-8") as f:
        f.write(f"# case: {case}\n")
        f.write(f"# found by netlife explore: {rec['signature']}\n")
        if names:
            f.write(f"# netns: {' '.join(names)}\n")
        f.write("".join(line + "\n" for line in rec["script"]))
        f.write("ip link show\n")


def write_summary(records: list[dict], stats: dict, out: TextIO) -> None:
    w = out.write
    rate = stats.get("operations_per_s", 0)
    w(
        f"explored {stats['operations']:,} operations in {stats['episodes']:,} episodes "
        f"({stats['seconds']:.1f} s, {rate:,.0f} operations/s, "
        f"{stats['distinct_states']:,} distinct states)\n"
    )
    if not records:
        w("no findings\n")
        return
    w(f"{len(records)} finding(s):\n")
    for i, rec in enumerate(records, 1):
        w(f"\n[{i}] {rec['signature']}  ({rec['oracle']}, seen {rec['occurrences']}x)\n")
        w(f"    {rec['summary']}\n")
        w("    script:\n")
        for line in rec["script"]:
            w(f"      {line}\n")
        if rec.get("detail"):
            w("    report:\n")
            for line in rec["detail"].splitlines():
                w(f"      {line}\n")
        w(f"    replay: {rec['replay']}\n")
