"""Deleting the loopback device is refused (EOPNOTSUPP: it has no rtnl_link_ops)."""

from pyroute2 import IPRoute
from pyroute2.netlink.exceptions import NetlinkError


def main(prefix: str) -> list:
    out = []
    with IPRoute(netns=prefix + "a", ext_ack=True) as ipr:
        for args in ({"ifname": "lo"}, {"index": 1}):
            try:
                ipr.link("del", **args)
            except NetlinkError as err:
                out.append(("a", ("error", err.code, str(err))))
        out.append(("a", ipr.link("get", index=1)[0]))
    return out
