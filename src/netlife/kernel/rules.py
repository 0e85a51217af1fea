"""The lifetime rules the model enforces, each with a stable id and where it comes from.

A rule is either a BUG (the kernel stops: KernelBug) or a WARN (the kernel logs `WARNING:` and
goes on; the model records a violation). `site` is the file and function the check sits in, as
the kernel's report names it; `source` cites the sentence or function the rule comes from.
"""

from __future__ import annotations

from dataclasses import dataclass

_DOC = "Documentation/networking/netdevices.rst"


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    kind: str  # "BUG" or "WARN"
    site: str
    summary: str
    source: str


RULES: dict[str, Rule] = {}


def _rule(id: str, kind: str, site: str, summary: str, source: str) -> None:
    RULES[id] = Rule(id, kind, site, summary, source)


_rule(
    "rtnl-not-held",
    "BUG",
    "net/core/rtnetlink.c:ASSERT_RTNL",
    "RTNL must be held (register_netdevice, unregister_netdevice_queue, dev_open ...)",
    f"{_DOC}: 'Second group can be used when rtnl_lock is already held: register_netdevice(), "
    "unregister_netdevice()'; net/core/rtnetlink.c:ASSERT_RTNL",
)
_rule(
    "rtnl-double-lock",
    "BUG",
    "net/core/rtnetlink.c:rtnl_lock",
    "rtnl_lock taken by a task that already holds it (self-deadlock)",
    "kernel/locking/mutex.c: a mutex is not recursive; register_netdev() takes RTNL itself",
)
_rule(
    "rtnl-unlock-unheld",
    "BUG",
    "net/core/rtnetlink.c:rtnl_unlock",
    "rtnl_unlock without holding RTNL",
    "kernel/locking/mutex.c:mutex_unlock",
)
_rule(
    "register-not-uninitialized",
    "BUG",
    "net/core/dev.c:register_netdevice",
    "register_netdevice of a device that is not NETREG_UNINITIALIZED",
    "net/core/dev.c:register_netdevice: BUG_ON(dev->reg_state != NETREG_UNINITIALIZED)",
)
_rule(
    "unregister-uninitialized",
    "WARN",
    "net/core/dev.c:unregister_netdevice_many_notify",
    "unregister of a device that was never registered",
    "net/core/dev.c:unregister_netdevice_many_notify: WARN_ON(dev->reg_state == "
    "NETREG_UNINITIALIZED)",
)
_rule(
    "unregister-not-registered",
    "BUG",
    "net/core/dev.c:unregister_netdevice_many_notify",
    "double unregister: the device is not NETREG_REGISTERED",
    "net/core/dev.c:unregister_netdevice_many_notify: BUG_ON(dev->reg_state != NETREG_REGISTERED)",
)
_rule(
    "free-registered",
    "BUG",
    "net/core/dev.c:free_netdev",
    "free_netdev of a device that is still registered",
    f"{_DOC}: 'free_netdev() can be called after unregister_netdev() returns or when "
    "register_netdev() failed'; net/core/dev.c:free_netdev: BUG_ON(dev->reg_state != "
    "NETREG_UNREGISTERED)",
)
_rule(
    "double-free",
    "BUG",
    "net/core/dev.c:free_netdev",
    "free_netdev of a device that was already freed (NETREG_RELEASED)",
    "net/core/dev.c:free_netdev: BUG_ON(dev->reg_state != NETREG_UNREGISTERED)",
)
_rule(
    "use-after-free",
    "BUG",
    "mm/kasan/report.c:kasan_report",
    "a freed net_device was used",
    "KASAN: use-after-free on struct net_device",
)
_rule(
    "rtnl-link-ops-freed-by-driver",
    "WARN",
    "net/core/dev.c:free_netdev",
    "a device created through rtnl_link_ops was freed directly by its driver",
    f"{_DOC}: 'Devices spawned from struct rtnl_link_ops should never free the struct "
    "net_device directly.'",
)
_rule(
    "upper-left-after-unregister",
    "WARN",
    "net/core/dev.c:unregister_netdevice_many_notify",
    "an upper device is still linked after NETDEV_UNREGISTER",
    "net/core/dev.c:unregister_netdevice_many_notify: WARN_ON(netdev_has_any_upper_dev(dev))",
)
_rule(
    "lower-left-after-unregister",
    "WARN",
    "net/core/dev.c:unregister_netdevice_many_notify",
    "a lower device is still linked after NETDEV_UNREGISTER",
    "net/core/dev.c:unregister_netdevice_many_notify: WARN_ON(netdev_has_any_lower_dev(dev))",
)
_rule(
    "run-todo-not-unregistering",
    "WARN",
    "net/core/dev.c:netdev_run_todo",
    "a device on the todo list is not NETREG_UNREGISTERING",
    "net/core/dev.c:netdev_run_todo: pr_err(\"network todo '%s' but state %d\")",
)
_rule(
    "refcnt-negative",
    "WARN",
    "lib/ref_tracker.c:ref_tracker_free",
    "a reference was dropped that was not held (refcount underflow)",
    "include/linux/netdevice.h:netdev_put / lib/ref_tracker.c:ref_tracker_free",
)
_rule(
    "tracker-leak-at-free",
    "WARN",
    "lib/ref_tracker.c:ref_tracker_dir_exit",
    "tracked references were still outstanding when the device was freed",
    "lib/ref_tracker.c:ref_tracker_dir_exit: WARN_ON_ONCE(leak)",
)
_rule(
    "unlock-with-todo",
    "WARN",
    "net/core/rtnetlink.c:__rtnl_unlock",
    "RTNL released with __rtnl_unlock while the todo list is not empty",
    "net/core/rtnetlink.c:__rtnl_unlock: WARN_ON(!list_empty(&net_todo_list))",
)
_rule(
    "todo-not-free",
    "BUG",
    "net/core/dev.c:netdev_run_todo",
    "a device left the wait with a reference count other than 1",
    "net/core/dev.c:netdev_run_todo: BUG_ON(netdev_refcnt_read(dev) != 1)",
)
_rule(
    "release-not-released",
    "BUG",
    "net/core/net-sysfs.c:netdev_release",
    "the last kobject reference went before free_netdev",
    "net/core/net-sysfs.c:netdev_release: BUG_ON(dev->reg_state != NETREG_RELEASED)",
)
_rule(
    "adjacency-too-deep",
    "WARN",
    "net/core/dev.c:__netdev_upper_dev_link",
    "stacking deeper than MAX_NEST_DEV",
    "net/core/dev.c:__netdev_upper_dev_link: -EMLINK",
)
_rule(
    "name-too-long",
    "BUG",
    "net/core/dev.c:alloc_netdev_mqs",
    "alloc_netdev_mqs with a name of IFNAMSIZ or more bytes",
    "net/core/dev.c:alloc_netdev_mqs: BUG_ON(strlen(name) >= sizeof(dev->name))",
)
_rule(
    "loopback-ifindex",
    "BUG",
    "drivers/net/loopback.c:loopback_net_init",
    "loopback did not get ifindex 1 (LOOPBACK_IFINDEX)",
    "net/core/dev.c:register_netdevice: BUG_ON(dev->ifindex != LOOPBACK_IFINDEX) for lo",
)
