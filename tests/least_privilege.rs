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
    let sinks = vigil::sinks::PERMISSIONS.iter().flat_map(|p| p.iter().copied());
    services.chain(vigil::aws::OWN_PERMISSIONS.iter().copied()).chain(sinks).collect()
}

/// Actions the Lambda platform performs with the function's role, not vigil's code.
const PLATFORM_ACTIONS: &[(&str, &str)] = &[
    ("logs:CreateLogStream", "the Lambda runtime creates the function's log streams"),
    ("logs:PutLogEvents", "the Lambda runtime writes the function's logs"),
    ("sqs:SendMessage", "Lambda sends failed async invocations to the dead-letter queue (encrypted with vigil's key)"),
    ("sqs:ReceiveMessage", "the shard queue's event source mapping receives shards for the function"),
    ("sqs:DeleteMessage", "the event source mapping deletes the shards the function settled"),
    ("sqs:GetQueueAttributes", "the event source mapping reads the shard queue's settings"),
];

fn as_list(v: &Value) -> Vec<String> {
    match v {
        Value::String(s) => vec![s.clone()],
        Value::Array(a) => a.iter().filter_map(|x| x.as_str().map(str::to_string)).collect(),
        _ => Vec::new(),
    }
}

/// The role's policies, each with the condition it depends on (`None`: always present). A
/// conditional policy is `Fn::If [condition, policy, AWS::NoValue]`.
fn role_policies(t: &Value) -> Vec<(Option<String>, Value)> {
    t["Resources"]["FunctionRole"]["Properties"]["Policies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| match p.get("Fn::If").and_then(Value::as_array) {
            Some(branches) => {
                assert_eq!(branches[2], serde_json::json!({"Ref": "AWS::NoValue"}), "a conditional policy is absent when off");
                (branches[0].as_str().map(str::to_string), branches[1].clone())
            }
            None => (None, p.clone()),
        })
        .collect()
}

fn policy_actions(policy: &Value) -> BTreeSet<String> {
    policy["PolicyDocument"]["Statement"].as_array().unwrap().iter().flat_map(|stmt| as_list(&stmt["Action"])).collect()
}

/// Every action the function's role allows (with every optional sink on).
fn granted_actions(t: &Value) -> BTreeSet<String> {
    let role = &t["Resources"]["FunctionRole"];
    assert_eq!(role["Type"], "AWS::IAM::Role");
    assert!(role["Properties"].get("ManagedPolicyArns").is_none(), "no managed policies on the role");
    let function = &t["Resources"]["AuditorFunction"]["Properties"];
    assert!(function.get("Policies").is_none(), "SAM policies would add a generated role");
    assert_eq!(function["Role"]["Fn::GetAtt"][0], "FunctionRole");
    let mut out = BTreeSet::new();
    for (_, policy) in role_policies(t) {
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

/// The KMS actions that read a key's configuration (the KMS service's collector): granted on the
/// account's keys, never the use of a key.
const KMS_READS: &[&str] = &["kms:ListKeys", "kms:DescribeKey", "kms:GetKeyRotationStatus", "kms:GetKeyPolicy", "kms:ListResourceTags"];

/// Using a key (decrypt, data keys) is granted on vigil's own key only, and nobody but the account
/// root may administer it.
#[test]
fn kms_actions_are_scoped_to_vigils_key() {
    let t = template();
    let mut kms = BTreeSet::new();
    for (_, policy) in role_policies(&t) {
        for stmt in policy["PolicyDocument"]["Statement"].as_array().unwrap() {
            let actions = as_list(&stmt["Action"]);
            if actions.iter().all(|a| KMS_READS.contains(&a.as_str())) {
                continue;
            }
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

/// Each optional sink's actions are granted only by its own conditional policy, whose condition
/// is the one that sets the sink's variable: a sink that is off needs, and gets, no permission.
#[test]
fn sinks_that_are_off_need_no_permission() {
    let t = template();
    let policies = role_policies(&t);
    let env = &t["Resources"]["AuditorFunction"]["Properties"]["Environment"]["Variables"];
    // (sink's permission table, the condition, the variable, how the variable depends on it)
    let sinks: [(&[(&str, &[&str])], &str, &str); 2] =
        [(vigil::sinks::securityhub::PERMISSIONS, "SecurityHubOn", "SECURITY_HUB"), (vigil::sinks::eventbridge::PERMISSIONS, "HasEventBus", "EVENT_BUS")];
    for (table, condition, var) in sinks {
        let actions: BTreeSet<String> = table.iter().flat_map(|(_, a)| a.iter().map(|a| a.to_string())).collect();
        let granting: Vec<&(Option<String>, Value)> = policies.iter().filter(|(_, p)| !policy_actions(p).is_disjoint(&actions)).collect();
        assert_eq!(granting.len(), 1, "{condition}: one policy grants the sink's actions");
        let (cond, policy) = granting[0];
        assert_eq!(cond.as_deref(), Some(condition), "{var}'s actions are granted only when it is on");
        assert_eq!(policy_actions(policy), actions, "{condition}'s policy grants exactly the sink's actions");
        assert!(t["Conditions"].get(condition).is_some(), "{condition} is defined");
        assert!(env.get(var).is_some(), "{var} is set from the template");
    }
    // SECURITY_HUB is the parameter itself, and SecurityHubOn tests that parameter for `on`.
    assert_eq!(env["SECURITY_HUB"], serde_json::json!({"Ref": "SecurityHub"}));
    assert_eq!(t["Conditions"]["SecurityHubOn"], serde_json::json!({"Fn::Equals": [{"Ref": "SecurityHub"}, "on"]}));
    assert_eq!(env["EVENT_BUS"]["Fn::If"][0], "HasEventBus", "EVENT_BUS is unset when there is no bus");
    assert_eq!(t["Parameters"]["SecurityHub"]["Default"], "off");
    assert_eq!(t["Parameters"]["EventBusName"]["Default"], "");
}

/// The statements of the central role that read audited services (their actions are in the
/// services' permission tables), by Sid.
fn read_statements(role: &Value) -> BTreeMap<String, Value> {
    let reads: BTreeSet<String> = vigil::services::all().iter().flat_map(|s| s.info().permissions.iter().flat_map(|(_, a)| a.iter().map(|a| a.to_string()))).collect();
    let mut out = BTreeMap::new();
    for policy in role["Properties"]["Policies"].as_array().unwrap() {
        for stmt in policy["PolicyDocument"]["Statement"].as_array().into_iter().flatten() {
            if as_list(&stmt["Action"]).iter().all(|a| reads.contains(a)) {
                out.insert(stmt["Sid"].as_str().unwrap().to_string(), stmt.clone());
            }
        }
    }
    out
}

/// The member role grants exactly the central role's read statements, so the operations the
/// suite recorded prove it as they prove the central role; and it grants nothing else.
#[test]
fn the_member_role_reads_exactly_what_the_central_role_reads() {
    let central = read_statements(&template()["Resources"]["FunctionRole"]);
    let member_t = template_file("member.yaml");
    let role = &member_t["Resources"]["AuditRole"];
    let member = read_statements(role);
    assert!(!central.is_empty());
    assert_eq!(member, central, "member.yaml's AuditRole carries the central role's read statements word for word");
    let all: usize = role["Properties"]["Policies"].as_array().unwrap().iter().map(|p| p["PolicyDocument"]["Statement"].as_array().unwrap().len()).sum();
    assert_eq!(all, member.len(), "the member role grants nothing but reads");
    let services: BTreeSet<String> = vigil::services::all().iter().flat_map(|s| s.info().permissions.iter().flat_map(|(_, a)| a.iter().map(|a| a.to_string()))).collect();
    let granted: BTreeSet<String> = member.values().flat_map(|s| as_list(&s["Action"])).collect();
    assert_eq!(granted, services, "every service's read action, and only those");
}

/// The member and region templates forward exactly the events the central rule routes, to the
/// central bus only, with a role that can do nothing else.
#[test]
fn forwarded_events_are_the_routed_events() {
    let central = template()["Resources"]["AuditorFunction"]["Properties"]["Events"]["ChangeEvents"]["Properties"]["Pattern"].clone();
    for file in ["member.yaml", "region.yaml"] {
        let t = template_file(file);
        assert_eq!(t["Resources"]["ForwardChangeEvents"]["Properties"]["EventPattern"], central, "{file}");
        let target = &t["Resources"]["ForwardChangeEvents"]["Properties"]["Targets"][0]["Arn"];
        assert_eq!(target["Fn::Sub"], "arn:${AWS::Partition}:events:${CentralRegion}:${CentralAccountId}:event-bus/default", "{file}");
        // The forwarding role may put events on that bus and do nothing else.
        let role = &t["Resources"]["ForwardRole"]["Properties"];
        assert_eq!(role["AssumeRolePolicyDocument"]["Statement"][0]["Principal"]["Service"], "events.amazonaws.com", "{file}");
        let statements: Vec<&Value> = role["Policies"].as_array().unwrap().iter().flat_map(|p| p["PolicyDocument"]["Statement"].as_array().unwrap()).collect();
        assert_eq!(statements.len(), 1, "{file}");
        assert_eq!(as_list(&statements[0]["Action"]), ["events:PutEvents"], "{file}");
        assert_eq!(&statements[0]["Resource"], target, "{file}: only the central bus");
    }
    let policy = &template()["Resources"]["OrganizationEventsPolicy"]["Properties"]["Statement"];
    assert_eq!(policy["Condition"]["StringEquals"]["aws:PrincipalOrgID"], serde_json::json!({"Ref": "OrganizationId"}));
}
