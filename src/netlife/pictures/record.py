"""Recording a run for pictures: device graphs over time, task lanes, waits and their chains.

Model-only; it observes and never changes what the model does (the one timer it adds only
reads state). A Recorder attaches to a booted host and the ShellSession that drives it:

- `on_step` (pass it to ShellSession.run_script): step boundaries, a graph frame after each step;
- the session's background jobs: one lane each, with the commands they run and their sleeps;
- the host's commands: which lane ran what, and when; long-running processes get lanes too;
- the kernel's blocking calls (block_on for netdev_run_todo, wait_event for locks): a blocked
  period on the lane of the task, and, once it has lasted WAIT_FRAME_AFTER, a graph frame with
  the task's chain in red and the explanation the hang report would give.

Times are (step, clock ns) pairs: a step that takes no virtual time still has its own place on
the report's axis. The hooks are instance attributes set on the objects given, nothing global.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from greenlet import getcurrent

from netlife.kernel.clock import NSEC_PER_SEC, secs
from netlife.kernel.hang_explain import explain_device, explain_lock_wait
from netlife.pictures.graph import Blocked, Graph, build_graph

WAIT_FRAME_AFTER = secs(1)  # a wait this long gets its own frame and explanation
FOREGROUND = "sh"


@dataclass(slots=True)
class Segment:
    """Part of a lane: a command running, a blocked period, or a shell sleep."""

    kind: str  # "run", "blocked", "sleep"
    label: str
    start: tuple[int, int]  # (step, ns)
    end: tuple[int, int] | None = None
    rc: int | None = None


@dataclass(slots=True)
class Lane:
    id: str
    label: str
    kind: str  # "script", "job", "process"
    start: tuple[int, int]
    end: tuple[int, int] | None = None
    segments: list[Segment] = field(default_factory=list)


@dataclass(slots=True)
class Frame:
    step: int  # the step whose effects it shows (0: before the first)
    at: tuple[int, int]
    label: str
    graph: Graph
    blocked: bool = False


@dataclass(slots=True)
class WaitRecord:
    """A task asleep in the kernel, and what held it up (explained WAIT_FRAME_AFTER in)."""

    task: str
    what: str
    lane: str
    start: tuple[int, int]
    devices: list[Any]
    end: tuple[int, int] | None = None
    explained: list[Any] = field(default_factory=list)  # StuckDevice
    blocked_by: list[str] = field(default_factory=list)
    remedy: str | None = None
    frame: int | None = None
    net: Any = None
    lock: Any = None
    segment: Segment | None = None


@dataclass(slots=True)
class StepRecord:
    index: int  # 1-based
    start: int
    end: int | None = None
    dmesg_from: int = 0
    command: str = ""
    rc: int = 0
    stdout: str = ""
    stderr: str = ""


class Recorder:
    """Everything the report draws about one run on one host (see the module docstring)."""

    def __init__(self, host: Any, session: Any, name: str = "") -> None:
        self.host = host
        self.kernel = host.kernel
        self.clock = host.kernel.clock
        self.session = session
        self.name = name
        self.step = 0
        self.steps: list[StepRecord] = []
        self.frames: list[Frame] = []
        self.waits: list[WaitRecord] = []
        self.lanes: dict[str, Lane] = {
            FOREGROUND: Lane(FOREGROUND, "script", "script", (0, self.clock.now))
        }
        self._lane_of: dict[Any, str] = {}  # greenlet → lane of the job running in it
        self._jobs = 0
        self._known_procs: set[int] = set()
        self.finished = False
        self._hook_session(session)
        self._hook_host(host)
        self._hook_kernel(self.kernel)

    # -- where are we -------------------------------------------------------------------------

    def now(self) -> tuple[int, int]:
        return (self.step, self.clock.now)

    def lane(self) -> str:
        return self._lane_of.get(getcurrent(), FOREGROUND)

    # -- steps and frames ---------------------------------------------------------------------

    def on_step(self, _index: int) -> None:
        """Before each top-level step (ShellSession.run_script's on_step)."""
        self._close_step()
        self._frame(f"after step {self.step}" if self.step else "booted")
        self.step += 1
        self.steps.append(
            StepRecord(self.step, self.clock.now, dmesg_from=len(self.kernel.printk.records))
        )

    def _close_step(self) -> None:
        if self.steps and self.steps[-1].end is None:
            self.steps[-1].end = self.clock.now

    def _frame(self, label: str, blocked: list[Blocked] | None = None) -> int:
        self._check_processes()
        graph = build_graph(self.kernel, self.host, blocked, label)
        self.frames.append(Frame(self.step, self.now(), label, graph, blocked is not None))
        return len(self.frames) - 1

    def finish(self, results: list[Any]) -> None:
        """After the last step: the final frame, and the steps' commands and output."""
        self._close_step()
        self._frame(f"after step {self.step} (end)")
        for rec, result in zip(self.steps, results, strict=False):
            rec.command, rec.rc = result.command, result.rc
            rec.stdout, rec.stderr = result.stdout, result.stderr
        end = self.now()
        for lane in self.lanes.values():
            lane.end = lane.end or end
            for seg in lane.segments:
                seg.end = seg.end or end
        self.finished = True

    # -- hooks --------------------------------------------------------------------------------

    def _hook_session(self, session: Any) -> None:
        start_job = getattr(session, "_start_job", None)
        if start_job is None:
            return

        def recorded_start_job(and_or: Any, ctx: Any) -> None:
            start_job(and_or, ctx)
            job = ctx.jobs[-1]
            self._jobs += 1
            lane_id = f"job{self._jobs}"
            label = f"[{self._jobs}] {sketch(and_or)} &"
            self.lanes[lane_id] = Lane(lane_id, label, "job", self.now())
            job.gen = self._traced(job.gen, lane_id)
            job.on_done.append(lambda: self._end_lane(lane_id))

        session._start_job = recorded_start_job

    def _traced(self, gen: Any, lane_id: str) -> Any:
        """The job's generator, run with its lane known, and its sleeps recorded."""
        value = None
        while True:
            me = getcurrent()
            self._lane_of[me] = lane_id
            try:
                request = gen.send(value)
            except StopIteration as stop:
                return stop.value
            finally:
                self._lane_of.pop(me, None)
            ns = getattr(request, "ns", None)
            seg = None
            if ns is not None:
                seg = Segment("sleep", f"sleep {ns / NSEC_PER_SEC:g}", self.now())
                self.lanes[lane_id].segments.append(seg)
            value = yield request
            if seg is not None:
                seg.end = self.now()

    def _end_lane(self, lane_id: str) -> None:
        self.lanes[lane_id].end = self.now()

    def _hook_host(self, host: Any) -> None:
        run_command = host.run_command

        def recorded_run_command(argv: list[str], stdin: str = "", env: Any = None) -> Any:
            lane = self.lane()
            seg = Segment("run", " ".join(argv), self.now())
            if lane != FOREGROUND:
                self.lanes[lane].segments.append(seg)
            result = run_command(argv, stdin, env)
            seg.end, seg.rc = self.now(), result.rc
            self._check_processes()
            return result

        host.run_command = recorded_run_command

    def _check_processes(self) -> None:
        for pid, proc in sorted(getattr(self.host, "processes", {}).items()):
            lane_id = f"pid{pid}"
            if pid not in self._known_procs:
                self._known_procs.add(pid)
                label = f"{getattr(proc, 'comm', 'process')} (pid {pid})"
                self.lanes[lane_id] = Lane(lane_id, label, "process", self.now())
            lane = self.lanes[lane_id]
            if not getattr(proc, "alive", True) and lane.end is None:
                lane.end = self.now()

    def _hook_kernel(self, kernel: Any) -> None:
        block_on = kernel.block_on
        wait_event = kernel.wait_event

        def recorded_block_on(wait: Any) -> None:
            rec = self._begin_wait("netdev_run_todo", list(wait.remaining))
            rec.devices = wait.remaining  # the live list: what is still waited for

            wait.on_done.append(lambda: self._end_wait(rec))
            try:
                block_on(wait)
            finally:
                if wait.done:
                    self._end_wait(rec)

        def recorded_wait_event(cond: Any, what: str, lock: Any = None, **options: Any) -> None:
            if cond():
                return wait_event(cond, what, lock, **options)
            rec = self._begin_wait(what, [], lock)
            try:
                return wait_event(cond, what, lock, **options)
            finally:
                if cond():
                    self._end_wait(rec)

        kernel.block_on = recorded_block_on
        kernel.wait_event = recorded_wait_event

    def _begin_wait(self, what: str, devices: list[Any], lock: Any = None) -> WaitRecord:
        task = self.kernel.current
        rec = WaitRecord(f"{task.comm}:{task.pid}", what, self.lane(), self.now(), devices)
        rec.net, rec.lock = task.net, lock
        self.waits.append(rec)
        seg = rec.segment = Segment("blocked", f"{rec.task} in {what}", rec.start)
        lane = self.lanes[rec.lane]
        lane.segments.append(seg)

        def look() -> None:
            if rec.end is not None:
                return
            if rec.lock is not None or not rec.devices:
                rec.blocked_by, stuck, rec.remedy = explain_lock_wait(self.kernel, what, lock)
                rec.explained = stuck
                names = {s.name for s in stuck}
                rec.devices = [d for d in self.kernel.live_devices() if d.name in names]
            else:
                rec.explained = [explain_device(self.kernel, dev) for dev in rec.devices]
                remedies = [s.remedy for s in rec.explained if s.remedy]
                rec.remedy = "; ".join(dict.fromkeys(remedies)) or None
            seg.label = f"{rec.task} waits in {what} for " + ", ".join(d.name for d in rec.devices)
            blocked = [
                Blocked(w.task, w.what, list(w.devices), w.net) for w in self.waits if w.end is None
            ]
            rec.frame = self._frame(f"step {self.step}: {rec.task} blocked in {what}", blocked)

        self.clock.schedule(WAIT_FRAME_AFTER, look, "netlife report: look at a wait")
        return rec

    def _end_wait(self, rec: WaitRecord) -> None:
        if rec.end is None:
            rec.end = self.now()
            if rec.segment is not None:
                rec.segment.end = rec.end


def sketch(and_or: Any) -> str:
    """The text of an and-or list, rebuilt from its tree (for lane labels)."""
    parts = [_pipeline(and_or.first)]
    for op, pipeline in and_or.rest:
        parts += [op, _pipeline(pipeline)]
    return " ".join(parts)


def _pipeline(p: Any) -> str:
    return ("! " if p.negated else "") + " | ".join(_command(c) for c in p.commands)


def _command(c: Any) -> str:
    body = getattr(c, "body", None)
    if body is not None:
        return "(" + "; ".join(sketch(a) + (" &" if bg else "") for a, bg in body.items) + ")"
    return " ".join(_word(w) for w in c.words)


def _word(w: Any) -> str:
    out = []
    for part in w.parts:
        if hasattr(part, "text"):
            out.append(part.text)
        elif hasattr(part, "name"):
            out.append("$" + part.name)
        else:
            out.append("$(…)")
    return "".join(out)
