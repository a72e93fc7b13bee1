//! IAM's part of `vigil report`: the privilege escalation paths recorded in findings' evidence,
//! and the policy names the IAM checks' advice quotes.

use super::checks::privilege_escalation::{self, Evidence};
use crate::check::evidence_of;
use crate::findings::Finding;
use crate::model::ResourceType;
use serde::Serialize;

/// One escalation path of one principal, as `audit.json` lists it.
#[derive(Debug, Serialize)]
pub struct EscalationEntry {
    pub principal: String,
    pub principal_type: ResourceType,
    pub path: String,
    pub conditional: bool,
    pub actions: Vec<EscalationAction>,
}

/// One action of a path: the policies and statements that grant it, and their conditions.
#[derive(Debug, Serialize)]
pub struct EscalationAction {
    pub action: String,
    pub policies: Vec<String>,
    pub statements: Vec<String>,
    pub conditions: Vec<String>,
}

/// The privilege escalation paths recorded in the findings' evidence.
pub fn escalation_paths(findings: &[Finding]) -> Vec<EscalationEntry> {
    let mut out = Vec::new();
    for f in findings.iter().filter(|f| f.check_id == privilege_escalation::CHECK.id) {
        for p in evidence_of::<Evidence>(f).map(|e| e.paths).unwrap_or_default() {
            let actions = p
                .actions
                .into_iter()
                .map(|a| {
                    let mut policies: Vec<String> = a.grant.sources.iter().map(|s| policy_of(s).to_string()).collect();
                    policies.dedup();
                    EscalationAction { action: a.action, policies, statements: a.grant.sources, conditions: a.grant.gates }
                })
                .collect();
            out.push(EscalationEntry {
                principal: f.resource_arn.clone(),
                principal_type: f.resource_type,
                path: p.path,
                conditional: p.conditional,
                actions,
            });
        }
    }
    out
}

/// `"<policy> statement N"` → `"<policy>"`.
pub fn policy_of(source: &str) -> &str {
    source.rsplit_once(" statement ").map(|(p, _)| p).unwrap_or(source)
}

/// The policies of these statement sources, comma-separated, each once.
pub fn policies_of(sources: &[String]) -> String {
    let mut names: Vec<&str> = sources.iter().map(|s| policy_of(s)).collect();
    names.dedup();
    names.join(", ")
}
