use sea_orm::entity::prelude::*;

/// An agency's (or self-maintaining enterprise's) filing: one per organisation, its current version.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "filing")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub org_id: String,
    /// `OrgKind::as_str`: agency or self-maintaining enterprise.
    pub kind: String,
    /// `FilingState::as_str`.
    pub state: String,
    /// 已公开: set by the city regulator on filed agencies.
    pub published: bool,
    pub name: String,
    #[sea_orm(unique)]
    pub uscc: String,
    /// `AgencyCategory::as_str`.
    pub category: String,
    pub legal_representative: String,
    pub contact_name: String,
    /// The contact's mobile number, SM4-GCM sealed (personal data).
    pub contact_phone_cipher: String,
    pub contact_phone_key: String,
    pub contact_phone_masked: String,
    pub registered_address: String,
    pub lab_address: Option<String>,
    pub district_code: String,
    pub reject_reason: Option<String>,
    /// Raised by every change; each version is kept in `filing_version`.
    pub version: i32,
    pub submitted_at: Option<DateTimeUtc>,
    pub filed_at: Option<DateTimeUtc>,
    pub published_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
