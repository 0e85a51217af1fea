"""What a conformance target is, and what running a case on it yields.

A Target runs a Case (conform/case.py) and returns an Observation: for every step the command,
its exit status and output, and `ip -j -d link show` of every case namespace that exists after
it; plus the ordered RTM_NEWLINK / RTM_DELLINK notifications a link monitor in each namespace
saw. Both the real kernel (conform/kernel_target.py) and the model produce this one form, and
conform/compare.py diffs two of them.

Event dicts are those of the model's JSON record (scenario/run.py):
    {"step": index into Observation.steps, "netns": "init_net" | case name,
     "event": "RTM_NEWLINK" | "RTM_DELLINK", "family": None | "bridge",
     "ifindex": int, "ifname": str | None, "link": dict | None}
"link" is the message in `ip -j link show` keys. Within one step, events are grouped by
namespace in the order init_net, then the case's netns header order; within one namespace they
are in the order the kernel sent them (one socket per namespace cannot order across them).

A namespace's events are observable from the end of the step that created it until the start
of the step that deletes it: a listener inside a namespace keeps it alive, so the real side
closes it before `ip netns del`, and it cannot exist before `ip netns add`. compare.py drops
events outside that window from both sides alike.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Protocol

from netlife.conform.case import Case

ROOT_NETNS = "init_net"

# Exit status of a step the target refused to run (the shell's "cannot execute").
REFUSED_RC = 126

LinkDump = list[dict[str, Any]]


@dataclass(slots=True)
class StepObservation:
    """One step as a target ran it, with the namespaces' links after it."""

    command: str
    rc: int
    stdout: str
    stderr: str
    # True when the target would not run the command (it acts outside the case's namespaces
    # or is not on the allow-list); rc is then REFUSED_RC and stderr says why.
    refused: bool = False
    # case namespace name → `ip -j -d link show` there, for each one existing after the step
    dumps: dict[str, LinkDump] = field(default_factory=dict)


@dataclass(slots=True)
class Observation:
    """Everything one target showed for one case."""

    case: str
    target: str
    steps: list[StepObservation] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    # the case namespaces' links before the first step (only init_net exists then)
    initial: dict[str, LinkDump] = field(default_factory=dict)
    # set when the target did not run the case; says why
    skipped: str | None = None

    def as_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Observation:
        steps = [StepObservation(**step) for step in data.get("steps", [])]
        return cls(
            case=data["case"],
            target=data["target"],
            steps=steps,
            events=list(data.get("events", [])),
            initial=dict(data.get("initial", {})),
            skipped=data.get("skipped"),
        )

    def events_at(self, step: int) -> list[dict[str, Any]]:
        return [event for event in self.events if event["step"] == step]


class Target(Protocol):
    """Something that can run a conformance case: the real kernel or the model."""

    name: str

    def run_case(self, case: Case) -> Observation: ...
