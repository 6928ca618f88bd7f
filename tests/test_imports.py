"""The import graphs of model/ and app/: no loops, and in model/ arrows only from a later stage
to an earlier one; app/ in folders of at most 12 modules.

Read from the source (every `import`, at the top of a module, inside a function or under
TYPE_CHECKING), so an import hidden to dodge a loop counts as much as one at the top.
"""
import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MODEL = ROOT / "model"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _resolve(module: str, is_package: bool, node: ast.ImportFrom) -> list[str]:
    if node.level == 0:
        base = node.module or ""
    else:
        here = module.split(".") if is_package else module.split(".")[:-1]
        here = here[:len(here) - (node.level - 1)]
        base = ".".join(here + ([node.module] if node.module else []))
    # `from pkg import mod` imports pkg.mod when mod is a module of pkg.
    out = [base]
    for alias in node.names:
        candidate = f"{base}.{alias.name}"
        if _path_of(candidate) is not None:
            out.append(candidate)
    return out


def _path_of(module: str) -> Path | None:
    p = ROOT.joinpath(*module.split("."))
    if p.with_suffix(".py").is_file():
        return p.with_suffix(".py")
    if (p / "__init__.py").is_file():
        return p / "__init__.py"
    return None


def import_graph(package: Path = MODEL) -> dict[str, set[str]]:
    top = package.name
    graph: dict[str, set[str]] = {}
    for path in sorted(package.rglob("*.py")):
        name = _module_name(path)
        targets: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets |= {a.name for a in node.names}
            elif isinstance(node, ast.ImportFrom):
                targets |= set(_resolve(name, path.name == "__init__.py", node))
        graph[name] = {t for t in targets if t == top or t.startswith(top + ".")} - {name}
    return graph


GRAPH = import_graph()


def _stage(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in ("io", "recognition", "training", "evaluation") else None


# What each stage may import besides itself.
ALLOWED = {"io": set(), "recognition": {"io"}, "evaluation": {"io", "recognition"},
           "training": {"io", "recognition", "evaluation"}}


def test_the_graph_is_read():
    # The reader itself: known arrows are there, so an empty graph cannot pass the others.
    assert "model.recognition.result" in GRAPH["model.recognition.recognize"]
    assert "model.io.crohme" in GRAPH["model.training.dataset"]
    assert "model.recognition.layout.parse" in GRAPH["model.recognition.layout"]
    assert len(GRAPH) > 40


def first_loop(graph: dict[str, set[str]]) -> list[str] | None:
    """An import loop of `graph` as a path that ends where it began, or None."""
    # Iterative DFS with colours: any back edge is a loop.
    colour = dict.fromkeys(graph, 0)
    for start in graph:
        if colour[start]:
            continue
        stack = [(start, iter(sorted(graph[start])))]
        path = [start]
        colour[start] = 1
        while stack:
            node, it = stack[-1]
            nxt = next(it, None)
            if nxt is None:
                colour[node] = 2
                stack.pop()
                path.pop()
                continue
            if nxt not in colour:
                continue  # a name that is no file of the package (the package itself if it has none)
            if colour[nxt] == 1:
                return path[path.index(nxt):] + [nxt]
            if colour[nxt] == 0:
                colour[nxt] = 1
                path.append(nxt)
                stack.append((nxt, iter(sorted(graph[nxt]))))
    return None


def test_no_import_loops():
    loop = first_loop(GRAPH)
    assert loop is None, "import loop: " + " -> ".join(loop)


@pytest.mark.parametrize("stage", sorted(ALLOWED))
def test_stages_import_only_earlier_stages(stage):
    wrong = sorted(f"{a} -> {b}" for a, targets in GRAPH.items() if _stage(a) == stage
                   for b in targets if _stage(b) not in (None, stage) and _stage(b) not in ALLOWED[stage])
    assert not wrong, wrong


def test_the_result_types_import_nothing_of_the_pipeline():
    assert GRAPH["model.recognition.result"] == set()


def test_the_writers_stand_on_the_tree_not_on_the_parser():
    for writer in ("model.recognition.notation.latex", "model.recognition.notation.mathml"):
        assert not {t for t in GRAPH[writer] if t.startswith("model.recognition.layout")}, writer


def test_nothing_in_model_imports_qt():
    qt = [str(p.relative_to(ROOT)) for p in MODEL.rglob("*.py")
          if any(isinstance(n, (ast.Import, ast.ImportFrom))
                 and any((getattr(n, "module", None) or a.name).startswith("PySide6")
                         for a in n.names)
                 for n in ast.walk(ast.parse(p.read_text(encoding="utf-8"))))]
    assert not qt, qt


APP = ROOT / "app"
MAX_APP_LINES = 500


def test_nothing_in_app_imports_torch():
    # app/ is the Qt program: the network runs in model/, behind the worker.
    torch = [str(p.relative_to(ROOT)) for p in APP.rglob("*.py")
             if any(isinstance(n, (ast.Import, ast.ImportFrom))
                    and any((getattr(n, "module", None) or a.name).split(".")[0] == "torch"
                            for a in n.names)
                    for n in ast.walk(ast.parse(p.read_text(encoding="utf-8"))))]
    assert not torch, torch


def test_no_file_in_app_is_over_500_lines():
    # Each file one concern (issue 37): a file that grows past this holds two.
    long = {str(p.relative_to(ROOT)): n for p in sorted(APP.rglob("*.py"))
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_APP_LINES}
    assert not long, long


APP_GRAPH = import_graph(APP)
MAX_FOLDER_MODULES = 12


def test_the_app_graph_is_read():
    assert "app.canvas.strokes" in APP_GRAPH["app.canvas.canvas"]
    assert "app.canvas.canvas" in APP_GRAPH["app.window.main_window"]
    assert "app.recognition.worker" in APP_GRAPH["app.selftest"]     # inside a function
    assert len(APP_GRAPH) > 30


def test_no_import_loops_in_app():
    # The canvas's files once imported each other in a circle (issue 43): what two of them
    # both need lies below them (strokes.py, undo_commands.EditableInk), never beside.
    loop = first_loop(APP_GRAPH)
    assert loop is None, "import loop: " + " -> ".join(loop)


def test_no_folder_of_app_holds_more_than_12_modules():
    # A folder per part of the window (issue 43): a folder that grows past this holds two parts.
    counts = {str(d.relative_to(ROOT)): len(list(d.glob("*.py")))
              for d in [APP, *sorted(APP.rglob("*"))] if d.is_dir() and d.name != "__pycache__"}
    assert len(counts) > 1 and all(counts.values()), counts    # the folders are read
    folders = {d: n for d, n in counts.items() if n > MAX_FOLDER_MODULES}
    assert not folders, folders
