//! Accepted risk through the lifecycle, against moto and through the CLI: `vigil suppress` keeps a
//! critical finding SUPPRESSED and silent across audits, shows who and why in every format, and
//! at `--until` the next audit reopens it and alerts; `vigil unsuppress` does the same at once.

mod common;

use common::*;
use serde_json::{json, Value};
use vigil::findings::Status;
use vigil::handler::RunOptions;

const ARN: &str = "arn:aws:s3:::open-policy";
const CHECK: &str = "s3_bucket_public_policy";

#[tokio::test]
async fn accepted_risk_is_silent_until_it_lapses_then_alerts() {
    let w = World::new().await;
    let s3 = w.s3();
    public_bucket(&s3, "open-policy").await;
    let vigil = w.vigil(w.only(&["s3"]));
    let scan = || async { vigil.handle(&json!({"scan": "full"}), &RunOptions::default()).await.unwrap() };
    scan().await;
    let alerted = |alerts: &[Value]| alerts.iter().filter(|a| a["check_id"] == CHECK).count();
    assert_eq!(alerted(&w.alerts().await), 1, "the critical finding alerts once");
    let finding = || async { w.items().await.into_iter().find(|f| f.check_id == CHECK).unwrap() };

    // Nothing to accept for a check that has no finding; a lapse in the past is refused.
    let (ok, _, err) = cli(&w, &["suppress", ARN, "s3_bucket_versioning_disabled_typo", "--reason", "x"], &[]);
    assert!(!ok && err.contains("no finding of s3_bucket_versioning_disabled_typo"), "{err}");
    let (ok, _, err) = cli(&w, &["suppress", ARN, CHECK, "--reason", "x", "--until", "2020-01-01"], &[]);
    assert!(!ok && err.contains("not in the future"), "{err}");

    let (ok, out, err) = cli(&w, &["suppress", ARN, CHECK, "--reason", "CDN origin, reviewed by security", "--until", "2030-01-01"], &[]);
    assert!(ok, "{err}");
    assert!(out.contains("SUPPRESSED, risk accepted by arn:aws:") && out.contains("until 2030-01-01T00:00:00.000Z"), "{out}");
    let f = finding().await;
    let triage = f.triage.clone().expect("who and why are kept");
    assert_eq!((f.status, triage.reason.as_str()), (Status::Suppressed, "CDN origin, reviewed by security"));

    // Audits while it holds: still SUPPRESSED, the acceptance kept, no alert.
    let r = scan().await;
    assert!(r.alerts.is_empty());
    assert_eq!(finding().await.triage, Some(triage.clone()));
    assert_eq!(alerted(&w.alerts().await), 0);

    // Shown wherever the finding is shown.
    let (_, table, _) = cli(&w, &["findings"], &[]);
    assert!(table.contains("[risk accepted: CDN origin"), "{table}");
    let (_, asff, _) = cli(&w, &["findings", "--format", "asff"], &[]);
    let asff: Vec<Value> = serde_json::from_str(&asff).unwrap();
    let note = &asff.iter().find(|r| r["GeneratorId"] == format!("vigil/{CHECK}")).unwrap()["Note"];
    assert!(note["Text"].as_str().unwrap().contains("CDN origin") && note["UpdatedBy"] == triage.by.as_str(), "{note}");
    let (_, ocsf, _) = cli(&w, &["findings", "--format", "ocsf"], &[]);
    assert!(ocsf.contains("risk accepted by"), "{ocsf}");

    // Withdrawn: the audit that follows at once returns it to the lifecycle, and it alerts.
    let (ok, out, err) = cli(&w, &["unsuppress", ARN, CHECK], &[]);
    assert!(ok, "{err}");
    assert!(out.contains("accepted risk withdrawn; now OPEN"), "{out}");
    assert_eq!(alerted(&w.alerts().await), 1, "alerts again");

    // Accepted again until 2030: at its end, the next audit reopens it, and the alert goes out.
    let (ok, _, err) = cli(&w, &["suppress", ARN, CHECK, "--reason", "until the migration", "--until", "2030-01-01"], &[]);
    assert!(ok, "{err}");
    assert!(scan().await.alerts.is_empty());
    let later = chrono::DateTime::parse_from_rfc3339("2030-01-02T00:00:00Z").unwrap().with_timezone(&chrono::Utc);
    let r = vigil.handle(&json!({"scan": "full"}), &RunOptions { as_of: Some(later), ..Default::default() }).await.unwrap();
    assert_eq!(r.alerts.iter().filter(|a| a.finding.check_id == CHECK).count(), 1);
    let f = finding().await;
    assert_eq!((f.status, f.triage.as_ref()), (Status::Open, None));
    assert_eq!(alerted(&w.alerts().await), 1);
}
