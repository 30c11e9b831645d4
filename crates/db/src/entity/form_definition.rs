use sea_orm::entity::prelude::*;

/// One published version of a form type: the definition file as published, never changed.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "form_definition")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub code: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub version: i32,
    pub name: String,
    pub outlet_kind: String,
    /// The TOML text, exactly as published.
    pub source: String,
    /// Hex SHA-256 of `source`.
    pub sha256: String,
    pub published_at: DateTimeUtc,
    /// The publishing account; None for versions shipped with EMSS.
    pub published_by: Option<String>,
    pub note: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
