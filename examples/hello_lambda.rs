//! The smallest `lambda_runtime` function, built with vigil's profile: the baseline that
//! `scripts/bench-init` compares vigil's cold start with.

use lambda_runtime::{service_fn, LambdaEvent};
use serde_json::Value;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    lambda_runtime::run(service_fn(|event: LambdaEvent<Value>| async move { Ok::<Value, lambda_runtime::Error>(event.payload) })).await
}
