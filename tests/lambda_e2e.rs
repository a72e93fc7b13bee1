//! End to end through the real Lambda runtime emulator: `cargo lambda watch` serves the built
//! `bootstrap`, `cargo lambda invoke` sends events/ files, and the test reads DynamoDB and the
//! alerts SNS delivered to SQS.

mod common;

use common::*;
use serde_json::Value;
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use vigil::findings::Status;

/// `cargo lambda watch`, stopped with its whole process group on drop.
struct Watch {
    child: Child,
    port: u16,
}

impl Watch {
    fn start(w: &World) -> Watch {
        let port = free_port();
        let mut cmd = Command::new(venv_bin("cargo-lambda"));
        cmd.args(["lambda", "watch", "--bin", "bootstrap", "--ignore-changes", "--invoke-port", &port.to_string()])
            .current_dir(repo())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0);
        let mut vars = vec![
            ("AWS_ACCESS_KEY_ID", "testing".to_string()),
            ("AWS_SECRET_ACCESS_KEY", "testing".to_string()),
            ("AWS_REGION", REGION.to_string()),
            ("AWS_ENDPOINT_URL", w.moto.endpoint.clone()),
            ("TABLE_NAME", w.table.clone()),
            ("TOPIC_ARN", w.topic_arn.clone()),
            ("RUST_LOG", "info".to_string()),
        ];
        if let Ok(log) = std::env::var("VIGIL_OPS_LOG") {
            vars.push(("VIGIL_OPS_LOG", log));
        }
        for (k, v) in vars {
            cmd.arg("--env-var").arg(format!("{k}={v}"));
        }
        let child = cmd.spawn().expect("start cargo lambda watch");
        let deadline = Instant::now() + Duration::from_secs(120);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "cargo lambda watch did not listen on {port}");
            std::thread::sleep(Duration::from_millis(200));
        }
        Watch { child, port }
    }

    /// Invokes the function with an events/ file; returns its JSON response.
    fn invoke(&self, file: &str) -> Value {
        self.try_invoke(file).unwrap_or_else(|e| panic!("invoke {file} failed: {e}"))
    }

    /// Invokes and returns the response, or the invocation's error text.
    fn try_invoke(&self, file: &str) -> Result<Value, String> {
        let out = Command::new(venv_bin("cargo-lambda"))
            .args(["lambda", "invoke", "bootstrap", "--invoke-port", &self.port.to_string(), "--output-format", "json"])
            .arg("--data-file")
            .arg(repo().join("events").join(file))
            .output()
            .expect("cargo lambda invoke");
        if !out.status.success() {
            return Err(format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)));
        }
        serde_json::from_slice(&out.stdout).map_err(|e| format!("{e}: {}", String::from_utf8_lossy(&out.stdout)))
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        let _ = Command::new("kill").arg("--").arg(format!("-{}", self.child.id())).status();
        let _ = self.child.wait();
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn lambda_handles_schedule_then_one_change_event() {
    let w = World::new().await;
    let s3 = w.s3();
    bucket(&s3, "vigil-demo-reports").await;
    harden(&s3, "vigil-demo-reports").await;
    bucket(&s3, "vigil-demo-open").await;
    s3.put_bucket_acl().bucket("vigil-demo-open").acl(aws_sdk_s3::types::BucketCannedAcl::PublicRead).send().await.unwrap();

    let lambda = Watch::start(&w);

    let scan = lambda.invoke("other/scheduled-event.json");
    assert_eq!(scan["kind"], "full_scan", "{scan}");
    assert_eq!(scan["resources_audited"], 2);
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
