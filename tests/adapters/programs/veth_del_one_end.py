"""Deleting one end of a veth pair deletes both."""

from pyroute2 import IPRoute

NEEDS = ("veth",)


def main(prefix: str) -> list:
    with IPRoute(netns=prefix + "a", ext_ack=True) as ipr:
        ipr.link("add", ifname="v0", kind="veth", peer="v1")
        ipr.link("del", ifname="v1")
        return [("a", msg) for msg in ipr.link("dump")] + [
            ("a", ("lookup", ipr.link_lookup(ifname="v0")))
        ]
