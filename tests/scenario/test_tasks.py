"""A background job whose command sleeps in the kernel lets the script go on (kernel/sched.py)."""

from netlife.scenario.run import play

SETUP = """\
ynl --family rt-link --do newlink --create --json '{"ifname": "nk", "num-rx-queues": 2, "linkinfo": {"kind": "netkit", "data": {"pairing": "single"}}}'
NK=$(cat /sys/class/net/nk/ifindex)
PHYS=$(cat /sys/class/net/enp10s0f0np0/ifindex)
ynl --family netdev --do queue-create --json '{"ifindex": '$NK', "type": "rx", "lease": {"ifindex": '$PHYS', "queue": {"type": "rx", "id": 15}}}'
rmmod mlx5_ib
"""  # noqa: E501


def by_command(results):
    return {r.command: r for r in results}


def test_blocked_background_rmmod_returns_when_the_foreground_releases_it():
    script = SETUP + (
        "rmmod mlx5_core &\nsleep 25\nlsmod\nip link del nk\nwait\necho rc=$?\nlsmod\n"
        "dmesg | grep -c 'waiting for enp10s0f0np0'\n"
    )
    host, results, _ = play(script, netkit_notifier=False)
    steps = by_command(results)
    # 25 s in, rmmod still sleeps in netdev_run_todo and the script went on without it.
    lsmod = [r for r in results if r.command == "lsmod"]
    assert steps["sleep 25"].time == 300.0
    assert "mlx5_core" in lsmod[0].stdout
    assert steps["ip link del nk"].time == 325.0
    assert steps["echo rc=$?"].stdout == "rc=0\n"
    assert "mlx5_core" not in lsmod[1].stdout  # its exit finished after the release
    assert steps["dmesg | grep -c 'waiting for enp10s0f0np0'"].stdout == "2\n"
    assert host.kernel.init_net.dev_get_by_name("enp10s0f0np0") is None


def test_background_job_past_the_hang_bound_is_reported_and_sleeps_on():
    script = SETUP + "rmmod mlx5_core &\nsleep 40\nwait\necho rc=$?\nlsmod\n"
    host, results, _ = play(script, netkit_notifier=False, hang_bound_secs=30)
    steps = by_command(results)
    assert steps["wait"].time == 340.0  # the main script slept its 40 s, undisturbed
    # `wait` gives up at once: its only job sleeps in the kernel past the bound.
    assert steps["wait"].stderr == (
        "netlife: wait: 1 background job(s) blocked in the kernel past the model's bound\n"
    )
    assert steps["echo rc=$?"].stdout == "rc=124\n"
    told = steps["sleep 40"].stderr  # shown when it happened, 30 s into the rmmod
    assert told.startswith("netlife: rmmod still blocked after the model's bound:\nhang: rmmod:")
    assert "to release it: ip link del nk" in told
    assert "mlx5_core" in steps["lsmod"].stdout  # still unloading: the job sleeps on
    assert host.kernel.hangs and "enp10s0f0np0" in str(host.kernel.hangs[0])


def test_background_job_released_after_the_bound_finishes_its_work():
    script = SETUP + "rmmod mlx5_core &\nsleep 40\nip link del nk\nwait\necho rc=$?\nlsmod\n"
    host, results, _ = play(script, netkit_notifier=False, hang_bound_secs=30)
    steps = by_command(results)
    assert steps["echo rc=$?"].stdout == "rc=0\n"
    assert "mlx5_core" not in steps["lsmod"].stdout  # rmmod finished as on the kernel
    assert "mlx5_core" not in host.kernel.modules
    assert all(d.name != "enp10s0f0np0" for d in host.kernel.live_devices())


def test_interleaving_is_deterministic():
    script = SETUP + "rmmod mlx5_core &\nsleep 12\nip link del nk\nwait\ndmesg | tail -n 5\n"
    first = play(script, netkit_notifier=False)[1]
    second = play(script, netkit_notifier=False)[1]
    assert [(r.command, r.stdout, r.time) for r in first] == [
        (r.command, r.stdout, r.time) for r in second
    ]
