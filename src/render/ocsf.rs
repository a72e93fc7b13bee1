//! OCSF 1.3: each finding as a Compliance Finding (class 2003). Compliance Finding rather than
//! Detection Finding (2004): vigil evaluates configuration against controls (CIS, FSBP), which is
//! what class 2003 describes, and its `compliance` object carries the control and its pass/fail
//! status. One JSON object per line (JSON Lines), as data lakes ingest them.

use super::{epoch_ms, standards, Context, RenderError};
use crate::findings::{Finding, Status};
use crate::model::Severity;
use serde_json::{json, Value};

pub const VERSION: &str = "1.3.0";
const CLASS_UID: i64 = 2003;
const CATEGORY_UID: i64 = 2;

/// `activity_id`: 1 Create (first seen now), 2 Update (seen again), 3 Close (resolved).
fn activity(f: &Finding) -> (i64, &'static str) {
    match f.status {
        Status::Resolved => (3, "Close"),
        _ if f.first_seen == f.last_seen => (1, "Create"),
        _ => (2, "Update"),
    }
}

/// Finding `status_id`: 1 New, 3 Suppressed, 4 Resolved.
fn status(s: Status) -> (i64, &'static str) {
    match s {
        Status::Open => (1, "New"),
        Status::Suppressed => (3, "Suppressed"),
        Status::Resolved => (4, "Resolved"),
    }
}

/// `severity_id`: 1 Informational … 5 Critical.
fn severity(s: Severity) -> (i64, &'static str) {
    match s {
        Severity::Info => (1, "Informational"),
        Severity::Low => (2, "Low"),
        Severity::Medium => (3, "Medium"),
        Severity::High => (4, "High"),
        Severity::Critical => (5, "Critical"),
    }
}

/// The stable identity of a (resource, check): the same record uid across runs and lifecycle.
pub fn uid(f: &Finding) -> String {
    format!("vigil:{}:{}", f.check_id, f.resource_arn)
}

pub fn record(f: &Finding, cx: &Context) -> Value {
    let (activity_id, activity_name) = activity(f);
    let (status_id, status_name) = status(f.status);
    let (severity_id, severity_name) = severity(f.severity);
    // The control passes once the finding is resolved; open and suppressed resources fail it.
    let (compliance_id, compliance_name) = if f.status == Status::Resolved { (1, "Pass") } else { (3, "Fail") };
    let time = epoch_ms(&f.last_seen).or_else(|| epoch_ms(&f.observed_at)).unwrap_or_else(|| cx.now.timestamp_millis());
    let mut finding_info = json!({
        "uid": uid(f),
        "title": f.title,
        "desc": f.detail,
        "types": [f.check_id],
    });
    if let Some(t) = epoch_ms(&f.first_seen) {
        finding_info["created_time"] = json!(t);
        finding_info["first_seen_time"] = json!(t);
    }
    if let Some(t) = epoch_ms(&f.last_seen) {
        finding_info["modified_time"] = json!(t);
        finding_info["last_seen_time"] = json!(t);
    }
    json!({
        "category_uid": CATEGORY_UID,
        "category_name": "Findings",
        "class_uid": CLASS_UID,
        "class_name": "Compliance Finding",
        "activity_id": activity_id,
        "activity_name": activity_name,
        "type_uid": CLASS_UID * 100 + activity_id,
        "type_name": format!("Compliance Finding: {activity_name}"),
        "time": time,
        "severity_id": severity_id,
        "severity": severity_name,
        "status_id": status_id,
        "status": status_name,
        "status_detail": f.resolution,
        "message": format!("{}: {}", f.title, f.detail),
        "metadata": {
            "version": VERSION,
            "product": {"name": "vigil", "vendor_name": "vigil", "version": env!("CARGO_PKG_VERSION")},
            "profiles": ["cloud"],
        },
        "finding_info": finding_info,
        "compliance": {
            "control": f.check_id,
            "requirements": f.compliance,
            "standards": standards(&f.compliance),
            "status_id": compliance_id,
            "status": compliance_name,
        },
        "cloud": {
            "provider": "AWS",
            "region": f.region,
            "account": {"uid": f.account_id, "type": "AWS Account", "type_id": 10},
        },
        "resources": [{
            "uid": f.resource_arn,
            "name": f.resource_id,
            "type": f.resource_type.as_str(),
            "region": f.region,
            "cloud_partition": crate::model::partition(&f.region),
        }],
        "remediation": {"desc": f.remediation},
        "comment": f.triage.as_ref().map(crate::findings::Triage::describe),
        "unmapped": {"risk_score": f.risk_score, "resolved_at": f.resolved_at, "triage": f.triage},
    })
}

pub fn render(findings: &[Finding], cx: &Context) -> Result<String, RenderError> {
    let mut out = String::new();
    for f in findings {
        out.push_str(&serde_json::to_string(&record(f, cx))?);
        out.push('\n');
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::testing::{cx, finding};

    #[test]
    fn lifecycle_maps_to_status_activity_and_compliance() {
        for (status, status_id, activity_id, compliance) in [(Status::Open, 1, 2, 3), (Status::Suppressed, 3, 2, 3), (Status::Resolved, 4, 3, 1)] {
            let r = record(&finding(status), &cx());
            assert_eq!((r["status_id"].as_i64(), r["activity_id"].as_i64(), r["compliance"]["status_id"].as_i64()), (Some(status_id), Some(activity_id), Some(compliance)), "{status:?}");
            assert_eq!(r["type_uid"], json!(200300 + activity_id));
        }
    }

    #[test]
    fn accepted_risk_is_carried_as_a_comment() {
        let mut f = finding(Status::Suppressed);
        f.triage = Some(crate::findings::Triage { by: "arn:aws:iam::123456789012:user/sec".into(), reason: "WAF in front".into(), at: "2026-11-01T00:00:00.000Z".into(), until: None });
        let r = record(&f, &cx());
        assert!(r["comment"].as_str().unwrap().contains("risk accepted by arn:aws:iam::123456789012:user/sec"), "{}", r["comment"]);
        assert_eq!(r["unmapped"]["triage"]["reason"], "WAF in front");
    }

    #[test]
    fn uid_is_stable_across_the_lifecycle() {
        let open = record(&finding(Status::Open), &cx());
        let resolved = record(&finding(Status::Resolved), &cx());
        assert_eq!(open["finding_info"]["uid"], resolved["finding_info"]["uid"]);
        assert_eq!(open["finding_info"]["uid"], "vigil:s3_bucket_public_policy:arn:aws:s3:::logs-bucket");
    }

    #[test]
    fn compliance_names_requirements_and_standards() {
        let r = record(&finding(Status::Open), &cx());
        assert_eq!(r["compliance"]["requirements"], json!(["AWS FSBP S3.2", "CIS 5.0.0 2.1.4"]));
        assert_eq!(r["compliance"]["standards"], json!(["AWS Foundational Security Best Practices v1.0.0", "CIS AWS Foundations Benchmark v5.0.0"]));
        assert_eq!((r["severity_id"].as_i64(), r["time"].as_i64()), (Some(5), epoch_ms("2026-11-02T10:00:00Z")));
    }
}
