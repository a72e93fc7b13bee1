//! Property tests over untrusted input: the router over arbitrary JSON, arbitrary bytes and
//! mutated real CloudTrail events; the policy parser and engine over arbitrary documents; the
//! glob, CIDR and port logic. Every input gets a decision or a typed error: no panic, no hang.
//!
//! The suite runs a few hundred cases each; `scripts/fuzz N` runs N (`PROPTEST_CASES`).

use chrono::{TimeZone, Utc};
use proptest::prelude::*;
use proptest::test_runner::Config;
use serde_json::{json, Map, Value};
use std::collections::BTreeSet;
use std::sync::OnceLock;
use vigil::check::Context;
use vigil::policy::engine::{decide, full_access, PolicySet, Request, Scope, Source};
use vigil::policy::glob::{self, Case};
use vigil::policy::PolicyDocument;
use vigil::router::{route, route_bytes, Decision};
use vigil::services::ec2::checks as sg;
use vigil::services::ec2::snapshot::{Peer, Rule};

fn config() -> Config {
    // PROPTEST_CASES (scripts/fuzz) overrides the suite's default.
    Config { failure_persistence: None, ..Config::default() }
}

/// Words the router and the policy engine look for, so random documents reach deep branches.
const WORDS: &[&str] = &[
    "detail-type", "detail", "eventName", "eventSource", "requestParameters", "responseElements", "errorCode", "scan",
    "resources", "account", "region", "awsRegion", "recipientAccountId", "AWS API Call via CloudTrail", "Scheduled Event",
    "full", "bucketName", "userName", "roleName", "groupName", "policyArn", "groupId", "vpcId", "subnetId", "routeTableId",
    "dBInstanceIdentifier", "volumeId", "s3.amazonaws.com", "iam.amazonaws.com", "ec2.amazonaws.com", "rds.amazonaws.com",
    "PutBucketPolicy", "DeleteBucket", "CreateUser", "AttachRolePolicy", "AuthorizeSecurityGroupIngress", "CreateRoute",
    "DeleteDBInstance", "arn:aws:s3:::b", "arn:aws:iam::123456789012:user/u", "arn:aws:iam::123456789012:policy/p",
    "arn:aws:ec2:us-east-1:123456789012:security-group/sg-1", "123456789012", "us-east-1", "", "*", "Version", "Statement",
    "Effect", "Allow", "Deny", "Action", "NotAction", "Resource", "NotResource", "Principal", "NotPrincipal", "AWS",
    "Condition", "Bool", "aws:SecureTransport", "StringEquals", "sts:ExternalId", "iam:PassRole", "s3:*", "iam:*",
];

fn word() -> impl Strategy<Value = String> {
    prop_oneof![3 => proptest::sample::select(WORDS).prop_map(str::to_string), 1 => any::<String>()]
}

/// Arbitrary JSON, biased towards the words vigil reads.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(|f| json!(f)),
        word().prop_map(Value::String),
    ];
    leaf.prop_recursive(5, 48, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            proptest::collection::vec((word(), inner), 0..6).prop_map(|kv| Value::Object(kv.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

/// Every committed event sample (events/**/*.json).
fn samples() -> &'static [Value] {
    static SAMPLES: OnceLock<Vec<Value>> = OnceLock::new();
    SAMPLES.get_or_init(|| {
        let mut out = Vec::new();
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("events");
        let mut dirs = vec![root];
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(dir).unwrap().flatten() {
                let path = entry.path();
                if path.is_dir() {
                    dirs.push(path);
                } else if path.extension().is_some_and(|e| e == "json") {
                    // The deliberately malformed sample is for the rejection tests.
                    if let Ok(v) = serde_json::from_slice(&std::fs::read(&path).unwrap()) {
                        out.push(v);
                    }
                }
            }
        }
        assert!(out.len() > 50, "the event samples are found");
        out
    })
}

/// One mutation of a JSON tree: the node reached by `path` (child indexes, modulo each node's
/// size) is removed, replaced, or has its type changed.
#[derive(Debug, Clone)]
enum Mutation {
    Remove(Vec<usize>),
    Replace(Vec<usize>, Value),
    Stringify(Vec<usize>),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let path = proptest::collection::vec(any::<usize>(), 0..6);
    prop_oneof![
        path.clone().prop_map(Mutation::Remove),
        (path.clone(), json_value()).prop_map(|(p, v)| Mutation::Replace(p, v)),
        path.prop_map(Mutation::Stringify),
    ]
}

fn child(v: &mut Value, i: usize) -> Option<&mut Value> {
    match v {
        Value::Object(m) if !m.is_empty() => {
            let n = m.len();
            m.values_mut().nth(i % n)
        }
        Value::Array(a) if !a.is_empty() => {
            let n = a.len();
            a.get_mut(i % n)
        }
        _ => None,
    }
}

fn apply(v: &mut Value, m: &Mutation) {
    let (path, edit): (&[usize], _) = match m {
        Mutation::Remove(p) => (p, 0),
        Mutation::Replace(p, _) => (p, 1),
        Mutation::Stringify(p) => (p, 2),
    };
    let Some((last, parents)) = path.split_last() else { return };
    let mut node = v;
    for &i in parents {
        if child(node, i).is_none() {
            break;
        }
        node = child(node, i).expect("checked above");
    }
    match (edit, &mut *node) {
        (0, Value::Object(map)) if !map.is_empty() => {
            let key = map.keys().nth(last % map.len()).cloned().unwrap_or_default();
            map.remove(&key);
        }
        (0, Value::Array(a)) if !a.is_empty() => {
            let n = a.len();
            a.remove(last % n);
        }
        (1, _) => {
            if let (Some(target), Mutation::Replace(_, value)) = (child(node, *last), m) {
                *target = value.clone();
            }
        }
        (2, _) => {
            if let Some(target) = child(node, *last) {
                *target = Value::String(target.to_string());
            }
        }
        _ => {}
    }
}

/// The router's contract: a decision or a typed error, and a decision only names real targets.
fn routes_cleanly(event: &Value) {
    if let Ok(Decision::Resources { audit, deleted }) = route(event) {
        for t in &audit {
            assert!(!t.resource.id.is_empty(), "{event}");
        }
        for r in &deleted {
            assert!(!r.id.is_empty(), "{event}");
        }
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn fuzz_router_arbitrary_json(event in json_value()) {
        routes_cleanly(&event);
        let wrapped = json!({"detail-type": "AWS API Call via CloudTrail", "detail": event});
        routes_cleanly(&wrapped);
    }

    #[test]
    fn fuzz_router_mutated_cloudtrail(index in any::<usize>(), mutations in proptest::collection::vec(mutation(), 1..5)) {
        let mut event = samples()[index % samples().len()].clone();
        for m in &mutations {
            apply(&mut event, m);
        }
        routes_cleanly(&event);
    }

    #[test]
    fn fuzz_router_arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
        let _ = route_bytes(&bytes);
    }

    #[test]
    fn fuzz_policy_documents(doc in json_value(), action in word(), resource in word()) {
        let text = doc.to_string();
        for parsed in [PolicyDocument::parse(&text), PolicyDocument::parse_iam(&text)] {
            let Ok(doc) = parsed else { continue };
            let set = PolicySet { identity: vec![Source { policy: "fuzz", doc: &doc }], boundary: None };
            let now = Utc.with_ymd_and_hms(2026, 11, 20, 10, 0, 0).unwrap();
            let _ = full_access(&set, now);
            for scope in [Scope::Any, Scope::All] {
                let _ = decide(&set, &Request { action: &action, resource: &resource, scope, context: &[("iam:PassedToService", "ec2.amazonaws.com")] }, now);
            }
        }
    }

    #[test]
    fn fuzz_an_unconditional_deny_of_everything_always_wins(extra in json_value(), action in word(), resource in word()) {
        let doc = json!({"Version": "2012-10-17", "Statement": [
            {"Effect": "Deny", "Action": "*", "Resource": "*"},
            {"Effect": "Allow", "Action": "*", "Resource": "*"},
            extra,
        ]});
        if let Ok(doc) = PolicyDocument::parse(&doc.to_string()) {
            let set = PolicySet { identity: vec![Source { policy: "p", doc: &doc }], boundary: None };
            let now = Utc.with_ymd_and_hms(2026, 11, 20, 10, 0, 0).unwrap();
            let request = Request { action: &action, resource: &resource, scope: Scope::Any, context: &[] };
            prop_assert!(decide(&set, &request, now).is_none());
            prop_assert!(full_access(&set, now).is_none());
        }
    }

    #[test]
    fn fuzz_globs(pattern in "[a-z*?:/]{0,12}", other in "[a-z*?:/]{0,12}", text in "[a-z:/]{0,12}") {
        for case in [Case::Sensitive, Case::Insensitive] {
            let m = glob::matches(&pattern, &text, case);
            if glob::covers(&pattern, &other, case) && glob::matches(&other, &text, case) {
                prop_assert!(m, "{pattern} covers {other}, which matches {text}");
            }
            if m && glob::matches(&other, &text, case) {
                prop_assert!(glob::intersects(&pattern, &other, case), "{pattern} and {other} both match {text}");
            }
        }
        prop_assert!(glob::matches(&text, &text, Case::Sensitive));
    }

    #[test]
    fn fuzz_resource_patterns(a in arn_pattern(), b in arn_pattern(), t in "arn:aws:[a-z]{1,3}:[a-z0-9-]{0,4}:[0-9]{0,3}:[a-z/:]{0,6}") {
        if glob::resource_covers(&a, &b) && glob::resource_matches(&b, &t) {
            prop_assert!(glob::resource_matches(&a, &t), "{a} covers {b}, which matches {t}");
        }
        if glob::resource_matches(&a, &t) && glob::resource_matches(&b, &t) {
            prop_assert!(glob::resource_intersects(&a, &b), "{a} and {b} both match {t}");
        }
    }

    #[test]
    fn fuzz_cidrs_and_ports(protocol in prop_oneof![
            proptest::sample::select(&["tcp", "udp", "icmp", "icmpv6", "-1", "all", "6", "17", "1", "58", "50", "TCP"][..]).prop_map(str::to_string),
            any::<String>()],
        from in proptest::option::of(any::<i32>()), to in proptest::option::of(any::<i32>()),
        cidr in prop_oneof!["[0-9a-f.:/]{0,20}", any::<String>(), Just("0.0.0.0/0".to_string()), Just("::/0".to_string())],
        risky in proptest::collection::btree_set(any::<u16>(), 0..8)) {
        let rule = Rule { protocol, from_port: from, to_port: to, peer: Peer::Cidr(cidr.clone()), description: None };
        let ctx = context(risky.clone());
        if let sg::Ports::Range(a, b) = sg::ports(&rule) {
            prop_assert!(a <= b);
        }
        for port in sg::high_risk_hits(&rule, &ctx) {
            prop_assert!(risky.contains(&port));
            if let sg::Ports::Range(a, b) = sg::ports(&rule) {
                prop_assert!((a..=b).contains(&port));
            }
        }
        let _ = sg::opens_other_ports(&rule, &ctx);
        let _ = sg::describe(&rule);
        if let Some(world) = sg::world_cidr(&rule) {
            prop_assert_eq!(world.trim().parse::<ipnet::IpNet>().unwrap().prefix_len(), 0);
        }
    }
}

/// An ARN pattern, or now and then a bare `*`.
fn arn_pattern() -> impl Strategy<Value = String> {
    prop_oneof![
        9 => "arn:aws:[a-z*]{0,3}:[a-z0-9*?-]{0,4}:[0-9*]{0,3}:[a-z*?/:]{0,6}",
        1 => Just("*".to_string()),
    ]
}

fn context(high_risk_ports: BTreeSet<u16>) -> Context {
    Context {
        account_id: "123456789012".into(),
        trusted_accounts: BTreeSet::new(),
        now: Utc.with_ymd_and_hms(2026, 11, 20, 10, 0, 0).unwrap(),
        partition: "aws",
        key_max_age_days: 90,
        inactive_days: 90,
        root_use_days: 30,
        required_tags: Vec::new(),
        role_max_session_seconds: 3600,
        broad_policies: Vec::new(),
        high_risk_ports,
        public_ports: [80, 443].into(),
    }
}
