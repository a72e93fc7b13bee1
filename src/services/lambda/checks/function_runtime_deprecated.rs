//! `lambda_function_runtime_deprecated`: a function runs on a runtime AWS no longer patches.

use crate::check::{Check, Context, On, Outcome};
use crate::compliance::fsbp;
use crate::model::Severity;
use crate::services::lambda::runtimes::deprecations;
use crate::services::lambda::snapshot::Function;

pub static CHECK: Check = Check {
    id: "lambda_function_runtime_deprecated",
    title: "Lambda function uses a deprecated runtime",
    severity: Severity::Medium,
    resource_types: &[crate::services::lambda::FUNCTION],
    risk: "A deprecated runtime gets no security patches for its language or operating system, and the \
           function soon cannot be updated, so a fix cannot be shipped when one is needed.",
    remediation: "Move the function to a supported runtime of its language and test it there.",
    remediation_cli: "aws lambda update-function-configuration --function-name {id} --runtime RUNTIME",
    compliance: &[fsbp("Lambda.2")],
    eval: &On(eval),
    advice: None,
};

fn eval(f: &Function, ctx: &Context) -> Option<Outcome> {
    // A container image function has no managed runtime to judge.
    let Some(runtime) = f.runtime.as_deref() else { return Some(Outcome::Pass) };
    Some(match deprecations().get(runtime) {
        Some(date) if *date <= ctx.now.date_naive() => Outcome::fail(format!("runtime {runtime} was deprecated on {date}")),
        _ => Outcome::Pass,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::testing::ctx;

    fn function(runtime: Option<&str>) -> Function {
        Function { name: "orders".into(), runtime: runtime.map(str::to_string), policy: None, url_auth: None, tags: None }
    }

    #[test]
    fn deprecated_by_the_audit_date() {
        assert_eq!(eval(&function(Some("python3.8")), &ctx()), Some(Outcome::fail("runtime python3.8 was deprecated on 2024-10-14".into())));
        assert_eq!(eval(&function(Some("python3.13")), &ctx()), Some(Outcome::Pass));
        assert_eq!(eval(&function(Some("nodejs22.x")), &ctx()), Some(Outcome::Pass), "deprecated only from 2027-04-30");
        let later = Context { now: chrono::DateTime::parse_from_rfc3339("2027-05-01T00:00:00Z").unwrap().with_timezone(&chrono::Utc), ..ctx() };
        assert!(eval(&function(Some("nodejs22.x")), &later).unwrap().is_fail());
        assert_eq!(eval(&function(None), &ctx()), Some(Outcome::Pass), "container images");
    }
}
