"""The client of `netlife serve`: one command to the host that stays up, its output back.

Model-only front end, standard library only, imported by nothing heavy: `netlife shims DIR`
copies this file into DIR as `netlife-client` (with the interpreter and netlife's source folder
filled in) and links `ip`, `bridge`, `modprobe` … to it, so each command a script runs costs one
interpreter start (without site) and one request. The command's name is the name it was run
by. The state file is NETLIFE_STATE (or the one baked in); NETLIFE_NETNS names the namespace
of `ip netns exec NS CMD` when CMD is not one the model has: CMD then runs for real, and the
shims it runs act inside NS.

Protocol: one JSON line each way over the Unix socket beside the state file
(`.NAME.sock`, or /tmp/netlife-HASH.sock when that path is too long): request
{"argv", "stdin", "cwd", "netns"} (or {"op": "ping" | "stop"}), reply {"rc", "stdout",
"stderr"} or {"exec": {"netns", "argv"}}. The first client starts the server (and waits for
it) when none answers.
"""

import json
import os
import socket
import sys
import time

PYTHON = sys.executable  # replaced in a shim by the interpreter netlife runs on
SOURCE = ""  # replaced in a shim by the folder holding the netlife package ("" if installed)
STATE = ""  # replaced in a shim by `netlife shims --state FILE`
START_TIMEOUT = 120.0  # seconds a new server may take to load a long history
SHIM_NAMES = ("ip", "bridge", "modprobe", "rmmod", "lsmod", "dmesg", "ethtool", "sysctl", "ynl",
              "cat")  # fmt: skip
SYSFS = ("/sys/", "/proc/")


def socket_path(state: str) -> str:
    state = os.path.abspath(state)
    directory, name = os.path.split(state)
    path = os.path.join(directory, f".{name}.sock")
    if len(path.encode()) <= 100:
        return path
    import hashlib  # only here: every import is start-up time of every shimmed command

    digest = hashlib.sha256(state.encode()).hexdigest()[:20]
    return f"/tmp/netlife-{digest}.sock"


def lock_or_server(state: str) -> tuple[int | None, str | None]:
    """Take the state file's lock (`.NAME.lock` beside it), or find the server that holds it:
    (lock fd, None) or (None, its socket). Polls: flock cannot wait for "lock or server"."""
    import fcntl

    directory, name = os.path.split(os.path.abspath(state))
    fd = os.open(os.path.join(directory, f".{name}.lock"), os.O_RDWR | os.O_CREAT, 0o600)
    address = socket_path(state)
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return fd, None
        except BlockingIOError:
            if ask(address, {"op": "ping"}) is not None:
                os.close(fd)
                return None, address
            time.sleep(0.002)


def ask(path: str, request: dict, timeout: float | None = None) -> dict | None:
    """Send one request; the reply, or None when no server answers on the socket."""
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        conn.connect(path)
    except OSError:
        conn.close()
        return None
    with conn:
        conn.settimeout(timeout)
        conn.sendall(json.dumps(request).encode() + b"\n")
        chunks = []
        while True:
            data = conn.recv(1 << 16)
            if not data:
                break
            chunks.append(data)
    return json.loads(b"".join(chunks)) if chunks else None


def start_server(state: str):
    import subprocess

    env = dict(os.environ)
    if SOURCE:
        env["PYTHONPATH"] = SOURCE + os.pathsep + env.get("PYTHONPATH", "")
    return subprocess.Popen(
        [PYTHON, "-m", "netlife", "serve", "--state", state],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )


def request(state: str, message: dict) -> dict:
    """The server's reply, starting the server first when none answers. Raises SystemExit
    with the server's own message when it cannot start (a bad state file)."""
    path = socket_path(state)
    reply = ask(path, message)
    if reply is not None:
        return reply
    server = start_server(state)
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        reply = ask(path, message)
        if reply is not None:
            return reply
        if server.poll() is not None:  # it exited: another server won the lock, or an error
            reply = ask(path, message)
            if reply is not None:
                return reply
            sys.stderr.write(server.stderr.read().decode(errors="replace"))
            raise SystemExit(server.returncode or 2)
        time.sleep(0.005)
    sys.stderr.write(f"netlife: no server answered on {path}\n")
    raise SystemExit(2)


def wants_stdin(argv: list[str]) -> bool:
    """`ip -batch -` (or -b -, --batch -) reads its commands from standard input."""
    return any(
        argv[i + 1] == "-" and argv[i].lstrip("-").startswith("b") for i in range(len(argv) - 1)
    )


def real_command(name: str) -> str | None:
    """The program NAME on PATH without the shims' own folder."""
    here = os.path.dirname(os.path.abspath(sys.argv[0]))
    for folder in os.environ.get("PATH", "").split(os.pathsep):
        candidate = os.path.join(folder, name)
        if os.path.abspath(folder) != here and os.access(candidate, os.X_OK):
            return candidate
    return None


def main(name: str, args: list[str], state: str) -> int:
    if name == "cat" and not (args and all(a.startswith(SYSFS) for a in args)):
        program = real_command("cat")
        if program is None:
            sys.stderr.write("cat: not found\n")
            return 127
        os.execv(program, ["cat", *args])
    if not state:
        sys.stderr.write(f"{name}: NETLIFE_STATE names no state file\n")
        return 2
    argv = [name, *args]
    stdin = sys.stdin.read() if name == "ip" and wants_stdin(argv) else ""
    message = {"argv": argv, "stdin": stdin, "cwd": os.getcwd(),
               "netns": os.environ.get("NETLIFE_NETNS") or None}  # fmt: skip
    reply = request(state, message)
    if "exec" in reply:
        command = reply["exec"]["argv"]
        env = {**os.environ, "NETLIFE_NETNS": reply["exec"]["netns"]}
        try:
            os.execvpe(command[0], command, env)
        except OSError as err:
            sys.stderr.write(f'exec of "{command[0]}" failed: {err.strerror}\n')
            return 255
    sys.stdout.write(reply["stdout"])
    sys.stdout.flush()
    sys.stderr.write(reply["stderr"])
    return reply["rc"]


if __name__ == "__main__":
    command = os.path.basename(sys.argv[0])
    try:
        sys.exit(main(command, sys.argv[1:], os.environ.get("NETLIFE_STATE") or STATE))
    except BrokenPipeError:
        sys.exit(0)
    except KeyboardInterrupt:
        sys.exit(130)
