//! The engine: one audit pipeline for every service and every trigger.
//!
//! A full scan asks each enabled service for its listing; an event asks the service that routed it
//! to read one resource. Either way every snapshot goes through [`Engine::judge`], the one place
//! that applies scope, exemption, evaluation, counting and reconciliation. A failed read concludes
//! nothing, so it can never resolve a finding; only a complete listing allows a deletion sweep.

pub mod ports;
pub mod scope;
#[cfg(test)]
mod tests;

use crate::alert::Alert;
use crate::check::{Context, Outcome};
use crate::error::{AwsError, AwsErrorKind, Operation, ReadFailure};
use crate::findings::{self, Change, Evaluation, Finding, Observation, Status, Transition};
use crate::model::{timestamp, ResourceRef, ResourceType};
use crate::router::Target;
use crate::service::{Listing, Read, ReadCx, Scan, Service, Snapshot};
use chrono::{DateTime, Utc};
use futures::StreamExt;
use ports::{AlertSink, ExportSink, FindingStore, StoreError};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

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
    pub operation: Operation,
    pub kind: AwsErrorKind,
    pub code: Option<String>,
    pub message: String,
    pub retryable: bool,
    /// vigil's own store or alert sink failed, rather than a read of an audited resource.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub infrastructure: bool,
}

impl AuditError {
    fn new(resource: &str, e: &AwsError) -> Self {
        AuditError {
            resource: resource.to_string(),
            operation: e.operation,
            kind: e.kind,
            code: e.code.clone(),
            message: e.message.clone(),
            retryable: e.is_retryable(),
            infrastructure: false,
        }
    }

    fn read(f: &ReadFailure) -> Self {
        AuditError::new(&f.resource_arn, &f.error)
    }

    /// A failure of vigil's findings store.
    pub fn store_failure(resource: &str, e: StoreError) -> Self {
        AuditError::store(resource, e)
    }

    /// A failure that left something unread (a member account, its regions, a shard).
    pub fn from_failure(f: &ReadFailure) -> Self {
        AuditError::read(f)
    }

    /// A failure of vigil's own store or alert sink.
    fn infrastructure(resource: &str, e: &AwsError) -> Self {
        AuditError { infrastructure: true, ..AuditError::new(resource, e) }
    }

    fn store(resource: &str, e: StoreError) -> Self {
        match e {
            StoreError::Aws(e) => AuditError::infrastructure(resource, &e),
            // Concurrent writers on one resource: that resource is not settled in this run (the
            // next audit settles it), the store itself is fine.
            StoreError::Conflict => AuditError {
                resource: resource.to_string(),
                operation: Operation { service: "store", name: "commit" },
                kind: AwsErrorKind::Throttled,
                code: Some("ConditionalCheckFailed".into()),
                message: format!("findings kept changing concurrently after {COMMIT_ATTEMPTS} attempts; not settled in this run"),
                retryable: true,
                infrastructure: false,
            },
            StoreError::Decode(message) => AuditError {
                resource: resource.to_string(),
                operation: Operation { service: "store", name: "decode" },
                kind: AwsErrorKind::Other,
                code: None,
                message,
                retryable: false,
                infrastructure: true,
            },
        }
    }

    /// One line: the cause and the fix (for a denied read, the IAM action to grant).
    pub fn explain(&self) -> String {
        crate::error::explain(&self.operation.to_string(), self.kind, self.code.as_deref(), &self.message)
    }

    /// Whether the failure is vigil's own infrastructure (store, alerts) rather than an audited read.
    pub fn is_infrastructure(&self) -> bool {
        self.infrastructure
    }

    /// The failure as an error for the invocation's result.
    pub fn to_aws_error(&self) -> AwsError {
        AwsError { operation: self.operation, kind: self.kind, code: self.code.clone(), message: format!("{}: {}", self.resource, self.message) }
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
    /// Resources each check reached a verdict on (a check absent here concluded nothing).
    #[serde(skip)]
    pub evaluated_by_check: BTreeMap<&'static str, u64>,
    pub compliance_score: Option<f64>,
    pub transitions: BTreeMap<Transition, u64>,
    pub alerts_sent: u64,
    /// Transitions each sink accepted in this run (this run's, and earlier ones still owed).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub exports_sent: BTreeMap<String, u64>,
    /// Findings whose transition some sink still owes after this run (sent again by the next).
    pub exports_owed: u64,
    /// Sink failures: reported, and retried by the next audit, but they do not fail the run.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub export_errors: Vec<AuditError>,
    pub audit_errors: Vec<AuditError>,
    /// Resource types whose enumeration failed: their deletions were not swept.
    pub incomplete_types: Vec<ResourceType>,
    /// What was not fully settled in this run, because a read or a write failed: resources (their
    /// stored findings are unchanged where the failure reached), or a type's listing in a region.
    pub unsettled: Vec<String>,
    /// The run stopped starting new resources near the invocation's deadline: these were not
    /// audited, and no deletion sweep ran.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub remaining: Vec<String>,
    /// Whether everything the run set out to audit was audited (no deadline cut).
    pub complete: bool,
    /// The shard a queued run audited (`account#region` or `account#global`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shard: Option<String>,
    /// A shard pass cut by its deadline: the services the next pass audits (the first resumes at
    /// `resume_at`, or from its start).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub resume_services: Vec<String>,
    /// The first resource (ARN) of `resume_services[0]` the next pass audits.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resume_at: Option<String>,
    /// Accounts a full scan or plan covered.
    #[serde(skip_serializing_if = "is_zero")]
    pub accounts: u64,
    /// Shards a scheduled scan sent to the queue.
    #[serde(skip_serializing_if = "is_zero")]
    pub shards_sent: u64,
    /// Queue messages to retry (the SQS event source mapping reads this).
    #[serde(rename = "batchItemFailures", skip_serializing_if = "Option::is_none")]
    pub batch_item_failures: Option<Vec<crate::queue::ItemFailure>>,
    pub calls: crate::aws::CallStats,
    pub wall_ms: u64,
    /// Current failing findings of the audited resources (OPEN or SUPPRESSED).
    #[serde(skip)]
    pub findings: Vec<Finding>,
    /// Alerts due in this run (published unless dry run or no sink).
    #[serde(skip)]
    pub alerts: Vec<Alert>,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

impl RunReport {
    /// Adds another run's results to this one (several accounts or shards in one invocation).
    pub fn absorb(&mut self, o: RunReport) {
        if self.observed_at.is_empty() {
            self.observed_at = o.observed_at;
        }
        self.dry_run |= o.dry_run;
        self.resources_audited += o.resources_audited;
        self.resources_skipped += o.resources_skipped;
        self.resources_deleted += o.resources_deleted;
        self.evaluated += o.evaluated;
        self.passed += o.passed;
        for (k, v) in o.evaluated_by_check {
            *self.evaluated_by_check.entry(k).or_default() += v;
        }
        for (k, v) in o.transitions {
            *self.transitions.entry(k).or_default() += v;
        }
        self.alerts_sent += o.alerts_sent;
        for (k, v) in o.exports_sent {
            *self.exports_sent.entry(k).or_default() += v;
        }
        self.exports_owed += o.exports_owed;
        self.export_errors.extend(o.export_errors);
        self.audit_errors.extend(o.audit_errors);
        self.incomplete_types.extend(o.incomplete_types);
        self.unsettled.extend(o.unsettled);
        self.remaining.extend(o.remaining);
        self.complete &= o.complete;
        self.resume_at = self.resume_at.take().or(o.resume_at);
        if self.resume_services.is_empty() {
            self.resume_services = o.resume_services;
        }
        self.accounts += o.accounts;
        self.shards_sent += o.shards_sent;
        if let Some(f) = o.batch_item_failures {
            self.batch_item_failures.get_or_insert_with(Vec::new).extend(f);
        }
        self.findings.extend(o.findings);
        self.alerts.extend(o.alerts);
        self.findings.sort_by(|a, b| b.severity.cmp(&a.severity).then(a.resource_arn.cmp(&b.resource_arn)).then(a.check_id.cmp(&b.check_id)));
        self.compliance_score = (self.evaluated > 0).then(|| self.passed as f64 / self.evaluated as f64 * 100.0);
    }
}

/// The outcome of judging (or failing to read) one resource.
#[derive(Debug, Default)]
struct Audited {
    changes: Vec<Change>,
    evaluated: u64,
    /// The checks that reached a verdict on the resource.
    checks_evaluated: Vec<&'static str>,
    passed: u64,
    errors: Vec<AuditError>,
    skipped: bool,
    deleted: bool,
    /// Left unread because the invocation's deadline was near.
    remaining: Option<String>,
    /// Read, and outside the audit's scope: in a full scan its findings are resolved by the sweep.
    out_of_scope: Option<ResourceRef>,
    /// Settles the findings of a resource already counted (the sweep's out-of-scope resolutions).
    settling: bool,
    /// Governed resources to audit next (a group's members, a policy's principals).
    follow: Vec<Target>,
    /// Resources whose related resources (of any service) are to be audited next.
    related: Vec<ResourceRef>,
}

impl Audited {
    fn skipped() -> Self {
        Audited { skipped: true, ..Default::default() }
    }

    fn failed(f: &ReadFailure) -> Self {
        Audited { errors: vec![AuditError::read(f)], ..Default::default() }
    }

    fn out_of_scope(r: ResourceRef) -> Self {
        Audited { skipped: true, out_of_scope: Some(r), ..Default::default() }
    }

    fn remaining(arn: String) -> Self {
        Audited { skipped: true, remaining: Some(arn), ..Default::default() }
    }
}

enum Verdict<'e> {
    Evaluated { evals: &'e [Evaluation], exempt: bool },
    /// Resolves every unresolved finding for this reason (deleted, out of scope).
    ResolveAll(&'static str),
    /// Resolves the unresolved findings of one check that is switched off (`REQUIRED_TAGS` unset).
    ResolveCheck(&'e str, &'static str),
}

/// How many rounds of governed resources an event follows (policy → group → members).
const FOLLOW_DEPTH: usize = 2;

/// Re-reads and recomputes this many times when a concurrent writer wins.
const COMMIT_ATTEMPTS: usize = 3;

/// One run's audit machinery, borrowing the long-lived clients, store and sink.
pub struct Engine<'a> {
    /// The services this run may use (the registry, or test doubles).
    pub services: &'a [&'a dyn Service],
    pub cx: ReadCx<'a>,
    pub store: Option<&'a dyn FindingStore>,
    pub sink: Option<&'a dyn AlertSink>,
    /// Where lifecycle transitions are exported (none by default).
    pub exports: &'a [&'a dyn ExportSink],
    pub now: DateTime<Utc>,
    pub dry_run: bool,
    pub progress: Option<Arc<dyn Progress>>,
    /// When to stop starting new resources (the Lambda's deadline less a margin).
    pub deadline: Option<std::time::Instant>,
    /// The findings of the shard being audited, loaded with one Query (empty outside a shard).
    pub known: Known,
}

/// The shard key: `account#region`, or `account#global` for the services listed once per account.
pub fn shard_key(account: &str, region: &str) -> String {
    format!("{account}#{region}")
}

/// Findings a shard loaded with one Query, by resource: each resource's first reconciliation
/// starts from them instead of a Query of its own.
#[derive(Debug, Default)]
pub struct Known(std::sync::Mutex<Option<std::collections::HashMap<String, Vec<Finding>>>>);

impl Known {
    fn lock(&self) -> std::sync::MutexGuard<'_, Option<std::collections::HashMap<String, Vec<Finding>>>> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn load(&self, found: &[Finding]) {
        let mut map: std::collections::HashMap<String, Vec<Finding>> = std::collections::HashMap::new();
        for f in found {
            map.entry(f.resource_arn.clone()).or_default().push(f.clone());
        }
        *self.lock() = Some(map);
    }

    /// A resource's loaded findings (none stored is an empty list); `None` outside a shard, so
    /// the caller reads the store. Several services may judge one resource in a shard (the
    /// account, the account-region), each its own checks, so the entry stays for each of them;
    /// a write that finds it stale fails its condition and the store is read again.
    fn get(&self, arn: &str) -> Option<Vec<Finding>> {
        self.lock().as_ref().map(|m| m.get(arn).cloned().unwrap_or_default())
    }

    fn clear(&self) {
        *self.lock() = None;
    }
}

/// What the shards of one run found so far.
#[derive(Default)]
struct Pass {
    results: Vec<Audited>,
    complete: Vec<Listing>,
    listed: BTreeSet<String>,
}

/// One resource of a shard: read in bulk by the listing, or to be read on its own.
enum Unit {
    Read(Snapshot),
    Target(Target),
}

impl Engine<'_> {
    /// The sinks each lifecycle transition is owed to: none in a dry run.
    fn export_names(&self) -> Vec<&'static str> {
        if self.dry_run {
            Vec::new()
        } else {
            self.exports.iter().map(|s| s.name()).collect()
        }
    }

    fn context(&self) -> Context {
        Context::new(self.cx.settings, self.cx.account_id, self.cx.partition(), self.now)
    }

    /// The services `SERVICES` enables.
    fn enabled(&self) -> impl Iterator<Item = &dyn Service> + '_ {
        self.services.iter().copied().filter(|s| self.cx.settings.services.contains(s.name()))
    }

    fn service(&self, name: &str) -> Option<&dyn Service> {
        self.enabled().find(|s| s.name() == name)
    }

    /// The registered service that reads a resource type, enabled or not.
    fn owner(&self, kind: ResourceType) -> Option<&dyn Service> {
        self.services.iter().copied().find(|s| s.types().contains(&kind))
    }

    fn out_of_time(&self) -> bool {
        self.deadline.is_some_and(|d| std::time::Instant::now() >= d)
    }

    /// The shard key of a service's findings in this account and a region: what the store's
    /// shard index is keyed by. A shard is an account's region (every regional service in it) or
    /// the account's global services.
    pub fn shard_key(&self, service: &dyn Service, region: &str) -> String {
        shard_key(self.cx.account_id, if service.global() { "global" } else { region })
    }

    /// The service a finding belongs to: the service of its check (a check no service lists, such
    /// as required tags, belongs to the reader of its type).
    fn service_of(&self, f: &Finding) -> Option<&dyn Service> {
        self.services.iter().copied().find(|s| s.checks().iter().any(|c| c.id == f.check_id)).or_else(|| self.owner(f.resource_type))
    }

    /// The shard key a finding belongs under.
    fn shard_of(&self, f: &Finding) -> Option<String> {
        let service = self.service_of(f)?;
        Some(shard_key(&f.account_id, if service.global() { "global" } else { &f.region }))
    }

    /// The shards of a full scan of this account, in order: the global services once, then every
    /// regional service in each region. Each is (key, region to list in, services).
    fn groups(&self) -> Vec<(String, String, Vec<&dyn Service>)> {
        let mut out: Vec<(String, String, Vec<&dyn Service>)> = Vec::new();
        for service in self.enabled() {
            for region in self.regions_of(service) {
                let key = self.shard_key(service, &region);
                match out.iter_mut().find(|(k, _, _)| *k == key) {
                    Some((_, _, services)) => services.push(service),
                    None => out.push((key, region, vec![service])),
                }
            }
        }
        out
    }

    /// Audits everything the enabled services list, shard by shard (an account's region, or its
    /// global services), then settles the findings of resources it did not audit: out of scope
    /// (scope, `REGIONS`, `SERVICES`) or gone (only for types, and regions, whose listing
    /// completed). A run cut short by its deadline sweeps nothing.
    pub async fn full_scan(&self) -> RunReport {
        let mut report = RunReport { kind: "full_scan".into(), ..Default::default() };
        let active = self.account_active(&mut report).await;
        self.full_scan_with(report, active).await
    }

    /// [`Engine::full_scan`] with the account's active findings already read (`None`: they could
    /// not be, so nothing is swept), when one caller audits several accounts.
    pub async fn full_scan_with(&self, mut report: RunReport, active: Option<Vec<Finding>>) -> RunReport {
        let mut pass = Pass::default();
        for (key, region, services) in self.groups() {
            if self.out_of_time() {
                pass.results.push(Audited::remaining(format!("shard {key}")));
                continue;
            }
            self.load_shard(&key, &mut report).await;
            for service in services {
                self.list_and_audit(service, &region, None, &mut report, &mut pass).await;
            }
            self.known.clear();
        }
        if let Some(p) = &self.progress {
            p.finish();
        }
        if pass.results.iter().any(|a| a.remaining.is_some()) {
            tracing::warn!("deadline reached: no sweep in this run");
        } else if let Some(active) = active {
            let mut listed = pass.listed;
            listed.extend(pass.results.iter().flat_map(|a| a.errors.iter().map(|e| e.resource.clone())));
            pass.results.extend(self.sweep(&active, &pass.complete, &listed).await);
        }
        self.finish(report, pass.results).await
    }

    /// The shards of a full scan of this account, as (services, region to list in).
    pub fn shards(&self) -> Vec<(Vec<&'static str>, String)> {
        self.groups().into_iter().map(|(_, region, services)| (services.iter().map(|s| s.name()).collect(), region)).collect()
    }

    /// Settles the findings (`active`, this account's OPEN and SUPPRESSED ones) of services
    /// switched off and regions left out of scope, without listing anything: the planner's part
    /// of a queued full scan; gone resources are each shard's to sweep.
    pub async fn sweep_leaving(&self, active: &[Finding]) -> RunReport {
        let report = RunReport { kind: "sweep".into(), complete: true, ..Default::default() };
        let results = self.sweep(active, &[], &BTreeSet::new()).await;
        self.finish(report, results).await
    }

    /// Judges one snapshot the caller made (a member account's reachability).
    pub async fn judge_one(&self, unit: Snapshot) -> RunReport {
        let report = RunReport { kind: "access".into(), complete: true, ..Default::default() };
        let judged = self.judge(unit).await;
        self.finish(report, vec![judged]).await
    }

    /// The regions a service is listed in: the SDK's for a global service.
    fn regions_of(&self, service: &dyn Service) -> Vec<String> {
        if service.global() {
            vec![self.cx.clients.default_region()]
        } else {
            self.cx.regions()
        }
    }

    /// The account's OPEN and SUPPRESSED findings (for the account-wide sweep), with the shard
    /// key written onto items stored before the shard index existed. `None` when they could not
    /// be read: then nothing is swept.
    async fn account_active(&self, report: &mut RunReport) -> Option<Vec<Finding>> {
        let store = self.store?;
        let types: Vec<ResourceType> = self.services.iter().flat_map(|s| s.types().iter().copied()).collect();
        match store.active(&types, Some(self.cx.account_id)).await {
            Ok(mut active) => {
                report.absorb(self.key_legacy(&mut active).await);
                Some(active)
            }
            Err(e) => {
                report.audit_errors.push(AuditError::store("findings sweep", e));
                None
            }
        }
    }

    /// Writes the shard key onto active items stored before the shard index existed, so shards
    /// find (and sweep) them.
    pub async fn key_legacy(&self, active: &mut [Finding]) -> RunReport {
        let mut report = RunReport::default();
        let Some(store) = self.store else { return report };
        if self.dry_run {
            return report;
        }
        for f in active.iter_mut().filter(|f| f.shard.is_none()) {
            let Some(key) = self.shard_of(f) else { continue };
            match store.set_shard(f, &key).await {
                Ok(()) => f.shard = Some(key),
                Err(e) => report.audit_errors.push(AuditError::store(&f.resource_arn, e)),
            }
        }
        report
    }

    /// One shard on its own (a queued message): `services` in one region of this account (or its
    /// global services), the first resuming at `after` (the first resource, in ARN order, that a
    /// previous pass left). Each service's sweep runs once its listing completed and every one of
    /// its resources was audited; a pass that reaches the deadline returns where to resume in
    /// [`RunReport::resume_services`] and [`RunReport::resume_at`].
    pub async fn shard(&self, services: &[String], region: &str, after: Option<&str>) -> RunReport {
        let mut report = RunReport { kind: "shard".into(), ..Default::default() };
        let enabled: Vec<&dyn Service> = services.iter().filter_map(|n| self.service(n)).collect();
        let Some(first) = enabled.first() else {
            report.ignored_reason = Some(format!("no service of {services:?} is enabled (SERVICES)"));
            report.kind = "ignored".into();
            return self.finish(report, Vec::new()).await;
        };
        let key = self.shard_key(*first, region);
        report.shard = Some(key.clone());
        let loaded = self.load_shard(&key, &mut report).await;
        let mut results = Vec::new();
        for (i, service) in enabled.iter().enumerate() {
            if i > 0 && self.out_of_time() {
                report.resume_services = enabled[i..].iter().map(|s| s.name().to_string()).collect();
                break;
            }
            let mut pass = Pass::default();
            self.list_and_audit(*service, region, if i == 0 { after } else { None }, &mut report, &mut pass).await;
            let cut = pass.results.iter().filter_map(|a| a.remaining.clone()).min();
            if let Some(at) = cut {
                report.resume_services = enabled[i..].iter().map(|s| s.name().to_string()).collect();
                report.resume_at = Some(at);
                results.extend(pass.results);
                break;
            }
            if let Some(loaded) = &loaded {
                let mine: Vec<Finding> = loaded
                    .iter()
                    .filter(|f| f.status != Status::Resolved && self.service_of(f).is_some_and(|s| s.name() == service.name()))
                    .cloned()
                    .collect();
                let mut listed = pass.listed;
                listed.extend(pass.results.iter().flat_map(|a| a.errors.iter().map(|e| e.resource.clone())));
                let swept = self.sweep(&mine, &pass.complete, &listed).await;
                results.extend(pass.results);
                results.extend(swept);
            } else {
                results.extend(pass.results);
            }
        }
        self.known.clear();
        if let Some(p) = &self.progress {
            p.finish();
        }
        if !report.resume_services.is_empty() {
            tracing::info!(shard = %key, services = ?report.resume_services, resume_at = ?report.resume_at, "deadline near: the shard continues in another pass");
        }
        let mut report = self.finish(report, results).await;
        // The continuation names where to resume; the resources it left are not listed one by one.
        report.remaining.clear();
        report.complete = report.resume_services.is_empty();
        report
    }

    /// Loads a shard's findings with one paginated Query, for the reconciliations that follow.
    /// Returns them (`None` when there is no store or the Query failed: the shard cannot sweep).
    async fn load_shard(&self, key: &str, report: &mut RunReport) -> Option<Vec<Finding>> {
        let store = self.store?;
        match store.for_shard(key).await {
            Ok(found) => {
                self.known.load(&found);
                Some(found)
            }
            Err(e) => {
                report.audit_errors.push(AuditError::store(key, e));
                None
            }
        }
    }

    /// Lists one service in one region and audits what it found in ARN order, from `after` on.
    async fn list_and_audit(&self, service: &dyn Service, region: &str, after: Option<&str>, report: &mut RunReport, pass: &mut Pass) {
        let scan: Scan = service.scan(&self.cx, region).await;
        report.audit_errors.extend(scan.failures.iter().map(AuditError::read));
        report.incomplete_types.extend(scan.incomplete);
        pass.complete.extend(scan.complete);
        pass.listed.extend(scan.snapshots.iter().map(|u| u.resource.arn()));
        pass.listed.extend(scan.targets.iter().map(|t| t.resource.arn()));
        // A resource whose read failed (an unparseable document, a denied call) was seen: its
        // findings are kept, never swept as deleted.
        pass.listed.extend(scan.failures.iter().map(|f| f.resource_arn.clone()));
        let mut units: Vec<(String, Unit)> = scan
            .snapshots
            .into_iter()
            .map(|u| (u.resource.arn(), Unit::Read(u)))
            .chain(scan.targets.into_iter().map(|t| (t.resource.arn(), Unit::Target(t))))
            .filter(|(arn, _)| after.is_none_or(|a| arn.as_str() >= a))
            .collect();
        units.sort_by(|a, b| a.0.cmp(&b.0));
        let mut results = self.audit_units(units, after.is_some()).await;
        // Resources read and found out of scope leave it now, from the loaded findings (no Query).
        self.settle_out_of_scope(&mut results).await;
        pass.results.extend(results);
    }

    /// Audits a shard's units in order, a few at a time. Near the deadline the rest are left
    /// (a suffix, in order); a resumed pass always audits its first unit, so it makes progress.
    async fn audit_units(&self, units: Vec<(String, Unit)>, resumed: bool) -> Vec<Audited> {
        if let Some(p) = &self.progress {
            p.start(units.len() as u64);
        }
        let results = futures::stream::iter(units.into_iter().enumerate())
            .map(|(i, (arn, unit))| async move {
                if self.out_of_time() && !(resumed && i == 0) {
                    return vec![Audited::remaining(arn)];
                }
                let out = match unit {
                    Unit::Read(u) => vec![self.judge(u).await],
                    Unit::Target(t) => self.audit_target(&t).await,
                };
                if let Some(p) = &self.progress {
                    p.advance();
                }
                out
            })
            .buffered(self.cx.settings.audit_concurrency.max(1))
            .collect::<Vec<_>>()
            .await;
        results.into_iter().flatten().collect()
    }

    /// Audits the given targets (and what they govern). A delete event is a hint, not evidence:
    /// the resource is read, and only AWS saying it does not exist resolves its findings as
    /// deleted; if it exists (recreated, or the event was replayed), it is audited.
    pub async fn resources(&self, audit: &[Target], deleted: &[ResourceRef]) -> RunReport {
        let report = RunReport { kind: "resources".into(), ..Default::default() };
        let mut targets = audit.to_vec();
        for r in deleted {
            match self.owner(r.kind) {
                Some(s) => targets.push(Target { resource: r.clone(), focus: crate::router::Focus::EVERYTHING, service: s.name() }),
                None => tracing::warn!(resource = %r.arn(), "no service reads this type; delete event ignored"),
            }
        }
        let audit = &targets[..];
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
        let related: Vec<ResourceRef> = results.iter_mut().flat_map(|a| std::mem::take(&mut a.related)).collect();
        for r in &related {
            for service in self.enabled() {
                if let Some(read) = service.read_related(&self.cx, r) {
                    let reads = read.await;
                    results.extend(self.settle(reads).await);
                }
            }
        }
        // An event names one resource: resolving its findings when it left scope costs one read
        // of its findings.
        self.settle_out_of_scope(&mut results).await;
        self.finish(report, results).await
    }

    /// Resolves the findings of the resources these results found out of scope, onto each result.
    async fn settle_out_of_scope(&self, results: &mut [Audited]) {
        for a in results.iter_mut() {
            if let Some(r) = a.out_of_scope.take() {
                let left = self.leave_scope(&r).await;
                a.changes.extend(left.changes);
                a.errors.extend(left.errors);
            }
        }
    }

    /// Reads and judges each target, a few at a time.
    async fn audit_all(&self, targets: &[Target]) -> Vec<Audited> {
        if targets.is_empty() {
            return Vec::new();
        }
        if let Some(p) = &self.progress {
            p.start(targets.len() as u64);
        }
        let results = futures::stream::iter(targets)
            .map(|t| async move {
                if self.out_of_time() {
                    return vec![Audited::remaining(t.resource.arn())];
                }
                let out = self.audit_target(t).await;
                if let Some(p) = &self.progress {
                    p.advance();
                }
                out
            })
            .buffer_unordered(self.cx.settings.audit_concurrency.max(1))
            .collect::<Vec<_>>()
            .await;
        if let Some(p) = &self.progress {
            p.finish();
        }
        results.into_iter().flatten().collect()
    }

    /// One target: the service that named it reads it, then everything it read is judged.
    async fn audit_target(&self, target: &Target) -> Vec<Audited> {
        let mut target = target.clone();
        if target.resource.account.is_empty() {
            target.resource.account = self.cx.account_id.to_string();
        }
        let Some(service) = self.service(target.service) else {
            // Its service is switched off (`SERVICES`): its findings leave scope.
            return vec![Audited::out_of_scope(target.resource)];
        };
        // What scope can decide from the name and region alone is decided before any read; the
        // judge decides the rest (tags) on what was read.
        if scope::admits(self.cx.settings, &target.resource, None).is_err() {
            return vec![Audited::out_of_scope(target.resource)];
        }
        let reads = service.read(&self.cx, &target).await;
        self.settle(reads).await
    }

    /// Turns what a read found into judged, forgotten or failed results.
    async fn settle(&self, reads: Vec<Read>) -> Vec<Audited> {
        let mut out = Vec::with_capacity(reads.len());
        for read in reads {
            match read {
                Read::Found(unit) => out.push(self.judge(unit).await),
                Read::Gone(r) => out.push(self.forget(&r).await),
                Read::Failed(f) => out.push(Audited::failed(&f)),
                Read::Skipped => out.push(Audited::skipped()),
                Read::OutOfScope(r) => out.push(Audited::out_of_scope(r)),
                Read::Follow(t) => match out.last_mut() {
                    Some(last) => last.follow.push(t),
                    None => out.push(Audited { follow: vec![t], skipped: true, ..Default::default() }),
                },
                Read::Related(r) => match out.last_mut() {
                    Some(last) => last.related.push(r),
                    None => out.push(Audited { related: vec![r], skipped: true, ..Default::default() }),
                },
            }
        }
        out
    }

    /// The one judge: scope, exemption, evaluation, counting and reconciliation for one snapshot,
    /// whichever service read it and whatever triggered the read.
    async fn judge(&self, unit: Snapshot) -> Audited {
        let Snapshot { resource: r, subject, failures } = unit;
        let settings = self.cx.settings;
        let tags = subject.tags();
        if scope::admits(settings, &r, tags).is_err() || subject.never_audited(settings).is_some() {
            return Audited::out_of_scope(r);
        }
        let exempt = scope::exempt(settings, &r, tags);
        let ctx = self.context();
        let exposure = subject.exposure(self.cx.account_id);
        let any: &dyn std::any::Any = subject.as_ref();
        let mut evals: Vec<Evaluation> = self
            .services
            .iter()
            .flat_map(|s| s.checks().iter().copied())
            .chain(crate::member::CHECKS.iter().copied())
            .filter(|c| c.resource_types.contains(&r.kind))
            .filter_map(|check| {
                let outcome = check.evaluate(any, &ctx)?;
                Some(Evaluation { check, outcome, exposure: exposure.clone(), produced_at: check.produced_at(any) })
            })
            .collect();
        // The cross-service checks, on the tags of every resource whose type carries tags.
        if let (true, Some(tags)) = (r.kind.info().tags, tags) {
            let tagged = crate::tagging::Tagged { tags: tags.clone() };
            evals.extend(crate::tagging::CHECKS.iter().filter_map(|&check| {
                Some(Evaluation { check, outcome: check.evaluate(&tagged, &ctx)?, exposure: exposure.clone(), produced_at: None })
            }));
        }
        let mut out = self.record(&r, Verdict::Evaluated { evals: &evals, exempt }).await;
        out.evaluated = evals.len() as u64;
        out.checks_evaluated = evals.iter().map(|e| e.check.id).collect();
        out.passed = evals.iter().filter(|e| e.outcome == Outcome::Pass).count() as u64;
        out.errors.extend(failures.iter().map(AuditError::read));
        out
    }

    /// Resolves a gone resource's findings ("resource deleted"). Only AWS saying it does not
    /// exist, or a complete listing without it, leads here.
    async fn forget(&self, r: &ResourceRef) -> Audited {
        let mut out = self.record(r, Verdict::ResolveAll(findings::RESOLVED_DELETED)).await;
        out.deleted = true;
        out
    }

    /// Resolves the findings of a resource that left the audit's scope ("out of scope").
    async fn leave_scope(&self, r: &ResourceRef) -> Audited {
        self.record(r, Verdict::ResolveAll(findings::RESOLVED_OUT_OF_SCOPE)).await
    }

    /// Reconciles with the store and commits, re-reading on conflict.
    async fn record(&self, r: &ResourceRef, verdict: Verdict<'_>) -> Audited {
        let arn = r.arn();
        let exempt = matches!(verdict, Verdict::Evaluated { exempt: true, .. });
        let settings = self.cx.settings;
        let obs = Observation {
            resource: r,
            exempt,
            at: timestamp(self.now),
            at_epoch: self.now.timestamp(),
            alert_min_severity: settings.alert_min_severity,
            alerts_enabled: self.sink.is_some() && !self.dry_run,
            resolved_ttl_days: settings.resolved_ttl_days,
            exports: &self.export_names(),
        };
        let compute = |existing: &[Finding]| match &verdict {
            Verdict::Evaluated { evals, .. } => findings::reconcile(existing, evals, &obs),
            Verdict::ResolveAll(reason) => findings::resolve_all(existing, &obs, reason),
            Verdict::ResolveCheck(check, reason) => {
                let of_check: Vec<Finding> = existing.iter().filter(|f| f.check_id == *check).cloned().collect();
                findings::resolve_all(&of_check, &obs, reason)
            }
        };
        let Some(store) = self.store else {
            return Audited { changes: compute(&[]), ..Default::default() };
        };
        let mut written = Vec::new();
        for attempt in 0..COMMIT_ATTEMPTS {
            // A shard's findings were loaded with one Query; a retry re-reads consistently.
            let known = if attempt == 0 { self.known.get(&arn) } else { None };
            let existing = match known {
                Some(items) => items,
                None => match store.for_resource(&arn).await {
                    Ok(items) => items,
                    Err(e) => return Audited { changes: written, errors: vec![AuditError::store(&arn, e)], ..Default::default() },
                },
            };
            let mut changes = compute(&existing);
            for c in changes.iter_mut() {
                c.finding.shard = self.shard_of(&c.finding);
            }
            // An unchanged failure seen again is reported, not written (until `last_seen` is due).
            let (quiet, changes): (Vec<Change>, Vec<Change>) = changes.into_iter().partition(|c| findings::is_refresh_only(c, &existing, &obs.at));
            written.extend(quiet);
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
                    Err(e) => failure = Some(e),
                }
            }
            if let Some(e) = failure {
                return Audited { changes: written, errors: vec![AuditError::store(&arn, e)], ..Default::default() };
            }
            if !conflict {
                return Audited { changes: written, ..Default::default() };
            }
            // Items written above now carry this observation and are skipped on the re-read.
            tracing::info!(resource = %arn, "finding changed concurrently; re-reading");
        }
        Audited { changes: written, errors: vec![AuditError::store(&arn, StoreError::Conflict)], ..Default::default() }
    }

    /// Settles the unresolved findings (`active`) of resources this scan did not audit. Out of
    /// scope: its service is switched off, or its region or name is outside scope. Gone: not
    /// listed by a listing that completed for its type and region (`listed` includes every
    /// resource whose read failed).
    async fn sweep(&self, active: &[Finding], complete: &[Listing], listed: &BTreeSet<String>) -> Vec<Audited> {
        let covered = |f: &Finding| complete.iter().any(|(k, r)| *k == f.resource_type && r.as_deref().is_none_or(|r| r == f.region));
        let mut leaving = BTreeSet::new();
        let mut gone = BTreeSet::new();
        let mut switched_off = BTreeSet::new();
        for f in active {
            if crate::tagging::is_off(&f.check_id, self.cx.settings) {
                switched_off.insert((ResourceRef::new(f.resource_type, &f.resource_id, &f.account_id, &f.region), f.check_id.clone()));
                continue;
            }
            let r = ResourceRef::new(f.resource_type, &f.resource_id, &f.account_id, &f.region);
            // A finding belongs to the service of its check (the account is judged by several);
            // a check no service lists (required tags) belongs to the reader of its type.
            let owner = self.services.iter().copied().find(|s| s.checks().iter().any(|c| c.id == f.check_id));
            let enabled = owner.or_else(|| self.owner(f.resource_type)).is_some_and(|s| self.service(s.name()).is_some());
            if !enabled || scope::admits(self.cx.settings, &r, None).is_err() {
                leaving.insert(r);
            } else if !listed.contains(&f.resource_arn) && covered(f) {
                gone.insert(r);
            }
        }
        let mut out = Vec::new();
        for r in leaving {
            tracing::info!(resource = %r.arn(), "resource left the audit's scope; resolving its findings");
            let left = self.leave_scope(&r).await;
            out.push(Audited { settling: true, ..left });
        }
        for r in gone {
            tracing::info!(resource = %r.arn(), "resource no longer exists; resolving its findings");
            out.push(self.forget(&r).await);
        }
        for (r, check) in switched_off {
            tracing::info!(resource = %r.arn(), check = %check, "check switched off; resolving its finding");
            let resolved = self.record(&r, Verdict::ResolveCheck(&check, findings::RESOLVED_OUT_OF_SCOPE)).await;
            out.push(Audited { settling: true, ..resolved });
        }
        out
    }

    /// Totals the results, publishes the alerts due and marks them delivered.
    async fn finish(&self, mut report: RunReport, results: Vec<Audited>) -> RunReport {
        report.observed_at = timestamp(self.now);
        report.dry_run = self.dry_run;
        let mut exported = Vec::new();
        for a in results {
            if let Some(r) = a.remaining {
                report.remaining.push(r);
                continue;
            }
            if a.settling {
                // Counted where it was read (or its service switched off): only its changes count.
            } else if a.skipped {
                report.resources_skipped += 1;
            } else if a.deleted {
                report.resources_deleted += 1;
            } else if a.errors.is_empty() || a.evaluated > 0 {
                report.resources_audited += 1;
            }
            report.evaluated += a.evaluated;
            for check in a.checks_evaluated {
                *report.evaluated_by_check.entry(check).or_default() += 1;
            }
            report.passed += a.passed;
            report.audit_errors.extend(a.errors);
            for c in a.changes {
                *report.transitions.entry(c.transition).or_default() += 1;
                if !c.finding.exports_pending.is_empty() {
                    exported.push(c.finding.clone());
                }
                if c.alert {
                    report.alerts.push(Alert::for_account(&c.finding, c.transition, self.cx.account_name.as_deref()));
                }
                if c.finding.status != Status::Resolved {
                    report.findings.push(c.finding);
                }
            }
        }
        report.unsettled = report.audit_errors.iter().filter(|e| !e.is_infrastructure()).map(|e| e.resource.clone()).collect();
        report.unsettled.sort();
        report.unsettled.dedup();
        report.complete = report.remaining.is_empty();
        report.findings.sort_by(|a, b| b.severity.cmp(&a.severity).then(a.resource_arn.cmp(&b.resource_arn)).then(a.check_id.cmp(&b.check_id)));
        report.compliance_score = (report.evaluated > 0).then(|| report.passed as f64 / report.evaluated as f64 * 100.0);
        if let (Some(sink), false) = (self.sink, self.dry_run) {
            if !report.alerts.is_empty() {
                let (delivered, err) = sink.publish(&report.alerts).await;
                report.alerts_sent = delivered.len() as u64;
                if let Some(e) = err {
                    tracing::error!(error = %e, "alerts not delivered; they stay pending and are retried on the next audit");
                    report.audit_errors.push(AuditError::infrastructure(sink.name(), &e));
                }
                if let Some(store) = self.store {
                    for f in &delivered {
                        if let Err(e) = store.clear_alert_pending(f).await {
                            report.audit_errors.push(AuditError::store(&f.resource_arn, e));
                        }
                    }
                }
            }
        }
        if !self.exports.is_empty() && !self.dry_run {
            // Boxed: the sinks' futures would otherwise enlarge every run's future.
            Box::pin(self.export(&mut report, exported)).await;
        }
        report
    }

    /// Sends this run's transitions, and any an earlier run could not deliver, to the transition
    /// sinks. A sink that fails does not fail the run: what it refused stays owed on the item and
    /// the next audit sends it again.
    async fn export(&self, report: &mut RunReport, mut owed: Vec<Finding>) {
        if let Some(store) = self.store {
            match store.exports_due(self.cx.account_id).await {
                Ok(earlier) => owed.extend(earlier),
                Err(e) => report.export_errors.push(AuditError::store("exports", e)),
            }
        }
        if owed.is_empty() {
            return;
        }
        let delivery = crate::sinks::deliver(self.store, self.exports, owed).await;
        report.exports_sent = delivery.sent.into_iter().map(|(k, v)| (k.to_string(), v)).collect();
        report.exports_owed = delivery.still_owed;
        for (sink, e) in delivery.failures {
            report.export_errors.push(AuditError::infrastructure(sink, &e));
        }
        for (arn, e) in delivery.store_errors {
            report.export_errors.push(AuditError::store(&arn, e));
        }
    }
}
