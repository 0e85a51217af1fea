"""A kind no module provides: EOPNOTSUPP with the kernel's extack text, and without ext_ack."""

from pyroute2 import IPRoute
from pyroute2.netlink.exceptions import NetlinkError


def main(prefix: str) -> list:
    out = []
    for ext_ack in (True, False):
        with IPRoute(netns=prefix + "a", ext_ack=ext_ack) as ipr:
            try:
                ipr.link("add", ifname="x0", kind="nosuchkind")
            except NetlinkError as err:
                out.append(("a", ("error", ext_ack, err.code, str(err))))
    return out
