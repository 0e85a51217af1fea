"""The shell's faces to a person: the transcript, and `netlife shell` (history, completion).

Model-only. render_transcript prints steps as a terminal shows them (prompt, command with `> `
continuation lines, then output); run_interactive reads, runs and prints until EOF or `exit`,
with readline history and Tab completion on a terminal.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any, TextIO

from netlife.scenario.script import ScriptError, parse_script
from netlife.scenario.shell import BUILTINS, ShellSession, StepResult


def render_transcript(results: list[StepResult], prompt: str = "root@netlife:~# ") -> str:
    """Each step as a terminal shows it: prompt and command (`> ` before continuation lines,
    bash's PS2), then its stdout and stderr, each ended by a newline."""
    out = []
    for r in results:
        first, *more = r.command.split("\n")
        out.append(prompt + first + "\n")
        out.extend("> " + line + "\n" for line in more)
        for text in (r.stdout, r.stderr):
            if text:
                out.append(text if text.endswith("\n") else text + "\n")
    return "".join(out)


Candidates = Callable[[str, str], list[str]]  # (line before the word, word) → completions


def command_candidates(session: ShellSession) -> Candidates:
    """Completion of command names: builtins and the host's command table if it has one."""

    def candidates(before: str, word: str) -> list[str]:
        if before.strip() and before.rstrip()[-1] not in ";&|(":
            return []
        names = set(BUILTINS) | set(getattr(session.host, "commands", {}))
        return sorted(n for n in names if n.startswith(word))

    return candidates


def make_completer(
    candidates: Candidates, line: Callable[[], str], begidx: Callable[[], int]
) -> Callable[[str, int], str | None]:
    """A readline completer (text, state) → match, asking `candidates` once per Tab."""
    matches: list[str] = []

    def complete(text: str, state: int) -> str | None:
        if state == 0:
            before = line()[: begidx()]
            matches[:] = sorted({c for c in candidates(before, text) if c.startswith(text)})
        return matches[state] if state < len(matches) else None

    return complete


def run_interactive(
    session: ShellSession,
    input: TextIO,
    output: TextIO,
    complete: Candidates | None = None,
    history_file: str | None = None,
) -> int:
    """`netlife shell`: read, run and print until EOF or `exit`; returns the last status.

    On a terminal it prompts (`root@HOST:~# `, `> ` to continue) and uses readline for
    history and Tab completion (candidates from `complete`, default command names). From a
    pipe it reads lines silently, as `bash -s` does.
    """
    import sys

    tty = input.isatty() and output.isatty()
    readline = (
        _setup_readline(complete or command_candidates(session), history_file)
        if (tty and input is sys.stdin)
        else None
    )
    prompt = f"root@{session.hostname}:~# "
    buffer = ""
    while session.exit_status is None:
        try:
            line = _read_line(input, output, "> " if buffer else prompt, tty, readline)
        except KeyboardInterrupt:
            output.write("^C\n")
            buffer = ""
            continue
        if line is None:
            if buffer:
                output.write("netlife: syntax error: unexpected end of file\n")
            if tty:
                output.write("exit\n")
            break
        buffer += line + "\n"
        try:
            steps = parse_script(buffer, interactive=True)
        except ScriptError as err:
            if err.incomplete:
                continue
            output.write(f"netlife: line {err.line}: {err.message}\n")
            session.last_rc = 2
            buffer = ""
            continue
        buffer = ""
        for step in steps:
            # Ctrl-C (SIGINT) or SIGTERM while a step runs ends that command line with status
            # 128 + N, as bash does; the host stays as the kernel left it.
            with session.signals.installed():
                try:
                    result = session.run_step(step)
                except KeyboardInterrupt:  # a second Ctrl-C: stop at once
                    session.last_rc = 130
                    output.write("^C\n")
                    break
            output.write(result.stdout + result.stderr)
            if session.interrupted:
                output.write("\n" if tty else "")
            output.flush()
            if session.exit_status is not None or session.interrupted:
                break
    if readline is not None and history_file:
        with contextlib.suppress(OSError):
            readline.write_history_file(history_file)
    return session.exit_status if session.exit_status is not None else session.last_rc


def _read_line(input: TextIO, output: TextIO, prompt: str, tty: bool, readline: Any) -> str | None:
    if readline is not None:
        import builtins

        try:
            return builtins.input(prompt)
        except EOFError:
            return None
    if tty:
        output.write(prompt)
        output.flush()
    line = input.readline()
    if not line:
        return None
    return line[:-1] if line.endswith("\n") else line


def _setup_readline(complete: Candidates, history_file: str | None) -> Any:
    try:
        import readline
    except ImportError:  # not every Python has it; the shell works without
        return None
    readline.set_completer(make_completer(complete, readline.get_line_buffer, readline.get_begidx))
    readline.set_completer_delims(" \t\n;&|()<>")
    readline.parse_and_bind("tab: complete")
    if history_file:
        with contextlib.suppress(OSError):
            readline.read_history_file(history_file)
    return readline
