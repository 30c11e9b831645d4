use sea_orm::entity::prelude::*;

/// An indicator system (评价指标体系) of one kind: the draft the city edits, or a published
/// version, which is never changed.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "credit_system")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    /// `maintenance` | `testing`.
    pub kind: String,
    /// A draft carries the version it will be published as.
    pub version: i32,
    /// `draft` | `published`.
    pub state: String,
    pub name: String,
    /// The document as written (TOML).
    pub document: String,
    pub updated_by: String,
    pub updated_at: DateTimeUtc,
    pub published_by: Option<String>,
    pub published_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
