//! The router: maps an invocation's JSON to what must be audited. Pure: no AWS calls, no clock.

use crate::model::{ResourceRef, ResourceType};
use crate::snapshot::iam::IamPart;
use crate::snapshot::BucketPart;
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

/// Which parts of a resource to re-read. An event names what changed; everything else is re-read
/// only by a full scan or an operator request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Focus {
    Everything,
    Bucket(&'static [BucketPart]),
    /// The parts of an IAM user.
    User(&'static [IamPart]),
    /// The entity and the principals it governs: a group's members, a policy's attached users,
    /// groups (and their members) and roles.
    WithGoverned,
    /// A VPC's subnets and route tables, and the RDS instances placed in it.
    Network,
    /// A VPC's flow logs.
    FlowLogs,
}

/// One resource to audit, and what to re-read of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub resource: ResourceRef,
    pub focus: Focus,
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
enum Effect {
    Audit(Focus),
    Delete,
}

/// Where a CloudTrail event names its resource.
#[derive(Debug, Clone, Copy)]
enum Locator {
    /// `requestParameters.userName`, or the caller itself when absent (an IAM user managing its own
    /// keys, password or MFA; the root user managing its own keys means the account).
    UserNameOrCaller,
    /// `requestParameters.policyArn`
    PolicyArn,
    /// The account itself.
    Account,
    /// The first of these fields (`detail.a.b`, array items by index) that holds a string names a
    /// resource of this type; CloudTrail puts the same id in different places for different calls.
    At(ResourceType, &'static [&'static str]),
    /// `CreateFlowLogs`: every VPC in `requestParameters.CreateFlowLogsRequest.ResourceId`.
    FlowLogVpcs,
    /// `requestParameters.dBInstanceIdentifier`, and `newDBInstanceIdentifier` when renamed.
    DbInstance,
    /// The account's settings in the event's region.
    AccountRegion,
}

struct EventRule {
    source: &'static str,
    name: &'static str,
    locator: Locator,
    effect: Effect,
}

const fn s3(name: &'static str, effect: Effect) -> EventRule {
    EventRule { source: "s3.amazonaws.com", name, locator: BUCKET, effect }
}

const BUCKET: Locator = Locator::At(ResourceType::S3Bucket, &["detail.requestParameters.bucketName"]);
const USER: Locator = Locator::At(ResourceType::IamUser, &["detail.requestParameters.userName"]);
const ROLE: Locator = Locator::At(ResourceType::IamRole, &["detail.requestParameters.roleName"]);
const GROUP_NAME: Locator = Locator::At(ResourceType::IamGroup, &["detail.requestParameters.groupName"]);

const fn iam(name: &'static str, locator: Locator, effect: Effect) -> EventRule {
    EventRule { source: "iam.amazonaws.com", name, locator, effect }
}

const fn ec2(name: &'static str, locator: Locator, effect: Effect) -> EventRule {
    EventRule { source: "ec2.amazonaws.com", name, locator, effect }
}

const fn rds(name: &'static str, locator: Locator, effect: Effect) -> EventRule {
    EventRule { source: "rds.amazonaws.com", name, locator, effect }
}

/// Where EC2 events carry a security group id: the request for most calls, the response for
/// CreateSecurityGroup (and for AuthorizeSecurityGroupIngress by group name), the nested request
/// for ModifySecurityGroupRules; a group named without id (default VPC) is looked up by name.
const GROUP: Locator = Locator::At(
    ResourceType::Ec2SecurityGroup,
    &[
        "detail.requestParameters.groupId",
        "detail.requestParameters.ModifySecurityGroupRulesRequest.GroupId",
        "detail.responseElements.groupId",
        "detail.responseElements.securityGroupRuleSet.items.0.groupId",
        "detail.requestParameters.groupName",
    ],
);
const VPC_PARAM: Locator = Locator::At(ResourceType::Ec2Vpc, &["detail.requestParameters.vpcId"]);
const SUBNET_PARAM: Locator = Locator::At(ResourceType::Ec2Subnet, &["detail.requestParameters.subnetId"]);
const TABLE_PARAM: Locator = Locator::At(ResourceType::Ec2RouteTable, &["detail.requestParameters.routeTableId"]);
const VOLUME_PARAM: Locator = Locator::At(ResourceType::Ec2Volume, &["detail.requestParameters.volumeId"]);
const NETWORK: Effect = Effect::Audit(Focus::Network);

use BucketPart as P;
use Locator as L;

const PERMISSIONS: Effect = Effect::Audit(Focus::User(&[IamPart::Permissions]));
const CREDENTIALS: Effect = Effect::Audit(Focus::User(&[IamPart::Credentials]));
const WHOLE: Effect = Effect::Audit(Focus::Everything);
const GOVERNED: Effect = Effect::Audit(Focus::WithGoverned);

/// Every CloudTrail event vigil reacts to. The template's EventBridge pattern lists exactly these.
static EVENTS: &[EventRule] = &[
    s3("CreateBucket", Effect::Audit(Focus::Everything)),
    s3("DeleteBucket", Effect::Delete),
    s3("PutBucketPolicy", Effect::Audit(Focus::Bucket(&[P::Policy]))),
    s3("DeleteBucketPolicy", Effect::Audit(Focus::Bucket(&[P::Policy]))),
    s3("PutBucketAcl", Effect::Audit(Focus::Bucket(&[P::Acl]))),
    s3("PutBucketPublicAccessBlock", Effect::Audit(Focus::Bucket(&[P::PublicAccessBlock]))),
    s3("DeleteBucketPublicAccessBlock", Effect::Audit(Focus::Bucket(&[P::PublicAccessBlock]))),
    s3("PutBucketEncryption", Effect::Audit(Focus::Bucket(&[P::Encryption]))),
    s3("DeleteBucketEncryption", Effect::Audit(Focus::Bucket(&[P::Encryption]))),
    s3("PutBucketVersioning", Effect::Audit(Focus::Bucket(&[P::Versioning]))),
    // Tags decide exemption and scope, so a tag change re-evaluates every check.
    s3("PutBucketTagging", Effect::Audit(Focus::Everything)),
    s3("DeleteBucketTagging", Effect::Audit(Focus::Everything)),
    // IAM users: policies and groups change permissions; keys, password and MFA change credentials.
    iam("CreateUser", USER, WHOLE),
    iam("DeleteUser", USER, Effect::Delete),
    iam("AttachUserPolicy", USER, PERMISSIONS),
    iam("DetachUserPolicy", USER, PERMISSIONS),
    iam("PutUserPolicy", USER, PERMISSIONS),
    iam("DeleteUserPolicy", USER, PERMISSIONS),
    iam("AddUserToGroup", USER, PERMISSIONS),
    iam("RemoveUserFromGroup", USER, PERMISSIONS),
    iam("CreateAccessKey", L::UserNameOrCaller, CREDENTIALS),
    iam("UpdateAccessKey", L::UserNameOrCaller, CREDENTIALS),
    iam("DeleteAccessKey", L::UserNameOrCaller, CREDENTIALS),
    iam("CreateLoginProfile", L::UserNameOrCaller, CREDENTIALS),
    iam("UpdateLoginProfile", L::UserNameOrCaller, CREDENTIALS),
    iam("DeleteLoginProfile", L::UserNameOrCaller, CREDENTIALS),
    iam("EnableMFADevice", L::UserNameOrCaller, CREDENTIALS),
    iam("DeactivateMFADevice", L::UserNameOrCaller, CREDENTIALS),
    iam("TagUser", USER, WHOLE),
    iam("UntagUser", USER, WHOLE),
    // IAM roles: one GetRole and its policies cover every role check.
    iam("CreateRole", ROLE, WHOLE),
    iam("DeleteRole", ROLE, Effect::Delete),
    iam("AttachRolePolicy", ROLE, WHOLE),
    iam("DetachRolePolicy", ROLE, WHOLE),
    iam("PutRolePolicy", ROLE, WHOLE),
    iam("DeleteRolePolicy", ROLE, WHOLE),
    iam("UpdateAssumeRolePolicy", ROLE, WHOLE),
    iam("UpdateRole", ROLE, WHOLE),
    iam("TagRole", ROLE, WHOLE),
    iam("UntagRole", ROLE, WHOLE),
    // IAM groups: the group and its members, whose permissions changed with it.
    iam("AttachGroupPolicy", GROUP_NAME, GOVERNED),
    iam("DetachGroupPolicy", GROUP_NAME, GOVERNED),
    iam("PutGroupPolicy", GROUP_NAME, GOVERNED),
    iam("DeleteGroupPolicy", GROUP_NAME, GOVERNED),
    // Managed policies: the policy and every principal it is attached to.
    iam("CreatePolicyVersion", L::PolicyArn, GOVERNED),
    iam("SetDefaultPolicyVersion", L::PolicyArn, GOVERNED),
    iam("DeletePolicy", L::PolicyArn, Effect::Delete),
    // The account's password policy.
    iam("UpdateAccountPasswordPolicy", L::Account, WHOLE),
    iam("DeleteAccountPasswordPolicy", L::Account, WHOLE),
    // Security groups: one DescribeSecurityGroups of the group.
    ec2("AuthorizeSecurityGroupIngress", GROUP, WHOLE),
    ec2("AuthorizeSecurityGroupEgress", GROUP, WHOLE),
    ec2("RevokeSecurityGroupIngress", GROUP, WHOLE),
    ec2("RevokeSecurityGroupEgress", GROUP, WHOLE),
    ec2("ModifySecurityGroupRules", GROUP, WHOLE),
    ec2("CreateSecurityGroup", GROUP, WHOLE),
    ec2("DeleteSecurityGroup", GROUP, Effect::Delete),
    // Subnets and routes change which subnets are public: the VPC's network and its RDS instances.
    ec2("CreateSubnet", L::At(ResourceType::Ec2Vpc, &["detail.requestParameters.vpcId", "detail.responseElements.subnet.vpcId"]), NETWORK),
    ec2("DeleteSubnet", SUBNET_PARAM, NETWORK),
    ec2("ModifySubnetAttribute", SUBNET_PARAM, NETWORK),
    ec2("CreateRoute", TABLE_PARAM, NETWORK),
    ec2("ReplaceRoute", TABLE_PARAM, NETWORK),
    ec2("DeleteRoute", TABLE_PARAM, NETWORK),
    ec2("AssociateRouteTable", TABLE_PARAM, NETWORK),
    ec2(
        "ReplaceRouteTableAssociation",
        L::At(ResourceType::Ec2RouteTable, &["detail.requestParameters.routeTableId", "detail.requestParameters.associationId"]),
        NETWORK,
    ),
    ec2("DisassociateRouteTable", L::At(ResourceType::Ec2RouteTable, &["detail.requestParameters.associationId"]), NETWORK),
    ec2("AttachInternetGateway", VPC_PARAM, NETWORK),
    ec2("DetachInternetGateway", VPC_PARAM, NETWORK),
    // VPCs and their flow logs.
    ec2("CreateVpc", L::At(ResourceType::Ec2Vpc, &["detail.responseElements.vpc.vpcId"]), WHOLE),
    ec2("DeleteVpc", VPC_PARAM, Effect::Delete),
    ec2("CreateFlowLogs", L::FlowLogVpcs, Effect::Audit(Focus::FlowLogs)),
    ec2(
        "DeleteFlowLogs",
        L::At(
            ResourceType::Ec2FlowLog,
            &[
                "detail.requestParameters.DeleteFlowLogsRequest.FlowLogId.content",
                "detail.requestParameters.DeleteFlowLogsRequest.FlowLogId.0.content",
                "detail.requestParameters.DeleteFlowLogsRequest.FlowLogId",
            ],
        ),
        Effect::Audit(Focus::FlowLogs),
    ),
    // RDS instances.
    rds("CreateDBInstance", L::DbInstance, WHOLE),
    rds("ModifyDBInstance", L::DbInstance, WHOLE),
    rds("DeleteDBInstance", L::At(ResourceType::RdsDbInstance, &["detail.requestParameters.dBInstanceIdentifier"]), Effect::Delete),
    // EBS volumes and the regional default.
    ec2("CreateVolume", L::At(ResourceType::Ec2Volume, &["detail.responseElements.volumeId"]), WHOLE),
    ec2("DeleteVolume", VOLUME_PARAM, Effect::Delete),
    ec2("EnableEbsEncryptionByDefault", L::AccountRegion, WHOLE),
    ec2("DisableEbsEncryptionByDefault", L::AccountRegion, WHOLE),
];

/// The (event source, event names) pairs the router supports, for the template test and docs.
pub fn supported_events() -> Vec<(&'static str, &'static str)> {
    EVENTS.iter().map(|r| (r.source, r.name)).collect()
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
        let resource = ResourceRef::from_arn(arn).ok_or_else(|| bad(format!("{arn:?} is not the ARN of a supported resource")))?;
        if !audit.iter().any(|t: &Target| t.resource == resource) {
            audit.push(Target { resource, focus: Focus::Everything });
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
    let Some(rule) = EVENTS.iter().find(|r| r.name == name && (source.is_empty() || r.source == source)) else {
        return Ok(Decision::Ignored { reason: format!("{name} from {source:?} is not an audited change") });
    };
    let text = |v: Option<&Value>| v.and_then(Value::as_str).filter(|s| !s.is_empty()).map(str::to_string);
    let account = text(detail.get("recipientAccountId"))
        .or(envelope.account_id.clone().filter(|s| !s.is_empty()))
        .ok_or_else(|| missing("detail.recipientAccountId"))?;
    let region = text(detail.get("awsRegion"))
        .or(envelope.region.clone().filter(|s| !s.is_empty()))
        .ok_or_else(|| missing("detail.awsRegion"))?;
    let param = |key: &str, field: &'static str| {
        text(detail.pointer(&format!("/requestParameters/{key}")))
            .ok_or_else(|| RouteError::MissingField { event: name.into(), field })
    };
    let one = match rule.locator {
        Locator::UserNameOrCaller => match param("userName", "detail.requestParameters.userName") {
            Ok(user) => ResourceRef::new(ResourceType::IamUser, user, account, region),
            Err(missing) => {
                let identity = detail.get("userIdentity");
                match identity.and_then(|i| i.get("type")).and_then(Value::as_str) {
                    Some("IAMUser") => match text(identity.and_then(|i| i.get("userName"))) {
                        Some(user) => ResourceRef::new(ResourceType::IamUser, user, account, region),
                        None => return Err(missing),
                    },
                    Some("Root") => ResourceRef::new(ResourceType::Account, account.clone(), account, region),
                    _ => return Err(missing),
                }
            }
        },
        Locator::PolicyArn => {
            let arn = param("policyArn", "detail.requestParameters.policyArn")?;
            if ResourceRef::from_arn(&arn).is_none_or(|r| r.kind != ResourceType::IamPolicy) {
                if arn.contains(":iam::aws:policy/") {
                    return Ok(Decision::Ignored { reason: format!("{name} on AWS managed policy {arn}") });
                }
                return Err(RouteError::BadValue { field: "detail.requestParameters.policyArn", reason: format!("{arn:?} is not a policy ARN") });
            }
            ResourceRef::new(ResourceType::IamPolicy, arn, account, region)
        }
        Locator::Account => ResourceRef::new(ResourceType::Account, account.clone(), account, region),
        Locator::AccountRegion => ResourceRef::new(ResourceType::AccountRegion, account.clone(), account, region),
        Locator::At(kind, fields) => {
            let at = |field: &str| detail.pointer(&field.trim_start_matches("detail").replace('.', "/"));
            let id = fields.iter().find_map(|f| text(at(f))).ok_or_else(|| RouteError::MissingField {
                event: name.into(),
                field: fields.first().copied().unwrap_or("detail.requestParameters"),
            })?;
            ResourceRef::new(kind, id, account, region)
        }
        Locator::DbInstance => {
            let id = param("dBInstanceIdentifier", "detail.requestParameters.dBInstanceIdentifier")?;
            let mut all = vec![ResourceRef::new(ResourceType::RdsDbInstance, id, account.clone(), region.clone())];
            // A rename may apply now or in the maintenance window: audit both names, and the one
            // that no longer exists is forgotten by its read.
            if let Some(new) = text(detail.pointer("/requestParameters/newDBInstanceIdentifier")) {
                all.push(ResourceRef::new(ResourceType::RdsDbInstance, new, account, region));
            }
            return Ok(decide(rule.effect, all));
        }
        Locator::FlowLogVpcs => {
            let field = "detail.requestParameters.CreateFlowLogsRequest.ResourceId";
            let ids = detail
                .pointer("/requestParameters/CreateFlowLogsRequest/ResourceId")
                .ok_or_else(|| RouteError::MissingField { event: name.into(), field })?;
            let mut found = Vec::new();
            strings(ids, &mut found);
            let vpcs: Vec<ResourceRef> = found
                .iter()
                .filter(|id| id.starts_with("vpc-"))
                .map(|id| ResourceRef::new(ResourceType::Ec2Vpc, id.clone(), account.clone(), region.clone()))
                .collect();
            if vpcs.is_empty() {
                return Ok(Decision::Ignored { reason: format!("{name} for {found:?}: only VPC-level flow logs are audited") });
            }
            return Ok(decide(rule.effect, vpcs));
        }
    };
    Ok(decide(rule.effect, vec![one]))
}

fn decide(effect: Effect, resources: Vec<ResourceRef>) -> Decision {
    match effect {
        Effect::Delete => Decision::Resources { audit: Vec::new(), deleted: resources },
        Effect::Audit(focus) => Decision::Resources {
            audit: resources.into_iter().map(|resource| Target { resource, focus }).collect(),
            deleted: Vec::new(),
        },
    }
}

/// Every string inside a JSON value (CloudTrail writes a one-element list as an object).
fn strings(v: &Value, out: &mut Vec<String>) {
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
    use serde_json::json;

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
        for rule in EVENTS.iter().filter(|r| r.source == "s3.amazonaws.com") {
            let d = route(&cloudtrail_event(rule.name, json!({"bucketName":"logs","Host":"logs.s3.amazonaws.com"}))).unwrap();
            let Decision::Resources { audit, deleted } = d else { panic!("{} not routed", rule.name) };
            let all: Vec<&ResourceRef> = audit.iter().map(|t| &t.resource).chain(deleted.iter()).collect();
            assert_eq!(all.len(), 1, "{}", rule.name);
            assert_eq!(all[0], &ResourceRef::bucket("logs", "123456789012", "eu-west-1"));
            assert_eq!(rule.name == "DeleteBucket", !deleted.is_empty(), "{}", rule.name);
        }
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
        for rule in EVENTS.iter().filter(|r| r.source == "iam.amazonaws.com") {
            let params = json!({"userName":"alice","roleName":"deployer","groupName":"devs",
                "policyArn":"arn:aws:iam::123456789012:policy/ci","accessKeyId":"AKIAEXAMPLE"});
            let (audit, deleted) = routed(&iam_event(rule.name, params, admin.clone()));
            let all: Vec<&ResourceRef> = audit.iter().map(|t| &t.resource).chain(deleted.iter()).collect();
            assert_eq!(all.len(), 1, "{}", rule.name);
            let (kind, id) = match rule.locator {
                Locator::UserNameOrCaller | Locator::At(ResourceType::IamUser, _) => (ResourceType::IamUser, "alice"),
                Locator::At(ResourceType::IamRole, _) => (ResourceType::IamRole, "deployer"),
                Locator::At(ResourceType::IamGroup, _) => (ResourceType::IamGroup, "devs"),
                Locator::PolicyArn => (ResourceType::IamPolicy, "arn:aws:iam::123456789012:policy/ci"),
                Locator::Account => (ResourceType::Account, "123456789012"),
                _ => unreachable!("not an IAM locator"),
            };
            assert_eq!((all[0].kind, all[0].id.as_str()), (kind, id), "{}", rule.name);
            assert_eq!(rule.name.starts_with("Delete") && matches!(rule.effect, Effect::Delete), !deleted.is_empty(), "{}", rule.name);
        }
    }

    #[test]
    fn key_events_without_user_name_mean_the_caller() {
        let me = json!({"type":"IAMUser","userName":"bob","arn":"arn:aws:iam::123456789012:user/bob"});
        let (audit, _) = routed(&iam_event("CreateAccessKey", json!({}), me));
        assert_eq!(audit[0].resource, ResourceRef::new(ResourceType::IamUser, "bob", "123456789012", "us-east-1"));
        assert_eq!(audit[0].focus, Focus::User(&[IamPart::Credentials]));
        let root = json!({"type":"Root","arn":"arn:aws:iam::123456789012:root"});
        let (audit, _) = routed(&iam_event("CreateAccessKey", json!({}), root));
        assert_eq!(audit[0].resource.kind, ResourceType::Account, "a root key is the account's");
        let role = json!({"type":"AssumedRole","arn":"arn:aws:sts::123456789012:assumed-role/x/y"});
        let err = route(&iam_event("CreateAccessKey", json!({}), role)).unwrap_err();
        assert!(err.to_string().contains("detail.requestParameters.userName"), "{err}");
    }

    #[test]
    fn group_and_policy_events_follow_what_they_govern() {
        let (audit, _) = routed(&iam_event("PutGroupPolicy", json!({"groupName":"devs"}), json!({})));
        assert_eq!(audit[0].focus, Focus::WithGoverned);
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
        assert_eq!((audit[0].resource.kind, audit[0].focus), (ResourceType::Ec2Vpc, Focus::FlowLogs));
        let two = json!({"CreateFlowLogsRequest":{"ResourceId":[{"tag":1,"content":"vpc-1"},{"tag":2,"content":"vpc-2"}]}});
        assert_eq!(routed(&ec2_event("CreateFlowLogs", two, json!(null))).0.len(), 2);
        let subnet = json!({"CreateFlowLogsRequest":{"ResourceId":{"tag":1,"content":"subnet-1"}}});
        assert!(matches!(route(&ec2_event("CreateFlowLogs", subnet, json!(null))), Ok(Decision::Ignored { .. })));
        let mut rename = cloudtrail_event("ModifyDBInstance", json!({"dBInstanceIdentifier":"old","newDBInstanceIdentifier":"new"}));
        rename["detail"]["eventSource"] = json!("rds.amazonaws.com");
        let ids: Vec<String> = routed(&rename).0.into_iter().map(|t| t.resource.id).collect();
        assert_eq!(ids, vec!["old", "new"]);
    }

    #[test]
    fn policy_event_rereads_only_the_policy() {
        let d = route(&cloudtrail_event("PutBucketPolicy", json!({"bucketName":"b"}))).unwrap();
        let Decision::Resources { audit, .. } = d else { panic!() };
        assert_eq!(audit[0].focus, Focus::Bucket(&[BucketPart::Policy]));
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
        assert_eq!(audit[0].focus, Focus::Everything);
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
