import { describe, expect, it } from "vitest";
import { formatBytes, formatDate, formatIndex, formatLoggedValue, formatPoints } from "../src/lib/format";

describe("formatPoints", () => {
  it("writes Vietnamese decimal commas and drops trailing zeros", () => {
    expect(formatPoints("86.33")).toBe("86,33");
    expect(formatPoints("98.00")).toBe("98");
    expect(formatPoints("0.50")).toBe("0,5");
    expect(formatPoints("100")).toBe("100");
    expect(formatPoints("-0.00")).toBe("0");
  });
  it("uses a dot in English", () => {
    expect(formatPoints("86.33", "en")).toBe("86.33");
  });
});

describe("formatIndex", () => {
  it("always shows two decimals and a percent sign", () => {
    expect(formatIndex("88.09")).toBe("88,09 %");
    expect(formatIndex("100")).toBe("100,00 %");
    expect(formatIndex("7.5")).toBe("7,50 %");
    expect(formatIndex(null)).toBe("—");
  });
});

describe("formatDate", () => {
  it("writes dd/mm/yyyy without shifting the day", () => {
    expect(formatDate("2026-11-20")).toBe("20/11/2026");
    expect(formatDate("2026-01-05T23:30:00.000Z")).toBe("05/01/2026");
  });
});

import { formatWallClock, subtractDecimals } from "../src/lib/format";

describe("formatWallClock", () => {
  it("keeps the camera's own clock", () => {
    expect(formatWallClock("2026-01-15T09:30:00+07:00")).toBe("15/01/2026 09:30");
    expect(formatWallClock("2026-01-15T23:59:59")).toBe("15/01/2026 23:59");
  });
});

describe("subtractDecimals", () => {
  it("is exact", () => {
    expect(subtractDecimals("86.33", "90")).toBe("-3.67");
    expect(subtractDecimals("0.3", "0.1")).toBe("0.2");
    expect(subtractDecimals("1", "1.25")).toBe("-0.25");
    expect(subtractDecimals("100", "0")).toBe("100");
  });
});

describe("formatBytes", () => {
  it("uses decimal units and the Vietnamese comma", () => {
    expect(formatBytes(12)).toBe("12 B");
    expect(formatBytes(1234)).toBe("1,2 KB");
    expect(formatBytes(1_000_000)).toBe("1 MB");
    expect(formatBytes(987_654_321)).toBe("988 MB");
    expect(formatBytes(1_234_567_890, "en")).toBe("1.2 GB");
  });
});

describe("formatLoggedValue", () => {
  it("shows logged points with the decimal comma, N/A as KAD and nothing as ∅", () => {
    expect(formatLoggedValue("1.5")).toBe("1,5");
    expect(formatLoggedValue("-0.25")).toBe("-0,25");
    expect(formatLoggedValue("NA")).toBe("KAD");
    expect(formatLoggedValue("NA", "en")).toBe("N/A");
    expect(formatLoggedValue(null)).toBe("∅");
    expect(formatLoggedValue("2026-01-15")).toBe("15/01/2026");
    expect(formatLoggedValue("Văn bản ban hành chậm 1.5 tháng")).toBe("Văn bản ban hành chậm 1.5 tháng");
  });
});
