"""The command path: `netlife serve` behind the shims, next to the real kernel, in one run.

    python benchmarks/bench_shims.py [--quick] [--memory N]

Prints, each model figure beside the kernel's (root: real namespaces this script makes and
always removes; otherwise the kernel column says why it is missing):
  1. one `ip` command on a host of 1,000 devices (500 veth pairs): median wall time of
     `ip link show dev v7` and `ip link set v7 mtu M` through the shim, with a history of
     500 commands and one 10x longer (the same devices plus 4,500 mtu changes);
  2. `ip -batch` of N veth-pair creations and of a mixed file (add, up, mtu, move, delete):
     marginal cost per line from N = 2,000 and 6,000 lines;
  3. `netlife --help`, `netlife --version`, `netlife demo`;
  4. memory: bytes per dummy device at N devices in one host (RSS), extrapolated to 1e6;
  5. a 500-call upstream-style script (adds, sets, shows, moves, deletes over namespaces)
     through the shims and in a real namespace.
Bytecode caching is on (as an install has it): every module is imported once before timing.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src"
FRESH = str(ROOT / "examples" / "netns.toml")
ENV = {**os.environ, "PYTHONPATH": str(SRC), "LC_ALL": "C"}
NETLIFE = [sys.executable, "-m", "netlife"]


def wall(argv: list[str], env=None, stdin=None, cwd=None) -> float:
    start = time.perf_counter()
    subprocess.run(argv, env=env or ENV, stdin=stdin, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, cwd=cwd, check=False)  # fmt: skip
    return time.perf_counter() - start


def median_ms(argv, runs: int, env=None) -> float:
    return statistics.median(wall(argv, env) for _ in range(runs)) * 1000


def kernel_reason() -> str | None:
    if os.geteuid() != 0:
        return "not root"
    probe = f"nlbench-{os.getpid()}-probe"
    if subprocess.run(["ip", "netns", "add", probe], capture_output=True).returncode != 0:
        return "`ip netns add` fails here"
    subprocess.run(["ip", "netns", "del", probe], capture_output=True)
    return None


class Namespaces:
    """Real namespaces made by this run, always deleted."""

    def __init__(self) -> None:
        self.made: list[str] = []

    def add(self, suffix: str) -> str:
        name = f"nlbench-{os.getpid()}-{suffix}"
        subprocess.run(["ip", "netns", "add", name], check=True)
        self.made.append(name)
        return name

    def delete_all(self) -> None:
        for name in self.made:
            subprocess.run(["ip", "netns", "del", name], capture_output=True)
        self.made.clear()


# -- hosts ----------------------------------------------------------------------------------


def saved_host(path: Path, commands: list[list[str]]) -> None:
    """A state file for the fresh-namespace machine holding `commands` (run once to digest)."""
    sys.path.insert(0, str(SRC))
    from netlife.scenario.state import boot_host, empty_state, host_digest, save_state

    host = boot_host(FRESH)
    for argv in commands:
        host.settle()
        assert host.run_command(argv).rc == 0, argv
    host.settle()
    data = empty_state()
    data["machine"] = FRESH
    data["commands"] = [{"argv": argv, "rc": 0} for argv in commands]
    data["digest"] = host_digest(host)
    save_state(str(path), data)


def shims_for(folder: Path, state: Path) -> Path:
    subprocess.run([*NETLIFE, "shims", str(folder / "bin"), "--state", str(state), "--machine",
                    FRESH], env=ENV, check=True, capture_output=True)  # fmt: skip
    return folder / "bin"


def stop(state: Path) -> None:
    subprocess.run([*NETLIFE, "serve", "--state", str(state), "--stop"], env=ENV, check=False)


PAIRS = [["ip", "link", "add", f"v{i}", "type", "veth", "peer", "name", f"w{i}"]
         for i in range(500)]  # fmt: skip


def one_command(tmp: Path, runs: int, ns: Namespaces | None) -> None:
    print("1. one `ip` command on a host of 1,000 devices (median ms)")
    rows = []
    for label, extra in (("history 500", 0), ("history 5,000", 4500)):
        state = tmp / f"one-{extra}.json"
        churn = [["ip", "link", "set", f"v{k % 500}", "mtu", str(1000 + k % 500)]
                 for k in range(extra)]  # fmt: skip
        saved_host(state, PAIRS + churn)
        bin_dir = shims_for(tmp / f"one-{extra}", state)
        ip = str(bin_dir / "ip")
        wall([ip, "link", "show", "lo"])  # starts the server (replays the history once)
        show = median_ms([ip, "link", "show", "dev", "v7"], runs)
        sets = (
            statistics.median(
                wall([ip, "link", "set", "v7", "mtu", str(1400 + k % 2)]) for k in range(runs)
            )
            * 1000
        )
        one_off = median_ms([*NETLIFE, "ip", "--state", str(state), "link", "show", "v7"], 5)
        stop(state)
        rows.append((label, show, sets, one_off))
    kernel = None
    if ns is not None:
        name = ns.add("one")
        lines = "".join(" ".join(a[1:]) + "\n" for a in PAIRS)
        subprocess.run(["ip", "-n", name, "-batch", "-"], input=lines.encode(), check=True)
        show_k = median_ms(["ip", "-n", name, "link", "show", "dev", "v7"], runs)
        set_k = (
            statistics.median(
                wall(["ip", "-n", name, "link", "set", "v7", "mtu", str(1400 + k % 2)])
                for k in range(runs)
            )
            * 1000
        )
        kernel = (show_k, set_k)
        ns.delete_all()
    for label, show, sets, one_off in rows:
        print(f"   {label:14s} show {show:6.1f}  set {sets:6.1f}  (netlife ip --state, "
              f"forwarded: {one_off:6.1f})")  # fmt: skip
    if kernel:
        print(f"   {'kernel':14s} show {kernel[0]:6.1f}  set {kernel[1]:6.1f}   ratio show "
              f"{rows[0][1] / kernel[0]:.1f}x, set {rows[0][2] / kernel[1]:.1f}x")  # fmt: skip
    print(f"   10x history / 1x: show {rows[1][1] / rows[0][1]:.2f}, "
          f"set {rows[1][2] / rows[0][2]:.2f}  (target <= 1.2; show <= 30 ms)")  # fmt: skip


def batch_lines(kind: str, n_lines: int) -> str:
    if kind == "create":
        return "".join(f"link add a{i} type veth peer name b{i}\n" for i in range(n_lines))
    out = []
    for i in range(n_lines // 5):
        out += [f"link add a{i} type veth peer name b{i}", f"link set a{i} up",
                f"link set a{i} mtu 1400", f"link set b{i} netns NSB",
                f"link del a{i}"]  # fmt: skip
    return "\n".join(out) + "\n"


def batch(tmp: Path, ns: Namespaces | None) -> None:
    print("2. ip -batch: marginal cost per line from N = 2,000 and 6,000 lines (us/line)")
    for kind in ("create", "mixed"):
        model, kernel = {}, {}
        for n in (2000, 6000):
            state = tmp / f"batch-{kind}-{n}.json"
            bin_dir = shims_for(tmp / f"batch-{kind}-{n}", state)
            ip = str(bin_dir / "ip")
            wall([ip, "netns", "add", "nsb"])
            path = tmp / f"{kind}-{n}.batch"
            path.write_text(batch_lines(kind, n).replace("NSB", "nsb"))
            model[n] = wall([ip, "-batch", str(path)])
            stop(state)
            if ns is not None:
                name, other = ns.add(f"b-{kind}-{n}"), ns.add(f"o-{kind}-{n}")
                path.write_text(batch_lines(kind, n).replace("NSB", other))
                kernel[n] = wall(["ip", "-n", name, "-batch", str(path)])
                ns.delete_all()
        m = (model[6000] - model[2000]) / 4000 * 1e6
        line = f"   {kind:7s} netlife {m:7.1f}"
        if kernel:
            k = (kernel[6000] - kernel[2000]) / 4000 * 1e6
            line += f"   kernel {k:7.1f}   kernel/netlife {k / m:5.1f}x (target >= 20x)"
        print(line)


def startup(runs: int) -> None:
    print("3. start-up (median ms)")
    for label, argv in (("netlife --help", [*NETLIFE, "--help"]),
                        ("netlife --version", [*NETLIFE, "--version"]),
                        ("netlife demo", [*NETLIFE, "demo"]),
                        ("python -c pass", [sys.executable, "-c", "pass"]),
                        ("python -S -c pass", [sys.executable, "-S", "-c", "pass"]),
                        ("ip -V (iproute2)", ["ip", "-V"])):  # fmt: skip
        print(f"   {label:20s} {median_ms(argv, runs if 'demo' not in label else 3):7.1f}")


MEMORY = """
import resource, sys
import netlife
from netlife.kernel.if_link import NLM_F_CREATE, NLM_F_EXCL, IfInfoMsg
from netlife.kernel.rtnetlink import rtnl_newlink
k = netlife.Kernel()
net = k.init_net
def rss():
    return int(open("/proc/self/statm").read().split()[1]) * resource.getpagesize()
before = rss()
for i in range(int(sys.argv[1])):
    rtnl_newlink(net, IfInfoMsg(nlmsg_flags=NLM_F_CREATE | NLM_F_EXCL,
                 attrs={"IFLA_IFNAME": f"d{i}", "IFLA_LINKINFO": {"IFLA_INFO_KIND": "dummy"}}))
print(rss() - before)
"""


def memory(n: int) -> None:
    done = subprocess.run([sys.executable, "-c", MEMORY, str(n)], env=ENV, capture_output=True,
                          text=True, check=True)  # fmt: skip
    grown = int(done.stdout)
    per = grown / n
    print(f"4. memory: {n:,} dummy devices: {grown / 2**20:,.0f} MiB, {per:,.0f} bytes/device;"
          f" 1,000,000 devices ~ {per * 1e6 / 2**30:.2f} GiB (target <= 2 GiB)")  # fmt: skip


def workload() -> str:
    """500 `ip` calls over two namespaces: adds, sets, shows, moves, deletes."""
    lines = ["ip netns add wa", "ip netns add wb"]
    i = 0
    while len(lines) < 500:
        lines += [f"ip link add x{i} type veth peer name y{i}", f"ip link set x{i} up",
                  f"ip link set x{i} mtu 1400", f"ip link show x{i}",
                  f"ip link set y{i} netns wa", f"ip -n wa link set y{i} up",
                  f"ip -n wa -br link show y{i}", f"ip netns exec wa ip link set y{i} netns wb",
                  f"ip -n wb link show y{i}", f"ip link del x{i}"]  # fmt: skip
        i += 1
    lines = [*lines[:498], "ip netns del wa", "ip netns del wb"]
    return "\n".join(lines) + "\n"


def shell_workload(tmp: Path, with_kernel: bool) -> None:
    script = tmp / "workload.sh"
    script.write_text(workload())
    state = tmp / "workload.json"
    bin_dir = shims_for(tmp / "workload", state)
    env = {**ENV, "PATH": f"{bin_dir}:{os.environ['PATH']}"}
    wall([str(bin_dir / "ip"), "link", "show", "lo"])  # server up
    model = wall(["bash", str(script)], env=env)
    stop(state)
    line = f"5. 500-call script: netlife shims {model:6.2f} s"
    if with_kernel:
        inner = f"mount -t tmpfs nlbench /run/netns && mount -t sysfs sysfs /sys && bash {script}"
        real = wall(["unshare", "--mount", "--net", "--propagation", "private", "sh", "-c",
                     inner])  # fmt: skip
        line += f"   kernel {real:6.2f} s   netlife/kernel {model / real:4.2f}x (target <= 5x)"
    print(line)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="fewer repetitions")
    parser.add_argument("--memory", type=int, default=200_000, help="devices for the memory row")
    args = parser.parse_args()
    runs = 9 if args.quick else 31
    subprocess.run([*NETLIFE, "demo"], env=ENV, capture_output=True)  # bytecode cached
    reason = kernel_reason()
    print(f"kernel side: {'on' if reason is None else 'skipped: ' + reason}")
    ns = Namespaces() if reason is None else None
    try:
        with tempfile.TemporaryDirectory(prefix="nlbench-") as tmp:
            one_command(Path(tmp), runs, ns)
            batch(Path(tmp), ns)
            startup(runs)
            memory(args.memory)
            shell_workload(Path(tmp), reason is None)
    finally:
        if ns is not None:
            ns.delete_all()
    print(f"(max RSS of this driver: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss} KiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
