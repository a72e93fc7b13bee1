//! Lambda: functions, their resource policy, function URL and runtime. Event rows, types and
//! entry points; the collector is `read.rs`, snapshots `snapshot.rs`, checks `checks/`.

pub mod checks;
pub mod read;
pub mod runtimes;
pub mod snapshot;

use crate::model::{partition, Arn, ResourceRef, ResourceType, TypeInfo};
use crate::router::{Effect, EventCx, EventRule, Focus, Located, Locator, RouteError, Target};
use crate::service::{failed, Read, ReadCx, Scan, Service, ServiceInfo, Snapshot, Subject, Tags};
use futures::future::BoxFuture;
use futures::FutureExt;
use snapshot::Function;

pub const FUNCTION: ResourceType = ResourceType(&TypeInfo {
    name: "AWS::Lambda::Function",
    arn: |r| format!("arn:{}:lambda:{}:{}:function:{}", partition(&r.region), r.region, r.account, r.id),
    tags: true,
    named: true,
    regional: true,
    has_findings: true,
    short: None,
});

const SOURCE: &str = "lambda.amazonaws.com";
const WHOLE: Effect = Effect::Audit(Focus::EVERYTHING);
const NAMED: Locator = Locator::Custom(function_of_event);

/// CloudTrail names Lambda's calls with their API version (`AddPermission20150331v2`).
const fn on(name: &'static str, effect: Effect) -> EventRule {
    EventRule::new(SOURCE, name, NAMED, effect)
}

static EVENTS: &[EventRule] = &[
    on("CreateFunction20150331", WHOLE),
    on("UpdateFunctionConfiguration20150331v2", WHOLE),
    on("DeleteFunction20150331", Effect::Delete),
    on("AddPermission20150331v2", WHOLE),
    on("RemovePermission20150331v2", WHOLE),
    on("CreateFunctionUrlConfig20211031", WHOLE),
    on("UpdateFunctionUrlConfig20211031", WHOLE),
    on("DeleteFunctionUrlConfig20211031", WHOLE),
    on("TagResource20170331v2", WHOLE),
    on("UntagResource20170331v2", WHOLE),
];

/// The function's name in what a call names it by: a name, `name:qualifier`, a full or partial
/// ARN (`123456789012:function:name`), optionally qualified.
pub fn function_name(text: &str) -> Option<String> {
    let rest = match text.split_once("function:") {
        Some((_, rest)) => rest,
        None if text.starts_with("arn:") => return None,
        None => text,
    };
    let name = rest.split(':').next().unwrap_or_default();
    (!name.is_empty()).then(|| name.to_string())
}

fn function_of_event(cx: &EventCx) -> Result<Located, RouteError> {
    let named = [
        cx.text("detail.requestParameters.functionName"),
        cx.text("detail.responseElements.functionName"),
        cx.text("detail.requestParameters.resource"),
    ];
    match named.iter().flatten().find_map(|t| function_name(t)) {
        Some(name) => Ok(Located::Resources(vec![cx.resource(FUNCTION, name)])),
        None if cx.text("detail.requestParameters.resource").is_some() => {
            Ok(Located::Ignored(format!("{} on a Lambda resource that is not a function", cx.name)))
        }
        None => Err(cx.missing("detail.requestParameters.functionName")),
    }
}

impl Subject for Function {
    fn tags(&self) -> Option<&Tags> {
        self.tags.as_ref()
    }
}

/// Each operation the collector performs, with the IAM actions that authorize it.
static OPERATIONS: &[(&str, &[&str])] = &[
    ("lambda:ListFunctions", &["lambda:ListFunctions"]),
    ("lambda:GetFunction", &["lambda:GetFunction"]),
    ("lambda:GetPolicy", &["lambda:GetPolicy"]),
    ("lambda:GetFunctionUrlConfig", &["lambda:GetFunctionUrlConfig"]),
    ("lambda:ListTags", &["lambda:ListTags"]),
];

static INFO: ServiceInfo = ServiceInfo { name: "lambda", types: &[FUNCTION], checks: checks::CHECKS, events: EVENTS, global: false, permissions: OPERATIONS };

pub struct Lambda;

impl Service for Lambda {
    fn info(&self) -> &'static ServiceInfo {
        &INFO
    }

    fn parse_arn(&self, arn: &Arn) -> Option<ResourceRef> {
        if !arn.is_regional(self.name()) || !arn.resource.starts_with("function:") {
            return None;
        }
        function_name(arn.resource).map(|name| ResourceRef::new(FUNCTION, name, arn.account, arn.region))
    }

    /// ListFunctions names every function with its runtime; each one's policy, URL and tags are
    /// then read.
    fn scan<'a>(&'a self, cx: &'a ReadCx<'a>, region: &'a str) -> BoxFuture<'a, Scan> {
        async move {
            let mut scan = Scan::default();
            match read::functions(cx.clients, region).await {
                Ok(found) => {
                    scan.complete.push((FUNCTION, Some(region.to_string())));
                    for (function, errors) in found {
                        let resource = ResourceRef::new(FUNCTION, &function.name, cx.account_id, region);
                        let arn = resource.arn();
                        let failures = errors.into_iter().map(|error| crate::error::ReadFailure { resource_arn: arn.clone(), error }).collect();
                        scan.snapshots.push(Snapshot { resource, subject: Box::new(function), failures });
                    }
                }
                Err(error) => {
                    scan.incomplete.push(FUNCTION);
                    scan.failures.push(crate::error::ReadFailure::regional(FUNCTION.as_str(), region, error));
                }
            }
            scan
        }
        .boxed()
    }

    fn read<'a>(&'a self, cx: &'a ReadCx<'a>, target: &'a Target) -> BoxFuture<'a, Vec<Read>> {
        async move {
            let Some(r) = cx.regional(&target.resource) else { return vec![Read::OutOfScope(target.resource.clone())] };
            vec![match read::function(cx.clients, &r.region, &r.id).await {
                Ok(Some((function, errors))) => {
                    let arn = r.arn();
                    let failures = errors.into_iter().map(|error| crate::error::ReadFailure { resource_arn: arn.clone(), error }).collect();
                    Read::Found(Snapshot { resource: r, subject: Box::new(function), failures })
                }
                Ok(None) => Read::Gone(r),
                Err(e) => failed(&r, e),
            }]
        }
        .boxed()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn functions_are_named_however_the_call_names_them() {
        assert_eq!(function_name("orders").as_deref(), Some("orders"));
        assert_eq!(function_name("orders:prod").as_deref(), Some("orders"));
        assert_eq!(function_name("123456789012:function:orders").as_deref(), Some("orders"));
        assert_eq!(function_name("arn:aws:lambda:eu-west-1:123456789012:function:orders:7").as_deref(), Some("orders"));
        assert_eq!(function_name("arn:aws:lambda:eu-west-1:123456789012:layer:deps:1"), None);
        let arn = "arn:aws:lambda:eu-west-1:123456789012:function:orders";
        assert_eq!(ResourceRef::from_arn(arn).map(|r| r.arn()).as_deref(), Some(arn));
    }
}
