//! The CIS monitoring recommendations (CIS v3.0.0 and v5.0.0, 4.1 to 4.15), one check each, all
//! judged by one implementation driven by [`RECOMMENDATIONS`]: a logging multi-region trail
//! delivers to a log group with a metric filter that matches every sample event of the
//! recommendation and none of its near misses, and an alarm on that filter's metric notifies an
//! SNS topic with a confirmed subscriber.

use crate::check::{Check, Context, Evaluate, Outcome};
use crate::compliance::{cis3, cis5};
use crate::model::Severity;
use crate::services::cloudwatch::filter::Filter;
use crate::services::cloudwatch::snapshot::{Monitoring, Watched};
use serde_json::{json, Value};
use std::any::Any;

/// One recommendation: what a covering filter must match, and must not.
pub struct Recommendation {
    pub id: &'static str,
    /// What is monitored, for titles and details.
    pub what: &'static str,
    pub cis: &'static str,
    /// `(eventSource, eventName)` pairs a covering filter must match (each becomes a sample event),
    /// besides the samples of `more`.
    pub events: &'static [(&'static str, &'static str)],
    /// Other sample events it must match.
    pub more: fn() -> Vec<Value>,
    /// Near misses it must not match.
    pub not: fn() -> Vec<Value>,
    /// A pattern that covers it, for the remediation.
    pub example: &'static str,
}

impl Recommendation {
    /// Every sample event a covering filter must match.
    pub fn samples(&self) -> Vec<Value> {
        let mut out: Vec<Value> = self.events.iter().map(|(src, name)| json!({"eventSource": src, "eventName": name, "eventType": "AwsApiCall", "userIdentity": {"type": "IAMUser"}, "sourceIPAddress": "198.51.100.7"})).collect();
        out.extend((self.more)());
        out
    }

    /// Whether a filter pattern covers the recommendation; `Err` says why not.
    pub fn covered_by(&self, pattern: &str) -> Result<(), String> {
        let f = Filter::parse(pattern).map_err(|e| e.to_string())?;
        if let Some(missed) = self.samples().into_iter().find(|e| !f.matches(e)) {
            return Err(format!("does not match {}", short(&missed)));
        }
        if let Some(wrong) = (self.not)().into_iter().find(|e| f.matches(e)) {
            return Err(format!("also matches {}", short(&wrong)));
        }
        Ok(())
    }
}

fn short(event: &Value) -> String {
    match (event["eventSource"].as_str(), event["eventName"].as_str()) {
        (Some(s), Some(n)) => format!("{} {n}", s.trim_end_matches(".amazonaws.com")),
        _ => event.to_string(),
    }
}

const IAM: &str = "iam.amazonaws.com";
const EC2: &str = "ec2.amazonaws.com";
const S3: &str = "s3.amazonaws.com";
const ORG: &str = "organizations.amazonaws.com";

fn none() -> Vec<Value> {
    Vec::new()
}

fn read_of(src: &'static str, name: &'static str) -> impl Fn() -> Vec<Value> {
    move || vec![json!({"eventSource": src, "eventName": name, "eventType": "AwsApiCall", "userIdentity": {"type": "IAMUser"}})]
}

pub static RECOMMENDATIONS: &[Recommendation] = &[
    Recommendation {
        id: "unauthorized_api_calls",
        what: "unauthorized API calls",
        cis: "4.1",
        events: &[],
        more: || vec![json!({"eventSource": S3, "eventName": "GetObject", "errorCode": "AccessDenied", "sourceIPAddress": "198.51.100.7"}), json!({"eventSource": EC2, "eventName": "RunInstances", "errorCode": "Client.UnauthorizedOperation", "sourceIPAddress": "198.51.100.7"})],
        not: || vec![json!({"eventSource": EC2, "eventName": "DescribeInstances", "sourceIPAddress": "198.51.100.7"})],
        example: r#"{ ($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*") }"#,
    },
    Recommendation {
        id: "console_signin_without_mfa",
        what: "console sign-in without MFA",
        cis: "4.2",
        events: &[],
        more: || vec![json!({"eventSource": "signin.amazonaws.com", "eventName": "ConsoleLogin", "additionalEventData": {"MFAUsed": "No"}, "responseElements": {"ConsoleLogin": "Success"}, "userIdentity": {"type": "IAMUser"}})],
        not: || vec![json!({"eventSource": "signin.amazonaws.com", "eventName": "ConsoleLogin", "additionalEventData": {"MFAUsed": "Yes"}, "responseElements": {"ConsoleLogin": "Success"}, "userIdentity": {"type": "IAMUser"}})],
        example: r#"{ ($.eventName = "ConsoleLogin") && ($.additionalEventData.MFAUsed != "Yes") }"#,
    },
    Recommendation {
        id: "root_usage",
        what: "use of the root user",
        cis: "4.3",
        events: &[],
        more: || vec![json!({"eventSource": IAM, "eventName": "CreateAccessKey", "eventType": "AwsApiCall", "userIdentity": {"type": "Root"}}), json!({"eventSource": "signin.amazonaws.com", "eventName": "ConsoleLogin", "eventType": "AwsConsoleSignIn", "userIdentity": {"type": "Root"}})],
        not: || vec![json!({"eventSource": S3, "eventName": "PutObject", "eventType": "AwsServiceEvent", "userIdentity": {"type": "Root", "invokedBy": "s3.amazonaws.com"}}), json!({"eventSource": IAM, "eventName": "CreateAccessKey", "eventType": "AwsApiCall", "userIdentity": {"type": "IAMUser"}})],
        example: r#"{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS && $.eventType != "AwsServiceEvent" }"#,
    },
    Recommendation {
        id: "iam_policy_changes",
        what: "IAM policy changes",
        cis: "4.4",
        events: &[
            (IAM, "DeleteGroupPolicy"), (IAM, "DeleteRolePolicy"), (IAM, "DeleteUserPolicy"), (IAM, "PutGroupPolicy"), (IAM, "PutRolePolicy"), (IAM, "PutUserPolicy"),
            (IAM, "CreatePolicy"), (IAM, "DeletePolicy"), (IAM, "CreatePolicyVersion"), (IAM, "DeletePolicyVersion"), (IAM, "AttachRolePolicy"), (IAM, "DetachRolePolicy"),
            (IAM, "AttachUserPolicy"), (IAM, "DetachUserPolicy"), (IAM, "AttachGroupPolicy"), (IAM, "DetachGroupPolicy"),
        ],
        more: none,
        not: || read_of(IAM, "GetPolicy")(),
        example: r#"{ ($.eventName = DeleteGroupPolicy) || ($.eventName = DeleteRolePolicy) || ($.eventName = DeleteUserPolicy) || ($.eventName = PutGroupPolicy) || ($.eventName = PutRolePolicy) || ($.eventName = PutUserPolicy) || ($.eventName = CreatePolicy) || ($.eventName = DeletePolicy) || ($.eventName = CreatePolicyVersion) || ($.eventName = DeletePolicyVersion) || ($.eventName = AttachRolePolicy) || ($.eventName = DetachRolePolicy) || ($.eventName = AttachUserPolicy) || ($.eventName = DetachUserPolicy) || ($.eventName = AttachGroupPolicy) || ($.eventName = DetachGroupPolicy) }"#,
    },
    Recommendation {
        id: "cloudtrail_changes",
        what: "CloudTrail configuration changes",
        cis: "4.5",
        events: &[("cloudtrail.amazonaws.com", "CreateTrail"), ("cloudtrail.amazonaws.com", "UpdateTrail"), ("cloudtrail.amazonaws.com", "DeleteTrail"), ("cloudtrail.amazonaws.com", "StartLogging"), ("cloudtrail.amazonaws.com", "StopLogging")],
        more: none,
        not: || read_of("cloudtrail.amazonaws.com", "DescribeTrails")(),
        example: r#"{ ($.eventName = CreateTrail) || ($.eventName = UpdateTrail) || ($.eventName = DeleteTrail) || ($.eventName = StartLogging) || ($.eventName = StopLogging) }"#,
    },
    Recommendation {
        id: "console_auth_failures",
        what: "console authentication failures",
        cis: "4.6",
        events: &[],
        more: || vec![json!({"eventSource": "signin.amazonaws.com", "eventName": "ConsoleLogin", "errorMessage": "Failed authentication", "responseElements": {"ConsoleLogin": "Failure"}})],
        not: || vec![json!({"eventSource": "signin.amazonaws.com", "eventName": "ConsoleLogin", "responseElements": {"ConsoleLogin": "Success"}})],
        example: r#"{ ($.eventName = ConsoleLogin) && ($.errorMessage = "Failed authentication") }"#,
    },
    Recommendation {
        id: "cmk_disable_or_deletion",
        what: "disabling or scheduled deletion of customer managed keys",
        cis: "4.7",
        events: &[("kms.amazonaws.com", "DisableKey"), ("kms.amazonaws.com", "ScheduleKeyDeletion")],
        more: none,
        not: || read_of("kms.amazonaws.com", "EnableKey")(),
        example: r#"{ ($.eventSource = kms.amazonaws.com) && (($.eventName = DisableKey) || ($.eventName = ScheduleKeyDeletion)) }"#,
    },
    Recommendation {
        id: "s3_bucket_policy_changes",
        what: "S3 bucket policy changes",
        cis: "4.8",
        events: &[
            (S3, "PutBucketAcl"), (S3, "PutBucketPolicy"), (S3, "PutBucketCors"), (S3, "PutBucketLifecycle"), (S3, "PutBucketReplication"),
            (S3, "DeleteBucketPolicy"), (S3, "DeleteBucketCors"), (S3, "DeleteBucketLifecycle"), (S3, "DeleteBucketReplication"),
        ],
        more: none,
        not: || read_of(S3, "GetBucketPolicy")(),
        example: r#"{ ($.eventSource = s3.amazonaws.com) && (($.eventName = PutBucketAcl) || ($.eventName = PutBucketPolicy) || ($.eventName = PutBucketCors) || ($.eventName = PutBucketLifecycle) || ($.eventName = PutBucketReplication) || ($.eventName = DeleteBucketPolicy) || ($.eventName = DeleteBucketCors) || ($.eventName = DeleteBucketLifecycle) || ($.eventName = DeleteBucketReplication)) }"#,
    },
    Recommendation {
        id: "config_changes",
        what: "AWS Config configuration changes",
        cis: "4.9",
        events: &[("config.amazonaws.com", "StopConfigurationRecorder"), ("config.amazonaws.com", "DeleteDeliveryChannel"), ("config.amazonaws.com", "PutDeliveryChannel"), ("config.amazonaws.com", "PutConfigurationRecorder")],
        more: none,
        not: || read_of("config.amazonaws.com", "DescribeConfigurationRecorders")(),
        example: r#"{ ($.eventSource = config.amazonaws.com) && (($.eventName = StopConfigurationRecorder) || ($.eventName = DeleteDeliveryChannel) || ($.eventName = PutDeliveryChannel) || ($.eventName = PutConfigurationRecorder)) }"#,
    },
    Recommendation {
        id: "security_group_changes",
        what: "security group changes",
        cis: "4.10",
        events: &[(EC2, "AuthorizeSecurityGroupIngress"), (EC2, "AuthorizeSecurityGroupEgress"), (EC2, "RevokeSecurityGroupIngress"), (EC2, "RevokeSecurityGroupEgress"), (EC2, "CreateSecurityGroup"), (EC2, "DeleteSecurityGroup")],
        more: none,
        not: || read_of(EC2, "DescribeSecurityGroups")(),
        example: r#"{ ($.eventName = AuthorizeSecurityGroupIngress) || ($.eventName = AuthorizeSecurityGroupEgress) || ($.eventName = RevokeSecurityGroupIngress) || ($.eventName = RevokeSecurityGroupEgress) || ($.eventName = CreateSecurityGroup) || ($.eventName = DeleteSecurityGroup) }"#,
    },
    Recommendation {
        id: "nacl_changes",
        what: "network ACL changes",
        cis: "4.11",
        events: &[(EC2, "CreateNetworkAcl"), (EC2, "CreateNetworkAclEntry"), (EC2, "DeleteNetworkAcl"), (EC2, "DeleteNetworkAclEntry"), (EC2, "ReplaceNetworkAclEntry"), (EC2, "ReplaceNetworkAclAssociation")],
        more: none,
        not: || read_of(EC2, "DescribeNetworkAcls")(),
        example: r#"{ ($.eventName = CreateNetworkAcl) || ($.eventName = CreateNetworkAclEntry) || ($.eventName = DeleteNetworkAcl) || ($.eventName = DeleteNetworkAclEntry) || ($.eventName = ReplaceNetworkAclEntry) || ($.eventName = ReplaceNetworkAclAssociation) }"#,
    },
    Recommendation {
        id: "network_gateway_changes",
        what: "network gateway changes",
        cis: "4.12",
        events: &[(EC2, "CreateCustomerGateway"), (EC2, "DeleteCustomerGateway"), (EC2, "AttachInternetGateway"), (EC2, "CreateInternetGateway"), (EC2, "DeleteInternetGateway"), (EC2, "DetachInternetGateway")],
        more: none,
        not: || read_of(EC2, "DescribeInternetGateways")(),
        example: r#"{ ($.eventName = CreateCustomerGateway) || ($.eventName = DeleteCustomerGateway) || ($.eventName = AttachInternetGateway) || ($.eventName = CreateInternetGateway) || ($.eventName = DeleteInternetGateway) || ($.eventName = DetachInternetGateway) }"#,
    },
    Recommendation {
        id: "route_table_changes",
        what: "route table changes",
        cis: "4.13",
        events: &[(EC2, "CreateRoute"), (EC2, "CreateRouteTable"), (EC2, "ReplaceRoute"), (EC2, "ReplaceRouteTableAssociation"), (EC2, "DeleteRouteTable"), (EC2, "DeleteRoute"), (EC2, "DisassociateRouteTable")],
        more: none,
        not: || read_of(EC2, "DescribeRouteTables")(),
        example: r#"{ ($.eventSource = ec2.amazonaws.com) && (($.eventName = CreateRoute) || ($.eventName = CreateRouteTable) || ($.eventName = ReplaceRoute) || ($.eventName = ReplaceRouteTableAssociation) || ($.eventName = DeleteRouteTable) || ($.eventName = DeleteRoute) || ($.eventName = DisassociateRouteTable)) }"#,
    },
    Recommendation {
        id: "vpc_changes",
        what: "VPC changes",
        cis: "4.14",
        events: &[
            (EC2, "CreateVpc"), (EC2, "DeleteVpc"), (EC2, "ModifyVpcAttribute"), (EC2, "AcceptVpcPeeringConnection"), (EC2, "CreateVpcPeeringConnection"), (EC2, "DeleteVpcPeeringConnection"),
            (EC2, "RejectVpcPeeringConnection"), (EC2, "AttachClassicLinkVpc"), (EC2, "DetachClassicLinkVpc"), (EC2, "DisableVpcClassicLink"), (EC2, "EnableVpcClassicLink"),
        ],
        more: none,
        not: || read_of(EC2, "DescribeVpcs")(),
        example: r#"{ ($.eventName = CreateVpc) || ($.eventName = DeleteVpc) || ($.eventName = ModifyVpcAttribute) || ($.eventName = AcceptVpcPeeringConnection) || ($.eventName = CreateVpcPeeringConnection) || ($.eventName = DeleteVpcPeeringConnection) || ($.eventName = RejectVpcPeeringConnection) || ($.eventName = AttachClassicLinkVpc) || ($.eventName = DetachClassicLinkVpc) || ($.eventName = DisableVpcClassicLink) || ($.eventName = EnableVpcClassicLink) }"#,
    },
    Recommendation {
        id: "organizations_changes",
        what: "AWS Organizations changes",
        cis: "4.15",
        events: &[
            (ORG, "AcceptHandshake"), (ORG, "AttachPolicy"), (ORG, "CreateAccount"), (ORG, "CreateOrganizationalUnit"), (ORG, "CreatePolicy"), (ORG, "DeclineHandshake"),
            (ORG, "DeleteOrganization"), (ORG, "DeleteOrganizationalUnit"), (ORG, "DeletePolicy"), (ORG, "DetachPolicy"), (ORG, "DisablePolicyType"), (ORG, "EnablePolicyType"),
            (ORG, "InviteAccountToOrganization"), (ORG, "LeaveOrganization"), (ORG, "MoveAccount"), (ORG, "RemoveAccountFromOrganization"), (ORG, "UpdatePolicy"), (ORG, "UpdateOrganizationalUnit"),
        ],
        more: none,
        // An IAM CreatePolicy is not an Organizations change: a filter on event names alone is too broad.
        not: || vec![read_of(ORG, "DescribeOrganization")().remove(0), read_of(IAM, "CreatePolicy")().remove(0)],
        example: r#"{ ($.eventSource = organizations.amazonaws.com) && (($.eventName = AcceptHandshake) || ($.eventName = AttachPolicy) || ($.eventName = CreateAccount) || ($.eventName = CreateOrganizationalUnit) || ($.eventName = CreatePolicy) || ($.eventName = DeclineHandshake) || ($.eventName = DeleteOrganization) || ($.eventName = DeleteOrganizationalUnit) || ($.eventName = DeletePolicy) || ($.eventName = DetachPolicy) || ($.eventName = DisablePolicyType) || ($.eventName = EnablePolicyType) || ($.eventName = InviteAccountToOrganization) || ($.eventName = LeaveOrganization) || ($.eventName = MoveAccount) || ($.eventName = RemoveAccountFromOrganization) || ($.eventName = UpdatePolicy) || ($.eventName = UpdateOrganizationalUnit)) }"#,
    },
];

/// The check of one recommendation: the index of its row in [`RECOMMENDATIONS`].
pub struct Alarmed(pub usize);

impl Evaluate for Alarmed {
    fn evaluate(&self, subject: &dyn Any, _: &Context) -> Option<Outcome> {
        judge(&RECOMMENDATIONS[self.0], subject.downcast_ref::<Monitoring>()?)
    }
}

fn trails_text(m: &Monitoring) -> String {
    if m.trails_seen.is_empty() {
        "there is no trail".into()
    } else {
        format!("trails: {}", m.trails_seen.join(", "))
    }
}

/// Why one watched log group does not cover `r`; `Ok(true)` when it does, `Err(())` when a part
/// it depends on was not read.
fn watched_covers(r: &Recommendation, w: &Watched) -> Result<Result<(), String>, ()> {
    let filters = w.filters.as_ref().ok_or(())?;
    let covering: Vec<_> = filters.iter().filter(|f| r.covered_by(&f.pattern).is_ok()).collect();
    if covering.is_empty() {
        let misses: Vec<String> = filters.iter().filter_map(|f| r.covered_by(&f.pattern).err().map(|why| format!("{} {why}", f.name))).take(3).collect();
        let seen = if misses.is_empty() { "it has no metric filter".to_string() } else { misses.join("; ") };
        return Ok(Err(format!("no metric filter of log group {} covers {} ({seen})", w.log_group, r.what)));
    }
    let alarms = w.alarms.as_ref().ok_or(())?;
    let mut unknown = false;
    let mut alarmed = Vec::new();
    for f in &covering {
        for (ns, metric) in &f.metrics {
            for a in alarms.iter().filter(|a| &a.namespace == ns && &a.metric == metric) {
                alarmed.push(a.name.clone());
                for topic in a.actions.iter().filter(|x| x.starts_with("arn:") && x.contains(":sns:")) {
                    match w.subscribers.get(topic) {
                        Some(Some(n)) if *n > 0 => return Ok(Ok(())),
                        Some(Some(_)) => {}
                        _ => unknown = true,
                    }
                }
            }
        }
    }
    if unknown {
        return Err(());
    }
    let names: Vec<&str> = covering.iter().map(|f| f.name.as_str()).collect();
    Ok(Err(if alarmed.is_empty() {
        format!("metric filter {} has no alarm on its metric", names.join(", "))
    } else {
        format!("alarm {} notifies no SNS topic with a confirmed subscriber", alarmed.join(", "))
    }))
}

/// PASS when one watched log group covers the recommendation end to end; FAIL with every reason
/// when none does and everything was read; no verdict otherwise.
pub fn judge(r: &Recommendation, m: &Monitoring) -> Option<Outcome> {
    if m.watched.is_empty() {
        return m.trails_read.then(|| Outcome::fail(format!("no logging multi-region trail that records all management events delivers to CloudWatch Logs ({})", trails_text(m))));
    }
    let mut reasons = Vec::new();
    let mut unknown = false;
    for w in &m.watched {
        match watched_covers(r, w) {
            Ok(Ok(())) => return Some(Outcome::Pass),
            Ok(Err(why)) => reasons.push(why),
            Err(()) => unknown = true,
        }
    }
    (!unknown).then(|| Outcome::fail(reasons.join("; ")))
}

/// The finding's advice: the filter pattern to add, and the alarm.
fn advise(f: &crate::findings::Finding) -> String {
    let r = RECOMMENDATIONS.iter().find(|r| f.check_id.ends_with(r.id));
    match r {
        Some(r) => format!(
            "Add to the trail's log group a metric filter with the pattern {} (metric namespace CISBenchmark), an alarm on that metric (threshold 1, sum over 5 minutes), and an SNS topic with a confirmed subscriber as its action.",
            r.example
        ),
        None => f.remediation.clone(),
    }
}

macro_rules! alarm_checks {
    ($($name:ident = $i:literal, $id:literal, $what:literal, $cis:literal;)*) => {
        $(
            pub static $name: Check = Check {
                id: concat!("cloudwatch_alarm_", $id),
                title: concat!("No CloudWatch alarm on ", $what),
                severity: Severity::Low,
                resource_types: &[crate::model::ACCOUNT],
                risk: concat!("Nobody is told when ", $what, " happen: a change an intruder or a mistake makes goes unnoticed until someone reads the logs."),
                remediation: concat!("Add a metric filter for ", $what, " to the log group of a logging multi-region trail, an alarm on its metric, and an SNS topic with a subscriber."),
                remediation_cli: "aws logs put-metric-filter --log-group-name TRAIL_LOG_GROUP --filter-name NAME --metric-transformations metricName=NAME,metricNamespace=CISBenchmark,metricValue=1 --filter-pattern PATTERN",
                compliance: &[cis3($cis), cis5($cis)],
                eval: &Alarmed($i),
                advice: Some(advise),
            };
        )*
        /// The service's checks, in catalogue order.
        pub static CHECKS: &[&Check] = &[$(&$name),*];
    };
}

alarm_checks! {
    UNAUTHORIZED_API_CALLS = 0, "unauthorized_api_calls", "unauthorized API calls", "4.1";
    CONSOLE_SIGNIN_WITHOUT_MFA = 1, "console_signin_without_mfa", "console sign-in without MFA", "4.2";
    ROOT_USAGE = 2, "root_usage", "use of the root user", "4.3";
    IAM_POLICY_CHANGES = 3, "iam_policy_changes", "IAM policy changes", "4.4";
    CLOUDTRAIL_CHANGES = 4, "cloudtrail_changes", "CloudTrail configuration changes", "4.5";
    CONSOLE_AUTH_FAILURES = 5, "console_auth_failures", "console authentication failures", "4.6";
    CMK_DISABLE_OR_DELETION = 6, "cmk_disable_or_deletion", "disabling or scheduled deletion of customer managed keys", "4.7";
    S3_BUCKET_POLICY_CHANGES = 7, "s3_bucket_policy_changes", "S3 bucket policy changes", "4.8";
    CONFIG_CHANGES = 8, "config_changes", "AWS Config configuration changes", "4.9";
    SECURITY_GROUP_CHANGES = 9, "security_group_changes", "security group changes", "4.10";
    NACL_CHANGES = 10, "nacl_changes", "network ACL changes", "4.11";
    NETWORK_GATEWAY_CHANGES = 11, "network_gateway_changes", "network gateway changes", "4.12";
    ROUTE_TABLE_CHANGES = 12, "route_table_changes", "route table changes", "4.13";
    VPC_CHANGES = 13, "vpc_changes", "VPC changes", "4.14";
    ORGANIZATIONS_CHANGES = 14, "organizations_changes", "AWS Organizations changes", "4.15";
}


#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::testing::ctx;
    use crate::services::cloudwatch::snapshot::{Alarm, MetricFilter};

    #[test]
    fn each_check_is_its_row_and_each_example_covers_its_row() {
        assert_eq!(CHECKS.len(), RECOMMENDATIONS.len());
        for (check, r) in CHECKS.iter().zip(RECOMMENDATIONS) {
            assert_eq!(check.id, format!("cloudwatch_alarm_{}", r.id));
            assert!(check.compliance.iter().all(|c| c.id == r.cis), "{}", check.id);
            r.covered_by(r.example).unwrap_or_else(|e| panic!("{}: the example {e}", r.id));
        }
    }

    #[test]
    fn equivalent_rewrites_cover_and_near_misses_do_not() {
        let trail = &RECOMMENDATIONS[4];
        // The same events, written differently: order, quoting, spacing, a wildcard.
        assert!(trail.covered_by(r#"{($.eventName="StopLogging")||($.eventName="DeleteTrail")||($.eventName="UpdateTrail")||($.eventName="CreateTrail")||($.eventName="StartLogging")}"#).is_ok());
        assert!(trail.covered_by(r#"{ ($.eventSource = "cloudtrail.amazonaws.com") && (($.eventName = "*Trail") && ($.eventName != "DescribeTrails") || ($.eventName = "St*Logging")) }"#).is_ok());
        // Near misses: one event left out, or everything matched.
        assert!(trail.covered_by(r#"{ ($.eventName = CreateTrail) || ($.eventName = UpdateTrail) || ($.eventName = DeleteTrail) || ($.eventName = StartLogging) }"#).unwrap_err().contains("StopLogging"));
        assert!(trail.covered_by(r#"{ $.eventSource = "cloudtrail.amazonaws.com" }"#).unwrap_err().contains("also matches"));
        let orgs = &RECOMMENDATIONS[14];
        let names_only = orgs.example.replace("($.eventSource = organizations.amazonaws.com) && ", "");
        assert!(orgs.covered_by(&names_only).unwrap_err().contains("iam CreatePolicy"), "IAM's CreatePolicy is not an Organizations change");
        let root = &RECOMMENDATIONS[2];
        assert!(root.covered_by(r#"{ $.userIdentity.type = "Root" }"#).unwrap_err().contains("also matches"), "service events on the root's behalf are not root use");
        assert!(RECOMMENDATIONS[0].covered_by("ERROR").is_err(), "a term pattern is not a JSON pattern");
    }

    fn watched(pattern: &str, alarm: bool, subscribers: Option<usize>) -> Monitoring {
        let topic = "arn:aws:sns:us-east-1:123456789012:security";
        Monitoring {
            watched: vec![Watched {
                trail: "main".into(),
                log_group: "trail".into(),
                region: "us-east-1".into(),
                filters: Some(vec![MetricFilter { name: "f".into(), pattern: pattern.into(), metrics: vec![("CIS".into(), "TrailChanges".into())] }]),
                alarms: Some(if alarm { vec![Alarm { name: "a".into(), namespace: "CIS".into(), metric: "TrailChanges".into(), actions: vec![topic.into()] }] } else { vec![] }),
                subscribers: [(topic.to_string(), subscribers)].into_iter().collect(),
            }],
            trails_read: true,
            trails_seen: vec!["main".into()],
        }
    }

    #[test]
    fn a_covering_filter_with_an_alarm_and_a_subscriber_passes_and_every_gap_fails() {
        let trail = &RECOMMENDATIONS[4];
        assert_eq!(judge(trail, &watched(trail.example, true, Some(1))), Some(Outcome::Pass));
        assert!(matches!(judge(trail, &watched(trail.example, true, Some(0))), Some(Outcome::Fail(f)) if f.detail.contains("no SNS topic with a confirmed subscriber")));
        assert!(matches!(judge(trail, &watched(trail.example, false, Some(1))), Some(Outcome::Fail(f)) if f.detail.contains("has no alarm")));
        assert!(matches!(judge(trail, &watched("{ $.eventName = CreateTrail }", true, Some(1))), Some(Outcome::Fail(f)) if f.detail.contains("does not match")));
        assert_eq!(judge(trail, &watched(trail.example, true, None)), None, "subscribers not read");
        let none = Monitoring { watched: vec![], trails_read: true, trails_seen: vec!["local (single-region)".into()] };
        assert!(matches!(judge(trail, &none), Some(Outcome::Fail(f)) if f.detail.contains("local (single-region)")));
        assert_eq!(judge(trail, &Monitoring { trails_read: false, ..none }), None);
        assert!(CLOUDTRAIL_CHANGES.evaluate(&watched(trail.example, true, Some(2)), &ctx()).is_some_and(|o| o == Outcome::Pass));
    }
}
