use sea_orm::entity::prelude::*;

/// An organisation: agency, self-maintaining enterprise, enterprise, regulator or the system.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "organization")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    /// `OrgKind::as_str`.
    pub kind: String,
    pub name: String,
    /// Set for district regulators and for organisations located in a district.
    pub district_code: Option<String>,
    /// `AgencyCategory::as_str`, for agencies.
    pub agency_category: Option<String>,
    /// 统一社会信用代码, upper-case.
    pub uscc: Option<String>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(has_many = "super::account::Entity")]
    Account,
}

impl Related<super::account::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Account.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
