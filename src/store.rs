//! DynamoDB persistence of findings: per-resource reads, conditional per-item writes, GSI queries.
//!
//! Table: partition key `resource_arn`, sort key `check_id`. GSI `by_status_severity`: partition key
//! `status_severity` (`OPEN#CRITICAL`), sort key `opened_at`, so "OPEN findings of severity X, newest
//! first" is one Query. Sparse GSI `by_export_due`: partition key `export_due` (the account), present
//! only on findings whose latest transition a sink has not accepted, so the transitions still owed
//! are one Query that is empty in the steady state. GSI `by_shard`: partition key `shard`
//! (`account#region`, or `account#global` for the services listed once per account), so a
//! full-scan shard loads every finding it may touch with one paginated Query. An existing table gains it by
//! an in-place update (`UpdateTable` with a `GlobalSecondaryIndexUpdates` Create, which the SAM
//! template does on deploy); items written before it carry no `shard` until their next write, and
//! the account-wide sweep still sees them through `by_status_severity`.

use crate::aws::{classify, each_page};
pub use crate::engine::ports::StoreError;
use crate::engine::ports::FindingStore;
use crate::findings::{Change, Finding, Status};
use crate::model::{ResourceType, Severity};
use aws_sdk_dynamodb::types::AttributeValue;
use aws_sdk_dynamodb::Client;
use futures::future::BoxFuture;
use futures::FutureExt;
use std::collections::HashMap;

pub const GSI_NAME: &str = "by_status_severity";
/// The index of findings by the shard that audits them.
pub const SHARD_GSI_NAME: &str = "by_shard";
/// The sparse index of findings whose transition some sink still owes.
pub const EXPORT_GSI_NAME: &str = "by_export_due";

/// The findings table.
#[derive(Debug, Clone)]
pub struct Store {
    client: Client,
    table: String,
}

impl Store {
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Store { client, table: table.into() }
    }

    /// Every finding of one resource (one Query, paginated).
    pub async fn for_resource(&self, arn: &str) -> Result<Vec<Finding>, StoreError> {
        let mut items = Vec::new();
        let pages = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("resource_arn = :arn")
            .expression_attribute_values(":arn", AttributeValue::S(arn.to_string()))
            .consistent_read(true)
            .into_paginator()
            .send();
        each_page(pages, |page| items.extend(page.items.unwrap_or_default())).await?;
        decode(&items)
    }

    /// Every finding of one shard (one paginated Query on [`SHARD_GSI_NAME`]). The index is
    /// eventually consistent: an item written a moment ago may be missing, in which case its
    /// conditional write fails and the engine re-reads that resource consistently.
    pub async fn for_shard(&self, shard: &str) -> Result<Vec<Finding>, StoreError> {
        let mut items = Vec::new();
        let pages = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(SHARD_GSI_NAME)
            .key_condition_expression("#s = :s")
            .expression_attribute_names("#s", "shard")
            .expression_attribute_values(":s", AttributeValue::S(shard.to_string()))
            .into_paginator()
            .send();
        each_page(pages, |page| items.extend(page.items.unwrap_or_default())).await?;
        decode(&items)
    }

    /// Writes each change as its own conditional PutItem, concurrently: the item must still carry
    /// the `observed_at` that was read (or not exist). Items are independent, so no transaction is
    /// needed. Returns which changes were written; a failed condition is a [`StoreError::Conflict`]
    /// for that change only.
    pub async fn commit(&self, changes: &[Change]) -> Vec<Result<(), StoreError>> {
        futures::future::join_all(changes.iter().map(|c| self.put(c))).await
    }

    async fn put(&self, change: &Change) -> Result<(), StoreError> {
        let item: HashMap<String, AttributeValue> =
            serde_dynamo::to_item(&change.finding).map_err(|e| StoreError::Decode(e.to_string()))?;
        let mut put = self.client.put_item().table_name(&self.table).set_item(Some(item));
        put = match &change.expected_observed_at {
            None => put.condition_expression("attribute_not_exists(resource_arn)"),
            Some(prev) => put
                .condition_expression("observed_at = :prev")
                .expression_attribute_values(":prev", AttributeValue::S(prev.clone())),
        };
        match put.send().await {
            Ok(_) => Ok(()),
            Err(e) if e.as_service_error().is_some_and(|s| s.is_conditional_check_failed_exception()) => {
                Err(StoreError::Conflict)
            }
            Err(e) => Err(classify(&e).into()),
        }
    }

    /// An UpdateItem of the item `f` was read from, on the condition that it still carries the
    /// observation that was read.
    fn update_as_read(&self, f: &Finding) -> aws_sdk_dynamodb::operation::update_item::builders::UpdateItemFluentBuilder {
        self.client
            .update_item()
            .table_name(&self.table)
            .key("resource_arn", AttributeValue::S(f.resource_arn.clone()))
            .key("check_id", AttributeValue::S(f.check_id.clone()))
            .condition_expression("observed_at = :obs")
            .expression_attribute_values(":obs", AttributeValue::S(f.observed_at.clone()))
    }

    /// Sends an [`Store::update_as_read`]: an item that moved on meanwhile is left as it is (its
    /// newer observation carries its own state), which is not an error.
    async fn unless_moved_on(update: aws_sdk_dynamodb::operation::update_item::builders::UpdateItemFluentBuilder) -> Result<(), StoreError> {
        match update.send().await {
            Ok(_) => Ok(()),
            Err(e) if e.as_service_error().is_some_and(|s| s.is_conditional_check_failed_exception()) => Ok(()),
            Err(e) => Err(classify(&e).into()),
        }
    }

    /// Writes the shard key onto an item stored before the shard index existed, unless the
    /// item moved on meanwhile.
    pub async fn set_shard(&self, f: &Finding, shard: &str) -> Result<(), StoreError> {
        let update = self
            .update_as_read(f)
            .update_expression("SET #s = :s")
            .expression_attribute_names("#s", "shard")
            .expression_attribute_values(":s", AttributeValue::S(shard.to_string()));
        Self::unless_moved_on(update).await
    }

    /// Marks a finding's alert as delivered, unless the item moved on meanwhile.
    pub async fn clear_alert_pending(&self, f: &Finding) -> Result<(), StoreError> {
        Self::unless_moved_on(self.update_as_read(f).update_expression("REMOVE alert_pending")).await
    }

    /// Findings with one status and severity, newest first (GSI Query, no Scan).
    pub async fn by_status_severity(
        &self,
        status: Status,
        severity: Severity,
        limit: Option<usize>,
    ) -> Result<Vec<Finding>, StoreError> {
        let mut out = Vec::new();
        let mut pages = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(GSI_NAME)
            .key_condition_expression("status_severity = :k")
            .expression_attribute_values(":k", AttributeValue::S(format!("{}#{}", status.as_str(), severity.as_str())))
            .scan_index_forward(false)
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| classify(&e))?;
            out.extend(decode(page.items())?);
            if limit.is_some_and(|l| out.len() >= l) {
                out.truncate(limit.unwrap_or(usize::MAX));
                break;
            }
        }
        Ok(out)
    }

    /// Findings filtered by status and severity (all when `None`), through the GSI.
    pub async fn list(&self, status: Option<Status>, severity: Option<Severity>) -> Result<Vec<Finding>, StoreError> {
        let statuses: Vec<Status> = status.map(|s| vec![s]).unwrap_or_else(|| Status::ALL.to_vec());
        let severities: Vec<Severity> = severity.map(|s| vec![s]).unwrap_or_else(|| Severity::ALL.to_vec());
        let mut out = Vec::new();
        for st in &statuses {
            for sev in &severities {
                out.extend(self.by_status_severity(*st, *sev, None).await?);
            }
        }
        Ok(out)
    }

    /// OPEN or SUPPRESSED findings of these types, in one account or every account (GSI
    /// Queries, no Scan).
    pub async fn active(&self, types: &[ResourceType], account: Option<&str>) -> Result<Vec<Finding>, StoreError> {
        let mut out = Vec::new();
        for status in [Status::Open, Status::Suppressed] {
            out.extend(
                self.list(Some(status), None)
                    .await?
                    .into_iter()
                    .filter(|f| types.contains(&f.resource_type) && account.is_none_or(|a| f.account_id == a)),
            );
        }
        Ok(out)
    }
}

impl Store {
    /// Findings of one account with a transition still owed to a sink (sparse GSI Query).
    pub async fn exports_due(&self, account: &str) -> Result<Vec<Finding>, StoreError> {
        let mut items = Vec::new();
        let pages = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(EXPORT_GSI_NAME)
            .key_condition_expression("export_due = :a")
            .expression_attribute_values(":a", AttributeValue::S(account.to_string()))
            .into_paginator()
            .send();
        each_page(pages, |page| items.extend(page.items.unwrap_or_default())).await?;
        decode(&items)
    }

    /// Leaves only `pending` owed, unless the item moved on since `f` was read.
    pub async fn settle_exports(&self, f: &Finding, pending: &[String]) -> Result<(), StoreError> {
        let update = if pending.is_empty() {
            self.update_as_read(f).update_expression("REMOVE exports_pending, export_due")
        } else {
            let list = pending.iter().map(|s| AttributeValue::S(s.clone())).collect();
            self.update_as_read(f).update_expression("SET exports_pending = :p").expression_attribute_values(":p", AttributeValue::L(list))
        };
        Self::unless_moved_on(update).await
    }
}

impl FindingStore for Store {
    fn exports_due<'a>(&'a self, account: &'a str) -> BoxFuture<'a, Result<Vec<Finding>, StoreError>> {
        Store::exports_due(self, account).boxed()
    }

    fn settle_exports<'a>(&'a self, f: &'a Finding, pending: &'a [String]) -> BoxFuture<'a, Result<(), StoreError>> {
        Store::settle_exports(self, f, pending).boxed()
    }

    fn for_resource<'a>(&'a self, arn: &'a str) -> BoxFuture<'a, Result<Vec<Finding>, StoreError>> {
        Store::for_resource(self, arn).boxed()
    }

    fn for_shard<'a>(&'a self, shard: &'a str) -> BoxFuture<'a, Result<Vec<Finding>, StoreError>> {
        Store::for_shard(self, shard).boxed()
    }

    fn commit<'a>(&'a self, changes: &'a [Change]) -> BoxFuture<'a, Vec<Result<(), StoreError>>> {
        Store::commit(self, changes).boxed()
    }

    fn clear_alert_pending<'a>(&'a self, f: &'a Finding) -> BoxFuture<'a, Result<(), StoreError>> {
        Store::clear_alert_pending(self, f).boxed()
    }

    fn set_shard<'a>(&'a self, f: &'a Finding, shard: &'a str) -> BoxFuture<'a, Result<(), StoreError>> {
        Store::set_shard(self, f, shard).boxed()
    }

    fn active<'a>(&'a self, types: &'a [ResourceType], account: Option<&'a str>) -> BoxFuture<'a, Result<Vec<Finding>, StoreError>> {
        Store::active(self, types, account).boxed()
    }
}

fn decode(items: &[HashMap<String, AttributeValue>]) -> Result<Vec<Finding>, StoreError> {
    serde_dynamo::from_items(items.to_vec()).map_err(|e| StoreError::Decode(e.to_string()))
}
