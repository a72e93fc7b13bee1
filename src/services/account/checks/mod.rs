//! Account checks, one file each.

crate::check::checks! {
    security_contact_missing,
}
