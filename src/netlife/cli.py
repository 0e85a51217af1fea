"""The command line: `netlife demo | run | shell | ip | conform | snapshot | what-if | graph |
report | explore`.

Model-only front end. Exit status: 0 success; the script's or command's own status; 2 usage
errors; 70 when netlife itself failed (a bug: the message says what reproduces it).
"""

from __future__ import annotations

import argparse
import math
import sys
import traceback


def _cmd_demo(args: argparse.Namespace) -> int:
    if args.html or args.graph:
        from netlife.pictures.cli import demo_pictures

        return demo_pictures(args, sys.stdout)
    from netlife.demo import main as demo_main

    return demo_main(sys.stdout, args)


def _cmd_serve(args: argparse.Namespace) -> int:
    from netlife.scenario.serve import IDLE_SECS, serve, stop

    if args.stop:
        return stop(args.state)
    return serve(args.state, args.machine, IDLE_SECS if args.idle is None else args.idle)


def _cmd_shims(args: argparse.Namespace) -> int:
    from netlife.scenario.serve import write_shims

    for path in write_shims(args.dir, args.state, args.machine):
        sys.stdout.write(f"{path}\n")
    return 0


def _kernel_options(args: argparse.Namespace) -> dict:
    options: dict = {}
    if getattr(args, "no_netkit_notifier", False):
        options["netkit_notifier"] = False
    if getattr(args, "no_xsk_notifier", False):
        options["xsk_notifier"] = False
    if getattr(args, "hang_bound", None) is not None:
        options["hang_bound_secs"] = args.hang_bound
    return options


def _cmd_run(args: argparse.Namespace) -> int:
    from netlife.scenario.run import run_file

    return run_file(
        args.file,
        json_out=args.json,
        stop_on_error=args.stop_on_error,
        machine=args.machine,
        out=sys.stdout,
        **_kernel_options(args),
    )


def _cmd_shell(args: argparse.Namespace) -> int:
    from netlife.scenario.run import interactive

    return interactive(machine=args.machine, **_kernel_options(args))


def _cmd_ip(args: argparse.Namespace) -> int:
    from netlife.scenario.state import run_ip_with_state

    return run_ip_with_state(args.state, args.argv, machine=args.machine)


def _cmd_conform(args: argparse.Namespace) -> int:
    from netlife.conform.cli import conform_command

    return conform_command(args.cases, model_only=args.model_only)


def _cmd_snapshot(args: argparse.Namespace) -> int:
    from netlife.conform.snapshot_cli import snapshot_main

    return snapshot_main(args.output, args.netns)


def _cmd_what_if(args: argparse.Namespace) -> int:
    from netlife.conform.snapshot_cli import what_if_main

    return what_if_main(
        args.commands, args.source, args.live, args.json, _kernel_options(args), args.script
    )


def _cmd_graph(args: argparse.Namespace) -> int:
    from netlife.pictures.cli import graph_main

    return graph_main(args, _kernel_options(args))


def _cmd_explore(args: argparse.Namespace) -> int:
    from netlife.explore.cli import explore_main

    return explore_main(args, _kernel_options(args))


def _cmd_report(args: argparse.Namespace) -> int:
    from netlife.pictures.cli import report_main

    return report_main(args, _kernel_options(args))


def _kernel_args(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--no-netkit-notifier",
        action="store_true",
        help="run the kernel as it was before the netkit NETDEV_UNREGISTER notifier commit",
    )
    p.add_argument(
        "--no-xsk-notifier",
        action="store_true",
        help="run AF_XDP as before commit 455302d1c9ae (no NETDEV_UNREGISTER notifier)",
    )
    p.add_argument(
        "--hang-bound",
        type=_hang_bound,
        metavar="SECS",
        help="virtual seconds a blocked command may wait before it is reported hung (600)",
    )


def _hang_bound(text: str) -> float:
    """--hang-bound: a finite number of virtual seconds, 0 or more."""
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not math.isfinite(value) or value < 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds (finite, 0 or more)")
    return value


# Subcommands whose parsers import their whole package (pictures, explore): the start-up of
# every other command, `--help` and `--version` does without them.
LATE_SUBCOMMANDS = {
    "graph": "draw the device and reference graph (DOT, SVG or PNG)",
    "explore": "search for lifetime bugs; each finding as a script",
    "report": "run a scenario and write an HTML report (timeline, graphs, hangs, transcript)",
}


def build_parser(full: bool = True) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="netlife",
        description="An executable model of Linux network-device lifetime.",
    )
    from netlife import __version__

    parser.add_argument("--version", action="version", version=f"netlife {__version__}")
    sub = parser.add_subparsers(dest="command")
    p = sub.add_parser("demo", help="play the seed scenario on the built-in default machine")
    p.add_argument(
        "--before-fix",
        action="store_true",
        help="only the kernel as it was before the netkit notifier commit",
    )
    p.add_argument("--after-fix", action="store_true", help="only the kernel with the notifier")
    p.add_argument("--html", metavar="FILE", help="also write the HTML report of the run(s)")
    p.add_argument("--graph", metavar="FILE", help="also draw the device graph at rmmod")
    p.set_defaults(func=_cmd_demo)
    p = sub.add_parser("run", help="play a scenario script and print its transcript")
    p.add_argument("file")
    p.add_argument("--json", action="store_true", help="print the JSON record instead")
    p.add_argument("--stop-on-error", action="store_true")
    p.add_argument("--machine", help="machine profile (TOML); default: the built-in machine")
    _kernel_args(p)
    p.set_defaults(func=_cmd_run)
    p = sub.add_parser("shell", help="an interactive root shell on the simulated host")
    p.add_argument("--machine")
    _kernel_args(p)
    p.set_defaults(func=_cmd_shell)
    p = sub.add_parser("ip", help="one `ip` command against a saved host (--state FILE)")
    p.add_argument("--state", required=True, help="JSON snapshot of the host (created if absent)")
    p.add_argument("--machine")
    p.add_argument("argv", nargs=argparse.REMAINDER)
    p.set_defaults(func=_cmd_ip)
    p = sub.add_parser("serve", help="keep a saved host up behind a Unix socket (--state FILE)")
    p.add_argument("--state", required=True, help="the saved host it serves and keeps saved")
    p.add_argument("--machine")
    p.add_argument("--idle", type=float, metavar="SECS", help="exit after SECS idle (300)")
    p.add_argument("--stop", action="store_true", help="stop the server of --state")
    p.set_defaults(func=_cmd_serve)
    p = sub.add_parser("shims", help="write ip, bridge, modprobe … into DIR for PATH=DIR:$PATH")
    p.add_argument("dir")
    p.add_argument("--state", help="the saved host they act on (else $NETLIFE_STATE)")
    p.add_argument("--machine", help="machine profile of a new --state file")
    p.set_defaults(func=_cmd_shims)
    p = sub.add_parser("conform", help="run case files on the model and the real kernel")
    p.add_argument("cases", nargs="+")
    p.add_argument(
        "--model-only", action="store_true", help="run the model side only (no root needed)"
    )
    p.set_defaults(func=_cmd_conform)
    p = sub.add_parser("snapshot", help="read this host (read-only) into a machine profile")
    p.add_argument("-o", "--output", help="write the profile here (default: stdout)")
    p.add_argument("--netns", nargs="+", metavar="NAME", help="read only these namespaces")
    p.set_defaults(func=_cmd_snapshot)
    p = sub.add_parser("what-if", help="what commands would do on a snapshot of a host")
    source = p.add_mutually_exclusive_group()
    source.add_argument("--from", dest="source", metavar="PROFILE", help="a profile to boot")
    source.add_argument("--live", action="store_true", help="snapshot this host first")
    p.add_argument("--json", action="store_true", help="one JSON object for tools")
    _kernel_args(p)
    p.add_argument("--script", metavar="FILE", help="command lines to play first, one a line")
    p.add_argument("commands", nargs="*", metavar="CMD", help="command lines, one per argument")
    p.set_defaults(func=_cmd_what_if)
    if not full:  # their options need heavy imports: named here, defined when chosen
        for name, text in LATE_SUBCOMMANDS.items():
            sub.add_parser(name, help=text)
        return parser
    from netlife.pictures.cli import add_graph_parser, add_report_parser

    add_graph_parser(sub, _kernel_args).set_defaults(func=_cmd_graph)
    p = sub.add_parser("explore", help=LATE_SUBCOMMANDS["explore"])
    from netlife.explore.cli import add_arguments

    add_arguments(p)
    _kernel_args(p)
    p.set_defaults(func=_cmd_explore)
    add_report_parser(sub, _kernel_args).set_defaults(func=_cmd_report)
    return parser


def _split_ip_args(argv: list[str]) -> list[str]:
    """`netlife ip [--state F] [--machine M] IP-ARGS…`: IP-ARGS are iproute2's own (-br, -j …),
    so they must not reach argparse; mark where they start."""
    if not argv or argv[0] != "ip":
        return argv
    head, i = ["ip"], 1
    while i < len(argv) and argv[i] in ("--state", "--machine", "-h", "--help"):
        take = 1 if argv[i] in ("-h", "--help") else 2
        head += argv[i : i + take]
        i += take
    return [*head, "--", *argv[i:]]


def main(argv: list[str] | None = None) -> int:
    words = sys.argv[1:] if argv is None else argv
    parser = build_parser(full=bool(LATE_SUBCOMMANDS.keys() & set(words)))
    args = parser.parse_args(_split_ip_args(words))
    if args.command is None:  # `netlife` alone: what it can do
        parser.print_help()
        return 0
    try:
        return args.func(args)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
    except Exception as err:
        # Imported here, not up front: loading the machine module would slow every start-up.
        from netlife.scenario.machine import ProfileError

        if isinstance(err, ProfileError):  # a bad machine profile: the user's input, not a bug
            sys.stderr.write(f"netlife: {err}\n")
            return 2
        sys.stderr.write(
            "netlife: internal error (a netlife bug); please report with the command:\n"
        )
        sys.stderr.write(f"  netlife {' '.join(sys.argv[1:] if argv is None else argv)}\n")
        sys.stderr.write(traceback.format_exc())
        return 70


if __name__ == "__main__":
    sys.exit(main())
