//! One migration set for both databases, written with the schema builder only (no dialect SQL), so
//! SQLite and PostgreSQL cannot drift apart. Migrations only add: SQLite cannot alter columns.

use sea_orm_migration::prelude::*;

mod m20261128_000001_foundation;
mod m20261129_000002_audit;
mod m20261129_000003_catalogue;
mod m20261129_000004_filing;
mod m20261129_000005_outlets;
mod m20261129_000006_agency_resources;
mod m20261129_000007_contracts;
mod m20261129_000008_tasks;
mod m20261129_000009_contract_attachments;
mod m20261129_000010_evidence;
mod m20261129_000011_idempotency;
mod m20261130_000012_records;
mod m20261130_000013_blob_refs;
mod m20261201_000014_list_indexes;
mod m20261205_000015_flagged_record;
mod m20261206_000016_witness;
mod m20261206_000017_denial_window;
mod m20261206_000018_instrument_versions;
mod m20261206_000019_fault_periods;
mod m20261206_000020_standard_materials;
mod m20261206_000021_emission_limits;
mod m20261207_000022_rectifications;
mod m20261207_000023_rectification_extensions;
mod m20261207_000024_inspections;
mod m20261207_000025_rectification_suggestions;
mod m20261207_000026_occurrence_fulfilled_on;
mod m20261207_000027_record_statistics_index;
mod m20261207_000028_credit;
mod m20261208_000029_credit_objections;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261128_000001_foundation::Migration),
            Box::new(m20261129_000002_audit::Migration),
            Box::new(m20261129_000003_catalogue::Migration),
            Box::new(m20261129_000004_filing::Migration),
            Box::new(m20261129_000005_outlets::Migration),
            Box::new(m20261129_000006_agency_resources::Migration),
            Box::new(m20261129_000007_contracts::Migration),
            Box::new(m20261129_000008_tasks::Migration),
            Box::new(m20261129_000009_contract_attachments::Migration),
            Box::new(m20261129_000010_evidence::Migration),
            Box::new(m20261129_000011_idempotency::Migration),
            Box::new(m20261130_000012_records::Migration),
            Box::new(m20261130_000013_blob_refs::Migration),
            Box::new(m20261201_000014_list_indexes::Migration),
            Box::new(m20261205_000015_flagged_record::Migration),
            Box::new(m20261206_000016_witness::Migration),
            Box::new(m20261206_000017_denial_window::Migration),
            Box::new(m20261206_000018_instrument_versions::Migration),
            Box::new(m20261206_000019_fault_periods::Migration),
            Box::new(m20261206_000020_standard_materials::Migration),
            Box::new(m20261206_000021_emission_limits::Migration),
            Box::new(m20261207_000022_rectifications::Migration),
            Box::new(m20261207_000023_rectification_extensions::Migration),
            Box::new(m20261207_000024_inspections::Migration),
            Box::new(m20261207_000025_rectification_suggestions::Migration),
            Box::new(m20261207_000026_occurrence_fulfilled_on::Migration),
            Box::new(m20261207_000027_record_statistics_index::Migration),
            Box::new(m20261207_000028_credit::Migration),
            Box::new(m20261208_000029_credit_objections::Migration),
        ]
    }
}
