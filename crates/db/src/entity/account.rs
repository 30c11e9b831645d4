use sea_orm::entity::prelude::*;

/// A person's login. The main account (主账户) of an organisation manages its sub-accounts.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "account")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub org_id: String,
    /// Normalised (`domain::account::normalize_username`), unique.
    pub username: String,
    pub name: String,
    /// PHC string (argon2id). Never leaves the server.
    pub password_hash: String,
    pub is_main: bool,
    pub disabled: bool,
    pub must_change_password: bool,
    /// Marks accounts created by the demo loader, which refuses to touch any other data.
    pub is_demo: bool,
    pub created_at: DateTimeUtc,
    pub last_login_at: Option<DateTimeUtc>,
    pub password_changed_at: Option<DateTimeUtc>,
    /// One-time passwords (first start, resets) stop working at this instant (AUTH-06).
    pub password_expires_at: Option<DateTimeUtc>,
    /// The mobile number, SM4-GCM encrypted and bound to this row and column (personal data).
    pub phone_cipher: Option<String>,
    /// Which data key encrypted `phone_cipher`.
    pub phone_key: Option<String>,
    /// Keyed SM3 of the number, for look-ups without decrypting.
    pub phone_index: Option<String>,
    /// `138****5678`: what every page shows.
    pub phone_masked: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::organization::Entity",
        from = "Column::OrgId",
        to = "super::organization::Column::Id"
    )]
    Organization,
    #[sea_orm(has_many = "super::account_role::Entity")]
    AccountRole,
}

impl Related<super::organization::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Organization.def()
    }
}

impl Related<super::account_role::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::AccountRole.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
