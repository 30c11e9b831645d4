use sea_orm::entity::prelude::*;

/// One result of a comparison sampling (比对抽测): the regulator's reference value and the online
/// value at the same time, for an instrument and a limit of the catalogue, judged by the server.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "inspection_comparison")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub inspection_id: String,
    pub position: i32,
    pub instrument_id: String,
    /// The form type and version whose limit judged it (实际水样比对, 校验).
    pub form_code: String,
    pub form_version: i32,
    pub limit_id: String,
    /// Decimals as typed (参比值, 在线值).
    pub reference: String,
    pub measured: String,
    pub unit: String,
    pub sampled_at: DateTimeUtc,
    /// `pass` | `fail` | `out_of_control` | `not_applicable`.
    pub outcome: String,
    /// The verdict as JSON: value, limit, source, explanation.
    pub verdict: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
