"""Alternative names through RTM_NEWLINKPROP / RTM_DELLINKPROP: add, look up, conflict, del."""

from pyroute2 import IPRoute
from pyroute2.netlink.exceptions import NetlinkError

NEEDS = ("veth",)


def main(prefix: str) -> list:
    out = []
    with IPRoute(netns=prefix + "a", ext_ack=True) as ipr:
        ipr.link("add", ifname="v0", kind="veth", peer="v1")
        (v0,) = ipr.link_lookup(ifname="v0")
        (v1,) = ipr.link_lookup(ifname="v1")
        ipr.link("set", index=v0, state="up")
        ipr.link("property_add", index=v0, altname=["first-long-alternative-name", "alt2"])
        for index, name in ((v1, "alt2"), (v1, "v0"), (v0, "x" * 128)):
            try:
                ipr.link("property_add", index=index, altname=name)
            except NetlinkError as err:
                out.append(("a", ("error", err.code, str(err))))
        for name in ("v1", "alt2", "nosuch"):
            try:
                ipr.link("property_del", index=v0, altname=name)
            except NetlinkError as err:
                out.append(("a", ("error", err.code, str(err))))
        out.append(("a", ("lookup", ipr.link_lookup(ifname="v0"))))
        out.append(("a", ipr.link("get", altname="first-long-alternative-name")[0]))
        out.append(("a", ipr.link("get", index=v0)[0]))
    return out
