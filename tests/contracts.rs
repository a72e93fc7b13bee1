//! Contracts that must not drift: `vigil route` on every sample in events/, the generated check
//! catalogue, and the template's EventBridge pattern against the router's event table.

mod common;

use common::*;
use serde_json::Value;
use std::collections::BTreeSet;
use std::process::Command;

fn vigil(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_vigil")).args(args).current_dir(repo()).output().expect("run vigil")
}

#[test]
fn route_gives_the_documented_decision_for_every_event_file() {
    let expected: serde_json::Map<String, Value> =
        serde_json::from_slice(&std::fs::read(repo().join("events/expected.json")).unwrap()).unwrap();
    let mut files = Vec::new();
    // Every folder of events/: one per service, plus other/.
    for folder in std::fs::read_dir(repo().join("events")).unwrap().map(Result::unwrap).filter(|e| e.path().is_dir()) {
        let dir = format!("events/{}", folder.file_name().to_string_lossy());
        for entry in std::fs::read_dir(folder.path()).unwrap() {
            files.push(format!("{dir}/{}", entry.unwrap().file_name().to_string_lossy()));
        }
    }
    files.sort();
    let documented: BTreeSet<String> = expected.keys().map(|k| format!("events/{k}")).collect();
    assert_eq!(files.iter().cloned().collect::<BTreeSet<_>>(), documented, "every sample has a documented decision");
    for file in &files {
        let want = &expected[file.trim_start_matches("events/")];
        let out = vigil(&["route", file]);
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        match want.get("error").and_then(Value::as_str) {
            Some(prefix) => {
                assert!(!out.status.success(), "{file} should be rejected");
                assert!(stderr.contains(prefix), "{file}: {stderr}");
                assert!(stdout.is_empty());
            }
            None => {
                assert!(out.status.success(), "{file}: {stderr}");
                assert_eq!(stdout.lines().count(), 1, "one JSON object on one line");
                let got: Value = serde_json::from_str(&stdout).unwrap();
                assert_eq!(&got, want, "{file}");
            }
        }
    }
}

#[test]
fn every_supported_event_has_a_sample() {
    for (source, name) in vigil::router::supported_events() {
        let dir = source.trim_end_matches(".amazonaws.com");
        assert!(repo().join(format!("events/{dir}/{name}.json")).exists(), "no sample for {name}");
    }
}

#[test]
fn docs_checks_md_is_generated_from_the_catalogue() {
    let out = vigil(&["checks", "--format", "markdown"]);
    assert!(out.status.success());
    let committed = std::fs::read_to_string(repo().join("docs/checks.md")).unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        committed,
        "docs/checks.md is stale: run `vigil checks --format markdown > docs/checks.md`"
    );
}

#[test]
fn checks_table_lists_every_s3_check() {
    let out = String::from_utf8(vigil(&["checks"]).stdout).unwrap();
    for id in [
        "s3_bucket_public_access_block_off",
        "s3_bucket_public_policy",
        "s3_bucket_public_acl",
        "s3_bucket_default_encryption_not_kms",
        "s3_bucket_versioning_disabled",
        "s3_bucket_tls_not_enforced",
        "s3_bucket_cross_account_unconditioned",
    ] {
        assert!(out.contains(id), "{id} missing from `vigil checks`");
    }
}

#[test]
fn template_event_pattern_lists_exactly_the_routed_events() {
    let t = template();
    let pattern = &t["Resources"]["AuditorFunction"]["Properties"]["Events"]["ChangeEvents"]["Properties"]["Pattern"];
    let names: BTreeSet<String> =
        pattern["detail"]["eventName"].as_array().unwrap().iter().map(|v| v.as_str().unwrap().to_string()).collect();
    let routed: BTreeSet<String> = vigil::router::supported_events().into_iter().map(|(_, n)| n.to_string()).collect();
    assert_eq!(names, routed);
    let sources: BTreeSet<String> =
        pattern["detail"]["eventSource"].as_array().unwrap().iter().map(|v| v.as_str().unwrap().to_string()).collect();
    let routed_sources: BTreeSet<String> =
        vigil::router::supported_events().into_iter().map(|(s, _)| s.to_string()).collect();
    assert_eq!(sources, routed_sources);
    let props = &t["Resources"]["AuditorFunction"]["Properties"];
    assert_eq!(props["Runtime"], "provided.al2023");
    assert_eq!(props["Architectures"][0], "arm64");
    assert_eq!(props["MemorySize"], 256);
    assert_eq!(props["Timeout"], 900);
}
