"""`netlife ip --state FILE …`: one-off commands against a saved host.

Model-only. The model is deterministic, so a host is saved as what made it: the machine profile,
the files its `-batch` commands read, and every command that may have changed it (anything but
a known read, scenario/state_keep.py), each with its exit status; loading replays them and
checks each gives the same status. A digest of the devices and namespaces the replay produced
guards against a file edited by hand or written by another netlife.

Concurrent use: a call holds an exclusive lock (flock on `.FILE.lock` beside the file) from
load to save, so calls on one file run one after another as requests to a kernel would, and
none loses another's change. Saving writes a temporary file in the same folder, fsyncs it and
renames it over FILE (then fsyncs the folder): a kill at any point leaves the old or the new
state, never a torn file. A corrupt, truncated, binary or foreign file is reported in one line
and left untouched.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import sys
import tempfile
from collections.abc import Iterator
from typing import Any

from netlife.scenario.state_keep import matches, may_change_host, side_effects
from netlife.scenario.textfile import TextFileError, decode_text, read_text

FORMAT = "netlife-state"
VERSION = 2  # 1: commands were bare argv lists, all of them with status 0


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


def empty_state() -> dict[str, Any]:
    return {"format": FORMAT, "version": VERSION, "machine": None, "files": {}, "commands": []}


def load_state(path: str) -> dict[str, Any]:
    try:
        text = read_text(path)
    except FileNotFoundError:
        return empty_state()
    except OSError as err:
        raise StateError(f"cannot read {path}: {err.strerror}") from None
    except TextFileError as err:
        raise StateError(f"{err} (not a netlife state file)") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as err:
        raise StateError(
            f"{path}:{err.lineno}: not a netlife state file (bad JSON: {err.msg})"
        ) from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise StateError(f"{path} is not a netlife state file")
    if data.get("version") == 1 and _argv_list(data.get("commands")):
        data["commands"] = [{"argv": argv, "rc": 0} for argv in data["commands"]]
        data["version"] = VERSION
    if data.get("version") != VERSION:
        raise StateError(f"{path}: unsupported state version {data.get('version')!r}")
    cmds = data.get("commands")
    if not isinstance(cmds, list) or not all(
        isinstance(c, dict)
        and _argv_list([c.get("argv")])
        and type(c.get("rc")) is int
        and isinstance(c.get("stdin", ""), str)
        for c in cmds
    ):
        raise StateError(f"{path}: 'commands' must be a list of {{argv, rc}} entries")
    files = data.setdefault("files", {})
    if not isinstance(files, dict) or not all(isinstance(v, str) for v in files.values()):
        raise StateError(f"{path}: 'files' must map names to text")
    if not isinstance(data.get("digest", ""), str):
        raise StateError(f"{path}: 'digest' must be a string")
    if not isinstance(data.get("machine"), str | None):
        raise StateError(f"{path}: 'machine' must be a file name")
    return data


def _argv_list(value: Any) -> bool:
    return isinstance(value, list) and all(
        isinstance(c, list) and c and all(isinstance(a, str) for a in c) for c in value
    )


def replay(data: dict[str, Any], path: str, machine: str | None) -> Any:
    if machine and data.get("machine") and machine != data["machine"]:
        raise StateError(f"{path} was made on machine {data['machine']}, not {machine}")
    host = boot_host(data.get("machine") or machine)
    host.files.update(data["files"])
    for number, entry in enumerate(data["commands"], 1):
        host.settle()
        result = host.run_command(entry["argv"], entry.get("stdin", ""))
        if result.rc != entry["rc"]:
            raise StateError(
                f"{path}: saved command {number} ({' '.join(entry['argv'])}) exited "
                f"{result.rc} on replay, not {entry['rc']}"
            )
    host.settle()
    if data["commands"] and data.get("digest") != host_digest(host):
        raise StateError(f"{path}: the saved host does not replay to the same devices")
    return host


def save_state(path: str, data: dict[str, Any]) -> None:
    """Write, fsync, rename, fsync the folder: a kill anywhere leaves old or new, never torn."""
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".netlife-state-", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(data, f, indent=1)
            f.write("\n")
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    dir_fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


@contextlib.contextmanager
def locked(path: str) -> Iterator[None]:
    """Hold the state file's lock: `.NAME.lock` beside it (the file itself is replaced on each
    save, so a lock on it would not serialise anything)."""
    directory, name = os.path.split(os.path.abspath(path))
    fd = os.open(os.path.join(directory, f".{name}.lock"), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def check_folder(path: str) -> None:
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        raise StateError(f"cannot keep {path}: folder {directory} does not exist")


def run_ip_with_state(path: str, argv: list[str], machine: str | None = None) -> int:
    if argv and argv[0] == "--":
        argv = argv[1:]
    try:
        check_folder(path)
        with locked(path):
            return _run_locked(path, ["ip", *argv], machine)
    except StateError as err:
        sys.stderr.write(f"netlife: {err}\n")
        return 2


def _run_locked(path: str, argv: list[str], machine: str | None) -> int:
    data = load_state(path)
    host = replay(data, path, machine)
    stdin = ""
    try:
        imported = import_batch_file(host, argv[1:])
        if batch_name(argv[1:]) == "-":
            stdin = decode_text(sys.stdin.buffer.read(), "<stdin>")
    except OSError as err:
        sys.stderr.write(f'Cannot open file "{err.filename}" for reading: {err.strerror}\n')
        return 1
    except TextFileError as err:
        sys.stderr.write(f"netlife: {err}\n")
        return 2
    before = side_effects(host)
    result = host.run_command(argv, stdin)
    host.settle()
    sys.stdout.write(result.stdout)
    sys.stderr.write(result.stderr)
    if keep_command(argv, before, side_effects(host)):
        entry = {"argv": argv, "rc": result.rc}
        if stdin:
            entry["stdin"] = stdin
        data["commands"].append(entry)
        data["machine"] = data.get("machine") or machine
        data["digest"] = host_digest(host)
        data["files"].update(imported)
        save_state(path, data)
    return result.rc


def keep_command(argv: list[str], before: tuple, after: tuple) -> bool:
    """Whether the saved host needs this command: any that may change the host, whatever its
    status (a failed request can leave part of its work done, as do_setlink and a half-run
    `-batch` do on the kernel), and any read that changed something (an nsid allocated)."""
    return may_change_host(argv) or before != after


def batch_name(argv: list[str]) -> str | None:
    """The FILE of ip's `-batch FILE`, under any abbreviation ip.c's option loop takes for it
    (-b, -ba, --batch …), if the options hold one."""
    i = 0
    while i < len(argv) - 1:
        arg = argv[i]
        if arg == "--" or not arg.startswith("-"):
            break
        opt = arg[1:] if arg.startswith("--") else arg
        if len(opt) > 1 and matches(opt, "-batch"):
            return argv[i + 1]
        # the options that take a value, in ip.c's order of matching
        if any(matches(opt, o) for o in ("-loops", "-family", "-rcvbuf", "-netns")):
            i += 1
        i += 1
    return None


def import_batch_file(host: Any, argv: list[str]) -> dict[str, str]:
    """`-batch FILE` names a file of the user's machine: copy it into the host's files."""
    name = batch_name(argv)
    if name is None or name == "-":
        return {}
    host.files[name] = read_text(name)
    return {name: host.files[name]}
