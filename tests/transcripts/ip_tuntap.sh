# ip tuntap: persistent tun devices made through /dev/net/tun ioctls
ip tuntap add tn0 mode tun
ip tuntap add tn1 mode tun multi_queue
ip tuntap add tn0 mode tun
ip tuntap add tn2 mode foo
ip link show
ip tuntap del tn0 mode tun
ip tuntap del tn1 mode tun multi_queue
ip link show
