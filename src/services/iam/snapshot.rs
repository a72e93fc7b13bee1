//! IAM snapshots: principals with their policies and credentials, managed policies, and the
//! account's settings. Filled from GetAccountAuthorizationDetails and the credential report on a
//! full scan, or from per-entity reads on an event; the checks cannot tell which.

use crate::model::ResourceType;
use crate::policy::engine::{PolicySet, Source};
use crate::policy::PolicyDocument;
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;
use std::sync::Arc;

/// A policy document as attached to a principal.
#[derive(Debug, Clone, PartialEq)]
pub struct NamedPolicy {
    /// Inline policy name, or managed policy name.
    pub name: String,
    /// The managed policy's ARN; `None` for inline policies.
    pub arn: Option<String>,
    pub document: PolicyDocument,
}

impl NamedPolicy {
    /// How the policy is named in finding details: the ARN of a managed policy, else
    /// `inline:<name>`.
    pub fn label(&self) -> String {
        match &self.arn {
            Some(arn) => arn.clone(),
            None => format!("inline:{}", self.name),
        }
    }

    pub fn is_aws_managed(&self) -> bool {
        self.arn.as_deref().is_some_and(|a| a.contains(":iam::aws:policy/"))
    }
}

/// The policies of a group a user belongs to.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupPolicies {
    pub group: String,
    pub policies: Vec<NamedPolicy>,
}

/// Everything that grants or caps a principal's permissions.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Permissions {
    pub inline: Vec<NamedPolicy>,
    pub attached: Vec<NamedPolicy>,
    /// A user's groups (empty for roles and groups).
    pub groups: Vec<GroupPolicies>,
    pub boundary: Option<NamedPolicy>,
}

/// A (policy label, policy) pair with the label owned, so a [`PolicySet`] can borrow both.
#[derive(Debug, Clone)]
pub struct Labelled<'a> {
    pub label: String,
    pub policy: &'a NamedPolicy,
}

impl Permissions {
    /// Every identity policy: the principal's own, then its groups' (labelled with the group).
    pub fn identity(&self) -> Vec<Labelled<'_>> {
        let own = self.inline.iter().chain(&self.attached).map(|p| Labelled { label: p.label(), policy: p });
        let via_groups = self.groups.iter().flat_map(|g| {
            g.policies.iter().map(move |p| Labelled { label: format!("{} (via group {})", p.label(), g.group), policy: p })
        });
        own.chain(via_groups).collect()
    }

    /// The managed policies attached directly or through a group, with the group's name.
    pub fn managed(&self) -> impl Iterator<Item = (&NamedPolicy, Option<&str>)> {
        self.attached.iter().map(|p| (p, None)).chain(
            self.groups
                .iter()
                .flat_map(|g| g.policies.iter().filter(|p| p.arn.is_some()).map(move |p| (p, Some(g.group.as_str())))),
        )
    }
}

/// A principal's policies with their report labels, ready to lend to the policy engine.
#[derive(Debug, Clone)]
pub struct Governing<'a> {
    pub identity: Vec<Labelled<'a>>,
    pub boundary: Option<Labelled<'a>>,
}

impl<'a> Governing<'a> {
    pub fn set(&'a self) -> PolicySet<'a> {
        PolicySet {
            identity: self.identity.iter().map(|l| Source { policy: &l.label, doc: &l.policy.document }).collect(),
            boundary: self.boundary.as_ref().map(|l| Source { policy: &l.label, doc: &l.policy.document }),
        }
    }
}

impl Permissions {
    pub fn governing(&self) -> Governing<'_> {
        Governing {
            identity: self.identity(),
            boundary: self.boundary.as_ref().map(|p| Labelled { label: format!("{} (boundary)", p.label()), policy: p }),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct AccessKey {
    /// The key id; the credential report does not give it.
    pub id: Option<String>,
    pub active: bool,
    /// Creation or last rotation.
    pub created: Option<DateTime<Utc>>,
    pub last_used: Option<DateTime<Utc>>,
}

/// A user's sign-in credentials.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Credentials {
    /// The user has a console password (login profile).
    pub console: bool,
    pub password_last_used: Option<DateTime<Utc>>,
    pub mfa: bool,
    pub keys: Vec<AccessKey>,
    /// When AWS produced these facts, if earlier than the read: the credential report's
    /// generation time. `None` when read from the user's own calls just now.
    pub produced_at: Option<DateTime<Utc>>,
}

impl Credentials {
    pub fn active_keys(&self) -> impl Iterator<Item = &AccessKey> {
        self.keys.iter().filter(|k| k.active)
    }

    /// The latest use of the password or any key.
    pub fn last_used(&self) -> Option<DateTime<Utc>> {
        self.keys.iter().filter_map(|k| k.last_used).chain(self.password_last_used).max()
    }
}

/// What only roles have.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RoleInfo {
    /// The trust (assume-role) policy; `None` when it could not be parsed or read.
    pub trust: Option<PolicyDocument>,
    pub max_session_seconds: Option<i32>,
    /// `Some(None)`: read, and the role was never used (as far as IAM tracks).
    pub last_used: Option<Option<DateTime<Utc>>>,
}

/// A user, role or group.
#[derive(Debug, Clone, PartialEq)]
pub struct Principal {
    pub kind: ResourceType,
    pub name: String,
    /// The real ARN, path included.
    pub arn: String,
    pub path: String,
    pub created: Option<DateTime<Utc>>,
    pub tags: BTreeMap<String, String>,
    /// `None` when the policies were not read.
    pub permissions: Option<Permissions>,
    /// Users only; `None` when not read.
    pub credentials: Option<Credentials>,
    /// Roles only.
    pub role: Option<RoleInfo>,
    /// The account's roles, for deciding which roles a `PassRole` limited to named roles can
    /// reach: every role with its trust policy, and the permissions of those it may reach.
    /// `None` when the roles were not listed (reachability is then not judged).
    pub roles: Option<Arc<[Principal]>>,
}

impl Principal {
    pub fn new(kind: ResourceType, name: &str, arn: &str) -> Self {
        Principal {
            kind,
            name: name.into(),
            arn: arn.into(),
            path: "/".into(),
            created: None,
            tags: BTreeMap::new(),
            permissions: None,
            credentials: None,
            role: None,
            roles: None,
        }
    }
}

/// A customer managed policy, with its default version's document.
#[derive(Debug, Clone, PartialEq)]
pub struct ManagedPolicy {
    pub arn: String,
    pub name: String,
    pub document: PolicyDocument,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct PasswordPolicy {
    pub minimum_length: Option<i32>,
    pub require_symbols: bool,
    pub require_numbers: bool,
    pub require_uppercase: bool,
    pub require_lowercase: bool,
    pub reuse_prevention: Option<i32>,
    pub max_age_days: Option<i32>,
}

/// The root user's credentials, from the credential report's `<root_account>` row.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RootCredentials {
    pub mfa: bool,
    pub active_keys: u8,
    /// The root password's last use.
    pub password_last_used: Option<DateTime<Utc>>,
    /// When each root access key was last used.
    pub keys_last_used: Vec<DateTime<Utc>>,
    /// The credential report's generation time.
    pub produced_at: Option<DateTime<Utc>>,
}

/// Account-wide IAM settings.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Account {
    pub id: String,
    /// `Some(None)`: read, and there is no password policy.
    pub password_policy: Option<Option<PasswordPolicy>>,
    pub root: Option<RootCredentials>,
    /// Whether the root user's MFA device is a virtual one (ListVirtualMFADevices); `None` when
    /// not read.
    pub root_virtual_mfa: Option<bool>,
    /// The roles `AWSSupportAccess` is attached to; `None` when not read.
    pub support_roles: Option<Vec<String>>,
}

/// A server certificate stored in IAM (for load balancers and CloudFront before ACM).
#[derive(Debug, Clone, PartialEq)]
pub struct ServerCertificate {
    pub name: String,
    /// `None` when AWS did not return it.
    pub expiration: Option<DateTime<Utc>>,
}
