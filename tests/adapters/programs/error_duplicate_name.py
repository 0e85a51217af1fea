"""Adding a link whose name is taken fails with EEXIST; the host is unchanged."""

from pyroute2 import IPRoute
from pyroute2.netlink.exceptions import NetlinkError

NEEDS = ("veth",)


def main(prefix: str) -> list:
    out = []
    with IPRoute(netns=prefix + "a", ext_ack=True) as ipr:
        ipr.link("add", ifname="v0", kind="veth", peer="v1")
        for peer in ("v2", "lo"):
            try:
                ipr.link("add", ifname="v0", kind="veth", peer=peer)
            except NetlinkError as err:
                out.append(("a", ("error", err.code, str(err))))
        out.extend(("a", msg) for msg in ipr.link("dump"))
    return out
