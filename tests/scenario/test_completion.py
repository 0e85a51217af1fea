"""`netlife shell` completion: commands, then devices, namespaces and link kinds."""

from netlife.scenario.run import shell_candidates
from netlife.scenario.shell import ShellSession
from netlife.scenario.state import boot_host


def test_completes_commands_devices_namespaces_and_kinds():
    host = boot_host(None)
    session = ShellSession(host)
    session.run_script("ip netns add blue\nip -n blue link add inner0 type veth peer name inner1\n")
    complete = shell_candidates(session)
    assert complete("", "dm") == ["dmesg"]
    assert complete("ip link show ", "enp10s0f0") == ["enp10s0f0np0"]
    assert "inner0" in complete("ip -n blue link del ", "inn")
    assert complete("ip netns exec ", "bl") == ["blue"]
    assert "veth" in complete("ip link add x type ", "ve")
    assert "vxlan" in complete("ip link add x type ", "vx")  # loadable, not yet loaded
