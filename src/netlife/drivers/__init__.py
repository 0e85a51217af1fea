"""The drivers: kernel modules as plug-ins, each file named after the module it models.

MODULES is what the simulated host's modprobe can find (name → Module); a new driver is one
file and one line here.
"""

from __future__ import annotations

from netlife.drivers import dummy, loopback, veth
from netlife.kernel.module import Module

MODULES: dict[str, Module] = {m.MODULE.name: m.MODULE for m in (loopback, dummy, veth)}
