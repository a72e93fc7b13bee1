//! Security Hub checks, one file each.

crate::check::checks! {
    not_enabled,
}
