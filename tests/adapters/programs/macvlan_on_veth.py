"""Stack a bridge-mode macvlan on a veth, then delete the veth: the macvlan goes with it."""

from pyroute2 import IPRoute

NEEDS = ("veth", "macvlan")


def main(prefix: str) -> list:
    with IPRoute(netns=prefix + "a", ext_ack=True) as ipr:
        ipr.link("add", ifname="v0", kind="veth", peer="v1")
        (v0,) = ipr.link_lookup(ifname="v0")
        ipr.link("add", ifname="mv0", kind="macvlan", link=v0, macvlan_mode="bridge")
        out = [("a", msg) for msg in ipr.link("dump")]
        ipr.link("del", index=v0)
        out += [("a", msg) for msg in ipr.link("dump")]
        return out
