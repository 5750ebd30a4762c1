"""Print CONTRIBUTING's layer rules from the import-linter contracts in pyproject.toml.

    python scripts/layers.py          # the Markdown block that CONTRIBUTING.md carries
tests/foundation/test_layers.py checks that CONTRIBUTING.md carries exactly this block.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BEGIN, END = "<!-- layers:begin (python scripts/layers.py) -->", "<!-- layers:end -->"


def _name(module: str) -> str:
    return f"`{module}`"


def render(pyproject: Path = ROOT / "pyproject.toml") -> str:
    contracts = tomllib.loads(pyproject.read_text(encoding="utf-8"))["tool"]["importlinter"]["contracts"]
    lines = [BEGIN]
    for contract in contracts:
        lines.append(f"**{contract['name']}** (`{contract['id']}`, {contract['type']})")
        lines.append("")
        if contract["type"] == "layers":
            lines.append("Top to bottom; a layer imports only layers below it, and siblings (·) not each other:")
            lines.append("")
            for i, layer in enumerate(contract["layers"], 1):
                lines.append(f"{i}. " + " · ".join(_name(m.strip()) for m in layer.split("|")))
            for ignored in contract.get("ignore_imports", []):
                lines.append(f"   - allowed exception: {_name(ignored)}")
        elif contract["type"] == "forbidden":
            lines.append(f"{', '.join(map(_name, contract['source_modules']))} never import "
                         f"{', '.join(map(_name, contract['forbidden_modules']))}.")
        elif contract["type"] == "independence":
            lines.append(f"None of {', '.join(map(_name, contract['modules']))} imports another.")
        elif contract["type"] == "private_modules":
            lines.append("A module whose name starts with `_` is imported only from inside its own package.")
        elif contract["type"] == "acyclic_siblings":
            lines.append(f"No cycle among the sub-packages of {', '.join(map(_name, contract['ancestors']))}.")
        lines.append("")
    lines.append(END)
    return "\n".join(lines)


if __name__ == "__main__":
    print(render())
