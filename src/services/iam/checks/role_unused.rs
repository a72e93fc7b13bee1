//! `iam_role_unused`: a role has not been used for `INACTIVE_DAYS` and is older than that.

use crate::check::{Check, Context, On, Outcome};
use crate::model::Severity;
use crate::services::iam::snapshot::Principal;

pub static CHECK: Check = Check {
    id: "iam_role_unused",
    title: "IAM role is unused",
    severity: Severity::Low,
    resource_types: &[crate::services::iam::ROLE],
    risk: "An unused role keeps its permissions and its trust: if the trusted party (a vendor, an old CI \
           system) is compromised, the role is a ready-made way in that nobody monitors.",
    remediation: "Delete roles nobody uses, after checking their last activity in IAM Access Advisor.",
    remediation_cli: "aws iam get-role --role-name {id} --query Role.RoleLastUsed",
    compliance: &[],
    eval: &On(eval),
    advice: Some(|_| "Delete the unused role after checking its last activity.".into()),
};

fn eval(p: &Principal, ctx: &Context) -> Option<Outcome> {
    let last_used = p.role.as_ref()?.last_used?;
    let age = ctx.days_since(p.created?);
    let limit = ctx.inactive_days;
    if age <= limit {
        return Some(Outcome::Pass);
    }
    Some(match last_used {
        Some(t) if ctx.days_since(t) > limit => {
            Outcome::fail(format!("last used {} ({} days ago, limit {limit})", t.format("%Y-%m-%d"), ctx.days_since(t)))
        }
        Some(_) => Outcome::Pass,
        None => Outcome::fail(format!("never used; created {age} days ago (limit {limit})")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::services::iam::checks::fixtures::role;
    use crate::check::testing::{ctx, days_ago};

    fn aged(created: i64, used: Option<i64>) -> Principal {
        let mut r = role("r", r#"{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}"#);
        r.created = Some(days_ago(created));
        r.role.as_mut().unwrap().last_used = Some(used.map(days_ago));
        r
    }

    #[test]
    fn cases() {
        assert!(eval(&aged(200, None), &ctx()).unwrap().is_fail());
        assert!(eval(&aged(200, Some(120)), &ctx()).unwrap().is_fail());
        assert!(!eval(&aged(200, Some(5)), &ctx()).unwrap().is_fail());
        assert!(!eval(&aged(30, None), &ctx()).unwrap().is_fail(), "too new to call unused");
    }
}
