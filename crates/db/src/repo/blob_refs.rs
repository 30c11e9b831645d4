//! Which stored files the database still refers to (evidence images, filing and contract
//! attachments, task reports, rectification orders' and inspections' files, credit objections'
//! documents), for the sweep of files a crash left without their row.

use crate::entity::{
    contract_attachment, credit_objection_document, evidence, filing_attachment,
    inspection_attachment, rectification_attachment, task_report,
};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QuerySelect};
use std::collections::HashSet;

/// Keys asked about at once (well inside every database's limit on bound values).
const CHUNK: usize = 500;

/// The keys among `keys` that some row refers to.
pub async fn referenced(
    db: &impl ConnectionTrait,
    keys: &[String],
) -> Result<HashSet<String>, DbErr> {
    let mut found = HashSet::new();
    for chunk in keys.chunks(CHUNK) {
        let list = || chunk.iter().map(String::as_str);
        let lists: [Vec<String>; 7] = [
            evidence::Entity::find()
                .select_only()
                .column(evidence::Column::BlobKey)
                .filter(evidence::Column::BlobKey.is_in(list()))
                .into_tuple()
                .all(db)
                .await?,
            filing_attachment::Entity::find()
                .select_only()
                .column(filing_attachment::Column::BlobKey)
                .filter(filing_attachment::Column::BlobKey.is_in(list()))
                .into_tuple()
                .all(db)
                .await?,
            contract_attachment::Entity::find()
                .select_only()
                .column(contract_attachment::Column::BlobKey)
                .filter(contract_attachment::Column::BlobKey.is_in(list()))
                .into_tuple()
                .all(db)
                .await?,
            task_report::Entity::find()
                .select_only()
                .column(task_report::Column::BlobKey)
                .filter(task_report::Column::BlobKey.is_in(list()))
                .into_tuple()
                .all(db)
                .await?,
            rectification_attachment::Entity::find()
                .select_only()
                .column(rectification_attachment::Column::BlobKey)
                .filter(rectification_attachment::Column::BlobKey.is_in(list()))
                .into_tuple()
                .all(db)
                .await?,
            inspection_attachment::Entity::find()
                .select_only()
                .column(inspection_attachment::Column::BlobKey)
                .filter(inspection_attachment::Column::BlobKey.is_in(list()))
                .into_tuple()
                .all(db)
                .await?,
            credit_objection_document::Entity::find()
                .select_only()
                .column(credit_objection_document::Column::BlobKey)
                .filter(credit_objection_document::Column::BlobKey.is_in(list()))
                .into_tuple()
                .all(db)
                .await?,
        ];
        found.extend(lists.into_iter().flatten());
    }
    Ok(found)
}
