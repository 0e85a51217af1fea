"""Moving a device into a namespace that has one of the same name fails; nothing moves."""

from pyroute2 import IPRoute
from pyroute2.netlink.exceptions import NetlinkError

NEEDS = ("veth",)


def main(prefix: str) -> list:
    out = []
    with IPRoute(netns=prefix + "b") as ipb, IPRoute(netns=prefix + "a", ext_ack=True) as ipa:
        ipb.link("add", ifname="v0", kind="veth", peer="w0")
        ipa.link("add", ifname="v0", kind="veth", peer="v1")
        try:
            ipa.link("set", index=ipa.link_lookup(ifname="v0")[0], net_ns_fd=prefix + "b")
        except NetlinkError as err:
            out.append(("a", ("error", err.code, str(err))))
        out += [("a", msg) for msg in ipa.link("dump")]
        out += [("b", msg) for msg in ipb.link("dump")]
    return out
