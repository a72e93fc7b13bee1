//! `iam_policy_service_wildcard`: a policy allows every action of a service (`service:*`).

use crate::services::iam::checks::{denied_everywhere, lint_allows};
use super::Documents;
use crate::check::{Check, Context, Outcome};
use crate::model::Severity;
use crate::policy::actions::catalogue;
use crate::compliance::fsbp;

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
    compliance: &[fsbp("IAM.21")],
    eval: &super::OnDocuments(eval),
    advice: None,
};

/// `service:*`, `service:**`: every action of one service.
fn is_service_wildcard(pattern: &str) -> bool {
    pattern.split_once(':').is_some_and(|(svc, act)| {
        !svc.is_empty() && !svc.contains(['*', '?']) && !act.is_empty() && act.chars().all(|c| c == '*')
    })
}

/// How the detail describes `service:*`, from the reference: how many of the service's actions
/// change resources or permissions. `None` for a service whose every action only reads.
fn describe(pattern: &str) -> Option<String> {
    let m = catalogue().matching(pattern);
    if m.unknown {
        return Some(format!("{pattern} (a service the IAM reference does not list)"));
    }
    let writes = m.actions.iter().filter(|a| a.levels.changes()).count();
    (writes > 0).then(|| format!("{pattern} ({writes} of {} actions write)", m.actions.len()))
}

fn eval(docs: &Documents, _: &Context) -> Option<Outcome> {
    Some(lint_allows(docs, |s| {
        let wild: Vec<String> = s
            .action
            .iter()
            .flat_map(|a| a.iter())
            .filter(|a| is_service_wildcard(a) && !denied_everywhere(a, docs.governing))
            .filter_map(|a| describe(a))
            .collect();
        (!wild.is_empty()).then(|| wild.join(", "))
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::services::iam::checks::fixtures::lint;
    use crate::check::testing::ctx;

    fn run(statement: &str) -> bool {
        lint(eval, statement).is_fail()
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

    #[test]
    fn the_reference_counts_what_a_service_wildcard_writes() {
        let detail = describe("s3:*").unwrap();
        assert!(detail.starts_with("s3:* (") && detail.ends_with(" actions write)"), "{detail}");
        assert!(describe("nosuchservice:*").unwrap().contains("does not list"));
        let read_only = crate::policy::actions::catalogue()
            .all()
            .iter()
            .map(|a| a.service)
            .find(|svc| crate::policy::actions::catalogue().matching(&format!("{svc}:*")).actions.iter().all(|a| !a.levels.changes()));
        if let Some(svc) = read_only {
            assert!(!run(&format!(r#"{{"Effect":"Allow","Action":"{svc}:*","Resource":"*"}}"#)), "{svc} only reads");
        }
    }
}
