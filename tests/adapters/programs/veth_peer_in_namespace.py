"""Create the peer of a veth directly in another namespace (peer net_ns_fd by name)."""

from pyroute2 import IPRoute

NEEDS = ("veth",)


def main(prefix: str) -> list:
    with IPRoute(netns=prefix + "b") as ipb, IPRoute(netns=prefix + "a", ext_ack=True) as ipa:
        ipa.link("add", ifname="v0", kind="veth", peer={"ifname": "p0", "net_ns_fd": prefix + "b"})
        out = [("a", msg) for msg in ipa.link("dump")]
        out += [("b", msg) for msg in ipb.link("dump")]
        return out
