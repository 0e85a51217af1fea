"""Sharding a search over Ray: the same shards as local workers, merged the same way."""

from __future__ import annotations

import pytest

from netlife.explore.parallel import run_local, run_ray

ray = pytest.importorskip("ray", reason="Ray is not installed (pip install 'netlife[ray]')")

CONFIG = {
    "machine": None,
    "kernel_options": {"netkit_notifier": False},
    "seed": 5,
    "depth": 8,
    "strategy": "random",
    "budget": {"episodes": 120},
    "shrink": True,
}


@pytest.fixture(scope="module")
def local_ray():
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield
    ray.shutdown()


def test_ray_shards_are_deterministic_and_merge_like_local_workers(local_ray):
    seen = []
    records, stats = run_ray(CONFIG, 2, "auto", progress=seen.append)
    assert stats["workers"] == 2 and stats["episodes"] == 240
    assert seen and seen[-1]["workers"] == 2
    local_records, local_stats = run_local(CONFIG, 2)
    assert stats["operations"] == local_stats["operations"]
    assert [r["signature"] for r in records] == [r["signature"] for r in local_records]
    assert [r["script"] for r in records] == [r["script"] for r in local_records]
    assert "hang in netdev_run_todo: netdev_rx_queue_lease by netkit" in {
        r["signature"] for r in records
    }
