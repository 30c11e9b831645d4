use sea_orm::entity::prelude::*;

/// An order EMSS proposes to a regulator (整改建议), and the regulator's decision.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "rectification_suggestion")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    /// The district regulator it is proposed to.
    pub issuer_org_id: String,
    pub agency_id: String,
    pub enterprise_id: String,
    pub district_code: String,
    /// JSON array of the problems: `{source, source_id, source_text, description}`.
    pub problems: String,
    /// `pending` | `adopted` (a draft order was made) | `dismissed`.
    pub state: String,
    /// Why it was dismissed.
    pub reason: Option<String>,
    pub decided_by: Option<String>,
    pub decided_at: Option<DateTimeUtc>,
    /// The draft order made from it.
    pub order_id: Option<String>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
