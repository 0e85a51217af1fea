"""The HTML report as a file: self-contained, the transcript as text, lanes, hangs, errors."""

import pathlib
import re
from html.parser import HTMLParser

import pytest

from netlife.cli import main
from netlife.demo import SETUP

ROOT = pathlib.Path(__file__).resolve().parents[2]
DEMO_SETUP = SETUP + "rmmod mlx5_ib\n"


class _Outline(HTMLParser):
    """Tags with classes, the text of <pre class=transcript>, and every URL-bearing attribute."""

    def __init__(self) -> None:
        super().__init__()
        self.classes: list[str] = []
        self.urls: list[str] = []
        self.transcript = ""
        self._in_transcript = 0

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.classes.extend((a.get("class") or "").split())
        self.urls += [v for k, v in attrs if k in ("src", "href") and v]
        if tag == "pre" and "transcript" in (a.get("class") or ""):
            self._in_transcript = 1
        elif self._in_transcript and tag == "pre":
            self._in_transcript += 1

    def handle_endtag(self, tag):
        if tag == "pre" and self._in_transcript:
            self._in_transcript -= 1

    def handle_data(self, data):
        if self._in_transcript:
            self.transcript += data


def _report(tmp_path, script: str, *options: str) -> tuple[str, _Outline]:
    path = tmp_path / "s.sh"
    path.write_text(script)
    out = tmp_path / "r.html"
    assert main(["report", str(path), "-o", str(out), *options]) == 0
    html = out.read_text()
    outline = _Outline()
    outline.feed(html)
    return html, outline


def test_a_report_is_self_contained_and_its_transcript_is_text(tmp_path):
    html, outline = _report(tmp_path, (ROOT / "examples" / "veth.sh").read_text())
    assert outline.urls == []
    assert set(re.findall(r"https?://[^\s\"'<>]+", html)) == {"http://www.w3.org/2000/svg"}
    assert "root@netlife:~# ip link add veth0" in outline.transcript
    assert "[  300.000000] root@netlife:~# ip -br link" in outline.transcript
    assert "RTNETLINK answers: File exists" in outline.transcript
    steps = outline.transcript.count("root@netlife:~#")
    assert outline.classes.count("frame") == steps + 1  # booted, then after each step
    assert "no-hang" in outline.classes and "hang" not in outline.classes


def test_a_hang_past_the_bound_is_reported_with_its_chain(tmp_path):
    script = DEMO_SETUP + "rmmod mlx5_core\nip link show nk\n"
    html, outline = _report(tmp_path, script, "--no-netkit-notifier", "--hang-bound", "30")
    assert outline.classes.count("hang") == 1
    assert "still blocked when the run ended (reported as a hang)" in html
    assert "netdev_rx_queue_lease (nk rxq 1)" in html
    assert "To release it: <code>ip link del nk</code>" in html
    assert 'class="seg blocked"' in html and "waits in netdev_run_todo for enp10s0f0np0" in html
    assert "netlife: rmmod still blocked after the model's bound" in outline.transcript


def test_lanes_for_jobs_and_processes(tmp_path):
    script = "ip link add d0 type dummy\n(sleep 5; ip link del d0) &\nxdpsock -i lo -q 0 &\nwait\n"
    html, _ = _report(tmp_path, script)
    lanes = re.findall(r'<g class="lane (\w+)" data-lane="([^"]+)"', html)
    assert [kind for kind, _ in lanes] == ["script", "job", "job", "process", "dmesg"]
    assert "[1] (sleep 5; ip link del d0) &amp;" in html
    assert 'class="seg sleep"' in html and ">sleep 5<" in html


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["report", "nosuch.sh", "-o", "r.html"], "cannot read nosuch.sh"),
        (["report", "s.sh", "-o", "nodir/r.html"], "cannot write nodir/r.html"),
    ],
)
def test_report_errors_are_one_line(argv, message, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "s.sh").write_text("ip link show\n")
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1 and "Traceback" not in err


def test_demo_graphs_of_both_worlds(tmp_path, capsys):
    out = tmp_path / "demo.svg"
    assert main(["demo", "--graph", str(out)]) == 0
    assert "both enp10s0f0np0 and nk gone" in capsys.readouterr().out
    before = (tmp_path / "demo-before.svg").read_text()
    after = (tmp_path / "demo-after.svg").read_text()
    red = re.findall(r'<g class="node [^"]* red" data-id="[^"]+" data-name="([^"]+)"', before)
    assert len(red) == 4 and {"enp10s0f0np0", "nk", "xdpsock"} < set(red)
    assert any(name.startswith("rmmod:") for name in red)
    assert 'data-name="nk"' in after and not re.search(r'class="node [^"]* red"', after)


def test_the_readme_shows_the_report_screenshot():
    readme = (ROOT / "README.md").read_text()
    assert "![The report of `netlife demo --before-fix`](docs/report.png)" in readme
    png = (ROOT / "docs" / "report.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) < 200_000


def test_big_runs_keep_fewer_frames_but_every_blocked_one(monkeypatch):
    from netlife.pictures import record_script, report

    rec = record_script(
        DEMO_SETUP + "(sleep 60; ip link del nk) &\nrmmod mlx5_core\n", netkit_notifier=False
    )
    assert len(rec.frames) == len(rec.steps) + 2  # booted, after each step, one blocked
    monkeypatch.setattr(report, "MIN_FRAMES", 3)
    monkeypatch.setattr(report, "NODE_BUDGET", 30)  # about 10 boxes a frame: 3 frames
    kept = report._frames(rec)
    indexes = [i for i, _ in kept]
    assert len(kept) < len(rec.frames) and indexes == sorted(indexes)
    assert indexes[-1] == len(rec.frames) - 1
    assert [i for i, f in enumerate(rec.frames) if f.blocked] == [i for i, f in kept if f.blocked]
    html = report.render_report([("big", rec)], "t")
    assert html.count('<div class="frame') == len(kept)
