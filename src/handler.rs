//! The one handler behind the Lambda and the CLI: route the event, run the audit, classify errors.

use crate::audit::{Engine, Progress, RunReport};
use crate::aws::{self, CallRecorder, Clients};
use crate::config::{ConfigError, Settings};
use crate::error::{AwsError, HandlerError};
use crate::model::truncate_millis;
use crate::store::Store;
use crate::trigger::{self, Decision};
use chrono::{DateTime, Utc};
use serde_json::Value;
use std::sync::Arc;
use std::time::Instant;

/// Why vigil could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("configuration: {0}")]
    Config(#[from] ConfigError),
    #[error("cannot determine the AWS account: {0}")]
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
}

/// Long-lived state: settings and clients, built once per cold start.
pub struct Vigil {
    pub settings: Settings,
    pub clients: Clients,
    pub account_id: String,
    store: Option<Store>,
}

impl Vigil {
    /// Reads the environment, builds the clients and learns the account (one STS call).
    pub async fn from_env() -> Result<Self, StartError> {
        let settings = Settings::from_env()?;
        let sdk = aws::load_sdk_config().await;
        let clients = Clients::new(&sdk, CallRecorder::from_env());
        let account_id = clients.account_id().await.map_err(StartError::Account)?;
        Ok(Self::new(settings, clients, account_id))
    }

    pub fn new(settings: Settings, clients: Clients, account_id: String) -> Self {
        let store = settings.table_name.as_ref().map(|t| Store::new(clients.dynamodb.clone(), t.clone()));
        Vigil { settings, clients, account_id, store }
    }

    pub fn store(&self) -> Option<&Store> {
        self.store.as_ref()
    }

    /// Handles one event. Bad input is a non-retryable error; a transient AWS failure that left
    /// the work unfinished is retryable; read failures of audited resources are reported in the
    /// summary and conclude nothing.
    pub async fn handle(&self, event: &Value, opts: &RunOptions) -> Result<RunReport, HandlerError> {
        let started = Instant::now();
        let calls_before = self.clients.recorder.snapshot();
        let decision = trigger::route(event)?;
        let now = truncate_millis(opts.as_of.unwrap_or_else(Utc::now));
        let engine = Engine {
            clients: &self.clients,
            settings: &self.settings,
            store: self.store.as_ref(),
            account_id: &self.account_id,
            now,
            dry_run: opts.dry_run.unwrap_or(self.settings.dry_run),
            progress: opts.progress.clone(),
            policy_cache: Default::default(),
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
