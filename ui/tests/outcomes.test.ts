import { readFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { locale } from "../src/lib/i18n.svelte";
import { outcomeText } from "../src/lib/outcomes";

afterEach(() => {
  locale.lang = "vi";
});

describe("Tổng hợp's import lines in English", () => {
  it("says a line from its code and what the bundle is", () => {
    locale.lang = "en";
    const line = { code: "imported", message: "đã nhập 2 phiếu (X1, X2), bản 2", units: ["X1", "X2"], revision: 2, signer: "Đoàn 1" };
    expect(outcomeText(line)).toBe("imported (X1, X2), revision 2, signed by Đoàn 1");
    // A stored history line has no particulars: still English.
    expect(outcomeText({ code: "duplicate", message: "gói phiếu X1 đã được nhập" })).toBe("already imported — nothing more to do");
  });

  it("keeps the core's Vietnamese words, particulars included, in Vietnamese", () => {
    expect(outcomeText({ code: "imported", message: "đã nhập 2 phiếu (X1, X2)" })).toBe("đã nhập 2 phiếu (X1, X2)");
  });

  it("has English for every outcome code the core documents", () => {
    locale.lang = "en";
    const source = readFileSync(new URL("../../src-tauri/crates/core/src/hq/import.rs", import.meta.url), "utf8");
    const doc = source.slice(source.indexOf("/// Stable:"), source.indexOf("pub code: String"));
    const codes = [...doc.matchAll(/\b[a-z]+(?:-[a-z]+)+\b|\b(?:imported|duplicate|superseded|fork)\b/g)].map((m) => m[0]);
    expect(codes.length).toBeGreaterThan(10);
    const untranslated = codes.filter((code) => /[à-ỹđ]/i.test(outcomeText({ code, message: "tiếng Việt" })));
    // The verifier's own refusal codes are worded by the core's table, loaded at start-up.
    expect(untranslated.filter((c) => !["partial-bundle"].includes(c))).toEqual([]);
  });
});
