//! 现场照片与签名 (evidence images, FILE-01/02/06): a work photo, an evidence photo or a drawn
//! signature is judged by its bytes, decoded in full under pixel and memory limits, and stored
//! re-encoded — so what is kept is pixels only: no EXIF (GPS included), no trailing payload, no
//! polyglot. Beside it go the SHA-256 of the decoded pixels and a perceptual hash, with which the
//! field loop is to flag a photo reused on another record even when re-saved at another quality
//! (the comparison comes with the records).

use crate::audit::{self, Outcome};
use crate::filing::Upload;
use crate::idempotency::{self, Keyed};
use crate::{App, AppError};
use chrono::{DateTime, Utc};
use emss_db::entity::evidence;
use emss_db::repo;
use emss_domain::attachment::FileType;
use emss_domain::{Actor, ErrorCode, Permission};
use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, Limits};
use image_hasher::{HashAlg, HasherConfig, ImageHash};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::io::Cursor;
use tokio::sync::Semaphore;

/// Pictures decoded at once: a 40-megapixel photo takes a few hundred MB while it is decoded,
/// re-encoded and hashed, so uploads queue here rather than together (REL-08).
static DECODING: Semaphore = Semaphore::const_new(2);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EvidenceKind {
    /// 工作照: the filer's face at the outlet, taken with the camera.
    WorkPhoto,
    /// 现场照片: what was seen or done.
    EvidencePhoto,
    /// 签名: drawn on the screen.
    Signature,
}

impl EvidenceKind {
    pub const ALL: [EvidenceKind; 3] = [
        EvidenceKind::WorkPhoto,
        EvidenceKind::EvidencePhoto,
        EvidenceKind::Signature,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EvidenceKind::WorkPhoto => "work_photo",
            EvidenceKind::EvidencePhoto => "evidence_photo",
            EvidenceKind::Signature => "signature",
        }
    }

    pub fn parse(s: &str) -> Option<EvidenceKind> {
        EvidenceKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            EvidenceKind::WorkPhoto => "工作照",
            EvidenceKind::EvidencePhoto => "现场照片",
            EvidenceKind::Signature => "签名",
        }
    }

    fn is_photo(self) -> bool {
        self != EvidenceKind::Signature
    }

    /// FILE-01: photos up to 10 MiB, signatures up to 1 MiB.
    pub fn max_bytes(self) -> usize {
        if self.is_photo() {
            10 * 1024 * 1024
        } else {
            1024 * 1024
        }
    }

    /// FILE-01: photos up to 40 megapixels, signatures up to 4.
    fn max_pixels(self) -> u64 {
        if self.is_photo() {
            40_000_000
        } else {
            4_000_000
        }
    }
}

/// A photo's short side must show a face and a meter: at least this many pixels.
pub const MIN_PHOTO_SIDE: u32 = 480;

/// No side longer than this is decoded at all (a 50 000 × 50 000 header in a few KB is refused
/// before any pixel memory is taken).
const MAX_SIDE: u32 = 20_000;

/// An image as it is stored.
#[derive(Debug, Clone)]
pub struct Evidence {
    /// Re-encoded: JPEG for photos, PNG for signatures.
    pub bytes: Vec<u8>,
    pub file_type: FileType,
    pub width: u32,
    pub height: u32,
    /// SHA-256 of the decoded pixels (with the size): the same pixels in any lossless container;
    /// a JPEG re-saved changes its pixels — that takes the perceptual hash.
    pub pixels_sha256: String,
    /// Perceptual hash (gradient, 8 × 8), base64: near-identical pictures differ in few bits.
    pub perceptual_hash: String,
}

/// Checks, decodes and re-encodes an uploaded image. CPU-bound: run it on the blocking pool,
/// holding a `DECODING` permit.
pub fn process(kind: EvidenceKind, bytes: &[u8]) -> Result<Evidence, &'static str> {
    if bytes.is_empty() {
        return Err("文件是空的，请重新选择");
    }
    if bytes.len() > kind.max_bytes() {
        return Err(if kind.is_photo() {
            "照片不能超过 10 MB"
        } else {
            "签名不能超过 1 MB"
        });
    }
    let format = match (FileType::sniff(bytes), kind.is_photo()) {
        (Some(FileType::Jpeg), true) => ImageFormat::Jpeg,
        (Some(FileType::Png), _) => ImageFormat::Png,
        (_, true) => return Err("只能上传 JPG 或 PNG 照片"),
        (_, false) => return Err("签名须为 PNG 图片"),
    };
    if format == ImageFormat::Jpeg && !jpeg_complete(bytes) {
        return Err("图片已损坏或不完整，请重新拍摄");
    }
    let (width, height) = ImageReader::with_format(Cursor::new(bytes), format)
        .into_dimensions()
        .map_err(|_| "图片已损坏或不完整，请重新拍摄")?;
    if width > MAX_SIDE
        || height > MAX_SIDE
        || u64::from(width) * u64::from(height) > kind.max_pixels()
    {
        return Err(if kind.is_photo() {
            "照片像素过大（不能超过 4000 万像素）"
        } else {
            "签名图片过大（不能超过 400 万像素）"
        });
    }
    if kind.is_photo() && width.min(height) < MIN_PHOTO_SIDE {
        return Err("照片太小（短边至少 480 像素），请用相机重新拍摄");
    }
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    // The decoder's output (four bytes a pixel at most) and its working buffers; the copies made
    // after decoding are bounded by the pixel limit above and by `DECODING`.
    limits.max_alloc = Some(kind.max_pixels() * 8);
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    reader.limits(limits);
    let broken = |_| "图片已损坏或不完整，请重新拍摄";
    let mut decoder = reader.into_decoder().map_err(broken)?;
    // A phone held upright writes the turn into EXIF; the stored picture has no EXIF, so the turn
    // is applied to the pixels.
    let orientation = decoder.orientation().map_err(broken)?;
    let mut image = DynamicImage::from_decoder(decoder).map_err(broken)?;
    image.apply_orientation(orientation);
    let (width, height) = (image.width(), image.height());
    let perceptual_hash = perceptual(&image).to_base64();
    let mut digest = Sha256::new();
    digest.update(width.to_be_bytes());
    digest.update(height.to_be_bytes());
    let mut out = Cursor::new(Vec::new());
    let file_type = if kind.is_photo() {
        let rgb = image.into_rgb8();
        digest.update(rgb.as_raw());
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 90)
            .encode_image(&rgb)
            .map_err(|_| "图片无法保存，请重新拍摄")?;
        FileType::Jpeg
    } else {
        let rgba = image.into_rgba8();
        digest.update(rgba.as_raw());
        rgba.write_to(&mut out, ImageFormat::Png)
            .map_err(|_| "签名无法保存，请重新签名")?;
        FileType::Png
    };
    Ok(Evidence {
        bytes: out.into_inner(),
        file_type,
        width,
        height,
        pixels_sha256: hex::encode(digest.finalize()),
        perceptual_hash,
    })
}

/// Whether a JPEG holds its primary picture up to its end-of-image marker: the markers are
/// walked from the start, each segment skipped by its length and each scan's entropy-coded data
/// read through, so a file cut short is refused (the decoder would fill the missing part with
/// grey) while whatever follows the picture — a motion photo's video, a second image — is left
/// alone (and not stored).
fn jpeg_complete(bytes: &[u8]) -> bool {
    let mut i = 2; // after SOI
    loop {
        // Markers may be preceded by fill bytes.
        while bytes.get(i) == Some(&0xFF) && bytes.get(i + 1) == Some(&0xFF) {
            i += 1;
        }
        let (Some(&0xFF), Some(&marker)) = (bytes.get(i), bytes.get(i + 1)) else {
            return false;
        };
        i += 2;
        match marker {
            0xD9 => return true,
            0x01 | 0xD0..=0xD7 => continue,
            _ => {
                let Some(len) = bytes
                    .get(i..i + 2)
                    .map(|l| usize::from(u16::from_be_bytes([l[0], l[1]])))
                else {
                    return false;
                };
                i += len;
                if marker == 0xDA {
                    // Entropy-coded data runs to the next marker that is neither a stuffed
                    // byte nor a restart.
                    loop {
                        match (bytes.get(i), bytes.get(i + 1)) {
                            (Some(&0xFF), Some(&(0x00 | 0xD0..=0xD7))) => i += 2,
                            (Some(&0xFF), Some(_)) => break,
                            (Some(_), _) => i += 1,
                            (None, _) => return false,
                        }
                    }
                }
            }
        }
    }
}

fn perceptual(image: &DynamicImage) -> ImageHash {
    HasherConfig::new()
        .hash_alg(HashAlg::Gradient)
        .hash_size(8, 8)
        .to_hasher()
        .hash_image(image)
}

/// How many of the 64 bits two perceptual hashes differ in; None when one is not a hash.
pub fn perceptual_distance(a: &str, b: &str) -> Option<u32> {
    let a = ImageHash::<Box<[u8]>>::from_base64(a).ok()?;
    let b = ImageHash::<Box<[u8]>>::from_base64(b).ok()?;
    Some(a.dist(&b))
}

/// At or under this many differing bits two photos are taken to be the same picture.
pub const SAME_PICTURE_BITS: u32 = 6;

/// An evidence image as the API shows it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EvidenceView {
    pub id: String,
    pub kind: String,
    pub content_type: String,
    pub width: i32,
    pub height: i32,
    pub size: i64,
    /// SHA-256 of the stored file.
    pub sha256: String,
    pub uploaded_at: DateTime<Utc>,
}

fn view(e: evidence::Model) -> EvidenceView {
    EvidenceView {
        id: e.id,
        kind: e.kind,
        content_type: e.content_type,
        width: e.width,
        height: e.height,
        size: e.size,
        sha256: e.blob_key,
        uploaded_at: e.uploaded_at,
    }
}

/// Takes an uploaded photo or signature: checked and re-encoded on the blocking pool, stored by
/// hash, seen by its uploader until the field loop attaches it to a record. With `for_draft`, the
/// upload belongs to that record and is taken only while it is the actor's own draft — checked
/// after a retry's first answer is looked up, so a retry after the record's submission still
/// gets that answer.
pub async fn upload(
    app: &App,
    actor: &Actor,
    for_draft: Option<&str>,
    kind: &str,
    file: Option<Upload>,
    keyed: Option<&Keyed>,
) -> Result<EvidenceView, AppError> {
    if !Permission::FileEvidence.allows(Some(actor)) {
        return Err(AppError::new(ErrorCode::Forbidden));
    }
    idempotency::once(app, actor, keyed, || async move {
        if let Some(record) = for_draft {
            crate::records::draft_of(app, actor, record).await?;
        }
        store(app, actor, kind, file, keyed).await
    })
    .await
}

async fn store(
    app: &App,
    actor: &Actor,
    kind: &str,
    file: Option<Upload>,
    keyed: Option<&Keyed>,
) -> Result<EvidenceView, AppError> {
    let kind = EvidenceKind::parse(kind.trim())
        .ok_or_else(|| AppError::field("kind", "附件类型只能是工作照、现场照片或签名"))?;
    let file = file.ok_or_else(|| AppError::field("file", "请选择要上传的图片"))?;
    let permit = DECODING.acquire().await.map_err(AppError::internal)?;
    let processed = tokio::task::spawn_blocking(move || process(kind, &file.bytes))
        .await
        .map_err(AppError::internal)?
        .map_err(|problem| AppError::field("file", problem))?;
    drop(permit);
    let model = stored(app, processed, kind, (&actor.account_id, &actor.org_id)).await?;
    let txn = app.db().begin_write().await?;
    repo::evidence::insert(&txn, model.clone()).await?;
    audit::record(
        &txn,
        app,
        Some(actor),
        "evidence.upload",
        Some(("evidence", &model.id)),
        Outcome::Ok,
        serde_json::json!({"kind": model.kind, "sha256": model.blob_key,
            "width": model.width, "height": model.height}),
    )
    .await?;
    let answer = view(model);
    idempotency::keep(&txn, app, actor, keyed, &answer).await?;
    txn.commit().await?;
    Ok(answer)
}

/// Puts a processed image's file in the blob store; the row to insert describes it.
async fn stored(
    app: &App,
    processed: Evidence,
    kind: EvidenceKind,
    (uploaded_by, org_id): (&str, &str),
) -> Result<evidence::Model, AppError> {
    let size = i64::try_from(processed.bytes.len()).map_err(AppError::internal)?;
    let key = app
        .blobs()
        .put(processed.bytes)
        .await
        .map_err(AppError::internal)?;
    Ok(evidence::Model {
        id: emss_domain::ids::new_id(),
        kind: kind.as_str().to_string(),
        org_id: org_id.to_string(),
        uploaded_by: uploaded_by.to_string(),
        blob_key: key.to_string(),
        content_type: processed.file_type.content_type().to_string(),
        width: i32::try_from(processed.width).map_err(AppError::internal)?,
        height: i32::try_from(processed.height).map_err(AppError::internal)?,
        size,
        pixels_sha256: processed.pixels_sha256,
        perceptual_hash: processed.perceptual_hash,
        uploaded_at: app.now(),
    })
}

/// Stores a generated image for the demo records, checked and re-encoded like any upload.
pub(crate) async fn store_generated(
    db: &impl sea_orm::ConnectionTrait,
    app: &App,
    kind: EvidenceKind,
    bytes: &[u8],
    (uploaded_by, org_id): (&str, &str),
) -> Result<evidence::Model, AppError> {
    let processed = process(kind, bytes).map_err(AppError::internal)?;
    let model = stored(app, processed, kind, (uploaded_by, org_id)).await?;
    repo::evidence::insert(db, model.clone()).await?;
    Ok(model)
}

/// An image's bytes for the one who uploaded it and for everyone who may see a record carrying
/// it; 404 for anyone else. Every view is audited: who looked at whose face or signature.
pub async fn file(app: &App, actor: &Actor, id: &str) -> Result<(EvidenceView, Vec<u8>), AppError> {
    if !(Permission::FileEvidence.allows(Some(actor))
        || Permission::ViewRecords.allows(Some(actor)))
    {
        return Err(AppError::new(ErrorCode::NotFound));
    }
    let db = &app.db().conn;
    let found = repo::evidence::get(db, id)
        .await?
        .ok_or(AppError::new(ErrorCode::NotFound))?;
    if found.uploaded_by != actor.account_id
        && !repo::record::evidence_visible(db, &actor.scope(), &actor.account_id, id).await?
    {
        return Err(AppError::new(ErrorCode::NotFound));
    }
    let key = emss_db::blob::BlobKey::parse(&found.blob_key)
        .ok_or_else(|| AppError::internal("a stored image has a malformed key"))?;
    let bytes = app
        .blobs()
        .get(&key)
        .await
        .map_err(AppError::internal)?
        .ok_or_else(|| AppError::internal(format!("image file {key} is missing")))?;
    audit::record_alone(
        app,
        Some(actor),
        "evidence.view",
        Some(("evidence", &found.id)),
        Outcome::Ok,
        serde_json::json!({"kind": found.kind, "uploaded_by": found.uploaded_by}),
    )
    .await?;
    Ok((view(found), bytes))
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::{ImageEncoder, Rgb, RgbImage};

    /// A photo-like picture: gradients and a few shapes, so its hash has something to say.
    fn picture(w: u32, h: u32, seed: u32) -> RgbImage {
        RgbImage::from_fn(w, h, |x, y| {
            let r = ((x * 255) / w) as u8;
            let g = ((y * 255) / h) as u8;
            let b = if (x / 60 + y / 45 + seed).is_multiple_of(3) {
                200
            } else {
                40
            };
            Rgb([r, g, b])
        })
    }

    fn jpeg(img: &RgbImage, quality: u8) -> Vec<u8> {
        let mut out = Cursor::new(Vec::new());
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, quality)
            .encode_image(img)
            .unwrap();
        out.into_inner()
    }

    fn png(img: &RgbImage) -> Vec<u8> {
        let mut out = Cursor::new(Vec::new());
        img.write_to(&mut out, ImageFormat::Png).unwrap();
        out.into_inner()
    }

    #[test]
    fn photos_are_stored_re_encoded_without_what_rode_along() {
        let mut bytes = jpeg(&picture(640, 480, 0), 92);
        // An EXIF block with a GPS tag right after SOI, and a zip archive after EOI.
        let exif = b"\xFF\xE1\x00\x14Exif\x00\x00MM\x00\x2A\x00\x00\x00\x08GPS!";
        bytes.splice(2..2, exif.iter().copied());
        bytes.extend_from_slice(b"PK\x03\x04 a polyglot payload");
        let e = process(EvidenceKind::WorkPhoto, &bytes).unwrap();
        assert_eq!((e.width, e.height, e.file_type), (640, 480, FileType::Jpeg));
        let stored = e.bytes.windows(4);
        assert!(!e.bytes.windows(4).any(|w| w == b"Exif"));
        assert!(!stored.into_iter().any(|w| w == b"PK\x03\x04"));
        assert_eq!(FileType::sniff(&e.bytes), Some(FileType::Jpeg));
    }

    #[test]
    fn the_same_picture_resaved_is_recognised() {
        let a = process(
            EvidenceKind::EvidencePhoto,
            &jpeg(&picture(800, 600, 1), 95),
        )
        .unwrap();
        let b = process(
            EvidenceKind::EvidencePhoto,
            &jpeg(&picture(800, 600, 1), 60),
        )
        .unwrap();
        let checkerboard = RgbImage::from_fn(800, 600, |x, y| {
            if (x / 100 + y / 100).is_multiple_of(2) {
                Rgb([230, 230, 230])
            } else {
                Rgb([20, 20, 20])
            }
        });
        let c = process(EvidenceKind::EvidencePhoto, &jpeg(&checkerboard, 95)).unwrap();
        let same = perceptual_distance(&a.perceptual_hash, &b.perceptual_hash).unwrap();
        let other = perceptual_distance(&a.perceptual_hash, &c.perceptual_hash).unwrap();
        assert!(same <= SAME_PICTURE_BITS, "re-saved: {same} bits apart");
        assert!(
            other > SAME_PICTURE_BITS,
            "another picture: {other} bits apart"
        );
        // The same pixels in two different PNG files are the same pixels.
        let pixels = picture(640, 480, 3);
        let mut fast = Cursor::new(Vec::new());
        image::codecs::png::PngEncoder::new_with_quality(
            &mut fast,
            image::codecs::png::CompressionType::Fast,
            image::codecs::png::FilterType::NoFilter,
        )
        .write_image(pixels.as_raw(), 640, 480, image::ExtendedColorType::Rgb8)
        .unwrap();
        let fast = fast.into_inner();
        let best = png(&pixels);
        assert_ne!(fast, best);
        let x = process(EvidenceKind::WorkPhoto, &fast).unwrap();
        let y = process(EvidenceKind::WorkPhoto, &best).unwrap();
        assert_eq!(x.pixels_sha256, y.pixels_sha256);
    }

    #[test]
    fn an_upright_phone_photo_is_stored_upright() {
        // EXIF Orientation 6: the camera was turned a quarter clockwise.
        let mut bytes = jpeg(&picture(800, 600, 0), 90);
        let exif: &[u8] = b"\xFF\xE1\x00\x22Exif\x00\x00MM\x00\x2A\x00\x00\x00\x08\x00\x01\x01\x12\x00\x03\x00\x00\x00\x01\x00\x06\x00\x00\x00\x00\x00\x00";
        bytes.splice(2..2, exif.iter().copied());
        let e = process(EvidenceKind::WorkPhoto, &bytes).unwrap();
        assert_eq!((e.width, e.height), (600, 800));
    }

    #[test]
    fn a_motion_photo_keeps_its_picture_and_loses_its_video() {
        let mut bytes = jpeg(&picture(640, 480, 0), 90);
        // A video after the picture, with marker-like bytes in it.
        bytes.extend_from_slice(b"\x00\x00\x00\x18ftypmp42\xFF\xDA\x00\x08 video data");
        let e = process(EvidenceKind::EvidencePhoto, &bytes).unwrap();
        assert!(!e.bytes.windows(4).any(|w| w == b"ftyp"));
    }

    #[test]
    fn limits_hold_at_their_edges() {
        let ok = process(EvidenceKind::WorkPhoto, &jpeg(&picture(480, 640, 0), 80));
        assert!(ok.is_ok());
        assert_eq!(
            process(EvidenceKind::WorkPhoto, &jpeg(&picture(479, 640, 0), 80)).unwrap_err(),
            "照片太小（短边至少 480 像素），请用相机重新拍摄"
        );
        assert_eq!(
            process(EvidenceKind::Signature, &jpeg(&picture(600, 300, 0), 80)).unwrap_err(),
            "签名须为 PNG 图片"
        );
        assert!(process(EvidenceKind::Signature, &png(&picture(600, 300, 0))).is_ok());
        assert_eq!(
            process(EvidenceKind::WorkPhoto, b"GIF89a....").unwrap_err(),
            "只能上传 JPG 或 PNG 照片"
        );
        let whole = jpeg(&picture(640, 480, 0), 90);
        assert_eq!(
            process(EvidenceKind::WorkPhoto, &whole[..whole.len() / 3]).unwrap_err(),
            "图片已损坏或不完整，请重新拍摄"
        );
        let mut big = whole.clone();
        big.resize(EvidenceKind::WorkPhoto.max_bytes() + 1, 0);
        assert_eq!(
            process(EvidenceKind::WorkPhoto, &big).unwrap_err(),
            "照片不能超过 10 MB"
        );
    }

    #[test]
    fn a_pixel_flood_is_refused_before_decoding() {
        // A real 8 × 8 PNG whose header claims 50 000 × 50 000 pixels.
        let mut bytes = png(&picture(8, 8, 0));
        bytes[16..20].copy_from_slice(&50_000u32.to_be_bytes());
        bytes[20..24].copy_from_slice(&50_000u32.to_be_bytes());
        let crc = crc32fast::hash(&bytes[12..29]);
        bytes[29..33].copy_from_slice(&crc.to_be_bytes());
        assert_eq!(
            process(EvidenceKind::EvidencePhoto, &bytes).unwrap_err(),
            "照片像素过大（不能超过 4000 万像素）"
        );
    }
}
