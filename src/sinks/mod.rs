//! Transition sinks: where each finding's lifecycle transitions are exported besides the store
//! (Security Hub, EventBridge), and the delivery that keeps a transition owed until its sink
//! accepts it. Alerts (SNS) are `crate::alert`.

pub mod eventbridge;
pub mod securityhub;

use crate::aws::Clients;
use crate::config::Settings;
use crate::engine::ports::{ExportSink, FindingStore};
use crate::error::AwsError;
use crate::findings::Finding;
use std::collections::BTreeMap;

/// The sinks the settings turn on: none by default.
pub fn from_settings(settings: &Settings, clients: &Clients) -> Vec<Box<dyn ExportSink + Send>> {
    let mut out: Vec<Box<dyn ExportSink + Send>> = Vec::new();
    if settings.security_hub {
        out.push(Box::new(securityhub::SecurityHub::new(clients, &settings.regions)));
    }
    if let Some(bus) = &settings.event_bus {
        out.push(Box::new(eventbridge::EventBus::new(clients, bus)));
    }
    out
}

/// Every sink's SDK operations and the IAM actions that authorize them.
pub const PERMISSIONS: &[&[(&str, &[&str])]] = &[securityhub::PERMISSIONS, eventbridge::PERMISSIONS];

/// What one delivery did.
#[derive(Debug, Default)]
pub struct Delivery {
    /// Transitions each sink accepted.
    pub sent: BTreeMap<&'static str, u64>,
    /// Findings that still owe a transition to some sink.
    pub still_owed: u64,
    /// Each sink's first failure.
    pub failures: Vec<(&'static str, AwsError)>,
    /// Store failures while recording what was delivered (the transitions stay owed: sent again).
    pub store_errors: Vec<(String, crate::engine::ports::StoreError)>,
}

/// Sends each finding's transition to every sink that still owes it, then records on each item
/// what remains owed. Newer copies of the same finding win (a finding read from the index may
/// also be among this run's changes).
pub async fn deliver(store: Option<&dyn FindingStore>, sinks: &[&dyn ExportSink], findings: Vec<Finding>) -> Delivery {
    let mut latest: BTreeMap<(String, String), Finding> = BTreeMap::new();
    for f in findings.into_iter().filter(|f| !f.exports_pending.is_empty()) {
        let key = (f.resource_arn.clone(), f.check_id.clone());
        match latest.get(&key) {
            Some(have) if have.observed_at >= f.observed_at => {}
            _ => {
                latest.insert(key, f);
            }
        }
    }
    let findings: Vec<Finding> = latest.into_values().collect();
    let mut owed: Vec<Vec<String>> = findings.iter().map(|f| f.exports_pending.clone()).collect();
    let mut out = Delivery::default();
    for sink in sinks {
        let due: Vec<usize> = (0..findings.len()).filter(|&i| owed[i].iter().any(|s| s == sink.name())).collect();
        if due.is_empty() {
            continue;
        }
        let batch: Vec<Finding> = due.iter().map(|&i| findings[i].clone()).collect();
        let (accepted, error) = sink.export(&batch).await;
        for j in &accepted {
            if let Some(&i) = due.get(*j) {
                owed[i].retain(|s| s != sink.name());
            }
        }
        *out.sent.entry(sink.name()).or_default() += accepted.len() as u64;
        if let Some(e) = error {
            tracing::error!(sink = sink.name(), error = %e, "transitions not exported; they stay owed and are sent again by the next audit");
            out.failures.push((sink.name(), e));
        }
    }
    // A sink that is no longer configured is owed nothing: dropping it keeps the index empty.
    let configured: Vec<&str> = sinks.iter().map(|s| s.name()).collect();
    for (f, remaining) in findings.iter().zip(owed.iter_mut()) {
        remaining.retain(|s| configured.contains(&s.as_str()));
        if *remaining != f.exports_pending {
            if let Some(store) = store {
                if let Err(e) = store.settle_exports(f, remaining).await {
                    out.store_errors.push((f.resource_arn.clone(), e));
                }
            }
        }
        if !remaining.is_empty() {
            out.still_owed += 1;
        }
    }
    out
}
