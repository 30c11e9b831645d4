//! Everything a task application is checked for before anything is written: the contract
//! (confirmed, nature 运维, the agency's own), the dates inside it, the points on party A's outlets
//! of the task's type, people filed and not resigned, the agency's own equipment, and plans with
//! form types of the right kind at a frequency their standard allows. Problems come back per
//! field (`plans.0.form_types`), all at once.

use super::{PlanInput, TaskInput};
use crate::error::FieldErrors;
use crate::{App, AppError};
use chrono::NaiveDate;
use emss_db::repo;
use emss_domain::contract::{ContractNature, ContractState};
use emss_domain::form::definition::OutletKind;
use emss_domain::plan::{PlanFrequency, plan_problem};
use emss_domain::task::{dates_problem, number_problem, plan_dates_problem};
use emss_domain::{Actor, Scope};

/// Limits that keep one task within what a person manages on one page and what one write can
/// hold: the occurrences of all plans are written in a single transaction.
const MAX_POINTS: usize = 50;
const MAX_PEOPLE: usize = 100;
const MAX_PLANS: usize = 20;
const MAX_OCCURRENCES: usize = 20_000;

pub(super) struct CheckedPlan {
    pub title: String,
    pub frequency: PlanFrequency,
    pub form_codes: Vec<String>,
    pub start: NaiveDate,
    pub end: NaiveDate,
}

pub(super) struct Checked {
    pub contract_id: String,
    pub enterprise_id: String,
    pub name: String,
    pub number: String,
    pub kind: OutletKind,
    pub start: NaiveDate,
    pub end: NaiveDate,
    pub outlet_ids: Vec<String>,
    pub staff_ids: Vec<String>,
    pub equipment_ids: Vec<String>,
    pub plans: Vec<CheckedPlan>,
}

/// Trimmed, empty ones dropped, each once in the order first given.
fn ids(raw: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for id in raw.iter().map(|s| s.trim()).filter(|s| !s.is_empty()) {
        if !out.iter().any(|o| o == id) {
            out.push(id.to_string());
        }
    }
    out
}

fn date(errors: &mut FieldErrors, field: &str, label: &str, raw: &str) -> Option<NaiveDate> {
    let d = NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d").ok();
    if d.is_none() {
        errors.add(field, format!("请填写{label}（年-月-日）"));
    }
    d
}

fn text(errors: &mut FieldErrors, field: &str, label: &str, raw: &str, max: usize) -> String {
    let t = raw.trim().to_string();
    if t.is_empty() {
        errors.add(field, format!("请填写{label}"));
    } else if t.chars().count() > max {
        errors.add(field, format!("{label}不能超过 {max} 个字"));
    } else if t.chars().any(char::is_control) {
        errors.add(field, format!("{label}含有不可见的控制字符"));
    }
    t
}

pub(super) async fn check(
    app: &App,
    actor: &Actor,
    input: &TaskInput,
    task_id: Option<&str>,
) -> Result<Checked, AppError> {
    let db = &app.db().conn;
    let mut errors = FieldErrors::new();
    let contract = match input.contract_id.trim() {
        "" => None,
        id => repo::contract::get(db, &actor.scope(), id).await?,
    };
    match &contract {
        None => errors.add("contract_id", "请选择合同"),
        Some(c) if c.nature != ContractNature::Maintenance.as_str() => errors.add(
            "contract_id",
            "运维任务须绑定合同性质为“运维”的合同，监测合同不能用于运维任务",
        ),
        Some(c) if c.state != ContractState::Approved.as_str() => {
            errors.add("contract_id", "合同须经甲方确认后才能申请运维任务")
        }
        Some(_) => {}
    }
    let name = text(&mut errors, "name", "任务名称", &input.name, 100);
    let number = input.number.trim().to_string();
    errors.check("number", number_problem(&number));
    if number_problem(&number).is_none()
        && let Some(other) = repo::task::by_number(db, &actor.org_id, &number).await?
        && Some(other.id.as_str()) != task_id
    {
        errors.add("number", "任务编号已被本机构的其他任务使用");
    }
    let kind = OutletKind::parse(input.kind.trim());
    if kind.is_none() {
        errors.add("kind", "请选择任务类型（废水或废气）");
    }
    let start = date(&mut errors, "start_date", "任务开始日期", &input.start_date);
    let end = date(&mut errors, "end_date", "任务结束日期", &input.end_date);
    if let (Some(s), Some(e), Some(c)) = (start, end, &contract)
        && let Some((field, problem)) = dates_problem(s, e, c.performance_start, c.performance_end)
    {
        errors.add(field, problem);
    }

    let outlet_ids = ids(&input.outlet_ids);
    if outlet_ids.is_empty() {
        errors.add("outlet_ids", "请至少添加一个运维点位");
    } else if outlet_ids.len() > MAX_POINTS {
        errors.add(
            "outlet_ids",
            format!("一个任务最多 {MAX_POINTS} 个运维点位"),
        );
    }
    if let Some(c) = &contract {
        let party = Scope::Enterprise(c.enterprise_id.clone());
        for id in &outlet_ids {
            match repo::outlet::get(db, &party, id).await? {
                None => errors.add("outlet_ids", "所选点位不是合同甲方的排口"),
                Some(o) if kind.is_some_and(|k| k.as_str() != o.kind) => {
                    errors.add("outlet_ids", format!("点位“{}”与任务类型不符", o.name))
                }
                Some(_) => {}
            }
        }
    }

    let staff_ids = ids(&input.staff_ids);
    if staff_ids.is_empty() {
        errors.add("staff_ids", "请至少添加一名运维人员");
    } else if staff_ids.len() > MAX_PEOPLE {
        errors.add("staff_ids", format!("一个任务最多 {MAX_PEOPLE} 名运维人员"));
    }
    for id in &staff_ids {
        match repo::agency_resources::staff_member(db, &actor.org_id, id).await? {
            None => errors.add("staff_ids", "所选人员不是本机构的备案人员"),
            Some(s) if s.resigned => {
                errors.add("staff_ids", format!("“{}”已离职，不能参加运维任务", s.name))
            }
            Some(_) => {}
        }
    }
    let equipment_ids = ids(&input.equipment_ids);
    if equipment_ids.len() > MAX_PEOPLE {
        errors.add(
            "equipment_ids",
            format!("一个任务最多 {MAX_PEOPLE} 台运维设备"),
        );
    }
    for id in &equipment_ids {
        if repo::agency_resources::equipment_item(db, &actor.org_id, id)
            .await?
            .is_none()
        {
            errors.add("equipment_ids", "所选设备不是本机构的备案设备");
        }
    }

    if input.plans.is_empty() {
        errors.add("plans", "请至少添加一项运维计划");
    } else if input.plans.len() > MAX_PLANS {
        errors.add("plans", format!("一个任务最多 {MAX_PLANS} 项运维计划"));
    }
    let mut plans = Vec::new();
    for (n, p) in input.plans.iter().take(MAX_PLANS).enumerate() {
        if let Some(plan) = check_plan(app, &mut errors, n, p, kind, start, end).await? {
            plans.push(plan);
        }
    }
    let due: usize = plans
        .iter()
        .map(|p| {
            emss_domain::plan::periods(p.frequency, p.start, p.end).len()
                * p.form_codes.len()
                * outlet_ids.len()
        })
        .sum();
    if due > MAX_OCCURRENCES {
        errors.add(
            "plans",
            format!("运维计划共生成 {due} 项待办，超过上限 {MAX_OCCURRENCES}，请缩短执行时间、降低频次或拆分任务"),
        );
    }
    errors.into_result()?;
    match (contract, kind, start, end) {
        (Some(c), Some(kind), Some(start), Some(end)) => Ok(Checked {
            contract_id: c.id,
            enterprise_id: c.enterprise_id,
            name,
            number,
            kind,
            start,
            end,
            outlet_ids,
            staff_ids,
            equipment_ids,
            plans,
        }),
        _ => Err(AppError::internal(
            "a task passed its checks without values",
        )),
    }
}

async fn check_plan(
    app: &App,
    errors: &mut FieldErrors,
    n: usize,
    p: &PlanInput,
    kind: Option<OutletKind>,
    task_start: Option<NaiveDate>,
    task_end: Option<NaiveDate>,
) -> Result<Option<CheckedPlan>, AppError> {
    let field = |name: &str| format!("plans.{n}.{name}");
    let title = text(errors, &field("title"), "计划标题", &p.title, 100);
    let frequency = PlanFrequency::parse(p.frequency.trim());
    if frequency.is_none() {
        errors.add(&field("frequency"), "请选择计划执行频次");
    }
    let form_codes = ids(&p.form_types);
    if form_codes.is_empty() {
        errors.add(&field("form_types"), "请选择运维内容（至少一种表单）");
    }
    for code in &form_codes {
        let def = match app.form_type(code, None).await {
            Ok(def) => def,
            Err(e) if e.code == emss_domain::ErrorCode::NotFound => {
                errors.add(&field("form_types"), format!("没有表单类型“{code}”"));
                continue;
            }
            Err(e) => return Err(e),
        };
        if kind.is_some_and(|k| k != def.outlet_kind) {
            errors.add(
                &field("form_types"),
                format!(
                    "“{}”是{}表单，与任务类型不符",
                    def.name,
                    def.outlet_kind.label()
                ),
            );
        } else if let Some(f) = frequency
            && let Some(problem) = plan_problem(f, &def.name, def.frequency.interval_days)
        {
            errors.add(&field("form_types"), problem);
        }
    }
    // 执行时间 defaults to the task's own days.
    let start = match p.start_date.trim() {
        "" => task_start,
        raw => date(errors, &field("start_date"), "执行开始日期", raw),
    };
    let end = match p.end_date.trim() {
        "" => task_end,
        raw => date(errors, &field("end_date"), "执行结束日期", raw),
    };
    if let (Some(s), Some(e), Some(ts), Some(te)) = (start, end, task_start, task_end)
        && let Some(problem) = plan_dates_problem(s, e, ts, te)
    {
        errors.add(&field("start_date"), problem);
    }
    Ok(match (frequency, start, end) {
        (Some(frequency), Some(start), Some(end)) => Some(CheckedPlan {
            title,
            frequency,
            form_codes,
            start,
            end,
        }),
        _ => None,
    })
}
