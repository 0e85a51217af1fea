"""Rename a link while down, then while up (the kernel allows both now); lookups follow."""

from pyroute2 import IPRoute
from pyroute2.netlink.exceptions import NetlinkError

NEEDS = ("veth",)


def main(prefix: str) -> list:
    out = []
    with IPRoute(netns=prefix + "a", ext_ack=True) as ipr:
        ipr.link("add", ifname="v0", kind="veth", peer="v1")
        (v0,) = ipr.link_lookup(ifname="v0")
        ipr.link("set", index=v0, ifname="green0")
        ipr.link("set", index=v0, state="up")
        try:
            ipr.link("set", index=v0, ifname="green1")
        except NetlinkError as err:
            out.append(("a", ("error", err.code, str(err))))
        out += [("a", ("lookup", ipr.link_lookup(ifname=name))) for name in ("v0", "green0")]
        out.append(("a", ipr.link("get", index=v0)[0]))
    return out
