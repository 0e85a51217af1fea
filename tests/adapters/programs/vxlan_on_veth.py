"""A vxlan device bound to a veth lower device, and an error for a duplicate VNI."""

from pyroute2 import IPRoute
from pyroute2.netlink.exceptions import NetlinkError

NEEDS = ("veth", "vxlan")


def main(prefix: str) -> list:
    out = []
    with IPRoute(netns=prefix + "a", ext_ack=True) as ipr:
        ipr.link("add", ifname="v0", kind="veth", peer="v1")
        (v0,) = ipr.link_lookup(ifname="v0")
        ipr.link("add", ifname="vx0", kind="vxlan", vxlan_id=42, vxlan_link=v0, vxlan_port=4789)
        try:
            ipr.link("add", ifname="vx1", kind="vxlan", vxlan_id=42, vxlan_link=v0, vxlan_port=4789)
        except NetlinkError as err:
            out.append(("a", ("error", err.code, str(err))))
        out += [("a", msg) for msg in ipr.link("dump")]
    return out
