//! Proves the function's role is least-privilege: every AWS operation the code performed anywhere
//! in the test suite (recorded through `VIGIL_OPS_LOG`) is granted by the template, and the template
//! grants nothing that no test exercised.
//!
//! scripts/test runs the suite with `VIGIL_OPS_LOG` set, then runs this test last.

mod common;

use common::*;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// SDK operation → the IAM actions that authorize it: every service's table and vigil's own.
fn iam_actions() -> Vec<(&'static str, &'static [&'static str])> {
    let services = vigil::services::all().iter().flat_map(|s| s.info().permissions.iter().copied());
    services.chain(vigil::aws::OWN_PERMISSIONS.iter().copied()).collect()
}

/// Actions the Lambda platform performs with the function's role, not vigil's code.
const PLATFORM_ACTIONS: &[(&str, &str)] = &[
    ("logs:CreateLogStream", "the Lambda runtime creates the function's log streams"),
    ("logs:PutLogEvents", "the Lambda runtime writes the function's logs"),
    ("sqs:SendMessage", "Lambda sends failed async invocations to the dead-letter queue (encrypted with vigil's key)"),
];

fn as_list(v: &Value) -> Vec<String> {
    match v {
        Value::String(s) => vec![s.clone()],
        Value::Array(a) => a.iter().filter_map(|x| x.as_str().map(str::to_string)).collect(),
        _ => Vec::new(),
    }
}

/// Every action the function's role allows.
fn granted_actions(t: &Value) -> BTreeSet<String> {
    let role = &t["Resources"]["FunctionRole"];
    assert_eq!(role["Type"], "AWS::IAM::Role");
    assert!(role["Properties"].get("ManagedPolicyArns").is_none(), "no managed policies on the role");
    let function = &t["Resources"]["AuditorFunction"]["Properties"];
    assert!(function.get("Policies").is_none(), "SAM policies would add a generated role");
    assert_eq!(function["Role"]["Fn::GetAtt"][0], "FunctionRole");
    let mut out = BTreeSet::new();
    for policy in role["Properties"]["Policies"].as_array().unwrap() {
        for stmt in policy["PolicyDocument"]["Statement"].as_array().unwrap() {
            assert_eq!(stmt["Effect"], "Allow");
            assert!(stmt.get("NotAction").is_none(), "NotAction grants everything else");
            for action in as_list(&stmt["Action"]) {
                assert!(action != "*" && !action.ends_with(":*"), "wildcard action {action}");
                out.insert(action);
            }
        }
    }
    out
}

#[test]
fn mapping_table_has_no_duplicates() {
    let mut seen = BTreeSet::new();
    for (op, _) in iam_actions() {
        assert!(seen.insert(op), "{op} listed twice");
    }
}

#[test]
#[ignore = "run by scripts/test after the whole suite has recorded its AWS operations"]
fn template_role_grants_exactly_what_the_code_uses() {
    let log = std::env::var("VIGIL_OPS_LOG").expect("VIGIL_OPS_LOG names the recorded-operations file");
    let text = std::fs::read_to_string(&log).expect("recorded operations");
    let recorded: BTreeSet<&str> = text.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
    assert!(!recorded.is_empty(), "no operations were recorded");
    let table: BTreeMap<&str, &[&str]> = iam_actions().into_iter().collect();

    let mut needed = BTreeSet::new();
    for op in &recorded {
        let actions = table.get(op).unwrap_or_else(|| panic!("{op} is performed but not mapped: add its IAM action to its service's PERMISSIONS"));
        needed.extend(actions.iter().map(|a| a.to_string()));
    }
    let granted = granted_actions(&template());
    let missing: Vec<&String> = needed.difference(&granted).collect();
    assert!(missing.is_empty(), "the code needs actions the template does not grant: {missing:?}");

    let platform: BTreeSet<String> = PLATFORM_ACTIONS.iter().map(|(a, _)| a.to_string()).collect();
    let unused: Vec<&String> = granted.iter().filter(|a| !needed.contains(*a) && !platform.contains(*a)).collect();
    assert!(unused.is_empty(), "the template grants actions no test exercised: {unused:?} (recorded: {recorded:?})");
    println!("{} operations recorded, {} actions granted, all accounted for", recorded.len(), granted.len());
}

/// KMS is granted on vigil's own key only, and nobody but the account root may administer it.
#[test]
fn kms_actions_are_scoped_to_vigils_key() {
    let t = template();
    let role = &t["Resources"]["FunctionRole"]["Properties"]["Policies"];
    let mut kms = BTreeSet::new();
    for policy in role.as_array().unwrap() {
        for stmt in policy["PolicyDocument"]["Statement"].as_array().unwrap() {
            let actions = as_list(&stmt["Action"]);
            if actions.iter().any(|a| a.starts_with("kms:")) {
                assert!(actions.iter().all(|a| a.starts_with("kms:")), "KMS has its own statement: {stmt}");
                assert_eq!(stmt["Resource"], serde_json::json!({"Fn::GetAtt": ["VigilKey", "Arn"]}), "{stmt}");
                kms.extend(actions);
            }
        }
    }
    let expected: BTreeSet<String> = ["kms:Decrypt", "kms:GenerateDataKey"].map(String::from).into();
    assert_eq!(kms, expected);

    let key = &t["Resources"]["VigilKey"]["Properties"];
    assert_eq!(key["EnableKeyRotation"], true);
    for stmt in key["KeyPolicy"]["Statement"].as_array().unwrap() {
        if as_list(&stmt["Action"]).iter().any(|a| a == "kms:*") {
            let root = &stmt["Principal"]["AWS"]["Fn::Sub"];
            assert_eq!(root, "arn:${AWS::Partition}:iam::${AWS::AccountId}:root", "only the account root administers the key");
        }
    }
    for (name, path) in [
        ("FindingsTable", "/Properties/SSESpecification/KMSMasterKeyId"),
        ("AlertTopic", "/Properties/KmsMasterKeyId"),
        ("FailedInvocationQueue", "/Properties/KmsMasterKeyId"),
    ] {
        assert_eq!(t["Resources"][name].pointer(path), Some(&serde_json::json!({"Ref": "VigilKey"})), "{name}");
    }
    for (name, path) in [("FunctionLogGroup", "/Properties/KmsKeyId"), ("AuditorFunction", "/Properties/KmsKeyArn")] {
        assert_eq!(t["Resources"][name].pointer(path), Some(&serde_json::json!({"Fn::GetAtt": ["VigilKey", "Arn"]})), "{name}");
    }
}
