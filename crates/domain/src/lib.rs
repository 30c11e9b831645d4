//! EMSS business rules. No I/O: everything here is a pure function of its inputs, so most rules
//! are unit-tested without a database or a server.

pub mod account;
pub mod account_rights;
pub mod active_content;
pub mod actor;
pub mod attachment;
pub mod audit;
pub mod change_request;
pub mod clock;
pub mod contract;
pub mod credit;
pub mod crypto;
pub mod district;
pub mod duties;
pub mod error;
pub mod fault;
pub mod filing;
pub mod form;
pub mod ids;
pub mod inspection;
pub mod listing;
pub mod monitoring;
pub mod org;
pub mod password_policy;
pub mod permission;
pub mod personnel;
pub mod pi;
pub mod plan;
pub mod record;
pub mod rectification;
pub mod role;
pub mod statistics;
pub mod task;
pub mod time;
pub mod uscc;
pub mod witness;

pub use actor::{Actor, Scope};
pub use error::ErrorCode;
pub use org::{AgencyCategory, OrgKind};
pub use permission::Permission;
pub use role::Role;
