"""`netlife ip --state FILE …`: one-off commands against a saved host.

Model-only. The model is deterministic, so a host is saved as what made it: the machine
profile and the commands that succeeded, replayed on load. A digest of the devices the replay
produced guards against a file edited by hand or written by another netlife. The file is
written atomically (a temporary file renamed over it); a corrupt, truncated or foreign file is
reported and left untouched.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import tempfile
from typing import Any

FORMAT = "netlife-state"
VERSION = 1


class StateError(Exception):
    """A state file that cannot be used; the message says why and the file is not changed."""


def host_digest(host: Any) -> str:
    """What the saved commands must reproduce: every namespace's devices, in order."""
    rows = []
    for name, net in sorted(host.netns.items()):
        rows.append((name, _devices(net)))
    rows.append(("init_net", _devices(host.kernel.init_net)))
    return hashlib.sha256(json.dumps(rows).encode()).hexdigest()


def _devices(net: Any) -> list:
    return [
        (d.ifindex, d.name, d.flags, d.mtu, d.dev_addr, getattr(d.rtnl_link_ops, "kind", None))
        for _, d in sorted(net.index_hash.items())
    ]


def boot_host(machine: str | None, **kernel_options: Any) -> Any:
    from netlife.scenario.machine import boot, default_profile, load_profile

    profile = load_profile(machine) if machine else default_profile()
    return boot(profile, **kernel_options)


def load_state(path: str) -> dict[str, Any]:
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except FileNotFoundError:
        return {"format": FORMAT, "version": VERSION, "machine": None, "commands": []}
    except OSError as err:
        raise StateError(f"cannot read {path}: {err.strerror}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as err:
        raise StateError(f"{path} is not a netlife state file (bad JSON: {err.msg})") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise StateError(f"{path} is not a netlife state file")
    if data.get("version") != VERSION:
        raise StateError(f"{path}: unsupported state version {data.get('version')!r}")
    cmds = data.get("commands")
    if not isinstance(cmds, list) or not all(
        isinstance(c, list) and all(isinstance(a, str) for a in c) for c in cmds
    ):
        raise StateError(f"{path}: 'commands' must be a list of argument lists")
    if not isinstance(data.get("digest", ""), str):
        raise StateError(f"{path}: 'digest' must be a string")
    return data


def replay(data: dict[str, Any], path: str, machine: str | None) -> Any:
    if machine and data.get("machine") and machine != data["machine"]:
        raise StateError(f"{path} was made on machine {data['machine']}, not {machine}")
    host = boot_host(data.get("machine") or machine)
    host.files.update(data.get("files") or {})
    for argv in data["commands"]:
        host.settle()
        result = host.run_command(argv)
        if result.rc != 0:
            raise StateError(f"{path}: saved command failed on replay: {' '.join(argv)}")
    host.settle()
    if data["commands"] and data.get("digest") != host_digest(host):
        raise StateError(f"{path}: the saved host does not replay to the same devices")
    return host


def save_state(path: str, data: dict[str, Any]) -> None:
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".netlife-state-", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(data, f, indent=1)
            f.write("\n")
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def run_ip_with_state(path: str, argv: list[str], machine: str | None = None) -> int:
    try:
        data = load_state(path)
        host = replay(data, path, machine)
    except StateError as err:
        sys.stderr.write(f"netlife: {err}\n")
        return 2
    if argv and argv[0] == "--":
        argv = argv[1:]
    try:
        imported = _import_batch_file(host, argv)
    except OSError as err:
        sys.stderr.write(f'Cannot open file "{err.filename}" for reading: {err.strerror}\n')
        return 1
    before = host_digest(host)
    result = host.run_command(["ip", *argv])
    host.settle()
    sys.stdout.write(result.stdout)
    sys.stderr.write(result.stderr)
    if result.rc == 0 and host_digest(host) != before:
        data["commands"].append(["ip", *argv])
        data["machine"] = data.get("machine") or machine
        data["digest"] = host_digest(host)
        if imported:
            data.setdefault("files", {}).update(imported)
        save_state(path, data)
    return result.rc


def _import_batch_file(host: Any, argv: list[str]) -> dict[str, str]:
    """`-batch FILE` (or any abbreviation ip.c's option loop takes for it: -b, -ba, --batch …)
    names a file of the user's machine: copy it into the host's files. A file that cannot be
    read is left for `ip` to report as iproute2 does."""
    from netlife.userspace.ip import matches

    i = 0
    while i < len(argv) - 1:
        arg = argv[i]
        if arg == "--" or not arg.startswith("-"):
            break
        opt = arg[1:] if arg.startswith("--") else arg
        if len(opt) > 1 and matches(opt, "-batch"):
            name = argv[i + 1]
            if name == "-":
                return {}
            try:
                with open(name, encoding="utf-8") as f:
                    host.files[name] = f.read()
            except OSError:
                return {}
            return {name: host.files[name]}
        # the options that take a value, in ip.c's order of matching
        if any(matches(opt, o) for o in ("-loops", "-family", "-rcvbuf", "-netns")):
            i += 1
        i += 1
    return {}
