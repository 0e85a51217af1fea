"""A macvlan needs a lower device: no link is EINVAL, a missing one ENODEV."""

from pyroute2 import IPRoute
from pyroute2.netlink.exceptions import NetlinkError

NEEDS = ("macvlan",)


def main(prefix: str) -> list:
    out = []
    with IPRoute(netns=prefix + "a", ext_ack=True) as ipr:
        for args in ({}, {"link": 99}):
            try:
                ipr.link("add", ifname="mv0", kind="macvlan", **args)
            except NetlinkError as err:
                out.append(("a", ("error", err.code, str(err))))
        out += [("a", msg) for msg in ipr.link("dump")]
    return out
