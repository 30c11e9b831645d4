use sea_orm::entity::prelude::*;

/// A change request (信息变更申请) for something already approved: what the applicant proposes,
/// and the reviewer's decision. Nothing changes until it is approved.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "change_request")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    /// What it changes: `filing` (contracts and tasks follow).
    pub subject_kind: String,
    pub subject_id: String,
    /// The organisation that asked.
    pub org_id: String,
    /// `ChangeState::as_str`.
    pub state: String,
    /// JSON of the proposed values as they will be stored (personal data sealed).
    pub proposed: String,
    /// JSON list of `{field, label, before, after}` for the reviewer (personal data masked).
    pub changes: String,
    /// 变更原因.
    pub reason: String,
    /// The subject's version the proposal was made against.
    pub base_version: i32,
    pub requested_by: String,
    pub requested_at: DateTimeUtc,
    pub decided_by: Option<String>,
    pub decided_at: Option<DateTimeUtc>,
    pub decision_comment: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
