"""Operations on a device that does not exist: get, set and del by name and by index."""

from pyroute2 import IPRoute
from pyroute2.netlink.exceptions import NetlinkError


def main(prefix: str) -> list:
    out = []
    with IPRoute(netns=prefix + "a", ext_ack=True) as ipr:
        calls = (
            ("get", {"ifname": "nosuch0"}),
            ("get", {"index": 77}),
            ("set", {"index": 77, "mtu": 1400}),
            ("del", {"ifname": "nosuch0"}),
            ("del", {"index": 77}),
        )
        for command, args in calls:
            try:
                ipr.link(command, **args)
                out.append(("a", ("ok", command)))
            except NetlinkError as err:
                out.append(("a", ("error", command, err.code, str(err))))
        out.append(("a", ("lookup", ipr.link_lookup(ifname="nosuch0"))))
    return out
