//! CloudTrail: trails (logging, validation, encryption, delivery, selectors) and the account's
//! coverage by multi-region trails. Event rows, types and entry points; the collector is
//! `read.rs`, snapshots `snapshot.rs`, checks `checks/`.

pub mod checks;
pub mod read;
pub mod snapshot;

use crate::model::{partition, Arn, ResourceRef, ResourceType, TypeInfo, ACCOUNT};
use crate::router::{Effect, EventCx, EventRule, Focus, Located, Locator, RouteError, Target};
use crate::service::{failed, Read, ReadCx, Scan, Service, ServiceInfo, Snapshot, Subject};
use futures::future::BoxFuture;
use futures::FutureExt;
use snapshot::{AccountTrails, Trail};

pub const TRAIL: ResourceType = ResourceType(&TypeInfo {
    name: "AWS::CloudTrail::Trail",
    arn: |r| format!("arn:{}:cloudtrail:{}:{}:trail/{}", partition(&r.region), r.region, r.account, r.id),
    tags: false,
    named: true,
    regional: true,
    has_findings: true,
    short: None,
});

const SOURCE: &str = "cloudtrail.amazonaws.com";
const WHOLE: Effect = Effect::Audit(Focus::EVERYTHING);

/// Every trail event re-reads the trail (a deleted one reads as gone) and the account's coverage.
const fn on(name: &'static str) -> EventRule {
    EventRule::new(SOURCE, name, Locator::Custom(trail_and_account), WHOLE)
}

static EVENTS: &[EventRule] = &[on("CreateTrail"), on("UpdateTrail"), on("DeleteTrail"), on("StartLogging"), on("StopLogging"), on("PutEventSelectors")];

/// `requestParameters.name` (a name or an ARN; CreateTrail also answers with `trailARN`), and the
/// account.
fn trail_and_account(cx: &EventCx) -> Result<Located, RouteError> {
    let named = cx.text("detail.responseElements.trailARN").or_else(|| cx.text("detail.requestParameters.name")).or_else(|| cx.text("detail.requestParameters.trailName"));
    let named = named.ok_or_else(|| RouteError::MissingField { event: cx.name.to_string(), field: "detail.requestParameters.name" })?;
    let trail = match Arn::parse(&named) {
        Some(arn) => {
            let name = arn.resource.strip_prefix("trail/").filter(|n| !n.is_empty()).ok_or_else(|| RouteError::BadValue { field: "detail.requestParameters.name", reason: format!("{named} is not a trail ARN") })?;
            ResourceRef::new(TRAIL, name, arn.account, arn.region)
        }
        None => cx.resource(TRAIL, named),
    };
    Ok(Located::Resources(vec![trail, cx.resource(ACCOUNT, cx.account)]))
}

impl Subject for Trail {}
impl Subject for AccountTrails {}

/// Each operation the collector performs, with the IAM actions that authorize it.
static OPERATIONS: &[(&str, &[&str])] = &[
    ("cloudtrail:DescribeTrails", &["cloudtrail:DescribeTrails"]),
    ("cloudtrail:GetTrailStatus", &["cloudtrail:GetTrailStatus"]),
    ("cloudtrail:GetEventSelectors", &["cloudtrail:GetEventSelectors"]),
];

static INFO: ServiceInfo = ServiceInfo { name: "cloudtrail", types: &[TRAIL, ACCOUNT], checks: checks::CHECKS, events: EVENTS, global: true, permissions: OPERATIONS };

pub struct CloudTrail;

/// The account's view: every multi-region trail, and the home region's own trails, with their
/// status and selectors, as DescribeTrails shows them from the SDK's region.
async fn account(cx: &ReadCx<'_>) -> Read {
    let r = ResourceRef::new(ACCOUNT, cx.account_id, cx.account_id, cx.clients.default_region());
    match read::view(cx).await {
        Ok(view) => Read::Found(Snapshot { resource: r, subject: Box::new(AccountTrails { trails: view.0.clone() }), failures: view.1.clone() }),
        Err(e) => failed(&r, e),
    }
}

/// One listed trail with its details: status and selectors from the run's view when it holds the
/// trail (no second read), then its bucket's access logging.
async fn detailed(cx: &ReadCx<'_>, mut t: Trail) -> Snapshot {
    let known = match read::view(cx).await {
        Ok(view) => view.0.iter().find(|v| v.arn == t.arn && !t.arn.is_empty()).cloned(),
        Err(_) => None,
    };
    let mut failures = match known {
        Some(v) => {
            t.logging = v.logging;
            t.selectors = v.selectors;
            Vec::new()
        }
        None => read::status_and_selectors(cx.clients, &mut t, cx.partition()).await,
    };
    failures.extend(read::bucket_logging(cx.clients, &mut t).await);
    let r = ResourceRef::new(TRAIL, &t.name, cx.account_id, &t.home_region);
    Snapshot { resource: r, subject: Box::new(t), failures }
}

impl Service for CloudTrail {
    fn info(&self) -> &'static ServiceInfo {
        &INFO
    }

    fn parse_arn(&self, arn: &Arn) -> Option<ResourceRef> {
        if !arn.is_regional(self.name()) {
            return None;
        }
        let name = arn.resource.strip_prefix("trail/").filter(|n| !n.is_empty())?;
        Some(ResourceRef::new(TRAIL, name, arn.account, arn.region))
    }

    /// The trails homed in each audited region, each with its details, and the account's view.
    fn scan<'a>(&'a self, cx: &'a ReadCx<'a>, _region: &'a str) -> BoxFuture<'a, Scan> {
        async move {
            let mut scan = Scan::default();
            for region in cx.regions() {
                match read::trails(cx.clients, &region, false).await {
                    Ok(trails) => {
                        scan.complete.push((TRAIL, Some(region.clone())));
                        for t in trails {
                            scan.snapshots.push(detailed(cx, t).await);
                        }
                    }
                    Err(error) => {
                        scan.incomplete.push(TRAIL);
                        scan.failures.push(crate::error::ReadFailure::regional(TRAIL.as_str(), &region, error));
                    }
                }
            }
            match account(cx).await {
                Read::Found(s) => scan.snapshots.push(s),
                Read::Failed(f) => scan.failures.push(f),
                _ => {}
            }
            scan
        }
        .boxed()
    }

    fn read<'a>(&'a self, cx: &'a ReadCx<'a>, target: &'a Target) -> BoxFuture<'a, Vec<Read>> {
        async move {
            if target.resource.kind == ACCOUNT {
                return vec![account(cx).await];
            }
            let Some(r) = cx.regional(&target.resource) else { return vec![Read::OutOfScope(target.resource.clone())] };
            match read::trail(cx.clients, &r.region, &r.id).await {
                Ok(Some(t)) => {
                    let s = detailed(cx, t).await;
                    vec![Read::Found(Snapshot { resource: r, ..s })]
                }
                Ok(None) => vec![Read::Gone(r)],
                Err(e) => vec![failed(&r, e)],
            }
        }
        .boxed()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trail_arns_round_trip() {
        let arn = "arn:aws:cloudtrail:eu-west-1:123456789012:trail/org-trail";
        assert_eq!(ResourceRef::from_arn(arn).map(|r| r.arn()).as_deref(), Some(arn));
    }
}
