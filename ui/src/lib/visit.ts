// Pure helpers of the visit screen: which leaves a filter shows, what a key press means.
import type { LeafRecord } from "./bindings/LeafRecord";
import type { LeafUpdate } from "./bindings/LeafUpdate";
import type { VisitView } from "./bindings/VisitView";

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

/** A key that starts typing a score into the appraised cell: any printable character, so the
 * editor receives exactly the keys typed (a minus sign or a letter included) and the core refuses,
 * next to the cell, a value that is not allowed — never a silently different one. */
export function startsScore(e: KeyboardEvent): boolean {
  return !e.ctrlKey && !e.altKey && !e.metaKey && e.key.length === 1 && e.key !== " ";
}

/** Alt+1…9 → tier index 0…8, else null. */
export function tierShortcut(e: KeyboardEvent): number | null {
  if (!e.altKey || e.ctrlKey) return null;
  const m = /^Digit([1-9])$/.exec(e.code);
  return m ? Number(m[1]) - 1 : null;
}

/** The same value, keeping `old`'s objects wherever the new ones are equal, so that the screen's
 * keyed rows see unchanged items as unchanged and only the edited leaf, its ancestors and the
 * totals are redrawn (undo and lock return the whole visit). Arrays keep old items by position. */
export function reuseUnchanged<T>(old: T, next: T): T {
  if (old === next || old === null || next === null || typeof old !== "object" || typeof next !== "object") {
    return old === next ? old : next;
  }
  if (Array.isArray(old) !== Array.isArray(next)) return next;
  let same = true;
  let out: Record<string, unknown> | unknown[];
  if (Array.isArray(next)) {
    const prev = old as unknown[];
    out = next.map((item, i) => {
      const kept = i < prev.length ? reuseUnchanged(prev[i], item) : item;
      if (kept !== prev[i]) same = false;
      return kept;
    });
    if (prev.length !== next.length) same = false;
  } else {
    const prev = old as Record<string, unknown>;
    const nextObj = next as Record<string, unknown>;
    out = {};
    for (const key of Object.keys(nextObj)) {
      const kept = reuseUnchanged(prev[key], nextObj[key]);
      if (kept !== prev[key]) same = false;
      out[key] = kept;
    }
    if (Object.keys(prev).length !== Object.keys(nextObj).length) same = false;
  }
  return same ? old : (out as T);
}

/** The view after one edit: the edited leaf, its node's and ancestors' totals and the column
 * totals replaced; every other leaf and node kept as the same object, so only those rows redraw. */
export function applyLeafUpdate(view: VisitView, update: LeafUpdate): VisitView {
  const changed = new Map(update.nodes.map((n) => [n.code, n]));
  const next: VisitView = {
    ...view,
    leaves: view.leaves.map((l) => (l.code === update.leaf.code ? update.leaf : l)),
    totals: {
      ...view.totals,
      self_assessed: update.self_assessed,
      appraised: update.appraised,
      nodes: view.totals.nodes.map((n) => changed.get(n.code) ?? n),
    },
    can_undo: update.can_undo,
  };
  return reuseUnchanged(view, next);
}
