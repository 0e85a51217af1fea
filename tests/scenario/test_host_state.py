"""A profile's [[netns]] / [[link]] tables boot to exactly the devices they describe."""

import pytest

from netlife.scenario.machine import ProfileError, boot, module_table, parse_profile
from netlife.userspace.ip import link_dump_json

LINKS = [
    {"netns": "init_net", "ifindex": 1, "ifname": "lo", "kind": "loopback", "up": True},
    {"netns": "a", "ifindex": 1, "ifname": "lo", "kind": "loopback", "up": False},
    {"netns": "b", "ifindex": 1, "ifname": "lo", "kind": "loopback", "up": False},
    # a veth pair across namespaces, ends with unrelated ifindexes
    {
        "netns": "a",
        "ifindex": 7,
        "ifname": "v0",
        "kind": "veth",
        "up": True,
        "link": 12,
        "link_netnsid": 3,
        "address": "02:00:00:00:00:07",
        "mtu": 1400,
    },
    {
        "netns": "b",
        "ifindex": 12,
        "ifname": "v1",
        "kind": "veth",
        "up": True,
        "link": 7,
        "link_netnsid": 0,
        "address": "02:00:00:00:00:0c",
        "mtu": 1400,
    },
    # a bridge in b with the veth end as its port, and a macvlan in a on v0
    {"netns": "b", "ifindex": 20, "ifname": "br0", "kind": "bridge", "up": True},
    {
        "netns": "a",
        "ifindex": 9,
        "ifname": "mv0",
        "kind": "macvlan",
        "link": 7,
        "data": {"mode": "bridge"},
        "address": "02:00:00:00:00:09",
    },
    {
        "netns": "b",
        "ifindex": 5,
        "ifname": "tap5",
        "kind": "tun",
        "data": {"mode": "tap"},
        "address": "02:00:00:00:00:05",
    },
]
for link in LINKS:
    if link["ifname"] == "v1":
        link["master"] = 20
NETNS = [{"name": "a", "nsids": {"b": 3}}, {"name": "b", "nsids": {"a": 0}}]


def profile(links=LINKS, netns=NETNS):
    data = {"num_possible_cpus": 2, "netns": netns, "link": links}
    return parse_profile(data, "<test>", module_table())


def by_name(host, ns):
    return {d["ifname"]: d for d in link_dump_json(host, host.netns[ns])}


def test_links_boot_with_their_ifindexes_peers_and_nsids():
    prof = profile()
    host = boot(prof)
    assert prof.restore_warnings == []
    a, b = by_name(host, "a"), by_name(host, "b")
    assert [(d["ifindex"], n) for n, d in a.items()] == [(1, "lo"), (7, "v0"), (9, "mv0")]
    assert [(d["ifindex"], n) for n, d in b.items()] == [
        (1, "lo"),
        (5, "tap5"),
        (12, "v1"),
        (20, "br0"),
    ]
    assert a["v0"]["link_index"] == 12 and a["v0"]["link_netnsid"] == 3
    assert b["v1"]["link_index"] == 7 and b["v1"]["link_netnsid"] == 0
    assert b["v1"]["master"] == "br0" and b["v1"]["mtu"] == 1400
    assert a["mv0"]["linkinfo"]["info_data"]["mode"] == "bridge"
    assert a["v0"]["operstate"] == "UP" and "UP" in b["br0"]["flags"]
    # the bridge took its port's address, as br_stp_recalculate_bridge_id does
    assert b["br0"]["address"] == "02:00:00:00:00:0c"


def test_new_devices_after_boot_take_indexes_from_the_restored_cursor():
    links = [
        *LINKS,
        {"netns": "init_net", "ifindex": 40, "ifname": "w0", "kind": "veth", "link": 41},
        {"netns": "init_net", "ifindex": 41, "ifname": "w1", "kind": "veth", "link": 40},
    ]
    host = boot(profile(links))
    host.run_command(["ip", "-n", "a", "link", "add", "x0", "type", "veth", "peer", "name", "x1"])
    host.run_command(["ip", "link", "add", "y0", "type", "veth", "peer", "name", "y1"])
    a = by_name(host, "a")  # veth_newlink registers the peer first
    # a namespace: the lowest free index; the host's own: one past the highest
    assert (a["x1"]["ifindex"], a["x0"]["ifindex"]) == (2, 3)
    root = {d["ifname"]: d["ifindex"] for d in link_dump_json(host, host.kernel.init_net)}
    assert (root["y1"], root["y0"]) == (42, 43)


@pytest.mark.parametrize(
    "bad, message",
    [
        ({"netns": "zz", "ifindex": 3, "ifname": "q"}, "no [[netns]] named 'zz'"),
        ({"netns": "a", "ifindex": "3", "ifname": "q"}, "link[8].ifindex: wrong type"),
        ({"netns": "a", "ifindex": 7, "ifname": "q"}, "used twice"),
        ({"netns": "a", "ifindex": 3, "ifname": "q", "colour": 1}, "colour: unknown key"),
    ],
)
def test_bad_link_tables_are_profile_errors(bad, message):
    with pytest.raises(ProfileError, match=message.replace("[", r"\[").replace("]", r"\]")):
        profile([*LINKS, bad])


def test_a_device_the_model_cannot_make_is_a_warning_not_a_crash():
    links = [
        *LINKS,
        {
            "netns": "a",
            "ifindex": 30,
            "ifname": "mv9",
            "kind": "macvlan",
            "link": 99,
            "data": {"mode": "bridge"},
        },
    ]
    prof = profile(links)
    host = boot(prof)
    assert "mv9" not in by_name(host, "a")
    assert any("mv9: its lower device is missing" in w for w in prof.restore_warnings)
