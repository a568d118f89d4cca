// Pure helpers of the visit screen: which leaves a filter shows, what a key press means.
import type { LeafRecord } from "./bindings/LeafRecord";

export type Filter = "all" | "unscored" | "deducted" | "flagged";

/** Whether a leaf passes the filter and the search text (code prefix or words of the title). */
export function leafMatches(record: LeafRecord | undefined, title: string, code: string, filter: Filter, query: string): boolean {
  const q = query.trim().toLowerCase();
  if (q && !code.toLowerCase().startsWith(q) && !title.toLowerCase().includes(q)) return false;
  switch (filter) {
    case "all":
      return true;
    case "unscored":
      return !record?.appraised;
    case "deducted":
      return record?.difference != null && record.difference.startsWith("-");
    case "flagged":
      return (record?.flags.length ?? 0) > 0;
  }
}

/** A key that starts typing a score into the appraised cell: digits, separators, or N (for NA). */
export function startsScore(e: KeyboardEvent): boolean {
  return !e.ctrlKey && !e.altKey && !e.metaKey && /^[0-9.,nN]$/.test(e.key);
}

/** Alt+1…9 → tier index 0…8, else null. */
export function tierShortcut(e: KeyboardEvent): number | null {
  if (!e.altKey || e.ctrlKey) return null;
  const m = /^Digit([1-9])$/.exec(e.code);
  return m ? Number(m[1]) - 1 : null;
}
