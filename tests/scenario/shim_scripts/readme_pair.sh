# The README example of `netlife shims`.
ip netns add blue
ip link add v0 address 02:00:00:00:00:01 type veth peer name v1 address 02:00:00:00:00:02 netns blue
ip -n blue link set v1 up mtu 9000
ip netns exec blue sh -c 'ip -br link show v1; cat /sys/class/net/v1/mtu'
ip link add v0 type veth || echo "add failed: $?"
