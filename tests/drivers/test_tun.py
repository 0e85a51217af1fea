"""tun/tap: TUNSETIFF creation, persistence and the module reference, deletion paths."""

import pytest

from netlife.drivers.tun import (
    IFF_NO_PI,
    IFF_TAP,
    TUNSETIFF,
    tun_chr_close,
    tun_chr_open,
    tun_set_iff,
)
from netlife.drivers.tun import (
    __tun_chr_ioctl as tun_chr_ioctl,
)
from netlife.kernel.errors import KernelError
from netlife.kernel.if_link import ARPHRD_NONE, IFF_NOARP, IFF_POINTOPOINT
from netlife.kernel.module import delete_module
from netlife.kernel.netdevice import NETREG_RELEASED
from netlife.kernel.netns_lifecycle import copy_net_ns, put_net
from netlife.kernel.rtnetlink import rtnl_getlink, rtnl_newlink


def test_ip_tuntap_add_makes_a_persistent_tap_without_carrier(host):
    kernel = host.kernel
    assert tun_set_iff(kernel, host.init_net, "tap0", "tap") == "tap0"
    tap = host.init_net.dev_get_by_name("tap0")
    assert "tun: Universal TUN/TAP device driver, 1.6" in host.dmesg()
    assert tap.rtnl_link_ops.kind == "tun" and tap.tx_queue_len == 1000
    assert tap.max_mtu == 65521 and not tap.carrier  # the file closed: no queue left
    assert kernel.modules["tun"].refcnt == 1  # the persistence reference
    (msg,) = rtnl_getlink(host.init_net, host.request("tap0"))
    data = msg.attrs["IFLA_LINKINFO"]["IFLA_INFO_DATA"]
    assert data == {
        "IFLA_TUN_TYPE": 2,
        "IFLA_TUN_PI": 0,
        "IFLA_TUN_VNET_HDR": 0,
        "IFLA_TUN_PERSIST": 1,
        "IFLA_TUN_MULTI_QUEUE": 0,
    }


def test_a_tun_is_point_to_point_without_address_and_with_owner(host):
    tun_set_iff(host.kernel, host.init_net, "", "tun", owner=1000, pi=True)
    tun = host.init_net.dev_get_by_name("tun0")  # the "tun%d" pattern
    assert tun.type == ARPHRD_NONE and tun.addr_len == 0 and tun.tx_queue_len == 500
    assert tun.flags & IFF_POINTOPOINT and tun.flags & IFF_NOARP
    data = tun.rtnl_link_ops.fill_info(tun)
    assert data["IFLA_TUN_OWNER"] == 1000 and data["IFLA_TUN_PI"] == 1


def test_add_of_an_existing_name_is_busy_and_del_of_the_wrong_type_is_invalid(host):
    kernel, net = host.kernel, host.init_net
    tun_set_iff(kernel, net, "tap0", "tap")
    host.veth("v0", "v1")
    for name, mode in (("tap0", "tap"), ("tap0", "tun"), ("v0", "tap")):
        with pytest.raises(KernelError) as err:
            tun_set_iff(kernel, net, name, mode)
        assert err.value.errno == 16  # IFF_TUN_EXCL
    with pytest.raises(KernelError) as err:
        tun_set_iff(kernel, net, "tap0", "tun", persist=False)
    assert err.value.errno == 22
    assert kernel.modules["tun"].refcnt == 1  # every failed open let go of its file


def test_ip_tuntap_del_clears_persist_and_the_close_unregisters(host):
    kernel, net = host.kernel, host.init_net
    tun_set_iff(kernel, net, "tap0", "tap")
    tap = net.dev_get_by_name("tap0")
    host.clear()
    tun_set_iff(kernel, net, "tap0", "tap", persist=False)
    assert host.events == [("RTM_DELLINK", "tap0", tap.ifindex)]
    assert tap.reg_state == NETREG_RELEASED
    assert kernel.modules["tun"].refcnt == 0
    delete_module(kernel, "tun")


def test_rmmod_is_refused_while_a_persistent_device_exists(host):
    kernel, net = host.kernel, host.init_net
    tun_set_iff(kernel, net, "tap0", "tap")
    with pytest.raises(KernelError) as err:
        delete_module(kernel, "tun")
    assert err.value.errno == 11  # -EWOULDBLOCK: "Module tun is in use"
    host.dellink("tap0")  # default dellink; ndo_uninit drops the persistence reference
    assert kernel.modules["tun"].refcnt == 0
    delete_module(kernel, "tun")
    assert "tun" not in kernel.modules


def test_a_device_without_persist_lives_as_long_as_its_file(host):
    kernel, net = host.kernel, host.init_net
    tfile = tun_chr_open(kernel, net)
    assert tun_chr_ioctl(tfile, TUNSETIFF, ("tap7", IFF_TAP | IFF_NO_PI)) == "tap7"
    tap = net.dev_get_by_name("tap7")
    assert tap.carrier and kernel.modules["tun"].refcnt == 1  # the open file
    tun_chr_close(tfile)
    assert tap.reg_state == NETREG_RELEASED and kernel.modules["tun"].refcnt == 0


def test_deleting_a_device_under_an_open_file_detaches_the_file(host):
    kernel, net = host.kernel, host.init_net
    tfile = tun_chr_open(kernel, net)
    tun_chr_ioctl(tfile, TUNSETIFF, ("tap7", IFF_TAP))
    host.dellink("tap7")
    assert tfile.tun is None
    tun_chr_close(tfile)
    assert kernel.modules["tun"].refcnt == 0


def test_rtnetlink_creation_is_refused(host):
    with pytest.raises(KernelError) as err:
        rtnl_newlink(host.init_net, host.request("t0", "tun"))
    assert err.value.errno == 95
    assert err.value.extack == "tun/tap creation via rtnetlink is not supported."


def test_namespace_exit_destroys_persistent_devices_and_their_module_references(host):
    kernel = host.kernel
    net = copy_net_ns(kernel)
    tun_set_iff(kernel, net, "tap0", "tap")
    tap = net.dev_get_by_name("tap0")
    put_net(net)
    kernel.clock.run_pending()
    assert tap.reg_state == NETREG_RELEASED and kernel.modules["tun"].refcnt == 0
