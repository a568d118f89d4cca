// Tổng hợp's import lines in English. The core words each line in Vietnamese (`message`, with
// its particulars); in English the line is said from its code and what the bundle is (units,
// revision, signer), and a refusal by the verifier's code (`rejectionText`).
import type { ImportOutcome } from "./bindings/ImportOutcome";
import { locale, rejectionText } from "./i18n.svelte";

type Facts = Pick<ImportOutcome, "code" | "message"> & Partial<Pick<ImportOutcome, "units" | "revision" | "signer">>;

const units = (f: Facts) => (f.units?.length ? ` (${f.units.join(", ")})` : "");
const revision = (f: Facts) => (f.revision ? `revision ${f.revision}` : "this revision");
const signer = (f: Facts) => (f.signer ? ` by ${f.signer}` : "");

/** HQ's own outcome codes (the verifier's refusals have their words from the core). */
const english: Record<string, (f: Facts) => string> = {
  imported: (f) => `imported${units(f)}, ${revision(f)}, signed${signer(f)}`,
  duplicate: (f) => `already imported${units(f)} — nothing more to do`,
  superseded: (f) => `${revision(f)}${units(f)} is replaced by a newer revision; kept as history`,
  "untrusted-signer": (f) => `valid, but signed${signer(f) || " by a key"} not on the trust list: stored, not counted. Trust the key to count it`,
  "missing-cosignature": (f) => `valid${units(f)}, but members' co-signatures checked with trusted keys are missing: stored, not counted`,
  "unknown-parent": (f) => `${revision(f)}${units(f)} replaces a revision not received yet: stored, not counted — send the earlier revision too`,
  "leaf-conflict": (f) => `stored${units(f)}, but criteria are scored differently from another delegation: the unit is unranked until decided (see Disagreements)`,
  fork: (f) => `a fork: another bundle is also ${revision(f)} of the same visits; neither counts until the officer chooses`,
  "foreign-revision": (f) => `${revision(f)}${units(f)} does not replace the previous one: signed${signer(f)}, neither of the same delegation nor of the Department of Home Affairs — waiting for the officer`,
  "bad-chain-step": (f) => `${revision(f)}${units(f)} does not follow the revision it says it replaces: refused`,
  "revoked-key": (f) => `signed${signer(f)} with a revoked key: refused`,
  "unknown-campaign": () => "no campaign here for this bundle's year, province and criteria set: refused",
  "wrong-criteria-set": () => "the bundle is scored on another criteria set than the campaign's: refused",
  "unknown-unit": (f) => `a unit of the bundle${units(f)} is not in the campaign: refused`,
  "bundle-id-reused": () => "another bundle with the same id and different contents is here already: refused",
};

/** An import line in the UI's language. */
export function outcomeText(f: Facts): string {
  if (locale.lang === "vi") return f.message;
  return english[f.code]?.(f) ?? rejectionText(f.code, f.message);
}
