"""A bridge with a veth port (master set, then cleared), and the bridge deleted under it."""

from pyroute2 import IPRoute

NEEDS = ("veth", "bridge")


def main(prefix: str) -> list:
    with IPRoute(netns=prefix + "a", ext_ack=True) as ipr:
        ipr.link("add", ifname="br0", kind="bridge")
        ipr.link("add", ifname="v0", kind="veth", peer="v1")
        (br0,) = ipr.link_lookup(ifname="br0")
        (v0,) = ipr.link_lookup(ifname="v0")
        ipr.link("set", index=v0, master=br0)
        out = [("a", msg) for msg in ipr.link("dump")]
        ipr.link("set", index=v0, master=0)
        ipr.link("set", index=v0, master=br0)
        ipr.link("del", index=br0)
        out += [("a", msg) for msg in ipr.link("dump")]
        return out
