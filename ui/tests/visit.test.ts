import { describe, expect, it } from "vitest";
import { reuseUnchanged, startsScore } from "../src/lib/visit";

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
