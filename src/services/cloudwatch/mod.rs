//! CloudWatch monitoring: the CIS metric filters and alarms on the log group of a logging
//! multi-region trail (CIS 4.1 to 4.15). Event rows, types and entry points; the collector is
//! `read.rs` (it reads trails through the CloudTrail service), the filter-pattern language
//! `filter.rs`, snapshots `snapshot.rs`, checks `checks/`.

pub mod checks;
pub mod filter;
pub mod read;
pub mod snapshot;

use crate::model::{Arn, ResourceRef, ACCOUNT};
use crate::router::{Effect, EventRule, Focus, Locator, Target};
use crate::service::{account_unit, Read, ReadCx, Scan, Service, ServiceInfo, Subject};
use futures::future::BoxFuture;
use futures::FutureExt;
use snapshot::Monitoring;

const WHOLE: Effect = Effect::Audit(Focus::EVERYTHING);

static EVENTS: &[EventRule] = &[
    EventRule::new("monitoring.amazonaws.com", "PutMetricAlarm", Locator::Account(ACCOUNT), WHOLE),
    EventRule::new("monitoring.amazonaws.com", "DeleteAlarms", Locator::Account(ACCOUNT), WHOLE),
    EventRule::new("logs.amazonaws.com", "PutMetricFilter", Locator::Account(ACCOUNT), WHOLE),
    EventRule::new("logs.amazonaws.com", "DeleteMetricFilter", Locator::Account(ACCOUNT), WHOLE),
    EventRule::new("logs.amazonaws.com", "DeleteLogGroup", Locator::Account(ACCOUNT), WHOLE),
];

impl Subject for Monitoring {}

/// Each operation the collector performs, with the IAM actions that authorize it. (Trails are
/// read through the CloudTrail service, whose table names its operations.)
static OPERATIONS: &[(&str, &[&str])] = &[
    ("cloudwatch logs:DescribeMetricFilters", &["logs:DescribeMetricFilters"]),
    ("cloudwatch:DescribeAlarms", &["cloudwatch:DescribeAlarms"]),
    ("sns:ListSubscriptionsByTopic", &["sns:ListSubscriptionsByTopic"]),
];

static INFO: ServiceInfo = ServiceInfo { name: "cloudwatch", types: &[ACCOUNT], checks: checks::CHECKS, events: EVENTS, global: true, permissions: OPERATIONS };

pub struct CloudWatch;

async fn account(cx: &ReadCx<'_>) -> Read {
    account_unit(cx, read::monitoring(cx).await)
}

impl Service for CloudWatch {
    fn info(&self) -> &'static ServiceInfo {
        &INFO
    }

    /// The account is IAM's to name in an ARN.
    fn parse_arn(&self, _arn: &Arn) -> Option<ResourceRef> {
        None
    }

    fn scan<'a>(&'a self, cx: &'a ReadCx<'a>, _region: &'a str) -> BoxFuture<'a, Scan> {
        async move { Scan::of(account(cx).await) }.boxed()
    }

    fn read<'a>(&'a self, cx: &'a ReadCx<'a>, _target: &'a Target) -> BoxFuture<'a, Vec<Read>> {
        async move { vec![account(cx).await] }.boxed()
    }
}
