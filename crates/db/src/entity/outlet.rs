use sea_orm::entity::prelude::*;

/// An enterprise's outlet (排口): wastewater or flue gas, with its position.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "outlet")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    /// The organisation that owns it (enterprise or self-maintaining enterprise).
    pub enterprise_id: String,
    /// `OutletKind::as_str`.
    pub kind: String,
    pub name: String,
    pub address: String,
    /// Decimal degrees as written (exact).
    pub latitude: String,
    pub longitude: String,
    /// JSON array of monitoring parameters.
    pub parameters: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
