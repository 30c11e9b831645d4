use sea_orm::entity::prelude::*;

/// A document of a filing (营业执照, 承诺书, CMA). The file itself is in the blob store under
/// `blob_key`. Rows are never changed: a new upload of a kind supersedes the older one, which is
/// kept.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "filing_attachment")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub org_id: String,
    /// `FilingDocument::as_str`.
    pub kind: String,
    /// SHA-256 of the file (the blob key).
    pub blob_key: String,
    pub file_name: String,
    /// As sniffed from the content, not as the client said.
    pub content_type: String,
    pub size: i64,
    pub uploaded_by: Option<String>,
    pub uploaded_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
