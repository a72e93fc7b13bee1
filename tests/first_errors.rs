//! The first errors a user meets on a laptop: each is one line that names the cause and the fix
//! (`-v` adds the chain). No credentials, no region, expired credentials, an unreachable endpoint,
//! and access denied on one service (with the exact IAM action to grant).

mod common;

use common::*;
use serde_json::json;
use std::process::Command;

/// Runs the CLI with exactly these variables (nothing inherited but PATH), no profile files and
/// no instance metadata.
fn vigil(args: &[&str], env: &[(&str, &str)]) -> (bool, String, String) {
    let home = tempfile::tempdir().unwrap();
    let mut cmd = Command::new(vigil_bin());
    cmd.args(args)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", home.path())
        .env("AWS_CONFIG_FILE", home.path().join("no-config"))
        .env("AWS_SHARED_CREDENTIALS_FILE", home.path().join("no-credentials"))
        .env("AWS_EC2_METADATA_DISABLED", "true");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("run vigil");
    (out.status.success(), String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
}

const KEYS: [(&str, &str); 2] = [("AWS_ACCESS_KEY_ID", "testing"), ("AWS_SECRET_ACCESS_KEY", "testing")];

#[test]
fn no_credentials() {
    let (ok, _, err) = vigil(&["scan"], &[("AWS_REGION", REGION)]);
    assert!(!ok);
    assert_eq!(
        err,
        "error: no AWS credentials found: run `aws configure` or `aws sso login`, set AWS_PROFILE, or export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY\n"
    );
}

#[test]
fn no_region() {
    let (ok, _, err) = vigil(&["scan"], &KEYS);
    assert!(!ok);
    assert_eq!(err, "error: no AWS region is set: export AWS_REGION (for example AWS_REGION=us-east-1), or set a region in your AWS profile\n");
}

#[test]
fn unreachable_endpoint_and_the_verbose_chain() {
    let endpoint = format!("http://127.0.0.1:{}", free_port());
    let env = [KEYS[0], KEYS[1], ("AWS_REGION", REGION), ("AWS_ENDPOINT_URL", endpoint.as_str())];
    let (ok, _, err) = vigil(&["scan"], &env);
    assert!(!ok);
    assert_eq!(
        err,
        format!("error: cannot reach AWS at {endpoint} (sts:GetCallerIdentity): check the network connection, a proxy, or AWS_ENDPOINT_URL\n")
    );
    let (_, _, verbose) = vigil(&["-v", "scan"], &env);
    let lines: Vec<&str> = verbose.lines().collect();
    assert_eq!(lines.len(), 2, "{verbose}");
    assert!(lines[1].starts_with("caused by: ") && lines[1].contains("Connection refused"), "{verbose}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expired_credentials_and_access_denied() {
    let w = World::new().await;
    let proxy = Proxy::start(&w.moto.endpoint);
    let env = [
        KEYS[0],
        KEYS[1],
        ("AWS_REGION", REGION),
        ("AWS_ENDPOINT_URL", proxy.endpoint.as_str()),
        ("TABLE_NAME", w.table.as_str()),
        ("SERVICES", "s3"),
    ];

    proxy.inject(json!([{"service": "sts", "fault": "error", "status": 403, "code": "ExpiredToken"}]));
    let (ok, _, err) = vigil(&["scan"], &env);
    assert!(!ok);
    assert_eq!(err, "error: the AWS credentials have expired: refresh them (for example `aws sso login`, or new temporary credentials) and run again\n");

    // One audited service denied: the scan completes, and its summary names the IAM action.
    proxy.inject(json!([{"service": "s3", "operation": "ListBuckets", "fault": "denied"}]));
    let (ok, out, _) = vigil(&["scan"], &env);
    assert!(ok, "{out}");
    let line = "  AWS::S3::Bucket: access denied to s3:ListBuckets: grant the IAM action s3:ListAllMyBuckets to the identity vigil runs as";
    assert!(out.lines().any(|l| l == line), "{out}");

    // vigil's own store denied: the run fails, saying which action is missing.
    proxy.inject(json!([{"service": "dynamodb", "fault": "denied"}]));
    let (ok, _, err) = vigil(&["scan"], &env);
    assert!(!ok);
    assert_eq!(err, "error: access denied to dynamodb:Query: grant the IAM action dynamodb:Query to the identity vigil runs as\n");
}
