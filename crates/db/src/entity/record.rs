use sea_orm::entity::prelude::*;

/// A maintenance record (运维记录). Drafts change; from submission on only its state moves
/// (confirmed, approved or voided) and the fields of those steps fill in.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "record")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    /// 运维编号.
    pub number: String,
    pub task_id: String,
    /// Copied from the task and the enterprise, so scoped lists need no join.
    pub agency_id: String,
    pub enterprise_id: String,
    pub district_code: String,
    pub outlet_id: String,
    pub form_code: String,
    pub form_version: i32,
    /// JSON array of instrument ids, in the order chosen.
    pub instrument_ids: String,
    /// JSON object: instrument id → the version of its record at check-in.
    pub instrument_versions: String,
    /// JSON object: a draft's fields as typed; once submitted, as evaluated (computed values in).
    pub fields: String,
    /// JSON array of judged verdicts (empty for a draft).
    pub verdicts: String,
    /// A verdict failed (不合格 / 失控).
    pub failed: bool,
    /// At least one flag was raised.
    pub flagged: bool,
    /// `draft` | `submitted` | `confirmed` | `approved` | `voided`.
    pub state: String,
    pub filer_id: String,
    pub filer_name: String,
    /// The day of the visit (Asia/Shanghai, by the check-in).
    pub visit_date: Date,
    pub check_in_lat: String,
    pub check_in_lon: String,
    pub check_in_accuracy_m: String,
    /// The phone's time.
    pub check_in_at: DateTimeUtc,
    /// When the phone sent it, for a check-in made offline.
    pub check_in_sent_at: Option<DateTimeUtc>,
    pub check_in_server_at: DateTimeUtc,
    pub check_out_lat: Option<String>,
    pub check_out_lon: Option<String>,
    pub check_out_accuracy_m: Option<String>,
    pub check_out_at: Option<DateTimeUtc>,
    pub check_out_sent_at: Option<DateTimeUtc>,
    pub check_out_server_at: Option<DateTimeUtc>,
    /// The due occurrence it fulfils, if it was planned.
    pub occurrence_id: Option<String>,
    pub submitted_at: Option<DateTimeUtc>,
    pub confirmed_by: Option<String>,
    pub confirmed_by_name: Option<String>,
    pub confirmed_at: Option<DateTimeUtc>,
    pub reviewed_by: Option<String>,
    pub reviewed_by_name: Option<String>,
    pub reviewed_at: Option<DateTimeUtc>,
    pub void_reason: Option<String>,
    /// The reviewer's acknowledgement of a failed or 失控 verdict, given when approving.
    pub acknowledgement: Option<String>,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
