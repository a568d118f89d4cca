#!/usr/bin/env python3
"""No Rust function over 120 lines in the crates' sources (#24), but the one table that reads best
as a table: the Vietnamese words of every mistake (`Mistake`'s `fmt`). Tests and benches apart.
Counts from the `fn` line to its closing brace; prints each one too long and exits 1."""
import os
import re
import sys

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src-tauri")
LIMIT = 120
ALLOWED = {("mistake.rs", "fmt")}


def functions(path):
    lines = open(path, encoding="utf-8").read().split("\n")
    i = 0
    while i < len(lines):
        m = re.match(r"^\s*(pub(\([^)]*\))?\s+)?(const\s+)?(async\s+)?fn\s+(\w+)", lines[i])
        if not m:
            i += 1
            continue
        depth, opened, j = 0, False, i
        while j < len(lines):
            code = re.sub(r'"(\\.|[^"\\])*"', '""', lines[j].split("//")[0])
            for ch in code:
                if ch == "{":
                    depth, opened = depth + 1, True
                elif ch == "}":
                    depth -= 1
            if (opened and depth <= 0) or (not opened and code.rstrip().endswith(";")):
                break
            j += 1
        if opened:
            yield m.group(5), i + 1, j - i + 1
        i = j + 1


def main():
    long = []
    for folder, dirs, files in os.walk(ROOT):
        dirs[:] = [d for d in dirs if d not in ("tests", "benches", "target", "gen")]
        for f in files:
            if f.endswith(".rs"):
                path = os.path.join(folder, f)
                for name, line, n in functions(path):
                    if n > LIMIT and (f, name) not in ALLOWED:
                        long.append(f"{os.path.relpath(path, os.path.join(ROOT, '..'))}:{line} {name}: {n} lines")
    for l in long:
        print(l)
    if long:
        print(f"functions over {LIMIT} lines: name their steps")
        sys.exit(1)
    print(f"no function over {LIMIT} lines")


if __name__ == "__main__":
    main()
