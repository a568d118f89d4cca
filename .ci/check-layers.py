#!/usr/bin/env python3
"""The core's floors (#24), checked on every `make lint` from the code's own imports.

- No import cycle among the core's modules (`use crate::…`, `super::…`, a parent's `use child::…`).
- The ground floor imports only the ground floor: canonical JSON, digests, numbers, text, files,
  mistakes, errors, refusals and spreadsheets' cells know nothing of the domain.
- The bag layer (`bag/`: the signed container) imports only itself and the ground floor: every
  signed file — bundles, plans, published results — is read and written through it.
- Every table is read and written only by the area that owns it (store, field, ledger, bundle,
  hq); another area asks the owner through its functions.
- One way to reach the database: an area's `impl Store` methods (`self.conn`) or its functions
  taking a transaction; nothing outside `store/` reaches into a store's connection
  (`store.conn`) from a free function.

Prints every cycle and every upward import; exits 1 if there is one.
"""
import os
import re
import sys

CORE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src-tauri", "crates", "core", "src")
GROUND = {"canonical", "digest", "number", "text", "files", "mistake", "error", "rejection", "csv_text", "sheet", "data_lock"}
# Names the crate root re-exports, and the module each comes from.
ROOT_NAMES = {"Error": "error", "Result": "error", "ErrorCode": "error", "Mistake": "mistake"}


def modules():
    found = {}
    for folder, _, files in os.walk(CORE):
        for f in files:
            if f.endswith(".rs"):
                path = os.path.join(folder, f)
                parts = os.path.relpath(path, CORE)[:-3].split(os.sep)
                if parts[-1] in ("mod", "lib"):
                    parts = parts[:-1]
                found["::".join(parts) or "crate"] = path
    return found


def paths_after(src, prefix):
    """Every path written after `prefix::`, brace groups expanded (one level of nesting)."""
    out = []
    for m in re.finditer(re.escape(prefix) + r"::(\{|[A-Za-z_][A-Za-z0-9_]*(?:::[A-Za-z_][A-Za-z0-9_]*)*)", src):
        if m.group(1) != "{":
            out.append(m.group(1))
            continue
        depth, j = 1, m.end()
        while depth and j < len(src):
            depth += {"{": 1, "}": -1}.get(src[j], 0)
            j += 1
        inner = src[m.end() : j - 1]
        out += re.findall(r"(?:^|[,{])\s*([A-Za-z_][A-Za-z0-9_]*(?:::[A-Za-z_][A-Za-z0-9_]*)*)", inner)
    return out


def aliases():
    """Short paths the crate root re-exports (`pub use field::{visit, …}`): `crate::visit` is
    `field::visit`."""
    src = open(os.path.join(CORE, "lib.rs"), encoding="utf-8").read()
    out = {}
    for m in re.finditer(r"pub use ([a-z_]+)::\{([^}]*)\}", src):
        for item in re.findall(r"[a-z_]+", m.group(2)):
            out[item] = f"{m.group(1)}::{item}"
    for m in re.finditer(r"pub use ([a-z_]+)::([a-z_]+);", src):
        out[m.group(2)] = f"{m.group(1)}::{m.group(2)}"
    return out


ALIASES = aliases()


def deps(name, path, mods):
    src = open(path, encoding="utf-8").read()
    cut = src.find("#[cfg(test)]")
    if cut >= 0:
        src = src[:cut]
    parent = name.rsplit("::", 1)[0] if "::" in name else ""
    here = name if os.path.basename(path) in ("mod.rs", "lib.rs") else parent
    candidates = [p.split("::") for p in paths_after(src, "crate")]
    candidates += [(parent.split("::") if parent else []) + p.split("::") for p in paths_after(src, "super")]
    # A parent's own `use child::…` (a `pub use` re-export is the facade, not a dependency).
    for m in re.finditer(r"^\s*use ([a-z_]+)::", src, re.M):
        if m.group(1) not in ("crate", "super", "self") and (here + "::" if here else "") + m.group(1) in mods:
            candidates.append((here.split("::") if here else []) + [m.group(1)])
    out = set()
    for segs in candidates:
        if segs and segs[0] in ALIASES:
            segs = ALIASES[segs[0]].split("::") + list(segs[1:])
        for k in range(len(segs), 0, -1):
            cand = "::".join(segs[:k])
            if cand in mods:
                out.add(cand)
                break
        else:
            if segs and segs[0] in ROOT_NAMES:
                out.add(ROOT_NAMES[segs[0]])
    out.discard(name)
    return out


def cycles(graph):
    index, low, stack, on, found, counter = {}, {}, [], set(), [], [0]
    sys.setrecursionlimit(10000)

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                found.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


# Who writes which table (#24): each table is written only by the area that owns it, through
# that area's functions. A file's area is its folder (field/, rules/, bundle/, hq/, ledger/, store/), or for the
# core's top-level files this map.
AREAS = {
    "store": {"store"},
}
OWNERS = {
    "store": {"campaign", "criteria_set", "setting"},
    "field": {"unit", "member", "visit", "leaf_value", "evidence", "evidence_leaf", "photo",
              "photo_leaf", "photo_evidence", "visit_acknowledgement", "visit_conclusion",
              "visit_conflict"},
    "ledger": {"audit", "hq_audit"},
    "bundle": {"bundle", "trusted_key"},
    "hq": {"hq_bundle", "hq_bundle_unit", "hq_leaf", "hq_resolution", "hq_survey", "hq_import_line"},
}
# The ledger keeps each visit's chain anchored in the visit row (audit_count, audit_head).
SHARED = {("ledger", "visit")}


def area_of(name):
    top = name.split("::")[0]
    if top in ("bundle", "hq", "field", "rules", "ledger", "bag"):
        return top
    return next((a for a, files in AREAS.items() if top in files), None)


def table_uses(mods):
    """Every SQL read or write of a table outside the area that owns it: the connection is the
    owning area's alone (another area asks it, through its functions)."""
    owner = {t: a for a, tables in OWNERS.items() for t in tables}
    bad = []
    for name, path in sorted(mods.items()):
        src = open(path, encoding="utf-8").read()
        cut = src.find("#[cfg(test)]")
        if cut >= 0:
            src = src[:cut]
        # The schema's migrations are the store's: they may touch any table.
        if name == "store::migrations":
            continue
        area = area_of(name)
        for m in re.finditer(r"(INSERT(?:\s+OR\s+\w+)?\s+INTO|UPDATE|DELETE\s+FROM|FROM|JOIN)\s+([a-z_]+)\b", src):
            table = m.group(2)
            if table not in owner:
                continue
            if owner[table] != area and (area, table) not in SHARED:
                verb = "reads" if m.group(1) in ("FROM", "JOIN") else "writes"
                bad.append(f"{path.split('core/src/')[-1]} {verb} {table}, which {owner[table]} owns")
    return sorted(set(bad))


def connection_reached(mods):
    """Every `<name>.conn` but `self.conn` outside store/: a free function reaching into a store."""
    bad = []
    for name, path in sorted(mods.items()):
        if name == "store" or name.startswith("store::"):
            continue
        src = open(path, encoding="utf-8").read()
        cut = src.find("#[cfg(test)]")
        if cut >= 0:
            src = src[:cut]
        for m in re.finditer(r"\b(\w+)\s*\.conn\b", src):
            if m.group(1) != "self":
                line = src[: m.start()].count("\n") + 1
                bad.append(f"{path.split('core/src/')[-1]}:{line} reaches into {m.group(1)}.conn: ask the area's methods")
    return bad


def main():
    mods = modules()
    graph = {n: deps(n, p, mods) for n, p in mods.items()}
    bad = []
    for comp in cycles(graph):
        bad.append("import cycle: " + " ↔ ".join(comp))
    for name in sorted(GROUND & graph.keys()):
        for dep in sorted(graph[name] - GROUND):
            bad.append(f"the ground floor reaches up: {name} imports {dep}")
    for name in sorted(n for n in graph if n == "bag" or n.startswith("bag::")):
        for dep in sorted(graph[name] - GROUND):
            if dep != "bag" and not dep.startswith("bag::"):
                bad.append(f"the bag layer reaches up: {name} imports {dep}")
    bad += table_uses(mods)
    bad += connection_reached(mods)
    for line in bad:
        print(line)
    if bad:
        sys.exit(1)
    print(f"core layers: {len(graph)} modules, no cycle, the ground floor ({len(GROUND)}) imports nothing above it, the bag layer nothing but the ground; every table read and written by its own area, through its methods or a transaction")


if __name__ == "__main__":
    main()
