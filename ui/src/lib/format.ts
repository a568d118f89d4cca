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

/** A score entry as shown in the table: "1,5", "KAD" (không áp dụng) or "" when not scored. */
export function formatEntry(entry: { kind: "points"; points: string } | { kind: "not_applicable" } | null, lang: "vi" | "en" = "vi"): string {
  if (entry === null) return "";
  if (entry.kind === "not_applicable") return naWord(lang);
  return formatPoints(entry.points, lang);
}

/** N/A as one word per language: KAD (không áp dụng) in Vietnamese, N/A in English. */
export const naWord = (lang: "vi" | "en" = "vi") => (lang === "vi" ? "KAD" : "N/A");

/** A score entry as typed back into an input: "1,5", "KAD" (the core reads KAD, N/A or NA) or "". */
export function entryInput(entry: { kind: "points"; points: string } | { kind: "not_applicable" } | null, lang: "vi" | "en" = "vi"): string {
  if (entry === null) return "";
  return entry.kind === "not_applicable" ? naWord(lang) : formatPoints(entry.points, "vi");
}

/** "2026-01-15T08:30:12.000Z" → "15/01/2026 08:30" in local time. */
export function formatDateTime(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const p = (n: number) => String(n).padStart(2, "0");
  return `${p(d.getDate())}/${p(d.getMonth() + 1)}/${d.getFullYear()} ${p(d.getHours())}:${p(d.getMinutes())}`;
}

/** Exact a − b of two decimal strings ("86.33" − "90" = "-3.67"), with BigInt, no floats. */
export function subtractDecimals(a: string, b: string): string {
  const scale = Math.max(decimals(a), decimals(b));
  const diff = toScaled(a, scale) - toScaled(b, scale);
  const negative = diff < 0n;
  const digits = (negative ? -diff : diff).toString().padStart(scale + 1, "0");
  const int = digits.slice(0, digits.length - scale);
  const frac = digits.slice(digits.length - scale);
  return `${negative ? "-" : ""}${int}${scale ? "." + frac : ""}`;
}

function decimals(s: string): number {
  return s.includes(".") ? s.split(".")[1].length : 0;
}

function toScaled(s: string, scale: number): bigint {
  const negative = s.startsWith("-");
  const [int, frac = ""] = s.replace("-", "").split(".");
  const value = BigInt(int + frac.padEnd(scale, "0"));
  return negative ? -value : value;
}

/** A camera's capture time as the camera recorded it (its own wall clock, no time-zone shift):
 * "2026-01-15T09:30:00+07:00" → "15/01/2026 09:30". */
export function formatWallClock(iso: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(iso);
  return m ? `${m[3]}/${m[2]}/${m[1]} ${m[4]}:${m[5]}` : iso;
}

/** A size in bytes as people read it: "1,2 MB", "850 KB", "12 B" (1 KB = 1000 B). */
export function formatBytes(bytes: number, lang: "vi" | "en" = "vi"): string {
  const units = ["B", "KB", "MB", "GB", "TB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  const text = unit === 0 || value >= 100 ? Math.round(value).toString() : value.toFixed(1).replace(/\.0$/, "");
  return `${lang === "vi" ? text.replace(".", ",") : text} ${units[unit]}`;
}

/** A value as the audit log holds it (`1.5`, `NA`, a reason, null), as people read it: points
 * with the language's decimal mark, KAD (không áp dụng) for N/A, ∅ for nothing. */
export function formatLoggedValue(value: string | null, lang: "vi" | "en" = "vi"): string {
  if (value === null) return "∅";
  if (value === "NA") return naWord(lang);
  // A visit's date is logged as ISO (yyyy-mm-dd): shown as people write it.
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) return formatDate(value);
  return /^-?\d+(\.\d+)?$/.test(value) ? formatPoints(value, lang) : value;
}
