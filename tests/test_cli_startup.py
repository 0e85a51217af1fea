"""The command line starts light: `--help`, `--version` and the `ip`/`serve` paths import no
kernel model, and the light parser names the same subcommands as the full one."""

import subprocess
import sys

from netlife.cli import build_parser


def subcommands(parser) -> dict[str, str]:
    action = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
    return {choice.dest: choice.help for choice in action._choices_actions}


def test_the_light_parser_lists_every_subcommand_with_the_full_help():
    assert subcommands(build_parser(full=False)) == subcommands(build_parser(full=True))


def test_help_and_version_import_no_model():
    code = (
        "import sys, contextlib, io\n"
        "from netlife.cli import main\n"
        "for argv in (['--help'], ['--version']):\n"
        "    with contextlib.suppress(SystemExit), contextlib.redirect_stdout(io.StringIO()):\n"
        "        main(argv)\n"
        "print(sorted(m for m in sys.modules if m.startswith('netlife.') and m != 'netlife.cli'))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]", done.stdout


def test_version(capsys):
    from netlife import __version__
    from netlife.cli import main

    try:
        main(["--version"])
    except SystemExit as done:
        assert done.code == 0
    assert capsys.readouterr().out == f"netlife {__version__}\n"
