"""Address and number words shared by the tunnel and port kinds of `ip link`.

Mirrors iproute2 v6.1.0 lib/utils.c (get_addr / get_addr_1 with its "any"/"default" words
and the legacy get_addr_ipv4 that reads "10.8" as 10.8.0.0, get_addr32, get_u8/u16/u32,
check_duparg), lib/rt_names.c (rtnl_dsfield_a2n with /etc/iproute2/rt_dsfield's names,
rtnl_rttable_a2n with rt_tables' names) and lib/ll_proto.c (ll_proto_a2n).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from netlife.userspace.ip import (
    AF_INET,
    AF_INET6,
    AF_UNSPEC,
    IpExit,
    IpRun,
    c_strtol,
    duparg2,
    get_unsigned,
)

U8, U16, U32 = 0xFF, 0xFFFF, 0xFFFFFFFF


@dataclass
class InetPrefix:
    """lib/utils.c's inet_prefix as the parsers use it: family 0 and no bytes is "unset"."""

    family: int = AF_UNSPEC
    text: str = ""
    bytelen: int = 0

    @property
    def not_unspec(self) -> bool:
        """is_addrtype_inet_not_unspec: a real IPv4/IPv6 address, not "any"."""
        return self.family in (AF_INET, AF_INET6) and self.bytelen > 0

    @property
    def multicast(self) -> bool:
        return self.not_unspec and ipaddress.ip_address(self.text).is_multicast


def get_addr_ipv4(text: str) -> str | None:
    """lib/utils.c:get_addr_ipv4: up to four strtoul(…, 0) parts, missing ones are 0."""
    parts = text.split(".")
    if len(parts) > 4:
        return None
    octets = []
    for part in parts:
        if not part or part[0] in "+- \t":
            return None
        val = c_strtol(part, 0)
        if val is None or not 0 <= val <= 255:
            return None
        octets.append(val)
    octets += [0] * (4 - len(octets))
    return ".".join(str(o) for o in octets)


def get_addr_1(text: str, family: int) -> InetPrefix | None:
    """lib/utils.c:__get_addr_1 for the inet families; None when the word is not one."""
    if text == "default":
        return InetPrefix(family, "0.0.0.0" if family != AF_INET6 else "::", 0)
    if text in ("all", "any"):
        return InetPrefix(family, "", 0)
    if ":" in text:
        if family not in (AF_UNSPEC, AF_INET6):
            return None
        try:
            return InetPrefix(AF_INET6, str(ipaddress.IPv6Address(text)), 16)
        except ValueError:
            return None
    if family not in (AF_UNSPEC, AF_INET):
        return None
    addr = get_addr_ipv4(text)
    return None if addr is None else InetPrefix(AF_INET, addr, 4)


def family_name_verbose(family: int) -> str:
    return {AF_INET: "inet", AF_INET6: "inet6"}.get(family, "any valid")


def get_addr(run: IpRun, text: str, family: int) -> InetPrefix:
    """lib/utils.c:get_addr: the address or exit(1) with iproute2's message."""
    addr = get_addr_1(text, family)
    if addr is None:
        run.err(f'Error: {family_name_verbose(family)} address is expected rather than "{text}".\n')
        raise IpExit(1)
    return addr


def get_addr32(run: IpRun, text: str) -> str:
    """lib/utils.c:get_addr32: an IPv4 address or exit(1)."""
    addr = get_addr_1(text, AF_INET)
    if addr is None:
        run.err(f'Error: an IP address is expected rather than "{text}"\n')
        raise IpExit(1)
    return addr.text or "0.0.0.0"


def get_u(text: str, limit: int, base: int = 0) -> int | None:
    """get_u8 / get_u16 / get_u32: the whole word a number no larger than limit."""
    if not text:
        return None
    return get_unsigned(text, base, limit)


def check_duparg(run: IpRun, seen: set[str], attr: str, key: str, value: str) -> None:
    """lib/utils.c:check_duparg: the second time an attribute is given is an error."""
    if attr in seen:
        duparg2(run, key, value)
    seen.add(attr)


# /etc/iproute2/rt_dsfield as Debian's iproute2 6.1 installs it.
RT_DSFIELD = {
    "default": 0x0,
    "AF11": 0x28,
    "AF12": 0x30,
    "AF13": 0x38,
    "AF21": 0x48,
    "AF22": 0x50,
    "AF23": 0x58,
    "AF31": 0x68,
    "AF32": 0x70,
    "AF33": 0x78,
    "AF41": 0x88,
    "AF42": 0x90,
    "AF43": 0x98,
    "CS1": 0x20,
    "CS2": 0x40,
    "CS3": 0x60,
    "CS4": 0x80,
    "CS5": 0xA0,
    "CS6": 0xC0,
    "CS7": 0xE0,
    "EF": 0xB8,
}


def rtnl_dsfield_a2n(text: str) -> int | None:
    """lib/rt_names.c:rtnl_dsfield_a2n: a name of rt_dsfield, else hex up to 255."""
    if text in RT_DSFIELD:
        return RT_DSFIELD[text]
    if not text or text[0] in "+- \t":
        return None
    val = c_strtol(text, 16)
    return val if val is not None and 0 <= val <= 255 else None


RT_TABLES = {"unspec": 0, "default": 253, "main": 254, "local": 255}
RT_TABLE_MAX = 0xFFFFFFFF


def rtnl_rttable_a2n(text: str) -> int | None:
    """lib/rt_names.c:rtnl_rttable_a2n: a name of rt_tables, else strtoul(…, 0)."""
    if text in RT_TABLES:
        return RT_TABLES[text]
    return get_unsigned(text, 0, RT_TABLE_MAX) if text else None


# lib/ll_proto.c:llproto_names, the entries a tunnel's ethertype is usually given as.
LL_PROTO_NAMES = {
    "loop": 0x0060,
    "ip": 0x0800,
    "arp": 0x0806,
    "rarp": 0x8035,
    "ipv6": 0x86DD,
    "ipx": 0x8137,
    "802.1Q": 0x8100,
    "802.1ad": 0x88A8,
    "mpls_uc": 0x8847,
    "mpls_mc": 0x8848,
    "teb": 0x6558,
    "LLDP": 0x88CC,
    "ipv4": 0x0800,
}


def ll_proto_a2n(text: str) -> int | None:
    """lib/ll_proto.c:ll_proto_a2n: a protocol name (any case), else a number up to 0xffff."""
    for name, value in LL_PROTO_NAMES.items():
        if name.lower() == text.lower():
            return value
    return get_u(text, U16)
