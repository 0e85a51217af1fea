"""Hang reports (kernel/hang.py, kernel/hang_explain.py) and the namespace hang on the clock.

For a device that cannot be freed: its usage count, each holder, who the holder is in the
user's terms, the chain up to something removable and the command that removes it, run in the
right namespace; unknown references said to be unknown. Then the namespace story: `ip netns del`
returns at once while cleanup_net sleeps in netdev_run_todo holding pernet_ops_rwsem for read,
`modprobe` (a writer) blocks behind it, `ip netns add` (a reader) blocks behind the writer with
hung-task lines, and ending the holder lets everything finish.
"""

from __future__ import annotations

import json

import pytest

from netlife.kernel.dev import unregister_netdevice_many, unregister_netdevice_queue
from netlife.kernel.errors import Hang
from netlife.kernel.hang_explain import Held, explain_device, register_holder_explainer
from netlife.kernel.netdevice import dev_hold, dev_put, netdev_hold, netdev_put
from netlife.kernel.netns_lifecycle import get_net
from netlife.kernel.rtnetlink import rtnl_lock, rtnl_newlink
from netlife.scenario.run import record_json
from netlife.scenario.shell import ShellSession
from netlife.scenario.state import boot_host
from netlife.userspace.host import Host
from netlife.userspace.procs import UserProcess

PHYS = "enp10s0f0np0"
NETKIT = '{"ifname": "nk", "num-rx-queues": 2, "linkinfo": {"kind": "netkit", "data": {"pairing": "single"}}}'  # noqa: E501
LEASE = """'{"ifindex": '$NK', "type": "rx", "lease": {"ifindex": '$PHYS', "queue": {"type": "rx", "id": 15}}}'"""  # noqa: E501


def name_namespaces(host: Host) -> None:
    """What Host must give the kernel: its /run/netns names, for `ip -n NAME` remedies."""
    host.kernel.netns_name = lambda net: next((n for n, o in host.netns.items() if o is net), None)


# -- a test hook: a process that holds a device of another namespace -----------------------------


class RefHolder(UserProcess):
    """A user process holding a tracked reference on a device (no real tool does that across
    namespaces: a socket pins its own namespace). Its exit drops the reference."""

    dev = None
    tracker = None

    def exit(self, status: int) -> None:
        if self.alive and self.tracker is not None:
            netdev_put(self.dev, self.tracker)
            self.tracker = None
        super().exit(status)


def refhold(proc, argv: list[str]) -> int:
    """`refhold NETNS DEV`: hold DEV of namespace NETNS (`.`: its own) until killed."""
    kernel = proc.kernel
    net = proc.net if argv[1] == "." else proc.host.netns[argv[1]]
    dev = net.dev_get_by_name(argv[2])
    task = kernel.current
    up = RefHolder(proc.host, task.pid, task.comm, list(argv), proc.net)
    get_net(proc.net)
    kernel.pid_nets[up.pid] = proc.net
    proc.host.processes[up.pid] = up
    up.dev = dev
    up.tracker = netdev_hold(dev, f"refhold_hold ({up.pid})")
    return 0


def refhold_explainer(dev, holder, count):
    pid = int(holder.split("(")[1].rstrip(")"))
    return [Held(1, f"refhold (pid {pid})", f"holds {dev.name}", remedy=f"kill {pid}")]


def shell(**options) -> tuple[Host, ShellSession]:
    host = boot_host(None, **options)
    name_namespaces(host)
    host.commands["refhold"] = refhold
    register_holder_explainer(host.kernel, "refhold_hold", refhold_explainer)
    return host, ShellSession(host)


def step(results, prefix: str):
    """The first step whose command is `prefix`, or starts with it."""
    return next((r for r in results if r.command == prefix), None) or next(
        r for r in results if r.command.startswith(prefix)
    )


# -- the namespace hang, on the clock ------------------------------------------------------------

NETNS_HANG = """\
ip netns add blue
ip -n blue link add v0 type veth peer name v1
refhold blue v1
ip netns del blue
sleep 30
dmesg | grep 'waiting for v1'
modprobe vxlan
(sleep 200; pkill refhold) &
ip netns add red
ip netns
dmesg | grep -e 'INFO: task'
"""


def test_a_stuck_namespace_cleanup_blocks_module_loads_then_new_namespaces_until_released():
    host, session = shell()
    kernel = host.kernel
    results = session.run_script(NETNS_HANG)
    holder = next(p for p in host.processes.values() if isinstance(p, RefHolder))

    # `ip netns del` returns at once: the cleanup worker sleeps without running the clock.
    deleted = step(results, "ip netns del")
    assert deleted.rc == 0 and step(results, "sleep 30").time == deleted.time
    waiting = step(results, "dmesg | grep 'waiting").stdout
    assert "unregister_netdevice: waiting for v1 to become free. Usage count = 2" in waiting

    # modprobe needs pernet_ops_rwsem for write: it waits for the sleeping reader, to the bound.
    modprobe = step(results, "modprobe vxlan")
    assert modprobe.rc == 124
    assert "blocked in down_write(pernet_ops_rwsem) for 600 s" in modprobe.stderr
    assert "held for read by kworker/u8:1:10 (cleanup_net of namespace" in modprobe.stderr
    assert "waiting for v1 to be freed" in modprobe.stderr
    assert "v1: usage count 2" in modprobe.stderr
    assert f"held by refhold_hold ({holder.pid})" in modprobe.stderr
    assert f"to release it: kill {holder.pid}" in modprobe.stderr

    # ip netns add (a reader) waits behind the queued writer until the holder is killed.
    add = step(results, "ip netns add red")
    assert add.rc == 0 and add.stderr == ""
    assert step(results, "ip netns").stdout == "red\n"
    assert step(results, "ip netns").time - add.time == pytest.approx(200, abs=2)
    infos = step(results, "dmesg | grep -e 'INFO").stdout
    modprobe_pid = int(kernel.hangs[-1].task.split(":")[1])
    ip_pid = modprobe_pid + 1
    for seconds in (120, 240, 360, 480, 600):
        assert (
            f"INFO: task modprobe:{modprobe_pid} blocked for more than {seconds} seconds." in infos
        )
    assert f"INFO: task ip:{ip_pid} blocked for more than 120 seconds." in infos
    assert f"task ip:{ip_pid} blocked for more than 240" not in infos

    # Everything finished: the device is freed, the lock free, the namespace gone.
    sem = kernel.pernet_ops_rwsem
    assert holder.dev.freed and not kernel.stuck_cleanup and not kernel.todo_waits
    assert sem.readers == 0 and sem.reader_tasks == [] and sem.pending_writers == []
    assert [h.task.split(":")[0] for h in kernel.hangs] == ["kworker/u8", "modprobe"]
    assert kernel.hangs[1].remedy == f"kill {holder.pid}"


def test_the_cleanup_workers_own_report_says_what_it_holds_up():
    host, session = shell(hang_bound_secs=60)
    session.run_script("ip netns add blue\nip -n blue link add v0 type veth peer name v1\n")
    session.run_script("refhold blue v1\nip netns del blue\nsleep 61\n")
    (report,) = host.kernel.hangs
    assert report.task == "kworker/u8:1:10" and report.what == "netdev_run_todo"
    assert "holds pernet_ops_rwsem for read while it sleeps" in report.blocked_by[0]
    (dev,) = report.devices
    assert dev.name == "v1" and "being destroyed" in dev.netns
    assert report.remedy == dev.remedy == f"kill {host.next_pid - 1}"


def test_a_module_unload_waiting_for_all_unregistrations_names_the_stuck_devices():
    host, session = shell(hang_bound_secs=60)
    script = "modprobe vxlan\nip link add d0 type dummy\nrefhold . d0\nip link del d0\n"
    session.run_script(script)
    (rmmod,) = session.run_script("rmmod vxlan\n")
    assert rmmod.rc == 124
    report = host.kernel.hangs[-1]
    assert report.what == "rtnl_lock_unregistering_all"
    assert report.blocked_by == ["waits until no device is unregistering (dev_unreg_count = 1)"]
    assert [d.name for d in report.devices] == ["d0"]
    assert report.remedy == f"kill {host.next_pid - 2}"
    assert report.as_json()["blocked_by"] == report.blocked_by


# -- the seed hang in a namespace: a lease, a process, a name ------------------------------------

LEASE_IN_BLUE = f"""\
ip netns add blue
ip link set {PHYS} netns blue
ip netns exec blue ynl --family rt-link --do newlink --create --json '{NETKIT}'
NK=$(ip netns exec blue cat /sys/class/net/nk/ifindex)
PHYS=$(ip netns exec blue cat /sys/class/net/{PHYS}/ifindex)
ip netns exec blue ynl --family netdev --do queue-create --json {LEASE}
ip -n blue link set nk up
ip netns exec blue xdpsock -i nk -q 1
rmmod mlx5_ib
"""


def test_a_lease_from_a_named_namespace_is_removed_there():
    host, session = shell(netkit_notifier=False, hang_bound_secs=60)
    session.run_script(LEASE_IN_BLUE)
    (result,) = session.run_script("rmmod mlx5_core\n")
    assert result.rc == 124
    (stuck,) = host.kernel.hangs[-1].devices
    assert (stuck.name, stuck.usage_count, stuck.netns) == (PHYS, 2, "netns blue")
    (held,) = stuck.explained
    assert held.holder == "netdev_rx_queue_lease (nk rxq 1)"
    assert held.who.startswith("nk (netkit, ifindex") and held.who.endswith("netns blue)")
    assert "rx queue 15 is leased to nk rx queue 1" in held.chain[0]
    assert stuck.remedy == "ip -n blue link del nk"
    assert "to release it: ip -n blue link del nk" in result.stderr
    ok, _ = session.run_script("ip -n blue link del nk\nsleep 1\n")
    assert ok.rc == 0 and host.kernel.todo_waits == set()


def test_without_namespace_names_the_remedy_reaches_the_namespace_through_a_process():
    host, session = shell(netkit_notifier=False, hang_bound_secs=60)
    host.kernel.netns_name = None  # a host that does not tell the kernel its /run/netns names
    session.run_script(LEASE_IN_BLUE)
    xdpsock = next(p for p in host.processes.values() if p.comm == "xdpsock")
    session.run_script("rmmod mlx5_core\n")
    remedy = host.kernel.hangs[-1].remedy
    assert (
        remedy
        == f"ip netns attach ns{xdpsock.pid} {xdpsock.pid} && ip -n ns{xdpsock.pid} link del nk"
    )
    (run,) = session.run_script(remedy + "\n")
    assert run.rc == 0
    session.run_script("sleep 1\n")
    assert host.kernel.todo_waits == set()


def test_a_lease_from_a_deleted_namespace_is_released_by_ending_what_keeps_it():
    host, session = shell(netkit_notifier=False, hang_bound_secs=60)
    session.run_script(LEASE_IN_BLUE + "ip netns del blue\n")
    xdpsock = next(p for p in host.processes.values() if p.comm == "xdpsock")
    (result,) = session.run_script("rmmod mlx5_core\n")
    (stuck,) = host.kernel.hangs[-1].devices
    assert "has no name: it lives only while xdpsock (pid" in result.stderr
    assert stuck.netns.startswith("namespace ")
    assert stuck.remedy == f"kill {xdpsock.pid}"
    (kill,) = session.run_script(f"kill {xdpsock.pid}\n")
    assert kill.rc == 0
    session.run_script("sleep 1\n")
    # rmmod, asleep past the bound, finishes its work: mlx5 frees the port, the module goes.
    assert host.kernel.todo_waits == set()
    assert all(d.name != PHYS for d in host.kernel.live_devices())
    assert "mlx5_core" not in host.kernel.modules


# -- chains through devices, unknown holders -----------------------------------------------------


def stuck_report(kernel, devices) -> Hang:
    kernel.hang_bound_secs = 30
    with pytest.raises(Hang) as info, rtnl_lock(kernel):
        kill: list = []
        for dev in devices:
            unregister_netdevice_queue(dev, kill)
        unregister_netdevice_many(kernel, kill)
    return info.value


def test_a_lower_held_by_a_macvlan_that_waits_itself_follows_the_chain_to_its_holder(host):
    kernel = host.kernel
    lower = host.dummy("d0")
    rtnl_newlink(kernel.init_net, host.request("mv0", "macvlan", IFLA_LINK=lower.ifindex))
    macvlan = kernel.init_net.dev_get_by_name("mv0")
    register_holder_explainer(
        kernel,
        "test_app",
        lambda dev, holder, count: [Held(1, "app (pid 77)", f"uses {dev.name}", remedy="kill 77")],
    )
    tracker = netdev_hold(macvlan, "test_app (pid 77)")
    hang = stuck_report(kernel, [lower])
    report = {d.name: d for d in hang.report.devices}
    d0 = report["d0"]
    (held,) = d0.explained
    assert held.holder == "macvlan_init (mv0)" and held.who.startswith("mv0 (macvlan, ifindex")
    assert "mv0 is unregistering and waiting to be freed itself (usage count 2):" in held.chain
    assert "  held by test_app (pid 77)" in held.chain
    assert d0.remedy == "kill 77" and report["mv0"].remedy == "kill 77"
    text = str(hang.report)
    assert "d0: usage count 2 (ifindex" in text and "to release it: kill 77" in text
    netdev_put(macvlan, tracker)
    kernel.clock.advance(10**9)
    assert lower.freed and macvlan.freed


def test_untracked_and_unknown_references_are_reported_as_unknown(host):
    kernel = host.kernel
    dev = host.dummy("d1")
    dev_hold(dev)
    tracker = netdev_hold(dev, "mystery_hold (x)")
    hang = stuck_report(kernel, [dev])
    (stuck,) = hang.report.devices
    assert stuck.remedy is None and hang.report.remedy is None
    unknown = {h.holder: h for h in stuck.explained}
    assert unknown["dev_hold"].who == "unknown" and unknown["dev_hold"].remedy is None
    assert "taken with dev_hold(), which records no holder" in unknown["dev_hold"].chain[0]
    assert (
        "no explainer knows the holder 'mystery_hold (x)'" in unknown["mystery_hold (x)"].chain[0]
    )
    assert "held by 1 untracked reference(s) (dev_hold)" in str(hang.report)
    dev_put(dev)
    netdev_put(dev, tracker)
    kernel.clock.advance(10**9)
    assert dev.freed


def test_a_bridge_port_is_explained_with_the_command_that_detaches_it(host):
    kernel = host.kernel
    rtnl_newlink(kernel.init_net, host.request("br0", "bridge"))
    br = kernel.init_net.dev_get_by_name("br0")
    port = host.dummy("p0")
    host.setlink(port, IFLA_MASTER=br.ifindex)
    stuck = explain_device(kernel, port)
    held = next(h for h in stuck.explained if h.holder == "new_nbp (br0 port p0)")
    assert held.who.startswith("bridge br0 (bridge, ifindex")
    assert held.remedy == "ip link set dev p0 nomaster"


def test_xsk_references_name_the_process_and_the_kill_that_ends_it():
    host, session = shell()
    session.run_script("ip link add nk type netkit\nip link set nk up\nxdpsock -i nk -q 0\n")
    nk = host.kernel.init_net.dev_get_by_name("nk")
    xdpsock = next(p for p in host.processes.values() if p.comm == "xdpsock")
    stuck = explain_device(host.kernel, nk)
    (held,) = [h for h in stuck.explained if h.holder == "dev_hold"]
    assert (held.refs, held.who, held.remedy) == (
        2,
        f"xdpsock (pid {xdpsock.pid})",
        f"kill {xdpsock.pid}",
    )
    assert "AF_XDP socket bound to nk queue 0" in held.chain[0]


def test_an_io_uring_ring_and_the_rdma_device_are_each_named_with_their_remedy():
    host, session = shell()
    session.run_script(f"ip link set {PHYS} up\niou-zcrx -i {PHYS} -q 1\n")
    zcrx = next(p for p in host.processes.values() if p.comm == "iou-zcrx")
    stuck = explain_device(host.kernel, host.kernel.init_net.dev_get_by_name(PHYS))
    by_holder = {h.holder: h for h in stuck.explained}
    ring = by_holder[f"io_register_zcrx_ifq (iou-zcrx (pid {zcrx.pid}))"]
    assert ring.who == f"iou-zcrx (pid {zcrx.pid})" and ring.remedy == f"kill {zcrx.pid}"
    assert "io_uring zero-copy RX queue on enp10s0f0np0 queue 1" in ring.chain[0]
    assert by_holder["ib_device_set_netdev"].remedy == "rmmod mlx5_ib"
    assert stuck.remedy == f"rmmod mlx5_ib; kill {zcrx.pid}"


# -- the JSON record -----------------------------------------------------------------------------


def test_netlife_run_json_hangs_carry_holders_chain_and_remedy(monkeypatch):
    from netlife.scenario import run

    original = Host.__init__

    def init(self, kernel, hostname="netlife"):
        original(self, kernel, hostname)
        name_namespaces(self)

    monkeypatch.setattr(Host, "__init__", init)
    text = LEASE_IN_BLUE + "rmmod mlx5_core\n"
    host, results, recorder = run.play(text, netkit_notifier=False, hang_bound_secs=60)
    record = json.loads(json.dumps(record_json(host, results, recorder)))
    (hang,) = record["hangs"]
    assert hang["what"] == "netdev_run_todo" and hang["remedy"] == "ip -n blue link del nk"
    (dev,) = hang["devices"]
    assert dev["device"] == PHYS and dev["netns"] == "netns blue" and dev["usage_count"] == 2
    (held,) = dev["explained"]
    assert held["holder"] == "netdev_rx_queue_lease (nk rxq 1)" and held["refs"] == 1
    assert held["remedy"] == "ip -n blue link del nk" and held["chain"][-1].startswith("remove it")
