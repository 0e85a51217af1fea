"""Scenario script parsing: steps, quoting, expansions' shape, operators and refused syntax."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from netlife.scenario.script import (
    CommandSub,
    Lit,
    Param,
    Redirect,
    ScriptError,
    SimpleCommand,
    Subshell,
    Word,
    parse_script,
)


def only(text: str):
    """The single simple command of a one-step script."""
    (step,) = parse_script(text)
    ((and_or, background),) = step.body.items
    assert not background and not and_or.rest
    (command,) = and_or.first.commands
    return command


def literal_words(command: SimpleCommand) -> list[str]:
    """Words that are only literal text, joined (fails on expansions)."""
    out = []
    for word in command.words:
        assert all(isinstance(p, Lit) for p in word.parts), word
        out.append("".join(p.text for p in word.parts))
    return out


def test_each_line_is_a_step_with_its_source_and_line():
    steps = parse_script("# header\n\nip link add a type veth\n  ip link show   # look\n")
    assert [(s.source, s.line) for s in steps] == [
        ("ip link add a type veth", 3),
        ("ip link show   # look", 4),
    ]


def test_comments_start_only_at_a_word_and_not_inside_quotes():
    assert literal_words(only("echo a#b '#c' \"#d\" # gone")) == ["echo", "a#b", "#c", "#d"]


def test_quoting_single_double_and_backslash():
    command = only(r"""echo 'a b' "c \"d\" \$e \x" f\ g \'""")
    assert literal_words(command) == ["echo", "a b", 'c "d" $e \\x', "f g", "'"]


def test_single_quotes_keep_dollar_literal_double_quotes_expand():
    word = only("echo '$A'\"$B\"${C}$?").words[1]
    assert word.parts == (
        Lit("$A", True),
        Param("B", True),
        Lit("", True),  # what is left of the double-quoted piece after $B
        Param("C", False),
        Param("?", False),
    )


def test_command_substitution_concatenates_into_one_word():
    command = only("""echo '{"ifindex": '$(cat /sys/class/net/nk0/ifindex)'}'""")
    assert len(command.words) == 2
    first, sub, last = command.words[1].parts
    assert first == Lit('{"ifindex": ', True) and last == Lit("}", True)
    assert isinstance(sub, CommandSub) and not sub.quoted
    inner = sub.body.items[0][0].first.commands[0]
    assert literal_words(inner) == ["cat", "/sys/class/net/nk0/ifindex"]


def test_command_substitution_nests_inside_double_quotes():
    word = only('echo "x$(echo "$(echo hi)")y"').words[1]
    outer = next(p for p in word.parts if isinstance(p, CommandSub))
    assert outer.quoted
    inner_word = outer.body.items[0][0].first.commands[0].words[1]
    assert any(isinstance(p, CommandSub) and p.quoted for p in inner_word.parts)


def test_assignments_alone_and_as_prefix():
    command = only("A=1 B='x y' ip link")
    assert [name for name, _ in command.assigns] == ["A", "B"]
    assert command.assigns[1][1] == Word((Lit("x y", True),))
    assert literal_words(command) == ["ip", "link"]
    alone = only("EMPTY=")
    assert alone.assigns == (("EMPTY", Word(())),) and alone.words == ()
    assert literal_words(only("echo A=1")) == ["echo", "A=1"]  # not at command position


def test_lists_and_or_and_pipelines():
    (step,) = parse_script("a; b && c || d | e; f &")
    items = step.body.items
    assert [bg for _, bg in items] == [False, False, True]
    and_or = items[1][0]
    assert [op for op, _ in and_or.rest] == ["&&", "||"]
    assert len(and_or.rest[1][1].commands) == 2


def test_redirections():
    command = only("cmd >/tmp/a 2>&1 >> /tmp/b 2>/dev/null &>/x >&2")
    assert [(r.fd, r.op, r.dup) for r in command.redirects] == [
        (1, ">", None),
        (2, ">&", 1),
        (1, ">>", None),
        (2, ">", None),
        (1, "&>", None),
        (1, ">&", 2),
    ]
    assert command.redirects[0] == Redirect(1, ">", Word((Lit("/tmp/a", False),)))


def test_background_subshell_spans_lines_and_is_one_step():
    text = "(sleep 60\n  # why\n  ip link del a) &\nwait\n"
    first, second = parse_script(text)
    assert first.source == "(sleep 60\n  # why\n  ip link del a) &" and first.line == 1
    ((and_or, background),) = first.body.items
    assert background and isinstance(and_or.first.commands[0], Subshell)
    assert len(and_or.first.commands[0].body.items) == 2
    assert second.source == "wait" and second.line == 4


def test_backslash_newline_and_trailing_operators_continue_the_step():
    steps = parse_script("ip link add \\\n  a type veth &&\n  echo ok |\n  cat\nnext\n")
    assert [s.line for s in steps] == [1, 5]
    assert steps[0].source.count("\n") == 3
    assert literal_words(steps[0].body.items[0][0].first.commands[0]) == [
        "ip",
        "link",
        "add",
        "a",
        "type",
        "veth",
    ]


def test_a_final_backslash_asks_for_more_only_when_interactive():
    assert [s.source for s in parse_script("echo a \\\n")] == ["echo a \\"]
    with pytest.raises(ScriptError) as info:
        parse_script("echo a \\\n", interactive=True)
    assert info.value.incomplete
    assert parse_script("echo 'a\\'\n", interactive=True)[0].source == "echo 'a\\'"


def test_negation_and_empty_substitution():
    (step,) = parse_script("! grep -q x $()")
    pipeline = step.body.items[0][0].first
    assert pipeline.negated
    assert pipeline.commands[0].words[3].parts[0].body.items == ()


@pytest.mark.parametrize(
    ("text", "line", "needle", "incomplete"),
    [
        ("ok\necho 'open", 2, "matching `''", True),
        ('ok\nok\necho "open', 3, "matching `\"'", True),
        ("(a; b", 1, "unexpected end of file", True),
        ("a &&", 1, "unexpected end of file", True),
        ("echo $(a", 1, "matching `)'", True),
        ("a\n)\n", 2, "unexpected token `)'", False),
        ("a ;; b", 1, "case", False),
        ("a | | b", 1, "unexpected token `|'", False),
        ("()", 1, "unexpected token `)'", False),
        ("(a) b", 1, "unexpected token `b'", False),
        ("echo >", 1, "unexpected token `newline'", False),
        ("\n\nif true; then a; fi", 3, "`if' is not supported", False),
        ("for i in 1 2; do a; done", 1, "`for' is not supported", False),
        ("cat <<EOF", 1, "here-documents", False),
        ("cat < /etc/x", 1, "input redirection", False),
        ("echo `date`", 1, "backquote", False),
        ("echo $((1+2))", 1, "arithmetic", False),
        ("echo ${A:-x}", 1, "unsupported substitution", False),
        ("echo $1", 1, "special parameter", False),
        ("a 3>/x", 1, "file descriptor 3", False),
        ("a; ; b", 1, "unexpected token `;'", False),
        ("& a", 1, "unexpected token `&'", False),
    ],
)
def test_syntax_errors_name_their_line(text, line, needle, incomplete):
    with pytest.raises(ScriptError) as info:
        parse_script(text)
    assert info.value.line == line
    assert needle in info.value.message
    assert info.value.incomplete is incomplete
    assert str(info.value).startswith(f"{line}: ")


def test_deep_nesting_is_a_script_error():
    with pytest.raises(ScriptError, match="nesting"):
        parse_script("(" * 200 + "a" + ")" * 200)
    with pytest.raises(ScriptError, match="nesting"):
        parse_script("echo " + "$(" * 200 + "a" + ")" * 200)


def test_parsing_is_deterministic():
    text = 'A=1; (sleep 1; echo "$A" > /x) &\nwait && cat /x | grep 1\n'
    assert parse_script(text) == parse_script(text)


TOKENS = st.sampled_from(
    [
        "echo", "ip", "a", "A=1", "$A", "${A}", "$?", "$(", ")", "(", "'", '"', "\\", "\n", " ",
        ";", "&", "&&", "||", "|", ">", ">>", "2>&1", "&>", "<", "#", "!", "{", "if", "`", "$",
        "$((", "${", "2>", ">&", "\\\n", "x'y'", '"$(a)"', "sleep 1", "wait", "exit 3",
    ]
)  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(st.lists(TOKENS, max_size=30))
def test_token_soup_parses_or_raises_script_error(tokens):
    text = "".join(tokens)
    try:
        steps = parse_script(text)
    except ScriptError as err:
        assert err.line >= 1
        assert err.line <= text.count("\n") + 1
        return
    for step in steps:
        assert step.source and step.source in text


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=40))
def test_arbitrary_text_parses_or_raises_script_error(text):
    try:
        steps = parse_script(text)
    except ScriptError as err:
        assert err.line in range(1, text.count("\n") + 2)
        return
    assert all(1 <= step.line <= text.count("\n") + 1 for step in steps)
