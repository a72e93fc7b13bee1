//! The audit unit, "audit this resource", and the full scan and event runs built from it.
//!
//! For each resource: decide scope, read tags, read the focused parts, evaluate the checks whose
//! inputs were read, reconcile with the stored findings, and commit conditionally. A failed read
//! concludes nothing, so it can never resolve a finding.

use crate::alert::{self, Alert};
use crate::aws::{CallStats, Clients};
use crate::checks::{self, Context, Eval};
use crate::collect::iam::{self as iamc, EntityRead, PolicyCache};
use crate::collect::s3::{self as s3c, BucketRead};
use crate::collect::ReadFailure;
use crate::config::{Service, Settings};
use crate::error::{AwsError, AwsErrorKind};
use crate::findings::{self, Change, Evaluation, Finding, Observation, Status, Transition};
use crate::model::{partition, timestamp, ResourceRef, ResourceType};
use crate::snapshot::iam::{Account, IamPart, ManagedPolicy, NamedPolicy, Principal};
use crate::snapshot::BucketPart;
use crate::store::{Store, StoreError};
use crate::trigger::{Focus, Target};
use chrono::{DateTime, Utc};
use futures::StreamExt;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

mod network;

/// Receives progress of a full scan (the CLI draws a bar with it).
pub trait Progress: Send + Sync {
    fn start(&self, total: u64);
    fn advance(&self);
    fn finish(&self);
}

/// A failure recorded during a run. Nothing is concluded from the read that failed.
#[derive(Debug, Clone, Serialize)]
pub struct AuditError {
    pub resource: String,
    pub operation: String,
    pub kind: AwsErrorKind,
    pub code: Option<String>,
    pub message: String,
    pub retryable: bool,
}

impl AuditError {
    fn new(resource: &str, e: &AwsError) -> Self {
        AuditError {
            resource: resource.to_string(),
            operation: e.operation.to_string(),
            kind: e.kind,
            code: e.code.clone(),
            message: e.message.clone(),
            retryable: e.is_retryable(),
        }
    }

    /// Whether the failure is vigil's own infrastructure (store, alerts) rather than an audited read.
    pub fn is_infrastructure(&self) -> bool {
        self.operation.starts_with("dynamodb:") || self.operation.starts_with("sns:")
    }

    pub fn to_aws_error(&self) -> AwsError {
        AwsError { operation: "audit", kind: self.kind, code: self.code.clone(), message: format!("{}: {}", self.operation, self.message) }
    }
}

/// What one run did. Serialized (without the finding and alert lists) as the Lambda's response.
#[derive(Debug, Default, Serialize)]
pub struct RunReport {
    /// `full_scan`, `resources` or `ignored`.
    pub kind: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ignored_reason: Option<String>,
    pub observed_at: String,
    pub dry_run: bool,
    pub resources_audited: u64,
    pub resources_skipped: u64,
    pub resources_deleted: u64,
    /// (resource, check) pairs evaluated, and how many passed.
    pub evaluated: u64,
    pub passed: u64,
    pub compliance_score: Option<f64>,
    pub transitions: BTreeMap<Transition, u64>,
    pub alerts_sent: u64,
    pub audit_errors: Vec<AuditError>,
    /// Resource types whose enumeration failed: their deletions were not swept.
    pub incomplete_types: Vec<ResourceType>,
    pub calls: CallStats,
    pub wall_ms: u64,
    /// Current failing findings of the audited resources (OPEN or SUPPRESSED).
    #[serde(skip)]
    pub findings: Vec<Finding>,
    /// Alerts due in this run (published unless dry run or no topic).
    #[serde(skip)]
    pub alerts: Vec<Alert>,
}

/// The outcome of auditing one target.
#[derive(Debug, Default)]
struct Audited {
    changes: Vec<Change>,
    evaluated: u64,
    passed: u64,
    errors: Vec<AuditError>,
    skipped: bool,
    deleted: bool,
    /// Resources this one governs that must be audited too (a group's members, a policy's
    /// principals).
    follow: Vec<Target>,
}

impl Audited {
    fn skipped() -> Self {
        Audited { skipped: true, ..Default::default() }
    }

    fn failed(resource: &str, e: &AwsError) -> Self {
        Audited { errors: vec![AuditError::new(resource, e)], ..Default::default() }
    }
}

enum Verdict<'e> {
    Evaluated { evals: &'e [Evaluation], exempt: bool },
    Deleted,
}

/// One run's audit machinery, borrowing the long-lived clients.
pub struct Engine<'a> {
    pub clients: &'a Clients,
    pub settings: &'a Settings,
    pub store: Option<&'a Store>,
    pub account_id: &'a str,
    pub now: DateTime<Utc>,
    pub dry_run: bool,
    pub progress: Option<Arc<dyn Progress>>,
    /// Managed policy documents read in this run.
    pub policy_cache: PolicyCache,
}

/// What the IAM checks evaluate.
enum IamSubject<'s> {
    Principal(&'s Principal),
    Policy(&'s ManagedPolicy),
    Account(&'s Account),
}

/// A resource type whose listing completed, in one region or (`None`) everywhere.
type Listing = (ResourceType, Option<String>);

/// IAM resource types a complete GetAccountAuthorizationDetails listing covers.
const IAM_LISTED: &[ResourceType] = &[ResourceType::IamUser, ResourceType::IamRole, ResourceType::IamGroup, ResourceType::IamPolicy];

/// How many rounds of governed resources an event follows (policy → group → members).
const FOLLOW_DEPTH: usize = 2;

/// Re-reads and recomputes this many times when a concurrent writer wins.
const COMMIT_ATTEMPTS: usize = 3;

impl Engine<'_> {
    fn context(&self) -> Context {
        let s = self.settings;
        Context {
            account_id: self.account_id.to_string(),
            trusted_accounts: s.trusted_account_ids.clone(),
            now: self.now,
            partition: self.partition(),
            key_max_age_days: s.key_max_age_days,
            inactive_days: s.inactive_days,
            role_max_session_seconds: s.role_max_session_seconds,
            broad_policies: s.broad_managed_policies.clone(),
            high_risk_ports: s.high_risk_ports.clone(),
            public_ports: s.public_ports.clone(),
        }
    }

    fn partition(&self) -> &'static str {
        partition(&self.clients.default_region())
    }

    fn in_regions(&self, region: &str) -> bool {
        self.settings.regions.is_empty() || self.settings.regions.iter().any(|r| r == region)
    }

    /// Audits every supported resource in the configured regions, then resolves the findings of
    /// resources that are gone (only for types whose listing completed).
    pub async fn full_scan(&self) -> RunReport {
        let mut report = RunReport { kind: "full_scan".into(), ..Default::default() };
        let mut results = Vec::new();
        // Resource types whose listing completed (in one region, or everywhere), and every ARN
        // listed: one sweep for all of them.
        let mut complete: Vec<Listing> = Vec::new();
        let mut listed = BTreeSet::new();
        if self.settings.services.contains(&Service::S3) {
            if let Some(arns) = self.scan_s3(&mut report, &mut results).await {
                complete.push((ResourceType::S3Bucket, None));
                listed.extend(arns);
            }
        }
        if self.settings.services.contains(&Service::Iam) {
            if let Some(arns) = self.scan_iam(&mut report, &mut results).await {
                complete.extend(IAM_LISTED.iter().map(|t| (*t, None)));
                listed.extend(arns);
            }
        }
        if self.settings.services.contains(&Service::Ec2) || self.settings.services.contains(&Service::Rds) {
            for region in self.regions() {
                self.scan_region(&region, &mut report, &mut results, &mut complete, &mut listed).await;
            }
        }
        if !complete.is_empty() {
            match self.sweep_deleted(&complete, &listed).await {
                Ok(swept) => results.extend(swept),
                Err(e) => report.audit_errors.push(AuditError::new("findings sweep", &e)),
            }
        }
        self.finish(report, results).await
    }

    /// The S3 part of a full scan. Returns the listed ARNs, or `None` when the listing failed.
    async fn scan_s3(&self, report: &mut RunReport, results: &mut Vec<Audited>) -> Option<BTreeSet<String>> {
        match s3c::list_buckets(self.clients).await {
            Ok(buckets) => {
                let targets: Vec<Target> = buckets
                    .into_iter()
                    .map(|(name, region)| Target {
                        resource: ResourceRef::bucket(name, self.account_id, region.unwrap_or_default()),
                        focus: Focus::Everything,
                    })
                    .collect();
                results.extend(self.audit_all(&targets).await);
                Some(targets.iter().map(|t| t.resource.arn()).collect())
            }
            Err(e) => {
                report.audit_errors.push(AuditError::new("AWS::S3::Bucket", &e));
                report.incomplete_types.push(ResourceType::S3Bucket);
                None
            }
        }
    }

    /// The IAM part of a full scan: bulk reads, then the audit unit for every entity. Returns the
    /// listed ARNs, or `None` when the listing failed.
    async fn scan_iam(&self, report: &mut RunReport, results: &mut Vec<Audited>) -> Option<BTreeSet<String>> {
        let inv = match iamc::inventory(self.clients, self.account_id, self.partition()).await {
            Ok(inv) => inv,
            Err(e) => {
                report.audit_errors.push(AuditError::new("AWS::IAM", &e));
                report.incomplete_types.extend(IAM_LISTED);
                return None;
            }
        };
        report.audit_errors.extend(inv.failures.iter().map(|f| AuditError::new(&f.resource_arn, &f.error)));
        let region = self.clients.default_region();
        let mut units: Vec<(ResourceRef, IamSubject)> = Vec::new();
        for p in &inv.principals {
            units.push((ResourceRef::new(p.kind, &p.name, self.account_id, &region), IamSubject::Principal(p)));
        }
        for m in &inv.policies {
            units.push((ResourceRef::new(ResourceType::IamPolicy, &m.arn, self.account_id, &region), IamSubject::Policy(m)));
        }
        let account = ResourceRef::new(ResourceType::Account, self.account_id, self.account_id, &region);
        units.push((account, IamSubject::Account(&inv.account)));
        let listed: BTreeSet<String> = units.iter().map(|(r, _)| r.arn()).collect();
        let audited: Vec<Audited> = futures::stream::iter(&units)
            .map(|(r, subject)| self.audit_iam(r.clone(), subject))
            .buffer_unordered(self.settings.audit_concurrency.max(1))
            .collect()
            .await;
        results.extend(audited);
        Some(listed)
    }

    /// Audits the given targets and forgets the deleted resources.
    pub async fn resources(&self, audit: &[Target], deleted: &[ResourceRef]) -> RunReport {
        let report = RunReport { kind: "resources".into(), ..Default::default() };
        let mut results = self.audit_all(audit).await;
        let mut seen: BTreeSet<String> = audit.iter().map(|t| t.resource.arn()).collect();
        for _ in 0..FOLLOW_DEPTH {
            let follow: Vec<Target> = results
                .iter_mut()
                .flat_map(|a| std::mem::take(&mut a.follow))
                .filter(|t| seen.insert(t.resource.arn()))
                .collect();
            if follow.is_empty() {
                break;
            }
            results.extend(self.audit_all(&follow).await);
        }
        for r in deleted {
            let mut r = r.clone();
            if r.account.is_empty() {
                r.account = self.account_id.to_string();
            }
            results.push(self.forget(&r).await);
        }
        self.finish(report, results).await
    }

    async fn audit_all(&self, targets: &[Target]) -> Vec<Audited> {
        if let Some(p) = &self.progress {
            p.start(targets.len() as u64);
        }
        let results = futures::stream::iter(targets)
            .map(|t| async move {
                let out = self.audit_target(t).await;
                if let Some(p) = &self.progress {
                    p.advance();
                }
                out
            })
            .buffer_unordered(self.settings.audit_concurrency.max(1))
            .collect::<Vec<_>>()
            .await;
        if let Some(p) = &self.progress {
            p.finish();
        }
        results.into_iter().flatten().collect()
    }

    /// The audit unit. One target may audit several resources (a VPC and the RDS instances in it).
    async fn audit_target(&self, target: &Target) -> Vec<Audited> {
        let mut r = target.resource.clone();
        if r.account.is_empty() {
            r.account = self.account_id.to_string();
        }
        if !self.settings.services.contains(&Service::of(r.kind)) {
            return vec![Audited::skipped()];
        }
        if let Some(suffix) = &self.settings.scope_name_suffix {
            // Names locate resources; regional settings and locators (subnets, tables) have none.
            let named = r.kind.has_findings() && r.kind != ResourceType::AccountRegion;
            if named && !r.id.ends_with(suffix.as_str()) {
                return vec![Audited::skipped()];
            }
        }
        let one = match r.kind {
            ResourceType::S3Bucket => self.audit_bucket(r, target.focus).await,
            ResourceType::IamUser => {
                let parts = match target.focus {
                    Focus::User(parts) => parts,
                    _ => IamPart::ALL,
                };
                let read = iamc::read_user(self.clients, &self.policy_cache, &r.id, parts).await;
                self.audit_entity(r, read).await
            }
            ResourceType::IamRole => {
                if self.settings.exempt_role_names.contains(&r.id) {
                    return vec![Audited::skipped()];
                }
                let read = iamc::read_role(self.clients, &self.policy_cache, &r.id).await;
                self.audit_entity(r, read).await
            }
            ResourceType::IamGroup => match iamc::read_group(self.clients, &self.policy_cache, &r.id).await {
                Ok((read, members)) => {
                    let mut out = self.audit_entity(r.clone(), Ok(read)).await;
                    if target.focus == Focus::WithGoverned {
                        out.follow = members
                            .into_iter()
                            .map(|m| Target {
                                resource: ResourceRef::new(ResourceType::IamUser, m, &r.account, &r.region),
                                focus: Focus::User(&[IamPart::Permissions]),
                            })
                            .collect();
                    }
                    out
                }
                Err(e) => Audited::failed(&r.arn(), &e),
            },
            ResourceType::IamPolicy => self.audit_policy(r, target.focus).await,
            ResourceType::Account => match iamc::read_account(self.clients, self.account_id).await {
                Ok(account) => self.audit_iam(r, &IamSubject::Account(&account)).await,
                Err(e) => Audited::failed(&r.arn(), &e),
            },
            ResourceType::Ec2SecurityGroup
            | ResourceType::Ec2Vpc
            | ResourceType::Ec2Subnet
            | ResourceType::Ec2RouteTable
            | ResourceType::Ec2FlowLog
            | ResourceType::Ec2Volume
            | ResourceType::RdsDbInstance
            | ResourceType::AccountRegion => return self.audit_network(r, target.focus).await,
        };
        vec![one]
    }

    /// Audits a user, role or group read by an event.
    async fn audit_entity(&self, r: ResourceRef, read: Result<EntityRead, AwsError>) -> Audited {
        match read {
            Ok(EntityRead::Found { principal, failures }) => {
                let mut out = self.audit_iam(r, &IamSubject::Principal(&principal)).await;
                out.errors.extend(failures.iter().map(|f| AuditError::new(&f.resource_arn, &f.error)));
                out
            }
            Ok(EntityRead::Gone) => self.forget(&r).await,
            Err(e) => Audited::failed(&r.arn(), &e),
        }
    }

    /// Audits a customer managed policy, and (for a policy change) the principals it governs.
    async fn audit_policy(&self, r: ResourceRef, focus: Focus) -> Audited {
        let arn = r.arn();
        let policy = match iamc::read_policy(self.clients, &self.policy_cache, &r.id).await {
            Ok(Some(p)) => p,
            Ok(None) => return self.forget(&r).await,
            Err(e) => return Audited::failed(&arn, &e),
        };
        let mut out = if r.id.contains(":iam::aws:policy/") {
            Audited::skipped() // AWS managed: nothing of ours to fix, but its principals are
        } else {
            self.audit_iam(r.clone(), &IamSubject::Policy(&policy)).await
        };
        if focus == Focus::WithGoverned {
            match iamc::policy_entities(self.clients, &r.id).await {
                Ok(entities) => {
                    out.follow = entities
                        .into_iter()
                        .map(|(kind, name)| Target {
                            resource: ResourceRef::new(kind, name, &r.account, &r.region),
                            focus: match kind {
                                ResourceType::IamGroup => Focus::WithGoverned,
                                ResourceType::IamUser => Focus::User(&[IamPart::Permissions]),
                                _ => Focus::Everything,
                            },
                        })
                        .collect()
                }
                Err(e) => out.errors.push(AuditError::new(&arn, &e)),
            }
        }
        out
    }

    /// The IAM audit unit: scope, exemption, evaluation and recording for one snapshot, whether it
    /// came from the bulk scan or an event's per-entity reads.
    async fn audit_iam(&self, r: ResourceRef, subject: &IamSubject<'_>) -> Audited {
        let mut exempt = false;
        if let IamSubject::Principal(p) = subject {
            let service_linked = p.path.starts_with("/aws-service-role/");
            if service_linked || (p.kind == ResourceType::IamRole && self.settings.exempt_role_names.contains(&p.name)) {
                return Audited::skipped();
            }
            if let Some(scope) = &self.settings.scope_tag {
                if p.kind != ResourceType::IamGroup && !scope.matches(&p.tags) {
                    return Audited::skipped();
                }
            }
            if let Some(suffix) = &self.settings.scope_name_suffix {
                if !p.name.ends_with(suffix.as_str()) {
                    return Audited::skipped();
                }
            }
            exempt = self.settings.exempt_tag.matches(&p.tags);
        }
        let ctx = self.context();
        let exposure = match subject {
            IamSubject::Principal(p) => Some(checks::iam::exposure(p, self.account_id)),
            _ => None,
        };
        let policy_doc;
        let (own, governing): (Option<&[NamedPolicy]>, Vec<&NamedPolicy>) = match subject {
            IamSubject::Principal(p) => match p.permissions.as_ref() {
                Some(x) => (Some(x.inline.as_slice()), x.identity().into_iter().map(|l| l.policy).collect()),
                None => (None, Vec::new()),
            },
            IamSubject::Policy(m) => {
                policy_doc = [NamedPolicy { name: m.name.clone(), arn: Some(m.arn.clone()), document: m.document.clone() }];
                (Some(&policy_doc[..]), policy_doc.iter().collect())
            }
            IamSubject::Account(_) => (None, Vec::new()),
        };
        let documents = own.map(|own| checks::Documents { own, governing: &governing });
        let evals: Vec<Evaluation> = checks::for_type(r.kind)
            .filter_map(|check| {
                let outcome = match (check.eval, subject) {
                    (Eval::Principal(f), IamSubject::Principal(p)) => f(p, &ctx)?,
                    (Eval::Documents(f), _) => f(documents.as_ref()?, &ctx)?,
                    (Eval::Account(f), IamSubject::Account(a)) => f(a, &ctx)?,
                    _ => return None,
                };
                Some(Evaluation { check, outcome, exposure: exposure.clone() })
            })
            .collect();
        let mut out = self.record(&r, Verdict::Evaluated { evals: &evals, exempt }).await;
        out.evaluated = evals.len() as u64;
        out.passed = evals.iter().filter(|e| e.outcome == checks::Outcome::Pass).count() as u64;
        out
    }

    async fn audit_bucket(&self, mut r: ResourceRef, focus: Focus) -> Audited {
        let arn = r.arn();
        if r.region.is_empty() {
            match s3c::bucket_region(self.clients, &r.id).await {
                Ok(Some(region)) => r.region = region,
                Ok(None) => return self.forget(&r).await,
                Err(e) => return Audited::failed(&arn, &e),
            }
        }
        if !self.in_regions(&r.region) {
            return Audited::skipped();
        }
        let tags = match s3c::read_tags(self.clients, &r).await {
            Ok(Some(tags)) => tags,
            Ok(None) => return self.forget(&r).await,
            Err(e) => return Audited::failed(&arn, &e),
        };
        if let Some(scope) = &self.settings.scope_tag {
            if !scope.matches(&tags) {
                return Audited::skipped();
            }
        }
        let exempt = self.settings.exempt_tag.matches(&tags);
        let parts: &[BucketPart] = match focus {
            Focus::Bucket(parts) => parts,
            _ => BucketPart::ALL,
        };
        let (bucket, failures) = match s3c::read_bucket(self.clients, &r, tags, parts).await {
            BucketRead::Found { bucket, failures } => (bucket, failures),
            BucketRead::Gone => return self.forget(&r).await,
        };
        let ctx = self.context();
        let evals: Vec<Evaluation> = checks::for_type(ResourceType::S3Bucket)
            .filter_map(|check| {
                let outcome = match check.eval {
                    Eval::Bucket(f) => f(&bucket, &ctx)?,
                    _ => return None,
                };
                Some(Evaluation { check, outcome, exposure: None })
            })
            .collect();
        let mut out = self.record(&r, Verdict::Evaluated { evals: &evals, exempt }).await;
        out.evaluated = evals.len() as u64;
        out.passed = evals.iter().filter(|e| e.outcome == checks::Outcome::Pass).count() as u64;
        out.errors.extend(failures.iter().map(|ReadFailure { resource_arn, error }| AuditError::new(resource_arn, error)));
        out
    }

    /// Resolves a gone resource's findings ("resource deleted").
    async fn forget(&self, r: &ResourceRef) -> Audited {
        let mut out = self.record(r, Verdict::Deleted).await;
        out.deleted = true;
        out
    }

    /// Reconciles with the store and commits, re-reading on conflict.
    async fn record(&self, r: &ResourceRef, verdict: Verdict<'_>) -> Audited {
        let arn = r.arn();
        let exempt = matches!(verdict, Verdict::Evaluated { exempt: true, .. });
        let obs = Observation {
            resource: r,
            exempt,
            at: timestamp(self.now),
            at_epoch: self.now.timestamp(),
            alert_min_severity: self.settings.alert_min_severity,
            alerts_enabled: self.settings.topic_arn.is_some() && !self.dry_run,
            resolved_ttl_days: self.settings.resolved_ttl_days,
        };
        let compute = |existing: &[Finding]| match &verdict {
            Verdict::Evaluated { evals, .. } => findings::reconcile(existing, evals, &obs),
            Verdict::Deleted => findings::resolve_deleted(existing, &obs),
        };
        let Some(store) = self.store else {
            return Audited { changes: compute(&[]), ..Default::default() };
        };
        let mut written = Vec::new();
        for _ in 0..COMMIT_ATTEMPTS {
            let existing = match store.for_resource(&arn).await {
                Ok(items) => items,
                Err(e) => return Audited { changes: written, ..Audited::failed(&arn, &store_error(e)) },
            };
            let changes = compute(&existing);
            if self.dry_run || changes.is_empty() {
                written.extend(changes);
                return Audited { changes: written, ..Default::default() };
            }
            let results = store.commit(&changes).await;
            let mut conflict = false;
            let mut failure = None;
            for (change, result) in changes.into_iter().zip(results) {
                match result {
                    Ok(()) => written.push(change),
                    Err(StoreError::Conflict) => conflict = true,
                    Err(e) => failure = Some(store_error(e)),
                }
            }
            if let Some(e) = failure {
                return Audited { changes: written, ..Audited::failed(&arn, &e) };
            }
            if !conflict {
                return Audited { changes: written, ..Default::default() };
            }
            // Items written above now carry this observation and are skipped on the re-read.
            tracing::info!(resource = %arn, "finding changed concurrently; re-reading");
        }
        let e = AwsError {
            operation: "dynamodb:PutItem",
            kind: AwsErrorKind::Throttled,
            code: Some("ConditionalCheckFailed".into()),
            message: format!("findings kept changing concurrently after {COMMIT_ATTEMPTS} attempts"),
        };
        Audited { changes: written, ..Audited::failed(&arn, &e) }
    }

    /// Resolves findings of resources that have unresolved findings but were not listed, for the
    /// types (and regions) whose listing completed.
    async fn sweep_deleted(&self, complete: &[Listing], listed: &BTreeSet<String>) -> Result<Vec<Audited>, AwsError> {
        let Some(store) = self.store else { return Ok(Vec::new()) };
        let mut names: Vec<&str> = complete.iter().map(|(k, _)| k.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        let active = store.active_resources(&names, self.account_id).await.map_err(store_error)?;
        let covered = |kind: &str, arn: &str| {
            let region = arn.split(':').nth(3).unwrap_or_default();
            complete.iter().any(|(k, r)| k.as_str() == kind && r.as_deref().is_none_or(|r| r == region))
        };
        let mut out = Vec::new();
        for (_, arn) in active.into_iter().filter(|(kind, a)| !listed.contains(a) && covered(kind, a)) {
            let Some(mut r) = ResourceRef::from_arn(&arn) else { continue };
            r.account = self.account_id.to_string();
            tracing::info!(resource = %arn, "resource no longer exists; resolving its findings");
            out.push(self.forget(&r).await);
        }
        Ok(out)
    }

    /// Totals the results, publishes the alerts due and marks them delivered.
    async fn finish(&self, mut report: RunReport, results: Vec<Audited>) -> RunReport {
        report.observed_at = timestamp(self.now);
        report.dry_run = self.dry_run;
        for a in results {
            if a.skipped {
                report.resources_skipped += 1;
                continue;
            }
            if a.deleted {
                report.resources_deleted += 1;
            } else if a.errors.is_empty() || a.evaluated > 0 {
                report.resources_audited += 1;
            }
            report.evaluated += a.evaluated;
            report.passed += a.passed;
            report.audit_errors.extend(a.errors);
            for c in a.changes {
                *report.transitions.entry(c.transition).or_default() += 1;
                if c.alert {
                    report.alerts.push(Alert::new(&c.finding, c.transition));
                }
                if c.finding.status != Status::Resolved {
                    report.findings.push(c.finding);
                }
            }
        }
        report.findings.sort_by(|a, b| b.severity.cmp(&a.severity).then(a.resource_arn.cmp(&b.resource_arn)).then(a.check_id.cmp(&b.check_id)));
        report.compliance_score = (report.evaluated > 0).then(|| report.passed as f64 / report.evaluated as f64 * 100.0);
        if let (Some(topic), false) = (&self.settings.topic_arn, self.dry_run) {
            if !report.alerts.is_empty() {
                let (delivered, err) = alert::publish(&self.clients.sns, topic, &report.alerts).await;
                report.alerts_sent = delivered.len() as u64;
                if let Some(e) = err {
                    tracing::error!(error = %e, "alerts not delivered; they stay pending and are retried on the next audit");
                    report.audit_errors.push(AuditError::new(topic, &e));
                }
                if let Some(store) = self.store {
                    for f in &delivered {
                        if let Err(e) = store.clear_alert_pending(f).await {
                            report.audit_errors.push(AuditError::new(&f.resource_arn, &store_error(e)));
                        }
                    }
                }
            }
        }
        report
    }
}

fn store_error(e: StoreError) -> AwsError {
    match e {
        StoreError::Aws(e) => e,
        StoreError::Conflict => AwsError {
            operation: "dynamodb:PutItem",
            kind: AwsErrorKind::Throttled,
            code: Some("ConditionalCheckFailed".into()),
            message: e.to_string(),
        },
        StoreError::Decode(m) => AwsError { operation: "dynamodb:Query", kind: AwsErrorKind::Other, code: None, message: m },
    }
}
