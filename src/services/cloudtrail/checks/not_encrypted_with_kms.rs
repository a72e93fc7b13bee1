//! `cloudtrail_not_encrypted_with_kms`: a trail's log files are not encrypted with a KMS key.

use crate::check::{Check, Context, On, Outcome};
use crate::compliance::{cis3, cis5, fsbp};
use crate::model::Severity;
use crate::services::cloudtrail::snapshot::Trail;

pub static CHECK: Check = Check {
    id: "cloudtrail_not_encrypted_with_kms",
    title: "CloudTrail logs are not encrypted with a KMS key",
    severity: Severity::Medium,
    resource_types: &[crate::services::cloudtrail::TRAIL],
    risk: "Anyone who can read the log bucket reads the account's whole activity history; with SSE-KMS, \
           reading also needs kms:Decrypt on the key, a second control that is itself logged.",
    remediation: "Encrypt the trail with a customer managed KMS key whose policy lets CloudTrail encrypt \
                  and only the auditors decrypt.",
    remediation_cli: "aws cloudtrail update-trail --name {id} --kms-key-id alias/cloudtrail",
    compliance: &[fsbp("CloudTrail.2"), cis3("3.5"), cis5("3.5")],
    eval: &On(eval),
    advice: None,
};

fn eval(t: &Trail, _: &Context) -> Option<Outcome> {
    Some(match &t.kms_key_id {
        Some(_) => Outcome::Pass,
        None => Outcome::fail(format!("trail {} delivers log files without a KMS key", t.name)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::testing::ctx;
    use crate::services::cloudtrail::checks::fixtures::trail;

    #[test]
    fn no_key_fails() {
        assert_eq!(eval(&trail(), &ctx()), Some(Outcome::Pass));
        assert!(eval(&Trail { kms_key_id: None, ..trail() }, &ctx()).unwrap().is_fail());
    }
}
