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
import hashlib
import json
import os
import sys
import tempfile
from collections.abc import Iterator
from typing import Any

from netlife.scenario import state_journal
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
        text = json.dumps(empty_state())  # a served host may be in its journal only
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
    if isinstance(data.get("commands"), list) and isinstance(data.setdefault("files", {}), dict):
        state_journal.replay_into(path, data)
    cmds = data.get("commands")
    if not isinstance(cmds, list) or not all(
        isinstance(c, dict)
        and _argv_list([c.get("argv")])
        and type(c.get("rc")) is int
        and isinstance(c.get("stdin", ""), str)
        and isinstance(c.get("netns", ""), str)
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
        net = host.netns.get(entry["netns"]) if "netns" in entry else host.kernel.init_net
        if net is None:
            raise StateError(f"{path}: saved command {number} runs in a namespace that is gone")
        result = host.run_in(net, entry["argv"], entry.get("stdin", ""), {})
        if result.rc != entry["rc"]:
            raise StateError(
                f"{path}: saved command {number} ({' '.join(entry['argv'])}) exited "
                f"{result.rc} on replay, not {entry['rc']}"
            )
    host.settle()
    if data["commands"] and data.get("digest") != host_digest(host):
        raise StateError(f"{path}: the saved host does not replay to the same devices")
    return host


def state_text(data: dict[str, Any]) -> str:
    """The file's JSON: one saved command a line (readable, diffable), written by the C
    encoder (json's indent= would use the pure-Python one: 10x slower on long histories)."""
    head = json.dumps({k: v for k, v in data.items() if k != "commands"})
    body = ",\n".join(json.dumps(entry) for entry in data["commands"])
    return f'{head[:-1]}, "commands": [\n{body}\n]}}\n'


def save_state(path: str, data: dict[str, Any]) -> None:
    """Write, fsync, rename, fsync the folder: a kill anywhere leaves old or new, never torn."""
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".netlife-state-", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(state_text(data))
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
def locked(path: str) -> Iterator[str | None]:
    """Hold the state file's lock: `.NAME.lock` beside it (the file itself is replaced on each
    save, so a lock on it would not serialise anything). While a `netlife serve` holds it for
    good, yield its socket instead (None when we hold the lock)."""
    from netlife.scenario.shim_client import lock_or_server

    fd, address = lock_or_server(path)
    try:
        yield address
    finally:
        if fd is not None:
            os.close(fd)


def _forward(address: str, argv: list[str]) -> int:
    from netlife.scenario.shim_client import ask

    stdin = sys.stdin.read() if batch_name(argv[1:]) == "-" else ""
    message = {"argv": argv, "stdin": stdin, "cwd": os.getcwd(), "netns": None}
    reply = ask(address, message)
    if reply is None or "rc" not in reply:
        raise StateError(f"the server on {address} did not answer")
    sys.stdout.write(reply["stdout"])
    sys.stderr.write(reply["stderr"])
    return reply["rc"]


def check_folder(path: str) -> None:
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        raise StateError(f"cannot keep {path}: folder {directory} does not exist")


def run_ip_with_state(path: str, argv: list[str], machine: str | None = None) -> int:
    if argv and argv[0] == "--":
        argv = argv[1:]
    try:
        check_folder(path)
        with locked(path) as served:
            if served is not None:  # a `netlife serve` holds the host: ask it
                return _forward(served, ["ip", *argv])
            return _run_locked(path, ["ip", *argv], machine)
    except StateError as err:
        sys.stderr.write(f"netlife: {err}\n")
        return 2


def _run_locked(path: str, argv: list[str], machine: str | None) -> int:
    saved = SavedHost.load(path, machine)
    stdin = ""
    if batch_name(argv[1:]) == "-":
        try:
            stdin = decode_text(sys.stdin.buffer.read(), "<stdin>")
        except TextFileError as err:
            sys.stderr.write(f"netlife: {err}\n")
            return 2
    rc, out, err = saved.run(argv, stdin)
    sys.stdout.write(out)
    sys.stderr.write(err)
    return rc


class SavedHost:
    """A host loaded from its state file, and the file kept up to date as commands run on it
    (the caller holds the file's lock). Used once by `netlife ip --state`, for a lifetime by
    `netlife serve` (scenario/serve.py)."""

    def __init__(self, path: str, data: dict[str, Any], host: Any, machine: str | None) -> None:
        self.path, self.data, self.host, self.machine = path, data, host, machine
        self.journal = False  # True: save by appending to the journal (netlife serve)
        self.unfolded = 0  # commands in the journal, not yet in the file

    def fold(self) -> None:
        """Write the whole state (write, fsync, rename), then drop the journal it includes."""
        save_state(self.path, self.data)
        state_journal.remove(self.path)
        self.unfolded = 0

    @classmethod
    def load(cls, path: str, machine: str | None = None) -> SavedHost:
        """Raises StateError for a file that cannot be used."""
        data = load_state(path)
        return cls(path, data, replay(data, path, machine), machine)

    def run(
        self, argv: list[str], stdin: str = "", cwd: str = "", netns: str | None = None
    ) -> tuple[int, str, str]:
        """Run one command (in namespace `netns` of `ip netns`, else the root); save the
        host if it needs the command. Returns (status, stdout, stderr)."""
        host = self.host
        net = host.kernel.init_net
        if netns is not None:
            if netns not in host.netns:
                text = f'Cannot open network namespace "{netns}": No such file or directory\n'
                return 1, "", text
            net = host.netns[netns]
        try:
            imported = import_batch_file(host, argv[1:], cwd) if argv[0] == "ip" else {}
        except OSError as err:
            return 1, "", f'Cannot open file "{err.filename}" for reading: {err.strerror}\n'
        except TextFileError as err:
            return 2, "", f"netlife: {err}\n"
        before = side_effects(host)
        result = host.run_in(net, argv, stdin, {})
        host.settle()
        if keep_command(argv, before, side_effects(host)):
            entry: dict[str, Any] = {"argv": argv, "rc": result.rc}
            if stdin:
                entry["stdin"] = stdin
            if netns is not None:
                entry["netns"] = netns
            self.data["commands"].append(entry)
            self.data["machine"] = self.data.get("machine") or self.machine
            self.data["digest"] = host_digest(host)
            self.data["files"].update(imported)
            if self.journal:
                state_journal.append(self.path, self.data, imported)
                self.unfolded += 1
                if self.unfolded >= state_journal.COMPACT_EVERY:
                    self.fold()
            else:
                save_state(self.path, self.data)
                state_journal.remove(self.path)
        return result.rc, result.stdout, result.stderr


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


def import_batch_file(host: Any, argv: list[str], cwd: str = "") -> dict[str, str]:
    """`-batch FILE` names a file of the user's machine (relative to `cwd`): copy it into the
    host's files, under the name ip was given."""
    name = batch_name(argv)
    if name is None or name == "-":
        return {}
    host.files[name] = read_text(os.path.join(cwd, name))
    return {name: host.files[name]}
