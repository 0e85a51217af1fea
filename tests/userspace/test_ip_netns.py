"""`ip netns`: the name holds a reference; deletion frees the namespace later, on the clock."""

from __future__ import annotations

import shlex

from ip_helpers import new_host


def _run(host, line: str, settle: bool = True):
    result = host.run_command(shlex.split(line))
    if settle:
        host.settle()
    return result


def test_add_creates_a_namespace_with_only_loopback_held_by_its_name():
    host = new_host()
    assert _run(host, "ip netns add nlhip-a").rc == 0
    net = host.netns["nlhip-a"]
    assert net in host.kernel.live_nets() and net.count == 1
    assert [d.name for d in net.devices()] == ["lo"]


def test_del_drops_the_reference_and_cleanup_runs_later():
    host = new_host()
    _run(host, "ip netns add nlhip-a")
    _run(host, "ip link add v0 type veth peer name v1 netns nlhip-a")
    net = host.netns["nlhip-a"]
    _run(host, "ip netns del nlhip-a", settle=False)
    assert "nlhip-a" not in host.netns and net.count == 0
    assert not net.dead  # cleanup_net is queued work, not yet run
    host.settle()
    assert net.dead and net not in host.kernel.nets
    assert host.kernel.init_net.dev_get_by_name("v0") is None  # the veth end went with it


def test_attach_names_a_process_namespace_and_takes_a_reference():
    host = new_host()
    _run(host, "ip netns add nlhip-a")
    net = host.netns["nlhip-a"]
    host.kernel.pid_nets[4242] = net
    assert _run(host, "ip netns attach nlhip-b 4242").rc == 0
    assert host.netns["nlhip-b"] is net and net.count == 2
    assert _run(host, "ip netns pids nlhip-b").stdout == "4242\n"
    _run(host, "ip netns del nlhip-a")
    assert not net.dead
    missing = _run(host, "ip netns attach nlhip-c 999")
    assert missing.rc == 1
    assert missing.stderr == (
        "Bind /proc/999/ns/net -> /run/netns/nlhip-c failed: No such file or directory\n"
    )


def test_list_is_newest_first_with_ids_and_list_id():
    host = new_host()
    for name in ("nlhip-b", "nlhip-a", "nlhip-c"):
        _run(host, f"ip netns add {name}")
    assert _run(host, "ip netns").stdout == "nlhip-c\nnlhip-a\nnlhip-b\n"
    _run(host, "ip netns set nlhip-a 5")
    _run(host, "ip netns set nlhip-c auto")
    assert _run(host, "ip netns list").stdout == "nlhip-c (id: 0)\nnlhip-a (id: 5)\nnlhip-b\n"
    assert _run(host, "ip netns list-id").stdout == (
        "nsid 0 (iproute2 netns name: nlhip-c)\nnsid 5 (iproute2 netns name: nlhip-a)\n"
    )
    again = _run(host, "ip netns set nlhip-a 6")
    assert (again.rc, again.stderr) == (2, "Error: Peer netns already has a nsid assigned.\n")
    taken = _run(host, "ip netns set nlhip-b 5")
    assert (taken.rc, taken.stderr) == (2, "Error: The specified nsid is already used.\n")
    assert _run(host, "ip -n nlhip-b netns list").stdout == "nlhip-c\nnlhip-a\nnlhip-b\n"


def test_exec_runs_in_the_namespace_and_returns_the_child_status():
    host = new_host()
    _run(host, "ip netns add nlhip-a")
    ok = _run(host, "ip netns exec nlhip-a ip netns identify")
    assert (ok.rc, ok.stdout) == (0, "nlhip-a\n")
    failed = _run(host, "ip netns exec nlhip-a ip link del nothere")
    assert (failed.rc, failed.stderr) == (1, 'Cannot find device "nothere"\n')
    assert _run(host, "ip netns identify").stdout == "\n"


def test_all_exec_and_all_delete():
    host = new_host()
    _run(host, "ip netns add nlhip-a")
    _run(host, "ip netns add nlhip-b")
    out = _run(host, "ip -all netns exec ip -br link").stdout
    assert out == (
        "\nnetns: nlhip-b\nlo               DOWN           00:00:00:00:00:00 <LOOPBACK> \n"
        "\nnetns: nlhip-a\nlo               DOWN           00:00:00:00:00:00 <LOOPBACK> \n"
    )
    assert _run(host, "ip -all netns delete").rc == 0
    assert not host.netns and host.kernel.live_nets() == [host.kernel.init_net]


def test_link_netns_assigns_an_id_on_demand():
    host = new_host()
    _run(host, "ip netns add nlhip-a")
    net = host.netns["nlhip-a"]
    assert host.kernel.init_net.peernet2id(net) == -1
    _run(host, "ip link set lo link-netns nlhip-a")
    assert host.kernel.init_net.peernet2id(net) == 0
