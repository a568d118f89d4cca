// UI strings in Vietnamese (default) and English, following the glossary in the design notes.
export type Lang = "vi" | "en";

const vi = {
  appName: "Thẩm Định",
  tagline: "Thẩm định Chỉ số cải cách hành chính — làm việc không cần mạng",
  campaigns: "Đợt thẩm định",
  noCampaigns: "Chưa có đợt thẩm định nào.",
  builtinSets: "Bộ tiêu chí có sẵn",
  draft: "Bản nháp",
  draftNote: "Bộ tiêu chí tái dựng để minh họa; thay bằng phụ lục quyết định của tỉnh trước khi dùng thật.",
  leaves: "tiêu chí thành phần",
  maxPoints: "Điểm tối đa",
  year: "Năm",
  unitType: "Loại đơn vị",
  open: "Mở",
  back: "Quay lại",
  code: "Mã",
  content: "Nội dung",
  method: "Phương pháp",
  rule: "Cách chấm",
  notApplicable: "Không áp dụng",
  selfAssessed: "Tự đánh giá",
  appraised: "Thẩm định",
  thamDinh: "Thẩm định",
  survey: "ĐTXHH",
  surveyLong: "Điều tra xã hội học",
  naNotAllowed: "Không",
  naReduceMax: "Giảm điểm tối đa",
  naAwardMax: "Được điểm tối đa",
  total: "Tổng",
  attainableMax: "Điểm tối đa đạt được",
  index: "Chỉ số",
  points: "điểm",
  bonus: "Điểm thưởng tối đa",
  penalty: "Điểm trừ tối đa",
  evidence: "Tài liệu kiểm chứng",
  levels: "Mức điểm",
  selectLeaf: "Chọn một tiêu chí để xem chi tiết.",
  keysHelp: "↑/↓ di chuyển · ←/→ thu gọn/mở · Esc quay lại",
  expandAll: "Mở tất cả",
  collapseAll: "Thu gọn",
  language: "English",
  loading: "Đang tải…",
  errorTitle: "Đã xảy ra lỗi",
  dbTooNew: "Dữ liệu được tạo bởi phiên bản Thẩm Định mới hơn. Hãy cập nhật ứng dụng; dữ liệu không bị thay đổi.",
  unitTypes: { so_ban_nganh: "Sở, ban, ngành", ubnd_cap_xa: "UBND xã, phường, đặc khu", ubnd_cap_huyen: "UBND cấp huyện (đến 2024)" } as Record<string, string>,
};

const en: typeof vi = {
  appName: "Thẩm Định",
  tagline: "Appraisal of the PAR Index — works without a network",
  campaigns: "Appraisal campaigns",
  noCampaigns: "No appraisal campaign yet.",
  builtinSets: "Built-in criteria sets",
  draft: "Draft",
  draftNote: "A reconstructed set for demonstration; replace it with the province's decision before real use.",
  leaves: "sub-criteria",
  maxPoints: "Max points",
  year: "Year",
  unitType: "Unit type",
  open: "Open",
  back: "Back",
  code: "Code",
  content: "Content",
  method: "Method",
  rule: "Scoring rule",
  notApplicable: "Not applicable",
  selfAssessed: "Self-assessed",
  appraised: "Appraised",
  thamDinh: "Appraised",
  survey: "Survey",
  surveyLong: "Survey",
  naNotAllowed: "No",
  naReduceMax: "Reduce max",
  naAwardMax: "Award max",
  total: "Total",
  attainableMax: "Attainable max",
  index: "Index",
  points: "points",
  bonus: "Bonus cap",
  penalty: "Penalty cap",
  evidence: "Evidence",
  levels: "Levels",
  selectLeaf: "Select a criterion to see its details.",
  keysHelp: "↑/↓ move · ←/→ collapse/expand · Esc back",
  expandAll: "Expand all",
  collapseAll: "Collapse",
  language: "Tiếng Việt",
  loading: "Loading…",
  errorTitle: "Something went wrong",
  dbTooNew: "The data was written by a newer version of Thẩm Định. Please update the app; your data is untouched.",
  unitTypes: { so_ban_nganh: "Departments", ubnd_cap_xa: "Communes, wards, special zones", ubnd_cap_huyen: "Districts (until 2024)" },
};

export const dictionaries = { vi, en };
export type Key = Exclude<keyof typeof vi, "unitTypes">;

export const locale = $state<{ lang: Lang }>({ lang: "vi" });

/** The label for `key` in the current language (reactive inside components). */
export function t(key: Key): string {
  return dictionaries[locale.lang][key];
}

export function unitTypeLabel(unitType: string): string {
  return dictionaries[locale.lang].unitTypes[unitType] ?? unitType;
}
