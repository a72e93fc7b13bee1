//! The permission decision: may a principal, through all of its policies, perform an action on a
//! resource? Explicit Deny wins, a permissions boundary caps, date conditions are decided against
//! the audit time, and any other condition makes the answer "yes, if ...".

use super::glob::{self, Case};
use super::{value_text, Effect, PolicyDocument, Statement};
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use serde_json::Value;

/// One policy document and the name it is reported under (inline name or managed policy ARN).
#[derive(Debug, Clone, Copy)]
pub struct Source<'a> {
    pub policy: &'a str,
    pub doc: &'a PolicyDocument,
}

/// Every policy that governs one principal.
#[derive(Debug, Clone, Default)]
pub struct PolicySet<'a> {
    /// Inline, attached managed, and (for a user) its groups' policies.
    pub identity: Vec<Source<'a>>,
    pub boundary: Option<Source<'a>>,
}

/// Which of the resources a request pattern names must be reachable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// At least one (e.g. "some customer managed policy").
    Any,
    /// Every one (e.g. "every role in the account").
    All,
    /// None: the action cannot be limited to a resource (the IAM reference lists no resource type
    /// for it), so IAM matches statements against the literal resource `*`, and only a statement
    /// whose pattern matches that string applies. `Request.resource` is ignored.
    Unscoped,
}

/// Whether a resource pattern matches the literal `*` an unscoped action is requested on.
fn matches_unscoped(pattern: &str) -> bool {
    glob::matches(pattern, "*", glob::Case::Sensitive)
}

/// "Action on resource", where the resource may be a pattern standing for a set of ARNs.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    pub action: &'a str,
    pub resource: &'a str,
    pub scope: Scope,
    /// Request context the caller fixes (`iam:PassedToService` of a PassRole that hands a role to
    /// one service): string conditions on these keys are decided, not left unknown.
    pub context: &'a [(&'a str, &'a str)],
}

/// Why a request is allowed: the statements that allow it and the conditions it depends on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Grant {
    /// `"<policy> statement N"` for each statement that allows it.
    pub sources: Vec<String>,
    /// Conditions the grant depends on; empty when it is unconditional.
    pub gates: Vec<String>,
}

impl Grant {
    pub fn is_conditional(&self) -> bool {
        !self.gates.is_empty()
    }
}

/// The value of a statement's Condition block at audit time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Truth {
    True,
    False,
    /// Depends on request context vigil cannot know; the conditions are named.
    Unknown(Vec<String>),
}

/// Evaluates a statement's conditions: date conditions on `aws:CurrentTime` and
/// `aws:TokenIssueTime` are decided at `now`, string conditions on a key of `context` against its
/// value; any other condition is unknown.
pub fn condition_truth(s: &Statement, now: DateTime<Utc>, context: &[(&str, &str)]) -> Truth {
    let mut unknown = Vec::new();
    for (op, key, values) in s.conditions() {
        match date_condition(op, key, values, now).or_else(|| string_condition(op, key, values, context)) {
            Some(true) => {}
            Some(false) => return Truth::False,
            None => unknown.push(describe(op, key, values)),
        }
    }
    if unknown.is_empty() {
        Truth::True
    } else {
        Truth::Unknown(unknown)
    }
}

fn describe(op: &str, key: &str, values: &[Value]) -> String {
    let vals: Vec<String> = values.iter().map(value_text).collect();
    format!("{op} {key} = {}", vals.join("|"))
}

fn date_condition(op: &str, key: &str, values: &[Value], now: DateTime<Utc>) -> Option<bool> {
    let key = key.to_ascii_lowercase();
    if key != "aws:currenttime" && key != "aws:tokenissuetime" {
        return None;
    }
    let op = op.to_ascii_lowercase();
    let op = op.strip_suffix("ifexists").unwrap_or(&op); // the key is always present
    let times: Option<Vec<DateTime<Utc>>> = values.iter().map(parse_time).collect();
    let times = times?;
    if times.is_empty() {
        return None;
    }
    let test = |f: &dyn Fn(&DateTime<Utc>) -> bool| times.iter().any(f);
    Some(match op {
        "dateequals" => test(&|t| now == *t),
        "datenotequals" => times.iter().all(|t| now != *t),
        "datelessthan" => test(&|t| now < *t),
        "datelessthanequals" => test(&|t| now <= *t),
        "dategreaterthan" => test(&|t| now > *t),
        "dategreaterthanequals" => test(&|t| now >= *t),
        _ => return None,
    })
}

/// A string or ARN condition on a key whose value the request fixes. `None` when the key is not
/// fixed, the operator is not a string or ARN operator, or the answer depends on which value of
/// a fixed pattern the request will carry.
///
/// A fixed value may be a pattern standing for every value it matches (`iam:AssociatedResourceArn`
/// of "some instance", `arn:aws:ec2:*:ACCOUNT:instance/*`): a condition no such value can meet is
/// false, one every such value meets is true, and anything between is left unknown.
fn string_condition(op: &str, key: &str, values: &[Value], context: &[(&str, &str)]) -> Option<bool> {
    let (_, actual) = context.iter().find(|(k, _)| k.eq_ignore_ascii_case(key))?;
    let op = op.to_ascii_lowercase();
    // A fixed key is present and single-valued: IfExists and the set qualifiers change nothing.
    let op = op.strip_prefix("foranyvalue:").or_else(|| op.strip_prefix("forallvalues:")).unwrap_or(&op);
    let op = op.strip_suffix("ifexists").unwrap_or(op);
    let wanted: Vec<String> = values.iter().map(value_text).collect();
    let pattern = actual.contains(['*', '?']);
    // For one wanted value: (can some request value meet it, does every request value meet it).
    let meets = |w: &str| -> (bool, bool) {
        match op.trim_start_matches("string").trim_start_matches("arn").trim_start_matches("not") {
            "equals" if op.starts_with("arn") => (glob::resource_intersects(w, actual), glob::resource_covers(w, actual)),
            "like" if op.starts_with("arn") => (glob::resource_intersects(w, actual), glob::resource_covers(w, actual)),
            "equals" if pattern => (glob::matches(actual, w, Case::Sensitive), false),
            "equals" => (w == *actual, w == *actual),
            "equalsignorecase" if pattern => (glob::matches(actual, w, Case::Insensitive), false),
            "equalsignorecase" => (w.eq_ignore_ascii_case(actual), w.eq_ignore_ascii_case(actual)),
            "like" => (glob::intersects(w, actual, Case::Sensitive), glob::covers(w, actual, Case::Sensitive)),
            _ => (false, false),
        }
    };
    let known = ["stringequals", "stringnotequals", "stringequalsignorecase", "stringnotequalsignorecase", "stringlike", "stringnotlike", "arnequals", "arnnotequals", "arnlike", "arnnotlike"];
    if !known.contains(&op) {
        return None;
    }
    let (some, every) = wanted.iter().map(|w| meets(w)).fold((false, false), |(s, e), (s1, e1)| (s || s1, e || e1));
    // The positive operator holds when some wanted value matches the request's value.
    let holds = if every { Some(true) } else if !some { Some(false) } else { None };
    if op.contains("not") {
        holds.map(|h| !h)
    } else {
        holds
    }
}

/// A condition date: ISO 8601 (date or date-time) or epoch seconds.
fn parse_time(v: &Value) -> Option<DateTime<Utc>> {
    if let Some(n) = v.as_i64() {
        return DateTime::from_timestamp(n, 0);
    }
    let s = v.as_str()?.trim();
    if let Ok(n) = s.parse::<i64>() {
        return DateTime::from_timestamp(n, 0);
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&Utc));
    }
    if let Ok(t) = chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%SZ") {
        return Some(t.and_utc());
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d").ok().and_then(|d| d.and_hms_opt(0, 0, 0)).map(|t| t.and_utc())
}

/// Whether an Allow statement reaches the requested resources.
fn allow_reaches(s: &Statement, req: &Request) -> bool {
    if let Some(list) = &s.resource {
        return list.iter().any(|p| match req.scope {
            Scope::Any => glob::resource_intersects(p, req.resource),
            Scope::All => glob::resource_covers(p, req.resource),
            Scope::Unscoped => matches_unscoped(p),
        });
    }
    if let Some(list) = &s.not_resource {
        return match req.scope {
            Scope::Any => !list.iter().any(|p| glob::resource_covers(p, req.resource)),
            Scope::All => !list.iter().any(|p| glob::resource_intersects(p, req.resource)),
            Scope::Unscoped => !list.iter().any(|p| matches_unscoped(p)),
        };
    }
    true
}

/// Whether a Deny statement takes the request away: for `Any`, it denies every requested resource;
/// for `All`, it denies at least one.
fn deny_removes(s: &Statement, req: &Request) -> bool {
    if let Some(list) = &s.resource {
        return list.iter().any(|p| match req.scope {
            Scope::Any => glob::resource_covers(p, req.resource),
            Scope::All => glob::resource_intersects(p, req.resource),
            Scope::Unscoped => matches_unscoped(p),
        });
    }
    if let Some(list) = &s.not_resource {
        return match req.scope {
            Scope::Any => !list.iter().any(|p| glob::resource_intersects(p, req.resource)),
            Scope::All => !list.iter().any(|p| glob::resource_covers(p, req.resource)),
            Scope::Unscoped => !list.iter().any(|p| matches_unscoped(p)),
        };
    }
    true
}

fn statements<'a>(sources: &'a [Source<'a>]) -> impl Iterator<Item = (&'a Source<'a>, usize, &'a Statement)> {
    sources.iter().flat_map(|src| src.doc.statements.iter().enumerate().map(move |(i, s)| (src, i, s)))
}

/// Applies the Allow statements matched by `allows` and the Deny statements matched by `denies`.
fn evaluate<'a>(
    sources: &'a [Source<'a>],
    now: DateTime<Utc>,
    context: &[(&str, &str)],
    allows: impl Fn(&Statement) -> bool,
    denies: impl Fn(&Statement) -> bool,
) -> Option<Grant> {
    let (mut sure, mut maybe, mut alternatives) = (Vec::new(), Vec::new(), Vec::new());
    for (src, i, s) in statements(sources).filter(|(_, _, s)| s.effect == Effect::Allow && allows(s)) {
        let label = format!("{} {}", src.policy, s.label(i));
        match condition_truth(s, now, context) {
            Truth::True => sure.push(label),
            Truth::False => {}
            Truth::Unknown(c) => {
                maybe.push(label);
                alternatives.push(c);
            }
        }
    }
    let mut grant = match (sure.is_empty(), maybe.is_empty()) {
        (false, _) => Grant { sources: sure, gates: Vec::new() },
        (true, false) => Grant { sources: maybe, gates: either(alternatives) },
        (true, true) => return None,
    };
    for (src, i, s) in statements(sources).filter(|(_, _, s)| s.effect == Effect::Deny && denies(s)) {
        match condition_truth(s, now, context) {
            Truth::True => return None,
            Truth::False => {}
            Truth::Unknown(c) => grant
                .gates
                .extend(c.into_iter().map(|c| format!("not denied by {} {} ({c})", src.policy, s.label(i)))),
        }
    }
    grant.gates.dedup();
    Some(grant)
}

/// The gates of a grant that any one of several conditional statements gives: each statement's
/// conditions must all hold ("and"), and any one statement is enough ("or"). Gates are read as
/// "all of these", so alternatives become one gate.
fn either(mut alternatives: Vec<Vec<String>>) -> Vec<String> {
    alternatives.sort();
    alternatives.dedup();
    if alternatives.len() <= 1 {
        return alternatives.pop().unwrap_or_default();
    }
    let one = |c: &Vec<String>| if c.len() == 1 { c[0].clone() } else { format!("({})", c.join(" and ")) };
    vec![alternatives.iter().map(one).collect::<Vec<_>>().join(" or ")]
}

fn within_boundary(set: &PolicySet, mut grant: Grant, boundary_grant: impl Fn(&[Source]) -> Option<Grant>) -> Option<Grant> {
    if let Some(b) = set.boundary {
        let bg = boundary_grant(std::slice::from_ref(&b))?;
        grant.gates.extend(bg.gates.into_iter().map(|g| format!("boundary: {g}")));
    }
    Some(grant)
}

/// Decides one request against a principal's policies. `None` means denied (explicitly or by
/// default).
pub fn decide(set: &PolicySet, req: &Request, now: DateTime<Utc>) -> Option<Grant> {
    let one = |sources: &[Source]| {
        evaluate(
            sources,
            now,
            req.context,
            |s| s.covers_action(req.action) && allow_reaches(s, req),
            |s| s.covers_action(req.action) && deny_removes(s, req),
        )
    };
    let grant = one(&set.identity)?;
    within_boundary(set, grant, one)
}

/// A decision with its reason, for `vigil simulate`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "decision", rename_all = "snake_case")]
pub enum Verdict {
    /// Allowed; `gates` lists the conditions it depends on (empty when it always holds).
    Allowed(Grant),
    /// An Allow matches, and this Deny takes it away.
    ExplicitlyDenied { by: String },
    /// No Allow matches (or the boundary allows nothing of it).
    ImplicitlyDenied,
}

/// Decides one request and says why: which statements allow it, or which Deny removes it.
pub fn explain(set: &PolicySet, req: &Request, now: DateTime<Utc>) -> Verdict {
    if let Some(grant) = decide(set, req, now) {
        return Verdict::Allowed(grant);
    }
    let sources: Vec<Source> = set.identity.iter().copied().chain(set.boundary).collect();
    let deny = statements(&sources).find(|(_, _, s)| {
        s.effect == Effect::Deny
            && s.covers_action(req.action)
            && deny_removes(s, req)
            && condition_truth(s, now, req.context) == Truth::True
    });
    match deny {
        Some((src, i, s)) => Verdict::ExplicitlyDenied { by: format!("{} {}", src.policy, s.label(i)) },
        None => Verdict::ImplicitlyDenied,
    }
}

/// Whether the principal may do every action on every resource (administrator). Any Deny that
/// applies, however narrow, means "not everything"; a Deny under an unknown condition makes the
/// answer conditional.
pub fn full_access(set: &PolicySet, now: DateTime<Utc>) -> Option<Grant> {
    let every_action = |s: &Statement| {
        s.action.as_ref().is_some_and(|a| a.iter().any(|p| glob::covers(p, "*:*", Case::Insensitive)))
    };
    let every_resource = |s: &Statement| s.resource.as_ref().is_some_and(|r| r.iter().any(|p| glob::is_universal(p)));
    let one = |sources: &[Source]| evaluate(sources, now, &[], |s| every_action(s) && every_resource(s), |_| true);
    let grant = one(&set.identity)?;
    within_boundary(set, grant, one)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-11-01T00:00:00Z").unwrap().with_timezone(&Utc)
    }

    fn doc(statements: &str) -> PolicyDocument {
        PolicyDocument::parse(&format!(r#"{{"Version":"2012-10-17","Statement":[{statements}]}}"#)).expect("fixture")
    }

    fn set<'a>(docs: &'a [(&'a str, PolicyDocument)]) -> PolicySet<'a> {
        PolicySet { identity: docs.iter().map(|(n, d)| Source { policy: n, doc: d }).collect(), boundary: None }
    }

    const POLICIES: &str = "arn:aws:iam::123456789012:policy/*";

    fn may(docs: &[(&str, PolicyDocument)], action: &str, resource: &str) -> Option<Grant> {
        decide(&set(docs), &Request { action, resource, scope: Scope::Any, context: &[] }, now())
    }

    const ALLOW_CPV: &str = r#"{"Effect":"Allow","Action":"iam:CreatePolicyVersion","Resource":"*"}"#;

    #[test]
    fn an_unscoped_action_is_granted_only_by_statements_on_star() {
        let req = Request { action: "glue:CreateDevEndpoint", resource: "*", scope: Scope::Unscoped, context: &[] };
        let decided = |statements: &str| decide(&set(&[("p", doc(statements))]), &req, now()).is_some();
        let on = |resource: &str| format!(r#"{{"Effect":"Allow","Action":"glue:CreateDevEndpoint","Resource":"{resource}"}}"#);
        assert!(decided(&on("*")));
        assert!(!decided(&on("arn:aws:glue:*:123456789012:devEndpoint/*")), "an ARN never matches an unscoped request");
        assert!(
            decided(r#"{"Effect":"Allow","Action":"glue:*","Resource":"*"},{"Effect":"Deny","Action":"glue:*","Resource":"arn:aws:glue:*:*:devEndpoint/x"}"#),
            "a Deny on an ARN does not apply either"
        );
        assert!(!decided(r#"{"Effect":"Allow","Action":"glue:*","Resource":"*"},{"Effect":"Deny","Action":"glue:*","NotResource":"arn:aws:glue:*:*:devEndpoint/x"}"#));
    }

    #[test]
    fn allow_grants_and_nothing_is_default_deny() {
        let docs = [("p", doc(ALLOW_CPV))];
        let g = may(&docs, "iam:CreatePolicyVersion", POLICIES).expect("allowed");
        assert_eq!(g.sources, vec!["p statement 0"]);
        assert!(!g.is_conditional());
        assert!(may(&docs, "iam:CreateAccessKey", "*").is_none(), "not granted means denied");
    }

    #[test]
    fn actions_match_case_insensitively_with_wildcards() {
        let docs = [("p", doc(r#"{"Effect":"Allow","Action":["IAM:create*","s3:Get?bject"],"Resource":"*"}"#))];
        assert!(may(&docs, "iam:CreatePolicyVersion", POLICIES).is_some());
        assert!(may(&docs, "s3:GetObject", "*").is_some());
        assert!(may(&docs, "iam:AttachUserPolicy", "*").is_none());
    }

    #[test]
    fn deny_in_the_same_policy_wins() {
        let docs = [("p", doc(&format!(r#"{ALLOW_CPV},{{"Effect":"Deny","Action":"iam:*","Resource":"*"}}"#)))];
        assert!(may(&docs, "iam:CreatePolicyVersion", POLICIES).is_none());
    }

    #[test]
    fn deny_in_another_policy_wins() {
        let docs = [
            ("allow", doc(ALLOW_CPV)),
            ("guard", doc(r#"{"Effect":"Deny","Action":"iam:CreatePolicyVersion","Resource":"arn:aws:iam::*:policy/*"}"#)),
        ];
        assert!(may(&docs, "iam:CreatePolicyVersion", POLICIES).is_none());
    }

    #[test]
    fn deny_on_part_of_the_resources_leaves_the_rest() {
        let docs = [
            ("allow", doc(ALLOW_CPV)),
            ("guard", doc(r#"{"Effect":"Deny","Action":"iam:CreatePolicyVersion","Resource":"arn:aws:iam::123456789012:policy/prod-*"}"#)),
        ];
        assert!(may(&docs, "iam:CreatePolicyVersion", POLICIES).is_some());
    }

    #[test]
    fn not_action_allows_everything_else() {
        let docs = [("p", doc(r#"{"Effect":"Allow","NotAction":["iam:*","organizations:*"],"Resource":"*"}"#))];
        assert!(may(&docs, "iam:PassRole", "*").is_none());
        assert!(may(&docs, "ec2:RunInstances", "*").is_some());
        let deny = [("allow", doc(ALLOW_CPV)), ("d", doc(r#"{"Effect":"Deny","NotAction":"s3:*","Resource":"*"}"#))];
        assert!(may(&deny, "iam:CreatePolicyVersion", POLICIES).is_none(), "Deny NotAction s3:* denies iam");
    }

    #[test]
    fn resource_constraint_that_never_matches_is_unexploitable() {
        let docs = [("p", doc(r#"{"Effect":"Allow","Action":"iam:CreatePolicyVersion","Resource":"arn:aws:iam::aws:policy/*"}"#))];
        assert!(may(&docs, "iam:CreatePolicyVersion", POLICIES).is_none());
    }

    #[test]
    fn resource_constraint_that_matches_some_is_exploitable() {
        let docs = [("p", doc(r#"{"Effect":"Allow","Action":"iam:CreatePolicyVersion","Resource":"arn:aws:iam::123456789012:policy/team-*"}"#))];
        assert!(may(&docs, "iam:CreatePolicyVersion", POLICIES).is_some());
    }

    #[test]
    fn not_resource_is_honoured() {
        let docs = [("p", doc(r#"{"Effect":"Allow","Action":"iam:CreatePolicyVersion","NotResource":"arn:aws:iam::*:policy/*"}"#))];
        assert!(may(&docs, "iam:CreatePolicyVersion", POLICIES).is_none());
        let docs = [("p", doc(r#"{"Effect":"Allow","Action":"iam:CreatePolicyVersion","NotResource":"arn:aws:iam::*:policy/prod-*"}"#))];
        assert!(may(&docs, "iam:CreatePolicyVersion", POLICIES).is_some());
    }

    #[test]
    fn scope_all_needs_every_resource() {
        let narrow = [("p", doc(r#"{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"arn:aws:iam::123456789012:role/ci-*"}"#))];
        let wide = [("p", doc(r#"{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}"#))];
        let req = Request { action: "sts:AssumeRole", resource: "arn:aws:iam::123456789012:role/*", scope: Scope::All, context: &[] };
        assert!(decide(&set(&narrow), &req, now()).is_none());
        assert!(decide(&set(&wide), &req, now()).is_some());
    }

    #[test]
    fn condition_always_true_grants_unconditionally() {
        let docs = [("p", doc(r#"{"Effect":"Allow","Action":"iam:CreatePolicyVersion","Resource":"*","Condition":{"DateGreaterThan":{"aws:CurrentTime":"2020-01-01T00:00:00Z"}}}"#))];
        let g = may(&docs, "iam:CreatePolicyVersion", POLICIES).expect("allowed");
        assert!(!g.is_conditional());
    }

    #[test]
    fn condition_never_true_grants_nothing() {
        let docs = [("p", doc(r#"{"Effect":"Allow","Action":"iam:CreatePolicyVersion","Resource":"*","Condition":{"DateLessThan":{"aws:CurrentTime":"2021-06-30"}}}"#))];
        assert!(may(&docs, "iam:CreatePolicyVersion", POLICIES).is_none());
        let expired = [("p", doc(r#"{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"DateLessThanEquals":{"aws:TokenIssueTime":1577836800}}}"#))];
        assert!(full_access(&set(&expired), now()).is_none());
    }

    #[test]
    fn other_conditions_make_the_grant_conditional() {
        let docs = [("p", doc(r#"{"Effect":"Allow","Action":"iam:CreatePolicyVersion","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}}}"#))];
        let g = may(&docs, "iam:CreatePolicyVersion", POLICIES).expect("still allowed");
        assert_eq!(g.gates, vec!["IpAddress aws:SourceIp = 203.0.113.0/24"]);
    }

    #[test]
    fn passed_to_service_is_decided_for_the_service_a_path_passes_to() {
        let docs = [("p", doc(r#"{"Effect":"Allow","Action":"iam:PassRole","Resource":"*","Condition":{"StringEquals":{"iam:PassedToService":"ecs-tasks.amazonaws.com"}}}"#))];
        let pass = |service: &'static str| {
            let context = [("iam:PassedToService", service)];
            decide(&set(&docs), &Request { action: "iam:PassRole", resource: "arn:aws:iam::123456789012:role/*", scope: Scope::Any, context: &context }, now())
        };
        assert!(pass("cloudformation.amazonaws.com").is_none(), "the condition excludes CloudFormation");
        let ecs = pass("ecs-tasks.amazonaws.com").expect("allowed for ECS tasks");
        assert!(!ecs.is_conditional(), "{:?}", ecs.gates);
        let like = [("p", doc(r#"{"Effect":"Allow","Action":"iam:PassRole","Resource":"*","Condition":{"StringLikeIfExists":{"iam:PassedToService":"ec2.*"}}}"#))];
        let context = [("iam:PassedToService", "ec2.amazonaws.com")];
        let req = Request { action: "iam:PassRole", resource: "*", scope: Scope::Any, context: &context };
        assert!(decide(&set(&like), &req, now()).is_some_and(|g| !g.is_conditional()));
        let deny = [
            ("a", doc(r#"{"Effect":"Allow","Action":"iam:PassRole","Resource":"*"}"#)),
            ("d", doc(r#"{"Effect":"Deny","Action":"iam:PassRole","Resource":"*","Condition":{"StringNotEquals":{"iam:PassedToService":"lambda.amazonaws.com"}}}"#)),
        ];
        assert!(decide(&set(&deny), &req, now()).is_none(), "denied for every service but Lambda");
    }

    #[test]
    fn alternative_statements_read_or_and_one_statements_conditions_read_and() {
        let pass_to = |service: &str| {
            format!(r#"{{"Effect":"Allow","Action":"iam:PassRole","Resource":"*","Condition":{{"StringEquals":{{"iam:PassedToService":"{service}"}}}}}}"#)
        };
        let docs = [
            ("a", doc(&pass_to("ecs-tasks.amazonaws.com"))),
            ("b", doc(&pass_to("ec2.amazonaws.com"))),
            ("c", doc(r#"{"Effect":"Allow","Action":"iam:PassRole","Resource":"*","Condition":{"StringEquals":{"iam:PassedToService":"lambda.amazonaws.com","aws:RequestedRegion":"eu-west-1"}}}"#)),
        ];
        let g = may(&docs, "iam:PassRole", "arn:aws:iam::123456789012:role/*").expect("allowed under conditions");
        assert_eq!(g.sources.len(), 3);
        assert_eq!(
            g.gates,
            vec![
                "(StringEquals aws:RequestedRegion = eu-west-1 and StringEquals iam:PassedToService = lambda.amazonaws.com) or \
                 StringEquals iam:PassedToService = ec2.amazonaws.com or StringEquals iam:PassedToService = ecs-tasks.amazonaws.com"
            ]
        );
    }

    #[test]
    fn always_true_deny_blocks_and_unknown_deny_gates() {
        let always = [("p", doc(&format!(r#"{ALLOW_CPV},{{"Effect":"Deny","Action":"*","Resource":"*","Condition":{{"DateGreaterThan":{{"aws:CurrentTime":"2001-01-01"}}}}}}"#)))];
        assert!(may(&always, "iam:CreatePolicyVersion", POLICIES).is_none());
        let unknown = [("p", doc(&format!(r#"{ALLOW_CPV},{{"Effect":"Deny","Action":"*","Resource":"*","Condition":{{"BoolIfExists":{{"aws:MultiFactorAuthPresent":"false"}}}}}}"#)))];
        let g = may(&unknown, "iam:CreatePolicyVersion", POLICIES).expect("allowed with MFA");
        assert!(g.gates[0].contains("aws:MultiFactorAuthPresent"), "{:?}", g.gates);
    }

    #[test]
    fn unconditional_allow_beats_conditional_one() {
        let docs = [
            ("a", doc(r#"{"Effect":"Allow","Action":"iam:CreatePolicyVersion","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"true"}}}"#)),
            ("b", doc(ALLOW_CPV)),
        ];
        let g = may(&docs, "iam:CreatePolicyVersion", POLICIES).unwrap();
        assert_eq!((g.sources, g.gates.len()), (vec!["b statement 0".to_string()], 0));
    }

    #[test]
    fn boundary_caps_the_result() {
        let admin = doc(r#"{"Effect":"Allow","Action":"*","Resource":"*"}"#);
        let s3_only = doc(r#"{"Effect":"Allow","Action":"s3:*","Resource":"*"}"#);
        let mut s = PolicySet { identity: vec![Source { policy: "admin", doc: &admin }], boundary: None };
        assert!(full_access(&s, now()).is_some());
        s.boundary = Some(Source { policy: "boundary", doc: &s3_only });
        assert!(full_access(&s, now()).is_none());
        let req = Request { action: "iam:CreatePolicyVersion", resource: POLICIES, scope: Scope::Any, context: &[] };
        assert!(decide(&s, &req, now()).is_none());
        let req = Request { action: "s3:PutObject", resource: "*", scope: Scope::Any, context: &[] };
        assert!(decide(&s, &req, now()).is_some());
    }

    #[test]
    fn full_access_needs_every_action_on_every_resource() {
        let admin = [("AdministratorAccess", doc(r#"{"Effect":"Allow","Action":"*","Resource":"*"}"#))];
        assert_eq!(full_access(&set(&admin), now()).unwrap().sources, vec!["AdministratorAccess statement 0"]);
        let star_star = [("p", doc(r#"{"Effect":"Allow","Action":"*:*","Resource":["*"]}"#))];
        assert!(full_access(&set(&star_star), now()).is_some());
        let scoped = [("p", doc(r#"{"Effect":"Allow","Action":"*","Resource":"arn:aws:s3:::*"}"#))];
        assert!(full_access(&set(&scoped), now()).is_none());
        let service = [("p", doc(r#"{"Effect":"Allow","Action":"iam:*","Resource":"*"}"#))];
        assert!(full_access(&set(&service), now()).is_none());
        let denied = [("p", doc(r#"{"Effect":"Allow","Action":"*","Resource":"*"},{"Effect":"Deny","Action":"iam:*","Resource":"*"}"#))];
        assert!(full_access(&set(&denied), now()).is_none());
    }
}
