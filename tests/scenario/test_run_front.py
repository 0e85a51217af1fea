"""`netlife run` and `netlife shell` as processes: how a run ends, signals, steps as they come.

Real subprocesses (and a pty for the terminal cases): a signal stops a run between two clock
events and prints what ran so far; Ctrl-C in the shell ends only the command; a run that ends
with a job still blocked says so and exits 124; bad --hang-bound values are usage errors; long
runs on a terminal show a live progress line, and nothing of it reaches a pipe.
"""

from __future__ import annotations

import contextlib
import json
import os
import pty
import select
import signal
import subprocess
import sys
import time

import pytest

from netlife.scenario.run import play

LEASE = """\
ynl --family rt-link --do newlink --create --json '{"ifname": "nk", "num-rx-queues": 2, "linkinfo": {"kind": "netkit", "data": {"pairing": "single"}}}'
NK=$(cat /sys/class/net/nk/ifindex)
PHYS=$(cat /sys/class/net/enp10s0f0np0/ifindex)
ynl --family netdev --do queue-create --json '{"ifindex": '$NK', "type": "rx", "lease": {"ifindex": '$PHYS', "queue": {"type": "rx", "id": 15}}}'
rmmod mlx5_ib
"""  # noqa: E501
# rmmod then waits a very long virtual time: many seconds of wall time, time to send a signal.
LONG = LEASE + "rmmod mlx5_core\necho never\n"
SLOW = ["--no-netkit-notifier", "--hang-bound", "1000000"]


def netlife(*args: str) -> list[str]:
    return [sys.executable, "-m", "netlife", *args]


def env() -> dict[str, str]:
    return dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path), HOME="/tmp")


def read_until(proc_stdout, token: str, timeout: float = 30) -> str:
    """Read a pipe until `token` shows (the step printed while the run goes on)."""
    fd = proc_stdout.fileno()
    data = b""
    end = time.monotonic() + timeout
    while token.encode() not in data and time.monotonic() < end:
        ready, _, _ = select.select([fd], [], [], 0.2)
        if ready:
            chunk = os.read(fd, 65536)
            if not chunk:
                break
            data += chunk
    return data.decode()


@pytest.fixture
def script(tmp_path):
    def write(text: str, name: str = "s.sh") -> str:
        path = tmp_path / name
        path.write_text(text)
        return str(path)

    return write


# -- signals ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("sig", "status"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_a_signal_prints_the_transcript_so_far_and_exits_128_plus_n(script, sig, status):
    proc = subprocess.Popen(
        netlife("run", *SLOW, script(LONG)),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env(),
    )
    # Each step is printed as it completes: the transcript arrives while rmmod still sleeps.
    seen = read_until(proc.stdout, "root@netlife:~# rmmod mlx5_ib\n")
    assert seen.endswith("root@netlife:~# rmmod mlx5_ib\n")
    time.sleep(1)
    proc.send_signal(sig)
    rest, err = proc.communicate(timeout=30)
    assert proc.returncode == status
    assert b"Traceback" not in err
    assert rest.decode() == "root@netlife:~# rmmod mlx5_core\n"  # then it stopped, as bash


def test_a_signal_with_json_prints_a_complete_record_marked_interrupted(script):
    proc = subprocess.Popen(
        netlife("run", "--json", *SLOW, script(LONG)),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env(),
    )
    time.sleep(3)
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 143, err
    record = json.loads(out)
    assert record["interrupted"] == "SIGTERM"
    assert [s["command"] for s in record["steps"]][-2:] == ["rmmod mlx5_ib", "rmmod mlx5_core"]
    assert record["steps"][-1]["rc"] == 143
    assert "enp10s0f1np1" not in json.dumps(record["namespaces"])  # the host as it was then
    assert set(record) >= {"steps", "events", "namespaces", "violations", "hangs"}


def run_pty(argv: list[str], lines: list[str], interrupt_after: str, after: list[str]) -> str:
    pid, fd = pty.fork()
    if pid == 0:  # the child: netlife on a terminal
        os.execvpe(argv[0], argv, env())
    out = b""

    def until(token: bytes, start: int = 0, timeout: float = 30) -> None:
        nonlocal out
        end = time.monotonic() + timeout
        while out.find(token, start) < 0 and time.monotonic() < end:
            ready, _, _ = select.select([fd], [], [], 0.2)
            if ready:
                try:
                    out += os.read(fd, 65536)
                except OSError:
                    return

    try:
        until(b"# ")
        for line in lines:
            os.write(fd, line.encode() + b"\n")
        os.write(fd, b"echo setup-done\n")
        until(b"setup-done\r\n")
        os.write(fd, interrupt_after.encode() + b"\n")
        time.sleep(2)
        os.write(fd, b"\x03")  # Ctrl-C: the terminal sends SIGINT to the foreground job
        until(b"^C")
        for line in after:
            # The echo of the line itself, then the prompt after its output: the previous
            # prompt may still be arriving when the line is written.
            mark = len(out)
            echoed = line.encode() + b"\r\n"
            os.write(fd, line.encode() + b"\n")
            until(echoed, mark)
            until(b"# ", out.find(echoed, mark) + len(echoed))
        os.write(fd, b"exit\n")
        until(b"exit\r\n", len(out), 10)
    finally:
        os.close(fd)
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    return out.decode(errors="replace").replace("\r\n", "\n")


def test_ctrl_c_in_the_shell_ends_the_command_with_130_and_keeps_the_host():
    argv = netlife("shell", *SLOW)
    text = run_pty(argv, LEASE.splitlines(), "rmmod mlx5_core", ["echo status=$?", "ip -br link"])
    assert "status=130" in text
    tail = text.split("status=130", 1)[1]
    assert "lo " in tail and "nk@NONE" in tail  # the same host, still answering
    assert "Traceback" not in text


# -- how a run ends -----------------------------------------------------------------------------


def test_a_script_ending_with_a_blocked_background_job_lists_it_and_exits_124(script):
    text = LEASE + "rmmod mlx5_core &\nsleep 5\n"
    host, _, recorder = play(text, netkit_notifier=False)
    (report,) = recorder.blocked_at_end
    assert report.task.startswith("rmmod:") and 0 < report.waited < 5  # not yet at the bound
    assert report.remedy == "ip link del nk" and report in host.kernel.hangs
    done = subprocess.run(
        netlife("run", "--json", "--no-netkit-notifier", script(text)),
        capture_output=True,
        text=True,
        env=env(),
    )
    assert done.returncode == 124
    (hang,) = json.loads(done.stdout)["hangs"]
    assert hang["task"].startswith("rmmod:") and hang["remedy"] == "ip link del nk"
    assert "still blocked when the script ended" in done.stderr


def test_a_run_with_a_step_that_hung_exits_124_even_if_later_steps_pass(script):
    text = LEASE + "rmmod mlx5_core\necho after\n"
    done = subprocess.run(
        netlife("run", "--no-netkit-notifier", "--hang-bound", "20", script(text)),
        capture_output=True,
        text=True,
        env=env(),
    )
    assert done.returncode == 124
    assert done.stdout.endswith("root@netlife:~# echo after\nafter\n")


@pytest.mark.parametrize("value", ["nan", "inf", "-1", "abc", "-inf"])
def test_hang_bound_must_be_a_finite_number_of_seconds(script, value):
    done = subprocess.run(
        netlife("run", f"--hang-bound={value}", script("true\n")),
        capture_output=True,
        text=True,
        env=env(),
    )
    assert done.returncode == 2
    assert f"argument --hang-bound: '{value}' is not a number of seconds" in done.stderr
    assert "Traceback" not in done.stderr


def test_version_and_bare_netlife_print_and_exit_0():
    version = subprocess.run(netlife("--version"), capture_output=True, text=True, env=env())
    assert version.returncode == 0 and version.stdout.startswith("netlife ")
    bare = subprocess.run(netlife(), capture_output=True, text=True, env=env())
    assert bare.returncode == 0 and bare.stdout.startswith("usage: netlife")
    assert "run" in bare.stdout and bare.stderr == ""


# -- progress -----------------------------------------------------------------------------------


def test_a_long_run_on_a_terminal_shows_a_live_progress_line_and_a_pipe_never_does(script):
    path = script(LONG)
    pid, fd = pty.fork()
    if pid == 0:
        os.execvpe(sys.executable, netlife("run", *SLOW, path), env())
    out = b""
    end = time.monotonic() + 6
    while time.monotonic() < end:
        ready, _, _ = select.select([fd], [], [], 0.2)
        if ready:
            out += os.read(fd, 65536)
    os.kill(pid, signal.SIGINT)
    try:
        while True:
            chunk = os.read(fd, 65536)
            if not chunk:
                break
            out += chunk
    except OSError:
        pass
    os.close(fd)
    _, status = os.waitpid(pid, 0)
    text = out.decode(errors="replace")
    assert os.waitstatus_to_exitcode(status) == 130
    assert "s virtual, 5 step(s) done, 1 task(s) blocked" in text  # rmmod, asleep in the kernel
    piped = subprocess.Popen(
        netlife("run", *SLOW, path), stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env()
    )
    time.sleep(4)
    piped.send_signal(signal.SIGINT)
    plain, err = piped.communicate(timeout=30)
    assert b"s virtual" not in plain + err and b"\x1b[" not in plain
