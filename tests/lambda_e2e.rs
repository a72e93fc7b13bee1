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
    // Two buckets, one role, the account; moto's default VPC, its default group, and the region's
    // EBS setting.
    assert_eq!(scan["resources_audited"], 7, "{scan}");
    assert_eq!(scan["alerts_sent"], 1);
    let items = w.items().await;
    assert_eq!(items.iter().filter(|f| f.resource_id == "vigil-demo-open").count(), 5);
    assert!(items.iter().all(|f| f.resource_id != "vigil-demo-reports"), "the hardened bucket has no findings");
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
    let rdp = aws_sdk_ec2::types::IpPermission::builder()
        .ip_protocol("tcp")
        .from_port(3389)
        .to_port(3389)
        .ip_ranges(aws_sdk_ec2::types::IpRange::builder().cidr_ip("0.0.0.0/0").build())
        .build();
    ec2.authorize_security_group_ingress().group_id(&sg).ip_permissions(rdp).send().await.unwrap();
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
