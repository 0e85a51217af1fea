"""Pipeline text filters: grep, head, tail, wc, sort print and exit as GNU's do."""

from __future__ import annotations

import pytest

from netlife.kernel.errors import ENOENT, KernelError
from netlife.userspace.coreutils import COMMANDS
from netlife.userspace.host import Proc


class FileHost:
    """Just enough of a Host for file operands: a dict of readable paths."""

    def __init__(self, files: dict[str, str]) -> None:
        self.files = files

    def read_file_in(self, net: object, path: str) -> str:
        if path not in self.files:
            raise KernelError(ENOENT)
        return self.files[path]


LINKS = "1: lo: <LOOPBACK>\n2: veth0@veth1: <UP>\n3: veth1@veth0: <UP>\n4: Veth9: <>\n"


def run(line: str, stdin: str = "", files: dict[str, str] | None = None) -> tuple[int, str, str]:
    argv = line.split()
    proc = Proc(FileHost(files or {}), None, stdin)  # type: ignore[arg-type]
    rc = COMMANDS[argv[0]](proc, argv)
    return rc, "".join(proc.out), "".join(proc.err)


@pytest.mark.parametrize(
    ("line", "rc", "out"),
    [
        ("grep veth", 0, "2: veth0@veth1: <UP>\n3: veth1@veth0: <UP>\n"),
        ("grep -i veth9", 0, "4: Veth9: <>\n"),
        ("grep -v veth", 0, "1: lo: <LOOPBACK>\n4: Veth9: <>\n"),
        ("grep -c veth", 0, "2\n"),
        ("grep -vc UP", 0, "2\n"),
        ("grep -q veth", 0, ""),
        ("grep -q nothing", 1, ""),
        ("grep -c nothing", 1, "0\n"),
        ("grep -w veth", 1, ""),
        ("grep -w veth0", 0, "2: veth0@veth1: <UP>\n3: veth1@veth0: <UP>\n"),
        (
            "grep -E veth[01]@|lo:",
            0,
            "1: lo: <LOOPBACK>\n2: veth0@veth1: <UP>\n3: veth1@veth0: <UP>\n",
        ),
        ("grep veth[01]@|lo:", 1, ""),  # `|` is literal in a basic regular expression
        (r"grep veth1\|lo:", 0, "1: lo: <LOOPBACK>\n2: veth0@veth1: <UP>\n3: veth1@veth0: <UP>\n"),
        ("grep ^[[:digit:]]:.lo", 0, "1: lo: <LOOPBACK>\n"),
        ("grep -n -e lo -e Veth", 0, "1:1: lo: <LOOPBACK>\n4:4: Veth9: <>\n"),
        ("grep -x 4:.Veth9:.<>", 0, "4: Veth9: <>\n"),
    ],
)
def test_grep(line, rc, out):
    assert run(line, LINKS)[:2] == (rc, out)


def test_grep_errors_and_files():
    assert run("grep", LINKS) == (2, "", "Usage: grep [OPTION]... PATTERNS [FILE]...\n"
                                  "Try 'grep --help' for more information.\n")  # fmt: skip
    assert run("grep -j x", LINKS)[0] == 2
    assert run("grep a(", LINKS)[0] == 1  # `(` is literal in a BRE
    assert run("grep -E a(", LINKS) == (2, "", "grep: Unmatched ( or \\(\n")
    assert run("grep [a", LINKS) == (2, "", "grep: Unmatched [, [^, [:, [., or [=\n")
    files = {"/a": "x\n", "/b": "y\nx"}
    assert run("grep x /a /b /c", files=files) == (
        2,
        "/a:x\n/b:x\n",
        "grep: /c: No such file or directory\n",
    )
    assert run("grep -q x /c /a", files=files)[0] == 0  # a match wins over trouble with -q


def test_head_and_tail():
    text = "".join(f"{i}\n" for i in range(1, 16))
    assert run("head", text)[1] == "".join(f"{i}\n" for i in range(1, 11))
    assert run("head -n 2", text)[1] == "1\n2\n"
    assert run("head -3", text)[1] == "1\n2\n3\n"
    assert run("head -n -13", text)[1] == "1\n2\n"
    assert run("tail -n 2", text)[1] == "14\n15\n"
    assert run("tail -n2", text)[1] == "14\n15\n"
    assert run("tail -n +14", text)[1] == "14\n15\n"
    assert run("tail -n 0", text)[1] == ""
    assert run("head -n x", text) == (1, "", "head: invalid number of lines: 'x'\n")
    assert run("tail /nope") == (
        1,
        "",
        "tail: cannot open '/nope' for reading: No such file or directory\n",
    )
    assert (
        run("head -n 1 /a /b", files={"/a": "a\n", "/b": "b\n"})[1]
        == "==> /a <==\na\n\n==> /b <==\nb\n"
    )


def test_wc():
    assert run("wc -l", "a\nb c\n") == (0, "2\n", "")
    assert run("wc", "a\nb c\n")[1] == "      2       3       6\n"
    assert run("wc -l /a", files={"/a": "x\n"})[1] == "1 /a\n"
    assert run("wc -l /a /b", files={"/a": "x\n", "/b": "y\nz\n"})[1] == "1 /a\n2 /b\n3 total\n"
    assert run("wc -z")[0] == 1


def test_sort():
    assert run("sort", "b\na\nB\n")[1] == "B\na\nb\n"  # C locale: byte order
    assert run("sort -r", "b\na\nc\n")[1] == "c\nb\na\n"
    assert run("sort -n", "10\n9\n-1\n")[1] == "-1\n9\n10\n"
    assert run("sort -u", "b\na\nb\n")[1] == "a\nb\n"
    assert run("sort -q")[0] == 2


def test_true_and_false():
    assert run("true")[0] == 0 and run("false")[0] == 1
