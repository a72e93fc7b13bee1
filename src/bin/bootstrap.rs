//! The Lambda entry point: builds clients once per cold start and serves events with the shared handler.

use lambda_runtime::{service_fn, Diagnostic, LambdaEvent};
use serde_json::Value;
use vigil::error::{cause_chain, HandlerError};
use vigil::handler::{RunOptions, Vigil};

/// The error the runtime reports, typed so operators can tell retryable failures from bad input.
#[derive(Debug)]
struct InvocationError(HandlerError);

impl From<InvocationError> for Diagnostic {
    fn from(e: InvocationError) -> Diagnostic {
        let kind = if e.0.is_retryable() { "vigil.Retryable" } else { "vigil.NonRetryable" };
        Diagnostic { error_type: kind.into(), error_message: cause_chain(&e.0) }
    }
}

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    tracing_subscriber::fmt()
        .json()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_current_span(false)
        .with_target(false)
        .without_time()
        .init();
    // No AWS call here: the account comes from each invocation's function ARN.
    let vigil = match Vigil::from_env_unresolved().await {
        Ok(v) => v,
        Err(e) => {
            tracing::error!(error = %cause_chain(&e), "vigil cannot start");
            return Err(e.into());
        }
    };
    let vigil = &vigil;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| async move {
        let opts = RunOptions { function_arn: Some(event.context.invoked_function_arn.clone()), ..RunOptions::default() }
            .with_deadline_ms(event.context.deadline, std::time::SystemTime::now());
        match vigil.handle(&event.payload, &opts).await {
            Ok(report) => Ok(serde_json::to_value(&report).unwrap_or(Value::Null)),
            // Bad input: retrying cannot help, so the invocation succeeds with a rejection, and the
            // event is logged whole so nothing is lost.
            Err(e @ HandlerError::BadEvent(_)) => {
                tracing::error!(error = %cause_chain(&e), event = %event.payload, "event rejected");
                Ok(serde_json::json!({"status": "rejected", "error": cause_chain(&e)}))
            }
            Err(e) => {
                tracing::error!(error = %cause_chain(&e), retryable = e.is_retryable(), "invocation failed");
                Err(InvocationError(e))
            }
        }
    }))
    .await
}
