"""Bring both ends of a veth pair up, change MTU and read one end back with link('get')."""

from pyroute2 import IPRoute

NEEDS = ("veth",)


def main(prefix: str) -> list:
    with IPRoute(netns=prefix + "a", ext_ack=True) as ipr:
        ipr.link("add", ifname="v0", kind="veth", peer="v1")
        (v0,) = ipr.link_lookup(ifname="v0")
        (v1,) = ipr.link_lookup(ifname="v1")
        ipr.link("set", index=v0, mtu=1400)
        ipr.link("set", index=v1, mtu=1400, state="up")
        ipr.link("set", index=v0, state="up")
        return [("a", ipr.link("get", index=v1)[0]), ("a", ("index", v0))]
