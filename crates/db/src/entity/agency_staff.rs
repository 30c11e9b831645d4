use sea_orm::entity::prelude::*;

/// An agency's staff member (人员). The ID number is sealed; only its mask is shown.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "agency_staff")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub org_id: String,
    pub name: String,
    /// `male` | `female`.
    pub gender: String,
    pub id_number_cipher: String,
    pub id_number_key: String,
    /// Blind index, so the same person cannot be filed twice.
    pub id_number_index: String,
    pub id_number_masked: String,
    /// 学历.
    pub education: String,
    /// 岗位.
    pub post: String,
    /// 是否专业技术人员.
    pub technician: bool,
    /// 专业技术人员职称.
    pub title: Option<String>,
    /// 是否离职.
    pub resigned: bool,
    pub resigned_on: Option<Date>,
    /// The person's login, disabled when they resign.
    pub account_id: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
