//! `accessanalyzer_not_enabled`: no active external access analyzer in the region.

use crate::check::{Check, Context, On, Outcome};
use crate::compliance::{cis3, cis5};
use crate::model::Severity;
use crate::services::accessanalyzer::snapshot::Analyzers;

pub static CHECK: Check = Check {
    id: "accessanalyzer_not_enabled",
    title: "IAM Access Analyzer is not enabled in the region",
    severity: Severity::Low,
    resource_types: &[crate::model::ACCOUNT_REGION],
    risk: "Buckets, keys, roles, queues and secrets shared outside the account (or organization) are \
           not reported as they appear in the region.",
    remediation: "Create an account (or organization) analyzer in every region.",
    remediation_cli: "aws accessanalyzer create-analyzer --analyzer-name account --type ACCOUNT",
    compliance: &[cis3("1.20"), cis5("1.19")],
    eval: &On(eval),
    advice: None,
};

fn eval(a: &Analyzers, _: &Context) -> Option<Outcome> {
    Some(if a.external_access_active() {
        Outcome::Pass
    } else if a.analyzers.is_empty() {
        Outcome::fail("no Access Analyzer analyzer in the region".into())
    } else {
        let seen: Vec<String> = a.analyzers.iter().map(|x| format!("{} ({}, {})", x.name, x.kind, x.status)).collect();
        Outcome::fail(format!("no active external access analyzer (analyzers: {})", seen.join(", ")))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::testing::ctx;
    use crate::services::accessanalyzer::snapshot::Analyzer;

    fn run(list: &[(&str, &str)]) -> Option<Outcome> {
        let analyzers = list.iter().map(|(kind, status)| Analyzer { name: "a".into(), kind: kind.to_string(), status: status.to_string() }).collect();
        eval(&Analyzers { analyzers }, &ctx())
    }

    #[test]
    fn an_active_external_access_analyzer_passes() {
        assert_eq!(run(&[("ACCOUNT", "ACTIVE")]), Some(Outcome::Pass));
        assert_eq!(run(&[("ORGANIZATION", "ACTIVE")]), Some(Outcome::Pass));
        assert!(run(&[]).unwrap().is_fail());
        assert!(run(&[("ACCOUNT", "DISABLED")]).unwrap().is_fail());
        assert!(run(&[("ACCOUNT_UNUSED_ACCESS", "ACTIVE")]).unwrap().is_fail(), "unused access is another analysis");
    }
}
