//! `s3_bucket_versioning_disabled`: object versioning is not enabled.

use crate::check::{Check, Context, On, Outcome};
use crate::model::Severity;
use crate::services::s3::snapshot::{Bucket, Versioning};
use crate::compliance::fsbp;

pub static CHECK: Check = Check {
    id: "s3_bucket_versioning_disabled",
    title: "S3 bucket versioning is not enabled",
    severity: Severity::Medium,
    resource_types: &[crate::services::s3::BUCKET],
    risk: "Without versioning, an attacker or a faulty job that overwrites or deletes objects destroys them \
           for good: ransomware against S3 needs only s3:PutObject or s3:DeleteObject.",
    remediation: "Enable versioning, and add a lifecycle rule to expire old versions.",
    remediation_cli: "aws s3api put-bucket-versioning --bucket {id} --versioning-configuration Status=Enabled",
    compliance: &[fsbp("S3.14")],
    eval: &On(eval),
    advice: None,
};

fn eval(b: &Bucket, _: &Context) -> Option<Outcome> {
    Some(match b.versioning? {
        Versioning::Enabled => Outcome::Pass,
        Versioning::Suspended => Outcome::fail("versioning is suspended".into()),
        Versioning::Never => Outcome::fail("versioning has never been enabled".into()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::testing::*;
    use crate::services::s3::checks::testing::*;

    #[test]
    fn cases() {
        let mut b = Bucket::new("b", ACCOUNT, "us-east-1");
        for (state, failing) in [(Versioning::Enabled, false), (Versioning::Suspended, true), (Versioning::Never, true)] {
            b.versioning = Some(state);
            assert_eq!(fails(&CHECK, &b), failing, "{state:?}");
        }
    }
}
