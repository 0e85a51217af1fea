"""Scenario scripts: command lines as typed in a root shell, parsed into steps.

Model-only. The language is the part of POSIX sh (as bash reads it) that lifetime scenarios
use: comments, quoting, `$VAR` / `${VAR}` / `$?`, `$(…)`, `VAR=value`, `;` `&&` `||` `|`,
`> FILE` `>> FILE` `2>&1` `&> FILE`, `CMD &`, `( list )`, `!`. Everything else that bash would
read as syntax (control flow, here-documents, input redirection, backquotes, arithmetic)
raises ScriptError with its line instead of being misread as words.

Each top-level complete command is one Step: it ends at a newline that is not inside
parentheses, quotes or `$(…)` and does not follow `\\`, `&&`, `||` or `|`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


class ScriptError(Exception):
    """A script the parser cannot read: raised by parse_script with the 1-based line.

    `incomplete` is set when more input could complete the command (open quote or
    parenthesis, trailing `&&`): the interactive shell then asks for another line.
    """

    def __init__(self, line: int, message: str, incomplete: bool = False) -> None:
        super().__init__(line, message)
        self.line = line
        self.message = message
        self.incomplete = incomplete

    def __str__(self) -> str:
        return f"{self.line}: {self.message}"


# -- the syntax tree ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Lit:
    """Literal text of a word; quoted text is never split into fields."""

    text: str
    quoted: bool


@dataclass(frozen=True, slots=True)
class Param:
    """`$NAME`, `${NAME}` or `$?`."""

    name: str
    quoted: bool


@dataclass(frozen=True, slots=True)
class CommandSub:
    """`$(list)`: replaced by the list's standard output, trailing newlines removed."""

    body: CommandList
    quoted: bool


Part = Lit | Param | CommandSub


@dataclass(frozen=True, slots=True)
class Word:
    """One shell word before expansion: its pieces in order (`'{"a": '$(x)'}'` is three)."""

    parts: tuple[Part, ...]

    def plain(self) -> str | None:
        """The text if the word is one unquoted literal (a keyword or `!` candidate)."""
        if len(self.parts) == 1 and isinstance(self.parts[0], Lit) and not self.parts[0].quoted:
            return self.parts[0].text
        return None


@dataclass(frozen=True, slots=True)
class Redirect:
    """`[fd]> target`, `[fd]>> target`, `fd>&dup`, `&> target` (op is one of those forms)."""

    fd: int
    op: str
    target: Word | None = None
    dup: int | None = None


@dataclass(frozen=True, slots=True)
class SimpleCommand:
    assigns: tuple[tuple[str, Word], ...]
    words: tuple[Word, ...]
    redirects: tuple[Redirect, ...]


@dataclass(frozen=True, slots=True)
class Subshell:
    body: CommandList
    redirects: tuple[Redirect, ...]


Command = SimpleCommand | Subshell


@dataclass(frozen=True, slots=True)
class Pipeline:
    commands: tuple[Command, ...]
    negated: bool = False


@dataclass(frozen=True, slots=True)
class AndOr:
    first: Pipeline
    rest: tuple[tuple[str, Pipeline], ...] = ()


@dataclass(frozen=True, slots=True)
class CommandList:
    """and-or lists in order; the flag is True for one ended by `&` (a background job)."""

    items: tuple[tuple[AndOr, bool], ...]


@dataclass(frozen=True, slots=True)
class Step:
    """One top-level complete command: its source exactly as written, first line, and tree."""

    source: str
    line: int
    body: CommandList


# -- the lexer ---------------------------------------------------------------------------------

_META = frozenset(" \t\n;&|()<>")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_ASSIGN = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)=")
_IO_NUMBER = re.compile(r"[0-9]+(?=[<>])")
# Longest first, so `&&` is not read as two `&`.
_OPERATORS = (
    "&>>", "<<<", "&&", "||", ";;", "|&", "&>", ">>", ">&", ">|", "<<", "<&", "<>", "<(", ">(",
    ";", "&", "|", "(", ")", ">", "<",
)  # fmt: skip
_UNSUPPORTED_OPERATORS = {
    ";;": "`;;' (case) is not supported",
    "|&": "`|&' is not supported; write `2>&1 |'",
    "<<": "here-documents are not supported",
    "<<<": "here-strings are not supported",
    "<": "input redirection is not supported",
    "<&": "input redirection is not supported",
    "<>": "input redirection is not supported",
    "<(": "process substitution is not supported",
    ">(": "process substitution is not supported",
}
_RESERVED = {
    "if", "then", "else", "elif", "fi", "for", "while", "until", "do", "done", "case", "esac",
    "function", "select", "time", "coproc", "{", "}", "[[", "]]",
}  # fmt: skip
_MAX_DEPTH = 64  # nesting of ( and $( ): deeper is refused rather than overflowing the stack


@dataclass(frozen=True, slots=True)
class _Tok:
    kind: str  # "word", "op", "newline", "eof"
    start: int
    value: str = ""
    word: Word | None = None
    fd: int | None = None  # an IO number before a redirection operator (`2>`)


class _Parser:
    """Recursive descent over the text; `$(…)` recurses into the same parser mid-word."""

    def __init__(self, text: str, interactive: bool = False) -> None:
        self.text = text
        self.interactive = interactive
        self.pos = 0
        self.depth = 0
        self._tok: _Tok | None = None
        self._line_starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def line_of(self, pos: int) -> int:
        lo, hi = 0, len(self._line_starts)
        while hi - lo > 1:
            mid = (lo + hi) // 2
            if self._line_starts[mid] <= pos:
                lo = mid
            else:
                hi = mid
        return lo + 1

    def error(self, pos: int, message: str, incomplete: bool = False) -> ScriptError:
        return ScriptError(self.line_of(pos), message, incomplete)

    def unexpected(self, tok: _Tok) -> ScriptError:
        if tok.kind == "eof":
            return self.error(tok.start, "syntax error: unexpected end of file", incomplete=True)
        shown = "newline" if tok.kind == "newline" else tok.value
        return self.error(tok.start, f"syntax error near unexpected token `{shown}'")

    def peek(self) -> _Tok:
        if self._tok is None:
            self._tok = self._lex()
        return self._tok

    def take(self) -> _Tok:
        tok = self.peek()
        self._tok = None
        return tok

    def is_op(self, *values: str) -> bool:
        tok = self.peek()
        return tok.kind == "op" and tok.value in values

    def skip_newlines(self) -> None:
        while self.peek().kind == "newline":
            self.take()

    def _lex(self) -> _Tok:
        text, n = self.text, len(self.text)
        while self.pos < n:
            c = text[self.pos]
            if c in " \t":
                self.pos += 1
            elif c == "\\" and text.startswith("\n", self.pos + 1):
                self.continuation()
            elif c == "#":
                end = text.find("\n", self.pos)
                self.pos = n if end < 0 else end
            else:
                break
        start = self.pos
        if start >= n:
            return _Tok("eof", start)
        if text[start] == "\n":
            self.pos += 1
            return _Tok("newline", start, "\n")
        fd = None
        m = _IO_NUMBER.match(text, start)
        if m:
            fd = int(m.group())
            self.pos = m.end()
        for op in _OPERATORS:
            if text.startswith(op, self.pos):
                if op in _UNSUPPORTED_OPERATORS:
                    raise self.error(start, _UNSUPPORTED_OPERATORS[op])
                self.pos += len(op)
                return _Tok("op", start, op, fd=fd)
        word = self._word()
        return _Tok("word", start, text[start : self.pos], word=word)

    def _word(self) -> Word:
        text, n = self.text, len(self.text)
        parts: list[Part] = []
        buf: list[str] = []

        def flush() -> None:
            if buf:
                parts.append(Lit("".join(buf), False))
                buf.clear()

        while self.pos < n:
            c = text[self.pos]
            if c in _META:
                break
            if c == "\\":
                if self.pos + 1 >= n:
                    buf.append(c)
                    self.pos += 1
                elif text[self.pos + 1] == "\n":
                    self.continuation()
                else:
                    flush()
                    parts.append(Lit(text[self.pos + 1], True))
                    self.pos += 2
            elif c == "'":
                end = text.find("'", self.pos + 1)
                if end < 0:
                    raise self.error(
                        self.pos, "unexpected EOF while looking for matching `''", True
                    )
                flush()
                parts.append(Lit(text[self.pos + 1 : end], True))
                self.pos = end + 1
            elif c == '"':
                flush()
                self._double_quoted(parts)
            elif c == "$":
                flush()
                self._dollar(parts, quoted=False)
            elif c == "`":
                raise self.error(self.pos, "backquote substitution is not supported; use $(...)")
            else:
                buf.append(c)
                self.pos += 1
        flush()
        return Word(tuple(parts))

    def _double_quoted(self, parts: list[Part]) -> None:
        text, n = self.text, len(self.text)
        open_at = self.pos
        self.pos += 1
        buf: list[str] = []
        while True:
            if self.pos >= n:
                raise self.error(open_at, "unexpected EOF while looking for matching `\"'", True)
            c = text[self.pos]
            if c == '"':
                self.pos += 1
                break
            if c == "\\" and self.pos + 1 < n and text[self.pos + 1] in '$`"\\\n':
                if text[self.pos + 1] != "\n":
                    buf.append(text[self.pos + 1])
                self.pos += 2
            elif c == "$":
                if buf:
                    parts.append(Lit("".join(buf), True))
                    buf.clear()
                self._dollar(parts, quoted=True)
            elif c == "`":
                raise self.error(self.pos, "backquote substitution is not supported; use $(...)")
            else:
                buf.append(c)
                self.pos += 1
        # Always a (possibly empty) quoted piece: `""` is an empty word, not no word.
        parts.append(Lit("".join(buf), True))

    def _dollar(self, parts: list[Part], quoted: bool) -> None:
        text = self.text
        at = self.pos
        nxt = text[at + 1 : at + 2]
        if nxt == "(":
            if text.startswith("((", at + 1):
                raise self.error(at, "arithmetic expansion $((...)) is not supported")
            self.pos = at + 2
            parts.append(CommandSub(self._substitution(at), quoted))
        elif nxt == "{":
            end = text.find("}", at + 2)
            if end < 0:
                raise self.error(at, "unexpected EOF while looking for matching `}'", True)
            name = text[at + 2 : end]
            if name != "?" and not _NAME.fullmatch(name):
                raise self.error(at, f"${{{name}}}: bad or unsupported substitution")
            parts.append(Param(name, quoted))
            self.pos = end + 1
        elif nxt == "?":
            parts.append(Param("?", quoted))
            self.pos = at + 2
        elif nxt and _NAME.match(nxt):
            m = _NAME.match(text, at + 1)
            assert m is not None
            parts.append(Param(m.group(), quoted))
            self.pos = m.end()
        elif nxt and nxt in "!#$@*-0123456789":
            raise self.error(at, f"special parameter ${nxt} is not supported")
        else:
            parts.append(Lit("$", quoted))  # bash keeps a `$` that starts no expansion
            self.pos = at + 1

    def _substitution(self, at: int) -> CommandList:
        """The list inside `$(…)`, read by the same grammar; `$()` is an empty list."""
        self.enter(at)
        self.skip_newlines()
        body = CommandList(()) if self.is_op(")") else self.parse_list(top=False)
        tok = self.peek()
        if tok.kind == "eof":
            raise self.error(at, "unexpected EOF while looking for matching `)'", True)
        if not self.is_op(")"):
            raise self.unexpected(tok)
        self.take()
        self.depth -= 1
        return body

    def continuation(self) -> None:
        """Skip a backslash-newline; at the end of what a terminal typed, ask for more."""
        if self.interactive and self.pos + 2 >= len(self.text):
            raise self.error(self.pos, "line continues", incomplete=True)
        self.pos += 2

    def enter(self, at: int) -> None:
        self.depth += 1
        if self.depth > _MAX_DEPTH:
            raise self.error(at, f"nesting deeper than {_MAX_DEPTH} levels")

    # -- the grammar ---------------------------------------------------------------------------

    def parse_steps(self) -> list[Step]:
        steps = []
        while True:
            tok = self.peek()
            if tok.kind == "newline":
                self.take()
                continue
            if tok.kind == "eof":
                return steps
            body = self.parse_list(top=True)
            end = self.peek()
            if end.kind not in ("newline", "eof"):
                raise self.unexpected(end)
            self.take()
            source = self.text[tok.start : end.start].rstrip()
            steps.append(Step(source, self.line_of(tok.start), body))

    def parse_list(self, top: bool) -> CommandList:
        """and-or lists joined by `;`, `&` and (inside parentheses) newlines."""
        items: list[tuple[AndOr, bool]] = []
        if not top:
            self.skip_newlines()
        while True:
            and_or = self.parse_and_or()
            if self.is_op(";", "&"):
                items.append((and_or, self.take().value == "&"))
            else:
                items.append((and_or, False))
                if top or self.peek().kind != "newline":
                    break
            if top:
                if self.peek().kind in ("newline", "eof"):
                    break
            else:
                self.skip_newlines()
                if self.is_op(")") or self.peek().kind == "eof":
                    break
        return CommandList(tuple(items))

    def parse_and_or(self) -> AndOr:
        first = self.parse_pipeline()
        rest = []
        while self.is_op("&&", "||"):
            op = self.take().value
            self.skip_newlines()
            rest.append((op, self.parse_pipeline()))
        return AndOr(first, tuple(rest))

    def parse_pipeline(self) -> Pipeline:
        negated = False
        tok = self.peek()
        if tok.kind == "word" and tok.word is not None and tok.word.plain() == "!":
            self.take()
            negated = True
        commands = [self.parse_command()]
        while self.is_op("|"):
            self.take()
            self.skip_newlines()
            commands.append(self.parse_command())
        return Pipeline(tuple(commands), negated)

    def parse_command(self) -> Command:
        tok = self.peek()
        if tok.kind == "op" and tok.value == "(" and tok.fd is None:
            self.take()
            self.enter(tok.start)
            body = self.parse_list(top=False)
            close = self.peek()
            if not self.is_op(")"):
                raise self.unexpected(close)
            self.take()
            self.depth -= 1
            redirects = []
            while self.peek().kind == "op" and self._is_redirect(self.peek()):
                redirects.append(self._redirect())
            return Subshell(body, tuple(redirects))
        assigns: list[tuple[str, Word]] = []
        words: list[Word] = []
        redirects = []
        while True:
            tok = self.peek()
            if tok.kind == "op" and self._is_redirect(tok):
                redirects.append(self._redirect())
                continue
            if tok.kind != "word" or tok.word is None:
                break
            word = tok.word
            if not words:
                first = word.parts[0] if word.parts else None
                m = (
                    _ASSIGN.match(first.text)
                    if isinstance(first, Lit) and not first.quoted
                    else None
                )
                if m and isinstance(first, Lit):
                    rest = first.text[m.end() :]
                    value = ((Lit(rest, False),) if rest else ()) + word.parts[1:]
                    assigns.append((m.group(1), Word(value)))
                    self.take()
                    continue
                if word.plain() in _RESERVED:
                    raise self.error(
                        tok.start,
                        f"`{word.plain()}' is not supported (scripts have no compound commands)",
                    )
            words.append(word)
            self.take()
        if not (assigns or words or redirects):
            raise self.unexpected(self.peek())
        return SimpleCommand(tuple(assigns), tuple(words), tuple(redirects))

    @staticmethod
    def _is_redirect(tok: _Tok) -> bool:
        return tok.value in (">", ">>", ">|", ">&", "&>", "&>>")

    def _redirect(self) -> Redirect:
        tok = self.take()
        op = ">" if tok.value == ">|" else tok.value
        fd = 1 if tok.fd is None else tok.fd
        if fd not in (1, 2):
            raise self.error(tok.start, f"file descriptor {tok.fd} is not supported (only 1 and 2)")
        target = self.peek()
        if target.kind != "word" or target.word is None:
            if target.kind == "eof":
                target = _Tok("newline", target.start)
            raise self.unexpected(target)
        self.take()
        word = target.word
        if op == ">&":
            plain = word.plain()
            if plain in ("1", "2"):
                return Redirect(fd, ">&", dup=int(plain))
            if plain is not None and (plain.isdigit() or plain == "-"):
                raise self.error(target.start, f"`>&{plain}' is not supported (only 1 and 2)")
            if tok.fd is not None:
                raise self.error(target.start, f"{plain or 'word'}: ambiguous redirect")
            op = "&>"  # bash reads `>& FILE` as `&> FILE`
        return Redirect(fd, op, target=word)


def parse_script(text: str, interactive: bool = False) -> list[Step]:
    """The steps of a scenario script, or ScriptError naming the first line it cannot read.

    interactive: the text is what a terminal has typed so far, so a final `\\` asks for
    another line (ScriptError.incomplete) where a script file would simply end.
    """
    try:
        return _Parser(text, interactive).parse_steps()
    except RecursionError as err:  # only reachable through pathological nesting
        raise ScriptError(1, "script nests too deeply") from err
