//! vigil: an AWS security auditor. Events flow trigger → collect → checks → findings → store → alert.
//!
//! The Lambda (`bootstrap`) and the CLI (`vigil`) are thin shells over [`handler::Vigil`].

pub mod alert;
pub mod audit;
pub mod aws;
pub mod checks;
pub mod collect;
pub mod config;
pub mod error;
pub mod findings;
pub mod handler;
pub mod model;
pub mod policy;
pub mod report;
pub mod snapshot;
pub mod store;
pub mod trigger;
