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
    assert_eq!((code, out.lines().last()), (0, Some("7 checks evaluated, 0 failed")), "{out}");

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

/// Measurement, not a gate: how the IAM reference changed the write checks' verdicts on AWS's own
/// managed policies. `scripts/managed-policy-verdicts` runs it on the set moto ships.
#[test]
#[ignore = "needs VIGIL_MANAGED_POLICIES; run by scripts/managed-policy-verdicts"]
fn managed_policy_verdicts() {
    use vigil::policy::glob::is_universal;
    use vigil::policy::{Effect, PolicyDocument};
    use vigil::services::iam::checks::policy_wildcard_resource_unconditioned::looks_like_write;
    use vigil::services::iam::simulate;

    let path = std::env::var("VIGIL_MANAGED_POLICIES").expect("VIGIL_MANAGED_POLICIES: a JSON map of policy name to {Document}");
    let all: serde_json::Map<String, serde_json::Value> = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    let settings = vigil::config::Settings::default();
    let ctx = vigil::check::Context::new(&settings, "000000000000", "aws", chrono::Utc::now());
    // The verdict before the reference: any Allow of an action named like a write (or any
    // NotAction) on `*` with no condition.
    let by_verbs = |doc: &PolicyDocument| {
        doc.statements.iter().any(|s| {
            let on_everything = s.resource.as_ref().is_some_and(|r| r.iter().any(|x| is_universal(x)));
            let writes = match (&s.action, &s.not_action) {
                (Some(a), _) => a.iter().any(|x| looks_like_write(x)),
                (None, Some(_)) => true,
                _ => false,
            };
            s.effect == Effect::Allow && !s.has_condition() && on_everything && writes
        })
    };
    let (mut parsed, mut before, mut after, mut unscopable, mut moved) = (0, 0, 0, 0, 0);
    let (mut gained, mut lost): (Vec<String>, Vec<String>) = (Vec::new(), Vec::new());
    for (name, entry) in &all {
        let Ok(doc) = serde_json::from_value::<PolicyDocument>(entry["Document"].clone()) else { continue };
        parsed += 1;
        let old = by_verbs(&doc);
        let p = simulate::offline_principal(vec![(name.clone(), doc)], None, "000000000000");
        let results = simulate::check(&p, &ctx);
        let failed = |id: &str| results.iter().any(|(c, o)| c.id == id && o.is_fail());
        let new = failed("iam_policy_wildcard_resource_unconditioned");
        let detail = results
            .iter()
            .find_map(|(c, o)| match o {
                vigil::check::Outcome::Fail(f) if c.id == "iam_policy_wildcard_resource_unconditioned" => Some(f.detail.clone()),
                _ => None,
            })
            .unwrap_or_default();
        let guessed: Vec<String> = p.permissions.iter().flat_map(|perms| &perms.inline).flat_map(|np| np.document.statements.iter())
            .flat_map(|s| s.action.iter().flat_map(|a| a.iter()))
            .filter(|a| looks_like_write(a) && !vigil::policy::actions::catalogue().matching(a).actions.iter().any(|x| x.levels.changes()))
            .take(3)
            .cloned()
            .collect();
        before += old as usize;
        after += new as usize;
        unscopable += failed("iam_policy_unscopable_write_unconditioned") as usize;
        match (old, new) {
            (false, true) => gained.push(format!("{name}: {}", detail.split(" allows ").nth(1).unwrap_or(&detail))),
            (true, false) if failed("iam_policy_unscopable_write_unconditioned") => moved += 1,
            (true, false) => lost.push(format!("{name}: {} (not writes)", guessed.join(", "))),
            _ => {}
        }
    }
    println!("{parsed} AWS managed policies read ({} in the file)", all.len());
    println!("iam_policy_wildcard_resource_unconditioned: {before} fail by action-name verbs, {after} fail by the IAM reference");
    println!(
        "verdict changed on {} policies: {} now fail; {} now pass, because their writes cannot be limited to a resource \
         (reported by the new check instead): {moved}, because the actions named like writes are reads: {}",
        gained.len() + lost.len() + moved,
        gained.len(),
        lost.len() + moved,
        lost.len()
    );
    println!("iam_policy_unscopable_write_unconditioned (new): {unscopable} fail");
    println!("now fail, e.g.:");
    gained.iter().step_by((gained.len() / 5).max(1)).take(5).for_each(|g| println!("  {g}"));
    println!("now pass, e.g.:");
    lost.iter().step_by((lost.len() / 5).max(1)).take(5).for_each(|l| println!("  {l}"));
    assert!(parsed > 0);
}
