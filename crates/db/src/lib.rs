//! Everything EMSS keeps: database rows (SeaORM over SQLite or PostgreSQL) and files (the blob
//! store). Handlers never query entities directly; they call the scoped functions in `repo`.

pub mod blob;
pub mod connect;
pub mod entity;
pub mod floor;
pub mod migration;
pub mod repo;

pub use connect::{Backend, ConnectError, Database, DatabaseSettings};
pub use sea_orm::{DatabaseConnection, DatabaseTransaction, DbErr};
