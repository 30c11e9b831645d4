//! One file per table. Columns use portable types only: text ids, UTC timestamps, booleans,
//! integers, JSON as text.

pub mod account;
pub mod account_role;
pub mod agency_equipment;
pub mod agency_spare_part;
pub mod agency_staff;
pub mod audit_checkpoint;
pub mod audit_entry;
pub mod change_request;
pub mod contract;
pub mod contract_attachment;
pub mod contract_version;
pub mod device_binding;
pub mod evidence;
pub mod filing;
pub mod filing_attachment;
pub mod filing_capability;
pub mod filing_version;
pub mod flagged_record;
pub mod form_definition;
pub mod idempotency_key;
pub mod instrument;
pub mod login_attempt;
pub mod login_guard;
pub mod maintenance_task;
pub mod occurrence;
pub mod organization;
pub mod outlet;
pub mod record;
pub mod record_evidence;
pub mod record_flag;
pub mod session;
pub mod setting;
pub mod task_binding;
pub mod task_plan;
pub mod task_report;
