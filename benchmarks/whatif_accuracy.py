"""what-if against the real kernel over many random topologies, and snapshot time at 1,000
devices. As root: `PYTHONPATH=src python3 benchmarks/whatif_accuracy.py [CASES]` (default 200).

Prints each differing case with its first differences, the accuracy, then the time
`netlife snapshot --netns` takes to read a throwaway namespace holding 1,000 devices (500
veth pairs) beside the time `ip -d -j link show` takes there, as a ratio.
"""

import os
import subprocess
import sys
import time

from netlife.conform.kernel_target import delete_namespaces
from netlife.conform.snapshot import take_snapshot
from netlife.conform.whatif_check import check_one


def accuracy(cases: int) -> None:
    same = 0
    for seed in range(cases):
        result = check_one(seed)
        if result.differences:
            print(f"{result.case}: {len(result.differences)} differences")
            for diff in result.differences[:3]:
                print(f"  {diff}")
        else:
            same += 1
    print(f"what-if accuracy: {same}/{cases} cases equal ({100 * same / cases:.1f}%)")


def snapshot_time(pairs: int = 500) -> None:
    name = f"nlb-{os.getpid()}"
    subprocess.run(["ip", "netns", "add", name], check=True)
    try:
        batch = "".join(f"link add b{i} type veth peer name c{i}\n" for i in range(pairs))
        subprocess.run(["ip", "-n", name, "-batch", "-"], input=batch, text=True, check=True)
        start = time.perf_counter()
        snap = take_snapshot([name])
        took = time.perf_counter() - start
        start = time.perf_counter()
        subprocess.run(["ip", "-n", name, "-d", "-j", "link", "show"], capture_output=True)
        ip = time.perf_counter() - start
        devices = len(snap.profile["link"])
        print(
            f"snapshot of {devices} devices: {took:.3f} s; ip -d -j link show: {ip:.3f} s; "
            f"ratio {took / ip:.1f}"
        )
    finally:
        delete_namespaces([name])


if __name__ == "__main__":
    accuracy(int(sys.argv[1]) if len(sys.argv) > 1 else 200)
    snapshot_time()
