//! GuardDuty: whether threat detection is on in each audited region. Event rows, types and entry
//! points; the collector is `read.rs`, snapshots `snapshot.rs`, checks `checks/`.

pub mod checks;
pub mod read;
pub mod snapshot;

use crate::model::ACCOUNT_REGION;
use crate::router::{Effect, EventRule, Focus, Locator};
use crate::service::{PerRegion, ServiceInfo, Subject};
use futures::FutureExt;
use snapshot::Detectors;

const SOURCE: &str = "guardduty.amazonaws.com";
const WHOLE: Effect = Effect::Audit(Focus::EVERYTHING);

/// Every detector event re-reads the region's detectors.
const fn on(name: &'static str) -> EventRule {
    EventRule::new(SOURCE, name, Locator::Account(ACCOUNT_REGION), WHOLE)
}

static EVENTS: &[EventRule] = &[on("CreateDetector"), on("DeleteDetector"), on("UpdateDetector")];

impl Subject for Detectors {}

/// Each operation the collector performs, with the IAM actions that authorize it.
static OPERATIONS: &[(&str, &[&str])] = &[("guardduty:ListDetectors", &["guardduty:ListDetectors"]), ("guardduty:GetDetector", &["guardduty:GetDetector"])];

static INFO: ServiceInfo = ServiceInfo { name: "guardduty", types: &[ACCOUNT_REGION], checks: checks::CHECKS, events: EVENTS, global: false, permissions: OPERATIONS };

/// The region's GuardDuty detectors, judged as the account-region.
pub static GUARDDUTY: PerRegion = PerRegion {
    info: &INFO,
    read: |clients, region| async move { read::detectors(clients, region).await.map(|s| Box::new(s) as Box<dyn Subject>) }.boxed(),
};
