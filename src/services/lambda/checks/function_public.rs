//! `lambda_function_public`: anyone may invoke a function, through its policy or its URL.

use crate::check::{Check, Context, On, Outcome};
use crate::compliance::fsbp;
use crate::model::Severity;
use crate::policy::resource::open_to_anyone;
use crate::services::lambda::snapshot::Function;

pub static CHECK: Check = Check {
    id: "lambda_function_public",
    title: "Lambda function can be invoked by anyone",
    severity: Severity::Critical,
    resource_types: &[crate::services::lambda::FUNCTION],
    risk: "Anyone on the internet can run the function with input of their choosing, with all the permissions \
           of its execution role, and run up its cost.",
    remediation: "Remove the statement that grants `*` (or limit it with aws:SourceAccount, aws:SourceArn or \
                  aws:PrincipalOrgID), and set the function URL's AuthType to AWS_IAM.",
    remediation_cli: "aws lambda get-policy --function-name {id}",
    compliance: &[fsbp("Lambda.1")],
    eval: &On(eval),
    advice: None,
};

fn eval(f: &Function, _: &Context) -> Option<Outcome> {
    let mut open: Vec<String> = Vec::new();
    // A URL that asks for no authentication is public on its own terms, whatever else is unread.
    if f.url_auth.as_ref().and_then(|u| u.as_deref()) == Some("NONE") {
        open.push("its function URL has AuthType NONE".into());
    }
    if let Some(Some(doc)) = &f.policy {
        open.extend(open_to_anyone(doc).map(|(i, s)| format!("{} allows anyone {}", s.label(i), s.actions_text())));
    }
    if !open.is_empty() {
        return Some(Outcome::fail(open.join("; ")));
    }
    // Private only when both the policy and the URL were read.
    (f.url_auth.is_some() && f.policy.is_some()).then_some(Outcome::Pass)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::testing::ctx;
    use crate::policy::PolicyDocument;

    fn function(statements: Option<&str>, url: Option<Option<&str>>) -> Function {
        Function {
            name: "orders".into(),
            runtime: Some("python3.12".into()),
            policy: statements.map(|s| (!s.is_empty()).then(|| PolicyDocument::parse(&format!(r#"{{"Version":"2012-10-17","Statement":[{s}]}}"#)).unwrap())),
            url_auth: url.map(|u| u.map(str::to_string)),
            tags: None,
        }
    }

    const INVOKE: &str = r#""Action":"lambda:InvokeFunction","Resource":"arn:aws:lambda:eu-west-1:123456789012:function:orders""#;

    #[test]
    fn anyone_without_a_narrowing_condition_is_public() {
        let anyone = format!(r#"{{"Sid":"open","Effect":"Allow","Principal":"*",{INVOKE}}}"#);
        assert!(eval(&function(Some(&anyone), Some(None)), &ctx()).unwrap().is_fail());
        let by_account = format!(r#"{{"Effect":"Allow","Principal":"*",{INVOKE},"Condition":{{"StringEquals":{{"AWS:SourceAccount":"123456789012"}}}}}}"#);
        assert_eq!(eval(&function(Some(&by_account), Some(None)), &ctx()), Some(Outcome::Pass));
        let by_arn = format!(r#"{{"Effect":"Allow","Principal":{{"Service":"s3.amazonaws.com"}},{INVOKE},"Condition":{{"ArnLike":{{"AWS:SourceArn":"arn:aws:s3:::uploads"}}}}}}"#);
        assert_eq!(eval(&function(Some(&by_arn), Some(None)), &ctx()), Some(Outcome::Pass));
        let by_org = format!(r#"{{"Effect":"Allow","Principal":"*",{INVOKE},"Condition":{{"StringEquals":{{"aws:PrincipalOrgID":"o-abc"}}}}}}"#);
        assert_eq!(eval(&function(Some(&by_org), Some(None)), &ctx()), Some(Outcome::Pass));
        let negated = format!(r#"{{"Effect":"Allow","Principal":"*",{INVOKE},"Condition":{{"StringNotEquals":{{"AWS:SourceAccount":"111111111111"}}}}}}"#);
        assert!(eval(&function(Some(&negated), Some(None)), &ctx()).unwrap().is_fail(), "a negated condition narrows nothing");
    }

    #[test]
    fn a_url_without_auth_is_public_whatever_the_policy() {
        assert!(eval(&function(Some(""), Some(Some("NONE"))), &ctx()).unwrap().is_fail());
        assert!(eval(&function(None, Some(Some("NONE"))), &ctx()).unwrap().is_fail(), "the URL alone decides");
        assert_eq!(eval(&function(Some(""), Some(Some("AWS_IAM"))), &ctx()), Some(Outcome::Pass));
        assert_eq!(eval(&function(Some(""), Some(None)), &ctx()), Some(Outcome::Pass));
    }

    #[test]
    fn unread_parts_are_no_verdict() {
        assert_eq!(eval(&function(None, Some(None)), &ctx()), None, "policy unread, no URL");
        assert_eq!(eval(&function(Some(""), None), &ctx()), None, "URL unread");
    }
}
