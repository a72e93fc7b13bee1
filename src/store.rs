//! DynamoDB persistence of findings: per-resource reads, conditional per-item writes, GSI queries.
//!
//! Table: partition key `resource_arn`, sort key `check_id`. GSI `by_status_severity`: partition key
//! `status_severity` (`OPEN#CRITICAL`), sort key `opened_at`, so "OPEN findings of severity X, newest
//! first" is one Query.

use crate::aws::classify;
use crate::error::AwsError;
use crate::findings::{Change, Finding, Status};
use crate::model::Severity;
use aws_sdk_dynamodb::types::AttributeValue;
use aws_sdk_dynamodb::Client;
use std::collections::HashMap;

pub const GSI_NAME: &str = "by_status_severity";

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
        let mut out = Vec::new();
        let mut pages = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("resource_arn = :arn")
            .expression_attribute_values(":arn", AttributeValue::S(arn.to_string()))
            .consistent_read(true)
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| classify("dynamodb:Query", &e))?;
            out.extend(decode(page.items())?);
        }
        Ok(out)
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
            Err(e) => Err(classify("dynamodb:PutItem", &e).into()),
        }
    }

    /// Marks a finding's alert as delivered, unless the item moved on meanwhile.
    pub async fn clear_alert_pending(&self, f: &Finding) -> Result<(), StoreError> {
        let res = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("resource_arn", AttributeValue::S(f.resource_arn.clone()))
            .key("check_id", AttributeValue::S(f.check_id.clone()))
            .update_expression("REMOVE alert_pending")
            .condition_expression("observed_at = :obs")
            .expression_attribute_values(":obs", AttributeValue::S(f.observed_at.clone()))
            .send()
            .await;
        match res {
            Ok(_) => Ok(()),
            Err(e) if e.as_service_error().is_some_and(|s| s.is_conditional_check_failed_exception()) => Ok(()),
            Err(e) => Err(classify("dynamodb:UpdateItem", &e).into()),
        }
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
            let page = page.map_err(|e| classify("dynamodb:Query", &e))?;
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

    /// ARNs of resources of one type and account that have OPEN or SUPPRESSED findings.
    pub async fn active_resources(&self, resource_types: &[&str], account: &str) -> Result<Vec<(String, String)>, StoreError> {
        let mut arns = Vec::new();
        for status in [Status::Open, Status::Suppressed] {
            for f in self.list(Some(status), None).await? {
                let pair = (f.resource_type, f.resource_arn);
                if resource_types.contains(&pair.0.as_str()) && f.account_id == account && !arns.contains(&pair) {
                    arns.push(pair);
                }
            }
        }
        Ok(arns)
    }
}

fn decode(items: &[HashMap<String, AttributeValue>]) -> Result<Vec<Finding>, StoreError> {
    serde_dynamo::from_items(items.to_vec()).map_err(|e| StoreError::Decode(e.to_string()))
}
