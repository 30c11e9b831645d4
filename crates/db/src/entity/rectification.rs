use sea_orm::entity::prelude::*;

/// A rectification order (整改单) of a regulator to an agency or self-maintaining enterprise.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "rectification")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    /// Given when issued: 浦东新区整改〔2026〕3号.
    pub number: Option<String>,
    pub year: Option<i32>,
    pub seq: Option<i32>,
    /// The regulator that drafted and issues it.
    pub issuer_org_id: String,
    /// The agency (or self-maintaining enterprise) addressed.
    pub agency_id: String,
    /// The enterprise whose outlets it concerns (copied: 抄送).
    pub enterprise_id: String,
    /// The enterprise's district, for the district regulators' scope.
    pub district_code: String,
    pub title: String,
    /// 整改依据: the legal or contractual basis.
    pub basis: String,
    /// 整改期限 (Shanghai date, inclusive).
    pub deadline: Date,
    /// `RectificationState::as_str`.
    pub state: String,
    pub created_by: String,
    pub issued_by: Option<String>,
    pub issued_at: Option<DateTimeUtc>,
    /// 签收: who signed for it for the agency, and when.
    pub signed_by: Option<String>,
    pub signed_at: Option<DateTimeUtc>,
    /// 整改情况 as a whole (the latest response).
    pub response: Option<String>,
    pub responded_by: Option<String>,
    pub responded_at: Option<DateTimeUtc>,
    /// Days after the deadline the latest response came (0 in time).
    pub days_late: Option<i32>,
    /// How many times the response was sent back.
    pub returns: i32,
    pub return_reason: Option<String>,
    /// 销号: who accepted the response, when, and with what comment.
    pub closed_by: Option<String>,
    pub closed_at: Option<DateTimeUtc>,
    pub closing_comment: Option<String>,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
