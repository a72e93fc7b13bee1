//! End to end through the real Lambda runtime emulator: `cargo lambda watch` serves the built
//! `bootstrap`, `cargo lambda invoke` sends events/ files, and the test reads DynamoDB and the
//! alerts SNS delivered to SQS.

mod common;

use common::*;
use vigil::findings::Status;

#[tokio::test(flavor = "multi_thread")]
async fn lambda_handles_schedule_then_one_change_event() {
    let w = World::new().await;
    let s3 = w.s3();
    bucket(&s3, "vigil-demo-reports").await;
    harden(&s3, "vigil-demo-reports").await;
    bucket(&s3, "vigil-demo-open").await;
    s3.put_bucket_acl().bucket("vigil-demo-open").acl(aws_sdk_s3::types::BucketCannedAcl::PublicRead).send().await.unwrap();

    let iam = aws_sdk_iam::Client::new(&w.sdk);
    let trust = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ecs-tasks.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
    iam.create_role().role_name("app-runner").assume_role_policy_document(trust).send().await.unwrap();

    let lambda = Watch::start(&w);

    let scan = lambda.invoke("other/scheduled-event.json");
    assert_eq!(scan["kind"], "full_scan", "{scan}");
    // Two buckets, one role, the account (judged by IAM, by S3's account-level Block Public
    // Access, by its contacts, by CloudTrail's coverage and by the CIS monitoring); moto's default
    // VPC, its default group and network ACL, and the region's settings (EBS by default,
    // GuardDuty, Security Hub, Config).
    assert_eq!(scan["resources_audited"], 15, "{scan}");
    assert_eq!(scan["alerts_sent"], 1);
    let items = w.items().await;
    // Five exposure findings, and MFA delete and access logging (off on every moto bucket).
    let hygiene = ["s3_bucket_mfa_delete_disabled", "s3_bucket_access_logging_disabled"];
    assert_eq!(items.iter().filter(|f| f.resource_id == "vigil-demo-open").count(), 7);
    assert!(
        items.iter().all(|f| f.resource_id != "vigil-demo-reports" || hygiene.contains(&f.check_id.as_str())),
        "the hardened bucket has no exposure finding"
    );
    let alerts = w.alerts().await;
    assert_eq!(alerts.len(), 1);
    assert_eq!(alerts[0]["check_id"], "s3_bucket_public_acl");

    // The change: the hardened bucket gets a public policy, and CloudTrail reports it.
    bucket_policy(&s3, "vigil-demo-reports", public_read("vigil-demo-reports")).await;
    let event = lambda.invoke("s3/PutBucketPolicy.json");
    assert_eq!(event["kind"], "resources", "{event}");
    assert!(event["calls"]["operations"].as_object().unwrap().keys().all(|op| op != "s3:ListBuckets"));
    let alerts = w.alerts().await;
    assert_eq!(alerts.len(), 1, "exactly one new alert: {alerts:?}");
    assert_eq!(alerts[0]["resource_id"], "vigil-demo-reports");
    assert_eq!(alerts[0]["check_id"], "s3_bucket_public_policy");
    let f = w.item("vigil-demo-reports", "s3_bucket_public_policy").await.unwrap();
    assert_eq!(f.status, Status::Open);

    // An IAM change: the role gets AdministratorAccess; only that role is re-read.
    iam.attach_role_policy().role_name("app-runner").policy_arn("arn:aws:iam::aws:policy/AdministratorAccess").send().await.unwrap();
    let event = lambda.invoke("iam/AttachRolePolicy.json");
    assert_eq!(event["resources_audited"], 1, "{event}");
    let ops = event["calls"]["operations"].as_object().unwrap();
    assert!(ops.contains_key("iam:GetRole") && !ops.contains_key("iam:GetAccountAuthorizationDetails"), "{ops:?}");
    let alerts = w.alerts().await;
    assert_eq!(alerts.len(), 1, "{alerts:?}");
    assert_eq!((alerts[0]["resource_id"].as_str(), alerts[0]["check_id"].as_str()), (Some("app-runner"), Some("iam_admin_access")));

    // A network change: RDP opened to the internet on a new group; only that group is re-read.
    let ec2 = aws_sdk_ec2::Client::new(&w.sdk);
    let sg = ec2.create_security_group().group_name("rdp").description("rdp").send().await.unwrap().group_id.unwrap();
    open_to_world(&ec2, &sg, 3389).await;
    let mut change = common::event("ec2/AuthorizeSecurityGroupIngress.json");
    change["region"] = serde_json::json!(REGION);
    change["detail"]["awsRegion"] = serde_json::json!(REGION);
    change["detail"]["requestParameters"]["groupId"] = serde_json::json!(sg);
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), change.to_string()).unwrap();
    let event = lambda.invoke(file.path().to_str().unwrap());
    assert_eq!(event["resources_audited"], 1, "{event}");
    let ops: Vec<&String> = event["calls"]["operations"].as_object().unwrap().keys().filter(|o| o.starts_with("ec2:")).collect();
    assert_eq!(ops, ["ec2:DescribeSecurityGroups"], "{event}");
    let alerts = w.alerts().await;
    assert_eq!(alerts.len(), 1, "{alerts:?}");
    assert_eq!((alerts[0]["resource_id"].as_str(), alerts[0]["check_id"].as_str()), (Some(sg.as_str()), Some("ec2_sg_open_high_risk_port")));

    // Bad and foreign input: answered, not retried, nothing written.
    let before = w.items().await.len();
    // Malformed JSON never reaches the handler: the runtime refuses it with a parse error.
    let err = lambda.try_invoke("other/malformed-json.json").unwrap_err();
    assert!(err.contains("EOF while parsing"), "{err}");
    let missing = lambda.invoke("other/missing-bucket-name.json");
    assert_eq!(missing["status"], "rejected", "{missing}");
    assert!(missing["error"].as_str().unwrap().contains("detail.requestParameters.bucketName"));
    let ignored = lambda.invoke("other/unknown-detail-type.json");
    assert_eq!(ignored["kind"], "ignored");
    assert_eq!(w.items().await.len(), before);
    assert!(w.alerts().await.is_empty());
}

/// Writes an events/ sample, changed by `edit`, to a temporary file for `Watch::invoke`.
fn edited(file: &str, edit: impl FnOnce(&mut serde_json::Value)) -> tempfile::NamedTempFile {
    let mut e = common::event(file);
    e["region"] = serde_json::json!(REGION);
    e["detail"]["awsRegion"] = serde_json::json!(REGION);
    edit(&mut e);
    let f = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(f.path(), e.to_string()).unwrap();
    f
}

/// The changes an intruder makes first (StopLogging, ScheduleKeyDeletion, a public PutKeyPolicy,
/// DeleteDetector), each alerting once, within the invocation that handles
/// its CloudTrail event.
#[tokio::test(flavor = "multi_thread")]
async fn logging_and_key_tampering_alert_once_through_the_lambda() {
    let w = World::new().await;
    let s3 = w.s3();
    bucket(&s3, "trail-logs").await;
    let ct = aws_sdk_cloudtrail::Client::new(&w.sdk);
    ct.create_trail().name("main").s3_bucket_name("trail-logs").is_multi_region_trail(true).enable_log_file_validation(true).send().await.unwrap();
    let all = aws_sdk_cloudtrail::types::EventSelector::builder().read_write_type(aws_sdk_cloudtrail::types::ReadWriteType::All).include_management_events(true).build();
    ct.put_event_selectors().trail_name("main").event_selectors(all).send().await.unwrap();
    ct.start_logging().name("main").send().await.unwrap();
    let kms = aws_sdk_kms::Client::new(&w.sdk);
    let key = kms.create_key().send().await.unwrap().key_metadata.unwrap().key_id;
    kms.enable_key_rotation().key_id(&key).send().await.unwrap();
    let gd = aws_sdk_guardduty::Client::new(&w.sdk);
    let detector = gd.create_detector().enable(true).send().await.unwrap().detector_id.unwrap();

    let lambda = Watch::start_with(&w, &[("ALERT_MIN_SEVERITY", "HIGH"), ("SERVICES", "cloudtrail,kms,guardduty")]);
    let scan = lambda.invoke("other/scheduled-event.json");
    assert_eq!(scan["kind"], "full_scan", "{scan}");
    assert!(w.alerts().await.is_empty(), "nothing HIGH or CRITICAL yet");
    let alerted = |alerts: &[serde_json::Value]| alerts.iter().map(|a| a["check_id"].as_str().unwrap().to_string()).collect::<Vec<_>>();

    // StopLogging on the account's only multi-region trail.
    ct.stop_logging().name("main").send().await.unwrap();
    let trail_arn = format!("arn:aws:cloudtrail:{REGION}:{ACCOUNT}:trail/main");
    let stop = edited("cloudtrail/StopLogging.json", |e| e["detail"]["requestParameters"]["name"] = serde_json::json!(trail_arn));
    let r = lambda.invoke(stop.path().to_str().unwrap());
    assert_eq!(r["resources_audited"], 2, "{r}");
    let mut got = alerted(&w.alerts().await);
    got.sort();
    assert_eq!(got, ["cloudtrail_multi_region_trail_missing", "cloudtrail_trail_not_logging"]);
    lambda.invoke(stop.path().to_str().unwrap());
    assert!(w.alerts().await.is_empty(), "never twice");

    // ScheduleKeyDeletion, then PutKeyPolicy opening the key to anyone.
    let key_arn = format!("arn:aws:kms:{REGION}:{ACCOUNT}:key/{key}");
    let on_key = |file: &str| {
        edited(file, |e| {
            e["detail"]["resources"][0]["ARN"] = serde_json::json!(key_arn);
            e["detail"]["requestParameters"]["keyId"] = serde_json::json!(key);
        })
    };
    kms.schedule_key_deletion().key_id(&key).pending_window_in_days(7).send().await.unwrap();
    lambda.invoke(on_key("kms/ScheduleKeyDeletion.json").path().to_str().unwrap());
    assert_eq!(alerted(&w.alerts().await), ["kms_key_pending_deletion"]);
    kms.cancel_key_deletion().key_id(&key).send().await.unwrap();
    let anyone = serde_json::json!({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": format!("arn:aws:iam::{ACCOUNT}:root")}, "Action": "kms:*", "Resource": "*"},
        {"Effect": "Allow", "Principal": "*", "Action": "kms:Decrypt", "Resource": "*"}]});
    kms.put_key_policy().key_id(&key).policy_name("default").policy(anyone.to_string()).send().await.unwrap();
    let put = on_key("kms/PutKeyPolicy.json");
    lambda.invoke(put.path().to_str().unwrap());
    assert_eq!(alerted(&w.alerts().await), ["kms_key_policy_public"]);
    lambda.invoke(put.path().to_str().unwrap());
    assert!(w.alerts().await.is_empty(), "never twice");

    // DeleteDetector: the region's GuardDuty is read again, and it alerts once.
    gd.delete_detector().detector_id(&detector).send().await.unwrap();
    let delete = edited("guardduty/DeleteDetector.json", |e| e["detail"]["requestParameters"]["detectorId"] = serde_json::json!(detector));
    lambda.invoke(delete.path().to_str().unwrap());
    assert_eq!(alerted(&w.alerts().await), ["guardduty_not_enabled"]);
    lambda.invoke(delete.path().to_str().unwrap());
    assert!(w.alerts().await.is_empty(), "never twice");
}

/// A snapshot and a function made public: each CloudTrail event alerts once, through the Lambda.
#[tokio::test(flavor = "multi_thread")]
async fn a_public_snapshot_and_a_public_function_alert_once_through_the_lambda() {
    let w = World::new().await;
    let ec2 = aws_sdk_ec2::Client::new(&w.sdk);
    let volume = ec2.create_volume().availability_zone(format!("{REGION}a")).size(1).send().await.unwrap().volume_id().unwrap().to_string();
    let snapshot = ec2.create_snapshot().volume_id(&volume).send().await.unwrap().snapshot_id().unwrap().to_string();
    let role = common::lambda_role(&w).await;
    let fns = aws_sdk_lambda::Client::new(&w.sdk);
    common::create_function(&fns, "orders", "python3.12", &role).await;

    let lambda = Watch::start_with(&w, &[("SERVICES", "ec2,lambda")]);
    let scan = lambda.invoke("other/scheduled-event.json");
    assert_eq!(scan["kind"], "full_scan", "{scan}");
    assert!(w.alerts().await.is_empty(), "nothing CRITICAL yet");
    let alerted = |alerts: &[serde_json::Value]| alerts.iter().map(|a| a["check_id"].as_str().unwrap().to_string()).collect::<Vec<_>>();

    common::share_snapshot(&ec2, &snapshot, None).await;
    let shared = edited("ec2/ModifySnapshotAttribute.json", |e| e["detail"]["requestParameters"]["snapshotId"] = serde_json::json!(snapshot));
    let r = lambda.invoke(shared.path().to_str().unwrap());
    assert_eq!(r["resources_audited"], 1, "{r}");
    assert_eq!(alerted(&w.alerts().await), ["ec2_snapshot_public"]);
    lambda.invoke(shared.path().to_str().unwrap());
    assert!(w.alerts().await.is_empty(), "never twice");

    fns.add_permission().function_name("orders").statement_id("public-invoke").action("lambda:InvokeFunction").principal("*").send().await.unwrap();
    let added = edited("lambda/AddPermission20150331v2.json", |e| e["detail"]["requestParameters"]["functionName"] = serde_json::json!("orders"));
    let r = lambda.invoke(added.path().to_str().unwrap());
    assert_eq!(r["resources_audited"], 1, "{r}");
    assert_eq!(alerted(&w.alerts().await), ["lambda_function_public"]);
    lambda.invoke(added.path().to_str().unwrap());
    assert!(w.alerts().await.is_empty(), "never twice");
}
