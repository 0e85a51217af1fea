"""MTU outside the device's [min_mtu, max_mtu] is EINVAL with the kernel's extack text."""

from pyroute2 import IPRoute
from pyroute2.netlink.exceptions import NetlinkError

NEEDS = ("veth",)


def main(prefix: str) -> list:
    out = []
    with IPRoute(netns=prefix + "a", ext_ack=True) as ipr:
        ipr.link("add", ifname="v0", kind="veth", peer="v1")
        (v0,) = ipr.link_lookup(ifname="v0")
        for mtu in (20, 70000, 9000):
            try:
                ipr.link("set", index=v0, mtu=mtu)
                out.append(("a", ("ok", mtu)))
            except NetlinkError as err:
                out.append(("a", ("error", mtu, err.code, str(err))))
        out.append(("a", ipr.link("get", index=v0)[0]))
    return out
