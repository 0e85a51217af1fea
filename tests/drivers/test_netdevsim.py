"""netdevsim driven through /sys/bus/netdevsim as its users drive it."""

import netlife
from netlife.kernel.if_link import RTM_NEWLINK
from netlife.scenario.machine import module_table
from netlife.userspace.host import Host

BUS = "/sys/bus/netdevsim"


def _host():
    host = Host(netlife.Kernel(module_table()))
    assert host.run_command(["modprobe", "netdevsim"]).rc == 0
    return host


def _write(host, path, text, net=None):
    return host.write_file_in(net or host.kernel.init_net, path, text)


def _names(net):
    return [d.name for d in net.devices()]


def test_new_device_probes_at_once_and_udev_renames_the_ports_after():
    host = _host()
    kernel = host.kernel
    events = []
    kernel.link_monitors.append(
        lambda net, msg: events.append((msg.msg_type, msg.attrs["IFLA_IFNAME"]))
    )
    assert _write(host, f"{BUS}/new_device", "1 2 4\n") == (0, "")
    assert _names(kernel.init_net) == ["lo", "eth0", "eth1"]  # the write returned after probe
    host.settle()
    assert _names(kernel.init_net) == ["lo", "eni1np1", "eni1np2"]
    assert (RTM_NEWLINK, "eni1np1") in events and (RTM_NEWLINK, "eth0") in events
    dev = kernel.init_net.dev_get_by_name("eni1np1")
    assert (dev.num_rx_queues, dev.num_tx_queues) == (4, 4)
    assert dev.parent.name == "netdevsim1" and dev.parent.bus == "netdevsim"
    assert dev.queue_mgmt_ops is not None
    assert kernel.sysfs.listdir(kernel.init_net, f"{BUS}/devices") == ["netdevsim1"]
    assert kernel.sysfs.listdir(kernel.init_net, f"{BUS}/devices/netdevsim1/net") == [
        "eni1np1",
        "eni1np2",
    ]


def test_new_device_defaults_to_one_port_and_one_queue():
    host = _host()
    _write(host, f"{BUS}/new_device", "7")
    host.settle()
    dev = host.kernel.init_net.dev_get_by_name("eni7np1")
    assert dev is not None and dev.num_rx_queues == 1


def test_malformed_and_duplicate_writes_fail_as_the_kernel_does():
    host = _host()
    kernel = host.kernel
    assert _write(host, f"{BUS}/new_device", "abc\n") == (
        1,
        "bash: echo: write error: Invalid argument\n",
    )
    assert kernel.printk.dmesg()[-1].endswith(
        'Format for adding new device is "id port_count num_queues" (uint uint unit).'
    )
    assert _write(host, f"{BUS}/new_device", "4294967295 1\n")[0] == 1
    assert kernel.printk.dmesg()[-1].endswith('Value of "id" is too big.')
    assert _write(host, f"{BUS}/new_device", "3 1\n") == (0, "")
    assert _write(host, f"{BUS}/new_device", "3 1\n") == (
        1,
        "bash: echo: write error: No space left on device\n",
    )
    # del_device of an unknown id is -ENOENT from the write itself (the file exists).
    try:
        kernel.sysfs.write(kernel.init_net, f"{BUS}/del_device", "9\n")
    except netlife.KernelError as err:
        assert err.errno == 2
    else:
        raise AssertionError("del_device of an unknown id succeeded")


def test_ports_can_be_added_and_deleted_and_the_device_removed():
    host = _host()
    kernel = host.kernel
    _write(host, f"{BUS}/new_device", "2 1")
    host.settle()
    dev_dir = f"{BUS}/devices/netdevsim2"
    assert _write(host, f"{dev_dir}/new_port", "5") == (0, "")
    assert _write(host, f"{dev_dir}/new_port", "5")[1] == "bash: echo: write error: File exists\n"
    host.settle()
    assert _names(kernel.init_net) == ["lo", "eni2np1", "eni2np6"]
    assert _write(host, f"{dev_dir}/del_port", "0") == (0, "")
    assert _names(kernel.init_net) == ["lo", "eni2np6"]
    assert _write(host, f"{BUS}/del_device", "2") == (0, "")
    assert _names(kernel.init_net) == ["lo"]
    assert kernel.sysfs.listdir(kernel.init_net, f"{BUS}/devices") is None


def test_ports_are_created_in_the_writers_namespace_and_keep_their_kernel_names():
    host = _host()
    from netlife.kernel.netns_lifecycle import copy_net_ns

    net = copy_net_ns(host.kernel)
    _write(host, f"{BUS}/new_device", "1 1", net=net)
    host.settle()
    assert _names(net) == ["lo", "eth0"]  # udev in the initial namespace never sees it
    assert _names(host.kernel.init_net) == ["lo"]


def test_ethtool_sets_channels_and_rmmod_deletes_every_device():
    host = _host()
    _write(host, f"{BUS}/new_device", "1 2 8")
    host.settle()
    r = host.run_command(["ethtool", "-L", "eni1np1", "combined", "3"])
    assert r.rc == 0
    dev = host.kernel.init_net.dev_get_by_name("eni1np1")
    assert (dev.real_num_rx_queues, dev.real_num_tx_queues) == (3, 3)
    out = host.run_command(["ethtool", "-l", "eni1np1"]).stdout
    assert "Combined:\t8\n" in out and out.endswith("Combined:\t3\n")
    assert host.run_command(["rmmod", "netdevsim"]).rc == 0
    assert _names(host.kernel.init_net) == ["lo"]
    assert _write(host, f"{BUS}/new_device", "1")[0] == 1
