"""`netlife serve --state FILE`: one saved host kept up in memory, behind a Unix socket.

Model-only. Loading a saved host replays its history (scenario/state.py), which grows with
every change; a server replays it once and then answers each command as the kernel answers a
request: one at a time, in arrival order (concurrent clients are serialised by the accept
loop), each change saved before the reply: appended to a journal and fsynced
(scenario/state_journal.py), folded into the file (write, fsync, rename) every 1,000 changes
and on exit; so a kill loses nothing that was answered, and a change costs the same whatever
the length of the history. The server holds the state file's lock for its whole
life; `netlife ip --state` then forwards to it instead of loading the file. It exits after
--idle seconds without a request, or on {"op": "stop"}.

`netlife shims DIR` writes the client (scenario/shim_client.py) and its command links into
DIR.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import stat
import sys
from typing import Any

from netlife.scenario.shim_client import SHIM_NAMES, ask, lock_or_server, socket_path
from netlife.scenario.state import SavedHost, StateError, check_folder, empty_state, save_state
from netlife.scenario.state_keep import DISPATCH, IP_OBJECTS, matches

IDLE_SECS = 300.0


def serve(path: str, machine: str | None = None, idle: float = IDLE_SECS) -> int:
    try:
        check_folder(path)
    except StateError as err:
        sys.stderr.write(f"netlife: {err}\n")
        return 2
    address = socket_path(path)
    lock, _ = lock_or_server(path)  # a one-off call holds it briefly, a server for good
    if lock is None:
        return 0  # another server answers for this file
    try:
        saved = SavedHost.load(path, machine)
    except StateError as err:
        sys.stderr.write(f"netlife: {err}\n")
        os.close(lock)
        return 2
    saved.journal = True
    with contextlib.suppress(FileNotFoundError):
        os.unlink(address)  # a dead server's socket: we hold the lock, so nobody serves it
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(address)
    os.chmod(address, stat.S_IRUSR | stat.S_IWUSR)
    listener.listen(64)
    listener.settimeout(idle)
    _quiet_stderr()
    try:
        while True:
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                return 0
            with conn:
                if not handle(saved, conn):
                    return 0
    finally:
        listener.close()
        with contextlib.suppress(FileNotFoundError):
            os.unlink(address)
        if saved.unfolded:
            saved.fold()  # saving on exit: the journal folded into the file
        os.close(lock)


def stop(path: str) -> int:
    """Ask the server of `path` to exit; 0 whether or not one was running."""
    ask(socket_path(path), {"op": "stop"})
    return 0


def _quiet_stderr() -> None:
    """The client that started us reads our stderr only until we listen; it may be gone later."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    os.close(devnull)


def handle(saved: SavedHost, conn: socket.socket) -> bool:
    """Answer one request; False when asked to stop."""
    conn.settimeout(30)
    data = b""
    while not data.endswith(b"\n"):
        chunk = conn.recv(1 << 16)
        if not chunk:
            return True
        data += chunk
    try:
        message = json.loads(data)
        reply = answer(saved, message)
    except (ValueError, KeyError, TypeError) as err:
        reply = {"rc": 2, "stdout": "", "stderr": f"netlife serve: bad request: {err}\n"}
        message = {}
    conn.sendall(json.dumps(reply).encode() + b"\n")
    return message.get("op") != "stop"


def answer(saved: SavedHost, message: dict[str, Any]) -> dict[str, Any]:
    op = message.get("op")
    if op in ("ping", "stop"):
        return {"rc": 0, "stdout": "", "stderr": ""}
    argv = [str(a) for a in message["argv"]]
    netns = message.get("netns")
    outside = outside_command(saved.host, argv)
    if outside is not None:
        target, command = outside
        if target not in saved.host.netns:
            text = f'Cannot open network namespace "{target}": No such file or directory\n'
            return {"rc": 1, "stdout": "", "stderr": text}
        return {"exec": {"netns": target, "argv": command}}
    rc, out, err = saved.run(argv, message.get("stdin", ""), message.get("cwd", ""), netns)
    return {"rc": rc, "stdout": out, "stderr": err}


def outside_command(host: Any, argv: list[str]) -> tuple[str, list[str]] | None:
    """`ip netns exec NS CMD …` with a CMD the model does not have: (NS, CMD …), for the
    client to run for real with NETLIFE_NETNS=NS."""
    if argv[0] != "ip" or len(argv) < 5:
        return None
    rest = argv[1:]
    if (
        not matches(rest[0], "netns")
        or next((o for o in IP_OBJECTS if matches(rest[0], o)), None) != "netns"
    ):
        return None
    sub = next((word for word, _ in DISPATCH["netns"] if matches(rest[1], word)), None)
    if sub != "exec" or rest[3] in host.commands:
        return None
    return rest[2], rest[3:]


def write_shims(folder: str, state: str | None, machine: str | None = None) -> list[str]:
    """The client as FOLDER/netlife-client and a link per command name to it; a new state
    file for `machine` when given and the file does not exist yet."""
    if state and machine and not os.path.exists(state):
        data = empty_state()
        data["machine"] = os.path.abspath(machine)
        save_state(state, data)
    import netlife
    import netlife.scenario.shim_client as client

    os.makedirs(folder, exist_ok=True)
    with open(client.__file__, encoding="utf-8") as f:
        source = f.read()
    package_parent = os.path.dirname(os.path.dirname(os.path.abspath(netlife.__file__)))
    baked = (
        source.replace("PYTHON = sys.executable", f"PYTHON = {sys.executable!r}", 1)
        .replace('SOURCE = ""', f"SOURCE = {package_parent!r}", 1)
        .replace('STATE = ""', f"STATE = {os.path.abspath(state) if state else ''!r}", 1)
    )
    target = os.path.join(folder, "netlife-client")
    with open(target, "w", encoding="utf-8") as f:
        f.write(f"#!{sys.executable} -S\n{baked}")
    os.chmod(target, 0o755)
    made = [target]
    for name in SHIM_NAMES:
        link = os.path.join(folder, name)
        with contextlib.suppress(FileNotFoundError):
            os.unlink(link)
        os.symlink("netlife-client", link)
        made.append(link)
    return made
