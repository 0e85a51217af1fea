# A container leases an RX queue of the host's NIC by the id it has for the host's namespace,
# runs AF_XDP on it, and the NIC goes away (PCI unbind): both netkit ends go with it.
ip netns add ctr
ip netns attach hostroot 1
ip -n ctr netns set hostroot 5
ip link add nk type netkit mode l2 peer name nkc numrxqueues 2
ip link set nkc netns ctr
NKC=$(ip netns exec ctr cat /sys/class/net/nkc/ifindex)
ip netns exec ctr ynl --family netdev --do queue-create --json '{"ifindex": '$NKC', "type": "rx", "lease": {"ifindex": 2, "queue": {"id": 15, "type": "rx"}, "netns-id": 7}}'
ip netns exec ctr ynl --family netdev --do queue-create --json '{"ifindex": '$NKC', "type": "rx", "lease": {"ifindex": 2, "queue": {"id": 15, "type": "rx"}, "netns-id": 5}}'
ip link set enp10s0f0np0 up
ynl --family netdev --do queue-get --json '{"ifindex": 2, "id": 15, "type": "rx"}'
ip link set nk up
ip -n ctr link set nkc up
ip netns exec ctr xdpsock -i nkc -q 1 &
echo 0000:0a:00.0 > /sys/bus/pci/drivers/mlx5_core/unbind
ip -br link
ip -n ctr -br link
