"""Scale-out: shards of one search on local processes or on a Ray cluster, merged.

Model-only. A shard is an Explorer with its own shard number: its episodes draw from
"seed:shard:episode", so each shard is deterministic on its own and shards never repeat each
other's draws. Shards report progress (their Stats) through a queue, a multiprocessing queue
locally or a ray.util.queue.Queue on Ray, and return their findings as JSON-able records;
the merge keeps one finding per signature (the shortest script) and adds up the counts.

Ray is optional (`pip install 'netlife[ray]'`) and imported only for `--ray`.
"""

from __future__ import annotations

import multiprocessing
import os
import time
from collections.abc import Callable
from typing import Any

from netlife.explore.report import finding_record, kernel_flags

Progress = Callable[[dict], None]


def run_shard(config: dict[str, Any], shard: int, queue: Any = None) -> dict[str, Any]:
    """Run one shard of the search described by config; returns {"findings", "stats"}."""
    from netlife.explore.episode import Machine
    from netlife.explore.search import Budget, Explorer

    machine = Machine(config.get("machine"), **config.get("kernel_options", {}))
    cpu0 = time.process_time()

    def progress(stats: Any) -> None:
        if queue is not None:
            queue.put(("progress", shard, stats.as_json()))

    explorer = Explorer(
        machine,
        seed=config.get("seed", 0),
        shard=shard,
        depth=config.get("depth", 8),
        strategy=config.get("strategy", "random"),
        budget=Budget(**config.get("budget", {"seconds": 60})),
        do_shrink=config.get("shrink", True),
        invariants_every_step=config.get("invariants_every_step", False),
        on_progress=progress,
    ).run()
    flags = kernel_flags(config.get("machine"), config.get("kernel_options", {}))
    stats = explorer.stats.as_json()
    stats["cpu_seconds"] = round(time.process_time() - cpu0, 3)
    occurrences = explorer.stats.occurrences
    records = [finding_record(f, token, flags) for f, token in explorer.found.values()]
    result = {"findings": records, "stats": stats, "occurrences": occurrences}
    if queue is not None:
        queue.put(("progress", shard, stats))
    return result


def merge(results: list[dict], seconds: float) -> tuple[list[dict], dict]:
    """One finding per signature (the shortest script wins), stats added up."""
    best: dict[str, dict] = {}
    for result in results:
        for rec in result["findings"]:
            have = best.get(rec["signature"])
            if have is None or len(rec["script"]) < len(have["script"]):
                if have is not None:
                    rec["occurrences"] += have["occurrences"]
                best[rec["signature"]] = rec
            else:
                have["occurrences"] += rec["occurrences"]
    keys = ("operations", "episodes", "distinct_states", "shrink_runs")
    stats: dict[str, Any] = {k: sum(r["stats"][k] for r in results) for k in keys}
    cpu = sum(r["stats"].get("cpu_seconds", 0.0) for r in results)
    firsts = [r["stats"]["first_finding_s"] for r in results if r["stats"]["first_finding_s"]]
    stats.update(
        {
            "findings": len(best),
            "seconds": round(seconds, 3),
            "cpu_seconds": round(cpu, 3),
            "workers": len(results),
            "operations_per_s": round(stats["operations"] / max(seconds, 1e-9), 1),
            "operations_per_cpu_s": round(stats["operations"] / max(cpu, 1e-9), 1),
            "states_per_s": round(stats["distinct_states"] / max(seconds, 1e-9), 1),
            "first_finding_s": min(firsts) if firsts else None,
        }
    )
    records = sorted(best.values(), key=lambda r: (r["oracle"], r["signature"]))
    return records, stats


def _fold(latest: dict[int, dict], start: float, workers: int) -> dict:
    total = {"operations": 0, "distinct_states": 0, "findings": 0, "episodes": 0}
    for stats in latest.values():
        for key in total:
            total[key] += stats.get(key, 0)
    total["seconds"] = time.perf_counter() - start
    total["workers"] = workers
    return total


def run_local(config: dict, workers: int, progress: Progress | None = None) -> tuple[list, dict]:
    """Shards 0..workers-1 in local processes (one process: in this one)."""
    start = time.perf_counter()
    if workers <= 1:
        queue = _CallbackQueue(lambda stats: progress(_fold({0: stats}, start, 1)))
        result = run_shard(config, 0, queue if progress else None)
        return merge([result], time.perf_counter() - start)
    ctx = multiprocessing.get_context("fork" if os.name == "posix" else "spawn")
    queue = ctx.Queue()
    procs = [ctx.Process(target=_worker, args=(config, i, queue)) for i in range(workers)]
    for p in procs:
        p.start()
    latest: dict[int, dict] = {}
    results: dict[int, dict] = {}
    while len(results) < workers:
        kind, shard, payload = queue.get()
        if kind == "progress":
            latest[shard] = payload
            if progress:
                progress(_fold(latest, start, workers))
        elif kind == "done":
            results[shard] = payload
        else:  # "error": a netlife bug in a worker
            for p in procs:
                p.terminate()
            raise RuntimeError(f"explore worker {shard} failed:\n{payload}")
    for p in procs:
        p.join()
    return merge([results[i] for i in range(workers)], time.perf_counter() - start)


def _worker(config: dict, shard: int, queue: Any) -> None:
    import traceback

    try:
        queue.put(("done", shard, run_shard(config, shard, queue)))
    except BaseException:  # report, so the parent does not wait forever
        queue.put(("error", shard, traceback.format_exc()))


class _CallbackQueue:
    """A queue-shaped callback for the in-process shard."""

    def __init__(self, fn: Callable[[dict], None]) -> None:
        self.fn = fn

    def put(self, item: tuple) -> None:
        self.fn(item[2])


def run_ray(
    config: dict, workers: int, address: str, progress: Progress | None = None
) -> tuple[list, dict]:
    """Shards as Ray tasks on the cluster at address (`auto`: the running one, else local)."""
    try:
        import ray
        from ray.util.queue import Empty, Queue
    except ImportError:
        raise RuntimeError("--ray needs Ray: pip install 'netlife[ray]'") from None
    if not ray.is_initialized():
        if address == "local":
            ray.init(num_cpus=max(workers, 1), include_dashboard=False, log_to_driver=False)
        else:
            ray.init(address=address, include_dashboard=False, log_to_driver=False)
    start = time.perf_counter()
    queue = Queue()
    task = ray.remote(run_shard)
    refs = [task.remote(config, i, queue) for i in range(workers)]
    latest: dict[int, dict] = {}
    pending = list(refs)
    while pending:
        _, pending = ray.wait(pending, num_returns=len(pending), timeout=0.5)
        while True:
            try:
                _, shard, payload = queue.get_nowait()
            except Empty:
                break
            latest[shard] = payload
        if progress and latest:
            progress(_fold(latest, start, workers))
    results = ray.get(refs)
    return merge(results, time.perf_counter() - start)
