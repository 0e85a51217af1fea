"""Every way a user can block in the kernel ends as a hang report, never a traceback.

The entry points are enumerated from the host itself (its command table, its writable files
under /proc and /sys, the genetlink and rt-link ops of ynl, the message types the pyroute2
adapter serves): each is either listed in BLOCKING with a script that blocks it behind a holder,
or in NOT_BLOCKING with the reason it cannot sleep in the kernel. A new one fails the census
until it is classified. Each blocking case must end with status 124, the model's notice, an
entry in Kernel.hangs naming the holder and a remedy; running the remedy lets the task finish.
"""

from __future__ import annotations

import re

import pytest

from netlife.kernel.hang_explain import Held, register_holder_explainer
from netlife.kernel.netdevice import netdev_hold, netdev_put
from netlife.scenario.shell import BUILTINS, ShellSession
from netlife.scenario.state import boot_host

BOUND = 30

NETKIT = '{"ifname": "nk", "num-rx-queues": 2, "linkinfo": {"kind": "netkit", "data": {"pairing": "single"}}}'  # noqa: E501


def lease(phys: str, queue: int) -> str:
    """nk leases RX queue `queue` of `phys`; without the netkit notifier nothing gives it back."""
    spec = (
        f"""'{{"ifindex": '$NK', "type": "rx", "lease": {{"ifindex": '$PHYS', "queue": """
        f"""{{"type": "rx", "id": {queue}}}}}}}'"""
    )
    return (
        f"ynl --family rt-link --do newlink --create --json '{NETKIT}'\n"
        "NK=$(cat /sys/class/net/nk/ifindex)\n"
        f"PHYS=$(cat /sys/class/net/{phys}/ifindex)\n"
        f"ynl --family netdev --do queue-create --json {spec}\n"
    )


MLX5_LEASE = lease("enp10s0f0np0", 15) + "rmmod mlx5_ib\n"
NSIM_LEASE = 'modprobe netdevsim\necho "1 1 4" > /sys/bus/netdevsim/new_device\n' + lease(
    "eni1np1", 1
)
VETH_HELD = "ip link add v0 type veth peer name v1\nrefhold v1\n"
TUN_HELD = "ip tuntap add dev tap0 mode tap\nrefhold tap0\n"
# A namespace cleanup asleep on a held device holds pernet_ops_rwsem for read.
STUCK_CLEANUP = (
    "ip netns add blue\nip -n blue link add v0 type veth peer name v1\n"
    "ip netns exec blue refhold v1\nip netns del blue\n"
)

# entry point (and which use of it) → (setup, the blocking line), run as the script's last step.
BLOCKING = {
    "command ip (link del)": (VETH_HELD, "ip link del v0"),
    "command ip (tuntap del)": (TUN_HELD, "ip tuntap del dev tap0 mode tap"),
    "command ip (netns add)": (STUCK_CLEANUP + "modprobe vxlan &\nsleep 40\n", "ip netns add red"),
    "command rmmod": (MLX5_LEASE, "rmmod mlx5_core"),
    "command modprobe": (STUCK_CLEANUP, "modprobe vxlan"),
    "command insmod": (STUCK_CLEANUP, "insmod vxlan.ko"),
    "command ynl": (VETH_HELD, """ynl --family rt-link --do dellink --json '{"ifname": "v0"}'"""),
    "genetlink rt-link dellink": (
        VETH_HELD,
        """ynl --family rt-link --do dellink --json '{"ifname": "v1"}'""",
    ),
    "file /sys/bus/netdevsim/del_device": (NSIM_LEASE, "echo 1 > /sys/bus/netdevsim/del_device"),
    "file /sys/bus/netdevsim/devices/*/del_port": (
        NSIM_LEASE,
        "echo 0 > /sys/bus/netdevsim/devices/netdevsim1/del_port",
    ),
    "file /sys/bus/pci/drivers/*/unbind": (
        MLX5_LEASE,
        "echo 0000:0a:00.0 > /sys/bus/pci/drivers/mlx5_core/unbind",
    ),
    "file /sys/bus/pci/devices/*/remove": (
        MLX5_LEASE,
        "echo 1 > /sys/bus/pci/devices/0000:0a:00.0/remove",
    ),
    "job": (MLX5_LEASE, "rmmod mlx5_core &\nsleep 40"),
    "pyroute2 RTM_DELLINK": (VETH_HELD, None),
}

NOT_BLOCKING = {
    "command cat": "reads files only",
    "command dmesg": "reads the ring",
    "command ethtool": "channel changes restart queues without unregistering",
    "command false": "no kernel call",
    "command grep": "filters text",
    "command head": "filters text",
    "command hostname": "no kernel call",
    "command iou-zcrx": "registers a zero-copy queue: no wait",
    "command kill": "a process's exit drops references; namespaces go to the cleanup worker",
    "command ls": "lists files",
    "command lsmod": "reads the module list",
    "command pkill": "as kill",
    "command sort": "filters text",
    "command sysctl": "writes /proc/sys values only",
    "command tail": "filters text",
    "command true": "no kernel call",
    "command wc": "filters text",
    "command xdpsock": "binds a socket: no wait",
    "file /proc/sys/kernel/hung_task_timeout_secs": "a value",
    "file /proc/sys/net/core/netdev_unregister_timeout_secs": "a value",
    "file /sys/bus/netdevsim/new_device": "probes and registers: no wait",
    "file /sys/bus/netdevsim/devices/*/new_port": "registers a port: no wait",
    "file /sys/bus/pci/drivers/*/bind": "probes: no wait",
    "genetlink netdev dev-get": "reads",
    "genetlink netdev queue-get": "reads",
    "genetlink netdev queue-create": "leases a queue without RTNL's todo",
    "genetlink netdev bind-rx": "checks, then fails for want of a dma-buf: no wait",
    "genetlink rt-link newlink": "registers: no wait",
    "pyroute2 RTM_NEWLINK": "registers or changes a device: no unregistration",
    "pyroute2 RTM_SETLINK": "changes a device: no unregistration",
    "pyroute2 RTM_GETLINK": "reads",
    "pyroute2 RTM_NEWLINKPROP": "adds an alternative name",
    "pyroute2 RTM_DELLINKPROP": "drops an alternative name",
    "pyroute2 RTM_GETNSID": "reads a namespace id",
}


# -- a holder the test controls: `refhold DEV` until `refput DEV` --------------------------------


def _refhold(proc, argv):
    dev = proc.net.dev_get_by_name(argv[1])
    proc.host.held[argv[1]] = (dev, netdev_hold(dev, f"refhold ({argv[1]})"))
    return 0


def _refput(proc, argv):
    dev, tracker = proc.host.held.pop(argv[1])
    netdev_put(dev, tracker)
    return 0


def _explain(dev, holder, count):
    name = holder.split("(")[1].rstrip(")")
    return [Held(count, f"refhold of {name}", "holds it", remedy=f"refput {name}")]


def _shell():
    host = boot_host(None, netkit_notifier=False, hang_bound_secs=BOUND)
    host.held = {}
    host.commands["refhold"] = _refhold
    host.commands["refput"] = _refput
    register_holder_explainer(host.kernel, "refhold", _explain)
    return host, ShellSession(host)


# -- the census ----------------------------------------------------------------------------------


def _writable_files(host) -> set[str]:
    kernel, net = host.kernel, host.kernel.init_net
    found: set[str] = set()

    def walk(path: str, depth: int = 0) -> None:
        names = kernel.sysfs.listdir(net, path)
        if names is None or depth > 8:
            attr = kernel.sysfs.lookup(net, path)
            if attr is not None and attr.store is not None:
                found.add(re.sub(r"/(netdevsim\d+|\d{4}:[0-9a-f:.]+|mlx5_core)/", "/*/", path))
            return
        for name in names:
            walk(f"{path}/{name}", depth + 1)

    for root in ("/proc", "/sys/bus/pci/devices", "/sys/bus/pci/drivers", "/sys/bus/netdevsim"):
        walk(root)
    for path in list(kernel.sysfs.files):
        if kernel.sysfs.files[path].store is not None:
            found.add(path)
    return {f"file {p}" for p in found}


def test_every_entry_point_is_classified_as_blocking_or_not():
    from netlife.adapters.pyroute2_msg import RTM_TYPES
    from netlife.adapters.pyroute2_socket import SERVED_TYPES
    from netlife.kernel.netdev_genl import NETDEV_NL_OPS

    host, session = _shell()
    session.run_script(NSIM_LEASE)
    del host.commands["refhold"], host.commands["refput"]
    # Files come from every resolver family; a new family must be walked here.
    resolvers = {r.__qualname__ for r in host.kernel.sysfs.resolvers}
    assert resolvers == {
        "_class_net",
        "_ref_tracker_debugfs",
        "pci_bus_init.<locals>.resolve",
        "_sysfs_resolver.<locals>.resolve",
    }
    points = {f"command {c}" for c in host.commands} - {f"command {b}" for b in BUILTINS}
    points |= {f"command {c}" for c in host.commands if c in ("true", "false")}
    points |= _writable_files(host)
    points |= {f"genetlink netdev {op}" for op in NETDEV_NL_OPS}
    points |= {"genetlink rt-link newlink", "genetlink rt-link dellink"}
    names = {**RTM_TYPES, 108: "RTM_NEWLINKPROP", 109: "RTM_DELLINKPROP", 90: "RTM_GETNSID"}
    points |= {f"pyroute2 {names[t]}" for t in SERVED_TYPES}
    points |= {"job"}
    known = {re.sub(r" \(.*\)$", "", p) for p in BLOCKING} | set(NOT_BLOCKING)
    assert points - known == set(), "classify these entry points in BLOCKING or NOT_BLOCKING"
    assert known - points == set(), "these are gone: drop them from the lists"
    assert set(BLOCKING) & set(NOT_BLOCKING) == set()


# -- each blocking path, behind a holder ---------------------------------------------------------


@pytest.mark.parametrize("point", [p for p in BLOCKING if BLOCKING[p][1] is not None])
def test_each_blocking_path_ends_as_a_hang_report_and_finishes_when_released(point):
    setup, line = BLOCKING[point]
    host, session = _shell()
    results = session.run_script(setup + line + "\n")
    kernel = host.kernel
    assert not host.internal_errors
    assert kernel.hangs, f"{point}: nothing hung"
    report = kernel.hangs[-1]
    assert report.remedy, f"{point}: no remedy in {report}"
    assert any(d.explained or d.holders for d in report.devices)
    told = "".join(r.stderr for r in results)
    assert "still blocked after the model's bound:\nhang: " in told
    if point != "job":
        assert results[-1].rc == 124
        assert results[-1].stderr.startswith("netlife: ")
    assert kernel.sched.blocked(), f"{point}: the blocked task should sleep on"
    # The remedy releases it: every sleeping task finishes its work.
    for remedy in report.remedy.split("; "):
        session.run_script(remedy + "\n")
    session.run_script("sleep 2\n")
    assert kernel.sched.blocked() == []
    assert not kernel.todo_waits and not kernel.stuck_cleanup
    assert not host.internal_errors


def test_a_pyroute2_request_that_hangs_raises_hang_and_finishes_when_released():
    from pyroute2 import IPRoute

    from netlife.adapters import served_by
    from netlife.kernel.errors import Hang

    host, session = _shell()
    session.run_script(VETH_HELD)
    kernel = host.kernel
    with served_by(host), IPRoute() as ipr:
        with pytest.raises(Hang) as info:
            ipr.link("del", ifname="v0")
        assert info.value.report is kernel.hangs[-1]
        assert info.value.report.remedy == "refput v1"
        assert [t.comm for t in kernel.sched.blocked()] == ["python3"]
        session.run_script("refput v1\nsleep 1\n")
        assert kernel.sched.blocked() == []
        assert all(d.name not in ("v0", "v1") for d in kernel.live_devices())
        assert ipr.link_lookup(ifname="lo") == [1]


# -- the two scripts that crashed `netlife run` ---------------------------------------------------

CRASHES = {
    "netdevsim": NSIM_LEASE + "echo 1 > /sys/bus/netdevsim/del_device\nip -br link\n",
    "mlx5": MLX5_LEASE + "echo 0000:0a:00.0 > /sys/bus/pci/drivers/mlx5_core/unbind\nip -br link\n",
}


@pytest.mark.parametrize("name", sorted(CRASHES))
def test_netlife_run_of_a_hanging_sysfs_write_reports_it_and_exits_124(name, tmp_path):
    import json
    import os
    import subprocess
    import sys

    script = tmp_path / f"{name}.sh"
    script.write_text(CRASHES[name])
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    argv = [sys.executable, "-m", "netlife", "run", "--no-netkit-notifier", "--hang-bound", "30"]
    text = subprocess.run([*argv, str(script)], capture_output=True, text=True, env=env)
    assert text.returncode == 124, text.stderr
    assert "Traceback" not in text.stdout + text.stderr
    assert "still blocked after the model's bound:\nhang: bash:" in text.stdout
    assert "to release it: ip link del nk" in text.stdout
    assert text.stdout.endswith("<BROADCAST,MULTICAST,NOARP> \n")  # the script went on
    record = subprocess.run([*argv, "--json", str(script)], capture_output=True, text=True, env=env)
    assert record.returncode == 124
    data = json.loads(record.stdout)
    hung = [s for s in data["steps"] if s["rc"] == 124]
    assert [s["command"].split(" > ")[-1] for s in hung] == [
        CRASHES[name].splitlines()[-2].split(" > ")[-1]
    ]
    (hang,) = data["hangs"]
    assert hang["remedy"] == "ip link del nk" and hang["devices"][0]["explained"]
