"""Adapters between the model and outside libraries; they import netlife.kernel only.

pyroute2_msg.py converts link messages between the model's IfInfoMsg and pyroute2's ifinfmsg
(from_pyroute2, to_pyroute2): real-kernel dumps become model messages the `ip` printer can print,
and model messages become what unmodified pyroute2 programs expect to receive.

pyroute2_engine.py serves the model to unmodified pyroute2 programs: `served_by(host)` makes
every IPRoute created inside talk to the simulated host; `iproute(host)` gives one directly.
"""

from netlife.adapters.pyroute2_engine import (
    check_pyroute2,
    iproute,
    kernel_socket,
    served_by,
)

__all__ = ["check_pyroute2", "iproute", "kernel_socket", "served_by"]
