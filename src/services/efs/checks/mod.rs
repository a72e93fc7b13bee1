//! EFS checks, one file each.

crate::check::checks! {
    filesystem_unencrypted,
}
