//! `guardduty_not_enabled`: no enabled GuardDuty detector in the region.

use crate::check::{Check, Context, On, Outcome};
use crate::compliance::fsbp;
use crate::model::Severity;
use crate::services::guardduty::snapshot::Detectors;

pub static CHECK: Check = Check {
    id: "guardduty_not_enabled",
    title: "GuardDuty is not enabled in the region",
    severity: Severity::High,
    resource_types: &[crate::model::ACCOUNT_REGION],
    risk: "Nothing watches the region for compromised credentials, crypto-mining, reconnaissance or \
           data exfiltration: an intruder working there raises no alarm. Deleting the detector is how \
           intruders blind an account.",
    remediation: "Enable GuardDuty in every region (an organization-wide delegated administrator makes it automatic).",
    remediation_cli: "aws guardduty create-detector --enable",
    compliance: &[fsbp("GuardDuty.1")],
    eval: &On(eval),
    advice: None,
};

fn eval(d: &Detectors, _: &Context) -> Option<Outcome> {
    if d.detectors.iter().any(|(_, on)| *on == Some(true)) {
        return Some(Outcome::Pass);
    }
    if d.detectors.iter().any(|(_, on)| on.is_none()) {
        return None;
    }
    Some(Outcome::fail(match d.detectors.first() {
        None => "no GuardDuty detector in the region".to_string(),
        Some((id, _)) => format!("GuardDuty detector {id} is suspended"),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::testing::ctx;

    fn run(detectors: &[(&str, Option<bool>)]) -> Option<Outcome> {
        eval(&Detectors { detectors: detectors.iter().map(|(i, on)| (i.to_string(), *on)).collect() }, &ctx())
    }

    #[test]
    fn an_enabled_detector_passes_none_or_a_suspended_one_fails() {
        assert_eq!(run(&[("d1", Some(true))]), Some(Outcome::Pass));
        assert!(run(&[]).unwrap().is_fail());
        assert!(matches!(run(&[("d1", Some(false))]), Some(Outcome::Fail(f)) if f.detail.contains("suspended")));
        assert_eq!(run(&[("d1", None)]), None);
    }
}
