//! EFS collection: the region's file systems, or one, with encryption and tags.

use crate::aws::{classify, Clients};
use crate::error::AwsError;
use crate::services::efs::snapshot::FileSystem;
use aws_sdk_efs::Client;

fn client(clients: &Clients, region: &str) -> Client {
    clients.regional(region, |sdk, recorder| Client::from_conf(aws_sdk_efs::config::Builder::from(sdk).interceptor(recorder.clone()).build()))
}

/// Every file system of the region, or one (empty when it is gone).
pub async fn file_systems(clients: &Clients, region: &str, id: Option<&str>) -> Result<Vec<FileSystem>, AwsError> {
    let mut out = Vec::new();
    let mut pages = client(clients, region).describe_file_systems().set_file_system_id(id.map(str::to_string)).into_paginator().send();
    while let Some(page) = pages.next().await {
        let page = match page {
            Ok(p) => p,
            Err(e) => {
                let e = classify(&e);
                // The answer to a lookup of one file system that does not exist.
                if id.is_some() && e.has_code(&["FileSystemNotFound"]) {
                    return Ok(Vec::new());
                }
                return Err(e);
            }
        };
        for f in page.file_systems() {
            out.push(FileSystem {
                id: f.file_system_id().to_string(),
                encrypted: f.encrypted(),
                kms_key: f.kms_key_id().map(str::to_string),
                tags: f.tags().iter().map(|t| (t.key().to_string(), t.value().to_string())).collect(),
            });
        }
    }
    Ok(out)
}
