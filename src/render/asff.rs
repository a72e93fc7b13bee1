//! AWS Security Finding Format (ASFF) 2018-10-08, as Security Hub's BatchImportFindings takes it:
//! every required field, the lifecycle as Compliance, RecordState and Workflow, and text cut to
//! the lengths Security Hub accepts.

use super::RenderError;
use crate::findings::{Finding, Status};
use crate::model::Severity;
use serde_json::{json, Value};

pub const SCHEMA_VERSION: &str = "2018-10-08";
const TITLE_MAX: usize = 256;
const DESCRIPTION_MAX: usize = 1024;
const RECOMMENDATION_MAX: usize = 512;
const NOTE_MAX: usize = 512;
const NOTE_BY_MAX: usize = 512;

fn cut(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_string()
    } else {
        let mut out: String = text.chars().take(max - 1).collect();
        out.push('…');
        out
    }
}

/// The ASFF resource type: `AWS::EC2::SecurityGroup` → `AwsEc2SecurityGroup`, `AWS::EC2::VPC` →
/// `AwsEc2Vpc`, `AWS::RDS::DBInstance` → `AwsRdsDbInstance`, the account (and an account-region)
/// → `AwsAccount`. A type ASFF has no name for is `Other`.
pub fn resource_type(cloudformation: &str) -> String {
    const NO_ASFF_TYPE: &[&str] = &["AWS::EC2::FlowLog"];
    if NO_ASFF_TYPE.contains(&cloudformation) {
        return "Other".into();
    }
    let capital = |s: &str| {
        let lower = s.to_ascii_lowercase();
        let mut c = lower.chars();
        c.next().map(|first| first.to_ascii_uppercase().to_string() + c.as_str()).unwrap_or_default()
    };
    let parts: Vec<&str> = cloudformation.split("::").filter(|p| !p.is_empty()).collect();
    match parts.as_slice() {
        [_, service, kind] => {
            // An acronym reads as a word: VPC → Vpc, and DBInstance → DbInstance.
            let upper_run = kind.chars().take_while(char::is_ascii_uppercase).count();
            let kind = if upper_run == kind.len() {
                capital(kind)
            } else if upper_run > 1 {
                format!("{}{}", capital(&kind[..upper_run - 1]), &kind[upper_run - 1..])
            } else {
                kind.to_string()
            };
            format!("Aws{}{kind}", capital(service))
        }
        [_, kind] if kind.starts_with("Account") => "AwsAccount".into(),
        _ => "Other".into(),
    }
}

fn label(s: Severity) -> &'static str {
    match s {
        Severity::Info => "INFORMATIONAL",
        Severity::Low => "LOW",
        Severity::Medium => "MEDIUM",
        Severity::High => "HIGH",
        Severity::Critical => "CRITICAL",
    }
}

/// The ASFF `Id`: stable per (resource, check), so an import updates the same Security Hub finding.
pub fn id(f: &Finding) -> String {
    format!("vigil/{}/{}/{}", f.account_id, f.check_id, f.resource_arn)
}

/// The finding's record; a global finding (IAM, the account) is placed in us-east-1.
pub fn record(f: &Finding) -> Value {
    record_in(f, "us-east-1")
}

/// The region whose Security Hub holds a finding: its own, or `home` for a global one.
pub fn region_of<'a>(f: &'a Finding, home: &'a str) -> &'a str {
    if f.region.is_empty() || f.region == "global" {
        home
    } else {
        f.region.as_str()
    }
}

/// The finding's record, a global finding placed in `home`.
pub fn record_in(f: &Finding, home: &str) -> Value {
    let region = region_of(f, home);
    let partition = crate::model::partition(region);
    let (compliance, record_state, workflow) = match f.status {
        Status::Open => ("FAILED", "ACTIVE", "NEW"),
        Status::Suppressed => ("FAILED", "ACTIVE", "SUPPRESSED"),
        Status::Resolved => ("PASSED", "ARCHIVED", "RESOLVED"),
    };
    let mut types = vec!["Software and Configuration Checks/AWS Security Best Practices".to_string()];
    if f.compliance.iter().filter_map(|c| crate::compliance::framework_of(c)).any(|fw| fw != crate::compliance::Framework::Fsbp) {
        types.push("Software and Configuration Checks/Industry and Regulatory Standards/CIS AWS Foundations Benchmark".into());
    }
    let mut product_fields = serde_json::Map::new();
    product_fields.insert("vigil/status".into(), json!(f.status.as_str()));
    if let Some(r) = f.risk_score {
        product_fields.insert("vigil/risk_score".into(), json!(r.to_string()));
    }
    if let Some(r) = &f.resolution {
        product_fields.insert("vigil/resolution".into(), json!(r));
    }
    let mut record = json!({
        "SchemaVersion": SCHEMA_VERSION,
        "Id": id(f),
        "ProductArn": format!("arn:{partition}:securityhub:{region}:{}:product/{}/default", f.account_id, f.account_id),
        "ProductName": "vigil",
        "CompanyName": "vigil",
        "GeneratorId": format!("vigil/{}", f.check_id),
        "AwsAccountId": f.account_id,
        "Region": region,
        "Types": types,
        "CreatedAt": f.first_seen,
        "UpdatedAt": f.last_seen,
        "Severity": {"Label": label(f.severity), "Original": f.severity.as_str()},
        "Title": cut(&f.title, TITLE_MAX),
        "Description": cut(format!("{} {}", f.detail, f.remediation).trim(), DESCRIPTION_MAX),
        "Remediation": {"Recommendation": {"Text": cut(&f.remediation, RECOMMENDATION_MAX)}},
        "Resources": [{
            "Type": resource_type(f.resource_type.as_str()),
            "Id": f.resource_arn,
            "Partition": partition,
            "Region": region,
        }],
        "Compliance": {"Status": compliance, "RelatedRequirements": f.compliance},
        "RecordState": record_state,
        "Workflow": {"Status": workflow},
        "ProductFields": product_fields,
    });
    // Who accepted the risk and why, as Security Hub shows a note on the finding.
    if let Some(t) = &f.triage {
        record["Note"] = json!({"Text": cut(&t.describe(), NOTE_MAX), "UpdatedBy": cut(&t.by, NOTE_BY_MAX), "UpdatedAt": t.at});
    }
    record
}

pub fn render(findings: &[Finding]) -> Result<String, RenderError> {
    let records: Vec<Value> = findings.iter().map(record).collect();
    Ok(serde_json::to_string_pretty(&records)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::testing::finding;

    #[test]
    fn resource_types_follow_asff_names() {
        for (cfn, asff) in [
            ("AWS::S3::Bucket", "AwsS3Bucket"),
            ("AWS::IAM::User", "AwsIamUser"),
            ("AWS::EC2::SecurityGroup", "AwsEc2SecurityGroup"),
            ("AWS::RDS::DBInstance", "AwsRdsDbInstance"),
            ("AWS::EC2::Volume", "AwsEc2Volume"),
            ("AWS::::Account", "AwsAccount"),
            ("AWS::::AccountRegion", "AwsAccount"),
            ("AWS::EC2::VPC", "AwsEc2Vpc"),
            ("AWS::EC2::Subnet", "AwsEc2Subnet"),
            ("AWS::EC2::RouteTable", "AwsEc2RouteTable"),
            ("AWS::EC2::FlowLog", "Other"),
            ("AWS::IAM::Policy", "AwsIamPolicy"),
        ] {
            assert_eq!(resource_type(cfn), asff, "{cfn}");
        }
    }

    #[test]
    fn lifecycle_maps_to_compliance_record_state_and_workflow() {
        for (status, want) in [(Status::Open, ("FAILED", "ACTIVE", "NEW")), (Status::Suppressed, ("FAILED", "ACTIVE", "SUPPRESSED")), (Status::Resolved, ("PASSED", "ARCHIVED", "RESOLVED"))] {
            let r = record(&finding(status));
            let got = (r["Compliance"]["Status"].as_str().unwrap(), r["RecordState"].as_str().unwrap(), r["Workflow"]["Status"].as_str().unwrap());
            assert_eq!(got, want, "{status:?}");
        }
    }

    #[test]
    fn accepted_risk_is_a_note() {
        let mut f = finding(Status::Suppressed);
        f.triage = Some(crate::findings::Triage { by: "arn:aws:iam::123456789012:user/sec".into(), reason: "WAF in front".into(), at: "2026-11-01T00:00:00.000Z".into(), until: Some("2026-12-01T00:00:00.000Z".into()) });
        let r = record(&f);
        assert_eq!(r["Workflow"]["Status"], "SUPPRESSED");
        assert_eq!(r["Note"]["UpdatedBy"], "arn:aws:iam::123456789012:user/sec");
        assert!(r["Note"]["Text"].as_str().unwrap().ends_with("until 2026-12-01T00:00:00.000Z: WAF in front"));
    }

    #[test]
    fn every_required_field_is_present_and_text_fits() {
        let mut f = finding(Status::Open);
        f.detail = "x".repeat(5000);
        let r = record(&f);
        for field in ["SchemaVersion", "Id", "ProductArn", "GeneratorId", "AwsAccountId", "Types", "CreatedAt", "UpdatedAt", "Severity", "Title", "Description", "Resources"] {
            assert!(!r[field].is_null(), "{field}");
        }
        assert_eq!(r["Description"].as_str().unwrap().chars().count(), DESCRIPTION_MAX);
        assert_eq!(r["ProductArn"], "arn:aws:securityhub:eu-west-1:123456789012:product/123456789012/default");
    }
}
