//! The engine's I/O seams: where findings are kept, where alerts go, and where lifecycle
//! transitions are exported. DynamoDB, SNS, Security Hub and EventBridge implement them in
//! production; the in-memory versions here serve the engine's unit tests.

use crate::alert::Alert;
use crate::error::AwsError;
use crate::findings::{Change, Finding, Status};
use crate::model::ResourceType;
use futures::future::BoxFuture;
use futures::FutureExt;
use std::sync::Mutex;

/// Why the store could not do what was asked.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(transparent)]
    Aws(#[from] AwsError),
    /// Another writer changed the item since it was read; re-read and recompute.
    #[error("a finding changed since it was read (concurrent or newer observation)")]
    Conflict,
    #[error("stored item is not a finding: {0}")]
    Decode(String),
}

/// Where findings are kept: one item per (resource, check), written conditionally.
pub trait FindingStore: Sync {
    /// Every finding of one resource.
    fn for_resource<'a>(&'a self, arn: &'a str) -> BoxFuture<'a, Result<Vec<Finding>, StoreError>>;
    /// Every finding one shard audits (`account#region`, `account#global`): a full scan's one Query for all
    /// the resources of a service in a region, instead of one per resource.
    fn for_shard<'a>(&'a self, shard: &'a str) -> BoxFuture<'a, Result<Vec<Finding>, StoreError>>;
    /// Writes each change only if its item still carries the `observed_at` that was read (or does
    /// not exist); one result per change.
    fn commit<'a>(&'a self, changes: &'a [Change]) -> BoxFuture<'a, Vec<Result<(), StoreError>>>;
    /// Writes the shard key onto an item stored before the shard index existed, unless the item
    /// moved on meanwhile (its next write carries the key anyway).
    fn set_shard<'a>(&'a self, f: &'a Finding, shard: &'a str) -> BoxFuture<'a, Result<(), StoreError>>;
    /// Marks a finding's alert as delivered, unless the item moved on meanwhile.
    fn clear_alert_pending<'a>(&'a self, f: &'a Finding) -> BoxFuture<'a, Result<(), StoreError>>;
    /// OPEN or SUPPRESSED findings of these types, in one account or (`None`) every account: the
    /// deletion sweep's input, read once per scheduled scan.
    fn active<'a>(&'a self, types: &'a [ResourceType], account: Option<&'a str>) -> BoxFuture<'a, Result<Vec<Finding>, StoreError>>;
    /// Findings of one account whose latest transition some sink has not accepted yet.
    fn exports_due<'a>(&'a self, account: &'a str) -> BoxFuture<'a, Result<Vec<Finding>, StoreError>>;
    /// Leaves only `pending` owed on the item, unless it moved on meanwhile (a newer observation
    /// carries its own debts).
    fn settle_exports<'a>(&'a self, f: &'a Finding, pending: &'a [String]) -> BoxFuture<'a, Result<(), StoreError>>;
}

/// Where lifecycle transitions are exported (Security Hub, EventBridge). Delivery is at least
/// once: a transition stays owed on the stored item until its sink accepts it.
pub trait ExportSink: Sync {
    /// The name kept in `exports_pending` (`securityhub`, `eventbridge`): stable, lower case.
    fn name(&self) -> &'static str;
    /// Sends each finding's latest transition; returns the indexes the sink accepted, and the
    /// first failure.
    fn export<'a>(&'a self, findings: &'a [Finding]) -> BoxFuture<'a, (Vec<usize>, Option<AwsError>)>;
}

/// Where alerts go.
pub trait AlertSink: Sync {
    /// Names the destination in errors (a topic ARN).
    fn name(&self) -> &str;
    /// Delivers alerts; returns the findings whose alerts were accepted, and the first failure.
    fn publish<'a>(&'a self, alerts: &'a [Alert]) -> BoxFuture<'a, (Vec<Finding>, Option<AwsError>)>;
}

/// Findings in memory, with the same conditional-write rules as the DynamoDB store.
#[derive(Debug, Default)]
pub struct MemoryStore {
    pub items: Mutex<Vec<Finding>>,
    /// Fails the next N commits of a change with a conflict (a concurrent writer), then behaves.
    pub conflicts: Mutex<usize>,
    /// Makes every call fail with this error.
    pub broken: Mutex<Option<AwsError>>,
    /// Shard Queries answered (the cost a full scan pays per service and region).
    pub shard_queries: Mutex<usize>,
    /// Per-resource Queries answered (the cost a full scan no longer pays per resource).
    pub resource_queries: Mutex<usize>,
}

impl MemoryStore {
    fn items(&self) -> std::sync::MutexGuard<'_, Vec<Finding>> {
        self.items.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn broken(&self) -> Result<(), StoreError> {
        match self.broken.lock().unwrap_or_else(|p| p.into_inner()).clone() {
            Some(e) => Err(StoreError::Aws(e)),
            None => Ok(()),
        }
    }

    /// A copy of every stored finding.
    pub fn all(&self) -> Vec<Finding> {
        self.items().clone()
    }

    fn put(&self, c: &Change) -> Result<(), StoreError> {
        self.broken()?;
        {
            let mut pending = self.conflicts.lock().unwrap_or_else(|p| p.into_inner());
            if *pending > 0 {
                *pending -= 1;
                return Err(StoreError::Conflict);
            }
        }
        let mut items = self.items();
        let key = |f: &Finding| (f.resource_arn.clone(), f.check_id.clone());
        let at = items.iter().position(|f| key(f) == key(&c.finding));
        match (at, &c.expected_observed_at) {
            (None, None) => items.push(c.finding.clone()),
            (Some(i), Some(prev)) if &items[i].observed_at == prev => items[i] = c.finding.clone(),
            _ => return Err(StoreError::Conflict),
        }
        Ok(())
    }
}

impl FindingStore for MemoryStore {
    fn for_resource<'a>(&'a self, arn: &'a str) -> BoxFuture<'a, Result<Vec<Finding>, StoreError>> {
        async move {
            self.broken()?;
            *self.resource_queries.lock().unwrap_or_else(|p| p.into_inner()) += 1;
            Ok(self.items().iter().filter(|f| f.resource_arn == arn).cloned().collect())
        }
        .boxed()
    }

    fn for_shard<'a>(&'a self, shard: &'a str) -> BoxFuture<'a, Result<Vec<Finding>, StoreError>> {
        async move {
            self.broken()?;
            *self.shard_queries.lock().unwrap_or_else(|p| p.into_inner()) += 1;
            Ok(self.items().iter().filter(|f| f.shard.as_deref() == Some(shard)).cloned().collect())
        }
        .boxed()
    }

    fn commit<'a>(&'a self, changes: &'a [Change]) -> BoxFuture<'a, Vec<Result<(), StoreError>>> {
        async move { changes.iter().map(|c| self.put(c)).collect() }.boxed()
    }

    fn set_shard<'a>(&'a self, f: &'a Finding, shard: &'a str) -> BoxFuture<'a, Result<(), StoreError>> {
        async move {
            self.broken()?;
            let mut items = self.items();
            if let Some(item) = items.iter_mut().find(|i| i.resource_arn == f.resource_arn && i.check_id == f.check_id && i.observed_at == f.observed_at) {
                item.shard = Some(shard.to_string());
            }
            Ok(())
        }
        .boxed()
    }

    fn clear_alert_pending<'a>(&'a self, f: &'a Finding) -> BoxFuture<'a, Result<(), StoreError>> {
        async move {
            self.broken()?;
            let mut items = self.items();
            if let Some(item) = items.iter_mut().find(|i| i.resource_arn == f.resource_arn && i.check_id == f.check_id && i.observed_at == f.observed_at) {
                item.alert_pending = false;
            }
            Ok(())
        }
        .boxed()
    }

    fn active<'a>(&'a self, types: &'a [ResourceType], account: Option<&'a str>) -> BoxFuture<'a, Result<Vec<Finding>, StoreError>> {
        async move {
            self.broken()?;
            Ok(self
                .items()
                .iter()
                .filter(|f| f.status != Status::Resolved && account.is_none_or(|a| f.account_id == a) && types.contains(&f.resource_type))
                .cloned()
                .collect())
        }
        .boxed()
    }

    fn exports_due<'a>(&'a self, account: &'a str) -> BoxFuture<'a, Result<Vec<Finding>, StoreError>> {
        async move {
            self.broken()?;
            Ok(self.items().iter().filter(|f| f.export_due.as_deref() == Some(account)).cloned().collect())
        }
        .boxed()
    }

    fn settle_exports<'a>(&'a self, f: &'a Finding, pending: &'a [String]) -> BoxFuture<'a, Result<(), StoreError>> {
        async move {
            self.broken()?;
            let mut items = self.items();
            if let Some(item) = items.iter_mut().find(|i| i.resource_arn == f.resource_arn && i.check_id == f.check_id && i.observed_at == f.observed_at) {
                item.set_exports_pending(pending.to_vec());
            }
            Ok(())
        }
        .boxed()
    }
}

/// Alerts kept in memory; can be told to refuse deliveries.
#[derive(Debug, Default)]
pub struct MemorySink {
    pub delivered: Mutex<Vec<Alert>>,
    /// While set, every publish fails with this error and delivers nothing.
    pub refuse: Mutex<Option<AwsError>>,
}

impl AlertSink for MemorySink {
    fn name(&self) -> &str {
        "memory"
    }

    fn publish<'a>(&'a self, alerts: &'a [Alert]) -> BoxFuture<'a, (Vec<Finding>, Option<AwsError>)> {
        async move {
            if let Some(e) = self.refuse.lock().unwrap_or_else(|p| p.into_inner()).clone() {
                return (Vec::new(), Some(e));
            }
            self.delivered.lock().unwrap_or_else(|p| p.into_inner()).extend(alerts.iter().cloned());
            (alerts.iter().map(|a| a.finding.clone()).collect(), None)
        }
        .boxed()
    }
}

/// Exports kept in memory; can be told to refuse them, or to accept only some.
#[derive(Debug)]
pub struct MemoryExports {
    pub name: &'static str,
    /// Every accepted finding, in order.
    pub accepted: Mutex<Vec<Finding>>,
    /// While set, every export fails with this error and nothing is accepted.
    pub refuse: Mutex<Option<AwsError>>,
    /// Refuses the findings of these resources (by id): a partial failure.
    pub refuse_ids: Mutex<Vec<String>>,
}

impl MemoryExports {
    pub fn new(name: &'static str) -> Self {
        MemoryExports { name, accepted: Mutex::default(), refuse: Mutex::default(), refuse_ids: Mutex::default() }
    }

    pub fn accepted(&self) -> Vec<Finding> {
        self.accepted.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }
}

impl ExportSink for MemoryExports {
    fn name(&self) -> &'static str {
        self.name
    }

    fn export<'a>(&'a self, findings: &'a [Finding]) -> BoxFuture<'a, (Vec<usize>, Option<AwsError>)> {
        async move {
            if let Some(e) = self.refuse.lock().unwrap_or_else(|p| p.into_inner()).clone() {
                return (Vec::new(), Some(e));
            }
            let refused = self.refuse_ids.lock().unwrap_or_else(|p| p.into_inner()).clone();
            let mut ok = Vec::new();
            let mut error = None;
            for (i, f) in findings.iter().enumerate() {
                if refused.contains(&f.resource_id) {
                    error.get_or_insert_with(|| AwsError {
                        operation: crate::error::Operation { service: "memory", name: "Export" },
                        kind: crate::error::AwsErrorKind::Other,
                        code: Some("Refused".into()),
                        message: "refused".into(),
                    });
                } else {
                    self.accepted.lock().unwrap_or_else(|p| p.into_inner()).push(f.clone());
                    ok.push(i);
                }
            }
            (ok, error)
        }
        .boxed()
    }
}
