//! CSV: one row per finding, with a header and stable columns (new columns are only ever added at
//! the end), quoted as RFC 4180 says.

use super::RenderError;
use crate::findings::Finding;

/// The columns, in order. A contract: spreadsheets and scripts address them by position.
pub const COLUMNS: &[&str] = &[
    "status",
    "severity",
    "check_id",
    "title",
    "resource_arn",
    "resource_type",
    "resource_id",
    "account_id",
    "region",
    "detail",
    "remediation",
    "compliance",
    "first_seen",
    "last_seen",
    "resolved_at",
    "resolution",
    "risk_score",
    "accepted_by",
    "accepted_reason",
    "accepted_until",
];

fn row(f: &Finding) -> Vec<String> {
    vec![
        f.status.as_str().to_string(),
        f.severity.as_str().to_string(),
        f.check_id.clone(),
        f.title.clone(),
        f.resource_arn.clone(),
        f.resource_type.as_str().to_string(),
        f.resource_id.clone(),
        f.account_id.clone(),
        f.region.clone(),
        f.detail.clone(),
        f.remediation.clone(),
        f.compliance.join(" "),
        f.first_seen.clone(),
        f.last_seen.clone(),
        f.resolved_at.clone().unwrap_or_default(),
        f.resolution.clone().unwrap_or_default(),
        f.risk_score.map(|r| r.to_string()).unwrap_or_default(),
        f.triage.as_ref().map(|t| t.by.clone()).unwrap_or_default(),
        f.triage.as_ref().map(|t| t.reason.clone()).unwrap_or_default(),
        f.triage.as_ref().and_then(|t| t.until.clone()).unwrap_or_default(),
    ]
}

pub fn render(findings: &[Finding]) -> Result<String, RenderError> {
    let mut w = ::csv::Writer::from_writer(Vec::new());
    let err = |e: ::csv::Error| RenderError::Csv(e.to_string());
    w.write_record(COLUMNS).map_err(err)?;
    for f in findings {
        w.write_record(row(f)).map_err(err)?;
    }
    let bytes = w.into_inner().map_err(|e| RenderError::Csv(e.to_string()))?;
    String::from_utf8(bytes).map_err(|e| RenderError::Csv(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::findings::Status;
    use crate::render::testing::finding;

    #[test]
    fn one_row_per_finding_under_a_stable_header_and_quoted() {
        let text = render(&[finding(Status::Open), finding(Status::Resolved)]).unwrap();
        let mut r = ::csv::Reader::from_reader(text.as_bytes());
        assert_eq!(r.headers().unwrap().iter().collect::<Vec<_>>(), COLUMNS);
        let rows: Vec<::csv::StringRecord> = r.records().map(Result::unwrap).collect();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows.iter().map(|r| r.len()).collect::<Vec<_>>(), vec![COLUMNS.len(); 2]);
        assert_eq!(&rows[0][9], "statement 0 allows anyone s3:GetObject, with \"quotes\", commas", "quotes and commas survive");
        assert_eq!((&rows[1][0], &rows[1][14], &rows[1][15]), ("RESOLVED", "2026-11-03T10:00:00Z", "fixed"));
        assert_eq!(&rows[0][11], "AWS FSBP S3.2 CIS 5.0.0 2.1.4");
    }
}
