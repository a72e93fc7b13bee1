//! Rendering of a run: the findings table and summary for the terminal, and the `vigil report`
//! files (`audit.json` with the privilege escalation paths, `recommendations.json`).

use crate::audit::RunReport;
use crate::findings::Finding;
use crate::model::Severity;
use serde::Serialize;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::fmt::Write;

/// Cuts text to `width` characters, marking the cut.
fn fit(s: &str, width: usize) -> String {
    if s.chars().count() <= width {
        s.to_string()
    } else {
        let mut out: String = s.chars().take(width.saturating_sub(1)).collect();
        out.push('…');
        out
    }
}

/// The findings as an aligned table: severity, status, resource, check, detail.
pub fn findings_table(findings: &[Finding]) -> String {
    let mut out = String::new();
    if findings.is_empty() {
        out.push_str("No failing checks.\n");
        return out;
    }
    let res_w = findings.iter().map(|f| short_id(f).chars().count()).max().unwrap_or(8).clamp(8, 40);
    let chk_w = findings.iter().map(|f| f.check_id.len()).max().unwrap_or(8).clamp(8, 42);
    // IAM findings carry a 0-100 risk score (severity and exposure); the column appears with them.
    let scored = findings.iter().any(|f| f.risk_score.is_some());
    let risk = |f: &Finding| match (scored, f.risk_score) {
        (false, _) => String::new(),
        (true, Some(r)) => format!("{r:>4}  "),
        (true, None) => "   -  ".to_string(),
    };
    let head = if scored { "RISK  " } else { "" };
    let _ = writeln!(out, "{:<8}  {head}{:<10}  {:<res_w$}  {:<chk_w$}  DETAIL", "SEVERITY", "STATUS", "RESOURCE", "CHECK");
    for f in findings {
        let _ = writeln!(
            out,
            "{:<8}  {}{:<10}  {:<res_w$}  {:<chk_w$}  {}",
            f.severity.as_str(),
            risk(f),
            f.status.as_str(),
            fit(&short_id(f), res_w),
            fit(&f.check_id, chk_w),
            fit(&f.detail, 100)
        );
    }
    out
}

/// The resource as a person reads it: a bucket or user name, or the policy's name for a policy.
fn short_id(f: &Finding) -> String {
    match f.resource_type.as_str() {
        "AWS::IAM::Policy" => format!("policy/{}", f.resource_id.rsplit('/').next().unwrap_or(&f.resource_id)),
        "AWS::IAM::User" => format!("user/{}", f.resource_id),
        "AWS::IAM::Role" => format!("role/{}", f.resource_id),
        "AWS::IAM::Group" => format!("group/{}", f.resource_id),
        "AWS::::Account" => format!("account/{}", f.resource_id),
        _ => f.resource_id.clone(),
    }
}

/// The summary: counts by severity, audit errors, per-service timings, compliance score.
pub fn summary(r: &RunReport) -> String {
    let mut out = String::new();
    let counts: Vec<String> = Severity::ALL
        .iter()
        .map(|s| format!("{} {}", r.findings.iter().filter(|f| f.severity == *s).count(), s))
        .collect();
    let _ = writeln!(out, "\nFindings: {}  ({})", r.findings.len(), counts.join(", "));
    let _ = writeln!(
        out,
        "Resources: {} audited, {} skipped (out of scope), {} deleted   Checks evaluated: {} ({} passed)",
        r.resources_audited, r.resources_skipped, r.resources_deleted, r.evaluated, r.passed
    );
    match r.compliance_score {
        Some(score) => {
            let _ = writeln!(out, "Compliance score: {score:.1}% of evaluated (resource, check) pairs pass");
        }
        None => {
            let _ = writeln!(out, "Compliance score: n/a (nothing evaluated)");
        }
    }
    if !r.transitions.is_empty() {
        let t: Vec<String> = r.transitions.iter().map(|(k, v)| format!("{v} {}", serde_json::to_value(k).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default())).collect();
        let _ = writeln!(out, "Changes: {}", t.join(", "));
    }
    let _ = writeln!(out, "Alerts: {} due, {} sent{}", r.alerts.len(), r.alerts_sent, if r.dry_run { " (dry run)" } else { "" });
    let timings: Vec<String> = r.calls.service_ms.iter().map(|(svc, ms)| format!("{svc} {ms} ms")).collect();
    let _ = writeln!(
        out,
        "AWS calls: {}   Time in calls: {}   Wall: {} ms",
        r.calls.total(),
        if timings.is_empty() { "-".to_string() } else { timings.join(", ") },
        r.wall_ms
    );
    if r.audit_errors.is_empty() {
        let _ = writeln!(out, "Audit errors: 0");
    } else {
        let _ = writeln!(out, "Audit errors: {} (nothing was concluded from these reads)", r.audit_errors.len());
        for e in &r.audit_errors {
            let _ = writeln!(out, "  {} {} {:?}: {}", e.resource, e.operation, e.kind, fit(&e.message, 120));
        }
    }
    if !r.incomplete_types.is_empty() {
        let t: Vec<&str> = r.incomplete_types.iter().map(|t| t.as_str()).collect();
        let _ = writeln!(out, "Incomplete listing (deleted resources not swept): {}", t.join(", "));
    }
    out
}

/// One escalation path of one principal, as `audit.json` lists it.
#[derive(Debug, Serialize)]
pub struct EscalationEntry {
    pub principal: String,
    pub principal_type: String,
    pub path: String,
    pub conditional: bool,
    pub actions: Vec<Value>,
}

/// The privilege escalation paths recorded in the findings' evidence.
pub fn escalation_paths(findings: &[Finding]) -> Vec<EscalationEntry> {
    let mut out = Vec::new();
    for f in findings.iter().filter(|f| f.check_id == "iam_privilege_escalation") {
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
                principal_type: f.resource_type.clone(),
                path: p.get("path").and_then(Value::as_str).unwrap_or_default().to_string(),
                conditional: p.get("conditional").and_then(Value::as_bool).unwrap_or(false),
                actions,
            });
        }
    }
    out
}

fn strings(v: Option<&Value>) -> Vec<String> {
    v.and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str).map(str::to_string).collect()
}

/// `"<policy> statement N"` → `"<policy>"`.
fn policy_of(source: &str) -> String {
    source.rsplit_once(" statement ").map(|(p, _)| p).unwrap_or(source).to_string()
}

/// `audit.json`: every current finding, a summary, and the escalation paths.
pub fn audit_document(r: &RunReport, account_id: &str) -> Value {
    let mut by_severity = BTreeMap::new();
    let mut by_check: BTreeMap<&str, u64> = BTreeMap::new();
    for f in &r.findings {
        *by_severity.entry(f.severity.as_str()).or_insert(0u64) += 1;
        *by_check.entry(f.check_id.as_str()).or_default() += 1;
    }
    json!({
        "account_id": account_id,
        "observed_at": r.observed_at,
        "summary": {
            "findings": r.findings.len(),
            "by_severity": by_severity,
            "by_check": by_check,
            "resources_audited": r.resources_audited,
            "checks_evaluated": r.evaluated,
            "checks_passed": r.passed,
            "compliance_score": r.compliance_score,
            "audit_errors": r.audit_errors,
            "aws_calls": r.calls.total(),
        },
        "findings": r.findings,
        "privilege_escalation_paths": escalation_paths(&r.findings),
    })
}

/// The least-privilege change one finding calls for.
fn recommend(f: &Finding) -> String {
    let ev = f.evidence.as_ref();
    let list = |key: &str| strings(ev.and_then(|e| e.get(key))).into_iter().map(|s| policy_of(&s)).collect::<Vec<_>>().join(", ");
    match f.check_id.as_str() {
        "iam_admin_access" => format!(
            "Replace {} with a policy scoped to the services and resources this principal uses (IAM Access Advisor lists them).",
            list("policies")
        ),
        "iam_broad_managed_policy" => format!("Replace {} with a policy scoped to the actions this principal uses.", list("policies")),
        "iam_privilege_escalation" => {
            let paths: Vec<String> = ev
                .and_then(|e| e.get("paths"))
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .map(|p| {
                    let actions: Vec<String> = p
                        .get("actions")
                        .and_then(Value::as_array)
                        .into_iter()
                        .flatten()
                        .map(|a| {
                            let from: Vec<String> = strings(a.get("sources")).iter().map(|s| policy_of(s)).collect();
                            format!("{} (from {})", a.get("action").and_then(Value::as_str).unwrap_or("?"), from.join(", "))
                        })
                        .collect();
                    format!("{}: {}", p.get("path").and_then(Value::as_str).unwrap_or("?"), actions.join(" + "))
                })
                .collect();
            format!("Remove, or constrain to harmless resources, the permissions of each path: {}.", paths.join("; "))
        }
        "iam_user_access_key_stale" => format!("Rotate the access key: create a new one, switch its users, delete the old one ({}).", f.detail),
        "iam_user_multiple_active_keys" => "Remove the unused access key: deactivate the one not used recently, then delete it.".into(),
        "iam_user_inactive" => format!("Remove unused credentials (console password, access keys) or delete the user ({}).", f.detail),
        "iam_user_console_no_mfa" => "Require MFA: enable an MFA device, or remove the console password if it is not needed.".into(),
        "iam_role_cross_account_no_external_id" => {
            format!("Add ExternalId: a StringEquals sts:ExternalId condition for account(s) {}.", list("accounts"))
        }
        "iam_role_trust_any_principal" => "Restrict the trust policy: name the accounts or roles that may assume it.".into(),
        "iam_role_long_session" => "Lower MaxSessionDuration to one hour unless longer sessions are needed.".into(),
        "iam_role_unused" => "Delete the unused role after checking its last activity.".into(),
        _ => f.remediation.clone(),
    }
}

/// `recommendations.json`: least-privilege recommendations grouped by principal (IAM findings).
pub fn recommendations(findings: &[Finding]) -> Value {
    let mut by_principal: BTreeMap<&str, (String, Vec<Value>)> = BTreeMap::new();
    for f in findings.iter().filter(|f| f.resource_type.starts_with("AWS::IAM::") || f.resource_type == "AWS::::Account") {
        let entry = by_principal.entry(f.resource_arn.as_str()).or_insert_with(|| (f.resource_type.clone(), Vec::new()));
        entry.1.push(json!({
            "check_id": f.check_id,
            "severity": f.severity,
            "risk_score": f.risk_score,
            "recommendation": recommend(f),
        }));
    }
    Value::Array(
        by_principal
            .into_iter()
            .map(|(arn, (kind, recs))| json!({"principal": arn, "type": kind, "recommendations": recs}))
            .collect(),
    )
}
