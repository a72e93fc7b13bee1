//! Lambda collection: the region's functions, and one function's configuration, resource policy,
//! function URL and tags.

use crate::aws::{classify, each_page, Clients};
use crate::error::AwsError;
use crate::policy::PolicyDocument;
use crate::services::lambda::snapshot::Function;
use aws_sdk_lambda::Client;
use futures::StreamExt;

fn client(clients: &Clients, region: &str) -> Client {
    clients.regional(region, |sdk, recorder| Client::from_conf(aws_sdk_lambda::config::Builder::from(sdk).interceptor(recorder.clone()).build()))
}

/// Lambda's answer for a function, policy or URL that does not exist.
const NOT_FOUND: &[&str] = &["ResourceNotFoundException"];

/// Function reads at once in a scan.
const CONCURRENT: usize = 8;

fn malformed(message: String) -> AwsError {
    AwsError {
        operation: crate::error::Operation::of::<aws_sdk_lambda::operation::get_policy::GetPolicyError>(),
        kind: crate::error::AwsErrorKind::Other,
        code: None,
        message,
    }
}

/// Every function of the region with its policy, URL and tags; the parts that failed are `None`
/// and their errors returned beside it.
pub async fn functions(clients: &Clients, region: &str) -> Result<Vec<(Function, Vec<AwsError>)>, AwsError> {
    let c = client(clients, region);
    let mut listed = Vec::new();
    let mut unnamed = false;
    each_page(c.list_functions().into_paginator().send(), |page| {
        for f in page.functions() {
            match (f.function_name(), f.function_arn()) {
                (Some(name), Some(arn)) => listed.push((name.to_string(), arn.to_string(), f.runtime().map(|r| r.as_str().to_string()))),
                _ => unnamed = true,
            }
        }
    })
    .await?;
    if unnamed {
        return Err(AwsError {
            operation: crate::error::Operation::of::<aws_sdk_lambda::operation::list_functions::ListFunctionsError>(),
            kind: crate::error::AwsErrorKind::Other,
            code: None,
            message: "a function in the listing has no name or ARN".into(),
        });
    }
    // The futures are built before the stream so its type names no closure (the scan future must be Send).
    let reads: Vec<_> = listed.iter().map(|(name, arn, runtime)| details(&c, name, Some(arn), runtime.clone())).collect();
    Ok(futures::stream::iter(reads).buffered(CONCURRENT).collect().await)
}

/// One function: `Ok(None)` when it does not exist.
pub async fn function(clients: &Clients, region: &str, name: &str) -> Result<Option<(Function, Vec<AwsError>)>, AwsError> {
    let c = client(clients, region);
    let out = match c.get_function().function_name(name).send().await {
        Ok(out) => out,
        Err(e) => return classify(&e).absent_if(NOT_FOUND),
    };
    let runtime = out.configuration().and_then(|c| c.runtime()).map(|r| r.as_str().to_string());
    let (mut function, errors) = details(&c, name, None, runtime).await;
    // GetFunction returns the tags itself.
    function.tags = Some(out.tags().map(|t| t.iter().map(|(k, v)| (k.clone(), v.clone())).collect()).unwrap_or_default());
    Ok(Some((function, errors)))
}

/// The policy, the URL's auth type and (with `arn`) the tags of one function.
async fn details(c: &Client, name: &str, arn: Option<&str>, runtime: Option<String>) -> (Function, Vec<AwsError>) {
    let (policy, url, tags) = tokio::join!(policy(c, name), url_auth(c, name), async {
        match arn {
            Some(arn) => Some(c.list_tags().resource(arn).send().await.map_err(|e| classify(&e))),
            None => None,
        }
    });
    let mut errors = Vec::new();
    let mut function = Function { name: name.to_string(), runtime, policy: None, url_auth: None, tags: None };
    function.policy = policy.map_err(|e| errors.push(e)).ok();
    function.url_auth = url.map_err(|e| errors.push(e)).ok();
    if let Some(tags) = tags {
        function.tags = tags.map(|t| t.tags().map(|t| t.iter().map(|(k, v)| (k.clone(), v.clone())).collect()).unwrap_or_default()).map_err(|e| errors.push(e)).ok();
    }
    (function, errors)
}

/// The function's resource policy; `Ok(None)` when it has none.
async fn policy(c: &Client, name: &str) -> Result<Option<PolicyDocument>, AwsError> {
    match c.get_policy().function_name(name).send().await {
        Ok(out) => match out.policy() {
            Some(text) => PolicyDocument::parse(text).map(Some).map_err(|e| malformed(format!("the function policy does not parse: {e}"))),
            None => Err(malformed("GetPolicy returned no policy".into())),
        },
        // A function without a policy answers ResourceNotFoundException.
        Err(e) => classify(&e).absent_if(NOT_FOUND),
    }
}

/// The function URL's auth type; `Ok(None)` when the function has no URL.
async fn url_auth(c: &Client, name: &str) -> Result<Option<String>, AwsError> {
    match c.get_function_url_config().function_name(name).send().await {
        Ok(out) => Ok(Some(out.auth_type().as_str().to_string())),
        // A function without a URL answers ResourceNotFoundException.
        Err(e) => classify(&e).absent_if(NOT_FOUND),
    }
}
