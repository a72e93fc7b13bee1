//! IAM policy language: parsed documents (bucket, identity, trust and boundary policies) and, in
//! [`engine`], the decision "may this principal do this action on this resource". Pure.

pub mod actions;
pub mod engine;
pub mod glob;
pub mod resource;

use serde::{Deserialize, Deserializer};
use serde_json::Value;
use std::collections::BTreeMap;

/// A value that the policy grammar lets be one item or a list.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct OneOrMany<T>(pub Vec<T>);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for OneOrMany<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Either<T> {
            Many(Vec<T>),
            One(T),
        }
        Ok(match Either::deserialize(d)? {
            Either::Many(v) => OneOrMany(v),
            Either::One(v) => OneOrMany(vec![v]),
        })
    }
}

impl<T> OneOrMany<T> {
    pub fn iter(&self) -> std::slice::Iter<'_, T> {
        self.0.iter()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum Effect {
    Allow,
    Deny,
}

/// `Principal`: either `"*"` or a map such as `{"AWS": [...], "Service": "..."}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    Any,
    Map(BTreeMap<String, OneOrMany<String>>),
}

impl<'de> Deserialize<'de> for Principal {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Text(String),
            Map(BTreeMap<String, OneOrMany<String>>),
        }
        match Raw::deserialize(d)? {
            Raw::Text(s) if s == "*" => Ok(Principal::Any),
            Raw::Text(s) => Err(serde::de::Error::custom(format!("unsupported principal {s:?}"))),
            Raw::Map(m) => Ok(Principal::Map(m)),
        }
    }
}

impl Principal {
    /// Everyone: `"*"`, `{"AWS": "*"}` or an AWS list containing `"*"`.
    pub fn is_anyone(&self) -> bool {
        match self {
            Principal::Any => true,
            Principal::Map(m) => m.get("AWS").is_some_and(|v| v.iter().any(|p| p == "*")),
        }
    }

    /// The AWS account ids named in `Principal.AWS` (bare ids and IAM ARNs).
    pub fn aws_accounts(&self) -> Vec<String> {
        let Principal::Map(m) = self else { return Vec::new() };
        let Some(aws) = m.get("AWS") else { return Vec::new() };
        let mut out: Vec<String> = aws.iter().filter_map(|p| account_of(p)).collect();
        out.sort();
        out.dedup();
        out
    }
}

/// The account id in a principal string: a 12-digit id, or the account field of an ARN.
pub fn account_of(principal: &str) -> Option<String> {
    let is_account = |s: &str| s.len() == 12 && s.chars().all(|c| c.is_ascii_digit());
    if is_account(principal) {
        return Some(principal.to_string());
    }
    let fields: Vec<&str> = principal.splitn(6, ':').collect();
    (fields.len() == 6 && fields[0] == "arn" && is_account(fields[4])).then(|| fields[4].to_string())
}

/// `Condition`: operator → key → values. Values stay JSON (strings, booleans, numbers).
pub type Conditions = BTreeMap<String, BTreeMap<String, OneOrMany<Value>>>;

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Statement {
    #[serde(rename = "Sid", default)]
    pub sid: Option<String>,
    #[serde(rename = "Effect")]
    pub effect: Effect,
    #[serde(rename = "Principal", default)]
    pub principal: Option<Principal>,
    #[serde(rename = "NotPrincipal", default)]
    pub not_principal: Option<Principal>,
    #[serde(rename = "Action", default)]
    pub action: Option<OneOrMany<String>>,
    #[serde(rename = "NotAction", default)]
    pub not_action: Option<OneOrMany<String>>,
    #[serde(rename = "Resource", default)]
    pub resource: Option<OneOrMany<String>>,
    #[serde(rename = "NotResource", default)]
    pub not_resource: Option<OneOrMany<String>>,
    #[serde(rename = "Condition", default)]
    pub condition: Option<Conditions>,
}

impl Statement {
    /// A label for finding details: the Sid when there is one, else the position.
    pub fn label(&self, index: usize) -> String {
        match &self.sid {
            Some(sid) if !sid.is_empty() => format!("statement {index} (Sid {sid:?})"),
            _ => format!("statement {index}"),
        }
    }

    /// Whether the statement applies to every caller, anonymous ones included, as resource
    /// policies (bucket, key, function and trust policies) are evaluated: `Principal` `"*"`,
    /// `{"AWS": "*"}` or a list containing `"*"`; or `NotPrincipal`, which names the only callers it
    /// does not apply to (unless it excludes everyone).
    pub fn applies_to_anyone(&self) -> bool {
        self.principal.as_ref().is_some_and(Principal::is_anyone) || self.not_principal.as_ref().is_some_and(|np| !np.is_anyone())
    }

    /// The accounts the statement names in `Principal.AWS` (bare ids, roots and IAM ARNs).
    pub fn named_accounts(&self) -> Vec<String> {
        self.principal.as_ref().map(Principal::aws_accounts).unwrap_or_default()
    }

    pub fn has_condition(&self) -> bool {
        self.condition.as_ref().is_some_and(|c| c.values().any(|keys| !keys.is_empty()))
    }

    /// Whether the statement's `Action` covers `action` (case-insensitive, `*` and `?` wildcards).
    /// A `NotAction` statement covers every action it does not list.
    pub fn covers_action(&self, action: &str) -> bool {
        if let Some(list) = &self.action {
            return list.iter().any(|pattern| wildcard_match(pattern, action));
        }
        if let Some(list) = &self.not_action {
            return !list.iter().any(|pattern| wildcard_match(pattern, action));
        }
        false
    }

    pub fn actions_text(&self) -> String {
        match (&self.action, &self.not_action) {
            (Some(a), _) => a.0.join(", "),
            (None, Some(n)) => format!("everything except {}", n.0.join(", ")),
            _ => "no action".into(),
        }
    }

    /// Every (operator, key, values) triple of the Condition block.
    pub fn conditions(&self) -> impl Iterator<Item = (&str, &str, &[Value])> {
        self.condition.iter().flat_map(|ops| {
            ops.iter().flat_map(|(op, keys)| keys.iter().map(move |(k, v)| (op.as_str(), k.as_str(), v.0.as_slice())))
        })
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct PolicyDocument {
    #[serde(rename = "Version", default)]
    pub version: Option<String>,
    #[serde(rename = "Statement")]
    pub statements: OneOrMany<Statement>,
}

impl PolicyDocument {
    pub fn parse(text: &str) -> Result<Self, serde_json::Error> {
        serde_json::from_str(text)
    }

    /// Whether this trust policy lets the AWS service principal `service` (`ec2.amazonaws.com`)
    /// assume the role: an Allow of `sts:AssumeRole` that names the service or applies to anyone.
    pub fn trusts_service(&self, service: &str) -> bool {
        self.statements.iter().any(|s| {
            let names = |m: &BTreeMap<String, OneOrMany<String>>| {
                m.get("Service").is_some_and(|v| v.iter().any(|x| x.eq_ignore_ascii_case(service)))
            };
            s.effect == Effect::Allow
                && s.covers_action("sts:AssumeRole")
                && (s.applies_to_anyone() || matches!(&s.principal, Some(Principal::Map(m)) if names(m)))
        })
    }

    /// Parses a document as IAM returns it: URL-encoded JSON (RFC 3986). Text that is already JSON
    /// is taken as is, so a `%` inside a plain document is never mangled.
    pub fn parse_iam(text: &str) -> Result<Self, serde_json::Error> {
        match Self::parse(text) {
            Ok(doc) => Ok(doc),
            Err(e) if text.trim_start().starts_with('{') => Err(e),
            Err(_) => Self::parse(&percent_encoding::percent_decode_str(text).decode_utf8_lossy()),
        }
    }
}

/// Case-insensitive glob match with `*` (any run) and `?` (one character), as IAM matches actions.
pub fn wildcard_match(pattern: &str, text: &str) -> bool {
    glob::matches(pattern, text, glob::Case::Insensitive)
}

/// Renders a condition value for a finding detail.
pub fn value_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statement_may_be_object_or_array() {
        let one = PolicyDocument::parse(r#"{"Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*"}}"#).unwrap();
        let many = PolicyDocument::parse(r#"{"Statement":[{"Effect":"Deny","NotAction":["s3:Get*"]}]}"#).unwrap();
        assert_eq!(one.statements.0.len(), 1);
        assert_eq!(many.statements.0[0].effect, Effect::Deny);
    }

    #[test]
    fn principal_forms() {
        let p: Principal = serde_json::from_str(r#""*""#).unwrap();
        assert!(p.is_anyone());
        let p: Principal = serde_json::from_str(r#"{"AWS":"*"}"#).unwrap();
        assert!(p.is_anyone());
        let p: Principal = serde_json::from_str(r#"{"AWS":["arn:aws:iam::111111111111:root","*"]}"#).unwrap();
        assert!(p.is_anyone());
        let p: Principal =
            serde_json::from_str(r#"{"AWS":["arn:aws:iam::111111111111:role/x","222222222222"]}"#).unwrap();
        assert!(!p.is_anyone());
        assert_eq!(p.aws_accounts(), vec!["111111111111", "222222222222"]);
        let p: Principal = serde_json::from_str(r#"{"Service":"logging.s3.amazonaws.com"}"#).unwrap();
        assert!(!p.is_anyone());
        assert!(p.aws_accounts().is_empty());
    }

    #[test]
    fn wildcards_match_like_iam() {
        assert!(wildcard_match("s3:*", "s3:GetObject"));
        assert!(wildcard_match("S3:get*", "s3:GetObject"));
        assert!(wildcard_match("*", "iam:PassRole"));
        assert!(wildcard_match("s3:Get?bject", "s3:GetObject"));
        assert!(!wildcard_match("s3:Put*", "s3:GetObject"));
        assert!(!wildcard_match("s3:GetObject", "s3:GetObjectAcl"));
    }

    #[test]
    fn iam_documents_are_url_decoded() {
        let encoded = "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%7B%22Effect%22%3A%22Allow%22%2C%22Action%22%3A%22s3%3A%2A%22%2C%22Resource%22%3A%22%2A%22%7D%7D";
        let doc = PolicyDocument::parse_iam(encoded).unwrap();
        assert!(doc.statements.0[0].covers_action("s3:GetObject"));
        let plain = PolicyDocument::parse_iam(r#"{"Statement":{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::a%20b"}}"#).unwrap();
        assert_eq!(plain.statements.0[0].resource.as_ref().unwrap().0[0], "arn:aws:s3:::a%20b");
        assert!(PolicyDocument::parse_iam("%7Bnot json").is_err());
    }

    #[test]
    fn not_action_covers_the_rest() {
        let doc = PolicyDocument::parse(r#"{"Statement":{"Effect":"Allow","NotAction":"iam:*"}}"#).unwrap();
        let s = &doc.statements.0[0];
        assert!(s.covers_action("s3:GetObject"));
        assert!(!s.covers_action("iam:CreateUser"));
    }

    #[test]
    fn who_a_statement_applies_to() {
        let stmt = |principal: &str| -> Statement {
            let doc = PolicyDocument::parse(&format!(r#"{{"Statement":[{{"Effect":"Allow",{principal},"Action":"s3:GetObject"}}]}}"#)).unwrap();
            doc.statements.0[0].clone()
        };
        for anyone in [
            r#""Principal":"*""#,
            r#""Principal":{"AWS":"*"}"#,
            r#""Principal":{"AWS":["arn:aws:iam::111111111111:root","*"]}"#,
            r#""NotPrincipal":{"AWS":"arn:aws:iam::111111111111:root"}"#,
        ] {
            assert!(stmt(anyone).applies_to_anyone(), "{anyone}");
        }
        for named in [
            r#""Principal":{"AWS":"arn:aws:iam::111111111111:root"}"#,
            r#""Principal":{"AWS":"111111111111"}"#,
            r#""Principal":{"Service":"logging.s3.amazonaws.com"}"#,
            r#""NotPrincipal":{"AWS":"*"}"#,
        ] {
            assert!(!stmt(named).applies_to_anyone(), "{named}");
        }
        assert_eq!(stmt(r#""Principal":{"AWS":["arn:aws:iam::111111111111:root","222222222222"]}"#).named_accounts(), ["111111111111", "222222222222"]);
    }
}
