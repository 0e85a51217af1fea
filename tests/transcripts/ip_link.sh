# ip link: add, set, show, delete on veth pairs and a bridge (addresses set explicitly)
ip link show
ip link add veth0 address 02:00:00:00:00:01 type veth peer name veth1 address 02:00:00:00:00:02
ip link show
ip l sh veth0
ip -br link
ip -o link show veth1
ip -j link show veth1
ip -j -p link show lo
ip link set veth0 mtu 9000 txqueuelen 500 alias uplink
ip link set veth1 name peer0
ip link show
ip link add br0 address 02:00:00:00:00:10 type bridge
ip link set veth0 master br0
ip link show master br0
ip link show type bridge
ip -br link show type veth
ip link set veth0 nomaster
ip link show nomaster
ip link set veth0 address 02:00:00:00:00:33
ip link show veth0
ip link add dev veth2 address 02:00:00:00:00:03 type veth peer name veth3 address 02:00:00:00:00:04
ip link add veth2 type veth peer name veth4
ip li del veth0
ip link show
ip link del veth2
ip link delete br0
ip link show
