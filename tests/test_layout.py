"""The import direction of style.md: kernel imports nothing else from netlife, and so on."""

import ast
import pathlib

SRC = pathlib.Path(__file__).resolve().parent.parent / "src" / "netlife"

# package → netlife packages it may import (besides itself)
ALLOWED = {
    "kernel": set(),
    "drivers": {"kernel"},
    "userspace": {"kernel", "drivers"},
    "scenario": {"kernel", "drivers", "userspace"},
    "adapters": {"kernel"},
    "conform": {"kernel", "drivers", "userspace", "scenario"},
    "pictures": {"kernel", "drivers", "userspace", "scenario"},
    "explore": {"kernel", "drivers", "userspace", "scenario"},
}


def _netlife_imports(path: pathlib.Path) -> set[str]:
    tree = ast.parse(path.read_text())
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("netlife"):
            parts = node.module.split(".")
            found.add(parts[1] if len(parts) > 1 else "")
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("netlife."):
                    found.add(alias.name.split(".")[1])
    return found


# Front ends that build a whole host, like the cli: they may import anything.
FRONT_ENDS = {"adapters/pytest_plugin.py", "pictures/cli.py"}


def test_packages_import_only_in_the_allowed_direction():
    bad = []
    for package, allowed in ALLOWED.items():
        for path in sorted((SRC / package).rglob("*.py")):
            if str(path.relative_to(SRC)) in FRONT_ENDS:
                continue
            for target in _netlife_imports(path):
                if target != package and target not in allowed:
                    bad.append(f"{path.relative_to(SRC)} imports netlife.{target}")
    assert not bad, "\n".join(bad)


# `netlife serve` and its client: a Unix socket between two netlife processes and a wait for
# the state file's lock; no real kernel object is touched.
LOCAL_SERVICE = {"scenario/shim_client.py", "scenario/serve.py"}


def test_only_conform_touches_the_real_kernel():
    offenders = []
    for path in sorted(SRC.rglob("*.py")):
        rel = path.relative_to(SRC)
        if rel.parts[0] == "conform" or rel.parts[0] == "adapters":
            continue
        if str(rel) in LOCAL_SERVICE:
            continue
        text = path.read_text()
        for needle in (
            "import subprocess",
            "import socket",
            "from pyroute2",
            "import pyroute2",
            "time.sleep",
        ):
            if needle in text:
                offenders.append(f"{rel}: {needle}")
    assert not offenders, "\n".join(offenders)
