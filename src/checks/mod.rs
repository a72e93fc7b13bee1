//! The check catalogue: static metadata plus one pure function per check, registered in [`CHECKS`].
//!
//! To add a check: write one file beside the others (metadata, function, tests) and add one line to
//! [`CHECKS`]. `vigil checks` and `docs/checks.md` list it from there.

pub mod ec2;
pub mod iam;
pub mod rds;
pub mod s3;
pub mod vpc;

use crate::model::{ResourceType, Severity};
use crate::snapshot::iam::{Account, NamedPolicy, Principal};
use crate::snapshot::network::{DbInstance, RegionSettings, SecurityGroup, Volume, Vpc};

/// Policy documents to lint, with every policy that governs the same principal, whose Deny
/// statements can take a finding away.
#[derive(Debug, Clone, Copy)]
pub struct Documents<'a> {
    pub own: &'a [NamedPolicy],
    pub governing: &'a [&'a NamedPolicy],
}
use crate::snapshot::Bucket;
use chrono::{DateTime, Utc};
use serde_json::Value;
use std::collections::BTreeSet;

/// Every check vigil runs. Order is the catalogue's display order.
pub static CHECKS: &[&Check] = &[
    &s3::public_access_block_off::CHECK,
    &s3::public_policy::CHECK,
    &s3::public_acl::CHECK,
    &s3::default_encryption_not_kms::CHECK,
    &s3::versioning_disabled::CHECK,
    &s3::tls_not_enforced::CHECK,
    &s3::cross_account_unconditioned::CHECK,
    &iam::user_console_no_mfa::CHECK,
    &iam::user_access_key_stale::CHECK,
    &iam::user_multiple_active_keys::CHECK,
    &iam::user_inactive::CHECK,
    &iam::root_access_key::CHECK,
    &iam::root_no_mfa::CHECK,
    &iam::password_policy_weak::CHECK,
    &iam::admin_access::CHECK,
    &iam::broad_managed_policy::CHECK,
    &iam::policy_service_wildcard::CHECK,
    &iam::policy_wildcard_resource_unconditioned::CHECK,
    &iam::privilege_escalation::CHECK,
    &iam::role_trust_any_principal::CHECK,
    &iam::role_cross_account_no_external_id::CHECK,
    &iam::role_long_session::CHECK,
    &iam::role_unused::CHECK,
    &ec2::sg_open_high_risk_port::CHECK,
    &ec2::sg_open_to_world::CHECK,
    &ec2::default_sg_allows_traffic::CHECK,
    &vpc::no_private_subnet::CHECK,
    &vpc::flow_logs_disabled::CHECK,
    &rds::instance_public::CHECK,
    &rds::instance_in_public_subnet::CHECK,
    &rds::instance_unencrypted::CHECK,
    &ec2::ebs_volume_unencrypted::CHECK,
    &ec2::ebs_default_encryption_off::CHECK,
];

/// What a check needs to know besides the resource.
#[derive(Debug, Clone)]
pub struct Context {
    /// The audited account.
    pub account_id: String,
    /// Accounts that may be granted access without a finding.
    pub trusted_accounts: BTreeSet<String>,
    /// "Now" for time-based checks (the CLI's `--as-of`).
    pub now: DateTime<Utc>,
    /// The ARN partition (`aws`, `aws-cn`, `aws-us-gov`).
    pub partition: &'static str,
    /// Oldest an active access key may be (`KEY_MAX_AGE_DAYS`).
    pub key_max_age_days: i64,
    /// Days without use after which a user or role is inactive (`INACTIVE_DAYS`).
    pub inactive_days: i64,
    /// Longest acceptable role session (`ROLE_MAX_SESSION_SECONDS`).
    pub role_max_session_seconds: i32,
    /// Managed policies too broad to attach (`BROAD_MANAGED_POLICIES`): names or ARNs.
    pub broad_policies: Vec<String>,
    /// Ports never to open to the internet (`HIGH_RISK_PORTS`).
    pub high_risk_ports: BTreeSet<u16>,
    /// Ports meant to be public (`PUBLIC_PORTS`).
    pub public_ports: BTreeSet<u16>,
}

impl Context {
    /// Whole days from `t` to now (negative when `t` is in the future).
    pub fn days_since(&self, t: DateTime<Utc>) -> i64 {
        (self.now - t).num_days()
    }
}

/// The verdict of one check on one resource.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Pass,
    Fail(Failure),
}

/// Why a check failed.
#[derive(Debug, Clone, PartialEq)]
pub struct Failure {
    /// Names the exact statement, grant or setting.
    pub detail: String,
    /// Overrides the check's severity (one step lower when the grant depends on a condition).
    pub severity: Option<Severity>,
    /// Structured facts for reports (escalation paths, policies to replace), stored with the finding.
    pub evidence: Option<Value>,
}

impl Outcome {
    pub fn fail(detail: String) -> Self {
        Outcome::Fail(Failure { detail, severity: None, evidence: None })
    }

    pub fn is_fail(&self) -> bool {
        matches!(self, Outcome::Fail(_))
    }
}

/// The pure function of a check, typed by the snapshot it reads. Returns `None` when the parts
/// it needs were not read, so nothing is concluded.
#[derive(Clone, Copy)]
pub enum Eval {
    Bucket(fn(&Bucket, &Context) -> Option<Outcome>),
    /// An IAM user, role or group.
    Principal(fn(&Principal, &Context) -> Option<Outcome>),
    /// The policy documents a resource owns: a managed policy's default version, or a principal's
    /// inline policies.
    Documents(fn(&Documents, &Context) -> Option<Outcome>),
    Account(fn(&Account, &Context) -> Option<Outcome>),
    SecurityGroup(fn(&SecurityGroup, &Context) -> Option<Outcome>),
    Vpc(fn(&Vpc, &Context) -> Option<Outcome>),
    DbInstance(fn(&DbInstance, &Context) -> Option<Outcome>),
    Volume(fn(&Volume, &Context) -> Option<Outcome>),
    Region(fn(&RegionSettings, &Context) -> Option<Outcome>),
}

/// A snapshot of a network or data resource, for [`Check::evaluate`].
#[derive(Debug, Clone, Copy)]
pub enum Subject<'a> {
    SecurityGroup(&'a SecurityGroup),
    Vpc(&'a Vpc),
    DbInstance(&'a DbInstance),
    Volume(&'a Volume),
    Region(&'a RegionSettings),
}

/// A check: metadata and its function.
pub struct Check {
    pub id: &'static str,
    pub title: &'static str,
    pub severity: Severity,
    /// The resource types it is evaluated on.
    pub resource_types: &'static [ResourceType],
    /// The attack the misconfiguration enables.
    pub risk: &'static str,
    pub remediation: &'static str,
    /// An AWS CLI command that fixes it; `{id}` stands for the resource id.
    pub remediation_cli: &'static str,
    /// AWS Foundational Security Best Practices control ids (`IAM.4`), or other frameworks'
    /// references written with their name (`CIS 1.13`).
    pub compliance: &'static [&'static str],
    pub eval: Eval,
}

impl Check {
    /// Runs the check on a snapshot of its kind; `None` when the snapshot is another kind or lacks
    /// the parts the check reads.
    pub fn evaluate(&self, subject: Subject, ctx: &Context) -> Option<Outcome> {
        match (self.eval, subject) {
            (Eval::SecurityGroup(f), Subject::SecurityGroup(s)) => f(s, ctx),
            (Eval::Vpc(f), Subject::Vpc(s)) => f(s, ctx),
            (Eval::DbInstance(f), Subject::DbInstance(s)) => f(s, ctx),
            (Eval::Volume(f), Subject::Volume(s)) => f(s, ctx),
            (Eval::Region(f), Subject::Region(s)) => f(s, ctx),
            _ => None,
        }
    }

    /// The remediation text with the CLI command filled in for one resource.
    pub fn remediation_for(&self, resource_id: &str) -> String {
        format!("{} Fix: {}", self.remediation, self.remediation_cli.replace("{id}", resource_id))
    }

    /// The resource types as text, for tables.
    pub fn types_text(&self) -> String {
        self.resource_types.iter().map(|t| t.as_str()).collect::<Vec<_>>().join(", ")
    }

    /// Compliance references in full: bare ids are AWS FSBP controls, others name their framework.
    pub fn compliance_refs(&self) -> Vec<String> {
        self.compliance.iter().map(|c| if c.contains(' ') { c.to_string() } else { format!("AWS FSBP {c}") }).collect()
    }
}

impl std::fmt::Debug for Check {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Check").field("id", &self.id).finish()
    }
}

/// Looks a check up by id.
pub fn by_id(id: &str) -> Option<&'static Check> {
    CHECKS.iter().copied().find(|c| c.id == id)
}

/// The checks for one resource type.
pub fn for_type(kind: ResourceType) -> impl Iterator<Item = &'static Check> {
    CHECKS.iter().copied().filter(move |c| c.resource_types.contains(&kind))
}

/// The catalogue as Markdown; committed as `docs/checks.md`.
pub fn catalogue_markdown() -> String {
    let mut out = String::from(
        "# vigil check catalogue\n\nGenerated by `vigil checks --format markdown`; a test fails when this file drifts.\n\n",
    );
    out.push_str("| id | severity | resource type | compliance | title |\n|---|---|---|---|---|\n");
    for c in CHECKS {
        out.push_str(&format!(
            "| `{}` | {} | {} | {} | {} |\n",
            c.id,
            c.severity,
            c.types_text(),
            c.compliance.join(", "),
            c.title
        ));
    }
    for c in CHECKS {
        out.push_str(&format!(
            "\n## `{}`\n\n**{}** · {} · {}\n\n{}\n\n- **Risk:** {}\n- **Remediation:** {}\n- **CLI:** `{}`\n",
            c.id,
            c.severity,
            c.types_text(),
            c.compliance_refs().join(", "),
            c.title,
            c.risk,
            c.remediation,
            c.remediation_cli
        ));
    }
    out
}

#[cfg(test)]
pub(crate) mod testing {
    //! Fixtures shared by the check tests.
    use super::*;
    use crate::policy::PolicyDocument;

    pub const ACCOUNT: &str = "123456789012";

    pub fn ctx() -> Context {
        Context {
            account_id: ACCOUNT.into(),
            trusted_accounts: ["999999999999".to_string()].into_iter().collect(),
            now: DateTime::parse_from_rfc3339("2026-11-01T00:00:00Z").unwrap().with_timezone(&Utc),
            partition: "aws",
            key_max_age_days: 90,
            inactive_days: 90,
            role_max_session_seconds: 14_400,
            broad_policies: vec!["PowerUserAccess".into(), "IAMFullAccess".into()],
            high_risk_ports: crate::config::DEFAULT_HIGH_RISK_PORTS.iter().copied().collect(),
            public_ports: [80, 443].into_iter().collect(),
        }
    }

    /// A time `days` before the fixture's now.
    pub fn days_ago(days: i64) -> DateTime<Utc> {
        ctx().now - chrono::Duration::days(days)
    }

    /// A bucket with only its policy read.
    pub fn with_policy(json: &str) -> Bucket {
        let mut b = Bucket::new("b", ACCOUNT, "us-east-1");
        b.policy = Some(Some(PolicyDocument::parse(json).expect("fixture policy parses")));
        b
    }

    pub fn run(check: &Check, b: &Bucket) -> Option<Outcome> {
        match check.eval {
            Eval::Bucket(f) => f(b, &ctx()),
            _ => panic!("{} is not a bucket check", check.id),
        }
    }

    pub fn fails(check: &Check, b: &Bucket) -> bool {
        matches!(run(check, b), Some(Outcome::Fail(_)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_metadata_complete() {
        let mut seen = BTreeSet::new();
        for c in CHECKS {
            assert!(seen.insert(c.id), "duplicate id {}", c.id);
            assert!(!c.title.is_empty() && !c.risk.is_empty() && !c.remediation.is_empty(), "{}", c.id);
            assert!(c.remediation_cli.starts_with("aws "), "{}", c.id);
        }
    }

    #[test]
    fn unread_parts_are_not_evaluated() {
        let b = Bucket::new("b", testing::ACCOUNT, "us-east-1");
        let ctx = testing::ctx();
        let account = Account { id: testing::ACCOUNT.into(), ..Default::default() };
        for c in CHECKS {
            let out = match c.eval {
                Eval::Bucket(f) => f(&b, &ctx),
                Eval::Principal(f) => {
                    let kind = c.resource_types[0];
                    f(&Principal::new(kind, "p", "arn:aws:iam::123456789012:user/p"), &ctx)
                }
                Eval::Documents(_) => continue, // documents are always read with their owner
                Eval::Account(f) => f(&account, &ctx),
                Eval::SecurityGroup(_) => continue, // a group's rules are always read with it
                Eval::Vpc(f) => {
                    f(&Vpc { id: "vpc-1".into(), is_default: false, tags: Default::default(), network: None, flow_logs: None }, &ctx)
                }
                Eval::DbInstance(f) => {
                    let db = DbInstance {
                        id: "db".into(),
                        engine: "postgres".into(),
                        publicly_accessible: false,
                        storage_encrypted: true,
                        vpc_id: Some("vpc-1".into()),
                        subnet_ids: vec!["subnet-1".into()],
                        tags: Default::default(),
                        network: None,
                    };
                    match c.id {
                        "rds_instance_in_public_subnet" => f(&db, &ctx),
                        _ => continue, // flags read with the instance itself
                    }
                }
                Eval::Volume(_) => continue, // a volume's encryption is read with it
                Eval::Region(f) => f(&RegionSettings { region: "us-east-1".into(), ebs_encryption_by_default: None }, &ctx),
            };
            assert_eq!(out, None, "{} concluded without data", c.id);
        }
    }

    #[test]
    fn evaluators_fit_their_resource_types() {
        for c in CHECKS {
            let ok = c.resource_types.iter().all(|t| match c.eval {
                Eval::Bucket(_) => *t == ResourceType::S3Bucket,
                Eval::Principal(_) => t.is_iam_principal(),
                Eval::Documents(_) => t.is_iam_principal() || *t == ResourceType::IamPolicy,
                Eval::Account(_) => *t == ResourceType::Account,
                Eval::SecurityGroup(_) => *t == ResourceType::Ec2SecurityGroup,
                Eval::Vpc(_) => *t == ResourceType::Ec2Vpc,
                Eval::DbInstance(_) => *t == ResourceType::RdsDbInstance,
                Eval::Volume(_) => *t == ResourceType::Ec2Volume,
                Eval::Region(_) => *t == ResourceType::AccountRegion,
            });
            assert!(ok && !c.resource_types.is_empty(), "{}", c.id);
        }
    }
}
