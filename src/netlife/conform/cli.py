"""`netlife conform CASE…`: each case on the model and on this machine's real kernel, compared.

Cases are files or directories of `*.case` files (conform/case.py). The model side always
runs. The real side runs when this process may make network namespaces (root, and a probe
`ip netns add` works); otherwise, or with --model-only, the reason is printed and only the
model runs: a case then passes when the model ran it without a netlife bug.

Exit status: 0 when every case compared equal (or ran on the model alone); 1 when any case
differs, had a line refused or a target failed on it; 2 for a case file that cannot be read or
parsed.

Nothing leaks, even under SIGKILL: from the command line the real side runs in a mount
namespace of its own (the process re-executes itself under `unshare --mount`, keeping its pid)
with a private tmpfs on /run/netns. The case namespaces are bind-mounted there only, so the
host's `ip netns list` never shows them, and when the process dies however it dies, the mount
namespace goes with it and so do the namespaces. KernelTarget also sweeps `nlc-<pid>-*` names
of dead processes that an in-process caller (a killed test run) left in the host's /run/netns.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import TextIO

from netlife.conform.case import Case, CaseError, load_cases, parse_case
from netlife.conform.compare import CaseResult, compare_case, render_table
from netlife.conform.model_target import ModelTarget
from netlife.conform.target import Observation

EXIT_DIFFER = 1
EXIT_USAGE = 2
PRIVATE_NETNS_ENV = "NETLIFE_CONFORM_PRIVATE_NETNS"  # set once inside the private mounts
NETNS_RUN_DIR = "/run/netns"


def enter_private_netns_dir(argv: list[str]) -> str | None:
    """Re-execute `netlife conform ARGV` in a mount namespace of its own with a tmpfs on
    /run/netns (same pid: unshare execs in place). Returns, inside it, after mounting the
    tmpfs: None, or why the private directory could not be made (the kernel side then skips)."""
    if os.environ.get(PRIVATE_NETNS_ENV) != str(os.getpid()):
        if os.geteuid() != 0 or shutil.which("unshare") is None:
            return None  # kernel_unavailable() says why the real side cannot run
        env = {**os.environ, PRIVATE_NETNS_ENV: str(os.getpid())}
        command = [sys.executable, "-m", "netlife", "conform", *argv]
        os.execvpe("unshare", ["unshare", "--mount", "--propagation", "private", "--", *command],
                   env)  # fmt: skip
    os.makedirs(NETNS_RUN_DIR, exist_ok=True)
    made = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "mode=0755", "netlife-conform", NETNS_RUN_DIR],
        capture_output=True,
        text=True,
        check=False,
    )
    if made.returncode != 0:
        return f"cannot mount a private {NETNS_RUN_DIR}: {made.stderr.strip()}"
    return None


def load_paths(paths: list[str]) -> list[Case]:
    """The cases of every path: a file is one case, a directory its `*.case` files in name
    order. Raises CaseError or OSError."""
    cases: list[Case] = []
    for path in paths:
        if Path(path).is_dir():
            cases += load_cases(path)
        else:
            cases.append(parse_case(path))
    return cases


def kernel_unavailable() -> str | None:
    """Why the real side cannot run here, or None when it can."""
    if os.geteuid() != 0:
        return "not root: making network namespaces needs root"
    if shutil.which("ip") is None:
        return "iproute2's `ip` is not installed"
    probe = f"nlc-{os.getpid()}-0-probe"
    made = subprocess.run(
        ["ip", "netns", "add", probe], capture_output=True, text=True, check=False
    )
    if made.returncode != 0:
        return f"`ip netns add` fails here: {made.stderr.strip()}"
    subprocess.run(["ip", "netns", "del", probe], capture_output=True, check=False)
    return None


def model_errors(obs: Observation, model: ModelTarget) -> str | None:
    """A netlife bug the model hit while running the case, if any (first line of it)."""
    errors = model.internal_errors.get(obs.case)
    return f"model: netlife bug: {errors[0].splitlines()[-1]}" if errors else None


def run_cases(cases: list[Case], with_kernel: bool, skipped_reason: str = "") -> list[CaseResult]:
    """Run every case on the model (and the kernel when with_kernel); one result per case."""
    model = ModelTarget()
    kernel = None
    if with_kernel:
        from netlife.conform.kernel_target import KernelTarget

        kernel = KernelTarget()
    results = []
    for case in cases:
        try:
            got = model.run_case(case)
        except Exception as err:  # a netlife bug: report it on this case, go on with the rest
            results.append(CaseResult(case.name, error=f"model: {type(err).__name__}: {err}"))
            continue
        bug = model_errors(got, model)
        if bug:
            results.append(CaseResult(case.name, error=bug))
            continue
        if kernel is None:
            results.append(CaseResult(case.name, skipped=f"kernel not run: {skipped_reason}"))
            continue
        try:
            expected = kernel.run_case(case)
        except Exception as err:
            results.append(CaseResult(case.name, error=f"kernel: {type(err).__name__}: {err}"))
            continue
        results.append(compare_case(expected, got))
    return results


def conform_command(paths: list[str], model_only: bool = False) -> int:
    """`netlife conform`: the real side in private mounts (enter_private_netns_dir), then run."""
    reason = (
        None
        if model_only
        else enter_private_netns_dir([*(["--model-only"] if model_only else []), *paths])
    )
    return conform_main(paths, model_only=model_only, unavailable=reason)


def conform_main(
    paths: list[str],
    model_only: bool = False,
    out: TextIO | None = None,
    unavailable: str | None = None,
) -> int:
    """Load the cases, run them, print the table; the exit status as the module says."""
    out = out or sys.stdout
    try:
        cases = load_paths(paths)
    except CaseError as err:
        sys.stderr.write(f"netlife conform: {err}\n")
        return EXIT_USAGE
    except OSError as err:
        sys.stderr.write(f"netlife conform: cannot read {err.filename}: {err.strerror}\n")
        return EXIT_USAGE
    reason = "--model-only" if model_only else unavailable or kernel_unavailable()
    if reason:
        out.write(f"netlife conform: real kernel side skipped ({reason}); running the model only\n")
    results = run_cases(cases, with_kernel=reason is None, skipped_reason=reason or "")
    out.write(render_table(results))
    failed = [r for r in results if r.status in ("differ", "refused", "error")]
    return EXIT_DIFFER if failed else 0


def main(argv: list[str] | None = None) -> int:
    """`python -m netlife.conform.cli [--model-only] CASE…`."""
    parser = argparse.ArgumentParser(prog="netlife conform")
    parser.add_argument("cases", nargs="+", help="case files or directories of *.case files")
    parser.add_argument("--model-only", action="store_true", help="do not run the real kernel")
    args = parser.parse_args(argv)
    return conform_command(args.cases, model_only=args.model_only)


if __name__ == "__main__":
    sys.exit(main())
