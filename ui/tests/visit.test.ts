import { describe, expect, it } from "vitest";
import type { LeafUpdate } from "../src/lib/bindings/LeafUpdate";
import type { VisitView } from "../src/lib/bindings/VisitView";
import { applyLeafUpdate, reuseUnchanged, startsScore } from "../src/lib/visit";

describe("reuseUnchanged", () => {
  const old = {
    leaves: [
      { code: "1.1", appraised: { kind: "points", points: "1" }, flags: [] as string[] },
      { code: "1.2", appraised: null, flags: ["no_evidence"] },
    ],
    totals: { points: "1", index: "50.00" },
  };

  it("returns the old value itself when nothing changed", () => {
    expect(reuseUnchanged(old, structuredClone(old))).toBe(old);
  });

  it("keeps unchanged parts and replaces only what changed, up to the root", () => {
    const next = structuredClone(old);
    next.leaves[1].appraised = { kind: "points", points: "0.5" };
    next.totals.points = "1.5";
    const out = reuseUnchanged(old, next);
    expect(out).toEqual(next);
    expect(out).not.toBe(old);
    expect(out.leaves[0]).toBe(old.leaves[0]);
    expect(out.leaves[1]).not.toBe(old.leaves[1]);
    expect(out.leaves[1].flags).toBe(old.leaves[1].flags);
    expect(out.totals).not.toBe(old.totals);
  });

  it("handles arrays that grow or shrink and null on either side", () => {
    const longer = structuredClone(old);
    longer.leaves.push({ code: "1.3", appraised: null, flags: [] });
    const out = reuseUnchanged(old, longer);
    expect(out.leaves).toHaveLength(3);
    expect(out.leaves[0]).toBe(old.leaves[0]);
    expect(reuseUnchanged(null, old)).toBe(old);
    expect(reuseUnchanged(old, null)).toBe(null);
  });
});

describe("startsScore", () => {
  const key = (k: string, mods: Partial<KeyboardEvent> = {}) => ({ key: k, ctrlKey: false, altKey: false, metaKey: false, ...mods }) as KeyboardEvent;
  it("takes every printable key, the minus sign and letters included, so nothing typed is dropped", () => {
    for (const k of ["-", "0", "1", ",", ".", "n", "N", "a", "x"]) expect(startsScore(key(k))).toBe(true);
  });
  it("leaves shortcuts and navigation alone", () => {
    expect(startsScore(key("z", { ctrlKey: true }))).toBe(false);
    expect(startsScore(key("1", { altKey: true }))).toBe(false);
    for (const k of ["ArrowDown", "Enter", "Escape", "Tab", " "]) expect(startsScore(key(k))).toBe(false);
  });
});

describe("applyLeafUpdate", () => {
  const tally = (points: string) => ({ points, max: "1", index: null });
  const node = (code: string, depth: number, points: string) => ({
    code, title: code, depth, max_points: "1", is_leaf: depth === 2, self_assessed: tally("0"), appraised: tally(points),
  });
  const leaf = (code: string, points: string | null) => ({
    code, self_assessed: null, appraised: points === null ? null : { kind: "points", points }, round1: null, round2: null,
    na_reason: "", deduction_reason: "", explanation_request: "", explanation_answer: "", difference: null, evidence_count: 0, flags: [],
  });
  const view = {
    visit: { id: "v" }, unit: { code: "XA001" }, campaign: { id: "c" }, set_id: "s", evidence: [], can_undo: false,
    leaves: [leaf("1.1.1", null), leaf("1.1.2", "1"), leaf("2.1.1", null)],
    totals: {
      set_id: "s", self_assessed: { tham_dinh: tally("0") }, appraised: { tham_dinh: tally("1") },
      nodes: [node("1", 0, "1"), node("1.1", 1, "1"), node("1.1.1", 2, "0"), node("1.1.2", 2, "1"), node("2", 0, "0"), node("2.1", 1, "0"), node("2.1.1", 2, "0")],
    },
  } as unknown as VisitView;

  it("replaces the edited leaf, its ancestors and the column totals, and keeps every other object", () => {
    const update = {
      leaf: leaf("1.1.1", "0.5"),
      nodes: [node("1.1.1", 2, "0.5"), node("1.1", 1, "1.5"), node("1", 0, "1.5")],
      self_assessed: view.totals.self_assessed,
      appraised: { tham_dinh: tally("1.5") },
      can_undo: true,
    } as unknown as LeafUpdate;
    const next = applyLeafUpdate(view, update);
    expect(next.leaves[0]).toEqual(update.leaf);
    expect(next.leaves[1]).toBe(view.leaves[1]);
    expect(next.leaves[2]).toBe(view.leaves[2]);
    expect(next.totals.nodes.map((n) => n.appraised.points)).toEqual(["1.5", "1.5", "0.5", "1", "0", "0", "0"]);
    expect(next.totals.nodes[3]).toBe(view.totals.nodes[3]);
    expect(next.totals.nodes[4]).toBe(view.totals.nodes[4]);
    expect(next.totals.self_assessed).toBe(view.totals.self_assessed);
    expect(next.totals.appraised.tham_dinh.points).toBe("1.5");
    expect(next.can_undo).toBe(true);
    expect(next.evidence).toBe(view.evidence);
  });

  it("returns the same view when the edit changed nothing on screen", () => {
    const update = {
      leaf: structuredClone(view.leaves[1]),
      nodes: [structuredClone(view.totals.nodes[3])],
      self_assessed: structuredClone(view.totals.self_assessed),
      appraised: structuredClone(view.totals.appraised),
      can_undo: false,
    } as unknown as LeafUpdate;
    expect(applyLeafUpdate(view, update)).toBe(view);
  });
});
