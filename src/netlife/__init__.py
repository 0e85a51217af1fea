"""netlife: an executable model of the Linux kernel's network-device lifetime machinery.

The public Python API (netlife/api.py): Kernel (a simulated host with the drivers table loaded)
and the kernel-named operations, under the kernel's own names. They load on first use
(`netlife.Kernel`, `from netlife import Kernel`), so the command line and the shims' client
start without importing the kernel model.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    if name.startswith("__") or name == "api":
        raise AttributeError(name)
    api = importlib.import_module("netlife.api")
    try:
        return getattr(api, name)
    except AttributeError:
        raise AttributeError(f"module 'netlife' has no attribute {name!r}") from None


def __dir__() -> list[str]:
    api = importlib.import_module("netlife.api")
    return sorted({*globals(), *api.__all__})
