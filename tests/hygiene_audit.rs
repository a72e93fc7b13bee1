//! CIS and FSBP hygiene against moto: instances' metadata service, network ACLs, EBS and RDS
//! snapshots, RDS minor upgrades, S3 account Block Public Access, MFA delete and access logging,
//! IAM users' own policies, CloudShell, the support role, server certificates, the security
//! contact and required tags. Each seeded misconfiguration is found, its hardened twin is not, and
//! the events re-read only what they name.
//!
//! moto cannot produce some states: its credential report has no root row (the root checks are
//! unit-tested on the report parser and the checks), and every server certificate it stores
//! expired in 2012 (the unexpired case is unit-tested).

mod common;

use aws_sdk_ec2::types::{Filter, HttpTokensState, PortRange, RuleAction, Tag, TagSpecification, ResourceType as Ec2Type};
use common::*;
use serde_json::{json, Value};
use std::collections::BTreeSet;
use vigil::findings::Status;
use vigil::handler::RunOptions;

const CHECKS: &[&str] = &[
    "ec2_instance_imdsv1_allowed",
    "ec2_nacl_admin_ports_open",
    "ec2_snapshot_public",
    "rds_snapshot_public",
    "rds_instance_auto_minor_upgrade_disabled",
    "s3_account_public_access_block_off",
    "s3_bucket_mfa_delete_disabled",
    "s3_bucket_access_logging_disabled",
    "iam_user_direct_policies",
    "iam_support_role_missing",
    "iam_server_certificate_expired",
    "iam_cloudshell_full_access_attached",
    "account_security_contact_missing",
    "resource_required_tags_missing",
];

/// (resource id, check) of every OPEN finding of this file's checks.
async fn open(w: &World) -> BTreeSet<(String, String)> {
    w.items()
        .await
        .into_iter()
        .filter(|f| f.status == Status::Open && CHECKS.contains(&f.check_id.as_str()))
        .map(|f| (f.resource_id, f.check_id))
        .collect()
}

fn pair(id: &str, check: &str) -> (String, String) {
    (id.to_string(), check.to_string())
}

/// A committed sample pointed at the test region, with `edit` applied to its detail.
fn sample(path: &str, edit: impl FnOnce(&mut Value)) -> Value {
    let mut e = event(path);
    e["region"] = json!(REGION);
    e["detail"]["awsRegion"] = json!(REGION);
    edit(&mut e["detail"]);
    e
}

fn tag(key: &str, value: &str) -> Tag {
    Tag::builder().key(key).value(value).build()
}

#[tokio::test]
async fn compute_and_data_hygiene_is_found_and_hardened_twins_are_not() {
    let w = World::new().await;
    let ec2 = aws_sdk_ec2::Client::new(&w.sdk);
    let rds = aws_sdk_rds::Client::new(&w.sdk);

    // Instances: moto's default is HttpTokens=optional; the twin requires tokens.
    // The harness starts moto without its default AMIs, and moto does not validate image ids.
    let image = "ami-0abcdef1234567890".to_string();
    let owned = TagSpecification::builder().resource_type(Ec2Type::Instance).tags(tag("owner", "payments")).build();
    let run = |required: bool| {
        let mut req = ec2.run_instances().image_id(&image).min_count(1).max_count(1).tag_specifications(owned.clone());
        if required {
            req = req.metadata_options(aws_sdk_ec2::types::InstanceMetadataOptionsRequest::builder().http_tokens(HttpTokensState::Required).build());
        }
        req.send()
    };
    let open_imds = run(false).await.unwrap().instances()[0].instance_id().unwrap().to_string();
    let hardened = run(true).await.unwrap().instances()[0].instance_id().unwrap().to_string();

    // Network ACLs in a new VPC: one admits SSH from anywhere, its twin denies 22 and 3389 first.
    let vpc = ec2.create_vpc().cidr_block("10.8.0.0/16").send().await.unwrap().vpc().unwrap().vpc_id().unwrap().to_string();
    let acl = |_: &str| ec2.create_network_acl().vpc_id(&vpc).send();
    let ssh_open = acl("open").await.unwrap().network_acl().unwrap().network_acl_id().unwrap().to_string();
    let guarded = acl("guarded").await.unwrap().network_acl().unwrap().network_acl_id().unwrap().to_string();
    let entry = |id: &str, n: i32, allow: bool, protocol: &str, ports: Option<(i32, i32)>| {
        let mut req = ec2
            .create_network_acl_entry()
            .network_acl_id(id)
            .rule_number(n)
            .egress(false)
            .protocol(protocol)
            .rule_action(if allow { RuleAction::Allow } else { RuleAction::Deny })
            .cidr_block("0.0.0.0/0");
        if let Some((from, to)) = ports {
            req = req.port_range(PortRange::builder().from(from).to(to).build());
        }
        req.send()
    };
    entry(&ssh_open, 100, true, "6", Some((22, 22))).await.unwrap();
    entry(&guarded, 50, false, "6", Some((22, 22))).await.unwrap();
    entry(&guarded, 60, false, "6", Some((3389, 3389))).await.unwrap();
    entry(&guarded, 100, true, "-1", None).await.unwrap();
    // The VPC's own default ACL allows everything, as AWS creates it: a finding too.
    let defaults: Vec<String> = ec2
        .describe_network_acls()
        .filters(Filter::builder().name("default").values("true").build())
        .send()
        .await
        .unwrap()
        .network_acls()
        .iter()
        .filter_map(|a| a.network_acl_id().map(str::to_string))
        .collect();

    // EBS snapshots: one public, one shared with a named account only.
    let volume = ec2.create_volume().availability_zone(format!("{REGION}a")).size(1).send().await.unwrap().volume_id().unwrap().to_string();
    let snapshot = |_: &str| ec2.create_snapshot().volume_id(&volume).send();
    let public_snap = snapshot("public").await.unwrap().snapshot_id().unwrap().to_string();
    let shared_snap = snapshot("shared").await.unwrap().snapshot_id().unwrap().to_string();
    share_snapshot(&ec2, &public_snap, None).await;
    share_snapshot(&ec2, &shared_snap, Some("999999999999")).await;

    // RDS: an instance without minor upgrades and its twin; a public snapshot and a private one;
    // a public cluster snapshot.
    let db = |id: &str, minor: bool| {
        rds.create_db_instance()
            .db_instance_identifier(id)
            .db_instance_class("db.t3.micro")
            .engine("postgres")
            .master_username("admin")
            .master_user_password("correct-horse-battery")
            .allocated_storage(20)
            .auto_minor_version_upgrade(minor)
            .storage_encrypted(true)
            .send()
    };
    db("frozen", false).await.unwrap();
    db("patched", true).await.unwrap();
    for (snap, public) in [("frozen-final", true), ("patched-final", false)] {
        let source = if public { "frozen" } else { "patched" };
        rds.create_db_snapshot().db_instance_identifier(source).db_snapshot_identifier(snap).send().await.unwrap();
        if public {
            rds.modify_db_snapshot_attribute().db_snapshot_identifier(snap).attribute_name("restore").values_to_add("all").send().await.unwrap();
        }
    }
    rds.create_db_cluster()
        .db_cluster_identifier("ledger")
        .engine("aurora-postgresql")
        .master_username("admin")
        .master_user_password("correct-horse-battery")
        .send()
        .await
        .unwrap();
    rds.create_db_cluster_snapshot().db_cluster_identifier("ledger").db_cluster_snapshot_identifier("ledger-final").send().await.unwrap();
    rds.modify_db_cluster_snapshot_attribute().db_cluster_snapshot_identifier("ledger-final").attribute_name("restore").values_to_add("all").send().await.unwrap();

    let settings = vigil::config::Settings::from_lookup(|k| (k == "REQUIRED_TAGS").then(|| "owner".to_string())).unwrap();
    let settings = vigil::config::Settings { required_tags: settings.required_tags, ..w.only(&["ec2", "rds"]) };
    let vigil = w.vigil(settings);
    let r = vigil.handle(&json!({"scan": "full"}), &RunOptions::default()).await.unwrap();
    assert!(r.audit_errors.is_empty(), "{:?}", r.audit_errors);
    let found = open(&w).await;
    let mut want: BTreeSet<(String, String)> = [
        pair(&open_imds, "ec2_instance_imdsv1_allowed"),
        pair(&ssh_open, "ec2_nacl_admin_ports_open"),
        pair(&public_snap, "ec2_snapshot_public"),
        pair("frozen", "rds_instance_auto_minor_upgrade_disabled"),
        pair("frozen-final", "rds_snapshot_public"),
        pair("ledger-final", "rds_snapshot_public"),
    ]
    .into_iter()
    .collect();
    want.extend(defaults.iter().map(|id| pair(id, "ec2_nacl_admin_ports_open")));
    let hygiene: BTreeSet<(String, String)> = found.iter().filter(|(_, c)| c != "resource_required_tags_missing").cloned().collect();
    assert_eq!(hygiene, want);
    for twin in [&hardened, &guarded, &shared_snap, &"patched".to_string(), &"patched-final".to_string()] {
        assert!(!hygiene.iter().any(|(id, _)| id == twin), "{twin} is hardened");
    }
    // Required tags: the instances carry `owner`; the untagged snapshots and ACLs do not.
    let untagged: BTreeSet<String> = found.iter().filter(|(_, c)| c == "resource_required_tags_missing").map(|(id, _)| id.clone()).collect();
    assert!(!untagged.contains(&open_imds) && !untagged.contains(&hardened), "{untagged:?}");
    assert!(untagged.contains(&public_snap) && untagged.contains(&ssh_open) && untagged.contains("frozen"), "{untagged:?}");
    assert_eq!(w.alerts().await.iter().filter(|a| a["check_id"] == "ec2_snapshot_public" || a["check_id"] == "rds_snapshot_public").count(), 3, "the public snapshots alert");

    // Events: each re-reads what it names and settles the finding.
    ec2.modify_instance_metadata_options().instance_id(&open_imds).http_tokens(HttpTokensState::Required).send().await.unwrap();
    let e = sample("ec2/ModifyInstanceMetadataOptions.json", |d| d["requestParameters"]["ModifyInstanceMetadataOptionsRequest"]["InstanceId"] = json!(open_imds));
    let r = vigil.handle(&e, &RunOptions::default()).await.unwrap();
    assert_eq!((r.resources_audited, r.calls.operations.get("ec2:DescribeInstances")), (1, Some(&1)));
    assert_eq!(r.calls.operations.get("ec2:DescribeNetworkAcls"), None, "an event reads only its resource");
    assert!(!open(&w).await.contains(&pair(&open_imds, "ec2_instance_imdsv1_allowed")));

    entry(&guarded, 10, true, "6", Some((3389, 3389))).await.unwrap();
    let e = sample("ec2/CreateNetworkAclEntry.json", |d| d["requestParameters"]["networkAclId"] = json!(guarded));
    vigil.handle(&e, &RunOptions::default()).await.unwrap();
    assert!(open(&w).await.contains(&pair(&guarded, "ec2_nacl_admin_ports_open")), "rule 10 allows RDP before rule 60 denies it");

    share_snapshot(&ec2, &shared_snap, None).await;
    let e = sample("ec2/ModifySnapshotAttribute.json", |d| d["requestParameters"]["snapshotId"] = json!(shared_snap));
    let r = vigil.handle(&e, &RunOptions::default()).await.unwrap();
    assert_eq!(r.calls.operations.get("ec2:DescribeSnapshotAttribute"), Some(&1));
    assert!(open(&w).await.contains(&pair(&shared_snap, "ec2_snapshot_public")));
    assert_eq!(r.alerts.len(), 1, "a snapshot made public alerts once");

    ec2.create_tags().resources(&public_snap).tags(tag("owner", "storage")).send().await.unwrap();
    let e = sample("ec2/CreateTags.json", |d| d["requestParameters"]["resourcesSet"]["items"] = json!([{"resourceId": public_snap}]));
    vigil.handle(&e, &RunOptions::default()).await.unwrap();
    assert!(!open(&w).await.contains(&pair(&public_snap, "resource_required_tags_missing")), "tagging settles the tag finding");

    ec2.delete_snapshot().snapshot_id(&public_snap).send().await.unwrap();
    let e = sample("ec2/DeleteSnapshot.json", |d| d["requestParameters"]["snapshotId"] = json!(public_snap));
    vigil.handle(&e, &RunOptions::default()).await.unwrap();
    assert!(!open(&w).await.iter().any(|(id, _)| id == &public_snap), "a deleted snapshot's findings resolve");

    rds.modify_db_snapshot_attribute().db_snapshot_identifier("frozen-final").attribute_name("restore").values_to_remove("all").send().await.unwrap();
    let e = sample("rds/ModifyDBSnapshotAttribute.json", |d| d["requestParameters"]["dBSnapshotIdentifier"] = json!("frozen-final"));
    let r = vigil.handle(&e, &RunOptions::default()).await.unwrap();
    assert_eq!(r.calls.operations.get("rds:DescribeDBInstances"), None, "a snapshot event reads only the snapshot");
    assert!(!open(&w).await.contains(&pair("frozen-final", "rds_snapshot_public")));
}

#[tokio::test]
async fn account_and_identity_hygiene_is_found_and_settled_by_events() {
    let w = World::new().await;
    let s3 = w.s3();
    let iam = aws_sdk_iam::Client::new(&w.sdk);
    // The test's own S3 Control calls are not vigil's: a recorder that logs nothing.
    let test_clients = vigil::aws::Clients::new(&w.sdk, vigil::aws::CallRecorder::default());
    let control = vigil::services::s3::read::control_client(&test_clients);

    // Buckets: one with access logging on; MFA delete is on nowhere.
    for b in ["plain", "logged"] {
        s3.create_bucket().bucket(b).send().await.unwrap();
    }
    // The log bucket lets the log delivery group write, as S3 requires of a logging target.
    s3.create_bucket().bucket("access-logs").acl(aws_sdk_s3::types::BucketCannedAcl::from("log-delivery-write")).send().await.unwrap();
    let logging = aws_sdk_s3::types::LoggingEnabled::builder().target_bucket("access-logs").target_prefix("logged/").build().unwrap();
    s3.put_bucket_logging()
        .bucket("logged")
        .bucket_logging_status(aws_sdk_s3::types::BucketLoggingStatus::builder().logging_enabled(logging).build())
        .send()
        .await
        .unwrap();

    // IAM: a user with its own inline policy and one that holds permissions through a group; a
    // role with CloudShell; no support role; an (expired) server certificate.
    let doc = |statement: Value| json!({"Version": "2012-10-17", "Statement": [statement]}).to_string();
    let read = doc(json!({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}));
    iam.create_user().user_name("solo").send().await.unwrap();
    iam.put_user_policy().user_name("solo").policy_name("own").policy_document(&read).send().await.unwrap();
    iam.create_group().group_name("readers").send().await.unwrap();
    iam.put_group_policy().group_name("readers").policy_name("read").policy_document(&read).send().await.unwrap();
    iam.create_user().user_name("member").send().await.unwrap();
    iam.add_user_to_group().group_name("readers").user_name("member").send().await.unwrap();
    let trust = doc(json!({"Effect": "Allow", "Principal": {"AWS": format!("arn:aws:iam::{ACCOUNT}:root")}, "Action": "sts:AssumeRole"}));
    for role in ["shell", "responders"] {
        iam.create_role().role_name(role).assume_role_policy_document(&trust).send().await.unwrap();
    }
    iam.attach_role_policy().role_name("shell").policy_arn("arn:aws:iam::aws:policy/AWSCloudShellFullAccess").send().await.unwrap();
    iam.upload_server_certificate()
        .server_certificate_name("www-2012")
        .certificate_body("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----")
        .private_key("-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----")
        .send()
        .await
        .unwrap();

    let vigil = w.vigil(w.only(&["s3", "iam", "account"]));
    let r = vigil.handle(&json!({"scan": "full"}), &RunOptions::default()).await.unwrap();
    assert!(r.audit_errors.is_empty(), "{:?}", r.audit_errors);
    let want: BTreeSet<(String, String)> = [
        pair(ACCOUNT, "s3_account_public_access_block_off"),
        pair(ACCOUNT, "iam_support_role_missing"),
        pair(ACCOUNT, "account_security_contact_missing"),
        pair("plain", "s3_bucket_access_logging_disabled"),
        pair("access-logs", "s3_bucket_access_logging_disabled"),
        pair("plain", "s3_bucket_mfa_delete_disabled"),
        pair("logged", "s3_bucket_mfa_delete_disabled"),
        pair("access-logs", "s3_bucket_mfa_delete_disabled"),
        pair("solo", "iam_user_direct_policies"),
        pair("shell", "iam_cloudshell_full_access_attached"),
        pair("www-2012", "iam_server_certificate_expired"),
    ]
    .into_iter()
    .collect();
    assert_eq!(open(&w).await, want);
    assert_eq!(r.calls.operations.get("s3 control:GetPublicAccessBlock"), Some(&1));

    // The account-level events re-read the account, and only it.
    let all_on = aws_sdk_s3control::types::PublicAccessBlockConfiguration::builder()
        .block_public_acls(true)
        .ignore_public_acls(true)
        .block_public_policy(true)
        .restrict_public_buckets(true)
        .build();
    control.put_public_access_block().account_id(ACCOUNT).public_access_block_configuration(all_on).send().await.unwrap();
    let r = vigil.handle(&sample("s3/PutAccountPublicAccessBlock.json", |_| {}), &RunOptions::default()).await.unwrap();
    assert_eq!((r.resources_audited, r.calls.operations.get("s3:ListBuckets")), (1, None));
    assert!(!open(&w).await.contains(&pair(ACCOUNT, "s3_account_public_access_block_off")));

    let account = aws_sdk_account::Client::new(&w.sdk);
    account
        .put_alternate_contact()
        .alternate_contact_type(aws_sdk_account::types::AlternateContactType::Security)
        .name("Security team")
        .title("Security")
        .email_address("security@example.com")
        .phone_number("+10000000000")
        .send()
        .await
        .unwrap();
    vigil.handle(&sample("account/PutAlternateContact.json", |_| {}), &RunOptions::default()).await.unwrap();
    assert!(!open(&w).await.contains(&pair(ACCOUNT, "account_security_contact_missing")));

    iam.attach_role_policy().role_name("responders").policy_arn("arn:aws:iam::aws:policy/AWSSupportAccess").send().await.unwrap();
    let e = sample("iam/AttachRolePolicy.json", |d| {
        d["requestParameters"]["roleName"] = json!("responders");
        d["requestParameters"]["policyArn"] = json!("arn:aws:iam::aws:policy/AWSSupportAccess");
    });
    let r = vigil.handle(&e, &RunOptions::default()).await.unwrap();
    assert_eq!(r.resources_audited, 2, "the role and the account");
    assert!(!open(&w).await.contains(&pair(ACCOUNT, "iam_support_role_missing")));

    s3.put_bucket_logging()
        .bucket("plain")
        .bucket_logging_status(
            aws_sdk_s3::types::BucketLoggingStatus::builder()
                .logging_enabled(aws_sdk_s3::types::LoggingEnabled::builder().target_bucket("access-logs").target_prefix("plain/").build().unwrap())
                .build(),
        )
        .send()
        .await
        .unwrap();
    let r = vigil.handle(&s3_event("PutBucketLogging", "plain"), &RunOptions::default()).await.unwrap();
    assert_eq!(r.calls.operations.get("s3:GetBucketLogging"), Some(&1));
    assert_eq!(r.calls.operations.get("s3:GetBucketPolicy"), None, "only the logging part is re-read");
    assert!(!open(&w).await.contains(&pair("plain", "s3_bucket_access_logging_disabled")));

    iam.delete_server_certificate().server_certificate_name("www-2012").send().await.unwrap();
    let e = sample("iam/DeleteServerCertificate.json", |d| d["requestParameters"]["serverCertificateName"] = json!("www-2012"));
    vigil.handle(&e, &RunOptions::default()).await.unwrap();
    assert!(!open(&w).await.contains(&pair("www-2012", "iam_server_certificate_expired")));
}

#[tokio::test]
async fn functions_and_file_systems_are_judged_and_followed_by_their_events() {
    let w = World::new().await;
    let fns = aws_sdk_lambda::Client::new(&w.sdk);
    let efs = aws_sdk_efs::Client::new(&w.sdk);
    let role = lambda_role(&w).await;
    for (name, runtime) in [("open", "python3.12"), ("url", "python3.12"), ("old", "python3.8"), ("narrowed", "python3.12"), ("private", "python3.13")] {
        create_function(&fns, name, runtime, &role).await;
    }
    fns.add_permission().function_name("open").statement_id("anyone").action("lambda:InvokeFunction").principal("*").send().await.unwrap();
    fns.create_function_url_config().function_name("url").auth_type(aws_sdk_lambda::types::FunctionUrlAuthType::None).send().await.unwrap();
    fns.add_permission()
        .function_name("narrowed")
        .statement_id("uploads")
        .action("lambda:InvokeFunction")
        .principal("s3.amazonaws.com")
        .source_account(ACCOUNT)
        .source_arn("arn:aws:s3:::uploads")
        .send()
        .await
        .unwrap();
    fns.create_function_url_config().function_name("private").auth_type(aws_sdk_lambda::types::FunctionUrlAuthType::AwsIam).send().await.unwrap();
    let plain = efs.create_file_system().creation_token("plain").encrypted(false).send().await.unwrap().file_system_id;
    let sealed = efs.create_file_system().creation_token("sealed").encrypted(true).send().await.unwrap().file_system_id;

    let vigil = w.vigil(w.only(&["lambda", "efs"]));
    let r = vigil.handle(&json!({"scan": "full"}), &RunOptions::default()).await.unwrap();
    assert!(r.audit_errors.is_empty(), "{:?}", r.audit_errors);
    let found: BTreeSet<(String, String)> = w.items().await.into_iter().filter(|f| f.status == Status::Open).map(|f| (f.resource_id, f.check_id)).collect();
    let want: BTreeSet<(String, String)> = [
        pair("open", "lambda_function_public"),
        pair("url", "lambda_function_public"),
        pair("old", "lambda_function_runtime_deprecated"),
        pair(&plain, "efs_filesystem_unencrypted"),
    ]
    .into_iter()
    .collect();
    assert_eq!(found, want, "the narrowed, private and sealed twins have none");
    assert!(!found.iter().any(|(id, _)| id == &sealed));
    assert_eq!(w.alerts().await.iter().filter(|a| a["check_id"] == "lambda_function_public").count(), 2);

    // Events re-read only the function they name.
    fns.remove_permission().function_name("open").statement_id("anyone").send().await.unwrap();
    let e = sample("lambda/RemovePermission20150331v2.json", |d| d["requestParameters"]["functionName"] = json!(format!("arn:aws:lambda:{REGION}:{ACCOUNT}:function:open")));
    let r = vigil.handle(&e, &RunOptions::default()).await.unwrap();
    assert_eq!((r.resources_audited, r.calls.operations.get("lambda:ListFunctions")), (1, None));
    assert!(!w.items().await.iter().any(|f| f.resource_id == "open" && f.status == Status::Open));
    fns.update_function_configuration().function_name("old").runtime(aws_sdk_lambda::types::Runtime::from("python3.13")).send().await.unwrap();
    let e = sample("lambda/UpdateFunctionConfiguration20150331v2.json", |d| d["requestParameters"]["functionName"] = json!("old"));
    vigil.handle(&e, &RunOptions::default()).await.unwrap();
    assert!(!w.items().await.iter().any(|f| f.resource_id == "old" && f.status == Status::Open));
    fns.delete_function().function_name("url").send().await.unwrap();
    let e = sample("lambda/DeleteFunction20150331.json", |d| d["requestParameters"]["functionName"] = json!("url"));
    vigil.handle(&e, &RunOptions::default()).await.unwrap();
    assert!(!w.items().await.iter().any(|f| f.resource_id == "url" && f.status == Status::Open), "a deleted function's findings resolve");
    efs.delete_file_system().file_system_id(&plain).send().await.unwrap();
    let e = sample("elasticfilesystem/DeleteFileSystem.json", |d| d["requestParameters"]["fileSystemId"] = json!(plain));
    vigil.handle(&e, &RunOptions::default()).await.unwrap();
    assert!(!w.items().await.iter().any(|f| f.resource_id == plain && f.status == Status::Open));
}
