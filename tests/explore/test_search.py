"""The explorer finds the seed bug and AF_XDP's historical hang unaided, and nothing on the
fixed kernel; runs are reproducible; findings are minimal scripts that replay."""

from __future__ import annotations

import pytest

from netlife.explore.episode import Machine
from netlife.explore.search import Budget, Explorer
from netlife.explore.shrink import ddmin, replay
from netlife.scenario.run import play

NETKIT_HANG = "hang in netdev_run_todo: netdev_rx_queue_lease by netkit"
XSK_HANG = "hang in netdev_run_todo: dev_hold by xdpsock"


def explore(seed=0, strategy="random", budget=None, **kernel_options) -> Explorer:
    machine = Machine(None, **kernel_options)
    budget = budget or Budget(seconds=60, stop_after=1)
    return Explorer(machine, seed=seed, strategy=strategy, budget=budget).run()


@pytest.mark.parametrize("strategy", ["random", "coverage"])
def test_finds_the_netkit_lease_hang_unaided_with_a_short_script(strategy):
    found = explore(strategy=strategy, netkit_notifier=False).found
    assert NETKIT_HANG in found, list(found)
    finding, _ = found[NETKIT_HANG]
    assert len(finding.script) <= 5
    assert finding.hang["devices"][0]["holders"][0]["holder"].startswith("netdev_rx_queue_lease")
    # the script is a scenario: `netlife run` on the same kernel hangs the same way
    host, results, _ = play("\n".join(finding.script) + "\n", netkit_notifier=False)
    assert host.kernel.hangs and results[-1].rc != 0


@pytest.mark.parametrize("strategy", ["random", "bfs"])
def test_finds_the_af_xdp_hang_of_the_kernel_before_455302d1c9ae(strategy):
    found = explore(seed=1, strategy=strategy, xsk_notifier=False).found
    assert XSK_HANG in found, list(found)
    finding, _ = found[XSK_HANG]
    assert len(finding.script) <= 5
    assert any(line.startswith("xdpsock") for line in finding.script)


@pytest.mark.parametrize("options", [{}, {"netkit_notifier": True, "xsk_notifier": True}])
def test_the_fixed_kernel_gives_no_finding(options):
    explorer = explore(budget=Budget(episodes=250), **options)
    assert explorer.found == {}
    assert explorer.stats.operations > 1000


def test_the_same_seed_and_budget_give_the_same_run():
    a = explore(seed=7, budget=Budget(episodes=60), netkit_notifier=False)
    b = explore(seed=7, budget=Budget(episodes=60), netkit_notifier=False)
    assert a.stats.operations == b.stats.operations
    assert a.stats.occurrences == b.stats.occurrences
    assert len(a._seen) == len(b._seen)
    assert [f.script for f, _ in a.found.values()] == [f.script for f, _ in b.found.values()]


def test_a_shard_draws_other_episodes_than_another():
    machine = Machine(None)
    a = Explorer(machine, seed=3, shard=0, budget=Budget(episodes=20)).run()
    b = Explorer(machine, seed=3, shard=1, budget=Budget(episodes=20)).run()
    assert a._seen != b._seen


def test_ddmin_keeps_only_the_lines_the_predicate_needs():
    lines = [f"l{i}" for i in range(12)]
    assert ddmin(lines, lambda ls: "l3" in ls and "l9" in ls) == ["l3", "l9"]
    assert ddmin(lines, lambda ls: "l0" in ls) == ["l0"]


def test_replay_of_a_harmless_script_finds_nothing():
    assert (
        replay(Machine(None), ["ip link add v0 type veth peer name v1", "ip link del v0"]) is None
    )


def test_a_bridge_port_leaving_a_deleted_bridge_is_not_a_message_after_dellink():
    # br_ifinfo_notify(RTM_DELLINK) with AF_BRIDGE is about the port, not the device
    script = [
        "ip link add br1 type bridge",
        "ip link set enp10s0f0np0 master br1",
        "ip link del br1",
    ]
    assert replay(Machine(None), script) is None


def test_budget_parses_seconds_minutes_operations_and_episodes():
    assert Budget.parse("60s").seconds == 60
    assert Budget.parse("2m").seconds == 120
    assert Budget.parse("5000ops").operations == 5000
    assert Budget.parse("30ep").episodes == 30
    with pytest.raises(ValueError):
        Budget.parse("soon")


def test_a_stacked_device_holding_its_lower_does_not_make_a_second_signature():
    script = [
        "ip link add mv0 link enp10s0f0np0 type macvlan",
        "xdpsock -i mv0 -q 0",
        "echo 0000:0a:00.0 > /sys/bus/pci/drivers/mlx5_core/unbind",
    ]
    finding = replay(Machine(None, xsk_notifier=False), script)
    assert finding.signature == XSK_HANG
    assert finding.kinds == ["macvlan", "mlx5_core"]


def test_an_episode_traces_the_notifier_paths_of_its_last_line():
    from netlife.explore.episode import Episode
    from netlife.kernel.notifier import NetdevCmd

    ep = Episode(Machine(None), trace_paths=True)
    ep.run("ip link add v0 type veth peer name v1")
    assert (int(NetdevCmd.NETDEV_REGISTER), "veth") in ep.paths
    ep.run("ip link del v0")
    assert (int(NetdevCmd.NETDEV_UNREGISTER), "veth") in ep.paths
    assert (int(NetdevCmd.NETDEV_REGISTER), "veth") not in ep.paths
