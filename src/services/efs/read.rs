//! EFS collection: the region's file systems, or one, with encryption and tags.

use crate::aws::{each_page, Clients};
use crate::error::AwsError;
use crate::services::efs::snapshot::FileSystem;
use aws_sdk_efs::Client;

fn client(clients: &Clients, region: &str) -> Client {
    clients.regional(region, |sdk, recorder| Client::from_conf(aws_sdk_efs::config::Builder::from(sdk).interceptor(recorder.clone()).build()))
}

/// Every file system of the region, or one (empty when it is gone).
pub async fn file_systems(clients: &Clients, region: &str, id: Option<&str>) -> Result<Vec<FileSystem>, AwsError> {
    let mut out = Vec::new();
    let pages = client(clients, region).describe_file_systems().set_file_system_id(id.map(str::to_string)).into_paginator().send();
    let read = each_page(pages, |page| {
        out.extend(page.file_systems().iter().map(|f| FileSystem {
            id: f.file_system_id().to_string(),
            encrypted: f.encrypted(),
            kms_key: f.kms_key_id().map(str::to_string),
            tags: f.tags().iter().map(|t| (t.key().to_string(), t.value().to_string())).collect(),
        }));
    })
    .await;
    match read {
        // The answer to a lookup of one file system that does not exist; a listing that fails is
        // an error.
        Err(e) if id.is_some() && e.has_code(&["FileSystemNotFound"]) => Ok(Vec::new()),
        other => other.map(|()| out),
    }
}
