// Which rows of the criteria tree-table are visible, given the collapsed nodes.
import type { Node } from "./bindings/Node";
import type { NodeTotals } from "./bindings/NodeTotals";

/** Rows whose ancestors are all expanded. Rows arrive in document order with their depth. */
export function visibleRows(rows: NodeTotals[], collapsed: Set<string>): NodeTotals[] {
  const out: NodeTotals[] = [];
  let hideBelow: number | null = null; // depth of the collapsed ancestor being skipped
  for (const row of rows) {
    if (hideBelow !== null) {
      if (row.depth > hideBelow) continue;
      hideBelow = null;
    }
    out.push(row);
    if (!row.is_leaf && collapsed.has(row.code)) hideBelow = row.depth;
  }
  return out;
}

/** The index of the next/previous row, clamped to the list. */
export function step(index: number, delta: number, length: number): number {
  if (length === 0) return -1;
  return Math.min(length - 1, Math.max(0, index + delta));
}

/** A copy of `collapsed` with `code` expanded (`open` true), collapsed (false) or flipped. */
export function toggled(collapsed: Set<string>, code: string, open?: boolean): Set<string> {
  const next = new Set(collapsed);
  const isOpen = !next.has(code);
  if (open ?? !isOpen) next.delete(code);
  else next.add(code);
  return next;
}

/** Every node of a criteria tree by code, for the detail panel. */
export function nodesByCode(roots: Node[]): Map<string, Node> {
  const map = new Map<string, Node>();
  const add = (n: Node) => {
    map.set(n.code, n);
    n.children.forEach(add);
  };
  roots.forEach(add);
  return map;
}
