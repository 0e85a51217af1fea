"""modprobe / rmmod / lsmod / insmod: kmod's texts, dependencies, use counts."""

import netlife
from netlife.kernel.pci import PciDev, pci_add_device
from netlife.scenario.machine import module_table
from netlife.userspace.host import Host


def _host(with_nic=True):
    kernel = netlife.Kernel(module_table())
    if with_nic:
        pci_add_device(kernel, PciDev(kernel, "0000:0a:00.0", 0x15B3, 0x101D, {"ifname": "p0"}))
    return Host(kernel)


def _run(host, line):
    return host.run_command(line.split())


def test_modprobe_pulls_dependencies_and_lsmod_prints_the_real_layout():
    host = _host()
    assert _run(host, "modprobe mlx5_ib").rc == 0
    assert list(host.kernel.modules) == ["loopback", "ipv4", "ipv6", "mlx5_core", "mlx5_ib"]
    out = _run(host, "lsmod").stdout
    assert out == (
        "Module                  Size  Used by\n"
        "mlx5_ib               483328  0\n"
        "mlx5_core            2490368  1 mlx5_ib\n"
    )


def test_rmmod_refuses_a_module_with_holders_and_names_them():
    host = _host()
    _run(host, "modprobe mlx5_ib")
    r = _run(host, "rmmod mlx5_core")
    assert (r.rc, r.stderr) == (1, "rmmod: ERROR: Module mlx5_core is in use by: mlx5_ib\n")
    assert "mlx5_core" in host.kernel.modules
    r = _run(host, "modprobe -r mlx5_core")
    assert (r.rc, r.stderr) == (1, "modprobe: FATAL: Module mlx5_core is in use.\n")


def test_modprobe_r_removes_the_module_and_its_unused_dependencies():
    host = _host()
    _run(host, "modprobe mlx5_ib")
    host.settle()
    assert host.kernel.init_net.dev_get_by_name("p0") is not None
    assert _run(host, "modprobe -r mlx5_ib").rc == 0
    assert list(host.kernel.modules) == ["loopback", "ipv4", "ipv6"]
    assert host.kernel.init_net.dev_get_by_name("p0") is None


def test_not_found_not_loaded_and_builtin_texts():
    host = _host()
    cases = {
        "modprobe nosuch": "modprobe: FATAL: Module nosuch not found in directory "
        "/lib/modules/6.18.0-netlife\n",
        "modprobe -r nosuch": "modprobe: FATAL: Module nosuch not found.\n",
        "rmmod veth": "rmmod: ERROR: Module veth is not currently loaded\n",
        "rmmod loopback": "rmmod: ERROR: Module loopback is builtin.\n",
        "rmmod": "rmmod: ERROR: missing module name.\n",
        "modprobe": "modprobe: ERROR: missing parameters. See -h.\n",
        "insmod /tmp/nosuch.ko": "insmod: ERROR: could not load module /tmp/nosuch.ko: "
        "No such file or directory\n",
    }
    for line, text in cases.items():
        r = _run(host, line)
        assert (r.rc, r.stderr) == (1, text), line
    assert _run(host, "modprobe -r veth").rc == 0  # not loaded: nothing to do, no message


def test_insmod_does_not_resolve_dependencies():
    host = _host()
    path = "/lib/modules/6.18.0-netlife/kernel/drivers/infiniband/hw/mlx5/mlx5_ib.ko"
    r = _run(host, f"insmod {path}")
    assert (r.rc, r.stderr) == (
        1,
        f"insmod: ERROR: could not insert module {path}: Unknown symbol in module\n",
    )
    assert "mlx5_ib" not in host.kernel.modules
    assert _run(host, "insmod mlx5_core.ko").rc == 0
    assert _run(host, f"insmod {path}").rc == 0
    r = _run(host, f"insmod {path}")
    assert r.stderr.endswith(": File exists\n")


def test_module_parameters_are_parsed_as_the_kernel_does():
    host = _host(with_nic=False)
    assert _run(host, "modprobe dummy numdummies=3 bogus=1").rc == 0
    assert [d.name for d in host.kernel.init_net.devices()] == ["lo", "dummy0", "dummy1", "dummy2"]
    assert host.kernel.printk.dmesg()[-1].endswith("dummy: unknown parameter 'bogus' ignored")
    _run(host, "rmmod dummy")
    r = _run(host, "modprobe dummy numdummies=many")
    assert (r.rc, r.stderr) == (1, "modprobe: ERROR: could not insert 'dummy': Invalid argument\n")
    assert host.kernel.printk.dmesg()[-1].endswith(
        "dummy: `many' invalid for parameter `numdummies'"
    )
    assert "dummy" not in host.kernel.modules


def test_a_failed_rmmod_leaves_the_host_unchanged():
    host = _host()
    _run(host, "modprobe mlx5_ib")
    host.settle()
    before = [(m.name, m.refcnt, list(m.holders)) for m in host.kernel.modules.values()]
    _run(host, "rmmod mlx5_core")
    after = [(m.name, m.refcnt, list(m.holders)) for m in host.kernel.modules.values()]
    assert before == after
    assert host.kernel.init_net.dev_get_by_name("p0") is not None
