use sea_orm::entity::prelude::*;

/// An evidence image (工作照, 现场照片, 签名) as stored: re-encoded, with the hashes of its
/// picture. Rows are never changed.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "evidence")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    /// `work_photo` | `evidence_photo` | `signature`.
    pub kind: String,
    /// The uploader's organisation.
    pub org_id: String,
    pub uploaded_by: String,
    /// SHA-256 of the stored (re-encoded) file.
    pub blob_key: String,
    pub content_type: String,
    pub width: i32,
    pub height: i32,
    pub size: i64,
    /// SHA-256 of the decoded pixels.
    pub pixels_sha256: String,
    /// Perceptual hash, base64.
    pub perceptual_hash: String,
    pub uploaded_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
