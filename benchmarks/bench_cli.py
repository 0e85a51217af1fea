"""Commands per second through `ip -batch`: the model's command line next to the real kernel.

Writes one batch file (N veth pairs added, each brought up, then all deleted: 3N commands),
then times, in one run:
  - the model through its Python API (rtnl_newlink / rtnl_dellink, no command-line parsing),
  - the model through `ip -batch FILE` (the same file, through netlife's iproute2 front end),
  - the real `ip -n NS -batch FILE` in a throwaway namespace (root only; skipped otherwise),
and prints commands per second for each and the model/kernel ratio.

    python benchmarks/bench_cli.py [N]      (default N = 2000)
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time

from netlife import Kernel
from netlife.kernel.if_link import IFF_UP, NLM_F_CREATE, NLM_F_EXCL, IfInfoMsg
from netlife.kernel.rtnetlink import rtnl_dellink, rtnl_newlink
from netlife.userspace.host import Host


def batch_lines(n: int) -> list[str]:
    lines = [f"link add bv{i} type veth peer name bp{i}" for i in range(n)]
    lines += [f"link set bv{i} up" for i in range(n)]
    lines += [f"link del bv{i}" for i in range(n)]
    return lines


def model_api(n: int) -> float:
    kernel = Kernel()
    net = kernel.init_net
    start = time.perf_counter()
    for i in range(n):
        peer = IfInfoMsg(attrs={"IFLA_IFNAME": f"bp{i}"})
        rtnl_newlink(
            net,
            IfInfoMsg(
                nlmsg_flags=NLM_F_CREATE | NLM_F_EXCL,
                attrs={
                    "IFLA_IFNAME": f"bv{i}",
                    "IFLA_LINKINFO": {
                        "IFLA_INFO_KIND": "veth",
                        "IFLA_INFO_DATA": {"VETH_INFO_PEER": peer},
                    },
                },
            ),
        )
    for i in range(n):
        dev = net.dev_get_by_name(f"bv{i}")
        rtnl_newlink(net, IfInfoMsg(ifi_index=dev.ifindex, ifi_flags=IFF_UP, ifi_change=IFF_UP))
    for i in range(n):
        rtnl_dellink(net, IfInfoMsg(attrs={"IFLA_IFNAME": f"bv{i}"}))
    kernel.clock.run_pending()
    return time.perf_counter() - start


def model_batch(path: str) -> float:
    host = Host(Kernel())
    with open(path, encoding="utf-8") as f:
        host.files[path] = f.read()  # what `netlife ip -batch FILE` does with the user's file
    start = time.perf_counter()
    result = host.run_command(["ip", "-batch", path])
    host.settle()
    elapsed = time.perf_counter() - start
    if result.rc != 0:
        raise SystemExit(f"model ip -batch failed: {result.stderr[:400]}")
    return elapsed


def kernel_batch(path: str) -> float | None:
    if os.geteuid() != 0:
        print("real kernel: skipped (needs root to create a network namespace)")
        return None
    ns = f"nlbench-{os.getpid()}"
    if subprocess.run(["ip", "netns", "add", ns], capture_output=True).returncode != 0:
        print("real kernel: skipped (ip netns add failed)")
        return None
    try:
        start = time.perf_counter()
        proc = subprocess.run(["ip", "-n", ns, "-batch", path], capture_output=True, text=True)
        elapsed = time.perf_counter() - start
        if proc.returncode != 0:
            raise SystemExit(f"real ip -batch failed: {proc.stderr[:400]}")
        return elapsed
    finally:
        subprocess.run(["ip", "netns", "del", ns], capture_output=True)


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    lines = batch_lines(n)
    with tempfile.NamedTemporaryFile("w", suffix=".batch", delete=False) as f:
        f.write("\n".join(lines) + "\n")
        path = f.name
    try:
        cmds = len(lines)
        api = model_api(n)
        cli = model_batch(path)
        real = kernel_batch(path)
        print(f"{cmds} commands ({n} veth pairs: add, up, del)")
        print(f"model, Python API : {cmds / api:10.0f} commands/s  ({api:.3f} s)")
        print(f"model, ip -batch  : {cmds / cli:10.0f} commands/s  ({cli:.3f} s)")
        if real is not None:
            print(f"kernel, ip -batch : {cmds / real:10.0f} commands/s  ({real:.3f} s)")
            print(f"ratio model/kernel (ip -batch, commands/s): {(cmds / cli) / (cmds / real):.2f}")
    finally:
        os.unlink(path)


if __name__ == "__main__":
    main()
