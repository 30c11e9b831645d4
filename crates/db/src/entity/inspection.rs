use sea_orm::entity::prelude::*;

/// A supervisory inspection (监督检查) of an agency's work at an enterprise's outlet.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "inspection")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    /// `on_site` | `comparison` | `document`.
    pub kind: String,
    /// `planned` | `done`.
    pub state: String,
    /// 检查日期: planned or held.
    pub inspected_on: Date,
    /// The regulator that inspects.
    pub inspector_org_id: String,
    /// JSON array of the inspectors' account ids.
    pub inspectors: String,
    pub agency_id: String,
    pub enterprise_id: String,
    /// The enterprise's district, so scoped lists need no join.
    pub district_code: String,
    pub outlet_id: String,
    pub task_id: Option<String>,
    /// What it was started from: `record` | `occurrence` | `fault_period` | `none`.
    pub origin: String,
    /// That record's, occurrence's or period's id; empty for `none`.
    pub origin_id: String,
    pub checklist_version: i32,
    /// JSON array of the checklist items as they read, with answers and notes.
    pub checklist: String,
    /// 检查情况.
    pub summary: String,
    pub created_by: String,
    pub completed_by: Option<String>,
    pub completed_at: Option<DateTimeUtc>,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
