use sea_orm::entity::prelude::*;

/// A finding of an inspection (检查发现), about a record, an occurrence, an instrument, the
/// agency's staff or equipment, with a severity. Rows are never changed.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "inspection_finding")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub inspection_id: String,
    pub position: i32,
    /// `record` | `occurrence` | `instrument` | `staff` | `equipment` | `other`.
    pub subject: String,
    /// The id of what it is about; empty for `other`.
    pub subject_id: String,
    /// How that reads (a record's 运维编号, an instrument's name).
    pub subject_text: String,
    /// `minor` | `major` | `serious`.
    pub severity: String,
    pub description: String,
    pub created_by: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
