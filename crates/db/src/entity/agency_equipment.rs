use sea_orm::entity::prelude::*;

/// Equipment an agency brings to site (运维设备).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "agency_equipment")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub org_id: String,
    /// 设备编号, unique within the agency.
    pub device_no: String,
    pub name: String,
    /// 出厂编号.
    pub serial_no: String,
    /// 型号/规格.
    pub model: String,
    pub description: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
