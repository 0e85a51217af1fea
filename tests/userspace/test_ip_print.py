"""iproute2 6.1 link printing from hand-built IfInfoMsg (the real-kernel cases are in
test_ip_print_kernel.py); expected strings are what iproute2 6.1's source prints."""

import json

from netlife.adapters.pyroute2_msg import from_pyroute2, to_pyroute2
from netlife.kernel.if_link import (
    IF_OPER_DOWN,
    IF_OPER_LOWERLAYERDOWN,
    IF_OPER_UP,
    IFF_BROADCAST,
    IFF_DEBUG,
    IFF_LOWER_UP,
    IFF_MASTER,
    IFF_MULTICAST,
    IFF_NOARP,
    IFF_RUNNING,
    IFF_SLAVE,
    IFF_UP,
    RTM_DELLINK,
    IfInfoMsg,
)
from netlife.userspace.ip_print import (
    PrintContext,
    json_text,
    link_brief,
    link_brief_json,
    link_json,
    link_text,
    links_json_text,
    monitor_link_text,
)

ETHER = 1
BM = IFF_BROADCAST | IFF_MULTICAST


def veth(ifindex, name, peer, flags=BM, oper=IF_OPER_DOWN, **extra):
    attrs = {
        "IFLA_IFNAME": name,
        "IFLA_TXQLEN": 1000,
        "IFLA_OPERSTATE": oper,
        "IFLA_LINKMODE": 0,
        "IFLA_MTU": 1500,
        "IFLA_GROUP": 0,
        "IFLA_LINK": peer,
        "IFLA_QDISC": "noqueue" if flags & IFF_UP else "noop",
        "IFLA_ADDRESS": f"02:00:00:00:00:{ifindex:02x}",
        "IFLA_BROADCAST": "ff:ff:ff:ff:ff:ff",
    }
    attrs.update(extra)
    return IfInfoMsg(ifi_index=ifindex, ifi_type=ETHER, ifi_flags=flags, attrs=attrs)


def test_up_veth_with_down_peer_shows_no_carrier_and_m_down():
    v1 = veth(2, "v1", 3)
    v0 = veth(3, "v0", 2, flags=BM | IFF_UP, oper=IF_OPER_LOWERLAYERDOWN)
    ctx = PrintContext.from_links([v1, v0])
    assert link_text(v0, ctx) == (
        "3: v0@v1: <NO-CARRIER,BROADCAST,MULTICAST,UP,M-DOWN> mtu 1500 qdisc noqueue "
        "state LOWERLAYERDOWN mode DEFAULT group default qlen 1000\n"
        "    link/ether 02:00:00:00:00:03 brd ff:ff:ff:ff:ff:ff\n"
    )
    assert link_json(v0, ctx)["flags"] == ["NO-CARRIER", "BROADCAST", "MULTICAST", "UP", "M-DOWN"]


def test_m_down_goes_when_the_peer_is_up_and_unknown_lower_is_not_down():
    up = BM | IFF_UP | IFF_RUNNING | IFF_LOWER_UP
    v1, v0 = veth(2, "v1", 3, flags=up, oper=IF_OPER_UP), veth(3, "v0", 2, flags=up)
    ctx = PrintContext.from_links([v1, v0])
    assert link_text(v0, ctx).startswith("3: v0@v1: <BROADCAST,MULTICAST,UP,LOWER_UP> ")
    # ll_index_to_flags gives all bits for an index the cache lacks: no M-DOWN, name "if9".
    orphan = veth(4, "v4", 9)
    assert link_text(orphan, ctx).startswith("4: v4@if9: <BROADCAST,MULTICAST> ")


def test_flags_print_in_iproute2_order_with_leftover_bits_in_hex():
    msg = veth(2, "x", 0, flags=IFF_UP | IFF_DEBUG | IFF_SLAVE | IFF_MASTER | IFF_NOARP | 1 << 20)
    del msg.attrs["IFLA_LINK"]
    line = link_text(msg, PrintContext()).splitlines()[0]
    assert "<NO-CARRIER,NOARP,MASTER,SLAVE,DEBUG,UP,100000>" in line


def test_addr_and_monitor_drop_mode_and_monitor_drops_qlen():
    v1 = veth(2, "v1", 0)
    ctx = PrintContext.from_links([v1])
    first = link_text(v1, ctx, addr_cmd=True).splitlines()[0]
    assert first == (
        "2: v1@NONE: <BROADCAST,MULTICAST> mtu 1500 qdisc noop state DOWN group default qlen 1000"
    )
    mon = monitor_link_text(v1, ctx).splitlines()[0]
    assert mon == "2: v1@NONE: <BROADCAST,MULTICAST> mtu 1500 qdisc noop state DOWN group default "


def test_link_zero_is_none_in_text_and_null_in_json():
    nk = veth(8, "nk", 0, flags=BM | IFF_NOARP)
    ctx = PrintContext.from_links([nk])
    assert link_text(nk, ctx).startswith("8: nk@NONE: <BROADCAST,MULTICAST,NOARP> ")
    obj = link_json(nk, ctx)
    assert list(obj)[:3] == ["ifindex", "link", "ifname"] and obj["link"] is None


def test_peer_in_other_namespace_prints_ifindex_and_netns_name_or_id():
    v4 = veth(11, "v4", 2, IFLA_LINK_NETNSID=0)
    named = PrintContext(nsid_names={0: "blue"})
    assert link_text(v4, named).splitlines() == [
        "11: v4@if2: <BROADCAST,MULTICAST> mtu 1500 qdisc noop state DOWN mode DEFAULT "
        "group default qlen 1000",
        "    link/ether 02:00:00:00:00:0b brd ff:ff:ff:ff:ff:ff link-netns blue",
    ]
    assert link_text(v4, PrintContext()).splitlines()[1].endswith(" link-netnsid 0")
    v4.attrs["IFLA_LINK_NETNSID"] = -1
    assert link_text(v4, PrintContext()).splitlines()[1].endswith(" link-netnsid unknown")
    obj = link_json(veth(11, "v4", 2, IFLA_LINK_NETNSID=0), named)
    assert obj["link_index"] == 2 and obj["link_netnsid"] == 0 and "link" not in obj
    assert list(obj)[:3] == ["ifindex", "link_index", "ifname"]


def test_deleted_prefix_and_monitor_cache_forgets_the_device():
    v1, v0 = veth(2, "v1", 3), veth(3, "v0", 2)
    ctx = PrintContext.from_links([v1, v0])
    gone = veth(2, "v1", 3)
    gone.msg_type = RTM_DELLINK
    assert monitor_link_text(gone, ctx).startswith("Deleted 2: v1@v0: ")
    assert 2 not in ctx.names
    assert monitor_link_text(v0, ctx).startswith("3: v0@if2: <BROADCAST,MULTICAST> ")
    assert monitor_link_text(v0, ctx, label=True).startswith("[LINK]3: v0@if2")


def test_json_compact_and_pretty_layout_match_json_writer():
    objs = [{"ifindex": 1, "flags": ["UP", "LOWER_UP"], "link": None, "info": {}, "e": []}]
    assert links_json_text(objs) == (
        '[{"ifindex":1,"flags":["UP","LOWER_UP"],"link":null,"info":{},"e":[]}]\n'
    )
    assert links_json_text(objs, pretty=True) == (
        "[ {\n"
        '        "ifindex": 1,\n'
        '        "flags": [ "UP","LOWER_UP" ],\n'
        '        "link": null,\n'
        '        "info": {},\n'
        '        "e": [ ]\n'
        "    } ]\n"
    )
    assert json_text(['a\tb"c\\é']) == '["a\\tb\\"c\\\\é"]\n'
    assert json.loads(links_json_text(objs)) == objs


def test_details_print_linkinfo_and_af_spec_only_for_link():
    msg = veth(
        2,
        "v1",
        3,
        IFLA_PROMISCUITY=0,
        IFLA_ALLMULTI=0,
        IFLA_MIN_MTU=68,
        IFLA_MAX_MTU=65535,
        IFLA_LINKINFO={"IFLA_INFO_KIND": "veth"},
        IFLA_AF_SPEC={"AF_INET6": {"IFLA_INET6_ADDR_GEN_MODE": 0}},
        IFLA_NUM_TX_QUEUES=2,
        IFLA_PARENT_DEV_NAME="0000:0a:00.0",
        IFLA_PARENT_DEV_BUS_NAME="pci",
    )
    ctx = PrintContext(names={3: "v0"}, flags={3: IFF_UP})
    lines = link_text(msg, ctx, details=True).splitlines()
    assert lines[1].endswith(" promiscuity 0  allmulti 0 minmtu 68 maxmtu 65535 ")
    assert lines[2] == (
        "    veth addrgenmode eui64 numtxqueues 2 parentbus pci parentdev 0000:0a:00.0 "
    )
    assert "addrgenmode" not in link_text(msg, ctx, details=True, addr_cmd=True)
    obj = link_json(msg, ctx, details=True)
    assert obj["linkinfo"] == {"info_kind": "veth"}
    assert list(obj)[-4:] == ["inet6_addr_gen_mode", "num_tx_queues", "parentbus", "parentdev"]
    one = link_text(msg, ctx, details=True, oneline=True)
    assert one.count("\n") == 1 and "\\    veth " in one


def test_bridge_ids_use_unpadded_ether_ntoa_and_root_id_repeats_bridge_id():
    data = {
        "IFLA_BR_FORWARD_DELAY": 1500,
        "IFLA_BR_BRIDGE_ID": {"prio": 0x8000, "addr": "02:00:00:0a:00:01"},
        "IFLA_BR_ROOT_ID": {"prio": 0x1000, "addr": "02:00:00:0b:00:02"},
        "IFLA_BR_HELLO_TIMER": 123,
        "IFLA_BR_GROUP_FWD_MASK": 0,
        "IFLA_BR_MULTI_BOOLOPT": {"optval": 2, "optmask": 3},
    }
    msg = veth(4, "br0", 0, IFLA_LINKINFO={"IFLA_INFO_KIND": "bridge", "IFLA_INFO_DATA": data})
    del msg.attrs["IFLA_LINK"]
    line = link_text(msg, PrintContext(), details=True).splitlines()[2]
    assert line == (
        "    bridge forward_delay 1500 bridge_id 8000.2:0:0:a:0:1 designated_root 8000.2:0:0:a:0:1 "
        "hello_timer    1.23 group_fwd_mask 0 no_linklocal_learn 0 mcast_vlan_snooping 1 "
    )
    info = link_json(msg, PrintContext(), details=True)["linkinfo"]["info_data"]
    assert info["hello_timer"] == 1.23 and info["group_fwd_mask"] == "0"
    assert '"hello_timer":1.23,' in json_text(info)


def test_kind_printers_text_versus_json_differences():
    vx = {
        "IFLA_VXLAN_ID": 7,
        "IFLA_VXLAN_GROUP": "239.1.1.1",
        "IFLA_VXLAN_LINK": 3,
        "IFLA_VXLAN_PORT_RANGE": {"low": 0, "high": 0},
        "IFLA_VXLAN_LEARNING": 0,
        "IFLA_VXLAN_TTL": 0,
        "IFLA_VXLAN_DF": 0,
        "IFLA_VXLAN_LABEL": 0x12345,
        "IFLA_VXLAN_AGEING": 0,
        "IFLA_VXLAN_UDP_CSUM": 0,
    }
    msg = veth(9, "vx0", 0, IFLA_LINKINFO={"IFLA_INFO_KIND": "vxlan", "IFLA_INFO_DATA": vx})
    del msg.attrs["IFLA_LINK"]
    ctx = PrintContext(names={3: "eth0"})
    assert link_text(msg, ctx, details=True).splitlines()[2] == (
        "    vxlan id 7 group 239.1.1.1 dev eth0 srcport 0 0 nolearning ttl auto "
        "flowlabel 0x12345 ageing none noudpcsum "
    )
    data = link_json(msg, ctx, details=True)["linkinfo"]["info_data"]
    assert data == {
        "id": 7,
        "group": "239.1.1.1",
        "link": "eth0",
        "port_range": {"low": 0, "high": 0},
        "learning": False,
        "ttl": 0,
        "df": "unset",
        "label": "0x12345",
        "ageing": 0,
        "udp_csum": False,
    }
    tun = {"IFLA_TUN_TYPE": 1, "IFLA_TUN_PI": 1, "IFLA_TUN_OWNER": 0, "IFLA_TUN_GROUP": 1234}
    msg.attrs["IFLA_LINKINFO"] = {"IFLA_INFO_KIND": "tun", "IFLA_INFO_DATA": tun}
    assert link_text(msg, ctx, details=True).splitlines()[2] == (
        "    tun type tun pi on user root group 1234 "
    )
    assert link_json(msg, ctx, details=True)["linkinfo"]["info_data"] == {
        "type": "tun",
        "pi": True,
        "multi_queue": False,
        "user": "root",
        "group": 1234,
    }
    msg.attrs["IFLA_LINKINFO"] = {"IFLA_INFO_KIND": "netkit"}
    assert link_json(msg, ctx, details=True)["linkinfo"] == {"info_kind": "netkit"}


def test_brief_pads_name_and_state_columns():
    v0 = veth(3, "v0", 2, flags=BM | IFF_UP, oper=IF_OPER_LOWERLAYERDOWN)
    ctx = PrintContext(names={2: "v1"}, flags={2: BM})
    assert link_brief(v0, ctx) == (
        "v0@v1            LOWERLAYERDOWN 02:00:00:00:00:03 "
        "<NO-CARRIER,BROADCAST,MULTICAST,UP,M-DOWN> \n"
    )
    assert link_brief(v0, ctx, addr_cmd=True) == "v0@v1            LOWERLAYERDOWN "
    assert list(link_brief_json(v0, ctx)) == ["link", "ifname", "operstate", "address", "flags"]


def test_stats_columns_widen_for_large_counters():
    stats = {"rx_bytes": 123456789012, "rx_packets": 5, "tx_bytes": 7}
    msg = veth(2, "v1", 0, IFLA_STATS64=stats, IFLA_CARRIER_CHANGES=3)
    lines = link_text(msg, PrintContext(), stats=1).splitlines()
    assert lines[2:] == [
        "    RX:    bytes packets errors dropped  missed   mcast           ",
        "    123456789012       5      0       0       0       0 ",
        "    TX:    bytes packets errors dropped carrier collsns           ",
        "               7       0      0       0       0       0 ",
    ]
    obj = link_json(msg, PrintContext(), stats=2)["stats64"]
    assert obj["rx"]["bytes"] == 123456789012 and obj["tx"]["carrier_changes"] == 3


def test_altnames_and_alias_follow_the_link_line():
    msg = veth(2, "v1", 0, IFLA_IFALIAS="uplink", IFLA_PROP_LIST={"IFLA_ALT_IFNAME": ["a", "b"]})
    lines = link_text(msg, PrintContext()).splitlines()
    assert lines[2:] == ["    alias uplink", "    altname a", "    altname b"]
    assert link_json(msg, PrintContext())["altnames"] == ["a", "b"]


def test_pyroute2_round_trip_keeps_every_modelled_field():
    msg = veth(
        5,
        "mv0",
        2,
        flags=BM | IFF_UP,
        oper=IF_OPER_UP,
        IFLA_LINK_NETNSID=1,
        IFLA_PROP_LIST={"IFLA_ALT_IFNAME": ["x1", "x2"]},
        IFLA_STATS64={"rx_packets": 3, "tx_bytes": 9},
        IFLA_LINKINFO={
            "IFLA_INFO_KIND": "macvlan",
            "IFLA_INFO_DATA": {
                "IFLA_MACVLAN_MODE": 16,
                "IFLA_MACVLAN_FLAGS": 1,
                "IFLA_MACVLAN_BC_QUEUE_LEN": 1000,
                "IFLA_MACVLAN_BC_QUEUE_LEN_USED": 1000,
            },
        },
    )
    wire = to_pyroute2(msg)
    assert wire.get("ifname") == "mv0" and wire.get(("linkinfo", "kind")) == "macvlan"
    assert wire.get("state") == "up"
    back = from_pyroute2(wire)
    assert back.attrs["IFLA_LINKINFO"] == msg.attrs["IFLA_LINKINFO"]
    assert back.attrs["IFLA_OPERSTATE"] == IF_OPER_UP
    assert back.attrs["IFLA_PROP_LIST"] == {"IFLA_ALT_IFNAME": ["x1", "x2"]}
    assert back.attrs["IFLA_STATS64"]["tx_bytes"] == 9
    assert (back.ifi_index, back.ifi_flags, back.msg_type) == (5, BM | IFF_UP, msg.msg_type)
    for name in ("IFLA_IFNAME", "IFLA_LINK", "IFLA_LINK_NETNSID", "IFLA_ADDRESS", "IFLA_MTU"):
        assert back.attrs[name] == msg.attrs[name]


def test_round_trip_of_bridge_ids_vxlan_label_and_ttl_inherit():
    br = {
        "IFLA_BR_BRIDGE_ID": {"prio": 0x8000, "addr": "02:00:00:0a:00:01"},
        "IFLA_BR_MULTI_BOOLOPT": {"optval": 1, "optmask": 3},
    }
    msg = veth(4, "br0", 0, IFLA_LINKINFO={"IFLA_INFO_KIND": "bridge", "IFLA_INFO_DATA": br})
    assert from_pyroute2(to_pyroute2(msg)).attrs["IFLA_LINKINFO"]["IFLA_INFO_DATA"] == br
    vx = {"IFLA_VXLAN_ID": 1, "IFLA_VXLAN_LABEL": 0x12345, "IFLA_VXLAN_TTL_INHERIT": 0}
    msg.attrs["IFLA_LINKINFO"] = {"IFLA_INFO_KIND": "vxlan", "IFLA_INFO_DATA": vx}
    assert from_pyroute2(to_pyroute2(msg)).attrs["IFLA_LINKINFO"]["IFLA_INFO_DATA"] == vx
