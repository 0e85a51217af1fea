# ip link set up/down: carrier and operstate of a veth pair, renaming a running device
ip link add veth0 address 02:00:00:00:00:01 type veth peer name veth1 address 02:00:00:00:00:02
ip link set veth0 up
ip link show
ip link set veth1 up
ip link show
ip -br link
ip link show up
ip link set veth1 name peer0
ip link set peer0 down
ip link show
ip link set veth0 down
ip link show
