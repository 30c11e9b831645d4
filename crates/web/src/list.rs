//! The list component shared by every list page: paging links, page-size choice, the summary
//! line, and CSV export of the current filter.

use axum::http::header;
use axum::response::{IntoResponse, Response};
use emss_domain::listing::{PAGE_SIZES, Page};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageLink {
    pub label: String,
    /// None for the current page and for gaps.
    pub href: Option<String>,
    pub current: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SizeOption {
    pub value: u64,
    pub selected: bool,
}

/// Everything the pager partial shows under a list.
#[derive(Debug, Clone)]
pub struct Pager {
    pub summary: String,
    pub links: Vec<PageLink>,
    pub sizes: Vec<SizeOption>,
    /// The list's filters, carried as hidden fields by the page-size form.
    pub hidden: Vec<(String, String)>,
    pub path: String,
    /// The export of the current filter (without paging), if the list has one.
    pub export_href: Option<String>,
    pub empty: bool,
}

impl Pager {
    /// The same list as an Excel workbook: its CSV export's address ending in `.xlsx`.
    pub fn xlsx_href(&self) -> Option<String> {
        self.export_href
            .as_ref()
            .map(|h| h.replacen("/export.csv", "/export.xlsx", 1))
    }
}

fn query_string(pairs: &[(String, String)]) -> String {
    url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs.iter().filter(|(_, v)| !v.is_empty()))
        .finish()
}

/// Builds the pager of `page` for the list at `path` filtered by `filters`.
pub fn pager<T>(
    page: &Page<T>,
    path: &str,
    filters: &[(&str, String)],
    export_path: Option<&str>,
) -> Pager {
    let filters: Vec<(String, String)> = filters
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .filter(|(_, v)| !v.is_empty())
        .collect();
    let href = |n: u64| {
        let mut pairs = filters.clone();
        pairs.push(("page".into(), n.to_string()));
        pairs.push(("page_size".into(), page.page_size.to_string()));
        format!("{path}?{}", query_string(&pairs))
    };
    let count = page.page_count();
    let current = page.page.min(count);
    let mut links = Vec::new();
    if current > 1 {
        links.push(PageLink {
            label: "上一页".into(),
            href: Some(href(current - 1)),
            current: false,
        });
    }
    let mut last_shown = 0;
    for n in 1..=count {
        let near = n + 2 >= current && n <= current + 2;
        if n == 1 || n == count || near {
            if last_shown + 1 < n {
                links.push(PageLink {
                    label: "…".into(),
                    href: None,
                    current: false,
                });
            }
            links.push(PageLink {
                label: n.to_string(),
                href: (n != current).then(|| href(n)),
                current: n == current,
            });
            last_shown = n;
        }
    }
    if current < count {
        links.push(PageLink {
            label: "下一页".into(),
            href: Some(href(current + 1)),
            current: false,
        });
    }
    Pager {
        summary: page.summary(),
        links,
        sizes: PAGE_SIZES
            .iter()
            .map(|&value| SizeOption {
                value,
                selected: value == page.page_size,
            })
            .collect(),
        hidden: filters.clone(),
        path: path.to_string(),
        export_href: export_path.map(|p| {
            if filters.is_empty() {
                p.to_string()
            } else {
                format!("{p}?{}", query_string(&filters))
            }
        }),
        empty: page.items.is_empty(),
    }
}

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

/// A CSV download: UTF-8 with a byte-order mark so Excel opens the Chinese correctly.
pub fn csv_response(
    filename: &str,
    header_row: &[&str],
    rows: impl IntoIterator<Item = Vec<String>>,
) -> Response {
    let mut body = String::from("\u{feff}");
    let line = |cells: Vec<String>| {
        cells
            .iter()
            .map(|c| csv_cell(c))
            .collect::<Vec<_>>()
            .join(",")
    };
    body.push_str(&line(header_row.iter().map(|s| s.to_string()).collect()));
    body.push_str("\r\n");
    for row in rows {
        body.push_str(&line(row));
        body.push_str("\r\n");
    }
    let encoded: String = url::form_urlencoded::byte_serialize(filename.as_bytes())
        .collect::<String>()
        .replace('+', "%20");
    let disposition = format!("attachment; filename=\"export.csv\"; filename*=UTF-8''{encoded}");
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        body,
    )
        .into_response()
}

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
}

/// A list's rows as `name`.csv or `name`.xlsx (its sheet named `name`).
pub async fn export_response(
    format: ExportFormat,
    name: &str,
    header_row: &[&str],
    rows: Vec<Vec<String>>,
) -> Result<Response, emss_app::AppError> {
    match format {
        ExportFormat::Csv => Ok(csv_response(&format!("{name}.csv"), header_row, rows)),
        ExportFormat::Xlsx => xlsx_response(&format!("{name}.xlsx"), name, header_row, rows).await,
    }
}

/// A cell of a spreadsheet: text as typed (never a formula), or a number people sum.
#[derive(Debug, Clone, PartialEq)]
pub enum XlsxCell {
    Text(String),
    Number(f64),
}

impl std::fmt::Display for XlsxCell {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            XlsxCell::Text(t) => f.write_str(t),
            XlsxCell::Number(n) => write!(f, "{n}"),
        }
    }
}

/// An XLSX download of a list: the header row bold and frozen, every cell text (so nothing typed
/// runs as a formula).
pub async fn xlsx_response(
    filename: &str,
    sheet: &str,
    header_row: &[&str],
    rows: Vec<Vec<String>>,
) -> Result<Response, emss_app::AppError> {
    let rows = rows
        .into_iter()
        .map(|r| r.into_iter().map(XlsxCell::Text).collect())
        .collect();
    xlsx_cells_response(filename, sheet, header_row, rows).await
}

/// An XLSX download with typed cells. Written on a blocking thread in rust_xlsxwriter's
/// constant-memory mode to a temporary file, then streamed from it; the file is gone once the
/// download ends.
pub async fn xlsx_cells_response(
    filename: &str,
    sheet: &str,
    header_row: &[&str],
    rows: Vec<Vec<XlsxCell>>,
) -> Result<Response, emss_app::AppError> {
    let header: Vec<String> = header_row.iter().map(|s| s.to_string()).collect();
    let sheet = sheet.to_string();
    let file = tokio::task::spawn_blocking(move || write_xlsx(&sheet, &header, &rows))
        .await
        .map_err(emss_app::AppError::internal)?
        .map_err(emss_app::AppError::internal)?;
    let body = axum::body::Body::from_stream(tokio_util::io::ReaderStream::new(
        tokio::fs::File::from_std(file),
    ));
    let encoded: String = url::form_urlencoded::byte_serialize(filename.as_bytes())
        .collect::<String>()
        .replace('+', "%20");
    let disposition = format!("attachment; filename=\"export.xlsx\"; filename*=UTF-8''{encoded}");
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string(),
            ),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        body,
    )
        .into_response())
}

/// The workbook in an unnamed temporary file, read from its start.
fn write_xlsx(
    sheet: &str,
    header: &[String],
    rows: &[Vec<XlsxCell>],
) -> Result<std::fs::File, String> {
    use std::io::{Seek, SeekFrom};
    let problem = |e: &dyn std::fmt::Display| format!("writing the spreadsheet: {e}");
    let mut book = rust_xlsxwriter::Workbook::new();
    let bold = rust_xlsxwriter::Format::new().set_bold();
    let ws = book
        .add_worksheet_with_constant_memory()
        .map_err(|e| problem(&e))?;
    ws.set_name(sheet).map_err(|e| problem(&e))?;
    ws.set_freeze_panes(1, 0).map_err(|e| problem(&e))?;
    // Column widths first: constant memory writes the sheet as it goes.
    for c in 0..header.len() {
        let col = u16::try_from(c).map_err(|e| problem(&e))?;
        ws.set_column_width(col, 16).map_err(|e| problem(&e))?;
    }
    for (c, h) in header.iter().enumerate() {
        let col = u16::try_from(c).map_err(|e| problem(&e))?;
        ws.write_string_with_format(0, col, h, &bold)
            .map_err(|e| problem(&e))?;
    }
    // Constant memory writes row by row, in order.
    for (r, row) in rows.iter().enumerate() {
        let line = u32::try_from(r + 1).map_err(|e| problem(&e))?;
        for (c, v) in row.iter().enumerate() {
            let col = u16::try_from(c).map_err(|e| problem(&e))?;
            match v {
                XlsxCell::Text(t) => ws.write_string(line, col, t),
                XlsxCell::Number(n) => ws.write_number(line, col, *n),
            }
            .map_err(|e| problem(&e))?;
        }
    }
    let mut file = tempfile::tempfile().map_err(|e| problem(&e))?;
    book.save_to_writer(&mut file).map_err(|e| problem(&e))?;
    file.seek(SeekFrom::Start(0)).map_err(|e| problem(&e))?;
    Ok(file)
}

/// Refuses an export the limit would cut short — a spreadsheet that silently stops would read as
/// the whole list: "共 1 234 份整改单，超过导出上限 1 000 份，请缩小期限范围…", at `field`.
pub fn whole_export(
    total: u64,
    shown: usize,
    field: &str,
    (counter, noun): (&str, &str),
    narrower: &str,
) -> Result<(), emss_app::AppError> {
    if total > shown as u64 {
        return Err(emss_app::AppError::field(
            field,
            &format!(
                "共 {total} {counter}{noun}，超过导出上限 {shown} {counter}，请{narrower}后再导出"
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
    rows: usize,
    format: &str,
) -> Result<(), emss_app::AppError> {
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
        serde_json::json!({"filters": filters, "rows": rows, "format": format}),
    )
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use emss_domain::listing::PageRequest;

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
    fn pager_links_keep_the_filter() {
        let req = PageRequest::new(Some(5), Some(10));
        let page = Page::new(vec![0; 10], 409, req);
        let p = pager(
            &page,
            "/admin/accounts",
            &[("keyword", "张".into()), ("org_kind", String::new())],
            Some("/admin/accounts/export.csv"),
        );
        assert_eq!(p.summary, "显示第 41 到第 50 条记录，总共 409 条记录");
        let labels: Vec<_> = p.links.iter().map(|l| l.label.as_str()).collect();
        assert_eq!(
            labels,
            [
                "上一页",
                "1",
                "…",
                "3",
                "4",
                "5",
                "6",
                "7",
                "…",
                "41",
                "下一页"
            ]
        );
        let current: Vec<_> = p.links.iter().filter(|l| l.current).collect();
        assert_eq!(current.len(), 1);
        assert_eq!(current[0].label, "5");
        assert_eq!(
            p.links[0].href.as_deref(),
            Some("/admin/accounts?keyword=%E5%BC%A0&page=4&page_size=10")
        );
        assert_eq!(
            p.export_href.as_deref(),
            Some("/admin/accounts/export.csv?keyword=%E5%BC%A0")
        );
        assert_eq!(p.hidden, vec![("keyword".to_string(), "张".to_string())]);
    }

    #[test]
    fn a_single_page_has_no_prev_or_next() {
        let page: Page<u8> = Page::new(vec![], 0, PageRequest::default());
        let p = pager(&page, "/x", &[], None);
        assert_eq!(p.links.len(), 1);
        assert!(p.empty);
    }
}
