"""The print layer of iproute2: one call prints text or builds JSON, and the JSON writer.

Mirrors iproute2 v6.1.0 lib/json_print.c (print_string, print_uint, print_bool, print_on_off,
print_0xhex, print_null, open/close_json_object and _array, print_nl) and lib/json_writer.c
(the separators and the -p layout), which every `ip -j [-p]` output goes through.
"""

from __future__ import annotations

from typing import Any

# lib/json_print.h: where a print call goes.
PRINT_FP = 1
PRINT_JSON = 2
PRINT_ANY = PRINT_FP | PRINT_JSON


class JsonNumber(float):
    """A JSON number with fixed text, as jsonw_printf("%i.%.2i") writes the bridge timers.

    It compares as the float json.loads would read, and json_text writes its text ("0.00").
    """

    def __new__(cls, text: str) -> JsonNumber:
        obj = super().__new__(cls, text)
        obj.text = text
        return obj


def c_hex(value: int) -> str:
    """C's "%#x": "0" for zero (no prefix), else "0x..."."""
    return f"{value:#x}" if value else "0"


class Printer:
    """lib/json_print.c: one print call, text or JSON.

    In text mode each call with PRINT_FP formats its Python %-format (the C format translated)
    and appends it; in JSON mode each call with PRINT_JSON stores its value under its key in the
    open object (or appends it to the open array). `sl` is _SL_: "\\n", or "\\\\" with -o.
    """

    def __init__(self, json: bool, oneline: bool = False) -> None:
        self.json = json
        self.sl = "\\" if oneline else "\n"
        self._text: list[str] = []
        self._root: list[Any] = []
        self._stack: list[Any] = [self._root]

    def _fp(self, mode: int) -> bool:
        return not self.json and bool(mode & PRINT_FP)

    def _js(self, mode: int) -> bool:
        return self.json and bool(mode & PRINT_JSON)

    def _put(self, key: str | None, value: Any) -> None:
        top = self._stack[-1]
        if isinstance(top, list):
            top.append(value)
        else:
            top[key] = value

    def text(self, s: str) -> None:
        """A PRINT_FP-only fprintf."""
        if not self.json:
            self._text.append(s)

    def nl(self) -> None:
        """print_nl: _SL_ in text mode, nothing in JSON."""
        self.text(self.sl)

    def string(self, mode: int, key: str | None, fmt: str | None, value: str) -> None:
        if self._js(mode):
            self._put(key, value)
        elif self._fp(mode):
            # printf ignores an argument the format does not use ("ageing none ").
            self._text.append(fmt % value if "%" in fmt else fmt)

    def number(self, mode: int, key: str | None, fmt: str | None, value: int) -> None:
        self.string(mode, key, fmt, value)

    def boolean(self, mode: int, key: str | None, fmt: str | None, value: bool) -> None:
        """print_bool: JSON true/false; the text format gets "true"/"false" if it asks."""
        if self._js(mode):
            self._put(key, bool(value))
        elif self._fp(mode):
            self._text.append(fmt % ("true" if value else "false") if "%" in fmt else fmt)

    def on_off(self, mode: int, key: str | None, fmt: str, value: int) -> None:
        """print_on_off: JSON true/false, text "on"/"off"."""
        if self._js(mode):
            self._put(key, bool(value))
        elif self._fp(mode):
            self._text.append(fmt % ("on" if value else "off"))

    def hex0x(self, mode: int, key: str | None, fmt: str, value: int) -> None:
        """print_0xhex: JSON gets the "%#llx" string; fmt takes that text as %s."""
        if self._js(mode):
            self._put(key, c_hex(value))
        elif self._fp(mode):
            self._text.append(fmt % c_hex(value))

    def null(self, mode: int, key: str | None) -> None:
        if self._js(mode):
            self._put(key, None)

    def raw_number(self, key: str, text: str) -> None:
        """jsonw_name + jsonw_printf: a number printed with a fixed format (JSON only)."""
        if self.json:
            self._put(key, JsonNumber(text))

    def open_object(self, key: str | None) -> None:
        if self.json:
            obj: dict[str, Any] = {}
            self._put(key, obj)
            self._stack.append(obj)

    def close_object(self) -> None:
        if self.json:
            self._stack.pop()

    def open_array(self, mode: int, key_or_text: str | None) -> None:
        """open_json_array: a JSON array under the key, or the text delimiter."""
        if self._js(mode):
            arr: list[Any] = []
            self._put(key_or_text, arr)
            self._stack.append(arr)
        elif self._fp(mode):
            self._text.append(key_or_text)

    def close_array(self, mode: int, text: str | None) -> None:
        if self._js(mode):
            self._stack.pop()
        elif self._fp(mode):
            self._text.append(text)

    def result(self) -> Any:
        """The text printed, or the list of top-level JSON values."""
        return self._root if self.json else "".join(self._text)


class _JsonWriter:
    """lib/json_writer.c, replayed over a built value: separators, -p indentation and all.

    Pretty mode breaks the line before each object member (4 spaces per depth) but keeps array
    elements on one line as `[ "a","b" ]`, exactly as jsonw_eol/jsonw_start_array do.
    """

    def __init__(self, pretty: bool) -> None:
        self.pretty = pretty
        self.out: list[str] = []
        self.depth = 0
        self.sep = ""

    def eol(self) -> None:
        if self.pretty:
            self.out.append("\n" + "    " * self.depth)

    def eor(self) -> None:
        if self.sep:
            self.out.append(self.sep)
        self.sep = ","

    def begin(self, c: str) -> None:
        self.eor()
        self.out.append(c)
        self.depth += 1
        self.sep = ""

    def end(self, c: str) -> None:
        self.depth -= 1
        if self.sep:
            self.eol()
        self.out.append(c)
        self.sep = ","

    def name(self, name: str) -> None:
        self.eor()
        self.eol()
        self.sep = ""
        self.out.append(_json_string(name) + (": " if self.pretty else ":"))

    def value(self, v: Any) -> None:
        if isinstance(v, dict):
            self.begin("{")
            for key, item in v.items():
                self.name(key)
                self.value(item)
            self.end("}")
        elif isinstance(v, list):
            self.begin("[")
            if self.pretty:
                self.out.append(" ")
            for item in v:
                self.value(item)
            if self.pretty and self.sep:
                self.out.append(" ")
            self.sep = ""
            self.end("]")
        else:
            self.eor()
            self.out.append(_json_scalar(v))


def _json_string(s: str) -> str:
    """jsonw_puts: C escapes only; no \\u escapes."""
    table = {"\t": "\\t", "\n": "\\n", "\r": "\\r", "\f": "\\f", "\b": "\\b"}
    table |= {"\\": "\\\\", '"': '\\"'}
    return '"' + "".join(table.get(c, c) for c in s) + '"'


def _json_scalar(v: Any) -> str:
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, JsonNumber):
        return v.text
    if isinstance(v, str):
        return _json_string(v)
    if isinstance(v, float):
        return f"{v:g}"
    return str(v)


def json_text(value: Any, pretty: bool = False) -> str:
    """What iproute2's writer prints for this value, then jsonw_destroy's newline.

    For `ip -j [-p] link show` the value is the list of link objects.
    """
    w = _JsonWriter(pretty)
    w.value(value)
    return "".join(w.out) + "\n"
