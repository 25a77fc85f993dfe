"""The architecture, checked: import contracts (.importlinter) and DVC code dependencies that cannot drift.

    .venv/bin/python -m pytest tests/unit/test_architecture.py -q
    .venv/bin/lint-imports                       # the same contracts, with import-linter's own report

A stage's code dependencies in dvc.yaml must be exactly what its command imports: every project module in
the Python import closure of `python -m <module>` (deferred imports inside functions included) is covered by
a listed path, and every listed code path is in that closure. The one directory a stage may list whole is its
own step package (which also holds what imports cannot see: metric modules loaded by path, the KFP wrapper).
"""

from __future__ import annotations

import ast
import shlex
import subprocess
import sys
from functools import cache
from pathlib import Path

import grimp
import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
CODE_ROOTS = ("components", "pipelines", "serving")


@cache
def graph() -> grimp.ImportGraph:
    return grimp.build_graph(*CODE_ROOTS, exclude_type_checking_imports=True, cache_dir=None)


def module_file(module: str) -> Path:
    path = REPO / Path(*module.split("."))
    return (path / "__init__.py" if path.is_dir() else path.with_suffix(".py")).relative_to(REPO)


def trivial(file: Path) -> bool:
    """A package marker with nothing but a docstring: importing it runs no code worth a dependency."""
    body = ast.parse((REPO / file).read_text()).body
    return all(isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) for node in body)


def loaded_by_path(package: Path) -> set[str]:
    """Project modules imported by files of `package` that are loaded by path, not imported (the evaluate
    metric modules `evaluate.load` reads from their folders): import analysis cannot see them otherwise."""
    known = {module_file(m) for m in graph().modules}
    imported: set[str] = set()
    for file in (REPO / package).rglob("*.py"):
        if file.relative_to(REPO) in known:
            continue
        for node in ast.walk(ast.parse(file.read_text())):
            names = [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            names += [a.name for a in node.names] if isinstance(node, ast.Import) else []
            imported |= {n for n in names if n.split(".")[0] in CODE_ROOTS and n in graph().modules}
    return imported


def closure(module: str) -> set[Path]:
    """Files of every project module `module` imports, directly or not (itself included), and of those that
    files loaded by path from its step package import."""
    modules = {module} | graph().find_upstream_modules(module)
    for extra in loaded_by_path(own_package(module)):
        modules |= {extra} | graph().find_upstream_modules(extra)
    files = {module_file(m) for m in modules}
    return {f for f in files if not (f.name == "__init__.py" and trivial(f))}


def stage_module(cmd: str) -> str:
    words = shlex.split(cmd)
    assert words[:2] == ["python", "-m"], f"{cmd!r}: stages run `python -m <module>`"
    module = words[2]
    return f"{module}.__main__" if (REPO / Path(*module.split("."))).is_dir() else module


def own_package(module: str) -> Path:
    return Path(*module.split(".")[:2])  # components/<step>


def code_deps(stage: dict) -> list[Path]:
    deps = [Path(str(d).split(" ")[0]) for d in stage.get("deps", [])]
    return [d for d in deps if d.parts and d.parts[0] in CODE_ROOTS]


def stages() -> dict[str, dict]:
    return yaml.safe_load((REPO / "dvc.yaml").read_text())["stages"]


@pytest.mark.parametrize("name", sorted(stages()))
def test_dvc_code_dependencies_are_the_stage_import_closure(name):
    stage = stages()[name]
    module = stage_module(stage["cmd"])
    needed, listed = closure(module), code_deps(stage)
    own = own_package(module)

    def covered(file: Path) -> bool:
        return any(file == dep or dep in file.parents for dep in listed)

    missing = sorted(str(f) for f in needed if not covered(f))
    assert not missing, f"dvc.yaml stage {name!r} imports these but does not list them in deps: {missing}"
    for dep in listed:
        if dep == own:
            continue
        files = (
            [dep] if dep.suffix == ".py" else sorted(p.relative_to(REPO) for p in (REPO / dep).rglob("*.py"))
        )
        outside = [str(f) for f in files if f not in needed and not (f.name == "__init__.py" and trivial(f))]
        assert not outside, (
            f"dvc.yaml stage {name!r} lists {dep}, but {name} does not import {outside}: an edit there would "
            "rerun the stage for nothing (list the files it imports)"
        )


def test_import_contracts_hold():
    """common <- steps <- online <- pipelines/serving, steps independent, no cycles (.importlinter)."""
    command = [str(Path(sys.executable).with_name("lint-imports")), "--config", ".importlinter", "--no-cache"]
    done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=120)
    report = done.stdout[done.stdout.find("Contracts") :]
    assert done.returncode == 0, f"an import breaks the layers (fix the import, do not ignore it):\n{report}"


def test_modules_loaded_by_path_keep_the_layers_too():
    """The evaluate metric modules are loaded by path (import-linter cannot see them): they may import only
    components.common and their own step."""
    for step in sorted(p for p in (REPO / "components").iterdir() if (p / "__init__.py").is_file()):
        package = step.relative_to(REPO)
        for module in sorted(loaded_by_path(package)):
            allowed = module.startswith(("components.common.", ".".join(package.parts) + "."))
            assert allowed, (
                f"a module loaded by path under {package} imports {module}: move what it needs to common"
            )
