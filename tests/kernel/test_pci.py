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
