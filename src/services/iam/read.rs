//! IAM collection. A full scan reads the whole account in a few bulk calls
//! (GetAccountAuthorizationDetails, ListRoles, the credential report, the password policy); an
//! event re-reads one user, role, group or policy with per-entity calls.

use crate::aws::{classify, Clients};
use crate::error::{AwsError, AwsErrorKind, Operation, ReadFailure};
use crate::model::ResourceType;
use crate::policy::PolicyDocument;
use crate::services::iam::snapshot::*;
use aws_sdk_iam::types::{AttachedPolicy, EntityType, PolicyDetail, ReportStateType, StatusType, Tag};
use chrono::{DateTime, Utc};
use futures::{StreamExt, TryStreamExt};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Mutex;
use std::time::Duration;

/// The IAM client: IAM is global, so one client in the SDK's region.
fn client(clients: &Clients) -> aws_sdk_iam::Client {
    clients.regional("", |sdk, recorder| {
        aws_sdk_iam::Client::from_conf(aws_sdk_iam::config::Builder::from(sdk).interceptor(recorder.clone()).build())
    })
}

/// The code IAM's Get calls return when the entity (or login profile, or password policy) does
/// not exist.
const NO_SUCH_ENTITY: &[&str] = &["NoSuchEntity", "NoSuchEntityException"];

/// Calls that read managed policies at once.
const POLICY_READS: usize = 8;

fn time(t: Option<&aws_smithy_types::DateTime>) -> Option<DateTime<Utc>> {
    t.and_then(|t| DateTime::from_timestamp(t.secs(), t.subsec_nanos()))
}

fn tags(list: &[Tag]) -> BTreeMap<String, String> {
    list.iter().map(|t| (t.key().to_string(), t.value().to_string())).collect()
}

fn unparseable(operation: Operation, what: &str, e: serde_json::Error) -> AwsError {
    AwsError { operation, kind: AwsErrorKind::Other, code: Some("MalformedPolicyDocument".into()), message: format!("{what}: {e}") }
}

fn inline_policy(operation: Operation, name: &str, text: &str) -> Result<NamedPolicy, AwsError> {
    let document = PolicyDocument::parse_iam(text).map_err(|e| unparseable(operation, &format!("inline policy {name}"), e))?;
    Ok(NamedPolicy { name: name.to_string(), arn: None, document })
}

fn inline_list(operation: Operation, list: &[PolicyDetail]) -> Result<Vec<NamedPolicy>, AwsError> {
    list.iter()
        .map(|p| inline_policy(operation, p.policy_name().unwrap_or_default(), p.policy_document().unwrap_or_default()))
        .collect()
}

/// Reads managed policies' default versions, once each per run.
#[derive(Debug, Default)]
pub struct PolicyCache {
    known: Mutex<HashMap<String, Result<NamedPolicy, AwsError>>>,
}

impl PolicyCache {
    fn insert(&self, p: NamedPolicy) {
        if let Some(arn) = p.arn.clone() {
            self.lock().insert(arn, Ok(p));
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Result<NamedPolicy, AwsError>>> {
        self.known.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The managed policy's default version (GetPolicy, then GetPolicyVersion). `Ok(None)` when
    /// the policy no longer exists.
    pub async fn get(&self, clients: &Clients, arn: &str) -> Result<Option<NamedPolicy>, AwsError> {
        if let Some(known) = self.lock().get(arn) {
            return known.clone().map(Some);
        }
        let result = read_managed(clients, arn).await;
        match &result {
            Ok(Some(p)) => self.insert(p.clone()),
            Ok(None) => {}
            Err(e) => {
                self.lock().insert(arn.to_string(), Err(e.clone()));
            }
        }
        result
    }

    /// Every policy of `arns`, read concurrently.
    async fn get_all(&self, clients: &Clients, arns: &[String]) -> Result<Vec<NamedPolicy>, AwsError> {
        let found: Vec<Option<NamedPolicy>> =
            futures::stream::iter(arns.iter().cloned())
                .map(|arn: String| async move { self.get(clients, &arn).await })
                .buffered(POLICY_READS)
                .try_collect()
                .await?;
        Ok(found.into_iter().flatten().collect())
    }
}

async fn read_managed(clients: &Clients, arn: &str) -> Result<Option<NamedPolicy>, AwsError> {
    let policy = match client(clients).get_policy().policy_arn(arn).send().await {
        Ok(out) => out.policy.ok_or_else(|| missing(Operation::of::<aws_sdk_iam::operation::get_policy::GetPolicyError>(), "Policy"))?,
        Err(e) => {
            let err = classify(&e);
            return if err.has_code(NO_SUCH_ENTITY) { Ok(None) } else { Err(err) };
        }
    };
    let version_op = Operation::of::<aws_sdk_iam::operation::get_policy_version::GetPolicyVersionError>();
    let version = policy.default_version_id().ok_or_else(|| missing(version_op, "DefaultVersionId"))?;
    // The policy exists (GetPolicy said so): a version that is not found was replaced while this
    // read ran, which proves nothing about the policy. The read fails and the findings are kept.
    let out = client(clients).get_policy_version().policy_arn(arn).version_id(version).send().await.map_err(|e| classify(&e))?;
    let text = out.policy_version().and_then(|v| v.document()).ok_or_else(|| missing(version_op, "PolicyVersion.Document"))?;
    let document = PolicyDocument::parse_iam(text).map_err(|e| unparseable(Operation::of::<aws_sdk_iam::operation::get_policy_version::GetPolicyVersionError>(), arn, e))?;
    let name = policy.policy_name().map(str::to_string).unwrap_or_else(|| arn.rsplit('/').next().unwrap_or(arn).to_string());
    Ok(Some(NamedPolicy { name, arn: Some(arn.to_string()), document }))
}

/// The whole account's IAM configuration, from a full scan.
#[derive(Debug, Default)]
pub struct Inventory {
    pub principals: Vec<Principal>,
    /// Customer managed policies.
    pub policies: Vec<ManagedPolicy>,
    pub account: Account,
    /// Reads that failed; the parts they feed are `None` in the snapshots.
    pub failures: Vec<ReadFailure>,
    /// Types whose listing is incomplete (an entity without a name): not swept.
    pub incomplete: Vec<ResourceType>,
}

/// Reads the account. `Err` only when GetAccountAuthorizationDetails fails: then nothing is known,
/// and deleted entities must not be swept.
pub async fn inventory(clients: &Clients, account_id: &str, partition: &str) -> Result<Inventory, AwsError> {
    let (details, sessions, report, password, (virtual_mfa, support)) = tokio::join!(
        authorization_details(clients),
        max_sessions(clients),
        credential_report(clients),
        password_policy(clients),
        root_mfa_and_support(clients),
    );
    let details = details?;
    let root_arn = format!("arn:{partition}:iam::{account_id}:root");
    let mut inv = Inventory { account: Account { id: account_id.to_string(), ..Default::default() }, ..Default::default() };
    let mut fail = |e: AwsError, arn: &str| inv.failures.push(ReadFailure { resource_arn: arn.to_string(), error: e });

    let report = match report {
        Ok(report) => Some(report),
        Err(e) => {
            fail(e, &root_arn);
            None
        }
    };
    match password {
        Ok(p) => inv.account.password_policy = Some(p),
        Err(e) => fail(e, &root_arn),
    }
    inv.account.root_virtual_mfa = virtual_mfa.map_err(|e| fail(e, &root_arn)).ok();
    inv.account.support_roles = support.map_err(|e| fail(e, &root_arn)).ok();
    let sessions = match sessions {
        Ok(s) => Some(s),
        Err(e) => {
            fail(e, &root_arn);
            None
        }
    };

    // Customer managed policies come with their documents; AWS managed ones are read once each.
    let cache = PolicyCache::default();
    for p in &details.local {
        cache.insert(NamedPolicy { name: p.name.clone(), arn: Some(p.arn.clone()), document: p.document.clone() });
    }
    let wanted: BTreeSet<&str> = details.attachments().filter(|a| !details.local.iter().any(|p| p.arn == *a)).collect();
    let mut unreadable: HashMap<String, AwsError> = HashMap::new();
    let cache_ref = &cache;
    let reads: Vec<(String, Result<Option<NamedPolicy>, AwsError>)> = futures::stream::iter(wanted.into_iter().map(str::to_string))
        .map(|arn: String| async move {
            let read = cache_ref.get(clients, &arn).await;
            (arn, read)
        })
        .buffer_unordered(POLICY_READS)
        .collect()
        .await;
    for (arn, r) in reads {
        if let Err(e) = r {
            unreadable.insert(arn, e);
        }
    }
    let managed = |arns: &[String]| -> Result<Vec<NamedPolicy>, AwsError> {
        let mut out = Vec::new();
        for arn in arns {
            if let Some(e) = unreadable.get(arn) {
                return Err(e.clone());
            }
            if let Some(Ok(p)) = cache.lock().get(arn) {
                out.push(p.clone());
            }
        }
        Ok(out)
    };

    // A group's policies, resolved once: for the group itself and for each member.
    let mut groups: HashMap<String, Result<Vec<NamedPolicy>, AwsError>> = HashMap::new();
    for g in &details.groups {
        let mut principal = g.principal.clone();
        let resolved = g.inline.clone().and_then(|inline| Ok((inline, managed(&g.attached)?)));
        match resolved {
            Ok((inline, attached)) => {
                groups.insert(principal.name.clone(), Ok(inline.iter().chain(&attached).cloned().collect()));
                principal.permissions = Some(Permissions { inline, attached, ..Default::default() });
            }
            Err(e) => {
                groups.insert(principal.name.clone(), Err(e.clone()));
                fail(e, &principal.arn);
            }
        }
        inv.principals.push(principal);
    }
    let generated = report.as_ref().and_then(|r| r.generated);
    let report_rows: HashMap<&str, &ReportRow> =
        report.iter().flat_map(|r| &r.rows).map(|r| (r.user.as_str(), r)).collect();
    if let Some(root) = report_rows.get(ROOT_ROW) {
        inv.account.root =
            Some(RootCredentials {
                mfa: root.mfa,
                active_keys: root.keys.iter().filter(|k| k.active).count() as u8,
                password_last_used: root.password_last_used,
                keys_last_used: root.keys.iter().filter_map(|k| k.last_used).collect(),
                produced_at: generated,
            });
    }
    // IAM regenerates the report at most every four hours: a user created since is not in it.
    // Absent from the report is "not read", never "no credentials": such users are read one by one.
    let missing_users: Vec<String> = if report.is_some() {
        details.users.iter().map(|e| e.principal.name.clone()).filter(|n| !report_rows.contains_key(n.as_str())).collect()
    } else {
        Vec::new()
    };
    let mut read_one_by_one: HashMap<String, Result<Credentials, AwsError>> = futures::stream::iter(missing_users)
        .map(|name| async move {
            let read = user_credentials(clients, &name, None).await;
            (name, read)
        })
        .buffer_unordered(POLICY_READS)
        .collect()
        .await;
    for e in details.users.iter().chain(&details.roles) {
        let mut principal = e.principal.clone();
        let perms = (|| -> Result<Permissions, AwsError> {
            let mut p = Permissions { inline: e.inline.clone()?, attached: managed(&e.attached)?, ..Default::default() };
            for g in &e.groups {
                let policies = groups.get(g).cloned().unwrap_or(Ok(Vec::new()))?;
                p.groups.push(GroupPolicies { group: g.clone(), policies });
            }
            if let Some(b) = &e.boundary {
                p.boundary = managed(std::slice::from_ref(b))?.into_iter().next();
            }
            Ok(p)
        })();
        match perms {
            Ok(p) => principal.permissions = Some(p),
            Err(err) => fail(err, &principal.arn),
        }
        if principal.kind == crate::services::iam::USER && report.is_some() {
            principal.credentials = match report_rows.get(principal.name.as_str()) {
                Some(row) => Some(row.credentials(generated)),
                None => match read_one_by_one.remove(&principal.name) {
                    Some(Ok(c)) => Some(c),
                    Some(Err(e)) => {
                        fail(e, &principal.arn);
                        None
                    }
                    None => None,
                },
            };
        }
        if let (Some(role), Some(sessions)) = (principal.role.as_mut(), &sessions) {
            role.max_session_seconds = sessions.get(&principal.name).copied();
        }
        inv.principals.push(principal);
    }
    // Every principal sees the account's roles, for a PassRole limited to some of them; only a
    // complete role listing can show that a named role does not exist.
    if !details.incomplete.contains(&crate::services::iam::ROLE) {
        let roles: std::sync::Arc<[Principal]> =
            inv.principals.iter().filter(|p| p.kind == crate::services::iam::ROLE).cloned().collect();
        for p in &mut inv.principals {
            p.roles = Some(roles.clone());
        }
    }
    inv.policies = details.local;
    inv.failures.extend(details.failures);
    inv.incomplete = details.incomplete;
    Ok(inv)
}

/// How many roles one event read reads in full for a PassRole's reach; the rest keep only their
/// trust policy, and their permissions count as unknown (privileged).
const REACHED_ROLE_READS: usize = 20;

/// The account's roles for judging a PassRole limited to some of them: every role (ListRoles) with
/// its trust policy, and the permissions of up to [`REACHED_ROLE_READS`] roles `reaches` selects.
/// `Err` when the listing fails or names a role without its name or ARN: then nothing shows that a
/// role does not exist. `known` is the principal being audited: when it is one of the roles, its
/// permissions, just read, are used rather than read again.
pub async fn roles_reached(
    clients: &Clients,
    cache: &PolicyCache,
    known: &Principal,
    reaches: impl Fn(&str) -> bool,
) -> Result<Vec<Principal>, AwsError> {
    let op = Operation::of::<aws_sdk_iam::operation::list_roles::ListRolesError>();
    let mut roles = Vec::new();
    let mut pages = client(clients).list_roles().into_paginator().items().send();
    while let Some(role) = pages.next().await {
        let role = role.map_err(|e| classify(&e))?;
        if role.role_name().is_empty() || role.arn().is_empty() {
            return Err(missing(op, "a role's name or ARN"));
        }
        let mut p = Principal::new(crate::services::iam::ROLE, role.role_name(), role.arn());
        p.path = role.path().to_string();
        // A trust policy that does not parse is left unknown: the role may trust any service.
        let trust = trust_policy(op, role.assume_role_policy_document()).ok();
        p.role = Some(RoleInfo { trust, max_session_seconds: role.max_session_duration(), last_used: None });
        roles.push(p);
    }
    let is_known = |r: &Principal| known.kind == crate::services::iam::ROLE && known.name == r.name;
    let wanted: Vec<String> =
        roles.iter().filter(|r| !is_known(r) && reaches(&r.arn)).take(REACHED_ROLE_READS).map(|r| r.name.clone()).collect();
    let mut read: HashMap<String, Permissions> = futures::stream::iter(wanted)
        .map(|name| async move {
            let perms = match read_role(clients, cache, &name).await {
                Ok(EntityRead::Found { principal, failures }) if failures.is_empty() => principal.permissions,
                _ => None,
            };
            (name, perms)
        })
        .buffer_unordered(POLICY_READS)
        .filter_map(|(name, perms)| async move { perms.map(|p| (name, p)) })
        .collect()
        .await;
    for r in &mut roles {
        r.permissions = if is_known(r) { known.permissions.clone() } else { read.remove(&r.name) };
    }
    Ok(roles)
}

/// One entity from GetAccountAuthorizationDetails, before its managed policies are resolved.
#[derive(Debug, Clone)]
struct Entity {
    principal: Principal,
    inline: Result<Vec<NamedPolicy>, AwsError>,
    attached: Vec<String>,
    groups: Vec<String>,
    boundary: Option<String>,
}

#[derive(Debug, Default)]
struct Details {
    users: Vec<Entity>,
    roles: Vec<Entity>,
    groups: Vec<Entity>,
    local: Vec<ManagedPolicy>,
    /// Entities listed but not understood (a document that does not parse): audit errors that
    /// keep their findings, never deletions.
    failures: Vec<ReadFailure>,
    /// Types with an entity the listing did not name: which one is unknown, so the type's listing
    /// is incomplete and nothing of it is swept.
    incomplete: Vec<ResourceType>,
}

impl Details {
    fn unnamed(&mut self, kind: ResourceType) {
        self.failures.push(ReadFailure { resource_arn: kind.as_str().into(), error: missing(gaad(), "an entity's name or ARN") });
        if !self.incomplete.contains(&kind) {
            self.incomplete.push(kind);
        }
    }
}

impl Details {
    fn attachments(&self) -> impl Iterator<Item = &str> {
        self.users
            .iter()
            .chain(&self.roles)
            .chain(&self.groups)
            .flat_map(|e| e.attached.iter().chain(e.boundary.iter()).map(String::as_str))
    }
}

fn attached_arns(list: &[AttachedPolicy]) -> Vec<String> {
    list.iter().filter_map(|p| p.policy_arn()).map(str::to_string).collect()
}

fn gaad() -> Operation {
    Operation::of::<aws_sdk_iam::operation::get_account_authorization_details::GetAccountAuthorizationDetailsError>()
}

async fn authorization_details(clients: &Clients) -> Result<Details, AwsError> {
    let mut out = Details::default();
    let mut pages = client(clients)
        .get_account_authorization_details()
        .filter(EntityType::User)
        .filter(EntityType::Role)
        .filter(EntityType::Group)
        .filter(EntityType::LocalManagedPolicy)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| classify(&e))?;
        for u in page.user_detail_list() {
            let (Some(name), Some(arn)) = (u.user_name(), u.arn()) else {
                out.unnamed(crate::services::iam::USER);
                continue;
            };
            let mut p = Principal::new(crate::services::iam::USER, name, arn);
            p.path = u.path().unwrap_or("/").to_string();
            p.created = time(u.create_date());
            p.tags = tags(u.tags());
            out.users.push(Entity {
                principal: p,
                inline: inline_list(gaad(), u.user_policy_list()),
                attached: attached_arns(u.attached_managed_policies()),
                groups: u.group_list().to_vec(),
                boundary: u.permissions_boundary().and_then(|b| b.permissions_boundary_arn()).map(str::to_string),
            });
        }
        for r in page.role_detail_list() {
            let (Some(name), Some(arn)) = (r.role_name(), r.arn()) else {
                out.unnamed(crate::services::iam::ROLE);
                continue;
            };
            let mut p = Principal::new(crate::services::iam::ROLE, name, arn);
            p.path = r.path().unwrap_or("/").to_string();
            p.created = time(r.create_date());
            p.tags = tags(r.tags());
            let trust = trust_policy(gaad(), r.assume_role_policy_document())
                .map_err(|error| out.failures.push(ReadFailure { resource_arn: p.arn.clone(), error }))
                .ok();
            p.role = Some(RoleInfo {
                trust,
                max_session_seconds: None,
                last_used: Some(time(r.role_last_used().and_then(|u| u.last_used_date()))),
            });
            out.roles.push(Entity {
                principal: p,
                inline: inline_list(gaad(), r.role_policy_list()),
                attached: attached_arns(r.attached_managed_policies()),
                groups: Vec::new(),
                boundary: r.permissions_boundary().and_then(|b| b.permissions_boundary_arn()).map(str::to_string),
            });
        }
        for g in page.group_detail_list() {
            let (Some(name), Some(arn)) = (g.group_name(), g.arn()) else {
                out.unnamed(crate::services::iam::GROUP);
                continue;
            };
            let mut p = Principal::new(crate::services::iam::GROUP, name, arn);
            p.path = g.path().unwrap_or("/").to_string();
            p.created = time(g.create_date());
            out.groups.push(Entity {
                principal: p,
                inline: inline_list(gaad(), g.group_policy_list()),
                attached: attached_arns(g.attached_managed_policies()),
                groups: Vec::new(),
                boundary: None,
            });
        }
        for m in page.policies() {
            let Some(arn) = m.arn() else {
                out.unnamed(crate::services::iam::POLICY);
                continue;
            };
            let name = m.policy_name().unwrap_or_else(|| arn.rsplit('/').next().unwrap_or(arn));
            let default = m.policy_version_list().iter().find(|v| v.is_default_version());
            let parsed = match default.and_then(|v| v.document()) {
                Some(text) => PolicyDocument::parse_iam(text).map_err(|e| unparseable(gaad(), "default policy version", e)),
                None => Err(missing(gaad(), "the default policy version's document")),
            };
            match parsed {
                Ok(document) => out.local.push(ManagedPolicy { arn: arn.to_string(), name: name.to_string(), document }),
                Err(error) => out.failures.push(ReadFailure { resource_arn: arn.to_string(), error }),
            }
        }
    }
    Ok(out)
}

/// MaxSessionDuration by role name (GetAccountAuthorizationDetails does not return it).
async fn max_sessions(clients: &Clients) -> Result<HashMap<String, i32>, AwsError> {
    let mut out = HashMap::new();
    let mut roles = client(clients).list_roles().into_paginator().items().send();
    while let Some(role) = roles.next().await {
        let role = role.map_err(|e| classify(&e))?;
        if let Some(s) = role.max_session_duration() {
            out.insert(role.role_name().to_string(), s);
        }
    }
    Ok(out)
}

/// `Ok(None)`: the account has no password policy.
async fn password_policy(clients: &Clients) -> Result<Option<PasswordPolicy>, AwsError> {
    match client(clients).get_account_password_policy().send().await {
        Ok(out) => Ok(out.password_policy.map(|p| PasswordPolicy {
            minimum_length: p.minimum_password_length(),
            require_symbols: p.require_symbols(),
            require_numbers: p.require_numbers(),
            require_uppercase: p.require_uppercase_characters(),
            require_lowercase: p.require_lowercase_characters(),
            reuse_prevention: p.password_reuse_prevention(),
            max_age_days: p.max_password_age(),
        })),
        Err(e) => {
            let err = classify(&e);
            if err.has_code(NO_SUCH_ENTITY) {
                Ok(None)
            } else {
                Err(err)
            }
        }
    }
}

/// The account settings an account event re-reads: the password policy.
pub async fn read_account(clients: &Clients, account_id: &str) -> Result<(Account, Vec<AwsError>), AwsError> {
    let (password, (virtual_mfa, support)) = tokio::join!(password_policy(clients), root_mfa_and_support(clients));
    let mut account = Account { id: account_id.to_string(), password_policy: Some(password?), ..Default::default() };
    let mut failures = Vec::new();
    account.root_virtual_mfa = virtual_mfa.map_err(|e| failures.push(e)).ok();
    account.support_roles = support.map_err(|e| failures.push(e)).ok();
    Ok((account, failures))
}

/// The managed policy that grants AWS Support access (CIS: a role should hold it).
pub const SUPPORT_POLICY: &str = "AWSSupportAccess";

/// Whether the root user's MFA is a virtual device, and the roles `AWSSupportAccess` is attached to.
pub async fn root_mfa_and_support(clients: &Clients) -> (Result<bool, AwsError>, Result<Vec<String>, AwsError>) {
    let iam = client(clients);
    let virtual_mfa = async {
        let mut root = false;
        let mut pages = iam.list_virtual_mfa_devices().assignment_status(aws_sdk_iam::types::AssignmentStatusType::Assigned).into_paginator().send();
        while let Some(page) = pages.next().await {
            for d in page.map_err(|e| classify(&e))?.virtual_mfa_devices() {
                root |= is_root_device(d.user().map(|u| u.arn()), d.serial_number());
            }
        }
        Ok(root)
    };
    let support = async {
        let partition = crate::model::partition(&clients.default_region());
        let arn = format!("arn:{partition}:iam::aws:policy/{SUPPORT_POLICY}");
        let mut roles = Vec::new();
        let mut pages = iam.list_entities_for_policy().policy_arn(arn).entity_filter(EntityType::Role).into_paginator().send();
        while let Some(page) = pages.next().await {
            roles.extend(page.map_err(|e| classify(&e))?.policy_roles().iter().filter_map(|r| r.role_name()).map(str::to_string));
        }
        Ok(roles)
    };
    tokio::join!(virtual_mfa, support)
}

/// Whether an assigned virtual MFA device is the root user's: assigned to the account's root ARN,
/// or under the serial the console gives the root's device.
fn is_root_device(user_arn: Option<&str>, serial: &str) -> bool {
    user_arn.is_some_and(|a| a.ends_with(":root")) || serial.ends_with(":mfa/root-account-mfa-device")
}

/// The server certificates stored in IAM: all, or one by name (empty when it is gone).
pub async fn server_certificates(clients: &Clients, name: Option<&str>) -> Result<Vec<ServerCertificate>, AwsError> {
    let iam = client(clients);
    let meta = |m: &aws_sdk_iam::types::ServerCertificateMetadata| ServerCertificate { name: m.server_certificate_name().to_string(), expiration: time(m.expiration()) };
    if let Some(name) = name {
        return match iam.get_server_certificate().server_certificate_name(name).send().await {
            Ok(out) => Ok(out.server_certificate().and_then(|c| c.server_certificate_metadata()).map(meta).into_iter().collect()),
            Err(e) => {
                let e = classify(&e);
                if e.has_code(&["NoSuchEntity"]) {
                    Ok(Vec::new())
                } else {
                    Err(e)
                }
            }
        };
    }
    let mut out = Vec::new();
    let mut pages = iam.list_server_certificates().into_paginator().send();
    while let Some(page) = pages.next().await {
        out.extend(page.map_err(|e| classify(&e))?.server_certificate_metadata_list().iter().map(meta));
    }
    Ok(out)
}

/// The credential report's name for the root user's row.
pub const ROOT_ROW: &str = "<root_account>";

/// One row of the credential report.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportRow {
    pub user: String,
    pub console: bool,
    pub password_last_used: Option<DateTime<Utc>>,
    pub mfa: bool,
    pub keys: Vec<AccessKey>,
}

impl ReportRow {
    /// The row as a user's credentials, produced when the report was generated.
    pub fn credentials(&self, generated: Option<DateTime<Utc>>) -> Credentials {
        Credentials {
            console: self.console,
            password_last_used: self.password_last_used,
            mfa: self.mfa,
            keys: self.keys.clone(),
            produced_at: generated,
        }
    }
}

/// Parses the credential report CSV. Values such as `N/A`, `no_information` and `not_supported`
/// mean "no date".
/// A report without the columns the credential checks read, or with a row shorter than its header
/// (cut short), is an error: a missing `password_enabled` must never read as "no password".
pub fn parse_credential_report(csv_text: &[u8]) -> Result<Vec<ReportRow>, String> {
    let mut reader = csv::ReaderBuilder::new().flexible(false).from_reader(csv_text);
    let headers = reader.headers().map_err(|e| format!("credential report header: {e}"))?.clone();
    let col = |name: &str| headers.iter().position(|h| h == name);
    for required in REPORT_COLUMNS {
        col(required).ok_or_else(|| format!("credential report has no `{required}` column"))?;
    }
    let user_col = col("user").ok_or("credential report has no `user` column")?;
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| format!("credential report row: {e}"))?;
        let field = |name: &str| col(name).and_then(|i| record.get(i)).unwrap_or("");
        let flag = |name: &str| field(name) == "true";
        let date = |name: &str| DateTime::parse_from_rfc3339(field(name)).ok().map(|t| t.with_timezone(&Utc));
        let mut keys = Vec::new();
        for n in [1, 2] {
            let active = flag(&format!("access_key_{n}_active"));
            let created = date(&format!("access_key_{n}_last_rotated"));
            if active || created.is_some() {
                keys.push(AccessKey { id: None, active, created, last_used: date(&format!("access_key_{n}_last_used_date")) });
            }
        }
        rows.push(ReportRow {
            user: record.get(user_col).unwrap_or_default().to_string(),
            console: flag("password_enabled"),
            password_last_used: date("password_last_used"),
            mfa: flag("mfa_active"),
            keys,
        });
    }
    Ok(rows)
}

/// The credential report's columns the checks cannot do without.
const REPORT_COLUMNS: &[&str] = &["user", "password_enabled", "mfa_active", "access_key_1_active", "access_key_2_active"];

/// How long to wait for IAM to finish generating the report.
const REPORT_WAIT: Duration = Duration::from_secs(60);

/// The credential report: its rows, and when IAM generated it.
#[derive(Debug, Clone, PartialEq)]
pub struct CredentialReport {
    pub rows: Vec<ReportRow>,
    pub generated: Option<DateTime<Utc>>,
}

/// Generates the credential report (IAM reuses one younger than four hours) and reads it.
async fn credential_report(clients: &Clients) -> Result<CredentialReport, AwsError> {
    let started = std::time::Instant::now();
    let mut delay = Duration::from_millis(250);
    loop {
        let generated = client(clients)
            .generate_credential_report()
            .send()
            .await
            .map_err(|e| classify(&e))?;
        if generated.state() == Some(&ReportStateType::Complete) {
            match client(clients).get_credential_report().send().await {
                Ok(out) => {
                    let op = Operation::of::<aws_sdk_iam::operation::get_credential_report::GetCredentialReportError>();
                    let bytes = out.content().map(|b| b.as_ref()).ok_or_else(|| missing(op, "Content"))?;
                    let rows = parse_credential_report(bytes)
                        .map_err(|message| AwsError { operation: op, kind: AwsErrorKind::Other, code: None, message })?;
                    return Ok(CredentialReport { rows, generated: time(out.generated_time()) });
                }
                Err(e) => {
                    let err = classify(&e);
                    // Expired or not yet present: generate again.
                    let again = matches!(err.code.as_deref(), Some("ReportInProgress" | "ReportNotPresent" | "ReportExpired"));
                    if !again {
                        return Err(err);
                    }
                }
            }
        }
        if started.elapsed() > REPORT_WAIT {
            return Err(AwsError {
                operation: Operation::of::<aws_sdk_iam::operation::get_credential_report::GetCredentialReportError>(),
                kind: AwsErrorKind::Timeout,
                code: None,
                message: format!("the credential report was not ready after {} s", REPORT_WAIT.as_secs()),
            });
        }
        tokio::time::sleep(delay).await;
        delay = (delay * 2).min(Duration::from_secs(4));
    }
}

/// The result of reading one entity.
/// Matched at once by the caller, so the size difference between the variants costs nothing.
#[derive(Debug)]
#[allow(clippy::large_enum_variant)]
pub enum EntityRead {
    Found { principal: Principal, failures: Vec<ReadFailure> },
    Gone,
}

fn gone_or(err: AwsError) -> Result<EntityRead, AwsError> {
    if err.has_code(NO_SUCH_ENTITY) {
        Ok(EntityRead::Gone)
    } else {
        Err(err)
    }
}

/// Reads one user: GetUser, then the requested parts.
pub async fn read_user(clients: &Clients, cache: &PolicyCache, name: &str, focus: crate::router::Focus) -> Result<EntityRead, AwsError> {
    let user = match client(clients).get_user().user_name(name).send().await {
        Ok(out) => out.user.ok_or_else(|| missing(Operation::of::<aws_sdk_iam::operation::get_user::GetUserError>(), "User"))?,
        Err(e) => return gone_or(classify(&e)),
    };
    let mut p = Principal::new(crate::services::iam::USER, user.user_name(), user.arn());
    p.path = user.path().to_string();
    p.created = time(Some(user.create_date()));
    p.tags = tags(user.tags());
    let boundary = user.permissions_boundary().and_then(|b| b.permissions_boundary_arn()).map(str::to_string);
    let mut failures = Vec::new();
    let want = |part| focus.has(part);
    let (perms, creds) = tokio::join!(
        async {
            if !want(super::part::PERMISSIONS) {
                return None;
            }
            Some(user_permissions(clients, cache, name, boundary.as_deref()).await)
        },
        async {
            if !want(super::part::CREDENTIALS) {
                return None;
            }
            Some(user_credentials(clients, name, time(user.password_last_used())).await)
        }
    );
    match perms {
        Some(Ok(x)) => p.permissions = Some(x),
        Some(Err(e)) => failures.push(ReadFailure { resource_arn: p.arn.clone(), error: e }),
        None => {}
    }
    match creds {
        Some(Ok(x)) => p.credentials = Some(x),
        Some(Err(e)) => failures.push(ReadFailure { resource_arn: p.arn.clone(), error: e }),
        None => {}
    }
    Ok(EntityRead::Found { principal: p, failures })
}

/// Reads one user's, group's or role's inline policies (list the names, get each document) and
/// attached managed policies (list the ARNs, read each through the cache). The three entity kinds
/// use the same four calls under different names, hence a macro over the SDK's builders.
macro_rules! own_policies {
    ($clients:expr, $cache:expr, $name:expr, $key:ident,
     $list:ident, $get:ident / $get_op:expr, $attached:ident) => {
        async {
            let iam = &client($clients);
            let names: Vec<String> = iam.$list().$key($name).into_paginator().items().send().collect::<Vec<_>>().await
                .into_iter()
                .collect::<Result<_, _>>()
                .map_err(|e| classify(&e))?;
            let mut perms = Permissions::default();
            for policy in &names {
                let out = iam.$get().$key($name).policy_name(policy).send().await.map_err(|e| classify(&e))?;
                perms.inline.push(inline_policy($get_op, policy, out.policy_document())?);
            }
            let attached: Vec<AttachedPolicy> = iam.$attached().$key($name).into_paginator().items().send().collect::<Vec<_>>().await
                .into_iter()
                .collect::<Result<_, _>>()
                .map_err(|e| classify(&e))?;
            let arns = attached_arns(&attached);
            perms.attached = $cache.get_all($clients, &arns).await?;
            Ok::<Permissions, AwsError>(perms)
        }
    };
}

fn missing(operation: Operation, field: &str) -> AwsError {
    AwsError { operation, kind: AwsErrorKind::Other, code: None, message: format!("response has no {field}") }
}

async fn user_permissions(clients: &Clients, cache: &PolicyCache, name: &str, boundary: Option<&str>) -> Result<Permissions, AwsError> {
    let iam = &client(clients);
    let mut perms = own_policies!(
        clients, cache, name, user_name,
        list_user_policies,
        get_user_policy / Operation::of::<aws_sdk_iam::operation::get_user_policy::GetUserPolicyError>(),
        list_attached_user_policies
    )
    .await?;
    let groups: Vec<aws_sdk_iam::types::Group> = iam
        .list_groups_for_user()
        .user_name(name)
        .into_paginator()
        .items()
        .send()
        .collect::<Vec<_>>()
        .await
        .into_iter()
        .collect::<Result<_, _>>()
        .map_err(|e| classify(&e))?;
    let groups: Vec<String> = groups.iter().map(|g| g.group_name().to_string()).collect();
    for group in groups {
        let g = group_permissions(clients, cache, &group).await?;
        let mut policies = g.inline;
        policies.extend(g.attached);
        perms.groups.push(GroupPolicies { group, policies });
    }
    if let Some(b) = boundary {
        perms.boundary = cache.get(clients, b).await?;
    }
    Ok(perms)
}

async fn user_credentials(clients: &Clients, name: &str, password_last_used: Option<DateTime<Utc>>) -> Result<Credentials, AwsError> {
    let iam = &client(clients);
    let console = match iam.get_login_profile().user_name(name).send().await {
        Ok(_) => true,
        Err(e) => {
            let err = classify(&e);
            if !err.has_code(NO_SUCH_ENTITY) {
                return Err(err);
            }
            false
        }
    };
    let mfa = iam.list_mfa_devices().user_name(name).send().await.map_err(|e| classify(&e))?;
    let keys = iam.list_access_keys().user_name(name).send().await.map_err(|e| classify(&e))?;
    let mut out = Credentials { console, password_last_used, mfa: !mfa.mfa_devices().is_empty(), keys: Vec::new(), produced_at: None };
    for k in keys.access_key_metadata() {
        let Some(id) = k.access_key_id() else { continue };
        let used = iam.get_access_key_last_used().access_key_id(id).send().await;
        let used = used.map_err(|e| classify(&e))?;
        out.keys.push(AccessKey {
            id: Some(id.to_string()),
            active: k.status() == Some(&StatusType::Active),
            created: time(k.create_date()),
            last_used: time(used.access_key_last_used().and_then(|u| u.last_used_date())),
        });
    }
    Ok(out)
}

async fn group_permissions(clients: &Clients, cache: &PolicyCache, name: &str) -> Result<Permissions, AwsError> {
    own_policies!(
        clients, cache, name, group_name,
        list_group_policies,
        get_group_policy / Operation::of::<aws_sdk_iam::operation::get_group_policy::GetGroupPolicyError>(),
        list_attached_group_policies
    )
    .await
}

/// Reads one role: GetRole (trust, session, last use), then its policies.
pub async fn read_role(clients: &Clients, cache: &PolicyCache, name: &str) -> Result<EntityRead, AwsError> {
    let iam = &client(clients);
    let role = match iam.get_role().role_name(name).send().await {
        Ok(out) => out.role.ok_or_else(|| missing(Operation::of::<aws_sdk_iam::operation::get_role::GetRoleError>(), "Role"))?,
        Err(e) => return gone_or(classify(&e)),
    };
    let mut p = Principal::new(crate::services::iam::ROLE, role.role_name(), role.arn());
    p.path = role.path().to_string();
    p.created = time(Some(role.create_date()));
    p.tags = tags(role.tags());
    let mut failures = Vec::new();
    let trust = trust_policy(Operation::of::<aws_sdk_iam::operation::get_role::GetRoleError>(), role.assume_role_policy_document())
        .map_err(|error| failures.push(ReadFailure { resource_arn: p.arn.clone(), error }))
        .ok();
    p.role = Some(RoleInfo {
        trust,
        max_session_seconds: role.max_session_duration(),
        last_used: Some(time(role.role_last_used().and_then(|u| u.last_used_date()))),
    });
    let boundary = role.permissions_boundary().and_then(|b| b.permissions_boundary_arn()).map(str::to_string);
    let perms = async {
        let mut perms = own_policies!(
            clients, cache, name, role_name,
            list_role_policies,
            get_role_policy / Operation::of::<aws_sdk_iam::operation::get_role_policy::GetRolePolicyError>(),
            list_attached_role_policies
        )
        .await?;
        if let Some(b) = &boundary {
            perms.boundary = cache.get(clients, b).await?;
        }
        Ok::<_, AwsError>(perms)
    }
    .await;
    match perms {
        Ok(x) => p.permissions = Some(x),
        Err(e) => failures.push(ReadFailure { resource_arn: p.arn.clone(), error: e }),
    }
    Ok(EntityRead::Found { principal: p, failures })
}

/// A role's trust policy. One that is absent or does not parse is a read failure: the trust
/// checks are not evaluated, and the failure is reported with the role.
fn trust_policy(operation: Operation, text: Option<&str>) -> Result<PolicyDocument, AwsError> {
    let text = text.ok_or_else(|| missing(operation, "AssumeRolePolicyDocument"))?;
    PolicyDocument::parse_iam(text).map_err(|e| unparseable(operation, "trust policy", e))
}

/// Reads one group and names its members (GetGroup gives both).
pub async fn read_group(clients: &Clients, cache: &PolicyCache, name: &str) -> Result<(EntityRead, Vec<String>), AwsError> {
    let mut members = Vec::new();
    let mut group = None;
    let mut pages = client(clients).get_group().group_name(name).into_paginator().send();
    while let Some(page) = pages.next().await {
        let page = match page {
            Ok(p) => p,
            Err(e) => return gone_or(classify(&e)).map(|r| (r, Vec::new())),
        };
        members.extend(page.users().iter().map(|u| u.user_name().to_string()));
        if group.is_none() {
            group = page.group;
        }
    }
    let g = group.ok_or_else(|| missing(Operation::of::<aws_sdk_iam::operation::get_group::GetGroupError>(), "Group"))?;
    let mut p = Principal::new(crate::services::iam::GROUP, g.group_name(), g.arn());
    p.path = g.path().to_string();
    p.created = time(Some(g.create_date()));
    let mut failures = Vec::new();
    match group_permissions(clients, cache, name).await {
        Ok(x) => p.permissions = Some(x),
        Err(e) => failures.push(ReadFailure { resource_arn: p.arn.clone(), error: e }),
    }
    Ok((EntityRead::Found { principal: p, failures }, members))
}

/// A customer managed policy's default version. `Ok(None)` when it no longer exists.
pub async fn read_policy(clients: &Clients, cache: &PolicyCache, arn: &str) -> Result<Option<ManagedPolicy>, AwsError> {
    Ok(cache.get(clients, arn).await?.map(|p| ManagedPolicy { arn: arn.to_string(), name: p.name, document: p.document }))
}

/// The users, groups and roles a managed policy is attached to (as permissions or boundary).
pub async fn policy_entities(clients: &Clients, arn: &str) -> Result<Vec<(ResourceType, String)>, AwsError> {
    let mut out = Vec::new();
    let mut pages = client(clients).list_entities_for_policy().policy_arn(arn).into_paginator().send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| classify(&e))?;
        out.extend(page.policy_users().iter().filter_map(|u| u.user_name()).map(|n| (crate::services::iam::USER, n.to_string())));
        out.extend(page.policy_groups().iter().filter_map(|g| g.group_name()).map(|n| (crate::services::iam::GROUP, n.to_string())));
        out.extend(page.policy_roles().iter().filter_map(|r| r.role_name()).map(|n| (crate::services::iam::ROLE, n.to_string())));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const REPORT: &str = "user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,cert_2_active,cert_2_last_rotated
<root_account>,arn:aws:iam::123456789012:root,2020-01-01T00:00:00+00:00,not_supported,2026-10-01T10:00:00+00:00,not_supported,not_supported,false,true,2021-05-01T00:00:00+00:00,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A
alice,arn:aws:iam::123456789012:user/alice,2024-01-01T00:00:00+00:00,true,no_information,2024-01-01T00:00:00+00:00,N/A,true,true,2024-02-01T00:00:00+00:00,2026-10-30T00:00:00+00:00,us-east-1,s3,false,2023-01-01T00:00:00+00:00,N/A,N/A,N/A,false,N/A,false,N/A
bob,arn:aws:iam::123456789012:user/bob,2024-01-01T00:00:00+00:00,false,not_supported,N/A,N/A,false,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A
";

    #[test]
    fn credential_report_rows() {
        let rows = parse_credential_report(REPORT.as_bytes()).unwrap();
        assert_eq!(rows.len(), 3);
        let root = &rows[0];
        assert_eq!(root.user, ROOT_ROW);
        assert!(!root.mfa);
        assert_eq!(root.keys.iter().filter(|k| k.active).count(), 1);
        // The root row's last sign-in is what iam_root_recently_used judges.
        assert_eq!(root.password_last_used.map(|t| t.to_rfc3339()).as_deref(), Some("2026-10-01T10:00:00+00:00"));
        let alice = &rows[1];
        assert!(alice.console && alice.mfa);
        assert_eq!(alice.password_last_used, None, "no_information is no date");
        assert_eq!(alice.keys.len(), 2);
        assert!(alice.keys[0].active && !alice.keys[1].active);
        assert_eq!(alice.keys[0].last_used.unwrap().to_rfc3339(), "2026-10-30T00:00:00+00:00");
        let bob = &rows[2];
        assert!(!bob.console && bob.keys.is_empty());
    }

    #[test]
    fn an_unparseable_trust_policy_is_a_read_failure() {
        let op = Operation { service: "iam", name: "GetRole" };
        assert!(trust_policy(op, Some("%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%5D%7D")).is_ok());
        let err = trust_policy(op, Some("%7Bnot-json")).unwrap_err();
        assert_eq!(err.code.as_deref(), Some("MalformedPolicyDocument"));
        assert!(err.message.contains("trust policy"), "{}", err.message);
        assert!(trust_policy(op, None).is_err(), "absent is not \"trusts nobody\"");
    }

    #[test]
    fn the_roots_virtual_device_is_recognised() {
        assert!(is_root_device(Some("arn:aws:iam::123456789012:root"), "arn:aws:iam::123456789012:mfa/phone"));
        assert!(is_root_device(None, "arn:aws:iam::123456789012:mfa/root-account-mfa-device"));
        assert!(!is_root_device(Some("arn:aws:iam::123456789012:user/root"), "arn:aws:iam::123456789012:mfa/root"));
    }

    #[test]
    fn malformed_reports_are_errors() {
        assert!(parse_credential_report(b"arn,x\n1,2\n").is_err());
        // Cut short: the last row lacks its flags. It must not read as "no password, no keys".
        let cut = &REPORT[..REPORT.rfind(",false,not_supported").unwrap()];
        assert!(parse_credential_report(cut.as_bytes()).is_err(), "a truncated report is an error");
        let without = REPORT.replacen("password_enabled", "password_enabledx", 1);
        assert!(parse_credential_report(without.as_bytes()).unwrap_err().contains("password_enabled"));
        let header_only = b"user,arn,password_enabled,mfa_active,access_key_1_active,access_key_2_active\n";
        assert_eq!(parse_credential_report(header_only).unwrap(), vec![]);
    }
}
