//! The audit writer and the queries over the log. `append` runs inside the transaction of the
//! change it records, so the change and its entry are committed together or not at all (LOG-06).

use crate::entity::{audit_checkpoint, audit_entry};
use chrono::{DateTime, Utc};
use emss_domain::audit::{self, Entry, GENESIS, Hash};
use emss_domain::listing::{Page, PageRequest};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbBackend, DbErr, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, Select, Set,
};
use serde_json::Value;

/// What to record; the writer adds the position, time and hashes.
#[derive(Debug, Clone)]
pub struct NewEntry {
    pub at: DateTime<Utc>,
    pub actor_id: Option<String>,
    pub org_id: Option<String>,
    pub roles: String,
    pub action: String,
    pub object_type: Option<String>,
    pub object_id: Option<String>,
    pub outcome: String,
    pub request_id: Option<String>,
    pub ip: Option<String>,
    pub detail: Value,
}

/// Appends one entry and returns its position. Entries are serialised: on PostgreSQL by a
/// transaction-scoped advisory lock, on SQLite by the write transaction itself.
pub async fn append(db: &impl ConnectionTrait, new: NewEntry) -> Result<u64, DbErr> {
    if db.get_database_backend() == DbBackend::Postgres {
        db.execute_unprepared("SELECT pg_advisory_xact_lock(7731002)")
            .await?;
    }
    let last = audit_entry::Entity::find()
        .order_by_desc(audit_entry::Column::Seq)
        .limit(1)
        .one(db)
        .await?;
    let (seq, previous) = match last {
        Some(l) => (l.seq as u64 + 1, unhex(&l.chain_hash)),
        None => (0, GENESIS),
    };
    let at = audit::truncate_to_micros(new.at);
    let entry = Entry {
        seq,
        at: audit::format_at(at),
        actor_id: new.actor_id,
        org_id: new.org_id,
        roles: new.roles,
        action: new.action,
        object_type: new.object_type,
        object_id: new.object_id,
        outcome: new.outcome,
        request_id: new.request_id,
        ip: new.ip,
        detail: new.detail,
    };
    let leaf = entry.leaf_hash();
    let chained = audit::chain(&previous, &leaf);
    let mut detail = String::new();
    audit::write_canonical(&entry.detail, &mut detail);
    audit_entry::Entity::insert(audit_entry::ActiveModel {
        seq: Set(seq as i64),
        at: Set(at),
        actor_id: Set(entry.actor_id),
        org_id: Set(entry.org_id),
        roles: Set(entry.roles),
        action: Set(entry.action),
        object_type: Set(entry.object_type),
        object_id: Set(entry.object_id),
        outcome: Set(entry.outcome),
        request_id: Set(entry.request_id),
        ip: Set(entry.ip),
        detail: Set(detail),
        leaf_hash: Set(hex::encode(leaf)),
        chain_hash: Set(hex::encode(chained)),
    })
    .exec_without_returning(db)
    .await?;
    Ok(seq)
}

fn unhex(s: &str) -> Hash {
    let mut out = [0u8; 32];
    if let Ok(bytes) = hex::decode(s)
        && bytes.len() == 32
    {
        out.copy_from_slice(&bytes);
    }
    out
}

/// The entry as it was hashed, rebuilt from its row.
pub fn to_entry(row: &audit_entry::Model) -> Entry {
    Entry {
        seq: row.seq as u64,
        at: audit::format_at(row.at),
        actor_id: row.actor_id.clone(),
        org_id: row.org_id.clone(),
        roles: row.roles.clone(),
        action: row.action.clone(),
        object_type: row.object_type.clone(),
        object_id: row.object_id.clone(),
        outcome: row.outcome.clone(),
        request_id: row.request_id.clone(),
        ip: row.ip.clone(),
        detail: serde_json::from_str(&row.detail).unwrap_or(Value::Null),
    }
}

/// How many entries the log holds.
pub async fn size(db: &impl ConnectionTrait) -> Result<u64, DbErr> {
    audit_entry::Entity::find().count(db).await
}

/// Entries `from..from+limit`, in order (export and verification read the log in such slices).
pub async fn slice(
    db: &impl ConnectionTrait,
    from: u64,
    limit: u64,
) -> Result<Vec<audit_entry::Model>, DbErr> {
    audit_entry::Entity::find()
        .filter(audit_entry::Column::Seq.gte(from as i64))
        .order_by_asc(audit_entry::Column::Seq)
        .limit(limit)
        .all(db)
        .await
}

/// The leaf hashes of the first `size` entries.
pub async fn leaves(db: &impl ConnectionTrait, size: u64) -> Result<Vec<Hash>, DbErr> {
    let mut out = Vec::with_capacity(size as usize);
    let mut from = 0;
    while from < size {
        let rows: Vec<(i64, String)> = audit_entry::Entity::find()
            .select_only()
            .column(audit_entry::Column::Seq)
            .column(audit_entry::Column::LeafHash)
            .filter(audit_entry::Column::Seq.gte(from as i64))
            .filter(audit_entry::Column::Seq.lt(size as i64))
            .order_by_asc(audit_entry::Column::Seq)
            .limit(10_000)
            .into_tuple()
            .all(db)
            .await?;
        if rows.is_empty() {
            break;
        }
        from += rows.len() as u64;
        out.extend(rows.iter().map(|(_, h)| unhex(h)));
    }
    Ok(out)
}

/// Records a checkpoint; a second one of the same size is refused (returns false).
pub async fn insert_checkpoint(
    db: &impl ConnectionTrait,
    size: u64,
    root: &Hash,
    at: DateTime<Utc>,
    note: &str,
) -> Result<bool, DbErr> {
    let inserted = audit_checkpoint::Entity::insert(audit_checkpoint::ActiveModel {
        size: Set(size as i64),
        root: Set(hex::encode(root)),
        at: Set(at),
        note: Set(note.to_string()),
    })
    .on_conflict(
        OnConflict::column(audit_checkpoint::Column::Size)
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    Ok(inserted > 0)
}

pub async fn latest_checkpoint(
    db: &impl ConnectionTrait,
) -> Result<Option<audit_checkpoint::Model>, DbErr> {
    audit_checkpoint::Entity::find()
        .order_by_desc(audit_checkpoint::Column::Size)
        .one(db)
        .await
}

pub async fn checkpoints(db: &impl ConnectionTrait) -> Result<Vec<audit_checkpoint::Model>, DbErr> {
    audit_checkpoint::Entity::find()
        .order_by_asc(audit_checkpoint::Column::Size)
        .all(db)
        .await
}

/// The query of an object's trail (its plan is checked in the tests).
pub fn trail_query(object_type: &str, object_id: &str) -> Select<audit_entry::Entity> {
    audit_entry::Entity::find()
        .filter(audit_entry::Column::ObjectType.eq(object_type))
        .filter(audit_entry::Column::ObjectId.eq(object_id))
        .order_by_asc(audit_entry::Column::Seq)
}

/// Every entry about one object, oldest first: its trail (留痕).
pub async fn trail(
    db: &impl ConnectionTrait,
    object_type: &str,
    object_id: &str,
) -> Result<Vec<audit_entry::Model>, DbErr> {
    trail_query(object_type, object_id).all(db).await
}

/// The audit administrator's search.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    pub actor_id: Option<String>,
    pub org_id: Option<String>,
    pub action: Option<String>,
    pub object_id: Option<String>,
    pub outcome: Option<String>,
    /// Entries up to this one: an export reading page by page pins the log as it began, so the
    /// entries written meanwhile do not shift its pages.
    pub up_to_seq: Option<i64>,
}

pub async fn search(
    db: &impl ConnectionTrait,
    filter: &AuditFilter,
    page: PageRequest,
) -> Result<Page<audit_entry::Model>, DbErr> {
    let mut cond = Condition::all();
    if let Some(from) = filter.from {
        cond = cond.add(audit_entry::Column::At.gte(from));
    }
    if let Some(to) = filter.to {
        cond = cond.add(audit_entry::Column::At.lt(to));
    }
    if let Some(v) = &filter.actor_id {
        cond = cond.add(audit_entry::Column::ActorId.eq(v.as_str()));
    }
    if let Some(v) = &filter.org_id {
        cond = cond.add(audit_entry::Column::OrgId.eq(v.as_str()));
    }
    if let Some(v) = &filter.action {
        cond = cond.add(audit_entry::Column::Action.like(super::contains_pattern(v)));
    }
    if let Some(v) = &filter.object_id {
        cond = cond.add(audit_entry::Column::ObjectId.eq(v.as_str()));
    }
    if let Some(v) = &filter.outcome {
        cond = cond.add(audit_entry::Column::Outcome.eq(v.as_str()));
    }
    if let Some(seq) = filter.up_to_seq {
        cond = cond.add(audit_entry::Column::Seq.lte(seq));
    }
    let query = audit_entry::Entity::find()
        .filter(cond)
        .order_by_desc(audit_entry::Column::Seq);
    super::paged(db, query, page).await
}
