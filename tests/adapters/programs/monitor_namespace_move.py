"""Monitors in both namespaces: DELLINK (with the new nsid and ifindex) here, NEWLINK there."""

import select

from pyroute2 import IPRoute, IPRSocket
from pyroute2.netlink.rtnl import RTMGRP_LINK

NEEDS = ("veth",)


def drain(sock: IPRSocket) -> list:
    out = []
    while select.select([sock], [], [], 0.5)[0]:
        out.extend(sock.get())
    return out


def main(prefix: str) -> list:
    with (
        IPRoute(netns=prefix + "a") as ipr,
        IPRSocket(netns=prefix + "a") as mon_a,
        IPRSocket(netns=prefix + "b") as mon_b,
    ):
        ipr.link("add", ifname="v0", kind="veth", peer="v1")
        mon_a.bind(groups=RTMGRP_LINK)
        mon_b.bind(groups=RTMGRP_LINK)
        ipr.link("set", index=ipr.link_lookup(ifname="v1")[0], net_ns_fd=prefix + "b")
        return [("a", m) for m in drain(mon_a)] + [("b", m) for m in drain(mon_b)]
