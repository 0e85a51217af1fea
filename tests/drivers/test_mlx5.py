"""mlx5_core / mlx5_ib on the seed's machine: probe, remove, references, channels, port log."""

from netlife.kernel.clock import secs
from netlife.kernel.if_link import RTM_DELLINK
from netlife.kernel.netdev_rx_queue import NetdevRxQueue, netif_get_rx_queue
from netlife.kernel.netdevice import netdev_hold, netdev_put
from netlife.scenario.machine import boot, default_profile

ESW = "mode(LEGACY), nvfs(0), necvfs(0), active vports(0)"


def _boot(**options):
    host = boot(default_profile(), **options)
    host.settle()
    return host


def _run(host, *argv):
    return host.run_command(list(argv))


def _events(kernel):
    seen = []
    kernel.link_monitors.append(lambda net, msg: seen.append((msg.msg_type, msg.ifi_index)))
    return seen


def test_probe_registers_one_renamed_port_per_function_with_its_firmware_mac():
    kernel = _boot().kernel
    dev = kernel.init_net.dev_get_by_name("enp10s0f0np0")
    assert dev.dev_addr == dev.perm_addr == "e8:eb:d3:a3:43:f6"
    assert dev.parent is kernel.pci_devices["0000:0a:00.0"]
    assert dev.queue_mgmt_ops is not None
    assert (dev.num_rx_queues, dev.real_num_rx_queues) == (16, 16)
    assert kernel.init_net.dev_get_by_name("enp10s0f1np1").parent.slot == "0000:0a:00.1"
    assert kernel.init_net.dev_get_by_name("eth0") is None
    log = kernel.printk.dmesg()
    assert any(
        line.endswith("mlx5_core 0000:0a:00.0 enp10s0f0np0: renamed from eth0") for line in log
    )


def test_rmmod_removes_functions_last_first_with_the_seed_lines_and_dellink():
    host = _boot()
    kernel = host.kernel
    ifindex = {d.name: d.ifindex for d in kernel.init_net.devices()}
    events = _events(kernel)
    kernel.printk.dmesg(clear=True)
    assert _run(host, "rmmod", "mlx5_ib").rc == 0
    assert _run(host, "rmmod", "mlx5_core").rc == 0
    lines = [line.split("] ", 1)[1] for line in kernel.printk.dmesg()]
    assert lines == [
        f"mlx5_core 0000:0a:00.1: E-Switch: Unload vfs: {ESW}",
        f"mlx5_core 0000:0a:00.1: E-Switch: Disable: {ESW}",
        f"mlx5_core 0000:0a:00.1: E-Switch: Disable: {ESW}",
        "mlx5_core 0000:0a:00.1: E-Switch: cleanup",
        f"mlx5_core 0000:0a:00.0: E-Switch: Unload vfs: {ESW}",
        f"mlx5_core 0000:0a:00.0: E-Switch: Disable: {ESW}",
        f"mlx5_core 0000:0a:00.0: E-Switch: Disable: {ESW}",
        "mlx5_core 0000:0a:00.0: E-Switch: cleanup",
    ]
    assert [e for e in events if e[0] == RTM_DELLINK] == [
        (RTM_DELLINK, ifindex["enp10s0f1np1"]),
        (RTM_DELLINK, ifindex["enp10s0f0np0"]),
    ]
    assert [d.name for d in kernel.init_net.devices()] == ["lo"]
    assert "mlx5_core" not in kernel.modules
    assert all(p.driver is None for p in kernel.pci_devices.values())


def test_rmmod_blocks_while_a_port_reference_is_held_and_hangs_at_the_bound():
    host = _boot(hang_bound_secs=60)
    kernel = host.kernel
    dev = kernel.init_net.dev_get_by_name("enp10s0f0np0")
    netdev_hold(dev, "test_holder")
    assert _run(host, "rmmod", "mlx5_ib").rc == 0
    result = _run(host, "rmmod", "mlx5_core")
    assert result.rc == 124
    assert "enp10s0f0np0: usage count 2" in result.stderr
    assert "held by test_holder" in result.stderr
    waiting = [line for line in kernel.printk.dmesg() if "waiting for enp10s0f0np0" in line]
    assert waiting and waiting[0].endswith("to become free. Usage count = 2")
    # The stuck module stays GOING: a second rmmod gets EBUSY from delete_module.
    again = _run(host, "rmmod", "mlx5_core")
    assert again.stderr == (
        "rmmod: ERROR: could not remove module mlx5_core: Device or resource busy\n"
    )


def test_rmmod_returns_once_the_reference_is_released():
    host = _boot(hang_bound_secs=600)
    kernel = host.kernel
    dev = kernel.init_net.dev_get_by_name("enp10s0f0np0")
    tracker = netdev_hold(dev, "test_holder")
    kernel.clock.schedule(secs(25), lambda: netdev_put(dev, tracker), "release")
    start = kernel.clock.now
    _run(host, "rmmod", "mlx5_ib")
    result = _run(host, "rmmod", "mlx5_core")
    assert result.rc == 0, result.stderr
    assert secs(25) <= kernel.clock.now - start < secs(27)
    assert dev.freed
    waits = [line for line in kernel.printk.dmesg() if "waiting for enp10s0f0np0" in line]
    assert len(waits) == 2  # at about 10 s and 20 s


def test_port_state_changes_print_the_roce_link_line_while_mlx5_ib_is_loaded():
    host = _boot()
    kernel = host.kernel
    kernel.printk.dmesg(clear=True)
    from netlife.kernel.dev_flags import dev_close, dev_open
    from netlife.kernel.rtnetlink import rtnl_lock

    dev = kernel.init_net.dev_get_by_name("enp10s0f1np1")
    with rtnl_lock(kernel):
        dev_open(dev)
    with rtnl_lock(kernel):
        dev_close(dev)
    lines = [line.split("] ", 1)[1] for line in kernel.printk.dmesg()]
    assert lines == [
        "mlx5_core 0000:0a:00.1 enp10s0f1np1: Link up",
        "mlx5_core 0000:0a:00.1 mlx5_1: Port: 1 Link ACTIVE",
        "mlx5_core 0000:0a:00.1 mlx5_1: Port: 1 Link DOWN",
    ]


def test_shrinking_channels_below_a_leased_queue_is_refused():
    host = _boot()
    kernel = host.kernel
    dev = kernel.init_net.dev_get_by_name("enp10s0f0np0")
    other = kernel.init_net.dev_get_by_name("lo")
    netif_get_rx_queue(dev, 10).lease = NetdevRxQueue(other, 0)
    result = _run(host, "ethtool", "-L", "enp10s0f0np0", "combined", "8")
    assert result.rc == 1
    assert result.stderr == (
        "netlink error: requested channel counts are too low due to busy queues "
        "(AF_XDP or queue leasing)\nnetlink error: Invalid argument\n"
    )
    assert dev.real_num_rx_queues == 16
    assert _run(host, "ethtool", "-L", "enp10s0f0np0", "combined", "11").rc == 0
    assert dev.real_num_rx_queues == dev.real_num_tx_queues == 11
