//! CloudWatch monitoring snapshots: for each log group a qualifying trail delivers to, its metric
//! filters, the alarms on their metrics, and the subscribers of the alarms' SNS topics. Plain
//! data; `None` is "not read".

use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MetricFilter {
    pub name: String,
    pub pattern: String,
    /// (namespace, metric name) of each metric transformation.
    pub metrics: Vec<(String, String)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alarm {
    pub name: String,
    pub namespace: String,
    pub metric: String,
    pub actions: Vec<String>,
}

/// One log group that a logging multi-region trail delivers to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Watched {
    pub trail: String,
    pub log_group: String,
    pub region: String,
    pub filters: Option<Vec<MetricFilter>>,
    /// The region's metric alarms.
    pub alarms: Option<Vec<Alarm>>,
    /// Confirmed subscriptions of each SNS topic an alarm notifies; `None` when not read.
    pub subscribers: BTreeMap<String, Option<usize>>,
}

/// What the CIS monitoring recommendations are judged on.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Monitoring {
    pub watched: Vec<Watched>,
    /// Whether every trail was read (when one was not, and none qualifies, nothing is concluded).
    pub trails_read: bool,
    /// The account's trails as read, for the detail when none qualifies.
    pub trails_seen: Vec<String>,
}
