"""A second socket bound to RTMGRP_LINK sees the notifications of add, set and del."""

import select

from pyroute2 import IPRoute, IPRSocket
from pyroute2.netlink.rtnl import RTMGRP_LINK

NEEDS = ("veth",)


def main(prefix: str) -> list:
    with IPRoute(netns=prefix + "a") as ipr, IPRSocket(netns=prefix + "a") as mon:
        mon.bind(groups=RTMGRP_LINK)
        ipr.link("add", ifname="v0", kind="veth", peer="v1")
        (v0,) = ipr.link_lookup(ifname="v0")
        ipr.link("set", index=v0, mtu=1400)
        ipr.link("set", index=v0, ifname="v9")
        ipr.link("del", index=v0)
        events = []
        while select.select([mon], [], [], 0.5)[0]:
            events.extend(mon.get())
        return [("a", msg) for msg in events]
