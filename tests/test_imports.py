"""Every module imports on its own, and the project's modules import each other without a cycle
(module-level imports and imports inside functions alike: a lazy import hides a cycle, it does
not remove it)."""
import ast
import importlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("crawler", "spiders", "pipelines")


def _modules():
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            yield ".".join(parts[:-1] if parts[-1] == "__init__" else parts), path


MODULES = dict(_modules())


def _imports(name, path):
    """The project modules `name` imports (the longest project module each import names)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else []))
            # `from pkg import submodule` imports the submodule (the package's __init__ only
            # implicitly, as any submodule import does); `from pkg import name` imports pkg.
            targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in MODULES else base for a in node.names]
        else:
            continue
        for target in targets:
            while target and target not in MODULES:
                target = target.rpartition(".")[0]
            if target and target != name:
                found.add(target)
    return found


@pytest.mark.parametrize("name", sorted(MODULES))
def test_module_imports(name):
    importlib.import_module(name)


def test_no_import_cycle():
    graph = {name: _imports(name, path) for name, path in MODULES.items()}
    # A package's __init__ is imported by its submodules implicitly: only explicit edges count.
    state, cycles = {}, []

    def visit(node, stack):
        state[node] = "open"
        for nxt in sorted(graph[node]):
            if state.get(nxt) == "open":
                cycles.append(stack[stack.index(nxt):] + [nxt])
            elif nxt not in state:
                visit(nxt, stack + [nxt])
        state[node] = "done"

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])
    assert not cycles, "import cycles: " + "; ".join(" -> ".join(c) for c in cycles)


# Public functions and methods carry type hints (issue 16, section 6), crawler/extract/ included:
# no package is left out any more.
NOT_YET_HINTED = ()


def _missing_hints(path):
    """`Class.function: what is missing` for each public def of `path` (module level or in a
    class; a function nested in a function is no API) that lacks a hint: every parameter but
    self/cls annotated, and a return annotation (not asked of __init__, whose parameters are)."""
    tree = ast.parse(path.read_text())
    missing = []

    def walk(node, prefix):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.ClassDef):
                walk(child, f"{prefix}{child.name}.")
            elif isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                if child.name.startswith("_") and child.name != "__init__":
                    continue
                a = child.args
                params = a.posonlyargs + a.args + a.kwonlyargs + [p for p in (a.vararg, a.kwarg) if p]
                bare = [p.arg for p in params if p.annotation is None and p.arg not in ("self", "cls")]
                lacks = [f"parameters {', '.join(bare)}"] if bare else []
                if child.returns is None and child.name != "__init__":
                    lacks.append("return")
                if lacks:
                    missing.append(f"{prefix}{child.name}: {' and '.join(lacks)}")

    walk(tree, "")
    return missing


def test_public_functions_have_type_hints():
    missing = []
    for name, path in sorted(MODULES.items()):
        relative = path.relative_to(ROOT).as_posix()
        if relative.startswith(NOT_YET_HINTED):
            continue
        missing += [f"{name}.{m}" for m in _missing_hints(path)]
    assert not missing, f"{len(missing)} public functions lack type hints:\n" + "\n".join(missing)
