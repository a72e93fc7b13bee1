//! Lambda function checks, one file each.

crate::check::checks! {
    function_public,
    function_runtime_deprecated,
}
