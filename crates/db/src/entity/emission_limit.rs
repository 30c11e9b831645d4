use sea_orm::entity::prelude::*;

/// An outlet's emission limit for one pollutant (排放限值).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "emission_limit")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub outlet_id: String,
    /// The pollutant, named as the instruments' parameters.
    pub parameter: String,
    /// Decimal as written.
    pub value: String,
    pub unit: String,
    /// 排污许可证编号, discharge standard and clause.
    pub source: String,
    pub updated_by: Option<String>,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
