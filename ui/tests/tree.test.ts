import { describe, expect, it } from "vitest";
import type { NodeTotals } from "../src/lib/bindings/NodeTotals";
import { step, visibleRows } from "../src/lib/tree";

const tally = { points: "0", max: "1", index: "0.00", scored: 0, leaves: 1 };
const row = (code: string, depth: number, is_leaf: boolean): NodeTotals => ({
  code,
  title: code,
  depth,
  max_points: "1",
  is_leaf,
  self_assessed: tally,
  appraised: tally,
});
const rows = [row("1", 0, false), row("1.1", 1, false), row("1.1.1", 2, true), row("1.2", 1, true), row("2", 0, false), row("2.1", 1, true)];
const codes = (r: NodeTotals[]) => r.map((x) => x.code);

describe("visibleRows", () => {
  it("shows everything when nothing is collapsed", () => {
    expect(codes(visibleRows(rows, new Set()))).toEqual(["1", "1.1", "1.1.1", "1.2", "2", "2.1"]);
  });
  it("hides the descendants of a collapsed node only", () => {
    expect(codes(visibleRows(rows, new Set(["1.1"])))).toEqual(["1", "1.1", "1.2", "2", "2.1"]);
    expect(codes(visibleRows(rows, new Set(["1"])))).toEqual(["1", "2", "2.1"]);
    expect(codes(visibleRows(rows, new Set(["1", "2"])))).toEqual(["1", "2"]);
  });
  it("ignores collapsed leaves", () => {
    expect(codes(visibleRows(rows, new Set(["1.2"])))).toHaveLength(6);
  });
});

describe("step", () => {
  it("clamps to the list", () => {
    expect(step(0, -1, 3)).toBe(0);
    expect(step(2, 1, 3)).toBe(2);
    expect(step(1, 1, 3)).toBe(2);
    expect(step(0, 1, 0)).toBe(-1);
  });
});
