//! Uploaded files (附件): what a file really is, judged by its first bytes and never by its name,
//! and how large it may be.

/// The file types EMSS accepts as evidence and documents.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileType {
    Pdf,
    Jpeg,
    Png,
    /// Word (Office Open XML, `.docx`).
    Docx,
    /// Excel (Office Open XML, `.xlsx`).
    Xlsx,
}

impl FileType {
    /// The type of `bytes` by their signature, or None for anything else.
    pub fn sniff(bytes: &[u8]) -> Option<FileType> {
        if bytes.starts_with(b"%PDF-") {
            Some(FileType::Pdf)
        } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(FileType::Jpeg)
        } else if bytes.starts_with(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]) {
            Some(FileType::Png)
        } else {
            None
        }
    }

    /// A report (上传报告) or a contract's attachment may also be a Word or Excel document: Office
    /// Open XML only, as a well-formed archive holding the document's main part. The old binary
    /// formats are refused: they are how macros travel (macros in the new ones are refused by
    /// [`crate::active_content`]).
    pub fn sniff_with_office(bytes: &[u8]) -> Option<FileType> {
        FileType::sniff(bytes).or_else(|| office_type(bytes))
    }

    pub const ALL: [FileType; 5] = [
        FileType::Pdf,
        FileType::Jpeg,
        FileType::Png,
        FileType::Docx,
        FileType::Xlsx,
    ];

    /// The extension a stored file is given, whatever the uploaded name said.
    pub fn extension(self) -> &'static str {
        match self {
            FileType::Pdf => "pdf",
            FileType::Jpeg => "jpg",
            FileType::Png => "png",
            FileType::Docx => "docx",
            FileType::Xlsx => "xlsx",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            FileType::Pdf => "application/pdf",
            FileType::Jpeg => "image/jpeg",
            FileType::Png => "image/png",
            FileType::Docx => {
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
            }
            FileType::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        }
    }

    /// The type a stored content type names.
    pub fn of_content_type(content_type: &str) -> Option<FileType> {
        FileType::ALL
            .into_iter()
            .find(|t| t.content_type() == content_type)
    }
}

fn office_type(bytes: &[u8]) -> Option<FileType> {
    if !bytes.starts_with(b"PK\x03\x04") {
        return None;
    }
    let archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).ok()?;
    let has = |name: &str| archive.index_for_name(name).is_some();
    if !has("[Content_Types].xml") {
        None
    } else if has("word/document.xml") {
        Some(FileType::Docx)
    } else if has("xl/workbook.xml") {
        Some(FileType::Xlsx)
    } else {
        None
    }
}

/// What active content (scripts, macros, launch actions, embedded files, external references)
/// makes a document unsafe to open, in the words shown next to its field. Parsing a hostile file
/// can exhaust a process, so the server runs this in a process of its own (`emss
/// inspect-document`).
pub fn active_content_problem(bytes: &[u8]) -> Option<&'static str> {
    match FileType::sniff_with_office(bytes)? {
        FileType::Pdf => crate::active_content::pdf_problem(bytes),
        FileType::Docx | FileType::Xlsx => crate::active_content::ooxml_problem(bytes),
        FileType::Jpeg | FileType::Png => None,
    }
}

/// The largest document accepted (a scanned licence or certificate).
pub const MAX_DOCUMENT_BYTES: usize = 10 * 1024 * 1024;

/// What is wrong with an uploaded document, in the words shown next to its field.
pub fn document_problem(bytes: &[u8]) -> Option<&'static str> {
    if bytes.is_empty() {
        Some("文件是空的，请重新选择")
    } else if bytes.len() > MAX_DOCUMENT_BYTES {
        Some("文件不能超过 10 MB")
    } else if FileType::sniff(bytes).is_none() {
        Some("只能上传 PDF、JPG 或 PNG 文件")
    } else {
        None
    }
}

/// What is wrong with an uploaded report (上传报告) or contract attachment, in the words shown next
/// to its field.
pub fn office_file_problem(bytes: &[u8]) -> Option<&'static str> {
    if bytes.is_empty() {
        Some("文件是空的，请重新选择")
    } else if bytes.len() > MAX_DOCUMENT_BYTES {
        Some("文件不能超过 10 MB")
    } else if FileType::sniff_with_office(bytes).is_none() {
        Some("只能上传 PDF、Word（docx）、Excel（xlsx）、JPG 或 PNG 文件")
    } else {
        None
    }
}

/// A file name as shown and offered for download: the last path part of what was uploaded,
/// without control or invisible formatting characters (a right-to-left override can dress
/// `exe` up as `pdf`), at most 100 characters, and always with the extension of its real type.
pub fn clean_file_name(raw: &str, kind: FileType) -> String {
    let last = raw.rsplit(['/', '\\']).next().unwrap_or_default();
    let stem = match last.rsplit_once('.') {
        Some((stem, _)) => stem,
        None => last,
    };
    let cleaned: String = stem
        .chars()
        .filter(|c| !c.is_control() && !is_format_character(*c) && *c != '"')
        .take(90)
        .collect();
    let cleaned = cleaned.trim();
    let stem = if cleaned.is_empty() {
        "附件"
    } else {
        cleaned
    };
    format!("{stem}.{}", kind.extension())
}

/// Unicode format characters (bidirectional overrides, zero-width joiners …).
fn is_format_character(c: char) -> bool {
    matches!(
        c,
        '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2069}' | '\u{FEFF}'
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_content_decides_not_the_name() {
        assert_eq!(FileType::sniff(b"%PDF-1.7\n"), Some(FileType::Pdf));
        assert_eq!(
            FileType::sniff(&[0xFF, 0xD8, 0xFF, 0xE0]),
            Some(FileType::Jpeg)
        );
        assert_eq!(FileType::sniff(b"MZ\x90\x00"), None);
        assert_eq!(
            document_problem(b"MZ\x90\x00"),
            Some("只能上传 PDF、JPG 或 PNG 文件")
        );
        assert_eq!(document_problem(b""), Some("文件是空的，请重新选择"));
        let mut big = pdf();
        big.resize(MAX_DOCUMENT_BYTES + 1, b'\n');
        assert_eq!(document_problem(&big), Some("文件不能超过 10 MB"));
        big.truncate(MAX_DOCUMENT_BYTES);
        assert_eq!(document_problem(&big), None);
        assert_eq!(document_problem(&pdf()), None);
        assert_eq!(active_content_problem(&pdf()), None);
        // A PDF signature on something no reader can open.
        assert!(
            active_content_problem(b"%PDF-1.7\n")
                .unwrap()
                .contains("无法解析")
        );
    }

    /// The smallest well-formed PDF: a catalog, an empty page tree, a correct cross-reference
    /// table.
    fn pdf() -> Vec<u8> {
        crate::active_content::tests::raw_pdf(&[
            "<< /Type /Catalog /Pages 2 0 R >>",
            "<< /Type /Pages /Kids [] /Count 0 >>",
        ])
    }

    /// A package of `parts`, each holding `<Types/>` (so a listed `[Content_Types].xml` declares
    /// nothing unusual).
    fn archive(parts: &[&str]) -> Vec<u8> {
        let mut out = std::io::Cursor::new(Vec::new());
        let mut zip = zip::ZipWriter::new(&mut out);
        let stored = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored);
        for p in parts {
            zip.start_file(*p, stored).unwrap();
            std::io::Write::write_all(&mut zip, b"<Types/>").unwrap();
        }
        zip.finish().unwrap();
        out.into_inner()
    }

    /// A package of `parts` declaring `types`.
    fn archive_with(parts: &[&str], types: &str) -> Vec<u8> {
        let mut out = std::io::Cursor::new(Vec::new());
        let mut zip = zip::ZipWriter::new(&mut out);
        let stored = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored);
        zip.start_file("[Content_Types].xml", stored).unwrap();
        std::io::Write::write_all(&mut zip, types.as_bytes()).unwrap();
        for p in parts {
            zip.start_file(*p, stored).unwrap();
            std::io::Write::write_all(&mut zip, b"<x/>").unwrap();
        }
        zip.finish().unwrap();
        out.into_inner()
    }

    #[test]
    fn reports_may_be_word_or_excel_but_never_with_macros() {
        let docx = archive(&["[Content_Types].xml", "word/document.xml"]);
        assert_eq!(FileType::sniff_with_office(&docx), Some(FileType::Docx));
        assert_eq!(FileType::sniff(&docx), None, "not a filing document");
        let xlsx = archive(&["[Content_Types].xml", "xl/workbook.xml"]);
        assert_eq!(FileType::sniff_with_office(&xlsx), Some(FileType::Xlsx));
        // The macro part renamed: the package still declares it.
        let docm = archive_with(
            &["word/document.xml", "word/renamed.bin"],
            r#"<Types><Override PartName="/word/renamed.bin" ContentType="application/vnd.ms-office.vbaProject"/></Types>"#,
        );
        assert_eq!(office_file_problem(&docm), None, "a well-formed package");
        assert!(active_content_problem(&docm).unwrap().contains("宏"));
        // A zip that is no Office document, and a truncated one.
        assert_eq!(FileType::sniff_with_office(&archive(&["a.txt"])), None);
        assert_eq!(FileType::sniff_with_office(&docx[..docx.len() / 2]), None);
        // The old binary formats (OLE compound files) are refused.
        assert_eq!(
            FileType::sniff_with_office(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]),
            None
        );
        assert_eq!(office_file_problem(&pdf()), None);
        assert_eq!(
            FileType::of_content_type(FileType::Xlsx.content_type()),
            Some(FileType::Xlsx)
        );
    }

    #[test]
    fn file_names_lose_paths_quotes_and_disguises() {
        use FileType::*;
        assert_eq!(
            clean_file_name("C:\\扫描\\营业执照.pdf", Pdf),
            "营业执照.pdf"
        );
        assert_eq!(clean_file_name("../../a\"b.pdf", Pdf), "ab.pdf");
        assert_eq!(clean_file_name("  ", Png), "附件.png");
        // The real type decides the extension; a disguised name loses its disguise.
        assert_eq!(clean_file_name("营业执照.bat", Pdf), "营业执照.pdf");
        assert_eq!(clean_file_name("scan\u{202E}fdp.exe", Jpeg), "scanfdp.jpg");
    }
}
