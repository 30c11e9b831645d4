use sea_orm::entity::prelude::*;

/// Failed logins of one username (existing or not, so unknown names answer like known ones).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "login_guard")]
pub struct Model {
    /// Normalised username.
    #[sea_orm(primary_key, auto_increment = false)]
    pub username: String,
    /// Failures since `window_start`.
    pub failures: i32,
    pub window_start: Option<DateTimeUtc>,
    pub locked_until: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
