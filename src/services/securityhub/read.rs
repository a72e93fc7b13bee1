//! Security Hub collection: whether the hub is on (DescribeHub).

use crate::aws::{classify, Clients};
use crate::error::AwsError;
use crate::services::securityhub::snapshot::Hub;
use aws_sdk_securityhub::Client;

fn client(clients: &Clients, region: &str) -> Client {
    clients.regional(region, |sdk, recorder| Client::from_conf(aws_sdk_securityhub::config::Builder::from(sdk).interceptor(recorder.clone()).build()))
}

/// Codes DescribeHub answers with when the account is not subscribed in the region: data, not an
/// error. (AccessDenied is an error: it says nothing about the hub.)
const NOT_SUBSCRIBED: &[&str] = &["InvalidAccessException", "ResourceNotFoundException"];

pub async fn hub(clients: &Clients, region: &str) -> Result<Hub, AwsError> {
    match client(clients, region).describe_hub().send().await {
        Ok(out) => Ok(Hub { enabled: true, arn: out.hub_arn().map(str::to_string) }),
        Err(e) => {
            let e = classify(&e);
            if e.has_code(NOT_SUBSCRIBED) {
                Ok(Hub { enabled: false, arn: None })
            } else {
                Err(e)
            }
        }
    }
}
