use sea_orm::entity::prelude::*;

/// Refusals of one principal on one route within one window: the first is in the audit log, the
/// rest are counted here until a summary entry reports them.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "denial_window")]
pub struct Model {
    /// The account id, or `ip:<address>` for someone signed out.
    #[sea_orm(primary_key, auto_increment = false)]
    pub principal: String,
    /// The route id, or the action refused outside a route's guard.
    #[sea_orm(primary_key, auto_increment = false)]
    pub route: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub window_start: DateTimeUtc,
    /// The audit action of the refusals (`authz.denied`, `auth.throttled` …).
    pub action: String,
    /// Who was refused, as the first entry recorded them.
    pub actor_id: Option<String>,
    pub org_id: Option<String>,
    pub roles: String,
    pub ip: Option<String>,
    /// Refusals in the window.
    pub count: i64,
    /// How many of them the audit log already holds (the first entry and earlier summaries).
    pub reported: i64,
    pub first_at: DateTimeUtc,
    pub last_at: DateTimeUtc,
    /// The error codes answered, comma-separated, each once.
    pub codes: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
