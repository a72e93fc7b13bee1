//! `config_recorder_disabled`: no recorder records every supported resource type in the region.

use crate::check::{Check, Context, On, Outcome};
use crate::compliance::{cis3, cis5, fsbp};
use crate::model::Severity;
use crate::services::config::snapshot::{Recorder, Recorders};

pub static CHECK: Check = Check {
    id: "config_recorder_disabled",
    title: "AWS Config is not recording every resource type",
    severity: Severity::Medium,
    resource_types: &[crate::model::ACCOUNT_REGION],
    risk: "Without a configuration history nobody can say what a resource looked like before an \
           incident, what changed and when; an intruder stops the recorder to hide changes.",
    remediation: "Record all supported resource types in every region, global types (IAM) in one, and keep the recorder running.",
    remediation_cli: "aws configservice start-configuration-recorder --configuration-recorder-name default",
    compliance: &[fsbp("Config.1"), cis3("3.3"), cis5("3.3")],
    eval: &On(eval),
    advice: None,
};

/// What keeps a recorder from recording everything, or `None` when it does; `Err` when a field
/// it needs was not returned.
fn shortfall(r: &Recorder, home: bool) -> Result<Option<String>, ()> {
    let mut out = Vec::new();
    if !r.recording.ok_or(())? {
        out.push("not recording");
    }
    if !r.all_supported.ok_or(())? {
        out.push("not every supported type");
    }
    if home && !r.global_types.ok_or(())? {
        out.push("no global types (IAM) in the home region");
    }
    Ok((!out.is_empty()).then(|| format!("recorder {} {}", r.name, out.join(", "))))
}

fn eval(rs: &Recorders, _: &Context) -> Option<Outcome> {
    if rs.recorders.is_empty() {
        return Some(Outcome::fail("no configuration recorder in the region".into()));
    }
    let mut problems = Vec::new();
    for r in &rs.recorders {
        match shortfall(r, rs.home) {
            Ok(None) => return Some(Outcome::Pass),
            Ok(Some(p)) => problems.push(p),
            Err(()) => return None,
        }
    }
    Some(Outcome::fail(problems.join("; ")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::testing::ctx;

    fn recorder() -> Recorder {
        Recorder { name: "default".into(), all_supported: Some(true), global_types: Some(true), recording: Some(true) }
    }

    fn run(r: Vec<Recorder>, home: bool) -> Option<Outcome> {
        eval(&Recorders { recorders: r, home }, &ctx())
    }

    #[test]
    fn a_recorder_of_everything_that_runs_passes() {
        assert_eq!(run(vec![recorder()], true), Some(Outcome::Pass));
        assert_eq!(run(vec![Recorder { global_types: Some(false), ..recorder() }], false), Some(Outcome::Pass), "global types are recorded once, at home");
    }

    #[test]
    fn missing_stopped_partial_recorders_fail_and_unknown_fields_conclude_nothing() {
        assert!(matches!(run(vec![], true), Some(Outcome::Fail(f)) if f.detail.contains("no configuration recorder")));
        assert!(matches!(run(vec![Recorder { recording: Some(false), ..recorder() }], true), Some(Outcome::Fail(f)) if f.detail.contains("not recording")));
        assert!(run(vec![Recorder { all_supported: Some(false), ..recorder() }], true).unwrap().is_fail());
        assert!(run(vec![Recorder { global_types: Some(false), ..recorder() }], true).unwrap().is_fail());
        assert_eq!(run(vec![Recorder { recording: None, ..recorder() }], true), None);
    }
}
