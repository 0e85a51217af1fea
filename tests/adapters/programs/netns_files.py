"""pyroute2.netns's file API: getnsfd on a name, a move by that descriptor, bytes paths,
NetNS(libc=...), IPRoute(fileno=...) on a closed descriptor, get_netns_info's ids and peers."""

import errno
import os

from pyroute2 import IPRoute, NetNS, netns

NEEDS = ("veth",)


def main(prefix: str) -> list:
    out = []
    a, b = prefix + "a", prefix + "b"
    netns.create(a)
    try:
        netns.getnsfd(a, flags=os.O_CREAT | os.O_EXCL)
    except OSError as err:
        out.append(("a", ("getnsfd exclusive", err.errno)))
    fd = netns.getnsfd(a)
    with IPRoute(netns=b) as ipr:
        ipr.link("add", ifname="v0", kind="veth", peer="v1")
        (v1,) = ipr.link_lookup(ifname="v1")
        ipr.link("set", index=v1, net_ns_fd=fd)
        os.close(fd)
        out.append(("b", ("names", sorted(m.get("ifname") for m in ipr.link("dump")))))
        info = [
            (
                os.path.basename(i.get_attr("NSINFO_PATH"))[len(prefix) :],
                i["netnsid"],
                i.get_attrs("NSINFO_PEER"),
            )
            for i in ipr.get_netns_info()
            if os.path.basename(i.get_attr("NSINFO_PATH")).startswith(prefix)
        ]
        out.append(("b", ("netns info", sorted(info))))
    with IPRoute(netns=f"/var/run/netns/{a}".encode()) as ipr:
        out.append(("a", ("names", sorted(m.get("ifname") for m in ipr.link("dump")))))
    with NetNS(a, libc=None) as ns:
        out.append(("a", ("lookup", ns.link_lookup(ifname="v1"))))
    unused = next(fd for fd in range(900, 1000) if not _is_open(fd))
    null = os.open(os.devnull, os.O_RDONLY)
    for fileno in (unused, null):
        try:
            IPRoute(fileno=fileno)
        except OSError as err:
            out.append(("a", ("fileno", errno.errorcode[err.errno])))
    os.close(null)
    return out


def _is_open(fd: int) -> bool:
    try:
        os.fstat(fd)
    except OSError:
        return False
    return True
