"""conform/compare.py: canonical observations, step diff and the summary table (no real kernel)."""

from __future__ import annotations

import copy

from netlife.conform.compare import (
    CaseResult,
    Difference,
    canonical,
    command_netns,
    compare_case,
    diff_observations,
    render_table,
)
from netlife.conform.target import Observation, StepObservation


def link(ifindex, ifname, address="02:11:22:33:44:55", **extra):
    entry = {
        "ifindex": ifindex,
        "ifname": ifname,
        "flags": ["BROADCAST", "MULTICAST"],
        "mtu": 1500,
        "address": address,
        "broadcast": "ff:ff:ff:ff:ff:ff",
        "gso_max_size": 65536,
    }
    entry.update(extra)
    return entry


def event(step, ifindex, ifname, kind="RTM_NEWLINK", netns="init_net", **link_extra):
    return {
        "step": step,
        "netns": netns,
        "event": kind,
        "family": None,
        "ifindex": ifindex,
        "ifname": ifname,
        "link": {"ifindex": ifindex, "ifname": ifname, "flags": ["BROADCAST", "M-DOWN"]}
        | link_extra,
    }


def veth_observation(first=2, macs=("0a:00:00:00:00:01", "0a:00:00:00:00:02"), target="kernel"):
    """`ip link add v0 type veth peer name v1` seen with the given ifindex base and MACs."""
    lo = link(1, "lo", "00:00:00:00:00:00")
    after = [lo, link(first, "v1", macs[0]), link(first + 1, "v0", macs[1])]
    return Observation(
        case="veth",
        target=target,
        initial={"init_net": [lo]},
        steps=[
            StepObservation(
                "ip link add v0 type veth peer name v1", 0, "", "", dumps={"init_net": after}
            )
        ],
        events=[event(0, first, "v1"), event(0, first + 1, "v0")],
    )


def test_ifindexes_are_renumbered_in_order_of_first_appearance():
    assert diff_observations(veth_observation(2), veth_observation(17)) == []
    canon = canonical(veth_observation(17))
    assert [e["ifindex"] for e in canon["events"]] == [2, 3]  # lo took 1 in the initial dump


def test_a_different_event_order_is_a_difference():
    got = veth_observation()
    got.events.reverse()
    diff, *rest = diff_observations(veth_observation(), got)
    assert diff.step == 0 and diff.what == "events[init_net]"
    # the renumbering follows the events, so the dump's ifindexes now disagree as well
    assert {d.what for d in rest} == {"init_net/v1.ifindex", "init_net/v0.ifindex"}
    assert diff.expected == ["RTM_NEWLINK v1#2", "RTM_NEWLINK v0#3"]
    assert diff.got == ["RTM_NEWLINK v0#2", "RTM_NEWLINK v1#3"]


def test_random_macs_are_renumbered_but_fixed_ones_compared():
    other = ("0e:99:00:00:00:07", "0e:99:00:00:00:08")
    assert diff_observations(veth_observation(), veth_observation(macs=other)) == []
    canon = canonical(veth_observation())
    assert [d["address"] for d in canon["steps"][0]["dumps"]["init_net"]] == [
        "00:00:00:00:00:00",
        "random-1",
        "random-2",
    ]
    universal = ("00:16:3e:00:00:01", "00:16:3e:00:00:02")
    diffs = diff_observations(veth_observation(macs=universal), veth_observation())
    assert {d.what for d in diffs} == {"init_net/v1.address", "init_net/v0.address"}


def test_projection_drops_unmodelled_fields_and_keeps_modelled_ones():
    got = veth_observation()
    got.steps[0].dumps["init_net"][1]["gso_max_size"] = 1  # not modelled: ignored
    assert diff_observations(veth_observation(), got) == []
    got.steps[0].dumps["init_net"][1]["mtu"] = 9000
    (diff,) = diff_observations(veth_observation(), got)
    assert diff == Difference(0, "init_net/v1.mtu", 1500, 9000)


def test_info_data_keeps_only_the_kinds_selected_keys():
    exp = veth_observation()
    got = copy.deepcopy(exp)
    exp.steps[0].dumps["init_net"][1]["linkinfo"] = {
        "info_kind": "vxlan",
        "info_data": {"id": 42, "ttl": 0},
    }
    got.steps[0].dumps["init_net"][1]["linkinfo"] = {
        "info_kind": "vxlan",
        "info_data": {"id": 43, "ttl": 64},
    }
    (diff,) = diff_observations(exp, got)
    assert diff.what == "init_net/v1.linkinfo"
    assert diff.expected == {"info_kind": "vxlan", "info_data": {"id": 42}}


def test_event_links_compare_on_shared_keys_without_m_down():
    exp, got = veth_observation(), veth_observation()
    exp.events[0]["link"]["flags"] = ["BROADCAST"]  # the real side never prints M-DOWN
    got.events[0]["link"]["qdisc"] = "noop"  # only one side has it: not compared
    assert diff_observations(exp, got) == []
    got.events[1]["link"]["mtu"] = 1400
    exp.events[1]["link"]["mtu"] = 1500
    (diff,) = diff_observations(exp, got)
    assert diff.what == "events[init_net][1] RTM_NEWLINK v0#3 mtu"


def test_events_of_a_namespace_outside_its_lifetime_are_dropped():
    exp, got = veth_observation(), veth_observation()
    exp.steps[0].dumps["a"] = [link(1, "lo", "00:00:00:00:00:00")]
    got.steps[0].dumps["a"] = [link(1, "lo", "00:00:00:00:00:00")]
    got.events.append(event(0, 1, "lo", netns="a"))  # `a` was made by this very step
    assert diff_observations(exp, got) == []


def test_step_results_and_stdout_are_compared_after_renumbering():
    exp, got = veth_observation(2), veth_observation(40)
    exp.steps[0].stdout = "2: v1: <BROADCAST> link/ether 0a:00:00:00:00:01\n"
    got.steps[0].stdout = "40: v1: <BROADCAST> link/ether 0a:00:00:00:00:01\n"
    assert diff_observations(exp, got) == []
    got.steps[0].rc, got.steps[0].stderr = 2, "RTNETLINK answers: File exists\n"
    whats = [d.what for d in diff_observations(exp, got)]
    assert whats == ["rc", "stderr"]


def test_a_missing_step_and_a_skipped_side_are_reported():
    got = veth_observation()
    got.steps.append(StepObservation("ip link show", 0, "", ""))
    assert Difference(None, "steps", 1, 2) in diff_observations(veth_observation(), got)
    skipped = Observation("veth", "kernel", skipped="model-only: needs dummy")
    result = compare_case(skipped, veth_observation(target="model"))
    assert result.status == "skipped" and "needs dummy" in result.skipped


def test_command_netns_reads_the_namespace_a_line_acts_in():
    assert command_netns("ip -n a link show") == "a"
    assert command_netns("ip netns exec b cat /sys/class/net/v0/mtu") == "b"
    assert command_netns("ip link show") == "init_net"


def test_render_table_lists_every_case_with_its_result():
    results = [
        CaseResult("veth", []),
        CaseResult("bridge", [Difference(3, "rc", 0, 2)]),
        CaseResult("dummy", skipped="kernel: model-only: no dummy"),
    ]
    table = render_table(results)
    lines = table.splitlines()
    assert lines[1].split()[:3] == ["veth", "same", "0"]
    assert lines[2].split()[:3] == ["bridge", "differ", "1"]
    assert "step 3: rc: expected 0, got 2" in table
    assert lines[-1] == "1 same, 1 differ, 0 refused, 1 skipped, 0 error"
