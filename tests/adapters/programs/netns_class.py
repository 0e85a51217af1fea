"""The legacy NetNS class works on a named namespace; get_links filters client side."""

from pyroute2 import NetNS

NEEDS = ("veth",)


def main(prefix: str) -> list:
    with NetNS(prefix + "a") as ns:
        ns.link("add", ifname="v0", kind="veth", peer="v1")
        ns.link("set", index=ns.link_lookup(ifname="v0")[0], state="up")
        return [("a", msg) for msg in ns.get_links()] + [
            ("a", ("lookup", ns.link_lookup(operstate="DOWN")))
        ]
