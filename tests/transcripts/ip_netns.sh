# ip netns: names, ids, moving a veth end, exec, deletion
ip netns add nlhip-a
ip netns add nlhip-b
ip netns add nlhip-a
ip netns list
ip link add veth0 address 02:00:00:00:00:01 type veth peer name veth1 address 02:00:00:00:00:02
ip link set veth1 netns nlhip-a
ip netns list
ip link show
ip -n nlhip-a link show
ip netns exec nlhip-a ip -br link
ip netns identify
ip netns exec nlhip-b ip netns identify
ip netns set nlhip-b 7
ip netns set nlhip-b 8
ip netns list-id
ip -j netns list
ip link add veth2 address 02:00:00:00:00:03 type veth peer name veth3 address 02:00:00:00:00:04 netns nlhip-b
ip link show veth2
ip -n nlhip-b link show veth3
ip netns exec nlhip-zz ip link
ip netns exec nlhip-a nosuchcmd
ip -n nope link
ip netns add a/b
ip netns foo
ip netns del nlhip-a
ip link show
ip netns del nlhip-a
ip netns list
ip -all netns del
ip netns list
