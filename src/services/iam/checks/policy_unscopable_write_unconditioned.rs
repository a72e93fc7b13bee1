//! `iam_policy_unscopable_write_unconditioned`: write actions that no policy can limit to a
//! resource (the reference lists no resource type for them), granted with no condition. Naming
//! resources cannot narrow these; only conditions, a permissions boundary or removal can.

use crate::services::iam::checks::lint_allows;
use super::policy_wildcard_resource_unconditioned::unconditioned_on_everything;
use super::Documents;
use crate::check::{Check, Context, Outcome};
use crate::model::Severity;
use std::collections::BTreeSet;

pub static CHECK: Check = Check {
    id: "iam_policy_unscopable_write_unconditioned",
    title: "IAM policy allows write actions that cannot be limited to a resource, without a condition",
    severity: Severity::Low,
    resource_types: &[crate::services::iam::POLICY, crate::services::iam::USER, crate::services::iam::ROLE, crate::services::iam::GROUP],
    risk: "Some write actions (creating an S3 batch job, publishing metrics, creating default VPCs) apply to \
           the whole account and cannot be limited to resources. Granted without a condition, they work in \
           every region and for every value the caller chooses.",
    remediation: "Keep only the actions the workload needs, and narrow them with a condition: a key the \
                  action supports (listed in the finding), or aws:RequestedRegion, aws:SourceVpc or \
                  aws:PrincipalTag; or cap the principal with a permissions boundary.",
    remediation_cli: "aws iam get-policy --policy-arn {id}",
    compliance: &[],
    eval: &super::OnDocuments(eval),
    advice: None,
};

/// How many of an action list's condition keys the detail names.
const KEYS_SHOWN: usize = 4;

fn eval(docs: &Documents, _: &Context) -> Option<Outcome> {
    Some(lint_allows(docs, |s| {
        let found: Vec<String> = unconditioned_on_everything(s, docs)
            .into_iter()
            .filter(|(_, w)| !w.reach_resources() && !w.unscopable.is_empty())
            .map(|(what, w)| {
                // The service's own keys first: they say most about what the action may do.
                let keys: BTreeSet<(bool, &str)> =
                    w.unscopable.iter().flat_map(|a| a.condition_keys()).map(|k| (k.starts_with("aws:"), k)).collect();
                let named = match w.unscopable.as_slice() {
                    [one] if one.full_name().eq_ignore_ascii_case(&what) => what,
                    many => format!("{what} ({} write actions)", many.len()),
                };
                if keys.is_empty() {
                    format!("{named}, which supports no condition key of its own")
                } else {
                    let shown: Vec<&str> = keys.iter().take(KEYS_SHOWN).map(|(_, k)| *k).collect();
                    let more = keys.len().saturating_sub(KEYS_SHOWN);
                    let tail = if more > 0 { format!(" and {more} more") } else { String::new() };
                    format!("{named}, which can be narrowed by {}{tail}", shown.join(", "))
                }
            })
            .collect();
        (!found.is_empty()).then(|| format!("{} on * with no condition", found.join("; ")))
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::services::iam::checks::fixtures::lint;

    fn run(statement: &str) -> Outcome {
        lint(eval, statement)
    }

    #[test]
    fn unscopable_writes_are_reported_with_the_keys_that_can_narrow_them() {
        let Outcome::Fail(f) = run(r#"{"Effect":"Allow","Action":"s3:CreateJob","Resource":"*"}"#) else { panic!() };
        assert!(f.detail.starts_with("inline:p statement 0 allows s3:CreateJob, which can be narrowed by "), "{}", f.detail);
        assert!(f.detail.contains("s3:RequestJobOperation"), "{}", f.detail);
        assert!(f.detail.ends_with("on * with no condition"), "{}", f.detail);
    }

    #[test]
    fn conditioned_scopable_read_or_denied_grants_pass() {
        for statement in [
            r#"{"Effect":"Allow","Action":"s3:CreateJob","Resource":"*","Condition":{"StringEquals":{"s3:RequestJobOperation":"S3PutObjectCopy"}}}"#,
            r#"{"Effect":"Allow","Action":"s3:PutObject","Resource":"*"}"#,
            r#"{"Effect":"Allow","Action":"sts:GetCallerIdentity","Resource":"*"}"#,
            r#"{"Effect":"Allow","Action":"s3:*","Resource":"*"}"#,
            r#"{"Effect":"Allow","Action":"s3:CreateJob","Resource":"*"},{"Effect":"Deny","Action":"s3:*","Resource":"*"}"#,
        ] {
            assert_eq!(run(statement), Outcome::Pass, "{statement}");
        }
    }

    #[test]
    fn a_wildcard_of_only_unscopable_writes_is_counted() {
        let Outcome::Fail(f) = run(r#"{"Effect":"Allow","Action":"ec2:CreateDefault*","Resource":"*"}"#) else { panic!() };
        assert!(f.detail.contains("ec2:CreateDefault* (2 write actions)"), "{}", f.detail);
    }
}
