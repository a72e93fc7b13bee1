//! The CIS monitoring recommendations against moto: a trail delivering to CloudWatch Logs with
//! some metric filters and alarms, some partial, some without a subscriber; each of the fifteen
//! checks judged on the filter patterns themselves (evaluated on sample events), and the
//! monitoring events re-reading only the account's monitoring.

mod common;

use aws_sdk_cloudtrail::types::{EventSelector, ReadWriteType};
use aws_sdk_cloudwatchlogs::types::MetricTransformation;
use common::*;
use serde_json::json;
use std::collections::BTreeSet;
use vigil::findings::Status;
use vigil::handler::RunOptions;
use vigil::services::cloudwatch::checks::RECOMMENDATIONS;

const GROUP: &str = "aws-cloudtrail-logs";

async fn failing(w: &World) -> BTreeSet<String> {
    w.items()
        .await
        .into_iter()
        .filter(|f| f.status == Status::Open && f.check_id.starts_with("cloudwatch_alarm_"))
        .map(|f| f.check_id.trim_start_matches("cloudwatch_alarm_").to_string())
        .collect()
}

async fn detail(w: &World, id: &str) -> String {
    let id = format!("cloudwatch_alarm_{id}");
    w.items().await.into_iter().find(|f| f.check_id == id).unwrap().detail
}

#[tokio::test]
async fn each_recommendation_is_judged_on_its_filter_alarm_and_subscriber() {
    let w = World::new().await;
    bucket(&w.s3(), "trail-logs").await;
    let logs = aws_sdk_cloudwatchlogs::Client::new(&w.sdk);
    logs.create_log_group().log_group_name(GROUP).send().await.unwrap();
    let ct = aws_sdk_cloudtrail::Client::new(&w.sdk);
    ct.create_trail()
        .name("main")
        .s3_bucket_name("trail-logs")
        .is_multi_region_trail(true)
        .cloud_watch_logs_log_group_arn(format!("arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{GROUP}:*"))
        .cloud_watch_logs_role_arn(format!("arn:aws:iam::{ACCOUNT}:role/trail-to-logs"))
        .send()
        .await
        .unwrap();
    ct.put_event_selectors().trail_name("main").event_selectors(EventSelector::builder().read_write_type(ReadWriteType::All).include_management_events(true).build()).send().await.unwrap();
    ct.start_logging().name("main").send().await.unwrap();

    let vigil = w.vigil(w.only(&["cloudwatch"]));
    let scan = || async { vigil.handle(&json!({"scan": "full"}), &RunOptions::default()).await.unwrap() };
    let r = scan().await;
    assert!(r.audit_errors.is_empty(), "{:?}", r.audit_errors);
    assert_eq!(failing(&w).await.len(), 15, "no filter yet: all fifteen fail");

    // A topic with a confirmed subscriber, and one with none.
    let sns = aws_sdk_sns::Client::new(&w.sdk);
    let topic = sns.create_topic().name("security-alerts").send().await.unwrap().topic_arn.unwrap();
    sns.subscribe().topic_arn(&topic).protocol("sqs").endpoint(format!("arn:aws:sqs:{REGION}:{ACCOUNT}:vigil-alert-inbox")).send().await.unwrap();
    let silent = sns.create_topic().name("nobody").send().await.unwrap().topic_arn.unwrap();
    let cw = aws_sdk_cloudwatch::Client::new(&w.sdk);
    let filter = |name: &str, pattern: &str| {
        let (logs, name, pattern) = (logs.clone(), name.to_string(), pattern.to_string());
        async move {
            let t = MetricTransformation::builder().metric_name(&name).metric_namespace("CISBenchmark").metric_value("1").build().unwrap();
            logs.put_metric_filter().log_group_name(GROUP).filter_name(&name).filter_pattern(pattern).metric_transformations(t).send().await.unwrap();
        }
    };
    let alarm = |name: &str, action: &str| {
        let (cw, name, action) = (cw.clone(), name.to_string(), action.to_string());
        async move {
            cw.put_metric_alarm()
                .alarm_name(format!("cis-{name}"))
                .metric_name(&name)
                .namespace("CISBenchmark")
                .statistic(aws_sdk_cloudwatch::types::Statistic::Sum)
                .period(300)
                .evaluation_periods(1)
                .threshold(1.0)
                .comparison_operator(aws_sdk_cloudwatch::types::ComparisonOperator::GreaterThanOrEqualToThreshold)
                .alarm_actions(action)
                .send()
                .await
                .unwrap();
        }
    };
    // Covered end to end, written differently from the reference patterns.
    filter("trail", r#"{($.eventName="StopLogging")||($.eventName="DeleteTrail")||($.eventName="UpdateTrail")||($.eventName="CreateTrail")||($.eventName="StartLogging")}"#).await;
    alarm("trail", &topic).await;
    filter("root", RECOMMENDATIONS[2].example).await;
    alarm("root", &topic).await;
    // A partial filter: four of the five CloudTrail events would not do for 4.5, nor this for 4.7.
    filter("keys", r#"{ ($.eventSource = kms.amazonaws.com) && ($.eventName = DisableKey) }"#).await;
    alarm("keys", &topic).await;
    // Covered, but the alarm tells nobody.
    filter("groups", RECOMMENDATIONS[9].example).await;
    alarm("groups", &silent).await;
    // Covered, with no alarm at all.
    filter("vpcs", RECOMMENDATIONS[13].example).await;

    let r = scan().await;
    assert!(r.audit_errors.is_empty(), "{:?}", r.audit_errors);
    let want: BTreeSet<String> = RECOMMENDATIONS.iter().map(|r| r.id.to_string()).filter(|id| id != "cloudtrail_changes" && id != "root_usage").collect();
    assert_eq!(failing(&w).await, want);
    assert!(detail(&w, "cmk_disable_or_deletion").await.contains("keys does not match kms ScheduleKeyDeletion"));
    assert!(detail(&w, "security_group_changes").await.contains("no SNS topic with a confirmed subscriber"));
    assert!(detail(&w, "vpc_changes").await.contains("has no alarm"));

    // PutMetricFilter completes 4.7: the event re-reads the account's monitoring, nothing else.
    filter("keys", RECOMMENDATIONS[6].example).await;
    let mut e = event("logs/PutMetricFilter.json");
    e["region"] = json!(REGION);
    e["detail"]["awsRegion"] = json!(REGION);
    let r = vigil.handle(&e, &RunOptions::default()).await.unwrap();
    assert_eq!(r.resources_audited, 1);
    assert!(r.calls.operations.keys().all(|o| !o.starts_with("s3:")), "{:?}", r.calls.operations);
    assert!(!failing(&w).await.contains("cmk_disable_or_deletion"));

    // The hardened twin: every recommendation's reference pattern, alarmed to the subscribed
    // topic. All fifteen pass.
    for (i, r) in RECOMMENDATIONS.iter().enumerate() {
        let name = format!("cis-{i}");
        filter(&name, r.example).await;
        alarm(&name, &topic).await;
    }
    let r = scan().await;
    assert!(r.audit_errors.is_empty(), "{:?}", r.audit_errors);
    assert_eq!(failing(&w).await, BTreeSet::new(), "the hardened twin has no monitoring finding");

    // Without a logging multi-region trail nothing is monitored.
    ct.stop_logging().name("main").send().await.unwrap();
    scan().await;
    assert_eq!(failing(&w).await.len(), 15);
    assert!(detail(&w, "root_usage").await.contains("main (not logging)"));
}
