"""Text filters for pipelines: grep, head, tail, wc, sort, true, false.

Model-only. They print as GNU grep and coreutils do for the options modelled, read their
standard input when given no file, and read files through the host (sysfs, procfs). `cat`
lives in userspace/basic.py and already reads stdin when given no file.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING

from netlife.kernel.errors import KernelError, strerror

if TYPE_CHECKING:
    from netlife.userspace.host import Proc

_GREP_USAGE = "Usage: grep [OPTION]... PATTERNS [FILE]...\nTry 'grep --help' for more information."
# POSIX bracket classes, which Python's re does not know.
_CLASSES = {
    "[:alpha:]": "a-zA-Z",
    "[:digit:]": "0-9",
    "[:alnum:]": "a-zA-Z0-9",
    "[:upper:]": "A-Z",
    "[:lower:]": "a-z",
    "[:space:]": r" \t\n\r\f\v",
    "[:blank:]": r" \t",
    "[:xdigit:]": "0-9A-Fa-f",
    "[:punct:]": r"!-/:-@\[-`{-~",
}
Pick = Callable[[list[str], str, int], list[str]]  # (lines, sign, count) → lines to print
# Characters that are special in one dialect and literal in the other (BRE uses `\+` etc.).
_BRE_SWAP = set("+?|(){}")


def _lines(text: str) -> list[str]:
    """Lines without their newlines; a last line without one still counts."""
    return text.split("\n")[:-1] if text.endswith("\n") else text.split("\n") if text else []


_OPEN_ERROR = {
    "grep": "grep: {path}: {error}",
    "wc": "wc: {path}: {error}",
    "head": "head: cannot open '{path}' for reading: {error}",
    "tail": "tail: cannot open '{path}' for reading: {error}",
    "sort": "sort: cannot read: {path}: {error}",
}


def _read_inputs(proc: Proc, name: str, files: list[str]) -> list[tuple[str, str | None]]:
    """(label, text or None when unreadable) for each file, or stdin when there is none."""
    if not files:
        return [("(standard input)", proc.stdin)]
    inputs: list[tuple[str, str | None]] = []
    for path in files:
        if path == "-":
            inputs.append(("(standard input)", proc.stdin))
            continue
        try:
            inputs.append((path, proc.host.read_file_in(proc.net, path)))
        except KernelError as err:
            proc.eprint(_OPEN_ERROR[name].format(path=path, error=strerror(err.errno)))
            inputs.append((path, None))
    return inputs


def _bracket(pattern: str, i: int) -> tuple[str, int]:
    """The bracket expression at pattern[i] as a Python set, and the index after it."""
    n = len(pattern)
    out = ["["]
    j = i + 1
    if pattern[j : j + 1] == "^":
        out.append("^")
        j += 1
    first = True
    while j < n and (first or pattern[j] != "]"):
        first = False
        if pattern.startswith("[:", j) and pattern.find(":]", j) > 0:
            end = pattern.find(":]", j) + 2
            if pattern[j:end] not in _CLASSES:
                raise ValueError("Invalid character class name")
            out.append(_CLASSES[pattern[j:end]])
            j = end
            continue
        # Inside brackets a backslash and `[` are literal in POSIX, special in Python.
        out.append("\\" + pattern[j] if pattern[j] in "\\[]" else pattern[j])
        j += 1
    if j >= n:
        raise ValueError("Unmatched [, [^, [:, [., or [=")
    return "".join(out) + "]", j + 1


def _regex(pattern: str, extended: bool) -> str:
    """A GNU grep pattern (BRE, or ERE with -E) as a Python regular expression."""
    out: list[str] = []
    i, n = 0, len(pattern)
    while i < n:
        c = pattern[i]
        if c == "[":
            body, i = _bracket(pattern, i)
            out.append(body)
        elif c == "\\" and i + 1 < n:
            nxt = pattern[i + 1]
            if nxt == "<":
                out.append(r"\b(?=\w)")
            elif nxt == ">":
                out.append(r"\b(?<=\w)")
            elif nxt in _BRE_SWAP and not extended:
                out.append(nxt)
            else:
                out.append("\\" + nxt)
            i += 2
        elif c in _BRE_SWAP and not extended:
            out.append("\\" + c)
            i += 1
        elif c == "*" and not extended and (not out or out[-1] in ("^", "(", "|")):
            out.append(r"\*")  # a leading `*` is literal in a BRE
            i += 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


def _regex_error(err: Exception) -> str:
    """GNU's wording for the pattern errors scripts run into."""
    text = getattr(err, "msg", str(err))
    if text.startswith("missing )"):
        return "Unmatched ( or \\("
    if text.startswith("unbalanced parenthesis"):
        return "Unmatched ) or \\)"
    if text.startswith("bad escape (end of pattern)"):
        return "Trailing backslash"
    if text.startswith("nothing to repeat") or text.startswith("multiple repeat"):
        return "Invalid preceding regular expression"
    return text[:1].upper() + text[1:]


def grep(proc: Proc, argv: list[str]) -> int:
    """GNU grep: -v -c -E -F -i -q -w -x -n -e; status 0 matched, 1 none, 2 trouble."""
    flags: set[str] = set()
    patterns: list[str] = []
    operands: list[str] = []
    args = iter(argv[1:])
    for arg in args:
        if arg == "--":
            operands.extend(args)
        elif arg.startswith("-") and len(arg) > 1:
            letters = arg[1:]
            for j, letter in enumerate(letters):
                if letter == "e":
                    value = letters[j + 1 :] or next(args, None)
                    if value is None:
                        proc.eprint("grep: option requires an argument -- 'e'")
                        proc.eprint(_GREP_USAGE)
                        return 2
                    patterns.append(value)
                    break
                if letter not in "vcEFiqwxn":
                    proc.eprint(f"grep: invalid option -- '{letter}'")
                    proc.eprint(_GREP_USAGE)
                    return 2
                flags.add(letter)
        else:
            operands.append(arg)
    if not patterns:
        if not operands:
            proc.eprint(_GREP_USAGE)
            return 2
        patterns = operands[0].split("\n")
        operands = operands[1:]
    sources = []
    for pat in patterns:
        try:
            src = re.escape(pat) if "F" in flags else _regex(pat, "E" in flags)
        except ValueError as err:
            proc.eprint(f"grep: {err}")
            return 2
        if "x" in flags:
            src = rf"^(?:{src})$"
        elif "w" in flags:
            src = rf"(?<!\w)(?:{src})(?!\w)"
        sources.append(f"(?:{src})")
    try:
        regex = re.compile("|".join(sources), re.IGNORECASE if "i" in flags else 0)
    except (re.error, ValueError) as err:
        proc.eprint(f"grep: {_regex_error(err)}")
        return 2
    trouble = False
    matched = False
    inputs = _read_inputs(proc, "grep", operands)
    for label, text in inputs:
        if text is None:
            trouble = True
            continue
        count = 0
        for number, line in enumerate(_lines(text), 1):
            if (regex.search(line) is None) != ("v" in flags):
                continue
            count += 1
            matched = True
            if "q" in flags:
                return 0
            if "c" not in flags:
                prefix = f"{label}:" if len(inputs) > 1 else ""
                prefix += f"{number}:" if "n" in flags else ""
                proc.print(prefix + line)
        if "c" in flags and "q" not in flags:
            proc.print((f"{label}:" if len(inputs) > 1 else "") + str(count))
    if trouble and "q" not in flags:
        return 2
    return 0 if matched else (2 if trouble else 1)


def _count_option(proc: Proc, argv: list[str], default: int) -> tuple[str, int, list[str]] | None:
    """head/tail's `-n N`, `-nN`, `-N`, `-n +N`, `-n -N`: (sign, count, files) or None."""
    name = argv[0]
    sign, count, files = "", default, []
    args = iter(argv[1:])
    for arg in args:
        value = None
        if arg == "-n":
            value = next(args, None)
            if value is None:
                proc.eprint(f"{name}: option requires an argument -- 'n'")
                return None
        elif arg.startswith("-n"):
            value = arg[2:]
        elif re.fullmatch(r"-\d+", arg):
            value = arg[1:]
        elif arg.startswith("-") and arg != "-":
            proc.eprint(f"{name}: invalid option -- '{arg[1]}'")
            return None
        else:
            files.append(arg)
            continue
        m = re.fullmatch(r"([+-]?)(\d+)", value)
        if m is None:
            proc.eprint(f"{name}: invalid number of lines: '{value}'")
            return None
        sign, count = m.group(1), int(m.group(2))
    return sign, count, files


def _filter_lines(proc: Proc, argv: list[str], pick: Pick) -> int:
    parsed = _count_option(proc, argv, 10)
    if parsed is None:
        return 1
    sign, count, files = parsed
    rc = 0
    inputs = _read_inputs(proc, argv[0], files)
    for k, (label, text) in enumerate(inputs):
        if text is None:
            rc = 1
            continue
        if len(inputs) > 1:
            proc.print(("\n" if k else "") + f"==> {label} <==")
        lines = text.splitlines(keepends=True)
        proc.write("".join(pick(lines, sign, count)))
    return rc


def head(proc: Proc, argv: list[str]) -> int:
    """head -n N (first N lines; -n -N: all but the last N)."""
    return _filter_lines(
        proc, argv, lambda lines, sign, n: lines[: len(lines) - n] if sign == "-" else lines[:n]
    )


def tail(proc: Proc, argv: list[str]) -> int:
    """tail -n N (last N lines; -n +N: from line N on)."""
    return _filter_lines(
        proc,
        argv,
        lambda lines, sign, n: lines[max(n - 1, 0) :] if sign == "+" else lines[-n:] if n else [],
    )


def wc(proc: Proc, argv: list[str]) -> int:
    """wc [-l] [-w] [-c]: counts in GNU's order and column widths."""
    options = [a for a in argv[1:] if a.startswith("-") and a != "-"]
    files = [a for a in argv[1:] if a not in options]
    wanted = set()
    for opt in options:
        for letter in opt[1:]:
            if letter not in "lwc":
                proc.eprint(f"wc: invalid option -- '{letter}'")
                proc.eprint("Try 'wc --help' for more information.")
                return 1
            wanted.add(letter)
    columns = [c for c in "lwc" if c in wanted] or ["l", "w", "c"]
    rows = []
    rc = 0
    for label, text in _read_inputs(proc, "wc", files):
        if text is None:
            rc = 1
            continue
        counts = {"l": text.count("\n"), "w": len(text.split()), "c": len(text.encode())}
        rows.append(([counts[c] for c in columns], label if files else ""))
    if len(rows) > 1:
        rows.append(([sum(r[0][i] for r in rows) for i in range(len(columns))], "total"))
    # GNU: one count of one input is unpadded; otherwise columns are as wide as the largest
    # number, and at least 7 when reading stdin (whose size is not known in advance).
    width = 1
    if len(columns) > 1 or len(rows) > 1:
        width = max(len(str(v)) for r in rows for v in r[0]) if rows else 1
        width = max(width, 7) if not files else width
    for values, label in rows:
        line = " ".join(str(v).rjust(width) for v in values)
        proc.print(f"{line} {label}" if label else line)
    return rc


def sort(proc: Proc, argv: list[str]) -> int:
    """sort [-r] [-n] [-u] in the C locale (byte order)."""
    options = [a for a in argv[1:] if a.startswith("-") and a != "-"]
    files = [a for a in argv[1:] if a not in options]
    flags = set()
    for opt in options:
        for letter in opt[1:]:
            if letter not in "rnu":
                proc.eprint(f"sort: invalid option -- '{letter}'")
                proc.eprint("Try 'sort --help' for more information.")
                return 2
            flags.add(letter)
    lines: list[str] = []
    for _, text in _read_inputs(proc, "sort", files):
        if text is None:
            return 2
        lines.extend(_lines(text))

    def numeric(line: str) -> tuple[float, str]:
        m = re.match(r"\s*(-?\d+(?:\.\d*)?)", line)
        return (float(m.group(1)) if m else 0.0, line)

    if "n" in flags:
        lines.sort(key=numeric, reverse="r" in flags)
    else:
        lines.sort(reverse="r" in flags)
    if "u" in flags:
        seen: set[object] = set()
        unique = []
        for line in lines:
            key = numeric(line)[0] if "n" in flags else line
            if key not in seen:
                seen.add(key)
                unique.append(line)
        lines = unique
    for line in lines:
        proc.print(line)
    return 0


def true(proc: Proc, argv: list[str]) -> int:
    return 0


def false(proc: Proc, argv: list[str]) -> int:
    return 1


COMMANDS = {
    "grep": grep,
    "head": head,
    "tail": tail,
    "wc": wc,
    "sort": sort,
    "true": true,
    "false": false,
}
