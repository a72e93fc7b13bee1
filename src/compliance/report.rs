//! Per-control verdicts of one framework from a set of findings (stored, or from a live scan), and
//! the compliance report as a table, JSON, CSV or a self-contained HTML page.

use super::{Control, Framework};
use crate::findings::{Finding, Status};
use crate::render::RenderError;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// What a control came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Pass,
    Fail,
    NotEvaluated,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Fail => "fail",
            Verdict::NotEvaluated => "not evaluated",
        }
    }
}

/// One control's result.
#[derive(Debug, Clone, Serialize)]
pub struct ControlResult {
    pub id: String,
    pub title: String,
    pub section: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub level: Option<u8>,
    pub assessment: &'static str,
    pub verdict: Verdict,
    /// Why a control was not evaluated, or what a pass leaves out (accepted risks).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    pub checks: Vec<&'static str>,
    /// Resources with an OPEN finding of a covering check.
    pub failing: Vec<String>,
    /// Resources whose finding is SUPPRESSED (accepted risk or exemption): not failing.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub accepted: Vec<String>,
}

/// What the verdicts are drawn from.
#[derive(Debug, Clone, Default)]
pub struct Evidence<'a> {
    /// OPEN and SUPPRESSED findings (RESOLVED ones are ignored).
    pub findings: &'a [Finding],
    /// The services audited (`SERVICES`).
    pub audited: BTreeSet<String>,
    /// Services with a failed read in the run the findings come from (live scans only), with the
    /// first failed operation.
    pub failed_reads: BTreeMap<String, String>,
    /// From a live scan: how many resources each check reached a verdict on. A control passes
    /// only when one of its checks concluded something. `None` (the findings table) cannot
    /// tell, and a pass there means "no open finding stored".
    pub evaluated: Option<&'a BTreeMap<&'static str, u64>>,
}

/// The whole report.
#[derive(Debug, Clone, Serialize)]
pub struct ComplianceReport {
    pub framework: &'static str,
    pub title: &'static str,
    pub source: &'static str,
    /// `store` or `live scan`.
    pub from: String,
    pub generated_at: String,
    pub passed: usize,
    pub failed: usize,
    pub not_evaluated: usize,
    pub controls: Vec<ControlResult>,
}

/// Why nothing in vigil evaluates a control.
pub fn uncovered_reason(c: &Control) -> String {
    let vigil_services: BTreeSet<String> = crate::services::all().iter().map(|s| s.name().to_string()).collect();
    if c.manual {
        "manual: the framework leaves it to a person's judgement".into()
    } else if c.framework == Framework::Fsbp && !vigil_services.contains(&c.section.to_ascii_lowercase()) {
        format!("service not audited: vigil has no {} collector", c.section)
    } else {
        "no vigil check yet".into()
    }
}

/// The service that owns a check.
fn service_of(check: &str) -> Option<&'static str> {
    crate::services::all().iter().find(|s| s.checks().iter().any(|c| c.id == check)).map(|s| s.name())
}

/// Judges every control of `framework`: FAIL when a covering check has an OPEN finding, PASS when
/// none has and every covering check's service was audited and read, NOT EVALUATED otherwise
/// (manual, no check, service not audited, or a read that failed).
pub fn evaluate(framework: Framework, evidence: &Evidence) -> Vec<ControlResult> {
    let mut by_check: BTreeMap<&str, Vec<&Finding>> = BTreeMap::new();
    for f in evidence.findings.iter().filter(|f| f.status != Status::Resolved) {
        by_check.entry(f.check_id.as_str()).or_default().push(f);
    }
    framework
        .controls()
        .iter()
        .map(|c| {
            let checks = c.checks();
            let mut failing = BTreeSet::new();
            let mut accepted = BTreeSet::new();
            for f in checks.iter().flat_map(|k| by_check.get(k.id).into_iter().flatten()) {
                if f.status == Status::Open {
                    failing.insert(f.resource_arn.clone());
                } else {
                    accepted.insert(f.resource_arn.clone());
                }
            }
            let services: BTreeSet<&str> = checks.iter().filter_map(|k| service_of(k.id)).collect();
            let unaudited: Vec<&str> = services.iter().copied().filter(|s| !evidence.audited.contains(*s)).collect();
            let failed: Vec<String> = services.iter().filter_map(|s| evidence.failed_reads.get(*s).map(|op| format!("{s} ({op})"))).collect();
            let (verdict, reason) = if checks.is_empty() {
                (Verdict::NotEvaluated, Some(uncovered_reason(c)))
            } else if !failing.is_empty() {
                (Verdict::Fail, None)
            } else if !unaudited.is_empty() {
                (Verdict::NotEvaluated, Some(format!("service not audited: {} (SERVICES)", unaudited.join(", "))))
            } else if !failed.is_empty() {
                (Verdict::NotEvaluated, Some(format!("read failed: {}", failed.join(", "))))
            } else if evidence.evaluated.is_some_and(|n| checks.iter().all(|k| n.get(k.id).copied().unwrap_or(0) == 0)) {
                (Verdict::NotEvaluated, Some("nothing to judge: no resource its checks apply to, or the data they need was not returned".into()))
            } else {
                let note = (!accepted.is_empty()).then(|| format!("{} accepted risk(s) not counted as failing", accepted.len()));
                (Verdict::Pass, note)
            };
            ControlResult {
                id: c.id.clone(),
                title: c.title.clone(),
                section: c.section.clone(),
                level: c.level,
                assessment: if c.manual { "manual" } else { "automated" },
                verdict,
                reason,
                checks: checks.iter().map(|k| k.id).collect(),
                failing: failing.into_iter().collect(),
                accepted: accepted.into_iter().collect(),
            }
        })
        .collect()
}

impl ComplianceReport {
    pub fn new(framework: Framework, evidence: &Evidence, from: &str, generated_at: String) -> Self {
        let controls = evaluate(framework, evidence);
        let count = |v: Verdict| controls.iter().filter(|c| c.verdict == v).count();
        ComplianceReport {
            framework: framework.key(),
            title: framework.title(),
            source: framework.source(),
            from: from.to_string(),
            generated_at,
            passed: count(Verdict::Pass),
            failed: count(Verdict::Fail),
            not_evaluated: count(Verdict::NotEvaluated),
            controls,
        }
    }

    fn summary(&self) -> String {
        format!(
            "{}: {} pass, {} fail, {} not evaluated, of {} controls (from the {}, {})",
            self.title,
            self.passed,
            self.failed,
            self.not_evaluated,
            self.controls.len(),
            self.from,
            self.generated_at
        )
    }

    /// Aligned columns, failing resources under their control.
    pub fn table(&self) -> String {
        let width = self.controls.iter().map(|c| c.id.len()).max().unwrap_or(2).max(7);
        let mut out = format!("{}\n\n{:width$}  {:13}  title / why\n", self.summary(), "control", "verdict");
        for c in &self.controls {
            let verdict = c.verdict.as_str().to_uppercase();
            out.push_str(&format!("{:width$}  {verdict:13}  {}\n", c.id, c.title));
            let pad = " ".repeat(width + 17);
            if !c.checks.is_empty() {
                out.push_str(&format!("{pad}checks: {}\n", c.checks.join(", ")));
            }
            if let Some(r) = &c.reason {
                out.push_str(&format!("{pad}{r}\n"));
            }
            for arn in &c.failing {
                out.push_str(&format!("{pad}- {arn}\n"));
            }
        }
        out
    }

    pub fn json(&self) -> Result<String, serde_json::Error> {
        serde_json::to_string_pretty(self)
    }

    /// One row per control under a fixed header.
    pub fn csv(&self) -> Result<String, RenderError> {
        let err = |e: ::csv::Error| RenderError::Csv(e.to_string());
        let mut w = ::csv::Writer::from_writer(Vec::new());
        w.write_record(["framework", "control", "verdict", "reason", "checks", "failing_resources", "accepted_resources", "level", "assessment", "title"]).map_err(err)?;
        for c in &self.controls {
            let level = c.level.map(|l| l.to_string()).unwrap_or_default();
            w.write_record([
                self.framework,
                &c.id,
                c.verdict.as_str(),
                c.reason.as_deref().unwrap_or(""),
                &c.checks.join(" "),
                &c.failing.join(" "),
                &c.accepted.join(" "),
                &level,
                c.assessment,
                &c.title,
            ])
            .map_err(err)?;
        }
        let bytes = w.into_inner().map_err(|e| RenderError::Csv(e.to_string()))?;
        String::from_utf8(bytes).map_err(|e| RenderError::Csv(e.to_string()))
    }

    /// One self-contained page: the score, then every control with its verdict and resources.
    pub fn html(&self) -> String {
        let esc = |s: &str| s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;");
        let evaluated = self.passed + self.failed;
        let score = if evaluated == 0 { "n/a".to_string() } else { format!("{:.0}%", self.passed as f64 * 100.0 / evaluated as f64) };
        let mut rows = String::new();
        for c in &self.controls {
            let class = match c.verdict {
                Verdict::Pass => "pass",
                Verdict::Fail => "fail",
                Verdict::NotEvaluated => "na",
            };
            let mut notes = String::new();
            if let Some(r) = &c.reason {
                notes.push_str(&format!("<div class=\"why\">{}</div>", esc(r)));
            }
            if !c.failing.is_empty() {
                let items: String = c.failing.iter().map(|a| format!("<li>{}</li>", esc(a))).collect();
                notes.push_str(&format!("<ul>{items}</ul>"));
            }
            rows.push_str(&format!(
                "<tr class=\"{class}\"><td>{}</td><td class=\"v\">{}</td><td>{}{notes}</td><td>{}</td></tr>\n",
                esc(&c.id),
                c.verdict.as_str(),
                esc(&c.title),
                c.checks.iter().map(|k| format!("<code>{}</code>", esc(k))).collect::<Vec<_>>().join(" ")
            ));
        }
        format!(
            "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title} — vigil</title>\n<style>\n\
             body{{font:14px system-ui,sans-serif;margin:2em;color:#222}} table{{border-collapse:collapse;width:100%}}\n\
             td,th{{border-bottom:1px solid #ddd;padding:6px;text-align:left;vertical-align:top}} .v{{font-weight:600;white-space:nowrap}}\n\
             tr.fail .v{{color:#b00020}} tr.pass .v{{color:#1b7a3a}} tr.na .v{{color:#777}} .why{{color:#666;font-size:12px}}\n\
             ul{{margin:4px 0;padding-left:18px;font-size:12px}} .score{{font-size:28px;font-weight:700}}\n\
             </style></head><body>\n<h1>{title}</h1>\n<p class=\"score\" id=\"score\">{score} of evaluated controls pass</p>\n\
             <p id=\"counts\">{passed} pass · {failed} fail · {na} not evaluated · {total} controls. From the {from}, {at}. Controls: {source}.</p>\n\
             <table><thead><tr><th>control</th><th>verdict</th><th>title, why, failing resources</th><th>vigil checks</th></tr></thead><tbody>\n{rows}</tbody></table>\n</body></html>\n",
            title = esc(self.title),
            passed = self.passed,
            failed = self.failed,
            na = self.not_evaluated,
            total = self.controls.len(),
            from = esc(&self.from),
            at = esc(&self.generated_at),
            source = esc(self.source),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::testing::finding;

    fn evidence(findings: &[Finding]) -> Evidence<'_> {
        Evidence { findings, audited: crate::services::all().iter().map(|s| s.name().to_string()).collect(), failed_reads: BTreeMap::new(), evaluated: None }
    }

    fn control<'a>(r: &'a [ControlResult], id: &str) -> &'a ControlResult {
        r.iter().find(|c| c.id == id).unwrap_or_else(|| panic!("{id}"))
    }

    #[test]
    fn an_open_finding_fails_its_controls_and_nothing_else() {
        // s3_bucket_public_policy covers FSBP S3.2 and S3.3.
        let open = finding(Status::Open);
        let r = evaluate(Framework::Fsbp, &evidence(std::slice::from_ref(&open)));
        assert_eq!(control(&r, "S3.2").verdict, Verdict::Fail);
        assert_eq!(control(&r, "S3.2").failing, vec![open.resource_arn.clone()]);
        assert_eq!(control(&r, "S3.5").verdict, Verdict::Pass, "another covered control passes");
        let acm = control(&r, "ACM.1");
        assert_eq!(acm.verdict, Verdict::NotEvaluated);
        assert!(acm.reason.as_deref().unwrap().contains("service not audited"), "{acm:?}");
    }

    #[test]
    fn accepted_and_resolved_findings_do_not_fail_a_control() {
        let findings = [finding(Status::Suppressed), Finding { resource_arn: "arn:aws:s3:::other".into(), ..finding(Status::Resolved) }];
        let r = evaluate(Framework::Fsbp, &evidence(&findings));
        let c = control(&r, "S3.2");
        assert_eq!((c.verdict, c.accepted.len()), (Verdict::Pass, 1));
        assert!(c.reason.as_deref().unwrap().contains("accepted"), "{c:?}");
    }

    #[test]
    fn manual_unaudited_and_unread_controls_are_not_evaluated_with_the_reason() {
        let mut e = evidence(&[]);
        let r = evaluate(Framework::Cis5, &e);
        assert!(control(&r, "1.1").reason.as_deref().unwrap().starts_with("manual"));
        assert_eq!(control(&r, "1.3").verdict, Verdict::Pass, "root access key: covered, audited, no finding");
        e.audited.remove("iam");
        let r = evaluate(Framework::Cis5, &e);
        assert_eq!(control(&r, "1.3").reason.as_deref(), Some("service not audited: iam (SERVICES)"));
        e.audited.insert("iam".into());
        e.failed_reads.insert("iam".into(), "iam:GetCredentialReport".into());
        let r = evaluate(Framework::Cis5, &e);
        let c = control(&r, "1.3");
        assert_eq!((c.verdict, c.reason.as_deref()), (Verdict::NotEvaluated, Some("read failed: iam (iam:GetCredentialReport)")));
        // From a live scan, a pass needs a check that concluded something.
        e.failed_reads.clear();
        let none = BTreeMap::new();
        let r = evaluate(Framework::Cis5, &Evidence { evaluated: Some(&none), ..e.clone() });
        assert_eq!(control(&r, "1.3").verdict, Verdict::NotEvaluated, "the root check concluded nothing");
        let once = BTreeMap::from([("iam_root_access_key", 1)]);
        assert_eq!(control(&evaluate(Framework::Cis5, &Evidence { evaluated: Some(&once), ..e }), "1.3").verdict, Verdict::Pass);
    }

    #[test]
    fn every_format_carries_every_control() {
        let open = finding(Status::Open);
        let report = ComplianceReport::new(Framework::Cis5, &evidence(std::slice::from_ref(&open)), "store", "2026-11-29T00:00:00Z".into());
        assert_eq!(report.passed + report.failed + report.not_evaluated, 63);
        let table = report.table();
        assert!(table.starts_with("CIS AWS Foundations Benchmark v5.0.0: "), "{table}");
        let json: serde_json::Value = serde_json::from_str(&report.json().unwrap()).unwrap();
        assert_eq!(json["controls"].as_array().unwrap().len(), 63);
        let csv = report.csv().unwrap();
        assert_eq!(csv.lines().count(), 64);
        assert!(csv.starts_with("framework,control,verdict,reason,checks,failing_resources"));
        let html = report.html();
        assert!(html.contains("<tr class=\"pass\">") && !html.contains("<script") && !html.contains("http"), "self-contained");
    }
}
