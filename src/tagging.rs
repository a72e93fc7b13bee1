//! Checks over any service's resources, judged on what every collector already reads: tags.
//!
//! A service reads its resources' tags for scope and exemption; the judge hands those tags to the
//! checks listed here for every resource of a type that carries tags ([`crate::model::TypeInfo::tags`]),
//! so a rule about tags is written once, not once per service.

use crate::check::{Check, Context, On, Outcome};
use crate::model::Severity;
use crate::service::Tags;

/// The cross-service checks, in catalogue order (after every service's own).
pub static CHECKS: &[&Check] = &[&REQUIRED_TAGS_MISSING];

/// What a cross-service check sees of a resource: its tags, as its collector read them.
#[derive(Debug)]
pub struct Tagged {
    pub tags: Tags,
}

/// Whether a check applies to every taggable type rather than to the types it lists.
pub fn is_cross_service(check: &Check) -> bool {
    CHECKS.iter().any(|c| std::ptr::eq(*c, check))
}

pub static REQUIRED_TAGS_MISSING: Check = Check {
    id: "resource_required_tags_missing",
    title: "Resource lacks a tag the organisation requires",
    severity: Severity::Low,
    resource_types: &[],
    risk: "An untagged resource has no known owner or environment: nobody is paged for its findings, cost and \
           incident triage stall, and tag-based access control (ABAC) and backup policies skip it.",
    remediation: "Add the missing tags (REQUIRED_TAGS lists them), and enforce them at creation with a tag \
                  policy or an SCP on aws:RequestTag.",
    remediation_cli: "aws resourcegroupstaggingapi tag-resources --resource-arn-list {id} --tags owner=TEAM",
    compliance: &[],
    eval: &On(eval),
    advice: None,
};

/// Whether a cross-service check is switched off by the settings: its open findings resolve as
/// out of scope at the next full scan.
pub fn is_off(check_id: &str, settings: &crate::config::Settings) -> bool {
    check_id == REQUIRED_TAGS_MISSING.id && settings.required_tags.is_empty()
}

/// Not evaluated while `REQUIRED_TAGS` is unset (see [`is_off`]).
fn eval(t: &Tagged, ctx: &Context) -> Option<Outcome> {
    if ctx.required_tags.is_empty() {
        return None;
    }
    let unmet: Vec<String> = ctx.required_tags.iter().filter_map(|rule| rule.unmet(&t.tags)).collect();
    Some(if unmet.is_empty() { Outcome::Pass } else { Outcome::fail(format!("required tags: {}", unmet.join("; "))) })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::testing::ctx;

    fn tags(pairs: &[(&str, &str)]) -> Tags {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    fn judge(pairs: &[(&str, &str)], ctx: &Context) -> Outcome {
        REQUIRED_TAGS_MISSING.evaluate(&Tagged { tags: tags(pairs) }, ctx).expect("always a verdict")
    }

    #[test]
    fn every_required_key_must_be_present_with_an_allowed_value() {
        let c = ctx();
        assert_eq!(judge(&[("owner", "payments"), ("environment", "prod")], &c), Outcome::Pass);
        assert_eq!(judge(&[("environment", "prod")], &c), Outcome::fail("required tags: owner is missing".into()));
        assert_eq!(judge(&[("owner", "x"), ("environment", "staging")], &c), Outcome::fail("required tags: environment=staging is not one of prod|dev".into()));
        assert!(judge(&[], &c).is_fail());
        assert_eq!(judge(&[("Owner", "x"), ("environment", "dev")], &c), Outcome::fail("required tags: owner is missing".into()), "keys are case-sensitive, as in AWS");
    }

    #[test]
    fn nothing_required_is_not_evaluated() {
        let c = Context { required_tags: vec![], ..ctx() };
        assert_eq!(REQUIRED_TAGS_MISSING.evaluate(&Tagged { tags: tags(&[]) }, &c), None);
        let unset = crate::config::Settings::default();
        assert!(is_off(REQUIRED_TAGS_MISSING.id, &unset));
        assert!(!is_off("s3_bucket_public_acl", &unset));
    }
}
