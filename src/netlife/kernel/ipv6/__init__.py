"""IPv6: net/ipv6 of the kernel tree (addrconf, route, af_inet6)."""
