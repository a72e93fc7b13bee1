//! The router: maps an invocation's JSON to what must be audited. Pure: no AWS calls, no clock.
//!
//! Each service lists the CloudTrail events it reacts to as [`EventRule`] rows in its own folder;
//! the router finds the row and applies its [`Locator`] and [`Effect`].

use crate::model::{ResourceRef, ResourceType};
use crate::service::Service;
use aws_lambda_events::event::cloudwatch_events::CloudWatchEvent;
use serde::{Serialize, Serializer};
use serde_json::Value;
use thiserror::Error;

/// Why an event cannot be routed. Never retryable: the same input gives the same error.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum RouteError {
    #[error("malformed event JSON: {0}")]
    Malformed(String),
    #[error("{event} event is missing required field `{field}`")]
    MissingField { event: String, field: &'static str },
    #[error("invalid `{field}`: {reason}")]
    BadValue { field: &'static str, reason: String },
}

/// One part of a resource's configuration that a service reads separately (a bucket's policy, a
/// user's credentials, a VPC's flow logs). Each service numbers its own parts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Part(u32);

impl Part {
    /// The part numbered `n` (0-31) of a service.
    pub const fn new(n: u8) -> Part {
        Part(1 << (n as u32 & 31))
    }
}

/// Which parts of a resource to re-read, and whether what it governs is re-audited too. An event
/// names what changed; everything else is re-read only by a full scan or an operator request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Focus {
    parts: u32,
    /// Also re-audit what this resource governs (a group's members, a policy's principals, the
    /// resources placed in a VPC).
    pub governed: bool,
}

impl Focus {
    /// Every part, nothing governed: a scan or an operator request.
    pub const EVERYTHING: Focus = Focus { parts: u32::MAX, governed: false };

    /// Only these parts.
    pub const fn only(parts: &[Part]) -> Focus {
        let mut bits = 0;
        let mut i = 0;
        while i < parts.len() {
            bits |= parts[i].0;
            i += 1;
        }
        Focus { parts: bits, governed: false }
    }

    /// The same parts, and what the resource governs.
    pub const fn and_governed(self) -> Focus {
        Focus { parts: self.parts, governed: true }
    }

    /// Whether `part` is to be read.
    pub fn has(&self, part: Part) -> bool {
        self.parts & part.0 != 0
    }
}

/// One resource to audit, what to re-read of it, and the service that reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub resource: ResourceRef,
    pub focus: Focus,
    /// The service whose event row (or ARN) named it.
    pub service: &'static str,
}

impl Serialize for Target {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.resource.serialize(s)
    }
}

/// The router's decision. Its JSON form is the `vigil route` contract.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Decision {
    FullScan,
    Ignored { reason: String },
    Resources { audit: Vec<Target>, deleted: Vec<ResourceRef> },
}

/// What a supported CloudTrail event means for its resource.
#[derive(Debug, Clone, Copy)]
pub enum Effect {
    Audit(Focus),
    Delete,
}

/// What a service's own locator found in an event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Located {
    Resources(Vec<ResourceRef>),
    Ignored(String),
}

/// One CloudTrail event being routed, for locators.
#[derive(Debug, Clone, Copy)]
pub struct EventCx<'e> {
    pub name: &'e str,
    pub detail: &'e Value,
    pub account: &'e str,
    pub region: &'e str,
}

impl EventCx<'_> {
    /// The non-empty string at `field` (`detail.a.b`, array items by index).
    pub fn text(&self, field: &str) -> Option<String> {
        let pointer = field.trim_start_matches("detail").replace('.', "/");
        self.detail.pointer(&pointer).and_then(Value::as_str).filter(|s| !s.is_empty()).map(str::to_string)
    }

    /// The string at `field`, or an error naming it.
    pub fn required(&self, field: &'static str) -> Result<String, RouteError> {
        self.text(field).ok_or_else(|| self.missing(field))
    }

    pub fn missing(&self, field: &'static str) -> RouteError {
        RouteError::MissingField { event: self.name.into(), field }
    }

    /// A resource of this event's account and region.
    pub fn resource(&self, kind: ResourceType, id: impl Into<String>) -> ResourceRef {
        ResourceRef::new(kind, id, self.account, self.region)
    }
}

/// Where a CloudTrail event names its resource.
#[derive(Clone, Copy)]
pub enum Locator {
    /// The first of these fields (`detail.a.b`, array items by index) that holds a string names a
    /// resource of this type; CloudTrail puts the same id in different places for different calls.
    At(ResourceType, &'static [&'static str]),
    /// The account itself (an account-wide or per-region settings type); its id is the account.
    Account(ResourceType),
    /// A service's own rule, for events that name their resource in an unusual way.
    Custom(fn(&EventCx) -> Result<Located, RouteError>),
}

/// One CloudTrail event a service reacts to.
#[derive(Clone, Copy)]
pub struct EventRule {
    /// `eventSource` (`s3.amazonaws.com`).
    pub source: &'static str,
    /// `eventName`.
    pub name: &'static str,
    pub locator: Locator,
    pub effect: Effect,
}

impl EventRule {
    pub const fn new(source: &'static str, name: &'static str, locator: Locator, effect: Effect) -> Self {
        EventRule { source, name, locator, effect }
    }
}

/// The (event source, event names) pairs the router supports, for the template test and docs.
pub fn supported_events() -> Vec<(&'static str, &'static str)> {
    rules().map(|(_, r)| (r.source, r.name)).collect()
}

/// Every event row, with the service it belongs to.
fn rules() -> impl Iterator<Item = (&'static dyn Service, &'static EventRule)> {
    crate::services::all().iter().flat_map(|s| s.events().iter().map(move |r| (*s, r)))
}

/// Routes raw bytes: parses, then [`route`].
pub fn route_bytes(bytes: &[u8]) -> Result<Decision, RouteError> {
    let value: Value = serde_json::from_slice(bytes).map_err(|e| RouteError::Malformed(e.to_string()))?;
    route(&value)
}

/// Routes a parsed event.
pub fn route(event: &Value) -> Result<Decision, RouteError> {
    let Some(obj) = event.as_object() else {
        return Err(RouteError::Malformed(format!("expected a JSON object, got {}", kind_of(event))));
    };
    if let Some(scan) = obj.get("scan") {
        return match scan.as_str() {
            Some("full") => Ok(Decision::FullScan),
            _ => Err(RouteError::BadValue { field: "scan", reason: format!("expected \"full\", got {scan}") }),
        };
    }
    if let Some(list) = obj.get("resources").filter(|_| !obj.contains_key("detail-type")) {
        return operator_resources(list);
    }
    let Some(detail_type) = obj.get("detail-type") else {
        return Ok(Decision::Ignored {
            reason: "not an EventBridge event or operator payload (no detail-type, scan or resources)".into(),
        });
    };
    match detail_type.as_str() {
        Some("Scheduled Event") => Ok(Decision::FullScan),
        Some("AWS API Call via CloudTrail") => cloudtrail(event),
        Some(other) => Ok(Decision::Ignored { reason: format!("unsupported detail-type {other:?}") }),
        None => Err(RouteError::BadValue { field: "detail-type", reason: "expected a string".into() }),
    }
}

fn operator_resources(list: &Value) -> Result<Decision, RouteError> {
    let bad = |reason: String| RouteError::BadValue { field: "resources", reason };
    let items = list.as_array().ok_or_else(|| bad("expected an array of ARNs".into()))?;
    if items.is_empty() {
        return Err(bad("the list is empty".into()));
    }
    let mut audit = Vec::with_capacity(items.len());
    for item in items {
        let arn = item.as_str().ok_or_else(|| bad(format!("{item} is not a string")))?;
        let (service, resource) =
            crate::services::parse_arn_with_service(arn).ok_or_else(|| bad(format!("{arn:?} is not the ARN of a supported resource")))?;
        if !audit.iter().any(|t: &Target| t.resource == resource) {
            audit.push(Target { resource, focus: Focus::EVERYTHING, service: service.name() });
        }
    }
    Ok(Decision::Resources { audit, deleted: Vec::new() })
}

fn cloudtrail(event: &Value) -> Result<Decision, RouteError> {
    const EV: &str = "AWS API Call via CloudTrail";
    let envelope: CloudWatchEvent<Value> =
        serde_json::from_value(event.clone()).map_err(|e| RouteError::Malformed(format!("EventBridge envelope: {e}")))?;
    let missing = |field: &'static str| RouteError::MissingField { event: EV.into(), field };
    let detail = envelope.detail.as_ref().filter(|d| d.is_object()).ok_or_else(|| missing("detail"))?;
    let name = detail.get("eventName").and_then(Value::as_str).ok_or_else(|| missing("detail.eventName"))?;
    if let Some(code) = detail.get("errorCode").filter(|c| !c.is_null()) {
        let code = code.as_str().map(str::to_string).unwrap_or_else(|| code.to_string());
        return Ok(Decision::Ignored { reason: format!("{name} failed with {code}; nothing changed") });
    }
    let source = detail.get("eventSource").and_then(Value::as_str).unwrap_or_default();
    let Some((service, rule)) = rules().find(|(_, r)| r.name == name && (source.is_empty() || r.source == source)) else {
        return Ok(Decision::Ignored { reason: format!("{name} from {source:?} is not an audited change") });
    };
    let text = |v: Option<&Value>| v.and_then(Value::as_str).filter(|s| !s.is_empty()).map(str::to_string);
    let account = text(detail.get("recipientAccountId"))
        .or(envelope.account_id.clone().filter(|s| !s.is_empty()))
        .ok_or_else(|| missing("detail.recipientAccountId"))?;
    let region = text(detail.get("awsRegion"))
        .or(envelope.region.clone().filter(|s| !s.is_empty()))
        .ok_or_else(|| missing("detail.awsRegion"))?;
    let cx = EventCx { name, detail, account: &account, region: &region };
    let resources = match rule.locator {
        Locator::At(kind, fields) => {
            let id = fields.iter().find_map(|f| cx.text(f)).ok_or_else(|| RouteError::MissingField {
                event: name.into(),
                field: fields.first().copied().unwrap_or("detail.requestParameters"),
            })?;
            vec![cx.resource(kind, id)]
        }
        Locator::Account(kind) => vec![cx.resource(kind, account.clone())],
        Locator::Custom(locate) => match locate(&cx)? {
            Located::Resources(found) => found,
            Located::Ignored(reason) => return Ok(Decision::Ignored { reason }),
        },
    };
    Ok(match rule.effect {
        Effect::Delete => Decision::Resources { audit: Vec::new(), deleted: resources },
        Effect::Audit(focus) => Decision::Resources {
            audit: resources.into_iter().map(|resource| Target { resource, focus, service: service.name() }).collect(),
            deleted: Vec::new(),
        },
    })
}

/// Every string inside a JSON value (CloudTrail writes a one-element list as an object).
pub fn strings(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::String(s) if !s.is_empty() => out.push(s.clone()),
        Value::Array(items) => items.iter().for_each(|i| strings(i, out)),
        Value::Object(map) => map.values().for_each(|i| strings(i, out)),
        _ => {}
    }
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ACCOUNT, ACCOUNT_REGION};
    use crate::services::{ec2, iam, rds, s3};
    use serde_json::json;

    fn rows(source: &str) -> impl Iterator<Item = &'static EventRule> + '_ {
        rules().map(|(_, r)| r).filter(move |r| r.source == source)
    }

    fn cloudtrail_event(name: &str, params: Value) -> Value {
        json!({
            "version": "0", "id": "6f3e0c52-0000-4000-8000-000000000001",
            "detail-type": "AWS API Call via CloudTrail", "source": "aws.s3",
            "account": "123456789012", "time": "2026-11-20T10:00:00Z", "region": "eu-west-1",
            "resources": [],
            "detail": {
                "eventVersion": "1.09", "eventSource": "s3.amazonaws.com", "eventName": name,
                "awsRegion": "eu-west-1", "recipientAccountId": "123456789012",
                "requestParameters": params
            }
        })
    }

    #[test]
    fn schedule_and_operator_full_scan() {
        let sched = json!({"version":"0","id":"x","detail-type":"Scheduled Event","source":"aws.events",
            "account":"123456789012","time":"2026-11-20T10:00:00Z","region":"us-east-1","resources":[],"detail":{}});
        assert_eq!(route(&sched), Ok(Decision::FullScan));
        assert_eq!(route(&json!({"scan":"full"})), Ok(Decision::FullScan));
        assert!(matches!(route(&json!({"scan":"half"})), Err(RouteError::BadValue { field: "scan", .. })));
    }

    #[test]
    fn every_supported_event_routes_to_its_bucket() {
        for rule in rows("s3.amazonaws.com").filter(|r| !r.name.contains("Account")) {
            let d = route(&cloudtrail_event(rule.name, json!({"bucketName":"logs","Host":"logs.s3.amazonaws.com"}))).unwrap();
            let Decision::Resources { audit, deleted } = d else { panic!("{} not routed", rule.name) };
            let all: Vec<&ResourceRef> = audit.iter().map(|t| &t.resource).chain(deleted.iter()).collect();
            assert_eq!(all.len(), 1, "{}", rule.name);
            assert_eq!(all[0], &ResourceRef::new(s3::BUCKET, "logs", "123456789012", "eu-west-1"));
            assert_eq!(rule.name == "DeleteBucket", !deleted.is_empty(), "{}", rule.name);
        }
        let d = route(&cloudtrail_event("PutAccountPublicAccessBlock", json!({"PublicAccessBlockConfiguration": {}}))).unwrap();
        let Decision::Resources { audit, .. } = d else { panic!("not routed") };
        assert_eq!(audit[0].resource.kind, crate::model::ACCOUNT);
    }

    fn iam_event(name: &str, params: Value, identity: Value) -> Value {
        let mut e = cloudtrail_event(name, params);
        e["source"] = json!("aws.iam");
        e["detail"]["eventSource"] = json!("iam.amazonaws.com");
        e["detail"]["awsRegion"] = json!("us-east-1");
        e["detail"]["userIdentity"] = identity;
        e
    }

    fn routed(e: &Value) -> (Vec<Target>, Vec<ResourceRef>) {
        match route(e) {
            Ok(Decision::Resources { audit, deleted }) => (audit, deleted),
            other => panic!("not routed: {other:?}"),
        }
    }

    #[test]
    fn every_iam_event_routes_to_its_entity() {
        let admin = json!({"type":"AssumedRole","arn":"arn:aws:sts::123456789012:assumed-role/Admin/x"});
        for rule in rows("iam.amazonaws.com") {
            let params = json!({"userName":"alice","roleName":"deployer","groupName":"devs",
                "policyArn":"arn:aws:iam::123456789012:policy/ci","accessKeyId":"AKIAEXAMPLE","serverCertificateName":"www"});
            let (audit, deleted) = routed(&iam_event(rule.name, params, admin.clone()));
            let all: Vec<&ResourceRef> = audit.iter().map(|t| &t.resource).chain(deleted.iter()).collect();
            assert_eq!(all.len(), 1, "{}", rule.name);
            let n = rule.name;
            let (kind, id) = if n.contains("Password") {
                (ACCOUNT, "123456789012")
            } else if n.contains("ServerCertificate") {
                (iam::SERVER_CERTIFICATE, "www")
            } else if n.contains("Role") {
                (iam::ROLE, "deployer")
            } else if n.contains("Group") && !n.contains("User") {
                (iam::GROUP, "devs")
            } else if n.contains("Policy") && !n.contains("User") {
                (iam::POLICY, "arn:aws:iam::123456789012:policy/ci")
            } else {
                (iam::USER, "alice")
            };
            assert_eq!((all[0].kind, all[0].id.as_str()), (kind, id), "{}", rule.name);
            assert_eq!(rule.name.starts_with("Delete") && matches!(rule.effect, Effect::Delete), !deleted.is_empty(), "{}", rule.name);
        }
    }

    #[test]
    fn key_events_without_user_name_mean_the_caller() {
        let me = json!({"type":"IAMUser","userName":"bob","arn":"arn:aws:iam::123456789012:user/bob"});
        let (audit, _) = routed(&iam_event("CreateAccessKey", json!({}), me));
        assert_eq!(audit[0].resource, ResourceRef::new(iam::USER, "bob", "123456789012", "us-east-1"));
        assert_eq!(audit[0].focus, Focus::only(&[iam::part::CREDENTIALS]));
        assert_eq!(audit[0].service, "iam");
        let root = json!({"type":"Root","arn":"arn:aws:iam::123456789012:root"});
        let (audit, _) = routed(&iam_event("CreateAccessKey", json!({}), root));
        assert_eq!(audit[0].resource.kind, ACCOUNT, "a root key is the account's");
        let role = json!({"type":"AssumedRole","arn":"arn:aws:sts::123456789012:assumed-role/x/y"});
        let err = route(&iam_event("CreateAccessKey", json!({}), role)).unwrap_err();
        assert!(err.to_string().contains("detail.requestParameters.userName"), "{err}");
    }

    #[test]
    fn group_and_policy_events_follow_what_they_govern() {
        let (audit, _) = routed(&iam_event("PutGroupPolicy", json!({"groupName":"devs"}), json!({})));
        assert!(audit[0].focus.governed);
        let aws_managed = iam_event("CreatePolicyVersion", json!({"policyArn":"arn:aws:iam::aws:policy/ReadOnlyAccess"}), json!({}));
        assert!(matches!(route(&aws_managed), Ok(Decision::Ignored { .. })));
        let bad = iam_event("CreatePolicyVersion", json!({"policyArn":"not-an-arn"}), json!({}));
        assert!(route(&bad).is_err());
    }

    fn ec2_event(name: &str, params: Value, response: Value) -> Value {
        let mut e = cloudtrail_event(name, params);
        e["source"] = json!("aws.ec2");
        e["detail"]["eventSource"] = json!("ec2.amazonaws.com");
        e["detail"]["responseElements"] = response;
        e
    }

    #[test]
    fn security_group_id_is_found_wherever_cloudtrail_puts_it() {
        let sg = |e: &Value| routed(e).0[0].resource.id.clone();
        assert_eq!(sg(&ec2_event("RevokeSecurityGroupIngress", json!({"groupId":"sg-1"}), json!(null))), "sg-1");
        let modify = json!({"ModifySecurityGroupRulesRequest":{"GroupId":"sg-2","SecurityGroupRule":{"tag":1}}});
        assert_eq!(sg(&ec2_event("ModifySecurityGroupRules", modify, json!(null))), "sg-2");
        assert_eq!(sg(&ec2_event("CreateSecurityGroup", json!({"groupName":"web"}), json!({"_return":true,"groupId":"sg-3"}))), "sg-3");
        let by_name = json!({"securityGroupRuleSet":{"items":[{"groupId":"sg-4","securityGroupRuleId":"sgr-1"}]}});
        assert_eq!(sg(&ec2_event("AuthorizeSecurityGroupIngress", json!({"groupName":"default"}), by_name)), "sg-4");
        assert_eq!(sg(&ec2_event("RevokeSecurityGroupIngress", json!({"groupName":"default"}), json!(null))), "default");
        let err = route(&ec2_event("AuthorizeSecurityGroupIngress", json!({}), json!(null))).unwrap_err();
        assert!(err.to_string().contains("detail.requestParameters.groupId"), "{err}");
    }

    #[test]
    fn flow_log_and_rename_events_name_every_resource() {
        let one = json!({"CreateFlowLogsRequest":{"ResourceId":{"tag":1,"content":"vpc-1"},"ResourceType":"VPC"}});
        let (audit, _) = routed(&ec2_event("CreateFlowLogs", one, json!(null)));
        assert_eq!((audit[0].resource.kind, audit[0].focus), (ec2::VPC, Focus::only(&[ec2::part::FLOW_LOGS])));
        let two = json!({"CreateFlowLogsRequest":{"ResourceId":[{"tag":1,"content":"vpc-1"},{"tag":2,"content":"vpc-2"}]}});
        assert_eq!(routed(&ec2_event("CreateFlowLogs", two, json!(null))).0.len(), 2);
        let subnet = json!({"CreateFlowLogsRequest":{"ResourceId":{"tag":1,"content":"subnet-1"}}});
        assert!(matches!(route(&ec2_event("CreateFlowLogs", subnet, json!(null))), Ok(Decision::Ignored { .. })));
        let mut rename = cloudtrail_event("ModifyDBInstance", json!({"dBInstanceIdentifier":"old","newDBInstanceIdentifier":"new"}));
        rename["detail"]["eventSource"] = json!("rds.amazonaws.com");
        let ids: Vec<String> = routed(&rename).0.into_iter().map(|t| t.resource.id).collect();
        assert_eq!(ids, vec!["old", "new"]);
        assert_eq!(routed(&rename).0[0].resource.kind, rds::DB_INSTANCE);
    }

    #[test]
    fn policy_event_rereads_only_the_policy() {
        let d = route(&cloudtrail_event("PutBucketPolicy", json!({"bucketName":"b"}))).unwrap();
        let Decision::Resources { audit, .. } = d else { panic!() };
        assert_eq!(audit[0].focus, Focus::only(&[s3::part::POLICY]));
        assert!(!audit[0].focus.has(s3::part::ACL));
    }

    #[test]
    fn failed_calls_and_unknown_events_are_ignored() {
        let mut failed = cloudtrail_event("PutBucketPolicy", json!({"bucketName":"b"}));
        failed["detail"]["errorCode"] = json!("AccessDenied");
        assert!(matches!(route(&failed), Ok(Decision::Ignored { .. })));
        assert!(matches!(route(&cloudtrail_event("GetObject", json!({"bucketName":"b"}))), Ok(Decision::Ignored { .. })));
        assert!(matches!(route(&json!({"detail-type":"EC2 Instance State-change Notification"})), Ok(Decision::Ignored { .. })));
        assert!(matches!(route(&json!({"hello":"world"})), Ok(Decision::Ignored { .. })));
    }

    #[test]
    fn missing_fields_are_named() {
        let e = route(&cloudtrail_event("PutBucketPolicy", json!({}))).unwrap_err();
        assert_eq!(e.to_string(), "PutBucketPolicy event is missing required field `detail.requestParameters.bucketName`");
        let mut no_name = cloudtrail_event("x", json!({}));
        no_name["detail"].as_object_mut().unwrap().remove("eventName");
        assert!(route(&no_name).unwrap_err().to_string().contains("detail.eventName"));
        let mut no_detail = cloudtrail_event("x", json!({}));
        no_detail.as_object_mut().unwrap().remove("detail");
        assert!(route(&no_detail).unwrap_err().to_string().contains("`detail`"));
    }

    #[test]
    fn malformed_input_is_an_error_not_a_panic() {
        for bytes in [&b"{not json"[..], b"", b"[1,2]", b"\"text\"", b"null"] {
            assert!(route_bytes(bytes).is_err(), "{:?}", String::from_utf8_lossy(bytes));
        }
        assert!(route(&json!({"resources":["arn:aws:sqs:us-east-1:1:q"]})).is_err());
        assert!(route(&json!({"resources":[]})).is_err());
        assert!(route(&json!({"resources":"arn:aws:s3:::b"})).is_err());
    }

    #[test]
    fn operator_resources_dedupe() {
        let d = route(&json!({"resources":["arn:aws:s3:::a","arn:aws:s3:::a","arn:aws:s3:::b"]})).unwrap();
        let Decision::Resources { audit, .. } = d else { panic!() };
        assert_eq!(audit.len(), 2);
        assert_eq!(audit[0].focus, Focus::EVERYTHING);
    }

    #[test]
    fn account_settings_events_name_the_account() {
        let mut e = ec2_event("EnableEbsEncryptionByDefault", json!({}), json!(null));
        e["detail"]["recipientAccountId"] = json!("210987654321");
        let (audit, _) = routed(&e);
        assert_eq!(audit[0].resource, ResourceRef::new(ACCOUNT_REGION, "210987654321", "210987654321", "eu-west-1"));
        assert_eq!(audit[0].service, "ec2");
    }

    #[test]
    fn every_event_row_is_unique() {
        let mut seen = std::collections::BTreeSet::new();
        for (_, r) in rules() {
            assert!(seen.insert((r.source, r.name)), "{} {} listed twice", r.source, r.name);
        }
    }

    #[test]
    fn decision_json_is_the_contract() {
        let d = route(&cloudtrail_event("DeleteBucket", json!({"bucketName":"gone"}))).unwrap();
        assert_eq!(
            serde_json::to_value(&d).unwrap(),
            json!({"kind":"resources","audit":[],"deleted":[{"type":"AWS::S3::Bucket","id":"gone","account":"123456789012","region":"eu-west-1"}]})
        );
        assert_eq!(serde_json::to_value(Decision::FullScan).unwrap(), json!({"kind":"full_scan"}));
    }
}
