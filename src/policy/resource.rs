//! Resource policies (bucket, trust, and later key and function policies): who a statement lets
//! in. One evaluator, so `Principal` `"*"`, `{"AWS": "*"}`, a list containing `"*"`, an Allow with
//! `NotPrincipal`, and the conditions that narrow "anyone" mean the same in every policy.

use crate::policy::{value_text, Effect, PolicyDocument, Statement};
use std::str::FromStr;

/// Condition keys that narrow "anyone" down to a network, organisation or account.
const RESTRICTING_KEYS: &[&str] = &[
    "aws:sourceip",
    "aws:sourcevpc",
    "aws:sourcevpce",
    "aws:principalorgid",
    "aws:principalaccount",
    "aws:sourceaccount",
    "aws:sourcearn",
    // KMS's own: the account whose principals call the key (AWS managed key policies use it).
    "kms:calleraccount",
];

/// The Allow statements that let anyone in (see [`Statement::applies_to_anyone`]) with no
/// condition that narrows them to a network, organization or account, with their positions.
pub fn open_to_anyone(doc: &PolicyDocument) -> impl Iterator<Item = (usize, &Statement)> {
    doc.statements
        .iter()
        .enumerate()
        .filter(|(_, s)| s.effect == Effect::Allow && s.applies_to_anyone() && restricting_condition(s).is_none())
}

/// The first condition that really narrows who may use the statement, if any.
///
/// A condition does not restrict when its operator is negated (`StringNotEquals`), ends in `IfExists`
/// or is `ForAllValues:` (both pass when the key is absent, as it is for anonymous callers), is
/// `Null`, or when every value is a wildcard or a `/0` network.
pub fn restricting_condition(s: &Statement) -> Option<String> {
    s.conditions().find_map(|(op, key, values)| {
        let op_lower = op.to_ascii_lowercase();
        let base = op_lower.strip_prefix("foranyvalue:").unwrap_or(&op_lower);
        let loose = base.contains("not")
            || base.ends_with("ifexists")
            || base.starts_with("forallvalues:")
            || base == "null";
        let key_restricts = RESTRICTING_KEYS.contains(&key.to_ascii_lowercase().as_str());
        let values_restrict = values.iter().any(|v| !matches_everything(&value_text(v)));
        (key_restricts && !loose && values_restrict).then(|| format!("{op} {key}"))
    })
}

fn matches_everything(v: &str) -> bool {
    v.trim() == "*" || ipnet::IpNet::from_str(v.trim()).is_ok_and(|n| n.prefix_len() == 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn open(statement: &str) -> bool {
        let doc = PolicyDocument::parse(&format!(r#"{{"Version":"2012-10-17","Statement":[{statement}]}}"#)).unwrap();
        let found = open_to_anyone(&doc).next().is_some();
        found
    }

    #[test]
    fn every_way_of_writing_anyone_is_understood_in_every_kind_of_policy() {
        let anyone = [r#""Principal":"*""#, r#""Principal":{"AWS":"*"}"#, r#""Principal":{"AWS":["arn:aws:iam::111111111111:root","*"]}"#, r#""NotPrincipal":{"AWS":"arn:aws:iam::111111111111:root"}"#];
        let named = [r#""Principal":{"AWS":"arn:aws:iam::111111111111:root"}"#, r#""Principal":{"AWS":"111111111111"}"#, r#""Principal":{"Service":"ec2.amazonaws.com"}"#];
        // A bucket policy, a trust policy, a key policy and a function policy statement.
        for action in [r#""Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*""#, r#""Action":"sts:AssumeRole""#, r#""Action":"kms:Decrypt","Resource":"*""#, r#""Action":"lambda:InvokeFunction","Resource":"*""#] {
            for who in anyone {
                assert!(open(&format!(r#"{{"Effect":"Allow",{who},{action}}}"#)), "{who} {action}");
                assert!(!open(&format!(r#"{{"Effect":"Deny",{who},{action}}}"#)), "a Deny lets no one in: {who}");
                let narrowed = format!(r#"{{"Effect":"Allow",{who},{action},"Condition":{{"StringEquals":{{"aws:PrincipalOrgID":"o-abc"}}}}}}"#);
                assert!(!open(&narrowed), "{who} narrowed to an organization");
            }
            for who in named {
                assert!(!open(&format!(r#"{{"Effect":"Allow",{who},{action}}}"#)), "{who} {action}");
            }
        }
    }
}
