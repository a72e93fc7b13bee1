//! Rendering of a run: the findings table and summary for the terminal, and the `vigil report`
//! files (`audit.json` with the privilege escalation paths, `recommendations.json`).

use crate::engine::RunReport;
use crate::findings::Finding;
use crate::model::{ResourceType, Severity};
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
            fit(&match &f.triage {
                Some(t) => format!("{} [risk accepted: {}]", f.detail, t.reason),
                None => f.detail.clone(),
            }, 100)
        );
    }
    out
}

/// The resource as a person reads it: a bucket or user name, or the policy's name for a policy.
fn short_id(f: &Finding) -> String {
    match f.resource_type.info().short {
        Some(prefix) => format!("{prefix}/{}", f.resource_id.rsplit('/').next().unwrap_or(&f.resource_id)),
        None => f.resource_id.clone(),
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
    if r.accounts > 0 || r.shards_sent > 0 || r.batch_item_failures.is_some() {
        let retry = r.batch_item_failures.as_ref().map_or(0, Vec::len);
        let _ = writeln!(out, "Accounts: {}   Shards sent: {}   Shard messages to retry: {retry}", r.accounts, r.shards_sent);
    }
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
            let _ = writeln!(out, "  {}: {}", e.resource, fit(&e.explain(), 160));
        }
    }
    if !r.incomplete_types.is_empty() {
        let t: Vec<&str> = r.incomplete_types.iter().map(|t| t.as_str()).collect();
        let _ = writeln!(out, "Incomplete listing (deleted resources not swept): {}", t.join(", "));
    }
    out
}

/// `audit.json`: every current finding, a summary, and the escalation paths.
pub fn audit_document(r: &RunReport, account_id: &str) -> Value {
    let mut by_severity = BTreeMap::new();
    let mut by_check: BTreeMap<&str, u64> = BTreeMap::new();
    for f in &r.findings {
        *by_severity.entry(f.severity.as_str()).or_insert(0u64) += 1;
        *by_check.entry(f.check_id.as_str()).or_default() += 1;
    }
    let mut doc = json!({
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
    });
    // Sections the services add (IAM: privilege escalation paths).
    if let Some(doc) = doc.as_object_mut() {
        for service in crate::services::all() {
            for (name, section) in service.report_sections(&r.findings) {
                doc.insert(name.to_string(), section);
            }
        }
    }
    doc
}

/// `recommendations.json`: the change each finding calls for (its check's advice), grouped by
/// resource. IAM principals come first in importance, but every audited resource is listed; the
/// grouping key keeps its historical name, `principal`.
pub fn recommendations(findings: &[Finding]) -> Value {
    let mut by_principal: BTreeMap<&str, (ResourceType, Vec<Value>)> = BTreeMap::new();
    for f in findings {
        let entry = by_principal.entry(f.resource_arn.as_str()).or_insert_with(|| (f.resource_type, Vec::new()));
        let recommendation = crate::check::by_id(&f.check_id).map_or_else(|| f.remediation.clone(), |c| c.advise(f));
        entry.1.push(json!({
            "check_id": f.check_id,
            "severity": f.severity,
            "risk_score": f.risk_score,
            "recommendation": recommendation,
        }));
    }
    Value::Array(
        by_principal
            .into_iter()
            .map(|(arn, (kind, recs))| json!({"principal": arn, "type": kind, "recommendations": recs}))
            .collect(),
    )
}
