# ip link/address show forms on loopback: -d, -s, -j, -br, the address object
ip a
ip -br a
ip -j a
ip -d link show lo
ip -s link show lo
ip -s -s link show lo
ip -j -s link show lo
ip link show dev lo up
ip -V
