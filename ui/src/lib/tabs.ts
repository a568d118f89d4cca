// The WAI-ARIA tabs pattern: one tab in the Tab order (the selected one, `tabindex` 0, the others
// -1); ←/→ move to the previous/next tab and open it, Home/End to the first/last.

/** Keydown on a `role="tablist"`: moves focus among its tabs and opens the one reached. */
export function onTabKeys(e: KeyboardEvent) {
  const list = e.currentTarget as HTMLElement;
  const tabs = [...list.querySelectorAll<HTMLElement>('[role="tab"]')];
  const at = tabs.indexOf(document.activeElement as HTMLElement);
  if (at < 0) return;
  const to = { ArrowRight: at + 1, ArrowLeft: at - 1, Home: 0, End: tabs.length - 1 }[e.key];
  if (to === undefined) return;
  e.preventDefault();
  const tab = tabs[(to + tabs.length) % tabs.length];
  tab.focus();
  tab.click();
}
