//! Terminal rendering of a run: the findings table and the summary under it.

use crate::audit::RunReport;
use crate::findings::Finding;
use crate::model::Severity;
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
    let res_w = findings.iter().map(|f| f.resource_id.chars().count()).max().unwrap_or(8).clamp(8, 40);
    let chk_w = findings.iter().map(|f| f.check_id.len()).max().unwrap_or(8).clamp(8, 42);
    let _ = writeln!(out, "{:<8}  {:<10}  {:<res_w$}  {:<chk_w$}  DETAIL", "SEVERITY", "STATUS", "RESOURCE", "CHECK");
    for f in findings {
        let _ = writeln!(
            out,
            "{:<8}  {:<10}  {:<res_w$}  {:<chk_w$}  {}",
            f.severity.as_str(),
            f.status.as_str(),
            fit(&f.resource_id, res_w),
            fit(&f.check_id, chk_w),
            fit(&f.detail, 100)
        );
    }
    out
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
