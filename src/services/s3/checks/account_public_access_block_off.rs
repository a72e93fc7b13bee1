//! `s3_account_public_access_block_off`: the account-level S3 Block Public Access is not all on.

use crate::check::{Check, Context, On, Outcome};
use crate::compliance::{cis5, fsbp};
use crate::model::{Severity, ACCOUNT};
use crate::services::s3::snapshot::AccountPublicAccess;

pub static CHECK: Check = Check {
    id: "s3_account_public_access_block_off",
    title: "Account-level S3 Block Public Access is not fully enabled",
    severity: Severity::High,
    resource_types: &[ACCOUNT],
    risk: "Without the account-wide block, every new bucket depends on its own settings: one public ACL or \
           policy on any bucket, now or later, exposes its objects to the internet.",
    remediation: "Turn on all four account-level settings; grant public access, where truly needed, through \
                  CloudFront rather than a public bucket.",
    remediation_cli: "aws s3control put-public-access-block --account-id {id} --public-access-block-configuration BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=true,RestrictPublicBuckets=true",
    compliance: &[fsbp("S3.1"), cis5("2.1.4")],
    eval: &On(eval),
    advice: None,
};

fn eval(a: &AccountPublicAccess, _: &Context) -> Option<Outcome> {
    let b = a.block?;
    let off: Vec<&str> = [
        ("BlockPublicAcls", b.block_public_acls),
        ("IgnorePublicAcls", b.ignore_public_acls),
        ("BlockPublicPolicy", b.block_public_policy),
        ("RestrictPublicBuckets", b.restrict_public_buckets),
    ]
    .into_iter()
    .filter(|(_, on)| !on)
    .map(|(name, _)| name)
    .collect();
    Some(if off.is_empty() { Outcome::Pass } else { Outcome::fail(format!("account-level {} off", off.join(", "))) })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::testing::ctx;
    use crate::services::s3::snapshot::PublicAccessBlock;

    #[test]
    fn every_setting_must_be_on() {
        let all = PublicAccessBlock { block_public_acls: true, ignore_public_acls: true, block_public_policy: true, restrict_public_buckets: true };
        assert_eq!(eval(&AccountPublicAccess { block: Some(all) }, &ctx()), Some(Outcome::Pass));
        let one_off = PublicAccessBlock { restrict_public_buckets: false, ..all };
        assert_eq!(eval(&AccountPublicAccess { block: Some(one_off) }, &ctx()), Some(Outcome::fail("account-level RestrictPublicBuckets off".into())));
        assert!(eval(&AccountPublicAccess { block: Some(PublicAccessBlock::default()) }, &ctx()).unwrap().is_fail());
        assert_eq!(eval(&AccountPublicAccess { block: None }, &ctx()), None);
    }
}
