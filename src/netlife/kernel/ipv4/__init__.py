"""IPv4: net/ipv4 of the kernel tree (devinet, fib_frontend, fib_semantics, af_inet)."""
