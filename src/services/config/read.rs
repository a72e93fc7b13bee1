//! Config collection: a region's recorders and their status.

use crate::aws::{classify, Clients};
use crate::error::AwsError;
use crate::services::config::snapshot::{Recorder, Recorders};
use aws_sdk_config::Client;

fn client(clients: &Clients, region: &str) -> Client {
    clients.regional(region, |sdk, recorder| Client::from_conf(aws_sdk_config::config::Builder::from(sdk).interceptor(recorder.clone()).build()))
}

/// The region's recorders (at most one per region) with whether each is recording.
pub async fn recorders(clients: &Clients, region: &str) -> Result<Recorders, AwsError> {
    let c = client(clients, region);
    let listed = c.describe_configuration_recorders().send().await.map_err(|e| classify(&e))?;
    let status = c.describe_configuration_recorder_status().send().await.map_err(|e| classify(&e))?;
    let recorders = listed
        .configuration_recorders()
        .iter()
        .map(|r| {
            let name = r.name().unwrap_or_default().to_string();
            let group = r.recording_group();
            Recorder {
                recording: status.configuration_recorders_status().iter().find(|s| s.name() == Some(name.as_str())).map(|s| s.recording()),
                all_supported: group.map(|g| g.all_supported()),
                global_types: group.map(|g| g.include_global_resource_types()),
                name,
            }
        })
        .collect();
    Ok(Recorders { recorders, home: region == clients.default_region() })
}
