use sea_orm::entity::prelude::*;

/// One problem of a rectification order, and what the agency did about it.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "rectification_problem")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub rectification_id: String,
    pub position: i32,
    /// `ProblemSource::as_str`: record | occurrence | free.
    pub source: String,
    /// The record or missed occurrence it is about; empty for a problem written freely.
    pub source_id: String,
    /// How the source reads on the order (a record's 运维编号 and outlet, an occurrence's outlet,
    /// form type and period).
    pub source_label: String,
    pub description: String,
    /// 整改措施: the agency's answer to this problem.
    pub measures: Option<String>,
    /// The agency's records that show the work (JSON array of record ids).
    pub record_ids: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
