"""pytest fixtures that run pyroute2 code against a simulated host: no root, no real kernel.

Registered as the `netlife` pytest plugin (entry point pytest11), so a project that installs
netlife gets:

- netlife_host: a fresh simulated host (Kernel with netlife's drivers, its userspace Host);
- netlife_pyroute2: the served_by(host) session: every IPRoute / NetNS / AsyncIPRoute /
  IPRSocket the test or the code under test creates talks to that host;
- netlife_iproute: an IPRoute on the host's init_net, inside that session.

Everything the test leaves open is closed at teardown, as a process exit would.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from netlife.adapters.pyroute2_engine import Pyroute2Session, served_by


@pytest.fixture
def netlife_host() -> Any:
    from netlife import Kernel
    from netlife.userspace.host import Host

    return Host(Kernel())


@pytest.fixture
def netlife_pyroute2(netlife_host: Any) -> Iterator[Pyroute2Session]:
    with served_by(netlife_host) as session:
        yield session


@pytest.fixture
def netlife_iproute(netlife_pyroute2: Pyroute2Session) -> Iterator[Any]:
    ipr = netlife_pyroute2.iproute()
    try:
        yield ipr
    finally:
        ipr.close()
