"""The README's pyroute2 example runs as shown, on the netlife plugin's fixtures."""

import pathlib
import re

README = pathlib.Path(__file__).resolve().parents[2] / "README.md"


def test_readme_pyroute2_example(netlife_iproute, netlife_host):
    section = README.read_text().split("## Test pyroute2 code without root", 1)[1]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    scope: dict = {}
    exec(compile(code, "README.md", "exec"), scope)
    scope["test_make_pair"](netlife_iproute, netlife_host)
    assert "v1@if" in netlife_host.run_command(["ip", "-n", "blue", "link"]).stdout
