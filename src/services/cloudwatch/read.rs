//! CloudWatch monitoring collection: the trails (through the CloudTrail service), the metric
//! filters of the log groups qualifying trails deliver to (CloudWatch Logs), the region's metric
//! alarms (CloudWatch), and the subscribers of the SNS topics those alarms notify.

use crate::aws::{each_page, Clients};
use crate::error::{AwsError, ReadFailure};
use crate::services::cloudwatch::snapshot::{Alarm, MetricFilter, Monitoring, Watched};
use std::collections::{BTreeMap, BTreeSet};

fn logs(clients: &Clients, region: &str) -> aws_sdk_cloudwatchlogs::Client {
    clients.regional(region, |sdk, recorder| aws_sdk_cloudwatchlogs::Client::from_conf(aws_sdk_cloudwatchlogs::config::Builder::from(sdk).interceptor(recorder.clone()).build()))
}

fn cloudwatch(clients: &Clients, region: &str) -> aws_sdk_cloudwatch::Client {
    clients.regional(region, |sdk, recorder| aws_sdk_cloudwatch::Client::from_conf(aws_sdk_cloudwatch::config::Builder::from(sdk).interceptor(recorder.clone()).build()))
}

fn sns(clients: &Clients, region: &str) -> aws_sdk_sns::Client {
    clients.regional(region, |sdk, recorder| aws_sdk_sns::Client::from_conf(aws_sdk_sns::config::Builder::from(sdk).interceptor(recorder.clone()).build()))
}

/// `arn:aws:logs:REGION:ACCOUNT:log-group:NAME[:*]` → (region, name).
pub fn log_group(arn: &str) -> Option<(String, String)> {
    let fields: Vec<&str> = arn.splitn(7, ':').collect();
    if fields.len() < 7 || fields[2] != "logs" || fields[5] != "log-group" {
        return None;
    }
    let name = fields[6].strip_suffix(":*").unwrap_or(fields[6]);
    (!name.is_empty()).then(|| (fields[3].to_string(), name.to_string()))
}

async fn filters(clients: &Clients, region: &str, group: &str) -> Result<Vec<MetricFilter>, AwsError> {
    let mut out = Vec::new();
    each_page(logs(clients, region).describe_metric_filters().log_group_name(group).into_paginator().send(), |page| {
        out.extend(page.metric_filters().iter().map(|f| MetricFilter {
            name: f.filter_name().unwrap_or_default().to_string(),
            pattern: f.filter_pattern().unwrap_or_default().to_string(),
            metrics: f.metric_transformations().iter().map(|t| (t.metric_namespace().to_string(), t.metric_name().to_string())).collect(),
        }))
    })
    .await?;
    Ok(out)
}

async fn alarms(clients: &Clients, region: &str) -> Result<Vec<Alarm>, AwsError> {
    let mut out = Vec::new();
    each_page(cloudwatch(clients, region).describe_alarms().into_paginator().send(), |page| {
        out.extend(page.metric_alarms().iter().filter_map(|a| {
            Some(Alarm {
                name: a.alarm_name().unwrap_or_default().to_string(),
                namespace: a.namespace()?.to_string(),
                metric: a.metric_name()?.to_string(),
                actions: a.alarm_actions().to_vec(),
            })
        }))
    })
    .await?;
    Ok(out)
}

/// Confirmed subscriptions of a topic (a pending confirmation delivers nothing).
async fn subscribers(clients: &Clients, topic: &str) -> Result<usize, AwsError> {
    let region = topic.split(':').nth(3).unwrap_or_default();
    let mut n = 0;
    each_page(sns(clients, region).list_subscriptions_by_topic().topic_arn(topic).into_paginator().send(), |page| {
        n += page.subscriptions().iter().filter(|s| s.subscription_arn().is_some_and(|a| a.starts_with("arn:"))).count()
    })
    .await?;
    Ok(n)
}

/// Everything the monitoring checks judge. The trails must be listed; other parts that fail are
/// `None` and returned as failures.
pub async fn monitoring(cx: &crate::service::ReadCx<'_>) -> Result<(Monitoring, Vec<ReadFailure>), AwsError> {
    let clients = cx.clients;
    // The run's view of the trails, shared with the CloudTrail service: read once per run.
    let view = crate::services::cloudtrail::read::view(cx).await?;
    let (trails, mut failures) = (&view.0, view.1.clone());
    let mut m = Monitoring {
        trails_read: trails.iter().all(|t| t.covers_the_account().is_some()),
        trails_seen: trails.iter().map(|t| t.shortfall()).collect(),
        watched: Vec::new(),
    };
    let mut alarms_by_region: BTreeMap<String, Option<Vec<Alarm>>> = BTreeMap::new();
    for t in trails.iter().filter(|t| t.covers_the_account() == Some(true)) {
        let Some((region, group)) = t.log_group_arn.as_deref().and_then(log_group) else { continue };
        let fail = |error: AwsError| ReadFailure { resource_arn: t.log_group_arn.clone().unwrap_or_default(), error };
        let filters = match filters(clients, &region, &group).await {
            Ok(f) => Some(f),
            Err(e) => {
                failures.push(fail(e));
                None
            }
        };
        if !alarms_by_region.contains_key(&region) {
            let read = alarms(clients, &region).await.map_err(|e| failures.push(fail(e))).ok();
            alarms_by_region.insert(region.clone(), read);
        }
        let alarms = alarms_by_region[&region].clone();
        // Only the topics of alarms on a metric these filters produce are worth reading.
        let metrics: BTreeSet<(String, String)> = filters.iter().flatten().flat_map(|f| f.metrics.iter().cloned()).collect();
        let topics: BTreeSet<String> = alarms
            .iter()
            .flatten()
            .filter(|a| metrics.contains(&(a.namespace.clone(), a.metric.clone())))
            .flat_map(|a| a.actions.iter().filter(|x| x.contains(":sns:")).cloned())
            .collect();
        let mut subs = BTreeMap::new();
        for topic in topics {
            let n = match subscribers(clients, &topic).await {
                Ok(n) => Some(n),
                Err(e) => {
                    failures.push(ReadFailure { resource_arn: topic.clone(), error: e });
                    None
                }
            };
            subs.insert(topic, n);
        }
        m.watched.push(Watched { trail: t.name.clone(), log_group: group, region, filters, alarms, subscribers: subs });
    }
    Ok((m, failures))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_group_arns_name_their_region_and_group() {
        assert_eq!(log_group("arn:aws:logs:eu-west-1:123456789012:log-group:aws-cloudtrail-logs:*"), Some(("eu-west-1".into(), "aws-cloudtrail-logs".into())));
        assert_eq!(log_group("arn:aws:logs:eu-west-1:123456789012:log-group:/org/trail"), Some(("eu-west-1".into(), "/org/trail".into())));
        assert_eq!(log_group("arn:aws:s3:::bucket"), None);
    }
}
