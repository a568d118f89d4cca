//! A person's mistakes — a value typed, a file chosen, a step taken too early — as a key with its
//! parameters. The core says each in Vietnamese ([`std::fmt::Display`], what the CLI prints);
//! the UI receives `{key, params}` and words it in its own language (`ui/src/lib/mistakes.ts`,
//! checked against these variants by TypeScript, so no key lacks its English).
use serde::Serialize;
use ts_rs::TS;

/// One mistake. Parameters are already written as people read them (`1,5`, `15/01/2026`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(tag = "key", content = "params", rename_all = "snake_case")]
#[ts(export)]
pub enum Mistake {
    /// Where a list (a unit list, a score sheet) has the mistake.
    AtLine {
        line: usize,
        mistake: Box<Mistake>,
    },
    /// Which leaf a value was typed for (a score sheet's row).
    AtLeaf {
        code: String,
        mistake: Box<Mistake>,
    },
    /// Where a sheet (the survey contractor's) has the mistake; no column for a row-wide one.
    AtCell {
        sheet: String,
        row: Option<usize>,
        column: Option<String>,
        mistake: Box<Mistake>,
    },
    // Scoring.
    NotANumber {
        text: String,
    },
    NotALeaf {
        code: String,
    },
    SurveyLeafHasNoSelfScore {
        code: String,
    },
    NotApplicableNotAllowed {
        code: String,
    },
    ScoreOutOfRange {
        code: String,
        value: String,
        max: String,
    },
    ScoreOffStep {
        code: String,
        value: String,
        step: String,
    },
    /// Something looked for is not there.
    NotFound(Missing),
    // Self-assessment forms (biểu tự đánh giá) coming back from the units.
    SelfFormNotOurs,
    SelfFormOtherCampaign {
        found: String,
    },
    SelfFormOtherUnit {
        found: String,
        expected: String,
    },
    SelfFormOtherSet {
        found: String,
        expected: String,
    },
    SelfFormRowRemoved {
        code: String,
    },
    SelfFormRowAdded {
        code: String,
    },
    CellIsFormula,
    EvidenceFileMissing {
        name: String,
    },
    /// A typed score on a leaf scored by tiers that is none of its tiers.
    ScoreNotATier {
        code: String,
        value: String,
        tiers: String,
    },
    UnknownLeaf {
        code: String,
    },
    UnknownArea {
        code: String,
        known: String,
    },
    UnknownCode {
        code: String,
    },
    CodeRepeated {
        code: String,
        first_line: usize,
    },
    ScoreSheetHeader {
        found: String,
    },
    NoValueGiven,
    ReasonNeeded,
    // Dates and names.
    NotADate {
        text: String,
    },
    CampaignNameEmpty,
    YearOutOfRange {
        year: i32,
        min: i32,
        max: i32,
    },
    UserNameTooLong {
        max: usize,
    },
    UnknownLanguage {
        language: String,
    },
    // Units and members.
    UnitCodeEmpty,
    UnitNameEmpty {
        code: String,
    },
    UnknownUnitType {
        code: String,
        unit_type: String,
    },
    CoordinatesOutOfRange {
        code: String,
    },
    CoordinatesHalf {
        code: String,
    },
    CoordinateNotANumber {
        latitude: bool,
        text: String,
    },
    UnitCodeTaken {
        code: String,
    },
    UnitCodeRepeated {
        code: String,
        first_line: usize,
    },
    UnitListEmpty,
    UnclosedQuote,
    /// A code or name holding a control, zero-width or bidi-override character.
    HiddenCharacter {
        field: TextField,
        text: String,
        codepoint: String,
    },
    TooManyCells {
        found: usize,
        expected: usize,
    },
    UnreadableCsv,
    UnreadableSpreadsheet,
    SheetUnreadable {
        sheet: String,
    },
    NoSheets,
    UnitListHeader {
        found: String,
    },
    MemberNameEmpty,
    UnknownRole {
        role: String,
    },
    // Visits.
    VisitNotEmpty,
    LockNeedsReasons {
        leaves: String,
    },
    LockWithOpenConflicts {
        leaves: String,
    },
    NotLocked,
    UnlockNeedsReason,
    // Evidence, conclusions, acknowledgement.
    EvidenceSummaryEmpty,
    EmptyFile {
        name: String,
    },
    ConclusionEmpty,
    AcknowledgerNameEmpty,
    SignatureNotPng,
    SignatureUnreadable,
    SignatureSize {
        width: u32,
        height: u32,
    },
    // Keys and bundles.
    PassphraseEmpty,
    PassphraseTooShort {
        min: usize,
    },
    NotAPublicKey,
    SeveralPublicKeys {
        count: usize,
    },
    NotAnEd25519Key,
    PublicKeyAllZero,
    /// A different key states the id of a key already trusted.
    KeyIdTaken {
        key_id: String,
        label: String,
        fingerprint: String,
    },
    KeyRevokedBefore {
        key_id: String,
    },
    RevokedKeyTrustedAgain {
        key_id: String,
        revoked_at: String,
    },
    // Sở Nội vụ.
    ChooseACampaign {
        count: usize,
        campaigns: String,
    },
    /// The n-th unit of a plan (1-based) and what is wrong with it.
    PlanUnitInvalid {
        position: usize,
        mistake: Box<Mistake>,
    },
    PlanUnitIdRepeated {
        id: String,
    },
    PlanDelegationUnknownUnit {
        delegation: String,
        code: String,
    },
    /// A restore was asked while a program has the data folder open.
    DataFolderInUse {
        folder: String,
        /// `name (pid N)` of each holder, where the system says; may be empty.
        holders: String,
    },
    /// A store was opened while a restore swaps its folder.
    DataFolderBeingRestored {
        folder: String,
    },
    /// A unit with recorded work cannot be removed.
    UnitHasWork {
        code: String,
        visits: u32,
        bundles: u32,
    },
    CampaignAlreadyHere {
        name: String,
    },
    NotAFork {
        bundle_id: String,
    },
    // Survey sheets.
    SheetEmpty {
        sheet: String,
    },
    NoUnitColumn,
    NoLeafColumns,
    UnknownUnit {
        code: String,
    },
    NotASurveyLeaf {
        code: String,
    },
    PointsNotANumber {
        text: String,
    },
    SurveyValueRepeated {
        unit: String,
        leaf: String,
        first_row: usize,
        first_column: String,
    },
    TargetIsAKey {
        path: String,
    },
    TargetNotAFile {
        path: String,
    },
    ExportWithOpenConflicts {
        count: usize,
        leaves: String,
    },
    /// A file the person chose cannot be read.
    CannotRead {
        path: String,
        why: FileProblem,
    },
    NoVisitChosen,
    VisitsOfDifferentCampaigns,
    PartialBundleOfOneVisit,
    // Teamwork: a member's partial bundle merged into the leader's visit.
    WholeBundleNotPartial {
        file: String,
    },
    PartialOfAnotherCampaign {
        theirs: String,
        ours: String,
    },
    PartialOfAnotherCriteriaSet {
        theirs: String,
        ours: String,
    },
    PartialOfAnotherUnit {
        theirs: String,
        ours: String,
    },
    // Criteria sets, read from JSON or from a workbook (the code of each problem is in
    // `assets/criteria/README.md`).
    /// Which node of a criteria set (its code, else a JSON pointer) has the mistake.
    AtNode {
        at: String,
        mistake: Box<Mistake>,
    },
    NotJson {
        line: usize,
        column: usize,
    },
    JsonKeyRepeated {
        key: String,
    },
    SetNotAnObject,
    SetFormat {
        found: String,
        supported: String,
    },
    SetYear {
        found: String,
    },
    SetStep {
        found: String,
    },
    SetNoAreas,
    CriteriaCodeRepeated {
        code: String,
    },
    FieldEmpty {
        field: String,
    },
    NodeNotAnObject,
    ChildrenNotAList,
    GroupEmpty,
    MaxMissing,
    MaxNotANumber {
        text: String,
    },
    MaxNotPositive {
        found: String,
    },
    MaxOffStep {
        max: String,
        step: String,
    },
    SumMismatch {
        code: String,
        max: String,
        sum: String,
    },
    MethodMissing,
    MethodUnknown {
        found: String,
    },
    RuleMissing,
    RuleUnknown {
        found: String,
        known: String,
    },
    RuleOutsideBonusBlock {
        kind: String,
    },
    RuleInBonusBlock {
        kind: String,
    },
    TiersEmpty,
    TierNoPoints {
        tier: usize,
    },
    TierNegative {
        tier: usize,
        points: String,
    },
    TierAboveMax {
        tier: usize,
        points: String,
        max: String,
    },
    NotApplicableNotAnObject,
    NotApplicableAllowed,
    NotApplicableHandling {
        found: String,
    },
    BonusBlockNotAnObject,
    BonusLimit {
        key: String,
    },
    NoHeaderRow,
    NoMaxColumn,
    CodeMissing {
        title: String,
    },
    ParentMissing {
        code: String,
        parent: String,
    },
    ExtraNotJsonObject,
    TableEmpty,
    TotalMismatch {
        stated: String,
        sum: String,
    },
    StepNotANumber {
        text: String,
    },
    CannotWrite {
        path: String,
        why: FileProblem,
    },
    // Files made by another copy of Thẩm Định (a plan, the province's results, a backup, a
    // member's partial bundle) that do not check. `detail` gives the particulars in Vietnamese,
    // for the CLI and the Vietnamese UI; the English UI names the kind of file only, as it does
    // for a bundle's refusal.
    FileNotValid {
        kind: FileKind,
        /// The signed-bag layer's refusal code (the same as a bundle's), empty when the content
        /// itself does not check.
        code: String,
        detail: String,
    },
    /// A signed HQ file (plan, results) carries another key than the one the reader trusts.
    SignedByAnotherKey {
        kind: FileKind,
        found: String,
        expected: String,
    },
    /// An HQ key other than the one the campaign's plan names.
    NotThePlanKey {
        found: String,
        expected: String,
    },
    SourcesMissing {
        count: usize,
        folder: String,
        list: String,
    },
    // Index bands (xếp loại).
    BandNotAPair {
        part: String,
    },
    BandThreshold {
        part: String,
    },
    BandLabelMissing {
        part: String,
    },
    BandRepeated {
        min: String,
    },
    BandsEmpty,
}

/// A kind of file another copy of Thẩm Định made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum FileKind {
    Plan,
    ProvinceResults,
    Backup,
    PartialBundle,
    Bundle,
}

impl std::fmt::Display for Mistake {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        use Mistake as M;
        match self {
            M::AtLine { line, mistake } => write!(f, "dòng {line}: {mistake}"),
            M::AtLeaf { code, mistake } => write!(f, "{code}: {mistake}"),
            M::NotANumber { text } => {
                write!(f, "«{text}» không phải là số (viết 1,5 hoặc 1.5) hay NA")
            }
            M::NotALeaf { code } => write!(
                f,
                "{code} không phải tiêu chí thành phần; chỉ chấm điểm tiêu chí thành phần"
            ),
            M::SurveyLeafHasNoSelfScore { code } => write!(
                f,
                "{code} là tiêu chí điều tra XHH: đơn vị không tự chấm; ghi điểm điều tra ở cột thẩm định"
            ),
            M::NotApplicableNotAllowed { code } => {
                write!(f, "{code} không được đánh dấu không áp dụng (NA)")
            }
            M::ScoreOutOfRange { code, value, max } => {
                write!(f, "{code}: {value} — điểm phải từ 0 đến {max}")
            }
            M::ScoreOffStep { code, value, step } => {
                write!(f, "{code}: {value} — điểm phải là bội số của {step}")
            }
            M::NotFound(missing) => write!(f, "không tìm thấy: {missing}"),
            M::SelfFormNotOurs => write!(
                f,
                "tệp này không phải biểu tự đánh giá do Thẩm Định tạo (không có trang «Nhận dạng» với mã đợt và mã đơn vị)"
            ),
            M::SelfFormOtherCampaign { found } => write!(
                f,
                "biểu của một đợt thẩm định khác («{found}»): không nhập vào đợt này"
            ),
            M::SelfFormOtherUnit { found, expected } => write!(
                f,
                "biểu của đơn vị {found}, không phải của đơn vị {expected} của phiếu này"
            ),
            M::SelfFormOtherSet { found, expected } => write!(
                f,
                "biểu theo bộ tiêu chí {found}, đợt này dùng bộ {expected}: hãy gửi đơn vị biểu mới"
            ),
            M::SelfFormRowRemoved { code } => {
                write!(f, "dòng tiêu chí {code} đã bị xóa khỏi biểu")
            }
            M::SelfFormRowAdded { code } => write!(
                f,
                "dòng «{code}» không có trong bộ tiêu chí (biểu bị thêm dòng)"
            ),
            M::CellIsFormula => write!(f, "ô chứa công thức: hãy nhập giá trị"),
            M::EvidenceFileMissing { name } => write!(
                f,
                "không thấy tệp «{name}» bên cạnh biểu hoặc trong thư mục con"
            ),
            M::ScoreNotATier { code, value, tiers } => {
                write!(
                    f,
                    "{code}: {value} — tiêu chí chấm theo mức, chỉ nhận một trong các mức {tiers}"
                )
            }
            M::UnknownLeaf { code } => {
                write!(
                    f,
                    "{code} không phải tiêu chí thành phần của bộ tiêu chí này"
                )
            }
            M::UnknownArea { code, known } => {
                write!(f, "bộ tiêu chí không có lĩnh vực mã «{code}» (có: {known})")
            }
            M::UnknownCode { code } => write!(f, "không có mã {code} trong bộ tiêu chí"),
            M::CodeRepeated { code, first_line } => {
                write!(f, "mã {code} đã có ở dòng {first_line}")
            }
            M::ScoreSheetHeader { found } => write!(
                f,
                "dòng tiêu đề phải có các cột code,self,appraised (đang có {found})"
            ),
            M::NoValueGiven => write!(f, "chưa nhập giá trị"),
            M::ReasonNeeded => write!(f, "cần ghi lý do"),
            M::NotADate { text } => write!(f, "«{text}» không phải ngày; hãy viết dạng dd/mm/yyyy"),
            M::YearOutOfRange { year, min, max } => {
                write!(f, "năm {year} không hợp lệ: năm phải từ {min} đến {max}")
            }
            M::CampaignNameEmpty => write!(f, "tên đợt thẩm định không được để trống"),
            M::UserNameTooLong { max } => {
                write!(f, "tên người dùng quá dài (tối đa {max} ký tự)")
            }
            M::UnknownLanguage { language } => {
                write!(f, "ngôn ngữ không hỗ trợ: {language} (chỉ có vi hoặc en)")
            }
            M::UnitCodeEmpty => write!(f, "mã đơn vị không được để trống"),
            M::UnitNameEmpty { code } => {
                write!(f, "đơn vị {code}: tên đơn vị không được để trống")
            }
            M::UnknownUnitType { code, unit_type } => write!(
                f,
                "đơn vị {code}: loại «{unit_type}» không có; dùng sở, xã, phường, đặc khu hoặc huyện"
            ),
            M::CoordinatesOutOfRange { code } => write!(
                f,
                "đơn vị {code}: vĩ độ phải trong khoảng −90..90 và kinh độ trong khoảng −180..180"
            ),
            M::CoordinatesHalf { code } => write!(
                f,
                "đơn vị {code}: ghi cả vĩ độ và kinh độ, hoặc bỏ trống cả hai"
            ),
            M::CoordinateNotANumber { latitude, text } => {
                let what = if *latitude { "vĩ độ" } else { "kinh độ" };
                write!(f, "{what} «{text}» không phải là số")
            }
            M::UnitCodeTaken { code } => {
                write!(f, "mã đơn vị {code} đã có trong đợt thẩm định này")
            }
            M::UnitCodeRepeated { code, first_line } => {
                write!(f, "mã đơn vị {code} trùng với dòng {first_line}")
            }
            M::UnitListEmpty => write!(f, "danh sách rỗng"),
            M::UnclosedQuote => write!(f, "dấu ngoặc kép mở ở dòng này không được đóng"),
            M::HiddenCharacter {
                field,
                text,
                codepoint,
            } => write!(
                f,
                "{} «{text}» chứa ký tự ẩn {codepoint} (ký tự điều khiển, không độ rộng hoặc đảo chiều văn bản): hãy gõ lại",
                field.label_vi()
            ),
            M::TooManyCells { found, expected } => write!(
                f,
                "dòng có {found} ô nhưng tiêu đề chỉ có {expected} cột: số thập phân viết bằng dấu phẩy (1,5) phải đặt trong ngoặc kép \"1,5\", hoặc dùng dấu chấm phẩy (;) để ngăn cột"
            ),
            M::UnreadableCsv => write!(
                f,
                "không đọc được tệp CSV (kiểm tra bảng mã UTF-8 và dấu phân cách)"
            ),
            M::UnreadableSpreadsheet => write!(
                f,
                "không đọc được bảng tính: tệp đã hỏng hoặc không phải .xlsx"
            ),
            M::UnitListHeader { found } => write!(
                f,
                "dòng tiêu đề phải có các cột mã, tên, loại (code, name, type); đang có {found}"
            ),
            M::MemberNameEmpty => write!(f, "tên thành viên không được để trống"),
            M::UnknownRole { role } => write!(
                f,
                "vai trò «{role}» không có: dùng leader (trưởng đoàn), member (thành viên) hoặc secretary (thư ký)"
            ),
            M::VisitNotEmpty => write!(
                f,
                "buổi thẩm định đã có điểm, tài liệu hoặc ảnh: không thể xóa"
            ),
            M::LockNeedsReasons { leaves } => write!(
                f,
                "chưa chốt được: các tiêu chí sau cần lý do trừ điểm hoặc lý do không áp dụng trước: {leaves}"
            ),
            M::LockWithOpenConflicts { leaves } => write!(
                f,
                "chưa chốt được: còn xung đột với gói từng phần ở tiêu chí {leaves} (giải quyết: thamdinh visit resolve)"
            ),
            M::NotLocked => write!(f, "phiếu chưa chốt"),
            M::UnlockNeedsReason => write!(f, "mở khóa cần có lý do (ghi lý do mở khóa)"),
            M::EvidenceSummaryEmpty => write!(f, "trích yếu của tài liệu kiểm chứng đang trống"),
            M::EmptyFile { name } => write!(f, "tệp {name} rỗng"),
            M::ConclusionEmpty => write!(f, "nội dung kết luận đang trống"),
            M::AcknowledgerNameEmpty => {
                write!(f, "cần ghi họ tên người đại diện đơn vị xác nhận")
            }
            M::SignatureNotPng => write!(f, "chữ ký vẽ phải là ảnh PNG (tối đa 2 MB)"),
            M::SignatureUnreadable => write!(f, "ảnh chữ ký hỏng, không đọc được"),
            M::SignatureSize { width, height } => write!(
                f,
                "ảnh chữ ký {width}×{height} điểm ảnh: kích thước bất thường"
            ),
            M::PassphraseEmpty => write!(f, "mật khẩu bảo vệ khóa không được để trống"),
            M::PassphraseTooShort { min } => write!(
                f,
                "mật khẩu bảo vệ khóa phải có ít nhất {min} ký tự; một câu dễ nhớ là tốt nhất, ví dụ «đoàn số 1 thẩm định 2025»"
            ),
            M::NotAPublicKey => write!(
                f,
                "không phải khóa công khai minisign (tệp .pub bắt đầu bằng «untrusted comment:»)"
            ),
            M::SeveralPublicKeys { count } => write!(
                f,
                "tệp chứa {count} khóa công khai: mỗi tệp .pub chỉ được có một khóa"
            ),
            M::NotAnEd25519Key => write!(
                f,
                "khóa công khai không dùng thuật toán Ed25519 của minisign (hai byte đầu phải là «Ed»)"
            ),
            M::PublicKeyAllZero => write!(f, "khóa công khai toàn số 0: không phải khóa thật"),
            M::KeyIdTaken {
                key_id,
                label,
                fingerprint,
            } => write!(
                f,
                "đã tin cậy một khóa KHÁC mang cùng mã {key_id} («{label}», dấu vân tay {fingerprint}): \
                 hai khóa không được trùng mã; hãy đối chiếu dấu vân tay với người gửi"
            ),
            M::PlanUnitInvalid { position, mistake } => {
                write!(f, "kế hoạch, đơn vị thứ {position}: {mistake}")
            }
            M::PlanUnitIdRepeated { id } => {
                write!(f, "mã định danh đơn vị «{id}» trống hoặc lặp lại")
            }
            M::PlanDelegationUnknownUnit { delegation, code } => write!(
                f,
                "đoàn «{delegation}» thẩm định đơn vị mã {code} không có trong danh sách đơn vị của kế hoạch"
            ),
            M::DataFolderInUse { folder, holders } => {
                write!(f, "thư mục dữ liệu {folder} đang được mở")?;
                if holders.is_empty() {
                    write!(
                        f,
                        " bởi một chương trình Thẩm Định khác (cửa sổ ứng dụng hoặc lệnh thamdinh)"
                    )?;
                } else {
                    write!(f, " bởi {holders}")?;
                }
                write!(
                    f,
                    ": hãy đóng chương trình đó rồi khôi phục lại; dữ liệu không thay đổi"
                )
            }
            M::DataFolderBeingRestored { folder } => write!(
                f,
                "thư mục dữ liệu {folder} đang được khôi phục từ bản sao lưu: hãy đợi xong rồi mở lại"
            ),
            M::UnitHasWork {
                code,
                visits,
                bundles,
            } => write!(
                f,
                "đơn vị {code} đã có công việc ({visits} phiếu thẩm định, {bundles} gói đã nhận): không xóa được"
            ),
            M::KeyRevokedBefore { key_id } => write!(f, "khóa {key_id} đã bị thu hồi trước đó"),
            M::RevokedKeyTrustedAgain { key_id, revoked_at } => write!(
                f,
                "khóa {key_id} đã bị thu hồi ngày {revoked_at}: không thể tin cậy lại"
            ),
            M::ChooseACampaign { count, campaigns } => write!(
                f,
                "có {count} đợt thẩm định: chọn một bằng --campaign ID ({campaigns})"
            ),
            M::AtCell {
                sheet,
                row,
                column,
                mistake,
            } => {
                if !sheet.is_empty() {
                    write!(f, "trang «{sheet}», ")?;
                }
                if let Some(r) = row {
                    write!(f, "dòng {r}, ")?;
                }
                if let Some(c) = column {
                    write!(f, "cột {c}, ")?;
                }
                write!(f, "{mistake}")
            }
            M::SheetEmpty { sheet } => write!(f, "trang {sheet}: không có dữ liệu"),
            M::NoUnitColumn => write!(f, "thiếu cột mã đơn vị (code / mã)"),
            M::NoLeafColumns => write!(
                f,
                "không có cột tiêu chí nào (một cột cho mỗi tiêu chí điều tra, hoặc các cột code,leaf,points)"
            ),
            M::UnknownUnit { code } => {
                write!(f, "không có đơn vị mã «{code}» trong đợt thẩm định")
            }
            M::NotASurveyLeaf { code } => write!(f, "{code} không phải tiêu chí điều tra XHH"),
            M::PointsNotANumber { text } => write!(f, "«{text}» không phải là số"),
            M::SurveyValueRepeated {
                unit,
                leaf,
                first_row,
                first_column,
            } => write!(
                f,
                "{unit} × {leaf} đã có ở dòng {first_row}, cột {first_column}"
            ),
            M::NotAFork { bundle_id } => write!(f, "gói {bundle_id} không thuộc một nhánh rẽ"),
            M::CampaignAlreadyHere { name } => {
                write!(f, "đợt thẩm định «{name}» đã có trên máy này")
            }
            M::TargetIsAKey { path } => {
                write!(f, "{path} là tệp khóa: không bao giờ ghi đè lên khóa")
            }
            M::TargetNotAFile { path } => write!(f, "{path} không phải tệp thường"),
            M::ExportWithOpenConflicts { count, leaves } => write!(
                f,
                "phiếu còn {count} xung đột chưa giải quyết ({leaves}): giải quyết trước khi xuất (thamdinh visit resolve)"
            ),
            M::CannotRead { path, why } => write!(f, "không đọc được {path}: {}", why.vi()),
            M::NoVisitChosen => write!(f, "chưa chọn phiếu nào để xuất"),
            M::VisitsOfDifferentCampaigns => {
                write!(f, "một gói chỉ chứa phiếu của cùng một đợt thẩm định")
            }
            M::PartialBundleOfOneVisit => write!(f, "gói từng phần chứa đúng một phiếu"),
            M::WholeBundleNotPartial { file } => write!(
                f,
                "không gộp được gói từng phần: {file} là gói đầy đủ, không phải gói từng phần (xuất bằng --areas)"
            ),
            M::PartialOfAnotherCampaign { theirs, ours } => write!(
                f,
                "không gộp được gói từng phần: gói của đợt {theirs}, phiếu này thuộc đợt {ours}"
            ),
            M::PartialOfAnotherCriteriaSet { theirs, ours } => write!(
                f,
                "không gộp được gói từng phần: gói chấm theo bộ tiêu chí {theirs}, phiếu này theo bộ {ours}"
            ),
            M::PartialOfAnotherUnit { theirs, ours } => write!(
                f,
                "không gộp được gói từng phần: gói của đơn vị {theirs}, phiếu này của đơn vị {ours}"
            ),
            M::AtNode { at, mistake } => write!(f, "{at}: {mistake}"),
            M::NotJson { line, column } => {
                write!(
                    f,
                    "không phải JSON hợp lệ (hỏng ở dòng {line}, cột {column})"
                )
            }
            M::JsonKeyRepeated { key } => write!(
                f,
                "khóa {key} xuất hiện hai lần trong một đối tượng (không biết lấy giá trị nào)"
            ),
            M::SetNotAnObject => write!(f, "bộ tiêu chí phải là một đối tượng JSON"),
            M::SetFormat { found, supported } => write!(
                f,
                "định dạng {found} chưa được hỗ trợ; bản này đọc {supported}"
            ),
            M::SetYear { found } => {
                write!(
                    f,
                    "năm (year) phải là số nguyên từ 2000 đến 2100, ghi {found}"
                )
            }
            M::SetStep { found } => write!(f, "bước điểm (step) phải là số dương, ghi {found}"),
            M::SetNoAreas => write!(f, "bộ tiêu chí cần danh sách lĩnh vực (areas) không rỗng"),
            M::CriteriaCodeRepeated { code } => write!(f, "mã {code} được dùng hơn một lần"),
            M::FieldEmpty { field } => write!(f, "thiếu «{field}» (phải là chuỗi không rỗng)"),
            M::NodeNotAnObject => write!(f, "mỗi mục phải là một đối tượng JSON"),
            M::ChildrenNotAList => write!(f, "các mục con (children) phải là một danh sách"),
            M::GroupEmpty => write!(
                f,
                "mục không có tiêu chí con (children rỗng); tiêu chí thành phần thì bỏ children"
            ),
            M::MaxMissing => write!(f, "thiếu điểm tối đa (max_points)"),
            M::MaxNotANumber { text } => {
                write!(f, "điểm tối đa «{text}» không phải là số")
            }
            M::MaxNotPositive { found } => {
                write!(f, "điểm tối đa phải là số dương, ghi {found}")
            }
            M::MaxOffStep { max, step } => write!(
                f,
                "điểm tối đa {max} không phải bội số của bước điểm {step}"
            ),
            M::SumMismatch { code, max, sum } => write!(
                f,
                "mục {code} ghi {max} điểm nhưng các mục con cộng lại {sum}"
            ),
            M::MethodMissing => write!(
                f,
                "thiếu phương pháp: ghi «Thẩm định» (tham_dinh) hoặc «Điều tra XHH» (dieu_tra_xhh)"
            ),
            M::MethodUnknown { found } => write!(
                f,
                "phương pháp «{found}»: ghi «Thẩm định» (tham_dinh) hoặc «Điều tra XHH» (dieu_tra_xhh)"
            ),
            M::RuleMissing => write!(f, "thiếu cách chấm (scoring_rule có type)"),
            M::RuleUnknown { found, known } => {
                write!(f, "không có cách chấm «{found}»; các cách chấm: {known}")
            }
            M::RuleOutsideBonusBlock { kind } => write!(
                f,
                "cách chấm «{kind}» chỉ dùng trong mục điểm thưởng, điểm trừ"
            ),
            M::RuleInBonusBlock { kind } => write!(
                f,
                "trong mục điểm thưởng, điểm trừ chỉ chấm «bonus» hoặc «penalty», ghi «{kind}»"
            ),
            M::TiersEmpty => write!(
                f,
                "cách chấm theo mức cần danh sách mức (levels) không rỗng"
            ),
            M::TierNoPoints { tier } => write!(f, "mức {tier} không có điểm (points) là số"),
            M::TierNegative { tier, points } => write!(f, "mức {tier} có điểm âm {points}"),
            M::TierAboveMax { tier, points, max } => write!(
                f,
                "mức {tier} cho {points} điểm, vượt điểm tối đa {max} của tiêu chí"
            ),
            M::NotApplicableNotAnObject => {
                write!(f, "not_applicable phải là đối tượng {{allowed, handling}}")
            }
            M::NotApplicableAllowed => {
                write!(f, "not_applicable.allowed phải là true hoặc false")
            }
            M::NotApplicableHandling { found } => write!(
                f,
                "không áp dụng «{found}»: ghi «Không», «Giảm điểm tối đa» (reduce_max) hoặc «Được điểm tối đa» (award_max)"
            ),
            M::BonusBlockNotAnObject => {
                write!(
                    f,
                    "mục điểm thưởng, điểm trừ (bonus_penalty) phải là một đối tượng"
                )
            }
            M::BonusLimit { key } => write!(
                f,
                "giới hạn điểm thưởng, điểm trừ limits.{key} phải là số ≥ 0"
            ),
            M::NoHeaderRow => write!(
                f,
                "không tìm thấy dòng tiêu đề bảng (cần các cột «Mã», «Nội dung», «Điểm tối đa»)"
            ),
            M::NoMaxColumn => write!(f, "thiếu cột «Điểm tối đa»"),
            M::CodeMissing { title } => {
                write!(f, "dòng có nội dung «{title}» nhưng không có mã")
            }
            M::ParentMissing { code, parent } => {
                write!(f, "mã {code} không có mục cha {parent} ở phía trên")
            }
            M::ExtraNotJsonObject => {
                write!(f, "ô dữ liệu khác không phải một đối tượng JSON")
            }
            M::TableEmpty => write!(f, "bảng không có dòng tiêu chí nào"),
            M::TotalMismatch { stated, sum } => write!(
                f,
                "dòng tổng ghi {stated} điểm nhưng các lĩnh vực cộng lại {sum}"
            ),
            M::SheetUnreadable { sheet } => {
                write!(
                    f,
                    "không đọc được trang «{sheet}» của bảng tính: nội dung hỏng"
                )
            }
            M::NoSheets => write!(f, "bảng tính không có trang nào"),
            M::StepNotANumber { text } => write!(f, "bước điểm «{text}» không phải là số"),
            M::CannotWrite { path, why } => write!(f, "không ghi được vào {path}: {}", why.vi()),
            M::FileNotValid { kind, detail, .. } => match kind {
                FileKind::Plan => write!(f, "kế hoạch không hợp lệ: {detail}"),
                FileKind::ProvinceResults => write!(f, "gói kết quả tỉnh không hợp lệ: {detail}"),
                FileKind::Backup => write!(f, "tệp sao lưu không dùng được: {detail}"),
                FileKind::PartialBundle => write!(f, "không gộp được gói từng phần: {detail}"),
                FileKind::Bundle => write!(f, "gói kết quả không hợp lệ: {detail}"),
            },
            M::SignedByAnotherKey {
                kind,
                found,
                expected,
            } => {
                let what = match kind {
                    FileKind::Plan => "kế hoạch",
                    FileKind::ProvinceResults => "gói kết quả tỉnh",
                    FileKind::Backup => "tệp sao lưu",
                    FileKind::PartialBundle => "gói từng phần",
                    FileKind::Bundle => "gói kết quả",
                };
                write!(
                    f,
                    "{what} được ký bởi khóa {found}, không phải khóa Sở Nội vụ đã tin cậy {expected}"
                )
            }
            M::NotThePlanKey { found, expected } => write!(
                f,
                "khóa {found} không phải khóa Sở Nội vụ mà kế hoạch của đợt này ghi ({expected}): chỉ khóa đó được ký kế hoạch và công bố kết quả"
            ),
            M::SourcesMissing {
                count,
                folder,
                list,
            } => write!(f, "thiếu {count} gói nguồn trong {folder}: {list}"),
            M::BandNotAPair { part } => {
                write!(f, "«{part}»: viết ngưỡng=nhãn, ví dụ 90=Xuất sắc")
            }
            M::BandThreshold { part } => {
                write!(f, "«{part}»: ngưỡng phải là số từ 0 đến 100")
            }
            M::BandLabelMissing { part } => write!(f, "«{part}»: thiếu nhãn xếp loại"),
            M::BandRepeated { min } => write!(f, "ngưỡng {min} lặp lại"),
            M::BandsEmpty => write!(f, "chưa có mức xếp loại nào"),
        }
    }
}

impl std::error::Error for Mistake {}

/// Why a chosen file cannot be read, as a person can act on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum FileProblem {
    Missing,
    NoPermission,
    IsAFolder,
    Unreadable,
}

impl FileProblem {
    fn of(e: &std::io::Error) -> FileProblem {
        use std::io::ErrorKind as K;
        match e.kind() {
            K::NotFound => FileProblem::Missing,
            K::PermissionDenied | K::ReadOnlyFilesystem => FileProblem::NoPermission,
            K::IsADirectory => FileProblem::IsAFolder,
            _ => FileProblem::Unreadable,
        }
    }

    fn vi(self) -> &'static str {
        match self {
            FileProblem::Missing => "không có tệp hay thư mục này",
            FileProblem::NoPermission => "không có quyền truy cập",
            FileProblem::IsAFolder => "đây là thư mục, không phải tệp",
            FileProblem::Unreadable => "lỗi đọc ổ đĩa",
        }
    }
}

impl Mistake {
    /// A chosen file that cannot be read, with why.
    pub fn cannot_read(path: &std::path::Path, e: &std::io::Error) -> Mistake {
        Mistake::CannotRead {
            path: path.display().to_string(),
            why: FileProblem::of(e),
        }
    }

    /// A chosen folder or file that cannot be written, with why.
    pub fn cannot_write(path: &std::path::Path, e: &std::io::Error) -> Mistake {
        Mistake::CannotWrite {
            path: path.display().to_string(),
            why: FileProblem::of(e),
        }
    }

    /// A file of `kind` that does not check, with the particulars.
    pub fn not_valid(kind: FileKind, detail: impl Into<String>) -> Mistake {
        Mistake::FileNotValid {
            kind,
            code: String::new(),
            detail: detail.into(),
        }
    }

    /// A signed file refused by the bag layer: its code, and the words for it.
    pub fn bag_refused(kind: FileKind, r: &crate::rejection::Rejection) -> Mistake {
        // Worded in Vietnamese from the code (the code itself travels in `code`).
        let what = crate::rejection::rejection_vi(&r.code);
        let detail = match r.entry.as_str() {
            "" => format!("{what}: {}", r.message),
            entry => format!("{what} — {entry}: {}", r.message),
        };
        Mistake::FileNotValid {
            kind,
            code: r.code.clone(),
            detail,
        }
    }
}

impl Mistake {
    /// The same mistake, for a leaf.
    pub fn at_leaf(self, code: &str) -> Mistake {
        Mistake::AtLeaf {
            code: code.into(),
            mistake: Box::new(self),
        }
    }

    /// The same mistake, placed at a line of a list.
    pub fn at_line(self, line: usize) -> Mistake {
        Mistake::AtLine {
            line,
            mistake: Box::new(self),
        }
    }
}

/// Which typed field a mistake is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum TextField {
    UnitCode,
    UnitName,
    UnitGroup,
    MemberName,
    MemberTitle,
    CampaignName,
    Province,
    DelegationName,
    DelegationLeader,
    UserName,
}

impl TextField {
    /// The field as the Vietnamese screens name it.
    pub fn label_vi(self) -> &'static str {
        match self {
            TextField::UnitCode => "mã đơn vị",
            TextField::UnitName => "tên đơn vị",
            TextField::UnitGroup => "nhóm đơn vị",
            TextField::MemberName => "tên thành viên",
            TextField::MemberTitle => "chức vụ",
            TextField::CampaignName => "tên đợt thẩm định",
            TextField::Province => "tỉnh",
            TextField::DelegationName => "tên đoàn",
            TextField::DelegationLeader => "trưởng đoàn",
            TextField::UserName => "tên người dùng",
        }
    }
}

/// One validation problem: a stable code (listed in `assets/criteria/README.md`), where it is,
/// and the mistake with its parameters (its Vietnamese words in `message`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct Problem {
    pub code: String,
    /// The node's code when known, else a JSON pointer.
    pub at: String,
    pub message: String,
    pub mistake: Mistake,
}

impl Problem {
    pub(crate) fn new(code: &str, at: &str, mistake: Mistake) -> Problem {
        Problem {
            code: code.into(),
            at: at.into(),
            message: mistake.to_string(),
            mistake,
        }
    }

    /// The mistake placed at its node, for the UI to word.
    pub fn placed(&self) -> Mistake {
        Mistake::AtNode {
            at: self.at.clone(),
            mistake: Box::new(self.mistake.clone()),
        }
    }
}

/// What was looked for and not found, with which one: a key with parameters, so the UI words it
/// in its own language (`ui/src/lib/mistakes.ts`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(tag = "what", content = "which", rename_all = "snake_case")]
#[ts(export)]
pub enum Missing {
    Campaign(String),
    /// No campaign at all in the store.
    AnyCampaign,
    Visit(String),
    Unit(String),
    UnitInCampaign(String),
    LeafInVisit(String),
    Evidence(String),
    EvidenceInVisit(String),
    PhotoInVisit(String),
    StoredPhoto(String),
    /// A file to read (its path and why, as the system says it).
    File(String),
    Conclusion(String),
    TrustedKey(String),
    KeyNotTrusted(String),
    SigningKey,
    Bundle(String),
    BundleUnderReview(String),
    Folder(String),
    HqConflict {
        unit: String,
        code: String,
    },
    VisitConflict(String),
}

impl std::fmt::Display for Missing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        use Missing as W;
        match self {
            W::Campaign(id) => write!(f, "đợt thẩm định {id}"),
            W::AnyCampaign => write!(
                f,
                "chưa có đợt thẩm định nào: tạo bằng `thamdinh campaign new`"
            ),
            W::Visit(id) => write!(f, "phiếu thẩm định {id}"),
            W::Unit(id) => write!(f, "đơn vị {id}"),
            W::UnitInCampaign(code) => write!(f, "đơn vị mã {code} trong đợt này"),
            W::LeafInVisit(code) => write!(f, "tiêu chí {code} trong phiếu này"),
            W::Evidence(id) => write!(f, "tài liệu kiểm chứng {id}"),
            W::EvidenceInVisit(id) => write!(f, "tài liệu kiểm chứng {id} trong phiếu này"),
            W::PhotoInVisit(sha) => write!(f, "ảnh {sha} trong phiếu này"),
            W::StoredPhoto(sha) => write!(f, "ảnh gốc {sha} không còn trong kho"),
            W::File(text) => write!(f, "{text}"),
            W::Conclusion(id) => write!(f, "kết luận {id} của phiếu này"),
            W::TrustedKey(id) => write!(f, "khóa tin cậy {id}"),
            W::KeyNotTrusted(id) => write!(f, "khóa {id} không có trong danh sách tin cậy"),
            W::SigningKey => write!(f, "chưa có khóa ký trên máy này: hãy tạo khóa ký"),
            W::Bundle(id) => write!(f, "gói {id}"),
            W::BundleUnderReview(id) => write!(f, "gói {id} không chờ xem xét"),
            W::Folder(path) => write!(f, "thư mục {path}"),
            W::HqConflict { unit, code } => {
                write!(f, "không có xung đột ở tiêu chí {code} của đơn vị {unit}")
            }
            W::VisitConflict(code) => {
                write!(f, "không có xung đột ở tiêu chí {code} của phiếu này")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ui_receives_a_key_and_its_parameters_and_the_cli_reads_vietnamese() {
        let m = Mistake::ScoreOutOfRange {
            code: "1.1.1".into(),
            value: "-0,5".into(),
            max: "1,5".into(),
        }
        .at_line(3);
        assert_eq!(
            serde_json::to_value(&m).unwrap(),
            serde_json::json!({"key": "at_line", "params": {"line": 3, "mistake":
                {"key": "score_out_of_range", "params": {"code": "1.1.1", "value": "-0,5", "max": "1,5"}}}})
        );
        assert_eq!(
            m.to_string(),
            "dòng 3: 1.1.1: -0,5 — điểm phải từ 0 đến 1,5"
        );
        let unit = serde_json::to_value(Mistake::UnitListEmpty).unwrap();
        assert_eq!(unit, serde_json::json!({"key": "unit_list_empty"}));
    }
}
