//! `ec2_ebs_default_encryption_off`: the region does not encrypt new EBS volumes by default.

use crate::check::{Check, Context, On, Outcome};
use crate::model::Severity;
use crate::services::ec2::snapshot::RegionSettings;
use crate::compliance::{cis3, cis5, fsbp};

pub static CHECK: Check = Check {
    id: "ec2_ebs_default_encryption_off",
    title: "EBS encryption by default is off in the region",
    severity: Severity::Medium,
    resource_types: &[crate::model::ACCOUNT_REGION],
    risk: "Every volume and snapshot created without an explicit encryption flag is stored in clear, so one \
           forgotten flag in a template leaves data readable wherever its snapshots are copied.",
    remediation: "Enable EBS encryption by default in every region you use.",
    remediation_cli: "aws ec2 enable-ebs-encryption-by-default",
    compliance: &[fsbp("EC2.7"), cis3("2.2.1"), cis5("5.1.1")],
    eval: &On(eval),
    advice: None,
};

fn eval(r: &RegionSettings, _: &Context) -> Option<Outcome> {
    Some(match r.ebs_encryption_by_default? {
        true => Outcome::Pass,
        false => Outcome::fail(format!("EBS encryption by default is off in {}", r.region)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::testing::ctx;

    #[test]
    fn off_fails_on_passes() {
        let mut r = RegionSettings { region: "eu-west-1".into(), ebs_encryption_by_default: Some(false) };
        assert_eq!(eval(&r, &ctx()), Some(Outcome::fail("EBS encryption by default is off in eu-west-1".into())));
        r.ebs_encryption_by_default = Some(true);
        assert_eq!(eval(&r, &ctx()), Some(Outcome::Pass));
    }
}
