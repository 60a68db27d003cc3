#!/usr/bin/env python3
"""Checks that imports point down the layers of docs/architecture.md.

Every `crate::<module>` (and `clap::`) a source file names is looked up in the table of what its
layer may import. A breach fails the check, unless it is one of the KNOWN ones that main still
has (docs/architecture.md lists them); a KNOWN entry that no longer occurs fails too, so the
list only shrinks. All SQL lives in the catalog: `rusqlite` is named nowhere else in src/, the
fronts included. Run from the repository root: python3 .ci/layers.py
"""

import pathlib
import re
import sys

LEAF = {"time", "error", "interrupt", "percent", "filter", "values"}

# The layer of each top-level module; files not named here (main.rs, lib.rs, commands/) are
# the fronts and may import anything.
LAYER = {
    **{m: "leaf" for m in LEAF},
    "catalog": "catalog",
    "center": "center",
    "tracking": "tracking",
    "engine": "engine",
    "output": "output",
    "cli": "cli",
    "config": "config",
    "web": "web",
}

ALLOWED = {
    "leaf": {"leaf"},
    "catalog": {"catalog", "leaf"},
    "center": {"center", "leaf"},
    "tracking": {"tracking", "catalog", "leaf"},
    "engine": {"engine", "center", "catalog", "tracking", "leaf"},
    "output": {"output", "leaf"},
    "cli": {"cli", "leaf", "clap"},
    "config": {"config", "cli", "leaf"},
    "web": {"web", "engine", "catalog", "center", "tracking", "leaf"},
}

# Breaches main still has (file, imported layer), each listed in docs/architecture.md.
KNOWN: set[tuple[str, str]] = set()

USE = re.compile(r"\b(crate|clap)::(\w+)|^\s*use\s+(clap)\b")
SQL = re.compile(r"\brusqlite\b")


def layer_of(path: pathlib.Path) -> str | None:
    parts = path.relative_to("src").parts
    name = parts[0].removesuffix(".rs")
    return LAYER.get(name)


def imports(path: pathlib.Path) -> set[str]:
    found = set()
    for line in path.read_text().splitlines():
        code = line.split("//", 1)[0]
        for m in USE.finditer(code):
            if m.group(3) or m.group(1) == "clap":
                found.add("clap")
            else:
                found.add(LAYER.get(m.group(2), "front"))
    return found


def names_sqlite(path: pathlib.Path) -> bool:
    return any(SQL.search(line.split("//", 1)[0]) for line in path.read_text().splitlines())


def main() -> int:
    breaches, seen = [], set()
    for path in sorted(pathlib.Path("src").rglob("*.rs")):
        if path.parts[1] != "catalog" and names_sqlite(path):
            breaches.append(f"{path} names rusqlite (all SQL lives in src/catalog/)")
        layer = layer_of(path)
        if layer is None:
            continue
        for target in sorted(imports(path) - ALLOWED[layer]):
            key = (str(path), target)
            seen.add(key)
            if key not in KNOWN:
                breaches.append(f"{path} ({layer}) imports {target}")
    stale = sorted(f"{f} -> {t}" for f, t in KNOWN - seen)
    for b in breaches:
        print(f"layers: new breach: {b}")
    for s in stale:
        print(f"layers: fixed, remove from KNOWN in .ci/layers.py: {s}")
    print(f"layers: {len(seen & KNOWN)} known breaches left, {len(breaches)} new")
    return 1 if breaches or stale else 0


if __name__ == "__main__":
    sys.exit(main())
