//! Access Analyzer collection: a region's analyzers (ListAnalyzers).

use crate::aws::{each_page, Clients};
use crate::error::AwsError;
use crate::services::accessanalyzer::snapshot::{Analyzer, Analyzers};
use aws_sdk_accessanalyzer::Client;

fn client(clients: &Clients, region: &str) -> Client {
    clients.regional(region, |sdk, recorder| Client::from_conf(aws_sdk_accessanalyzer::config::Builder::from(sdk).interceptor(recorder.clone()).build()))
}

/// Every analyzer of the region, of any type.
pub async fn analyzers(clients: &Clients, region: &str) -> Result<Analyzers, AwsError> {
    let mut out = Analyzers::default();
    each_page(client(clients, region).list_analyzers().into_paginator().send(), |page| {
        out.analyzers.extend(page.analyzers().iter().map(|a| Analyzer {
            name: a.name().to_string(),
            kind: a.r#type().as_str().to_string(),
            status: a.status().as_str().to_string(),
        }))
    })
    .await?;
    Ok(out)
}
