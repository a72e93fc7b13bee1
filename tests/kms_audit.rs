//! KMS against moto: each key check positive and negative in one seeded account, a hardened key
//! with no finding, and the key events re-reading only the key they name.

mod common;

use aws_sdk_kms::Client;
use common::*;
use serde_json::{json, Value};
use std::collections::BTreeSet;
use vigil::handler::RunOptions;

const KMS_CHECKS: &[&str] = &["kms_key_rotation_disabled", "kms_key_pending_deletion", "kms_key_policy_public", "kms_key_policy_broad_grants"];

fn policy(statements: Value) -> String {
    let mut all = vec![json!({"Sid": "Root", "Effect": "Allow", "Principal": {"AWS": format!("arn:aws:iam::{ACCOUNT}:root")}, "Action": "kms:*", "Resource": "*"})];
    all.extend(statements.as_array().cloned().unwrap_or_default());
    json!({"Version": "2012-10-17", "Statement": all}).to_string()
}

async fn key(kms: &Client, name: &str, rotate: bool) -> String {
    let id = kms.create_key().description(name).send().await.unwrap().key_metadata.unwrap().key_id;
    if rotate {
        kms.enable_key_rotation().key_id(&id).send().await.unwrap();
    }
    id
}

/// (key id, check) of every OPEN finding of the KMS checks.
async fn open(w: &World) -> BTreeSet<(String, String)> {
    w.items()
        .await
        .into_iter()
        .filter(|f| f.status == vigil::findings::Status::Open && KMS_CHECKS.contains(&f.check_id.as_str()))
        .map(|f| (f.resource_id, f.check_id))
        .collect()
}

/// A committed KMS event sample, pointed at `id` in the test region.
fn kms_event(name: &str, id: &str) -> Value {
    let mut e = event(&format!("kms/{name}.json"));
    let arn = format!("arn:aws:kms:{REGION}:{ACCOUNT}:key/{id}");
    e["region"] = json!(REGION);
    e["detail"]["awsRegion"] = json!(REGION);
    e["detail"]["resources"][0]["ARN"] = json!(arn);
    if e["detail"]["requestParameters"].get("keyId").is_some() {
        e["detail"]["requestParameters"]["keyId"] = json!(id);
    }
    if e["detail"]["responseElements"].get("keyMetadata").is_some() {
        e["detail"]["responseElements"]["keyMetadata"]["keyId"] = json!(id);
        e["detail"]["responseElements"]["keyMetadata"]["arn"] = json!(arn);
    }
    e
}

#[tokio::test]
async fn seeded_keys_get_exactly_their_findings_and_a_hardened_key_none() {
    let w = World::new().await;
    let kms = Client::new(&w.sdk);
    let hardened = key(&kms, "hardened", true).await;
    let no_rotation = key(&kms, "no-rotation", false).await;
    let pending = key(&kms, "pending", true).await;
    kms.schedule_key_deletion().key_id(&pending).pending_window_in_days(7).send().await.unwrap();
    let public = key(&kms, "public", true).await;
    let anyone = json!([{"Sid": "Anyone", "Effect": "Allow", "Principal": "*", "Action": "kms:Decrypt", "Resource": "*"}]);
    kms.put_key_policy().key_id(&public).policy_name("default").policy(policy(anyone)).send().await.unwrap();
    let broad = key(&kms, "broad", true).await;
    let lambda = json!([{"Sid": "Fn", "Effect": "Allow", "Principal": {"AWS": format!("arn:aws:iam::{ACCOUNT}:role/fn-role")}, "Action": "kms:*", "Resource": "*"}]);
    kms.put_key_policy().key_id(&broad).policy_name("default").policy(policy(lambda)).send().await.unwrap();
    // Narrowed to the account: AWS's own key policy shape, not public.
    let narrowed = key(&kms, "narrowed", true).await;
    let in_account = json!([{"Sid": "Account", "Effect": "Allow", "Principal": {"AWS": "*"}, "Action": ["kms:Encrypt", "kms:Decrypt"], "Resource": "*",
                             "Condition": {"StringEquals": {"kms:CallerAccount": ACCOUNT}}}]);
    kms.put_key_policy().key_id(&narrowed).policy_name("default").policy(policy(in_account)).send().await.unwrap();

    let vigil = w.vigil(w.only(&["kms"]));
    let r = vigil.handle(&json!({"scan": "full"}), &RunOptions::default()).await.unwrap();
    assert!(r.audit_errors.is_empty(), "{:?}", r.audit_errors);
    let want: BTreeSet<(String, String)> = [
        (no_rotation.clone(), "kms_key_rotation_disabled"),
        (pending.clone(), "kms_key_pending_deletion"),
        (public.clone(), "kms_key_policy_public"),
        (broad.clone(), "kms_key_policy_broad_grants"),
    ]
    .into_iter()
    .map(|(k, c)| (k, c.to_string()))
    .collect();
    assert_eq!(open(&w).await, want);
    assert!(!open(&w).await.iter().any(|(k, _)| k == &hardened || k == &narrowed));
    assert_eq!(r.calls.operations.get("kms:ListKeys"), Some(&1));
    let alerts = w.alerts().await;
    assert_eq!(alerts.iter().filter(|a| a["check_id"] == "kms_key_policy_public").count(), 1, "the public key alerts");

    // PutKeyPolicy makes the hardened key public: only that key is read again, and it alerts once.
    let anyone_admin = json!([{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "kms:*", "Resource": "*"}]);
    kms.put_key_policy().key_id(&hardened).policy_name("default").policy(policy(anyone_admin)).send().await.unwrap();
    let r = vigil.handle(&kms_event("PutKeyPolicy", &hardened), &RunOptions::default()).await.unwrap();
    assert_eq!((r.kind.as_str(), r.resources_audited), ("resources", 1));
    assert_eq!(r.calls.operations.get("kms:DescribeKey"), Some(&1));
    assert_eq!(r.calls.operations.get("kms:ListKeys"), None, "an event lists nothing");
    assert!(open(&w).await.contains(&(hardened.clone(), "kms_key_policy_public".to_string())));
    assert!(open(&w).await.contains(&(hardened.clone(), "kms_key_policy_broad_grants".to_string())), "anyone may administer it");
    assert_eq!(w.alerts().await.iter().filter(|a| a["check_id"] == "kms_key_policy_public").count(), 1);
    let again = vigil.handle(&kms_event("PutKeyPolicy", &hardened), &RunOptions::default()).await.unwrap();
    assert!(again.alerts.is_empty(), "never twice");

    // The other key events: each re-reads its key and settles what changed.
    kms.enable_key_rotation().key_id(&no_rotation).send().await.unwrap();
    vigil.handle(&kms_event("EnableKeyRotation", &no_rotation), &RunOptions::default()).await.unwrap();
    kms.cancel_key_deletion().key_id(&pending).send().await.unwrap();
    vigil.handle(&kms_event("CancelKeyDeletion", &pending), &RunOptions::default()).await.unwrap();
    let still: BTreeSet<String> = open(&w).await.into_iter().filter(|(k, _)| k == &no_rotation || k == &pending).map(|(_, c)| c).collect();
    assert!(still.is_empty(), "{still:?}");
    let created = key(&kms, "created", false).await;
    let r = vigil.handle(&kms_event("CreateKey", &created), &RunOptions::default()).await.unwrap();
    assert_eq!(r.resources_audited, 1);
    assert!(open(&w).await.contains(&(created, "kms_key_rotation_disabled".to_string())));
}

#[tokio::test]
async fn policies_that_decrypt_with_every_key_are_found_and_scoped_ones_are_not() {
    let w = World::new().await;
    let iam = aws_sdk_iam::Client::new(&w.sdk);
    let doc = |statement: Value| json!({"Version": "2012-10-17", "Statement": [statement]}).to_string();
    let every = doc(json!({"Effect": "Allow", "Action": ["kms:Decrypt", "kms:GenerateDataKey"], "Resource": "*"}));
    let one = doc(json!({"Effect": "Allow", "Action": "kms:Decrypt", "Resource": format!("arn:aws:kms:{REGION}:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab")}));
    iam.create_policy().policy_name("decrypt-everything").policy_document(every.clone()).send().await.unwrap();
    iam.create_policy().policy_name("decrypt-one").policy_document(one).send().await.unwrap();
    iam.create_role().role_name("app").assume_role_policy_document(doc(json!({"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}))).send().await.unwrap();
    iam.put_role_policy().role_name("app").policy_name("inline-decrypt").policy_document(every).send().await.unwrap();
    let r = w.vigil(w.only(&["iam"])).handle(&json!({"scan": "full"}), &RunOptions::default()).await.unwrap();
    assert!(r.audit_errors.is_empty(), "{:?}", r.audit_errors);
    let found: BTreeSet<String> = w.items().await.into_iter().filter(|f| f.check_id == "iam_policy_kms_decrypt_all_keys").map(|f| f.resource_id).collect();
    assert_eq!(found, ["app".to_string(), format!("arn:aws:iam::{ACCOUNT}:policy/decrypt-everything")].into_iter().collect(), "the customer managed policy (KMS.1) and the role's inline policy (KMS.2)");
}
