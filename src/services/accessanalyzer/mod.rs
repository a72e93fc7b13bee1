//! IAM Access Analyzer: whether an account analyzer reports external access in each audited region. Event rows, types and entry
//! points; the collector is `read.rs`, snapshots `snapshot.rs`, checks `checks/`.

pub mod checks;
pub mod read;
pub mod snapshot;

use crate::model::ACCOUNT_REGION;
use crate::router::{Effect, EventRule, Focus, Locator};
use crate::service::{PerRegion, ServiceInfo, Subject};
use futures::FutureExt;
use snapshot::Analyzers;

const SOURCE: &str = "access-analyzer.amazonaws.com";
const WHOLE: Effect = Effect::Audit(Focus::EVERYTHING);

/// Creating or deleting an analyzer re-reads the region's analyzers.
const fn on(name: &'static str) -> EventRule {
    EventRule::new(SOURCE, name, Locator::Account(ACCOUNT_REGION), WHOLE)
}

static EVENTS: &[EventRule] = &[on("CreateAnalyzer"), on("DeleteAnalyzer")];

impl Subject for Analyzers {}

/// Each operation the collector performs, with the IAM actions that authorize it.
static OPERATIONS: &[(&str, &[&str])] = &[("accessanalyzer:ListAnalyzers", &["access-analyzer:ListAnalyzers"])];

static INFO: ServiceInfo = ServiceInfo { name: "accessanalyzer", types: &[ACCOUNT_REGION], checks: checks::CHECKS, events: EVENTS, global: false, permissions: OPERATIONS };

/// The region's analyzers, judged as the account-region.
pub static ACCESS_ANALYZER: PerRegion = PerRegion {
    info: &INFO,
    read: |clients, region| async move { read::analyzers(clients, region).await.map(|s| Box::new(s) as Box<dyn Subject>) }.boxed(),
};
