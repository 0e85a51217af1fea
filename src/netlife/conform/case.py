"""Conformance case files: a root-shell scenario with a few header comments.

A case is what an administrator would type into a root shell, one command a line:

    # case: veth-pair-add-del
    # netns: a b
    # model-only: needs dummy, which this kernel lacks
    ip netns add a
    ip -n a link add v0 type veth peer name v1 netns b
    sleep 1
    ip -n a link del v0        # trailing comments are allowed

Header comments come before the first command and have the form `# key: value`:

- `case: NAME`       the case's name (default: the file name without `.case`).
- `netns: A B ...`   the namespace names the case may create and use. Nothing else is reachable:
                     the real-kernel target refuses any command naming another namespace.
- `model-only: WHY`  the case needs something the kernel under test lacks (dummy, vlan, netkit
                     here); the real side is skipped and WHY is reported.

Other comment lines, anywhere, are ignored. Each command line is split as a POSIX shell would
split words (quotes allowed); shell operators (`;`, `&&`, `|`, `>`, `&`, subshells) and
expansions (`$`, backquotes) are not part of the format, so a case means the same thing to every
target. The case's root namespace is called `init_net` in observations.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path

from netlife.scenario.textfile import TextFileError, read_text

# Namespace names as `ip netns add` accepts them, minus anything that could look like a path.
NETNS_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$")
HEADER = re.compile(r"^#\s*(case|netns|model-only)\s*:\s*(.*?)\s*$")
# Characters that only mean something to a shell: refused so every target reads a line alike.
SHELL_SYNTAX = re.compile(r"[;&|<>()`$]")


class CaseError(Exception):
    """A case file that does not follow the format; raised by parse_case with file and line."""


@dataclass(frozen=True, slots=True)
class Step:
    """One command line of a case: where it is, what was written, and its words."""

    lineno: int
    text: str
    argv: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Case:
    """A parsed case file."""

    name: str
    netns: tuple[str, ...]
    steps: tuple[Step, ...]
    model_only: str | None = None
    path: str | None = None
    headers: dict[str, str] = field(default_factory=dict)


def split_command(text: str) -> tuple[str, ...]:
    """Split one command line into words, dropping a trailing `# comment`.

    Raises ValueError for unbalanced quotes or for shell syntax the format does not have.
    """
    end = command_end(text)
    lexer = shlex.shlex(text[:end], posix=True)
    lexer.whitespace_split = True
    lexer.commenters = ""
    return tuple(lexer)


def command_end(text: str) -> int:
    """Where the command ends (its `# comment` starts); ValueError at shell syntax.

    Raises at the first operator or expansion a shell would act on.
    Walks the line with the shell's quoting rules: inside single quotes nothing is special,
    inside double quotes `$` and backquotes still expand, an unquoted `#` starting a word
    begins a comment.
    """
    quote = ""
    escaped = False
    previous = " "
    for index, char in enumerate(text):
        if escaped:
            escaped = False
        elif quote == "'":
            if char == "'":
                quote = ""
        elif char == "\\":
            escaped = True
        elif quote == '"':
            if char == '"':
                quote = ""
            elif char in "$`":
                raise ValueError(f"shell expansion {char!r} is not part of the case format")
        elif char in "'\"":
            quote = char
        elif char == "#" and previous.isspace():
            return index
        elif SHELL_SYNTAX.match(char):
            raise ValueError(f"shell syntax {char!r} is not part of the case format")
        previous = char
    return len(text)


def parse_case_text(text: str, name: str, path: str | None = None) -> Case:
    """Parse a case from its text; `name` is used when no `# case:` header names it."""
    headers: dict[str, str] = {}
    steps: list[Step] = []
    where = path or name
    for lineno, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped:
            continue
        if stripped.startswith("#"):
            match = HEADER.match(stripped)
            if match and not steps:
                key, value = match.groups()
                if key in headers:
                    raise CaseError(f"{where}:{lineno}: header {key!r} given twice")
                headers[key] = value
            continue
        try:
            argv = split_command(stripped)
        except ValueError as err:
            raise CaseError(f"{where}:{lineno}: {err}") from None
        if argv:
            steps.append(Step(lineno, stripped, argv))
    netns = tuple(headers.get("netns", "").split())
    for ns in netns:
        if not NETNS_NAME.match(ns) or ns == "init_net":
            raise CaseError(f"{where}: bad namespace name {ns!r} in the netns header")
    if len(set(netns)) != len(netns):
        raise CaseError(f"{where}: a namespace is declared twice in the netns header")
    return Case(
        name=headers.get("case") or name,
        netns=netns,
        steps=tuple(steps),
        model_only=headers.get("model-only") or None,
        path=path,
        headers=headers,
    )


def parse_case(path: str | Path) -> Case:
    """Read and parse a case file; raises CaseError (or OSError if it cannot be read)."""
    path = Path(path)
    name = path.name.removesuffix(".case")
    try:
        text = read_text(path)
    except TextFileError as err:
        raise CaseError(str(err)) from None
    return parse_case_text(text, name, str(path))


def load_cases(directory: str | Path) -> list[Case]:
    """Every `*.case` file of a directory, in name order."""
    return [parse_case(p) for p in sorted(Path(directory).glob("*.case"))]
