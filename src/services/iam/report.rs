//! IAM's part of `vigil report`: the privilege escalation paths recorded in findings' evidence,
//! and the evidence readers the IAM checks' advice uses.

use super::checks;
use crate::findings::Finding;
use serde::Serialize;
use serde_json::{json, Value};

/// One escalation path of one principal, as `audit.json` lists it.
#[derive(Debug, Serialize)]
pub struct EscalationEntry {
    pub principal: String,
    pub principal_type: crate::model::ResourceType,
    pub path: String,
    pub conditional: bool,
    pub actions: Vec<Value>,
}

/// The privilege escalation paths recorded in the findings' evidence.
pub fn escalation_paths(findings: &[Finding]) -> Vec<EscalationEntry> {
    let mut out = Vec::new();
    for f in findings.iter().filter(|f| f.check_id == checks::privilege_escalation::CHECK.id) {
        let paths = f.evidence.as_ref().and_then(|e| e.get("paths")).and_then(Value::as_array);
        for p in paths.into_iter().flatten() {
            let actions = p.get("actions").and_then(Value::as_array).cloned().unwrap_or_default();
            let actions = actions
                .into_iter()
                .map(|a| {
                    let sources: Vec<String> = strings(a.get("sources"));
                    let mut policies: Vec<String> = sources.iter().map(|s| policy_of(s)).collect();
                    policies.dedup();
                    json!({
                        "action": a.get("action"),
                        "policies": policies,
                        "statements": sources,
                        "conditions": a.get("gates"),
                    })
                })
                .collect();
            out.push(EscalationEntry {
                principal: f.resource_arn.clone(),
                principal_type: f.resource_type,
                path: p.get("path").and_then(Value::as_str).unwrap_or_default().to_string(),
                conditional: p.get("conditional").and_then(Value::as_bool).unwrap_or(false),
                actions,
            });
        }
    }
    out
}

pub fn strings(v: Option<&Value>) -> Vec<String> {
    v.and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str).map(str::to_string).collect()
}

/// `"<policy> statement N"` → `"<policy>"`.
pub fn policy_of(source: &str) -> String {
    source.rsplit_once(" statement ").map(|(p, _)| p).unwrap_or(source).to_string()
}


/// The policies an evidence list names (`"<policy> statement N"` → `"<policy>"`), comma-separated.
pub fn policies_in(f: &Finding, key: &str) -> String {
    strings(f.evidence.as_ref().and_then(|e| e.get(key))).iter().map(|s| policy_of(s)).collect::<Vec<_>>().join(", ")
}
