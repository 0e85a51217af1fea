# A veth pair's life: create, bring up, look, move one end, delete.
ip link add veth0 address 02:00:00:00:00:01 type veth peer name veth1 address 02:00:00:00:00:02
ip link show veth0
ip link set veth0 up
ip link show veth0
ip link set veth1 up
ip -br link
ip link add veth0 type veth peer name veth2
ip link del veth1
ip link show
