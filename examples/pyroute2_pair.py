"""A pyroute2 program: a veth pair with its peer in a second namespace, then a duplicate.

    python examples/pyroute2_pair.py            # the real kernel (root; makes and removes
                                                # two namespaces of its own)
    python examples/pyroute2_pair.py --netlife  # the same code, served by a simulated host

Both print the same lines; tests/test_examples.py checks it.
"""

import os
import sys

from pyroute2 import IPRoute, netns
from pyroute2.netlink.exceptions import NetlinkError


def main(prefix: str) -> None:
    a, b = prefix + "a", prefix + "b"
    netns.create(a)
    netns.create(b)
    try:
        with IPRoute(netns=a) as ipa, IPRoute(netns=b) as ipb:
            ipa.link("add", ifname="v0", kind="veth", peer={"ifname": "v1", "net_ns_fd": b})
            ipa.link("set", index=ipa.link_lookup(ifname="v0")[0], state="up")
            for side, ipr in (("a", ipa), ("b", ipb)):
                for link in ipr.get_links():
                    kind = link.get(("linkinfo", "kind"))
                    print(side, link.get("ifname"), kind, link.get("operstate"), link.get("mtu"))
            try:
                ipa.link("add", ifname="v0", kind="veth", peer="v2")
            except NetlinkError as err:
                print("second v0:", os.strerror(err.code))
    finally:
        netns.remove(a)
        netns.remove(b)


if __name__ == "__main__":
    if "--netlife" in sys.argv:
        import netlife
        from netlife.adapters import served_by
        from netlife.userspace.host import Host

        with served_by(Host(netlife.Kernel())):
            main("pair-")
    else:
        main(f"nlpair-{os.getpid()}-")
