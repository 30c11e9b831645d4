//! The route table. Every route EMSS serves is one row here with the permission it requires; the
//! router is built from the table, so a route cannot exist without a permission (ACL-01).

use crate::context::Ctx;
use crate::error::{ApiError, PageError};
use crate::layers::CsrfPending;
use crate::{AppState, api, assets, h5, pages};
use axum::Router;
use axum::extract::{Request, State};
use axum::http::{Method, Uri};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{MethodFilter, MethodRouter, on};
use emss_domain::{ErrorCode, Permission};

/// Who a route answers and how its errors look.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Surface {
    /// `/api/...`: JSON, 401 when signed out.
    Api,
    /// The mobile pages under `/m/`: sign-in redirects to the mobile login.
    Mobile,
    /// Everything else: portal and public pages, static files, health checks.
    Portal,
}

impl Surface {
    pub fn of_path(path: &str) -> Surface {
        if path.starts_with("/api/") {
            Surface::Api
        } else if path == "/m" || path.starts_with("/m/") {
            Surface::Mobile
        } else {
            Surface::Portal
        }
    }
}

/// One row of the route table.
pub struct RouteDef {
    /// Stable name, used by menus and by the access expectation table.
    pub id: &'static str,
    pub method: Method,
    /// axum path template, e.g. `/api/v1/records/{id}`.
    pub path: &'static str,
    pub permission: Permission,
    /// Takes files (multipart): a larger body limit, and the upload reader checks its CSRF field.
    pub upload: bool,
    handler: fn() -> MethodRouter<AppState>,
}

impl RouteDef {
    pub fn surface(&self) -> Surface {
        Surface::of_path(self.path)
    }

    /// Routes about one object answer 404, never 403, to a caller who may not see it (ACL-02).
    pub fn is_object_route(&self) -> bool {
        self.path.contains('{') && !self.path.starts_with("/static/")
    }
}

macro_rules! route {
    ($id:literal, $method:ident, $path:literal, $perm:ident, $handler:path) => {
        RouteDef {
            id: $id,
            method: Method::$method,
            path: $path,
            permission: Permission::$perm,
            upload: false,
            handler: || on(MethodFilter::$method, $handler),
        }
    };
    // A route that takes files: a larger body limit.
    ($id:literal, $method:ident, $path:literal, $perm:ident, $handler:path, upload) => {
        RouteDef {
            id: $id,
            method: Method::$method,
            path: $path,
            permission: Permission::$perm,
            upload: true,
            handler: || {
                on(MethodFilter::$method, $handler).layer(axum::extract::DefaultBodyLimit::max(
                    crate::upload::UPLOAD_LIMIT,
                ))
            },
        }
    };
}

/// Every route of EMSS.
#[rustfmt::skip]
pub fn table() -> Vec<RouteDef> {
    vec![
        // Health and assets.
        route!("health.live", GET, "/healthz", Public, api::health::live),
        route!("health.ready", GET, "/readyz", Public, api::health::ready),
        route!("static.file", GET, "/static/{file}", Public, assets::serve),
        // The audit witness (plain text, for other EMSS instances and verifiers).
        route!("witness.add_checkpoint", POST, "/witness/add-checkpoint", Public, crate::witness::add_checkpoint),
        route!("witness.latest", GET, "/witness/logs/{key_id}/checkpoint", Public, crate::witness::latest),
        // API.
        route!("api.openapi", GET, "/api/v1/openapi.json", Public, api::openapi_json),
        route!("api.auth.login", POST, "/api/v1/auth/login", Public, api::auth::login),
        route!("api.auth.logout", POST, "/api/v1/auth/logout", SignedIn, api::auth::logout),
        route!("api.auth.password", POST, "/api/v1/auth/password", SignedIn, api::auth::change_password),
        route!("api.me", GET, "/api/v1/me", SignedIn, api::auth::me),
        route!("api.accounts.list", GET, "/api/v1/accounts", ListAccounts, api::accounts::list),
        route!("api.accounts.create", POST, "/api/v1/accounts", CreateAccount, api::accounts::create),
        route!("api.accounts.get", GET, "/api/v1/accounts/{id}", ListAccounts, api::accounts::get),
        route!("api.accounts.roles", PUT, "/api/v1/accounts/{id}/roles", ListAccounts, api::accounts::set_roles),
        route!("api.accounts.enabled", PUT, "/api/v1/accounts/{id}/enabled", ListAccounts, api::accounts::set_enabled),
        route!("api.accounts.end_sessions", POST, "/api/v1/accounts/{id}/end-sessions", ListAccounts, api::accounts::end_sessions),
        route!("api.accounts.reveal_phone", POST, "/api/v1/accounts/{id}/reveal-phone", ListAccounts, api::accounts::reveal_phone),
        route!("api.security_policy.get", GET, "/api/v1/security-policy", ManageSecurityPolicy, api::accounts::get_policy),
        route!("api.security_policy.put", PUT, "/api/v1/security-policy", ManageSecurityPolicy, api::accounts::put_policy),
        route!("api.registrations.create", POST, "/api/v1/registrations", Public, api::agencies::register, upload),
        route!("api.filing.get", GET, "/api/v1/filing", ManageOwnFiling, api::agencies::own),
        route!("api.filing.update", PUT, "/api/v1/filing", ManageOwnFiling, api::agencies::update),
        route!("api.filing.submit", POST, "/api/v1/filing/submit", ManageOwnFiling, api::agencies::submit),
        route!("api.filing.attachments.create", POST, "/api/v1/filing/attachments", ManageOwnFiling, api::agencies::upload, upload),
        route!("api.agencies.attachments.get", GET, "/api/v1/agencies/{id}/attachments/{attachment_id}", SignedIn, api::agencies::attachment),
        route!("api.agencies.list", GET, "/api/v1/agencies", Public, api::agencies::search),
        route!("api.agencies.get", GET, "/api/v1/agencies/{id}", Public, api::agencies::get),
        route!("api.agencies.review", POST, "/api/v1/agencies/{id}/review", ReviewFiling, api::agencies::review),
        route!("api.agencies.published", PUT, "/api/v1/agencies/{id}/published", PublishFiling, api::agencies::set_published),
        route!("api.agencies.resources", GET, "/api/v1/agencies/{id}/resources", SignedIn, api::agency_resources::get),
        route!("api.filing.changes", GET, "/api/v1/filing/changes", ManageOwnFiling, api::filing_changes::own),
        route!("api.filing.changes.create", POST, "/api/v1/filing/changes", ManageOwnFiling, api::filing_changes::create),
        route!("api.change_requests.list", GET, "/api/v1/change-requests", ReviewFiling, api::filing_changes::queue),
        route!("api.change_requests.decide", POST, "/api/v1/change-requests/{id}/decision", ReviewFiling, api::filing_changes::decide),
        route!("api.filing.staff.create", POST, "/api/v1/filing/staff", ManageOwnFiling, api::agency_resources::create_staff),
        route!("api.filing.staff.update", PUT, "/api/v1/filing/staff/{id}", ManageOwnFiling, api::agency_resources::update_staff),
        route!("api.filing.equipment.create", POST, "/api/v1/filing/equipment", ManageOwnFiling, api::agency_resources::create_equipment),
        route!("api.filing.equipment.update", PUT, "/api/v1/filing/equipment/{id}", ManageOwnFiling, api::agency_resources::update_equipment),
        route!("api.filing.equipment.delete", DELETE, "/api/v1/filing/equipment/{id}", ManageOwnFiling, api::agency_resources::delete_equipment),
        route!("api.filing.spare_parts.create", POST, "/api/v1/filing/spare-parts", ManageOwnFiling, api::agency_resources::create_spare_part),
        route!("api.filing.spare_parts.update", PUT, "/api/v1/filing/spare-parts/{id}", ManageOwnFiling, api::agency_resources::update_spare_part),
        route!("api.filing.spare_parts.delete", DELETE, "/api/v1/filing/spare-parts/{id}", ManageOwnFiling, api::agency_resources::delete_spare_part),
        route!("api.filing.standard_materials.create", POST, "/api/v1/filing/standard-materials", ManageOwnFiling, api::agency_resources::create_standard_material),
        route!("api.filing.standard_materials.update", PUT, "/api/v1/filing/standard-materials/{id}", ManageOwnFiling, api::agency_resources::update_standard_material),
        route!("api.contracts.list", GET, "/api/v1/contracts", ViewContracts, api::contracts::list),
        route!("api.contracts.create", POST, "/api/v1/contracts", ManageContracts, api::contracts::create),
        route!("api.contracts.get", GET, "/api/v1/contracts/{id}", ViewContracts, api::contracts::get),
        route!("api.contracts.update", PUT, "/api/v1/contracts/{id}", ManageContracts, api::contracts::update),
        route!("api.contracts.submit", POST, "/api/v1/contracts/{id}/submit", ManageContracts, api::contracts::submit),
        route!("api.contracts.decide", POST, "/api/v1/contracts/{id}/decision", DecideContracts, api::contracts::decide),
        route!("api.contracts.changes", GET, "/api/v1/contracts/{id}/changes", ViewContracts, api::contracts::changes),
        route!("api.contracts.changes.create", POST, "/api/v1/contracts/{id}/changes", ManageContracts, api::contracts::request_change),
        route!("api.contracts.changes.decide", POST, "/api/v1/contracts/{id}/changes/{change_id}/decision", DecideContracts, api::contracts::decide_change),
        route!("api.contracts.attachments.create", POST, "/api/v1/contracts/{id}/attachments", ManageContracts, api::contracts::upload_attachment, upload),
        route!("api.contracts.attachments.get", GET, "/api/v1/contracts/{id}/attachments/{attachment_id}", ViewContracts, api::contracts::attachment),
        route!("api.attachments.create", POST, "/api/v1/attachments", FileEvidence, api::evidence::upload, upload),
        route!("api.attachments.get", GET, "/api/v1/attachments/{id}", SignedIn, api::evidence::get),
        route!("api.records.list", GET, "/api/v1/records", ViewRecords, api::records::list),
        route!("api.records.create", POST, "/api/v1/records", FileRecords, api::records::create),
        route!("api.records.get", GET, "/api/v1/records/{id}", ViewRecords, api::records::get),
        route!("api.records.update", PUT, "/api/v1/records/{id}", FileRecords, api::records::update),
        route!("api.records.attachments.create", POST, "/api/v1/records/{id}/attachments", FileRecords, api::records::upload, upload),
        route!("api.records.submit", POST, "/api/v1/records/{id}/submit", FileRecords, api::records::submit),
        route!("api.confirmations.pending", GET, "/api/v1/confirmations/pending", ConfirmRecords, api::records::pending),
        route!("api.confirmations.create", POST, "/api/v1/confirmations", ConfirmRecords, api::records::confirm),
        route!("api.reviews.create", POST, "/api/v1/reviews", ReviewRecords, api::records::review),
        route!("api.fault_periods.list", GET, "/api/v1/fault-periods", ViewRecords, api::records::fault_periods),
        route!("api.rectifications.list", GET, "/api/v1/rectifications", ViewRectifications, api::rectifications::list),
        route!("api.rectifications.create", POST, "/api/v1/rectifications", IssueRectifications, api::rectifications::create),
        route!("api.rectifications.suggestions", GET, "/api/v1/rectifications/suggestions", IssueRectifications, api::rectifications::suggestions),
        route!("api.rectifications.suggestions.adopt", POST, "/api/v1/rectifications/suggestions/{id}/adopt", IssueRectifications, api::rectifications::adopt_suggestion),
        route!("api.rectifications.suggestions.dismiss", POST, "/api/v1/rectifications/suggestions/{id}/dismiss", IssueRectifications, api::rectifications::dismiss_suggestion),
        route!("api.rectifications.get", GET, "/api/v1/rectifications/{id}", ViewRectifications, api::rectifications::get),
        route!("api.rectifications.update", PUT, "/api/v1/rectifications/{id}", IssueRectifications, api::rectifications::update),
        route!("api.rectifications.issue", POST, "/api/v1/rectifications/{id}/issue", IssueRectifications, api::rectifications::issue),
        route!("api.rectifications.sign", POST, "/api/v1/rectifications/{id}/sign", RespondRectifications, api::rectifications::sign),
        route!("api.rectifications.response", POST, "/api/v1/rectifications/{id}/response", RespondRectifications, api::rectifications::respond),
        route!("api.rectifications.accept", POST, "/api/v1/rectifications/{id}/accept", IssueRectifications, api::rectifications::accept),
        route!("api.rectifications.return", POST, "/api/v1/rectifications/{id}/return", IssueRectifications, api::rectifications::return_answer),
        route!("api.rectifications.attachments.create", POST, "/api/v1/rectifications/{id}/attachments", ViewRectifications, api::rectifications::upload_attachment, upload),
        route!("api.rectifications.extensions.create", POST, "/api/v1/rectifications/{id}/extensions", RespondRectifications, api::rectifications::request_extension),
        route!("api.rectifications.extensions.decide", POST, "/api/v1/rectifications/{id}/extensions/{extension_id}/decision", IssueRectifications, api::rectifications::decide_extension),
        route!("api.rectifications.attachments.get", GET, "/api/v1/rectifications/{id}/attachments/{attachment_id}", ViewRectifications, api::rectifications::attachment),
        route!("api.inspections.list", GET, "/api/v1/inspections", ViewInspections, api::inspections::list),
        route!("api.inspections.create", POST, "/api/v1/inspections", Inspect, api::inspections::create),
        route!("api.inspections.get", GET, "/api/v1/inspections/{id}", ViewInspections, api::inspections::get),
        route!("api.inspections.results", POST, "/api/v1/inspections/{id}/results", Inspect, api::inspections::complete),
        route!("api.inspections.findings.create", POST, "/api/v1/inspections/{id}/findings", Inspect, api::inspections::add_finding),
        route!("api.inspections.attachments.create", POST, "/api/v1/inspections/{id}/attachments", Inspect, api::inspections::upload_attachment, upload),
        route!("api.inspections.attachments.get", GET, "/api/v1/inspections/{id}/attachments/{attachment_id}", ViewInspections, api::inspections::attachment),
        route!("api.credit.systems", GET, "/api/v1/credit/systems", ViewCredit, api::credit::systems),
        route!("api.credit.systems.publish", POST, "/api/v1/credit/systems/{id}/publish", ManageCredit, api::credit::publish),
        route!("api.credit.computations", POST, "/api/v1/credit/computations", ManageCredit, api::credit::compute),
        route!("api.credit.ratings", GET, "/api/v1/credit/ratings", ViewCredit, api::credit::ratings),
        route!("api.credit.rating", GET, "/api/v1/credit/ratings/{agency_id}", ViewCredit, api::credit::rating),
        route!("api.credit.objections.create", POST, "/api/v1/credit/ratings/{agency_id}/objections", ObjectToCredit, api::credit::object),
        route!("api.credit.objections", GET, "/api/v1/credit/objections", ViewCredit, api::credit::objections),
        route!("api.credit.objection", GET, "/api/v1/credit/objections/{id}", ViewCredit, api::credit::objection),
        route!("api.credit.objections.decide", POST, "/api/v1/credit/objections/{id}/decision", ManageCredit, api::credit::decide),
        route!("api.credit.publications", POST, "/api/v1/credit/publications", ManageCredit, api::credit::start_publicity),
        route!("api.credit.activity", GET, "/api/v1/credit/activity/{agency_id}", ViewCredit, api::credit::activity),
        route!("api.credit.publications.publish", POST, "/api/v1/credit/publications/{year}/publish", ManageCredit, api::credit::publish_year),
        route!("api.tasks.list", GET, "/api/v1/tasks", ViewTasks, api::tasks::list),
        route!("api.tasks.create", POST, "/api/v1/tasks", ManageTasks, api::tasks::create),
        route!("api.tasks.get", GET, "/api/v1/tasks/{id}", ViewTasks, api::tasks::get),
        route!("api.tasks.update", PUT, "/api/v1/tasks/{id}", ManageTasks, api::tasks::update),
        route!("api.tasks.submit", POST, "/api/v1/tasks/{id}/submit", ManageTasks, api::tasks::submit),
        route!("api.tasks.close", POST, "/api/v1/tasks/{id}/close", ManageTasks, api::tasks::close),
        route!("api.tasks.occurrences", GET, "/api/v1/tasks/{id}/occurrences", ViewTasks, api::tasks::task_occurrences),
        route!("api.occurrences", GET, "/api/v1/occurrences", ViewTasks, api::tasks::occurrences),
        route!("api.tasks.reports", GET, "/api/v1/tasks/{id}/reports", ViewTasks, api::tasks::reports),
        route!("api.tasks.reports.create", POST, "/api/v1/tasks/{id}/reports", ManageTasks, api::tasks::upload_report, upload),
        route!("api.tasks.reports.file", GET, "/api/v1/tasks/{id}/reports/{report_id}/file", ViewTasks, api::tasks::report_file),
        route!("api.tasks.changes", GET, "/api/v1/tasks/{id}/changes", ViewTasks, api::tasks::changes),
        route!("api.tasks.changes.create", POST, "/api/v1/tasks/{id}/changes", ManageTasks, api::tasks::request_change),
        route!("api.tasks.changes.decide", POST, "/api/v1/tasks/{id}/changes/{change_id}/decision", DecideTaskChanges, api::tasks::decide_change),
        route!("api.enterprises.import", POST, "/api/v1/enterprises/import", ImportEnterprises, api::enterprises::import),
        route!("api.outlets.list", GET, "/api/v1/outlets", SignedIn, api::outlets::list),
        route!("api.outlets.create", POST, "/api/v1/outlets", ManageOutlets, api::outlets::create),
        route!("api.outlets.import", POST, "/api/v1/outlets/import", ManageOutlets, api::outlets::import),
        route!("api.outlets.get", GET, "/api/v1/outlets/{id}", SignedIn, api::outlets::get),
        route!("api.outlets.update", PUT, "/api/v1/outlets/{id}", ManageOutlets, api::outlets::update),
        route!("api.outlets.instruments", GET, "/api/v1/outlets/{id}/instruments", SignedIn, api::outlets::instruments),
        route!("api.outlets.instruments.create", POST, "/api/v1/outlets/{id}/instruments", ManageOutlets, api::outlets::add_instrument),
        route!("api.outlets.emission_limits", GET, "/api/v1/outlets/{id}/emission-limits", SignedIn, api::outlets::emission_limits),
        route!("api.outlets.emission_limits.put", PUT, "/api/v1/outlets/{id}/emission-limits", ManageOutlets, api::outlets::set_emission_limit),
        route!("api.instruments.update", PUT, "/api/v1/instruments/{id}", ManageOutlets, api::outlets::update_instrument),
        route!("api.form_types.list", GET, "/api/v1/form-types", SignedIn, api::forms::list),
        route!("api.form_types.get", GET, "/api/v1/form-types/{code}", SignedIn, api::forms::get),
        route!("api.form_types.check", POST, "/api/v1/form-types/{code}/check", SignedIn, api::forms::check),
        route!("api.form_types.publish", POST, "/api/v1/form-types/{code}/versions", PublishCatalogue, api::forms::publish),
        route!("api.standard_rule.get", GET, "/api/v1/standard-material-rule", SignedIn, api::forms::standard_rule),
        route!("api.standard_rule.put", PUT, "/api/v1/standard-material-rule", PublishCatalogue, api::forms::set_standard_rule),
        // Portal.
        route!("page.home", GET, "/", SignedIn, pages::home::show),
        route!("page.login", GET, "/login", Public, pages::login::show),
        route!("page.login.submit", POST, "/login", Public, pages::login::submit),
        route!("page.logout", POST, "/logout", SignedIn, pages::login::logout),
        route!("page.help", GET, "/help", Public, pages::help::contacts),
        route!("page.help.api", GET, "/help/api", Public, pages::help::api),
        route!("page.help.ui", GET, "/help/ui", ViewStyleGuide, pages::help::style_guide),
        route!("page.account", GET, "/account", SignedIn, pages::my_account::show),
        route!("page.account.password", GET, "/account/password", SignedIn, pages::my_account::password_form),
        route!("page.account.password.submit", POST, "/account/password", SignedIn, pages::my_account::password_submit),
        route!("page.account.devices.revoke", POST, "/account/devices/{id}/revoke", SignedIn, pages::my_account::revoke_device),
        route!("page.accounts", GET, "/accounts", ListAccounts, pages::accounts::list),
        route!("page.accounts.export", GET, "/accounts/export.csv", ListAccounts, pages::accounts::export),
        route!("page.accounts.export_xlsx", GET, "/accounts/export.xlsx", ListAccounts, pages::accounts::export_xlsx),
        route!("page.accounts.new", GET, "/accounts/new", CreateAccount, pages::accounts::new_form),
        route!("page.accounts.create", POST, "/accounts", CreateAccount, pages::accounts::create),
        route!("page.accounts.show", GET, "/accounts/{id}", ListAccounts, pages::accounts::show),
        route!("page.accounts.roles", POST, "/accounts/{id}/roles", ListAccounts, pages::accounts::set_roles),
        route!("page.accounts.enabled", POST, "/accounts/{id}/enabled", ListAccounts, pages::accounts::set_enabled),
        route!("page.accounts.reset_password", POST, "/accounts/{id}/reset-password", ListAccounts, pages::accounts::reset_password),
        route!("page.accounts.end_sessions", POST, "/accounts/{id}/end-sessions", ListAccounts, pages::accounts::end_sessions),
        route!("page.accounts.reveal_phone", POST, "/accounts/{id}/reveal-phone", ListAccounts, pages::accounts::reveal_phone),
        route!("page.audit", GET, "/admin/audit", ReadAudit, pages::audit::list),
        route!("page.audit.export", GET, "/admin/audit/export.csv", ReadAudit, pages::audit::export),
        route!("page.audit.export_xlsx", GET, "/admin/audit/export.xlsx", ReadAudit, pages::audit::export_xlsx),
        route!("page.audit.integrity", GET, "/admin/audit/integrity", ReadAudit, pages::audit::integrity),
        route!("page.security", GET, "/admin/security", ManageSecurityPolicy, pages::security::show),
        route!("page.security.submit", POST, "/admin/security", ManageSecurityPolicy, pages::security::submit),
        route!("page.register", GET, "/register", Public, pages::agencies::register_form),
        route!("page.register.submit", POST, "/register", Public, pages::agencies::register_submit, upload),
        route!("page.public.agencies", GET, "/public/agencies", Public, pages::agencies::public_list),
        route!("page.public.agencies.show", GET, "/public/agencies/{id}", Public, pages::agencies::public_show),
        route!("page.filing", GET, "/filing", ManageOwnFiling, pages::agencies::own),
        route!("page.filing.update", POST, "/filing", ManageOwnFiling, pages::agencies::own_update),
        route!("page.filing.submit", POST, "/filing/submit", ManageOwnFiling, pages::agencies::own_submit),
        route!("page.filing.attachments.create", POST, "/filing/attachments", ManageOwnFiling, pages::agencies::own_upload, upload),
        route!("page.filing.changes.create", POST, "/filing/changes", ManageOwnFiling, pages::filing_changes::request),
        route!("page.change_requests", GET, "/change-requests", ReviewFiling, pages::filing_changes::queue),
        route!("page.change_requests.decide", POST, "/change-requests/{id}/decision", ReviewFiling, pages::filing_changes::decide),
        route!("page.filing.staff", GET, "/filing/staff", ManageOwnFiling, pages::agency_resources::staff),
        route!("page.filing.staff.create", POST, "/filing/staff", ManageOwnFiling, pages::agency_resources::create_staff),
        route!("page.filing.staff.update", POST, "/filing/staff/{id}", ManageOwnFiling, pages::agency_resources::update_staff),
        route!("page.filing.equipment", GET, "/filing/equipment", ManageOwnFiling, pages::agency_resources::equipment),
        route!("page.filing.equipment.create", POST, "/filing/equipment", ManageOwnFiling, pages::agency_resources::create_equipment),
        route!("page.filing.equipment.update", POST, "/filing/equipment/{id}", ManageOwnFiling, pages::agency_resources::update_equipment),
        route!("page.filing.equipment.delete", POST, "/filing/equipment/{id}/delete", ManageOwnFiling, pages::agency_resources::delete_equipment),
        route!("page.filing.spare_parts", GET, "/filing/spare-parts", ManageOwnFiling, pages::agency_resources::spare_parts),
        route!("page.filing.spare_parts.create", POST, "/filing/spare-parts", ManageOwnFiling, pages::agency_resources::create_spare_part),
        route!("page.filing.spare_parts.update", POST, "/filing/spare-parts/{id}", ManageOwnFiling, pages::agency_resources::update_spare_part),
        route!("page.filing.spare_parts.delete", POST, "/filing/spare-parts/{id}/delete", ManageOwnFiling, pages::agency_resources::delete_spare_part),
        route!("page.filing.standard_materials", GET, "/filing/standard-materials", ManageOwnFiling, pages::agency_resources::standard_materials),
        route!("page.filing.standard_materials.create", POST, "/filing/standard-materials", ManageOwnFiling, pages::agency_resources::create_standard_material),
        route!("page.filing.standard_materials.update", POST, "/filing/standard-materials/{id}", ManageOwnFiling, pages::agency_resources::update_standard_material),
        route!("page.enterprises.import_form", GET, "/admin/enterprises/import", ImportEnterprises, pages::enterprises::import_form),
        route!("page.enterprises.import", POST, "/admin/enterprises/import", ImportEnterprises, pages::enterprises::import, upload),
        route!("page.contracts", GET, "/contracts", ViewContracts, pages::contracts::list),
        route!("page.contracts.export", GET, "/contracts/export.csv", ViewContracts, pages::contracts::export),
        route!("page.contracts.export_xlsx", GET, "/contracts/export.xlsx", ViewContracts, pages::contracts::export_xlsx),
        route!("page.contracts.new", GET, "/contracts/new", ManageContracts, pages::contracts::new),
        route!("page.contracts.create", POST, "/contracts", ManageContracts, pages::contracts::create),
        route!("page.contracts.show", GET, "/contracts/{id}", ViewContracts, pages::contracts::show),
        route!("page.contracts.update", POST, "/contracts/{id}", ManageContracts, pages::contracts::update),
        route!("page.contracts.submit", POST, "/contracts/{id}/submit", ManageContracts, pages::contracts::submit),
        route!("page.contracts.decide", POST, "/contracts/{id}/decision", DecideContracts, pages::contracts::decide),
        route!("page.contracts.changes.create", POST, "/contracts/{id}/changes", ManageContracts, pages::contracts::request_change),
        route!("page.contracts.changes.decide", POST, "/contracts/{id}/changes/{change_id}/decision", DecideContracts, pages::contracts::decide_change),
        route!("page.contracts.attachments.create", POST, "/contracts/{id}/attachments", ManageContracts, pages::contracts::upload_attachment, upload),
        route!("page.contracts.attachments.get", GET, "/contracts/{id}/attachments/{attachment_id}", ViewContracts, pages::contracts::attachment),
        route!("page.tasks", GET, "/tasks", ViewTasks, pages::tasks::list),
        route!("page.tasks.export", GET, "/tasks/export.csv", ViewTasks, pages::tasks::export_tasks),
        route!("page.tasks.export_xlsx", GET, "/tasks/export.xlsx", ViewTasks, pages::tasks::export_tasks_xlsx),
        route!("page.tasks.new", GET, "/tasks/new", ManageTasks, pages::tasks::new),
        route!("page.tasks.create", POST, "/tasks", ManageTasks, pages::tasks::create),
        route!("page.tasks.maintenance", GET, "/tasks/maintenance", ViewTasks, pages::tasks::maintenance),
        route!("page.tasks.maintenance.export", GET, "/tasks/maintenance/export.csv", ViewTasks, pages::tasks::export),
        route!("page.tasks.maintenance.export_xlsx", GET, "/tasks/maintenance/export.xlsx", ViewTasks, pages::tasks::export_xlsx),
        route!("page.tasks.show", GET, "/tasks/{id}", ViewTasks, pages::tasks::show),
        route!("page.records", GET, "/records", ViewRecords, pages::records::list),
        route!("page.records.export", GET, "/records/export.csv", ViewRecords, pages::records::export),
        route!("page.records.export_xlsx", GET, "/records/export.xlsx", ViewRecords, pages::records::export_xlsx),
        route!("page.fault_periods", GET, "/fault-periods", ViewRecords, pages::records::fault_periods),
        route!("page.records.show", GET, "/records/{id}", ViewRecords, pages::records::show),
        route!("page.records.print", GET, "/records/{id}/print", ViewRecords, pages::records::print),
        route!("page.tasks.update", POST, "/tasks/{id}", ManageTasks, pages::tasks::update),
        route!("page.tasks.submit", POST, "/tasks/{id}/submit", ManageTasks, pages::tasks::submit),
        route!("page.tasks.close", POST, "/tasks/{id}/close", ManageTasks, pages::tasks::close),
        route!("page.tasks.reports.create", POST, "/tasks/{id}/reports", ManageTasks, pages::tasks::upload_report, upload),
        route!("page.tasks.reports.file", GET, "/tasks/{id}/reports/{report_id}/file", ViewTasks, pages::tasks::report_file),
        route!("page.tasks.changes.create", POST, "/tasks/{id}/changes", ManageTasks, pages::tasks::request_change),
        route!("page.tasks.changes.decide", POST, "/tasks/{id}/changes/{change_id}/decision", DecideTaskChanges, pages::tasks::decide_change),
        route!("page.rectifications", GET, "/rectifications", ViewRectifications, pages::rectifications::list),
        route!("page.rectifications.export", GET, "/rectifications/export.csv", ViewRectifications, pages::rectifications::export),
        route!("page.rectifications.new", GET, "/rectifications/new", IssueRectifications, pages::rectifications::new),
        route!("page.rectifications.create", POST, "/rectifications", IssueRectifications, pages::rectifications::create),
        route!("page.rectifications.suggestions", GET, "/rectifications/suggestions", IssueRectifications, pages::rectifications::suggestions),
        route!("page.rectifications.suggestions.adopt", POST, "/rectifications/suggestions/{id}/adopt", IssueRectifications, pages::rectifications::adopt_suggestion),
        route!("page.rectifications.suggestions.dismiss", POST, "/rectifications/suggestions/{id}/dismiss", IssueRectifications, pages::rectifications::dismiss_suggestion),
        route!("page.rectifications.show", GET, "/rectifications/{id}", ViewRectifications, pages::rectifications::show),
        route!("page.rectifications.edit", GET, "/rectifications/{id}/edit", IssueRectifications, pages::rectifications::edit),
        route!("page.rectifications.update", POST, "/rectifications/{id}", IssueRectifications, pages::rectifications::update),
        route!("page.rectifications.issue", POST, "/rectifications/{id}/issue", IssueRectifications, pages::rectifications::issue),
        route!("page.rectifications.sign", POST, "/rectifications/{id}/sign", RespondRectifications, pages::rectifications::sign),
        route!("page.rectifications.response", POST, "/rectifications/{id}/response", RespondRectifications, pages::rectifications::respond),
        route!("page.rectifications.decide", POST, "/rectifications/{id}/decision", IssueRectifications, pages::rectifications::decide),
        route!("page.rectifications.attachments.create", POST, "/rectifications/{id}/attachments", ViewRectifications, pages::rectifications::upload_attachment, upload),
        route!("page.rectifications.attachments.get", GET, "/rectifications/{id}/attachments/{attachment_id}", ViewRectifications, pages::rectifications::attachment),
        route!("page.rectifications.extensions.create", POST, "/rectifications/{id}/extensions", RespondRectifications, pages::rectifications::request_extension),
        route!("page.rectifications.extensions.decide", POST, "/rectifications/{id}/extensions/{extension_id}/decision", IssueRectifications, pages::rectifications::decide_extension),
        route!("page.rectifications.export_xlsx", GET, "/rectifications/export.xlsx", ViewRectifications, pages::rectifications::export_xlsx),
        route!("page.rectifications.print", GET, "/rectifications/{id}/print", ViewRectifications, pages::rectifications::print),
        route!("page.statistics", GET, "/statistics", ViewStatistics, pages::statistics::show),
        route!("page.statistics.export", GET, "/statistics/export.csv", ViewStatistics, pages::statistics::export),
        route!("page.statistics.export_xlsx", GET, "/statistics/export.xlsx", ViewStatistics, pages::statistics::export_xlsx),
        route!("page.credit.systems", GET, "/credit/systems", ViewCredit, pages::credit::systems),
        route!("page.credit.system", GET, "/credit/systems/{id}", ViewCredit, pages::credit::system),
        route!("page.credit.systems.publish", POST, "/credit/systems/{id}/publish", ManageCredit, pages::credit::publish),
        route!("page.credit.drafts.save", POST, "/credit/drafts/{kind}", ManageCredit, pages::credit::save_draft),
        route!("page.credit.ratings", GET, "/credit/ratings", ViewCredit, pages::credit::ratings),
        route!("page.credit.ratings.export", GET, "/credit/ratings/export.csv", ViewCredit, pages::credit::export),
        route!("page.credit.ratings.export_xlsx", GET, "/credit/ratings/export.xlsx", ViewCredit, pages::credit::export_xlsx),
        route!("page.credit.compute", POST, "/credit/ratings/compute", ManageCredit, pages::credit::compute),
        route!("page.credit.rating", GET, "/credit/ratings/{agency_id}", ViewCredit, pages::credit::rating),
        route!("page.credit.objections.create", POST, "/credit/ratings/{agency_id}/objections", ObjectToCredit, pages::credit::object),
        route!("page.credit.publicity", POST, "/credit/publications", ManageCredit, pages::credit::start_publicity),
        route!("page.credit.publish", POST, "/credit/publications/{year}/publish", ManageCredit, pages::credit::publish_year),
        route!("page.credit.activity", GET, "/credit/activity", ViewCredit, pages::credit_activity::list),
        route!("page.credit.activity.agency", GET, "/credit/activity/{agency_id}", ViewCredit, pages::credit_activity::show),
        route!("page.credit.objections", GET, "/credit/objections", ViewCredit, pages::credit_objections::list),
        route!("page.credit.objection", GET, "/credit/objections/{id}", ViewCredit, pages::credit_objections::show),
        route!("page.credit.objection.decide", POST, "/credit/objections/{id}/decision", ManageCredit, pages::credit_objections::decide),
        route!("page.credit.objection.upload", POST, "/credit/objections/{id}/documents", ObjectToCredit, pages::credit_objections::upload_document, upload),
        route!("page.credit.objection.document", GET, "/credit/objections/{id}/documents/{document_id}", ViewCredit, pages::credit_objections::document),
        route!("page.inspections", GET, "/inspections", ViewInspections, pages::inspections::list),
        route!("page.inspections.export", GET, "/inspections/export.csv", ViewInspections, pages::inspections::export),
        route!("page.inspections.export_xlsx", GET, "/inspections/export.xlsx", ViewInspections, pages::inspections::export_xlsx),
        route!("page.inspections.new", GET, "/inspections/new", Inspect, pages::inspections::new),
        route!("page.inspections.create", POST, "/inspections", Inspect, pages::inspections::create),
        route!("page.inspections.show", GET, "/inspections/{id}", ViewInspections, pages::inspections::show),
        route!("page.inspections.results", POST, "/inspections/{id}/results", Inspect, pages::inspections::complete),
        route!("page.inspections.findings.create", POST, "/inspections/{id}/findings", Inspect, pages::inspections::add_finding),
        route!("page.inspections.attachments.create", POST, "/inspections/{id}/attachments", Inspect, pages::inspections::upload_attachment, upload),
        route!("page.inspections.attachments.get", GET, "/inspections/{id}/attachments/{attachment_id}", ViewInspections, pages::inspections::attachment),
        route!("page.outlets", GET, "/outlets", ViewOutlets, pages::outlets::list),
        route!("page.outlets.new", GET, "/outlets/new", ManageOutlets, pages::outlets::new),
        route!("page.outlets.create", POST, "/outlets", ManageOutlets, pages::outlets::create),
        route!("page.outlets.import_form", GET, "/outlets/import", ManageOutlets, pages::outlets::import_form),
        route!("page.outlets.import", POST, "/outlets/import", ManageOutlets, pages::outlets::import, upload),
        route!("page.outlets.show", GET, "/outlets/{id}", ViewOutlets, pages::outlets::show),
        route!("page.outlets.update", POST, "/outlets/{id}", ManageOutlets, pages::outlets::update),
        route!("page.outlets.instruments.create", POST, "/outlets/{id}/instruments", ManageOutlets, pages::outlets::add_instrument),
        route!("page.outlets.emission_limits", POST, "/outlets/{id}/emission-limits", ManageOutlets, pages::outlets::set_emission_limit),
        route!("page.instruments.update", POST, "/instruments/{id}", ManageOutlets, pages::outlets::update_instrument),
        route!("page.agencies", GET, "/agencies", SearchAgencies, pages::agencies::list),
        route!("page.agencies.export", GET, "/agencies/export.csv", SearchAgencies, pages::agencies::export),
        route!("page.agencies.export_xlsx", GET, "/agencies/export.xlsx", SearchAgencies, pages::agencies::export_xlsx),
        route!("page.agencies.show", GET, "/agencies/{id}", SearchAgencies, pages::agencies::show),
        route!("page.agencies.review", POST, "/agencies/{id}/review", ReviewFiling, pages::agencies::review),
        route!("page.agencies.publish", POST, "/agencies/{id}/published", PublishFiling, pages::agencies::publish),
        route!("page.catalogue", GET, "/catalogue", SignedIn, pages::catalogue::list),
        route!("page.catalogue.show", GET, "/catalogue/{code}", SignedIn, pages::catalogue::show),
        route!("page.catalogue.print", GET, "/catalogue/{code}/print", SignedIn, pages::catalogue::print),
        route!("page.catalogue.publish", POST, "/catalogue/{code}/publish", PublishCatalogue, pages::catalogue::publish),
        route!("page.catalogue.standard_rule", POST, "/catalogue-standard-rule", PublishCatalogue, pages::catalogue::set_standard_rule),
        // Mobile (H5).
        route!("h5.root", GET, "/m", Public, h5::root),
        route!("h5.home", GET, "/m/", SignedIn, h5::home),
        route!("h5.me", GET, "/m/me", SignedIn, h5::me),
        route!("h5.help", GET, "/m/help", Public, h5::help),
        route!("h5.form.preview", GET, "/m/forms/{code}", SignedIn, h5::forms::preview),
        route!("h5.field", GET, "/m/field", FileRecords, h5::records::field),
        route!("h5.field.site", GET, "/m/field/{task_id}/{outlet_id}", FileRecords, h5::records::site),
        route!("h5.record", GET, "/m/records/{id}", ViewRecords, h5::records::record),
        route!("h5.confirmations", GET, "/m/confirmations", ConfirmRecords, h5::records::confirmations),
        route!("h5.confirmations.day", GET, "/m/confirmations/{date}", ConfirmRecords, h5::records::confirmation_day),
        route!("h5.reviews", GET, "/m/reviews", ReviewRecords, h5::records::reviews),
        route!("h5.login", GET, "/m/login", Public, h5::login_show),
        route!("h5.login.submit", POST, "/m/login", Public, h5::login_submit),
        route!("h5.logout", POST, "/m/logout", SignedIn, h5::logout),
    ]
}

/// Looks a route up by id (menus link only to routes that exist).
pub fn find(id: &str) -> Option<RouteDef> {
    table().into_iter().find(|r| r.id == id)
}

/// The router of the table, each route behind its permission guard.
pub fn build(state: AppState) -> Router<AppState> {
    let mut router = Router::new();
    for def in table() {
        let rule = Rule {
            permission: def.permission,
            surface: def.surface(),
            object: def.is_object_route(),
            open_before_password_change: OPEN_BEFORE_PASSWORD_CHANGE.contains(&def.id),
            upload: def.upload,
        };
        let route_id = def.id;
        let guarded = (def.handler)().route_layer(axum::middleware::from_fn_with_state(
            state.clone(),
            move |State(state): State<AppState>, req: Request, next: Next| {
                guard(state, route_id, rule, req, next)
            },
        ));
        router = router.route(def.path, guarded);
    }
    router
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
}

/// Routes a session with a one-time password may use before changing it (AUTH-06).
const OPEN_BEFORE_PASSWORD_CHANGE: &[&str] = &[
    "page.account.password",
    "page.account.password.submit",
    "page.logout",
    "h5.logout",
    "api.auth.password",
    "api.auth.logout",
    "api.me",
];

/// What the guard of one route checks.
#[derive(Debug, Clone, Copy)]
struct Rule {
    permission: Permission,
    surface: Surface,
    object: bool,
    open_before_password_change: bool,
    upload: bool,
}

/// Lets the request through when the actor holds the route's permission. Otherwise: signed out →
/// log in (API: 401); signed in without the permission → 404 for object routes, 403 for the rest.
/// A session whose password must be changed reaches only the password change.
async fn guard(
    state: AppState,
    route_id: &'static str,
    rule: Rule,
    req: Request,
    next: Next,
) -> Response {
    let Rule {
        permission,
        surface,
        object,
        open_before_password_change,
        upload,
    } = rule;
    // A multipart body whose token nobody will read: only upload routes check the form's field.
    if !upload && req.extensions().get::<CsrfPending>().is_some() {
        return crate::layers::refuse(req.uri().path(), ErrorCode::CsrfFailed);
    }
    let ctx = req.extensions().get::<Ctx>().cloned().unwrap_or_default();
    if ctx.must_change_password()
        && permission != Permission::Public
        && !open_before_password_change
    {
        return match surface {
            Surface::Api => ApiError::from(ErrorCode::PasswordChangeRequired).into_response(),
            Surface::Portal | Surface::Mobile => Redirect::to("/account/password").into_response(),
        };
    }
    if permission.allows(ctx.actor()) {
        return next.run(req).await;
    }
    if ctx.actor().is_none() {
        let (code, flag) = if ctx.ended {
            (ErrorCode::SessionReplaced, Some("ended=1"))
        } else if ctx.expired {
            (ErrorCode::SessionExpired, Some("expired=1"))
        } else {
            (ErrorCode::Unauthenticated, None)
        };
        return match surface {
            Surface::Api => ApiError::from(code).into_response(),
            Surface::Portal => login_redirect("/login", req.uri(), flag),
            Surface::Mobile => login_redirect("/m/login", req.uri(), flag),
        };
    }
    let code = if object {
        ErrorCode::NotFound
    } else {
        ErrorCode::Forbidden
    };
    let recorded = emss_app::audit::record_denial(
        &state.app,
        ctx.actor(),
        "authz.denied",
        route_id,
        None,
        serde_json::json!({"route": route_id, "path": req.uri().path()}),
        code,
    )
    .await;
    if let Err(e) = recorded {
        return match surface {
            Surface::Api => ApiError(e).into_response(),
            Surface::Portal | Surface::Mobile => PageError(e).into_response(),
        };
    }
    refuse(surface, code)
}

fn refuse(surface: Surface, code: ErrorCode) -> Response {
    match surface {
        Surface::Api => ApiError::from(code).into_response(),
        Surface::Portal | Surface::Mobile => PageError::from(code).into_response(),
    }
}

fn login_redirect(login: &str, uri: &Uri, flag: Option<&str>) -> Response {
    let next = uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
    let mut target = format!(
        "{login}?next={}",
        url::form_urlencoded::byte_serialize(next.as_bytes()).collect::<String>()
    );
    if let Some(flag) = flag {
        target.push('&');
        target.push_str(flag);
    }
    Redirect::to(&target).into_response()
}

async fn not_found(uri: Uri) -> Response {
    refuse(Surface::of_path(uri.path()), ErrorCode::NotFound)
}

async fn method_not_allowed(uri: Uri) -> Response {
    refuse(Surface::of_path(uri.path()), ErrorCode::MethodNotAllowed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn ids_and_method_paths_are_unique() {
        let table = table();
        let ids: HashSet<_> = table.iter().map(|r| r.id).collect();
        assert_eq!(ids.len(), table.len());
        let keys: HashSet<_> = table.iter().map(|r| (r.method.clone(), r.path)).collect();
        assert_eq!(keys.len(), table.len());
    }

    #[test]
    fn surfaces() {
        assert_eq!(Surface::of_path("/api/v1/me"), Surface::Api);
        assert_eq!(Surface::of_path("/m/"), Surface::Mobile);
        assert_eq!(Surface::of_path("/m"), Surface::Mobile);
        assert_eq!(Surface::of_path("/mine"), Surface::Portal);
        assert_eq!(Surface::of_path("/"), Surface::Portal);
    }
}
