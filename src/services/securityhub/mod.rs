//! Security Hub: whether the findings hub is on in each audited region. Event rows, types and entry
//! points; the collector is `read.rs`, snapshots `snapshot.rs`, checks `checks/`.

pub mod checks;
pub mod read;
pub mod snapshot;

use crate::model::{Arn, ResourceRef, ACCOUNT_REGION};
use crate::router::{Effect, EventRule, Focus, Locator, Target};
use crate::service::{failed, Read, ReadCx, Scan, Service, ServiceInfo, Snapshot, Subject};
use futures::future::BoxFuture;
use futures::FutureExt;
use snapshot::Hub;

const SOURCE: &str = "securityhub.amazonaws.com";
const WHOLE: Effect = Effect::Audit(Focus::EVERYTHING);

/// Enabling or disabling the hub re-reads the region's hub.
const fn on(name: &'static str) -> EventRule {
    EventRule::new(SOURCE, name, Locator::Account(ACCOUNT_REGION), WHOLE)
}

static EVENTS: &[EventRule] = &[on("EnableSecurityHub"), on("DisableSecurityHub")];

impl Subject for Hub {}

/// Each operation the collector performs, with the IAM actions that authorize it.
static OPERATIONS: &[(&str, &[&str])] = &[("securityhub:DescribeHub", &["securityhub:DescribeHub"])];

static INFO: ServiceInfo = ServiceInfo { name: "securityhub", types: &[ACCOUNT_REGION], checks: checks::CHECKS, events: EVENTS, global: false, permissions: OPERATIONS };

pub struct SecurityHub;

async fn region(cx: &ReadCx<'_>, region: &str) -> Read {
    let r = ResourceRef::new(ACCOUNT_REGION, cx.account_id, cx.account_id, region);
    match read::hub(cx.clients, region).await {
        Ok(d) => Read::Found(Snapshot::new(r, d)),
        Err(e) => failed(&r, e),
    }
}

impl Service for SecurityHub {
    fn info(&self) -> &'static ServiceInfo {
        &INFO
    }

    /// The account-region is EC2's to name in an ARN; the hub is judged as the account-region.
    fn parse_arn(&self, _arn: &Arn) -> Option<ResourceRef> {
        None
    }

    fn scan<'a>(&'a self, cx: &'a ReadCx<'a>, region_name: &'a str) -> BoxFuture<'a, Scan> {
        async move {
            let mut scan = Scan::default();
            match region(cx, region_name).await {
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
            let Some(r) = cx.regional(&target.resource) else { return vec![Read::OutOfScope(target.resource.clone())] };
            vec![region(cx, &r.region).await]
        }
        .boxed()
    }
}
