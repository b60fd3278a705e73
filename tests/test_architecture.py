"""The house's rule, read from the code itself: imports run one way, pages -> ui -> crystal, and the
core's wings depend on each other only downwards; the benchmarks use the app, the tests use both,
never the other way round. An import inside a function counts too."""

import ast
from collections import defaultdict

from .conftest import ROOT

ALLOWED = {
    "crystal.labels": set(),
    "crystal.numbers": set(),
    "crystal.memory": set(),
    "crystal.playground": {"crystal.labels", "crystal.numbers"},
    "crystal.vision": {"crystal.labels", "crystal.numbers", "crystal.memory"},
    "crystal.model": {"crystal.labels", "crystal.numbers", "crystal.memory", "crystal.vision"},
    "crystal.learn": {"crystal.labels", "crystal.numbers", "crystal.playground"},
    "crystal.cli": {"crystal.labels", "crystal.numbers", "crystal.memory", "crystal.vision", "crystal.model"},
    "ui.server": {"streamlit"},
}
"""What each wing may import of the project (and Streamlit): anything else is a way back up."""
APP = ("crystal", "ui", "pages", "app", "bench")


def wing(module: str) -> str:
    parts = module.split(".")
    if parts[0] == "crystal" and len(parts) > 1 and parts[1] not in ("__main__",):
        return ".".join(parts[:2])
    if parts[:2] == ["ui", "server"]:
        return "ui.server"
    return "pages" if parts[0] == "app" else parts[0]


def imports() -> dict[str, set[str]]:
    """Each wing of the app -> the wings (and 'streamlit') its modules import."""
    edges = defaultdict(set)
    for path in ROOT.glob("**/*.py"):
        module = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        if not module.startswith(APP):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                if name.split(".")[0] in (*APP, "streamlit", "bench", "tests"):
                    target = "streamlit" if name.startswith("streamlit") else wing(name)
                    if target != wing(module):
                        edges[wing(module)].add(target)
    return edges


def test_each_wing_imports_only_downwards():
    for source, targets in imports().items():
        if source in ALLOWED:
            assert targets <= ALLOWED[source], (source, targets - ALLOWED[source])


def test_the_core_never_imports_streamlit_ui_pages_or_the_tools():
    core = {source: targets for source, targets in imports().items() if source.startswith("crystal")}
    assert all(not targets & {"streamlit", "ui", "ui.server", "pages", "bench", "tests"} for targets in core.values())


def test_ui_never_imports_pages_or_the_tools_and_there_is_no_cycle():
    edges = imports()
    assert not edges["ui"] & {"pages", "bench", "tests"} and not edges["ui.server"] - {"streamlit"}

    def reachable(start: str, seen: set[str]) -> set[str]:
        for target in edges.get(start, set()) - seen:
            seen.add(target)
            reachable(target, seen)
        return seen

    assert all(source not in reachable(source, set()) for source in edges)


def test_the_benchmarks_never_import_the_tests():
    assert "tests" not in imports()["bench"]


def test_every_page_is_short():
    lengths = {
        path.name: len(path.read_text().splitlines()) for path in [ROOT / "app.py", *(ROOT / "pages").glob("*.py")]
    }
    assert max(lengths.values()) <= 170, lengths


def test_no_page_has_a_stray_string_that_streamlit_would_print():
    """Streamlit's "magic" writes any bare expression of a page's script on the page, a string after
    the module docstring included, so a note to the reader must be a comment there."""
    stray = [
        (path.name, node.lineno)
        for path in [ROOT / "app.py", *(ROOT / "pages").glob("*.py")]
        for node in ast.parse(path.read_text()).body[1:]
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
    ]
    assert stray == []
