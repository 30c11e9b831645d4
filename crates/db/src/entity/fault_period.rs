use sea_orm::entity::prelude::*;

/// A 失控时段, or a failed result awaiting its follow-up, at an instrument and parameter
/// (both empty: the outlet as a whole) for one form type.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "fault_period")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    /// `out_of_control` | `failed`.
    pub kind: String,
    /// `open` | `closed` | `cancelled` (its opening record was voided).
    pub state: String,
    /// Copied from the opening record, so scoped lists need no join.
    pub agency_id: String,
    pub enterprise_id: String,
    pub district_code: String,
    pub outlet_id: String,
    pub instrument_id: String,
    pub parameter: String,
    pub form_code: String,
    /// The failing verdicts in words.
    pub reason: String,
    /// The record that found it.
    pub opened_by: String,
    /// That record's check-in.
    pub found_at: DateTimeUtc,
    /// Where the period begins under `start_rule`.
    pub starts_at: DateTimeUtc,
    /// `found` | `last_passing`.
    pub start_rule: String,
    /// The rule's source and confidence, as shown on the period.
    pub start_source: String,
    /// The follow-up deadline.
    pub due_at: DateTimeUtc,
    /// The record that passed here after it.
    pub closed_by: Option<String>,
    /// That record's check-in.
    pub closed_at: Option<DateTimeUtc>,
    pub cancel_reason: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
