"""dvc.yaml must list, for each stage, exactly the digits/ modules its script imports (directly or not)."""

import ast
from pathlib import Path

import pytest
import yaml

from tests.conftest import ROOT

DVC_YAML = yaml.safe_load((ROOT / "dvc.yaml").read_text())
STAGES = DVC_YAML["stages"]


def digits_imports(path: Path) -> set[str]:
    """Module files under digits/ that `path` imports."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        names = [alias.name for alias in node.names] if isinstance(node, ast.Import) else []
        if isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module]
        found |= {f"digits/{name.split('.')[1]}.py" for name in names if name.startswith("digits.")}
    return found


def import_closure(script: str) -> set[str]:
    seen, todo = set(), [script]
    while todo:
        module = todo.pop()
        for imported in digits_imports(ROOT / module) - seen:
            seen.add(imported)
            todo.append(imported)
    # Importing any digits.* module runs the package's __init__ first.
    return seen | {"digits/__init__.py"} if seen else seen


@pytest.mark.parametrize("name", list(STAGES))
def test_stage_lists_exactly_the_modules_it_imports(name):
    stage = STAGES[name]
    script = stage["cmd"].split()[1]
    listed = {dep for dep in stage["deps"] if dep.startswith("digits/")}
    assert script in stage["deps"]
    assert listed == import_closure(script)


@pytest.mark.parametrize("name", list(STAGES))
def test_stage_params_are_sections_of_params_yaml(name):
    sections = yaml.safe_load((ROOT / "params.yaml").read_text())
    assert set(STAGES[name].get("params", [])) <= set(sections)
