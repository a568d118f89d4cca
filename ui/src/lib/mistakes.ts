// A person's mistakes in English. The core sends each as `{key, params}` beside its own
// Vietnamese message (what the Vietnamese UI shows); this table words every key in English, and
// TypeScript refuses the build when a key of the core's `Mistake` has no words here.
import type { FileKind } from "./bindings/FileKind";
import type { FileProblem } from "./bindings/FileProblem";
import type { Missing } from "./bindings/Missing";
import type { Mistake } from "./bindings/Mistake";
import type { TextField } from "./bindings/TextField";

const fileProblems: Record<FileProblem, string> = {
  missing: "no such file or folder",
  no_permission: "permission denied",
  is_a_folder: "this is a folder, not a file",
  unreadable: "the disk could not be read",
};

const textFields: Record<TextField, string> = {
  unit_code: "the unit code",
  unit_name: "the unit name",
  unit_group: "the unit group",
  member_name: "the member's name",
  member_title: "the member's title",
  campaign_name: "the campaign name",
  province: "the province",
  delegation_name: "the delegation's name",
  delegation_leader: "the delegation's leader",
  user_name: "the user's name",
};

/** What was not found, in English (the Vietnamese is the core's). */
function missingInEnglish(m: Missing): string {
  switch (m.what) {
    case "campaign":
      return `campaign ${m.which}`;
    case "any_campaign":
      return "any campaign yet: create one with `thamdinh campaign new`";
    case "visit":
      return `visit ${m.which}`;
    case "unit":
      return `unit ${m.which}`;
    case "unit_in_campaign":
      return `unit ${m.which} in this campaign`;
    case "leaf_in_visit":
      return `criterion ${m.which} in this visit`;
    case "evidence":
      return `evidence item ${m.which}`;
    case "evidence_in_visit":
      return `evidence item ${m.which} in this visit`;
    case "photo_in_visit":
      return `photo ${m.which} in this visit`;
    case "stored_photo":
      return `the original of photo ${m.which}: it is no longer stored`;
    case "file":
      return m.which;
    case "conclusion":
      return `conclusion ${m.which} of this visit`;
    case "trusted_key":
      return `trusted key ${m.which}`;
    case "key_not_trusted":
      return `key ${m.which} on the trust list`;
    case "signing_key":
      return "a signing key on this laptop: create one";
    case "bundle":
      return `bundle ${m.which}`;
    case "bundle_under_review":
      return `bundle ${m.which} awaiting review`;
    case "folder":
      return `folder ${m.which}`;
    case "hq_conflict":
      return `a disagreement on criterion ${m.which.code} of unit ${m.which.unit}`;
    case "visit_conflict":
      return `a conflict on criterion ${m.which} of this visit`;
  }
}

const fileKinds: Record<FileKind, string> = {
  plan: "the plan file",
  province_results: "the province's results file",
  backup: "the backup file",
  partial_bundle: "the partial bundle",
  bundle: "the result bundle",
};

type Params<K extends Mistake["key"]> = Extract<Mistake, { key: K }> extends { params: infer P } ? P : Record<string, never>;

const english: { [K in Mistake["key"]]: (p: Params<K>) => string } = {
  at_line: (p) => `line ${p.line}: ${mistakeInEnglish(p.mistake)}`,
  at_leaf: (p) => `${p.code}: ${mistakeInEnglish(p.mistake)}`,
  at_cell: (p) =>
    [p.sheet ? `sheet «${p.sheet}»` : "", p.row ? `row ${p.row}` : "", p.column ? `column ${p.column}` : "", mistakeInEnglish(p.mistake)]
      .filter(Boolean)
      .join(", "),
  sheet_empty: (p) => `sheet ${p.sheet}: no data`,
  no_unit_column: () => "the unit code column (code / mã) is missing",
  no_leaf_columns: () => "no criterion column (one column per survey criterion, or the columns code,leaf,points)",
  unknown_unit: (p) => `there is no unit «${p.code}» in the campaign`,
  not_a_survey_leaf: (p) => `${p.code} is not a survey criterion`,
  points_not_a_number: (p) => `«${p.text}» is not a number`,
  survey_value_repeated: (p) => `${p.unit} × ${p.leaf} is already at row ${p.first_row}, column ${p.first_column}`,
  not_a_number: (p) => `«${p.text}» is not a number (write 1.5 or 1,5) nor NA`,
  not_a_leaf: (p) => `${p.code} is not a leaf criterion; only leaf criteria are scored`,
  survey_leaf_has_no_self_score: (p) =>
    `${p.code} is a survey criterion: the unit does not score itself; enter the survey points in the appraised column`,
  not_applicable_not_allowed: (p) => `${p.code} cannot be marked not applicable (NA)`,
  score_out_of_range: (p) => `${p.code}: ${p.value} — the score must be between 0 and ${p.max}`,
  score_off_step: (p) => `${p.code}: ${p.value} — the score must be a multiple of ${p.step}`,
  not_found: (p) => `not found: ${missingInEnglish(p)}`,
  self_form_not_ours: () => "this file is not a self-assessment form made by Thẩm Định (no «Nhận dạng» sheet with the campaign and unit)",
  self_form_other_campaign: (p) => `a form of another campaign («${p.found}»): not imported into this one`,
  self_form_other_unit: (p) => `the form of unit ${p.found}, not of this visit's unit ${p.expected}`,
  self_form_other_set: (p) => `a form on criteria set ${p.found}; this campaign uses ${p.expected}: send the unit a new form`,
  self_form_row_removed: (p) => `the row of criterion ${p.code} was removed from the form`,
  self_form_row_added: (p) => `row «${p.code}» is not in the criteria set (a row was added to the form)`,
  cell_is_formula: () => "the cell holds a formula: enter a value",
  evidence_file_missing: (p) => `file «${p.name}» is neither beside the form nor in a sub-folder`,
  score_not_a_tier: (p) => `${p.code}: ${p.value} — this criterion is scored by tiers; only ${p.tiers} are allowed`,
  unknown_leaf: (p) => `${p.code} is not a leaf criterion of this criteria set`,
  unknown_area: (p) => `the criteria set has no area «${p.code}» (it has: ${p.known})`,
  unknown_code: (p) => `there is no code ${p.code} in the criteria set`,
  code_repeated: (p) => `code ${p.code} is already on line ${p.first_line}`,
  score_sheet_header: (p) => `the header row must have the columns code,self,appraised (it has ${p.found})`,
  no_value_given: () => "no value entered",
  reason_needed: () => "a reason is required",
  not_a_date: (p) => `«${p.text}» is not a date; write it as dd/mm/yyyy`,
  campaign_name_empty: () => "the campaign name cannot be empty",
  year_out_of_range: (p) => `the year ${p.year} is not valid: a year from ${p.min} to ${p.max}`,
  user_name_too_long: (p) => `the user name is too long (at most ${p.max} characters)`,
  unknown_language: (p) => `unsupported language: ${p.language} (vi or en only)`,
  unit_code_empty: () => "the unit code cannot be empty",
  unit_name_empty: (p) => `unit ${p.code}: the unit name cannot be empty`,
  unknown_unit_type: (p) =>
    `unit ${p.code}: there is no type «${p.unit_type}»; use sở, xã, phường, đặc khu or huyện`,
  coordinates_out_of_range: (p) =>
    `unit ${p.code}: latitude must be within −90..90 and longitude within −180..180`,
  coordinates_half: (p) => `unit ${p.code}: give both latitude and longitude, or neither`,
  coordinate_not_a_number: (p) => `${p.latitude ? "latitude" : "longitude"} «${p.text}» is not a number`,
  unit_code_taken: (p) => `unit code ${p.code} is already in this campaign`,
  unit_code_repeated: (p) => `unit code ${p.code} repeats line ${p.first_line}`,
  unit_list_empty: () => "the list is empty",
  unclosed_quote: () => "a double quote opened on this line is never closed",
  hidden_character: (p) =>
    `${textFields[p.field]} «${p.text}» holds the hidden character ${p.codepoint} (a control, zero-width or text-direction character): type it again`,
  too_many_cells: (p) =>
    `the row has ${p.found} cells but the header only ${p.expected} columns: write a decimal comma (1,5) in double quotes "1,5", or separate columns with semicolons (;)`,
  unreadable_csv: () => "the CSV file cannot be read (check UTF-8 encoding and the delimiter)",
  unreadable_spreadsheet: () => "the spreadsheet cannot be read: the file is damaged or not .xlsx",
  unit_list_header: (p) => `the header row must have the columns code, name, type (mã, tên, loại); it has ${p.found}`,
  member_name_empty: () => "the member's name cannot be empty",
  unknown_role: (p) => `there is no role «${p.role}»: use leader, member or secretary`,
  visit_not_empty: () => "the visit already has scores, evidence or photos: it cannot be deleted",
  lock_needs_reasons: (p) =>
    `cannot lock yet: these criteria need a deduction reason or a not-applicable reason first: ${p.leaves}`,
  lock_with_open_conflicts: (p) =>
    `cannot lock yet: conflicts with a partial bundle remain at ${p.leaves} (resolve them first)`,
  not_locked: () => "the visit is not locked",
  unlock_needs_reason: () => "unlocking needs a reason (write why it is unlocked)",
  evidence_summary_empty: () => "the evidence summary is empty",
  empty_file: (p) => `the file ${p.name} is empty`,
  conclusion_empty: () => "the conclusion text is empty",
  acknowledger_name_empty: () => "write the full name of the unit's representative who acknowledges",
  signature_not_png: () => "the drawn signature must be a PNG image (at most 2 MB)",
  signature_unreadable: () => "the signature image is damaged and cannot be read",
  signature_size: (p) => `the signature image is ${p.width}×${p.height} pixels: an unusual size`,
  passphrase_empty: () => "the key's passphrase cannot be empty",
  passphrase_too_short: (p) =>
    `the key's passphrase needs at least ${p.min} characters; a sentence you remember is best, e.g. «delegation 1 appraisal 2025»`,
  not_a_public_key: () => "not a minisign public key (a .pub file starting with «untrusted comment:»)",
  several_public_keys: (p) => `the file holds ${p.count} public keys: a .pub file holds exactly one`,
  not_an_ed25519_key: () => "the public key is not minisign's Ed25519 (its first two bytes must be «Ed»)",
  public_key_all_zero: () => "the public key is all zeros: not a real key",
  key_id_taken: (p) =>
    `a DIFFERENT key with the same id ${p.key_id} is already trusted («${p.label}», fingerprint ${p.fingerprint}): two keys may not share an id; compare fingerprints with the sender`,
  key_revoked_before: (p) => `key ${p.key_id} was revoked before`,
  revoked_key_trusted_again: (p) => `key ${p.key_id} was revoked on ${p.revoked_at}: it cannot be trusted again`,
  choose_a_campaign: (p) => `there are ${p.count} campaigns: choose one (${p.campaigns})`,
  not_a_fork: (p) => `bundle ${p.bundle_id} is not one of a fork's branches`,
  plan_unit_invalid: (p) => `the plan's unit no. ${p.position}: ${mistakeInEnglish(p.mistake)}`,
  plan_unit_id_repeated: (p) => `the unit id «${p.id}» is empty or repeated`,
  plan_delegation_unknown_unit: (p) =>
    `the delegation «${p.delegation}» appraises unit ${p.code}, which is not among the plan's units`,
  data_folder_in_use: (p) =>
    `the data folder ${p.folder} is open in ${p.holders || "another Thẩm Định program (an app window or a thamdinh command)"}: close it, then restore again; nothing was changed`,
  data_folder_being_restored: (p) => `the data folder ${p.folder} is being restored from a backup: wait until it is done, then open it again`,
  unit_has_work: (p) => `unit ${p.code} has recorded work (${p.visits} visits, ${p.bundles} bundles received): it cannot be removed`,
  campaign_already_here: (p) => `the campaign «${p.name}» is already on this computer`,
  target_is_a_key: (p) => `${p.path} is a key file: a key is never overwritten`,
  target_not_a_file: (p) => `${p.path} is not a regular file`,
  export_with_open_conflicts: (p) =>
    `the visit has ${p.count} unresolved conflicts (${p.leaves}): resolve them before exporting`,
  cannot_read: (p) => `cannot read ${p.path}: ${fileProblems[p.why]}`,
  no_visit_chosen: () => "no visit chosen to export",
  visits_of_different_campaigns: () => "a bundle holds visits of one campaign only",
  partial_bundle_of_one_visit: () => "a partial bundle holds exactly one visit",
  whole_bundle_not_partial: (p) =>
    `cannot merge: ${p.file} is a whole bundle, not a partial one (exported with --areas)`,
  partial_of_another_campaign: (p) => `cannot merge: the bundle is of campaign ${p.theirs}, this visit of ${p.ours}`,
  partial_of_another_criteria_set: (p) =>
    `cannot merge: the bundle is scored on criteria set ${p.theirs}, this visit on ${p.ours}`,
  partial_of_another_unit: (p) => `cannot merge: the bundle is of unit ${p.theirs}, this visit of ${p.ours}`,
  sheet_unreadable: (p) => `the sheet «${p.sheet}» cannot be read: its content is damaged`,
  no_sheets: () => "the workbook has no sheet",
  // Criteria sets, from JSON or from a workbook.
  at_node: (p) => `${p.at}: ${mistakeInEnglish(p.mistake)}`,
  not_json: (p) => `not valid JSON (broken at line ${p.line}, column ${p.column})`,
  json_key_repeated: (p) => `the key ${p.key} appears twice in one object (which one would count?)`,
  set_not_an_object: () => "a criteria set must be a JSON object",
  set_format: (p) => `the format ${p.found} is not supported; this version reads ${p.supported}`,
  set_year: (p) => `the year must be a whole number from 2000 to 2100, found ${p.found}`,
  set_step: (p) => `the step must be a positive number, found ${p.found}`,
  set_no_areas: () => "a criteria set needs a non-empty list of areas",
  criteria_code_repeated: (p) => `the code ${p.code} is used more than once`,
  field_empty: (p) => `«${p.field}» is missing (it must be a non-empty text)`,
  node_not_an_object: () => "each item must be a JSON object",
  children_not_a_list: () => "the children must be a list",
  group_empty: () => "the item has no sub-criteria (empty children); a leaf criterion has no children",
  max_missing: () => "the maximum points (max_points) are missing",
  max_not_a_number: (p) => `the maximum points «${p.text}» are not a number`,
  max_not_positive: (p) => `the maximum points must be positive, found ${p.found}`,
  max_off_step: (p) => `the maximum points ${p.max} are not a multiple of the step ${p.step}`,
  sum_mismatch: (p) => `item ${p.code} states ${p.max} points but its sub-items add up to ${p.sum}`,
  method_missing: () => "the method is missing: write «Thẩm định» (tham_dinh) or «Điều tra XHH» (dieu_tra_xhh)",
  method_unknown: (p) => `method «${p.found}»: write «Thẩm định» (tham_dinh) or «Điều tra XHH» (dieu_tra_xhh)`,
  rule_missing: () => "the scoring rule (scoring_rule with a type) is missing",
  rule_unknown: (p) => `there is no scoring rule «${p.found}»; the rules are: ${p.known}`,
  rule_outside_bonus_block: (p) => `the scoring rule «${p.kind}» belongs in the bonus and penalty block only`,
  rule_in_bonus_block: (p) => `the bonus and penalty block scores only «bonus» or «penalty», found «${p.kind}»`,
  tiers_empty: () => "a scoring by tiers needs a non-empty list of levels",
  tier_no_points: (p) => `tier ${p.tier} has no points given as a number`,
  tier_negative: (p) => `tier ${p.tier} has negative points ${p.points}`,
  tier_above_max: (p) => `tier ${p.tier} gives ${p.points} points, above the criterion's maximum ${p.max}`,
  not_applicable_not_an_object: () => "not_applicable must be an object {allowed, handling}",
  not_applicable_allowed: () => "not_applicable.allowed must be true or false",
  not_applicable_handling: (p) =>
    `not applicable «${p.found}»: write «Không», «Giảm điểm tối đa» (reduce_max) or «Được điểm tối đa» (award_max)`,
  bonus_block_not_an_object: () => "the bonus and penalty block (bonus_penalty) must be an object",
  bonus_limit: (p) => `the bonus and penalty limit limits.${p.key} must be a number ≥ 0`,
  no_header_row: () => "no table header row found (the columns «Mã», «Nội dung», «Điểm tối đa» are needed)",
  no_max_column: () => "the column «Điểm tối đa» is missing",
  code_missing: (p) => `the row has the text «${p.title}» but no code`,
  parent_missing: (p) => `code ${p.code} has no parent item ${p.parent} above it`,
  extra_not_json_object: () => "the other-data cell is not a JSON object",
  table_empty: () => "the table has no criterion rows",
  total_mismatch: (p) => `the total row states ${p.stated} points but the areas add up to ${p.sum}`,
  step_not_a_number: (p) => `the step «${p.text}» is not a number`,
  cannot_write: (p) => `cannot write to ${p.path}: ${fileProblems[p.why]}`,
  file_not_valid: (p) => `${fileKinds[p.kind]} does not check${p.code ? ` [${p.code}]` : ""}: nothing was taken from it`,
  signed_by_another_key: (p) =>
    `${fileKinds[p.kind]} is signed by key ${p.found}, not by the trusted Sở Nội vụ key ${p.expected}`,
  not_the_plan_key: (p) =>
    `key ${p.found} is not the Sở Nội vụ key this campaign's plan names (${p.expected}): only that key signs the plan and publishes the results`,
  sources_missing: (p) => `${p.count} source bundles are missing from ${p.folder}: ${p.list}`,
  band_not_a_pair: (p) => `«${p.part}»: write threshold=label, e.g. 90=Xuất sắc`,
  band_threshold: (p) => `«${p.part}»: the threshold must be a number from 0 to 100`,
  band_label_missing: (p) => `«${p.part}»: the band's label is missing`,
  band_repeated: (p) => `the threshold ${p.min} is repeated`,
  bands_empty: () => "there is no band yet",
};

/** One mistake in English. */
export function mistakeInEnglish(mistake: Mistake): string {
  const words = english[mistake.key] as (p: unknown) => string;
  return words("params" in mistake ? mistake.params : {});
}
