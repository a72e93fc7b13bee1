//! GuardDuty collection: a region's detectors and their status.

use crate::aws::{classify, each_page, Clients};
use crate::error::AwsError;
use crate::services::guardduty::snapshot::Detectors;
use aws_sdk_guardduty::types::DetectorStatus;
use aws_sdk_guardduty::Client;

fn client(clients: &Clients, region: &str) -> Client {
    clients.regional(region, |sdk, recorder| Client::from_conf(aws_sdk_guardduty::config::Builder::from(sdk).interceptor(recorder.clone()).build()))
}

/// Every detector of the region with whether it is enabled.
pub async fn detectors(clients: &Clients, region: &str) -> Result<Detectors, AwsError> {
    let c = client(clients, region);
    let mut ids = Vec::new();
    each_page(c.list_detectors().into_paginator().send(), |page| ids.extend(page.detector_ids().iter().cloned())).await?;
    let mut out = Detectors::default();
    for id in ids {
        let d = c.get_detector().detector_id(&id).send().await.map_err(|e| classify(&e))?;
        out.detectors.push((id, d.status().map(|s| *s == DetectorStatus::Enabled)));
    }
    Ok(out)
}
