//! .docx documents the way Vietnamese administrative papers look (Times New Roman 13, the
//! authority and the national motto side by side, bold centred titles, ruled tables), written
//! with docx-rs: the same content as the PDFs, for officials who edit in Word before signing.
use docx_rs::{
    AlignmentType, BreakType, Docx, Paragraph, Run, RunFonts, Shading, Table, TableCell, TableRow,
    WidthType,
};
use thamdinh_core::{Error, Result};

/// Half-points, as Word counts font sizes.
const BODY: usize = 26;
const SMALL: usize = 20;

pub struct DocxBuilder {
    docx: Docx,
}

fn run(text: &str) -> Run {
    Run::new().add_text(text)
}

/// A colour of the heat map (the same scale as the PDF's): pale at 0 %, the accent blue at 100 %.
pub fn heat_hex(x: f64) -> String {
    if x < 0.0 {
        return "F0F0F0".into();
    }
    let x = x.clamp(0.0, 100.0) / 100.0;
    let mix = |a: f64, b: f64| (a + (b - a) * x).round() as u8;
    format!(
        "{:02X}{:02X}{:02X}",
        mix(255.0, 22.0),
        mix(245.0, 93.0),
        mix(235.0, 170.0)
    )
}

impl DocxBuilder {
    pub fn new() -> Self {
        let docx = Docx::new()
            .page_size(11906, 16838) // A4 in twentieths of a point
            .default_fonts(
                RunFonts::new()
                    .ascii("Times New Roman")
                    .hi_ansi("Times New Roman")
                    .cs("Times New Roman"),
            )
            .default_size(BODY);
        DocxBuilder { docx }
    }

    fn push(&mut self, p: Paragraph) {
        let docx = std::mem::take(&mut self.docx);
        self.docx = docx.add_paragraph(p);
    }

    /// The authority (two lines) on the left, the national motto on the right, the place and date
    /// below.
    pub fn heading_block(&mut self, authority: &str, office: &str, place_date: &str) {
        let left = TableCell::new()
            .add_paragraph(
                Paragraph::new()
                    .align(AlignmentType::Center)
                    .add_run(run(authority).size(24)),
            )
            .add_paragraph(
                Paragraph::new()
                    .align(AlignmentType::Center)
                    .add_run(run(office).bold().size(24)),
            );
        let right = TableCell::new()
            .add_paragraph(
                Paragraph::new()
                    .align(AlignmentType::Center)
                    .add_run(run("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM").bold().size(24)),
            )
            .add_paragraph(
                Paragraph::new()
                    .align(AlignmentType::Center)
                    .add_run(run("Độc lập - Tự do - Hạnh phúc").bold().size(26)),
            );
        let table = Table::new(vec![TableRow::new(vec![left, right])]).clear_all_border();
        let docx = std::mem::take(&mut self.docx);
        self.docx = docx.add_table(table);
        self.push(
            Paragraph::new()
                .align(AlignmentType::Right)
                .add_run(run(place_date).italic()),
        );
    }

    pub fn title(&mut self, first: &str, second: &str) {
        self.push(
            Paragraph::new()
                .align(AlignmentType::Center)
                .add_run(run(first).bold().size(28)),
        );
        self.push(
            Paragraph::new()
                .align(AlignmentType::Center)
                .add_run(run(second).bold()),
        );
    }

    pub fn centered_italic(&mut self, text: &str) {
        self.push(
            Paragraph::new()
                .align(AlignmentType::Center)
                .add_run(run(text).italic()),
        );
    }

    pub fn heading(&mut self, text: &str) {
        self.push(Paragraph::new().add_run(run(text).bold().size(28)));
    }

    pub fn subheading(&mut self, text: &str) {
        self.push(Paragraph::new().add_run(run(text).bold()));
    }

    pub fn para(&mut self, text: &str) {
        self.push(
            Paragraph::new()
                .align(AlignmentType::Both)
                .add_run(run(text)),
        );
    }

    pub fn small(&mut self, text: &str) {
        self.push(Paragraph::new().add_run(run(text).size(SMALL)));
    }

    pub fn para_bold_lead(&mut self, lead: &str, text: &str) {
        self.push(
            Paragraph::new()
                .add_run(run(lead).bold())
                .add_run(run(text)),
        );
    }

    /// One bar of a ranking chart: the label, a bar of blocks proportional to the index (0–100),
    /// the index written out.
    pub fn bar(&mut self, label: &str, value: f64, shown: &str) {
        let blocks = "█".repeat((value.clamp(0.0, 100.0) / 2.5).round() as usize);
        self.push(
            Paragraph::new()
                .add_run(run(&format!("{label}  ")).size(SMALL))
                .add_run(run(&blocks).size(SMALL).color("165DAA"))
                .add_run(run(&format!("  {shown}")).size(SMALL)),
        );
    }

    /// The heat map's colour scale, 0 % to 100 %.
    pub fn legend(&mut self) {
        let mut p = Paragraph::new().add_run(run("Thang màu: 0 % ").size(SMALL));
        for step in [0.0, 25.0, 50.0, 75.0, 100.0] {
            p = p.add_run(run("███").size(SMALL).color(heat_hex(step)));
        }
        self.push(p.add_run(run(" 100 %").size(SMALL)));
    }

    /// A ruled table: a bold header row, then the rows; `fills` shades cells (row by row).
    pub fn table(
        &mut self,
        header: &[String],
        rows: &[Vec<String>],
        fills: &[Vec<Option<String>>],
    ) {
        let cell = |text: &str, bold: bool, fill: Option<&String>| {
            let r = run(text).size(SMALL);
            let mut c = TableCell::new().add_paragraph(Paragraph::new().add_run(if bold {
                r.bold()
            } else {
                r
            }));
            if let Some(f) = fill {
                c = c.shading(Shading::new().fill(f.clone()));
            }
            c
        };
        let mut table_rows = vec![TableRow::new(
            header
                .iter()
                .map(|h| cell(h, true, Some(&"EEF2F7".to_string())))
                .collect(),
        )];
        for (i, row) in rows.iter().enumerate() {
            table_rows.push(TableRow::new(
                row.iter()
                    .enumerate()
                    .map(|(j, text)| {
                        cell(
                            text,
                            false,
                            fills.get(i).and_then(|f| f.get(j)).and_then(Option::as_ref),
                        )
                    })
                    .collect(),
            ));
        }
        let table = Table::new(table_rows).width(5000, WidthType::Pct);
        let docx = std::mem::take(&mut self.docx);
        self.docx = docx.add_table(table);
        self.push(Paragraph::new());
    }

    /// Signature blocks side by side: a title over each name.
    pub fn signatures(&mut self, blocks: &[(&str, &str)]) {
        let cells = blocks
            .iter()
            .map(|(title, name)| {
                TableCell::new()
                    .add_paragraph(
                        Paragraph::new()
                            .align(AlignmentType::Center)
                            .add_run(run(title).bold()),
                    )
                    .add_paragraph(
                        Paragraph::new()
                            .align(AlignmentType::Center)
                            .add_run(run("(Ký, ghi rõ họ tên)").italic().size(SMALL)),
                    )
                    .add_paragraph(Paragraph::new())
                    .add_paragraph(Paragraph::new())
                    .add_paragraph(
                        Paragraph::new()
                            .align(AlignmentType::Center)
                            .add_run(run(name).bold()),
                    )
            })
            .collect();
        let docx = std::mem::take(&mut self.docx);
        self.docx = docx.add_table(
            Table::new(vec![TableRow::new(cells)])
                .clear_all_border()
                .width(5000, WidthType::Pct),
        );
    }

    pub fn page_break(&mut self) {
        self.push(Paragraph::new().add_run(Run::new().add_break(BreakType::Page)));
    }

    /// The document's bytes.
    pub fn finish(self) -> Result<Vec<u8>> {
        let mut out = std::io::Cursor::new(Vec::new());
        self.docx
            .build()
            .pack(&mut out)
            .map_err(|e| Error::internal(format!("không ghi được tệp .docx: {e}")))?;
        Ok(out.into_inner())
    }
}

impl Default for DocxBuilder {
    fn default() -> Self {
        Self::new()
    }
}
