//! `s3_bucket_public_acl`: the bucket ACL grants access to AllUsers or AuthenticatedUsers.

use crate::check::{Check, Context, On, Outcome};
use crate::model::Severity;
use crate::services::s3::snapshot::{Bucket, Grantee};
use crate::compliance::fsbp;

pub static CHECK: Check = Check {
    id: "s3_bucket_public_acl",
    title: "S3 bucket ACL grants public access",
    severity: Severity::Critical,
    resource_types: &[crate::services::s3::BUCKET],
    risk: "An ACL grant to AllUsers opens the bucket to anonymous internet users; AuthenticatedUsers opens \
           it to anyone with any AWS account. Either lets attackers list, read or write objects.",
    remediation: "Reset the ACL to private, and prefer bucket-owner-enforced object ownership so ACLs are ignored.",
    remediation_cli: "aws s3api put-bucket-acl --bucket {id} --acl private",
    compliance: &[fsbp("S3.2"), fsbp("S3.3")],
    eval: &On(eval),
    advice: None,
};

const PUBLIC_GROUPS: &[(&str, &str)] = &[
    ("http://acs.amazonaws.com/groups/global/AllUsers", "AllUsers"),
    ("http://acs.amazonaws.com/groups/global/AuthenticatedUsers", "AuthenticatedUsers"),
];

fn eval(b: &Bucket, _: &Context) -> Option<Outcome> {
    let grants = b.acl.as_ref()?;
    let public: Vec<String> = grants
        .iter()
        .filter_map(|g| match &g.grantee {
            Grantee::Group(uri) => PUBLIC_GROUPS
                .iter()
                .find(|(u, _)| u == uri)
                .map(|(_, name)| format!("grant {} to {name}", g.permission)),
            _ => None,
        })
        .collect();
    Some(if public.is_empty() { Outcome::Pass } else { Outcome::fail(public.join("; ")) })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::testing::*;
    use crate::services::s3::checks::testing::*;
    use crate::services::s3::snapshot::Grant;

    fn bucket(grants: Vec<Grant>) -> Bucket {
        let mut b = Bucket::new("b", ACCOUNT, "us-east-1");
        b.acl = Some(grants);
        b
    }

    fn grant(grantee: Grantee, permission: &str) -> Grant {
        Grant { grantee, permission: permission.into() }
    }

    #[test]
    fn cases() {
        let owner = grant(Grantee::CanonicalUser("abc".into()), "FULL_CONTROL");
        assert_eq!(eval(&bucket(vec![owner.clone()]), &ctx()), Some(Outcome::Pass));
        let log = grant(Grantee::Group("http://acs.amazonaws.com/groups/s3/LogDelivery".into()), "WRITE");
        assert_eq!(eval(&bucket(vec![owner.clone(), log]), &ctx()), Some(Outcome::Pass));
        let all = grant(Grantee::Group(PUBLIC_GROUPS[0].0.into()), "READ");
        assert_eq!(
            eval(&bucket(vec![owner.clone(), all]), &ctx()),
            Some(Outcome::fail("grant READ to AllUsers".into()))
        );
        let auth = grant(Grantee::Group(PUBLIC_GROUPS[1].0.into()), "WRITE");
        assert!(fails(&CHECK, &bucket(vec![auth])));
    }
}
