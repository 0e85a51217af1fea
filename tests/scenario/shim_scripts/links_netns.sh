# Links, namespaces and errors, as an upstream-style test script would drive them.
ip link add v0 address 02:00:00:00:00:01 type veth peer name v1 address 02:00:00:00:00:02
ip -br link
cat /sys/class/net/v0/mtu
ip netns add nlshim-a
ip link set v1 netns nlshim-a
ip netns list
ip netns exec nlshim-a ip -br link
ip -n nlshim-a link set v1 up mtu 9000
ip -n nlshim-a -br link show v1
ip netns exec nlshim-a sh -c 'cat /sys/class/net/v1/mtu; ip -br link show dev v1'
ip link add v0 type veth; echo "rc=$?"
ip link set nosuch up; echo "rc=$?"
ip -n nlshim-b link; echo "rc=$?"
ip link set v0 alias uplink
ip -d -j link show v0 | head -c 120; echo
ip link del v0
ip netns exec nlshim-a ip -br link
ip netns del nlshim-a
ip netns list
ip -br link
