"""The device and reference graph: what it shows, in DOT, SVG and PNG, and `netlife graph`."""

import io
import math
import pathlib
import xml.etree.ElementTree as ET

import pytest

from netlife.cli import main
from netlife.demo import BEFORE, SETUP
from netlife.pictures import device_graph, frame_at_step, record_script, render
from netlife.pictures.layout import layout
from netlife.scenario.interactive import render_transcript
from netlife.scenario.shell import ShellSession
from netlife.scenario.state import boot_host

DEMO_BEFORE = SETUP + BEFORE


def _names(g, ids):
    return {g.nodes[i].lines[0] for i in ids}


def _edge(g, src_name, dst_name):
    for e in g.edges.values():
        if g.nodes[e.src].lines[0] == src_name and g.nodes[e.dst].lines[0] == dst_name:
            return e
    return None


def _rmmod_step(recorder):
    return next(s.index for s in recorder.steps if s.command == "rmmod mlx5_core")


def test_before_fix_rmmod_step_shows_the_red_chain():
    rec = record_script(DEMO_BEFORE, netkit_notifier=False)
    frame = frame_at_step(rec, _rmmod_step(rec))
    g = frame.graph
    assert frame.blocked
    red = _names(g, g.red_path())
    assert {"xdpsock", "nk", "enp10s0f0np0"} <= red
    assert any(n.startswith("rmmod:") for n in red)
    assert "lo" not in red and "mlx5_core" not in red
    assert _edge(g, "xdpsock", "nk").red
    lease = _edge(g, "nk", "enp10s0f0np0")
    assert lease.red and lease.kind == "lease"
    assert any("netdev_rx_queue_lease (nk rxq 1)" in label for label in lease.labels)
    waits = [e for e in g.edges.values() if e.kind == "waits"]
    assert len(waits) == 1 and g.nodes[waits[0].dst].lines[0] == "enp10s0f0np0"
    phys = next(n for n in g.nodes.values() if n.lines[0] == "enp10s0f0np0")
    assert phys.state == "waiting" and "refcnt 2" in phys.lines[2]


def test_after_fix_nothing_is_red_and_the_lease_is_drawn_before_rmmod():
    rec = record_script(DEMO_BEFORE)
    assert not any(f.graph.red_path() for f in rec.frames)
    before_rmmod = frame_at_step(rec, _rmmod_step(rec) - 1).graph
    assert _edge(before_rmmod, "nk", "enp10s0f0np0").kind == "lease"
    after = frame_at_step(rec, _rmmod_step(rec)).graph
    assert not {"nk", "enp10s0f0np0"} & _names(after, after.nodes)


def test_recording_does_not_change_the_run():
    host = boot_host(None, netkit_notifier=False)
    plain = ShellSession(host).run_script(DEMO_BEFORE)
    host.settle()
    rec = record_script(DEMO_BEFORE, netkit_notifier=False)
    assert [(s.command, s.rc, s.stdout, s.stderr, s.start / 1e9) for s in rec.steps] == [
        (r.command, r.rc, r.stdout, r.stderr, r.time) for r in plain
    ]
    assert rec.kernel.printk.dmesg() == host.kernel.printk.dmesg()
    assert "waiting for enp10s0f0np0" in render_transcript(plain)


MIX = """\
ip netns add blue
ip link add v0 type veth peer name v1 netns blue
ip link add br0 type bridge
ip link add d0 type dummy
ip link set d0 master br0
ip link add link v0 name mv0 type macvlan mode bridge
"""


def test_edges_for_peers_masters_lowers_link_netns_modules_and_references():
    g = record_script(MIX).frames[-1].graph
    assert set(g.clusters) == {"init_net", "netns blue"}
    v1 = next(n for n in g.nodes.values() if n.lines[0] == "v1")
    assert v1.cluster == "netns blue"
    peer = _edge(g, "v0", "v1") or _edge(g, "v1", "v0")
    assert peer.kind == "peer"
    master = _edge(g, "br0", "d0")
    assert master.kind == "master" and any("new_nbp" in label for label in master.labels)
    assert _edge(g, "mv0", "v0").kind == "lower"
    assert _edge(g, "v0", "netns blue").kind == "netns"
    assert _edge(g, "macvlan", "mv0").kind == "drives"
    assert _edge(g, "mlx5_core", "enp10s0f0np0").kind == "drives"
    assert not g.red_path()


def test_formats_are_well_formed():
    g = frame_at_step(record_script(MIX), 5).graph
    dot = render(g, "dot").decode()
    assert dot.startswith("digraph netlife {") and "subgraph cluster_1" in dot
    assert '"netns blue"' in dot
    root = ET.fromstring(render(g, "svg"))
    ns = "{http://www.w3.org/2000/svg}"
    nodes = [e for e in root.iter(f"{ns}g") if "node" in e.get("class", "").split()]
    assert sorted(e.get("data-id") for e in nodes) == sorted(g.nodes)
    from PIL import Image

    png = render(g, "png")
    image = Image.open(io.BytesIO(png))
    lay = layout(g)
    assert image.size == (math.ceil(lay.width * 2), math.ceil(lay.height * 2))


def test_boxes_do_not_overlap_and_clusters_hold_their_nodes():
    g = record_script(MIX).frames[-1].graph
    lay = layout(g)
    boxes = list(lay.nodes.items())
    for i, (a, ba) in enumerate(boxes):
        for b, bb in boxes[i + 1 :]:
            apart = (
                ba.x + ba.w <= bb.x
                or bb.x + bb.w <= ba.x
                or ba.y + ba.h <= bb.y
                or bb.y + bb.h <= ba.y
            )
            assert apart, (a, b)
    for nid, node in g.nodes.items():
        if node.cluster:
            c, b = lay.clusters[node.cluster], lay.nodes[nid]
            assert c.x <= b.x and b.x + b.w <= c.x + c.w and c.y <= b.y and b.y + b.h <= c.y + c.h


def test_api_graph_of_a_bare_kernel(kernel):
    g = device_graph(kernel, "bare")
    assert [n.lines[0] for n in g.nodes.values() if n.category == "device"] == ["lo"]


def test_cli_graph_writes_each_format(tmp_path, capsys):
    script = tmp_path / "s.sh"
    script.write_text(DEMO_BEFORE)
    for fmt in ("dot", "svg", "png"):
        out = tmp_path / f"g.{fmt}"
        assert (
            main(["graph", str(script), "--no-netkit-notifier", "--step", "10", "-o", str(out)])
            == 0
        )
        assert out.stat().st_size > 200
    assert 'color="#d62828"' in (tmp_path / "g.dot").read_text()
    assert (tmp_path / "g.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_cli_graph_of_a_saved_host_and_a_machine(tmp_path):
    state = tmp_path / "host.json"
    assert main(["ip", "--state", str(state), "link", "add", "v0", "type", "veth"]) == 0
    out = tmp_path / "saved.dot"
    assert main(["graph", "--state", str(state), "-o", str(out)]) == 0
    assert '"v0\\nveth' in out.read_text()
    out = tmp_path / "machine.svg"
    assert main(["graph", "--machine", "examples/netns.toml", "-o", str(out)]) == 0
    assert "enp10s0f0np0" not in out.read_text() and 'data-name="lo"' in out.read_text()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["graph", "nosuch.sh", "-o", "x.svg"], "cannot read nosuch.sh"),
        (["graph", "examples/veth.sh", "-o", "x.gif"], "must end in .dot, .svg or .png"),
        (["graph", "examples/veth.sh", "--step", "99", "-o", "x.svg"], "--step 99"),
        (
            ["graph", "--machine", "examples/netns.toml", "--step", "1", "-o", "x.svg"],
            "needs a SCRIPT",
        ),
    ],
)
def test_cli_graph_errors_are_one_line(argv, message, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "examples").symlink_to(pathlib.Path(__file__).parents[2] / "examples")
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err and err.count("\n") == 1
    assert not (tmp_path / "x.svg").exists() and not (tmp_path / "x.gif").exists()


def test_an_unknown_holder_of_a_stuck_device_is_a_red_box():
    from netlife import Hang, Kernel, netdev_hold
    from netlife.kernel.if_link import NLM_F_CREATE, NLM_F_EXCL, IfInfoMsg
    from netlife.kernel.rtnetlink import rtnl_dellink, rtnl_newlink

    k = Kernel(hang_bound_secs=25)
    peer = {"VETH_INFO_PEER": IfInfoMsg(attrs={"IFLA_IFNAME": "veth1"})}
    linkinfo = {"IFLA_INFO_KIND": "veth", "IFLA_INFO_DATA": peer}
    rtnl_newlink(
        k.init_net,
        IfInfoMsg(
            nlmsg_flags=NLM_F_CREATE | NLM_F_EXCL,
            attrs={"IFLA_IFNAME": "veth0", "IFLA_LINKINFO": linkinfo},
        ),
    )
    netdev_hold(k.init_net.dev_get_by_name("veth1"), "my_subsystem")
    with pytest.raises(Hang):
        rtnl_dellink(k.init_net, IfInfoMsg(attrs={"IFLA_IFNAME": "veth0"}))
    g = device_graph(k, "hung")
    red = _names(g, g.red_path())
    assert {"my_subsystem", "veth1"} <= red and any(n.startswith("netlife:") for n in red)
    box = next(n for n in g.nodes.values() if n.lines[0] == "my_subsystem")
    assert box.category == "holder" and box.lines[1] == "holder unknown"


def test_unknown_holders_of_a_registered_device_are_listed_in_its_box():
    g = (
        record_script("ip link add d0 type dummy\nip address add 10.0.0.1/24 dev d0\n")
        .frames[-1]
        .graph
    )
    d0 = next(n for n in g.nodes.values() if n.lines[0] == "d0")
    assert d0.lines[-1].startswith("refs: ") and "inetdev_init" in d0.lines[-1]
    assert not any(
        n.category == "holder" and "inetdev_init" in n.lines[0] for n in g.nodes.values()
    )
