//! vigil: an AWS security auditor. Events flow router → service reads → the judge → findings →
//! store → alerts.
//!
//! The core (this crate's top-level modules) names no AWS service; each service is one folder
//! under [`services`], registered by one line there. The Lambda (`bootstrap`) and the CLI
//! (`vigil`) are thin shells over [`handler::Vigil`].

pub mod alert;
pub mod aws;
pub mod check;
pub mod compliance;
pub mod config;
pub mod engine;
pub mod error;
pub mod findings;
pub mod handler;
pub mod member;
pub mod model;
pub mod policy;
pub mod queue;
pub mod render;
pub mod report;
pub mod router;
pub mod service;
pub mod services;
pub mod sinks;
pub mod store;
pub mod tagging;
