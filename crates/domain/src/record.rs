//! 运维记录 (maintenance records, product.md §5–§7): the only states a record passes through, and
//! the flags a submission raises from where and when the visit happened. A flag never refuses a
//! record — it is evidence for the reviewer and the regulator, each with its reason.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordState {
    Draft,
    Submitted,
    Confirmed,
    Approved,
    Voided,
}

impl RecordState {
    pub const ALL: [RecordState; 5] = [
        RecordState::Draft,
        RecordState::Submitted,
        RecordState::Confirmed,
        RecordState::Approved,
        RecordState::Voided,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RecordState::Draft => "draft",
            RecordState::Submitted => "submitted",
            RecordState::Confirmed => "confirmed",
            RecordState::Approved => "approved",
            RecordState::Voided => "voided",
        }
    }

    pub fn parse(s: &str) -> Option<RecordState> {
        RecordState::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// As the users say it: the filer's 草稿, the enterprise's 待确认, the reviewer's 待审核.
    pub fn label(self) -> &'static str {
        match self {
            RecordState::Draft => "草稿",
            RecordState::Submitted => "待企业确认",
            RecordState::Confirmed => "待审核",
            RecordState::Approved => "审核通过",
            RecordState::Voided => "已作废",
        }
    }

    /// A record that fulfils its occurrence: submitted and not voided.
    pub fn fulfils(self) -> bool {
        matches!(
            self,
            RecordState::Submitted | RecordState::Confirmed | RecordState::Approved
        )
    }
}

/// What can happen to a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordAction {
    /// 结束签到并上传 (the filer).
    Submit,
    /// 确认 (the enterprise).
    Confirm,
    /// 审核通过 (the agency's reviewer, never the filer).
    Approve,
    /// 作废 (the agency's reviewer, with a reason).
    Void,
}

impl RecordAction {
    /// draft → submitted → confirmed → approved | voided; nothing else.
    pub fn next(self, from: RecordState) -> Option<RecordState> {
        use RecordState as S;
        match (self, from) {
            (RecordAction::Submit, S::Draft) => Some(S::Submitted),
            (RecordAction::Confirm, S::Submitted) => Some(S::Confirmed),
            (RecordAction::Approve, S::Confirmed) => Some(S::Approved),
            (RecordAction::Void, S::Confirmed) => Some(S::Voided),
            _ => None,
        }
    }
}

/// A phone's position as reported: WGS-84 degrees, and the accuracy the phone claims.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Position {
    pub lat: Decimal,
    pub lon: Decimal,
    pub accuracy_m: Decimal,
}

/// The largest accuracy radius a check-in may claim: beyond it the phone does not know where it
/// is, and a position that vague proves nothing.
pub const MAX_ACCURACY_M: u32 = 2_000;

/// Why a reported position cannot be used, or None.
pub fn position_problem(p: &Position) -> Option<&'static str> {
    if p.lat < Decimal::from(-90) || p.lat > Decimal::from(90) {
        Some("纬度须在 -90 到 90 之间")
    } else if p.lon < Decimal::from(-180) || p.lon > Decimal::from(180) {
        Some("经度须在 -180 到 180 之间")
    } else if p.accuracy_m <= Decimal::ZERO {
        Some("定位精度无效，请重新定位")
    } else if p.accuracy_m > Decimal::from(MAX_ACCURACY_M) {
        Some("定位精度太差（超过 2 公里），请到开阔处重新定位")
    } else {
        None
    }
}

/// The oldest a check-in or check-out may be when it reaches the server: older ones are not
/// taken (a phone offline longer than this files again).
pub const MAX_STAMP_AGE_HOURS: i64 = 72;

/// How far a phone's clock may differ from the server's: beyond it a stamp is flagged, and a stamp
/// this much later than the server's clock is not taken at all.
pub const CLOCK_TOLERANCE_SECONDS: i64 = 300;

/// Why a stamp's time cannot be taken, or None: older than 72 hours, or later than the server's
/// clock allows (a visit dated in the future proves nothing and would file under a day not yet
/// come).
pub fn stamp_time_problem(
    phone_at: DateTime<Utc>,
    server_at: DateTime<Utc>,
) -> Option<&'static str> {
    if server_at - phone_at > chrono::Duration::hours(MAX_STAMP_AGE_HOURS) {
        Some("定位时间早于 72 小时前，不能补录，请在现场重新定位")
    } else if phone_at - server_at > chrono::Duration::seconds(CLOCK_TOLERANCE_SECONDS) {
        Some("定位时间晚于服务器时间，请把手机时间设为自动后重新定位")
    } else {
        None
    }
}

/// Metres between two points on the earth (haversine on the mean radius; metres matter here, not
/// millimetres).
pub fn distance_m(a_lat: f64, a_lon: f64, b_lat: f64, b_lon: f64) -> f64 {
    const EARTH_RADIUS_M: f64 = 6_371_008.8;
    let (p1, p2) = (a_lat.to_radians(), b_lat.to_radians());
    let dp = (b_lat - a_lat).to_radians();
    let dl = (b_lon - a_lon).to_radians();
    let h = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_M * h.sqrt().min(1.0).asin()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FlagKind {
    /// Check-in or check-out farther than the radius from the outlet.
    FarFromOutlet,
    /// A position whose claimed accuracy is wider than the radius: it cannot place the visit.
    ImpreciseLocation,
    /// Check-out before check-in.
    CheckOutBeforeCheckIn,
    /// A visit shorter than the form type's minimum.
    ShortVisit,
    /// The phone's clock and the server's more than the tolerance apart.
    ClockSkew,
    /// A derived value failed its limit.
    FailedVerdict,
    /// The same photo is on another record.
    DuplicatePhoto,
    /// Taken offline and sent much later: the time it claims rests on the phone alone.
    LateUpload,
    /// Judged again after its reference calibration was voided or an earlier one arrived late.
    Rejudged,
}

impl FlagKind {
    pub const ALL: [FlagKind; 9] = [
        FlagKind::FarFromOutlet,
        FlagKind::ImpreciseLocation,
        FlagKind::CheckOutBeforeCheckIn,
        FlagKind::ShortVisit,
        FlagKind::ClockSkew,
        FlagKind::FailedVerdict,
        FlagKind::DuplicatePhoto,
        FlagKind::LateUpload,
        FlagKind::Rejudged,
    ];

    /// The stored and API name.
    pub fn as_str(self) -> &'static str {
        match self {
            FlagKind::FarFromOutlet => "far_from_outlet",
            FlagKind::ImpreciseLocation => "imprecise_location",
            FlagKind::CheckOutBeforeCheckIn => "check_out_before_check_in",
            FlagKind::ShortVisit => "short_visit",
            FlagKind::ClockSkew => "clock_skew",
            FlagKind::FailedVerdict => "failed_verdict",
            FlagKind::DuplicatePhoto => "duplicate_photo",
            FlagKind::LateUpload => "late_upload",
            FlagKind::Rejudged => "rejudged",
        }
    }

    pub fn parse(s: &str) -> Option<FlagKind> {
        FlagKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            FlagKind::FarFromOutlet => "签到位置偏离排口",
            FlagKind::ImpreciseLocation => "定位精度不足",
            FlagKind::CheckOutBeforeCheckIn => "签退早于签到",
            FlagKind::ShortVisit => "现场时间过短",
            FlagKind::ClockSkew => "手机时间与服务器不符",
            FlagKind::FailedVerdict => "判定不合格",
            FlagKind::DuplicatePhoto => "照片重复使用",
            FlagKind::LateUpload => "离线后补传",
            FlagKind::Rejudged => "已复判",
        }
    }
}

/// A raised flag and why, in words a reviewer can check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Flag {
    pub kind: FlagKind,
    pub reason: String,
}

/// One end of a visit: where the phone was and when by its clock, and when the server received
/// it. A stamp taken offline reaches the server later: the phone then also says when it sent it
/// (`sent_at`), and clocks are compared at sending, not at taking.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Stamp {
    pub position: Position,
    pub phone_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
    pub server_at: DateTime<Utc>,
}

/// What the visit flags are judged against.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct VisitRules {
    /// The outlet's position.
    pub outlet_lat: f64,
    pub outlet_lon: f64,
    /// Default 500 m (configurable).
    pub radius_m: u32,
    /// The form type's minimum, if it has one.
    pub minimum_visit_minutes: Option<u32>,
    /// Default 5 minutes.
    pub clock_tolerance_seconds: i64,
    /// How long a stamp taken offline may wait before it is sent unflagged. Default 1 hour.
    pub offline_tolerance_seconds: i64,
}

impl VisitRules {
    /// The rules for an outlet with the defaults: 500 m, 5 minutes, no minimum visit.
    pub fn at(outlet_lat: f64, outlet_lon: f64) -> VisitRules {
        VisitRules {
            outlet_lat,
            outlet_lon,
            radius_m: 500,
            minimum_visit_minutes: None,
            clock_tolerance_seconds: CLOCK_TOLERANCE_SECONDS,
            offline_tolerance_seconds: 3_600,
        }
    }
}

/// The flags of a visit from its check-in and check-out. The phone's times are what the visit
/// says; the server's are what the server saw.
pub fn visit_flags(check_in: &Stamp, check_out: &Stamp, rules: &VisitRules) -> Vec<Flag> {
    let mut flags = Vec::new();
    for (label, stamp) in [("签到", check_in), ("签退", check_out)] {
        let (Some(lat), Some(lon)) = (stamp.position.lat.to_f64(), stamp.position.lon.to_f64())
        else {
            continue;
        };
        let d = distance_m(lat, lon, rules.outlet_lat, rules.outlet_lon);
        if stamp.position.accuracy_m > Decimal::from(rules.radius_m) {
            flags.push(Flag {
                kind: FlagKind::ImpreciseLocation,
                reason: format!(
                    "{label}定位精度 {} 米，大于 {} 米，无法确认在排口",
                    stamp.position.accuracy_m.round(),
                    rules.radius_m
                ),
            });
        }
        if d > f64::from(rules.radius_m) {
            flags.push(Flag {
                kind: FlagKind::FarFromOutlet,
                reason: format!(
                    "{label}位置距排口 {} 米，超过 {} 米",
                    d.round(),
                    rules.radius_m
                ),
            });
        }
    }
    let minutes = (check_out.phone_at - check_in.phone_at).num_minutes();
    if check_out.phone_at < check_in.phone_at {
        flags.push(Flag {
            kind: FlagKind::CheckOutBeforeCheckIn,
            reason: "签退时间早于签到时间".to_string(),
        });
    } else if let Some(min) = rules.minimum_visit_minutes
        && minutes < i64::from(min)
    {
        flags.push(Flag {
            kind: FlagKind::ShortVisit,
            reason: format!("现场时间 {minutes} 分钟，少于该表单要求的 {min} 分钟"),
        });
    }
    for (label, stamp) in [("签到", check_in), ("签退", check_out)] {
        // Both times are the phone's: how long the stamp waited, whatever its clock says.
        if let Some(sent_at) = stamp.sent_at {
            let waited = (sent_at - stamp.phone_at).num_minutes();
            if waited * 60 > rules.offline_tolerance_seconds {
                flags.push(Flag {
                    kind: FlagKind::LateUpload,
                    reason: format!("{label}在手机上离线记录，{waited} 分钟后才上传"),
                });
            }
        }
        let skew = (stamp.sent_at.unwrap_or(stamp.phone_at) - stamp.server_at).num_seconds();
        if skew.abs() > rules.clock_tolerance_seconds {
            flags.push(Flag {
                kind: FlagKind::ClockSkew,
                reason: format!(
                    "{label}时手机时间与服务器时间相差 {} 秒，超过 {} 秒",
                    skew.abs(),
                    rules.clock_tolerance_seconds
                ),
            });
        }
    }
    flags
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone};

    #[test]
    fn the_only_transitions() {
        use RecordAction as A;
        use RecordState as S;
        let mut allowed = Vec::new();
        for a in [A::Submit, A::Confirm, A::Approve, A::Void] {
            for s in S::ALL {
                if let Some(to) = a.next(s) {
                    allowed.push((s, to));
                }
            }
        }
        assert_eq!(
            allowed,
            vec![
                (S::Draft, S::Submitted),
                (S::Submitted, S::Confirmed),
                (S::Confirmed, S::Approved),
                (S::Confirmed, S::Voided),
            ]
        );
        assert!(S::Submitted.fulfils() && S::Approved.fulfils());
        assert!(!S::Draft.fulfils() && !S::Voided.fulfils());
    }

    #[test]
    fn distances_on_the_ground() {
        // 人民广场 to 东方明珠: about 2.7 km.
        let d = distance_m(31.2304, 121.4737, 31.2397, 121.4998);
        assert!((d - 2_690.0).abs() < 30.0, "{d}");
        assert!(distance_m(31.2304, 121.4737, 31.2304, 121.4737) < 0.001);
        // One thousandth of a degree of latitude is about 111 m.
        let d = distance_m(31.0, 121.0, 31.001, 121.0);
        assert!((d - 111.2).abs() < 0.5, "{d}");
    }

    fn stamp(lat: &str, lon: &str, phone_min: i64, skew_s: i64) -> Stamp {
        let base = Utc.with_ymd_and_hms(2027, 3, 3, 1, 0, 0).unwrap();
        let phone_at = base + Duration::minutes(phone_min);
        Stamp {
            position: Position {
                lat: lat.parse().unwrap(),
                lon: lon.parse().unwrap(),
                accuracy_m: Decimal::from(15),
            },
            phone_at,
            sent_at: None,
            server_at: phone_at - Duration::seconds(skew_s),
        }
    }

    fn rules() -> VisitRules {
        VisitRules {
            minimum_visit_minutes: Some(30),
            ..VisitRules::at(31.221, 121.544)
        }
    }

    #[test]
    fn an_honest_visit_raises_nothing() {
        let flags = visit_flags(
            &stamp("31.2212", "121.5441", 0, 20),
            &stamp("31.2209", "121.5439", 45, -30),
            &rules(),
        );
        assert_eq!(flags, vec![]);
    }

    #[test]
    fn each_doubt_is_flagged_with_its_reason() {
        // Checked out from 1.1 km away after 10 minutes, the phone 6 minutes fast at check-in.
        let flags = visit_flags(
            &stamp("31.2212", "121.5441", 0, 360),
            &stamp("31.2310", "121.5441", 10, 0),
            &rules(),
        );
        let kinds: Vec<FlagKind> = flags.iter().map(|f| f.kind).collect();
        assert_eq!(
            kinds,
            vec![
                FlagKind::FarFromOutlet,
                FlagKind::ShortVisit,
                FlagKind::ClockSkew
            ]
        );
        assert!(flags[0].reason.starts_with("签退位置距排口"));
        assert_eq!(
            flags[1].reason,
            "现场时间 10 分钟，少于该表单要求的 30 分钟"
        );
        assert_eq!(
            flags[2].reason,
            "签到时手机时间与服务器时间相差 360 秒，超过 300 秒"
        );
        let backwards = visit_flags(
            &stamp("31.2212", "121.5441", 30, 0),
            &stamp("31.2212", "121.5441", 0, 0),
            &rules(),
        );
        assert_eq!(backwards[0].kind, FlagKind::CheckOutBeforeCheckIn);
        assert_eq!(backwards.len(), 1, "not also a short visit");
    }

    #[test]
    fn a_vague_position_and_an_offline_upload_are_told_apart() {
        // Checked in offline at 9:00 by a correct clock, sent at 9:40 when the network came back:
        // a clock that is right is not blamed, and a short wait is normal.
        let mut check_in = stamp("31.2212", "121.5441", 0, 0);
        check_in.server_at = check_in.phone_at + Duration::minutes(40);
        check_in.sent_at = Some(check_in.server_at - Duration::seconds(3));
        let check_out = stamp("31.2212", "121.5441", 45, 0);
        assert_eq!(visit_flags(&check_in, &check_out, &rules()), vec![]);
        // Sent two hours later: the time rests on the phone alone, and the reviewer is told.
        check_in.server_at = check_in.phone_at + Duration::hours(2);
        check_in.sent_at = Some(check_in.server_at - Duration::seconds(3));
        let late = visit_flags(&check_in, &check_out, &rules());
        assert_eq!(late.len(), 1);
        assert_eq!(late[0].kind, FlagKind::LateUpload);
        assert_eq!(late[0].reason, "签到在手机上离线记录，119 分钟后才上传");
        let now = check_in.phone_at;
        assert_eq!(stamp_time_problem(now - Duration::hours(72), now), None);
        assert!(stamp_time_problem(now - Duration::hours(73), now).is_some());
        assert_eq!(stamp_time_problem(now + Duration::minutes(5), now), None);
        assert_eq!(
            stamp_time_problem(now + Duration::minutes(6), now),
            Some("定位时间晚于服务器时间，请把手机时间设为自动后重新定位")
        );
        assert!(stamp_time_problem(now + Duration::days(365 * 75), now).is_some());
        // A position that claims ±1 200 m proves nothing about being at the outlet.
        let mut vague = stamp("31.2212", "121.5441", 0, 0);
        vague.position.accuracy_m = Decimal::from(1_200);
        let flags = visit_flags(&vague, &check_out, &rules());
        assert_eq!(flags[0].kind, FlagKind::ImpreciseLocation);
        assert_eq!(
            flags[0].reason,
            "签到定位精度 1200 米，大于 500 米，无法确认在排口"
        );
    }

    #[test]
    fn a_position_must_be_usable() {
        let p = |lat: &str, lon: &str, acc: &str| Position {
            lat: lat.parse().unwrap(),
            lon: lon.parse().unwrap(),
            accuracy_m: acc.parse().unwrap(),
        };
        assert_eq!(position_problem(&p("31.2", "121.5", "12.5")), None);
        assert!(position_problem(&p("91", "121.5", "10")).is_some());
        assert!(position_problem(&p("31.2", "181", "10")).is_some());
        assert!(position_problem(&p("31.2", "121.5", "0")).is_some());
        assert!(position_problem(&p("31.2", "121.5", "2500")).is_some());
    }

    #[test]
    fn flag_names_are_the_serialised_ones() {
        for kind in FlagKind::ALL {
            assert_eq!(
                serde_json::to_value(kind).unwrap(),
                serde_json::Value::String(kind.as_str().into())
            );
            assert_eq!(FlagKind::parse(kind.as_str()), Some(kind));
        }
        assert_eq!(FlagKind::parse("nonsense"), None);
    }
}
