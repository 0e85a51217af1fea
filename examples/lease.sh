# The seed's setup: a single-mode netkit device nk leases RX queue 15 of enp10s0f0np0 and an
# AF_XDP application runs on the leased queue (as `netlife demo` does).
ynl --family rt-link --do newlink --create --json '{"ifname": "nk", "num-rx-queues": 2, "linkinfo": {"kind": "netkit", "data": {"pairing": "single"}}}'
NK=$(cat /sys/class/net/nk/ifindex)
PHYS=$(cat /sys/class/net/enp10s0f0np0/ifindex)
ynl --family netdev --do queue-create --json '{"ifindex": '$NK', "type": "rx", "lease": {"ifindex": '$PHYS', "queue": {"type": "rx", "id": 15}}}'
ip link set nk up
xdpsock -i nk -q 1 &
