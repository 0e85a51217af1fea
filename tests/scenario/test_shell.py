"""The scenario shell: builtins, expansion, pipelines, redirections, jobs on the virtual clock."""

from __future__ import annotations

import io
import shutil
import subprocess

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from netlife.kernel.clock import NSEC_PER_SEC, Clock, secs
from netlife.scenario.interactive import (
    command_candidates,
    make_completer,
    render_transcript,
    run_interactive,
)
from netlife.scenario.script import ScriptError, parse_script
from netlife.scenario.shell import CommandResult, ShellSession, StepResult


class FakeHost:
    """A CommandHost test double: records each command with the virtual time it ran at.

    Commands: `cat` (stdin back), `emit WORDS` (prints them), `fail` (rc 1, stderr),
    `block SECS` (blocks by running the clock, as `ip link del` waiting for references does),
    `env` (prints the environment it was given); anything else prints its argv.
    """

    def __init__(self) -> None:
        self.clock = Clock()
        self.calls: list[tuple[float, list[str]]] = []
        self.stdins: list[str] = []
        self.envs: list[dict[str, str]] = []
        self.files: dict[str, str] = {}
        self.writes: list[tuple[str, str, bool]] = []
        self.settles = 0
        self.commands = {"cat": None, "emit": None, "modprobe": None}

    def run_command(self, argv: list[str], stdin: str, env: dict[str, str]) -> CommandResult:
        self.calls.append((self.clock.now / NSEC_PER_SEC, argv))
        self.stdins.append(stdin)
        self.envs.append(env)
        name = argv[0]
        if name == "cat":
            return CommandResult(0, stdin if len(argv) == 1 else self.files.get(argv[1], ""))
        if name == "emit":
            return CommandResult(0, " ".join(argv[1:]) + "\n")
        if name == "fail":
            return CommandResult(1, "", "fail: it failed\n")
        if name == "block":
            seconds = float(argv[1]) if argv[1:] and argv[1].isdigit() else 1.0
            until = self.clock.now + secs(seconds)
            self.clock.run_until(lambda: False, until)
            return CommandResult(0, "unblocked\n")
        if name == "env":
            return CommandResult(0, "".join(f"{k}={v}\n" for k, v in sorted(env.items())))
        return CommandResult(0, " ".join(argv) + "\n")

    def write_file(self, path: str, data: str, append: bool) -> tuple[int, str]:
        self.writes.append((path, data, append))
        if path.startswith("/missing/"):
            return 1, f"bash: {path}: No such file or directory\n"
        self.files[path] = (self.files.get(path, "") if append else "") + data
        return 0, ""

    def settle(self) -> None:
        self.settles += 1
        self.clock.run_pending()


def run(text: str, **kwargs) -> tuple[FakeHost, list[StepResult]]:
    host = FakeHost()
    return host, ShellSession(host, **kwargs).run_script(text)


def outputs(results: list[StepResult]) -> list[str]:
    return [r.stdout for r in results]


def argvs(host: FakeHost) -> list[list[str]]:
    return [argv for _, argv in host.calls]


# -- words and expansion --------------------------------------------------------------------------


def test_echo_quoting_and_variables():
    _, results = run(
        """X=5; echo "x=$X" '$X' ${X}y "$UNSET"end
echo -n no newline
echo -e 'a\\tb\\nc'
echo -e 'cut\\chere'"""
    )
    assert outputs(results) == ["x=5 $X 5y end\n", "no newline", "a\tb\nc\n", "cut"]


def test_dollar_question_mark_follows_the_last_status():
    _, results = run('fail\necho $?\ntrue; echo $?\nfalse || echo "was $?"\n! true; echo $?')
    assert [r.rc for r in results] == [1, 0, 0, 0, 0]
    assert outputs(results)[1:] == ["1\n", "0\n", "was 1\n", "1\n"]


def test_command_substitution_is_one_word_and_strips_trailing_newlines():
    host, _ = run("""x '{"ifindex": '$(emit 7)'}' "$(emit a; emit b)" $(emit c d)""")
    assert argvs(host)[-1] == ["x", '{"ifindex": 7}', "a\nb", "c", "d"]


def test_nested_command_substitution_and_its_status():
    _, results = run('echo "<$(echo "[$(emit deep)]")>"\nV=$(fail); echo $? "$V"')
    assert outputs(results) == ["<[deep]>\n", "1 \n"]
    assert results[1].stderr == "fail: it failed\n"  # a substitution's stderr is not captured


def test_unquoted_expansion_splits_quoted_does_not():
    host, _ = run('L="a  b "; x $L; x "$L"; x pre$L; E=; x $E "" $E')
    assert argvs(host) == [["x", "a", "b"], ["x", "a  b "], ["x", "prea", "b"], ["x", ""]]


def test_prefix_assignments_and_exports_reach_the_command_environment():
    host, results = run("A=1 C=$A env\nexport B=2\nC=3 env\nenv\necho ${A}x")
    assert host.envs == [{"A": "1", "C": "1"}, {"B": "2", "C": "3"}, {"B": "2"}]
    assert results[-1].stdout == "x\n"  # a prefix assignment does not stay


class ArgsHost(FakeHost):
    """`args A B` prints `[A][B]`, as the bash function in test_expansion_matches_bash does."""

    def run_command(self, argv: list[str], stdin: str, env: dict[str, str]) -> CommandResult:
        if argv[0] == "args":
            return CommandResult(0, "".join(f"[{a}]" for a in argv[1:]) + "\n")
        return super().run_command(argv, stdin, env)


@pytest.mark.parametrize(
    "line",
    [
        'L="a  b "; args $L "$L" pre$L x${L}y',
        'E=; args $E "" $E "$E" a$E',
        "args 'a'\"b\"c\\ d \\$x '$(x)' a#b # c",
        'args "$(echo "a  b")" $(echo "  a  b  ")',
        'V=$(echo x; echo; echo); args "$V"',
        'args "a\\"b\\\\c\\$d\\e"',
        'echo -e "a\\tb" -n; echo -n -e "x\\ny"; echo',
        'args $ "$" a$ ${E}',
        "A=1 B=$A; args $B",
        'args "$(args "$(args in)")"; ! false; args $?',
        "x=$(false); args $?; (exit 7); args $?",
        "echo -e 'a\\x41\\0101b'",
        "args '{\"ifindex\": '$(echo 7)'}'",
        "echo 1 >&2 2>/dev/null; (echo 2 >&2) 2>&1",
    ],
)
def test_expansion_matches_bash(line):
    bash = shutil.which("bash")
    if bash is None:
        pytest.skip("bash is not installed, so there is nothing to compare with")
    script = "args() { printf '[%s]' \"$@\"; echo; }\n" + line
    expected = subprocess.run([bash, "-c", script], capture_output=True, text=True, check=False)
    results = ShellSession(ArgsHost()).run_script(line)
    assert "".join(r.stdout for r in results) == expected.stdout
    assert "".join(r.stderr for r in results) == expected.stderr


# -- lists, pipelines, redirections ----------------------------------------------------------------


def test_and_or_lists_skip_as_the_status_says():
    host, results = run("fail && emit no || emit yes; true && emit one || emit two")
    assert argvs(host) == [["fail"], ["emit", "yes"], ["emit", "one"]]
    assert results[0].rc == 0


def test_pipeline_feeds_stdout_to_stdin_and_returns_the_last_status():
    host, results = run("emit hello | cat | cat\nemit x | fail\nfail | cat")
    assert results[0].stdout == "hello\n"
    assert host.stdins[:3] == ["", "hello\n", "hello\n"]
    assert [r.rc for r in results] == [0, 1, 0]


def test_a_subshell_consumes_its_pipe_once():
    _, results = run("emit once | (cat; cat)")
    assert results[0].stdout == "once\n"


def test_redirections_write_through_the_host():
    host, results = run("emit a > /f\nemit b >> /f\ncat /f\nfail 2>&1 > /g\nfail > /g 2>&1")
    assert host.writes[:2] == [("/f", "a\n", False), ("/f", "b\n", True)]
    assert results[2].stdout == "a\nb\n"
    # Left to right: 2>&1 points stderr at the terminal's stdout, then stdout moves to /g.
    assert (results[3].stdout, results[3].stderr) == ("fail: it failed\n", "")
    assert host.writes[2] == ("/g", "fail: it failed\n", False)
    assert host.files["/g"] == "fail: it failed\n"


def test_dev_null_discards_without_the_host():
    host, results = run("fail 2>/dev/null\nemit x >/dev/null\nemit y &>/dev/null")
    assert [(r.stdout, r.stderr) for r in results] == [("", "")] * 3
    assert host.writes == []
    assert results[0].rc == 1


def test_a_failed_redirection_write_reports_and_fails():
    _, results = run("echo 1 > /missing/x")
    assert results[0].rc == 1
    assert results[0].stderr == "bash: /missing/x: No such file or directory\n"


def test_stderr_to_stdout_through_a_pipe():
    _, results = run("(emit out; fail) 2>&1 | cat")
    assert results[0].stdout == "out\nfail: it failed\n" and results[0].stderr == ""


# -- time, jobs, wait ---------------------------------------------------------------------------


def test_sleep_moves_the_virtual_clock_and_steps_record_their_start():
    host, results = run("emit a\nsleep 1.5\nemit b\nsleep 2 0.5s 1m\nemit c")
    assert [r.time for r in results] == [0.0, 0.0, 1.5, 1.5, 64.0]
    assert host.clock.now == secs(64)


def test_background_job_runs_inside_a_blocking_foreground_command():
    host, results = run("(sleep 60; emit job at 60) &\nblock 100\nemit after")
    assert host.calls == [
        (0.0, ["block", "100"]),
        (60.0, ["emit", "job", "at", "60"]),
        (100.0, ["emit", "after"]),
    ]
    # The job printed while `block` was running: the terminal shows it in that step.
    assert results[1].stdout == "job at 60\nunblocked\n"
    assert results[0].stdout == ""


def test_a_job_starts_when_the_clock_next_runs():
    host, results = run("emit bg &\nemit fg")
    assert argvs(host) == [["emit", "bg"], ["emit", "fg"]]
    assert results[0].stdout == "" and results[1].stdout == "bg\nfg\n"
    assert results[0].rc == 0


def test_main_script_sleep_runs_jobs_in_time_order():
    host, results = run(
        "(sleep 3; emit c) &\n(sleep 1; emit a; sleep 1; emit b) &\nsleep 10\nemit end"
    )
    assert host.calls == [
        (1.0, ["emit", "a"]),
        (2.0, ["emit", "b"]),
        (3.0, ["emit", "c"]),
        (10.0, ["emit", "end"]),
    ]
    assert results[2].stdout == "a\nb\nc\n"


def test_wait_waits_for_every_job_and_the_clock_stops_at_the_last():
    host, results = run("(sleep 5; emit x) &\n(sleep 7; emit y) &\nwait\nemit done")
    assert results[2].rc == 0 and results[2].stdout == "x\ny\n"
    assert host.calls[-1] == (7.0, ["emit", "done"])


def test_wait_reports_when_its_bound_passes():
    host, results = run("(sleep 100; emit late) &\nwait", wait_bound_secs=10)
    assert results[1].rc == 124
    assert "1 background job(s) still running after 10 s" in results[1].stderr
    assert host.clock.now == secs(10)


def test_wait_inside_a_job_waits_for_its_own_children():
    host, _ = run("((sleep 2; emit child) & (sleep 1; emit sib) & wait; emit parent) &\nsleep 5")
    assert host.calls == [
        (1.0, ["emit", "sib"]),
        (2.0, ["emit", "child"]),
        (2.0, ["emit", "parent"]),
    ]


def test_jobs_left_running_at_the_end_print_into_the_last_step():
    _, results = run("emit first\nemit bg &")
    assert results[-1].stdout == "bg\n"


def test_job_variables_are_its_own():
    _, results = run("A=1\n(A=2; sleep 1; echo in $A) &\nsleep 2; echo out $A")
    assert results[2].stdout == "in 2\nout 1\n"


# -- exit, errors, script control ------------------------------------------------------------------


def test_exit_ends_the_script_but_only_the_subshell_inside_parentheses():
    host, results = run("(exit 3); echo $?\nexit 4\nemit never")
    assert outputs(results) == ["3\n", ""]
    assert results[-1].rc == 4 and ["emit", "never"] not in argvs(host)


def test_stop_on_error_stops_after_the_first_failing_step():
    host, results = run("emit a\nfail\nemit b", stop_on_error=True)
    assert len(results) == 2 and results[-1].rc == 1
    assert argvs(host) == [["emit", "a"], ["fail"]]
    _, all_results = run("emit a\nfail\nemit b")
    assert len(all_results) == 3


def test_syntax_error_runs_nothing():
    host = FakeHost()
    with pytest.raises(ScriptError) as info:
        ShellSession(host).run_script("emit a\nemit (b\n")
    assert info.value.line == 2 and host.calls == []


def test_builtin_errors_print_as_bash_and_coreutils_do():
    _, results = run("sleep\nsleep x\nexit a b")
    assert results[0].stderr.startswith("sleep: missing operand") and results[0].rc == 1
    assert results[1].stderr.startswith("sleep: invalid time interval 'x'")
    assert results[2].stderr == "bash: exit: a: numeric argument required\n"
    assert results[2].rc == 2


def test_host_settles_before_each_step_and_on_step_sees_indices():
    host = FakeHost()
    seen = []
    ShellSession(host).run_script("emit a\nemit b", on_step=seen.append)
    assert seen == [0, 1] and host.settles == 3  # one per step and one at the end


def test_run_step_runs_one_parsed_step():
    host = FakeHost()
    session = ShellSession(host)
    (step,) = parse_script("X=9; emit $X")
    result = session.run_step(step)
    assert (result.command, result.rc, result.stdout) == ("X=9; emit $X", 0, "9\n")


def test_same_script_same_results():
    text = "(sleep 2; emit j) &\nA=$(emit x); emit $A | cat\nsleep 3\nwait\nfail 2>&1"
    assert run(text)[1] == run(text)[1]


# -- transcript and interactive -----------------------------------------------------------------


def test_transcript_shows_prompts_continuations_and_output():
    _, results = run("(emit a\n emit b) &&\\\n emit c\necho -n x\nfail")
    assert render_transcript(results, prompt="# ") == (
        "# (emit a\n>  emit b) &&\\\n>  emit c\na\nb\nc\n# echo -n x\nx\n# fail\nfail: it failed\n"
    )


def test_interactive_from_a_pipe_runs_until_exit():
    host = FakeHost()
    out = io.StringIO()
    lines = "emit one\n(emit two\nemit three)\necho )\nemit a \\\nb 'c\\'\nexit 5\nemit no\n"
    rc = run_interactive(ShellSession(host), io.StringIO(lines), out)
    assert rc == 5
    assert out.getvalue() == (
        "one\ntwo\nthree\nnetlife: line 1: syntax error near unexpected token `)'\na b c\\\n"
    )


def test_interactive_eof_returns_the_last_status():
    rc = run_interactive(ShellSession(FakeHost()), io.StringIO("fail\n"), io.StringIO())
    assert rc == 1


def test_completion_offers_command_names_at_command_position():
    session = ShellSession(FakeHost())
    candidates = command_candidates(session)
    assert candidates("", "e") == ["echo", "emit", "exit", "export"]
    assert candidates("emit x | ", "ca") == ["cat"]
    assert candidates("emit ", "e") == []
    line = "emit x; mo"
    complete = make_completer(candidates, lambda: line, lambda: 8)
    assert [complete("mo", 0), complete("mo", 1)] == ["modprobe", None]


SOUP = st.sampled_from(
    [
        "emit", "fail", "cat", "x", "A=1", "$A", "$?", "$(", ")", "(", "'", '"', "\n", " ", ";",
        "&", "&&", "||", "|", ">", "/f", ">>", "2>&1", "&>", "/dev/null", "!", "sleep 1",
        "wait", "exit 3", "echo", "-n", "-e", "\\n", "export", "unset", "block 2",
    ]
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.lists(SOUP, max_size=25))
def test_any_script_that_parses_runs_without_a_python_error(tokens):
    text = "".join(tokens)
    try:
        parse_script(text)
    except ScriptError:
        return
    _, results = run(text, wait_bound_secs=100)
    assert all(0 <= r.rc <= 255 for r in results)
    assert [r.time for r in results] == sorted(r.time for r in results)
    assert run(text, wait_bound_secs=100)[1] == results  # and does the same thing again
