//! A whole organization through the real Lambda runtime emulator: moto's Organizations with four
//! members in two regions, the shard queue in moto's SQS, and this test playing the SQS event
//! source mapping (receive a batch, invoke the handler with it, delete what succeeded, let the
//! rest come back, dead-letter a message after three failed receives).

mod common;

use aws_sdk_organizations::types::OrganizationFeatureSet;
use common::*;
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};
use vigil::findings::Status;

const WEST: &str = "eu-west-1";

/// The SDK configuration of a member account: moto answers calls made with the credentials of
/// an assumed role in that account.
async fn member_sdk(w: &World, account: &str) -> aws_config::SdkConfig {
    let sts = aws_sdk_sts::Client::new(&w.sdk);
    let c = sts
        .assume_role()
        .role_arn(format!("arn:aws:iam::{account}:role/OrganizationAccountAccessRole"))
        .role_session_name("seed")
        .send()
        .await
        .unwrap()
        .credentials
        .unwrap();
    let creds = aws_credential_types::Credentials::new(c.access_key_id, c.secret_access_key, Some(c.session_token), None, "seed");
    w.sdk.to_builder().credentials_provider(aws_credential_types::provider::SharedCredentialsProvider::new(creds)).build()
}

/// SSH open to the world in the default VPC of `region`.
async fn open_ssh(sdk: &aws_config::SdkConfig, region: &str) -> String {
    let ec2 = aws_sdk_ec2::Client::from_conf(aws_sdk_ec2::config::Builder::from(sdk).region(aws_config::Region::new(region.to_string())).build());
    let sg = ec2.create_security_group().group_name("ssh").description("ssh").send().await.unwrap().group_id.unwrap();
    open_to_world(&ec2, &sg, 22).await;
    sg
}

/// What the event source mapping did.
#[derive(Debug, Default)]
struct Drained {
    invocations: usize,
    messages: usize,
    passes: usize,
    failures: usize,
    dead_lettered: Vec<String>,
    responses: Vec<Value>,
}

/// Plays the SQS event source mapping until the queue is empty: batches of up to `batch`, each
/// invoked through the emulator; only the messages named in `batchItemFailures` come back.
async fn drain(w: &World, lambda: &Watch, queue: &str, batch: i32) -> Drained {
    let mut d = Drained::default();
    let mut receives: BTreeMap<String, usize> = BTreeMap::new();
    loop {
        let got = w.sqs.receive_message().queue_url(queue).max_number_of_messages(batch).visibility_timeout(0).send().await.unwrap();
        let messages = got.messages.unwrap_or_default();
        if messages.is_empty() {
            break;
        }
        assert!(d.invocations < 500, "the queue never drains");
        let records: Vec<Value> = messages
            .iter()
            .map(|m| {
                json!({"messageId": m.message_id(), "receiptHandle": m.receipt_handle(), "body": m.body(), "attributes": {},
                       "messageAttributes": {}, "md5OfBody": "", "eventSource": "aws:sqs",
                       "eventSourceARN": format!("arn:aws:sqs:{REGION}:{ACCOUNT}:vigil-shards"), "awsRegion": REGION})
            })
            .collect();
        let file = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(file.path(), json!({"Records": records}).to_string()).unwrap();
        let response = lambda.invoke(file.path().to_str().unwrap());
        d.invocations += 1;
        let failed: BTreeSet<String> = response["batchItemFailures"]
            .as_array()
            .unwrap_or_else(|| panic!("no batchItemFailures: {response}"))
            .iter()
            .map(|f| f["itemIdentifier"].as_str().unwrap().to_string())
            .collect();
        for m in &messages {
            let id = m.message_id().unwrap().to_string();
            d.messages += 1;
            if serde_json::from_str::<Value>(m.body().unwrap()).unwrap()["pass"].as_u64().unwrap_or(0) > 0 {
                d.passes += 1;
            }
            let n = receives.entry(id.clone()).or_default();
            *n += 1;
            if failed.contains(&id) && *n < 3 {
                d.failures += 1;
                continue; // visible again at once (visibility timeout 0)
            }
            if failed.contains(&id) {
                d.dead_lettered.push(m.body().unwrap().to_string());
            }
            w.sqs.delete_message().queue_url(queue).receipt_handle(m.receipt_handle().unwrap()).send().await.unwrap();
        }
        d.responses.push(response);
    }
    d
}

fn open_of(items: &[vigil::findings::Finding], account: &str) -> BTreeSet<(String, String)> {
    items.iter().filter(|f| f.account_id == account && f.status == Status::Open).map(|f| (f.check_id.clone(), f.resource_arn.clone())).collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn an_organization_fans_out_through_the_queue_and_every_member_is_audited() {
    let w = World::new().await;
    let proxy = Proxy::start(&w.moto.endpoint);
    let org = aws_sdk_organizations::Client::new(&w.sdk);
    org.create_organization().feature_set(OrganizationFeatureSet::All).send().await.unwrap();
    let mut members = Vec::new();
    for i in 0..4 {
        let out = org.create_account().email(format!("member{i}@example.com")).account_name(format!("member{i}")).send().await.unwrap();
        members.push(out.create_account_status.unwrap().account_id.unwrap());
    }
    // Three reachable members, each with a public bucket and SSH open in both regions; the
    // fourth has no audit role (its AssumeRole is denied).
    let mut groups = BTreeMap::new();
    for (i, m) in members[..3].iter().enumerate() {
        let sdk = member_sdk(&w, m).await;
        let s3 = aws_sdk_s3::Client::from_conf(aws_sdk_s3::config::Builder::from(&sdk).force_path_style(true).build());
        public_bucket(&s3, &format!("member{i}-public")).await;
        bucket(&s3, &format!("member{i}-private")).await;
        groups.insert(m.clone(), (open_ssh(&sdk, REGION).await, open_ssh(&sdk, WEST).await));
    }
    let unreachable = members[3].clone();
    proxy.inject(json!([{"service": "sts", "operation": "AssumeRole", "fault": "denied", "body_contains": unreachable}]));

    let shards = w.sqs.create_queue().queue_name("vigil-shards").send().await.unwrap().queue_url.unwrap();
    let lambda = Watch::start_with(
        &w,
        &[
            ("AWS_ENDPOINT_URL", proxy.endpoint.as_str()),
            ("ACCOUNTS", "organization"),
            ("REGIONS", &format!("{REGION},{WEST}")),
            ("SERVICES", "s3,ec2"),
            ("SHARD_QUEUE_URL", shards.as_str()),
            // Every pass audits one resource and sends the rest back: continuations all the way.
            ("SHARD_SECONDS", "0"),
        ],
    );

    // The schedule plans: S3 once and EC2 in two regions, for the management account and the
    // three reachable members; the fourth gets its finding instead of shards.
    let plan = lambda.invoke("other/scheduled-event.json");
    assert_eq!(plan["kind"], "plan", "{plan}");
    assert_eq!((plan["accounts"].as_u64(), plan["shards_sent"].as_u64()), (Some(5), Some(12)), "{plan}");
    let role_missing = w.items().await.into_iter().find(|f| f.check_id == "vigil_member_role_unavailable").expect("its finding");
    assert_eq!((role_missing.account_id.as_str(), role_missing.status), (unreachable.as_str(), Status::Open));
    assert!(role_missing.detail.contains(&format!("arn:aws:iam::{unreachable}:role/vigil-audit")), "{}", role_missing.detail);

    let run = drain(&w, &lambda, &shards, 10).await;
    assert!(run.dead_lettered.is_empty() && run.failures == 0, "{run:?}");
    assert!(run.passes > 12, "shards continued across passes: {run:?}");
    assert!(run.responses.iter().all(|r| r["kind"] == "shards"));

    let items = w.items().await;
    assert!(items.iter().all(|f| f.account_id != unreachable || f.check_id == "vigil_member_role_unavailable"), "nothing read in the unreachable member");
    for (i, m) in members[..3].iter().enumerate() {
        let open = open_of(&items, m);
        let (east, west) = &groups[m];
        assert!(open.contains(&("s3_bucket_public_policy".into(), format!("arn:aws:s3:::member{i}-public"))), "{m}: {open:?}");
        for (region, sg) in [(REGION, east), (WEST, west)] {
            let arn = format!("arn:aws:ec2:{region}:{m}:security-group/{sg}");
            assert!(open.contains(&("ec2_sg_open_high_risk_port".into(), arn.clone())), "{m} {region}: {open:?}");
        }
        assert!(items.iter().filter(|f| f.account_id == *m).all(|f| f.shard.as_deref().is_some_and(|s| s.starts_with(m.as_str()))));
    }
    // Each critical finding alerted once, naming its account and the account's name.
    let alerts = w.alerts().await;
    for (i, m) in members[..3].iter().enumerate() {
        let mine: Vec<&Value> = alerts.iter().filter(|a| a["account_id"] == m.as_str() && a["check_id"] == "s3_bucket_public_policy").collect();
        assert_eq!(mine.len(), 1, "{m}: {alerts:?}");
        assert!(mine[0]["text"].as_str().unwrap().contains(&format!("account {m} (member{i})")), "{}", mine[0]["text"]);
    }

    // The findings equal what a scan of each account on its own gives (in process, no queue).
    let mut own = w.settings();
    own.services = ["s3".to_string(), "ec2".to_string()].into_iter().collect();
    own.regions = vec![REGION.into(), WEST.into()];
    own.table_name = None;
    own.topic_arn = None;
    for m in &members[..3] {
        own.accounts = vigil::member::Accounts::Ids(vec![m.clone()]);
        let alone = w.vigil(own.clone()).handle(&json!({"scan": "full"}), &vigil::handler::RunOptions::default()).await.unwrap();
        let expected: BTreeSet<(String, String)> = alone.findings.iter().filter(|f| f.account_id == *m && f.status == Status::Open).map(|f| (f.check_id.clone(), f.resource_arn.clone())).collect();
        assert_eq!(open_of(&items, m), expected, "{m}");
    }

    // A shard delivered twice changes nothing.
    let before = w.items().await;
    let dup = json!({"account": members[0], "region": REGION, "services": ["ec2"], "plan": "dup"}).to_string();
    w.sqs.send_message().queue_url(&shards).message_body(&dup).send().await.unwrap();
    w.sqs.send_message().queue_url(&shards).message_body(&dup).send().await.unwrap();
    let again = drain(&w, &lambda, &shards, 1).await;
    for r in &again.responses {
        let t = r["transitions"].as_object().unwrap();
        assert!(t.keys().all(|k| k == "still_open"), "{r}");
    }
    assert_eq!(w.items().await, before, "a duplicated shard wrote nothing");
    assert!(w.alerts().await.is_empty());

    // A CloudTrail event from a member re-audits that resource in that account.
    let m0 = &members[0];
    let m0_s3 = aws_sdk_s3::Client::from_conf(aws_sdk_s3::config::Builder::from(&member_sdk(&w, m0).await).force_path_style(true).build());
    bucket_policy(&m0_s3, "member0-private", public_read("member0-private")).await;
    let mut event = common::event("s3/PutBucketPolicy.json");
    event["account"] = json!(m0);
    event["detail"]["recipientAccountId"] = json!(m0);
    event["detail"]["requestParameters"]["bucketName"] = json!("member0-private");
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), event.to_string()).unwrap();
    let audited = lambda.invoke(file.path().to_str().unwrap());
    assert_eq!((audited["kind"].as_str(), audited["resources_audited"].as_u64()), (Some("resources"), Some(1)), "{audited}");
    let f = w.items().await.into_iter().find(|f| f.resource_id == "member0-private" && f.check_id == "s3_bucket_public_policy").unwrap();
    assert_eq!((f.account_id.as_str(), f.status), (m0.as_str(), Status::Open));
    let alerts = w.alerts().await;
    assert_eq!(alerts.len(), 1, "{alerts:?}");
    assert_eq!(alerts[0]["account_id"], m0.as_str());

    // A malformed message is dropped (never retried); a shard whose store write fails is retried
    // by SQS, then dead-lettered, and the other shards of the batch are unaffected.
    w.sqs.send_message().queue_url(&shards).message_body("{\"not\": \"a shard\"}").send().await.unwrap();
    let bad = drain(&w, &lambda, &shards, 10).await;
    assert_eq!((bad.messages, bad.failures, bad.dead_lettered.len()), (1, 0, 0), "{bad:?}");
    proxy.inject(json!([{"service": "dynamodb", "operation": "Query", "fault": "denied"}]));
    w.sqs.send_message().queue_url(&shards).message_body(&dup).send().await.unwrap();
    let broken = drain(&w, &lambda, &shards, 10).await;
    assert_eq!((broken.failures, broken.dead_lettered.len()), (2, 1), "{broken:?}");
    proxy.clear();
}

/// `REGIONS=all` lists every region the account has enabled (EC2 `DescribeRegions`).
#[tokio::test(flavor = "multi_thread")]
async fn regions_all_audits_every_enabled_region() {
    let w = World::new().await;
    let mut settings = w.settings();
    settings.services = ["guardduty".to_string()].into_iter().collect();
    settings.all_regions = true;
    settings.table_name = None;
    settings.topic_arn = None;
    let report = w.vigil(settings).handle(&json!({"scan": "full"}), &vigil::handler::RunOptions::default()).await.unwrap();
    assert!(report.calls.operations.contains_key("ec2:DescribeRegions"), "{:?}", report.calls);
    let regions: BTreeSet<&str> = report.findings.iter().map(|f| f.region.as_str()).collect();
    assert!(regions.len() > 10 && regions.contains(WEST) && regions.contains(REGION), "{regions:?}");
}
