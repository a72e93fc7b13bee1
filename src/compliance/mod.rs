//! Compliance frameworks: the controls of the CIS AWS Foundations Benchmark v3.0.0 and v5.0.0 and
//! of AWS Foundational Security Best Practices (embedded from `data/compliance/`), the typed
//! references each check carries, and which checks cover which control.

pub mod report;

use crate::check::Check;
use std::sync::OnceLock;

/// A framework `vigil compliance` reports on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Framework {
    Cis3,
    Cis5,
    Fsbp,
}

impl Framework {
    pub const ALL: [Framework; 3] = [Framework::Cis3, Framework::Cis5, Framework::Fsbp];

    /// The name `--framework` takes.
    pub fn key(self) -> &'static str {
        match self {
            Framework::Cis3 => "cis-3.0",
            Framework::Cis5 => "cis-5.0",
            Framework::Fsbp => "fsbp",
        }
    }

    pub fn parse(text: &str) -> Option<Framework> {
        Self::ALL.into_iter().find(|f| f.key().eq_ignore_ascii_case(text.trim()))
    }

    /// The framework as it names itself.
    pub fn title(self) -> &'static str {
        match self {
            Framework::Cis3 => "CIS AWS Foundations Benchmark v3.0.0",
            Framework::Cis5 => "CIS AWS Foundations Benchmark v5.0.0",
            Framework::Fsbp => "AWS Foundational Security Best Practices v1.0.0",
        }
    }

    /// How a finding's compliance reference names the framework (`CIS 5.0.0 1.3`).
    pub fn label(self) -> &'static str {
        match self {
            Framework::Cis3 => "CIS 3.0.0",
            Framework::Cis5 => "CIS 5.0.0",
            Framework::Fsbp => "AWS FSBP",
        }
    }

    fn data(self) -> &'static str {
        match self {
            Framework::Cis3 => include_str!("../../data/compliance/cis-3.0.tsv"),
            Framework::Cis5 => include_str!("../../data/compliance/cis-5.0.tsv"),
            Framework::Fsbp => include_str!("../../data/compliance/fsbp.tsv"),
        }
    }

    /// Where the control list comes from (the data file's source line).
    pub fn source(self) -> &'static str {
        self.data().lines().find_map(|l| l.strip_prefix("# source: ")).unwrap_or("unknown")
    }

    /// Every control, in the framework's order.
    pub fn controls(self) -> &'static [Control] {
        static PARSED: [OnceLock<Vec<Control>>; 3] = [OnceLock::new(), OnceLock::new(), OnceLock::new()];
        let slot = &PARSED[self as usize];
        // The embedded files are checked by `embedded_control_lists_parse`.
        slot.get_or_init(|| parse(self, self.data()).unwrap_or_default())
    }

    pub fn control(self, id: &str) -> Option<&'static Control> {
        self.controls().iter().find(|c| c.id == id)
    }
}

/// One control (a CIS recommendation or an FSBP control).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Control {
    pub framework: Framework,
    pub id: String,
    /// The CIS section, or the FSBP control's service.
    pub section: String,
    /// The CIS profile level (1 or 2); FSBP has none.
    pub level: Option<u8>,
    /// Whether the framework itself marks it as needing a person's judgement.
    pub manual: bool,
    pub title: String,
}

impl Control {
    /// The checks that evaluate this control.
    pub fn checks(&self) -> Vec<&'static Check> {
        crate::check::all().filter(|c| c.compliance.iter().any(|r| r.framework == self.framework && r.id == self.id)).collect()
    }
}

/// A control list that cannot be used.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum DataError {
    #[error("{0}: the header does not say `format 1`")]
    Format(&'static str),
    #[error("{framework} line {line}: expected 5 tab-separated columns (id, section, level, assessment, title)")]
    Columns { framework: &'static str, line: usize },
    #[error("{framework} line {line}: {what}")]
    Value { framework: &'static str, line: usize, what: String },
}

/// Parses a control list: `# … format 1` first, then `id section level assessment title` rows.
pub fn parse(framework: Framework, text: &str) -> Result<Vec<Control>, DataError> {
    let key = framework.key();
    if !text.lines().next().is_some_and(|l| l.starts_with('#') && l.trim_end().ends_with("format 1")) {
        return Err(DataError::Format(key));
    }
    let mut out: Vec<Control> = Vec::new();
    for (n, line) in text.lines().enumerate().filter(|(_, l)| !l.starts_with('#') && !l.trim().is_empty()) {
        let line_no = n + 1;
        let cols: Vec<&str> = line.split('\t').collect();
        let [id, section, level, assessment, title] = cols[..] else {
            return Err(DataError::Columns { framework: key, line: line_no });
        };
        let bad = |what: String| DataError::Value { framework: key, line: line_no, what };
        let level = match level {
            "-" => None,
            l => Some(l.parse::<u8>().map_err(|_| bad(format!("level {l:?} is not a number or -")))?),
        };
        let manual = match assessment {
            "manual" => true,
            "automated" => false,
            a => return Err(bad(format!("assessment {a:?} is neither manual nor automated"))),
        };
        if id.is_empty() || title.is_empty() {
            return Err(bad("empty id or title".into()));
        }
        if out.iter().any(|c| c.id == id) {
            return Err(bad(format!("{id} is listed twice")));
        }
        out.push(Control { framework, id: id.into(), section: section.into(), level, manual, title: title.into() });
    }
    Ok(out)
}

/// A check's reference to one control.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Ref {
    pub framework: Framework,
    pub id: &'static str,
}

/// An AWS Foundational Security Best Practices control (`S3.2`).
pub const fn fsbp(id: &'static str) -> Ref {
    Ref { framework: Framework::Fsbp, id }
}

/// A CIS AWS Foundations Benchmark v3.0.0 recommendation (`1.16`).
pub const fn cis3(id: &'static str) -> Ref {
    Ref { framework: Framework::Cis3, id }
}

/// A CIS AWS Foundations Benchmark v5.0.0 recommendation (`1.15`).
pub const fn cis5(id: &'static str) -> Ref {
    Ref { framework: Framework::Cis5, id }
}

impl std::fmt::Display for Ref {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.framework.label(), self.id)
    }
}

/// The framework a finding's stored compliance reference names (`CIS 5.0.0 1.3`, `AWS FSBP
/// S3.2`). Findings stored before the versions were named say `CIS 1.4`: that numbering is
/// v3.0.0's.
pub fn framework_of(reference: &str) -> Option<Framework> {
    if let Some(f) = Framework::ALL.into_iter().find(|f| reference.starts_with(f.label())) {
        return Some(f);
    }
    if reference.starts_with("CIS ") {
        return Some(Framework::Cis3);
    }
    None
}

/// Every CIS recommendation (v3.0.0 and v5.0.0) with the checks that cover it, or why none does;
/// committed as `docs/compliance/cis-aws-foundations.md`.
pub fn coverage_markdown(frameworks: &[Framework]) -> String {
    let mut out = String::from("# Compliance coverage\n\nGenerated by `vigil compliance --coverage`; a test fails when this file drifts.\n");
    for &framework in frameworks {
        let controls = framework.controls();
        let covered = controls.iter().filter(|c| !c.checks().is_empty()).count();
        out.push_str(&format!(
            "\n## {}\n\n{covered} of {} controls are evaluated by vigil. Source: {}.\n\n| control | level | assessment | vigil checks | title |\n|---|---|---|---|---|\n",
            framework.title(),
            controls.len(),
            framework.source()
        ));
        for c in controls {
            let checks = c.checks();
            let by = if checks.is_empty() {
                report::uncovered_reason(c)
            } else {
                checks.iter().map(|k| format!("`{}`", k.id)).collect::<Vec<_>>().join(", ")
            };
            let level = c.level.map_or("-".to_string(), |l| l.to_string());
            out.push_str(&format!("| {} | {level} | {} | {by} | {} |\n", c.id, if c.manual { "manual" } else { "automated" }, c.title.replace('|', "\\|")));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_control_lists_parse() {
        for f in Framework::ALL {
            let controls = parse(f, f.data()).unwrap_or_else(|e| panic!("{e}"));
            assert!(controls.len() > 50, "{}: {}", f.key(), controls.len());
        }
        assert_eq!(Framework::Cis3.controls().len(), 62);
        assert_eq!(Framework::Cis5.controls().len(), 63);
        assert_eq!(Framework::Cis5.control("1.3").map(|c| (c.manual, c.level)), Some((false, Some(1))));
        assert!(Framework::Fsbp.control("S3.2").is_some());
    }

    #[test]
    fn every_reference_a_check_makes_exists_in_its_framework() {
        for check in crate::check::all() {
            for r in check.compliance {
                assert!(r.framework.control(r.id).is_some(), "{}: {r} is not a control of {}", check.id, r.framework.title());
            }
        }
    }

    #[test]
    fn broken_control_lists_are_refused_with_the_line() {
        let head = "# x, format 1\n";
        assert_eq!(parse(Framework::Cis5, "# x, format 2\n"), Err(DataError::Format("cis-5.0")));
        assert_eq!(parse(Framework::Cis5, &format!("{head}1.1\tIAM\t1\tautomated\n")), Err(DataError::Columns { framework: "cis-5.0", line: 2 }));
        let e = parse(Framework::Cis5, &format!("{head}1.1\tIAM\tone\tautomated\tTitle\n")).unwrap_err();
        assert!(e.to_string().contains("line 2: level \"one\""), "{e}");
        let e = parse(Framework::Cis5, &format!("{head}1.1\tIAM\t1\tsometimes\tTitle\n")).unwrap_err();
        assert!(e.to_string().contains("sometimes"), "{e}");
        let e = parse(Framework::Cis5, &format!("{head}1.1\tIAM\t1\tmanual\tA\n1.1\tIAM\t1\tmanual\tB\n")).unwrap_err();
        assert!(e.to_string().contains("listed twice"), "{e}");
    }

    #[test]
    fn stored_references_name_their_framework() {
        assert_eq!(cis5("1.3").to_string(), "CIS 5.0.0 1.3");
        assert_eq!(fsbp("S3.2").to_string(), "AWS FSBP S3.2");
        for (text, want) in [("CIS 5.0.0 1.3", Some(Framework::Cis5)), ("CIS 3.0.0 1.4", Some(Framework::Cis3)), ("CIS 1.4", Some(Framework::Cis3)), ("AWS FSBP S3.2", Some(Framework::Fsbp)), ("NIST", None)] {
            assert_eq!(framework_of(text), want, "{text}");
        }
    }

    #[test]
    fn coverage_document_is_generated() {
        let want = coverage_markdown(&[Framework::Cis3, Framework::Cis5]);
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/compliance/cis-aws-foundations.md");
        if std::env::var_os("VIGIL_UPDATE_DOCS").is_some() {
            std::fs::create_dir_all(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/compliance")).unwrap();
            std::fs::write(path, &want).unwrap();
        }
        let have = std::fs::read_to_string(path).unwrap_or_default();
        assert!(have == want, "docs/compliance/cis-aws-foundations.md drifted from the registry; regenerate it with `vigil compliance --coverage > docs/compliance/cis-aws-foundations.md`");
    }
}
