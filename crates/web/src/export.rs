//! Exports of lists and tables as CSV (UTF-8 with a byte-order mark, formulas neutralised) and as
//! Excel workbooks (header bold and frozen, columns sized, dates as dates, numbers as numbers).
//! Either is written on a blocking thread to an unnamed temporary file and streamed from it, so a
//! failure answers as an error rather than a cut-off download; the rows reach the writer a page at
//! a time through a small channel, so memory stays flat however long the list.

use axum::http::header;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, NaiveDate, NaiveDateTime, Timelike, Utc};
use emss_app::AppError;
use std::io::{Seek, SeekFrom, Write};

/// The two forms a list exports in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    Csv,
    Xlsx,
}

impl ExportFormat {
    pub fn as_str(self) -> &'static str {
        match self {
            ExportFormat::Csv => "csv",
            ExportFormat::Xlsx => "xlsx",
        }
    }

    fn content_type(self) -> &'static str {
        match self {
            ExportFormat::Csv => "text/csv; charset=utf-8",
            ExportFormat::Xlsx => {
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            }
        }
    }
}

/// A cell: text as typed (never a formula), a number people sum, a day or a Shanghai time that
/// Excel sorts and filters as dates.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    Number(f64),
    Date(NaiveDate),
    Time(NaiveDateTime),
    /// A time to the second (the audit log).
    Seconds(NaiveDateTime),
}

impl Cell {
    /// An instant as Shanghai time, "—" when there is none.
    pub fn at(at: Option<DateTime<Utc>>) -> Cell {
        match at {
            Some(t) => Cell::Time(emss_domain::time::shanghai_time(t)),
            None => Cell::Text(emss_domain::time::EMPTY.to_string()),
        }
    }

    pub fn count(n: impl Into<u64>) -> Cell {
        // Figures people sum stay far below 2^53, where f64 is exact.
        Cell::Number(n.into() as f64)
    }
}

impl From<String> for Cell {
    fn from(t: String) -> Cell {
        Cell::Text(t)
    }
}

impl std::fmt::Display for Cell {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Cell::Text(t) => f.write_str(t),
            Cell::Number(n) => write!(f, "{n}"),
            Cell::Date(d) => write!(f, "{}", d.format("%Y-%m-%d")),
            Cell::Time(t) => write!(f, "{}", t.format("%Y-%m-%d %H:%M")),
            Cell::Seconds(t) => write!(f, "{}", t.format("%Y-%m-%d %H:%M:%S")),
        }
    }
}

/// A list's two export handlers, `$csv` (导出 CSV) and `$xlsx` (导出 Excel), each answering
/// `$write(&state, &ctx, &query, format)` for the list's query type `$query`.
macro_rules! export_handlers {
    ($csv:ident, $xlsx:ident, $query:ty, $write:ident) => {
        /// 导出 CSV: the list with the page's filters.
        pub async fn $csv(
            axum::extract::State(state): axum::extract::State<crate::AppState>,
            ctx: crate::context::Ctx,
            crate::pages::PageQuery(q): crate::pages::PageQuery<$query>,
        ) -> Result<axum::response::Response, crate::error::PageError> {
            $write(&state, &ctx, &q, crate::export::ExportFormat::Csv).await
        }

        /// 导出 Excel: the same rows as a workbook.
        pub async fn $xlsx(
            axum::extract::State(state): axum::extract::State<crate::AppState>,
            ctx: crate::context::Ctx,
            crate::pages::PageQuery(q): crate::pages::PageQuery<$query>,
        ) -> Result<axum::response::Response, crate::error::PageError> {
            $write(&state, &ctx, &q, crate::export::ExportFormat::Xlsx).await
        }
    };
}
pub(crate) use export_handlers;

/// How many rows an export reads from the database at a time.
pub const EXPORT_PAGE: u64 = 2_000;

/// One CSV cell: quoted per RFC 4180, and a leading `= + - @`, TAB, CR or NUL neutralised with a
/// `'` so that spreadsheet programs do not run it as a formula (INP-04).
pub fn csv_cell(value: &str) -> String {
    let neutral = match value.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r' | '\0') => format!("'{value}"),
        _ => value.to_string(),
    };
    if neutral.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", neutral.replace('"', "\"\""))
    } else {
        neutral
    }
}

/// A list's rows, all in hand, as `name`.csv or `name`.xlsx (its sheet named `name`).
pub async fn export_response<C: Into<Cell>>(
    format: ExportFormat,
    name: &str,
    header_row: &[&str],
    rows: Vec<Vec<C>>,
) -> Result<Response, AppError> {
    let mut out = ExportWriter::start(format, name, header_row);
    out.write(
        rows.into_iter()
            .map(|r| r.into_iter().map(Into::into).collect())
            .collect(),
    )
    .await;
    out.finish().await
}

/// An export being written: the caller reads its list a page at a time and hands each page to
/// [`ExportWriter::write`], then answers with [`ExportWriter::finish`].
pub struct ExportWriter {
    format: ExportFormat,
    name: String,
    rows: Option<tokio::sync::mpsc::Sender<Vec<Vec<Cell>>>>,
    writer: tokio::task::JoinHandle<Result<std::fs::File, String>>,
}

impl ExportWriter {
    pub fn start(format: ExportFormat, name: &str, header_row: &[&str]) -> ExportWriter {
        let header: Vec<String> = header_row.iter().map(|s| s.to_string()).collect();
        let sheet = name.to_string();
        // Two pages in flight: the database reads the next while the writer writes this one.
        let (tx, rx) = tokio::sync::mpsc::channel::<Vec<Vec<Cell>>>(2);
        let writer = tokio::task::spawn_blocking(move || match format {
            ExportFormat::Csv => write_csv(&header, rx),
            ExportFormat::Xlsx => write_xlsx(&sheet, &header, rx),
        });
        ExportWriter {
            format,
            name: name.to_string(),
            rows: Some(tx),
            writer,
        }
    }

    /// Hands a page of rows to the writer; a writer that failed says so at `finish`.
    pub async fn write(&mut self, page: Vec<Vec<Cell>>) {
        if let Some(tx) = &self.rows
            && tx.send(page).await.is_err()
        {
            self.rows = None;
        }
    }

    /// The file, once written whole, as the download.
    pub async fn finish(mut self) -> Result<Response, AppError> {
        self.rows = None;
        let file = self
            .writer
            .await
            .map_err(AppError::internal)?
            .map_err(AppError::internal)?;
        let body = axum::body::Body::from_stream(tokio_util::io::ReaderStream::new(
            tokio::fs::File::from_std(file),
        ));
        let ext = self.format.as_str();
        let filename = format!("{}.{ext}", self.name);
        let encoded: String = url::form_urlencoded::byte_serialize(filename.as_bytes())
            .collect::<String>()
            .replace('+', "%20");
        let disposition =
            format!("attachment; filename=\"export.{ext}\"; filename*=UTF-8''{encoded}");
        Ok((
            [
                (header::CONTENT_TYPE, self.format.content_type().to_string()),
                (header::CONTENT_DISPOSITION, disposition),
            ],
            body,
        )
            .into_response())
    }
}

fn problem(e: &dyn std::fmt::Display) -> String {
    format!("writing the export: {e}")
}

fn rewound(mut file: std::fs::File) -> Result<std::fs::File, String> {
    file.flush().map_err(|e| problem(&e))?;
    file.seek(SeekFrom::Start(0)).map_err(|e| problem(&e))?;
    Ok(file)
}

fn write_csv(
    header: &[String],
    mut rx: tokio::sync::mpsc::Receiver<Vec<Vec<Cell>>>,
) -> Result<std::fs::File, String> {
    let mut out = std::io::BufWriter::new(tempfile::tempfile().map_err(|e| problem(&e))?);
    let line = |cells: &mut dyn Iterator<Item = String>| {
        let mut s = cells.map(|c| csv_cell(&c)).collect::<Vec<_>>().join(",");
        s.push_str("\r\n");
        s
    };
    // The byte-order mark makes Excel read the Chinese as UTF-8.
    out.write_all("\u{feff}".as_bytes())
        .map_err(|e| problem(&e))?;
    out.write_all(line(&mut header.iter().cloned()).as_bytes())
        .map_err(|e| problem(&e))?;
    while let Some(rows) = rx.blocking_recv() {
        for row in rows {
            out.write_all(line(&mut row.iter().map(|c| c.to_string())).as_bytes())
                .map_err(|e| problem(&e))?;
        }
    }
    rewound(out.into_inner().map_err(|e| problem(&e))?)
}

/// A column's width in Excel's character units: CJK characters count two.
fn width_of(text: &str) -> f64 {
    text.chars()
        .map(|c| if c.len_utf8() >= 3 { 2.0 } else { 1.0 })
        .sum()
}

fn excel_date(d: NaiveDate) -> Result<rust_xlsxwriter::ExcelDateTime, String> {
    use chrono::Datelike;
    let year = u16::try_from(d.year()).map_err(|e| problem(&e))?;
    let month = u8::try_from(d.month()).map_err(|e| problem(&e))?;
    let day = u8::try_from(d.day()).map_err(|e| problem(&e))?;
    rust_xlsxwriter::ExcelDateTime::from_ymd(year, month, day).map_err(|e| problem(&e))
}

fn excel_time(t: NaiveDateTime) -> Result<rust_xlsxwriter::ExcelDateTime, String> {
    let hour = u16::try_from(t.hour()).map_err(|e| problem(&e))?;
    let minute = u8::try_from(t.minute()).map_err(|e| problem(&e))?;
    excel_date(t.date())?
        .and_hms(hour, minute, t.second())
        .map_err(|e| problem(&e))
}

fn write_xlsx(
    sheet: &str,
    header: &[String],
    mut rx: tokio::sync::mpsc::Receiver<Vec<Vec<Cell>>>,
) -> Result<std::fs::File, String> {
    use rust_xlsxwriter::Format;
    let mut book = rust_xlsxwriter::Workbook::new();
    let bold = Format::new().set_bold();
    let date = Format::new().set_num_format("yyyy-mm-dd");
    let time = Format::new().set_num_format("yyyy-mm-dd hh:mm");
    let seconds = Format::new().set_num_format("yyyy-mm-dd hh:mm:ss");
    let ws = book
        .add_worksheet_with_constant_memory()
        .map_err(|e| problem(&e))?;
    ws.set_name(sheet).map_err(|e| problem(&e))?;
    ws.set_freeze_panes(1, 0).map_err(|e| problem(&e))?;
    // Constant memory writes the sheet as it goes: the column widths come first, measured on the
    // header and the first page.
    let first = rx.blocking_recv().unwrap_or_default();
    for (c, h) in header.iter().enumerate() {
        let widest = first
            .iter()
            .filter_map(|row| row.get(c))
            .map(|cell| match cell {
                Cell::Date(_) => 10.0,
                Cell::Time(_) => 16.0,
                Cell::Seconds(_) => 19.0,
                other => width_of(&other.to_string()),
            })
            .fold(width_of(h), f64::max);
        let col = u16::try_from(c).map_err(|e| problem(&e))?;
        ws.set_column_width(col, (widest + 2.0).clamp(6.0, 50.0))
            .map_err(|e| problem(&e))?;
        ws.write_string_with_format(0, col, h, &bold)
            .map_err(|e| problem(&e))?;
    }
    let mut line = 0u32;
    let mut pages = std::iter::once(first).chain(std::iter::from_fn(|| rx.blocking_recv()));
    // Constant memory writes row by row, in order.
    for rows in pages.by_ref() {
        for row in rows {
            line += 1;
            for (c, v) in row.iter().enumerate() {
                let col = u16::try_from(c).map_err(|e| problem(&e))?;
                match v {
                    Cell::Text(t) => ws.write_string(line, col, t),
                    Cell::Number(n) => ws.write_number(line, col, *n),
                    Cell::Date(d) => {
                        ws.write_datetime_with_format(line, col, excel_date(*d)?, &date)
                    }
                    Cell::Time(t) => {
                        ws.write_datetime_with_format(line, col, excel_time(*t)?, &time)
                    }
                    Cell::Seconds(t) => {
                        ws.write_datetime_with_format(line, col, excel_time(*t)?, &seconds)
                    }
                }
                .map_err(|e| problem(&e))?;
            }
        }
    }
    let mut file = tempfile::tempfile().map_err(|e| problem(&e))?;
    book.save_to_writer(&mut file).map_err(|e| problem(&e))?;
    rewound(file)
}

/// Refuses an export the limit would cut short — a spreadsheet that silently stops would read as
/// the whole list: "共 1 234 份整改单，超过导出上限 1 000 份，请缩小期限范围…", at `field`.
pub fn whole_export(
    total: u64,
    limit: u64,
    field: &str,
    (counter, noun): (&str, &str),
    narrower: &str,
) -> Result<(), AppError> {
    if total > limit {
        return Err(AppError::field(
            field,
            &format!(
                "共 {total} {counter}{noun}，超过导出上限 {limit} {counter}，请{narrower}后再导出"
            ),
        ));
    }
    Ok(())
}

/// Audits an export under `action` with the list's filters (those set), its rows and format.
pub async fn audit_export(
    app: &emss_app::App,
    actor: &emss_domain::Actor,
    action: &str,
    filters: Vec<(&str, String)>,
    rows: u64,
    format: ExportFormat,
) -> Result<(), AppError> {
    let filters: serde_json::Map<String, serde_json::Value> = filters
        .into_iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| (k.to_string(), serde_json::Value::String(v)))
        .collect();
    emss_app::audit::record_alone(
        app,
        Some(actor),
        action,
        None,
        emss_app::audit::Outcome::Ok,
        serde_json::json!({"filters": filters, "rows": rows, "format": format.as_str()}),
    )
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_neutralised_and_quoted() {
        assert_eq!(csv_cell("张伟"), "张伟");
        assert_eq!(csv_cell("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(csv_cell("+1"), "'+1");
        assert_eq!(csv_cell("-1"), "'-1");
        assert_eq!(csv_cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(csv_cell("\tx"), "'\tx");
        assert_eq!(csv_cell("a,b"), "\"a,b\"");
        assert_eq!(csv_cell("a\nb"), "\"a\nb\"");
        assert_eq!(csv_cell(""), "");
    }

    #[test]
    fn cells_read_as_typed_in_csv() {
        let day = NaiveDate::from_ymd_opt(2026, 12, 7).unwrap_or_default();
        assert_eq!(Cell::Date(day).to_string(), "2026-12-07");
        let t = day.and_hms_opt(9, 5, 30).unwrap_or_default();
        assert_eq!(Cell::Time(t).to_string(), "2026-12-07 09:05");
        assert_eq!(Cell::Number(12.0).to_string(), "12");
        assert_eq!(width_of("排污企业A"), 9.0);
    }

    fn runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap()
    }

    async fn body_of(r: Response) -> Vec<u8> {
        axum::body::to_bytes(r.into_body(), usize::MAX)
            .await
            .unwrap()
            .to_vec()
    }

    #[test]
    fn pages_are_written_in_order() {
        runtime().block_on(async {
            let mut out = ExportWriter::start(ExportFormat::Csv, "清单", &["序号", "名称"]);
            for n in 1..=3u64 {
                let page = (0..2)
                    .map(|i| {
                        vec![
                            Cell::count((n - 1) * 2 + i + 1),
                            Cell::Text(format!("=第{n}页")),
                        ]
                    })
                    .collect();
                out.write(page).await;
            }
            let r = out.finish().await.unwrap();
            let text = String::from_utf8(body_of(r).await).unwrap();
            assert_eq!(
                text,
                "\u{feff}序号,名称\r\n1,'=第1页\r\n2,'=第1页\r\n3,'=第2页\r\n4,'=第2页\r\n5,'=第3页\r\n6,'=第3页\r\n"
            );
        });
    }

    #[test]
    fn a_workbook_has_its_sheet_and_dates() {
        runtime().block_on(async {
            let day = NaiveDate::from_ymd_opt(2026, 12, 7).unwrap();
            let r = export_response(
                ExportFormat::Xlsx,
                "运维记录",
                &["运维日期", "数量"],
                vec![vec![Cell::Date(day), Cell::Number(3.0)]],
            )
            .await
            .unwrap();
            let bytes = body_of(r).await;
            // A workbook is a zip archive.
            assert_eq!(&bytes[..2], b"PK");
        });
    }
}
