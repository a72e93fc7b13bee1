//! Every format vigil writes findings in: one typed input (the findings, with the run that
//! produced them when there is one), one file per format. `--format` on `scan`, `audit`, `event`
//! and `findings` picks one; `--out FILE` writes it to a file. `report --format` writes it
//! beside `audit.json`.

pub mod asff;
pub mod csv;
pub mod html;
pub mod ocsf;

use crate::engine::RunReport;
use crate::findings::Finding;
use chrono::{DateTime, Utc};

/// An output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Aligned columns and a run summary, for a terminal.
    Table,
    /// vigil's own finding items, as stored in DynamoDB.
    Json,
    /// One row per finding, with the columns of [`csv::COLUMNS`].
    Csv,
    /// OCSF 1.3 Compliance Finding (class 2003) records, one JSON object per line.
    Ocsf,
    /// AWS Security Finding Format 2018-10-08, as a JSON array ready for BatchImportFindings.
    Asff,
    /// One self-contained HTML page: charts, compliance, escalation paths, a filterable table.
    Html,
}

/// What renders need besides the findings.
#[derive(Debug, Clone)]
pub struct Context {
    /// When the output is made: the time of records that describe no observation.
    pub now: DateTime<Utc>,
}

/// Why a render failed.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("cannot write JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error("cannot write CSV: {0}")]
    Csv(String),
}

/// Renders `findings` (with the run's summary for the table, when there was a run).
pub fn render(format: Format, findings: &[Finding], run: Option<&RunReport>, cx: &Context) -> Result<String, RenderError> {
    Ok(match format {
        Format::Table => {
            let mut out = crate::report::findings_table(findings);
            if let Some(r) = run {
                out.push_str(&crate::report::summary(r));
            }
            out
        }
        Format::Json => serde_json::to_string_pretty(findings)? + "\n",
        Format::Csv => csv::render(findings)?,
        Format::Ocsf => ocsf::render(findings, cx)?,
        Format::Asff => asff::render(findings)? + "\n",
        Format::Html => html::render(findings, run, cx)?,
    })
}

/// A stored RFC 3339 time as epoch milliseconds; `None` when it does not parse.
fn epoch_ms(text: &str) -> Option<i64> {
    DateTime::parse_from_rfc3339(text).ok().map(|t| t.timestamp_millis())
}

/// The standards a finding's compliance ids belong to, as frameworks name themselves.
fn standards(compliance: &[String]) -> Vec<&'static str> {
    let mut out: Vec<&'static str> = compliance.iter().filter_map(|id| crate::compliance::framework_of(id)).map(|f| f.title()).collect();
    out.sort();
    out.dedup();
    out
}

#[cfg(test)]
pub(crate) mod testing {
    //! Findings in each lifecycle state, for the format tests.
    use crate::findings::{Finding, Status};
    use crate::model::Severity;

    pub fn finding(status: Status) -> Finding {
        let mut f: Finding = serde_json::from_value(serde_json::json!({
            "resource_arn": "arn:aws:s3:::logs-bucket",
            "check_id": "s3_bucket_public_policy",
            "title": "S3 bucket policy grants public access",
            "severity": "CRITICAL",
            "status": "OPEN",
            "resource_type": "AWS::S3::Bucket",
            "resource_id": "logs-bucket",
            "account_id": "123456789012",
            "region": "eu-west-1",
            "detail": "statement 0 allows anyone s3:GetObject, with \"quotes\", commas",
            "remediation": "Remove the public statement.",
            "compliance": ["AWS FSBP S3.2", "CIS 5.0.0 2.1.4"],
            "first_seen": "2026-11-01T10:00:00Z",
            "last_seen": "2026-11-02T10:00:00Z",
            "observed_at": "2026-11-02T10:00:00Z",
            "opened_at": "2026-11-01T10:00:00Z",
            "status_severity": "OPEN#CRITICAL",
        }))
        .expect("fixture");
        f.status = status;
        f.severity = Severity::Critical;
        if status == Status::Resolved {
            f.resolved_at = Some("2026-11-03T10:00:00Z".into());
            f.resolution = Some("fixed".into());
        }
        f
    }

    pub fn cx() -> super::Context {
        super::Context { now: chrono::DateTime::parse_from_rfc3339("2026-11-04T00:00:00Z").unwrap().into() }
    }
}
