"""The demo's HTML report in a real browser: headless Chromium, driven over DevTools.

Needs Debian's `chromium` (.ci/run installs it as root where it is missing); skips, saying so,
where there is none. Screenshots go to the test's tmp dir, and to $NETLIFE_SCREENSHOTS if set.
"""

import os
import shutil

import pytest
from browser import Browser, find_chromium  # tests/pictures is on sys.path (rootdir-relative)

from netlife.cli import main

CHROMIUM = find_chromium()
pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason="no headless browser: Debian's chromium is not installed "
    "(apt-get install chromium; .ci/run does it when run as root)",
)


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("report")
    report = tmp / "demo.html"
    assert main(["demo", "--html", str(report)]) == 0
    browser = Browser(CHROMIUM, str(tmp / "profile"))
    browser.call("Network.enable")
    browser.open(report.as_uri())
    yield browser, tmp, report
    browser.close()


def _save(browser, tmp, name, selector=None):
    path = tmp / name
    data = browser.screenshot(str(path), selector)
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 5000
    target = os.environ.get("NETLIFE_SCREENSHOTS")
    if target:
        os.makedirs(target, exist_ok=True)
        shutil.copy(path, os.path.join(target, name))
    return path


RUN = "document.querySelectorAll('article.run')[1]"  # the world before the commit


def _frame_nodes(browser, run=RUN, red=False):
    sel = ".frame.current g.node" + (".red" if red else "")
    return sorted(
        browser.js(f"Array.from({run}.querySelectorAll('{sel}')).map(n => n.dataset.name)")
    )


def test_the_report_loads_offline_with_both_worlds(page):
    browser, tmp, _ = page
    assert browser.js("document.querySelectorAll('article.run').length") == 2
    urls = [
        ev["params"]["request"]["url"]
        for ev in browser.events
        if ev.get("method") == "Network.requestWillBeSent"
    ]
    assert urls and all(u.startswith(("file:", "data:")) for u in urls), urls
    _save(browser, tmp, "report-top.png")


def test_lanes_blocked_periods_and_dmesg(page):
    browser, _, _ = page
    lanes = browser.js(f"Array.from({RUN}.querySelectorAll('g.lane')).map(l => l.dataset.lane)")
    assert lanes == ["sh", "job1", "pid1006", "job2", "dmesg"]
    blocked = browser.js(
        f"Array.from({RUN}.querySelectorAll('g.lane[data-lane=sh] g.seg.blocked'))"
        ".map(s => s.textContent)"
    )
    assert len(blocked) == 1 and "waits in netdev_run_todo for enp10s0f0np0" in blocked[0]
    sleeps = browser.js(f"{RUN}.querySelectorAll('g.lane[data-lane=job2] g.seg.sleep').length")
    assert sleeps == 1
    ticks = browser.js(
        f"Array.from({RUN}.querySelectorAll('line.dmesg-line title')).map(t => t.textContent)"
    )
    assert sum("waiting for enp10s0f0np0 to become free" in t for t in ticks) >= 5


def test_hang_panel_names_the_chain_and_the_remedy(page):
    browser, _, _ = page
    hangs = browser.js(f"Array.from({RUN}.querySelectorAll('.hang')).map(h => h.innerText)")
    assert len(hangs) == 1
    assert "blocked in netdev_run_todo" in hangs[0]
    assert "netdev_rx_queue_lease (nk rxq 1)" in hangs[0]
    assert "To release it: ip link del nk" in hangs[0]
    first = "document.querySelectorAll('article.run')[0]"
    assert browser.js(f"{first}.querySelectorAll('.hang').length") == 0
    assert "No task was blocked" in browser.js(f"{first}.querySelector('.no-hang').innerText")


def test_the_default_graph_is_the_blocked_moment_with_the_red_chain(page):
    browser, tmp, _ = page
    assert {"xdpsock", "nk", "enp10s0f0np0", "lo"} <= set(_frame_nodes(browser))
    red = set(_frame_nodes(browser, red=True))
    rmmod = [name for name in red if name.startswith("rmmod:")]
    assert len(rmmod) == 1 and red == {"xdpsock", "nk", "enp10s0f0np0", rmmod[0]}
    edges = browser.js(
        f"Array.from({RUN}.querySelectorAll('.frame.current g.edge.red')).map(e => e.dataset.kind)"
    )
    assert sorted(edges) == ["consumer", "lease", "waits"]
    browser.js(f"{RUN}.querySelector('section.graph').scrollIntoView()")
    _save(browser, tmp, "report-graph.png", "article.run:nth-of-type(2) section.graph")


def test_moving_the_step_slider_changes_the_graph(page):
    browser, tmp, _ = page
    label = f"{RUN}.querySelector('.frame-label').textContent"
    cursor = f"{RUN}.querySelector('svg.timeline line.cursor').getAttribute('x1')"
    blocked_label, blocked_x = browser.js(label), browser.js(cursor)
    assert "blocked in netdev_run_todo" in blocked_label
    browser.js(f"{RUN}.querySelector('input.step-slider').focus()")
    browser.key("Home", 36)
    assert browser.js(f"{RUN}.querySelector('input.step-slider').value") == "0"
    assert browser.js(label).startswith("booted")
    booted = _frame_nodes(browser)
    assert "nk" not in booted and "enp10s0f0np0" in booted and not _frame_nodes(browser, red=True)
    assert browser.js(cursor) != blocked_x
    browser.key("ArrowRight", 39)
    assert browser.js(label).startswith("after step 1")
    assert "nk" in _frame_nodes(browser)
    browser.key("End", 35)
    assert "nk" not in _frame_nodes(browser) and "enp10s0f0np0" not in _frame_nodes(browser)
    # A click on the middle of the track jumps there.
    rect = browser.js(
        f"(() => {{ const r = {RUN}.querySelector('input.step-slider').getBoundingClientRect();"
        " return [r.left, r.top, r.width, r.height]; })()"
    )
    browser.click(rect[0] + rect[2] / 2, rect[1] + rect[3] / 2)
    middle = int(browser.js(f"{RUN}.querySelector('input.step-slider').value"))
    frames = browser.js(f"{RUN}.querySelectorAll('.frame').length")
    assert 0 < middle < frames - 1
    _save(browser, tmp, "report-slider.png", "article.run:nth-of-type(2) section.graph")
    # The hang panel's button brings the blocked moment back.
    browser.js(f"{RUN}.querySelector('.hang button[data-goto-frame]').click()")
    assert browser.js(label) == blocked_label


def test_the_transcript_reads_without_javascript(tmp_path):
    report = tmp_path / "before.html"
    assert main(["demo", "--before-fix", "--html", str(report)]) == 0
    browser = Browser(CHROMIUM, str(tmp_path / "profile"))
    try:
        browser.call("Emulation.setScriptExecutionDisabled", value=True)
        browser.open(report.as_uri())
        text = browser.js("document.querySelector('pre.transcript').innerText")
        assert "root@netlife:~# rmmod mlx5_core" in text and "[  300.000000]" in text
        assert "unregister_netdevice: waiting for enp10s0f0np0" in text
        visible = browser.js(
            "Array.from(document.querySelectorAll('.frame')).filter(f => f.offsetHeight > 0)"
            ".map(f => f.dataset.label)"
        )
        assert len(visible) == 1 and "blocked" in visible[0]
    finally:
        browser.close()
