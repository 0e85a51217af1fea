"""The root shell that runs scenario steps on one virtual clock.

Model-only. A ShellSession executes the trees of scenario/script.py against a CommandHost:
builtins (echo, sleep, wait, exit, …) run here, every other command goes to the host. Nothing
sleeps for real. The interpreter is written as generators that yield when the shell would
block (`sleep`, `wait`), so the same code serves both kinds of caller:

- the foreground script: a yielded sleep advances the clock (clock.advance_to), a yielded wait
  runs it until the jobs are done (clock.run_until), and background work runs meanwhile;
- a background job (`CMD &`, `( list ) &`): a coroutine on the clock. It starts as a workqueue
  item (clock.queue_work), runs its commands synchronously when the clock runs it, and at a
  sleep schedules its own continuation (clock.schedule_at) and gives control back.

Output that is not captured or redirected goes to the terminal: the step that is running, or
the next one if none is (as a terminal shows a job's output wherever the cursor is).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import Any, Protocol

from netlife.kernel.clock import NSEC_PER_SEC, Clock, secs
from netlife.scenario.script import (
    AndOr,
    CommandList,
    CommandSub,
    Lit,
    Param,
    Pipeline,
    Redirect,
    SimpleCommand,
    Step,
    Subshell,
    Word,
    parse_script,
)

WAIT_BOUND_SECS = 24 * 3600.0  # how long `wait` lets jobs run before it reports them stuck
EXIT_WAIT_BOUND = 124  # like timeout(1): `wait` gave up at the bound


@dataclass(slots=True)
class CommandResult:
    """What a host command left behind: exit status and its two output streams."""

    rc: int = 0
    stdout: str = ""
    stderr: str = ""


class CommandHost(Protocol):
    """What the shell needs from the machine it runs on (userspace/host.py provides it)."""

    clock: Clock

    def run_command(self, argv: list[str], stdin: str, env: dict[str, str]) -> CommandResult:
        """Run a non-builtin command; may run the clock itself while it blocks."""
        ...

    def write_file(self, path: str, data: str, append: bool) -> tuple[int, str]:
        """A redirection's write: (0, "") or (the status it gives, bash's error text)."""
        ...

    def settle(self) -> None:
        """Run the work due now on the clock (called before each top-level step)."""
        ...


@dataclass(slots=True)
class StepResult:
    """One step as run: its source, exit status, output, and the virtual time it started (s)."""

    command: str
    rc: int
    stdout: str
    stderr: str
    time: float


# -- plumbing: output sinks, stdin, requests, jobs, contexts ------------------------------------


class _Capture:
    """Output kept for the caller: a pipe to the next stage, `$(…)`, or a file's contents."""

    __slots__ = ("append", "parts", "path")

    def __init__(self, path: str = "", append: bool = False) -> None:
        self.parts: list[str] = []
        self.path = path
        self.append = append

    def write(self, text: str) -> None:
        self.parts.append(text)

    def text(self) -> str:
        return "".join(self.parts)


class _Discard:
    __slots__ = ()

    def write(self, text: str) -> None:
        pass


class _Terminal:
    """The session's stdout or stderr: whatever step is current when the text arrives."""

    __slots__ = ("buf",)

    def __init__(self, buf: list[str]) -> None:
        self.buf = buf

    def write(self, text: str) -> None:
        if text:
            self.buf.append(text)


Sink = _Capture | _Discard | _Terminal


class _Stdin:
    """A pipe's contents: the first command that reads it consumes it, as with a real pipe."""

    __slots__ = ("data",)

    def __init__(self, data: str = "") -> None:
        self.data = data

    def take(self) -> str:
        data, self.data = self.data, ""
        return data


@dataclass(slots=True)
class _Sleep:
    ns: int


@dataclass(slots=True)
class _Wait:
    jobs: list[_Job]


class _Exit(Exception):
    """`exit N`: ends the enclosing subshell, substitution, job or script."""

    def __init__(self, rc: int) -> None:
        super().__init__(rc)
        self.rc = rc


class _Interrupted(Exception):
    """A signal reached the shell while a foreground step ran (scenario/signals.py)."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


class _Job:
    __slots__ = ("done", "gen", "on_done", "rc", "task")

    def __init__(self, gen: Run, task: Any = None) -> None:
        self.gen = gen
        self.done = False
        self.rc = 0
        self.on_done: list[Callable[[], None]] = []
        self.task = task  # the kernel task it runs as (a subshell of the script), if any


class _Ctx:
    """One shell process: variables, open fds 1 and 2, stdin, `$?`, and its background jobs."""

    __slots__ = ("exported", "fds", "jobs", "last_rc", "stdin", "sub_rc", "vars")

    def __init__(self, fds: dict[int, Sink]) -> None:
        self.vars: dict[str, str] = {}
        self.exported: set[str] = set()
        self.fds = fds
        self.stdin = _Stdin()
        self.last_rc = 0
        self.sub_rc = 0  # status of the last `$(…)`, which a command of only assignments returns
        self.jobs: list[_Job] = []

    def child(self, fds: dict[int, Sink] | None = None, stdin: _Stdin | None = None) -> _Ctx:
        """A subshell: copies of the variables, its own jobs."""
        new = _Ctx(dict(self.fds) if fds is None else fds)
        new.vars = dict(self.vars)
        new.exported = set(self.exported)
        new.stdin = self.stdin if stdin is None else stdin
        new.last_rc = self.last_rc
        return new


Run = Generator[Any, Any, int]  # yields _Sleep / _Wait, returns an exit status
Expansion = Generator[Any, Any, str]
Fields = Generator[Any, Any, list[str]]
Opened = Generator[Any, Any, tuple[dict[int, Sink], list[_Capture]]]


# -- the session --------------------------------------------------------------------------------


class ShellSession:
    """A root shell on one host; variables, `$?` and jobs persist from step to step."""

    def __init__(
        self,
        host: CommandHost,
        stop_on_error: bool = False,
        hostname: str = "netlife",
        wait_bound_secs: float = WAIT_BOUND_SECS,
    ) -> None:
        self.host = host
        self.clock = host.clock
        self.kernel = getattr(host, "kernel", None)
        if self.kernel is not None:
            self.kernel.sched.on_hang.append(self._on_hang)
        from netlife.scenario.signals import Signals

        self.signals = Signals()
        self.interrupted = 0  # the signal that ended the last step, if one did
        if hasattr(host, "poll"):
            host.poll = self._poll
        self.stop_on_error = stop_on_error
        self.hostname = hostname
        self.wait_bound = secs(wait_bound_secs)
        self.exit_status: int | None = None  # set by a top-level `exit`
        self._out: list[str] = []
        self._err: list[str] = []
        self._top = _Ctx({1: _Terminal(self._out), 2: _Terminal(self._err)})

    @property
    def last_rc(self) -> int:
        return self._top.last_rc

    @last_rc.setter
    def last_rc(self, rc: int) -> None:
        self._top.last_rc = rc

    def run_step(self, step: Step) -> StepResult:
        """Settle the host, then run one top-level command to completion."""
        self.host.settle()
        return self._execute(step)

    def run_script(
        self,
        text: str,
        on_step: Callable[[int], None] | None = None,
        on_result: Callable[[StepResult], None] | None = None,
        results: list[StepResult] | None = None,
    ) -> list[StepResult]:
        """Parse all of `text` (ScriptError before anything runs), then run its steps.

        on_step(i) is called with the 0-based index of each step after the host settled and
        before the step runs, so work the previous step left queued counts as that step's;
        on_result(result) once a step is complete (as the next starts, or at the end). Results
        go into `results` when given, so a caller interrupted by KeyboardInterrupt keeps them.
        Stops after `exit`, after a signal (SIGINT, SIGTERM: status 128 + N), or after the
        first failing step when stop_on_error.
        """
        results = [] if results is None else results
        for i, step in enumerate(parse_script(text)):
            self.host.settle()
            if on_result is not None and results:
                on_result(results[-1])
            if on_step is not None:
                on_step(i)
            result = self._execute(step)
            results.append(result)
            if self.exit_status is not None or (self.stop_on_error and result.rc != 0):
                break
            if self.interrupted:
                break
        # Jobs started by the last steps get to run, and what they print belongs to the script.
        if not self.interrupted:
            self.host.settle()
        if results and (self._out or self._err):
            results[-1].stdout += self._take(self._out)
            results[-1].stderr += self._take(self._err)
        if on_result is not None and results:
            on_result(results[-1])
        return results

    def _poll(self) -> int:
        """The signal to act on now, if any: only the foreground acts (jobs sleep on)."""
        if self.kernel is not None and self.kernel.sched.in_task():
            return 0
        return self.signals.poll()

    def _check_signal(self) -> None:
        signum = self._poll()
        if signum:
            raise _Interrupted(signum)

    def _execute(self, step: Step) -> StepResult:
        start = self.clock.now
        self.interrupted = 0
        try:
            rc = self._foreground(self._run_list(step.body, self._top))
        except _Exit as done:
            rc = self.exit_status = done.rc
        except _Interrupted as sig:  # bash abandons the whole command line
            self.interrupted = sig.signum
            self.signals.clear()
            rc = 128 + sig.signum
        self._top.last_rc = rc
        out, err = self._take(self._out), self._take(self._err)
        return StepResult(step.source, rc, out, err, start / NSEC_PER_SEC)

    @staticmethod
    def _take(buf: list[str]) -> str:
        text = "".join(buf)
        buf.clear()
        return text

    # -- driving the generators ----------------------------------------------------------------

    def _foreground(self, gen: Run) -> int:
        value: Any = None
        while True:
            try:
                request = gen.send(value)
            except StopIteration as stop:
                return stop.value
            if isinstance(request, _Sleep):
                self.clock.run_until(lambda: bool(self._poll()), self.clock.now + request.ns)
                value = None
            else:
                jobs = request.jobs
                deadline = self.clock.now + self.wait_bound
                self.clock.run_until(
                    lambda jobs=jobs: (
                        all(j.done or self._stuck(j) for j in jobs) or bool(self._poll())
                    ),
                    deadline,
                )
                value = all(j.done for j in jobs)
            self._check_signal()

    def _stuck(self, job: _Job) -> bool:
        """CHOICE: `wait` gives up at once when every job it waits for sleeps in the kernel past
        the hang bound with its holders still there: nothing the script does can release them
        while it waits."""
        return job.task is not None and self.kernel.sched.stuck(job.task)

    def _on_hang(self, task: Any, report: Any) -> None:
        """A task passed the bound. A foreground command's hang ends its step (the host
        reports it); a background job's is shown on the terminal, and the job sleeps on."""
        root = self.kernel.sched.root()
        if root is None or root is getattr(self.host, "foreground", None):
            return
        self._err.append(f"netlife: {task.comm} still blocked after the model's bound:\n")
        self._err.append(f"{report}\n")

    def _start_job(self, and_or: AndOr, ctx: _Ctx) -> None:
        # A non-interactive shell gives background jobs /dev/null for stdin.
        child = ctx.child(stdin=_Stdin())
        # Model-only: tells long-running commands (ip monitor) they may outlive their step.
        child.vars["NETLIFE_JOB"] = "1"
        child.exported.add("NETLIFE_JOB")
        job = _Job(self._run_and_or(and_or, child))
        if self.kernel is not None:
            from netlife.kernel.core import Task

            job.task = Task("bash", 1000, self.kernel.init_net)  # a subshell of the script
        ctx.jobs = [j for j in ctx.jobs if not j.done] + [job]
        self.clock.queue_work(lambda: self._resume(job, None), name="shell job")

    def _resume(self, job: _Job, value: Any) -> None:
        """Run a job until it sleeps, waits or ends; a sleep schedules the continuation.

        With a kernel behind the host, the job runs as a task (kernel/sched.py): a command of
        it that sleeps in the kernel lets the rest of the script go on."""
        if job.task is not None:
            self.kernel.sched.spawn(job.task, lambda: self._resume_job(job, value))
        else:
            self._resume_job(job, value)

    def _resume_job(self, job: _Job, value: Any) -> None:
        while True:
            try:
                request = job.gen.send(value)
            except StopIteration as stop:
                return self._finish(job, stop.value)
            except _Exit as done:
                return self._finish(job, done.rc)
            if isinstance(request, _Sleep):
                self.clock.schedule(request.ns, lambda: self._resume(job, None), "shell job")
                return None
            pending = [j for j in request.jobs if not j.done]
            if not pending:
                value = True
                continue
            self._wait_in_job(job, request.jobs, pending)
            return None

    def _wait_in_job(self, job: _Job, jobs: list[_Job], pending: list[_Job]) -> None:
        woken = []

        def wake(ok: bool) -> None:
            if woken or (ok and not all(j.done for j in jobs)):
                return
            woken.append(ok)
            bound.cancel()
            self.clock.queue_work(lambda: self._resume(job, ok), name="shell job")

        bound = self.clock.schedule(self.wait_bound, lambda: wake(False), "shell wait bound")
        for j in pending:
            j.on_done.append(lambda: wake(True))

    @staticmethod
    def _finish(job: _Job, rc: int) -> None:
        job.done, job.rc = True, rc
        callbacks, job.on_done = job.on_done, []
        for fn in callbacks:
            fn()

    # -- the interpreter -----------------------------------------------------------------------

    def _run_list(self, body: CommandList, ctx: _Ctx) -> Run:
        rc = ctx.last_rc
        for and_or, background in body.items:
            if background:
                self._start_job(and_or, ctx)
                rc = ctx.last_rc = 0
            else:
                rc = yield from self._run_and_or(and_or, ctx)
        return rc

    def _run_and_or(self, and_or: AndOr, ctx: _Ctx) -> Run:
        rc = yield from self._run_pipeline(and_or.first, ctx)
        for op, pipeline in and_or.rest:
            if (op == "&&") == (rc == 0):
                rc = yield from self._run_pipeline(pipeline, ctx)
        return rc

    def _run_pipeline(self, pipeline: Pipeline, ctx: _Ctx) -> Run:
        """Stages run one after another, each reading what the previous one wrote.

        CHOICE: sequential, not concurrent: the model has one task at a time, and a stage that
        sleeps delays the next by that long, where the kernel would overlap them.
        """
        commands = pipeline.commands
        if len(commands) == 1:
            rc = yield from self._run_command(commands[0], ctx)
        else:
            stdin = ctx.stdin
            for i, command in enumerate(commands):
                last = i == len(commands) - 1
                pipe = _Capture()
                stage = ctx.child({1: ctx.fds[1] if last else pipe, 2: ctx.fds[2]}, stdin)
                try:
                    rc = yield from self._run_command(command, stage)
                except _Exit as done:  # each stage is a subshell
                    rc = done.rc
                stdin = _Stdin(pipe.text())
        if pipeline.negated:
            rc = int(rc == 0)
        ctx.last_rc = rc
        return rc

    def _run_command(self, command: SimpleCommand | Subshell, ctx: _Ctx) -> Run:
        if isinstance(command, Subshell):
            fds, files = yield from self._open_redirects(command.redirects, ctx)
            try:
                rc = yield from self._run_list(command.body, ctx.child(fds))
            except _Exit as done:
                rc = done.rc
            return self._flush(files, rc, ctx)
        ctx.sub_rc = 0
        argv: list[str] = []
        for word in command.words:
            argv.extend((yield from self._fields(word, ctx)))
        # Assignments take effect left to right (`A=1 B=$A`); before a command they last only
        # for that command, which sees them in its environment.
        assigns: dict[str, str] = {}
        before = {name: ctx.vars.get(name) for name, _ in command.assigns}
        for name, word in command.assigns:
            assigns[name] = ctx.vars[name] = yield from self._joined(word, ctx)
        if argv:
            for name, value in before.items():
                if value is None:
                    ctx.vars.pop(name, None)
                else:
                    ctx.vars[name] = value
        fds, files = yield from self._open_redirects(command.redirects, ctx)
        if not argv:
            return self._flush(files, ctx.sub_rc, ctx)
        builtin = _BUILTINS.get(argv[0])
        if builtin is not None:
            rc = yield from builtin(self, argv, ctx, fds)
        else:
            env = {k: ctx.vars[k] for k in sorted(ctx.exported) if k in ctx.vars}
            env.update(assigns)
            result = self.host.run_command(argv, ctx.stdin.take(), env)
            fds[1].write(result.stdout)
            fds[2].write(result.stderr)
            rc = result.rc
            self._check_signal()
        rc = self._flush(files, rc, ctx)
        self._check_signal()
        return rc

    def _open_redirects(self, redirects: tuple[Redirect, ...], ctx: _Ctx) -> Opened:
        fds = dict(ctx.fds)
        files: list[_Capture] = []
        for r in redirects:
            if r.dup is not None:
                fds[r.fd] = fds[r.dup]
                continue
            assert r.target is not None
            path = yield from self._joined(r.target, ctx)
            sink: Sink = _Discard()
            if path != "/dev/null":
                sink = _Capture(path, append=r.op in (">>", "&>>"))
                files.append(sink)
            if r.op in ("&>", "&>>"):
                fds[1] = fds[2] = sink
            else:
                fds[r.fd] = sink
        return fds, files

    def _flush(self, files: list[_Capture], rc: int, ctx: _Ctx) -> int:
        """Write redirected output through the host, after the command ran.

        CHOICE: bash opens the file before the command runs; the model writes what the command
        printed afterwards, in one write, and writes nothing when it printed nothing (a sysfs
        attribute sees no store for an empty `> FILE`). A failed write reports bash's text on
        the shell's stderr and makes the status the write's (1; 124 when it hung).
        """
        for sink in files:
            data = sink.text()
            if not data:
                continue
            code, message = self.host.write_file(sink.path, data, sink.append)
            if code:
                ctx.fds[2].write(message)
                rc = code
        return rc

    # -- expansion -----------------------------------------------------------------------------

    def _value(self, part: Lit | Param | CommandSub, ctx: _Ctx) -> Expansion:
        if isinstance(part, Lit):
            return part.text
        if isinstance(part, Param):
            return str(ctx.last_rc) if part.name == "?" else ctx.vars.get(part.name, "")
        capture = _Capture()
        sub = ctx.child({1: capture, 2: ctx.fds[2]}, _Stdin())
        try:
            rc = yield from self._run_list(part.body, sub)
        except _Exit as done:
            rc = done.rc
        ctx.sub_rc = rc
        return capture.text().rstrip("\n")

    def _joined(self, word: Word, ctx: _Ctx) -> Expansion:
        """A word expanded without field splitting (assignment values, redirection targets)."""
        pieces = []
        for part in word.parts:
            pieces.append((yield from self._value(part, ctx)))
        return "".join(pieces)

    def _fields(self, word: Word, ctx: _Ctx) -> Fields:
        """A word expanded into fields: unquoted expansions split at blanks, quotes never."""
        fields: list[str] = []
        current: list[str] = []
        open_field = False
        for part in word.parts:
            value = yield from self._value(part, ctx)
            if isinstance(part, Lit) or part.quoted:
                current.append(value)
                open_field = True
                continue
            if not value:
                continue
            if value[0] in " \t\n" and open_field:
                fields.append("".join(current))
                current, open_field = [], False
            for i, piece in enumerate(value.split()):
                if i:
                    fields.append("".join(current))
                    current = []
                current.append(piece)
                open_field = True
            if value[-1] in " \t\n" and open_field:
                fields.append("".join(current))
                current, open_field = [], False
        if open_field:
            fields.append("".join(current))
        return fields


# -- builtins -------------------------------------------------------------------------------------

_ECHO_ESCAPES = {"a": "\a", "b": "\b", "e": "\x1b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}
_ECHO_ESCAPES.update({"v": "\v", "\\": "\\"})
_DURATION = re.compile(r"(\d+\.?\d*|\.\d+)([smhd]?)")
_UNIT = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


def _echo_escapes(text: str) -> tuple[str, bool]:
    """bash's `echo -e`: backslash escapes; `\\c` ends the output (the bool)."""
    out, i = [], 0
    while i < len(text):
        c = text[i]
        nxt = text[i + 1 : i + 2]
        if c != "\\" or not nxt:
            out.append(c)
            i += 1
        elif nxt == "c":
            return "".join(out), True
        elif nxt in _ECHO_ESCAPES:
            out.append(_ECHO_ESCAPES[nxt])
            i += 2
        elif nxt == "0" or nxt == "x":
            digits = re.match(r"[0-7]{0,3}" if nxt == "0" else r"[0-9a-fA-F]{1,2}", text[i + 2 :])
            assert digits is not None
            if nxt == "x" and not digits.group():
                out.append("\\x")
            else:
                out.append(chr(int(digits.group() or "0", 8 if nxt == "0" else 16)))
            i += 2 + len(digits.group())
        else:
            out.append(c)
            i += 1
    return "".join(out), False


def _echo(session: ShellSession, argv: list[str], ctx: _Ctx, fds: dict[int, Sink]) -> Run:
    args = argv[1:]
    newline, escapes = True, False
    while args and re.fullmatch(r"-[neE]+", args[0]):
        newline = newline and "n" not in args[0]
        for flag in args[0][1:]:
            escapes = flag == "e" if flag in "eE" else escapes
        args = args[1:]
    text = " ".join(args)
    if escapes:
        text, stop = _echo_escapes(text)
        newline = newline and not stop
    fds[1].write(text + ("\n" if newline else ""))
    return 0
    yield


def _status(rc: int) -> Callable[..., Run]:
    def builtin(session: ShellSession, argv: list[str], ctx: _Ctx, fds: dict[int, Sink]) -> Run:
        return rc
        yield

    return builtin


def _exit(session: ShellSession, argv: list[str], ctx: _Ctx, fds: dict[int, Sink]) -> Run:
    if len(argv) < 2:
        raise _Exit(ctx.last_rc)
    if not re.fullmatch(r"[+-]?\d+", argv[1]):
        fds[2].write(f"bash: exit: {argv[1]}: numeric argument required\n")
        raise _Exit(2)
    if len(argv) > 2:
        fds[2].write("bash: exit: too many arguments\n")
        return 1
    raise _Exit(int(argv[1]) & 0xFF)
    yield


def _sleep(session: ShellSession, argv: list[str], ctx: _Ctx, fds: dict[int, Sink]) -> Run:
    """GNU sleep: the sum of its operands, each a number with an optional s/m/h/d suffix."""
    if len(argv) < 2:
        fds[2].write("sleep: missing operand\nTry 'sleep --help' for more information.\n")
        return 1
    total = 0.0
    for arg in argv[1:]:
        m = _DURATION.fullmatch(arg)
        if m is None:
            fds[2].write(f"sleep: invalid time interval '{arg}'\n")
            fds[2].write("Try 'sleep --help' for more information.\n")
            return 1
        total += float(m.group(1)) * _UNIT[m.group(2)]
    yield _Sleep(secs(total))
    return 0


def _wait(session: ShellSession, argv: list[str], ctx: _Ctx, fds: dict[int, Sink]) -> Run:
    """`wait`: every background job of this shell (job or pid operands are not modelled)."""
    jobs = [j for j in ctx.jobs if not j.done]
    if jobs:
        done = yield _Wait(jobs)
        if not done:
            left = [j for j in jobs if not j.done]
            if all(session._stuck(j) for j in left):
                fds[2].write(
                    f"netlife: wait: {len(left)} background job(s) blocked in the kernel past "
                    "the model's bound\n"
                )
                return EXIT_WAIT_BOUND
            bound = session.wait_bound / NSEC_PER_SEC
            fds[2].write(
                f"netlife: wait: {len(left)} background job(s) still running after "
                f"{bound:g} s of virtual time\n"
            )
            return EXIT_WAIT_BOUND
    ctx.jobs = [j for j in ctx.jobs if not j.done]
    return 0


def _export(session: ShellSession, argv: list[str], ctx: _Ctx, fds: dict[int, Sink]) -> Run:
    rc = 0
    for arg in argv[1:]:
        name, eq, value = arg.partition("=")
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
            fds[2].write(f"bash: export: `{arg}': not a valid identifier\n")
            rc = 1
            continue
        if eq:
            ctx.vars[name] = value
        ctx.exported.add(name)
    return rc
    yield


def _unset(session: ShellSession, argv: list[str], ctx: _Ctx, fds: dict[int, Sink]) -> Run:
    for name in argv[1:]:
        ctx.vars.pop(name, None)
        ctx.exported.discard(name)
    return 0
    yield


_BUILTINS: dict[str, Callable[[ShellSession, list[str], _Ctx, dict[int, Sink]], Run]] = {
    "echo": _echo,
    "true": _status(0),
    ":": _status(0),
    "false": _status(1),
    "exit": _exit,
    "sleep": _sleep,
    "wait": _wait,
    "export": _export,
    "unset": _unset,
}
BUILTINS = tuple(sorted(_BUILTINS))
