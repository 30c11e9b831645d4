use sea_orm::entity::prelude::*;

/// A standard material an agency keeps (标准物质): one certificate's component.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "standard_material")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub org_id: String,
    /// gas | solution | sample.
    pub kind: String,
    pub certificate_no: String,
    pub producer: String,
    pub lot_no: String,
    /// As the instruments name their parameter (二氧化硫, 氨氮 …).
    pub component: String,
    /// Decimal as written.
    pub certified_value: String,
    pub uncertainty: String,
    pub unit: String,
    pub expires_on: Date,
    /// When a record first chose it; it no longer changes from then on.
    pub used_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
