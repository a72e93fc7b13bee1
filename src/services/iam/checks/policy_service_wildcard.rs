//! `iam_policy_service_wildcard`: a policy allows every action of a service (`service:*`).

use crate::services::iam::checks::{denied_everywhere, lint_allows};
use super::Documents;
use crate::check::{Check, Context, Outcome};
use crate::model::Severity;

pub static CHECK: Check = Check {
    id: "iam_policy_service_wildcard",
    title: "IAM policy allows all actions of a service",
    severity: Severity::Medium,
    resource_types: &[crate::services::iam::POLICY, crate::services::iam::USER, crate::services::iam::ROLE, crate::services::iam::GROUP],
    risk: "`service:*` includes the service's destructive and permission-changing actions, and every action \
           the service adds later: `s3:*` can delete buckets and rewrite bucket policies, `iam:*` can create \
           administrators.",
    remediation: "List the actions the workload needs instead of `service:*`.",
    remediation_cli: "aws iam get-policy --policy-arn {id}",
    compliance: &["IAM.21"],
    eval: &super::OnDocuments(eval),
    advice: None,
};

/// `service:*`, `service:**`: every action of one service.
fn is_service_wildcard(pattern: &str) -> bool {
    pattern.split_once(':').is_some_and(|(svc, act)| {
        !svc.is_empty() && !svc.contains(['*', '?']) && !act.is_empty() && act.chars().all(|c| c == '*')
    })
}

fn eval(docs: &Documents, _: &Context) -> Option<Outcome> {
    Some(lint_allows(docs, |s| {
        let wild: Vec<&str> = s
            .action
            .iter()
            .flat_map(|a| a.iter())
            .filter(|a| is_service_wildcard(a) && !denied_everywhere(a, docs.governing))
            .map(String::as_str)
            .collect();
        (!wild.is_empty()).then(|| wild.join(", "))
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::services::iam::checks::fixtures::inline;
    use crate::services::iam::snapshot::NamedPolicy;
    use crate::check::testing::ctx;

    fn run(statement: &str) -> bool {
        let own = [inline("p", statement)];
        let governing: Vec<&NamedPolicy> = own.iter().collect();
        eval(&Documents { own: &own, governing: &governing }, &ctx()).unwrap().is_fail()
    }

    #[test]
    fn cases() {
        assert!(run(r#"{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::b/*"}"#));
        assert!(run(r#"{"Effect":"Allow","Action":["ec2:Describe*","IAM:*"],"Resource":"*"}"#));
        assert!(!run(r#"{"Effect":"Allow","Action":"s3:Get*","Resource":"*"}"#));
        assert!(!run(r#"{"Effect":"Deny","Action":"s3:*","Resource":"*"}"#), "Deny is fine");
        assert!(!run(r#"{"Effect":"Allow","Action":"*","Resource":"*"}"#), "full admin is iam_admin_access");
        assert!(!eval(&Documents { own: &[], governing: &[] }, &ctx()).unwrap().is_fail());
        assert!(!run(r#"{"Effect":"Allow","Action":"s3:*","Resource":"*"},{"Effect":"Deny","Action":"s3:*","Resource":"*"}"#), "denied");
    }
}
