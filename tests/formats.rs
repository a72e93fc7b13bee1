//! Output formats end to end: a scan of a moto account written as CSV, OCSF and ASFF through the
//! CLI (`--format`, `--out`), from a live scan and from the store, each validated by an
//! implementation that is not vigil's (py-ocsf-models, botocore's Security Hub model, the csv crate).

mod common;

use common::*;
use std::process::Command;

fn validate(kind: &str, path: &std::path::Path) -> String {
    let out = Command::new(venv_bin("python"))
        .arg(repo().join("tests/validate_findings.py"))
        .args([kind, path.to_str().unwrap()])
        .output()
        .expect("run the validator");
    let text = String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{kind} output is not valid:\n{text}");
    text
}

/// The validators are not vacuous: a record missing what OCSF and ASFF require fails them.
#[test]
fn the_validators_reject_broken_records() {
    let dir = tempfile::tempdir().unwrap();
    for (kind, name, text) in [
        ("ocsf", "bad.jsonl", r#"{"class_uid":2003,"severity_id":9,"time":"soon","finding_info":{"title":"t"}}"#),
        ("asff", "bad.json", r#"[{"Id":"x","Title":"t"}]"#),
    ] {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        let out = Command::new(venv_bin("python")).arg(repo().join("tests/validate_findings.py")).args([kind, path.to_str().unwrap()]).output().unwrap();
        assert!(!out.status.success(), "{kind} accepted a broken record");
    }
}

#[tokio::test]
async fn scan_and_findings_write_every_format_and_each_validates() {
    let w = World::new().await;
    let s3 = w.s3();
    public_bucket(&s3, "open-policy").await;
    let iam = aws_sdk_iam::Client::new(&w.sdk);
    iam.create_user().user_name("admin").send().await.unwrap();
    iam.attach_user_policy().user_name("admin").policy_arn("arn:aws:iam::aws:policy/AdministratorAccess").send().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let only = [("SERVICES", "s3,iam")];

    let ocsf = dir.path().join("scan.ocsf.jsonl");
    let (ok, _, err) = cli(&w, &["scan", "--format", "ocsf", "--out", ocsf.to_str().unwrap()], &only);
    assert!(ok, "{err}");
    let records = std::fs::read_to_string(&ocsf).unwrap();
    assert!(records.lines().count() >= 2, "{records}");
    assert!(validate("ocsf", &ocsf).contains("ocsf records valid"));
    let public: serde_json::Value = records.lines().map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()).find(|r| r["compliance"]["control"] == "s3_bucket_public_policy").unwrap();
    assert_eq!(public["finding_info"]["uid"], "vigil:s3_bucket_public_policy:arn:aws:s3:::open-policy");
    assert_eq!((public["class_uid"].as_i64(), public["status_id"].as_i64(), public["severity_id"].as_i64()), (Some(2003), Some(1), Some(5)));

    // The store's findings, in ASFF and CSV.
    let asff = dir.path().join("stored.asff.json");
    let (ok, _, err) = cli(&w, &["findings", "--format", "asff", "--out", asff.to_str().unwrap()], &only);
    assert!(ok, "{err}");
    assert!(validate("asff", &asff).contains("asff records valid"));
    let records: Vec<serde_json::Value> = serde_json::from_slice(&std::fs::read(&asff).unwrap()).unwrap();
    let admin = records.iter().find(|r| r["GeneratorId"] == "vigil/iam_admin_access").expect("admin finding");
    assert_eq!((admin["Resources"][0]["Type"].as_str(), admin["Compliance"]["Status"].as_str()), (Some("AwsIamUser"), Some("FAILED")));

    let (ok, csv, err) = cli(&w, &["findings", "--format", "csv"], &only);
    assert!(ok, "{err}");
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    assert_eq!(reader.headers().unwrap().iter().collect::<Vec<_>>(), vigil::render::csv::COLUMNS);
    assert_eq!(reader.records().count(), records.len(), "one row per stored finding");

    // Fixed: the next scan resolves it, and every format carries the resolution.
    s3.delete_bucket_policy().bucket("open-policy").send().await.unwrap();
    let (ok, _, err) = cli(&w, &["scan", "--format", "json"], &only);
    assert!(ok, "{err}");
    let (ok, out, err) = cli(&w, &["findings", "--status", "RESOLVED", "--format", "ocsf"], &only);
    assert!(ok, "{err}");
    let resolved: serde_json::Value = out.lines().map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()).find(|r| r["compliance"]["control"] == "s3_bucket_public_policy").expect("resolved record");
    assert_eq!((resolved["status_id"].as_i64(), resolved["activity_id"].as_i64(), resolved["compliance"]["status_id"].as_i64()), (Some(4), Some(3), Some(1)));
    let (ok, out, err) = cli(&w, &["findings", "--status", "RESOLVED", "--format", "asff"], &only);
    assert!(ok, "{err}");
    let records: Vec<serde_json::Value> = serde_json::from_str(&out).unwrap();
    assert!(records.iter().any(|r| r["RecordState"] == "ARCHIVED" && r["Compliance"]["Status"] == "PASSED" && r["Workflow"]["Status"] == "RESOLVED"));

    // report --format writes the findings file beside audit.json.
    let (ok, out, err) = cli(&w, &["report", "--out", dir.path().to_str().unwrap(), "--format", "csv"], &only);
    assert!(ok, "{err}");
    assert!(out.contains("findings.csv") && dir.path().join("findings.csv").exists(), "{out}");
}

/// Runs headless Chromium on a page; returns (the DOM after its scripts ran, what it logged).
fn browse(page: &std::path::Path, fragment: &str) -> (String, String) {
    let url = format!("file://{}{fragment}", page.display());
    let out = Command::new("chromium")
        .args(["--headless", "--no-sandbox", "--disable-gpu", "--enable-logging=stderr", "--v=0", "--virtual-time-budget=3000", "--dump-dom", &url])
        .output()
        .expect("run chromium (scripts/test installs it)");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    (String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
}

/// The page's own console output: what its scripts logged or threw (Chromium's own start-up
/// chatter is not the page's).
fn console(log: &str) -> Vec<&str> {
    log.lines().filter(|l| l.contains(":CONSOLE") || l.contains("Uncaught")).collect()
}

#[tokio::test]
async fn html_report_renders_in_a_real_browser() {
    let w = World::new().await;
    let s3 = w.s3();
    public_bucket(&s3, "open-policy").await;
    let iam = aws_sdk_iam::Client::new(&w.sdk);
    iam.create_user().user_name("pivot").send().await.unwrap();
    let pass = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:PassRole","ec2:RunInstances"],"Resource":"*"}]}"#;
    iam.put_user_policy().user_name("pivot").policy_name("pass").policy_document(pass).send().await.unwrap();
    iam.create_user().user_name("old").send().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (ok, out, err) = cli(&w, &["report", "--out", dir.path().to_str().unwrap(), "--format", "html"], &[("SERVICES", "s3,iam")]);
    assert!(ok, "{err}");
    let page = dir.path().join("report.html");
    assert!(out.contains("report.html") && page.exists(), "{out}");
    let findings: Vec<serde_json::Value> = serde_json::from_value(serde_json::from_slice::<serde_json::Value>(&std::fs::read(dir.path().join("audit.json")).unwrap()).unwrap()["findings"].clone()).unwrap();
    let critical = findings.iter().filter(|f| f["severity"] == "CRITICAL").count();
    assert!(critical >= 2 && findings.len() > critical, "{findings:?}");

    let (dom, log) = browse(&page, "");
    assert!(console(&log).is_empty(), "the page logged or threw: {:?}", console(&log));
    assert!(dom.contains(r#"data-ready="true""#), "the page's script ran to the end");
    assert!(dom.contains(&format!("Showing {0} of {0} findings", findings.len())), "every finding is listed");
    assert_eq!(dom.matches(r#"class="finding""#).count(), findings.len());
    assert!(dom.contains("Privilege escalation paths") && dom.contains("PassRole+EC2RunInstances"), "the IAM section");
    assert!(dom.contains("Open findings by severity") && dom.contains(&format!(r#"data-label="CRITICAL" data-count="{critical}""#)), "the severity chart");
    assert!(dom.contains("AWS Foundational Security Best Practices") && dom.contains("CIS AWS Foundations Benchmark"), "compliance per framework");
    assert!(dom.contains("resources audited"), "the run's figures");

    // Filters are applied by the page itself (here preset from the URL, as a shared link would).
    let (dom, log) = browse(&page, "#severity=CRITICAL");
    assert!(console(&log).is_empty(), "{:?}", console(&log));
    assert!(dom.contains(&format!("Showing {critical} of {} findings", findings.len())), "severity filter");
    let (dom, _) = browse(&page, "#q=open-policy");
    let matching = findings
        .iter()
        .filter(|f| ["check_id", "title", "resource_arn", "detail", "account_id", "region"].iter().any(|k| f[*k].as_str().unwrap_or_default().contains("open-policy")))
        .count();
    assert!(matching >= 1 && dom.contains(&format!("Showing {matching} of {} findings", findings.len())), "text filter");
    assert!(!dom.contains(">pivot<"), "the text filter hides other resources");

    // VIGIL_SCREENSHOT=PATH keeps a picture of the page (the README's is made this way).
    if let Some(shot) = std::env::var_os("VIGIL_SCREENSHOT") {
        let arg = format!("--screenshot={}", std::path::PathBuf::from(shot).display());
        let status = Command::new("chromium")
            .args(["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--window-size=1280,1500", &arg, &format!("file://{}", page.display())])
            .status()
            .unwrap();
        assert!(status.success());
    }
}

#[tokio::test]
async fn compliance_reports_from_the_store_and_from_a_live_scan() {
    let w = World::new().await;
    let s3 = w.s3();
    public_bucket(&s3, "open-policy").await;
    bucket(&s3, "locked").await;
    harden(&s3, "locked").await;
    let only = [("SERVICES", "s3,iam")];
    let (ok, _, err) = cli(&w, &["scan"], &only);
    assert!(ok, "{err}");

    // From the store: every CIS v5.0.0 recommendation, judged by the checks that cover it.
    let (ok, out, err) = cli(&w, &["compliance", "--framework", "cis-5.0", "--format", "json"], &only);
    assert!(ok, "{err}");
    let report: serde_json::Value = serde_json::from_str(&out).unwrap();
    let controls = report["controls"].as_array().unwrap();
    assert_eq!(controls.len(), 63);
    let sum = ["passed", "failed", "not_evaluated"].iter().map(|k| report[*k].as_u64().unwrap()).sum::<u64>();
    assert_eq!(sum, 63);
    assert_eq!(report["from"], "findings table");
    let control = |id: &str| controls.iter().find(|c| c["id"] == id).unwrap_or_else(|| panic!("{id}")).clone();
    let bpa = control("2.1.4");
    assert_eq!(bpa["verdict"], "fail", "{bpa}");
    assert!(bpa["failing"].as_array().unwrap().iter().any(|a| a == "arn:aws:s3:::open-policy"), "{bpa}");
    assert!(!bpa["failing"].as_array().unwrap().iter().any(|a| a == "arn:aws:s3:::locked"), "the hardened bucket passes: {bpa}");
    assert_eq!(control("1.1")["verdict"], "not_evaluated");
    assert!(control("1.1")["reason"].as_str().unwrap().starts_with("manual"));
    let ebs = control("5.1.1");
    assert_eq!((ebs["verdict"].as_str(), ebs["reason"].as_str()), (Some("not_evaluated"), Some("service not audited: ec2 (SERVICES)")));
    assert!(controls.iter().any(|c| c["verdict"] == "pass"), "something passes");

    // A live scan, as CSV: one row per FSBP control.
    let (ok, out, err) = cli(&w, &["compliance", "--framework", "fsbp", "--live", "--format", "csv"], &[("SERVICES", "s3")]);
    assert!(ok, "{err}");
    let mut rows = csv::Reader::from_reader(out.as_bytes());
    let rows: Vec<csv::StringRecord> = rows.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), vigil::compliance::Framework::Fsbp.controls().len());
    let s3_2 = rows.iter().find(|r| &r[1] == "S3.2").unwrap();
    assert_eq!(&s3_2[2], "fail");
    assert!(s3_2[5].contains("arn:aws:s3:::open-policy"));
    let iam_4 = rows.iter().find(|r| &r[1] == "IAM.4").unwrap();
    assert_eq!((&iam_4[2], &iam_4[3]), ("not evaluated", "service not audited: iam (SERVICES)"));

    // The table, and the page in a real browser.
    let (ok, table, err) = cli(&w, &["compliance", "--framework", "cis-3.0"], &only);
    assert!(ok, "{err}");
    assert!(table.starts_with("CIS AWS Foundations Benchmark v3.0.0: ") && table.contains("- arn:aws:s3:::open-policy"), "{table}");
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("cis.html");
    let (ok, _, err) = cli(&w, &["compliance", "--framework", "cis-3.0", "--format", "html", "--out", page.to_str().unwrap()], &only);
    assert!(ok, "{err}");
    let (dom, log) = browse(&page, "");
    assert!(console(&log).is_empty(), "{:?}", console(&log));
    assert!(dom.contains("CIS AWS Foundations Benchmark v3.0.0") && dom.contains(r#"<tr class="fail">"#) && dom.contains("arn:aws:s3:::open-policy"));
    assert_eq!(dom.matches("<tr class=").count(), 62, "every recommendation is a row");

    let (ok, _, err) = cli(&w, &["compliance", "--framework", "nist"], &only);
    assert!(!ok && err.contains("expected cis-3.0, cis-5.0 or fsbp"), "{err}");
}
