"""Machine profiles: the seed's default machine and clear errors for bad profile files."""

import pytest

from netlife.kernel.if_link import IFF_UP
from netlife.scenario.machine import ProfileError, boot, default_profile, load_profile

GOOD_PCI = """
[[pci]]
slot = "0000:0a:00.0"
driver = "mlx5_core"
vendor = 0x15b3
device = 0x101d
ifname = "p0"
mac = "02:00:00:00:00:01"
"""


def test_default_machine_boots_to_the_seeds_state():
    host = boot(default_profile())
    kernel = host.kernel
    assert kernel.clock.now == 300 * 10**9
    assert [d.name for d in kernel.init_net.devices()] == ["lo", "enp10s0f0np0", "enp10s0f1np1"]
    port = kernel.init_net.dev_get_by_name("enp10s0f0np0")
    assert port.ifindex == 2 and port.dev_addr == "e8:eb:d3:a3:43:f6"
    assert not port.flags & IFF_UP and port.qdisc == "mq"  # up once at boot, down since
    assert kernel.init_net.dev_get_by_name("enp10s0f1np1").qdisc == "noop"
    assert [m for m in kernel.modules if not kernel.modules[m].spec.builtin] == [
        "mlx5_core",
        "mlx5_ib",
    ]
    assert host.hostname == "netlife"
    assert kernel.num_possible_cpus == 16


def test_boot_is_deterministic_and_kernel_options_override_the_profile():
    a = boot(default_profile())
    b = boot(default_profile(), netkit_notifier=False, seed=5)
    assert a.kernel.printk.dmesg() == boot(default_profile()).kernel.printk.dmesg()
    assert b.kernel.netkit_notifier is False


def _write(tmp_path, text):
    path = tmp_path / "m.toml"
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("colour = 1\n", "colour: unknown key"),
        ('seed = "x"\n', "seed: must be an integer"),
        ("num_possible_cpus = true\n", "num_possible_cpus: must be an integer"),
        (GOOD_PCI + GOOD_PCI, "pci[1].slot: duplicate slot 0000:0a:00.0"),
        (GOOD_PCI + GOOD_PCI.replace("00.0", "00.1"), "pci[1].ifname: duplicate interface name p0"),
        (GOOD_PCI.replace("02:00:00:00:00:01", "02:00:00:00:01"), "pci[0].mac: not a MAC address"),
        (GOOD_PCI.replace("02:00", "03:00"), "pci[0].mac: not a unicast address"),
        (GOOD_PCI.replace('slot = "0000:0a:00.0"', 'slot = "0a:00.0"'), "pci[0].slot: not a PCI"),
        (GOOD_PCI.replace('ifname = "p0"', ""), "pci[0]: missing required key 'ifname'"),
        (GOOD_PCI + "speed = 100\n", "pci[0].speed: unknown key"),
        (GOOD_PCI.replace("mlx5_core", "e1000e"), "pci[0].driver: no such module 'e1000e'"),
        ('[[module]]\nname = "nosuch"\n', "module[0].name: no such module 'nosuch'"),
        ('[[module]]\nname = "dummy"\nparams = {numdummies = "2"}\n', "params.numdummies"),
        ('[sysctl]\n"net.core.bogus" = 1\n', "unknown sysctl"),
        ("boot_time = 1\n", "boot_time: must be at least"),
        ("seed = \n", "invalid TOML"),
    ],
)
def test_bad_profiles_name_the_file_the_key_and_the_problem(tmp_path, text, message):
    path = _write(tmp_path, text)
    with pytest.raises(ProfileError) as info:
        load_profile(path)
    assert str(info.value).startswith(f"{path}: ")
    assert message in str(info.value)


def test_a_custom_profile_boots_its_functions_and_modules(tmp_path):
    text = (
        'hostname = "box"\nboot_time = 50\n'
        + GOOD_PCI
        + 'state = "up"\n[[module]]\nname = "mlx5_core"\n'
        + '[[module]]\nname = "dummy"\nparams = {numdummies = 2}\n'
    )
    host = boot(load_profile(_write(tmp_path, text)))
    names = [d.name for d in host.kernel.init_net.devices()]
    assert names == ["lo", "p0", "dummy0", "dummy1"]
    assert host.kernel.init_net.dev_get_by_name("p0").flags & IFF_UP
    assert host.hostname == "box"


def test_missing_file_is_a_profile_error(tmp_path):
    with pytest.raises(ProfileError, match="cannot read"):
        load_profile(tmp_path / "absent.toml")
