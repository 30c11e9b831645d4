//! Accounts and their roles.

use crate::entity::{account, account_role, organization};
use chrono::{DateTime, Utc};
use emss_domain::listing::{Page, PageRequest};
use emss_domain::{OrgKind, Role};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, Set,
};
use std::collections::HashMap;

pub struct NewAccount<'a> {
    pub id: String,
    pub org_id: &'a str,
    /// Already normalised.
    pub username: &'a str,
    pub name: &'a str,
    pub password_hash: String,
    pub is_main: bool,
    pub must_change_password: bool,
    pub is_demo: bool,
    pub roles: &'a [Role],
    pub created_at: DateTime<Utc>,
    /// For one-time passwords.
    pub password_expires_at: Option<DateTime<Utc>>,
    pub phone: Option<SealedValue>,
}

/// A personal value as stored: ciphertext, key id, blind index and the masked form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SealedValue {
    pub cipher: String,
    pub key_id: String,
    pub index: String,
    pub masked: String,
}

/// Inserts the account and its roles. Call inside a transaction.
pub async fn insert(
    db: &impl ConnectionTrait,
    new: NewAccount<'_>,
) -> Result<account::Model, DbErr> {
    let model = account::ActiveModel {
        id: Set(new.id),
        org_id: Set(new.org_id.to_string()),
        username: Set(new.username.to_string()),
        name: Set(new.name.to_string()),
        password_hash: Set(new.password_hash),
        is_main: Set(new.is_main),
        disabled: Set(false),
        must_change_password: Set(new.must_change_password),
        is_demo: Set(new.is_demo),
        created_at: Set(new.created_at),
        last_login_at: Set(None),
        password_changed_at: Set(None),
        password_expires_at: Set(new.password_expires_at),
        phone_cipher: Set(new.phone.as_ref().map(|p| p.cipher.clone())),
        phone_key: Set(new.phone.as_ref().map(|p| p.key_id.clone())),
        phone_index: Set(new.phone.as_ref().map(|p| p.index.clone())),
        phone_masked: Set(new.phone.as_ref().map(|p| p.masked.clone())),
    }
    .insert(db)
    .await?;
    for role in new.roles {
        account_role::ActiveModel {
            account_id: Set(model.id.clone()),
            role: Set(role.as_str().to_string()),
            granted_at: Set(new.created_at),
        }
        .insert(db)
        .await?;
    }
    Ok(model)
}

/// An account with its organisation and roles: everything needed to act as it.
#[derive(Debug, Clone)]
pub struct AccountWithOrg {
    pub account: account::Model,
    pub org: organization::Model,
    pub roles: Vec<Role>,
}

pub async fn find_by_username(
    db: &impl ConnectionTrait,
    normalized: &str,
) -> Result<Option<AccountWithOrg>, DbErr> {
    let found = account::Entity::find()
        .filter(account::Column::Username.eq(normalized))
        .find_also_related(organization::Entity)
        .one(db)
        .await?;
    with_roles(db, found).await
}

pub async fn find_with_org(
    db: &impl ConnectionTrait,
    id: &str,
) -> Result<Option<AccountWithOrg>, DbErr> {
    let found = account::Entity::find_by_id(id.to_string())
        .find_also_related(organization::Entity)
        .one(db)
        .await?;
    with_roles(db, found).await
}

async fn with_roles(
    db: &impl ConnectionTrait,
    found: Option<(account::Model, Option<organization::Model>)>,
) -> Result<Option<AccountWithOrg>, DbErr> {
    let Some((account, Some(org))) = found else {
        return Ok(None);
    };
    let mut roles = roles_of(db, std::slice::from_ref(&account.id)).await?;
    Ok(Some(AccountWithOrg {
        roles: roles.remove(&account.id).unwrap_or_default(),
        account,
        org,
    }))
}

/// The roles of several accounts in one query.
pub async fn roles_of(
    db: &impl ConnectionTrait,
    account_ids: &[String],
) -> Result<HashMap<String, Vec<Role>>, DbErr> {
    let rows = account_role::Entity::find()
        .filter(account_role::Column::AccountId.is_in(account_ids.iter().cloned()))
        .all(db)
        .await?;
    let mut map: HashMap<String, Vec<Role>> = HashMap::new();
    for row in rows {
        if let Some(role) = Role::parse(&row.role) {
            map.entry(row.account_id).or_default().push(role);
        }
    }
    for roles in map.values_mut() {
        roles.sort();
    }
    Ok(map)
}

pub async fn record_login(
    db: &impl ConnectionTrait,
    id: &str,
    at: DateTime<Utc>,
) -> Result<(), DbErr> {
    account::Entity::update_many()
        .col_expr(account::Column::LastLoginAt, Expr::value(at))
        .filter(account::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

/// A new password. `one_time_until` marks a password someone else set (first start, reset): it
/// must be changed at the next login and stops working at that instant.
pub async fn set_password_hash(
    db: &impl ConnectionTrait,
    id: &str,
    hash: String,
    at: DateTime<Utc>,
    one_time_until: Option<DateTime<Utc>>,
) -> Result<(), DbErr> {
    account::Entity::update_many()
        .col_expr(account::Column::PasswordHash, Expr::value(hash))
        .col_expr(account::Column::PasswordChangedAt, Expr::value(at))
        .col_expr(
            account::Column::MustChangePassword,
            Expr::value(one_time_until.is_some()),
        )
        .col_expr(
            account::Column::PasswordExpiresAt,
            Expr::value(one_time_until),
        )
        .filter(account::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

pub async fn set_disabled(
    db: &impl ConnectionTrait,
    id: &str,
    disabled: bool,
) -> Result<(), DbErr> {
    account::Entity::update_many()
        .col_expr(account::Column::Disabled, Expr::value(disabled))
        .filter(account::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

/// Replaces the account's roles.
pub async fn set_roles(
    db: &impl ConnectionTrait,
    id: &str,
    roles: &[Role],
    at: DateTime<Utc>,
) -> Result<(), DbErr> {
    account_role::Entity::delete_many()
        .filter(account_role::Column::AccountId.eq(id))
        .exec(db)
        .await?;
    for role in roles {
        account_role::ActiveModel {
            account_id: Set(id.to_string()),
            role: Set(role.as_str().to_string()),
            granted_at: Set(at),
        }
        .insert(db)
        .await?;
    }
    Ok(())
}

/// How many accounts exist at all (the first start of an empty database has none).
pub async fn count_all(db: &impl ConnectionTrait) -> Result<u64, DbErr> {
    account::Entity::find().count(db).await
}

/// How many accounts exist that the demo loader did not make.
pub async fn count_non_demo(db: &impl ConnectionTrait) -> Result<u64, DbErr> {
    account::Entity::find()
        .filter(account::Column::IsDemo.eq(false))
        .count(db)
        .await
}

/// The accounts a caller may list: all of them (the system administrator) or one organisation's
/// (a main account's sub-accounts).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AccountScope {
    All,
    Organization(String),
}

#[derive(Debug, Clone, Default)]
pub struct AccountFilter {
    pub keyword: Option<String>,
    pub org_kind: Option<OrgKind>,
}

/// One row of an account list.
#[derive(Debug, Clone)]
pub struct AccountRow {
    pub account: account::Model,
    pub org_name: String,
    pub org_kind: Option<OrgKind>,
    pub district_code: Option<String>,
    pub roles: Vec<Role>,
}

pub async fn list(
    db: &impl ConnectionTrait,
    scope: &AccountScope,
    filter: &AccountFilter,
    page: PageRequest,
) -> Result<Page<AccountRow>, DbErr> {
    let mut cond = Condition::all();
    if let AccountScope::Organization(org_id) = scope {
        cond = cond.add(account::Column::OrgId.eq(org_id.as_str()));
    }
    if let Some(kind) = filter.org_kind {
        cond = cond.add(organization::Column::Kind.eq(kind.as_str()));
    }
    if let Some(k) = super::keyword(filter.keyword.as_deref()) {
        cond = cond.add(
            Condition::any()
                .add(account::Column::Username.like(super::contains_pattern(&k.to_lowercase())))
                .add(account::Column::Name.like(super::contains_pattern(&k)))
                .add(organization::Column::Name.like(super::contains_pattern(&k))),
        );
    }
    let query = account::Entity::find()
        .find_also_related(organization::Entity)
        .filter(cond)
        .order_by_asc(organization::Column::Name)
        .order_by_asc(account::Column::Username);
    let total = query.clone().count(db).await?;
    let rows = query
        .offset(page.offset())
        .limit(page.page_size)
        .all(db)
        .await?;
    let ids: Vec<String> = rows.iter().map(|(a, _)| a.id.clone()).collect();
    let mut roles = roles_of(db, &ids).await?;
    let items = rows
        .into_iter()
        .map(|(account, org)| AccountRow {
            roles: roles.remove(&account.id).unwrap_or_default(),
            org_name: org.as_ref().map(|o| o.name.clone()).unwrap_or_default(),
            org_kind: org.as_ref().and_then(|o| OrgKind::parse(&o.kind)),
            district_code: org.and_then(|o| o.district_code),
            account,
        })
        .collect();
    Ok(Page::new(items, total, page))
}

/// Username and name of each of `ids`, in one query (for lists that show who did something).
pub async fn names(
    db: &impl ConnectionTrait,
    ids: &[String],
) -> Result<HashMap<String, (String, String)>, DbErr> {
    Ok(account::Entity::find()
        .filter(account::Column::Id.is_in(ids.iter().cloned()))
        .all(db)
        .await?
        .into_iter()
        .map(|a| (a.id, (a.username, a.name)))
        .collect())
}

/// Every stored phone ciphertext with its key id (for re-encryption under a new key).
pub async fn phone_ciphers(
    db: &impl ConnectionTrait,
) -> Result<Vec<(String, String, String)>, DbErr> {
    Ok(account::Entity::find()
        .filter(account::Column::PhoneCipher.is_not_null())
        .all(db)
        .await?
        .into_iter()
        .filter_map(|a| Some((a.id, a.phone_key?, a.phone_cipher?)))
        .collect())
}

/// Replaces a phone's ciphertext (same number, new key).
pub async fn set_phone_cipher(
    db: &impl ConnectionTrait,
    id: &str,
    cipher: &str,
    key_id: &str,
) -> Result<(), DbErr> {
    account::Entity::update_many()
        .col_expr(account::Column::PhoneCipher, Expr::value(cipher))
        .col_expr(account::Column::PhoneKey, Expr::value(key_id))
        .filter(account::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

/// Whether an organisation already has its main account.
pub async fn has_main(db: &impl ConnectionTrait, org_id: &str) -> Result<bool, DbErr> {
    Ok(account::Entity::find()
        .filter(account::Column::OrgId.eq(org_id))
        .filter(account::Column::IsMain.eq(true))
        .count(db)
        .await?
        > 0)
}

/// The roles of each enabled account of an organisation, one list per account.
pub async fn enabled_roles(
    db: &impl ConnectionTrait,
    org_id: &str,
) -> Result<Vec<Vec<Role>>, DbErr> {
    let ids: Vec<String> = account::Entity::find()
        .filter(account::Column::OrgId.eq(org_id))
        .filter(account::Column::Disabled.eq(false))
        .all(db)
        .await?
        .into_iter()
        .map(|a| a.id)
        .collect();
    let mut roles = roles_of(db, &ids).await?;
    Ok(ids
        .iter()
        .map(|id| roles.remove(id).unwrap_or_default())
        .collect())
}

/// The enabled accounts of an organisation holding one of `roles`, by name (who may be named
/// an inspector of a regulator's inspection).
pub async fn enabled_with_roles(
    db: &impl ConnectionTrait,
    org_id: &str,
    roles: &[Role],
) -> Result<Vec<account::Model>, DbErr> {
    let accounts = account::Entity::find()
        .filter(account::Column::OrgId.eq(org_id))
        .filter(account::Column::Disabled.eq(false))
        .order_by_asc(account::Column::Name)
        .order_by_asc(account::Column::Username)
        .all(db)
        .await?;
    let ids: Vec<String> = accounts.iter().map(|a| a.id.clone()).collect();
    let held = roles_of(db, &ids).await?;
    Ok(accounts
        .into_iter()
        .filter(|a| {
            held.get(&a.id)
                .is_some_and(|h| h.iter().any(|r| roles.contains(r)))
        })
        .collect())
}
