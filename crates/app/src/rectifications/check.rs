//! What a regulator types on a new order, and what the agency answers: checked whole, every
//! problem named next to its field.

use crate::error::FieldErrors;
use crate::{App, AppError};
use chrono::NaiveDate;
use emss_db::entity::{rectification, rectification_problem};
use emss_db::repo;
use emss_domain::rectification::{ProblemSource, deadline_problem};
use emss_domain::{Actor, OrgKind};
use std::collections::HashMap;

const TITLE_MAX: usize = 100;
const TEXT_MAX: usize = 2000;
const PROBLEM_MAX: usize = 1000;
/// Problems on one order.
const PROBLEMS_MAX: usize = 30;
/// Records one answer to a problem may name.
const RECORDS_MAX: usize = 20;

/// One problem as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProblemInput {
    /// `record` | `occurrence` | `finding` | `free`.
    pub source: String,
    /// The record's id for `record`, the occurrence's for `occurrence`, the inspection
    /// finding's for `finding`.
    pub source_id: String,
    pub description: String,
}

/// A new order or a draft as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RectificationInput {
    pub agency_id: String,
    pub enterprise_id: String,
    pub title: String,
    pub basis: String,
    /// `YYYY-MM-DD`.
    pub deadline: String,
    pub problems: Vec<ProblemInput>,
}

/// The answer to one problem.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ResponseProblem {
    pub problem_id: String,
    /// 整改措施.
    pub measures: String,
    /// 运维编号 of the agency's records that show the work.
    pub record_numbers: Vec<String>,
}

/// 提交整改 as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ResponseInput {
    /// 整改情况.
    pub summary: String,
    pub problems: Vec<ResponseProblem>,
}

pub(super) struct CheckedProblem {
    pub source: ProblemSource,
    pub source_id: String,
    pub source_text: String,
    pub description: String,
}

pub(super) struct Checked {
    pub agency_id: String,
    pub enterprise_id: String,
    pub district_code: String,
    pub title: String,
    pub basis: String,
    pub deadline: NaiveDate,
    pub problems: Vec<CheckedProblem>,
}

fn long(errors: &mut FieldErrors, field: &str, text: &str, max: usize) {
    if text.chars().count() > max {
        errors.add(field, format!("不能超过 {max} 字"));
    }
}

/// Checks an order as typed, in the actor's scope: the agency and the enterprise it worked for
/// (in the regulator's district), a deadline ahead, at least one problem.
pub(super) async fn check(
    app: &App,
    actor: &Actor,
    input: &RectificationInput,
) -> Result<Checked, AppError> {
    let db = &app.db().conn;
    let mut errors = FieldErrors::new();
    let title = input.title.trim().to_string();
    if title.is_empty() {
        errors.add("title", "请填写整改单标题");
    }
    long(&mut errors, "title", &title, TITLE_MAX);
    let basis = input.basis.trim().to_string();
    if basis.is_empty() {
        errors.add("basis", "请填写整改依据");
    }
    long(&mut errors, "basis", &basis, TEXT_MAX);
    let deadline = match input.deadline.trim().parse::<NaiveDate>() {
        Ok(d) => {
            errors.check(
                "deadline",
                deadline_problem(d, emss_domain::time::shanghai_date(app.now())),
            );
            Some(d)
        }
        Err(_) if input.deadline.trim().is_empty() => {
            errors.add("deadline", "请选择整改期限");
            None
        }
        Err(_) => {
            errors.add("deadline", "整改期限须为日期（年-月-日）");
            None
        }
    };
    let agency = match input.agency_id.trim() {
        "" => None,
        id => repo::organization::find(db, id).await?,
    };
    let agency_kind = agency.as_ref().and_then(|a| OrgKind::parse(&a.kind));
    if !agency_kind.is_some_and(OrgKind::does_maintenance) {
        errors.add("agency_id", "请选择被整改的运维机构或自运维企业");
    }
    // A self-maintaining enterprise is its own agency and the enterprise concerned.
    let enterprise_id = match (agency_kind, input.enterprise_id.trim()) {
        (Some(OrgKind::SelfMaintainingEnterprise), "") => input.agency_id.trim().to_string(),
        (_, id) => id.to_string(),
    };
    let enterprise = match enterprise_id.as_str() {
        "" => None,
        id => repo::organization::find(db, id).await?,
    };
    let mut district_code = String::new();
    match &enterprise {
        Some(e) if OrgKind::parse(&e.kind).is_some_and(OrgKind::owns_outlets) => {
            district_code = e.district_code.clone().unwrap_or_default();
            if actor.org_kind == OrgKind::DistrictRegulator
                && actor.district_code.as_deref() != Some(district_code.as_str())
            {
                errors.add("enterprise_id", "该企业不在本区，不能下发整改单");
            } else if let Some(a) = &agency
                && a.id != e.id
                && !repo::rectification::works_for(db, &a.id, &e.id).await?
            {
                errors.add("enterprise_id", "该机构与该企业之间没有运维合同");
            }
        }
        _ => errors.add("enterprise_id", "请选择涉及的企业"),
    }
    let problems = check_problems(app, actor, input, &mut errors).await?;
    errors.into_result()?;
    let (Some(agency), Some(deadline)) = (agency, deadline) else {
        return Err(AppError::internal("an order passed its checks incomplete"));
    };
    Ok(Checked {
        agency_id: agency.id,
        enterprise_id,
        district_code,
        title,
        basis,
        deadline,
        problems,
    })
}

async fn check_problems(
    app: &App,
    actor: &Actor,
    input: &RectificationInput,
    errors: &mut FieldErrors,
) -> Result<Vec<CheckedProblem>, AppError> {
    let db = &app.db().conn;
    let mut out = Vec::new();
    let typed: Vec<(usize, &ProblemInput)> = input
        .problems
        .iter()
        .enumerate()
        .filter(|(_, p)| !p.description.trim().is_empty() || !p.source_id.trim().is_empty())
        .collect();
    if typed.is_empty() {
        errors.add("problems", "请至少填写一个问题");
    }
    if typed.len() > PROBLEMS_MAX {
        errors.add("problems", format!("每份整改单最多 {PROBLEMS_MAX} 个问题"));
    }
    // Past the limit the order is refused anyway: the rest is not looked up.
    for (i, p) in typed.into_iter().take(PROBLEMS_MAX) {
        let field = |name: &str| format!("problems[{i}].{name}");
        let description = p.description.trim().to_string();
        if description.is_empty() {
            errors.add(&field("description"), "请描述问题");
        }
        long(errors, &field("description"), &description, PROBLEM_MAX);
        let source = ProblemSource::parse(p.source.trim()).unwrap_or(ProblemSource::Free);
        let (source_id, source_text) = match source {
            ProblemSource::Free => (String::new(), String::new()),
            ProblemSource::Record => {
                let found =
                    repo::record::get(db, &actor.scope(), &actor.account_id, p.source_id.trim())
                        .await?
                        .filter(|r| r.state != "draft")
                        .filter(|r| r.agency_id == input.agency_id.trim());
                match found {
                    Some(r) => {
                        let outlet = repo::outlet::by_ids(db, std::slice::from_ref(&r.outlet_id))
                            .await?
                            .pop()
                            .map(|o| o.name)
                            .unwrap_or_default();
                        (r.id.clone(), format!("{}（{}）", r.number, outlet))
                    }
                    None => {
                        errors.add(&field("source_id"), "所涉运维记录不存在或不属于该机构");
                        (String::new(), String::new())
                    }
                }
            }
            ProblemSource::Occurrence => {
                let today = emss_domain::time::shanghai_date(app.now());
                let found = repo::rectification::occurrence_in_scope(
                    db,
                    &actor.scope(),
                    p.source_id.trim(),
                )
                .await?
                .filter(|o| o.agency_id == input.agency_id.trim())
                .filter(|o| o.record_id.is_none() && o.period_end < today);
                match found {
                    Some(o) => {
                        let text = occurrence_text(app, &o).await?;
                        (o.id, text)
                    }
                    None => {
                        errors.add(
                            &field("source_id"),
                            "所涉运维计划不存在、不属于该机构或并未超期",
                        );
                        (String::new(), String::new())
                    }
                }
            }
            ProblemSource::Finding => {
                match repo::inspection::finding_in_scope(db, &actor.scope(), p.source_id.trim())
                    .await?
                    .filter(|(_, i)| i.agency_id == input.agency_id.trim())
                {
                    Some((f, i)) => {
                        let kind = emss_domain::inspection::InspectionKind::parse(&i.kind)
                            .map(|k| k.label())
                            .unwrap_or_default();
                        let text = format!("{kind} {}：{}", i.inspected_on, f.subject_text);
                        (f.id, text)
                    }
                    None => {
                        errors.add(&field("source_id"), "所涉检查发现不存在或不属于该机构");
                        (String::new(), String::new())
                    }
                }
            }
        };
        out.push(CheckedProblem {
            source,
            source_id,
            source_text,
            description,
        });
    }
    Ok(out)
}

/// The checked answer: the summary, and each problem with its measures and records.
pub(super) struct Answered {
    pub summary: String,
    pub problems: Vec<rectification_problem::Model>,
}

/// Checks an answer: a summary, measures for every problem, records of the agency's own.
pub(super) async fn check_response(
    app: &App,
    order: &rectification::Model,
    problems: &[rectification_problem::Model],
    input: &ResponseInput,
) -> Result<Answered, AppError> {
    let mut errors = FieldErrors::new();
    let summary = input.summary.trim().to_string();
    if summary.is_empty() {
        errors.add("summary", "请填写整改情况");
    }
    long(&mut errors, "summary", &summary, TEXT_MAX);
    let typed: HashMap<&str, &ResponseProblem> = input
        .problems
        .iter()
        .map(|p| (p.problem_id.as_str(), p))
        .collect();
    for p in &input.problems {
        if !problems.iter().any(|q| q.id == p.problem_id) {
            errors.add("problems", "答复了整改单上没有的问题，请刷新后重试");
        }
    }
    // One more than allowed per problem is enough to refuse the rest.
    let numbers: Vec<String> = input
        .problems
        .iter()
        .take(PROBLEMS_MAX)
        .flat_map(|p| {
            p.record_numbers
                .iter()
                .take(RECORDS_MAX + 1)
                .map(|n| n.trim().to_string())
        })
        .filter(|n| !n.is_empty())
        .collect();
    let found: HashMap<String, String> =
        repo::rectification::agency_records_by_number(&app.db().conn, &order.agency_id, &numbers)
            .await?
            .into_iter()
            .map(|r| (r.number, r.id))
            .collect();
    let mut answered = Vec::new();
    for (i, p) in problems.iter().enumerate() {
        let field = |name: &str| format!("problems[{i}].{name}");
        let given = typed.get(p.id.as_str());
        let measures = given
            .map(|g| g.measures.trim())
            .unwrap_or_default()
            .to_string();
        if measures.is_empty() {
            errors.add(&field("measures"), "请填写该问题的整改措施");
        }
        long(&mut errors, &field("measures"), &measures, PROBLEM_MAX);
        let mut ids = Vec::new();
        let listed = given
            .map(|g| g.record_numbers.as_slice())
            .unwrap_or_default();
        if listed.len() > RECORDS_MAX {
            errors.add(
                &field("record_numbers"),
                format!("最多关联 {RECORDS_MAX} 条记录"),
            );
        }
        for n in listed
            .iter()
            .take(RECORDS_MAX)
            .map(|n| n.trim())
            .filter(|n| !n.is_empty())
        {
            match found.get(n) {
                Some(id) if !ids.contains(id) => ids.push(id.clone()),
                Some(_) => {}
                None => errors.add(
                    &field("record_numbers"),
                    format!("运维编号 {n} 不是本机构已提交的运维记录"),
                ),
            }
        }
        if ids.len() > RECORDS_MAX {
            errors.add(
                &field("record_numbers"),
                format!("最多关联 {RECORDS_MAX} 条记录"),
            );
        }
        answered.push(rectification_problem::Model {
            measures: Some(measures),
            record_ids: serde_json::to_string(&ids).map_err(AppError::internal)?,
            ..p.clone()
        });
    }
    errors.into_result()?;
    Ok(Answered {
        summary,
        problems: answered,
    })
}

/// How a missed occurrence reads on an order: the outlet, the form type and the period.
pub(crate) async fn occurrence_text(
    app: &App,
    o: &emss_db::entity::occurrence::Model,
) -> Result<String, AppError> {
    let outlet = repo::outlet::by_ids(&app.db().conn, std::slice::from_ref(&o.outlet_id))
        .await?
        .pop()
        .map(|x| x.name)
        .unwrap_or_default();
    let form = crate::tasks::form_names(app)
        .await?
        .remove(&o.form_code)
        .unwrap_or_default();
    Ok(format!(
        "{outlet} {form} {} 至 {}",
        o.period_start, o.period_end
    ))
}
