"""Move one end of a veth to another namespace with link('set', net_ns_fd=name)."""

from pyroute2 import IPRoute

NEEDS = ("veth",)


def main(prefix: str) -> list:
    with IPRoute(netns=prefix + "b") as ipb, IPRoute(netns=prefix + "a", ext_ack=True) as ipa:
        ipa.link("add", ifname="v0", kind="veth", peer="v1")
        (v1,) = ipa.link_lookup(ifname="v1")
        ipa.link("set", index=v1, net_ns_fd=prefix + "b")
        ipb.link("set", index=ipb.link_lookup(ifname="v1")[0], state="up")
        out = [("a", msg) for msg in ipa.link("dump")]
        out += [("b", msg) for msg in ipb.link("dump")]
        return out
