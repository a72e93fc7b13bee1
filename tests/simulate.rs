//! `vigil simulate`: offline on policy documents (no AWS at all), and on a live user's policies.

mod common;

use common::*;
use std::process::Command;

fn offline(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(vigil_bin()).arg("simulate").args(args).env_clear().env("PATH", std::env::var_os("PATH").unwrap_or_default()).output().unwrap();
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
}

fn policy(dir: &tempfile::TempDir, name: &str, statements: &str) -> String {
    let path = dir.path().join(name);
    std::fs::write(&path, format!(r#"{{"Version":"2012-10-17","Statement":[{statements}]}}"#)).unwrap();
    path.display().to_string()
}

#[test]
fn offline_decisions_and_checks() {
    let dir = tempfile::tempdir().unwrap();
    let ci = policy(&dir, "ci.json", r#"{"Effect":"Allow","Action":["iam:PassRole","ec2:RunInstances"],"Resource":"*"}"#);
    let guard = policy(&dir, "guard.json", r#"{"Effect":"Deny","Action":"iam:PassRole","Resource":"arn:aws:iam::*:role/admin-*"}"#);

    let (code, out, _) = offline(&["--policy", &ci, "--action", "ec2:RunInstances", "--resource", "*"]);
    assert_eq!((code, out.lines().next()), (0, Some("allowed")));
    let (_, out, _) = offline(&["--policy", &ci, "--policy", &guard, "--action", "iam:PassRole", "--resource", "arn:aws:iam::000000000000:role/admin-x"]);
    assert!(out.starts_with("denied explicitly\n  by: inline:") && out.contains("guard.json statement 0"), "{out}");
    let (_, out, _) = offline(&["--policy", &guard, "--action", "s3:GetObject", "--resource", "*", "--format", "json"]);
    assert_eq!(serde_json::from_str::<serde_json::Value>(&out).unwrap(), serde_json::json!({"decision": "implicitly_denied"}));

    // --check: the lint and escalation checks on documents alone; exit 1 when one fails.
    let (code, out, _) = offline(&["--policy", &ci, "--check", "--format", "json"]);
    assert_eq!(code, 1);
    let failed: Vec<serde_json::Value> = serde_json::from_str(&out).unwrap();
    assert!(failed.iter().any(|f| f["check"] == "iam_privilege_escalation" && f["detail"].as_str().unwrap().contains("PassRole+EC2RunInstances")), "{out}");
    let read = policy(&dir, "read.json", r#"{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::reports/*"}"#);
    let (code, out, _) = offline(&["--policy", &read, "--check"]);
    assert_eq!((code, out.lines().last()), (0, Some("5 checks evaluated, 0 failed")), "{out}");

    let (code, _, err) = offline(&["--policy", &dir.path().join("missing.json").display().to_string(), "--check"]);
    assert_eq!(code, 1);
    assert!(err.starts_with("error: cannot read "), "{err}");
}

#[tokio::test]
async fn a_live_users_policies() {
    let w = World::new().await;
    let iam = aws_sdk_iam::Client::new(&w.sdk);
    iam.create_user().user_name("deployer").send().await.unwrap();
    let doc = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:PutObject","Resource":"arn:aws:s3:::artifacts/*"}]}"#;
    iam.put_user_policy().user_name("deployer").policy_name("artifacts").policy_document(doc).send().await.unwrap();
    let arn = format!("arn:aws:iam::{ACCOUNT}:user/deployer");
    let (ok, out, err) = cli(&w, &["simulate", "--principal", &arn, "--action", "s3:PutObject", "--resource", "arn:aws:s3:::artifacts/build.zip"], &[]);
    assert!(ok, "{err}");
    assert_eq!(out, "allowed\n  by: inline:artifacts statement 0\n");
    let (_, out, _) = cli(&w, &["simulate", "--principal", &arn, "--action", "s3:PutObject", "--resource", "arn:aws:s3:::other/x"], &[]);
    assert_eq!(out, "denied implicitly: no statement allows it\n");
    let (ok, _, err) = cli(&w, &["simulate", "--principal", &format!("arn:aws:iam::{ACCOUNT}:user/nobody"), "--check"], &[]);
    assert!(!ok && err.contains("does not exist"), "{err}");
}
