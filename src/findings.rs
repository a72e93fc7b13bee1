//! Finding lifecycle: turns evaluations and stored items into the writes and alerts they imply. Pure.
//!
//! One item per (resource, check). A failing check opens (or keeps open) its finding; a passing check
//! resolves an open one; a later failure reopens it. An observation never overwrites a newer one.

use crate::check::{Check, Failure, Outcome};
use crate::model::{ResourceRef, ResourceType, Severity};
use crate::service::Exposure;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Status {
    Open,
    Resolved,
    Suppressed,
}

impl Status {
    pub const ALL: &'static [Status] = &[Status::Open, Status::Suppressed, Status::Resolved];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Open => "OPEN",
            Status::Resolved => "RESOLVED",
            Status::Suppressed => "SUPPRESSED",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|v| v.as_str().eq_ignore_ascii_case(s.trim()))
    }
}

/// Why a finding was resolved.
pub const RESOLVED_PASSED: &str = "check passed";
pub const RESOLVED_DELETED: &str = "resource deleted";
/// The resource left the audit's scope (scope tag or suffix, `REGIONS`, `SERVICES`,
/// `EXEMPT_ROLE_NAMES`); coming back into scope reopens its findings through the usual lifecycle.
pub const RESOLVED_OUT_OF_SCOPE: &str = "out of scope";

/// A stored finding: exactly the DynamoDB item. Times are fixed-width RFC 3339 strings (UTC, ms).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    pub resource_arn: String,
    pub check_id: String,
    pub title: String,
    pub severity: Severity,
    pub status: Status,
    pub resource_type: ResourceType,
    pub resource_id: String,
    pub account_id: String,
    pub region: String,
    pub detail: String,
    pub remediation: String,
    pub compliance: Vec<String>,
    pub first_seen: String,
    pub last_seen: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolved_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolution: Option<String>,
    /// When the data behind this item was read; the item's version for conditional writes.
    pub observed_at: String,
    /// When the finding last became OPEN (or SUPPRESSED); the GSI sort key.
    pub opened_at: String,
    /// GSI partition key: `STATUS#SEVERITY`.
    pub status_severity: String,
    /// Set while an alert for this finding has not yet been accepted by SNS.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub alert_pending: bool,
    /// Structured facts behind the detail (escalation paths, policies), for reports.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evidence: Option<serde_json::Value>,
    /// 0-100, for IAM principals: severity combined with exposure (console access, active keys, trust).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub risk_score: Option<u8>,
    /// DynamoDB TTL (epoch seconds), set on RESOLVED items only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<i64>,
    /// Accepted risk (`vigil suppress`): while it holds, the finding stays SUPPRESSED and never
    /// alerts; once `until` passes, the next audit returns it to the normal lifecycle.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub triage: Option<Triage>,
    /// The latest lifecycle transition (new, reopened, unsuppressed, suppressed, resolved): what
    /// the transition sinks deliver.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transition: Option<Transition>,
    /// The transition sinks (by name) that have not yet accepted `transition`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exports_pending: Vec<String>,
    /// The account, present only while `exports_pending` is not empty: the key of the sparse index
    /// that finds undelivered transitions with one Query.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub export_due: Option<String>,
    /// The shard that audits this finding, `account#region` (`account#global` for the services
    /// listed once per account): the key of the index that loads a shard's findings with one Query.
    /// Absent on items written before the index existed, until their next write.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard: Option<String>,
}

impl Finding {
    /// Records which sinks still owe this finding's transition, keeping the index key in step.
    pub fn set_exports_pending(&mut self, mut sinks: Vec<String>) {
        sinks.sort();
        sinks.dedup();
        self.export_due = (!sinks.is_empty()).then(|| self.account_id.clone());
        self.exports_pending = sinks;
    }

    /// Marks a lifecycle transition: it is kept on the item and owed to every sink in `sinks`.
    fn mark_transition(&mut self, transition: Transition, sinks: &[&str]) {
        if !transition.is_lifecycle() {
            return;
        }
        self.transition = Some(transition);
        let mut owed = self.exports_pending.clone();
        owed.extend(sinks.iter().map(|s| s.to_string()));
        self.set_exports_pending(owed);
    }
}

/// Who accepted a finding's risk, why, when, and until when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Triage {
    /// The caller that accepted it (an IAM ARN).
    pub by: String,
    pub reason: String,
    /// When it was accepted (fixed-width timestamp).
    pub at: String,
    /// When the acceptance lapses (fixed-width timestamp); `None`: until withdrawn.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until: Option<String>,
}

impl Triage {
    /// Whether the acceptance still holds at `at` (a fixed-width timestamp).
    pub fn holds_at(&self, at: &str) -> bool {
        self.until.as_deref().is_none_or(|u| u > at)
    }

    /// How the acceptance reads wherever the finding is shown.
    pub fn describe(&self) -> String {
        let until = self.until.as_deref().map(|u| format!(" until {u}")).unwrap_or_default();
        format!("risk accepted by {} on {}{until}: {}", self.by, self.at, self.reason)
    }
}

/// Accepts a finding's risk: the SUPPRESSED finding to write, conditional on the item as read.
/// Errors when there is nothing open to accept or the acceptance would lapse at once.
pub fn accept(prev: &Finding, triage: Triage, exports: &[&'static str]) -> Result<Change, String> {
    if prev.status == Status::Resolved {
        return Err(format!("{} on {} is resolved: there is no risk to accept", prev.check_id, prev.resource_arn));
    }
    if !triage.holds_at(&triage.at) {
        return Err(format!("--until {} is not in the future", triage.until.unwrap_or_default()));
    }
    let mut f = prev.clone();
    f.status = Status::Suppressed;
    f.status_severity = status_severity(Status::Suppressed, f.severity);
    f.alert_pending = false;
    f.triage = Some(triage);
    let transition = if prev.status == Status::Suppressed { Transition::StillSuppressed } else { Transition::Suppressed };
    f.mark_transition(transition, exports);
    Ok(Change { finding: f, expected_observed_at: Some(prev.observed_at.clone()), transition, alert: false })
}

/// Withdraws an acceptance: the finding keeps its status until the next audit, which returns it
/// to the normal lifecycle (and alerts, if it still fails at an alerting severity).
pub fn withdraw(prev: &Finding) -> Result<Change, String> {
    if prev.triage.is_none() {
        return Err(format!("{} on {} has no accepted risk to withdraw", prev.check_id, prev.resource_arn));
    }
    let mut f = prev.clone();
    f.triage = None;
    Ok(Change { finding: f, expected_observed_at: Some(prev.observed_at.clone()), transition: Transition::StillSuppressed, alert: false })
}

/// What happened to a finding in one observation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Transition {
    New,
    Reopened,
    /// Was SUPPRESSED, the exemption is gone, and it still fails.
    Unsuppressed,
    StillOpen,
    Suppressed,
    StillSuppressed,
    Resolved,
}

impl Transition {
    /// Whether this transition makes the finding newly OPEN (the only case that alerts).
    pub fn becomes_open(self) -> bool {
        matches!(self, Transition::New | Transition::Reopened | Transition::Unsuppressed)
    }

    /// Whether the finding's status changed (or it appeared): what the transition sinks deliver.
    pub fn is_lifecycle(self) -> bool {
        !matches!(self, Transition::StillOpen | Transition::StillSuppressed)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Transition::New => "new",
            Transition::Reopened => "reopened",
            Transition::Unsuppressed => "unsuppressed",
            Transition::StillOpen => "still_open",
            Transition::Suppressed => "suppressed",
            Transition::StillSuppressed => "still_suppressed",
            Transition::Resolved => "resolved",
        }
    }
}

/// One write the store must make, conditional on the item still being what was read.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    pub finding: Finding,
    /// `observed_at` of the item as read; `None` when there was no item.
    pub expected_observed_at: Option<String>,
    pub transition: Transition,
    /// An alert is due: newly OPEN at or above the alert threshold, or an earlier alert is unsent.
    pub alert: bool,
}

/// One check's verdict on the observed resource.
#[derive(Debug, Clone)]
pub struct Evaluation {
    pub check: &'static Check,
    pub outcome: Outcome,
    /// How the resource is reachable (IAM principals); turns into the finding's risk score.
    pub exposure: Option<Vec<Exposure>>,
    /// When AWS produced the data the check read, when that is earlier than the read (the
    /// credential report's generation time); `None` means the observation's own time.
    pub produced_at: Option<DateTime<Utc>>,
}

/// The observation being recorded.
#[derive(Debug, Clone)]
pub struct Observation<'a> {
    pub resource: &'a ResourceRef,
    /// The resource carries the exemption tag.
    pub exempt: bool,
    /// When the data was read (fixed-width timestamp).
    pub at: String,
    pub at_epoch: i64,
    pub alert_min_severity: Severity,
    /// Whether alerts can be sent (a topic is configured); only then is `alert_pending` stored.
    pub alerts_enabled: bool,
    pub resolved_ttl_days: u32,
    /// The transition sinks (by name) that each lifecycle transition is owed to.
    pub exports: &'a [&'static str],
}

impl Observation<'_> {
    fn expires_at(&self) -> Option<i64> {
        Some(self.at_epoch + i64::from(self.resolved_ttl_days) * 86_400)
    }

    /// This observation as of `t`, when an evaluation's data is older than the read.
    fn as_of(&self, t: Option<DateTime<Utc>>) -> Self {
        match t {
            Some(t) if t.timestamp() < self.at_epoch => {
                Observation { at: crate::model::timestamp(t), at_epoch: t.timestamp(), ..self.clone() }
            }
            _ => self.clone(),
        }
    }
}

/// A 0-100 score combining a finding's severity with how exposed its resource is.
pub fn risk_score(severity: Severity, exposure: &[Exposure]) -> u8 {
    let base: u32 = match severity {
        Severity::Critical => 70,
        Severity::High => 50,
        Severity::Medium => 30,
        Severity::Low => 15,
        Severity::Info => 5,
    };
    let extra: u32 = exposure.iter().map(|e| e.weight()).sum();
    (base + extra).min(100) as u8
}

fn status_severity(status: Status, severity: Severity) -> String {
    format!("{}#{}", status.as_str(), severity.as_str())
}

/// Computes the writes for one resource's evaluations. Checks that were not evaluated are absent
/// from `evals` and their items are left alone. Each item is versioned by the time its data was
/// produced, so older data (a credential report generated hours ago) never overturns newer data
/// (what an event's read saw a minute ago).
pub fn reconcile(existing: &[Finding], evals: &[Evaluation], obs: &Observation) -> Vec<Change> {
    let arn = obs.resource.arn();
    let mut changes = Vec::new();
    for eval in evals {
        let obs = &obs.as_of(eval.produced_at);
        let prev = existing.iter().find(|f| f.check_id == eval.check.id);
        if prev.is_some_and(|p| p.observed_at.as_str() >= obs.at.as_str()) {
            continue; // A newer (or the same) observation is already stored.
        }
        let change = match (&eval.outcome, prev) {
            (Outcome::Pass, None) => None,
            (Outcome::Pass, Some(p)) if p.status == Status::Resolved => None,
            (Outcome::Pass, Some(p)) => Some(resolved(p, obs, RESOLVED_PASSED)),
            (Outcome::Fail(failure), prev) => Some(failing(eval, failure, prev, obs, &arn)),
        };
        changes.extend(change);
    }
    changes
}

/// Resolves every unresolved finding of a resource, for `reason`: it no longer exists
/// ([`RESOLVED_DELETED`]) or left the audit's scope ([`RESOLVED_OUT_OF_SCOPE`]). Never alerts.
pub fn resolve_all(existing: &[Finding], obs: &Observation, reason: &str) -> Vec<Change> {
    existing
        .iter()
        .filter(|f| f.status != Status::Resolved && f.observed_at.as_str() < obs.at.as_str())
        .map(|f| resolved(f, obs, reason))
        .collect()
}

/// How long an unchanged OPEN (or SUPPRESSED) finding goes without a write: `last_seen` is
/// refreshed at most this often, so a steady-state scan writes only what changed.
pub const LAST_SEEN_REFRESH_SECS: i64 = 24 * 3600;

/// Whether a change only moves `observed_at` and `last_seen` of a finding that still fails the
/// same way, and the stored `last_seen` is recent: such a change is reported but not written.
/// Anything else (a new detail, severity, evidence, owed alert or export, shard key) is written.
pub fn is_refresh_only(change: &Change, existing: &[Finding], now: &str) -> bool {
    if change.alert || change.transition.is_lifecycle() || !change.finding.exports_pending.is_empty() {
        return false;
    }
    let Some(prev) = existing.iter().find(|f| f.check_id == change.finding.check_id) else { return false };
    let recent = match (parse_time(&prev.last_seen), parse_time(now)) {
        (Some(seen), Some(now)) => (now - seen).num_seconds() < LAST_SEEN_REFRESH_SECS,
        _ => false,
    };
    let mut same = change.finding.clone();
    same.observed_at.clone_from(&prev.observed_at);
    same.last_seen.clone_from(&prev.last_seen);
    recent && &same == prev
}

fn parse_time(t: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(t).ok().map(|t| t.with_timezone(&Utc))
}

fn resolved(prev: &Finding, obs: &Observation, reason: &str) -> Change {
    let mut f = prev.clone();
    f.status = Status::Resolved;
    f.status_severity = status_severity(Status::Resolved, f.severity);
    f.resolved_at = Some(obs.at.clone());
    f.resolution = Some(reason.to_string());
    f.observed_at = obs.at.clone();
    f.alert_pending = false;
    f.expires_at = obs.expires_at();
    // The accepted risk is gone; if the check fails again, that is a new risk to judge.
    f.triage = None;
    f.mark_transition(Transition::Resolved, obs.exports);
    Change { finding: f, expected_observed_at: Some(prev.observed_at.clone()), transition: Transition::Resolved, alert: false }
}

fn failing(eval: &Evaluation, failure: &Failure, prev: Option<&Finding>, obs: &Observation, arn: &str) -> Change {
    let check: &Check = eval.check;
    let severity = failure.severity.unwrap_or(check.severity);
    // An accepted risk holds until its `until`; a lapsed one is dropped here.
    let triage = prev.filter(|p| p.status != Status::Resolved).and_then(|p| p.triage.clone()).filter(|t| t.holds_at(&obs.at));
    let status = if obs.exempt || triage.is_some() { Status::Suppressed } else { Status::Open };
    let transition = match (prev.map(|p| p.status), status) {
        (None, Status::Open) => Transition::New,
        (None, _) => Transition::Suppressed,
        (Some(Status::Open), Status::Open) => Transition::StillOpen,
        (Some(Status::Resolved), Status::Open) => Transition::Reopened,
        (Some(Status::Suppressed), Status::Open) => Transition::Unsuppressed,
        (Some(Status::Suppressed), _) => Transition::StillSuppressed,
        (Some(_), _) => Transition::Suppressed,
    };
    let keeps_opened = matches!(transition, Transition::StillOpen | Transition::StillSuppressed);
    let alert_now = transition.becomes_open() && severity >= obs.alert_min_severity;
    let still_pending = status == Status::Open && prev.is_some_and(|p| p.alert_pending && p.status == Status::Open);
    let r = obs.resource;
    let finding = Finding {
        resource_arn: arn.to_string(),
        check_id: check.id.to_string(),
        title: check.title.to_string(),
        severity,
        status,
        resource_type: r.kind,
        resource_id: r.id.clone(),
        account_id: r.account.clone(),
        region: r.region.clone(),
        detail: failure.detail.clone(),
        remediation: check.remediation_for(&r.id),
        compliance: check.compliance_refs(),
        first_seen: prev.map(|p| p.first_seen.clone()).unwrap_or_else(|| obs.at.clone()),
        last_seen: obs.at.clone(),
        resolved_at: None,
        resolution: None,
        observed_at: obs.at.clone(),
        opened_at: match prev {
            Some(p) if keeps_opened => p.opened_at.clone(),
            _ => obs.at.clone(),
        },
        status_severity: status_severity(status, severity),
        alert_pending: (alert_now || still_pending) && obs.alerts_enabled,
        evidence: failure.evidence.clone(),
        risk_score: eval.exposure.as_ref().map(|e| risk_score(severity, e)),
        expires_at: None,
        triage,
        transition: prev.and_then(|p| p.transition),
        exports_pending: Vec::new(),
        export_due: None,
        shard: prev.and_then(|p| p.shard.clone()),
    };
    let mut finding = finding;
    // Transitions still owed from earlier observations stay owed.
    finding.set_exports_pending(prev.map(|p| p.exports_pending.clone()).unwrap_or_default());
    finding.mark_transition(transition, obs.exports);
    let alert = alert_now || still_pending;
    Change { finding, expected_observed_at: prev.map(|p| p.observed_at.clone()), transition, alert }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::services::s3::checks::{public_policy, versioning_disabled};

    fn obs<'a>(r: &'a ResourceRef, at: &str, exempt: bool) -> Observation<'a> {
        Observation {
            resource: r,
            exempt,
            at: at.into(),
            at_epoch: 1_000,
            alert_min_severity: Severity::Critical,
            alerts_enabled: true,
            resolved_ttl_days: 1,
            exports: &[],
        }
    }

    fn fail(check: &'static Check) -> Evaluation {
        Evaluation { check, outcome: Outcome::fail("bad".into()), exposure: None, produced_at: None }
    }

    fn pass(check: &'static Check) -> Evaluation {
        Evaluation { check, outcome: Outcome::Pass, exposure: None, produced_at: None }
    }

    fn bucket() -> ResourceRef {
        ResourceRef::new(crate::services::s3::BUCKET, "b", "123456789012", "us-east-1")
    }

    const T1: &str = "2026-11-01T00:00:00.000Z";
    const T2: &str = "2026-11-02T00:00:00.000Z";
    const T3: &str = "2026-11-03T00:00:00.000Z";

    fn stored(changes: Vec<Change>) -> Vec<Finding> {
        changes.into_iter().map(|c| c.finding).collect()
    }

    #[test]
    fn never_failing_writes_nothing() {
        let r = bucket();
        assert!(reconcile(&[], &[pass(&public_policy::CHECK)], &obs(&r, T1, false)).is_empty());
    }

    #[test]
    fn new_then_still_open_then_resolved_then_reopened() {
        let r = bucket();
        let c1 = reconcile(&[], &[fail(&public_policy::CHECK)], &obs(&r, T1, false));
        assert_eq!(c1[0].transition, Transition::New);
        assert!(c1[0].finding.alert_pending, "critical new finding alerts");
        assert_eq!(c1[0].expected_observed_at, None);
        let mut items = stored(c1);
        items[0].alert_pending = false; // the alert went out

        let c2 = reconcile(&items, &[fail(&public_policy::CHECK)], &obs(&r, T2, false));
        assert_eq!(c2[0].transition, Transition::StillOpen);
        assert!(!c2[0].finding.alert_pending, "staying open never alerts");
        assert_eq!(c2[0].finding.first_seen, T1);
        assert_eq!(c2[0].finding.opened_at, T1);
        assert_eq!(c2[0].expected_observed_at.as_deref(), Some(T1));
        let items = stored(c2);

        let c3 = reconcile(&items, &[pass(&public_policy::CHECK)], &obs(&r, T3, false));
        assert_eq!(c3[0].transition, Transition::Resolved);
        assert_eq!(c3[0].finding.status, Status::Resolved);
        assert_eq!(c3[0].finding.resolution.as_deref(), Some(RESOLVED_PASSED));
        assert_eq!(c3[0].finding.expires_at, Some(1_000 + 86_400));
        let items = stored(c3);

        let c4 = reconcile(&items, &[fail(&public_policy::CHECK)], &obs(&r, "2026-11-04T00:00:00.000Z", false));
        assert_eq!(c4[0].transition, Transition::Reopened);
        assert!(c4[0].finding.alert_pending);
        assert_eq!(c4[0].finding.first_seen, T1, "first_seen never changes");
        assert_eq!(c4[0].finding.resolved_at, None);
        assert_eq!(c4[0].finding.expires_at, None);
    }

    #[test]
    fn older_or_same_observation_is_ignored() {
        let r = bucket();
        let items = stored(reconcile(&[], &[fail(&public_policy::CHECK)], &obs(&r, T2, false)));
        assert!(reconcile(&items, &[pass(&public_policy::CHECK)], &obs(&r, T1, false)).is_empty());
        assert!(reconcile(&items, &[fail(&public_policy::CHECK)], &obs(&r, T2, false)).is_empty());
    }

    #[test]
    fn exempt_resources_are_suppressed_and_never_alert() {
        let r = bucket();
        let c = reconcile(&[], &[fail(&public_policy::CHECK)], &obs(&r, T1, true));
        assert_eq!(c[0].finding.status, Status::Suppressed);
        assert!(!c[0].finding.alert_pending);
        let c2 = reconcile(&stored(c), &[fail(&public_policy::CHECK)], &obs(&r, T2, false));
        assert_eq!(c2[0].transition, Transition::Unsuppressed);
        assert!(c2[0].finding.alert_pending, "losing the exemption makes it OPEN: alert");
    }

    #[test]
    fn below_threshold_opens_without_alert() {
        let r = bucket();
        let c = reconcile(&[], &[fail(&versioning_disabled::CHECK)], &obs(&r, T1, false));
        assert_eq!(c[0].transition, Transition::New);
        assert!(!c[0].finding.alert_pending);
    }

    #[test]
    fn conditional_severity_and_risk_score_are_stored() {
        use crate::services::iam::checks::admin_access;
        let r = ResourceRef::new(crate::services::iam::USER, "u", "123456789012", "us-east-1");
        let failure = Failure { detail: "x".into(), severity: Some(Severity::High), evidence: Some(serde_json::json!({"a":1})) };
        let eval = Evaluation { check: &admin_access::CHECK, outcome: Outcome::Fail(failure), exposure: Some(vec![Exposure::ActiveAccessKey]), produced_at: None };
        let c = reconcile(&[], &[eval], &obs(&r, T1, false));
        assert_eq!(c[0].finding.severity, Severity::High);
        assert_eq!(c[0].finding.status_severity, "OPEN#HIGH");
        assert!(!c[0].alert, "below the CRITICAL threshold");
        assert_eq!(c[0].finding.risk_score, Some(62));
        assert_eq!(c[0].finding.evidence, Some(serde_json::json!({"a":1})));
    }

    #[test]
    fn unsent_alert_stays_pending() {
        let r = bucket();
        let items = stored(reconcile(&[], &[fail(&public_policy::CHECK)], &obs(&r, T1, false)));
        let c = reconcile(&items, &[fail(&public_policy::CHECK)], &obs(&r, T2, false));
        assert!(c[0].finding.alert_pending, "a pending alert is kept until sent");
    }

    #[test]
    fn deletion_resolves_open_items_only() {
        let r = bucket();
        let mut items = stored(reconcile(
            &[],
            &[fail(&public_policy::CHECK), fail(&versioning_disabled::CHECK)],
            &obs(&r, T1, false),
        ));
        items[1].status = Status::Resolved;
        let c = resolve_all(&items, &obs(&r, T2, false), RESOLVED_DELETED);
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].finding.resolution.as_deref(), Some(RESOLVED_DELETED));
    }

    fn obs_at<'a>(r: &'a ResourceRef, at: &str) -> Observation<'a> {
        let epoch = chrono::DateTime::parse_from_rfc3339(at).unwrap().timestamp();
        Observation { at_epoch: epoch, ..obs(r, at, false) }
    }

    fn time(t: &str) -> Option<DateTime<Utc>> {
        Some(chrono::DateTime::parse_from_rfc3339(t).unwrap().with_timezone(&Utc))
    }

    #[test]
    fn an_old_credential_report_never_overturns_a_newer_read() {
        use crate::services::iam::checks::user_console_no_mfa;
        let r = ResourceRef::new(crate::services::iam::USER, "new-admin", "123456789012", "us-east-1");
        // A CreateLoginProfile event read the user at T2 and opened the finding.
        let items = stored(reconcile(&[], &[fail(&user_console_no_mfa::CHECK)], &obs_at(&r, T2)));
        // A scan at T3 reads a report generated at T1, before the password existed: it passes, but
        // its data is older than what is stored, so nothing changes.
        let old_report = Evaluation { produced_at: time(T1), ..pass(&user_console_no_mfa::CHECK) };
        assert!(reconcile(&items, &[old_report], &obs_at(&r, T3)).is_empty());
        // A report generated after the event's read does count, versioned by its generation time.
        let newer = "2026-11-02T12:00:00.000Z";
        let fresh_report = Evaluation { produced_at: time(newer), ..pass(&user_console_no_mfa::CHECK) };
        let c = reconcile(&items, &[fresh_report], &obs_at(&r, T3));
        assert_eq!(c.len(), 1);
        assert_eq!((c[0].finding.status, c[0].finding.observed_at.as_str()), (Status::Resolved, newer));
    }

    #[test]
    fn an_unchanged_failure_is_written_again_only_to_refresh_last_seen_daily() {
        let r = ResourceRef::new(crate::services::s3::BUCKET, "b", "123456789012", "us-east-1");
        let mut items = stored(reconcile(&[], &[fail(&public_policy::CHECK)], &obs_at(&r, T1)));
        let hour_later = "2026-11-01T01:00:00.000Z";
        let owed = reconcile(&items, &[fail(&public_policy::CHECK)], &obs_at(&r, hour_later));
        assert!(!is_refresh_only(&owed[0], &items, hour_later), "an alert still owed is written");
        items[0].alert_pending = false; // delivered
        let again = reconcile(&items, &[fail(&public_policy::CHECK)], &obs_at(&r, hour_later));
        assert_eq!(again[0].transition, Transition::StillOpen);
        assert!(is_refresh_only(&again[0], &items, hour_later), "same failure an hour later: not written");
        let day_later = reconcile(&items, &[fail(&public_policy::CHECK)], &obs_at(&r, T2));
        assert!(!is_refresh_only(&day_later[0], &items, T2), "last_seen is refreshed once a day");
        let other = Evaluation { outcome: Outcome::fail("worse".into()), ..fail(&public_policy::CHECK) };
        let changed = reconcile(&items, &[other], &obs_at(&r, hour_later));
        assert!(!is_refresh_only(&changed[0], &items, hour_later), "a new detail is written");
        let mut keyed = again[0].clone();
        keyed.finding.shard = Some("123456789012#global".into());
        assert!(!is_refresh_only(&keyed, &items, hour_later), "an item gaining its shard key is written");
        let resolved = reconcile(&items, &[pass(&public_policy::CHECK)], &obs_at(&r, hour_later));
        assert!(!is_refresh_only(&resolved[0], &items, hour_later), "a lifecycle transition is written");
    }

    fn triage(until: Option<&str>) -> Triage {
        Triage { by: "arn:aws:iam::123456789012:user/sec".into(), reason: "compensating control".into(), at: T1.into(), until: until.map(str::to_string) }
    }

    /// An OPEN critical finding after its first audit at T1, accepted until `until`.
    fn accepted(r: &ResourceRef, until: Option<&str>) -> Finding {
        let first = reconcile(&[], &[fail(&public_policy::CHECK)], &obs(r, T1, false));
        accept(&first[0].finding, triage(until), &[]).unwrap().finding
    }

    #[test]
    fn accepted_risk_stays_suppressed_and_silent_until_it_lapses_then_alerts() {
        let r = bucket();
        let item = accepted(&r, Some(T3));
        assert_eq!((item.status, item.alert_pending), (Status::Suppressed, false));
        let c = reconcile(std::slice::from_ref(&item), &[fail(&public_policy::CHECK)], &obs(&r, T2, false));
        assert_eq!((c[0].transition, c[0].finding.status, c[0].alert), (Transition::StillSuppressed, Status::Suppressed, false));
        assert_eq!(c[0].finding.triage, item.triage, "kept while it holds");
        // At its `until`, the next audit returns it to the lifecycle: OPEN again, and it alerts.
        let lapsed = reconcile(&[c[0].finding.clone()], &[fail(&public_policy::CHECK)], &obs(&r, T3, false));
        assert_eq!((lapsed[0].transition, lapsed[0].finding.status, lapsed[0].alert), (Transition::Unsuppressed, Status::Open, true));
        assert!(lapsed[0].finding.triage.is_none() && lapsed[0].finding.alert_pending);
    }

    #[test]
    fn accepted_risk_without_end_holds_and_a_fix_drops_it() {
        let r = bucket();
        let item = accepted(&r, None);
        let c = reconcile(std::slice::from_ref(&item), &[fail(&public_policy::CHECK)], &obs(&r, "2030-01-01T00:00:00.000Z", false));
        assert_eq!(c[0].finding.status, Status::Suppressed);
        let fixed = reconcile(std::slice::from_ref(&item), &[pass(&public_policy::CHECK)], &obs(&r, T2, false));
        assert_eq!((fixed[0].finding.status, fixed[0].finding.triage.as_ref()), (Status::Resolved, None));
        let back = reconcile(&[fixed[0].finding.clone()], &[fail(&public_policy::CHECK)], &obs(&r, T3, false));
        assert_eq!((back[0].transition, back[0].alert), (Transition::Reopened, true), "a new failure is a new risk");
    }

    #[test]
    fn withdrawing_returns_the_finding_to_the_lifecycle_at_the_next_audit() {
        let r = bucket();
        let item = accepted(&r, None);
        let withdrawn = withdraw(&item).unwrap().finding;
        assert_eq!((withdrawn.status, withdrawn.triage.as_ref()), (Status::Suppressed, None));
        let c = reconcile(&[withdrawn], &[fail(&public_policy::CHECK)], &obs(&r, T2, false));
        assert_eq!((c[0].transition, c[0].alert), (Transition::Unsuppressed, true));
    }

    #[test]
    fn nothing_to_accept_or_withdraw_is_an_error() {
        let r = bucket();
        let open = reconcile(&[], &[fail(&public_policy::CHECK)], &obs(&r, T1, false))[0].finding.clone();
        assert!(accept(&open, triage(Some(T1)), &[]).unwrap_err().contains("not in the future"));
        assert!(withdraw(&open).unwrap_err().contains("no accepted risk"));
        let resolved = reconcile(&[open], &[pass(&public_policy::CHECK)], &obs(&r, T2, false))[0].finding.clone();
        assert!(accept(&resolved, triage(None), &[]).unwrap_err().contains("resolved"));
    }

    #[test]
    fn each_lifecycle_transition_is_owed_to_every_sink_until_it_accepts_it() {
        let r = bucket();
        let sinks: &[&'static str] = &["securityhub", "eventbridge"];
        let with = |at: &str| Observation { exports: sinks, ..obs(&r, at, false) };
        let new = reconcile(&[], &[fail(&public_policy::CHECK)], &with(T1));
        let f = &new[0].finding;
        assert_eq!((f.transition, f.exports_pending.clone(), f.export_due.as_deref()), (Some(Transition::New), vec!["eventbridge".to_string(), "securityhub".to_string()], Some(r.account.as_str())));
        // Security Hub took it; EventBridge did not. Staying open owes nothing new, and keeps the debt.
        let mut item = f.clone();
        item.set_exports_pending(vec!["eventbridge".into()]);
        let still = reconcile(std::slice::from_ref(&item), &[fail(&public_policy::CHECK)], &with(T2));
        assert_eq!((still[0].transition, still[0].finding.transition), (Transition::StillOpen, Some(Transition::New)));
        assert_eq!(still[0].finding.exports_pending, vec!["eventbridge".to_string()]);
        // Everything delivered: the index key goes with the last debt.
        let mut item = still[0].finding.clone();
        item.set_exports_pending(Vec::new());
        assert_eq!(item.export_due, None);
        let fixed = reconcile(std::slice::from_ref(&item), &[pass(&public_policy::CHECK)], &with(T3));
        assert_eq!((fixed[0].finding.transition, fixed[0].finding.exports_pending.len()), (Some(Transition::Resolved), 2));
        // Without sinks nothing is owed, but the transition is still recorded.
        let quiet = reconcile(&[], &[fail(&public_policy::CHECK)], &obs(&r, T1, false));
        assert_eq!((quiet[0].finding.transition, quiet[0].finding.export_due.as_ref()), (Some(Transition::New), None));
    }
}
