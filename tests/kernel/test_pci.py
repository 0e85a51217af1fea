"""PCI driver binding: probe on register, remove last-bound first on unregister, sysfs bind."""

import netlife
from netlife.kernel.errors import ENODEV
from netlife.kernel.pci import (
    PciDev,
    PciDriver,
    pci_add_device,
    pci_register_driver,
    pci_unregister_driver,
)


def _host_with_functions(*slots, vendor=0x1234, device=0x5678):
    kernel = netlife.Kernel()
    for slot in slots:
        pci_add_device(kernel, PciDev(kernel, slot, vendor, device))
    return kernel


def _recording_driver(log, fail=()):
    def probe(pdev):
        log.append(("probe", pdev.slot))
        return -12 if pdev.slot in fail else 0

    def remove(pdev):
        log.append(("remove", pdev.slot))

    return PciDriver("fake", ((0x1234, 0x5678),), probe, remove, "fake")


def test_register_probes_matching_unbound_functions_in_slot_order():
    kernel = _host_with_functions("0000:0b:00.1", "0000:0b:00.0")
    pci_add_device(kernel, PciDev(kernel, "0000:0c:00.0", 0x8086, 0x1572))
    log = []
    assert pci_register_driver(kernel, _recording_driver(log)) == 0
    assert log == [("probe", "0000:0b:00.0"), ("probe", "0000:0b:00.1")]
    assert kernel.pci_devices["0000:0c:00.0"].driver is None


def test_unregister_removes_the_last_bound_function_first():
    kernel = _host_with_functions("0000:0a:00.0", "0000:0a:00.1")
    log = []
    drv = _recording_driver(log)
    pci_register_driver(kernel, drv)
    log.clear()
    pci_unregister_driver(kernel, drv)
    assert log == [("remove", "0000:0a:00.1"), ("remove", "0000:0a:00.0")]
    assert all(p.driver is None for p in kernel.pci_devices.values())
    assert "fake" not in kernel.pci_drivers


def test_failed_probe_leaves_the_function_unbound_and_logs_it():
    kernel = _host_with_functions("0000:0a:00.0", "0000:0a:00.1")
    drv = _recording_driver([], fail=("0000:0a:00.0",))
    pci_register_driver(kernel, drv)
    assert kernel.pci_devices["0000:0a:00.0"].driver is None
    assert kernel.pci_devices["0000:0a:00.1"].driver is drv
    assert any(
        "pci 0000:0a:00.0: probe with driver fake failed with error -12" in line
        for line in kernel.printk.dmesg()
    )


def test_sysfs_unbind_and_bind_move_a_function_off_and_back_on():
    kernel = _host_with_functions("0000:0a:00.0")
    log = []
    drv = _recording_driver(log)
    pci_register_driver(kernel, drv)
    net = kernel.init_net
    base = "/sys/bus/pci/drivers/fake"
    kernel.sysfs.write(net, f"{base}/unbind", "0000:0a:00.0\n")
    assert kernel.pci_devices["0000:0a:00.0"].driver is None
    assert "driver" not in kernel.sysfs.listdir(net, "/sys/bus/pci/devices/0000:0a:00.0")
    kernel.sysfs.write(net, f"{base}/bind", "0000:0a:00.0\n")
    assert kernel.pci_devices["0000:0a:00.0"].driver is drv
    assert log[-2:] == [("remove", "0000:0a:00.0"), ("probe", "0000:0a:00.0")]
    assert kernel.sysfs.read(net, "/sys/bus/pci/devices/0000:0a:00.0/vendor") == "0x1234\n"


def test_sysfs_bind_of_a_bound_or_unknown_function_is_enodev():
    kernel = _host_with_functions("0000:0a:00.0")
    pci_register_driver(kernel, _recording_driver([]))
    net = kernel.init_net
    for path, slot in (
        ("/sys/bus/pci/drivers/fake/bind", "0000:0a:00.0"),
        ("/sys/bus/pci/drivers/fake/unbind", "0000:ff:00.0"),
    ):
        try:
            kernel.sysfs.write(net, path, slot)
        except netlife.KernelError as err:
            assert err.errno == ENODEV
        else:
            raise AssertionError(f"{path} {slot} accepted")


def test_sysfs_remove_unbinds_then_takes_the_function_off_the_bus():
    kernel = _host_with_functions("0000:0b:00.0", "0000:0b:00.1")
    log = []
    pci_register_driver(kernel, _recording_driver(log))
    kernel.sysfs.write(kernel.init_net, "/sys/bus/pci/devices/0000:0b:00.0/remove", "1")
    assert log[-1] == ("remove", "0000:0b:00.0")
    assert sorted(kernel.pci_devices) == ["0000:0b:00.1"]
    assert kernel.sysfs.lookup(kernel.init_net, "/sys/bus/pci/devices/0000:0b:00.0/remove") is None


def test_a_second_release_waits_for_the_first_and_finds_the_function_unbound():
    from netlife.scenario.shell import ShellSession
    from netlife.scenario.state import boot_host

    host = boot_host(None)
    session = ShellSession(host)
    unbind = "/sys/bus/pci/drivers/mlx5_core/unbind"
    results = session.run_script(f"echo 0000:0a:00.0 > {unbind} &\necho 0000:0a:00.0 > {unbind}\n")
    assert [r.rc for r in results] == [0, 0]
    assert not host.internal_errors
    assert host.kernel.pci_devices["0000:0a:00.0"].driver is None
    assert host.kernel.init_net.dev_get_by_name("enp10s0f0np0") is None


def test_a_pci_remove_that_blocks_ends_with_the_hang_report_not_a_traceback():
    from netlife.scenario.run import play

    script = (
        'ynl --family rt-link --do newlink --create --json \'{"ifname": "nk", '
        '"num-rx-queues": 2, "linkinfo": {"kind": "netkit", "data": {"pairing": "single"}}}\'\n'
        "ynl --family netdev --do queue-create --json '{\"ifindex\": '"
        '$(cat /sys/class/net/nk/ifindex)\', "type": "rx", "lease": {"ifindex": \''
        '$(cat /sys/class/net/enp10s0f0np0/ifindex)\', "queue": {"type": "rx", "id": 3}}}\'\n'
        "echo 1 > /sys/bus/pci/devices/0000:0a:00.0/remove\n"
    )
    host, results, _ = play(script, netkit_notifier=False)
    assert results[-1].rc != 0 and "still blocked" in results[-1].stderr
    assert "netdev_rx_queue_lease (nk rxq 1)" in results[-1].stderr
    assert not host.internal_errors
    host, results, _ = play(script)
    assert results[-1].rc == 0 and "0000:0a:00.0" not in host.kernel.pci_devices


def test_sysfs_remove_takes_a_number_as_kstrtoul_does_and_zero_does_nothing():
    kernel = _host_with_functions("0000:0a:00.0", "0000:0a:00.1")
    log = []
    drv = _recording_driver(log)
    pci_register_driver(kernel, drv)
    net = kernel.init_net
    path = "/sys/bus/pci/devices/0000:0a:00.0/remove"
    assert "remove" in kernel.sysfs.listdir(net, "/sys/bus/pci/devices/0000:0a:00.0")
    for bad in ("x", "-1", "1 ", " 1", "0x", "08"):  # kstrtoul(buf, 0): no spaces, no sign
        try:
            kernel.sysfs.write(net, path, bad)
        except netlife.KernelError as err:
            assert err.errno == 22
        else:
            raise AssertionError(f"remove accepted {bad!r}")
    kernel.sysfs.write(net, path, "0\n")  # zero: nothing happens
    assert "0000:0a:00.0" in kernel.pci_devices
    kernel.sysfs.write(net, path, "0x1\n")
    assert log[-1] == ("remove", "0000:0a:00.0")
    assert sorted(kernel.pci_devices) == ["0000:0a:00.1"]
    assert kernel.sysfs.listdir(net, "/sys/bus/pci/devices") == ["0000:0a:00.1"]
    assert kernel.sysfs.lookup(net, path) is None
    assert [p.slot for p in drv.devices] == ["0000:0a:00.1"]
