"""Imports inside functions. Which way the arrows between apps run is import-linter's to check (pyproject.toml
[tool.importlinter], run by .ci/run), wherever an import stands; this is the other half of docs/architecture.md
"Layers": an import of another package inside a function hides an arrow from the reader of the module's head, and
used to dodge cycles. So there are at most four, each allowed here by name and saying why on its own line."""

import ast
from pathlib import Path

import dangjian

ROOT = Path(dangjian.__file__).parent
MAX_ALLOWED = 4
# (module file under src/dangjian, the module it imports inside a function)
ALLOWED = {
    ("server/management/commands/serve.py", "dangjian.wsgi"),
}


def package_of(relative: Path) -> str:
    """The app a module belongs to; a top-level module (urls.py, wsgi.py) is a package of its own."""
    return relative.parts[0] if len(relative.parts) > 1 else relative.stem


def imported_modules(node: ast.Import | ast.ImportFrom, relative: Path) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if not node.level:
        return [node.module or ""]
    package = ["dangjian", *relative.parent.parts]
    base = ".".join(package[: len(package) - node.level + 1])
    if node.module:
        return [f"{base}.{node.module}"]
    return [f"{base}.{alias.name}" for alias in node.names]


def function_level_imports() -> dict[tuple[str, str], str]:
    """Every import of another package of dangjian inside a function: (file, module) → the source line."""
    found: dict[tuple[str, str], str] = {}
    for path in sorted(ROOT.rglob("*.py")):
        relative = path.relative_to(ROOT)
        if "migrations" in relative.parts:
            continue
        source = path.read_text(encoding="utf-8")
        lines = source.splitlines()
        own = package_of(relative)
        for func in ast.walk(ast.parse(source)):
            if not isinstance(func, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for node in ast.walk(func):
                if not isinstance(node, ast.Import | ast.ImportFrom):
                    continue
                for module in imported_modules(node, relative):
                    parts = module.split(".")
                    if parts[0] == "dangjian" and len(parts) > 1 and parts[1] != own:
                        found[(relative.as_posix(), module)] = lines[node.lineno - 1].strip()
    return found


def test_no_function_imports_another_package_unless_allowed_here():
    unexpected = sorted(set(function_level_imports()) - ALLOWED)
    assert unexpected == [], "导入应写在模块开头；若确有理由，加入 ALLOWED 并在该行注明 # why:"


def test_each_allowed_import_says_why_on_its_line():
    found = function_level_imports()
    assert {key: line for key, line in found.items() if "# why:" not in line} == {}


def test_the_allow_list_is_short_and_in_use():
    assert len(ALLOWED) <= MAX_ALLOWED
    assert ALLOWED <= set(function_level_imports()), "ALLOWED names an import that is gone: remove it"
