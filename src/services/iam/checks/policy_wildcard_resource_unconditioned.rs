//! `iam_policy_wildcard_resource_unconditioned`: write or permission-management actions on
//! `Resource: "*"` with no condition.

use crate::services::iam::checks::{denied_everywhere, lint_allows};
use super::Documents;
use crate::check::{Check, Context, Outcome};
use crate::model::Severity;
use crate::policy::glob::{self, Case};

pub static CHECK: Check = Check {
    id: "iam_policy_wildcard_resource_unconditioned",
    title: "IAM policy allows write actions on all resources without a condition",
    severity: Severity::Medium,
    resource_types: &[crate::services::iam::POLICY, crate::services::iam::USER, crate::services::iam::ROLE, crate::services::iam::GROUP],
    risk: "A write granted on every resource reaches resources the author never thought of: other teams' \
           buckets, production databases, the audit trail, and IAM itself.",
    remediation: "Name the resources (ARNs or ARN patterns) the actions are for, or add a condition such as \
                  aws:ResourceTag or aws:RequestedRegion.",
    remediation_cli: "aws iam get-policy --policy-arn {id}",
    compliance: &["CIS 1.16"],
    eval: &super::OnDocuments(eval),
    advice: None,
};

/// Verbs of actions that change resources or permissions (IAM's Write and Permissions management
/// access levels).
const WRITE_VERBS: &[&str] = &[
    "Create", "Delete", "Put", "Update", "Attach", "Detach", "Modify", "Set", "Add", "Remove", "Tag", "Untag",
    "Run", "Start", "Stop", "Terminate", "Reboot", "Invoke", "Send", "Publish", "Pass", "Authorize", "Revoke",
    "Enable", "Disable", "Associate", "Disassociate", "Replace", "Upload", "Copy", "Restore", "Import",
    "Reset", "Change", "Register", "Deregister", "Execute", "Rotate", "Upgrade", "Write", "Abort",
];

/// Whether an action pattern can match a write action.
pub fn can_write(pattern: &str) -> bool {
    let Some((_, action)) = pattern.split_once(':') else { return glob::is_universal(pattern) };
    WRITE_VERBS.iter().any(|v| glob::intersects(action, &format!("{v}*"), Case::Insensitive))
}

fn eval(docs: &Documents, _: &Context) -> Option<Outcome> {
    Some(lint_allows(docs, |s| {
        let all_resources = s.resource.as_ref().is_some_and(|r| r.iter().any(|x| glob::is_universal(x)));
        if s.has_condition() || !all_resources {
            return None;
        }
        let writes: Vec<&str> = match (&s.action, &s.not_action) {
            (Some(a), _) => a.iter().filter(|x| can_write(x) && !denied_everywhere(x, docs.governing)).map(String::as_str).collect(),
            (None, Some(_)) => vec!["NotAction"],
            _ => Vec::new(),
        };
        (!writes.is_empty()).then(|| format!("{} on *", writes.join(", ")))
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
        assert!(run(r#"{"Effect":"Allow","Action":"s3:PutObject","Resource":"*"}"#));
        assert!(run(r#"{"Effect":"Allow","Action":["ec2:Describe*","iam:Attach*"],"Resource":["*"]}"#));
        assert!(run(r#"{"Effect":"Allow","NotAction":"s3:*","Resource":"*"}"#));
        assert!(!run(r#"{"Effect":"Allow","Action":["ec2:Describe*","s3:Get*","s3:List*"],"Resource":"*"}"#), "read only");
        assert!(!run(r#"{"Effect":"Allow","Action":"s3:PutObject","Resource":"arn:aws:s3:::b/*"}"#), "scoped");
        assert!(!run(r#"{"Effect":"Allow","Action":"iam:CreatePolicyVersion","Resource":"*"},{"Effect":"Deny","Action":"iam:*","Resource":"*"}"#), "denied in the same policy");
        assert!(!run(r#"{"Effect":"Allow","Action":"ec2:TerminateInstances","Resource":"*","Condition":{"StringEquals":{"aws:ResourceTag/team":"a"}}}"#), "conditioned");
    }

    #[test]
    fn verbs() {
        assert!(can_write("iam:*") && can_write("s3:Put*") && can_write("iam:*Policy"));
        assert!(!can_write("s3:Get*") && !can_write("ec2:Describe*") && !can_write("s3:ListBucket"));
    }
}
