//! The one handler behind the Lambda and the CLI: route the event, run the audit, classify errors.

use crate::alert::SnsSink;
use crate::aws::{self, CallRecorder, Clients};
use crate::config::{ConfigError, Settings};
use crate::engine::ports::{AlertSink, ExportSink, FindingStore};
use crate::engine::{AuditError, Engine, Progress, RunReport};
use crate::error::{AwsError, HandlerError, ReadFailure};
use crate::findings::Finding;
use crate::member::{Member, MemberClients};
use crate::model::{timestamp, truncate_millis, Arn, ResourceRef};
use crate::queue::ShardMessage;
use crate::router::{self, Decision, Target};
use crate::service::ReadCx;
use crate::store::Store;
use chrono::{DateTime, Utc};
use futures::StreamExt;
use serde_json::Value;
use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

/// Accounts a full scan in one invocation (or the CLI) audits at once.
pub const ACCOUNT_CONCURRENCY: usize = 4;

/// Makes a progress receiver for one account (the CLI draws a bar per account).
pub type ProgressFor = Arc<dyn Fn(&str) -> Arc<dyn Progress> + Send + Sync>;

/// Why vigil could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("configuration: {0}")]
    Config(#[from] ConfigError),
    #[error("no AWS region is set: export AWS_REGION (for example AWS_REGION=us-east-1), or set a region in your AWS profile")]
    NoRegion,
    /// Learning the account (STS) failed: the message says why and what to do.
    #[error("{}", .0.explain())]
    Account(#[source] AwsError),
}

/// Per-invocation options (the CLI sets them; the Lambda uses the defaults).
#[derive(Default, Clone)]
pub struct RunOptions {
    /// "Now" for the audit; defaults to the clock.
    pub as_of: Option<DateTime<Utc>>,
    /// Overrides `DRY_RUN`.
    pub dry_run: Option<bool>,
    pub progress: Option<Arc<dyn Progress>>,
    /// A progress receiver per account, for a scan of several accounts.
    pub progress_for: Option<ProgressFor>,
    /// The ARN of the invoked function (the Lambda's invocation context): its account is the
    /// audited account, so a cold start needs no AWS call to learn it.
    pub function_arn: Option<String>,
    /// Start no new resource after this instant (the invocation's deadline less a margin).
    pub deadline: Option<Instant>,
}

/// Time kept back before a Lambda invocation's deadline to settle the resources in flight and
/// deliver alerts: a quarter of the time left, at most this much.
pub const DEADLINE_MARGIN: Duration = Duration::from_secs(30);

impl RunOptions {
    /// Sets [`RunOptions::deadline`] from the invocation's deadline (epoch milliseconds, as the
    /// Lambda runtime gives it) and the clock now.
    /// A deadline that is not in the future is not one Lambda would send (cargo-lambda's emulator
    /// sends a duration, 600000, where Lambda sends epoch milliseconds): it is ignored rather than
    /// cutting every run short.
    pub fn with_deadline_ms(mut self, deadline_epoch_ms: u64, now: std::time::SystemTime) -> Self {
        let now_ms = now.duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or(0);
        if deadline_epoch_ms <= now_ms {
            tracing::warn!(deadline_epoch_ms, now_ms, "the invocation's deadline is not in the future; ignored");
            return self;
        }
        let left = Duration::from_millis(deadline_epoch_ms - now_ms);
        self.deadline = Some(Instant::now() + left.saturating_sub((left / 4).min(DEADLINE_MARGIN)));
        self
    }
}

/// Long-lived state: settings and clients, built once per cold start.
pub struct Vigil {
    pub settings: Settings,
    pub clients: Arc<Clients>,
    /// Clients on member roles, kept until their credentials near expiry.
    members: MemberClients,
    /// The audited account: known at start (CLI, tests), or learned from the first invocation.
    account: OnceLock<String>,
    /// The findings table and alert topic, when configured; their clients are built on first use.
    store: OnceLock<Option<Store>>,
    sink: OnceLock<Option<SnsSink>>,
    /// The transition sinks the settings turn on, built on first use.
    exports: OnceLock<Vec<Box<dyn ExportSink + Send>>>,
}

impl Vigil {
    /// Reads the environment, builds the clients and learns the account (one STS call): the CLI.
    pub async fn from_env() -> Result<Self, StartError> {
        let vigil = Self::from_env_unresolved().await?;
        if !vigil.clients.has_region() {
            return Err(StartError::NoRegion);
        }
        let account_id = vigil.clients.account_id().await.map_err(StartError::Account)?;
        let _ = vigil.account.set(account_id);
        Ok(vigil)
    }

    /// Reads the environment and builds the clients without any AWS call: the Lambda's cold
    /// start. The account is learned from the first invocation's function ARN.
    pub async fn from_env_unresolved() -> Result<Self, StartError> {
        let settings = Settings::from_env()?;
        let sdk = aws::load_sdk_config().await;
        let clients = Clients::new(&sdk, CallRecorder::from_env());
        Ok(Self::build(settings, clients, OnceLock::new()))
    }

    pub fn new(settings: Settings, clients: Clients, account_id: String) -> Self {
        Self::build(settings, clients, OnceLock::from(account_id))
    }

    fn build(settings: Settings, clients: Clients, account: OnceLock<String>) -> Self {
        Vigil {
            settings,
            clients: Arc::new(clients),
            members: MemberClients::default(),
            account,
            store: OnceLock::new(),
            sink: OnceLock::new(),
            exports: OnceLock::new(),
        }
    }

    /// The audited account, once known.
    pub fn account_id(&self) -> Option<&str> {
        self.account.get().map(String::as_str)
    }

    /// The audited account: known, or the invoked function's, or (last resort) asked of STS.
    async fn resolve_account(&self, function_arn: Option<&str>) -> Result<&str, HandlerError> {
        if let Some(known) = self.account.get() {
            return Ok(known);
        }
        let from_arn = function_arn.and_then(Arn::parse).filter(|a| a.has_account()).map(|a| a.account.to_string());
        let account = match from_arn {
            Some(a) => a,
            None => self.clients.account_id().await.map_err(HandlerError::from_aws)?,
        };
        Ok(self.account.get_or_init(|| account))
    }

    pub fn store(&self) -> Option<&Store> {
        let table = self.settings.table_name.as_ref();
        self.store.get_or_init(|| table.map(|t| Store::new(self.clients.dynamodb(), t.clone()))).as_ref()
    }

    fn sink(&self) -> Option<&SnsSink> {
        let topic = self.settings.topic_arn.as_ref();
        self.sink.get_or_init(|| topic.map(|t| SnsSink { client: self.clients.sns(), topic_arn: t.clone() })).as_ref()
    }

    /// The transition sinks (Security Hub, EventBridge) the settings turn on.
    pub fn exports(&self) -> Vec<&dyn ExportSink> {
        self.exports.get_or_init(|| crate::sinks::from_settings(&self.settings, &self.clients)).iter().map(|s| s.as_ref() as &dyn ExportSink).collect()
    }

    /// Handles one event. Bad input is a non-retryable error; a transient AWS failure that left
    /// the work unfinished is retryable; read failures of audited resources are reported in the
    /// summary and conclude nothing. A batch of queued shards settles message by message.
    pub async fn handle(&self, event: &Value, opts: &RunOptions) -> Result<RunReport, HandlerError> {
        let started = Instant::now();
        let calls_before = self.clients.recorder.snapshot();
        let records = crate::queue::records(event);
        let decision = match records {
            Some(_) => None,
            None => Some(router::route(event)?),
        };
        let own = self.resolve_account(opts.function_arn.as_deref()).await?.to_string();
        let now = truncate_millis(opts.as_of.unwrap_or_else(Utc::now));
        let is_event = matches!(decision, Some(Decision::Resources { .. }));
        let mut report = match (records, &decision) {
            (Some(records), _) => self.consume(records, &own, now, opts).await,
            (None, Some(Decision::Ignored { reason })) => {
                tracing::info!(%reason, "event ignored");
                RunReport { kind: "ignored".into(), ignored_reason: Some(reason.clone()), ..Default::default() }
            }
            (None, Some(Decision::FullScan)) => match &self.settings.shard_queue_url {
                Some(url) => self.plan(url, &own, now, opts).await?,
                None => self.scan_accounts(&own, now, opts).await?,
            },
            (None, Some(Decision::Resources { audit, deleted })) => self.audit_named(audit, deleted, &own, now, opts).await,
            (None, None) => RunReport::default(),
        };
        report.calls = self.clients.recorder.snapshot().since(&calls_before);
        report.wall_ms = started.elapsed().as_millis() as u64;
        if !report.remaining.is_empty() {
            tracing::warn!(remaining = ?report.remaining, "deadline near: these were not audited; no sweep ran");
        }
        for e in &report.audit_errors {
            tracing::warn!(resource = %e.resource, operation = %e.operation, kind = ?e.kind, message = %e.message, "audit error");
        }
        // Queued shards report their own failures message by message.
        if report.batch_item_failures.is_some() {
            return Ok(report);
        }
        // vigil's own store or topic failing means the run's result was not kept: fail the invocation.
        if let Some(e) = report.audit_errors.iter().find(|e| e.is_infrastructure()) {
            return Err(HandlerError::from_aws(e.to_aws_error()));
        }
        // An event whose resource could not be read because of a passing fault is worth a retry.
        if is_event {
            if let Some(e) = report.audit_errors.iter().find(|e| e.retryable) {
                return Err(HandlerError::Transient(e.to_aws_error()));
            }
        }
        Ok(report)
    }

    /// The clients that read `account`: vigil's own for its own account, else the member role's.
    pub async fn clients_for(&self, account: &str, own: &str) -> Result<Arc<Clients>, AwsError> {
        self.members.clients(&self.clients, &self.settings, own, account).await
    }

    fn engine<'a>(&'a self, cx: ReadCx<'a>, now: DateTime<Utc>, opts: &RunOptions, exports: &'a [&'a dyn ExportSink]) -> Engine<'a> {
        Engine {
            services: crate::services::all(),
            cx,
            store: self.store().map(|s| s as &dyn FindingStore),
            sink: self.sink().map(|s| s as &dyn AlertSink),
            exports,
            now,
            dry_run: opts.dry_run.unwrap_or(self.settings.dry_run),
            progress: opts.progress.clone(),
            deadline: opts.deadline,
            known: Default::default(),
        }
    }

    /// The regions to list in an account: `REGIONS`, or (`REGIONS=all`) those enabled in it.
    async fn regions_for(&self, clients: &Clients) -> Result<Option<Vec<String>>, AwsError> {
        if !self.settings.all_regions {
            return Ok(None);
        }
        for service in crate::services::all() {
            if let Some(read) = service.enabled_regions(clients) {
                return read.await.map(Some);
            }
        }
        Ok(None)
    }

    /// Judges whether a member account could be reached: its `vigil_member_role_unavailable`
    /// finding opens on `error` (reported as the account's audit error) and resolves once the role
    /// is assumed again.
    async fn judge_access(&self, m: &Member, now: DateTime<Utc>, opts: &RunOptions, error: Option<AwsError>) -> RunReport {
        let exports = self.exports();
        let cx = ReadCx::new(&self.clients, &self.settings, &m.id).named(m.name.clone());
        let engine = self.engine(cx, now, opts, &exports);
        let role = crate::member::role_arn(&self.clients.default_region(), &m.id, &self.settings.member_role_name);
        let access = crate::member::MemberAccess { role_arn: role, error: error.as_ref().map(AwsError::explain) };
        let mut unit = crate::member::access_unit(&m.id, &self.clients.default_region(), access);
        if let Some(e) = error {
            tracing::warn!(account = %m.id, error = %e.explain(), "member role unavailable: the account is not audited");
            unit.failures.push(ReadFailure { resource_arn: unit.resource.arn(), error: e });
        }
        engine.judge_one(unit).await
    }

    /// A full scan of every account `ACCOUNTS` names, a few accounts at a time.
    async fn scan_accounts(&self, own: &str, now: DateTime<Utc>, opts: &RunOptions) -> Result<RunReport, HandlerError> {
        let members = crate::member::members(&self.clients, &self.settings, own).await.map_err(HandlerError::from_aws)?;
        let mut total = RunReport { kind: "full_scan".into(), complete: true, ..Default::default() };
        // The findings the sweep settles, read once for every account.
        let active = self.active_by_account(&mut total).await;
        let active = &active;
        let reports: Vec<RunReport> = futures::stream::iter(members.iter())
            .map(|m| self.scan_member(m, own, now, opts, active.as_ref().map(|a| a.get(&m.id).cloned().unwrap_or_default())))
            .buffer_unordered(ACCOUNT_CONCURRENCY)
            .collect()
            .await;
        for r in reports {
            total.absorb(r);
        }
        total.accounts = members.len() as u64;
        Ok(total)
    }

    async fn scan_member(&self, m: &Member, own: &str, now: DateTime<Utc>, opts: &RunOptions, active: Option<Vec<Finding>>) -> RunReport {
        let clients = match self.clients_for(&m.id, own).await {
            Ok(c) => c,
            Err(e) => return self.judge_access(m, now, opts, Some(e)).await,
        };
        let mut report = RunReport { kind: "full_scan".into(), complete: true, ..Default::default() };
        if m.id != own {
            report.absorb(self.judge_access(m, now, opts, None).await);
        }
        let regions = match self.regions_for(&clients).await {
            Ok(r) => r,
            Err(e) => {
                report.audit_errors.push(AuditError::from_failure(&ReadFailure { resource_arn: format!("regions of {}", m.id), error: e }));
                report.complete = false;
                return report;
            }
        };
        let exports = self.exports();
        let cx = ReadCx::new(&clients, &self.settings, &m.id).with_regions(regions).named(m.name.clone());
        let opts = RunOptions { progress: opts.progress_for.as_ref().map(|f| f(&m.label())).or_else(|| opts.progress.clone()), ..opts.clone() };
        let engine = self.engine(cx, now, &opts, &exports);
        let mut run = RunReport { kind: "full_scan".into(), ..Default::default() };
        let active = match active {
            Some(mut a) => {
                run.absorb(engine.key_legacy(&mut a).await);
                Some(a)
            }
            None => None,
        };
        report.absorb(engine.full_scan_with(run, active).await);
        report
    }

    /// Every account's OPEN and SUPPRESSED findings, read once (one Query per status and severity,
    /// paginated), by account; `None` when there is no store or the read failed (then nothing is
    /// swept).
    async fn active_by_account(&self, report: &mut RunReport) -> Option<BTreeMap<String, Vec<Finding>>> {
        let store = self.store()?;
        let types: Vec<crate::model::ResourceType> = crate::services::resource_types().collect();
        match FindingStore::active(store, &types, None).await {
            Ok(all) => {
                let mut by: BTreeMap<String, Vec<Finding>> = BTreeMap::new();
                for f in all {
                    by.entry(f.account_id.clone()).or_default().push(f);
                }
                Some(by)
            }
            Err(e) => {
                report.audit_errors.push(AuditError::store_failure("findings sweep", e));
                None
            }
        }
    }

    /// Plans a scheduled scan as shards on the queue: every enabled service in every region of
    /// every account (global services once per account). Members whose role cannot be assumed get
    /// their finding instead of shards; findings of services or regions no longer audited leave
    /// scope here, account by account.
    async fn plan(&self, queue_url: &str, own: &str, now: DateTime<Utc>, opts: &RunOptions) -> Result<RunReport, HandlerError> {
        let members = crate::member::members(&self.clients, &self.settings, own).await.map_err(HandlerError::from_aws)?;
        let plan = timestamp(now);
        let mut total = RunReport { kind: "plan".into(), complete: true, ..Default::default() };
        let mut active = self.active_by_account(&mut total).await;
        let mut shards = Vec::new();
        for m in &members {
            let clients = match self.clients_for(&m.id, own).await {
                Ok(c) => c,
                Err(e) => {
                    total.absorb(self.judge_access(m, now, opts, Some(e)).await);
                    continue;
                }
            };
            if m.id != own {
                total.absorb(self.judge_access(m, now, opts, None).await);
            }
            let regions = match self.regions_for(&clients).await {
                Ok(r) => r,
                Err(e) => {
                    total.audit_errors.push(AuditError::from_failure(&ReadFailure { resource_arn: format!("regions of {}", m.id), error: e }));
                    continue;
                }
            };
            let exports = self.exports();
            let cx = ReadCx::new(&clients, &self.settings, &m.id).with_regions(regions).named(m.name.clone());
            let engine = self.engine(cx, now, opts, &exports);
            for (services, region) in engine.shards() {
                let services = services.into_iter().map(str::to_string).collect();
                shards.push(ShardMessage { account: m.id.clone(), account_name: m.name.clone(), region, services, after: None, pass: 0, plan: plan.clone() });
            }
            if let Some(active) = active.as_mut() {
                let mut mine = active.remove(&m.id).unwrap_or_default();
                total.absorb(engine.key_legacy(&mut mine).await);
                total.absorb(engine.sweep_leaving(&mine).await);
            }
        }
        crate::queue::send(&self.clients, queue_url, &shards).await.map_err(HandlerError::from_aws)?;
        tracing::info!(accounts = members.len(), shards = shards.len(), "scan planned");
        total.accounts = members.len() as u64;
        total.shards_sent = shards.len() as u64;
        Ok(total)
    }

    /// Consumes a batch of shards from the queue. Each message settles on its own: one whose
    /// shard cannot finish (vigil's store failed, or its continuation could not be queued) is
    /// reported in `batchItemFailures`, so SQS retries only it and at last dead-letters it.
    async fn consume(&self, records: Vec<crate::queue::Record>, own: &str, now: DateTime<Utc>, opts: &RunOptions) -> RunReport {
        let mut total = RunReport { kind: "shards".into(), complete: true, batch_item_failures: Some(Vec::new()), ..Default::default() };
        for rec in records {
            let msg = match rec.shard {
                Ok(m) => m,
                Err(why) => {
                    // Bad input: a retry cannot help; it is logged whole and dropped.
                    tracing::error!(message_id = %rec.message_id, %why, "queue message rejected");
                    continue;
                }
            };
            match self.run_shard(&msg, own, now, opts).await {
                Ok(r) => total.absorb(r),
                Err(e) => {
                    tracing::error!(shard = %msg.label(), error = %e.explain(), "shard failed; SQS retries it");
                    total.audit_errors.push(AuditError::from_failure(&ReadFailure { resource_arn: msg.label(), error: e }));
                    total.batch_item_failures.get_or_insert_with(Vec::new).push(crate::queue::ItemFailure { item_identifier: rec.message_id });
                }
            }
        }
        total
    }

    async fn run_shard(&self, msg: &ShardMessage, own: &str, now: DateTime<Utc>, opts: &RunOptions) -> Result<RunReport, AwsError> {
        let m = Member { id: msg.account.clone(), name: msg.account_name.clone() };
        if !self.settings.accounts.admits(&m.id, own) {
            tracing::warn!(shard = %msg.label(), "account no longer audited (ACCOUNTS); shard dropped");
            return Ok(RunReport { kind: "ignored".into(), ignored_reason: Some(format!("account {} is not audited", m.id)), ..Default::default() });
        }
        let clients = match self.clients_for(&m.id, own).await {
            Ok(c) => c,
            Err(e) if e.is_retryable() => return Err(e),
            Err(e) => return Ok(self.judge_access(&m, now, opts, Some(e)).await),
        };
        let budget = self.settings.shard_seconds.map(|s| Instant::now() + Duration::from_secs(s));
        let deadline = match (opts.deadline, budget) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        let opts = RunOptions { deadline, ..opts.clone() };
        let exports = self.exports();
        let cx = ReadCx::new(&clients, &self.settings, &m.id).named(m.name.clone());
        let report = self.engine(cx, now, &opts, &exports).shard(&msg.services, &msg.region, msg.after.as_deref()).await;
        if let Some(e) = report.audit_errors.iter().find(|e| e.is_infrastructure()) {
            return Err(e.to_aws_error());
        }
        if !report.resume_services.is_empty() {
            let url = self.settings.shard_queue_url.as_deref().ok_or_else(|| AwsError::other(crate::error::Operation { service: "sqs", name: "SendMessageBatch" }, "SHARD_QUEUE_URL is not set: the shard cannot continue"))?;
            let next = msg.continued(report.resume_services.clone(), report.resume_at.clone());
            crate::queue::send(&self.clients, url, std::slice::from_ref(&next)).await?;
            tracing::info!(shard = %msg.label(), pass = next.pass, resume = %next.label(), resume_at = ?next.after, "shard continues in another pass");
        }
        Ok(report)
    }

    /// Audits the resources an event or operator named, account by account: each account's
    /// resources are read with that account's clients.
    async fn audit_named(&self, audit: &[Target], deleted: &[ResourceRef], own: &str, now: DateTime<Utc>, opts: &RunOptions) -> RunReport {
        let mut by_account: BTreeMap<String, (Vec<Target>, Vec<ResourceRef>)> = BTreeMap::new();
        let account_of = |r: &ResourceRef| if r.account.is_empty() { own.to_string() } else { r.account.clone() };
        for t in audit {
            by_account.entry(account_of(&t.resource)).or_default().0.push(t.clone());
        }
        for r in deleted {
            by_account.entry(account_of(r)).or_default().1.push(r.clone());
        }
        let mut total = RunReport { kind: "resources".into(), complete: true, ..Default::default() };
        let mut ignored = Vec::new();
        for (account, (targets, gone)) in by_account {
            if !self.settings.accounts.admits(&account, own) {
                ignored.push(format!("account {account} is not audited (ACCOUNTS)"));
                continue;
            }
            let m = Member { id: account.clone(), name: None };
            let clients = match self.clients_for(&account, own).await {
                Ok(c) => c,
                Err(e) => {
                    total.absorb(self.judge_access(&m, now, opts, Some(e)).await);
                    continue;
                }
            };
            let exports = self.exports();
            let cx = ReadCx::new(&clients, &self.settings, &account);
            total.absorb(self.engine(cx, now, opts, &exports).resources(&targets, &gone).await);
        }
        if total.resources_audited + total.resources_skipped + total.resources_deleted == 0 && total.audit_errors.is_empty() && !ignored.is_empty() {
            total.kind = "ignored".into();
            total.ignored_reason = Some(ignored.join("; "));
        }
        total
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::UNIX_EPOCH;

    #[test]
    fn the_deadline_keeps_a_margin_and_ignores_the_impossible() {
        let now = UNIX_EPOCH + Duration::from_secs(1_800_000_000);
        let ms = |d: Duration| (now + d).duration_since(UNIX_EPOCH).unwrap().as_millis() as u64;
        let before = Instant::now();
        let opts = RunOptions::default().with_deadline_ms(ms(Duration::from_secs(900)), now);
        let left = opts.deadline.unwrap() - before;
        assert!(left < Duration::from_millis(870_100) && left > Duration::from_secs(869), "{left:?}");
        let short = RunOptions::default().with_deadline_ms(ms(Duration::from_secs(8)), now);
        assert!(short.deadline.unwrap() - before < Duration::from_millis(6_100), "a quarter of a short remainder is kept");
        assert!(RunOptions::default().with_deadline_ms(600_000, now).deadline.is_none(), "not an epoch time");
    }
}
