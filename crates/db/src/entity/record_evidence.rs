use sea_orm::entity::prelude::*;

/// An evidence image a record carries, and in which role: the filer's `work_photo`, `signature`
/// and `evidence_photo` (with the form field it fills), the enterprise's `confirm_photo` and
/// `confirm_signature`, the reviewer's `review_signature` and `review_photo`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "record_evidence")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub record_id: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub evidence_id: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub role: String,
    /// The form field of an evidence photo; empty for the other roles.
    pub field_path: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
