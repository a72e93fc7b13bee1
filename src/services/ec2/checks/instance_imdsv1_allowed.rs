//! `ec2_instance_imdsv1_allowed`: an instance's metadata service answers requests without a token.

use crate::check::{Check, Context, On, Outcome};
use crate::compliance::{cis3, cis5, fsbp};
use crate::model::Severity;
use crate::services::ec2::snapshot::Instance;

pub static CHECK: Check = Check {
    id: "ec2_instance_imdsv1_allowed",
    title: "EC2 instance allows IMDSv1 (metadata without a session token)",
    severity: Severity::High,
    resource_types: &[crate::services::ec2::INSTANCE],
    risk: "A server-side request forgery in anything the instance runs (a proxy, a URL fetcher, an open \
           redirect) can GET http://169.254.169.254/ and read the instance role's temporary credentials; \
           IMDSv2's PUT-issued session token stops that request.",
    remediation: "Require session tokens (IMDSv2) on the instance, after checking its software uses an SDK \
                  from 2019 or later; set HttpTokens=required in launch templates and as the account default.",
    remediation_cli: "aws ec2 modify-instance-metadata-options --instance-id {id} --http-tokens required --http-endpoint enabled",
    compliance: &[fsbp("EC2.8"), cis3("5.6"), cis5("5.7")],
    eval: &On(eval),
    advice: None,
};

fn eval(i: &Instance, _: &Context) -> Option<Outcome> {
    if i.http_endpoint.as_deref() == Some("disabled") {
        return Some(Outcome::Pass);
    }
    Some(match i.http_tokens.as_deref()? {
        "required" => Outcome::Pass,
        other => Outcome::fail(format!("instance {} ({}) has HttpTokens={other}: the metadata service answers IMDSv1 requests", i.id, i.state)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::testing::ctx;

    fn instance(tokens: Option<&str>, endpoint: Option<&str>) -> Instance {
        Instance {
            id: "i-0abc".into(),
            state: "running".into(),
            http_tokens: tokens.map(str::to_string),
            http_endpoint: endpoint.map(str::to_string),
            tags: Default::default(),
        }
    }

    #[test]
    fn optional_tokens_fail_and_required_pass() {
        assert!(eval(&instance(Some("optional"), Some("enabled")), &ctx()).unwrap().is_fail());
        assert_eq!(eval(&instance(Some("required"), Some("enabled")), &ctx()), Some(Outcome::Pass));
    }

    #[test]
    fn a_disabled_endpoint_serves_nothing() {
        assert_eq!(eval(&instance(Some("optional"), Some("disabled")), &ctx()), Some(Outcome::Pass));
    }

    #[test]
    fn unreturned_options_are_no_verdict() {
        assert_eq!(eval(&instance(None, Some("enabled")), &ctx()), None);
    }
}
