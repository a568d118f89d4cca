// Numbers and dates as Vietnamese officials write them: 86,33 · 88,09 % · 20/11/2026.
// Decimals arrive from Rust as exact strings ("86.33"); they are only re-punctuated, never
// converted to floating point, so what is shown is exactly what the core computed.

/** "86.330" → "86,33"; "98.00" → "98"; "-0.5" → "-0,5". English uses a dot. */
export function formatPoints(decimal: string, lang: "vi" | "en" = "vi"): string {
  let [int, frac = ""] = decimal.split(".");
  frac = frac.replace(/0+$/, "");
  if (int === "-0" && frac === "") int = "0";
  const sep = lang === "vi" ? "," : ".";
  return frac ? `${int}${sep}${frac}` : int;
}

/** An index with exactly two decimals: "88.09" → "88,09 %"; null → "—". */
export function formatIndex(decimal: string | null, lang: "vi" | "en" = "vi"): string {
  if (decimal === null) return "—";
  const [int, frac = ""] = decimal.split(".");
  const two = (frac + "00").slice(0, 2);
  return `${int}${lang === "vi" ? "," : "."}${two} %`;
}

/** ISO date or timestamp → dd/mm/yyyy (the calendar date as written, no time-zone shift). */
export function formatDate(iso: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(iso);
  return m ? `${m[3]}/${m[2]}/${m[1]}` : iso;
}
