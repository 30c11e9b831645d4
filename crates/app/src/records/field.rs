//! What the filer's phone offers before a check-in: the running tasks the filer works on with
//! their outlets, and at one outlet its instruments and the form types of its kind (运维内容).

use super::InstrumentRef;
use crate::{App, AppError};
use emss_db::repo;
use emss_domain::form::definition::OutletKind;
use emss_domain::task::TaskState;
use emss_domain::{Actor, ErrorCode, Permission};

pub struct FieldOutlet {
    pub id: String,
    pub name: String,
    pub kind: Option<OutletKind>,
    pub kind_label: &'static str,
    pub address: String,
    pub lat: String,
    pub lon: String,
}

pub struct FieldTask {
    pub id: String,
    pub name: String,
    pub number: String,
    pub enterprise_name: String,
    pub outlets: Vec<FieldOutlet>,
}

/// One outlet of a running task, ready for a check-in.
pub struct FieldSite {
    pub task_id: String,
    pub task_name: String,
    pub outlet: FieldOutlet,
    pub instruments: Vec<InstrumentRef>,
    /// (code, name) of the current form types of the outlet's kind.
    pub form_types: Vec<(String, String)>,
}

fn outlet_of(o: emss_db::entity::outlet::Model) -> FieldOutlet {
    let kind = OutletKind::parse(&o.kind);
    FieldOutlet {
        kind,
        kind_label: kind.map_or("排口", OutletKind::label),
        id: o.id,
        name: o.name,
        address: o.address,
        lat: o.latitude,
        lon: o.longitude,
    }
}

/// 污染源运维: the tasks running today that name the filer among their personnel.
pub async fn my_tasks(app: &App, actor: &Actor) -> Result<Vec<FieldTask>, AppError> {
    if !Permission::FileRecords.allows(Some(actor)) {
        return Err(AppError::new(ErrorCode::Forbidden));
    }
    let db = &app.db().conn;
    let Some(staff) = repo::agency_resources::staff_by_account(db, &actor.account_id).await? else {
        return Ok(Vec::new());
    };
    if staff.resigned {
        return Ok(Vec::new());
    }
    let today = emss_domain::time::shanghai_date(app.now());
    let tasks: Vec<_> = repo::task::bound_in_tasks(db, "staff", &staff.id)
        .await?
        .into_iter()
        .filter(|t| {
            t.agency_id == actor.org_id
                && t.start_date <= today
                && TaskState::parse(&t.state).map(|s| s.on(t.end_date, today))
                    == Some(TaskState::InProgress)
        })
        .collect();
    let enterprise_ids: Vec<String> = tasks.iter().map(|t| t.enterprise_id.clone()).collect();
    let names = repo::organization::names(db, &enterprise_ids).await?;
    let mut out = Vec::with_capacity(tasks.len());
    for t in tasks {
        let outlet_ids: Vec<String> = repo::task::bindings(db, &t.id)
            .await?
            .into_iter()
            .filter(|b| b.kind == "outlet")
            .map(|b| b.ref_id)
            .collect();
        let outlets = repo::outlet::by_ids(db, &outlet_ids)
            .await?
            .into_iter()
            .map(outlet_of)
            .collect();
        out.push(FieldTask {
            enterprise_name: names.get(&t.enterprise_id).cloned().unwrap_or_default(),
            id: t.id,
            name: t.name,
            number: t.number,
            outlets,
        });
    }
    Ok(out)
}

/// One outlet of one of the filer's running tasks; 404 for anything else.
pub async fn site(
    app: &App,
    actor: &Actor,
    task_id: &str,
    outlet_id: &str,
) -> Result<FieldSite, AppError> {
    let tasks = my_tasks(app, actor).await?;
    let task = tasks
        .into_iter()
        .find(|t| t.id == task_id)
        .ok_or(AppError::new(ErrorCode::NotFound))?;
    let outlet = task
        .outlets
        .into_iter()
        .find(|o| o.id == outlet_id)
        .ok_or(AppError::new(ErrorCode::NotFound))?;
    let db = &app.db().conn;
    let instruments = repo::outlet::instruments(db, &outlet.id)
        .await?
        .into_iter()
        .map(|i| InstrumentRef {
            label: super::instrument_label(&i),
            id: i.id,
        })
        .collect();
    let form_types = match outlet.kind {
        Some(k) => app
            .form_types(Some(k))
            .await?
            .iter()
            .map(|d| (d.code.clone(), d.name.clone()))
            .collect(),
        None => Vec::new(),
    };
    Ok(FieldSite {
        task_id: task.id,
        task_name: task.name,
        outlet,
        instruments,
        form_types,
    })
}
