//! Reading an uploaded table (CSV or XLSX) into rows of text, the header row first. What the rows
//! mean is the caller's business; here only the file format is checked.

use calamine::{Data, Reader, Xlsx, open_workbook_from_rs};
use std::io::Cursor;

/// The most data rows one import may hold.
pub const MAX_ROWS: usize = 5_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Xlsx,
}

impl Format {
    /// By content: XLSX files are ZIP archives; anything else must be UTF-8 CSV.
    pub fn sniff(bytes: &[u8]) -> Format {
        if bytes.starts_with(b"PK\x03\x04") {
            Format::Xlsx
        } else {
            Format::Csv
        }
    }
}

/// Where each of `expected` is in the header row, or a message naming the missing and the
/// unknown columns and the header expected.
pub fn column_positions(header: &[String], expected: &[&str]) -> Result<Vec<usize>, String> {
    let missing: Vec<&str> = expected
        .iter()
        .filter(|c| !header.iter().any(|h| h == *c))
        .copied()
        .collect();
    let unknown: Vec<&str> = header
        .iter()
        .filter(|h| !h.is_empty() && !expected.contains(&h.as_str()))
        .map(String::as_str)
        .collect();
    if !missing.is_empty() || !unknown.is_empty() {
        let mut parts = Vec::new();
        if !missing.is_empty() {
            parts.push(format!("缺少列：{}", missing.join("、")));
        }
        if !unknown.is_empty() {
            parts.push(format!("无法识别的列：{}", unknown.join("、")));
        }
        return Err(format!(
            "{}。第一行应为：{}",
            parts.join("；"),
            expected.join("、")
        ));
    }
    Ok(expected
        .iter()
        .map(|c| header.iter().position(|h| h == c).unwrap_or(0))
        .collect())
}

/// The table's rows; empty rows are dropped but row numbers (1-based, header = 1) are kept.
pub fn read(bytes: &[u8]) -> Result<Vec<(usize, Vec<String>)>, String> {
    let rows = match Format::sniff(bytes) {
        Format::Xlsx => read_xlsx(bytes)?,
        Format::Csv => read_csv(bytes)?,
    };
    let rows: Vec<(usize, Vec<String>)> = rows
        .into_iter()
        .enumerate()
        .map(|(i, r)| {
            (
                i + 1,
                r.into_iter()
                    .map(|c| c.trim().to_string())
                    .collect::<Vec<_>>(),
            )
        })
        .filter(|(_, r)| r.iter().any(|c| !c.is_empty()))
        .collect();
    if rows.len() > MAX_ROWS + 1 {
        return Err(format!("一次最多导入 {MAX_ROWS} 行"));
    }
    if rows.is_empty() {
        return Err("文件是空的".into());
    }
    Ok(rows)
}

fn read_csv(bytes: &[u8]) -> Result<Vec<Vec<String>>, String> {
    let text = std::str::from_utf8(bytes)
        .map_err(|_| "文件不是 UTF-8 编码的 CSV，也不是 XLSX 表格".to_string())?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| format!("CSV 格式有误：{e}"))?;
        rows.push(record.iter().map(str::to_string).collect());
    }
    Ok(rows)
}

/// The widest sheet an import reads: no import has this many columns.
const MAX_COLUMNS: u32 = 64;

/// Reads the first sheet cell by cell, refusing a sheet larger than an import can be before
/// anything is laid out (a file naming cell XFD1048576 must not allocate that grid).
fn read_xlsx(bytes: &[u8]) -> Result<Vec<Vec<String>>, String> {
    let mut book: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes))
        .map_err(|_| "无法读取 XLSX 文件，请用 Excel 另存为 .xlsx 后重试".to_string())?;
    let first = book
        .sheet_names()
        .first()
        .cloned()
        .ok_or_else(|| "XLSX 文件没有工作表".to_string())?;
    let mut cells = book
        .worksheet_cells_reader(&first)
        .map_err(|_| "无法读取第一个工作表".to_string())?;
    let max_row = u32::try_from(MAX_ROWS).unwrap_or(u32::MAX);
    let mut rows: Vec<Vec<String>> = Vec::new();
    while let Some(cell) = cells
        .next_cell()
        .map_err(|_| "无法读取第一个工作表".to_string())?
    {
        let (row, col) = cell.get_position();
        if row > max_row {
            return Err(format!("表格超过 {MAX_ROWS} 行，请分批导入"));
        }
        if col >= MAX_COLUMNS {
            return Err(format!("表格超过 {MAX_COLUMNS} 列，请只保留导入所需的列"));
        }
        let (row, col) = (row as usize, col as usize);
        if rows.len() <= row {
            rows.resize_with(row + 1, Vec::new);
        }
        let cells_of_row = &mut rows[row];
        if cells_of_row.len() <= col {
            cells_of_row.resize(col + 1, String::new());
        }
        cells_of_row[col] = cell_text(&Data::from(cell.get_value().clone()));
    }
    Ok(rows)
}

/// A cell as the user sees it: numbers without a trailing ".0", dates as YYYY-MM-DD.
fn cell_text(cell: &Data) -> String {
    match cell {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) => {
            if f.fract() == 0.0 && f.abs() < 1e15 {
                format!("{f:.0}")
            } else {
                f.to_string()
            }
        }
        Data::Bool(b) => if *b { "是" } else { "否" }.to_string(),
        Data::DateTime(d) => d
            .as_datetime()
            .map(|t| t.date().format("%Y-%m-%d").to_string())
            .unwrap_or_default(),
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.chars().take(10).collect(),
        Data::Error(_) => "#错误".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_with_bom_quotes_and_empty_rows() {
        let rows = read("\u{feff}a,b\n\"1,5\",x\n,\n2,y\n".as_bytes()).unwrap();
        assert_eq!(
            rows,
            vec![
                (1, vec!["a".to_string(), "b".to_string()]),
                (2, vec!["1,5".to_string(), "x".to_string()]),
                (4, vec!["2".to_string(), "y".to_string()]),
            ]
        );
        assert!(read(&[0xff, 0xfe, 0x00]).unwrap_err().contains("UTF-8"));
        assert_eq!(read(b"").unwrap_err(), "文件是空的");
        assert!(read(b"PK\x03\x04garbage").unwrap_err().contains("XLSX"));
    }
}
