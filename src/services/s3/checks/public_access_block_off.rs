//! `s3_bucket_public_access_block_off`: the bucket's Block Public Access settings are not all on.

use crate::check::{Check, Context, On, Outcome};
use crate::model::Severity;
use crate::services::s3::snapshot::Bucket;
use crate::compliance::{cis3, cis5, fsbp};

pub static CHECK: Check = Check {
    id: "s3_bucket_public_access_block_off",
    title: "S3 bucket does not block public access",
    severity: Severity::High,
    resource_types: &[crate::services::s3::BUCKET],
    risk: "Without all four Block Public Access settings, one careless ACL or policy change makes the \
           bucket's objects readable or writable by anyone on the internet, with nothing to stop it.",
    remediation: "Turn on all four bucket-level Block Public Access settings.",
    remediation_cli: "aws s3api put-public-access-block --bucket {id} --public-access-block-configuration \
                      BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=true,RestrictPublicBuckets=true",
    compliance: &[fsbp("S3.8"), cis3("2.1.4"), cis5("2.1.4")],
    eval: &On(eval),
    advice: None,
};

fn eval(b: &Bucket, _: &Context) -> Option<Outcome> {
    let pab = b.public_access_block.as_ref()?;
    let off: Vec<&str> = [
        ("BlockPublicAcls", pab.block_public_acls),
        ("IgnorePublicAcls", pab.ignore_public_acls),
        ("BlockPublicPolicy", pab.block_public_policy),
        ("RestrictPublicBuckets", pab.restrict_public_buckets),
    ]
    .into_iter()
    .filter(|(_, on)| !on)
    .map(|(name, _)| name)
    .collect();
    Some(if off.is_empty() {
        Outcome::Pass
    } else {
        Outcome::fail(format!("Block Public Access settings off: {}", off.join(", ")))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::testing::*;
    use crate::services::s3::checks::testing::*;
    use crate::services::s3::snapshot::PublicAccessBlock;

    fn bucket(p: PublicAccessBlock) -> Bucket {
        let mut b = Bucket::new("b", ACCOUNT, "us-east-1");
        b.public_access_block = Some(p);
        b
    }

    #[test]
    fn cases() {
        let all = PublicAccessBlock {
            block_public_acls: true,
            ignore_public_acls: true,
            block_public_policy: true,
            restrict_public_buckets: true,
        };
        assert_eq!(eval(&bucket(all), &ctx()), Some(Outcome::Pass));
        let missing = bucket(PublicAccessBlock::default());
        assert!(fails(&CHECK, &missing));
        let one_off = PublicAccessBlock { restrict_public_buckets: false, ..all };
        assert_eq!(
            eval(&bucket(one_off), &ctx()),
            Some(Outcome::fail("Block Public Access settings off: RestrictPublicBuckets".into()))
        );
    }
}
