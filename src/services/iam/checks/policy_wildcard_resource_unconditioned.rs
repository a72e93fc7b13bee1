//! `iam_policy_wildcard_resource_unconditioned`: actions that change resources or permissions
//! (the reference's Write and Permissions management levels) on `Resource: "*"`, with no
//! condition, where the actions could have been limited to named resources.

use crate::services::iam::checks::{denied_everywhere, lint_allows};
use super::Documents;
use crate::check::{Check, Context, Outcome};
use crate::model::Severity;
use crate::policy::actions::{catalogue, Action};
use crate::policy::glob::{self, Case};
use crate::policy::Statement;

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
    compliance: &[],
    eval: &super::OnDocuments(eval),
    advice: None,
};

/// Verbs of actions that change resources or permissions, for actions the embedded reference
/// does not know yet (newer than the table): a guess, used only where the data is silent.
const WRITE_VERBS: &[&str] = &[
    "Create", "Delete", "Put", "Update", "Attach", "Detach", "Modify", "Set", "Add", "Remove", "Tag", "Untag",
    "Run", "Start", "Stop", "Terminate", "Reboot", "Invoke", "Send", "Publish", "Pass", "Authorize", "Revoke",
    "Enable", "Disable", "Associate", "Disassociate", "Replace", "Upload", "Copy", "Restore", "Import",
    "Reset", "Change", "Register", "Deregister", "Execute", "Rotate", "Upgrade", "Write", "Abort",
];

/// Whether an action pattern's name looks like a write (the guess before the reference).
pub fn looks_like_write(pattern: &str) -> bool {
    let Some((_, action)) = pattern.split_once(':') else { return glob::is_universal(pattern) };
    WRITE_VERBS.iter().any(|v| glob::intersects(action, &format!("{v}*"), Case::Insensitive))
}

/// The write actions a statement's `Action` pattern (or its whole `NotAction` list) grants, split
/// by whether a policy could have limited them to resources.
#[derive(Debug, Default)]
pub struct Writes {
    pub scopable: usize,
    pub unscopable: Vec<&'static Action>,
    /// The pattern names actions the reference does not know, and their names look like writes.
    pub guessed: bool,
}

impl Writes {
    fn of(actions: impl IntoIterator<Item = &'static Action>, unknown_write: bool) -> Self {
        let mut w = Writes { guessed: unknown_write, ..Default::default() };
        for a in actions.into_iter().filter(|a| a.levels.changes()) {
            if a.scopable() {
                w.scopable += 1;
            } else {
                w.unscopable.push(a);
            }
        }
        w
    }

    /// What one `Action` pattern grants.
    pub fn of_pattern(pattern: &str) -> Self {
        let m = catalogue().matching(pattern);
        Writes::of(m.actions, m.unknown && looks_like_write(pattern))
    }

    /// What a `NotAction` list grants: every action it does not name.
    pub fn of_not_action(patterns: &[String]) -> Self {
        Writes::of(catalogue().not_matching(patterns), false)
    }

    /// Writes that a resource ARN could have limited (the business of this check).
    pub fn reach_resources(&self) -> bool {
        self.scopable > 0 || self.guessed
    }
}

/// The statement's unconditioned grants on `*`, as (what is granted, its writes). Empty for a
/// statement with a condition or with named resources.
pub fn unconditioned_on_everything(s: &Statement, docs: &Documents) -> Vec<(String, Writes)> {
    let all_resources = s.resource.as_ref().is_some_and(|r| r.iter().any(|x| glob::is_universal(x)));
    if s.has_condition() || !all_resources {
        return Vec::new();
    }
    match (&s.action, &s.not_action) {
        (Some(a), _) => a
            .iter()
            .filter(|x| !denied_everywhere(x, docs.governing))
            .map(|x| (x.clone(), Writes::of_pattern(x)))
            .collect(),
        (None, Some(n)) => vec![(format!("NotAction {}", n.0.join(", ")), Writes::of_not_action(&n.0))],
        _ => Vec::new(),
    }
}

fn eval(docs: &Documents, _: &Context) -> Option<Outcome> {
    Some(lint_allows(docs, |s| {
        let writes: Vec<String> = unconditioned_on_everything(s, docs)
            .into_iter()
            .filter(|(_, w)| w.reach_resources())
            .map(|(what, w)| match w.scopable {
                0 => format!("{what} (not in the IAM reference; named like a write)"),
                1 => what,
                n => format!("{what} ({n} write actions)"),
            })
            .collect();
        (!writes.is_empty()).then(|| format!("{} on *", writes.join(", ")))
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::services::iam::checks::fixtures::lint;

    fn run(statement: &str) -> Outcome {
        lint(eval, statement)
    }

    fn fails(statement: &str) -> bool {
        run(statement).is_fail()
    }

    fn allow(action: &str) -> String {
        format!(r#"{{"Effect":"Allow","Action":"{action}","Resource":"*"}}"#)
    }

    #[test]
    fn cases() {
        assert!(fails(r#"{"Effect":"Allow","Action":"s3:PutObject","Resource":"*"}"#));
        assert!(fails(r#"{"Effect":"Allow","Action":["ec2:Describe*","iam:Attach*"],"Resource":["*"]}"#));
        assert!(fails(r#"{"Effect":"Allow","NotAction":"s3:*","Resource":"*"}"#));
        assert!(!fails(r#"{"Effect":"Allow","Action":["ec2:Describe*","s3:Get*","s3:List*"],"Resource":"*"}"#), "read only");
        assert!(!fails(r#"{"Effect":"Allow","Action":"s3:PutObject","Resource":"arn:aws:s3:::b/*"}"#), "scoped");
        assert!(!fails(r#"{"Effect":"Allow","Action":"iam:CreatePolicyVersion","Resource":"*"},{"Effect":"Deny","Action":"iam:*","Resource":"*"}"#), "denied in the same policy");
        assert!(!fails(r#"{"Effect":"Allow","Action":"ec2:TerminateInstances","Resource":"*","Condition":{"StringEquals":{"aws:ResourceTag/team":"a"}}}"#), "conditioned");
    }

    #[test]
    fn writes_whose_names_do_not_look_like_writes_are_found() {
        for action in ["account:CloseAccount", "ds:UnauthorizeApplication", "autoscaling:Batch*", "elasticfilesystem:ClientWrite"] {
            assert!(!looks_like_write(action) || action == "autoscaling:Batch*", "{action} was a blind spot of the verb guess");
            assert!(fails(&allow(action)), "{action}");
        }
    }

    #[test]
    fn reads_whose_names_look_like_writes_are_not() {
        for action in ["logs:StartQuery", "logs:StartLiveTail", "iotsitewise:ExecuteQuery"] {
            assert!(looks_like_write(action), "{action} was a false alarm of the verb guess");
            assert!(!fails(&allow(action)), "{action}");
        }
    }

    #[test]
    fn actions_that_cannot_be_scoped_are_left_to_their_own_check() {
        assert!(!fails(&allow("s3:CreateJob")), "S3 batch jobs cannot be limited to a resource");
        assert!(!fails(&allow("ec2:CreateDefaultVpc")));
    }

    #[test]
    fn details_count_what_a_wildcard_grants() {
        let Outcome::Fail(f) = run(&allow("s3:Put*")) else { panic!() };
        assert!(f.detail.starts_with("inline:p statement 0 allows s3:Put* ("), "{}", f.detail);
        assert!(f.detail.ends_with(" write actions) on *"), "{}", f.detail);
        let Outcome::Fail(f) = run(&allow("s3:PutObject")) else { panic!() };
        assert_eq!(f.detail, "inline:p statement 0 allows s3:PutObject on *");
    }

    #[test]
    fn actions_newer_than_the_reference_fall_back_to_their_names() {
        assert!(fails(&allow("newservice:CreateWidget")));
        assert!(!fails(&allow("newservice:DescribeWidget")));
        let Outcome::Fail(f) = run(&allow("newservice:DeleteWidget")) else { panic!() };
        assert!(f.detail.contains("not in the IAM reference"), "{}", f.detail);
    }
}
