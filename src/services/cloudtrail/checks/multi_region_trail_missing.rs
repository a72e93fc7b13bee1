//! `cloudtrail_multi_region_trail_missing`: no trail covers every region's management events.

use super::some_trail;
use crate::check::{Check, Context, On, Outcome};
use crate::compliance::{cis3, cis5, fsbp};
use crate::model::Severity;
use crate::services::cloudtrail::snapshot::{AccountTrails, Trail};

pub static CHECK: Check = Check {
    id: "cloudtrail_multi_region_trail_missing",
    title: "No multi-region CloudTrail trail logs all management events",
    severity: Severity::High,
    resource_types: &[crate::model::ACCOUNT],
    risk: "Activity in a region no trail covers, or of a kind no trail records, leaves no audit record: \
           intruders run their tools in the regions nobody watches.",
    remediation: "Create a multi-region trail that records read and write management events, and keep it logging.",
    remediation_cli: "aws cloudtrail create-trail --name main --s3-bucket-name TRAIL_BUCKET --is-multi-region-trail --enable-log-file-validation",
    compliance: &[fsbp("CloudTrail.1"), cis3("3.1"), cis5("3.1")],
    eval: &On(eval),
    advice: None,
};

fn eval(a: &AccountTrails, _: &Context) -> Option<Outcome> {
    some_trail(a, Trail::covers_the_account, "no multi-region trail is logging read and write management events")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::testing::ctx;
    use crate::services::cloudtrail::checks::fixtures::trail;
    use crate::services::cloudtrail::snapshot::{Recorded, Selectors};

    fn account(trails: Vec<Trail>) -> Option<Outcome> {
        eval(&AccountTrails { trails }, &ctx())
    }

    #[test]
    fn one_qualifying_trail_is_enough() {
        assert_eq!(account(vec![trail()]), Some(Outcome::Pass));
        let single = Trail { multi_region: Some(false), ..trail() };
        assert_eq!(account(vec![single.clone(), trail()]), Some(Outcome::Pass));
        let out = account(vec![single]).unwrap();
        assert!(matches!(&out, Outcome::Fail(f) if f.detail.contains("main (single-region)")), "{out:?}");
    }

    #[test]
    fn stopped_partial_or_absent_trails_fail_and_unread_ones_conclude_nothing() {
        assert!(account(vec![]).unwrap().is_fail(), "no trail at all");
        assert!(account(vec![Trail { logging: Some(false), ..trail() }]).unwrap().is_fail());
        let writes = Selectors { management: Recorded { read: false, write: true }, ..Selectors::default() };
        assert!(account(vec![Trail { selectors: Some(writes), ..trail() }]).unwrap().is_fail(), "write-only");
        assert_eq!(account(vec![Trail { logging: None, ..trail() }]), None);
    }
}
