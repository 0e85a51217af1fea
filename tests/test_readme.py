"""The README's Python example runs as shown and ends as it says."""

import contextlib
import io
import pathlib
import re

README = pathlib.Path(__file__).resolve().parent.parent / "README.md"


def test_readme_python_example_runs_and_shows_the_wait():
    api = README.read_text().split("## The Python API", 1)[1]
    code = re.search(r"```python\n(.*?)```", api, re.S).group(1)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, "README.md", "exec"), {})
    text = out.getvalue()
    assert "veth1: usage count 2" in text
    assert "unregister_netdevice: waiting for veth1 to become free. Usage count = 2" in text
    # The dmesg lines the README quotes are the ones the example prints.
    quoted = [line.strip() for line in api.splitlines() if "] unregister_netdevice" in line]
    for line in quoted:
        assert line in text


def test_readme_demo_excerpt_is_what_netlife_demo_prints():
    from netlife.demo import main as demo_main

    section = README.read_text().split("## The demo: the seed commit, both worlds", 1)[1]
    section = section.split("\n## ", 1)[0]
    out = io.StringIO()
    assert demo_main(out) == 0
    quoted = [line[4:] for line in section.splitlines() if line.startswith("    ") and line.strip()]
    assert len(quoted) >= 10
    for line in quoted:
        assert line in out.getvalue()


def test_readme_container_lease_excerpt_is_what_the_example_prints():
    from netlife.scenario.interactive import render_transcript
    from netlife.scenario.run import play

    example = README.parent / "examples" / "container-lease.sh"
    _, results, _ = play(example.read_text(), None)
    out = render_transcript(results)
    section = README.read_text().split("## Leasing from a container", 1)[1].split("\n## ", 1)[0]
    quoted = [line[4:] for line in section.splitlines() if line.startswith("    ") and line.strip()]
    assert len(quoted) >= 15
    for line in quoted:
        assert line in out
    assert out.index("errno: 100") < out.index("ip -n ctr -br link")


def test_readme_explore_session_is_what_netlife_explore_prints(tmp_path, monkeypatch, capsys):
    from netlife.cli import main

    section = README.read_text().split("## Finding lifetime bugs: `netlife explore`", 1)[1]
    section = section.split("\n## ", 1)[0]
    quoted = [line[4:] for line in section.splitlines() if line.startswith("    ") and line.strip()]
    monkeypatch.chdir(tmp_path)
    argv = quoted[0].removeprefix("$ netlife ").split()
    assert main(argv) == 1
    out = capsys.readouterr().out
    for line in quoted[1:]:
        assert line in out


def test_readme_what_if_excerpts_are_what_netlife_prints():
    from netlife.cli import main

    section = README.read_text().split("## Snapshot a real host, ask what", 1)[1]
    section = section.split("\n## ", 1)[0]
    blocks = re.findall(r"\n    \$ netlife (what-if .*)\n((?:    .*\n|\n)+?)(?=\S)", section)
    assert len(blocks) == 3
    for command, quoted in blocks:
        out = io.StringIO()
        argv = [w.strip("'") for w in re.findall(r"'[^']*'|\S+", command)]
        with contextlib.redirect_stdout(out):
            assert main(argv) == 0
        for line in quoted.splitlines():
            if line.strip() and line.strip() != "...":
                assert line[4:] in out.getvalue().splitlines(), line
