//! What a check is: static metadata, per-check advice, and one pure function over a snapshot.
//!
//! Checks live with their service (`src/services/<service>/checks/`, one file each) and are listed
//! in that service's `CHECKS`; the catalogue here reads them through the registry in
//! [`crate::services`]. `vigil checks` and `docs/checks.md` are generated from it.

use crate::findings::Finding;
use crate::model::{ResourceType, Severity};
use chrono::{DateTime, Utc};
use serde_json::Value;
use std::any::Any;
use std::collections::BTreeSet;

/// Declares a service's checks, one line each: `checks! { public_policy, public_acl, }` makes each
/// name a module (`checks/public_policy.rs`, which defines `CHECK`) and lists them, in this order,
/// as the service's `CHECKS`.
macro_rules! checks {
    ($($name:ident,)*) => {
        $(pub mod $name;)*
        /// The service's checks, in catalogue order.
        pub static CHECKS: &[&crate::check::Check] = &[$(&$name::CHECK),*];
    };
}
pub(crate) use checks;

/// Every check vigil runs, in catalogue order (service by service, as registered, then the
/// cross-service checks of [`crate::tagging`]).
pub fn all() -> impl Iterator<Item = &'static Check> {
    crate::services::all()
        .iter()
        .flat_map(|s| s.checks().iter().copied())
        .chain(crate::tagging::CHECKS.iter().copied())
        .chain(crate::member::CHECKS.iter().copied())
}

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
    /// Root use within this many days is a finding (`ROOT_USE_DAYS`).
    pub root_use_days: i64,
    /// Tags every audited resource must carry (`REQUIRED_TAGS`); empty: not checked.
    pub required_tags: Vec<crate::config::RequiredTag>,
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
    /// The context the settings give, for one account at `now`.
    pub fn new(s: &crate::config::Settings, account_id: &str, partition: &'static str, now: DateTime<Utc>) -> Self {
        Context {
            account_id: account_id.to_string(),
            trusted_accounts: s.trusted_account_ids.clone(),
            now,
            partition,
            key_max_age_days: s.key_max_age_days,
            inactive_days: s.inactive_days,
            root_use_days: s.root_use_days,
            required_tags: s.required_tags.clone(),
            role_max_session_seconds: s.role_max_session_seconds,
            broad_policies: s.broad_managed_policies.clone(),
            high_risk_ports: s.high_risk_ports.clone(),
            public_ports: s.public_ports.clone(),
        }
    }

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

    /// A failure with the check's own typed evidence, stored as JSON with the finding and read
    /// back with [`evidence_of`].
    pub fn fail_with<T: serde::Serialize>(detail: String, severity: Option<Severity>, evidence: &T) -> Self {
        Outcome::Fail(Failure { detail, severity, evidence: serde_json::to_value(evidence).ok() })
    }

    pub fn is_fail(&self) -> bool {
        matches!(self, Outcome::Fail(_))
    }
}

/// The pure function of a check over the snapshot type it reads. The judge hands every check of a
/// resource type the snapshot it has; a check of another snapshot type does not apply (`None`).
pub trait Evaluate: Sync {
    fn evaluate(&self, subject: &dyn Any, ctx: &Context) -> Option<Outcome>;

    /// When AWS produced the data this check reads, if earlier than the read (a report generated
    /// hours ago); the finding is versioned by it.
    fn produced_at(&self, _subject: &dyn Any) -> Option<DateTime<Utc>> {
        None
    }
}

/// A check function over snapshots of type `S`. Returns `None` when the parts it needs were not
/// read, so nothing is concluded.
pub struct On<S: 'static>(pub fn(&S, &Context) -> Option<Outcome>);

impl<S: 'static> Evaluate for On<S> {
    fn evaluate(&self, subject: &dyn Any, ctx: &Context) -> Option<Outcome> {
        (self.0)(subject.downcast_ref::<S>()?, ctx)
    }
}

/// A check over one part of a snapshot of type `S` that AWS produced before the read (a report
/// generated hours ago): `produced` gives that part's production time (`Some(None)`: the read's
/// own time), or `None` when the part was not read, and then the check is not evaluated. The
/// finding is versioned by the production time, so older data never overturns newer.
pub struct OnPart<S: 'static> {
    pub produced: fn(&S) -> Option<Option<DateTime<Utc>>>,
    pub eval: fn(&S, &Context) -> Option<Outcome>,
}

impl<S: 'static> Evaluate for OnPart<S> {
    fn evaluate(&self, subject: &dyn Any, ctx: &Context) -> Option<Outcome> {
        let s = subject.downcast_ref::<S>()?;
        (self.produced)(s)?;
        (self.eval)(s, ctx)
    }

    fn produced_at(&self, subject: &dyn Any) -> Option<DateTime<Utc>> {
        (self.produced)(subject.downcast_ref::<S>()?)?
    }
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
    /// The framework controls it evaluates: `fsbp("IAM.4")`, `cis3("1.4")`, `cis5("1.3")`.
    /// `vigil compliance` judges a control by the checks that name it.
    pub compliance: &'static [crate::compliance::Ref],
    pub eval: &'static dyn Evaluate,
    /// The change one finding of this check calls for, from its detail and evidence, for
    /// `vigil report`; `None` uses the remediation text.
    pub advice: Option<fn(&Finding) -> String>,
}

impl Check {
    /// Runs the check on a snapshot; `None` when the snapshot is another kind or lacks the parts
    /// the check reads.
    pub fn evaluate(&self, subject: &dyn Any, ctx: &Context) -> Option<Outcome> {
        self.eval.evaluate(subject, ctx)
    }

    /// When the data it reads was produced, if earlier than the read.
    pub fn produced_at(&self, subject: &dyn Any) -> Option<DateTime<Utc>> {
        self.eval.produced_at(subject)
    }

    /// What to change for one finding of this check.
    pub fn advise(&self, f: &Finding) -> String {
        self.advice.map_or_else(|| f.remediation.clone(), |advise| advise(f))
    }

    /// The remediation text with the CLI command filled in for one resource.
    pub fn remediation_for(&self, resource_id: &str) -> String {
        format!("{} Fix: {}", self.remediation, self.remediation_cli.replace("{id}", resource_id))
    }

    /// The resource types as text, for tables.
    pub fn types_text(&self) -> String {
        if crate::tagging::is_cross_service(self) {
            return "every taggable type".into();
        }
        self.resource_types.iter().map(|t| t.as_str()).collect::<Vec<_>>().join(", ")
    }

    /// Compliance references as findings carry them (`AWS FSBP IAM.4`, `CIS 5.0.0 1.3`).
    pub fn compliance_refs(&self) -> Vec<String> {
        self.compliance.iter().map(|c| c.to_string()).collect()
    }
}

impl std::fmt::Debug for Check {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Check").field("id", &self.id).finish()
    }
}

/// A finding's evidence, as the type its check wrote ([`Outcome::fail_with`]).
pub fn evidence_of<T: serde::de::DeserializeOwned>(f: &Finding) -> Option<T> {
    serde_json::from_value(f.evidence.clone()?).ok()
}

/// Looks a check up by id.
pub fn by_id(id: &str) -> Option<&'static Check> {
    all().find(|c| c.id == id)
}

/// The checks for one resource type.
pub fn for_type(kind: ResourceType) -> impl Iterator<Item = &'static Check> {
    all().filter(move |c| c.resource_types.contains(&kind))
}

/// The catalogue as Markdown; committed as `docs/checks.md`.
pub fn catalogue_markdown() -> String {
    let mut out = String::from(
        "# vigil check catalogue\n\nGenerated by `vigil checks --format markdown`; a test fails when this file drifts.\n\n",
    );
    out.push_str("| id | severity | resource type | compliance | title |\n|---|---|---|---|---|\n");
    for c in all() {
        out.push_str(&format!(
            "| `{}` | {} | {} | {} | {} |\n",
            c.id,
            c.severity,
            c.types_text(),
            c.compliance_refs().join(", "),
            c.title
        ));
    }
    for c in all() {
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

    pub const ACCOUNT: &str = "123456789012";

    pub fn ctx() -> Context {
        Context {
            account_id: ACCOUNT.into(),
            trusted_accounts: ["999999999999".to_string()].into_iter().collect(),
            now: DateTime::parse_from_rfc3339("2026-11-01T00:00:00Z").unwrap().with_timezone(&Utc),
            partition: "aws",
            key_max_age_days: 90,
            inactive_days: 90,
            root_use_days: 30,
            required_tags: vec![
                crate::config::RequiredTag { key: "owner".into(), values: vec![] },
                crate::config::RequiredTag { key: "environment".into(), values: vec!["prod".into(), "dev".into()] },
            ],
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
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_metadata_complete() {
        let mut seen = BTreeSet::new();
        for c in all() {
            assert!(seen.insert(c.id), "duplicate id {}", c.id);
            assert!(!c.title.is_empty() && !c.risk.is_empty() && !c.remediation.is_empty(), "{}", c.id);
            assert!(c.remediation_cli.starts_with("aws "), "{}", c.id);
            assert_eq!(c.resource_types.is_empty(), crate::tagging::is_cross_service(c), "{}", c.id);
        }
        assert_eq!(seen.len(), 86);
    }

    #[test]
    fn a_check_ignores_snapshots_of_other_types() {
        let ctx = testing::ctx();
        for c in all() {
            assert_eq!(c.evaluate(&(), &ctx), None, "{} evaluated a unit value", c.id);
        }
    }
}
