//! The one handler behind the Lambda and the CLI: route the event, run the audit, classify errors.

use crate::alert::SnsSink;
use crate::aws::{self, CallRecorder, Clients};
use crate::config::{ConfigError, Settings};
use crate::engine::ports::{AlertSink, ExportSink, FindingStore};
use crate::engine::{Engine, Progress, RunReport};
use crate::error::{AwsError, HandlerError};
use crate::model::{truncate_millis, Arn};
use crate::router::{self, Decision};
use crate::service::ReadCx;
use crate::store::Store;
use chrono::{DateTime, Utc};
use serde_json::Value;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

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
    pub clients: Clients,
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
        Vigil { settings, clients, account, store: OnceLock::new(), sink: OnceLock::new(), exports: OnceLock::new() }
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
    /// summary and conclude nothing.
    pub async fn handle(&self, event: &Value, opts: &RunOptions) -> Result<RunReport, HandlerError> {
        let started = Instant::now();
        let calls_before = self.clients.recorder.snapshot();
        let decision = router::route(event)?;
        let account_id = self.resolve_account(opts.function_arn.as_deref()).await?;
        let now = truncate_millis(opts.as_of.unwrap_or_else(Utc::now));
        let exports = self.exports();
        let engine = Engine {
            services: crate::services::all(),
            cx: ReadCx::new(&self.clients, &self.settings, account_id),
            store: self.store().map(|s| s as &dyn FindingStore),
            sink: self.sink().map(|s| s as &dyn AlertSink),
            exports: &exports,
            now,
            dry_run: opts.dry_run.unwrap_or(self.settings.dry_run),
            progress: opts.progress.clone(),
            deadline: opts.deadline,
            known: Default::default(),
        };
        let is_event = matches!(decision, Decision::Resources { .. });
        let mut report = match &decision {
            Decision::Ignored { reason } => {
                tracing::info!(%reason, "event ignored");
                RunReport { kind: "ignored".into(), ignored_reason: Some(reason.clone()), ..Default::default() }
            }
            Decision::FullScan => engine.full_scan().await,
            Decision::Resources { audit, deleted } => engine.resources(audit, deleted).await,
        };
        report.calls = self.clients.recorder.snapshot().since(&calls_before);
        report.wall_ms = started.elapsed().as_millis() as u64;
        if !report.remaining.is_empty() {
            tracing::warn!(remaining = ?report.remaining, "deadline near: these were not audited; no sweep ran");
        }
        for e in &report.audit_errors {
            tracing::warn!(resource = %e.resource, operation = %e.operation, kind = ?e.kind, message = %e.message, "audit error");
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
