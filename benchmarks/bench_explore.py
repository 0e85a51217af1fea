"""Explorer throughput: operations/s and distinct abstract states/s per core, reset cost, and
1 → 2 worker scaling (local processes and Ray), next to the real kernel.

Not collected by pytest; run as `python benchmarks/bench_explore.py [--ops N] [--no-ray]`.

- per core: each strategy runs N operations in this process; rates are per CPU second
  (time.process_time), so other load on the machine does not count against the model.
- reset: what a fresh host costs three ways: booting from the parsed profile (what episodes
  do), fork() of a booted process, and copy.deepcopy of a booted host (refused: a Kernel holds
  closures and shared read-only tables).
- scaling: the same search (random, N operations per shard) on 1 and 2 local workers, and on
  Ray with ray.init(num_cpus=2) when Ray is installed; wall-clock operations/s.
- real kernel (root only): the same kind of operations (`ip link add` veth / macvlan / bridge,
  `ip link set up`, `ip link del`) as one `ip` process each in a throwaway namespace; the ratio
  is the explorer's operations/s on one core over the real kernel's.
Anchors from the issue: TLC explores 11,000-70,000 states/s per core; syzkaller runs a few
hundred programs/s per VM. Target: >= 5,000 operations/s per core including resets.
"""

from __future__ import annotations

import argparse
import copy
import os
import subprocess
import time
import uuid

from netlife.explore.episode import Episode, Machine
from netlife.explore.parallel import run_local, run_ray
from netlife.explore.search import Budget, Explorer


def per_core(ops: int) -> None:
    machine = Machine(None)
    Explorer(machine, budget=Budget(operations=500)).run()  # warm caches and imports
    print(f"per core, {ops} operations each (rates per CPU second)")
    for strategy in ("random", "coverage", "bfs"):
        cpu = time.process_time()
        e = Explorer(machine, seed=1, strategy=strategy, budget=Budget(operations=ops)).run()
        cpu = time.process_time() - cpu
        print(
            f"  {strategy:9s} {e.stats.operations / cpu:8,.0f} operations/s  "
            f"{e.stats.states / cpu:8,.0f} distinct states/s  "
            f"({e.stats.episodes} episodes, {e.stats.states} states, {cpu:.2f} s CPU)"
        )


def resets(n: int = 300) -> float:
    machine = Machine(None)
    Episode(machine)
    cpu = time.process_time()
    for _ in range(n):
        Episode(machine)
    boot_ms = (time.process_time() - cpu) / n * 1e3
    print(f"reset: boot from the parsed profile {boot_ms:.3f} ms CPU")
    start = time.perf_counter()
    for _ in range(n // 3):
        pid = os.fork()
        if pid == 0:
            os._exit(0)
        os.waitpid(pid, 0)
    fork_ms = (time.perf_counter() - start) / (n // 3) * 1e3
    print(f"reset: fork() of a booted process    {fork_ms:.3f} ms wall")
    try:
        copy.deepcopy(Episode(machine).host)
        print("reset: deepcopy of a booted host     works")
    except (TypeError, copy.Error) as err:
        print(f"reset: deepcopy of a booted host     refused ({err})")
    return boot_ms


def scaling(ops: int, ray_too: bool) -> None:
    config = {"kernel_options": {}, "seed": 3, "depth": 8, "strategy": "random",
              "budget": {"operations": ops}, "shrink": True}  # fmt: skip
    base = None
    for workers in (1, 2):
        _, stats = run_local(config, workers)
        rate = stats["operations"] / stats["seconds"]
        base = base or rate
        print(f"local {workers} worker(s): {rate:8,.0f} operations/s wall  ({rate / base:.2f}x)")
    if not ray_too:
        return
    try:
        import ray
    except ImportError:
        print("ray: skipped (not installed: pip install 'netlife[ray]')")
        return
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        base = None
        for workers in (1, 2):
            _, stats = run_ray(config, workers, "auto")
            rate = stats["operations"] / stats["seconds"]
            base = base or rate
            print(
                f"ray   {workers} worker(s): {rate:8,.0f} operations/s wall  ({rate / base:.2f}x)"
            )
    finally:
        ray.shutdown()


REAL_OPS = (
    "link add v0 type veth peer name v1",
    "link set v0 up",
    "link add mv0 link v0 type macvlan mode bridge",
    "link add br0 type bridge",
    "link set v1 master br0",
    "link del br0",
    "link del v0",
)


def real_kernel(rounds: int = 30) -> float | None:
    if os.geteuid() != 0:
        print("real kernel: skipped (needs root to create a network namespace)")
        return None
    ns = f"nlbench-{uuid.uuid4().hex[:8]}"
    if subprocess.run(["ip", "netns", "add", ns], capture_output=True).returncode != 0:
        print("real kernel: skipped (ip netns add failed)")
        return None
    try:
        start = time.perf_counter()
        for _ in range(rounds):
            for op in REAL_OPS:
                subprocess.run(["ip", "-n", ns, *op.split()], capture_output=True)
        rate = rounds * len(REAL_OPS) / (time.perf_counter() - start)
    finally:
        subprocess.run(["ip", "netns", "del", ns], capture_output=True)
    print(f"real kernel: {rate:8,.0f} operations/s (one ip process each, throwaway namespace)")
    return rate


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--ops", type=int, default=20_000)
    parser.add_argument("--no-ray", action="store_true")
    args = parser.parse_args()
    per_core(args.ops)
    resets()
    scaling(args.ops, not args.no_ray)
    real = real_kernel()
    if real:
        machine = Machine(None)
        cpu = time.process_time()
        e = Explorer(machine, seed=1, budget=Budget(operations=args.ops)).run()
        model = e.stats.operations / (time.process_time() - cpu)
        print(f"ratio explorer (random, per core) / real kernel: {model / real:.1f}x")


if __name__ == "__main__":
    main()
