"""The `ip` parser fuzzed: random token soup gives iproute2-style errors, never a traceback, and a
failed command leaves the host exactly as it was."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import netlife
from netlife.userspace.host import EXIT_INTERNAL, Host

WORDS = [
    "link", "l", "li", "addr", "a", "netns", "monitor", "tuntap", "add", "del", "delete", "set",
    "show", "sh", "list", "exec", "type", "veth", "macvlan", "vxlan", "bridge", "dummy", "netkit",
    "vlan", "tun", "tap", "peer", "name", "dev", "master", "nomaster", "up", "down", "mtu",
    "address", "mode", "id", "dstport", "help", "-n", "-j", "-p", "-br", "-d", "-s", "-o",
    "-batch", "-force", "v0", "v1", "lo", "blue", "0", "1500", "65536", "-1", "4294967296",
    "02:00:00:00:00:01", "zz:zz", "", "%d", "x" * 20, "bridge_slave", "private", "passthru",
]  # fmt: skip


def snapshot(host: Host) -> list:
    nets = [("init_net", host.kernel.init_net), *sorted(host.netns.items())]
    return [
        (
            name,
            [
                (d.ifindex, d.name, d.flags, d.mtu, d.dev_addr, d.reg_state)
                for _, d in sorted(n.index_hash.items())
            ],
        )
        for name, n in nets
    ]


def fresh_host() -> Host:
    host = Host(netlife.Kernel(hang_bound_secs=5))
    for argv in (["ip", "link", "add", "v0", "type", "veth", "peer", "name", "v1"],
                 ["ip", "netns", "add", "blue"]):  # fmt: skip
        assert host.run_command(argv).rc == 0
    host.settle()
    return host


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(WORDS) | st.text(max_size=6), max_size=9))
def test_random_ip_commands_fail_cleanly_and_change_nothing_when_they_fail(tokens):
    host = fresh_host()
    before = snapshot(host)
    result = host.run_command(["ip", *tokens])
    host.settle()
    assert result.rc != EXIT_INTERNAL, result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert not host.internal_errors
    if result.rc != 0:
        assert snapshot(host) == before, (tokens, result.stderr)
