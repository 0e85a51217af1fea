"""`ip link add | set | change | replace | delete | help`: link requests to the kernel.

Mirrors iproute2 v6.1.0 ip/iplink.c (iplink_parse, iplink_modify, do_iplink, iplink_usage);
the show forms are in ip_link_show.py. Each command becomes one IfInfoMsg for rtnl_newlink,
rtnl_dellink or rtnl_getlink; the kind's own words are parsed by ip_link_kinds.py into
IFLA_INFO_DATA. Printing is ip_print.py's.
"""

from __future__ import annotations

from netlife.kernel.if_link import (
    IF_OPER_NAMES,
    IFF_ALLMULTI,
    IFF_DYNAMIC,
    IFF_MULTICAST,
    IFF_NOARP,
    IFF_NOTRAILERS,
    IFF_PROMISC,
    IFF_UP,
    NLM_F_CREATE,
    NLM_F_EXCL,
    NLM_F_REPLACE,
    IfInfoMsg,
)
from netlife.userspace.ip import (
    Args,
    IpRun,
    TalkError,
    check_altifname,
    check_ifname,
    duparg,
    duparg2,
    get_integer,
    get_unsigned,
    invarg,
    ll_name_to_index,
    matches,
    netns_lookup,
    nodev,
    rtnl_talk,
    usage_exit,
)

EINVAL = 22
IFALIASZ = 256
GSO_MAX_SEGS = 65535

IPLINK_USAGE = """\
Usage: ip link add [link DEV | parentdev NAME] [ name ] NAME
\t\t    [ txqueuelen PACKETS ]
\t\t    [ address LLADDR ]
\t\t    [ broadcast LLADDR ]
\t\t    [ mtu MTU ] [index IDX ]
\t\t    [ numtxqueues QUEUE_COUNT ]
\t\t    [ numrxqueues QUEUE_COUNT ]
\t\t    [ netns { PID | NAME } ]
\t\t    type TYPE [ ARGS ]

\tip link delete { DEVICE | dev DEVICE | group DEVGROUP } type TYPE [ ARGS ]

\tip link set { DEVICE | dev DEVICE | group DEVGROUP }
\t\t\t[ { up | down } ]
\t\t\t[ type TYPE ARGS ]
\t\t[ arp { on | off } ]
\t\t[ dynamic { on | off } ]
\t\t[ multicast { on | off } ]
\t\t[ allmulticast { on | off } ]
\t\t[ promisc { on | off } ]
\t\t[ trailers { on | off } ]
\t\t[ carrier { on | off } ]
\t\t[ txqueuelen PACKETS ]
\t\t[ name NEWNAME ]
\t\t[ address LLADDR ]
\t\t[ broadcast LLADDR ]
\t\t[ mtu MTU ]
\t\t[ netns { PID | NAME } ]
\t\t[ link-netns NAME | link-netnsid ID ]
\t\t[ alias NAME ]
\t\t[ vf NUM [ mac LLADDR ]
\t\t\t [ vlan VLANID [ qos VLAN-QOS ] [ proto VLAN-PROTO ] ]
\t\t\t [ rate TXRATE ]
\t\t\t [ max_tx_rate TXRATE ]
\t\t\t [ min_tx_rate TXRATE ]
\t\t\t [ spoofchk { on | off} ]
\t\t\t [ query_rss { on | off} ]
\t\t\t [ state { auto | enable | disable} ]
\t\t\t [ trust { on | off} ]
\t\t\t [ node_guid EUI64 ]
\t\t\t [ port_guid EUI64 ] ]
\t\t[ { xdp | xdpgeneric | xdpdrv | xdpoffload } { off |
\t\t\t  object FILE [ { section | program } NAME ] [ verbose ] |
\t\t\t  pinned FILE } ]
\t\t[ master DEVICE ][ vrf NAME ]
\t\t[ nomaster ]
\t\t[ addrgenmode { eui64 | none | stable_secret | random } ]
\t\t[ protodown { on | off } ]
\t\t[ protodown_reason PREASON { on | off } ]
\t\t[ gso_max_size BYTES ] | [ gso_max_segs PACKETS ]
\t\t[ gro_max_size BYTES ]

\tip link show [ DEVICE | group GROUP ] [up] [master DEV] [vrf NAME] [type TYPE]
\t\t[nomaster]

\tip link xstats type TYPE [ ARGS ]

\tip link afstats [ dev DEVICE ]
\tip link property add dev DEVICE [ altname NAME .. ]
\tip link property del dev DEVICE [ altname NAME .. ]

\tip link help [ TYPE ]

TYPE := { amt | bareudp | bond | bond_slave | bridge | bridge_slave |
          dsa | dummy | erspan | geneve | gre | gretap | gtp | ifb |
          ip6erspan | ip6gre | ip6gretap | ip6tnl |
          ipip | ipoib | ipvlan | ipvtap |
          macsec | macvlan | macvtap |
          netdevsim | nlmon | rmnet | sit | team | team_slave |
          vcan | veth | vlan | vrf | vti | vxcan | vxlan | wwan |
          xfrm | virt_wifi }
"""

ADDR_GEN_MODES = {"eui64": 0, "none": 1, "stable_secret": 2, "random": 3}

# (word, flag, value of the flag for "on"): ifi_flags words of iplink_parse.
FLAG_WORDS = {
    "multicast": (IFF_MULTICAST, True),
    "allmulticast": (IFF_ALLMULTI, True),
    "promisc": (IFF_PROMISC, True),
    "trailers": (IFF_NOTRAILERS, False),
    "arp": (IFF_NOARP, False),
}


def iplink_usage(run: IpRun) -> None:
    usage_exit(run, IPLINK_USAGE)


def on_off(run: IpRun, msg: str, value: str) -> int:
    run.err(f'Error: argument of "{msg}" must be "on" or "off", not "{value}"\n')
    return -1


def parse_on_off(run: IpRun, msg: str, value: str) -> int | None:
    """lib/utils.c:parse_on_off (parse_one_of over "off", "on"): 1 / 0, or None after
    its error."""
    if value == "on":
        return 1
    if value == "off":
        return 0
    run.err(f'Error: argument of "{msg}" must be one of "off", "on", not "{value}"\n')
    return None


def ll_addr_a2n(run: IpRun, arg: str, maxlen: int = 32) -> str | None:
    """lib/ll_addr.c:ll_addr_a2n: "aa:bb:…" (or a dotted IPv4) as the model's lowercase form."""
    if "." in arg:
        parts = arg.split(".")
        if len(parts) != 4 or not all(p.isdigit() and int(p) < 256 for p in parts):
            run.err(f'"{arg}" is invalid lladdr.\n')
            return None
        return ":".join(f"{int(p):02x}" for p in parts)
    octets = []
    for chunk in arg.split(":")[:maxlen]:
        text = chunk.lstrip(" \t")
        digits = ""
        body = text[2:] if text[:2].lower() == "0x" else text
        for c in body:
            if c in "0123456789abcdefABCDEF":
                digits += c
            else:
                break
        if not digits:
            run.err(f'"{chunk}" is invalid lladdr.\n')
            return None
        value = int(digits, 16)
        if value > 255:
            run.err(f'"{chunk}" is invalid lladdr.\n')
            return None
        octets.append(value)
    return ":".join(f"{o:02x}" for o in octets)


def iplink_parse(
    run: IpRun, args: list[str], req: IfInfoMsg, create: bool
) -> tuple[int, str | None]:
    """ip/iplink.c:iplink_parse: fill req from the generic words; (words used, type) or
    (-1, None) after printing the error. Usage errors exit (IpExit)."""
    from netlife.userspace.ip_netns import get_netnsid_from_name, set_netnsid_from_name

    a = Args(run, args)
    attrs = req.attrs
    name = dev = link = None
    index = 0
    addr_len = 0
    seen: set[str] = set()
    link_netnsid = -1
    typ = None
    move_netns = False

    def once(key: str, value: str) -> None:
        if key in seen:
            duparg(run, key, value)
        seen.add(key)

    while a:
        w = a.cur
        if w == "up":
            req.ifi_change |= IFF_UP
            req.ifi_flags |= IFF_UP
        elif w == "down":
            req.ifi_change |= IFF_UP
            req.ifi_flags &= ~IFF_UP
        elif w == "name":
            v = a.nxt()
            if name is not None:
                duparg(run, "name", v)
            if not check_ifname(v):
                invarg(run, '"name" not a valid ifname', v)
            name = v
            if dev is None:
                dev = name
        elif w == "index":
            v = a.nxt()
            if index:
                duparg(run, "index", v)
            index = _atoi(v)
            if index <= 0:
                invarg(run, 'Invalid "index" value', v)
        elif matches(w, "link"):
            link = a.nxt()
        elif matches(w, "address"):
            addr = ll_addr_a2n(run, a.nxt())
            if addr is None:
                return -1, None
            addr_len = addr.count(":") + 1
            attrs["IFLA_ADDRESS"] = addr
        elif matches(w, "broadcast") or w == "brd":
            addr = ll_addr_a2n(run, a.nxt())
            if addr is None:
                return -1, None
            attrs["IFLA_BROADCAST"] = addr
        elif matches(w, "txqueuelen") or w == "qlen" or matches(w, "txqlen"):
            v = a.nxt()
            once("txqueuelen", v)
            val = get_integer(v)
            if val is None:
                invarg(run, 'Invalid "txqueuelen" value\n', v)
            attrs["IFLA_TXQLEN"] = val & 0xFFFFFFFF
        elif w == "mtu":
            v = a.nxt()
            once("mtu", v)
            val = get_integer(v)
            if val is None:
                invarg(run, 'Invalid "mtu" value\n', v)
            attrs["IFLA_MTU"] = val & 0xFFFFFFFF
        elif w in ("xdp", "xdpgeneric", "xdpdrv", "xdpoffload", "vf"):
            usage_exit(run, f'netlife: "{w}" is not modelled\n')
        elif w == "netns":
            v = a.nxt()
            once("netns", v)
            net = netns_lookup(run.host, v)
            if net is not None:
                attrs["IFLA_NET_NS_FD"] = net
            elif get_integer(v) is not None:
                attrs["IFLA_NET_NS_PID"] = get_integer(v)
            else:
                invarg(run, 'Invalid "netns" value\n', v)
            move_netns = True
        elif w in FLAG_WORDS:
            flag, on_sets = FLAG_WORDS[w]
            v = a.nxt()
            req.ifi_change |= flag
            if v not in ("on", "off"):
                return on_off(run, w, v), None
            if (v == "on") == on_sets:
                req.ifi_flags |= flag
            else:
                req.ifi_flags &= ~flag
        elif w == "carrier":
            val = parse_on_off(run, "carrier", a.nxt())
            if val is None:
                return -EINVAL, None  # parse_on_off's err
            attrs["IFLA_CARRIER"] = val
        elif matches(w, "master"):
            v = a.nxt()
            ifindex = ll_name_to_index(run, v)
            if not ifindex:
                invarg(run, "Device does not exist\n", v)
            attrs["IFLA_MASTER"] = ifindex
        elif w == "vrf":
            v = a.nxt()
            invarg(run, "Not a valid VRF name\n", v)
        elif matches(w, "nomaster"):
            attrs["IFLA_MASTER"] = 0
        elif matches(w, "dynamic"):
            v = a.nxt()
            req.ifi_change |= IFF_DYNAMIC
            if v == "on":
                req.ifi_flags |= IFF_DYNAMIC
            elif v == "off":
                req.ifi_flags &= ~IFF_DYNAMIC
            else:
                return on_off(run, "dynamic", v), None
        elif matches(w, "type"):
            typ = a.nxt()
            a.step()
            break
        elif matches(w, "alias"):
            v = a.nxt()
            if len(v.encode()) >= IFALIASZ:
                invarg(run, "alias too long\n", v)
            attrs["IFLA_IFALIAS"] = v
        elif w == "group":
            v = a.nxt()
            once("group", v)
            group = rtnl_group_a2n(v)
            if group is None:
                invarg(run, 'Invalid "group" value\n', v)
            attrs["IFLA_GROUP"] = group
        elif w == "mode":
            v = a.nxt()
            modes = {"default": 0, "dormant": 1}
            if v.lower() not in modes:
                invarg(run, "Invalid link mode\n", v)
            attrs["IFLA_LINKMODE"] = modes[v.lower()]
        elif w == "state":
            v = a.nxt()
            states = [s.lower() for s in IF_OPER_NAMES]
            if v.lower() not in states:
                invarg(run, "Invalid operstate\n", v)
            attrs["IFLA_OPERSTATE"] = states.index(v.lower())
        elif matches(w, "numtxqueues") or matches(w, "numrxqueues"):
            key = "numtxqueues" if matches(w, "numtxqueues") else "numrxqueues"
            v = a.nxt()
            once(key, v)
            val = get_integer(v)
            if val is None:
                invarg(run, f'Invalid "{key}" value\n', v)
            attr = "IFLA_NUM_TX_QUEUES" if key == "numtxqueues" else "IFLA_NUM_RX_QUEUES"
            attrs[attr] = val & 0xFFFFFFFF
        elif matches(w, "addrgenmode"):
            v = a.nxt()
            if v.lower() not in ADDR_GEN_MODES:
                invarg(run, "Invalid address generation mode\n", v)
            mode = ADDR_GEN_MODES[v.lower()]
            attrs["IFLA_AF_SPEC"] = {"AF_INET6": {"IFLA_INET6_ADDR_GEN_MODE": mode}}
        elif matches(w, "link-netns"):
            v = a.nxt()
            if link_netnsid != -1:
                duparg(run, "link-netns/link-netnsid", v)
            link_netnsid = get_netnsid_from_name(run, v)
            if link_netnsid < 0:
                set_netnsid_from_name(run, v, -1)
            link_netnsid = get_netnsid_from_name(run, v)
            if link_netnsid < 0:
                invarg(run, 'Invalid "link-netns" value\n', v)
            attrs["IFLA_LINK_NETNSID"] = link_netnsid
        elif matches(w, "link-netnsid"):
            v = a.nxt()
            if link_netnsid != -1:
                duparg(run, "link-netns/link-netnsid", v)
            val = get_integer(v)
            if val is None:
                invarg(run, 'Invalid "link-netnsid" value\n', v)
            link_netnsid = val
            attrs["IFLA_LINK_NETNSID"] = val
        elif w == "protodown":
            val = parse_on_off(run, "protodown", a.nxt())
            if val is None:
                return -EINVAL, None  # parse_on_off's err
            attrs["IFLA_PROTO_DOWN"] = val
        elif w in ("gso_max_size", "gso_max_segs", "gro_max_size"):
            v = a.nxt()
            val = get_unsigned(v)
            if val is None or (w == "gso_max_segs" and val > GSO_MAX_SEGS):
                invarg(run, f'Invalid "{w}" value\n', v)
            attrs["IFLA_" + w.upper()] = val
        elif w == "parentdev":
            attrs["IFLA_PARENT_DEV_NAME"] = a.nxt()
        else:
            if matches(w, "help"):
                iplink_usage(run)
            if w == "dev":
                w = a.nxt()
            if dev != name:
                duparg2(run, "dev", w)
            if not check_altifname(w):
                invarg(run, '"dev" not a valid ifname', w)
            dev = w
        a.step()
    used = a.i

    # "ip link add dev X" and "ip link add name X" are the same.
    if name is None:
        name = dev
    elif dev is None:
        dev = name
    elif name == dev:
        name = dev

    if dev is not None and addr_len and not create:
        target = run.net.dev_get_by_name(dev)
        halen = target.addr_len if target is not None and target.addr_len else -1
        if halen >= 0 and halen != addr_len:
            run.err(f"Invalid address length {addr_len} - must be {halen} bytes\n")
            return -1, None
    if index and not create and not move_netns:
        usage_exit(
            run,
            "index can be used only when creating devices or when moving device to "
            "another netns.\n",
        )
    if "group" in seen and dev is None:
        if a:
            usage_exit(run, f'Garbage instead of arguments "{a.cur} ...". Try "ip link help".\n')
        if create:
            usage_exit(run, "group cannot be used when creating devices.\n")
        return used, None
    if not create:
        if dev is None:
            usage_exit(run, 'Not enough information: "dev" argument is required.\n')
        req.ifi_index = ll_name_to_index(run, dev)
        if not req.ifi_index:
            return nodev(run, dev), None
        if name is dev:
            name = None
        if index:
            attrs["IFLA_NEW_IFINDEX"] = index
    else:
        if name is not dev:
            usage_exit(run, 'both "name" and "dev" cannot be used when creating devices.\n')
        if link is not None:
            ifindex = ll_name_to_index(run, link)
            if not ifindex:
                return nodev(run, link), None
            attrs["IFLA_LINK"] = ifindex
        req.ifi_index = index
    if name is not None:
        attrs["IFLA_IFNAME"] = name
    return used, typ


def _atoi(text: str) -> int:
    """atoi: leading digits (with sign), 0 when there are none."""
    s = text.lstrip()
    sign = -1 if s[:1] == "-" else 1
    s = s[1:] if s[:1] in "+-" else s
    digits = ""
    for c in s:
        if not c.isdigit():
            break
        digits += c
    return sign * int(digits) if digits else 0


def rtnl_group_a2n(text: str) -> int | None:
    """lib/rt_names.c:rtnl_group_a2n: "default" (/etc/iproute2/group) or a number >= 0."""
    if text == "default":
        return 0
    val = get_integer(text)
    return val if val is not None and val >= 0 else None


def iplink_modify(run: IpRun, cmd: str, flags: int, args: list[str]) -> int:
    """ip/iplink.c:iplink_modify: parse, add IFLA_LINKINFO, send; -2 when the kernel refuses."""
    from netlife.kernel.rtnetlink import rtnl_dellink, rtnl_newlink
    from netlife.userspace.ip_link_kinds import get_link_kind

    create = bool(flags & NLM_F_CREATE)
    req = IfInfoMsg(nlmsg_flags=flags)
    used, typ = iplink_parse(run, args, req, create)
    if used < 0:
        return used
    if typ is not None:
        rest = args[used:]
        linkinfo: dict = {"IFLA_INFO_KIND": typ}
        parse_opt = get_link_kind(typ)
        if parse_opt is not None and rest:
            data = parse_opt(run, typ, rest, req, create)
            if data is None:
                return -1
            key = "IFLA_INFO_SLAVE_DATA" if typ.endswith("_slave") else "IFLA_INFO_DATA"
            linkinfo[key] = data
        elif rest:
            if matches(rest[0], "help"):
                iplink_usage(run)
            run.err(f'Garbage instead of arguments "{rest[0]} ...". Try "ip link help".\n')
            return -1
        req.attrs["IFLA_LINKINFO"] = linkinfo
    elif create:
        run.err('Not enough information: "type" argument is required\n')
        return -1
    request = rtnl_dellink if cmd == "RTM_DELLINK" else rtnl_newlink
    try:
        rtnl_talk(run, request, req)
    except TalkError:
        return -2
    return 0


def do_iplink(run: IpRun, argv: list[str]) -> int:
    """ip/iplink.c:do_iplink."""
    from netlife.userspace.ip_link_show import ipaddr_list_link

    if not argv:
        return ipaddr_list_link(run, [])
    w, rest = argv[0], argv[1:]
    if matches(w, "add"):
        return iplink_modify(run, "RTM_NEWLINK", NLM_F_CREATE | NLM_F_EXCL, rest)
    if matches(w, "set") or matches(w, "change"):
        return iplink_modify(run, "RTM_NEWLINK", 0, rest)
    if matches(w, "replace"):
        return iplink_modify(run, "RTM_NEWLINK", NLM_F_CREATE | NLM_F_REPLACE, rest)
    if matches(w, "delete"):
        return iplink_modify(run, "RTM_DELLINK", 0, rest)
    if matches(w, "show") or matches(w, "lst") or matches(w, "list"):
        return ipaddr_list_link(run, rest)
    if matches(w, "help"):
        from netlife.userspace.ip_link_kinds import print_kind_help

        if rest and print_kind_help(run, rest[0]):
            return 0
        iplink_usage(run)
    if matches(w, "property"):
        from netlife.userspace.ip_link_property import iplink_prop

        return iplink_prop(run, rest)
    for unmodelled in ("xstats", "afstats"):
        if matches(w, unmodelled):
            usage_exit(run, f'netlife: "ip link {unmodelled}" is not modelled\n')
    usage_exit(run, f'Command "{w}" is unknown, try "ip link help".\n')
    return -1
