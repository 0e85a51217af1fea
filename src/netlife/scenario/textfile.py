"""The user's text files (scripts, case files, machine profiles, `--state` files, batch files):
read as bytes, refused with one line naming the file and line unless they are text.

Model-only. Every reader of a file the user names goes through read_text, so binary garbage,
an ELF executable, a NUL byte or invalid UTF-8 is reported the same way everywhere and never
reaches a parser as a traceback.
"""

from __future__ import annotations

import re
from pathlib import Path

# C0 controls other than tab, newline, vertical tab, form feed and carriage return, and DEL:
# bytes no script or profile holds. NUL included (bash and iproute2 would cut the line there).
CONTROL = re.compile(rb"[\x00-\x08\x0e-\x1f\x7f]")
ELF_MAGIC = b"\x7fELF"


class TextFileError(Exception):
    """Raised by read_text / decode_text for a file that is not UTF-8 text; the message is one
    line naming the file (and the line of the first bad byte)."""


def line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def decode_text(data: bytes, name: str) -> str:
    """The text of a file's bytes, or TextFileError saying where it stops being text."""
    if data.startswith(ELF_MAGIC):
        raise TextFileError(f"{name}: an ELF executable, not a text file")
    bad = CONTROL.search(data)
    if bad is not None:
        byte = bad.group()[0]
        what = "a NUL byte" if byte == 0 else f"control byte 0x{byte:02x}"
        raise TextFileError(f"{name}:{line_of(data, bad.start())}: {what}, not a text file")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        where = line_of(data, err.start)
        raise TextFileError(
            f"{name}:{where}: invalid UTF-8 (byte 0x{data[err.start]:02x}), not a text file"
        ) from None


def read_text(path: str | Path) -> str:
    """A user's file as text; raises OSError when it cannot be read, TextFileError when it is
    not text."""
    return decode_text(Path(path).read_bytes(), str(path))
