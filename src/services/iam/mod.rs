//! IAM: users, roles, groups, customer managed policies and the account's IAM settings. Event rows,
//! types and entry points; the collector is `read.rs`, snapshots `snapshot.rs`, checks `checks/`.

pub mod checks;
pub mod read;
pub mod report;
pub mod simulate;
pub mod snapshot;

use crate::config::Settings;
use crate::error::ReadFailure;
use crate::model::{partition, Arn, ResourceRef, ResourceType, TypeInfo, ACCOUNT};
use crate::router::{Effect, EventCx, EventRule, Focus, Located, Locator, RouteError, Target};
use crate::service::{ServiceInfo, failed, Exposure, Read, ReadCx, Scan, Service, Subject, Tags, Snapshot};
use futures::future::BoxFuture;
use futures::FutureExt;
use read::{EntityRead, PolicyCache};
use snapshot::{Account, ManagedPolicy, Principal, ServerCertificate};

/// IAM users, roles and groups are keyed by name without their path (names are unique in an
/// account, and CloudTrail events carry only the name), so an event and a scan meet on one key.
const fn entity(name: &'static str, short: &'static str, arn: fn(&ResourceRef) -> String, tags: bool) -> TypeInfo {
    TypeInfo { name, arn, tags, named: true, regional: false, has_findings: true, short: Some(short) }
}

pub const USER: ResourceType =
    ResourceType(&entity("AWS::IAM::User", "user", |r| format!("arn:{}:iam::{}:user/{}", partition(&r.region), r.account, r.id), true));
pub const ROLE: ResourceType =
    ResourceType(&entity("AWS::IAM::Role", "role", |r| format!("arn:{}:iam::{}:role/{}", partition(&r.region), r.account, r.id), true));
/// IAM groups cannot carry tags.
pub const GROUP: ResourceType =
    ResourceType(&entity("AWS::IAM::Group", "group", |r| format!("arn:{}:iam::{}:group/{}", partition(&r.region), r.account, r.id), false));
/// A customer managed policy; its id is its ARN. Its tags are not read.
pub const POLICY: ResourceType = ResourceType(&entity("AWS::IAM::Policy", "policy", |r| r.id.clone(), false));
/// A server certificate stored in IAM, keyed by name. Its tags are not read.
pub const SERVER_CERTIFICATE: ResourceType = ResourceType(&entity(
    "AWS::IAM::ServerCertificate",
    "server-certificate",
    |r| format!("arn:{}:iam::{}:server-certificate/{}", partition(&r.region), r.account, r.id),
    false,
));

/// What an event re-reads of a user.
pub mod part {
    use crate::router::Part;
    /// Inline, attached and group policies, and the boundary.
    pub const PERMISSIONS: Part = Part::new(0);
    /// Keys, login profile, MFA devices.
    pub const CREDENTIALS: Part = Part::new(1);
}

const SOURCE: &str = "iam.amazonaws.com";
const USER_NAME: Locator = Locator::At(USER, &["detail.requestParameters.userName"]);
const ROLE_NAME: Locator = Locator::At(ROLE, &["detail.requestParameters.roleName"]);
const GROUP_NAME: Locator = Locator::At(GROUP, &["detail.requestParameters.groupName"]);
const USER_OR_CALLER: Locator = Locator::Custom(user_or_caller);
const POLICY_ARN: Locator = Locator::Custom(policy_arn);
const POLICIES: Effect = Effect::Audit(Focus::only(&[part::PERMISSIONS]));
const CREDENTIALS: Effect = Effect::Audit(Focus::only(&[part::CREDENTIALS]));
const WHOLE: Effect = Effect::Audit(Focus::EVERYTHING);
const GOVERNED: Effect = Effect::Audit(Focus::EVERYTHING.and_governed());

const fn on(name: &'static str, locator: Locator, effect: Effect) -> EventRule {
    EventRule::new(SOURCE, name, locator, effect)
}

/// The role; and the account too when the policy is `AWSSupportAccess` (whether a support role
/// exists is an account check).
fn role_and_support(cx: &EventCx) -> Result<Located, RouteError> {
    let mut found = vec![cx.resource(ROLE, cx.required("detail.requestParameters.roleName")?)];
    if cx.text("detail.requestParameters.policyArn").is_some_and(|a| a.ends_with(&format!(":policy/{}", read::SUPPORT_POLICY))) {
        found.push(cx.resource(ACCOUNT, cx.account));
    }
    Ok(Located::Resources(found))
}

static EVENTS: &[EventRule] = &[
    // Users: policies and groups change permissions; keys, password and MFA change credentials.
    on("CreateUser", USER_NAME, WHOLE),
    on("DeleteUser", USER_NAME, Effect::Delete),
    on("AttachUserPolicy", USER_NAME, POLICIES),
    on("DetachUserPolicy", USER_NAME, POLICIES),
    on("PutUserPolicy", USER_NAME, POLICIES),
    on("DeleteUserPolicy", USER_NAME, POLICIES),
    on("AddUserToGroup", USER_NAME, POLICIES),
    on("RemoveUserFromGroup", USER_NAME, POLICIES),
    on("CreateAccessKey", USER_OR_CALLER, CREDENTIALS),
    on("UpdateAccessKey", USER_OR_CALLER, CREDENTIALS),
    on("DeleteAccessKey", USER_OR_CALLER, CREDENTIALS),
    on("CreateLoginProfile", USER_OR_CALLER, CREDENTIALS),
    on("UpdateLoginProfile", USER_OR_CALLER, CREDENTIALS),
    on("DeleteLoginProfile", USER_OR_CALLER, CREDENTIALS),
    on("EnableMFADevice", USER_OR_CALLER, CREDENTIALS),
    on("DeactivateMFADevice", USER_OR_CALLER, CREDENTIALS),
    on("TagUser", USER_NAME, WHOLE),
    on("UntagUser", USER_NAME, WHOLE),
    // Roles: one GetRole and its policies cover every role check.
    on("CreateRole", ROLE_NAME, WHOLE),
    on("DeleteRole", ROLE_NAME, Effect::Delete),
    on("AttachRolePolicy", Locator::Custom(role_and_support), WHOLE),
    on("DetachRolePolicy", Locator::Custom(role_and_support), WHOLE),
    on("PutRolePolicy", ROLE_NAME, WHOLE),
    on("DeleteRolePolicy", ROLE_NAME, WHOLE),
    on("UpdateAssumeRolePolicy", ROLE_NAME, WHOLE),
    on("UpdateRole", ROLE_NAME, WHOLE),
    on("UploadServerCertificate", Locator::At(SERVER_CERTIFICATE, &["detail.requestParameters.serverCertificateName"]), WHOLE),
    on("DeleteServerCertificate", Locator::At(SERVER_CERTIFICATE, &["detail.requestParameters.serverCertificateName"]), Effect::Delete),
    on("TagRole", ROLE_NAME, WHOLE),
    on("UntagRole", ROLE_NAME, WHOLE),
    // Groups: the group and its members, whose permissions changed with it.
    on("AttachGroupPolicy", GROUP_NAME, GOVERNED),
    on("DetachGroupPolicy", GROUP_NAME, GOVERNED),
    on("PutGroupPolicy", GROUP_NAME, GOVERNED),
    on("DeleteGroupPolicy", GROUP_NAME, GOVERNED),
    // Managed policies: the policy and every principal it is attached to.
    on("CreatePolicyVersion", POLICY_ARN, GOVERNED),
    on("SetDefaultPolicyVersion", POLICY_ARN, GOVERNED),
    on("DeletePolicy", POLICY_ARN, Effect::Delete),
    // The account's password policy.
    on("UpdateAccountPasswordPolicy", Locator::Account(ACCOUNT), WHOLE),
    on("DeleteAccountPasswordPolicy", Locator::Account(ACCOUNT), WHOLE),
];

/// `requestParameters.userName`, or the caller itself when absent (an IAM user managing its own
/// keys, password or MFA; the root user managing its own keys means the account).
fn user_or_caller(cx: &EventCx) -> Result<Located, RouteError> {
    const FIELD: &str = "detail.requestParameters.userName";
    if let Some(user) = cx.text(FIELD) {
        return Ok(Located::Resources(vec![cx.resource(USER, user)]));
    }
    let caller = match cx.text("detail.userIdentity.type").as_deref() {
        Some("IAMUser") => cx.text("detail.userIdentity.userName").map(|u| cx.resource(USER, u)),
        Some("Root") => Some(cx.resource(ACCOUNT, cx.account)),
        _ => None,
    };
    caller.map(|r| Located::Resources(vec![r])).ok_or_else(|| cx.missing(FIELD))
}

/// `requestParameters.policyArn`: a customer managed policy (AWS managed ones are not ours).
fn policy_arn(cx: &EventCx) -> Result<Located, RouteError> {
    const FIELD: &str = "detail.requestParameters.policyArn";
    let arn = cx.required(FIELD)?;
    if ResourceRef::from_arn(&arn).is_none_or(|r| r.kind != POLICY) {
        if arn.contains(":iam::aws:policy/") {
            return Ok(Located::Ignored(format!("{} on AWS managed policy {arn}", cx.name)));
        }
        return Err(RouteError::BadValue { field: FIELD, reason: format!("{arn:?} is not a policy ARN") });
    }
    Ok(Located::Resources(vec![cx.resource(POLICY, arn)]))
}

/// Whether a role is never audited: service-linked roles, and `EXEMPT_ROLE_NAMES`.
fn role_exempt(settings: &Settings, name: &str) -> bool {
    settings.exempt_role_names.contains(name)
}

impl Subject for Principal {
    fn tags(&self) -> Option<&Tags> {
        Some(&self.tags)
    }

    fn never_audited(&self, settings: &Settings) -> Option<&'static str> {
        if self.path.starts_with("/aws-service-role/") {
            Some("service-linked role")
        } else if self.kind == ROLE && role_exempt(settings, &self.name) {
            Some("EXEMPT_ROLE_NAMES")
        } else {
            None
        }
    }

    fn exposure(&self, account: &str) -> Option<Vec<Exposure>> {
        Some(checks::exposure(self, account))
    }
}

impl Subject for ManagedPolicy {}

impl Subject for Account {}

impl Subject for ServerCertificate {}

/// Each operation the collector performs, with the IAM actions that authorize it.
static OPERATIONS: &[(&str, &[&str])] = &[
    ("iam:GetAccountAuthorizationDetails", &["iam:GetAccountAuthorizationDetails"]),
    ("iam:ListRoles", &["iam:ListRoles"]),
    ("iam:GenerateCredentialReport", &["iam:GenerateCredentialReport"]),
    ("iam:GetCredentialReport", &["iam:GetCredentialReport"]),
    ("iam:GetAccountPasswordPolicy", &["iam:GetAccountPasswordPolicy"]),
    ("iam:GetUser", &["iam:GetUser"]),
    ("iam:ListUserPolicies", &["iam:ListUserPolicies"]),
    ("iam:GetUserPolicy", &["iam:GetUserPolicy"]),
    ("iam:ListAttachedUserPolicies", &["iam:ListAttachedUserPolicies"]),
    ("iam:ListGroupsForUser", &["iam:ListGroupsForUser"]),
    ("iam:ListAccessKeys", &["iam:ListAccessKeys"]),
    ("iam:GetAccessKeyLastUsed", &["iam:GetAccessKeyLastUsed"]),
    ("iam:GetLoginProfile", &["iam:GetLoginProfile"]),
    ("iam:ListMFADevices", &["iam:ListMFADevices"]),
    ("iam:GetRole", &["iam:GetRole"]),
    ("iam:ListRolePolicies", &["iam:ListRolePolicies"]),
    ("iam:GetRolePolicy", &["iam:GetRolePolicy"]),
    ("iam:ListAttachedRolePolicies", &["iam:ListAttachedRolePolicies"]),
    ("iam:GetGroup", &["iam:GetGroup"]),
    ("iam:ListGroupPolicies", &["iam:ListGroupPolicies"]),
    ("iam:GetGroupPolicy", &["iam:GetGroupPolicy"]),
    ("iam:ListAttachedGroupPolicies", &["iam:ListAttachedGroupPolicies"]),
    ("iam:GetPolicy", &["iam:GetPolicy"]),
    ("iam:GetPolicyVersion", &["iam:GetPolicyVersion"]),
    ("iam:ListEntitiesForPolicy", &["iam:ListEntitiesForPolicy"]),
    ("iam:ListVirtualMFADevices", &["iam:ListVirtualMFADevices"]),
    ("iam:ListServerCertificates", &["iam:ListServerCertificates"]),
    ("iam:GetServerCertificate", &["iam:GetServerCertificate"]),
];

static INFO: ServiceInfo = ServiceInfo { name: "iam", types: &[USER, ROLE, GROUP, POLICY, SERVER_CERTIFICATE, ACCOUNT], checks: checks::CHECKS, events: EVENTS, global: true, permissions: OPERATIONS };

pub struct Iam;

impl Iam {
    /// Judges what a user, role or group read found.
    fn entity(r: ResourceRef, read: Result<EntityRead, crate::error::AwsError>) -> Read {
        match read {
            Ok(EntityRead::Found { principal, failures }) => Read::Found(Snapshot { resource: r, subject: Box::new(principal), failures }),
            Ok(EntityRead::Gone) => Read::Gone(r),
            Err(e) => failed(&r, e),
        }
    }

    /// Another principal to re-audit because a group or policy it depends on changed.
    fn follow(&self, r: &ResourceRef, kind: ResourceType, name: String) -> Read {
        let focus = if kind == GROUP {
            Focus::EVERYTHING.and_governed()
        } else if kind == USER {
            Focus::only(&[part::PERMISSIONS])
        } else {
            Focus::EVERYTHING
        };
        Read::Follow(Target { resource: ResourceRef::new(kind, name, &r.account, &r.region), focus, service: self.name() })
    }
}

impl Service for Iam {
    fn info(&self) -> &'static ServiceInfo {
        &INFO
    }

    fn parse_arn(&self, arn: &Arn) -> Option<ResourceRef> {
        if arn.service != "iam" || !arn.has_account() {
            return None;
        }
        let named = |kind, prefix| arn.last_segment(prefix).map(|name| ResourceRef::new(kind, name, arn.account, arn.region));
        match arn.resource.split_once('/') {
            None if arn.resource == "root" => Some(ResourceRef::new(ACCOUNT, arn.account, arn.account, arn.region)),
            Some(("user", _)) => named(USER, "user/"),
            Some(("role", _)) => named(ROLE, "role/"),
            Some(("group", _)) => named(GROUP, "group/"),
            Some(("server-certificate", _)) => named(SERVER_CERTIFICATE, "server-certificate/"),
            Some(("policy", path)) if !path.is_empty() => Some(ResourceRef::new(POLICY, arn.whole, arn.account, arn.region)),
            _ => None,
        }
    }

    /// A few bulk reads (GetAccountAuthorizationDetails, ListRoles, the credential report, the
    /// password policy) give every entity and the account.
    fn scan<'a>(&'a self, cx: &'a ReadCx<'a>, region: &'a str) -> BoxFuture<'a, Scan> {
        async move {
            let mut scan = Scan::default();
            let listed = [USER, ROLE, GROUP, POLICY];
            let (inv, certificates) = tokio::join!(read::inventory(cx.clients, cx.account_id, cx.partition()), read::server_certificates(cx.clients, None));
            let inv = match inv {
                Ok(inv) => inv,
                Err(error) => {
                    scan.incomplete.extend(listed);
                    scan.failures.push(ReadFailure { resource_arn: "AWS::IAM".into(), error });
                    return scan;
                }
            };
            scan.failures = inv.failures;
            for p in inv.principals {
                scan.snapshots.push(Snapshot::new(ResourceRef::new(p.kind, &p.name, cx.account_id, region), p));
            }
            for m in inv.policies {
                scan.snapshots.push(Snapshot::new(ResourceRef::new(POLICY, &m.arn, cx.account_id, region), m));
            }
            scan.snapshots.push(Snapshot::new(ResourceRef::new(ACCOUNT, cx.account_id, cx.account_id, region), inv.account));
            match certificates {
                Ok(found) => {
                    scan.snapshots.extend(found.into_iter().map(|c| Snapshot::new(ResourceRef::new(SERVER_CERTIFICATE, &c.name, cx.account_id, region), c)));
                    scan.complete.push((SERVER_CERTIFICATE, None));
                }
                Err(error) => {
                    scan.incomplete.push(SERVER_CERTIFICATE);
                    scan.failures.push(ReadFailure { resource_arn: SERVER_CERTIFICATE.as_str().into(), error });
                }
            }
            scan.complete.extend(listed.into_iter().filter(|t| !inv.incomplete.contains(t)).map(|t| (t, None)));
            scan.incomplete.extend(inv.incomplete);
            scan
        }
        .boxed()
    }

    fn report_sections(&self, findings: &[crate::findings::Finding]) -> Vec<(&'static str, serde_json::Value)> {
        let paths = report::escalation_paths(findings);
        vec![("privilege_escalation_paths", serde_json::to_value(paths).unwrap_or_default())]
    }

    fn read<'a>(&'a self, cx: &'a ReadCx<'a>, target: &'a Target) -> BoxFuture<'a, Vec<Read>> {
        async move {
            let r = &target.resource;
            let cache = cx.state::<PolicyCache>();
            let kind = r.kind;
            if kind == USER {
                let mut read = read::read_user(cx.clients, &cache, &r.id, target.focus).await;
                if let Ok(found) = &mut read {
                    Self::reach(cx, &cache, found).await;
                }
                vec![Self::entity(r.clone(), read)]
            } else if kind == ROLE {
                if role_exempt(cx.settings, &r.id) {
                    return vec![Read::OutOfScope(r.clone())];
                }
                let mut read = read::read_role(cx.clients, &cache, &r.id).await;
                if let Ok(found) = &mut read {
                    Self::reach(cx, &cache, found).await;
                }
                vec![Self::entity(r.clone(), read)]
            } else if kind == GROUP {
                match read::read_group(cx.clients, &cache, &r.id).await {
                    Ok((mut read, members)) => {
                        Self::reach(cx, &cache, &mut read).await;
                        let mut out = vec![Self::entity(r.clone(), Ok(read))];
                        if target.focus.governed {
                            out.extend(members.into_iter().map(|m| self.follow(r, USER, m)));
                        }
                        out
                    }
                    Err(e) => vec![failed(r, e)],
                }
            } else if kind == POLICY {
                self.read_policy(cx, &cache, target).await
            } else if kind == ACCOUNT {
                vec![match read::read_account(cx.clients, cx.account_id).await {
                    Ok((account, failures)) => {
                        let failures = failures.into_iter().map(|error| ReadFailure { resource_arn: r.arn(), error }).collect();
                        Read::Found(Snapshot { resource: r.clone(), subject: Box::new(account), failures })
                    }
                    Err(e) => failed(r, e),
                }]
            } else if kind == SERVER_CERTIFICATE {
                vec![match read::server_certificates(cx.clients, Some(&r.id)).await {
                    Ok(found) => match found.into_iter().next() {
                        Some(c) => Read::Found(Snapshot::new(r.clone(), c)),
                        None => Read::Gone(r.clone()),
                    },
                    Err(e) => failed(r, e),
                }]
            } else {
                vec![Read::Skipped]
            }
        }
        .boxed()
    }
}

impl Iam {
    /// For a principal that may pass some roles but not every role, lists the account's roles
    /// (reading those it may pass in full), so the escalation check judges which exist, trust the
    /// service and are privileged, as a full scan does. A failed listing leaves the reach
    /// unjudged: the path is then reported as the policies stand.
    async fn reach(cx: &ReadCx<'_>, cache: &PolicyCache, read: &mut EntityRead) {
        let EntityRead::Found { principal, .. } = read else { return };
        let ctx = crate::check::Context::new(cx.settings, cx.account_id, cx.partition(), chrono::Utc::now());
        if !checks::privilege_escalation::pass_role_is_limited(principal, &ctx) {
            return;
        }
        let listed = read::roles_reached(cx.clients, cache, principal, |arn| checks::privilege_escalation::may_pass(principal, arn, &ctx)).await;
        match listed {
            Ok(roles) => principal.roles = Some(roles.into()),
            Err(e) => tracing::warn!(principal = %principal.arn, error = %e.explain(), "roles not listed; PassRole reach not judged"),
        }
    }

    /// A customer managed policy, and (for a policy change) the principals it governs. An AWS
    /// managed policy is nothing of ours to fix, but its principals are.
    async fn read_policy(&self, cx: &ReadCx<'_>, cache: &PolicyCache, target: &Target) -> Vec<Read> {
        let r = &target.resource;
        let policy = match read::read_policy(cx.clients, cache, &r.id).await {
            Ok(Some(p)) => p,
            Ok(None) => return vec![Read::Gone(r.clone())],
            Err(e) => return vec![failed(r, e)],
        };
        let mut out =
            vec![if r.id.contains(":iam::aws:policy/") { Read::Skipped } else { Read::Found(Snapshot::new(r.clone(), policy)) }];
        if target.focus.governed {
            match read::policy_entities(cx.clients, &r.id).await {
                Ok(entities) => out.extend(entities.into_iter().map(|(kind, name)| self.follow(r, kind, name))),
                Err(e) => out.push(failed(r, e)),
            }
        }
        out
    }
}
