//! Proves the function's role is least-privilege: every AWS operation the code performed anywhere
//! in the test suite (recorded through `VIGIL_OPS_LOG`) is granted by the template, and the template
//! grants nothing that no test exercised.
//!
//! scripts/test runs the suite with `VIGIL_OPS_LOG` set, then runs this test last.

mod common;

use common::*;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// SDK operation → the IAM actions that authorize it. Names differ; this table is the mapping.
const IAM_ACTIONS: &[(&str, &[&str])] = &[
    ("s3:ListBuckets", &["s3:ListAllMyBuckets"]),
    ("s3:GetBucketLocation", &["s3:GetBucketLocation"]),
    ("s3:GetBucketTagging", &["s3:GetBucketTagging"]),
    ("s3:GetBucketPolicy", &["s3:GetBucketPolicy"]),
    ("s3:GetBucketAcl", &["s3:GetBucketAcl"]),
    ("s3:GetPublicAccessBlock", &["s3:GetBucketPublicAccessBlock"]),
    ("s3:GetBucketEncryption", &["s3:GetEncryptionConfiguration"]),
    ("s3:GetBucketVersioning", &["s3:GetBucketVersioning"]),
    // IAM operations are authorized by actions of the same name.
    ("iam:GetAccountAuthorizationDetails", &["iam:GetAccountAuthorizationDetails"]),
    ("iam:ListRoles", &["iam:ListRoles"]),
    ("iam:GenerateCredentialReport", &["iam:GenerateCredentialReport"]),
    ("iam:GetCredentialReport", &["iam:GetCredentialReport"]),
    ("iam:GetAccountPasswordPolicy", &["iam:GetAccountPasswordPolicy"]),
    ("iam:GetUser", &["iam:GetUser"]),
    ("iam:ListUserPolicies", &["iam:ListUserPolicies"]),
    ("iam:GetUserPolicy", &["iam:GetUserPolicy"]),
    ("iam:ListAttachedUserPolicies", &["iam:ListAttachedUserPolicies"]),
    ("iam:ListGroupsForUser", &["iam:ListGroupsForUser"]),
    ("iam:ListAccessKeys", &["iam:ListAccessKeys"]),
    ("iam:GetAccessKeyLastUsed", &["iam:GetAccessKeyLastUsed"]),
    ("iam:GetLoginProfile", &["iam:GetLoginProfile"]),
    ("iam:ListMFADevices", &["iam:ListMFADevices"]),
    ("iam:GetRole", &["iam:GetRole"]),
    ("iam:ListRolePolicies", &["iam:ListRolePolicies"]),
    ("iam:GetRolePolicy", &["iam:GetRolePolicy"]),
    ("iam:ListAttachedRolePolicies", &["iam:ListAttachedRolePolicies"]),
    ("iam:GetGroup", &["iam:GetGroup"]),
    ("iam:ListGroupPolicies", &["iam:ListGroupPolicies"]),
    ("iam:GetGroupPolicy", &["iam:GetGroupPolicy"]),
    ("iam:ListAttachedGroupPolicies", &["iam:ListAttachedGroupPolicies"]),
    ("iam:GetPolicy", &["iam:GetPolicy"]),
    ("iam:GetPolicyVersion", &["iam:GetPolicyVersion"]),
    ("iam:ListEntitiesForPolicy", &["iam:ListEntitiesForPolicy"]),
    // EC2 and RDS reads are authorized by actions of the same name.
    ("ec2:DescribeSecurityGroups", &["ec2:DescribeSecurityGroups"]),
    ("ec2:DescribeVpcs", &["ec2:DescribeVpcs"]),
    ("ec2:DescribeSubnets", &["ec2:DescribeSubnets"]),
    ("ec2:DescribeRouteTables", &["ec2:DescribeRouteTables"]),
    ("ec2:DescribeFlowLogs", &["ec2:DescribeFlowLogs"]),
    ("ec2:DescribeVolumes", &["ec2:DescribeVolumes"]),
    ("ec2:GetEbsEncryptionByDefault", &["ec2:GetEbsEncryptionByDefault"]),
    ("rds:DescribeDBInstances", &["rds:DescribeDBInstances"]),
    ("dynamodb:Query", &["dynamodb:Query"]),
    ("dynamodb:PutItem", &["dynamodb:PutItem"]),
    ("dynamodb:UpdateItem", &["dynamodb:UpdateItem"]),
    // PublishBatch is authorized by sns:Publish; the topic is SSE-KMS, so the publisher also needs
    // the key's data-key and decrypt permissions.
    ("sns:PublishBatch", &["sns:Publish", "kms:GenerateDataKey*", "kms:Decrypt"]),
    // GetCallerIdentity needs no permission.
    ("sts:GetCallerIdentity", &[]),
];

/// Actions the Lambda platform performs with the function's role, not vigil's code.
const PLATFORM_ACTIONS: &[(&str, &str)] = &[
    ("logs:CreateLogStream", "the Lambda runtime creates the function's log streams"),
    ("logs:PutLogEvents", "the Lambda runtime writes the function's logs"),
    ("sqs:SendMessage", "Lambda sends failed async invocations to the on-failure queue"),
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
    for (op, _) in IAM_ACTIONS {
        assert!(seen.insert(*op), "{op} listed twice");
    }
}

#[test]
#[ignore = "run by scripts/test after the whole suite has recorded its AWS operations"]
fn template_role_grants_exactly_what_the_code_uses() {
    let log = std::env::var("VIGIL_OPS_LOG").expect("VIGIL_OPS_LOG names the recorded-operations file");
    let text = std::fs::read_to_string(&log).expect("recorded operations");
    let recorded: BTreeSet<&str> = text.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
    assert!(!recorded.is_empty(), "no operations were recorded");
    let table: BTreeMap<&str, &[&str]> = IAM_ACTIONS.iter().copied().collect();

    let mut needed = BTreeSet::new();
    for op in &recorded {
        let actions = table.get(op).unwrap_or_else(|| panic!("{op} is performed but not in IAM_ACTIONS: add its IAM action"));
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
