import { describe, expect, it } from "vitest";
import type { Mistake } from "../src/lib/bindings/Mistake";
import { mistakeInEnglish } from "../src/lib/mistakes";

describe("mistakes in English", () => {
  it("words a mistake from its key and parameters, nested at a line", () => {
    const m: Mistake = {
      key: "at_line",
      params: { line: 3, mistake: { key: "score_out_of_range", params: { code: "1.1.1", value: "-0,5", max: "1,5" } } },
    };
    expect(mistakeInEnglish(m)).toBe("line 3: 1.1.1: -0,5 — the score must be between 0 and 1,5");
  });

  it("words a mistake without parameters", () => {
    expect(mistakeInEnglish({ key: "unlock_needs_reason" })).toBe("unlocking needs a reason (write why it is unlocked)");
  });

  it("keeps what the person typed, and nothing else, in Vietnamese", () => {
    const text = mistakeInEnglish({ key: "coordinate_not_a_number", params: { latitude: true, text: "bắc" } });
    expect(text).toBe("latitude «bắc» is not a number");
  });

  it("places a criteria problem at its cell, naming only what is known", () => {
    const m: Mistake = {
      key: "at_cell",
      params: { sheet: "Bộ tiêu chí", row: 7, column: "C", mistake: { key: "sum_mismatch", params: { code: "2", max: "45", sum: "40" } } },
    };
    expect(mistakeInEnglish(m)).toBe("sheet «Bộ tiêu chí», row 7, column C, item 2 states 45 points but its sub-items add up to 40");
    const whole: Mistake = { key: "at_cell", params: { sheet: "", row: null, column: null, mistake: { key: "no_sheets" } } };
    expect(mistakeInEnglish(whole)).toBe("the workbook has no sheet");
  });

  it("names a hostile file's kind without its Vietnamese particulars", () => {
    const text = mistakeInEnglish({ key: "file_not_valid", params: { kind: "plan", code: "", detail: "thiếu data/plan.json" } });
    expect(text).toBe("the plan file does not check: nothing was taken from it");
    // Refused by the bag layer: its code, as a bundle's.
    const bag = mistakeInEnglish({ key: "file_not_valid", params: { kind: "plan", code: "symlink", detail: "[symlink] x: mục là liên kết" } });
    expect(bag).toBe("the plan file does not check [symlink]: nothing was taken from it");
  });
});

describe("not found, as a key with what and which", () => {
  it("words every kind in English, its particulars kept", () => {
    expect(mistakeInEnglish({ key: "not_found", params: { what: "visit", which: "2877abf0" } })).toBe("not found: visit 2877abf0");
    expect(mistakeInEnglish({ key: "not_found", params: { what: "signing_key" } })).toBe("not found: a signing key on this laptop: create one");
    expect(mistakeInEnglish({ key: "not_found", params: { what: "hq_conflict", which: { unit: "X1", code: "2.1" } } })).toBe(
      "not found: a disagreement on criterion 2.1 of unit X1",
    );
  });
});
