"""Create a veth pair in a fresh namespace and dump the links."""

from pyroute2 import IPRoute

NEEDS = ("veth",)


def main(prefix: str) -> list:
    with IPRoute(netns=prefix + "a", ext_ack=True) as ipr:
        ipr.link("add", ifname="v0", kind="veth", peer="v1")
        return [("a", msg) for msg in ipr.link("dump")]
