# ip link: what iproute2 prints for bad requests and bad input
ip link add veth0 address 02:00:00:00:00:01 type veth peer name veth1 address 02:00:00:00:00:02
ip link add veth0 type veth peer name veth9
ip link del nothere
ip link set nothere up
ip link show nothere
ip link foo
ip foo
ip link add x type nosuchkind
ip link add x
ip link add name
ip link add a type veth peer
ip link set veth0 mtu abc
ip link set veth0 mtu 10
ip link set veth0 mtu 100000
ip link set veth0 master nobb
ip link set veth0 promisc maybe
ip link set veth0 address 02:00:00:00:01
ip link set veth0 name veth1
ip link set veth0 name this-name-is-too-long
ip link add name q dev z type veth
ip link set dev veth0 veth1
ip link set veth0 index 5
ip link set
ip -badopt link
ip link show
